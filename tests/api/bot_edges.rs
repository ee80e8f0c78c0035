//! The bot's and routing's edges: an external bot's calls for one conversation go one at a time
//! in arrival order (and stop at a hand-off) while other conversations' calls run beside them;
//! an opening message that is a menu option is the answer; the conversation page shows the
//! bot's hold, its replies and why it handed off; offers and the panel show required skills;
//! a conversation a stop left unrouted is classified at start-up.

use crate::bot::{HANDOFF, automated, desk, handoff_line, menu, topic, with_menu};
use crate::distribution::{agent, offered_to, offers, wa_workstream};
use crate::helpers::*;
use crate::queues::fallback;
use crate::signin::{Browser, PASSWORD};
use omnidesk::app::bot::BotChoice;
use omnidesk::domain::bot::{BotUrl, MenuOption};
use omnidesk::domain::routing::ContextValue;
use omnidesk::domain::{ConversationId, Direction};
use omnidesk::providers::twilio::inbound as twilio_inbound;
use omnidesk::store::ingest::Ingested;
use reqwest::StatusCode;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the fake bot saw.
#[derive(Default)]
struct Seen {
    /// Calls in flight now, per conversation id.
    in_flight: HashMap<u64, usize>,
    /// The most calls in flight at once for one conversation.
    max_per_conversation: usize,
    /// The most calls in flight at once, all conversations together.
    max_total: usize,
    /// (conversation id, text), in arrival order.
    texts: Vec<(u64, String)>,
}

/// A fake external bot on 127.0.0.1: answers "Bot heard: <text>", hands off when the text
/// contains "human". A text starting with "slow" is answered only once the gate opens (a text
/// starting with "open" opens it, as does `open_gate`).
struct GatedBot {
    addr: SocketAddr,
    seen: Arc<Mutex<Seen>>,
    gate: Arc<watch::Sender<bool>>,
}

impl GatedBot {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let gate = Arc::new(watch::channel(false).0);
        let (s, g) = (seen.clone(), gate.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(answer(stream, s.clone(), g.clone()));
            }
        });
        Self { addr, seen, gate }
    }

    fn url(&self) -> BotUrl {
        BotUrl::parse(&format!("http://{}/bot", self.addr)).unwrap()
    }

    fn open_gate(&self) {
        self.gate.send_replace(true);
    }

    fn texts_of(&self, conv: ConversationId) -> Vec<String> {
        let seen = self.seen.lock().unwrap();
        seen.texts
            .iter()
            .filter(|(c, _)| *c == conv.get())
            .map(|(_, t)| t.clone())
            .collect()
    }
}

