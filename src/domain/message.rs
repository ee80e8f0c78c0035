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
    /// Parses Twilio's `MessageStatus` / `status` values.
    pub fn parse_twilio(s: &str) -> Option<Self> {
        Some(match s {
            "accepted" | "scheduled" | "queued" => Self::Queued,
            "sending" => Self::Sending,
            "sent" => Self::Sent,
            "delivered" => Self::Delivered,
            "read" => Self::Read,
            "undelivered" => Self::Undelivered,
            "failed" | "canceled" => Self::Failed,
            "received" | "receiving" => Self::Received,
            _ => return None,
        })
    }

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

/// A human text for the Twilio error codes agents meet most, so a failure says more than a number.
pub fn twilio_error_text(code: u32) -> Option<&'static str> {
    Some(match code {
        21211 => "Invalid 'To' phone number",
        21408 => "Permission to send an SMS has not been enabled for the region",
        21610 => "Attempt to send to unsubscribed recipient",
        21614 => "'To' number is not a valid mobile number",
        30003 => "Unreachable destination handset",
        30004 => "Message blocked",
        30005 => "Unknown destination handset",
        30006 => "Landline or unreachable carrier",
        30007 => "Message filtered",
        30008 => "Unknown error",
        63016 => "Failed to send freeform message because you are outside the allowed window",
        _ => return None,
    })
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

    #[test]
    fn twilio_status_names_parse() {
        assert_eq!(S::parse_twilio("delivered"), Some(S::Delivered));
        assert_eq!(S::parse_twilio("read"), Some(S::Read));
        assert_eq!(S::parse_twilio("bogus"), None);
    }
}
