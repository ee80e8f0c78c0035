//! The system lines of a thread: every state change of a conversation (assigned, transferred,
//! ended, closed, reopened, window closed, returned to the queue) is written into the thread as a
//! line saying what happened and who did it; the message's time says when. The words live here so
//! the store, the services and the tests agree on them.

use super::ConversationId;

/// Who closed a conversation, or why it closed by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseReason {
    /// The agent finished wrap-up.
    Agent(String),
    /// A supervisor closed it, with their reason.
    Supervisor { name: String, reason: String },
    /// No activity for the state's auto-close time.
    Inactivity,
    /// The customer wrote after it ended: the message opened conversation `next`.
    CustomerWroteAgain { next: ConversationId },
}

/// Where a transfer sent the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferTarget {
    Queue,
    Agent(String),
}

/// One state change, as written into the thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateChange {
    Assigned {
        agent: String,
    },
    Transferred {
        by: String,
        to: TransferTarget,
        note: Option<String>,
    },
    SessionClosed {
        by: String,
    },
    Ended {
        by: String,
    },
    Closed(CloseReason),
    /// A Waiting conversation the customer answered is back in the queue.
    Reopened,
    WindowClosed,
    /// The assigned agent was away when the customer wrote.
    ReturnedToQueue {
        agent: String,
        why: String,
    },
    /// The first line of a conversation the customer opened after `previous` ended.
    Continues {
        previous: ConversationId,
    },
    /// An overflow rule of `queue` applied because of `condition` (its words).
    Overflowed {
        queue: String,
        condition: String,
        outcome: OverflowOutcome,
    },
    /// An automated message for the agent (e.g. "outside allowed timeframe"), its text filled in.
    ForAgent(String),
    /// `by` linked the conversation to the contact `contact` (its name or number).
    ContactLinked {
        by: String,
        contact: String,
    },
    /// `by` unlinked the conversation from any contact.
    ContactUnlinked {
        by: String,
    },
    /// The agent `by` invited `consultant` to consult.
    ConsultStarted {
        by: String,
        consultant: String,
    },
    /// `consultant`'s consult ended, ended by `by` (the agent or the consultant).
    ConsultEnded {
        by: String,
        consultant: String,
    },
}

/// What an overflow rule did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverflowOutcome {
    TransferredTo(String),
    Ended,
    OfferedAnyway,
}

impl StateChange {
    pub fn text(&self) -> String {
        match self {
            Self::Assigned { agent } => format!("Assigned to {agent}."),
            Self::Transferred { by, to, note } => {
                let target = match to {
                    TransferTarget::Queue => "the queue".to_owned(),
                    TransferTarget::Agent(name) => name.clone(),
                };
                match note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                    Some(n) => format!("{by} transferred the conversation to {target}. Note: {n}"),
                    None => format!("{by} transferred the conversation to {target}."),
                }
            }
            Self::SessionClosed { by } => {
                format!("{by} closed the session; waiting for the customer.")
            }
            Self::Ended { by } => format!("{by} ended the conversation; wrap-up."),
            Self::Closed(CloseReason::Agent(name)) => format!("{name} closed the conversation."),
            Self::Closed(CloseReason::Supervisor { name, reason }) => {
                format!("{name} closed the conversation. Reason: {reason}")
            }
            Self::Closed(CloseReason::Inactivity) => {
                "The conversation closed after inactivity.".to_owned()
            }
            Self::Closed(CloseReason::CustomerWroteAgain { next }) => format!(
                "The conversation closed: the customer wrote again, which opened conversation #{}.",
                next.get()
            ),
            Self::Reopened => "The customer wrote again: back in the queue.".to_owned(),
            Self::WindowClosed => {
                "The 24-hour reply window closed: only approved templates can be sent.".to_owned()
            }
            Self::ReturnedToQueue { agent, why } => {
                format!("Back in the queue: {agent} {why}.")
            }
            // The panel links the previous conversation; its id means nothing to an agent.
            Self::Continues { .. } => {
                "The customer wrote again after their previous conversation ended.".to_owned()
            }
            Self::Overflowed {
                queue,
                condition,
                outcome,
            } => {
                let what = match outcome {
                    OverflowOutcome::TransferredTo(to) => format!("transferred to {to}"),
                    OverflowOutcome::Ended => "the conversation ended".to_owned(),
                    OverflowOutcome::OfferedAnyway => "offered to agents anyway".to_owned(),
                };
                format!("Overflow in {queue} ({condition}): {what}.")
            }
            Self::ForAgent(text) => text.clone(),
            Self::ContactLinked { by, contact } => {
                format!("{by} linked the conversation to the contact {contact}.")
            }
            Self::ContactUnlinked { by } => {
                format!("{by} unlinked the conversation from its contact.")
            }
            Self::ConsultStarted { by, consultant } => {
                format!("{by} invited {consultant} to consult; their notes are for the team only.")
            }
            Self::ConsultEnded { by, consultant } if by == consultant => {
                format!("{consultant} left the consult.")
            }
            Self::ConsultEnded { by, consultant } => {
                format!("{by} ended {consultant}'s consult.")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_say_who_did_what() {
        let t = StateChange::Transferred {
            by: "Ana".into(),
            to: TransferTarget::Agent("Ben".into()),
            note: Some("  wants a refund ".into()),
        };
        assert_eq!(
            t.text(),
            "Ana transferred the conversation to Ben. Note: wants a refund"
        );
        let q = StateChange::Transferred {
            by: "Ana".into(),
            to: TransferTarget::Queue,
            note: Some("   ".into()),
        };
        assert_eq!(q.text(), "Ana transferred the conversation to the queue.");
        assert_eq!(
            StateChange::Closed(CloseReason::CustomerWroteAgain {
                next: ConversationId::new(9)
            })
            .text(),
            "The conversation closed: the customer wrote again, which opened conversation #9."
        );
    }
}
