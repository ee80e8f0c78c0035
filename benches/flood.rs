//! Flood tool: runs omnidesk under a 1,024-descriptor limit and attacks it over loopback, all at
//! once, from child processes (so their sockets do not count against the server's limit):
//! - 1,100 slow-body clients (each announces 100,000 bytes, sends 7, and reconnects at once when
//!   cut off or refused), from one address or spread over FLOOD_SLOW_ADDRESSES loopback addresses,
//! - 8 loops posting unsigned 127 KiB forms of 17,600 keys and 8 posting 1,000-field forms with
//!   a bad signature (the most signature work a form may cost),
//! - one session opening 1,500 live streams and 60 more sessions opening 8 each (reconnecting a
//!   second after being closed or refused, as a browser would, only more of them).
//!
//! Meanwhile it probes `/healthz` and a signed inbound webhook on fresh connections every 100 ms
//! and reports their latency; the target is under 1 s for both.
//!
//! Run: `cargo bench --bench flood` (FLOOD_SECS, FLOOD_FD_LIMIT, FLOOD_SLOW_ADDRESSES override).

use hdrhistogram::Histogram;
use omnidesk::clock::Clock;
use omnidesk::config::Settings;
use omnidesk::domain::user::{Email, Role};
use omnidesk::providers::twilio::signature;
use omnidesk::startup::RunningApp;
use omnidesk::store::users::NewUser;
use std::io::{BufRead, Write};
use std::net::{IpAddr, SocketAddr};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod support;

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "flood-token-0123456789abcdef0123";
const BUSINESS: &str = "+14155550199";
const PASSWORD: &str = "correct horse battery staple";
const SLOW_CLIENTS: usize = 1_100;
const STREAMS_ONE_SESSION: usize = 1_500;
const STREAM_SESSIONS: usize = 60;
const PROBE_EVERY: Duration = Duration::from_millis(100);
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--attacker") {
        let kind = args.get(i + 1).cloned().unwrap_or_default();
        return attacker(&kind);
    }
    coordinator();
}

/// Counters an attacker prints when its stdin closes.
#[derive(Default)]
struct Tally {
    attempts: AtomicU64,
    answered: AtomicU64,
    refused: AtomicU64,
    errors: AtomicU64,
}

impl Tally {
    fn line(&self, kind: &str) -> String {
        format!(
            "{kind:<8} attempts {:>7}  answered {:>7}  refused {:>7}  errors {:>6}",
            self.attempts.load(Ordering::Relaxed),
            self.answered.load(Ordering::Relaxed),
            self.refused.load(Ordering::Relaxed),
            self.errors.load(Ordering::Relaxed)
        )
    }
}

