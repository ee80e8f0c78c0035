//! Bot first, then a human: the menu bot (greeting, an option that sets a context variable and
//! picks its queue, re-prompt, hand-off after N failures or on the human keyword), the external
//! bot against a local fake (signed requests, replies, context, hand-off, a timeout), held
//! conversations not offered, re-delivery to the bot after a restart, and the admin page.

use crate::distribution::{agent, offered_to, offers, wa_workstream};
use crate::helpers::*;
use crate::signin::Page;
use omnidesk::app::bot::BotChoice;
use omnidesk::domain::bot::{BotUrl, MenuBot, MenuOption};
use omnidesk::domain::queue::AssignmentMethod;
use omnidesk::domain::routing::{ContextValue, VariableKind, VariableName};
use omnidesk::domain::workstream::QueueName;
use omnidesk::domain::{ConversationId, Direction, QueueId, UserId, WorkstreamId};
use omnidesk::secrets::SecretString;
use omnidesk::store::context::ContextVariableDraft;
use omnidesk::store::queues::QueueDraft;
use reqwest::StatusCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub(crate) const HANDOFF: &str = omnidesk::domain::bot::HANDOFF_PREFIX;

pub(crate) struct Desk {
    pub app: TestApp,
    pub ws: WorkstreamId,
    /// A member of the fallback queue.
    pub general: UserId,
    /// The only member of the Billing queue.
    pub billing: UserId,
    pub billing_queue: QueueId,
}

pub(crate) async fn desk() -> Desk {
    let twilio = MockServer::start().await;
    twilio_accepts(&twilio).await;
    let app = spawn_app_with(twilio, |s| s.presence.inactive_after_minutes = 1_000_000).await;
    let ws = wa_workstream(&app).await;
    let (_g, general) = agent(&app, "general@example.com", 5).await;
    let (_b, billing) = agent(&app, "billing@example.com", 5).await;
    app.desk()
        .store()
        .set_members(ws, vec![general])
        .await
        .unwrap();
    let billing_queue = app
        .desk()
        .create_queue(
            ws,
            QueueDraft {
                name: QueueName::parse("Billing").unwrap(),
                priority: 1,
                method: AssignmentMethod::HighestCapacity,
                hours: None,
                overflow: vec![],
                members: vec![billing],
            },
        )
        .await
        .unwrap()
        .unwrap()
        .id;
    app.desk()
        .create_context_variable(
            ws,
            ContextVariableDraft {
                name: VariableName::parse("Topic").unwrap(),
                kind: VariableKind::Text,
                default: None,
            },
        )
        .await
        .unwrap()
        .unwrap();
    Desk {
        app,
        ws,
        general,
        billing,
        billing_queue,
    }
}

pub(crate) fn menu(billing: QueueId) -> MenuBot {
    MenuBot {
        greeting: "Welcome to Acme!".into(),
        options: vec![
            MenuOption {
                label: "Sales".into(),
                set: vec![],
                queue: None,
            },
            MenuOption {
                label: "Billing".into(),
                set: vec![(
                    VariableName::parse("Topic").unwrap(),
                    ContextValue::Text("billing".into()),
                )],
                queue: Some(billing),
            },
        ],
        human_keyword: "agent".into(),
        reprompt: "Sorry, I did not get that.".into(),
        max_failures: 2,
    }
}

pub(crate) async fn with_menu(d: &Desk) {
    d.app
        .desk()
        .save_bot(d.ws, BotChoice::Menu(menu(d.billing_queue)))
        .await
        .unwrap()
        .unwrap();
}

/// The automated messages of the thread, once there are `n`.
pub(crate) async fn automated(app: &TestApp, conv: ConversationId, n: usize) -> Vec<String> {
    eventually("the bot's messages are in the thread", || async {
        let m: Vec<String> = app
            .messages(conv)
            .await
            .into_iter()
            .filter(|m| m.direction == Direction::Automated)
            .map(|m| m.body)
            .collect();
        (m.len() >= n).then_some(m)
    })
    .await
}

