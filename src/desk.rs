//! Desk: the one handle the web layer, the CLI and tests use to act on the contact center. It
//! stores first and notifies after the commit: a webhook is answered only once its message is
//! durable, and actors, live pages and media fetches are told only about what was committed.

use crate::actors::Shared;
use crate::actors::messages::{JobQueued, Lookup, Send, Track};
use crate::actors::registry::ConversationRegistry;
use crate::config::Settings;
use crate::domain::Timestamp;
use crate::domain::inbound::InboundMessage;
use crate::live::LiveEvent;
use crate::media::MediaFetcher;
use crate::metrics::Metrics;
use crate::providers::Credentials;
use crate::providers::simulator::Simulator;
use crate::providers::twilio::TwilioClient;
use crate::store::conversations::Ingested;
use crate::store::outbox::{OutboundRequest, SendRefusal};
use crate::store::records::Message;
use crate::store::setup::AccountWithToken;
use crate::store::status::{StatusReport, StatusUpdate};
use crate::store::{Store, StoreError};
use actix::Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("an internal part of omnidesk is not running")]
    Stopped(#[from] actix::MailboxError),
}

#[derive(Clone)]
pub struct Desk {
    pub shared: Shared,
    pub registry: Addr<ConversationRegistry>,
    pub media: MediaFetcher,
    pub settings: Arc<Settings>,
    pub simulator: Arc<Simulator>,
    /// The same client the outbox sends with; admin pages use it to validate credentials.
    pub twilio: TwilioClient,
    pub(crate) scheduler: Addr<crate::actors::scheduler::Scheduler>,
    ready: Arc<AtomicBool>,
}

impl Desk {
    pub fn new(
        shared: Shared,
        registry: Addr<ConversationRegistry>,
        media: MediaFetcher,
        settings: Arc<Settings>,
        simulator: Arc<Simulator>,
        twilio: TwilioClient,
        scheduler: Addr<crate::actors::scheduler::Scheduler>,
    ) -> Self {
        Self {
            shared,
            registry,
            media,
            settings,
            simulator,
            twilio,
            scheduler,
            ready: Arc::new(AtomicBool::new(false)),
        }
    }

    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    pub fn metrics(&self) -> &Metrics {
        &self.shared.metrics
    }

    pub fn now(&self) -> Timestamp {
        self.shared.clock.now()
    }

    /// Recovery is done: `/healthz` answers 200 from now on.
    pub fn mark_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Stores an inbound message durably, then hands it to its conversation, the live pages and
    /// the media fetcher.
    pub async fn take_inbound(
        &self,
        account: &AccountWithToken,
        inbound: InboundMessage,
    ) -> Result<Ingested, StoreError> {
        let outcome = self
            .store()
            .ingest(account.account.id, inbound, self.now())
            .await?;
        let m = self.metrics();
        match &outcome {
            Ingested::Duplicate => Metrics::inc(&m.inbound_duplicates_total),
            Ingested::UnknownNumber => Metrics::inc(&m.inbound_rejected_total),
            Ingested::Stored(s) => {
                Metrics::inc(&m.inbound_stored_total);
                if s.opened {
                    Metrics::inc(&m.conversations_opened_total);
                }
                let live = &self.shared.live;
                if let Some(old) = &s.closed {
                    // The customer wrote after the agent ended: the Wrap-up conversation closed
                    // in the same write, and its hold is gone from the ledger.
                    self.shared
                        .roster
                        .do_send(crate::actors::roster::Release(old.id));
                    self.registry.do_send(Track {
                        conversation: old.clone(),
                        opened: false,
                        transfer_to: None,
                    });
                    self.registry.do_send(crate::actors::messages::PumpAll);
                    live.publish(LiveEvent::ConversationAssigned {
                        conversation: old.id,
                        agent: old.agent,
                    });
                }
                if s.actor_affected {
                    self.registry.do_send(Track {
                        conversation: s.conversation.clone(),
                        opened: s.opened,
                        transfer_to: None,
                    });
                }
                if !s.opened && s.conversation.state == crate::domain::ConversationState::Active {
                    self.check_away(&s.conversation);
                }
                if s.opened {
                    live.publish(LiveEvent::ConversationOpened {
                        conversation: s.conversation.id,
                        workstream: s.conversation.workstream_id,
                    });
                }
                live.publish(LiveEvent::MessageStored {
                    conversation: s.message.conversation_id,
                    seq: s.message.seq,
                });
                if !s.message.media.is_empty() {
                    self.media.spawn(s.message.clone(), credentials(account));
                }
            }
        }
        Ok(outcome)
    }

