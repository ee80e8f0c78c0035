use crate::helpers::*;
use omnidesk::domain::MessageStatus;
use omnidesk::domain::window::WINDOW_EXPIRED_TEXT;
use omnidesk::store::outbox::{OutboundContent, SendRefusal};
use std::time::Duration;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, ResponseTemplate};

const DAY: Duration = Duration::from_secs(24 * 3600);

fn messages_path() -> wiremock::matchers::PathRegexMatcher {
    path_regex(r"/Messages\.json$")
}

async fn wait_for_requests(app: &TestApp, n: usize) -> Vec<wiremock::Request> {
    eventually(&format!("{n} requests at the fake Twilio"), || async {
        let sent = app.sent_messages().await;
        (sent.len() >= n).then_some(sent)
    })
    .await
}

#[tokio::test]
async fn an_agent_reply_is_sent_with_basic_auth_and_a_status_callback() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let conv = app.customer_writes_wa("hi").await;
    let msg = app
        .reply(conv.id, "Hello Ana, how can I help?")
        .await
        .unwrap();
    assert_eq!(msg.status, MessageStatus::Queued);

    let req = &wait_for_requests(&app, 1).await[0];
    assert_eq!(
        req.url.path(),
        format!("/2010-04-01/Accounts/{WA_SID}/Messages.json")
    );
    let auth = req.headers.get("authorization").unwrap().to_str().unwrap();
    let expected = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(format!("{WA_SID}:{WA_TOKEN}"))
    };
    assert_eq!(auth, format!("Basic {expected}"));
    let form = form_of(req);
    assert_eq!(field(&form, "To").unwrap(), format!("whatsapp:{CUSTOMER}"));
    assert_eq!(
        field(&form, "From").unwrap(),
        format!("whatsapp:{WA_BUSINESS}")
    );
    assert_eq!(field(&form, "Body").unwrap(), "Hello Ana, how can I help?");
    assert_eq!(
        field(&form, "StatusCallback").unwrap(),
        format!(
            "{}/status?m={}-{}",
            app.inbound_url(&app.fx.wa_account),
            conv.id.get(),
            msg.seq
        )
    );
    let stored = eventually("the provider id is stored", || async {
        let m = app
            .desk()
            .store()
            .message(conv.id, msg.seq)
            .await
            .unwrap()?;
        m.provider_id.is_some().then_some(m)
    })
    .await;
    assert_eq!(
        stored.provider_id.as_deref(),
        Some("SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
    );
    app.stop().await;
}

#[tokio::test]
async fn the_window_flips_to_template_only_at_24_hours_and_a_customer_message_reopens_it() {
    let app = spawn_app().await;
    let conv = app.customer_writes_wa("hi").await;
    app.clock.advance(DAY - Duration::from_secs(1));
    let stored = app.conversation(conv.id).await;
    assert_eq!(
        stored.window_expires_at,
        Some(conv.created_at.saturating_add(DAY)),
        "the deadline is the customer's message + 24 h"
    );
    assert!(!stored.template_only, "not yet");

    app.clock.advance(Duration::from_secs(1));
    eventually("the flip is stored", || async {
        app.conversation(conv.id).await.template_only.then_some(())
    })
    .await;
    assert_eq!(app.metric("window_flips_total").await, 1);
    assert_eq!(
        app.conversation(conv.id).await.updated_at,
        conv.updated_at,
        "a flip is not activity: idle deadlines do not move"
    );

    app.customer_writes_wa("still there?").await;
    let c = app.conversation(conv.id).await;
    assert!(!c.template_only, "a customer message reopens the window");
    assert_eq!(
        c.window_expires_at.unwrap(),
        app.clock.now().saturating_add(DAY),
        "the new deadline is 24 h after the new message"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_free_form_reply_after_24_hours_is_refused_and_never_reaches_the_provider() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let conv = app.customer_writes_wa("hi").await;
    app.clock.advance(DAY + Duration::from_secs(5));
    eventually("the flip", || async {
        app.conversation(conv.id).await.template_only.then_some(())
    })
    .await;
    let refusal = app.reply(conv.id, "sorry for the wait").await.unwrap_err();
    assert_eq!(refusal, SendRefusal::WindowExpired);
    assert_eq!(
        refusal.to_string(),
        "This conversation has exceeded the 24 hour limit to respond to the customer."
    );
    assert_eq!(refusal.to_string(), WINDOW_EXPIRED_TEXT);
    // Every send due by now has been made and answered: nothing more can arrive.
    crate::fake_twilio::sends_settled(&app).await;
    assert!(
        app.sent_messages().await.is_empty(),
        "nothing reached the provider"
    );
    assert_eq!(app.exchanged(conv.id).await.len(), 1, "nothing was stored");
    app.stop().await;
}

#[tokio::test]
async fn a_free_form_reply_is_refused_at_the_deadline_even_before_the_timer_runs() {
    let app = spawn_app().await;
    let conv = app.customer_writes_wa("hi").await;
    app.clock.advance(DAY);
    // No waiting for the flip: the store checks the deadline itself.
    assert_eq!(
        app.reply(conv.id, "x").await.unwrap_err(),
        SendRefusal::WindowExpired
    );
    app.stop().await;
}

#[tokio::test]
async fn a_template_with_a_content_sid_is_sent_as_content_sid_and_variables() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let conv = app.customer_writes_wa("hi").await;
    app.clock.advance(2 * DAY);
    let msg = app
        .send(
            conv.id,
            OutboundContent::Template {
                template_id: app.fx.content_template,
                values: vec!["Ana".into(), "#4417".into()],
            },
        )
        .await
        .expect("templates are allowed after the window");
    assert_eq!(msg.body, "Hi Ana, your order #4417 has shipped.");
    let form = form_of(&wait_for_requests(&app, 1).await[0]);
    assert_eq!(
        field(&form, "ContentSid").unwrap(),
        "HXb5b62575e6e4ff6129ad7c8efe1f983e"
    );
    let vars: serde_json::Value =
        serde_json::from_str(&field(&form, "ContentVariables").unwrap()).unwrap();
    assert_eq!(vars, serde_json::json!({"1": "Ana", "2": "#4417"}));
    assert_eq!(field(&form, "Body"), None, "ContentSid replaces Body");
    app.stop().await;
}