pub(crate) async fn handoff_line(app: &TestApp, conv: ConversationId) -> String {
    eventually("the hand-off line is written", || async {
        app.system_lines(conv)
            .await
            .into_iter()
            .find(|l| l.starts_with(HANDOFF))
    })
    .await
}

pub(crate) async fn topic(d: &Desk, conv: ConversationId) -> Option<ContextValue> {
    d.app
        .desk()
        .store()
        .conversation_context(conv, d.ws)
        .await
        .unwrap()
        .into_iter()
        .find(|(v, _)| v.name.as_str() == "Topic")
        .and_then(|(_, v)| v)
}

pub(crate) async fn not_offered(d: &Desk, conv: ConversationId) {
    // Offers are read through the supervisors and the roster, after the message was taken.
    assert!(!offers(&d.app, d.general).await.contains(&conv));
    assert!(!offers(&d.app, d.billing).await.contains(&conv));
    assert!(d.app.desk().store().bot_hold(conv).await.unwrap().is_some());
}

#[tokio::test]
async fn the_menu_greets_and_an_option_sets_its_variable_and_sends_to_its_queue() {
    let d = desk().await;
    with_menu(&d).await;
    let conv = d.app.customer_writes_wa("hello").await;
    let greeting = automated(&d.app, conv.id, 1).await;
    assert_eq!(
        greeting,
        vec![
            "Welcome to Acme!\n1. Sales\n2. Billing\nReply agent to talk to a person.".to_string()
        ]
    );
    not_offered(&d, conv.id).await;
    let sent = eventually("the greeting reaches Twilio", || async {
        let bodies: Vec<String> = d
            .app
            .sent_messages()
            .await
            .iter()
            .filter_map(|r| field(&form_of(r), "Body"))
            .collect();
        (!bodies.is_empty()).then_some(bodies)
    })
    .await;
    assert!(sent[0].starts_with("Welcome to Acme!"));

    d.app.customer_writes_wa("2").await;
    offered_to(&d.app, d.billing, conv.id).await;
    assert!(
        !offers(&d.app, d.general).await.contains(&conv.id),
        "the option's queue wins over the rules"
    );
    assert_eq!(
        topic(&d, conv.id).await,
        Some(ContextValue::Text("billing".into()))
    );
    assert_eq!(
        handoff_line(&d.app, conv.id).await,
        format!("{HANDOFF}the customer chose “Billing”.")
    );
    assert!(
        d.app
            .desk()
            .store()
            .bot_hold(conv.id)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn an_unknown_answer_is_reprompted_and_n_failures_hand_off() {
    let d = desk().await;
    with_menu(&d).await;
    let conv = d.app.customer_writes_wa("hi").await;
    automated(&d.app, conv.id, 1).await;
    d.app.customer_writes_wa("what?").await;
    let both = automated(&d.app, conv.id, 2).await;
    assert!(
        both[1].starts_with("Sorry, I did not get that.\n1. Sales"),
        "{both:?}"
    );
    not_offered(&d, conv.id).await;
    d.app.customer_writes_wa("purple").await;
    offered_to(&d.app, d.general, conv.id).await;
    assert_eq!(
        handoff_line(&d.app, conv.id).await,
        format!("{HANDOFF}too many failed answers (2).")
    );
    assert_eq!(
        automated(&d.app, conv.id, 2).await.len(),
        2,
        "no third prompt"
    );
}

#[tokio::test]
async fn the_human_keyword_hands_off() {
    let d = desk().await;
    with_menu(&d).await;
    let conv = d.app.customer_writes_wa("hi").await;
    automated(&d.app, conv.id, 1).await;
    d.app.customer_writes_wa("Agent").await;
    offered_to(&d.app, d.general, conv.id).await;
    assert_eq!(
        handoff_line(&d.app, conv.id).await,
        format!("{HANDOFF}requested by the customer.")
    );
    assert_eq!(topic(&d, conv.id).await, None);
}

/// A fake external bot: answers by the customer's text, after `delay` on its first call.
struct FakeBot {
    calls: Arc<AtomicUsize>,
    first_delay: Duration,
}

impl Respond for FakeBot {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
        let text = body["text"].as_str().unwrap_or_default();
        let answer = if text == "human" {
            serde_json::json!({"replies": ["Passing you to a person."], "handoff": true})
        } else {
            serde_json::json!({
                "replies": [format!("Bot heard: {text}")],
                "context": {"Topic": "refund"},
                "handoff": false
            })
        };
        let t = ResponseTemplate::new(200).set_body_json(answer);
        if n == 0 {
            t.set_delay(self.first_delay)
        } else {
            t
        }
    }
}

async fn fake_bot(first_delay: Duration) -> (MockServer, Arc<AtomicUsize>) {
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path("/bot"))
        .respond_with(FakeBot {
            calls: calls.clone(),
            first_delay,
        })
        .mount(&server)
        .await;
    (server, calls)
}