    /// Stores an outbound message (after the conversation's checks) and queues it for sending.
    pub async fn send(
        &self,
        req: OutboundRequest,
    ) -> Result<Result<Message, SendRefusal>, DeskError> {
        // The store refuses sends into closed or unknown conversations in the same write.
        let actor = self.registry.send(Lookup(req.conversation_id)).await?;
        Ok(actor.send(Send(req)).await??)
    }

    /// The conversation's stored record moved outside the usual paths (the Simulator's "skip
    /// ahead 24 h"): its deadlines are armed again from it.
    pub fn rearm(&self, conversation: crate::store::records::Conversation) {
        self.registry.do_send(Track {
            conversation,
            opened: false,
            transfer_to: None,
        });
    }

    /// Queues failed message `seq` of `conversation` for a new send, after the checks a new
    /// message gets (closed, opt-out, 24-hour window), and tells the outbox and the live pages.
    pub async fn retry(
        &self,
        conversation: crate::domain::ConversationId,
        seq: u64,
    ) -> Result<Result<Message, SendRefusal>, StoreError> {
        let queued = match self
            .store()
            .retry_message(conversation, seq, self.now())
            .await?
        {
            Ok(q) => q,
            Err(r) => return Ok(Err(r)),
        };
        self.shared.outbox.do_send(JobQueued(queued.job));
        self.shared.live.publish(LiveEvent::StatusChanged {
            conversation,
            seq,
            status: queued.message.status,
        });
        Ok(Ok(queued.message))
    }

    /// Whether `conv` is offered to `agent` or waits in a pick queue `agent` belongs to.
    pub async fn is_offered_or_pickable(
        &self,
        conv: &crate::store::records::Conversation,
        agent: crate::domain::UserId,
    ) -> bool {
        let Some(ws) = conv.workstream_id else {
            return false;
        };
        let Ok(sup) = self
            .registry
            .send(crate::actors::messages::Supervisor(ws))
            .await
        else {
            return false;
        };
        sup.send(crate::actors::messages::Visible {
            conversation: conv.id,
            agent,
        })
        .await
        .unwrap_or(false)
    }

    /// Applies a provider's delivery status report.
    pub async fn apply_status(&self, report: StatusReport) -> Result<StatusUpdate, StoreError> {
        let (provider_id, status) = (report.provider_id.clone(), report.status);
        let update = self.store().apply_status(report, self.now()).await?;
        match &update {
            StatusUpdate::Applied(msg) => {
                Metrics::inc(&self.metrics().status_callbacks_total);
                self.shared.live.publish(LiveEvent::StatusChanged {
                    conversation: msg.conversation_id,
                    seq: msg.seq,
                    status: msg.status,
                });
            }
            StatusUpdate::Ignored(msg) => tracing::debug!(
                provider_id, stored = %msg.status, late = %status, "status is late or of another send; ignored"
            ),
            StatusUpdate::Unknown => {
                tracing::info!(provider_id, %status, "status callback for an unknown message; ignored")
            }
        }
        Ok(update)
    }
}

/// The provider credentials of an account, if it has them.
pub fn credentials(account: &AccountWithToken) -> Option<Credentials> {
    match (&account.account.sid, &account.auth_token) {
        (Some(sid), Some(token)) => Some(Credentials {
            account_sid: sid.to_string(),
            auth_token: token.clone(),
        }),
        _ => None,
    }
}
