//! OutboxDispatcher: sends committed outbox jobs through the account's provider. One send at a
//! time per conversation (customers see messages in order), a pace per sender number by its type
//! (`pacing`), retries of temporary failures with exponential backoff and jitter, lookups instead
//! of resends when a send's outcome is unknown (`attempt`), and permanent failures recorded on
//! the message with the provider's code and text. Pending jobs are reloaded from the store at
//! start-up, so a message accepted before a crash is sent after the restart, and one whose send
//! was cut off by the crash is looked up rather than sent twice.

use super::attempt::AttemptRun;
use super::messages::{AttemptDone, InFlightNow, JobQueued, PendingCount};
use super::pacing::Pacer;
use crate::clock::Clock;
use crate::config::Intervals;
use crate::domain::{ConversationId, JobId, NumberId, Timestamp};
use crate::metrics::Metrics;
use crate::providers::Providers;
use crate::store::Store;
use crate::store::records::{NumberKind, OutboxJob};
use actix::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

pub use super::attempt::{MAX_ATTEMPTS, backoff, settle_time};

/// Sends under way at once, across all senders.
const MAX_IN_FLIGHT: usize = 64;
/// How long before its slot a send starts: it marks itself begun in the store (an fsync) first,
/// then waits for its slot, so the fsync's latency does not bunch the requests.
const LEAD: Duration = Duration::from_millis(100);

struct Pending {
    conversation: ConversationId,
    number: NumberId,
    kind: NumberKind,
    not_before: Timestamp,
    in_flight: bool,
    /// The slot of the attempt in flight.
    send_at: Timestamp,
}

pub struct OutboxDispatcher {
    attempt: AttemptRun,
    clock: Clock,
    intervals: Intervals,
    pending: BTreeMap<JobId, Pending>,
    pacer: Pacer,
    in_flight: usize,
    timer: Option<(Timestamp, SpawnHandle)>,
}

pub struct OutboxConfig {
    pub providers: Providers,
    pub public_url: String,
    /// The checked pacing of `Settings` (see `Pacing::intervals`).
    pub intervals: Intervals,
    /// The provider request timeout; sets how long an unknown outcome waits for its lookup.
    pub provider_timeout: Duration,
}

impl OutboxDispatcher {
    pub fn new(
        store: Store,
        clock: Clock,
        metrics: Arc<Metrics>,
        live: crate::live::LiveHub,
        config: OutboxConfig,
        jobs: Vec<OutboxJob>,
    ) -> Self {
        let attempt = AttemptRun {
            store,
            clock: clock.clone(),
            metrics,
            live,
            providers: config.providers,
            public_url: config.public_url,
            settle: settle_time(config.provider_timeout),
        };
        let mut d = Self {
            attempt,
            clock,
            intervals: config.intervals,
            pending: BTreeMap::new(),
            pacer: Pacer::default(),
            in_flight: 0,
            timer: None,
        };
        for job in jobs {
            d.add(job);
        }
        d
    }

    fn add(&mut self, job: OutboxJob) {
        self.pending.entry(job.id).or_insert(Pending {
            conversation: job.conversation_id,
            number: job.number_id,
            kind: job.number_kind,
            not_before: job.not_before,
            in_flight: false,
            send_at: job.not_before,
        });
    }

    /// Starts every job that may go now and arms a timer for the earliest one that may not.
    fn pump(&mut self, ctx: &mut Context<Self>) {
        let now = self.clock.now();
        let mut wake: Option<Timestamp> = None;
        let mut seen = HashSet::new();
        let mut start = Vec::new();
        for (&id, p) in self.pending.iter_mut() {
            if self.in_flight + start.len() >= MAX_IN_FLIGHT {
                break;
            }
            // Only the oldest job of a conversation may go: messages stay in order.
            if !seen.insert(p.conversation) || p.in_flight {
                continue;
            }
            let ready = if p.not_before > now {
                Err(p.not_before)
            } else {
                self.pacer
                    .take(p.number, gap(&self.intervals, p.kind), now, LEAD)
            };
            match ready {
                Ok(slot) => {
                    p.in_flight = true;
                    p.send_at = slot;
                    start.push((id, slot));
                }
                Err(at) => wake = Some(wake.map_or(at, |w| w.min(at))),
            }
        }
        for (id, slot) in start {
            self.in_flight += 1;
            self.start_attempt(id, slot, ctx);
        }
        self.arm(wake, ctx);
    }

    fn arm(&mut self, wake: Option<Timestamp>, ctx: &mut Context<Self>) {
        if let Some((at, handle)) = self.timer.take() {
            if Some(at) == wake {
                self.timer = Some((at, handle));
                return;
            }
            ctx.cancel_future(handle);
        }
        if let Some(at) = wake {
            let clock = self.clock.clone();
            let handle = ctx.spawn(
                async move { clock.sleep_until(at).await }
                    .into_actor(self)
                    .map(|(), act, ctx| {
                        act.timer = None;
                        act.pump(ctx);
                    }),
            );
            self.timer = Some((at, handle));
        }
    }

    fn start_attempt(&mut self, id: JobId, slot: Timestamp, ctx: &mut Context<Self>) {
        let attempt = self.attempt.clone();
        let addr = ctx.address();
        actix::spawn(async move {
            let retry_at = attempt.run(id, slot).await;
            addr.do_send(AttemptDone { job: id, retry_at });
        });
    }
}

impl Actor for OutboxDispatcher {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.pump(ctx);
    }
}

impl Handler<JobQueued> for OutboxDispatcher {
    type Result = ();

    fn handle(&mut self, msg: JobQueued, ctx: &mut Self::Context) {
        self.add(msg.0);
        self.pump(ctx);
    }
}

impl Handler<AttemptDone> for OutboxDispatcher {
    type Result = ();

    fn handle(&mut self, msg: AttemptDone, ctx: &mut Self::Context) {
        self.in_flight = self.in_flight.saturating_sub(1);
        match msg.retry_at {
            Some(at) => {
                if let Some(p) = self.pending.get_mut(&msg.job) {
                    p.in_flight = false;
                    p.not_before = at;
                }
            }
            None => {
                self.pending.remove(&msg.job);
            }
        }
        self.pump(ctx);
    }
}

impl Handler<PendingCount> for OutboxDispatcher {
    type Result = usize;

    fn handle(&mut self, _: PendingCount, _: &mut Self::Context) -> usize {
        self.pending.len()
    }
}

impl Handler<InFlightNow> for OutboxDispatcher {
    type Result = usize;

    fn handle(&mut self, _: InFlightNow, ctx: &mut Self::Context) -> usize {
        self.pump(ctx);
        let now = self.clock.now();
        // Attempts started ahead of a slot still to come are not due yet.
        self.pending
            .values()
            .filter(|p| p.in_flight && p.send_at <= now)
            .count()
    }
}

/// The gap between two sends from one number of this type.
fn gap(intervals: &Intervals, kind: NumberKind) -> Duration {
    match kind {
        NumberKind::LongCode => intervals.long_code,
        NumberKind::TollFree => intervals.toll_free,
        NumberKind::ShortCode => intervals.short_code,
        NumberKind::WhatsApp => intervals.whatsapp,
    }
}