/// Reads one HTTP request (head, then Content-Length bytes of body) and answers it.
async fn answer(mut stream: TcpStream, seen: Arc<Mutex<Seen>>, gate: Arc<watch::Sender<bool>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body: serde_json::Value = serde_json::from_slice(&buf[head_end..]).unwrap();
    let conv = body["conversation_id"].as_u64().unwrap();
    let text = body["text"].as_str().unwrap_or_default().to_owned();
    {
        let mut s = seen.lock().unwrap();
        s.texts.push((conv, text.clone()));
        let n = s.in_flight.entry(conv).or_default();
        *n += 1;
        let n = *n;
        let total: usize = s.in_flight.values().sum();
        s.max_per_conversation = s.max_per_conversation.max(n);
        s.max_total = s.max_total.max(total);
    }
    if text.starts_with("open") {
        gate.send_replace(true);
    }
    if text.starts_with("slow") {
        let mut rx = gate.subscribe();
        let opened = tokio::time::timeout(Duration::from_secs(10), rx.wait_for(|o| *o)).await;
        assert!(opened.is_ok(), "the gate opened");
    }
    let reply = if text.contains("human") {
        serde_json::json!({"replies": ["Passing you to a person."], "handoff": true})
    } else {
        serde_json::json!({"replies": [format!("Bot heard: {text}")]})
    }
    .to_string();
    // Answered calls are no longer in flight before the answer leaves.
    *seen.lock().unwrap().in_flight.entry(conv).or_default() -= 1;
    let resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
        reply.len()
    );
    let _ = stream.write_all(resp.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// `s` as the pages escape it.
fn html(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

async fn with_gated(d: &crate::bot::Desk, bot: &GatedBot) {
    d.app
        .desk()
        .save_bot(
            d.ws,
            BotChoice::External {
                url: bot.url(),
                timeout_secs: 20,
                new_secret: false,
            },
        )
        .await
        .unwrap()
        .unwrap();
}

/// A second customer writing on WhatsApp; answers the conversation.
async fn other_customer_writes(app: &TestApp, body: &str) -> ConversationId {
    let sid = new_sid();
    let form = with(
        with(wa_form(&sid, body), "From", "whatsapp:+14155550177"),
        "WaId",
        "14155550177",
    );
    assert_eq!(app.post_inbound_wa(&form).await.status(), 200);
    app.message_by_sid(&sid).await.unwrap().conversation_id
}

/// Waits until no bot turn is queued or running: every message has had its answer.
async fn bot_settled(app: &TestApp) {
    eventually("every bot turn has settled", || async {
        (app.desk().bot_turns_running() == 0).then_some(())
    })
    .await;
}

#[tokio::test]
async fn one_conversations_messages_reach_the_bot_one_at_a_time_in_order_and_others_run_beside() {
    let d = desk().await;
    let bot = GatedBot::start().await;
    with_gated(&d, &bot).await;
    let a = d.app.customer_writes_wa("slow one").await.id;
    d.app.customer_writes_wa("two").await;
    d.app.customer_writes_wa("three").await;
    // Another conversation's call runs while the first one waits; it opens the gate.
    let b = other_customer_writes(&d.app, "open sesame").await;
    let replies = automated(&d.app, a, 3).await;
    assert_eq!(
        replies,
        ["Bot heard: slow one", "Bot heard: two", "Bot heard: three"],
        "answers apply in arrival order"
    );
    automated(&d.app, b, 1).await;
    bot_settled(&d.app).await;
    assert_eq!(bot.texts_of(a), ["slow one", "two", "three"]);
    let seen = bot.seen.lock().unwrap();
    assert_eq!(
        seen.max_per_conversation, 1,
        "one call at a time per conversation"
    );
    assert!(seen.max_total >= 2, "other conversations are not held up");
}

#[tokio::test]
async fn a_message_queued_behind_a_hand_off_goes_to_the_agent_not_to_the_bot() {
    let d = desk().await;
    let bot = GatedBot::start().await;
    with_gated(&d, &bot).await;
    let conv = d.app.customer_writes_wa("slow, a human please").await.id;
    d.app.customer_writes_wa("are you there?").await;
    bot.open_gate();
    offered_to(&d.app, d.general, conv).await;
    bot_settled(&d.app).await;
    assert_eq!(bot.texts_of(conv), ["slow, a human please"]);
    assert_eq!(
        handoff_line(&d.app, conv).await,
        format!("{HANDOFF}the bot asked for an agent.")
    );
    let thread = d.app.messages(conv).await;
    assert!(
        thread
            .iter()
            .any(|m| m.direction == Direction::Inbound && m.body == "are you there?"),
        "the message waits in the thread for the agent"
    );
    assert!(d.app.desk().store().bot_hold(conv).await.unwrap().is_none());
}

#[tokio::test]
async fn an_opening_message_that_is_an_option_is_taken_as_the_answer() {
    let d = desk().await;
    with_menu(&d).await;
    let conv = d.app.customer_writes_wa("2").await.id;
    offered_to(&d.app, d.billing, conv).await;
    assert_eq!(
        handoff_line(&d.app, conv).await,
        format!("{HANDOFF}the customer chose “Billing”.")
    );
    assert_eq!(
        topic(&d, conv).await,
        Some(ContextValue::Text("billing".into()))
    );
    let automated: Vec<_> = d
        .app
        .messages(conv)
        .await
        .into_iter()
        .filter(|m| m.direction == Direction::Automated)
        .collect();
    assert!(automated.is_empty(), "no greeting: {automated:?}");
    assert!(!offers(&d.app, d.general).await.contains(&conv));
    let diagnostics = d
        .app
        .desk()
        .store()
        .routing_diagnostics(conv)
        .await
        .unwrap()
        .expect("recorded");
    assert_eq!(diagnostics.queue_name, "Billing", "the queue it went to");
    let lines: Vec<_> = diagnostics.lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        lines,
        ["The bot's menu option sent it to Billing, over the rules."]
    );
}

#[tokio::test]
async fn the_conversation_page_shows_the_bots_hold_its_replies_and_why_it_handed_off() {
    let d = desk().await;
    let mut m = menu(d.billing_queue);
    m.options[0] = MenuOption {
        label: "Q&A <b>now</b>".into(),
        set: vec![],
        queue: None,
    };
    d.app
        .desk()
        .save_bot(d.ws, BotChoice::Menu(m))
        .await
        .unwrap()
        .unwrap();
    let conv = d.app.customer_writes_wa("hello").await;
    automated(&d.app, conv.id, 1).await;
    let mut admin = d.app.admin().await;
    let path = format!("/agent/conversations/{}", conv.id.get());
    let held = admin.get(&path).await;
    assert_eq!(held.status, StatusCode::OK);
    // The test clock starts at 2026-01-01T09:00:00Z.
    let since = "With the bot (menu bot) since <time datetime=\"2026-01-01T09:00:00Z\">2026-01-01 09:00 UTC</time>";
    assert!(held.body.contains(since), "{}", held.body);
    assert!(
        held.body.contains("Bot (automated)"),
        "the greeting is the bot's"
    );

    d.app.customer_writes_wa("1").await;
    offered_to(&d.app, d.general, conv.id).await;
    let line = "Handed off by the bot: the customer chose “Q&A <b>now</b>”.";
    assert_eq!(handoff_line(&d.app, conv.id).await, line);
    let after = admin.get(&path).await;
    assert!(after.body.contains(&html(line)), "{}", after.body);
    assert!(!after.body.contains("<b>now</b>"), "escaped");
    assert!(!after.body.contains("With the bot"), "the hold is over");
    assert!(
        after.body.contains("Bot (automated)"),
        "still the bot's reply"
    );

    // The agent it is offered to sees the same thread.
    let mut general = Browser::new(&d.app.address);
    general.sign_in("general@example.com", PASSWORD).await;
    let seen = general.get(&path).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(seen.body.contains(&html(line)));
    assert!(seen.body.contains("Bot (automated)"));
    assert!(
        !seen.body.contains("msg-agent"),
        "no reply shown as the agent's"
    );
}

#[tokio::test]
async fn offers_and_the_panel_show_the_required_skills() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (mut ana, ana_id) = agent(&app, "ana@example.com", 5).await;
    app.desk()
        .store()
        .set_members(ws, vec![ana_id])
        .await
        .unwrap();
    let mut admin = app.admin().await;
    admin.get("/admin/skills").await;
    admin.post("/admin/skills", &[("name", "Spanish")]).await;
    let field = format!("user{}", ana_id.get());
    let held = admin
        .post("/admin/skills/1", &[("name", "Spanish"), (&field, "6")])
        .await;
    assert_eq!(held.status, StatusCode::SEE_OTHER, "{}", held.body);
    let rule = admin
        .post(
            "/admin/workstreams/1/routing",
            &[
                ("name", "Spanish speakers"),
                ("keywords", "hola"),
                ("skill0", "1"),
                ("skill0_min", "5"),
            ],
        )
        .await;
    assert_eq!(rule.status, StatusCode::SEE_OTHER, "{}", rule.body);

    let conv = app.customer_writes_wa("Hola, necesito ayuda").await;
    offered_to(&app, ana_id, conv.id).await;
    let dashboard = ana.get("/agent").await;
    assert!(
        dashboard.body.contains("Required skills"),
        "{}",
        dashboard.body
    );
    assert!(
        dashboard.body.contains("Spanish (5+)"),
        "{}",
        dashboard.body
    );
    let queue = format!("{} (WhatsApp support)", fallback(&app, ws).await.name);
    assert!(
        dashboard.body.contains(&queue),
        "the queue it waits in: {}",
        dashboard.body
    );
    let panel = ana
        .get(&format!("/agent/conversations/{}", conv.id.get()))
        .await;
    assert_eq!(panel.status, StatusCode::OK);
    assert!(panel.body.contains("Spanish (5+)"), "{}", panel.body);
}

