use crate::fake_twilio::{first_send_answers_after, stored};
use crate::helpers::*;
use omnidesk::domain::MessageStatus;
use std::time::Duration;

async fn sent_reply(app: &TestApp) -> (String, omnidesk::domain::ConversationId, u64) {
    twilio_accepts(&app.twilio).await;
    let conv = app.customer_writes_wa("hi").await;
    let msg = app.reply(conv.id, "hello!").await.unwrap();
    let provider_id = eventually("the provider accepts", || async {
        let m = app
            .desk()
            .store()
            .message(conv.id, msg.seq)
            .await
            .unwrap()?;
        m.provider_id
    })
    .await;
    (provider_id, conv.id, msg.seq)
}

fn status_form(sid: &str, status: &str) -> Vec<(String, String)> {
    pairs(&[
        ("MessageSid", sid),
        ("MessageStatus", status),
        ("AccountSid", WA_SID),
        ("From", &format!("whatsapp:{WA_BUSINESS}")),
        ("To", &format!("whatsapp:{CUSTOMER}")),
    ])
}

/// A reply whose send reaches Twilio, which answers it (with `sid`) only 800 ms later: the
/// message, and the request as Twilio got it.
async fn slow_send(
    app: &TestApp,
) -> (
    String,
    omnidesk::store::records::Conversation,
    omnidesk::store::records::Message,
    wiremock::Request,
) {
    let sid = new_sid();
    first_send_answers_after(&app.twilio, Duration::from_millis(800), &sid).await;
    let conv = app.customer_writes_wa("hi").await;
    let msg = app.reply(conv.id, "on its way").await.unwrap();
    let req = eventually("the send reaches Twilio", || async {
        app.sent_messages().await.into_iter().next()
    })
    .await;
    (sid, conv, msg, req)
}

#[tokio::test]
async fn status_only_moves_forward() {
    let app = spawn_app().await;
    let (sid, conv, seq) = sent_reply(&app).await;
    for (status, expected) in [
        ("sent", MessageStatus::Sent),
        ("delivered", MessageStatus::Delivered),
        ("sent", MessageStatus::Delivered),
        ("queued", MessageStatus::Delivered),
        ("read", MessageStatus::Read),
        ("delivered", MessageStatus::Read),
    ] {
        let resp = app.post_status_wa(&status_form(&sid, status)).await;
        assert_eq!(resp.status(), 200);
        let m = app
            .desk()
            .store()
            .message(conv, seq)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(m.status, expected, "after a late {status:?}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_failed_status_records_the_error_code_and_text() {
    let app = spawn_app().await;
    let (sid, conv, seq) = sent_reply(&app).await;
    let form = with(status_form(&sid, "undelivered"), "ErrorCode", "30003");
    assert_eq!(app.post_status_wa(&form).await.status(), 200);
    let m = app
        .desk()
        .store()
        .message(conv, seq)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.status, MessageStatus::Undelivered);
    let f = m.failure.expect("failure recorded");
    assert_eq!(f.code, Some(30003));
    assert_eq!(f.message, "Unreachable destination handset");
    app.stop().await;
}

#[tokio::test]
async fn a_status_for_an_unknown_message_is_200_and_ignored() {
    let app = spawn_app().await;
    let resp = app
        .post_status_wa(&status_form(&new_sid(), "delivered"))
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(app.message_count().await, 0);
    app.stop().await;
}

#[tokio::test]
async fn status_callbacks_are_signed_and_validated() {
    let app = spawn_app().await;
    let (sid, conv, seq) = sent_reply(&app).await;
    let url = app.status_url(&app.fx.wa_account);
    let forged = app
        .post_signed(&url, "wrong", &status_form(&sid, "read"))
        .await;
    assert_eq!(forged.status(), 403);
    let bad = app.post_status_wa(&status_form(&sid, "teleported")).await;
    assert_eq!(bad.status(), 400);
    let bad_code = app
        .post_status_wa(&with(status_form(&sid, "failed"), "ErrorCode", "abc"))
        .await;
    assert_eq!(bad_code.status(), 400);
    let m = app
        .desk()
        .store()
        .message(conv, seq)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.status, MessageStatus::Queued, "nothing changed");
    app.stop().await;
}