pub(crate) async fn with_external(d: &Desk, bot: &MockServer, timeout_secs: u8) -> SecretString {
    d.app
        .desk()
        .save_bot(
            d.ws,
            BotChoice::External {
                url: BotUrl::parse(&format!("{}/bot", bot.uri())).unwrap(),
                timeout_secs,
                new_secret: false,
            },
        )
        .await
        .unwrap()
        .unwrap()
        .expect("a first secret is generated and shown")
}

pub(crate) async fn bot_requests(bot: &MockServer, n: usize) -> Vec<Request> {
    eventually("the bot is called", || async {
        let r = bot.received_requests().await.unwrap_or_default();
        (r.len() >= n).then_some(r)
    })
    .await
}

pub(crate) async fn twilio_got(app: &TestApp, body: &str) {
    eventually("the reply reaches Twilio", || async {
        // Sends to one number are paced: the clock moves on until the reply is sent.
        app.clock.advance(Duration::from_secs(1));
        app.sent_messages()
            .await
            .iter()
            .any(|r| field(&form_of(r), "Body").as_deref() == Some(body))
            .then_some(())
    })
    .await;
}

#[tokio::test]
async fn the_external_bot_gets_signed_messages_and_its_replies_context_and_handoff_apply() {
    let d = desk().await;
    let (bot, _) = fake_bot(Duration::ZERO).await;
    let secret = with_external(&d, &bot, 5).await;
    let conv = d.app.customer_writes_wa("my refund").await;
    twilio_got(&d.app, "Bot heard: my refund").await;
    let req = &bot_requests(&bot, 1).await[0];
    let ts = req.headers["X-Omnidesk-Timestamp"].to_str().unwrap();
    let sig = req.headers["X-Omnidesk-Signature"].to_str().unwrap();
    let ts_secs = ts.parse::<i64>().unwrap();
    assert!(
        (START.as_millis() / 1000..=d.app.clock.now().as_millis() / 1000).contains(&ts_secs),
        "Unix seconds of omnidesk's clock: {ts_secs}"
    );
    assert!(
        omnidesk::signing::verify(secret.expose(), ts.parse().unwrap(), &req.body, sig),
        "the signature verifies with the secret over timestamp.body"
    );
    let json: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(json["text"], "my refund");
    assert_eq!(json["conversation_id"], conv.id.get());
    assert_eq!(json["channel"], "whatsapp");
    assert_eq!(json["customer"], CUSTOMER);
    assert!(json["message_id"].as_str().unwrap().starts_with("SM"));
    assert!(json["context"].is_object());
    eventually("the bot's context is set", || async {
        (topic(&d, conv.id).await == Some(ContextValue::Text("refund".into()))).then_some(())
    })
    .await;
    not_offered(&d, conv.id).await;

    d.app.customer_writes_wa("human").await;
    offered_to(&d.app, d.general, conv.id).await;
    twilio_got(&d.app, "Passing you to a person.").await;
    assert_eq!(
        handoff_line(&d.app, conv.id).await,
        format!("{HANDOFF}the bot asked for an agent.")
    );
    let second: serde_json::Value =
        serde_json::from_slice(&bot_requests(&bot, 2).await[1].body).unwrap();
    assert_eq!(second["context"]["Topic"], "refund");
}

