//! Automated messages as pure rules: the triggers, their built-in texts per channel and locale,
//! placeholder parsing (`{AgentName}`, `{QueueName}`, `{$Name$}` context variables) with the
//! triggers each makes sense for, and `resolve`, which picks the text to send from the stored
//! overrides. The store keeps overrides (`store::automated`); the admin pages edit them.

mod builtin;
mod locale;
mod resolve;
mod switch;
mod text;

pub use locale::{Locale, LocaleError};
pub use resolve::{
    OverrideKey, Resolved, Source, WorkstreamScope, builtin, candidates, lookup_order, resolve,
};
pub use switch::{SwitchKey, is_on};
pub use text::{
    AutomatedText, MAX_CHARS, Piece, Placeholder, TextError, parse_placeholders, render,
};

use serde::{Deserialize, Serialize};
use std::fmt;

/// The locales with built-in texts: (code, label). English is the last resort.
pub const BUILTIN_LOCALES: [(&str, &str); 3] =
    [("en", "English"), ("de", "Deutsch"), ("es", "Español")];
const FALLBACK_LOCALE: &str = "en";

/// When omnidesk sends (or shows) an automated message. Stored by variant order: add at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Trigger {
    Greeting,
    AgentAssigned,
    QueuePosition,
    AgentEnded,
    OutOfHours,
    Holiday,
    OptedOut,
    OutsideTimeframe,
    FileTooBig,
    UnsupportedType,
    /// A queue's overflow rule ended the conversation before an agent took it (a full queue, a
    /// wait too long); out of hours says so with its own message.
    OverflowEnded,
    /// The customer sent a file where "Customers can send file attachments" is off.
    AttachmentsOff,
}

impl Trigger {
    pub const ALL: [Trigger; 12] = [
        Trigger::Greeting,
        Trigger::AgentAssigned,
        Trigger::QueuePosition,
        Trigger::AgentEnded,
        Trigger::OutOfHours,
        Trigger::Holiday,
        Trigger::OptedOut,
        Trigger::OutsideTimeframe,
        Trigger::FileTooBig,
        Trigger::UnsupportedType,
        Trigger::OverflowEnded,
        Trigger::AttachmentsOff,
    ];

    /// The URL and storage-key spelling.
    pub fn key(self) -> &'static str {
        match self {
            Trigger::Greeting => "greeting",
            Trigger::AgentAssigned => "agent-assigned",
            Trigger::QueuePosition => "queue-position",
            Trigger::AgentEnded => "agent-ended",
            Trigger::OutOfHours => "out-of-hours",
            Trigger::Holiday => "holiday",
            Trigger::OptedOut => "opted-out",
            Trigger::OutsideTimeframe => "not-sent-timeframe",
            Trigger::FileTooBig => "not-sent-file-size",
            Trigger::UnsupportedType => "not-sent-file-type",
            Trigger::OverflowEnded => "overflow-ended",
            Trigger::AttachmentsOff => "not-sent-attachments-off",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Trigger::Greeting => "Greeting",
            Trigger::AgentAssigned => "Agent assigned",
            Trigger::QueuePosition => "Customer's position in queue",
            Trigger::AgentEnded => "Agent ended conversation",
            Trigger::OutOfHours => "Out of operating hours",
            Trigger::Holiday => "Holiday",
            Trigger::OptedOut => "Customer opted out",
            Trigger::OutsideTimeframe => "Message couldn't be sent: outside allowed timeframe",
            Trigger::FileTooBig => "Message couldn't be sent: file too big",
            Trigger::UnsupportedType => "Message couldn't be sent: unsupported type",
            Trigger::OverflowEnded => "Conversation ended by a queue's overflow rule",
            Trigger::AttachmentsOff => "Message couldn't be sent: attachments not accepted",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.key() == key)
    }

    /// Whether `p` means something when this trigger fires: there is an agent only once one is
    /// assigned, a queue only once the conversation was routed.
    pub fn allows(self, p: &Placeholder) -> bool {
        use Trigger::*;
        match p {
            Placeholder::AgentName => matches!(self, AgentAssigned | AgentEnded),
            Placeholder::QueueName => {
                matches!(
                    self,
                    AgentAssigned
                        | QueuePosition
                        | AgentEnded
                        | OutOfHours
                        | Holiday
                        | OverflowEnded
                )
            }
            Placeholder::QueuePosition => self == QueuePosition,
            Placeholder::Context(_) => true,
        }
    }

    /// Who the message is for: the customer, or the agent as a system line in the thread.
    pub fn audience(self) -> Audience {
        match self {
            Trigger::OutsideTimeframe => Audience::Agent,
            _ => Audience::Customer,
        }
    }

    /// Whether the trigger sends until an admin turns it off. The greeting and "agent assigned"
    /// are sent once turned on; the others tell the customer or agent something they need to
    /// know, and are on from the start.
    pub fn on_by_default(self) -> bool {
        !matches!(self, Trigger::Greeting | Trigger::AgentAssigned)
    }

    /// The form's help text: the length and the placeholders this trigger accepts.
    pub fn placeholder_help(self) -> String {
        format!(
            "Up to 2,000 characters. {}",
            super::placeholders::help_text(super::placeholders::Syntax::Automated(self))
        )
    }
}

/// Who reads an automated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Sent to the customer through the outbox, shown in the thread as automated.
    Customer,
    /// A system line in the thread for the agent; never sent to the customer.
    Agent,
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigger_keys_round_trip() {
        for t in Trigger::ALL {
            assert_eq!(Trigger::parse(t.key()), Some(t));
        }
        assert_eq!(Trigger::parse("Greeting"), None);
    }
}
