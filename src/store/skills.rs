//! Skills: their records (names unique regardless of case), the proficiency each agent holds,
//! and each workstream's skill match mode. Read by routing and by the queues when they offer.

use super::tables::{
    RULE_RECORD, SKILL_RECORD, SKILLNAME_SKILL, USER_SKILLS, WORKSTREAM_SKILLMATCH,
};
use super::{Store, StoreError, all_records, codec, get_record, next_id};
use crate::domain::routing::{Candidate, MatchMode, Proficiency, SkillName};
use crate::domain::{SkillId, UserId, WorkstreamId};
use redb::{ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skill {
    pub id: SkillId,
    pub name: SkillName,
}

impl codec::Record for Skill {
    const TABLE: &'static str = "skill_record";
}

/// Why a skill change was refused; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SkillRefusal {
    #[error("No such skill.")]
    Unknown,
    #[error("A skill with this name already exists.")]
    Duplicate,
    #[error("The routing rule \"{0}\" requires this skill: remove it from the rule first.")]
    InUse(String),
    #[error("No such user.")]
    UnknownUser,
}

/// The proficiency of each listed agent in one skill; None removes the skill from the agent.
pub type Proficiencies = Vec<(UserId, Option<Proficiency>)>;

fn claim_name(tx: &WriteTransaction, name: &SkillName, id: SkillId) -> Result<bool, StoreError> {
    let mut names = tx.open_table(SKILLNAME_SKILL)?;
    let key = name.key();
    if let Some(owner) = names.get(key.as_str())?.map(|g| g.value())
        && owner != id.get()
    {
        return Ok(false);
    }
    names.insert(key.as_str(), id.get())?;
    Ok(true)
}

/// The name of a rule requiring `skill`, if any.
fn rule_requiring(tx: &WriteTransaction, skill: SkillId) -> Result<Option<String>, StoreError> {
    let rules: Vec<super::routing::StoredRule> = all_records(&tx.open_table(RULE_RECORD)?)?;
    Ok(rules
        .into_iter()
        .find(|r| r.rule.skills.iter().any(|s| s.skill == skill))
        .map(|r| r.rule.name.to_string()))
}

/// A stored proficiency; one out of range makes the row corrupt.
fn level(key: (u64, u64), v: u8) -> Result<Proficiency, StoreError> {
    Proficiency::new(v).map_err(|e| StoreError::Corrupt {
        table: "user_skills",
        key: format!("{key:?}"),
        reason: codec::DecodeError::Invalid {
            field: "proficiency",
            reason: e.to_string(),
        },
    })
}

impl Store {
    /// Every skill, by name.
    pub async fn skills(&self) -> Result<Vec<Skill>, StoreError> {
        let mut all: Vec<Skill> = self
            .read(|rtx| all_records(&rtx.open_table(SKILL_RECORD)?))
            .await?;
        all.sort_by_key(|s| s.name.key());
        Ok(all)
    }

    pub async fn skill(&self, id: SkillId) -> Result<Option<Skill>, StoreError> {
        self.read(move |rtx| get_record(&rtx.open_table(SKILL_RECORD)?, id.get()))
            .await
    }

    pub async fn create_skill(
        &self,
        name: SkillName,
    ) -> Result<Result<Skill, SkillRefusal>, StoreError> {
        self.write(move |tx| {
            let id = SkillId::new(next_id(tx, "skill")?);
            if !claim_name(tx, &name, id)? {
                return Ok(Err(SkillRefusal::Duplicate));
            }
            let skill = Skill {
                id,
                name: name.clone(),
            };
            tx.open_table(SKILL_RECORD)?
                .insert(id.get(), codec::encode(&skill)?.as_slice())?;
            Ok(Ok(skill))
        })
        .await
    }

