use crate::helpers::*;
use omnidesk::domain::MessageStatus;

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
