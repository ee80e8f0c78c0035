use crate::helpers::*;
use omnidesk::domain::{ConversationState, MessageStatus};
use omnidesk::live::LiveEvent;
use std::collections::HashSet;

type Form = Vec<(String, String)>;

async fn assert_nothing_stored(app: &TestApp) {
    assert_eq!(
        app.message_count().await,
        0,
        "a refused webhook stored a message"
    );
    assert!(
        app.desk()
            .store()
            .conversations_of(CUSTOMER.into())
            .await
            .unwrap()
            .is_empty(),
        "a refused webhook opened a conversation"
    );
}

#[tokio::test]
async fn a_signed_whatsapp_message_is_stored_and_answered_with_empty_twiml() {
    let app = spawn_app().await;
    let sid = new_sid();
    let resp = app
        .post_inbound_wa(&wa_form(&sid, "Hello, I need help"))
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/xml");
    assert!(resp.text().await.unwrap().contains("<Response/>"));

    let msg = app.message_by_sid(&sid).await.expect("message stored");
    assert_eq!(msg.body, "Hello, I need help");
    assert_eq!(msg.status, MessageStatus::Received);
    assert_eq!(msg.extras.profile_name.as_deref(), Some("Ana"));
    let conv = app.conversation(msg.conversation_id).await;
    assert_eq!(conv.state, ConversationState::Open);
    assert_eq!(conv.customer.as_str(), CUSTOMER);
    assert_eq!(conv.number_id, app.fx.wa_number.id);
    assert_eq!(
        conv.window_expires_at.unwrap().as_millis(),
        START.as_millis() + 24 * 3_600_000,
        "the window closes 24 h after the customer's message"
    );
    let contact = app
        .desk()
        .store()
        .contact(conv.contact_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(contact.name.as_deref(), Some("Ana"));
    assert_eq!(contact.wa_id.as_deref(), Some("14155550123"));
    app.stop().await;
}

#[tokio::test]
async fn an_sms_message_opens_a_conversation_without_a_window() {
    let app = spawn_app().await;
    let conv = app.customer_writes_sms("hi").await;
    assert_eq!(conv.window_expires_at, None);
    assert_eq!(
        conv.workstream_id, None,
        "the SMS number serves no workstream in the fixture"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_account_key_is_404_and_stores_nothing() {
    let app = spawn_app().await;
    let form = wa_form(&new_sid(), "hi");
    for key in [
        "nope",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "..%2F..%2Fetc",
    ] {
        let url = format!("{}/webhooks/twilio/{key}", app.address);
        let resp = app.post_signed(&url, WA_TOKEN, &form).await;
        assert_eq!(resp.status(), 404, "key {key}");
    }
    assert_nothing_stored(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn a_bad_signature_is_403_and_stores_nothing() {
    let app = spawn_app().await;
    let form = wa_form(&new_sid(), "hi");
    let url = app.inbound_url(&app.fx.wa_account);

    let wrong_token = app.post_signed(&url, "not-the-token", &form).await;
    assert_eq!(wrong_token.status(), 403);

    let unsigned = app.http.post(&url).form(&form).send().await.unwrap();
    assert_eq!(unsigned.status(), 403);

    let sig = omnidesk::providers::twilio::signature::compute(WA_TOKEN, &url, &form);
    let tampered = with(form.clone(), "Body", "hi, changed in flight");
    let resp = app
        .http
        .post(&url)
        .header("X-Twilio-Signature", sig)
        .form(&tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);

    let other_account = app.post_signed(&url, SMS_TOKEN, &form).await;
    assert_eq!(
        other_account.status(),
        403,
        "another account's token does not sign for this one"
    );
    assert_nothing_stored(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn a_signature_made_with_the_default_port_is_accepted() {
    let app = spawn_app_with(wiremock::MockServer::start().await, |s| {
        s.public_url = Some("https://desk.example.org".into());
    })
    .await;
    let form = wa_form(&new_sid(), "hi");
    let key = app.fx.wa_account.webhook_key.as_str().to_owned();
    let local = app.inbound_url(&app.fx.wa_account);
    for signed_for in [
        format!("https://desk.example.org/webhooks/twilio/{key}"),
        format!("https://desk.example.org:443/webhooks/twilio/{key}"),
    ] {
        let form = with(form.clone(), "MessageSid", &new_sid());
        let sig_for_form =
            omnidesk::providers::twilio::signature::compute(WA_TOKEN, &signed_for, &form);
        let resp = app
            .http
            .post(&local)
            .header("X-Twilio-Signature", sig_for_form)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "signed for {signed_for}");
    }
    app.stop().await;
}

#[tokio::test]
async fn malformed_webhooks_are_400_with_the_reason_and_store_nothing() {
    let app = spawn_app().await;
    let sid = new_sid();
    let base = wa_form(&sid, "hi");
    let long = "x".repeat(4_097);
    // (form, what the reason must mention, why the form is invalid)
    let cases: Vec<(Form, &str, &str)> = vec![
        (
            with(base.clone(), "MessageSid", "12"),
            "MessageSid",
            "MessageSid is not a SID",
        ),
        (
            base.iter().filter(|(k, _)| k != "From").cloned().collect(),
            "missing field From",
            "From is missing",
        ),
        (
            with(base.clone(), "From", "whatsapp:0044123"),
            "From",
            "From is not E.164",
        ),
        (
            with(base.clone(), "From", "+14155550123"),
            "same channel",
            "From is SMS, To is WhatsApp",
        ),
        (
            with(base.clone(), "Body", "a\0b"),
            "NUL",
            "Body carries a NUL byte",
        ),
        (
            with(base.clone(), "Body", &long),
            "longer than",
            "Body is over 4,096 characters",
        ),
        (
            with(base.clone(), "NumMedia", "3"),
            "MediaUrl",
            "NumMedia promises media not given",
        ),
        (
            with(
                base.clone(),
                "AccountSid",
                "AC99999999999999999999999999999999",
            ),
            "AccountSid does not match",
            "AccountSid of another account",
        ),
        (
            with(base.clone(), "Latitude", "100"),
            "Latitude",
            "latitude without longitude",
        ),
    ];
    for (form, reason, why) in cases {
        let resp = app.post_inbound_wa(&form).await;
        assert_eq!(resp.status(), 400, "{why}");
        let text = resp.text().await.unwrap();
        assert!(
            text.contains(reason),
            "{why}: body {text:?} lacks {reason:?}"
        );
    }
    let not_a_form = app
        .http
        .post(app.inbound_url(&app.fx.wa_account))
        .header("X-Twilio-Signature", "x")
        .body(vec![0xff, 0xfe, b'=', 0x80])
        .send()
        .await
        .unwrap();
    assert_eq!(not_a_form.status(), 400);
    assert_nothing_stored(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_stores_nothing() {
    let app = spawn_app().await;
    let huge = "y".repeat(200 * 1024);
    let resp = app.post_inbound_wa(&wa_form(&new_sid(), &huge)).await;
    assert_eq!(resp.status(), 413);
    assert_nothing_stored(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn a_message_to_a_number_not_configured_is_404_and_stores_nothing() {
    let app = spawn_app().await;
    let form = with(wa_form(&new_sid(), "hi"), "To", "whatsapp:+14155559999");
    let resp = app.post_inbound_wa(&form).await;
    assert_eq!(resp.status(), 404);
    assert!(resp.text().await.unwrap().contains("+14155559999"));
    // The SMS account's number is configured, but not on the WhatsApp account.
    let form = with(
        with(wa_form(&new_sid(), "hi"), "To", SMS_BUSINESS),
        "From",
        CUSTOMER,
    );
    let resp = app.post_inbound_wa(&form).await;
    assert_eq!(resp.status(), 404);
    assert_nothing_stored(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn the_same_webhook_delivered_many_times_stores_one_message_and_one_notification() {
    let app = spawn_app().await;
    let mut events = app.desk().live_events();
    let sid = new_sid();
    let form = wa_form(&sid, "only once please");
    for _ in 0..3 {
        assert_eq!(app.post_inbound_wa(&form).await.status(), 200);
    }
    let concurrent = (0..25).map(|_| app.post_inbound_wa(&form));
    for resp in futures_util::future::join_all(concurrent).await {
        assert_eq!(resp.status(), 200, "every delivery is acknowledged");
    }
    assert_eq!(app.message_count().await, 1);
    let mut stored = 0;
    while let Ok(e) = events.try_recv() {
        if matches!(e, LiveEvent::MessageStored { .. }) {
            stored += 1;
        }
    }
    assert_eq!(stored, 1, "one notification for one message");
    assert_eq!(app.metric("inbound_duplicates_total").await, 27);
    app.stop().await;
}

#[tokio::test]
async fn concurrent_first_messages_from_one_customer_open_exactly_one_conversation() {
    let app = spawn_app().await;
    let sids: Vec<String> = (0..30).map(|_| new_sid()).collect();
    let forms: Vec<_> = sids.iter().map(|s| wa_form(s, "hello?")).collect();
    let posts = forms.iter().map(|f| app.post_inbound_wa(f));
    for resp in futures_util::future::join_all(posts).await {
        assert_eq!(resp.status(), 200);
    }
    let convs = app
        .desk()
        .store()
        .conversations_of(CUSTOMER.into())
        .await
        .unwrap();
    assert_eq!(convs.len(), 1, "one customer, one open conversation");
    let messages = app.messages(convs[0].id).await;
    assert_eq!(messages.len(), 30);
    let seqs: HashSet<u64> = messages.iter().map(|m| m.seq).collect();
    assert_eq!(seqs.len(), 30, "every message has its own seq");
    assert_eq!(app.metric("conversations_opened_total").await, 1);
    app.stop().await;
}

#[tokio::test]
async fn stop_opts_the_customer_out_and_start_opts_them_back_in() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let conv = app.customer_writes_sms("STOP").await;
    let contact = app
        .desk()
        .store()
        .contact(conv.contact_id)
        .await
        .unwrap()
        .unwrap();
    assert!(contact.opted_out_sms);
    let refused = app.reply(conv.id, "are you sure?").await.unwrap_err();
    assert_eq!(refused, omnidesk::store::outbox::SendRefusal::OptedOut);
    assert!(refused.to_string().contains("opted out"));

    app.customer_writes_sms("start").await;
    let contact = app
        .desk()
        .store()
        .contact(conv.contact_id)
        .await
        .unwrap()
        .unwrap();
    assert!(!contact.opted_out_sms);
    app.reply(conv.id, "welcome back")
        .await
        .expect("sendable again");
    eventually("the reply reaches the provider", || async {
        (app.sent_messages().await.len() == 1).then_some(())
    })
    .await;
    let sent = app.sent_messages().await;
    assert_eq!(
        field(&form_of(&sent[0]), "Body").as_deref(),
        Some("welcome back")
    );
    app.stop().await;
}
