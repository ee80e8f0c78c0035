//! LiveHub: fans out events to signed-in browsers (SSE streams subscribe here) and anything else
//! that watches the desk. Publishing never blocks; a slow subscriber misses events, not the sender.

use crate::domain::{ConversationId, MessageStatus, UserId, WorkstreamId};
use crate::metrics::Metrics;
use std::sync::Arc;
use tokio::sync::broadcast;

const CAPACITY: usize = 4_096;

#[derive(Debug, Clone, PartialEq)]
pub enum LiveEvent {
    /// A message (inbound or outbound) was stored.
    MessageStored {
        conversation: ConversationId,
        seq: u64,
    },
    /// An outbound message's delivery status moved.
    StatusChanged {
        conversation: ConversationId,
        seq: u64,
        status: MessageStatus,
    },
    /// A WhatsApp conversation became template-only.
    WindowExpired { conversation: ConversationId },
    /// A customer opened a new conversation.
    ConversationOpened {
        conversation: ConversationId,
        workstream: Option<WorkstreamId>,
    },
    /// A conversation's agent changed (assigned, transferred or released): who may open it may
    /// have changed, so live streams drop what they remembered about it.
    ConversationAssigned {
        conversation: ConversationId,
        agent: Option<UserId>,
    },
    /// A push offer went to an agent; it expires at `expires_at` (ms since the epoch).
    OfferMade {
        conversation: ConversationId,
        agent: UserId,
        expires_at: crate::domain::Timestamp,
    },
    /// An offer ended without an accept (rejected, timed out, or taken away).
    OfferWithdrawn {
        conversation: ConversationId,
        agent: UserId,
    },
    /// A waiting conversation needs a supervisor's eye (every member declined it, or its agent
    /// was away when the customer wrote).
    ConversationFlagged {
        conversation: ConversationId,
        workstream: WorkstreamId,
    },
    /// A consult on the conversation started or ended: `consultant` may now open it, or not.
    ConsultChanged {
        conversation: ConversationId,
        consultant: UserId,
        /// Started (true) or ended.
        started: bool,
    },
    /// A user's profile changed (capacity, role, disabled): their streams re-check the session.
    UserChanged { user: UserId },
    /// An agent's presence as others see it changed.
    PresenceChanged {
        agent: UserId,
        presence: crate::domain::presence::Presence,
    },
}

#[derive(Clone)]
pub struct LiveHub {
    tx: broadcast::Sender<LiveEvent>,
    metrics: Arc<Metrics>,
}

impl LiveHub {
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Self {
            tx: broadcast::Sender::new(CAPACITY),
            metrics,
        }
    }

    pub fn publish(&self, event: LiveEvent) {
        Metrics::inc(&self.metrics.notifications_total);
        // No subscriber is fine: nobody is watching.
        let _ = self.tx.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.tx.subscribe()
    }

    /// How many receivers are subscribed now (open live streams and other watchers).
    pub fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }
}
