//! Classification: a workstream's rules in order, first match wins; no match sends the
//! conversation to the fallback queue. `classify` also says which rules it evaluated, for the
//! routing diagnostics.

use super::conditions::{Condition, RuleName};
use super::context::{ContextValue, VariableName};
use super::skills::SkillRequirement;
use crate::domain::{Channel, NumberId, QueueId, RuleId};
use serde::{Deserialize, Serialize};

/// A work classification rule: all its conditions must hold (none: it always holds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub id: RuleId,
    pub name: RuleName,
    pub conditions: Vec<Condition>,
    /// None: the workstream's fallback queue.
    pub queue: Option<QueueId>,
    pub skills: Vec<SkillRequirement>,
}

impl Rule {
    pub fn holds(&self, facts: &Facts) -> bool {
        self.conditions.iter().all(|c| c.holds(facts))
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContactFacts {
    pub known: bool,
    pub opted_in: bool,
    pub name_set: bool,
}

/// What the rules may test about a new conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub channel: Channel,
    pub business_number: Option<NumberId>,
    /// The customer's number as E.164 (`+14155550100`).
    pub customer: String,
    pub first_message: String,
    pub language: Option<String>,
    pub contact: ContactFacts,
    /// The conversation's context variables with a value (set, or their default).
    pub context: Vec<(VariableName, ContextValue)>,
}

/// The outcome of classification.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The rules tested, in order, and whether each held; the last one is the match, if any.
    pub evaluated: Vec<(RuleId, bool)>,
    pub matched: Option<RuleId>,
    /// None: the fallback queue.
    pub queue: Option<QueueId>,
    pub skills: Vec<SkillRequirement>,
}

