//! OutboxDispatcher: sends committed outbox jobs through the account's provider. One send at a
//! time per conversation (customers see messages in order), a pace per sender number by its type,
//! retries of temporary failures with exponential backoff and jitter, and permanent failures
//! recorded on the message with the provider's code and text. Pending jobs are reloaded from the
//! store at start-up, so a message accepted before a crash is sent after the restart.

use super::live::LiveEvent;
use super::messages::{AttemptDone, JobQueued, PendingCount};
use crate::clock::Clock;
use crate::config::Pacing;
use crate::domain::{Address, ConversationId, JobId, NumberId, Timestamp};
use crate::metrics::Metrics;
use crate::providers::simulator::Simulator;
use crate::providers::twilio::TwilioClient;
use crate::providers::{Credentials, Provider, SendError, SendRequest};
use crate::store::Store;
use crate::store::outbox::{Attempt, SendContext};
use crate::store::records::{NumberKind, OutboxJob, ProviderKind, SendFailure};
use actix::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

/// Sends under way at once, across all senders.
const MAX_IN_FLIGHT: usize = 64;
/// Attempts before a message is failed for good.
pub const MAX_ATTEMPTS: u32 = 10;
const BACKOFF_BASE: Duration = Duration::from_secs(2);
const BACKOFF_CAP: Duration = Duration::from_secs(10 * 60);
/// Delay before retrying a job whose outcome could not be stored.
const STORE_RETRY: Duration = Duration::from_secs(1);

struct Pending {
    conversation: ConversationId,
    number: NumberId,
    kind: NumberKind,
    not_before: Timestamp,
    in_flight: bool,
}

pub struct OutboxDispatcher {
    store: Store,
    clock: Clock,
    metrics: Arc<Metrics>,
    live: super::live::LiveHub,
    twilio: TwilioClient,
    simulator: Arc<Simulator>,
    public_url: String,
    pacing: Pacing,
    pending: BTreeMap<JobId, Pending>,
    /// The instant each sender may send next.
    next_free: HashMap<NumberId, Timestamp>,
    in_flight: usize,
    timer: Option<(Timestamp, SpawnHandle)>,
}

pub struct OutboxConfig {
    pub twilio: TwilioClient,
    pub simulator: Arc<Simulator>,
    pub public_url: String,
    pub pacing: Pacing,
}

