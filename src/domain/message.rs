//! Message direction and delivery status. Status only moves forward: a late "sent" callback never
//! overwrites "delivered".

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// From the customer.
    Inbound,
    /// From an agent.
    Outbound,
    /// Sent by omnidesk itself (automated messages, surveys).
    Automated,
    /// An internal note, never sent.
    Note,
    /// A state change written by omnidesk (`domain::timeline`), never sent.
    System,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MessageStatus {
    /// Received from the customer.
    Received,
    /// Accepted by omnidesk or the provider, not yet sent to the carrier.
    Queued,
    Sending,
    Sent,
    Delivered,
    Read,
    Undelivered,
    Failed,
}

impl MessageStatus {
    fn rank(self) -> u8 {
        match self {
            Self::Received => 0,
            Self::Queued => 1,
            Self::Sending => 2,
            Self::Sent => 3,
            Self::Undelivered | Self::Failed => 4,
            Self::Delivered => 5,
            Self::Read => 6,
        }
    }

    /// Whether moving from `self` to `next` goes forward.
    pub fn may_become(self, next: MessageStatus) -> bool {
        next.rank() > self.rank()
    }

    pub fn is_failure(self) -> bool {
        matches!(self, Self::Failed | Self::Undelivered)
    }
}

impl fmt::Display for MessageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Received => "received",
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Undelivered => "undelivered",
            Self::Failed => "failed",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::MessageStatus as S;

    #[test]
    fn status_only_moves_forward() {
        assert!(S::Queued.may_become(S::Sent));
        assert!(S::Sent.may_become(S::Delivered));
        assert!(S::Delivered.may_become(S::Read));
        assert!(
            !S::Delivered.may_become(S::Sent),
            "a late sent must not undo delivered"
        );
        assert!(!S::Read.may_become(S::Delivered));
        assert!(!S::Sent.may_become(S::Sent));
        assert!(S::Sent.may_become(S::Failed));
        assert!(!S::Failed.may_become(S::Sent));
    }
}
