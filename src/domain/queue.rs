//! Queues as pure rules: the priority (lower first), the assignment method, and the overflow rules
//! with their evaluation, which the workstream supervisor runs when a conversation would enter a
//! queue and while it waits. The admin form parses into these.

use super::{ConversationId, QueueId, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// The highest priority number a queue may have; 1 is served first.
pub const MAX_PRIORITY: u32 = 1_000;
/// The priority of a workstream's fallback queue when it is made: after every queue an admin
/// adds with the form's default.
pub const FALLBACK_PRIORITY: u32 = 100;
/// The priority the create form starts with.
pub const DEFAULT_PRIORITY: u32 = 10;
/// Overflow rules per queue: a short ordered list reads better than a rules engine.
pub const MAX_OVERFLOW_RULES: usize = 5;
/// The largest N of "more than N waiting" and M of "waited longer than M minutes".
pub const MAX_THRESHOLD: u32 = 100_000;
/// Overflow transfers one conversation may make before it stays where it is: two queues that
/// overflow into each other must not pass a conversation back and forth forever.
pub const MAX_OVERFLOW_HOPS: u8 = 5;

/// Minutes between two position-in-queue messages to one customer unless the workstream says.
pub const DEFAULT_POSITION_MINUTES: u32 = 5;
/// The longest such interval an admin may set (a day).
pub const MAX_POSITION_MINUTES: u32 = 24 * 60;

/// Parses the position-message interval: whole minutes, 1 to a day.
pub fn parse_position_minutes(s: &str) -> Result<u32, QueueError> {
    match s.trim().parse::<u32>() {
        Ok(m) if (1..=MAX_POSITION_MINUTES).contains(&m) => Ok(m),
        _ => Err(QueueError::BadInterval),
    }
}

/// Why a queue setting was refused; shown beside the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    #[error("Enter the priority as a whole number from 1 (served first) to {MAX_PRIORITY}.")]
    BadPriority,
    #[error("Choose how conversations are assigned.")]
    BadMethod,
    #[error("Choose a condition for this overflow rule.")]
    BadCondition,
    #[error("Enter a whole number from 1 to {MAX_THRESHOLD}.")]
    BadThreshold,
    #[error("Choose what happens when this rule applies.")]
    BadAction,
    #[error("Choose the queue to transfer to.")]
    NoTarget,
    #[error("A queue cannot overflow into itself.")]
    SelfTarget,
    #[error("At most {MAX_OVERFLOW_RULES} overflow rules.")]
    TooManyRules,
    #[error("Enter whole minutes from 1 to {MAX_POSITION_MINUTES}.")]
    BadInterval,
}

pub fn parse_priority(s: &str) -> Result<u32, QueueError> {
    match s.trim().parse::<u32>() {
        Ok(p) if (1..=MAX_PRIORITY).contains(&p) => Ok(p),
        _ => Err(QueueError::BadPriority),
    }
}

/// How a queue picks among the members who may take a conversation now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AssignmentMethod {
    /// Most free capacity first; ties to whoever was assigned least recently.
    HighestCapacity,
    /// Whoever was assigned least recently, among those with free capacity.
    AdvancedRoundRobin,
}

impl AssignmentMethod {
    pub const ALL: [AssignmentMethod; 2] = [Self::HighestCapacity, Self::AdvancedRoundRobin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::HighestCapacity => "highest-capacity",
            Self::AdvancedRoundRobin => "round-robin",
        }
    }

    pub fn parse(s: &str) -> Result<Self, QueueError> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == s.trim())
            .ok_or(QueueError::BadMethod)
    }
}

impl fmt::Display for AssignmentMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::HighestCapacity => "Highest capacity",
            Self::AdvancedRoundRobin => "Advanced round robin",
        })
    }
}

/// When an overflow rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OverflowCondition {
    OutOfHours,
    /// More than this many conversations are waiting in the queue (this one not counted).
    MoreWaiting(u32),
    /// The conversation has waited in the queue longer than this many minutes.
    WaitedLonger(u32),
}