#[tokio::test]
async fn a_bot_that_times_out_hands_off_at_once() {
    let d = desk().await;
    let (bot, _) = fake_bot(Duration::from_secs(5)).await;
    with_external(&d, &bot, 1).await;
    let conv = d.app.customer_writes_wa("hello?").await;
    offered_to(&d.app, d.general, conv.id).await;
    assert_eq!(
        handoff_line(&d.app, conv.id).await,
        format!("{HANDOFF}the bot failed or timed out (it did not answer within 1 s).")
    );
}

#[tokio::test]
async fn a_bot_that_answers_nonsense_or_cannot_be_reached_hands_off() {
    let d = desk().await;
    let bot = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/bot"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"reply": "x"})))
        .mount(&bot)
        .await;
    with_external(&d, &bot, 5).await;
    let conv = d.app.customer_writes_wa("hello").await;
    offered_to(&d.app, d.general, conv.id).await;
    assert_eq!(
        handoff_line(&d.app, conv.id).await,
        format!("{HANDOFF}the bot failed or timed out (its answer was not understood).")
    );
}

#[tokio::test]
async fn after_a_restart_the_held_conversation_goes_to_the_bot_again() {
    let mut d = desk().await;
    // The first call never answers before the restart.
    let (bot, calls) = fake_bot(Duration::from_secs(25)).await;
    with_external(&d, &bot, 30).await;
    let conv = d.app.customer_writes_wa("still there?").await;
    let first = bot_requests(&bot, 1).await[0].body.clone();
    d.app
        .restart(|s| s.presence.inactive_after_minutes = 1_000_000)
        .await;
    let again = bot_requests(&bot, 2).await[1].body.clone();
    let (a, b): (serde_json::Value, serde_json::Value) = (
        serde_json::from_slice(&first).unwrap(),
        serde_json::from_slice(&again).unwrap(),
    );
    assert_eq!(a["message_id"], b["message_id"], "the same message, again");
    assert_eq!(b["text"], "still there?");
    twilio_got(&d.app, "Bot heard: still there?").await;
    assert!(calls.load(Ordering::SeqCst) >= 2);
    // Held across the restart: not handed to the supervisor by the recovery.
    assert!(!offers(&d.app, d.general).await.contains(&conv.id));
    assert!(
        d.app
            .desk()
            .store()
            .bot_hold(conv.id)
            .await
            .unwrap()
            .is_some()
    );
}

const BOT_PAGE: &str = "/admin/workstreams/1/bot";

fn assert_error(page: &Page, field: &str, msg: &str) {
    let shown = format!("<p class=\"error\" id=\"e-{field}\">{}</p>", escaped(msg));
    assert!(
        page.body.contains(&shown),
        "expected {shown} in\n{}",
        page.body
    );
}

