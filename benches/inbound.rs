//! Inbound webhook load tool: posts signed Twilio webhooks over loopback at full speed and reports
//! messages/s with p50/p99 latency for (1) a bare actix-web endpoint that only parses the form —
//! the ceiling — and (2) omnidesk's durable inbound path (signature check, group commit with
//! fsync, actors). Then it offers a fixed 2,000 msgs/s to omnidesk and reports latency measured
//! from each request's scheduled start, so a stall is not hidden.
//!
//! Run: `cargo bench --bench inbound` (BENCH_SECS, BENCH_CONNECTIONS, BENCH_RATE, BENCH_WORKERS,
//! BENCH_PACED_ONLY=1 override).

use actix_web::{App, HttpResponse, HttpServer, web};
use hdrhistogram::Histogram;
use omnidesk::clock::Clock;
use omnidesk::config::Settings;
use omnidesk::providers::twilio::signature;
use omnidesk::startup::RunningApp;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

mod support;

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "bench-token-0123456789abcdef0123";
const BUSINESS: &str = "+14155550199";
const CUSTOMERS: usize = 1_000;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A pre-signed request body, so the client spends no time on HMAC while measuring.
struct Prepared {
    body: String,
    signature: String,
}

fn prepare(url: &str, count: usize, tag: &str) -> Vec<Prepared> {
    (0..count)
        .map(|i| {
            let sid = format!("SM{tag}{i:030x}");
            let customer = format!("+1212555{:04}", i % CUSTOMERS);
            let form: Vec<(String, String)> = [
                ("MessageSid", sid.as_str()),
                ("AccountSid", SID),
                ("From", &format!("whatsapp:{customer}")),
                ("To", &format!("whatsapp:{BUSINESS}")),
                (
                    "Body",
                    "Hello, I would like to change my delivery address please.",
                ),
                ("NumMedia", "0"),
                ("ProfileName", "Load Test"),
                ("WaId", &customer[1..]),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
            Prepared {
                signature: signature::compute(TOKEN, url, &form),
                body: serde_urlencoded::to_string(&form).expect("form encodes"),
            }
        })
        .collect()
}

struct Report {
    sent: usize,
    errors: usize,
    elapsed: Duration,
    hist: Histogram<u64>,
    /// CPU time of the whole process (server and client) during the run.
    cpu: Duration,
}

/// User and system CPU time of this process so far, from /proc (Linux).
fn cpu_time() -> Duration {
    stat_cpu("/proc/self/stat")
}

/// CPU time so far of this process's threads whose name starts with `prefix`.
fn threads_cpu(prefix: &str) -> Duration {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    tasks
        .flatten()
        .filter(|t| {
            std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.starts_with(prefix))
        })
        .map(|t| stat_cpu(&t.path().join("stat").to_string_lossy()))
        .sum()
}

fn stat_cpu(path: &str) -> Duration {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name; 100 ticks a second.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

impl Report {
    fn line(&self, name: &str) -> String {
        format!(
            "{name:<34} {:>9.0} msgs/s  p50 {:>6.2} ms  p99 {:>6.2} ms  cpu {:>5.1} µs/msg  ({} ok, {} errors)",
            self.sent as f64 / self.elapsed.as_secs_f64(),
            self.hist.value_at_quantile(0.50) as f64 / 1000.0,
            self.hist.value_at_quantile(0.99) as f64 / 1000.0,
            self.cpu.as_secs_f64() * 1e6 / self.sent.max(1) as f64,
            self.sent,
            self.errors
        )
    }
}

async fn post(http: &reqwest::Client, url: &str, p: &Prepared) -> bool {
    http.post(url)
        .header("X-Twilio-Signature", &p.signature)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(p.body.clone())
        .send()
        .await
        .is_ok_and(|r| r.status() == 200)
}

/// Closed loop: `connections` clients post back to back for `secs`.
async fn saturate(url: &str, reqs: Arc<Vec<Prepared>>, connections: usize, secs: u64) -> Report {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()
        .unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let cpu_at_start = cpu_time();
    let start = Instant::now();
    let stop = start + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (http, url, reqs, next) = (http.clone(), url.to_owned(), reqs.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new(3).unwrap();
            let (mut ok, mut errors) = (0, 0);
            while Instant::now() < stop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(p) = reqs.get(i) else { break };
                let t = Instant::now();
                if post(&http, &url, p).await {
                    ok += 1;
                    let _ = hist.record(t.elapsed().as_micros() as u64);
                } else {
                    errors += 1;
                }
            }
            (hist, ok, errors)
        }));
    }
    let mut report = Report {
        sent: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        hist: Histogram::new(3).unwrap(),
        cpu: Duration::ZERO,
    };
    for t in tasks {
        let (h, ok, errors) = t.await.unwrap();
        report.hist.add(h).unwrap();
        report.sent += ok;
        report.errors += errors;
    }
    report.elapsed = start.elapsed();
    report.cpu = cpu_time().saturating_sub(cpu_at_start);
    report
}

/// Open loop: one request every 1/rate s for `secs`; latency counts from the scheduled start.
async fn fixed_rate(url: &str, reqs: Arc<Vec<Prepared>>, rate: u64, secs: u64) -> Report {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    let total = (rate * secs) as usize;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let cpu_at_start = cpu_time();
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for i in 0..total.min(reqs.len()) {
        let scheduled = start + interval * i as u32;
        tokio::time::sleep_until(scheduled.into()).await;
        let (http, url, reqs) = (http.clone(), url.to_owned(), reqs.clone());
        tasks.push(tokio::spawn(async move {
            let ok = post(&http, &url, &reqs[i]).await;
            (ok, scheduled.elapsed())
        }));
    }
    let mut report = Report {
        sent: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        hist: Histogram::new(3).unwrap(),
        cpu: Duration::ZERO,
    };
    for t in tasks {
        let (ok, latency) = t.await.unwrap();
        if ok {
            report.sent += 1;
            let _ = report.hist.record(latency.as_micros() as u64);
        } else {
            report.errors += 1;
        }
    }
    report.elapsed = start.elapsed();
    report.cpu = cpu_time().saturating_sub(cpu_at_start);
    report
}