impl OverflowCondition {
    /// Form keys: (value, label).
    pub const KINDS: [(&'static str, &'static str); 3] = [
        ("out-of-hours", "Out of operating hours"),
        ("more-waiting", "More than N conversations waiting"),
        ("waited-longer", "Waited longer than N minutes"),
    ];

    pub fn kind(self) -> &'static str {
        match self {
            Self::OutOfHours => "out-of-hours",
            Self::MoreWaiting(_) => "more-waiting",
            Self::WaitedLonger(_) => "waited-longer",
        }
    }

    pub fn threshold(self) -> Option<u32> {
        match self {
            Self::OutOfHours => None,
            Self::MoreWaiting(n) | Self::WaitedLonger(n) => Some(n),
        }
    }

    /// Parses the form's condition select and its number (ignored for out of hours).
    pub fn parse(kind: &str, threshold: &str) -> Result<Self, QueueError> {
        let n = || match threshold.trim().parse::<u32>() {
            Ok(n) if (1..=MAX_THRESHOLD).contains(&n) => Ok(n),
            _ => Err(QueueError::BadThreshold),
        };
        match kind.trim() {
            "out-of-hours" => Ok(Self::OutOfHours),
            "more-waiting" => Ok(Self::MoreWaiting(n()?)),
            "waited-longer" => Ok(Self::WaitedLonger(n()?)),
            _ => Err(QueueError::BadCondition),
        }
    }
}

impl fmt::Display for OverflowCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OutOfHours => f.write_str("out of operating hours"),
            Self::MoreWaiting(n) => write!(f, "more than {n} waiting"),
            Self::WaitedLonger(1) => f.write_str("waited longer than 1 minute"),
            Self::WaitedLonger(n) => write!(f, "waited longer than {n} minutes"),
        }
    }
}

/// What an overflow rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OverflowAction {
    /// Ends the conversation, with the automated message.
    End,
    TransferTo(QueueId),
    /// The conversation stays queued and is offered as usual (even out of hours).
    AssignAnyway,
}

impl OverflowAction {
    pub const KINDS: [(&'static str, &'static str); 3] = [
        ("end", "End the conversation"),
        ("transfer", "Transfer to queue"),
        ("assign", "Assign anyway"),
    ];

    pub fn kind(self) -> &'static str {
        match self {
            Self::End => "end",
            Self::TransferTo(_) => "transfer",
            Self::AssignAnyway => "assign",
        }
    }

    /// Parses the form's action select and its target queue (used only by a transfer).
    pub fn parse(kind: &str, target: Option<QueueId>) -> Result<Self, QueueError> {
        match kind.trim() {
            "end" => Ok(Self::End),
            "transfer" => target.map(Self::TransferTo).ok_or(QueueError::NoTarget),
            "assign" => Ok(Self::AssignAnyway),
            _ => Err(QueueError::BadAction),
        }
    }
}

/// One rule: when `condition` holds, `action` happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverflowRule {
    pub condition: OverflowCondition,
    pub action: OverflowAction,
}

/// Checks a queue's rule list as a whole.
pub fn check_rules(own: Option<QueueId>, rules: &[OverflowRule]) -> Result<(), QueueError> {
    if rules.len() > MAX_OVERFLOW_RULES {
        return Err(QueueError::TooManyRules);
    }
    if let Some(own) = own
        && rules
            .iter()
            .any(|r| r.action == OverflowAction::TransferTo(own))
    {
        return Err(QueueError::SelfTarget);
    }
    Ok(())
}

/// One agent who could take a conversation now: free capacity units and when they were last
/// assigned (a counter: lower is longer ago; 0 never).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate<U> {
    pub agent: U,
    pub free: u32,
    pub last_assigned: u64,
}