#[tokio::test]
async fn the_admin_page_refuses_bad_input_beside_the_field_and_shows_the_secret_once() {
    let d = desk().await;
    let mut admin = d.app.admin().await;
    let shown = admin.get(BOT_PAGE).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(
        shown.body.contains("name=\"csrf\""),
        "the form carries a CSRF token"
    );
    let home = admin.get("/admin/workstreams/1").await;
    assert!(home.body.contains("href=\"/admin/workstreams/1/bot\""));

    let forged = admin
        .http
        .post(format!("{}{BOT_PAGE}", admin.base))
        .form(&[("kind", "menu"), ("greeting", "Hi"), ("options", "Sales")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN, "no CSRF token");
    let mut agent = d
        .app
        .signed_in(omnidesk::domain::user::Role::Agent, "a@example.com")
        .await;
    assert_eq!(agent.get(BOT_PAGE).await.status, StatusCode::FORBIDDEN);
    let by_agent = agent.post(BOT_PAGE, &[("kind", "none")]).await;
    assert_eq!(by_agent.status, StatusCode::FORBIDDEN);

    let bad = admin
        .post(
            BOT_PAGE,
            &[
                ("kind", "external"),
                ("url", "ftp://bot.example.com/x"),
                ("timeout", "5"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_error(
        &bad,
        "url",
        "Enter a URL starting with http:// or https://.",
    );
    assert!(
        bad.body.contains("value=\"ftp://bot.example.com/x\""),
        "the input is kept"
    );
    let slow = admin
        .post(
            BOT_PAGE,
            &[
                ("kind", "external"),
                ("url", "https://bot.example.com/x"),
                ("timeout", "31"),
            ],
        )
        .await;
    assert_error(&slow, "timeout", "Enter a timeout from 1 to 30 seconds.");
    let menu = admin
        .post(
            BOT_PAGE,
            &[
                ("kind", "menu"),
                ("greeting", "Hi"),
                ("options", "Sales\nBilling | Color=red | Billing"),
            ],
        )
        .await;
    assert_eq!(menu.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_error(
        &menu,
        "options",
        "Line 2: this workstream has no context variable Color.",
    );
    assert!(
        d.app.desk().store().bot(d.ws).await.unwrap().is_none(),
        "nothing stored"
    );

    let good = admin
        .post(
            BOT_PAGE,
            &[
                ("kind", "external"),
                ("url", "https://bot.example.com/x"),
                ("timeout", ""),
            ],
        )
        .await;
    assert_eq!(good.status, StatusCode::OK);
    let stored = d.app.desk().store().bot(d.ws).await.unwrap();
    let Some(omnidesk::store::bots::StoredBot::External(e)) = stored else {
        panic!("an external bot is stored: {stored:?}");
    };
    assert_eq!(e.timeout_secs, 5);
    let secret = d
        .app
        .desk()
        .store()
        .master_key()
        .open(
            &e.secret,
            &omnidesk::store::bots::ExternalBot::secret_purpose(d.ws),
        )
        .unwrap();
    assert!(good.body.contains(secret.expose()), "shown once");
    let raw = std::fs::read(d.app.dir.path().join("omnidesk.redb")).unwrap_or_default();
    assert!(
        !raw.windows(secret.expose().len())
            .any(|w| w == secret.expose().as_bytes()),
        "stored encrypted"
    );
    let again = admin.get(BOT_PAGE).await;
    assert!(!again.body.contains(secret.expose()), "never shown again");
    let kept = admin
        .post(
            BOT_PAGE,
            &[
                ("kind", "external"),
                ("url", "https://bot.example.com/y"),
                ("timeout", "7"),
            ],
        )
        .await;
    assert_eq!(
        kept.status,
        StatusCode::SEE_OTHER,
        "no new secret: nothing to show"
    );

    let saved = admin
        .post(
            BOT_PAGE,
            &[
                ("kind", "menu"),
                ("greeting", "Hi <b>there</b>"),
                ("options", "Sales\nBilling | Topic=billing | Billing"),
                ("human_keyword", "Human"),
                ("max_failures", "3"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let Some(omnidesk::store::bots::StoredBot::Menu(m)) =
        d.app.desk().store().bot(d.ws).await.unwrap()
    else {
        panic!("a menu bot is stored");
    };
    assert_eq!(m.human_keyword, "human");
    assert_eq!(m.max_failures, 3);
    assert_eq!(m.options[1].queue, Some(d.billing_queue));
    let page = admin.get(BOT_PAGE).await;
    assert!(!page.body.contains("<b>there</b>"), "escaped");
    assert!(page.body.contains("Billing | Topic=billing | Billing"));
}