/// The ceiling: an actix-web endpoint that parses the form and answers, storing nothing.
fn start_bare_server() -> (u16, actix_web::dev::ServerHandle) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(|| {
                App::new().route(
                    "/webhooks/twilio/{key}",
                    web::post().to(|body: web::Bytes| async move {
                        match omnidesk::domain::form::parse_form(&body) {
                            Ok(pairs) if !pairs.is_empty() => HttpResponse::Ok()
                                .content_type("text/xml")
                                .body("<Response/>"),
                            _ => HttpResponse::BadRequest().finish(),
                        }
                    }),
                )
            })
            .bind("127.0.0.1:0")
            .unwrap();
            let port = server.addrs()[0].port();
            let server = server.run();
            tx.send((port, server.handle())).unwrap();
            server.await.unwrap();
        });
    });
    rx.recv().unwrap()
}

fn main() {
    omnidesk::telemetry::init();
    let secs: u64 = env_or("BENCH_SECS", 5);
    let connections: usize = env_or("BENCH_CONNECTIONS", 64);
    let rate: u64 = env_or("BENCH_RATE", 2_000);
    // BENCH_PACED_ONLY=1 skips the two saturation runs.
    let paced_only = env_or("BENCH_PACED_ONLY", 0) == 1;
    support::runtime().block_on(async move {
        let count = 200_000;
        let (bare_port, bare) = start_bare_server();
        let bare_url = format!("http://127.0.0.1:{bare_port}/webhooks/twilio/k");
        let ceiling = if paced_only {
            Report {
                sent: 1,
                errors: 0,
                elapsed: Duration::from_secs(1),
                hist: Histogram::new(3).unwrap(),
                cpu: Duration::ZERO,
            }
        } else {
            let ceiling_reqs = Arc::new(prepare(&bare_url, count, "00"));
            saturate(&bare_url, ceiling_reqs, connections, secs).await
        };
        let bare_paced = fixed_rate(
            &bare_url,
            Arc::new(prepare(&bare_url, (rate * secs) as usize, "03")),
            rate,
            secs,
        )
        .await;
        bare.stop(true).await;

        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::for_data_dir(dir.path().to_owned());
        settings.listen = "127.0.0.1:0".parse().unwrap();
        // Every simulated sender is on 127.0.0.1; Twilio's come from many addresses.
        settings.max_connections_per_address = 0;
        settings.workers = env_or("BENCH_WORKERS", 0);
        let app = RunningApp::start(settings, Clock::system()).expect("omnidesk starts");
        let store = app.desk.store();
        let account = support::whatsapp_account(store, app.desk.now(), SID, TOKEN, BUSINESS).await;
        let url = support::webhook_url(&app.address(), &account);
        let durable = if paced_only {
            Report {
                sent: 0,
                errors: 0,
                elapsed: Duration::from_secs(1),
                hist: Histogram::new(3).unwrap(),
                cpu: Duration::ZERO,
            }
        } else {
            let durable_reqs = Arc::new(prepare(&url, count, "01"));
            let (writer0, workers0) = (threads_cpu("omnidesk-store"), threads_cpu("actix-rt"));
            let report = saturate(&url, durable_reqs, connections, secs).await;
            let per = |d: Duration| d.as_secs_f64() * 1e6 / report.sent.max(1) as f64;
            println!(
                "durable run, CPU per message: store writer {:.1} µs, HTTP workers {:.1} µs",
                per(threads_cpu("omnidesk-store").saturating_sub(writer0)),
                per(threads_cpu("actix-rt").saturating_sub(workers0)),
            );
            report
        };
        let paced_reqs = Arc::new(prepare(&url, (rate * secs) as usize, "02"));
        let paced = fixed_rate(&url, paced_reqs, rate, secs).await;
        let stored = app.desk.store().message_count().await.unwrap();
        let commits = omnidesk::metrics::Metrics::get(&app.desk.metrics().store_commits_total);
        let writes = omnidesk::metrics::Metrics::get(&app.desk.metrics().store_writes_total);
        app.stop().await;

        println!();
        println!(
            "inbound webhooks over loopback, {connections} connections, {secs} s per run, {} cores",
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        println!("{}", ceiling.line("ceiling (bare actix-web form parse)"));
        println!(
            "{}",
            bare_paced.line(&format!("ceiling at {rate} msgs/s offered"))
        );
        println!("{}", durable.line("omnidesk durable inbound"));
        println!(
            "{}",
            paced.line(&format!("omnidesk at {rate} msgs/s offered"))
        );
        println!(
            "durable / ceiling: {:.0}%   messages stored: {stored}   writes per fsync: {:.1}",
            100.0 * durable.sent as f64 * ceiling.elapsed.as_secs_f64()
                / (ceiling.sent as f64 * durable.elapsed.as_secs_f64()),
            writes as f64 / commits.max(1) as f64
        );
        let expected = (durable.sent + paced.sent) as u64;
        assert!(
            stored >= expected,
            "every acknowledged message is stored ({stored} < {expected})"
        );
    });
}
