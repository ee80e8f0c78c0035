//! What each agent has read: the last message seen per conversation, the unread customer messages
//! after it, and the latest message of each conversation for the work list's snippet.

use super::codec;
use super::records::Message;
use super::tables::{CONVERSATION_MESSAGES, USERCONVERSATION_READ};
use super::{Store, StoreError};
use crate::domain::{ConversationId, Direction, Timestamp, UserId};
use redb::ReadableTable;
use std::collections::HashMap;

/// Unread counts stop here: the list shows "99+" beyond it.
pub const UNREAD_CAP: u32 = 100;

/// A conversation as one agent's work list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadSummary {
    /// The newest message that is not a system line or an internal note.
    pub latest: Option<Latest>,
    /// Customer messages after the last one the agent saw (at most `UNREAD_CAP`).
    pub unread: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Latest {
    pub direction: Direction,
    pub body: String,
    /// Files sent with it (for a message without text).
    pub files: usize,
    pub at: Timestamp,
}

impl Store {
    /// Records that `user` has seen `conv` up to `seq`; never moves back.
    pub async fn mark_read(
        &self,
        user: UserId,
        conv: ConversationId,
        seq: u64,
    ) -> Result<(), StoreError> {
        self.write(move |tx| {
            let mut t = tx.open_table(USERCONVERSATION_READ)?;
            let key = (user.get(), conv.get());
            let seen = t.get(key)?.map(|v| v.value()).unwrap_or(0);
            if seq > seen {
                t.insert(key, seq)?;
            }
            Ok(())
        })
        .await
    }

    /// The last seq `user` has seen in `conv` (0 for none).
    pub async fn last_read(&self, user: UserId, conv: ConversationId) -> Result<u64, StoreError> {
        self.read(move |rtx| {
            let t = rtx.open_table(USERCONVERSATION_READ)?;
            Ok(t.get((user.get(), conv.get()))?.map_or(0, |v| v.value()))
        })
        .await
    }

    /// For each of `ids`: its latest message and how many customer messages `user` has not seen.
    pub async fn read_summaries(
        &self,
        user: UserId,
        ids: Vec<ConversationId>,
    ) -> Result<HashMap<ConversationId, ReadSummary>, StoreError> {
        self.read(move |rtx| {
            let messages = rtx.open_table(CONVERSATION_MESSAGES)?;
            let reads = rtx.open_table(USERCONVERSATION_READ)?;
            let mut out = HashMap::with_capacity(ids.len());
            for id in ids {
                let seen = reads.get((user.get(), id.get()))?.map_or(0, |v| v.value());
                let mut summary = ReadSummary {
                    latest: None,
                    unread: 0,
                };
                for row in messages.range((id.get(), 0)..=(id.get(), u64::MAX))?.rev() {
                    let (k, v) = row?;
                    let (_, seq) = k.value();
                    let counting = seq > seen && summary.unread < UNREAD_CAP;
                    if summary.latest.is_some() && !counting {
                        break;
                    }
                    let m: Message = codec::decode_at(format!("{:?}", k.value()), v.value())?;
                    if counting && m.direction == Direction::Inbound {
                        summary.unread += 1;
                    }
                    if summary.latest.is_none()
                        && !matches!(m.direction, Direction::System | Direction::Note)
                    {
                        summary.latest = Some(Latest {
                            direction: m.direction,
                            files: m.media.len(),
                            body: m.body,
                            at: m.created_at,
                        });
                    }
                }
                out.insert(id, summary);
            }
            Ok(out)
        })
        .await
    }
}