#[tokio::test]
async fn a_template_without_a_content_sid_is_sent_as_body_with_placeholders_filled() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let conv = app.customer_writes_wa("hi").await;
    app.clock.advance(2 * DAY);
    app.send(
        conv.id,
        OutboundContent::Template {
            template_id: app.fx.body_template,
            values: vec!["Ana".into()],
        },
    )
    .await
    .unwrap();
    let form = form_of(&wait_for_requests(&app, 1).await[0]);
    assert_eq!(
        field(&form, "Body").unwrap(),
        "Hello Ana, can we help with anything else?"
    );
    assert_eq!(field(&form, "ContentSid"), None);
    app.stop().await;
}

#[tokio::test]
async fn a_template_with_missing_variables_is_refused() {
    let app = spawn_app().await;
    let conv = app.customer_writes_wa("hi").await;
    let refusal = app
        .send(
            conv.id,
            OutboundContent::Template {
                template_id: app.fx.content_template,
                values: vec!["Ana".into()],
            },
        )
        .await
        .unwrap_err();
    assert!(refusal.to_string().contains("{{2}}"), "{refusal}");
    let sms = app.customer_writes_sms("hi").await;
    let refusal = app
        .send(
            sms.id,
            OutboundContent::Template {
                template_id: app.fx.body_template,
                values: vec!["Ana".into()],
            },
        )
        .await
        .unwrap_err();
    assert_eq!(refusal, SendRefusal::TemplateNotWhatsApp);
    assert!(app.sent_messages().await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn empty_and_over_long_replies_are_refused() {
    let app = spawn_app().await;
    let conv = app.customer_writes_sms("hi").await;
    assert_eq!(
        app.reply(conv.id, "   ").await.unwrap_err(),
        SendRefusal::Empty
    );
    let long = "z".repeat(4_097);
    assert_eq!(
        app.reply(conv.id, &long).await.unwrap_err(),
        SendRefusal::TooLong
    );
    assert_eq!(app.messages(conv.id).await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_long_code_sends_one_message_per_second() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let conv = app.customer_writes_sms("hi").await;
    for i in 0..3 {
        app.reply(conv.id, &format!("part {i}")).await.unwrap();
    }
    wait_for_requests(&app, 1).await;
    // Every send due by now has been made and answered: nothing more can arrive.
    crate::fake_twilio::sends_settled(&app).await;
    assert_eq!(
        app.sent_messages().await.len(),
        1,
        "the clock has not moved: one send only"
    );

    app.clock.advance(Duration::from_millis(999));
    // Every send due by now has been made and answered: nothing more can arrive.
    crate::fake_twilio::sends_settled(&app).await;
    assert_eq!(app.sent_messages().await.len(), 1, "999 ms is not a second");
    app.clock.advance(Duration::from_millis(1));
    wait_for_requests(&app, 2).await;
    app.clock.advance(Duration::from_secs(1));
    let sent = wait_for_requests(&app, 3).await;
    let bodies: Vec<String> = sent
        .iter()
        .map(|r| field(&form_of(r), "Body").unwrap())
        .collect();
    assert_eq!(bodies, ["part 0", "part 1", "part 2"], "in order");
    app.stop().await;
}

#[tokio::test]
async fn whatsapp_sends_are_not_held_to_the_long_code_pace() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let conv = app.customer_writes_wa("hi").await;
    for i in 0..3 {
        app.reply(conv.id, &format!("part {i}")).await.unwrap();
    }
    // 80/s: 12.5 ms apart; a tenth of a second covers all three.
    wait_for_requests(&app, 1).await;
    app.clock.advance(Duration::from_millis(13));
    wait_for_requests(&app, 2).await;
    app.clock.advance(Duration::from_millis(13));
    wait_for_requests(&app, 3).await;
    app.stop().await;
}

#[tokio::test]
async fn a_500_then_a_429_are_retried_with_backoff_until_success() {
    let app = spawn_app().await;
    Mock::given(method("POST"))
        .and(messages_path())
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&app.twilio)
        .await;
    Mock::given(method("POST"))
        .and(messages_path())
        .respond_with(ResponseTemplate::new(429).set_body_json(serde_json::json!({
            "code": 20429, "message": "Too Many Requests", "status": 429
        })))
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&app.twilio)
        .await;
    Mock::given(method("POST"))
        .and(messages_path())
        .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({
            "sid": "SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "status": "queued"
        })))
        .with_priority(3)
        .mount(&app.twilio)
        .await;
    let conv = app.customer_writes_wa("hi").await;
    let msg = app.reply(conv.id, "retry me").await.unwrap();
    wait_for_requests(&app, 1).await;
    // Every send due by now has been made and answered: nothing more can arrive.
    crate::fake_twilio::sends_settled(&app).await;
    assert_eq!(
        app.sent_messages().await.len(),
        1,
        "no retry before the backoff passes"
    );
    let after_first = eventually("the retry is scheduled", || async {
        let m = app
            .desk()
            .store()
            .message(conv.id, msg.seq)
            .await
            .unwrap()?;
        (app.metric("outbound_retries_total").await == 1).then_some(m)
    })
    .await;
    assert_eq!(after_first.status, MessageStatus::Queued);

    app.clock.advance(Duration::from_secs(2));
    wait_for_requests(&app, 2).await;
    eventually("the second retry is scheduled", || async {
        (app.metric("outbound_retries_total").await == 2).then_some(())
    })
    .await;
    app.clock.advance(Duration::from_secs(4));
    wait_for_requests(&app, 3).await;
    let m = eventually("the message is accepted", || async {
        let m = app
            .desk()
            .store()
            .message(conv.id, msg.seq)
            .await
            .unwrap()?;
        m.provider_id.is_some().then_some(m)
    })
    .await;
    assert_eq!(
        m.provider_id.as_deref(),
        Some("SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
    );
    assert_eq!(m.failure, None);
    app.stop().await;
}

