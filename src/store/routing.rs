//! Routing: each workstream's work classification rules in evaluation order, and what routing
//! recorded per conversation (the diagnostics and the skills its rule requires). Rules name
//! queues, skills and numbers by id; the writes refuse ids that do not exist.

use super::tables::{
    CONVERSATION_ROUTING, CONVERSATION_SKILLS, NUMBER_RECORD, RULE_RECORD, SKILL_RECORD,
    WORKSTREAM_RECORD, WORKSTREAM_RULEORDER,
};
use super::{Store, StoreError, codec, get_record, next_id};
use crate::domain::routing::{Condition, Rule, RuleName, SkillRequirement};
use crate::domain::{ConversationId, QueueId, RuleId, Timestamp, WorkstreamId};
use redb::{ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

/// A rule and the workstream it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRule {
    pub workstream: WorkstreamId,
    pub rule: Rule,
}

impl codec::Record for StoredRule {
    const TABLE: &'static str = "rule_record";
}

/// A workstream's rule ids in evaluation order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct RuleOrder(Vec<RuleId>);

impl codec::Record for RuleOrder {
    const TABLE: &'static str = "workstream_ruleorder";
}

/// A rule as the admin form submits it, every part parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleDraft {
    pub name: RuleName,
    pub conditions: Vec<Condition>,
    pub queue: Option<QueueId>,
    pub skills: Vec<SkillRequirement>,
}

impl RuleDraft {
    fn into_rule(self, id: RuleId) -> Rule {
        Rule {
            id,
            name: self.name,
            conditions: self.conditions,
            queue: self.queue,
            skills: self.skills,
        }
    }
}

/// Why a rule change was refused; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleRefusal {
    #[error("No such routing rule.")]
    Unknown,
    #[error("No such workstream.")]
    UnknownWorkstream,
    #[error("A required skill no longer exists.")]
    UnknownSkill,
    #[error("The business number no longer exists.")]
    UnknownNumber,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Up,
    Down,
}

/// One rule as classification found it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleOutcome {
    pub rule: RuleId,
    /// The name when it was evaluated: the rule may be renamed or deleted later.
    pub name: String,
    pub held: bool,
}

/// A later routing event (an overflow, a transfer), shown under the classification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoutingLine {
    pub at: Timestamp,
    pub text: String,
}

/// How a conversation was routed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoutingDiagnostics {
    pub at: Timestamp,
    pub evaluated: Vec<RuleOutcome>,
    pub matched: Option<RuleId>,
    /// None: the fallback queue.
    pub queue: Option<QueueId>,
    pub queue_name: String,
    pub lines: Vec<RoutingLine>,
}

impl codec::Record for RoutingDiagnostics {
    const TABLE: &'static str = "conversation_routing";
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct RequiredSkills(Vec<SkillRequirement>);

impl codec::Record for RequiredSkills {
    const TABLE: &'static str = "conversation_skills";
}

fn order_of(tx: &WriteTransaction, ws: WorkstreamId) -> Result<RuleOrder, StoreError> {
    Ok(get_record(&tx.open_table(WORKSTREAM_RULEORDER)?, ws.get())?.unwrap_or_default())
}

fn save_order(tx: &WriteTransaction, ws: WorkstreamId, o: &RuleOrder) -> Result<(), StoreError> {
    tx.open_table(WORKSTREAM_RULEORDER)?
        .insert(ws.get(), codec::encode(o)?.as_slice())?;
    Ok(())
}

/// The first id the draft names that does not exist.
fn missing_reference(
    tx: &WriteTransaction,
    d: &RuleDraft,
) -> Result<Option<RuleRefusal>, StoreError> {
    let skills = tx.open_table(SKILL_RECORD)?;
    for s in &d.skills {
        if skills.get(s.skill.get())?.is_none() {
            return Ok(Some(RuleRefusal::UnknownSkill));
        }
    }
    let numbers = tx.open_table(NUMBER_RECORD)?;
    for c in &d.conditions {
        if let Condition::BusinessNumber(n) = c
            && numbers.get(n.get())?.is_none()
        {
            return Ok(Some(RuleRefusal::UnknownNumber));
        }
    }
    Ok(None)
}

fn put_rule(tx: &WriteTransaction, r: &StoredRule) -> Result<(), StoreError> {
    tx.open_table(RULE_RECORD)?
        .insert(r.rule.id.get(), codec::encode(r)?.as_slice())?;
    Ok(())
}

impl Store {
    /// A workstream's rules in evaluation order.
    pub async fn rules(&self, ws: WorkstreamId) -> Result<Vec<Rule>, StoreError> {
        self.read(move |rtx| {
            let order: RuleOrder =
                get_record(&rtx.open_table(WORKSTREAM_RULEORDER)?, ws.get())?.unwrap_or_default();
            let table = rtx.open_table(RULE_RECORD)?;
            let mut out = Vec::with_capacity(order.0.len());
            for id in order.0 {
                match get_record::<StoredRule, _>(&table, id.get())? {
                    Some(r) => out.push(r.rule),
                    None => return Err(StoreError::Missing(format!("rule_record/{}", id.get()))),
                }
            }
            Ok(out)
        })
        .await
    }

    pub async fn rule(&self, id: RuleId) -> Result<Option<StoredRule>, StoreError> {
        self.read(move |rtx| get_record(&rtx.open_table(RULE_RECORD)?, id.get()))
            .await
    }

