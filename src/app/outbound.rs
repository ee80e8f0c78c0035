//! Outbound: an agent's or omnidesk's message checked and stored by its conversation's actor,
//! then queued for the outbox; a failed message retried.

use super::automated::Fill;
use super::{Desk, DeskError};
use crate::actors::messages::{JobQueued, Lookup, Send, Track};
use crate::domain::Direction;
use crate::domain::automated::Trigger;
use crate::live::LiveEvent;
use crate::store::StoreError;
use crate::store::outbox::{OutboundRequest, SendRefusal};
use crate::store::records::Message;

impl Desk {
    /// Stores an outbound message (after the conversation's checks) and queues it for sending.
    /// An agent's free-form message refused because the WhatsApp window closed also leaves the
    /// "outside allowed timeframe" line for the agent in the thread.
    pub async fn send(
        &self,
        req: OutboundRequest,
    ) -> Result<Result<Message, SendRefusal>, DeskError> {
        let (id, direction) = (req.conversation_id, req.direction);
        let outcome = self.deliver(req).await?;
        if direction == Direction::Outbound
            && matches!(outcome, Err(SendRefusal::WindowExpired))
            && let Some(conv) = self.store().conversation(id).await?
        {
            self.automated_or_log(&conv, Trigger::OutsideTimeframe, &Fill::default())
                .await;
        }
        Ok(outcome)
    }

    /// `send` without the hooks: the conversation's actor checks and stores the message.
    pub(crate) async fn deliver(
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

    /// Adds an internal note to the thread and tells the live pages.
    pub async fn add_note(
        &self,
        conversation: crate::domain::ConversationId,
        author: crate::domain::UserId,
        text: String,
    ) -> Result<Result<Message, crate::store::notes::NoteRefusal>, DeskError> {
        let stored = self
            .store()
            .add_note(conversation, author, text, self.now())
            .await?;
        if let Ok(m) = &stored {
            self.shared.live.publish(LiveEvent::MessageStored {
                conversation: m.conversation_id,
                seq: m.seq,
            });
        }
        Ok(stored)
    }
}
