//! The `--demo` seed and the customer simulator at `/simulator`: messages in through the webhook
//! path, replies with simulated delivery statuses, "skip ahead 24 h", and input checks.

use crate::helpers::*;
use crate::signin::{Browser, Page};
use omnidesk::demo::{self, Seeded};
use omnidesk::domain::user::Role;
use omnidesk::domain::window::WINDOW_EXPIRED_TEXT;
use omnidesk::domain::{Channel, Direction, MessageStatus};
use omnidesk::providers::simulator::{DELIVERED_AFTER, SENT_AFTER};
use omnidesk::store::outbox::SendRefusal;
use omnidesk::store::records::{Conversation, Message, ProviderKind};
use reqwest::StatusCode;

const PHONE: &str = "+15550001234";

/// The simulator's form fields: number, customer, body.
type Form<'a> = [(&'a str, &'a str); 3];

/// A demo-seeded app with an admin browser that has loaded `/simulator`.
async fn simulator_app() -> (TestApp, Seeded, Browser) {
    let app = spawn_app().await;
    let seeded = demo::seed(app.desk().store(), app.desk().now())
        .await
        .unwrap()
        .expect("an empty store is seeded");
    let mut admin = app.admin().await;
    let page = admin.get("/simulator").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    (app, seeded, admin)
}

fn wa_number(s: &Seeded) -> String {
    s.numbers[0].id.get().to_string()
}

fn sms_number(s: &Seeded) -> String {
    s.numbers[1].id.get().to_string()
}

async fn customer_sends(b: &mut Browser, number: &str, body: &str) -> Page {
    b.post(
        "/simulator",
        &[("number", number), ("customer", PHONE), ("body", body)],
    )
    .await
}

/// The one conversation of `PHONE`.
async fn the_conversation(app: &TestApp) -> Conversation {
    let mut convs = app
        .desk()
        .store()
        .conversations_of(PHONE.into())
        .await
        .unwrap();
    assert_eq!(convs.len(), 1, "exactly one conversation");
    convs.remove(0)
}

async fn message(app: &TestApp, m: &Message) -> Message {
    app.desk()
        .store()
        .message(m.conversation_id, m.seq)
        .await
        .unwrap()
        .expect("stored")
}

#[tokio::test]
async fn demo_seeding_creates_the_promised_records_once() {
    let app = spawn_app().await;
    let store = app.desk().store();
    let accounts_before = store.accounts().await.unwrap().len();
    let workstreams_before = store.workstreams().await.unwrap().len();

    let s = demo::seed(store, app.desk().now())
        .await
        .unwrap()
        .expect("seeded");

    let users = store.users().await.unwrap();
    assert_eq!(users.len(), 2);
    let admin = users.iter().find(|u| u.role == Role::Admin).unwrap();
    let agent = users.iter().find(|u| u.role == Role::Agent).unwrap();
    assert_eq!(admin.email.as_str(), s.admin.email);
    assert_eq!(agent.email.as_str(), s.agent.email);
    assert_ne!(s.admin.password, s.agent.password);
    assert!(s.admin.password.len() >= 12);
    for login in [&s.admin, &s.agent] {
        let mut b = Browser::new(&app.address);
        let page = b.sign_in(&login.email, &login.password).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{} signs in",
            login.email
        );
    }

    let accounts = store.accounts().await.unwrap();
    assert_eq!(accounts.len(), accounts_before + 2);
    assert_eq!(s.accounts.len(), 2);
    for id in &s.accounts {
        let a = accounts.iter().find(|a| a.id == *id).unwrap();
        assert_eq!(a.provider, ProviderKind::Simulator);
        assert!(a.sid.is_none() && a.auth_token.is_none(), "no credentials");
    }
    let channels: Vec<Channel> = s.numbers.iter().map(|n| n.channel).collect();
    assert_eq!(channels, [Channel::WhatsApp, Channel::Sms]);
    assert_eq!(s.numbers[0].number.as_str(), demo::WHATSAPP_NUMBER);
    assert_eq!(s.numbers[1].number.as_str(), demo::SMS_NUMBER);

    let workstreams = store.workstreams().await.unwrap();
    assert_eq!(workstreams.len(), workstreams_before + 2);
    for (ws, number) in s.workstreams.iter().zip(&s.numbers) {
        let w = workstreams.iter().find(|w| w.id == *ws).unwrap();
        assert_eq!(w.numbers, vec![number.id]);
        assert_eq!(w.channel, number.channel);
        assert_eq!(store.members(*ws).await.unwrap(), vec![agent.id]);
        assert!(
            w.attachments.customers && w.attachments.agents,
            "files both ways in the demo"
        );
    }

    let again = demo::seed(store, app.desk().now()).await.unwrap();
    assert!(again.is_none(), "a second seed writes nothing");
    assert_eq!(store.users().await.unwrap().len(), 2);
    assert_eq!(store.accounts().await.unwrap().len(), accounts_before + 2);
    assert_eq!(
        store.workstreams().await.unwrap().len(),
        workstreams_before + 2
    );
    app.stop().await;
}