/// Stores a customer message the way the webhook does, without routing it: the state a stop
/// right after the commit leaves.
async fn stored_but_not_routed(app: &TestApp, body: &str) -> ConversationId {
    let inbound = twilio_inbound::parse(&wa_form(&new_sid(), body))
        .unwrap()
        .message;
    let Ingested::Stored(s) = app
        .desk()
        .store()
        .ingest(app.fx.wa_account.id, inbound, app.desk().now())
        .await
        .unwrap()
    else {
        panic!("stored");
    };
    s.conversation.id
}

#[tokio::test]
async fn a_conversation_left_unrouted_by_a_stop_is_classified_at_restart() {
    let mut d = desk().await;
    let mut admin = d.app.admin().await;
    admin.get("/admin/workstreams/1/routing").await;
    let q = d.billing_queue.get().to_string();
    let rule = admin
        .post(
            "/admin/workstreams/1/routing",
            &[("name", "Refunds"), ("queue", &q), ("keywords", "refund")],
        )
        .await;
    assert_eq!(rule.status, StatusCode::SEE_OTHER, "{}", rule.body);
    let conv = stored_but_not_routed(&d.app, "I want a refund").await;
    d.app
        .restart(|s| s.presence.inactive_after_minutes = 1_000_000)
        .await;

    offered_to(&d.app, d.billing, conv).await;
    let store = d.app.desk().store();
    let placed = store.placement(conv).await.unwrap().expect("placed");
    assert_eq!(placed.queue, d.billing_queue);
    let diagnostics = store
        .routing_diagnostics(conv)
        .await
        .unwrap()
        .expect("diagnostics are recorded");
    assert_eq!(diagnostics.queue_name, "Billing");
    assert_eq!(diagnostics.lines.len(), 1);
    assert!(
        diagnostics.lines[0]
            .text
            .starts_with("Classified at restart")
    );

    let mut admin = Browser::new(&d.app.address);
    admin.sign_in("admin@example.com", PASSWORD).await;
    let page = admin
        .get(&format!("/agent/conversations/{}", conv.get()))
        .await;
    assert!(page.body.contains("Routing diagnostics"), "{}", page.body);
    assert!(page.body.contains("Refunds: Matched"));
    assert!(page.body.contains("Classified at restart"));
}

#[tokio::test]
async fn a_conversation_left_unrouted_in_a_bot_workstream_goes_to_the_bot_at_restart() {
    let mut d = desk().await;
    with_menu(&d).await;
    let conv = stored_but_not_routed(&d.app, "hello").await;
    d.app
        .restart(|s| s.presence.inactive_after_minutes = 1_000_000)
        .await;
    let greeting = automated(&d.app, conv, 1).await;
    assert!(greeting[0].starts_with("Welcome to Acme!"), "{greeting:?}");
    assert!(d.app.desk().store().bot_hold(conv).await.unwrap().is_some());
    assert!(!offers(&d.app, d.general).await.contains(&conv));
}
