//! What the workstream supervisors ask of the application services when a queue decision needs a
//! message sent (out of hours, holiday, position in queue) or a conversation ended by an overflow
//! rule. The actors sit below the services (DESIGN.md "Layers"), so they post these on a channel
//! the services read; nothing here waits for the answer.

use crate::domain::ConversationId;
use crate::domain::timeline::StateChange;
use tokio::sync::mpsc;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueNotice {
    /// The conversation entered (or waits in) a queue that is closed: tell the customer once.
    Closed {
        conversation: ConversationId,
        /// The holiday's reason when a holiday closes it.
        holiday: Option<String>,
    },
    /// The customer's place in the queue (1 = next).
    Position {
        conversation: ConversationId,
        position: usize,
        queue: String,
    },
    /// An overflow rule ends the conversation: send the automated message, then close it with
    /// `line`.
    End {
        conversation: ConversationId,
        out_of_hours: bool,
        queue: String,
        line: StateChange,
    },
}

/// The sending end, shared by every supervisor. Sends never block and never fail the sender: a
/// notice posted after the services stopped is dropped.
#[derive(Clone)]
pub struct Notices(mpsc::UnboundedSender<QueueNotice>);

impl Notices {
    pub fn channel() -> (Self, mpsc::UnboundedReceiver<QueueNotice>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Self(tx), rx)
    }

    pub fn post(&self, notice: QueueNotice) {
        if self.0.send(notice).is_err() {
            tracing::debug!("queue notice dropped: the services are stopping");
        }
    }
}