fn inc(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// A child process: reads its orders (server address, then cookies or a webhook URL) from stdin,
/// prints "ready", attacks until stdin closes, then prints its tally.
fn attacker(kind: &str) {
    let _ = rlimit::increase_nofile_limit(1 << 20);
    let (address, extra) = {
        let mut lines = std::io::stdin().lock().lines();
        let mut next = || lines.next().and_then(Result::ok).unwrap_or_default();
        let address = next();
        let extra: Vec<String> = (0..next().parse().unwrap_or(0)).map(|_| next()).collect();
        (address, extra)
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let tally = Arc::new(Tally::default());
    let t = tally.clone();
    let kind_owned = kind.to_owned();
    rt.spawn(async move {
        match kind_owned.as_str() {
            "slow" => slow_bodies(&address, t).await,
            "forms" => heavy_forms(&address, &extra[0], t).await,
            "streams" => streams(&address, &extra, t).await,
            other => eprintln!("unknown attacker {other}"),
        }
    });
    println!("ready");
    let _ = std::io::stdout().flush();
    // Orders end when the coordinator closes stdin.
    while lines_left() {}
    println!("{}", tally.line(kind));
    let _ = std::io::stdout().flush();
    std::process::exit(0);
}

fn lines_left() -> bool {
    let mut s = String::new();
    std::io::stdin().read_line(&mut s).is_ok_and(|n| n > 0)
}

async fn slow_bodies(address: &str, tally: Arc<Tally>) {
    let server: SocketAddr = address
        .trim_start_matches("http://")
        .parse()
        .expect("address");
    let addresses: usize = env_or("FLOOD_SLOW_ADDRESSES", 1).clamp(1, 250);
    for i in 0..SLOW_CLIENTS {
        let tally = tally.clone();
        let source = IpAddr::from([127, 0, 1, 1 + (i % addresses) as u8]);
        tokio::spawn(async move {
            loop {
                inc(&tally.attempts);
                match hold_one(server, source).await {
                    Ok(true) => inc(&tally.answered),
                    Ok(false) => {
                        inc(&tally.refused);
                        tokio::task::yield_now().await;
                    }
                    Err(_) => {
                        inc(&tally.errors);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        });
    }
}

/// One slow client: `Ok(true)` when answered 408, `Ok(false)` for any other answer.
async fn hold_one(server: SocketAddr, source: IpAddr) -> std::io::Result<bool> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(source, 0))?;
    let mut stream = socket.connect(server).await?;
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: {server}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nemail=a"
    );
    stream.write_all(head.as_bytes()).await?;
    let mut buf = [0u8; 512];
    let mut got = Vec::new();
    loop {
        match stream.read(&mut buf).await? {
            0 => break,
            n => got.extend_from_slice(&buf[..n]),
        }
    }
    Ok(got.starts_with(b"HTTP/1.1 408"))
}

async fn heavy_forms(address: &str, url: &str, tally: Arc<Tally>) {
    let many: String = (0..17_600)
        .map(|i| format!("{i:x}="))
        .collect::<Vec<_>>()
        .join("&");
    let most: String = (0..1_000)
        .map(|i| format!("{i:x}={}", "v".repeat(100)))
        .collect::<Vec<_>>()
        .join("&");
    let _ = address;
    for body in [many, most] {
        for _ in 0..8 {
            let (url, body, tally) = (url.to_owned(), body.clone(), tally.clone());
            tokio::spawn(async move {
                let http = reqwest::Client::builder()
                    .local_address(IpAddr::from([127, 0, 2, 1]))
                    .build()
                    .expect("client");
                loop {
                    inc(&tally.attempts);
                    let resp = http
                        .post(&url)
                        .header("X-Twilio-Signature", "AAAA")
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .body(body.clone())
                        .send()
                        .await;
                    match resp {
                        Ok(r) if r.status().is_client_error() => inc(&tally.refused),
                        Ok(_) => inc(&tally.answered),
                        Err(_) => inc(&tally.errors),
                    }
                }
            });
        }
    }
}

async fn streams(address: &str, cookies: &[String], tally: Arc<Tally>) {
    let plan = cookies.iter().enumerate().flat_map(|(i, c)| {
        let count = if i == 0 { STREAMS_ONE_SESSION } else { 8 };
        std::iter::repeat_n(c.clone(), count)
    });
    for (i, cookie) in plan.enumerate() {
        let (url, tally) = (format!("{address}/agent/events"), tally.clone());
        let source = IpAddr::from([127, 0, 3, 1 + (i % 50) as u8]);
        tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .local_address(source)
                .build()
                .expect("client");
            loop {
                inc(&tally.attempts);
                match http.get(&url).header("Cookie", &cookie).send().await {
                    Ok(r) if r.status() == 200 => {
                        inc(&tally.answered);
                        let mut r = r;
                        while let Ok(Some(_)) = r.chunk().await {}
                    }
                    Ok(_) => inc(&tally.refused),
                    Err(_) => inc(&tally.errors),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
}

struct Attackers(Vec<(String, Child)>);

impl Attackers {
    fn spawn(kinds: &[&str]) -> Self {
        let exe = std::env::current_exe().expect("own path");
        Self(
            kinds
                .iter()
                .map(|kind| {
                    let child = Command::new(&exe)
                        .args(["--attacker", kind])
                        .stdin(Stdio::piped())
                        .stdout(Stdio::piped())
                        .spawn()
                        .expect("attacker starts");
                    ((*kind).to_owned(), child)
                })
                .collect(),
        )
    }

    fn order(&mut self, kind: &str, lines: &[String]) {
        let child = &mut self.0.iter_mut().find(|(k, _)| k == kind).expect("kind").1;
        let stdin = child.stdin.as_mut().expect("stdin");
        for line in lines {
            writeln!(stdin, "{line}").expect("order sent");
        }
        let mut out = std::io::BufReader::new(child.stdout.as_mut().expect("stdout"));
        let mut ready = String::new();
        out.read_line(&mut ready).expect("ready line");
    }

    /// Closes every attacker's orders and collects its tally.
    fn stop(self) -> Vec<String> {
        self.0
            .into_iter()
            .map(|(_, mut child)| {
                drop(child.stdin.take());
                let mut rest = String::new();
                if let Some(mut out) = child.stdout.take() {
                    let _ = std::io::Read::read_to_string(&mut out, &mut rest);
                }
                let _ = child.wait();
                rest.trim().to_owned()
            })
            .collect()
    }
}

/// Latencies of one probe, in microseconds, with its failures.
struct Probe {
    hist: Histogram<u64>,
    failures: u64,
}

impl Probe {
    fn new() -> Self {
        Self {
            hist: Histogram::new(3).expect("histogram"),
            failures: 0,
        }
    }

    fn record(&mut self, ok: bool, took: Duration) {
        if ok {
            let _ = self.hist.record(took.as_micros() as u64);
        } else {
            self.failures += 1;
        }
    }

    fn line(&self, name: &str) -> String {
        let ms = |q: f64| self.hist.value_at_quantile(q) as f64 / 1000.0;
        format!(
            "{name:<28} n {:>4}  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms  failures {}",
            self.hist.len(),
            ms(0.5),
            ms(0.99),
            self.hist.max() as f64 / 1000.0,
            self.failures
        )
    }
}

/// Probes `/healthz` and a signed webhook on fresh connections every `PROBE_EVERY` for `secs`.
async fn probe(address: &str, webhook: &str, secs: u64, tag: &str) -> (Probe, Probe) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(PROBE_TIMEOUT)
        .build()
        .expect("client");
    let (mut health, mut hook) = (Probe::new(), Probe::new());
    let stop = Instant::now() + Duration::from_secs(secs);
    let mut i = 0u64;
    while Instant::now() < stop {
        let t = Instant::now();
        let ok = http
            .get(format!("{address}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200);
        health.record(ok, t.elapsed());
        i += 1;
        let form: Vec<(String, String)> = [
            ("MessageSid", format!("SM{tag}{i:030x}")),
            ("AccountSid", SID.to_owned()),
            ("From", format!("whatsapp:+1212555{:04}", i % 1000)),
            ("To", format!("whatsapp:{BUSINESS}")),
            ("Body", "Is my order on its way?".to_owned()),
            ("NumMedia", "0".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let sig = signature::compute(TOKEN, webhook, &form);
        let t = Instant::now();
        let ok = http
            .post(webhook)
            .header("X-Twilio-Signature", sig)
            .form(&form)
            .send()
            .await
            .is_ok_and(|r| r.status() == 200);
        hook.record(ok, t.elapsed());
        tokio::time::sleep(PROBE_EVERY).await;
    }
    (health, hook)
}

/// Signs in `email` on a fresh cookie jar and returns its Cookie header.
async fn session_cookie(address: &str, email: &str) -> String {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let http = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = http
        .get(format!("{address}/login"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("login page text");
    let marker = "name=\"csrf\" value=\"";
    let csrf = page
        .find(marker)
        .map(|i| {
            page[i + marker.len()..]
                .split('"')
                .next()
                .unwrap_or_default()
        })
        .unwrap_or_default()
        .to_owned();
    let resp = http
        .post(format!("{address}/login"))
        .form(&[("email", email), ("password", PASSWORD), ("csrf", &csrf)])
        .send()
        .await
        .expect("sign-in");
    assert_eq!(resp.status(), 303, "sign-in of {email}");
    let url = address.parse().expect("url");
    reqwest::cookie::CookieStore::cookies(&*jar, &url)
        .and_then(|v| v.to_str().ok().map(str::to_owned))
        .expect("session cookie")
}

fn coordinator() {
    omnidesk::telemetry::init();
    let secs: u64 = env_or("FLOOD_SECS", 30);
    let fd_limit: u64 = env_or("FLOOD_FD_LIMIT", 1_024);
    // Children first: they keep the machine's limit; the server then gets the small one.
    let mut attackers = Attackers::spawn(&["slow", "forms", "streams"]);
    rlimit::setrlimit(rlimit::Resource::NOFILE, fd_limit, fd_limit).expect("open-file limit set");

    support::runtime().block_on(async move {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = Settings::for_data_dir(dir.path().to_owned());
        settings.listen = "127.0.0.1:0".parse().expect("address");
        settings.workers = 2;
        let app = RunningApp::start(settings, Clock::system()).expect("omnidesk starts");
        let address = app.address();
        let store = app.desk.store();
        let account = support::whatsapp_account(store, app.desk.now(), SID, TOKEN, BUSINESS).await;
        let webhook = support::webhook_url(&address, &account);
        let hash = omnidesk::auth::password::hash_now(PASSWORD).expect("hash");
        let mut cookies = Vec::new();
        for i in 0..=STREAM_SESSIONS {
            let email = format!("watcher{i}@example.com");
            store
                .add_user(
                    NewUser {
                        email: Email::parse(&email).expect("email"),
                        name: format!("Watcher {i}"),
                        role: Role::Admin,
                        password_hash: hash.clone(),
                        capacity: 1,
                        languages: vec!["en".into()],
                    },
                    app.desk.now(),
                )
                .await
                .expect("store")
                .expect("user");
            cookies.push(session_cookie(&address, &email).await);
        }

        let (quiet_health, quiet_hook) = probe(&address, &webhook, 5, "00").await;

        let started = Instant::now();
        attackers.order("slow", &[address.clone(), "0".into()]);
        attackers.order("forms", &[address.clone(), "1".into(), webhook.clone()]);
        let mut orders = vec![address.clone(), cookies.len().to_string()];
        orders.extend(cookies);
        attackers.order("streams", &orders);
        // Let every attack reach its full size before measuring.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let (health, hook) = probe(&address, &webhook, secs, "01").await;
        let attacked_for = started.elapsed();
        let tallies = attackers.stop();

        let m = app.desk.metrics();
        let get = omnidesk::metrics::Metrics::get;
        println!();
        println!(
            "flood over loopback: server open-file limit {fd_limit}, {} cores, attacked for {:.0} s",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            attacked_for.as_secs_f64()
        );
        println!("{}", quiet_health.line("/healthz, quiet"));
        println!("{}", quiet_hook.line("signed webhook, quiet"));
        println!("{}", health.line("/healthz, under attack"));
        println!("{}", hook.line("signed webhook, under attack"));
        for t in tallies {
            println!("attacker {t}");
        }
        println!(
            "server: bodies cut at deadline {}  signatures computed {}  webhooks refused {}  streams evicted {}  streams refused {}",
            get(&m.body_timeouts_total),
            get(&m.signature_checks_total),
            get(&m.inbound_rejected_total),
            get(&m.live_streams_evicted_total),
            get(&m.live_streams_refused_total)
        );
        let worst = health.hist.max().max(hook.hist.max());
        println!(
            "target: both under 1 s: {}",
            if worst < 1_000_000 && health.failures + hook.failures == 0 {
                "met"
            } else {
                "NOT met"
            }
        );
        app.stop().await;
    });
}