#[tokio::test]
async fn starting_with_demo_seeds_once_across_restarts() {
    let twilio = wiremock::MockServer::start().await;
    let mut app = spawn_app_with(twilio, |s| s.demo = true).await;
    let count = |app: &TestApp| {
        let store = app.desk().store().clone();
        async move {
            (
                store.users().await.unwrap().len(),
                store.accounts().await.unwrap().len(),
            )
        }
    };
    let first = count(&app).await;
    assert_eq!(first.0, 2, "demo admin and agent");
    app.restart(|s| s.demo = true).await;
    assert_eq!(count(&app).await, first, "nothing seeded the second time");
    app.stop().await;
}

#[tokio::test]
async fn the_simulator_sends_a_customer_message_that_opens_a_conversation() {
    let (app, s, mut admin) = simulator_app().await;
    let sent = customer_sends(&mut admin, &wa_number(&s), "Hello from my phone").await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let location = sent.location.expect("redirect to the chat");
    assert!(location.contains("customer=%2B15550001234"), "{location}");

    let conv = the_conversation(&app).await;
    assert_eq!(conv.number_id, s.numbers[0].id);
    assert_eq!(conv.workstream_id, Some(s.workstreams[0]));
    assert!(conv.window_expires_at.is_some(), "WhatsApp opens a window");
    // The demo greets the customer too.
    let messages: Vec<Message> = app
        .messages(conv.id)
        .await
        .into_iter()
        .filter(|m| m.direction == Direction::Inbound)
        .collect();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].body, "Hello from my phone");
    let sid = messages[0].provider_id.as_deref().unwrap();
    assert!(sid.starts_with("SM") && sid.len() == 34, "{sid}");

    let page = admin.get(&location).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("bubble customer"), "{}", page.body);
    assert!(page.body.contains("Hello from my phone"));
    assert!(page.body.contains("Reply window open until"));
    app.stop().await;
}

#[tokio::test]
async fn an_agent_reply_shows_on_the_simulator_with_its_statuses_progressing() {
    let (app, s, mut admin) = simulator_app().await;
    let sent = customer_sends(&mut admin, &wa_number(&s), "Where is my order?").await;
    let chat = sent.location.expect("redirect");
    let conv = the_conversation(&app).await;
    let reply = app
        .reply(conv.id, "It ships today.")
        .await
        .expect("accepted");
    // The demo's greeting took the sender's send slot: the reply's comes one pacing step later.
    app.clock.advance(std::time::Duration::from_millis(50));

    let accepted = eventually("the Simulator accepts the reply", || async {
        let m = message(&app, &reply).await;
        m.provider_id.is_some().then_some(m)
    })
    .await;
    assert_eq!(accepted.status, MessageStatus::Queued, "queued at first");
    let page = admin.get(&chat).await;
    assert!(page.body.contains("bubble business"), "{}", page.body);
    assert!(page.body.contains("It ships today."));
    assert!(page.body.contains(">queued<"), "{}", page.body);

    app.clock.advance(SENT_AFTER);
    eventually("sent", || async {
        (message(&app, &reply).await.status == MessageStatus::Sent).then_some(())
    })
    .await;
    assert!(admin.get(&chat).await.body.contains(">sent<"));

    app.clock.advance(DELIVERED_AFTER - SENT_AFTER);
    eventually("delivered", || async {
        (message(&app, &reply).await.status == MessageStatus::Delivered).then_some(())
    })
    .await;
    let shown = admin.get(&chat).await;
    assert!(shown.body.contains(">delivered<"), "{}", shown.body);
    assert!(admin.get(&chat).await.body.contains(">delivered<"));
    assert_eq!(
        message(&app, &reply).await.status,
        MessageStatus::Delivered,
        "showing the chat changes nothing"
    );
    let read = admin
        .post(
            "/simulator/read",
            &[("number", &wa_number(&s)), ("customer", PHONE)],
        )
        .await;
    assert_eq!(read.status, StatusCode::SEE_OTHER, "{}", read.body);
    assert_eq!(message(&app, &reply).await.status, MessageStatus::Read);
    assert!(admin.get(&chat).await.body.contains(">read<"));
    app.stop().await;
}