impl OutboxDispatcher {
    pub fn new(
        store: Store,
        clock: Clock,
        metrics: Arc<Metrics>,
        live: super::live::LiveHub,
        config: OutboxConfig,
        jobs: Vec<OutboxJob>,
    ) -> Self {
        let mut d = Self {
            store,
            clock,
            metrics,
            live,
            twilio: config.twilio,
            simulator: config.simulator,
            public_url: config.public_url,
            pacing: config.pacing,
            pending: BTreeMap::new(),
            next_free: HashMap::new(),
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
            let free = self.next_free.get(&p.number).copied().unwrap_or(now);
            let ready_at = p.not_before.max(free);
            if ready_at > now {
                wake = Some(wake.map_or(ready_at, |w| w.min(ready_at)));
                continue;
            }
            let gap = interval(&self.pacing, p.kind);
            self.next_free
                .insert(p.number, free.max(now).saturating_add(gap));
            p.in_flight = true;
            start.push(id);
        }
        for id in start {
            self.in_flight += 1;
            self.start_attempt(id, ctx);
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

    fn start_attempt(&mut self, id: JobId, ctx: &mut Context<Self>) {
        let attempt = AttemptRun {
            store: self.store.clone(),
            clock: self.clock.clone(),
            metrics: self.metrics.clone(),
            live: self.live.clone(),
            twilio: self.twilio.clone(),
            simulator: self.simulator.clone(),
            public_url: self.public_url.clone(),
        };
        let addr = ctx.address();
        actix::spawn(async move {
            let retry_at = attempt.run(id).await;
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

/// The gap between two sends from one number of this type.
fn interval(pacing: &Pacing, kind: NumberKind) -> Duration {
    let per_sec = match kind {
        NumberKind::LongCode => pacing.long_code,
        NumberKind::TollFree => pacing.toll_free,
        NumberKind::ShortCode => pacing.short_code,
        NumberKind::WhatsApp => pacing.whatsapp,
    };
    Duration::from_secs_f64(1.0 / per_sec)
}

/// One attempt at one job, run outside the actor so sends proceed concurrently.
struct AttemptRun {
    store: Store,
    clock: Clock,
    metrics: Arc<Metrics>,
    live: super::live::LiveHub,
    twilio: TwilioClient,
    simulator: Arc<Simulator>,
    public_url: String,
}

/// Exponential backoff with jitter: about 2 s, 4 s, 8 s … capped at 10 minutes, each drawn
/// from the upper half of its step so many failing jobs do not retry in lockstep.
pub fn backoff(attempts_so_far: u32, retry_after: Option<Duration>) -> Duration {
    let exp = BACKOFF_BASE.saturating_mul(1u32 << attempts_so_far.min(16));
    let step = exp.min(BACKOFF_CAP);
    let jittered = step.mul_f64(0.5 + fastrand::f64() * 0.5);
    retry_after.map_or(jittered, |r| r.max(jittered))
}

impl AttemptRun {
    /// Returns when to retry, or None when the job is finished (sent, failed, or gone).
    async fn run(self, id: JobId) -> Option<Timestamp> {
        let ctx = match self.store.send_context(id).await {
            Ok(Some(ctx)) => ctx,
            Ok(None) => return None,
            Err(e) => {
                tracing::error!(job = %id, error = %e, "loading an outbox job failed");
                return Some(self.clock.now().saturating_add(STORE_RETRY));
            }
        };
        let attempts = ctx.job.attempts;
        let outcome = self.send(&ctx).await;
        let now = self.clock.now();
        let attempt = match outcome {
            Ok(a) => Attempt::Accepted {
                provider_id: a.provider_id,
                status: a.status,
            },
            Err(SendError::Retryable {
                reason,
                retry_after,
            }) => {
                if attempts + 1 >= MAX_ATTEMPTS {
                    Attempt::Failed(SendFailure {
                        code: None,
                        message: format!("gave up after {MAX_ATTEMPTS} attempts: {reason}"),
                    })
                } else {
                    tracing::warn!(job = %id, attempt = attempts + 1, %reason, "send will be retried");
                    Attempt::Retry {
                        not_before: now.saturating_add(backoff(attempts, retry_after)),
                        error: reason,
                    }
                }
            }
            Err(SendError::Permanent(f)) => Attempt::Failed(f),
        };
        let retry_at = match &attempt {
            Attempt::Retry { not_before, .. } => Some(*not_before),
            _ => None,
        };
        match self.store.record_attempt(id, attempt.clone(), now).await {
            Ok(Some(msg)) => {
                match &attempt {
                    Attempt::Accepted { .. } => Metrics::inc(&self.metrics.outbound_sent_total),
                    Attempt::Retry { .. } => Metrics::inc(&self.metrics.outbound_retries_total),
                    Attempt::Failed(f) => {
                        tracing::warn!(job = %id, code = ?f.code, reason = %f.message, "send failed for good");
                        Metrics::inc(&self.metrics.outbound_failed_total);
                    }
                }
                self.live.publish(LiveEvent::StatusChanged {
                    conversation: msg.conversation_id,
                    seq: msg.seq,
                    status: msg.status,
                });
                retry_at
            }
            Ok(None) => None,
            Err(e) => {
                tracing::error!(job = %id, error = %e, "recording a send attempt failed");
                Some(now.saturating_add(STORE_RETRY))
            }
        }
    }

    /// Signed, expiring URLs of the message's stored attachments.
    fn media_urls(&self, ctx: &SendContext) -> Vec<String> {
        let key = self
            .store
            .master_key()
            .derive(crate::media::signed::KEY_PURPOSE);
        let now = self.clock.now();
        ctx.message
            .media
            .iter()
            .filter_map(|m| match &m.state {
                crate::store::records::MediaState::Stored { file, .. } => {
                    Some(crate::media::signed::url(&self.public_url, &key, file, now))
                }
                _ => None,
            })
            .collect()
    }

    async fn send(&self, ctx: &SendContext) -> Result<crate::providers::Accepted, SendError> {
        let account = &ctx.account.account;
        let channel = ctx.conversation.channel;
        let request = SendRequest {
            from: Address {
                channel,
                number: ctx.number.number.clone(),
            },
            to: Address {
                channel,
                number: ctx.conversation.customer.clone(),
            },
            body: ctx.message.body.clone(),
            media_urls: self.media_urls(ctx),
            content: ctx
                .message
                .template
                .as_ref()
                .and_then(|t| t.content_sid.clone().map(|sid| (sid, t.variables.clone()))),
            status_callback: Some(format!(
                "{}/webhooks/twilio/{}/status",
                self.public_url,
                account.webhook_key.as_str()
            )),
        };
        let credentials = match (&account.sid, &ctx.account.auth_token) {
            (Some(sid), Some(token)) => Credentials {
                account_sid: sid.to_string(),
                auth_token: token.clone(),
            },
            _ if account.provider == ProviderKind::Simulator => Credentials {
                account_sid: String::new(),
                auth_token: crate::secrets::SecretString::new(""),
            },
            _ => {
                return Err(SendError::Permanent(SendFailure {
                    code: None,
                    message: "the messaging account has no credentials".into(),
                }));
            }
        };
        match account.provider {
            ProviderKind::Twilio => self.twilio.send(&credentials, &request).await,
            ProviderKind::Simulator => self.simulator.send(&credentials, &request).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        for attempt in 0..20 {
            let d = backoff(attempt, None);
            let step = BACKOFF_BASE
                .saturating_mul(1 << attempt.min(16))
                .min(BACKOFF_CAP);
            assert!(d >= step / 2 && d <= step, "attempt {attempt}: {d:?}");
        }
        assert!(backoff(0, Some(Duration::from_secs(30))) >= Duration::from_secs(30));
    }
}