#[tokio::test]
async fn a_callback_that_beats_the_send_result_is_kept_and_the_result_does_not_move_it_back() {
    let app = spawn_app().await;
    let (sid, conv, msg, req) = slow_send(&app).await;
    let callback = field(&form_of(&req), "StatusCallback").unwrap();
    assert_eq!(
        callback,
        format!(
            "{}?m={}-{}",
            app.status_url(&app.fx.wa_account),
            conv.id.get(),
            msg.seq
        ),
        "the callback URL carries our own key of the message"
    );
    // Twilio calls back while its 201 is still on the way to us.
    for status in ["sent", "delivered"] {
        let resp = app
            .post_signed(&callback, WA_TOKEN, &status_form(&sid, status))
            .await;
        assert_eq!(resp.status(), 200);
    }
    let early = stored(&app, conv.id, msg.seq).await;
    assert_eq!(early.provider_id, None, "the send result is not stored yet");
    assert_eq!(
        early.status,
        MessageStatus::Delivered,
        "nothing was dropped"
    );

    let m = eventually("the send result is stored", || async {
        let m = stored(&app, conv.id, msg.seq).await;
        m.provider_id.is_some().then_some(m)
    })
    .await;
    assert_eq!(m.provider_id.as_deref(), Some(sid.as_str()));
    assert_eq!(
        m.status,
        MessageStatus::Delivered,
        "the 201's queued does not move it back"
    );
    let late = app
        .post_signed(&callback, WA_TOKEN, &status_form(&sid, "sent"))
        .await;
    assert_eq!(late.status(), 200);
    assert_eq!(
        stored(&app, conv.id, msg.seq).await.status,
        MessageStatus::Delivered
    );
    app.stop().await;
}

/// A report without our key (as ACS sends them: only the provider's message id) that beats the
/// send result waits under that id, and lands once the send result is stored.
#[tokio::test]
async fn a_keyless_report_that_beats_the_send_result_is_kept_until_the_id_is_stored() {
    let app = spawn_app().await;
    let (sid, conv, msg, _) = slow_send(&app).await;
    // No `?m=` key: the report names the message by its provider id alone.
    let keyless = app.status_url(&app.fx.wa_account);
    let other_account = app.status_url(&app.fx.sms_account);
    let sms_form = pairs(&[
        ("MessageSid", sid.as_str()),
        ("MessageStatus", "failed"),
        ("AccountSid", SMS_SID),
        ("From", SMS_BUSINESS),
        ("To", CUSTOMER),
    ]);
    let resp = app.post_signed(&other_account, SMS_TOKEN, &sms_form).await;
    assert_eq!(resp.status(), 200);
    let resp = app
        .post_signed(&keyless, WA_TOKEN, &status_form(&sid, "delivered"))
        .await;
    assert_eq!(resp.status(), 200);
    let before = stored(&app, conv.id, msg.seq).await;
    assert_eq!(
        before.provider_id, None,
        "the send result is not stored yet"
    );
    assert_eq!(
        before.status,
        MessageStatus::Queued,
        "no key: not applied yet"
    );

    let m = eventually("the send result is stored", || async {
        let m = stored(&app, conv.id, msg.seq).await;
        m.provider_id.is_some().then_some(m)
    })
    .await;
    assert_eq!(m.provider_id.as_deref(), Some(sid.as_str()));
    assert_eq!(
        m.status,
        MessageStatus::Delivered,
        "the kept report landed with the receipt, and the other account's did not"
    );
    assert_eq!(m.failure, None);
    app.stop().await;
}

#[tokio::test]
async fn a_callback_on_another_account_never_changes_this_accounts_message() {
    let app = spawn_app().await;
    let (sid, conv, seq) = sent_reply(&app).await;
    let other = app.status_url(&app.fx.sms_account);
    let form = pairs(&[
        ("MessageSid", &sid),
        ("MessageStatus", "read"),
        ("AccountSid", SMS_SID),
    ]);
    // Signed for the SMS account, naming the WhatsApp account's message by sid and by key.
    for url in [other.clone(), format!("{other}?m={}-{seq}", conv.get())] {
        let resp = app.post_signed(&url, SMS_TOKEN, &form).await;
        assert_eq!(resp.status(), 200, "unknown on that account: ignored");
    }
    assert_eq!(stored(&app, conv, seq).await.status, MessageStatus::Queued);
    app.stop().await;
}

#[tokio::test]
async fn a_callback_whose_account_sid_is_not_the_accounts_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let (sid, conv, seq) = sent_reply(&app).await;
    for (form, why) in [
        (
            with(status_form(&sid, "read"), "AccountSid", SMS_SID),
            "another account's SID",
        ),
        (
            status_form(&sid, "read")
                .into_iter()
                .filter(|(k, _)| k != "AccountSid")
                .collect(),
            "no AccountSid",
        ),
    ] {
        let resp = app.post_status_wa(&form).await;
        assert_eq!(resp.status(), 400, "{why}");
        assert!(resp.text().await.unwrap().contains("AccountSid"), "{why}");
    }
    assert_eq!(stored(&app, conv, seq).await.status, MessageStatus::Queued);
    app.stop().await;
}

#[tokio::test]
async fn a_malformed_message_key_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let (sid, conv, seq) = sent_reply(&app).await;
    let base = app.status_url(&app.fx.wa_account);
    for (query, why) in [
        ("m=abc", "not a key"),
        ("m=1-1&m=1-2", "two keys"),
        ("m=", "empty"),
    ] {
        let url = format!("{base}?{query}");
        let resp = app
            .post_signed(&url, WA_TOKEN, &status_form(&sid, "read"))
            .await;
        assert_eq!(resp.status(), 400, "{why}");
    }
    assert_eq!(stored(&app, conv, seq).await.status, MessageStatus::Queued);
    app.stop().await;
}