pub fn classify(rules: &[Rule], facts: &Facts) -> Decision {
    let mut evaluated = Vec::new();
    for rule in rules {
        let held = rule.holds(facts);
        evaluated.push((rule.id, held));
        if held {
            return Decision {
                evaluated,
                matched: Some(rule.id),
                queue: rule.queue,
                skills: rule.skills.clone(),
            };
        }
    }
    Decision {
        evaluated,
        matched: None,
        queue: None,
        skills: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SkillId;
    use crate::domain::language::LanguageCode;
    use crate::domain::routing::conditions::{ContactField, ContextTest, Keywords, NumberMatch};
    use crate::domain::routing::skills::Proficiency;

    fn facts() -> Facts {
        Facts {
            channel: Channel::WhatsApp,
            business_number: Some(NumberId::new(1)),
            customer: "+442079460000".into(),
            first_message: "Hola, necesito un reembolso".into(),
            language: Some("es-MX".into()),
            contact: ContactFacts {
                known: true,
                opted_in: true,
                name_set: false,
            },
            context: vec![
                (
                    VariableName::parse("Tier").unwrap(),
                    ContextValue::Text("Gold".into()),
                ),
                (
                    VariableName::parse("Orders").unwrap(),
                    ContextValue::Number(12.0),
                ),
            ],
        }
    }

    fn var(name: &str, test: ContextTest) -> Condition {
        Condition::Context {
            name: VariableName::parse(name).unwrap(),
            test,
        }
    }

    #[test]
    fn each_condition_is_tested_against_the_facts() {
        let lang = |s: &str| Condition::Language(LanguageCode::parse(s).unwrap());
        let words = |s: &str| Condition::FirstMessage(Keywords::parse(s).unwrap());
        let contact = |field, is| Condition::Contact { field, is };
        // (condition, holds for `facts()`, why)
        let cases = [
            (Condition::Channel(Channel::WhatsApp), true, "same channel"),
            (Condition::Channel(Channel::Sms), false, "other channel"),
            (
                Condition::BusinessNumber(NumberId::new(1)),
                true,
                "same number",
            ),
            (
                Condition::BusinessNumber(NumberId::new(2)),
                false,
                "other number",
            ),
            (
                Condition::CustomerNumber(NumberMatch::StartsWith("44".into())),
                true,
                "UK prefix",
            ),
            (
                Condition::CustomerNumber(NumberMatch::StartsWith("1".into())),
                false,
                "US prefix",
            ),
            (
                Condition::CustomerNumber(NumberMatch::Equals("442079460000".into())),
                true,
                "exact",
            ),
            (words("reembolso, factura"), true, "a word of the list"),
            (words("refund"), false, "no word of the list"),
            (lang("es"), true, "es covers es-MX"),
            (lang("es-mx"), true, "case and separator do not matter"),
            (lang("es-ES"), false, "another region"),
            (lang("esp"), false, "a longer code is another language"),
            (contact(ContactField::Known, true), true, "known contact"),
            (contact(ContactField::NameSet, true), false, "no name"),
            (
                contact(ContactField::NameSet, false),
                true,
                "no name, asked for none",
            ),
            (contact(ContactField::OptedIn, false), false, "opted in"),
            (
                var("tier", ContextTest::Equals("gold".into())),
                true,
                "equals, any case",
            ),
            (
                var("Tier", ContextTest::Contains("ol".into())),
                true,
                "contains",
            ),
            (
                var("Tier", ContextTest::Equals("Silver".into())),
                false,
                "other value",
            ),
            (
                var("Orders", ContextTest::GreaterThan(10.0)),
                true,
                "12 > 10",
            ),
            (var("Orders", ContextTest::LessThan(10.0)), false, "12 < 10"),
            (
                var("Orders", ContextTest::Equals("12.0".into())),
                true,
                "numbers compare as numbers",
            ),
            (
                var("Tier", ContextTest::GreaterThan(1.0)),
                false,
                "text is not a number",
            ),
            (
                var("Missing", ContextTest::Equals(String::new())),
                false,
                "no value",
            ),
        ];
        for (condition, expected, why) in cases {
            assert_eq!(condition.holds(&facts()), expected, "{why}");
        }
    }

    fn rule(id: u64, conditions: Vec<Condition>, queue: Option<u64>) -> Rule {
        Rule {
            id: RuleId::new(id),
            name: RuleName::parse(&format!("Rule {id}")).unwrap(),
            conditions,
            queue: queue.map(QueueId::new),
            skills: vec![SkillRequirement {
                skill: SkillId::new(id),
                min: Proficiency::new(5).unwrap(),
            }],
        }
    }

    #[test]
    fn the_first_rule_whose_conditions_all_hold_wins() {
        let sms = Condition::Channel(Channel::Sms);
        let wa = Condition::Channel(Channel::WhatsApp);
        let spanish = Condition::FirstMessage(Keywords::parse("reembolso").unwrap());
        // (rules, expected evaluated, expected match, why)
        let cases = [
            (vec![], vec![], None, "no rules: fallback"),
            (
                vec![
                    rule(1, vec![sms.clone()], Some(10)),
                    rule(2, vec![wa.clone()], Some(20)),
                ],
                vec![(1, false), (2, true)],
                Some(2),
                "the first rule fails, the second holds",
            ),
            (
                vec![
                    rule(1, vec![wa.clone(), spanish.clone()], Some(10)),
                    rule(2, vec![], Some(20)),
                ],
                vec![(1, true)],
                Some(1),
                "first match wins: later rules are not evaluated",
            ),
            (
                vec![rule(1, vec![wa.clone(), sms.clone()], Some(10))],
                vec![(1, false)],
                None,
                "all conditions must hold",
            ),
            (
                vec![rule(3, vec![], None)],
                vec![(3, true)],
                Some(3),
                "a rule without conditions always holds; it may send to the fallback queue",
            ),
        ];
        for (rules, evaluated, matched, why) in cases {
            let d = classify(&rules, &facts());
            let expected: Vec<_> = evaluated
                .iter()
                .map(|(r, h)| (RuleId::new(*r), *h))
                .collect();
            assert_eq!(d.evaluated, expected, "{why}");
            assert_eq!(d.matched, matched.map(RuleId::new), "{why}");
            let r = matched.and_then(|m| rules.iter().find(|r| r.id.get() == m));
            assert_eq!(d.queue, r.and_then(|r| r.queue), "{why}");
            assert_eq!(
                d.skills,
                r.map(|r| r.skills.clone()).unwrap_or_default(),
                "{why}"
            );
        }
    }
}
