//! The Simulator provider: accepts every message inside the process, answers `queued` like Twilio,
//! then reports `sent` and `delivered` a moment later through the same status path as Twilio's
//! callbacks (the application applies them like status callbacks, found by the message key of the
//! callback URL), so omnidesk
//! can be tried (and demoed) without a provider account. `read` is reported by the customer
//! simulator page when it shows the message. It remembers its recent sends to answer `find_sent`.

use super::check::{AccountCheck, CredentialsCheck, SenderVerdict};
use super::{
    Accepted, Lookup, MediaAccessError, Provider, ProviderFuture, SendError, SendRequest,
    SentMessage, SentQuery,
};
use crate::clock::Clock;
use crate::domain::{MessageKey, MessageStatus, Timestamp};
use crate::store::records::SenderNumber;
use crate::store::setup::AccountWithToken;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

/// After a send, the simulated carrier reports `sent` this much later (on the injected clock).
pub const SENT_AFTER: Duration = Duration::from_millis(200);
/// … and `delivered` this much after the send.
pub const DELIVERED_AFTER: Duration = Duration::from_millis(600);
/// Sends remembered for `find_sent`; older ones are forgotten first.
const REMEMBERED: usize = 10_000;

/// One accepted message whose statuses are still to be reported.
#[derive(Debug)]
struct Pending {
    provider_id: String,
    /// The webhook key and message key of the send's status callback URL.
    callback: Option<(String, MessageKey)>,
    at: Timestamp,
}

/// One send, as `find_sent` matches it.
struct Sent {
    from: String,
    to: String,
    body: String,
    provider_id: String,
    at: Timestamp,
}

pub struct Simulator {
    sent: AtomicU64,
    clock: Clock,
    reports: mpsc::UnboundedSender<Pending>,
    log: Mutex<VecDeque<Sent>>,
}

/// The receiving end of the Simulator's status reports; `spawn` it once the `Desk` exists.
pub struct StatusReports {
    rx: mpsc::UnboundedReceiver<Pending>,
    clock: Clock,
}

impl Simulator {
    pub fn new(clock: Clock) -> (Self, StatusReports) {
        let (tx, rx) = mpsc::unbounded_channel();
        let sim = Self {
            sent: AtomicU64::new(0),
            clock: clock.clone(),
            reports: tx,
            log: Mutex::new(VecDeque::new()),
        };
        (sim, StatusReports { rx, clock })
    }

    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}

impl Simulator {
    fn accept(&self, request: &SendRequest) -> Accepted {
        self.sent.fetch_add(1, Ordering::Relaxed);
        let mut id = [0u8; 16];
        crate::secrets::fill_random(&mut id);
        let provider_id = format!("SM{}", hex::encode(id));
        let at = self.clock.now();
        if let Ok(mut log) = self.log.lock() {
            if log.len() >= REMEMBERED {
                log.pop_front();
            }
            log.push_back(Sent {
                from: request.from.index_key(request.channel),
                to: request.to.to_string(),
                body: request.body.clone(),
                provider_id: provider_id.clone(),
                at,
            });
        }
        // Nobody draining the reports (a stopped app) only means no later statuses.
        let _ = self.reports.send(Pending {
            provider_id: provider_id.clone(),
            callback: request
                .status_callback
                .as_deref()
                .and_then(super::callback::parse_status_url),
            at,
        });
        Accepted {
            provider_id,
            status: MessageStatus::Queued,
        }
    }

    fn sent_matching(&self, query: &SentQuery) -> Result<Vec<SentMessage>, SendError> {
        let (from, to) = (query.from.index_key(query.channel), query.to.to_string());
        let log = self.log.lock().map_err(|_| SendError::Retryable {
            reason: "the simulator's log is unavailable".into(),
            retry_after: None,
        })?;
        Ok(log
            .iter()
            .filter(|s| {
                s.from == from && s.to == to && s.body == query.body && s.at >= query.created_since
            })
            .map(|s| SentMessage {
                provider_id: s.provider_id.clone(),
                status: MessageStatus::Queued,
                created_at: s.at,
            })
            .collect())
    }
}

