//! Conversations flagged for supervisors: waiting work every member declined, or a conversation
//! whose agent was away when the customer wrote. A flag goes when the conversation is assigned or
//! closed (see `assignment`).

use super::tables::CONVERSATION_FLAG;
use super::{Store, StoreError, codec};
use crate::domain::{ConversationId, Timestamp};
use redb::ReadableTable;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FlagReason {
    /// Every member of the queue declined it 3 times; it stays queued.
    DeclinedByAll,
    /// Its agent was away when the customer wrote; it went back to the queue.
    AgentAway,
}

impl FlagReason {
    /// What supervisors read next to the conversation.
    pub fn text(self) -> &'static str {
        match self {
            Self::DeclinedByAll => "Declined by every agent of the queue",
            Self::AgentAway => "Its agent was away when the customer wrote",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    pub reason: FlagReason,
    pub at: Timestamp,
}

impl codec::Record for Flag {
    const TABLE: &'static str = "conversation_flag";
}

impl Store {
    pub async fn flag(
        &self,
        conversation: ConversationId,
        reason: FlagReason,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(move |tx| {
            let flag = Flag { reason, at: now };
            tx.open_table(CONVERSATION_FLAG)?
                .insert(conversation.get(), codec::encode(&flag)?.as_slice())?;
            Ok(())
        })
        .await
    }

    /// Every flagged conversation.
    pub async fn flags(&self) -> Result<Vec<(ConversationId, Flag)>, StoreError> {
        self.read(|rtx| {
            let mut out = Vec::new();
            for row in rtx.open_table(CONVERSATION_FLAG)?.iter()? {
                let (k, v) = row?;
                let id = k.value();
                out.push((ConversationId::new(id), codec::decode_at(id, v.value())?));
            }
            Ok(out)
        })
        .await
    }
}
