//! Live update latency: how long after a customer's webhook is sent its `message` event reaches a
//! signed-in browser's `/agent/events` stream. Starts the real app in-process, signs in an admin,
//! opens the stream, then offers signed inbound webhooks at a steady rate spread over many
//! customers (one conversation each) and matches every `message` event back to its webhook through
//! the stored MessageSid. Latency counts from each webhook's scheduled send, so a stall is not
//! hidden.
//!
//! Run: `cargo bench --bench live_latency` (BENCH_RATE, BENCH_SECS, BENCH_CUSTOMERS override).

use futures_util::StreamExt;
use hdrhistogram::Histogram;
use omnidesk::clock::Clock;
use omnidesk::config::Settings;
use omnidesk::domain::ConversationId;
use omnidesk::domain::user::{Email, Role};
use omnidesk::providers::twilio::signature;
use omnidesk::startup::RunningApp;
use omnidesk::store::users::NewUser;
use omnidesk::web::session;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

mod support;

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "bench-token-0123456789abcdef0123";
const BUSINESS: &str = "+14155550199";
/// How long to wait for stragglers after the last webhook was answered.
const DRAIN: Duration = Duration::from_secs(5);

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A pre-signed webhook, so the client spends no time on HMAC while measuring.
struct Prepared {
    sid: String,
    body: String,
    signature: String,
}

fn prepare(url: &str, count: usize, customers: usize) -> Vec<Prepared> {
    (0..count)
        .map(|i| {
            let sid = format!("SM{i:032x}");
            let customer = format!("+1212555{:04}", i % customers);
            let form: Vec<(String, String)> = [
                ("MessageSid", sid.as_str()),
                ("AccountSid", SID),
                ("From", &format!("whatsapp:{customer}")),
                ("To", &format!("whatsapp:{BUSINESS}")),
                ("Body", "Where is my order? It was due yesterday."),
                ("NumMedia", "0"),
                ("ProfileName", "Latency Test"),
                ("WaId", &customer[1..]),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
            Prepared {
                signature: signature::compute(TOKEN, url, &form),
                body: serde_urlencoded::to_string(&form).expect("form encodes"),
                sid,
            }
        })
        .collect()
}

/// A `message` event as it arrived.
struct Arrival {
    conversation: ConversationId,
    seq: u64,
    at: Instant,
}

/// Reads the SSE stream and forwards every `message` event with its arrival time. Counts
/// `resync` events (the stream fell behind the hub) in the last message it sends.
async fn read_events(resp: reqwest::Response, out: mpsc::UnboundedSender<Result<Arrival, u64>>) {
    let mut chunks = resp.bytes_stream();
    let mut buf = String::new();
    let mut resyncs = 0;
    while let Some(Ok(chunk)) = chunks.next().await {
        let at = Instant::now();
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            if frame.starts_with("event: resync") {
                resyncs += 1;
                let _ = out.send(Err(resyncs));
            }
            let Some(data) = frame.strip_prefix("event: message\ndata: ") else {
                continue;
            };
            let Ok(v) = serde_json::from_str::<serde_json::Value>(data.trim_end()) else {
                continue;
            };
            if let (Some(c), Some(seq)) = (v["conversation"].as_u64(), v["seq"].as_u64()) {
                let arrival = Arrival {
                    conversation: ConversationId::new(c),
                    seq,
                    at,
                };
                if out.send(Ok(arrival)).is_err() {
                    return;
                }
            }
        }
    }
}

fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

