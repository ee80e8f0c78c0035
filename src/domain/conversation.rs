//! The conversation state machine (PRODUCT.md §7): Open → Active → Waiting / Wrap-up → Closed.
//! Every state change goes through `transition`, so an impossible move is a typed error rather
//! than a silently corrupted record.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConversationState {
    /// In a queue, waiting for an agent.
    Open,
    /// Assigned to an agent; uses the agent's capacity.
    Active,
    /// The agent closed the session without ending it; no capacity used.
    Waiting,
    /// The agent ended the conversation and is finishing up.
    WrapUp,
    /// Final. A new customer message starts a new conversation.
    Closed,
}

impl fmt::Display for ConversationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Open => "Open",
            Self::Active => "Active",
            Self::Waiting => "Waiting",
            Self::WrapUp => "Wrap-up",
            Self::Closed => "Closed",
        })
    }
}

/// What can happen to a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationEvent {
    /// An agent accepted or picked the conversation.
    Assign,
    /// The customer wrote.
    CustomerMessage,
    /// The agent closed the session without ending the conversation.
    CloseSession,
    /// The agent sent it back to the queue or to another agent's queue.
    Transfer,
    /// The agent ended the conversation.
    End,
    /// Wrap-up finished, or an auto-close deadline passed.
    Close,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a conversation that is {from} cannot {event}")]
pub struct TransitionError {
    pub from: ConversationState,
    pub event: &'static str,
}

impl ConversationEvent {
    fn verb(self) -> &'static str {
        match self {
            Self::Assign => "be assigned",
            Self::CustomerMessage => "take a customer message",
            Self::CloseSession => "have its session closed",
            Self::Transfer => "be transferred",
            Self::End => "be ended",
            Self::Close => "be closed",
        }
    }
}

impl ConversationState {
    pub fn is_closed(self) -> bool {
        self == Self::Closed
    }

    /// Whether the conversation holds an agent's capacity in this state (Wrap-up depends on the
    /// workstream's "Block capacity for wrap up" setting, decided by the roster).
    pub fn uses_capacity(self) -> bool {
        self == Self::Active
    }

    /// The state after `event`, or why it cannot happen.
    pub fn transition(self, event: ConversationEvent) -> Result<Self, TransitionError> {
        use ConversationEvent as E;
        use ConversationState as S;
        let next = match (self, event) {
            (S::Open, E::Assign) => S::Active,
            (S::Waiting, E::Assign) => S::Active,
            (S::Open | S::Active | S::WrapUp, E::CustomerMessage) => self,
            (S::Waiting, E::CustomerMessage) => S::Open,
            (S::Active, E::CloseSession) => S::Waiting,
            (S::Active | S::Open, E::Transfer) => S::Open,
            (S::Active | S::Waiting, E::End) => S::WrapUp,
            (S::Open | S::Active | S::Waiting | S::WrapUp, E::Close) => S::Closed,
            _ => {
                return Err(TransitionError {
                    from: self,
                    event: event.verb(),
                });
            }
        };
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::ConversationEvent as E;
    use super::ConversationState as S;

    #[test]
    fn the_normal_life_of_a_conversation() {
        let s = S::Open;
        let s = s.transition(E::Assign).unwrap();
        assert_eq!(s, S::Active);
        let s = s.transition(E::CloseSession).unwrap();
        assert_eq!(s, S::Waiting);
        let s = s.transition(E::CustomerMessage).unwrap();
        assert_eq!(
            s,
            S::Open,
            "a customer reply brings a waiting conversation back to Open"
        );
        let s = s.transition(E::Assign).unwrap();
        let s = s.transition(E::End).unwrap();
        assert_eq!(s, S::WrapUp);
        assert_eq!(s.transition(E::Close).unwrap(), S::Closed);
    }

    #[test]
    fn closed_is_final() {
        for e in [
            E::Assign,
            E::CustomerMessage,
            E::CloseSession,
            E::Transfer,
            E::End,
            E::Close,
        ] {
            assert!(
                S::Closed.transition(e).is_err(),
                "{e:?} reopened a closed conversation"
            );
        }
    }

    #[test]
    fn impossible_moves_are_refused_with_a_reason() {
        let cases = [
            (S::Open, E::End, "nobody is working on it yet"),
            (S::Open, E::CloseSession, "no session to close"),
            (S::WrapUp, E::Assign, "already ended"),
            (S::Active, E::Assign, "already assigned"),
            (S::Waiting, E::Transfer, "no agent to transfer from"),
        ];
        for (from, event, why) in cases {
            let err = from.transition(event).expect_err(why);
            assert_eq!(err.from, from);
            assert!(!err.to_string().is_empty());
        }
    }

    #[test]
    fn only_active_uses_capacity() {
        assert!(S::Active.uses_capacity());
        assert!(!S::Waiting.uses_capacity());
        assert!(!S::Open.uses_capacity());
    }
}