    /// Adds a rule at the end of the workstream's list.
    pub async fn create_rule(
        &self,
        ws: WorkstreamId,
        draft: RuleDraft,
    ) -> Result<Result<Rule, RuleRefusal>, StoreError> {
        self.write(move |tx| {
            if tx.open_table(WORKSTREAM_RECORD)?.get(ws.get())?.is_none() {
                return Ok(Err(RuleRefusal::UnknownWorkstream));
            }
            if let Some(refusal) = missing_reference(tx, &draft)? {
                return Ok(Err(refusal));
            }
            let id = RuleId::new(next_id(tx, "rule")?);
            let stored = StoredRule {
                workstream: ws,
                rule: draft.clone().into_rule(id),
            };
            put_rule(tx, &stored)?;
            let mut order = order_of(tx, ws)?;
            order.0.push(id);
            save_order(tx, ws, &order)?;
            Ok(Ok(stored.rule))
        })
        .await
    }

    pub async fn update_rule(
        &self,
        id: RuleId,
        draft: RuleDraft,
    ) -> Result<Result<Rule, RuleRefusal>, StoreError> {
        self.write(move |tx| {
            let Some(old) = get_record::<StoredRule, _>(&tx.open_table(RULE_RECORD)?, id.get())?
            else {
                return Ok(Err(RuleRefusal::Unknown));
            };
            if let Some(refusal) = missing_reference(tx, &draft)? {
                return Ok(Err(refusal));
            }
            let stored = StoredRule {
                workstream: old.workstream,
                rule: draft.clone().into_rule(id),
            };
            put_rule(tx, &stored)?;
            Ok(Ok(stored.rule))
        })
        .await
    }

    pub async fn delete_rule(
        &self,
        id: RuleId,
    ) -> Result<Result<StoredRule, RuleRefusal>, StoreError> {
        self.write(move |tx| {
            let removed = tx
                .open_table(RULE_RECORD)?
                .remove(id.get())?
                .map(|g| codec::decode_at::<StoredRule>(id.get(), g.value()));
            let Some(old) = removed.transpose()? else {
                return Ok(Err(RuleRefusal::Unknown));
            };
            let mut order = order_of(tx, old.workstream)?;
            order.0.retain(|r| *r != id);
            save_order(tx, old.workstream, &order)?;
            Ok(Ok(old))
        })
        .await
    }

    /// Moves a rule one place earlier or later; at either end it stays where it is.
    pub async fn move_rule(
        &self,
        id: RuleId,
        to: Move,
    ) -> Result<Result<StoredRule, RuleRefusal>, StoreError> {
        self.write(move |tx| {
            let Some(r) = get_record::<StoredRule, _>(&tx.open_table(RULE_RECORD)?, id.get())?
            else {
                return Ok(Err(RuleRefusal::Unknown));
            };
            let mut order = order_of(tx, r.workstream)?;
            let Some(at) = order.0.iter().position(|x| *x == id) else {
                return Err(StoreError::Missing(format!(
                    "workstream_ruleorder/{}",
                    id.get()
                )));
            };
            let other = match to {
                Move::Up => at.checked_sub(1),
                Move::Down => Some(at + 1).filter(|i| *i < order.0.len()),
            };
            if let Some(other) = other {
                order.0.swap(at, other);
                save_order(tx, r.workstream, &order)?;
            }
            Ok(Ok(r))
        })
        .await
    }

    /// Stores how a conversation was routed and the skills it requires, together.
    pub async fn record_routing(
        &self,
        conv: ConversationId,
        diagnostics: RoutingDiagnostics,
        skills: Vec<SkillRequirement>,
    ) -> Result<(), StoreError> {
        self.write(move |tx| {
            tx.open_table(CONVERSATION_ROUTING)?
                .insert(conv.get(), codec::encode(&diagnostics)?.as_slice())?;
            let mut required = tx.open_table(CONVERSATION_SKILLS)?;
            if skills.is_empty() {
                required.remove(conv.get())?;
            } else {
                let r = RequiredSkills(skills.clone());
                required.insert(conv.get(), codec::encode(&r)?.as_slice())?;
            }
            Ok(())
        })
        .await
    }

    /// Adds a later routing event (an overflow) under a conversation's diagnostics.
    pub async fn add_routing_line(
        &self,
        conv: ConversationId,
        line: RoutingLine,
    ) -> Result<bool, StoreError> {
        self.write(move |tx| {
            let mut table = tx.open_table(CONVERSATION_ROUTING)?;
            let Some(mut d) = get_record::<RoutingDiagnostics, _>(&table, conv.get())? else {
                return Ok(false);
            };
            d.lines.push(line.clone());
            table.insert(conv.get(), codec::encode(&d)?.as_slice())?;
            Ok(true)
        })
        .await
    }

    pub async fn routing_diagnostics(
        &self,
        conv: ConversationId,
    ) -> Result<Option<RoutingDiagnostics>, StoreError> {
        self.read(move |rtx| get_record(&rtx.open_table(CONVERSATION_ROUTING)?, conv.get()))
            .await
    }

    /// The skills a conversation's routing rule requires of its agent (empty: none).
    pub async fn conversation_skills(
        &self,
        conv: ConversationId,
    ) -> Result<Vec<SkillRequirement>, StoreError> {
        self.read(move |rtx| {
            let r: Option<RequiredSkills> =
                get_record(&rtx.open_table(CONVERSATION_SKILLS)?, conv.get())?;
            Ok(r.unwrap_or_default().0)
        })
        .await
    }
}