fn main() {
    omnidesk::telemetry::init();
    let rate: u64 = env_or("BENCH_RATE", 500);
    let secs: u64 = env_or("BENCH_SECS", 10);
    let customers: usize = env_or("BENCH_CUSTOMERS", 200);
    support::runtime().block_on(async move {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = Settings::for_data_dir(dir.path().to_owned());
        settings.listen = "127.0.0.1:0".parse().expect("address");
        let app = RunningApp::start(settings, Clock::system()).expect("omnidesk starts");
        let desk = app.desk.clone();
        let store = desk.store().clone();
        let account =
            support::whatsapp_account(&store, desk.now(), SID, TOKEN, BUSINESS).await;
        let admin = store
            .add_user(
                NewUser {
                    email: Email::parse("bench-admin@example.com").expect("email"),
                    name: "Bench admin".into(),
                    role: Role::Admin,
                    password_hash: omnidesk::auth::password::hash_now("bench password 1234")
                        .expect("hash"),
                    capacity: 10,
                    languages: vec!["en".into()],
                },
                desk.now(),
            )
            .await
            .expect("store")
            .expect("admin");
        let token = session::start(&desk, &admin).await.expect("session");

        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()
            .expect("client");
        let resp = http
            .get(format!("{}/agent/events", app.address()))
            .header("Cookie", format!("{}={token}", session::COOKIE))
            .send()
            .await
            .expect("stream opens");
        assert_eq!(resp.status(), 200, "signed in");
        let (tx, mut rx) = mpsc::unbounded_channel();
        let reader = tokio::spawn(read_events(resp, tx));

        let url = support::webhook_url(&app.address(), &account);
        let total = (rate * secs) as usize;
        let reqs = Arc::new(prepare(&url, total, customers));
        let interval = Duration::from_secs_f64(1.0 / rate as f64);
        let start = Instant::now();
        let mut posts = Vec::with_capacity(total);
        for i in 0..total {
            let scheduled = start + interval * i as u32;
            tokio::time::sleep_until(scheduled.into()).await;
            let (http, url, reqs) = (http.clone(), url.clone(), reqs.clone());
            posts.push(tokio::spawn(async move {
                let p = &reqs[i];
                let ok = http
                    .post(&url)
                    .header("X-Twilio-Signature", &p.signature)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(p.body.clone())
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == 200);
                (ok, scheduled.elapsed())
            }));
        }
        let offered = start.elapsed();
        let mut webhook = Histogram::<u64>::new(3).expect("histogram");
        let mut errors = 0;
        for p in posts {
            match p.await {
                Ok((true, took)) => {
                    let _ = webhook.record(took.as_micros() as u64);
                }
                _ => errors += 1,
            }
        }

        let mut arrivals = Vec::with_capacity(total);
        let mut resyncs = 0;
        let until = Instant::now() + DRAIN;
        while arrivals.len() < total - errors {
            match tokio::time::timeout_at(until.into(), rx.recv()).await {
                Ok(Some(Ok(a))) => arrivals.push(a),
                Ok(Some(Err(n))) => resyncs = n,
                Ok(None) | Err(_) => break,
            }
        }
        reader.abort();

        // Match each event to its webhook through the MessageSid stored with the message.
        let sent_at: HashMap<&str, Instant> = reqs
            .iter()
            .enumerate()
            .map(|(i, p)| (p.sid.as_str(), start + interval * i as u32))
            .collect();
        let mut live = Histogram::<u64>::new(3).expect("histogram");
        let mut unmatched = 0;
        for a in &arrivals {
            let sid = store
                .message(a.conversation, a.seq)
                .await
                .ok()
                .flatten()
                .and_then(|m| m.provider_id);
            match sid.as_deref().and_then(|s| sent_at.get(s)) {
                Some(t) => {
                    let _ = live.record(a.at.saturating_duration_since(*t).as_micros() as u64);
                }
                None => unmatched += 1,
            }
        }
        // `stop` waits for the store to close, which needs every handle to it gone.
        drop((store, desk));
        app.stop().await;

        println!();
        println!(
            "live latency: webhook sent -> `message` event on /agent/events (admin stream), {} cores",
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        println!(
            "offered {total} webhooks at {rate} msgs/s over {customers} conversations in {:.1} s ({errors} errors)",
            offered.as_secs_f64()
        );
        println!(
            "webhook answered   p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms  ({} ok)",
            ms(webhook.value_at_quantile(0.50)),
            ms(webhook.value_at_quantile(0.99)),
            ms(webhook.max()),
            webhook.len()
        );
        println!(
            "event received     p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms  ({} events matched, {unmatched} unmatched, {} missing, {resyncs} resyncs)",
            ms(live.value_at_quantile(0.50)),
            ms(live.value_at_quantile(0.99)),
            ms(live.max()),
            live.len(),
            (total - errors).saturating_sub(live.len() as usize)
        );
    });
}
