//! Routing use cases: classifying a new conversation with its workstream's rules (gathering the
//! facts, storing the diagnostics and the required skills), trying the rules on a sample, and
//! the admin writes of rules, skills and context variables.

use crate::app::{Desk, DeskError};
use crate::domain::routing::{
    ContactFacts, ContextValue, Decision, Facts, MatchMode, Rule, SkillName, SkillRequirement,
    VariableName, classify, rank_agents,
};
use crate::domain::{
    Channel, ConversationId, NumberId, QueueId, RuleId, SkillId, Timestamp, UserId, WorkstreamId,
};
use crate::store::context::{ContextRefusal, ContextVariable, ContextVariableDraft};
use crate::store::records::{Conversation, Workstream};
use crate::store::routing::{
    Move, RoutingDiagnostics, RoutingLine, RuleDraft, RuleOutcome, RuleRefusal, StoredRule,
};
use crate::store::skills::{Proficiencies, Skill, SkillRefusal};
use crate::store::{Store, StoreError};

type Refusable<T, R> = Result<Result<T, R>, StoreError>;

/// Where classification sent a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutingDecision {
    pub matched: Option<RuleId>,
    /// None: the workstream's fallback queue.
    pub queue: Option<QueueId>,
    pub queue_name: String,
    pub skills: Vec<SkillRequirement>,
}

/// A sample conversation for "Try it".
#[derive(Debug, Clone)]
pub struct Sample {
    pub customer: String,
    pub first_message: String,
    pub channel: Option<Channel>,
    pub business_number: Option<NumberId>,
}

/// What "Try it" found: each rule with whether it was evaluated and held.
#[derive(Debug, Clone)]
pub struct Trial {
    pub rules: Vec<Rule>,
    pub decision: Decision,
    pub queue_name: String,
}

/// The queues a rule may send to, (id, name), in priority order, besides the fallback queue.
pub async fn queue_choices(
    desk: &Desk,
    ws: WorkstreamId,
) -> Result<Vec<(QueueId, String)>, StoreError> {
    choices_in(desk.store(), ws).await
}

async fn choices_in(store: &Store, ws: WorkstreamId) -> Result<Vec<(QueueId, String)>, StoreError> {
    Ok(store
        .queues(ws)
        .await?
        .into_iter()
        .filter(|q| !q.fallback)
        .map(|q| (q.id, q.name.to_string()))
        .collect())
}

/// The name of the queue `queue` (None: the workstream's fallback queue).
pub async fn queue_name(
    desk: &Desk,
    ws: &Workstream,
    queue: Option<QueueId>,
) -> Result<String, StoreError> {
    name_in(desk.store(), ws, queue).await
}

async fn name_in(
    store: &Store,
    ws: &Workstream,
    queue: Option<QueueId>,
) -> Result<String, StoreError> {
    let choices = choices_in(store, ws.id).await?;
    Ok(queue
        .and_then(|q| choices.into_iter().find(|(id, _)| *id == q))
        .map(|(_, n)| n)
        .unwrap_or_else(|| ws.fallback_queue.to_string()))
}

