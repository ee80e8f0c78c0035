//! The Simulator provider: accepts every message inside the process, answers `queued` like Twilio,
//! then reports `sent` and `delivered` a moment later through the same status path as Twilio's
//! callbacks (`Desk::apply_status`), so omnidesk can be tried (and demoed) without a provider
//! account. `read` is reported by the customer simulator page when it shows the message.

use super::{Accepted, Credentials, Provider, SendError, SendRequest};
use crate::clock::Clock;
use crate::desk::Desk;
use crate::domain::{MessageStatus, Timestamp};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

/// After a send, the simulated carrier reports `sent` this much later (on the injected clock).
pub const SENT_AFTER: Duration = Duration::from_millis(200);
/// … and `delivered` this much after the send.
pub const DELIVERED_AFTER: Duration = Duration::from_millis(600);
/// A report can beat the dispatcher's commit of the provider id; it waits for it this often (real
/// time, since the commit does not wait on the clock) …
const UNKNOWN_RETRY: Duration = Duration::from_millis(50);
/// … this many times, then is applied anyway (and ignored as unknown).
const UNKNOWN_TRIES: u32 = 40;

/// One accepted message whose statuses are still to be reported.
#[derive(Debug)]
struct Pending {
    provider_id: String,
    at: Timestamp,
}

pub struct Simulator {
    sent: AtomicU64,
    clock: Clock,
    reports: mpsc::UnboundedSender<Pending>,
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
        };
        (sim, StatusReports { rx, clock })
    }

    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}

impl Provider for Simulator {
    async fn send(
        &self,
        _credentials: &Credentials,
        _request: &SendRequest,
    ) -> Result<Accepted, SendError> {
        self.sent.fetch_add(1, Ordering::Relaxed);
        let mut id = [0u8; 16];
        crate::secrets::fill_random(&mut id);
        let provider_id = format!("SM{}", hex::encode(id));
        // Nobody draining the reports (a stopped app) only means no later statuses.
        let _ = self.reports.send(Pending {
            provider_id: provider_id.clone(),
            at: self.clock.now(),
        });
        Ok(Accepted {
            provider_id,
            status: MessageStatus::Queued,
        })
    }
}

impl StatusReports {
    /// Reports `sent` and `delivered` for every accepted message, each message on its own task so
    /// one message's timing never holds up another's. Must run inside the actix System.
    pub fn spawn(self, desk: Desk) {
        let Self { mut rx, clock } = self;
        actix::spawn(async move {
            while let Some(accepted) = rx.recv().await {
                let desk = desk.clone();
                let clock = clock.clone();
                actix::spawn(async move {
                    for (after, status) in [
                        (SENT_AFTER, MessageStatus::Sent),
                        (DELIVERED_AFTER, MessageStatus::Delivered),
                    ] {
                        clock.sleep_until(accepted.at.saturating_add(after)).await;
                        report(&desk, &accepted.provider_id, status).await;
                    }
                });
            }
        });
    }
}

async fn report(desk: &Desk, provider_id: &str, status: MessageStatus) {
    for _ in 0..UNKNOWN_TRIES {
        match desk
            .store()
            .message_by_provider_id(provider_id.to_owned())
            .await
        {
            Ok(Some(_)) => break,
            Ok(None) => tokio::time::sleep(UNKNOWN_RETRY).await,
            Err(e) => {
                tracing::warn!(provider_id, %status, error = %e, "simulated status not stored");
                return;
            }
        }
    }
    if let Err(e) = desk
        .apply_status(provider_id.to_owned(), status, None)
        .await
    {
        tracing::warn!(provider_id, %status, error = %e, "simulated status not stored");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Address, Channel, PhoneNumber};
    use crate::secrets::SecretString;

    #[tokio::test]
    async fn a_send_is_queued_and_its_statuses_are_left_for_later() {
        let clock = Clock::manual(Timestamp::from_millis(1_000));
        let (sim, mut reports) = Simulator::new(clock);
        let address = |n: &str| Address {
            channel: Channel::WhatsApp,
            number: PhoneNumber::parse(n).unwrap(),
        };
        let request = SendRequest {
            from: address("+15550100100"),
            to: address("+15550001234"),
            body: "Hi".into(),
            media_urls: Vec::new(),
            content: None,
            status_callback: None,
        };
        let credentials = Credentials {
            account_sid: String::new(),
            auth_token: SecretString::new(""),
        };
        let accepted = sim.send(&credentials, &request).await.unwrap();
        assert_eq!(accepted.status, MessageStatus::Queued);
        assert!(accepted.provider_id.starts_with("SM") && accepted.provider_id.len() == 34);
        let pending = reports.rx.try_recv().unwrap();
        assert_eq!(pending.provider_id, accepted.provider_id);
        assert_eq!(pending.at, Timestamp::from_millis(1_000));
        assert_eq!(sim.sent(), 1);
    }
}
