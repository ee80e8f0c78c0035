//! One attempt at one outbox job, run outside the dispatcher so sends proceed concurrently. The
//! attempt is marked begun in the store before its request goes out; a send whose outcome is
//! unknown (timeout, reset, unreadable 2xx, or a crash before our commit) is never blindly
//! repeated: once a request still in flight at the provider has surely settled, the provider is
//! asked whether it has the message, and only a message it does not have is sent again.

use crate::clock::Clock;
use crate::domain::{JobId, MessageKey, Timestamp};
use crate::live::{LiveEvent, LiveHub};
use crate::metrics::Metrics;
use crate::providers::{
    Accepted, Lookup, OutboundMedia, Providers, Repeatability, SendError, SendRequest, SentMessage,
    SentQuery, TemplateSend, callback,
};
use crate::store::Store;
use crate::store::outbox::{Attempt, SendContext};
use crate::store::records::SendFailure;
use std::sync::Arc;
use std::time::Duration;

/// Attempts before a message is failed for good.
pub const MAX_ATTEMPTS: u32 = 10;
const BACKOFF_BASE: Duration = Duration::from_secs(2);
const BACKOFF_CAP: Duration = Duration::from_secs(10 * 60);
/// Delay before retrying a job whose outcome could not be stored.
const STORE_RETRY: Duration = Duration::from_secs(1);
/// The shortest wait after an attempt began before the provider is asked about it.
pub const MIN_SETTLE: Duration = Duration::from_secs(30);

/// How long after an attempt began a request still in flight at the provider has surely settled:
/// at least 30 s, and at least twice the provider timeout.
pub fn settle_time(provider_timeout: Duration) -> Duration {
    MIN_SETTLE.max(provider_timeout.saturating_mul(2))
}

/// Exponential backoff with jitter: about 2 s, 4 s, 8 s … capped at 10 minutes, each drawn
/// from the upper half of its step so many failing jobs do not retry in lockstep.
pub fn backoff(attempts_so_far: u32, retry_after: Option<Duration>) -> Duration {
    let exp = BACKOFF_BASE.saturating_mul(1u32 << attempts_so_far.min(16));
    let step = exp.min(BACKOFF_CAP);
    let jittered = step.mul_f64(0.5 + fastrand::f64() * 0.5);
    retry_after.map_or(jittered, |r| r.max(jittered))
}

#[derive(Clone)]
pub(super) struct AttemptRun {
    pub store: Store,
    pub clock: Clock,
    pub metrics: Arc<Metrics>,
    pub live: LiveHub,
    pub providers: Providers,
    pub public_url: String,
    /// See `settle_time`.
    pub settle: Duration,
}

fn gave_up(reason: &str) -> Attempt {
    Attempt::Failed(SendFailure {
        code: None,
        message: format!("gave up after {MAX_ATTEMPTS} attempts: {reason}"),
    })
}