#[tokio::test]
async fn skipping_ahead_flips_a_whatsapp_conversation_to_template_only() {
    let (app, s, mut admin) = simulator_app().await;
    customer_sends(&mut admin, &wa_number(&s), "Hi").await;
    let conv = the_conversation(&app).await;
    assert!(app.reply(conv.id, "Hello!").await.is_ok(), "window open");

    let skipped = admin
        .post(
            "/simulator/skip",
            &[("number", &wa_number(&s)), ("customer", PHONE)],
        )
        .await;
    assert_eq!(skipped.status, StatusCode::SEE_OTHER, "{}", skipped.body);
    assert!(app.conversation(conv.id).await.template_only, "flipped");
    let refused = app.reply(conv.id, "One more thing").await;
    assert_eq!(refused.unwrap_err(), SendRefusal::WindowExpired);
    assert_eq!(
        SendRefusal::WindowExpired.to_string(),
        WINDOW_EXPIRED_TEXT,
        "the 24-hour text"
    );
    let page = admin.get(&skipped.location.unwrap()).await;
    assert!(page.body.contains("Skipped ahead 24 hours"));
    assert!(page.body.contains("Reply window closed"));

    // The customer writing again reopens the window.
    customer_sends(&mut admin, &wa_number(&s), "Still there?").await;
    assert!(app.reply(conv.id, "Yes!").await.is_ok());
    app.stop().await;
}

#[tokio::test]
async fn skipping_ahead_is_refused_for_sms_and_without_a_conversation() {
    let (app, s, mut admin) = simulator_app().await;
    let none = admin
        .post(
            "/simulator/skip",
            &[("number", &wa_number(&s)), ("customer", PHONE)],
        )
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.body.contains("send a message first"), "{}", none.body);

    customer_sends(&mut admin, &sms_number(&s), "Hi by SMS").await;
    let conv = the_conversation(&app).await;
    let page = admin
        .post(
            "/simulator/skip",
            &[("number", &sms_number(&s)), ("customer", PHONE)],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body
            .contains("SMS has no 24-hour reply window, so there is nothing to skip ahead."),
        "{}",
        page.body
    );
    let after = app.conversation(conv.id).await;
    assert!(!after.template_only && after.window_expires_at.is_none());
    assert!(app.reply(conv.id, "Free-form is fine on SMS").await.is_ok());
    app.stop().await;
}

