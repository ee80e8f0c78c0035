//! One lane per bot-held conversation: its customer messages go to the bot one at a time, in
//! arrival order (the next waits for the bot's answer, its failure or its timeout), while the
//! lanes of different conversations run side by side. A lane ends when nothing is queued on it.

use crate::domain::ConversationId;
use crate::store::records::{Conversation, Message};
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::mpsc;

/// One customer message for the bot.
pub(crate) struct Turn {
    pub conversation: Conversation,
    pub message: Message,
    /// The message opened the conversation.
    pub first: bool,
}

/// The running lanes, by conversation.
#[derive(Default)]
pub(crate) struct BotLanes {
    lanes: Mutex<HashMap<ConversationId, mpsc::UnboundedSender<Turn>>>,
}

impl BotLanes {
    fn lanes(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<ConversationId, mpsc::UnboundedSender<Turn>>> {
        // The map stays consistent whatever panicked while holding it: every change is one call.
        self.lanes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Lanes running now.
    pub fn running(&self) -> usize {
        self.lanes().len()
    }

    /// Queues `turn` behind the conversation's earlier ones. When no lane was running, answers
    /// the new lane's receiver: the caller runs it (`next` until None).
    pub fn push(&self, turn: Turn) -> Option<mpsc::UnboundedReceiver<Turn>> {
        let id = turn.conversation.id;
        let mut lanes = self.lanes();
        let turn = match lanes.get(&id) {
            Some(tx) => match tx.send(turn) {
                Ok(()) => return None,
                Err(mpsc::error::SendError(t)) => t,
            },
            None => turn,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        // The receiver is alive: the send cannot fail.
        let _ = tx.send(turn);
        lanes.insert(id, tx);
        Some(rx)
    }

    /// The lane's next turn; None once nothing is queued, and the lane is then removed (under
    /// the same lock `push` takes, so no turn is left behind).
    pub fn next(&self, id: ConversationId, rx: &mut mpsc::UnboundedReceiver<Turn>) -> Option<Turn> {
        if let Ok(t) = rx.try_recv() {
            return Some(t);
        }
        let mut lanes = self.lanes();
        match rx.try_recv() {
            Ok(t) => Some(t),
            Err(_) => {
                lanes.remove(&id);
                None
            }
        }
    }
}