impl AttemptRun {
    /// Runs the job in its pacing slot `slot`; returns when to run it again, or None when it is
    /// finished (sent, failed, or gone).
    pub async fn run(self, id: JobId, slot: Timestamp) -> Option<Timestamp> {
        let ctx = match self.store.send_context(id).await {
            Ok(Some(ctx)) => ctx,
            Ok(None) => return None,
            Err(e) => {
                tracing::error!(job = %id, error = %e, "loading an outbox job failed");
                return Some(self.clock.now().saturating_add(STORE_RETRY));
            }
        };
        let attempts = ctx.job.attempts;
        if let Some(since) = ctx.attempts.and_then(|a| a.unresolved_since) {
            let settled = since.saturating_add(self.settle);
            if self.clock.now() < settled {
                return Some(settled);
            }
            match self.look_up(&ctx).await {
                Ok(Found::Message(found)) => {
                    tracing::info!(job = %id, provider_id = %found.provider_id, "the provider had the message; adopted");
                    let attempt = Attempt::Accepted {
                        provider_id: found.provider_id,
                        status: found.status,
                    };
                    return self.record(id, attempt).await;
                }
                // The provider does not have it, or dedupes a repeated request itself: sending
                // again cannot deliver it twice.
                Ok(Found::Nothing | Found::SendAgain) => {}
                Err(reason) => {
                    let attempt = if attempts + 1 >= MAX_ATTEMPTS {
                        gave_up(&format!(
                            "whether the provider has the message is unknown: {reason}"
                        ))
                    } else {
                        Attempt::Unresolved {
                            not_before: self.clock.now().saturating_add(backoff(attempts, None)),
                            error: reason,
                        }
                    };
                    return self.record(id, attempt).await;
                }
            }
            if attempts >= MAX_ATTEMPTS {
                let reason = ctx.job.last_error.as_deref().unwrap_or("no answer");
                return self.record(id, gave_up(reason)).await;
            }
        }
        let started = self.clock.now();
        match self.store.begin_attempt(id, started).await {
            Ok(Some(_)) => {}
            Ok(None) => return None,
            Err(e) => {
                tracing::error!(job = %id, error = %e, "marking a send attempt begun failed");
                return Some(started.saturating_add(STORE_RETRY));
            }
        }
        self.clock.sleep_until(slot).await;
        let first_sent = ctx.attempts.map_or(started, |a| a.first_started_at);
        let outcome = self.send(&ctx, first_sent).await;
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
                    gave_up(&reason)
                } else {
                    tracing::warn!(job = %id, attempt = attempts + 1, %reason, "send will be retried");
                    Attempt::Retry {
                        not_before: now.saturating_add(backoff(attempts, retry_after)),
                        error: reason,
                    }
                }
            }
            Err(SendError::Ambiguous(reason)) => {
                tracing::warn!(job = %id, %reason, "send outcome unknown; the provider will be asked");
                Attempt::Unresolved {
                    not_before: started.saturating_add(self.settle),
                    error: reason,
                }
            }
            Err(SendError::Permanent(f)) => Attempt::Failed(f),
        };
        self.record(id, attempt).await
    }

    /// Stores an attempt's outcome and tells the live pages; returns when to run the job again.
    async fn record(&self, id: JobId, attempt: Attempt) -> Option<Timestamp> {
        let now = self.clock.now();
        let retry_at = match &attempt {
            Attempt::Retry { not_before, .. } | Attempt::Unresolved { not_before, .. } => {
                Some(*not_before)
            }
            _ => None,
        };
        match self.store.record_attempt(id, attempt.clone(), now).await {
            Ok(Some(msg)) => {
                match &attempt {
                    Attempt::Accepted { .. } => Metrics::inc(&self.metrics.outbound_sent_total),
                    Attempt::Retry { .. } | Attempt::Unresolved { .. } => {
                        Metrics::inc(&self.metrics.outbound_retries_total)
                    }
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

    /// The message at the provider, if it has it and no other message of ours owns it.
    async fn look_up(&self, ctx: &SendContext) -> Result<Found, String> {
        let query = SentQuery {
            channel: ctx.conversation.channel,
            from: ctx.number.number.clone(),
            to: ctx.conversation.customer.clone(),
            body: ctx.message.body.clone(),
            created_since: ctx
                .attempts
                .map_or(ctx.job.not_before, |a| a.first_started_at),
        };
        let found = match self
            .providers
            .for_account(&ctx.account)
            .find_sent(&ctx.account, &query)
            .await
            .map_err(|e| e.to_string())?
        {
            Lookup::Found(found) => found,
            Lookup::SendAgain => return Ok(Found::SendAgain),
        };
        let ids = found.iter().map(|m| m.provider_id.clone()).collect();
        let free = self
            .store
            .first_unowned_provider_id(ids)
            .await
            .map_err(|e| e.to_string())?;
        Ok(free
            .and_then(|id| found.into_iter().find(|m| m.provider_id == id))
            .map_or(Found::Nothing, Found::Message))
    }

    /// Signed, expiring URLs of the message's stored attachments, with their types.
    fn media(&self, ctx: &SendContext) -> Vec<OutboundMedia> {
        let key = self
            .store
            .master_key()
            .derive(crate::media::signed::KEY_PURPOSE);
        let now = self.clock.now();
        ctx.message
            .media
            .iter()
            .filter_map(|m| match &m.state {
                crate::store::records::MediaState::Stored { file, .. } => Some(OutboundMedia {
                    url: crate::media::signed::url(&self.public_url, &key, file, now),
                    content_type: m.content_type.clone(),
                }),
                _ => None,
            })
            .collect()
    }

    async fn send(&self, ctx: &SendContext, first_sent: Timestamp) -> Result<Accepted, SendError> {
        let key = MessageKey {
            conversation: ctx.job.conversation_id,
            seq: ctx.job.seq,
            round: ctx.round,
        };
        let request = SendRequest {
            channel: ctx.conversation.channel,
            from: ctx.number.number.clone(),
            to: ctx.conversation.customer.clone(),
            body: ctx.message.body.clone(),
            media: self.media(ctx),
            content: ctx
                .message
                .template
                .as_ref()
                .and_then(|t| t.content_sid.clone().map(|sid| (sid, t.variables.clone()))),
            template: template_send(ctx)?,
            status_callback: Some(callback::status_url(
                &self.public_url,
                ctx.account.account.webhook_key.as_str(),
                key,
            )),
            repeatability: Repeatability {
                request_id: ctx.job.request_id,
                first_sent,
            },
        };
        self.providers
            .for_account(&ctx.account)
            .send(&ctx.account, &request)
            .await
    }
}

/// The template the message sends, by name and language with its values in placeholder order
/// (read back from the variables stored with the message).
fn template_send(ctx: &SendContext) -> Result<Option<TemplateSend>, SendError> {
    let (Some(used), Some(template)) = (&ctx.message.template, &ctx.template) else {
        return Ok(None);
    };
    let values = crate::domain::template::values_of(&used.variables).map_err(|e| {
        SendError::Permanent(SendFailure {
            code: None,
            message: format!("the template's stored values are unreadable: {e}"),
        })
    })?;
    Ok(Some(TemplateSend {
        name: template.name.clone(),
        language: template.language.clone(),
        values,
    }))
}

/// What the check after an unknown outcome found.
enum Found {
    /// The provider has the message: it is adopted.
    Message(SentMessage),
    /// The provider does not have it.
    Nothing,
    /// The provider dedupes repeated requests: the send is repeated as it was.
    SendAgain,
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

    #[test]
    fn the_settle_time_is_at_least_30_s_and_twice_the_timeout() {
        assert_eq!(settle_time(Duration::from_secs(2)), Duration::from_secs(30));
        assert_eq!(
            settle_time(Duration::from_secs(15)),
            Duration::from_secs(30)
        );
        assert_eq!(
            settle_time(Duration::from_secs(20)),
            Duration::from_secs(40)
        );
    }
}