    /// Renames a skill and sets the listed agents' proficiency in it, together.
    pub async fn update_skill(
        &self,
        id: SkillId,
        name: SkillName,
        levels: Proficiencies,
    ) -> Result<Result<Skill, SkillRefusal>, StoreError> {
        self.write(move |tx| {
            let Some(old) = get_record::<Skill, _>(&tx.open_table(SKILL_RECORD)?, id.get())? else {
                return Ok(Err(SkillRefusal::Unknown));
            };
            let users = tx.open_table(super::tables::USER_RECORD)?;
            for (user, _) in &levels {
                if users.get(user.get())?.is_none() {
                    return Ok(Err(SkillRefusal::UnknownUser));
                }
            }
            if old.name.key() != name.key() {
                if !claim_name(tx, &name, id)? {
                    return Ok(Err(SkillRefusal::Duplicate));
                }
                tx.open_table(SKILLNAME_SKILL)?
                    .remove(old.name.key().as_str())?;
            }
            let skill = Skill {
                id,
                name: name.clone(),
            };
            tx.open_table(SKILL_RECORD)?
                .insert(id.get(), codec::encode(&skill)?.as_slice())?;
            let mut held = tx.open_table(USER_SKILLS)?;
            for (user, level) in &levels {
                match level {
                    Some(p) => held.insert((user.get(), id.get()), p.get())?,
                    None => held.remove((user.get(), id.get()))?,
                };
            }
            Ok(Ok(skill))
        })
        .await
    }

    /// Deletes a skill no rule requires, and takes it from every agent.
    pub async fn delete_skill(
        &self,
        id: SkillId,
    ) -> Result<Result<Skill, SkillRefusal>, StoreError> {
        self.write(move |tx| {
            let Some(old) = get_record::<Skill, _>(&tx.open_table(SKILL_RECORD)?, id.get())? else {
                return Ok(Err(SkillRefusal::Unknown));
            };
            if let Some(rule) = rule_requiring(tx, id)? {
                return Ok(Err(SkillRefusal::InUse(rule)));
            }
            tx.open_table(SKILL_RECORD)?.remove(id.get())?;
            tx.open_table(SKILLNAME_SKILL)?
                .remove(old.name.key().as_str())?;
            let mut held = tx.open_table(USER_SKILLS)?;
            held.retain(|(_, skill), _| skill != id.get())?;
            Ok(Ok(old))
        })
        .await
    }

    /// The skills one agent holds, in skill id order.
    pub async fn agent_skills(
        &self,
        user: UserId,
    ) -> Result<Vec<(SkillId, Proficiency)>, StoreError> {
        Ok(self
            .agents_skills(vec![user])
            .await?
            .pop()
            .map(|c| c.skills)
            .unwrap_or_default())
    }

    /// The skills of each agent given, as candidates for `rank_agents`, in the order given.
    pub async fn agents_skills(&self, users: Vec<UserId>) -> Result<Vec<Candidate>, StoreError> {
        self.read(move |rtx| {
            let held = rtx.open_table(USER_SKILLS)?;
            let mut out = Vec::with_capacity(users.len());
            for agent in users {
                let mut skills = Vec::new();
                for row in held.range((agent.get(), 0)..=(agent.get(), u64::MAX))? {
                    let (k, v) = row?;
                    skills.push((SkillId::new(k.value().1), level(k.value(), v.value())?));
                }
                out.push(Candidate { agent, skills });
            }
            Ok(out)
        })
        .await
    }

    /// Every agent holding `skill`, with their proficiency.
    pub async fn skill_holders(
        &self,
        skill: SkillId,
    ) -> Result<Vec<(UserId, Proficiency)>, StoreError> {
        self.read(move |rtx| {
            let mut out = Vec::new();
            for row in rtx.open_table(USER_SKILLS)?.iter()? {
                let (k, v) = row?;
                let (user, s) = k.value();
                if s == skill.get() {
                    out.push((UserId::new(user), level((user, s), v.value())?));
                }
            }
            Ok(out)
        })
        .await
    }

    /// The workstream's skill match mode (exact unless set).
    pub async fn skill_match_mode(&self, ws: WorkstreamId) -> Result<MatchMode, StoreError> {
        self.read(move |rtx| {
            let code = rtx.open_table(WORKSTREAM_SKILLMATCH)?.get(ws.get())?;
            Ok(code
                .and_then(|g| MatchMode::from_code(g.value()))
                .unwrap_or_default())
        })
        .await
    }

    pub async fn set_skill_match_mode(
        &self,
        ws: WorkstreamId,
        mode: MatchMode,
    ) -> Result<(), StoreError> {
        self.write(move |tx| {
            tx.open_table(WORKSTREAM_SKILLMATCH)?
                .insert(ws.get(), mode.code())?;
            Ok(())
        })
        .await
    }
}
