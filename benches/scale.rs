//! Scale: many open conversations on one process. Seeds a store with BENCH_CONVERSATIONS (default
//! 100,000) open WhatsApp conversations whose reply windows all close at the same instant, then,
//! in a fresh process (so memory counts only what a restarted omnidesk holds), measures:
//! - restart: from starting the app on that store to ready (`/healthz` would answer 200);
//! - memory: the process's resident set with every conversation's deadlines armed;
//! - burst: the clock moves past the shared deadline; time until every flip is stored.
//!
//! Targets (issue "Seams"): RSS under 300 MB, restart under 2 s, the burst stored within 1 s.
//! Run: `cargo bench --bench scale`.

use omnidesk::clock::Clock;
use omnidesk::config::Settings;
use omnidesk::domain::Timestamp;
use omnidesk::domain::inbound::InboundMessage;
use omnidesk::startup::RunningApp;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

// The scale run seeds through the store only; it never posts a webhook.
#[allow(dead_code)]
mod support;

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const BUSINESS: &str = "+14155550199";
/// 2026-01-01T09:00:00Z: every conversation's window opens here.
const START: Timestamp = Timestamp::from_millis(1_767_258_000_000);
const IN_FLIGHT: usize = 256;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn settings(dir: &Path) -> Settings {
    let mut s = Settings::for_data_dir(dir.to_owned());
    s.listen = "127.0.0.1:0".parse().expect("address");
    s
}

fn inbound(i: usize) -> InboundMessage {
    let customer = format!("+1{:010}", 2_000_000_000u64 + i as u64);
    let form: Vec<(String, String)> = [
        ("MessageSid", format!("SM{i:032x}")),
        ("AccountSid", SID.to_owned()),
        ("From", format!("whatsapp:{customer}")),
        ("To", format!("whatsapp:{BUSINESS}")),
        ("Body", "Where is my order?".to_owned()),
        ("NumMedia", "0".to_owned()),
        ("WaId", customer[1..].to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    omnidesk::providers::twilio::inbound::parse(&form)
        .expect("a valid inbound form")
        .message
}

async fn seed(dir: &Path, count: usize) {
    let app = RunningApp::start(settings(dir), Clock::manual(START)).expect("omnidesk starts");
    let desk = app.desk.clone();
    let store = desk.store().clone();
    let account = support::whatsapp_account(&store, desk.now(), SID, "scale-token", BUSINESS).await;
    let with_token = store
        .account_with_token(account.id)
        .await
        .expect("store")
        .expect("account");
    let started = Instant::now();
    let mut next = 0;
    let mut tasks = tokio::task::JoinSet::new();
    while next < count || !tasks.is_empty() {
        while next < count && tasks.len() < IN_FLIGHT {
            let (desk, acc, msg) = (desk.clone(), with_token.clone(), inbound(next));
            tasks.spawn(async move { desk.take_inbound(&acc, msg).await.map(|_| ()) });
            next += 1;
        }
        if let Some(done) = tasks.join_next().await {
            done.expect("task").expect("stored");
        }
    }
    eprintln!(
        "seeded {count} open conversations in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // The store closes once its last handle is gone: drop ours before stopping.
    drop((desk, store, with_token));
    app.stop().await;
}

/// The measured part, in a fresh process.
async fn measure(dir: &Path, count: u64) {
    let rss_before = rss_mib();
    let clock = Clock::manual(START.saturating_add(Duration::from_secs(60)));
    let started = Instant::now();
    let app = RunningApp::start(settings(dir), clock.clone()).expect("omnidesk restarts");
    let ready = started.elapsed();
    assert!(app.desk.is_ready());
    // Let the registry hand every recovered deadline to the scheduler.
    let armed_at = Instant::now();
    loop {
        let armed = app.desk.armed_deadlines().await.expect("scheduler answers");
        if armed as u64 >= count * 2 {
            break;
        }
        assert!(
            armed_at.elapsed() < Duration::from_secs(60),
            "deadlines armed"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let armed = armed_at.elapsed();
    let rss = rss_mib();

    let flips_before = omnidesk::metrics::Metrics::get(&app.desk.metrics().window_flips_total);
    let burst = Instant::now();
    clock.advance(Duration::from_secs(24 * 3600));
    loop {
        let flipped =
            omnidesk::metrics::Metrics::get(&app.desk.metrics().window_flips_total) - flips_before;
        if flipped >= count {
            break;
        }
        assert!(burst.elapsed() < Duration::from_secs(120), "flips stored");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let flipped = burst.elapsed();
    println!("open conversations:          {count}");
    println!(
        "restart to ready:            {:.0} ms",
        ready.as_secs_f64() * 1e3
    );
    println!(
        "deadlines armed after ready: {:.0} ms",
        armed.as_secs_f64() * 1e3
    );
    println!("resident set:                {rss:.0} MiB (process start: {rss_before:.0} MiB)");
    println!(
        "{count} window flips stored:  {:.0} ms",
        flipped.as_secs_f64() * 1e3
    );
    app.stop().await;
}

fn main() {
    let count: usize = env_or("BENCH_CONVERSATIONS", 100_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    if let Ok(dir) = std::env::var("SCALE_MEASURE_DIR") {
        runtime.block_on(measure(&PathBuf::from(dir), count as u64));
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    runtime.block_on(seed(dir.path(), count));
    let status = std::process::Command::new(std::env::current_exe().expect("own path"))
        .env("SCALE_MEASURE_DIR", dir.path())
        .env("BENCH_CONVERSATIONS", count.to_string())
        .status()
        .expect("measuring process runs");
    assert!(status.success(), "the measuring process failed");
}