#[tokio::test]
async fn a_permanent_error_fails_the_message_with_the_code_and_text() {
    let app = spawn_app().await;
    Mock::given(method("POST"))
        .and(messages_path())
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "code": 21211,
            "message": "The 'To' number +14155550123 is not a valid phone number.",
            "more_info": "https://www.twilio.com/docs/errors/21211",
            "status": 400
        })))
        .mount(&app.twilio)
        .await;
    let conv = app.customer_writes_wa("hi").await;
    let msg = app.reply(conv.id, "hello").await.unwrap();
    let m = eventually("the failure is recorded", || async {
        let m = app
            .desk()
            .store()
            .message(conv.id, msg.seq)
            .await
            .unwrap()?;
        (m.status == MessageStatus::Failed).then_some(m)
    })
    .await;
    let f = m.failure.unwrap();
    assert_eq!(f.code, Some(21211));
    assert!(f.message.contains("not a valid phone number"));
    app.clock.advance(Duration::from_secs(3600));
    // Every send due by now has been made and answered: nothing more can arrive.
    crate::fake_twilio::sends_settled(&app).await;
    assert_eq!(
        app.sent_messages().await.len(),
        1,
        "a permanent error is not retried"
    );
    assert_eq!(app.metric("outbound_failed_total").await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_reply_on_a_deleted_number_is_refused_and_leaves_nothing_behind() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let conv = app.customer_writes_wa("hi").await;
    app.desk()
        .store()
        .delete_number(app.fx.wa_number.id, app.desk().now())
        .await
        .unwrap()
        .unwrap();
    let refusal = app.reply(conv.id, "hello?").await.unwrap_err();
    assert_eq!(refusal, SendRefusal::NumberDeleted);
    assert_eq!(
        app.messages(conv.id).await.len(),
        1,
        "the refused reply was not stored"
    );
    assert_eq!(
        app.conversation(conv.id).await.next_seq,
        2,
        "the conversation is unchanged"
    );
    // Every send due by now has been made and answered: nothing more can arrive.
    crate::fake_twilio::sends_settled(&app).await;
    assert!(app.sent_messages().await.is_empty());
    app.stop().await;
}
