//! "Retry" on a failed message: a new send of the same message by the conversation's agent,
//! shown as such, checked again against the 24-hour window and opt-outs.

use crate::fake_twilio::{creates, stored};
use crate::helpers::*;
use crate::signin::Browser;
use omnidesk::domain::optout::OPTED_OUT_TEXT;
use omnidesk::domain::user::{Email, Role};
use omnidesk::domain::window::WINDOW_EXPIRED_TEXT;
use omnidesk::domain::{ConversationId, MessageStatus};
use omnidesk::store::records::Message;
use reqwest::StatusCode;
use std::time::Duration;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, ResponseTemplate};

/// The first send is refused for good (21211), later ones are accepted.
async fn first_send_fails(app: &TestApp) {
    Mock::given(method("POST"))
        .and(path_regex(r"/Messages\.json$"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&app.twilio)
        .await;
    twilio_accepts(&app.twilio).await;
}

/// A browser of an agent assigned to `conv`.
async fn assigned_agent(app: &TestApp, conv: ConversationId, email: &str) -> Browser {
    let browser = app.signed_in(Role::Agent, email).await;
    let user = app
        .desk()
        .store()
        .user_by_email(Email::parse(email).unwrap())
        .await
        .unwrap()
        .unwrap();
    app.desk()
        .store()
        .assign(conv, user.id, 1, app.desk().now())
        .await
        .unwrap()
        .expect("assigned");
    browser
}

/// A reply on `conv` that Twilio refused for good.
async fn failed_reply(app: &TestApp, conv: ConversationId, text: &str) -> Message {
    let msg = app.reply(conv, text).await.unwrap();
    eventually("the send fails", || async {
        let m = stored(app, conv, msg.seq).await;
        (m.status == MessageStatus::Failed).then_some(m)
    })
    .await
}

fn retry_path(conv: ConversationId, seq: u64) -> String {
    format!("/agent/conversations/{}/messages/{seq}/retry", conv.get())
}

#[tokio::test]
async fn the_agent_retries_a_failed_message_as_a_new_attempt_shown_as_retried() {
    let app = spawn_app().await;
    first_send_fails(&app).await;
    let conv = app.customer_writes_wa("hi").await.id;
    let mut agent = assigned_agent(&app, conv, "ana@example.com").await;
    let msg = failed_reply(&app, conv, "Your order shipped.").await;
    let panel = format!("/agent/conversations/{}", conv.get());
    let page = agent.get(&panel).await;
    assert!(
        page.body.contains(&retry_path(conv, msg.seq)),
        "{}",
        page.body
    );

    let done = agent.post(&retry_path(conv, msg.seq), &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location, Some(format!("{panel}#m{}", msg.seq)));
    // WhatsApp's pace: the next slot is 12.5 ms after the first send.
    app.clock.advance(Duration::from_millis(13));
    let m = eventually("the retry is accepted", || async {
        let m = stored(&app, conv, msg.seq).await;
        m.provider_id.is_some().then_some(m)
    })
    .await;
    assert_eq!(m.status, MessageStatus::Queued);
    assert_eq!(m.failure, None);
    assert_eq!(
        app.exchanged(conv).await.len(),
        2,
        "the same message, not a new one"
    );
    let second = &app.sent_messages().await[1];
    assert_eq!(
        field(&form_of(second), "Body").unwrap(),
        "Your order shipped."
    );
    let callback = field(&form_of(second), "StatusCallback").unwrap();
    assert!(
        callback.ends_with(&format!("?m={}-{}-1", conv.get(), msg.seq)),
        "the callback names the new attempt: {callback}"
    );

    // A late callback of the first attempt does not touch the new one.
    let first_round = format!(
        "{}?m={}-{}",
        app.status_url(&app.fx.wa_account),
        conv.get(),
        msg.seq
    );
    let late = pairs(&[
        ("MessageSid", &new_sid()),
        ("MessageStatus", "undelivered"),
        ("AccountSid", WA_SID),
    ]);
    assert_eq!(
        app.post_signed(&first_round, WA_TOKEN, &late)
            .await
            .status(),
        200
    );
    assert_eq!(
        stored(&app, conv, msg.seq).await.status,
        MessageStatus::Queued
    );

    let page = agent.get(&panel).await;
    assert!(page.body.contains("Retried: attempt 2"), "{}", page.body);
    assert!(
        !page.body.contains(&retry_path(conv, msg.seq)),
        "no Retry once it is queued again"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_retry_after_the_window_closed_is_refused_with_the_24_hour_text() {
    let app = spawn_app().await;
    first_send_fails(&app).await;
    let conv = app.customer_writes_wa("hi").await.id;
    let msg = failed_reply(&app, conv, "Your order shipped.").await;
    app.clock.advance(Duration::from_secs(24 * 3600));
    // Signed in after the day has passed, so the session is fresh.
    let mut agent = assigned_agent(&app, conv, "ana@example.com").await;
    agent
        .get(&format!("/agent/conversations/{}", conv.get()))
        .await;
    let refused = agent.post(&retry_path(conv, msg.seq), &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.body.contains(WINDOW_EXPIRED_TEXT),
        "{}",
        refused.body
    );
    assert_eq!(
        WINDOW_EXPIRED_TEXT,
        "This conversation has exceeded the 24 hour limit to respond to the customer."
    );
    assert_eq!(
        stored(&app, conv, msg.seq).await.status,
        MessageStatus::Failed
    );
    assert_eq!(creates(&app).await, 1, "nothing more reached Twilio");
    app.stop().await;
}

#[tokio::test]
async fn a_retry_to_a_customer_who_opted_out_is_refused() {
    let app = spawn_app().await;
    first_send_fails(&app).await;
    let conv = app.customer_writes_sms("hi").await.id;
    let mut agent = assigned_agent(&app, conv, "ana@example.com").await;
    let msg = failed_reply(&app, conv, "Your order shipped.").await;
    app.customer_writes_sms("STOP").await;
    agent
        .get(&format!("/agent/conversations/{}", conv.get()))
        .await;
    let refused = agent.post(&retry_path(conv, msg.seq), &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains(OPTED_OUT_TEXT), "{}", refused.body);
    assert_eq!(
        stored(&app, conv, msg.seq).await.status,
        MessageStatus::Failed
    );
    app.stop().await;
}

#[tokio::test]
async fn only_the_conversations_agent_may_retry_and_only_with_the_csrf_token() {
    let app = spawn_app().await;
    first_send_fails(&app).await;
    let conv = app.customer_writes_wa("hi").await.id;
    let mut owner = assigned_agent(&app, conv, "ana@example.com").await;
    let msg = failed_reply(&app, conv, "Your order shipped.").await;
    let mut other = app.signed_in(Role::Agent, "bo@example.com").await;
    other.get("/agent").await;
    let page = other.post(&retry_path(conv, msg.seq), &[]).await;
    assert_eq!(
        page.status,
        StatusCode::NOT_FOUND,
        "another agent's conversation"
    );
    owner
        .get(&format!("/agent/conversations/{}", conv.get()))
        .await;
    let forged = owner.post_raw(&retry_path(conv, msg.seq), &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "no CSRF token");
    let not_failed = owner.post(&retry_path(conv, 1), &[]).await;
    assert_eq!(
        not_failed.status,
        StatusCode::CONFLICT,
        "the customer's own message"
    );
    assert_eq!(
        stored(&app, conv, msg.seq).await.status,
        MessageStatus::Failed
    );
    assert_eq!(creates(&app).await, 1);
    app.stop().await;
}
