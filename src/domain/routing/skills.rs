//! Skill-based routing: skills agents hold with a proficiency (1–10), the skills a routing rule
//! requires of a conversation, and the ranking of candidate agents in a workstream's match mode.

use crate::domain::{SkillId, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;

pub const MAX_SKILL_NAME_CHARS: usize = 60;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SkillError {
    #[error("Enter a proficiency from 1 to 10.")]
    Proficiency,
    #[error("Enter a name.")]
    EmptyName,
    #[error("Use at most 60 characters.")]
    NameTooLong,
}

/// How well an agent masters a skill, or the minimum a rule asks for: 1 to 10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8")]
pub struct Proficiency(u8);

impl TryFrom<u8> for Proficiency {
    type Error = SkillError;
    fn try_from(v: u8) -> Result<Self, SkillError> {
        Self::new(v)
    }
}

impl Proficiency {
    pub const MIN: u8 = 1;
    pub const MAX: u8 = 10;

    pub fn new(v: u8) -> Result<Self, SkillError> {
        if (Self::MIN..=Self::MAX).contains(&v) {
            Ok(Self(v))
        } else {
            Err(SkillError::Proficiency)
        }
    }

    pub fn parse(s: &str) -> Result<Self, SkillError> {
        s.trim()
            .parse::<u8>()
            .map_err(|_| SkillError::Proficiency)
            .and_then(Self::new)
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Proficiency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A skill's name ("Spanish", "Billing"), unique regardless of case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct SkillName(String);

impl TryFrom<String> for SkillName {
    type Error = SkillError;
    fn try_from(s: String) -> Result<Self, SkillError> {
        Self::parse(&s)
    }
}

impl SkillName {
    pub fn parse(s: &str) -> Result<Self, SkillError> {
        let s = s.trim();
        if s.is_empty() {
            Err(SkillError::EmptyName)
        } else if s.chars().count() > MAX_SKILL_NAME_CHARS {
            Err(SkillError::NameTooLong)
        } else {
            Ok(Self(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The uniqueness key: Unicode lower case.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for SkillName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A skill a conversation needs, at a minimum proficiency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillRequirement {
    pub skill: SkillId,
    pub min: Proficiency,
}

/// How a workstream's queues pick among agents for a conversation that requires skills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum MatchMode {
    /// Only agents who hold every required skill at its minimum.
    #[default]
    Exact,
    /// Every agent, ranked by how many required skills they meet, then by their total
    /// proficiency over those skills.
    Closest,
}

impl MatchMode {
    pub const ALL: [MatchMode; 2] = [Self::Exact, Self::Closest];

    pub fn slug(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::Closest => "closest",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Exact => "Exact match",
            Self::Closest => "Closest match",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.slug() == s)
    }

    pub fn code(self) -> u8 {
        match self {
            Self::Exact => 0,
            Self::Closest => 1,
        }
    }

    pub fn from_code(c: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.code() == c)
    }
}

/// An agent who could take the conversation, with the skills they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub agent: UserId,
    pub skills: Vec<(SkillId, Proficiency)>,
}

impl Candidate {
    fn proficiency(&self, skill: SkillId) -> Option<Proficiency> {
        self.skills
            .iter()
            .find(|(s, _)| *s == skill)
            .map(|(_, p)| *p)
    }

    /// (required skills met, total proficiency over them).
    fn score(&self, required: &[SkillRequirement]) -> (usize, u32) {
        required
            .iter()
            .filter_map(|r| self.proficiency(r.skill).filter(|p| *p >= r.min))
            .fold((0, 0), |(n, total), p| (n + 1, total + u32::from(p.get())))
    }
}

/// The candidates eligible for a conversation requiring `required`, best first. With no
/// requirement everyone is eligible in the order given (the queue's assignment method orders
/// them). Exact match keeps only agents meeting every requirement; closest match keeps everyone.
/// Both rank by skills met, then by total proficiency over them; ties keep the order given.
pub fn rank_agents(
    required: &[SkillRequirement],
    candidates: &[Candidate],
    mode: MatchMode,
) -> Vec<UserId> {
    rank_tiers(required, candidates, mode)
        .into_iter()
        .flatten()
        .collect()
}

/// `rank_agents` grouped by equal rank, best group first: within a group the queue's assignment
/// method decides.
pub fn rank_tiers(
    required: &[SkillRequirement],
    candidates: &[Candidate],
    mode: MatchMode,
) -> Vec<Vec<UserId>> {
    let mut scored: Vec<(usize, u32, usize, UserId)> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (met, total) = c.score(required);
            (met, total, i, c.agent)
        })
        .filter(|(met, ..)| mode == MatchMode::Closest || *met == required.len())
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    let mut tiers: Vec<(usize, u32, Vec<UserId>)> = Vec::new();
    for (met, total, _, agent) in scored {
        match tiers.last_mut() {
            Some((m, t, group)) if *m == met && *t == total => group.push(agent),
            _ => tiers.push((met, total, vec![agent])),
        }
    }
    tiers.into_iter().map(|(.., group)| group).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(v: u8) -> Proficiency {
        Proficiency::new(v).unwrap()
    }

    fn agent(id: u64, skills: &[(SkillId, u8)]) -> Candidate {
        Candidate {
            agent: UserId::new(id),
            skills: skills.iter().map(|(s, v)| (*s, p(*v))).collect(),
        }
    }

    fn need(reqs: &[(SkillId, u8)]) -> Vec<SkillRequirement> {
        reqs.iter()
            .map(|(s, v)| SkillRequirement {
                skill: *s,
                min: p(*v),
            })
            .collect()
    }

    fn ids(v: &[u64]) -> Vec<UserId> {
        v.iter().copied().map(UserId::new).collect()
    }

    #[test]
    fn equal_ranks_form_one_tier_for_the_assignment_method() {
        let (es, billing) = (SkillId::new(1), SkillId::new(2));
        let required = need(&[(es, 5), (billing, 3)]);
        let candidates = [
            agent(1, &[(es, 6), (billing, 4)]),
            agent(2, &[(es, 9)]),
            agent(3, &[(billing, 4), (es, 6)]),
            agent(4, &[]),
        ];
        let tiers = rank_tiers(&required, &candidates, MatchMode::Closest);
        assert_eq!(tiers, vec![ids(&[1, 3]), ids(&[2]), ids(&[4])]);
        let exact = rank_tiers(&required, &candidates, MatchMode::Exact);
        assert_eq!(exact, vec![ids(&[1, 3])]);
    }

    #[test]
    fn proficiency_is_one_to_ten() {
        assert!(Proficiency::parse("0").is_err());
        assert!(Proficiency::parse("11").is_err());
        assert!(Proficiency::parse("five").is_err());
        assert_eq!(Proficiency::parse(" 7 ").unwrap().get(), 7);
    }

    #[test]
    fn agents_are_ranked_in_both_match_modes() {
        let (spanish, billing) = (SkillId::new(1), SkillId::new(2));
        let team = [
            agent(1, &[(spanish, 9)]),
            agent(2, &[(spanish, 5), (billing, 5)]),
            agent(3, &[]),
            agent(4, &[(spanish, 3), (billing, 8)]),
            agent(5, &[(spanish, 6), (billing, 9)]),
        ];
        let spanish5_billing4 = need(&[(spanish, 5), (billing, 4)]);
        // (case, required, mode, expected ranking)
        let cases: [(&str, Vec<SkillRequirement>, MatchMode, Vec<UserId>); 6] = [
            (
                "no requirement: everyone, in the order given",
                vec![],
                MatchMode::Exact,
                ids(&[1, 2, 3, 4, 5]),
            ),
            (
                "exact: only agents with both at the minimum, higher total first",
                spanish5_billing4.clone(),
                MatchMode::Exact,
                ids(&[5, 2]),
            ),
            (
                "exact: a minimum nobody reaches leaves nobody",
                need(&[(spanish, 10)]),
                MatchMode::Exact,
                ids(&[]),
            ),
            (
                "closest: by skills met, then total proficiency; agent 3 meets none and is last",
                spanish5_billing4,
                MatchMode::Closest,
                ids(&[5, 2, 1, 4, 3]),
            ),
            (
                "closest: a skill below the minimum does not count, nor its proficiency",
                need(&[(billing, 6)]),
                MatchMode::Closest,
                ids(&[5, 4, 1, 2, 3]),
            ),
            (
                "closest: with no requirement it is the order given",
                vec![],
                MatchMode::Closest,
                ids(&[1, 2, 3, 4, 5]),
            ),
        ];
        for (case, required, mode, expected) in cases {
            assert_eq!(rank_agents(&required, &team, mode), expected, "{case}");
        }
    }
}