/// Classifies a conversation with its workstream's rules on `first_message`: stores the
/// diagnostics (with `note` as their first line, when given) and the required skills, and
/// answers the queue chosen. `chosen`, the bot's menu option's queue, wins over the rules (the
/// diagnostics say so). Needs only the store: start-up recovery runs it before the desk.
pub(crate) async fn classify_in(
    store: &Store,
    now: Timestamp,
    conv: ConversationId,
    first_message: &str,
    note: Option<&str>,
    chosen: Option<QueueId>,
) -> Result<RoutingDecision, StoreError> {
    let c = store
        .conversation(conv)
        .await?
        .ok_or_else(|| StoreError::Missing(format!("conversation_record/{}", conv.get())))?;
    let ws_id = c
        .workstream_id
        .ok_or_else(|| StoreError::Missing(format!("workstream of {conv}")))?;
    let ws = store
        .workstream(ws_id)
        .await?
        .ok_or_else(|| StoreError::Missing(format!("workstream_record/{}", ws_id.get())))?;
    let contact = store.contact(c.contact_id).await?;
    let context = store
        .conversation_context(conv, ws_id)
        .await?
        .into_iter()
        .filter_map(|(d, v)| v.map(|v| (d.name, v)))
        .collect();
    let facts = Facts {
        channel: c.channel,
        business_number: Some(c.number_id),
        customer: c.customer.to_string(),
        first_message: first_message.to_owned(),
        language: ws.language.as_ref().map(|l| l.as_str().to_owned()),
        contact: contact.map_or_else(ContactFacts::default, |k| ContactFacts {
            known: k.is_known(),
            opted_in: !k.opted_out(c.channel),
            name_set: k.name.as_deref().is_some_and(|n| !n.trim().is_empty()),
        }),
        context,
    };
    let rules = store.rules(ws_id).await?;
    let mut decision = classify(&rules, &facts);
    let queues = choices_in(store, ws_id).await?;
    // A rule naming a queue deleted since sends to the fallback queue.
    decision.queue = decision
        .queue
        .filter(|q| queues.iter().any(|(id, _)| id == q));
    let mut lines: Vec<RoutingLine> = note
        .map(|text| RoutingLine {
            at: now,
            text: text.to_owned(),
        })
        .into_iter()
        .collect();
    if let Some(q) = chosen.filter(|q| queues.iter().any(|(id, _)| id == q))
        && decision.queue != Some(q)
    {
        decision.queue = Some(q);
        let name = name_in(store, &ws, decision.queue).await?;
        lines.push(RoutingLine {
            at: now,
            text: format!("The bot's menu option sent it to {name}, over the rules."),
        });
    }
    let queue_name = name_in(store, &ws, decision.queue).await?;
    let diagnostics = RoutingDiagnostics {
        at: now,
        evaluated: outcomes(&rules, &decision),
        matched: decision.matched,
        queue: decision.queue,
        queue_name: queue_name.clone(),
        lines,
    };
    store
        .record_routing(conv, diagnostics, decision.skills.clone())
        .await?;
    Ok(RoutingDecision {
        matched: decision.matched,
        queue: decision.queue,
        queue_name,
        skills: decision.skills,
    })
}

impl Desk {
    /// Classifies a new conversation with its workstream's rules, on the first customer message:
    /// stores the diagnostics and the required skills, and answers the queue chosen.
    pub async fn classify_conversation(
        &self,
        conv: ConversationId,
        first_message: &str,
    ) -> Result<RoutingDecision, DeskError> {
        Ok(classify_in(self.store(), self.now(), conv, first_message, None, None).await?)
    }

    /// The name of the queue the conversation waits in (or last waited in), if it is one of its
    /// workstream's.
    pub async fn waiting_queue_name(
        &self,
        conv: &Conversation,
    ) -> Result<Option<String>, StoreError> {
        let (Some(ws), Some(p)) = (conv.workstream_id, self.store().placement(conv.id).await?)
        else {
            return Ok(None);
        };
        Ok(self
            .store()
            .queues(ws)
            .await?
            .into_iter()
            .find(|q| q.id == p.queue)
            .map(|q| q.name.to_string()))
    }

    /// The skills a conversation requires of its agent, as agents read them: "Spanish (5+)".
    pub async fn required_skills(&self, conv: ConversationId) -> Result<Vec<String>, StoreError> {
        let all = self.store().skills().await?;
        Ok(self
            .store()
            .conversation_skills(conv)
            .await?
            .iter()
            .map(|r| {
                let name = all
                    .iter()
                    .find(|s| s.id == r.skill)
                    .map_or_else(|| "(removed skill)".to_owned(), |s| s.name.to_string());
                format!("{name} ({}+)", r.min.get())
            })
            .collect())
    }

