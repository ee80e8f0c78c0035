//! Reports over 100,000 conversations: writes BENCH_CONVERSATIONS (default 100,000) conversations'
//! facts, spread over 30 days, across 4 workstreams, 8 queues, 20 agents and both channels, into a
//! real redb file in a temp dir; then times the report for the 30 days (read the range, compute
//! every number) without filters and with each filter, RUNS times each, and prints p50 and max.
//!
//! Target (issue 12): under 1 s. Run: `cargo bench --bench reports`.

use omnidesk::domain::reports::fact::Snapshot;
use omnidesk::domain::reports::{ConversationFact, Csat, Filters, Report, ReportRange, Via};
use omnidesk::domain::{
    Channel, ConversationId, ConversationState, NumberId, QueueId, Timestamp, UserId, WorkstreamId,
};
use omnidesk::metrics::Metrics;
use omnidesk::secrets::MasterKey;
use omnidesk::store::Store;
use omnidesk::store::codec;
use omnidesk::store::tables::CONVERSATION_FACTS;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// 2026-01-01T00:00:00Z: the first day of the range.
const DAY0: i64 = 1_767_225_600_000;
const DAY_MS: i64 = 86_400_000;
const RUNS: usize = 7;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn fact(i: u64, n: u64) -> ConversationFact {
    let opened = DAY0 + (i as i64 * 30 * DAY_MS) / n as i64;
    let t = |s: i64| Some(Timestamp::from_millis(opened + s * 1000));
    let ws = i % 4 + 1;
    let s = Snapshot {
        conversation: ConversationId::new(i + 1),
        workstream: Some(WorkstreamId::new(ws)),
        channel: if i.is_multiple_of(3) {
            Channel::Sms
        } else {
            Channel::WhatsApp
        },
        number: NumberId::new(ws),
        agent: None,
        state: ConversationState::Open,
        opened_at: Timestamp::from_millis(opened),
        closed_at: None,
        stays: vec![],
        waiting_in: None,
        agents: vec![],
    };
    let mut f = ConversationFact::new(
        &s,
        if i.is_multiple_of(5) {
            Via::Acs
        } else {
            Via::Twilio
        },
    );
    f.queues = vec![QueueId::new(i % 8 + 1)];
    f.first_customer_at = t(0);
    f.queued_ms = (i % 300) * 1000;
    f.queue_stays = 1;
    if !i.is_multiple_of(10) {
        let agent = UserId::new(i % 20 + 1);
        f.agents = vec![agent];
        f.agent = Some(agent);
        f.ever_assigned = true;
        f.first_assigned_at = t((i % 300) as i64);
        f.accepted_at = f.first_assigned_at;
        f.first_agent_at = t((i % 300) as i64 + 20 + (i % 90) as i64);
        f.ended_at = t(900 + (i % 600) as i64);
        f.transfers = u32::from(i.is_multiple_of(17));
        if i.is_multiple_of(4) {
            f.survey_sent_at = f.ended_at;
            f.csat = Csat::parse((i % 5 + 1) as u8).ok();
        }
    }
    f.closed_at = t(1000 + (i % 900) as i64);
    f.state = ConversationState::Closed;
    f
}

fn main() {
    let n: u64 = env_or("BENCH_CONVERSATIONS", 100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let key = MasterKey::load_or_create(dir.path(), None).expect("key");
    // Creates the file and its tables (and marks the facts built: there are no conversations).
    Store::open(dir.path(), key.clone(), Arc::new(Metrics::default()))
        .expect("store")
        .close();
    let started = Instant::now();
    {
        let db = redb::Database::open(dir.path().join("omnidesk.redb")).expect("redb");
        let tx = db.begin_write().expect("write");
        {
            let mut t = tx.open_table(CONVERSATION_FACTS).expect("table");
            for i in 0..n {
                let f = fact(i, n);
                let bytes = codec::encode(&f).expect("encode");
                t.insert(
                    (f.opened_at.as_millis(), f.conversation.get()),
                    bytes.as_slice(),
                )
                .expect("insert");
            }
        }
        tx.commit().expect("commit");
    }
    let size = std::fs::metadata(dir.path().join("omnidesk.redb")).map_or(0, |m| m.len());
    println!(
        "wrote {n} conversations' facts in {:.1} s ({:.0} MB file)",
        started.elapsed().as_secs_f64(),
        size as f64 / 1e6
    );
    let store = Store::open(dir.path(), key, Arc::new(Metrics::default())).expect("store");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let zone = jiff::tz::TimeZone::get("Europe/Berlin").expect("zone");
    let range = ReportRange::new(
        "2026-01-01".parse().expect("date"),
        "2026-01-30".parse().expect("date"),
        zone,
    )
    .expect("range");
    let cases: [(&str, Filters); 5] = [
        ("no filter", Filters::default()),
        (
            "workstream",
            Filters::parse("2", "", "", "").expect("filter"),
        ),
        ("queue", Filters::parse("", "3", "", "").expect("filter")),
        (
            "channel whatsapp:acs",
            Filters::parse("", "", "whatsapp:acs", "").expect("filter"),
        ),
        ("agent", Filters::parse("", "", "", "7").expect("filter")),
    ];
    let mut worst = Duration::ZERO;
    for (name, filters) in cases {
        let mut times = Vec::new();
        let mut counted = 0;
        for _ in 0..RUNS {
            let t0 = Instant::now();
            let report = rt.block_on(async {
                let facts = store
                    .facts_opened_between(range.start, range.end)
                    .await
                    .expect("read");
                Report::compute(facts, &range, &filters)
            });
            times.push(t0.elapsed());
            counted = report.counts.opened;
        }
        times.sort();
        let max = times[times.len() - 1];
        worst = worst.max(max);
        println!(
            "report, 30 days, {name:<22} {counted:>6} conversations: p50 {:>6.1} ms, max {:>6.1} ms ({RUNS} runs)",
            times[times.len() / 2].as_secs_f64() * 1e3,
            max.as_secs_f64() * 1e3,
        );
    }
    println!(
        "target under 1 s: {}",
        if worst < Duration::from_secs(1) {
            "met"
        } else {
            "MISSED"
        }
    );
    store.close();
}
