//! The channel-setup part of a workstream's settings: the steps of "Set up the channel", the
//! numbers chosen and the file-attachment toggles (the post-conversation survey is in `survey`).

use super::SettingError;
use crate::domain::NumberId;
use serde::{Deserialize, Serialize};

/// "File attachments": who may send files in this workstream's conversations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachments {
    /// "Customers can send file attachments".
    pub customers: bool,
    /// "Agents can send file attachments".
    pub agents: bool,
}

impl Attachments {
    /// The form values with their labels.
    pub const CHOICES: [(&'static str, &'static str); 2] = [
        ("customers", "Customers can send file attachments"),
        ("agents", "Agents can send file attachments"),
    ];

    pub fn parse(values: &[&str]) -> Result<Self, SettingError> {
        let mut a = Self::default();
        for v in values {
            match *v {
                "customers" => a.customers = true,
                "agents" => a.agents = true,
                _ => return Err(SettingError::UnknownOption),
            }
        }
        Ok(a)
    }
}

/// The checked number ids, without repeats; at least one.
pub fn parse_number_ids(values: &[&str]) -> Result<Vec<NumberId>, SettingError> {
    let mut out: Vec<NumberId> = Vec::new();
    for v in values {
        let id = v
            .trim()
            .parse::<u64>()
            .map_err(|_| SettingError::UnknownNumber)?;
        if !out.iter().any(|n| n.get() == id) {
            out.push(NumberId::new(id));
        }
    }
    if out.is_empty() {
        return Err(SettingError::NoNumber);
    }
    Ok(out)
}

/// The pages of "Set up the channel", in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SetupStep {
    Numbers,
    Language,
    Behaviors,
    Features,
    Summary,
}

impl SetupStep {
    pub const ALL: [SetupStep; 5] = [
        SetupStep::Numbers,
        SetupStep::Language,
        SetupStep::Behaviors,
        SetupStep::Features,
        SetupStep::Summary,
    ];

    /// The URL segment.
    pub fn slug(self) -> &'static str {
        match self {
            SetupStep::Numbers => "numbers",
            SetupStep::Language => "language",
            SetupStep::Behaviors => "behaviors",
            SetupStep::Features => "features",
            SetupStep::Summary => "summary",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SetupStep::Numbers => "Numbers",
            SetupStep::Language => "Language",
            SetupStep::Behaviors => "Behaviors",
            SetupStep::Features => "User features",
            SetupStep::Summary => "Summary",
        }
    }

    pub fn parse(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.slug() == slug)
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn next(self) -> Option<Self> {
        Self::ALL.get(self.index() + 1).copied()
    }

    pub fn previous(self) -> Option<Self> {
        self.index().checked_sub(1).map(|i| Self::ALL[i])
    }
}

/// How far "Set up the channel" got: each step is saved when submitted, so a setup left half-way
/// resumes at `reached`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupProgress {
    /// The first step not yet saved (Summary once every step before it was).
    pub reached: SetupStep,
    /// Finish was pressed on the summary.
    pub finished: bool,
}

impl Default for SetupProgress {
    fn default() -> Self {
        Self {
            reached: SetupStep::Numbers,
            finished: false,
        }
    }
}

impl SetupProgress {
    /// Records that `step` was saved: the setup resumes after it (never earlier than it was).
    pub fn saved(&mut self, step: SetupStep) {
        let after = step.next().unwrap_or(SetupStep::Summary);
        self.reached = self.reached.max(after);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachments_and_numbers_accept_only_listed_values() {
        assert_eq!(
            Attachments::parse(&["agents"]),
            Ok(Attachments {
                customers: false,
                agents: true
            })
        );
        assert_eq!(
            Attachments::parse(&["everyone"]),
            Err(SettingError::UnknownOption)
        );
        assert_eq!(
            parse_number_ids(&["2", "2", "5"]),
            Ok(vec![NumberId::new(2), NumberId::new(5)])
        );
        assert_eq!(parse_number_ids(&[]), Err(SettingError::NoNumber));
        assert_eq!(parse_number_ids(&["x"]), Err(SettingError::UnknownNumber));
    }

    #[test]
    fn setup_steps_run_in_order_and_progress_never_goes_back() {
        assert_eq!(SetupStep::parse("behaviors"), Some(SetupStep::Behaviors));
        assert_eq!(SetupStep::parse("finish"), None);
        assert_eq!(SetupStep::Numbers.previous(), None);
        assert_eq!(SetupStep::Summary.next(), None);
        let mut p = SetupProgress::default();
        p.saved(SetupStep::Numbers);
        assert_eq!(p.reached, SetupStep::Language);
        p.saved(SetupStep::Features);
        p.saved(SetupStep::Numbers);
        assert_eq!(p.reached, SetupStep::Summary);
    }
}