impl Provider for Simulator {
    fn send<'a>(
        &'a self,
        _account: &'a AccountWithToken,
        request: &'a SendRequest,
    ) -> ProviderFuture<'a, Result<Accepted, SendError>> {
        let accepted = self.accept(request);
        Box::pin(async move { Ok(accepted) })
    }

    fn find_sent<'a>(
        &'a self,
        _account: &'a AccountWithToken,
        query: &'a SentQuery,
    ) -> ProviderFuture<'a, Result<Lookup, SendError>> {
        let found = self.sent_matching(query).map(Lookup::Found);
        Box::pin(async move { found })
    }

    /// Simulated media lives on omnidesk's own public URL, which the media policy allows; it
    /// needs no credentials.
    fn authorize_media(
        &self,
        _account: &AccountWithToken,
        _url: &reqwest::Url,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::RequestBuilder, MediaAccessError> {
        Ok(request)
    }

    fn validate<'a>(
        &'a self,
        _account: &'a AccountWithToken,
        senders: Vec<SenderNumber>,
    ) -> ProviderFuture<'a, AccountCheck> {
        let check = AccountCheck {
            credentials: CredentialsCheck::NotNeeded("The Simulator needs no credentials.".into()),
            numbers: senders
                .into_iter()
                .map(|n| (n, SenderVerdict::NotChecked))
                .collect(),
            confirmed_label: "Checked",
        };
        Box::pin(async move { check })
    }
}

/// A status the Simulator reports for one of its sends, as a status callback would carry it.
#[derive(Debug, Clone)]
pub struct SimulatedStatus {
    pub provider_id: String,
    /// The webhook key of the callback URL (its account).
    pub webhook_key: String,
    pub key: MessageKey,
    pub status: MessageStatus,
}

impl StatusReports {
    /// Reports `sent` and `delivered` for every accepted message through `apply` (the callback
    /// path), each message on its own task so one message's timing never holds up another's.
    /// Must run inside the actix System.
    pub fn spawn<F, Fut>(self, apply: F)
    where
        F: Fn(SimulatedStatus) -> Fut + Clone + 'static,
        Fut: std::future::Future<Output = ()> + 'static,
    {
        let Self { mut rx, clock } = self;
        actix::spawn(async move {
            while let Some(accepted) = rx.recv().await {
                let Some((webhook_key, key)) = accepted.callback.clone() else {
                    continue;
                };
                let apply = apply.clone();
                let clock = clock.clone();
                actix::spawn(async move {
                    for (after, status) in [
                        (SENT_AFTER, MessageStatus::Sent),
                        (DELIVERED_AFTER, MessageStatus::Delivered),
                    ] {
                        clock.sleep_until(accepted.at.saturating_add(after)).await;
                        apply(SimulatedStatus {
                            provider_id: accepted.provider_id.clone(),
                            webhook_key: webhook_key.clone(),
                            key,
                            status,
                        })
                        .await;
                    }
                });
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Channel, PhoneNumber};
    use crate::store::records::ProviderKind;

    #[tokio::test]
    async fn a_send_is_queued_and_its_statuses_are_left_for_later() {
        let clock = Clock::manual(Timestamp::from_millis(1_000));
        let (sim, mut reports) = Simulator::new(clock);
        let phone = |n: &str| PhoneNumber::parse(n).unwrap();
        let request = SendRequest {
            channel: Channel::WhatsApp,
            from: phone("+15550100100").into(),
            to: phone("+15550001234"),
            body: "Hi".into(),
            media: Vec::new(),
            content: None,
            template: None,
            status_callback: None,
            repeatability: super::super::Repeatability {
                request_id: crate::domain::guid::Guid::random(),
                first_sent: Timestamp::from_millis(1_000),
            },
        };
        let credentials = crate::providers::test_account(ProviderKind::Simulator);
        let accepted = sim.send(&credentials, &request).await.unwrap();
        assert_eq!(accepted.status, MessageStatus::Queued);
        assert!(accepted.provider_id.starts_with("SM") && accepted.provider_id.len() == 34);
        let pending = reports.rx.try_recv().unwrap();
        assert_eq!(pending.provider_id, accepted.provider_id);
        assert_eq!(pending.at, Timestamp::from_millis(1_000));
        assert_eq!(sim.sent(), 1);

        let query = |body: &str, since: i64| SentQuery {
            channel: request.channel,
            from: request.from.clone(),
            to: request.to.clone(),
            body: body.into(),
            created_since: Timestamp::from_millis(since),
        };
        let Lookup::Found(found) = sim
            .find_sent(&credentials, &query("Hi", 1_000))
            .await
            .unwrap()
        else {
            panic!("the simulator lists its sends")
        };
        assert_eq!(found.len(), 1, "the send is found");
        assert_eq!(found[0].provider_id, accepted.provider_id);
        for (q, why) in [
            (query("Hi", 1_001), "older"),
            (query("Bye", 0), "other text"),
        ] {
            assert_eq!(
                sim.find_sent(&credentials, &q).await.unwrap(),
                Lookup::Found(Vec::new()),
                "{why}"
            );
        }
    }
}
