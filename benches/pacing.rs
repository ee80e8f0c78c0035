//! Outbound pace on the real clock: one WhatsApp number with a backlog of replies across many
//! conversations, Twilio faked on loopback (answering 201 at once and noting when each create
//! arrived). Reports the achieved messages/s between the first and the last send and the sends of
//! each whole second, against the configured rate (default 80/s).
//!
//! Run: `cargo bench --bench pacing` (BENCH_MESSAGES, BENCH_CONVERSATIONS, BENCH_RATE override).

use omnidesk::clock::Clock;
use omnidesk::config::Settings;
use omnidesk::domain::Direction;
use omnidesk::providers::twilio::signature;
use omnidesk::startup::RunningApp;
use omnidesk::store::outbox::{OutboundContent, OutboundRequest};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

mod support;

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "bench-token-0123456789abcdef0123";
const BUSINESS: &str = "+14155550199";

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Answers every create with a fresh sid and notes when it arrived.
struct Recorder(Arc<Mutex<Vec<Instant>>>);

impl Respond for Recorder {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut seen = self.0.lock().expect("recorder lock");
        seen.push(Instant::now());
        let sid = format!("SM{:032x}", seen.len());
        ResponseTemplate::new(201)
            .set_body_json(serde_json::json!({"sid": sid, "status": "queued"}))
    }
}

#[tokio::main]
async fn main() {
    let messages: usize = env_or("BENCH_MESSAGES", 800);
    let conversations: usize = env_or("BENCH_CONVERSATIONS", 40);
    let rate: f64 = env_or("BENCH_RATE", 80.0);
    let twilio = MockServer::start().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    Mock::given(wiremock::matchers::method("POST"))
        .respond_with(Recorder(seen.clone()))
        .mount(&twilio)
        .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings::for_data_dir(dir.path().to_owned());
    settings.listen = "127.0.0.1:0".parse().expect("address");
    settings.twilio_api_base = twilio.uri();
    settings.pacing.whatsapp = rate;
    let app = RunningApp::start(settings, Clock::system()).expect("omnidesk starts");
    let store = app.desk.store();
    let account = support::whatsapp_account(store, app.desk.now(), SID, TOKEN, BUSINESS).await;
    let url = support::webhook_url(&app.address(), &account);
    let http = reqwest::Client::new();
    let mut convs = Vec::new();
    for i in 0..conversations {
        let sid = format!("SM{i:032x}");
        let customer = format!("+1212555{i:04}");
        let form: Vec<(String, String)> = [
            ("MessageSid", sid.as_str()),
            ("AccountSid", SID),
            ("From", &format!("whatsapp:{customer}")),
            ("To", &format!("whatsapp:{BUSINESS}")),
            ("Body", "hi"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let resp = http
            .post(&url)
            .header("X-Twilio-Signature", signature::compute(TOKEN, &url, &form))
            .form(&form)
            .send()
            .await
            .expect("webhook");
        assert_eq!(resp.status(), 200, "the customer message is taken");
        let msg = store
            .message_by_provider_id(sid)
            .await
            .expect("store")
            .expect("stored");
        convs.push(msg.conversation_id);
    }
    for i in 0..messages {
        app.desk
            .send(OutboundRequest {
                conversation_id: convs[i % convs.len()],
                content: OutboundContent::Text(format!("reply {i}")),
                author: None,
                direction: Direction::Outbound,
            })
            .await
            .expect("desk answers")
            .expect("reply accepted");
    }
    let deadline = Instant::now() + Duration::from_secs_f64(messages as f64 / rate * 2.0 + 30.0);
    while seen.lock().expect("recorder lock").len() < messages && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.stop().await;
    let seen = seen.lock().expect("recorder lock").clone();
    let (Some(first), Some(last)) = (seen.first(), seen.last()) else {
        println!("no sends arrived");
        return;
    };
    let span = last.duration_since(*first).as_secs_f64();
    let achieved = (seen.len() - 1) as f64 / span;
    let mut per_second = vec![0usize; span.floor() as usize + 1];
    for t in &seen {
        per_second[t.duration_since(*first).as_secs() as usize] += 1;
    }
    let whole = &per_second[..per_second.len().saturating_sub(1)];
    println!(
        "pacing: {} sends in {span:.3} s: {achieved:.2} msgs/s against {rate}/s ({:+.2}%); \
         whole seconds: min {} max {}",
        seen.len(),
        (achieved - rate) / rate * 100.0,
        whole.iter().min().copied().unwrap_or(0),
        whole.iter().max().copied().unwrap_or(0),
    );
}