#[tokio::test]
async fn agents_and_supervisors_get_403_and_nothing_is_stored() {
    let (app, s, _) = simulator_app().await;
    for (role, email) in [
        (Role::Agent, "agent@example.com"),
        (Role::Supervisor, "sup@example.com"),
    ] {
        let mut b = app.signed_in(role, email).await;
        assert_eq!(b.get("/simulator").await.status, StatusCode::FORBIDDEN);
        b.get("/account/password").await;
        let post = customer_sends(&mut b, &wa_number(&s), "let me in").await;
        assert_eq!(post.status, StatusCode::FORBIDDEN);
        let skip = b
            .post(
                "/simulator/skip",
                &[("number", &wa_number(&s)), ("customer", PHONE)],
            )
            .await;
        assert_eq!(skip.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(app.message_count().await, 0);
    app.stop().await;
}

#[tokio::test]
async fn bad_input_is_refused_beside_its_field_with_the_input_kept() {
    let (app, s, mut admin) = simulator_app().await;
    let twilio_number = app.fx.wa_number.id.get().to_string();
    let long = "x".repeat(4_097);
    let wa = wa_number(&s);
    let cases: Vec<(Form, &str, &str)> = vec![
        (
            [("number", &wa), ("customer", PHONE), ("body", "   ")],
            "Enter the message.",
            "an empty message",
        ),
        (
            [("number", &wa), ("customer", PHONE), ("body", &long)],
            "Message is at most 4096 characters.",
            "longer than WhatsApp allows",
        ),
        (
            [
                ("number", &wa),
                ("customer", "555-0100"),
                ("body", "kept text"),
            ],
            "Enter the customer&#39;s number in E.164",
            "not E.164",
        ),
        (
            [
                ("number", &wa),
                ("customer", "12345"),
                ("body", "kept text"),
            ],
            "Enter the customer&#39;s number in E.164",
            "a short code cannot be a customer",
        ),
        (
            [
                ("number", "999"),
                ("customer", PHONE),
                ("body", "kept text"),
            ],
            "Choose one of the Simulator numbers.",
            "no such number",
        ),
        (
            [
                ("number", &twilio_number),
                ("customer", PHONE),
                ("body", "kept text"),
            ],
            "Choose one of the Simulator numbers.",
            "a Twilio number is not the Simulator's",
        ),
        (
            [("number", "x"), ("customer", PHONE), ("body", "kept text")],
            "Choose one of the Simulator numbers.",
            "not a number id",
        ),
    ];
    for (fields, error, why) in cases {
        let page = admin.post("/simulator", &fields).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert!(page.body.contains(error), "{why}: {}", page.body);
        assert!(
            page.body.contains("class=\"error\""),
            "{why}: beside the field"
        );
        if fields[2].1 == "kept text" {
            assert!(
                page.body.contains(">kept text</textarea>"),
                "{why}: input kept"
            );
        }
    }
    assert_eq!(app.message_count().await, 0, "nothing stored");
    assert!(
        app.desk()
            .store()
            .conversations_of(PHONE.into())
            .await
            .unwrap()
            .is_empty()
    );
    app.stop().await;
}

#[tokio::test]
async fn a_script_message_is_shown_as_text() {
    let (app, s, mut admin) = simulator_app().await;
    let sent = customer_sends(&mut admin, &wa_number(&s), "<script>alert(1)</script>").await;
    let page = admin.get(&sent.location.unwrap()).await;
    let escaped = [
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&#60;script&#62;alert(1)&#60;/script&#62;",
    ];
    assert!(
        escaped.iter().any(|e| page.body.contains(e)),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<script>alert(1)"));
    let messages = app.messages(the_conversation(&app).await.id).await;
    assert_eq!(messages[0].body, "<script>alert(1)</script>");
    app.stop().await;
}

#[tokio::test]
async fn the_demo_routes_refunds_to_billing_and_greets_the_customer() {
    let (app, s, mut admin) = simulator_app().await;
    let ws = s.workstreams[0];
    let queues = app.desk().store().queues(ws).await.unwrap();
    let names: Vec<&str> = queues.iter().map(|q| q.name.as_str()).collect();
    assert_eq!(names, ["Billing", "General"], "by priority");
    let w = app.desk().store().workstream(ws).await.unwrap().unwrap();
    let hours = app
        .desk()
        .store()
        .hours(w.operation_hours.expect("the demo hours"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(hours.holidays.len(), 1, "24/7 with one holiday");

    let page = customer_sends(&mut admin, &wa_number(&s), "I want a refund").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let conv = the_conversation(&app).await;
    let billing = queues
        .iter()
        .find(|q| q.name.as_str() == "Billing")
        .unwrap();
    let placed = eventually("placed in Billing", || async {
        app.desk().store().placement(conv.id).await.unwrap()
    })
    .await;
    assert_eq!(placed.queue, billing.id);
    let greeting = eventually("the greeting is in the thread", || async {
        app.messages(conv.id)
            .await
            .into_iter()
            .find(|m| m.direction == Direction::Automated)
    })
    .await;
    assert!(
        greeting.body.contains("Thanks for contacting us"),
        "{}",
        greeting.body
    );
    app.stop().await;
}

#[tokio::test]
async fn the_demo_sms_menu_bot_answers_first_and_option_1_goes_to_billing() {
    let (app, s, mut admin) = simulator_app().await;
    customer_sends(&mut admin, &sms_number(&s), "hi").await;
    let conv = the_conversation(&app).await;
    let menu = eventually("the bot's menu is in the thread", || async {
        app.messages(conv.id)
            .await
            .into_iter()
            .find(|m| m.direction == Direction::Automated && m.body.contains("demo menu"))
    })
    .await;
    assert!(menu.body.contains("A bill or a refund"), "{}", menu.body);
    assert!(
        app.desk()
            .store()
            .bot_hold(conv.id)
            .await
            .unwrap()
            .is_some(),
        "the bot holds it"
    );
    customer_sends(&mut admin, &sms_number(&s), "1").await;
    let billing = app
        .desk()
        .store()
        .queues(s.workstreams[1])
        .await
        .unwrap()
        .into_iter()
        .find(|q| q.name.as_str() == "Billing")
        .unwrap();
    let placed = eventually("handed to Billing", || async {
        app.desk()
            .store()
            .placement(conv.id)
            .await
            .unwrap()
            .filter(|p| p.queue == billing.id)
    })
    .await;
    assert_eq!(placed.queue, billing.id);
    app.stop().await;
}
