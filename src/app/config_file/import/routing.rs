//! A workstream's routing rules: their checks and the store's draft of one.

use super::*;

pub(super) fn check_rules(
    out: &mut Problems,
    p: &P,
    w: &WorkstreamDoc,
    numbers: &HashMap<String, Channel>,
    skills: &BTreeSet<String>,
) {
    let base = p.key("rules");
    duplicates(out, &base, &w.rules, "rule", |r| key(&r.name));
    let queues: BTreeSet<String> = w.queues.iter().map(|q| key(&q.name)).collect();
    for (i, r) in w.rules.iter().enumerate() {
        let rp = base.at(i);
        if let Err(e) = RuleName::parse(&r.name) {
            err(out, rp.key("name"), e.to_string());
        }
        if let Some(q) = &r.queue
            && !queues.contains(&key(q))
        {
            err(
                out,
                rp.key("queue"),
                format!("no queue named {q} in this workstream"),
            );
        }
        for (j, c) in r.conditions.iter().enumerate() {
            if let ConditionDoc::BusinessNumber(n) = c
                && !numbers.contains_key(n)
            {
                err(
                    out,
                    rp.key("conditions").at(j),
                    format!("no number {n} in numbers"),
                );
            }
        }
        for (j, s) in r.skills.iter().enumerate() {
            if !skills.contains(&key(&s.skill)) {
                err(
                    out,
                    rp.key("skills").at(j).key("skill"),
                    format!("no skill named {}", s.skill),
                );
            }
        }
    }
}

pub(super) fn rule_draft(ids: &Ids, ws: WorkstreamId, r: &RuleDoc) -> Option<RuleDraft> {
    let mut conditions = Vec::new();
    for c in &r.conditions {
        conditions.push(match c.clone() {
            ConditionDoc::Channel(c) => Condition::Channel(c),
            ConditionDoc::BusinessNumber(n) => Condition::BusinessNumber(ids.number(&n)?),
            ConditionDoc::CustomerNumber(m) => Condition::CustomerNumber(m),
            ConditionDoc::FirstMessage(k) => Condition::FirstMessage(k),
            ConditionDoc::Language(l) => Condition::Language(l),
            ConditionDoc::Contact { field, is } => Condition::Contact { field, is },
            ConditionDoc::Context { name, test } => Condition::Context { name, test },
        });
    }
    let mut skills = Vec::new();
    for s in &r.skills {
        skills.push(SkillRequirement {
            skill: *ids.skills.get(&key(&s.skill))?,
            min: s.min,
        });
    }
    Some(RuleDraft {
        name: RuleName::parse(&r.name).ok()?,
        conditions,
        queue: match &r.queue {
            Some(q) => Some(*ids.queues.get(&(ws, key(q)))?),
            None => None,
        },
        skills,
    })
}
