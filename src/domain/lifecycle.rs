//! When an idle conversation moves on by itself (PRODUCT.md §7): Open and Active close after 30
//! days without activity, Waiting after the workstream's "Auto-close after inactivity", Wrap-up after
//! a day; a Wrap-up that blocks capacity for some minutes gives it back after those minutes.

use super::workstream::WrapUp;
use super::{ConversationState, Timestamp};
use std::time::Duration;

pub const OPEN_OR_ACTIVE_IDLE: Duration = Duration::from_secs(30 * 24 * 3600);
pub const WRAP_UP_IDLE: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Give the agent's capacity back (wrap-up block time over); the conversation stays.
    ReleaseCapacity,
    /// Close the conversation.
    Close,
}

/// The next automatic step for a conversation last changed at `since`, or None if it has none.
pub fn next(
    state: ConversationState,
    since: Timestamp,
    auto_close_minutes: u32,
    wrap_up: WrapUp,
    now: Timestamp,
) -> Option<(Timestamp, Step)> {
    let after = |d: Duration| since.saturating_add(d);
    match state {
        ConversationState::Open | ConversationState::Active => {
            Some((after(OPEN_OR_ACTIVE_IDLE), Step::Close))
        }
        ConversationState::Waiting => Some((
            after(Duration::from_secs(u64::from(auto_close_minutes) * 60)),
            Step::Close,
        )),
        ConversationState::WrapUp => match wrap_up {
            WrapUp::Minutes(m) if after(Duration::from_secs(u64::from(m) * 60)) > now => Some((
                after(Duration::from_secs(u64::from(m) * 60)),
                Step::ReleaseCapacity,
            )),
            _ => Some((after(WRAP_UP_IDLE), Step::Close)),
        },
        ConversationState::Closed => None,
    }
}

/// Whether a conversation in `state` still holds its agent's capacity at `now`.
pub fn holds_capacity(
    state: ConversationState,
    since: Timestamp,
    wrap_up: WrapUp,
    now: Timestamp,
) -> bool {
    match state {
        ConversationState::Active => true,
        ConversationState::WrapUp => match wrap_up {
            WrapUp::Always => true,
            WrapUp::DontBlock => false,
            WrapUp::Minutes(m) => {
                since.saturating_add(Duration::from_secs(u64::from(m) * 60)) > now
            }
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConversationState as S;

    const T: Timestamp = Timestamp::from_millis(1_000_000);

    #[test]
    fn each_state_has_its_idle_deadline() {
        let at = |state| next(state, T, 60, WrapUp::DontBlock, T).unwrap();
        assert_eq!(
            at(S::Active),
            (T.saturating_add(OPEN_OR_ACTIVE_IDLE), Step::Close)
        );
        assert_eq!(
            at(S::Open),
            (T.saturating_add(OPEN_OR_ACTIVE_IDLE), Step::Close)
        );
        assert_eq!(
            at(S::Waiting),
            (T.saturating_add(Duration::from_secs(3600)), Step::Close)
        );
        assert_eq!(at(S::WrapUp), (T.saturating_add(WRAP_UP_IDLE), Step::Close));
        assert_eq!(next(S::Closed, T, 60, WrapUp::Always, T), None);
    }

    #[test]
    fn a_timed_wrap_up_block_releases_first_then_closes() {
        let ten = WrapUp::Minutes(10);
        assert_eq!(
            next(S::WrapUp, T, 60, ten, T),
            Some((
                T.saturating_add(Duration::from_secs(600)),
                Step::ReleaseCapacity
            ))
        );
        let later = T.saturating_add(Duration::from_secs(600));
        assert_eq!(
            next(S::WrapUp, T, 60, ten, later),
            Some((T.saturating_add(WRAP_UP_IDLE), Step::Close))
        );
        assert!(holds_capacity(S::WrapUp, T, ten, T));
        assert!(!holds_capacity(S::WrapUp, T, ten, later));
        assert!(holds_capacity(S::WrapUp, T, WrapUp::Always, later));
        assert!(!holds_capacity(S::WrapUp, T, WrapUp::DontBlock, T));
        assert!(holds_capacity(S::Active, T, WrapUp::DontBlock, T));
        assert!(!holds_capacity(S::Waiting, T, WrapUp::Always, T));
    }
}
