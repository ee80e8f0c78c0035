//! Agent presence: what the agent chose, and what others see once load is taken into account
//! (automatic Busy when partly loaded, Busy - DND when full; signed out is Offline).

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Presence {
    Available,
    Busy,
    BusyDnd,
    Away,
    Offline,
    /// Set by omnidesk, never chosen: the agent's last workspace tab closed, or they have been
    /// idle, for longer than the inactivity setting. Inactive agents get no offers.
    Inactive,
}

impl Presence {
    /// What an agent can pick in the header (Offline comes from signing out).
    pub const SELECTABLE: [Presence; 4] = [
        Presence::Available,
        Presence::Busy,
        Presence::BusyDnd,
        Presence::Away,
    ];

    pub fn code(self) -> u8 {
        match self {
            Presence::Available => 0,
            Presence::Busy => 1,
            Presence::BusyDnd => 2,
            Presence::Away => 3,
            Presence::Offline => 4,
            Presence::Inactive => 5,
        }
    }

    pub fn from_code(c: u8) -> Presence {
        match c {
            0 => Presence::Available,
            1 => Presence::Busy,
            2 => Presence::BusyDnd,
            3 => Presence::Away,
            // Inactive is never stored as a choice; anything unknown reads as Offline.
            _ => Presence::Offline,
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Presence::Available => "available",
            Presence::Busy => "busy",
            Presence::BusyDnd => "busy-dnd",
            Presence::Away => "away",
            Presence::Offline => "offline",
            Presence::Inactive => "inactive",
        }
    }

    pub fn parse(s: &str) -> Option<Presence> {
        [
            Presence::Available,
            Presence::Busy,
            Presence::BusyDnd,
            Presence::Away,
            Presence::Offline,
            Presence::Inactive,
        ]
        .into_iter()
        .find(|p| p.slug() == s)
    }

    /// The presence others see: an Available agent turns Busy when partly loaded and Busy - DND
    /// when full; a chosen Busy turns Busy - DND when full.
    pub fn effective(self, load: u32, capacity: u32) -> Presence {
        match self {
            Presence::Available if load >= capacity => Presence::BusyDnd,
            Presence::Available if load > 0 => Presence::Busy,
            Presence::Busy if load >= capacity => Presence::BusyDnd,
            other => other,
        }
    }
}

/// Why what others see differs from what the agent chose, for the header: "Busy - DND: at
/// capacity, 2 of 2". None when the agent sees just what they chose.
pub fn explain(chosen: Presence, seen: Presence, load: u32, capacity: u32) -> Option<String> {
    match seen {
        _ if seen == chosen => None,
        Presence::BusyDnd => Some(format!("Busy - DND: at capacity, {load} of {capacity}")),
        Presence::Busy => Some(format!("Busy: {load} of {capacity} capacity in use")),
        Presence::Inactive => Some(
            "Inactive: no open workspace or activity for a while; you get no offers".to_owned(),
        ),
        _ => None,
    }
}

impl fmt::Display for Presence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Presence::Available => "Available",
            Presence::Busy => "Busy",
            Presence::BusyDnd => "Busy - DND",
            Presence::Away => "Away",
            Presence::Offline => "Offline",
            Presence::Inactive => "Inactive",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Presence as P;

    #[test]
    fn load_turns_available_into_busy_and_full_into_dnd() {
        assert_eq!(P::Available.effective(0, 3), P::Available);
        assert_eq!(P::Available.effective(1, 3), P::Busy);
        assert_eq!(P::Available.effective(3, 3), P::BusyDnd);
        assert_eq!(P::Busy.effective(3, 3), P::BusyDnd);
        assert_eq!(P::Away.effective(0, 3), P::Away);
        assert_eq!(P::Offline.effective(0, 3), P::Offline);
    }

    #[test]
    fn automatic_presence_is_explained() {
        assert_eq!(
            super::explain(P::Available, P::BusyDnd, 2, 2).as_deref(),
            Some("Busy - DND: at capacity, 2 of 2")
        );
        assert_eq!(
            super::explain(P::Available, P::Busy, 1, 3).as_deref(),
            Some("Busy: 1 of 3 capacity in use")
        );
        assert_eq!(super::explain(P::Away, P::Away, 0, 3), None);
        assert!(super::explain(P::Available, P::Inactive, 0, 3).is_some());
    }

    #[test]
    fn codes_and_slugs_round_trip() {
        for p in [P::Available, P::Busy, P::BusyDnd, P::Away, P::Offline] {
            assert_eq!(P::from_code(p.code()), p);
            assert_eq!(P::parse(p.slug()), Some(p));
        }
        assert_eq!(P::parse("inactive"), Some(P::Inactive));
        assert!(!P::SELECTABLE.contains(&P::Inactive));
        assert_eq!(
            P::from_code(P::Inactive.code()),
            P::Offline,
            "Inactive is never a stored choice"
        );
    }
}
