//! Who took part in a conversation: its agents (current and earlier), and consultants and
//! supervisors who joined. Access rules, search and the customer summary read this, so an agent
//! keeps read access to a conversation they worked on after it moved on.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Participation {
    /// Was assigned the conversation at some point.
    Agent,
    /// Was consulted by the agent.
    Consultant,
    /// A supervisor who joined it.
    Supervisor,
}

impl Participation {
    pub fn code(self) -> u8 {
        match self {
            Self::Agent => 1,
            Self::Consultant => 2,
            Self::Supervisor => 3,
        }
    }

    /// None for a code this version does not know: the row is skipped, not misread.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::Agent),
            2 => Some(Self::Consultant),
            3 => Some(Self::Supervisor),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_none() {
        for p in [
            Participation::Agent,
            Participation::Consultant,
            Participation::Supervisor,
        ] {
            assert_eq!(Participation::from_code(p.code()), Some(p));
        }
        assert_eq!(Participation::from_code(0), None);
        assert_eq!(Participation::from_code(200), None);
    }
}
