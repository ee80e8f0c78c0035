//! Which system lines of a thread matter to reports. The lines are written from
//! `domain::timeline::StateChange` (and the bot's hand-off, `domain::bot::HANDOFF_PREFIX`); the
//! tests below render every kind and check it is read back as the same kind, so the words and
//! this reading cannot drift apart.

use crate::domain::bot::HANDOFF_PREFIX;

/// A system line that changes a conversation's facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// An agent accepted or picked it.
    Assigned,
    /// An agent, or an overflow rule, sent it on.
    Transferred,
    /// The agent ended it: wrap-up began.
    Ended,
    /// The bot handed it to routing.
    BotHandOff,
}

/// The kind of a system line's text, if reports count it. Only `Direction::System` lines are
/// given here, and omnidesk writes all of them: customer text never reaches this.
pub fn classify(text: &str) -> Option<LineKind> {
    if text.starts_with(HANDOFF_PREFIX) {
        Some(LineKind::BotHandOff)
    } else if text.starts_with("Assigned to ") && text.ends_with('.') {
        Some(LineKind::Assigned)
    } else if text.starts_with("Overflow in ") && text.contains("): transferred to ") {
        Some(LineKind::Transferred)
    } else if text.contains(" closed the conversation. Reason: ") {
        // A supervisor's reason is free text: nothing after it is read.
        None
    } else if text.contains(" transferred the conversation to ") {
        // Checked before Ended: a transfer's note is free text and may say anything.
        Some(LineKind::Transferred)
    } else if text.ends_with(" ended the conversation; wrap-up.") {
        Some(LineKind::Ended)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ConversationId;
    use crate::domain::bot::HandOff;
    use crate::domain::timeline::{CloseReason, OverflowOutcome, StateChange, TransferTarget};

    #[test]
    fn every_line_is_read_as_what_it_says() {
        let note = Some("I ended the conversation; wrap-up.".to_owned());
        let cases = [
            (
                StateChange::Assigned {
                    agent: "Ana".into(),
                },
                Some(LineKind::Assigned),
            ),
            (
                StateChange::Transferred {
                    by: "Ana".into(),
                    to: TransferTarget::Agent("Ben".into()),
                    note: note.clone(),
                },
                Some(LineKind::Transferred),
            ),
            (
                StateChange::Transferred {
                    by: "Ana".into(),
                    to: TransferTarget::Queue,
                    note: None,
                },
                Some(LineKind::Transferred),
            ),
            (
                StateChange::Ended { by: "Ana".into() },
                Some(LineKind::Ended),
            ),
            (
                StateChange::Overflowed {
                    queue: "Sales".into(),
                    condition: "waited 5 minutes".into(),
                    outcome: OverflowOutcome::TransferredTo("Support".into()),
                },
                Some(LineKind::Transferred),
            ),
            (
                StateChange::Overflowed {
                    queue: "Sales".into(),
                    condition: "waited 5 minutes".into(),
                    outcome: OverflowOutcome::OfferedAnyway,
                },
                None,
            ),
            (StateChange::SessionClosed { by: "Ana".into() }, None),
            (StateChange::Closed(CloseReason::Agent("Ana".into())), None),
            (StateChange::Closed(CloseReason::Inactivity), None),
            (
                StateChange::Closed(CloseReason::Supervisor {
                    name: "Sam".into(),
                    reason: "Ana transferred the conversation to me.".into(),
                }),
                None,
            ),
            (
                StateChange::Closed(CloseReason::CustomerWroteAgain {
                    next: ConversationId::new(3),
                }),
                None,
            ),
            (StateChange::Reopened, None),
            (StateChange::WindowClosed, None),
            (
                StateChange::ReturnedToQueue {
                    agent: "Ana".into(),
                    why: "was away".into(),
                },
                None,
            ),
            (
                StateChange::Continues {
                    previous: ConversationId::new(2),
                },
                None,
            ),
            (StateChange::ForAgent("Outside hours.".into()), None),
            (
                StateChange::ConsultStarted {
                    by: "Ana".into(),
                    consultant: "Ben".into(),
                },
                None,
            ),
        ];
        for (change, want) in cases {
            assert_eq!(classify(&change.text()), want, "{}", change.text());
        }
        let handoff = HandOff::Failed("timeout".into()).line();
        assert_eq!(classify(&handoff), Some(LineKind::BotHandOff));
    }
}