/// The agent the method picks: "Highest capacity" takes the most free capacity, ties to whoever
/// was assigned longest ago; "Advanced round robin" takes whoever was assigned longest ago.
/// Equal ranks go to the first candidate.
pub fn choose<U: Copy>(method: AssignmentMethod, candidates: &[Candidate<U>]) -> Option<U> {
    let rank = |c: &Candidate<U>| match method {
        AssignmentMethod::HighestCapacity => (c.free, std::cmp::Reverse(c.last_assigned)),
        AssignmentMethod::AdvancedRoundRobin => (0, std::cmp::Reverse(c.last_assigned)),
    };
    let mut best: Option<&Candidate<U>> = None;
    for c in candidates {
        if best.is_none_or(|b| rank(c) > rank(b)) {
            best = Some(c);
        }
    }
    best.map(|c| c.agent)
}

/// Where a waiting conversation stands against every other one an agent could be offered, in
/// any workstream: the lower queue priority number first, then whoever has waited longest, then
/// the lower conversation number (so two never tie).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rank {
    pub priority: u32,
    pub entered_at: Timestamp,
    pub conversation: ConversationId,
}

/// What the supervisor knows of a conversation in a queue when it checks the rules.
#[derive(Debug, Clone, Copy)]
pub struct Situation {
    /// The queue (and its workstream) is open now.
    pub open: bool,
    /// Conversations waiting in the queue besides this one.
    pub others_waiting: usize,
    pub waited: Duration,
}

/// The first rule, in order, whose condition holds; None: the conversation waits as usual.
pub fn overflow(rules: &[OverflowRule], s: Situation) -> Option<OverflowRule> {
    rules.iter().copied().find(|r| match r.condition {
        OverflowCondition::OutOfHours => !s.open,
        OverflowCondition::MoreWaiting(n) => s.others_waiting > n as usize,
        OverflowCondition::WaitedLonger(m) => s.waited > Duration::from_secs(u64::from(m) * 60),
    })
}