    /// Runs the workstream's rules on a sample, storing nothing. The sample's channel and
    /// number default to the workstream's; an unknown customer is neither known nor named.
    pub async fn try_rules(&self, ws: &Workstream, sample: Sample) -> Result<Trial, StoreError> {
        let rules = self.store().rules(ws.id).await?;
        let context = self
            .store()
            .context_variables(ws.id)
            .await?
            .into_iter()
            .filter_map(|d| d.default.map(|v| (d.name, v)))
            .collect();
        let facts = Facts {
            channel: sample.channel.unwrap_or(ws.channel),
            business_number: sample.business_number.or(ws.numbers.first().copied()),
            customer: sample.customer,
            first_message: sample.first_message,
            language: ws.language.as_ref().map(|l| l.as_str().to_owned()),
            contact: ContactFacts {
                known: false,
                opted_in: true,
                name_set: false,
            },
            context,
        };
        let decision = classify(&rules, &facts);
        let queue_name = queue_name(self, ws, decision.queue).await?;
        Ok(Trial {
            rules,
            decision,
            queue_name,
        })
    }

    /// The agents eligible for a conversation, best first, among `candidates` (in the queue's
    /// order), under the conversation's required skills and its workstream's match mode.
    pub async fn eligible_agents(
        &self,
        conv: ConversationId,
        ws: WorkstreamId,
        candidates: Vec<UserId>,
    ) -> Result<Vec<UserId>, StoreError> {
        let required = self.store().conversation_skills(conv).await?;
        if required.is_empty() {
            return Ok(candidates);
        }
        let mode = self.store().skill_match_mode(ws).await?;
        let skills = self.store().agents_skills(candidates).await?;
        Ok(rank_agents(&required, &skills, mode))
    }

    pub async fn create_rule(
        &self,
        ws: WorkstreamId,
        d: RuleDraft,
    ) -> Refusable<Rule, RuleRefusal> {
        self.store().create_rule(ws, d).await
    }

    pub async fn update_rule(&self, id: RuleId, d: RuleDraft) -> Refusable<Rule, RuleRefusal> {
        self.store().update_rule(id, d).await
    }

    pub async fn delete_rule(&self, id: RuleId) -> Refusable<StoredRule, RuleRefusal> {
        self.store().delete_rule(id).await
    }

    pub async fn move_rule(&self, id: RuleId, to: Move) -> Refusable<StoredRule, RuleRefusal> {
        self.store().move_rule(id, to).await
    }

    pub async fn create_skill(&self, name: SkillName) -> Refusable<Skill, SkillRefusal> {
        self.store().create_skill(name).await
    }

    pub async fn update_skill(
        &self,
        id: SkillId,
        name: SkillName,
        levels: Proficiencies,
    ) -> Refusable<Skill, SkillRefusal> {
        self.store().update_skill(id, name, levels).await
    }

    pub async fn delete_skill(&self, id: SkillId) -> Refusable<Skill, SkillRefusal> {
        self.store().delete_skill(id).await
    }

    pub async fn set_skill_match_mode(
        &self,
        ws: WorkstreamId,
        mode: MatchMode,
    ) -> Result<(), StoreError> {
        self.store().set_skill_match_mode(ws, mode).await
    }

    pub async fn create_context_variable(
        &self,
        ws: WorkstreamId,
        d: ContextVariableDraft,
    ) -> Refusable<ContextVariable, ContextRefusal> {
        self.store().create_context_variable(ws, d).await
    }

    pub async fn update_context_variable(
        &self,
        ws: WorkstreamId,
        key: String,
        d: ContextVariableDraft,
    ) -> Refusable<ContextVariable, ContextRefusal> {
        self.store().update_context_variable(ws, key, d).await
    }

    pub async fn delete_context_variable(
        &self,
        ws: WorkstreamId,
        key: String,
    ) -> Refusable<ContextVariable, ContextRefusal> {
        self.store().delete_context_variable(ws, key).await
    }

    /// Sets a context variable of a conversation (the bot's answer).
    pub async fn set_context_value(
        &self,
        conv: ConversationId,
        name: VariableName,
        value: ContextValue,
    ) -> Refusable<(), ContextRefusal> {
        self.store().set_context_value(conv, name, value).await
    }
}

/// Each rule evaluated, with its name then and whether it held.
fn outcomes(rules: &[Rule], d: &Decision) -> Vec<RuleOutcome> {
    d.evaluated
        .iter()
        .map(|(id, held)| RuleOutcome {
            rule: *id,
            name: rules
                .iter()
                .find(|r| r.id == *id)
                .map_or_else(String::new, |r| r.name.to_string()),
            held: *held,
        })
        .collect()
}