/// The soonest instant, from `entered` (ms), at which a "waited longer" rule could start to hold.
pub fn next_wait_check(rules: &[OverflowRule], entered_ms: i64, now_ms: i64) -> Option<i64> {
    rules
        .iter()
        .filter_map(|r| match r.condition {
            OverflowCondition::WaitedLonger(m) => Some(entered_ms + i64::from(m) * 60_000 + 1),
            _ => None,
        })
        .filter(|at| *at > now_ms)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(condition: OverflowCondition, action: OverflowAction) -> OverflowRule {
        OverflowRule { condition, action }
    }

    fn at(open: bool, others_waiting: usize, waited_secs: u64) -> Situation {
        Situation {
            open,
            others_waiting,
            waited: Duration::from_secs(waited_secs),
        }
    }

    #[test]
    fn the_first_rule_that_holds_decides() {
        let billing = QueueId::new(7);
        let rules = [
            rule(OverflowCondition::OutOfHours, OverflowAction::End),
            rule(
                OverflowCondition::MoreWaiting(2),
                OverflowAction::TransferTo(billing),
            ),
            rule(
                OverflowCondition::WaitedLonger(5),
                OverflowAction::AssignAnyway,
            ),
        ];
        let cases = [
            (at(true, 0, 0), None, "open, empty, fresh: waits as usual"),
            (at(false, 0, 0), Some(OverflowAction::End), "closed"),
            (
                at(false, 9, 900),
                Some(OverflowAction::End),
                "closed wins over later rules",
            ),
            (at(true, 2, 0), None, "two others is not more than two"),
            (
                at(true, 3, 0),
                Some(OverflowAction::TransferTo(billing)),
                "three others",
            ),
            (at(true, 0, 300), None, "exactly five minutes is not longer"),
            (
                at(true, 0, 301),
                Some(OverflowAction::AssignAnyway),
                "longer than five minutes",
            ),
        ];
        for (situation, want, why) in cases {
            assert_eq!(overflow(&rules, situation).map(|r| r.action), want, "{why}");
        }
        assert_eq!(overflow(&[], at(false, 99, 99_999)), None, "no rules");
    }

    #[test]
    fn form_values_parse_and_bad_ones_say_why() {
        assert_eq!(parse_position_minutes("15"), Ok(15));
        for bad in ["0", "1441", "x", ""] {
            assert_eq!(
                parse_position_minutes(bad),
                Err(QueueError::BadInterval),
                "{bad:?}"
            );
        }
        assert_eq!(parse_priority(" 1 "), Ok(1));
        assert_eq!(parse_priority("1000"), Ok(1000));
        for bad in ["0", "1001", "-1", "x", "", "2.5"] {
            assert_eq!(parse_priority(bad), Err(QueueError::BadPriority), "{bad:?}");
        }
        assert_eq!(
            OverflowCondition::parse("more-waiting", "10"),
            Ok(OverflowCondition::MoreWaiting(10))
        );
        assert_eq!(
            OverflowCondition::parse("out-of-hours", "ignored"),
            Ok(OverflowCondition::OutOfHours)
        );
        assert_eq!(
            OverflowCondition::parse("waited-longer", "0"),
            Err(QueueError::BadThreshold)
        );
        assert_eq!(
            OverflowCondition::parse("sometimes", "1"),
            Err(QueueError::BadCondition)
        );
        assert_eq!(
            OverflowAction::parse("transfer", None),
            Err(QueueError::NoTarget)
        );
        assert_eq!(
            AssignmentMethod::parse("round-robin"),
            Ok(AssignmentMethod::AdvancedRoundRobin)
        );
        let own = QueueId::new(3);
        let loops = [rule(
            OverflowCondition::OutOfHours,
            OverflowAction::TransferTo(own),
        )];
        assert_eq!(check_rules(Some(own), &loops), Err(QueueError::SelfTarget));
        assert_eq!(check_rules(None, &loops), Ok(()));
    }

    #[test]
    fn both_assignment_methods_pick_as_named() {
        let c = |agent: &'static str, free, last_assigned| Candidate {
            agent,
            free,
            last_assigned,
        };
        let cases = [
            (
                vec![c("ana", 1, 0), c("ben", 3, 9)],
                "ben",
                "ana",
                "most free capacity vs never assigned",
            ),
            (
                vec![c("ana", 2, 5), c("ben", 2, 2)],
                "ben",
                "ben",
                "a tie in capacity goes to whoever was assigned longest ago",
            ),
            (
                vec![c("ana", 4, 7), c("ben", 1, 3), c("cy", 2, 5)],
                "ana",
                "ben",
                "round robin ignores how much is free",
            ),
            (
                vec![c("ana", 1, 0), c("ben", 1, 0)],
                "ana",
                "ana",
                "equal ranks: the first",
            ),
        ];
        for (candidates, highest, round_robin, why) in cases {
            assert_eq!(
                choose(AssignmentMethod::HighestCapacity, &candidates),
                Some(highest),
                "highest capacity: {why}"
            );
            assert_eq!(
                choose(AssignmentMethod::AdvancedRoundRobin, &candidates),
                Some(round_robin),
                "round robin: {why}"
            );
        }
        assert_eq!(choose::<&str>(AssignmentMethod::HighestCapacity, &[]), None);
    }

    #[test]
    fn waiting_rules_say_when_to_look_again() {
        let rules = [
            rule(OverflowCondition::WaitedLonger(10), OverflowAction::End),
            rule(OverflowCondition::WaitedLonger(2), OverflowAction::End),
            rule(OverflowCondition::OutOfHours, OverflowAction::End),
        ];
        assert_eq!(next_wait_check(&rules, 0, 0), Some(120_001));
        assert_eq!(next_wait_check(&rules, 0, 120_001), Some(600_001));
        assert_eq!(next_wait_check(&rules, 0, 600_001), None);
    }
}
