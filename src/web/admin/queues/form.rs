//! The queue form: its fields (name, priority, members, assignment method, operating hours and
//! up to the allowed number of overflow rows), filled from a queue or the defaults, and parsed
//! back into a draft with field-level errors.

use super::Choices;
use crate::domain::queue::{
    AssignmentMethod, DEFAULT_PRIORITY, MAX_OVERFLOW_RULES, MAX_PRIORITY, OverflowAction,
    OverflowCondition, OverflowRule, parse_priority,
};
use crate::domain::workstream::QueueName;
use crate::domain::{HoursId, QueueId, UserId};
use crate::store::queues::{Queue, QueueDraft, QueueRefusal};
use crate::web::csrf::FormData;
use crate::web::session::SignedIn;
use crate::web::ui::{Field, FieldErrors, FieldKind, FormModel};

/// The form, filled from `q` (or the defaults), with `members` checked.
pub(super) fn queue_form(
    action: &str,
    admin: &SignedIn,
    submit: &str,
    q: Option<&Queue>,
    members: &[UserId],
    c: &Choices,
    cancel: &str,
) -> FormModel {
    let methods: Vec<(String, String)> = AssignmentMethod::ALL
        .iter()
        .map(|m| (m.as_str().to_owned(), m.to_string()))
        .collect();
    let mut hours = vec![(
        String::new(),
        "Always open (besides the channel's hours)".to_owned(),
    )];
    hours.extend(
        c.hours
            .iter()
            .map(|h| (h.id.get().to_string(), h.name.clone())),
    );
    let agents = c
        .users
        .iter()
        .filter(|u| !u.disabled)
        .map(|u| {
            (
                u.id.get().to_string(),
                format!("{} ({}, {})", u.name, u.email, u.role),
                members.contains(&u.id),
            )
        })
        .collect();
    let mut form = FormModel::new(action, &admin.csrf, submit)
        .field(
            Field::text("name", "Name")
                .value(q.map_or("", |q| q.name.as_str()))
                .required(),
        )
        .field(
            Field::new(
                "priority",
                "Priority",
                FieldKind::Number {
                    min: 1,
                    max: i64::from(MAX_PRIORITY),
                },
            )
            .value(q.map_or(DEFAULT_PRIORITY, |q| q.priority).to_string())
            .required()
            .help("1 is served first; across workstreams too, for agents in several."),
        )
        .field(
            Field::new("method", "Assignment method", FieldKind::Select { options: methods })
                .value(q.map_or(AssignmentMethod::HighestCapacity, |q| q.method).as_str())
                .help("Highest capacity: the agent with the most free capacity (ties: whoever was assigned longest ago). Advanced round robin: whoever was assigned longest ago, among those with free capacity."),
        )
        .field(
            Field::new("hours", "Operating hours", FieldKind::Select { options: hours })
                .value(q.and_then(|q| q.hours).map_or(String::new(), |h| h.get().to_string()))
                .help("Outside them conversations wait for the opening (or the overflow rules apply); the customer is told once."),
        )
        .field(
            Field::new("members", "Members", FieldKind::Choices { options: agents })
                .help("Agents who take this queue's conversations."),
        );
    let rules = q.map_or(&[][..], |q| &q.overflow);
    for i in 0..MAX_OVERFLOW_RULES {
        form = overflow_fields(form, i, rules.get(i), c);
    }
    form.cancel(cancel)
}

pub(super) fn overflow_fields(
    form: FormModel,
    i: usize,
    r: Option<&OverflowRule>,
    c: &Choices,
) -> FormModel {
    let n = i + 1;
    let mut conditions = vec![(String::new(), "(no rule)".to_owned())];
    conditions.extend(
        OverflowCondition::KINDS
            .iter()
            .map(|(k, l)| ((*k).to_owned(), (*l).to_owned())),
    );
    let actions: Vec<(String, String)> = OverflowAction::KINDS
        .iter()
        .map(|(k, l)| ((*k).to_owned(), (*l).to_owned()))
        .collect();
    let mut targets = vec![(String::new(), "(choose for a transfer)".to_owned())];
    targets.extend(
        c.siblings
            .iter()
            .map(|q| (q.id.get().to_string(), q.name.to_string())),
    );
    let mut condition = Field::new(
        &format!("overflow{i}_condition"),
        &format!("Overflow rule {n}: when"),
        FieldKind::Select {
            options: conditions,
        },
    )
    .value(r.map_or("", |r| r.condition.kind()));
    if i == 0 {
        condition = condition.help(
            "Checked in order when a conversation would enter the queue and while it waits; the first that holds applies.",
        );
    }
    let threshold = Field::text(
        &format!("overflow{i}_threshold"),
        &format!("Overflow rule {n}: N"),
    )
    .value(
        r.and_then(|r| r.condition.threshold())
            .map_or(String::new(), |n| n.to_string()),
    );
    let action = Field::new(
        &format!("overflow{i}_action"),
        &format!("Overflow rule {n}: then"),
        FieldKind::Select { options: actions },
    )
    .value(r.map_or("", |r| r.action.kind()));
    let target = Field::new(
        &format!("overflow{i}_target"),
        &format!("Overflow rule {n}: transfer to"),
        FieldKind::Select { options: targets },
    )
    .value(match r.map(|r| r.action) {
        Some(OverflowAction::TransferTo(t)) => t.get().to_string(),
        _ => String::new(),
    });
    form.field(condition)
        .field(threshold)
        .field(action)
        .field(target)
}

/// Parses the form into a draft, or the field errors.
pub(super) fn parse(f: &FormData, c: &Choices) -> Result<QueueDraft, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = QueueName::parse(f.get("name")).map_err(|e| errors.add("name", e.to_string()));
    let priority =
        parse_priority(f.get("priority")).map_err(|e| errors.add("priority", e.to_string()));
    let method =
        AssignmentMethod::parse(f.get("method")).map_err(|e| errors.add("method", e.to_string()));
    let hours = match f.get("hours").trim() {
        "" => Ok(None),
        v => v
            .parse::<u64>()
            .ok()
            .map(HoursId::new)
            .filter(|h| c.hours.iter().any(|x| x.id == *h))
            .map(Some)
            .ok_or_else(|| errors.add("hours", "Choose operating hours from the list.")),
    };
    let mut members = Vec::new();
    for v in f.all("members") {
        match v
            .parse::<u64>()
            .ok()
            .map(UserId::new)
            .filter(|u| c.users.iter().any(|x| x.id == *u && !x.disabled))
        {
            Some(u) if !members.contains(&u) => members.push(u),
            Some(_) => {}
            None => errors.add("members", "Choose members from the list."),
        }
    }
    let mut overflow = Vec::new();
    for i in 0..MAX_OVERFLOW_RULES {
        if let Some(rule) = parse_rule(f, i, c, &mut errors) {
            overflow.push(rule);
        }
    }
    match (name, priority, method, hours) {
        (Ok(name), Ok(priority), Ok(method), Ok(hours)) if errors.is_empty() => Ok(QueueDraft {
            name,
            priority,
            method,
            hours,
            overflow,
            members,
        }),
        _ => Err(errors),
    }
}

/// One overflow row: None when its condition is left empty (or it is refused, with the error).
fn parse_rule(
    f: &FormData,
    i: usize,
    c: &Choices,
    errors: &mut FieldErrors,
) -> Option<OverflowRule> {
    let key = |part: &str| format!("overflow{i}_{part}");
    let kind = f.get(&key("condition"));
    if kind.trim().is_empty() {
        return None;
    }
    let condition = OverflowCondition::parse(kind, f.get(&key("threshold")))
        .map_err(|e| {
            let field = if OverflowCondition::KINDS
                .iter()
                .any(|(k, _)| *k == kind.trim())
            {
                key("threshold")
            } else {
                key("condition")
            };
            errors.add(&field, e.to_string());
        })
        .ok();
    let target = match f.get(&key("target")).trim() {
        "" => None,
        v => {
            let t = v
                .parse::<u64>()
                .ok()
                .map(QueueId::new)
                .filter(|t| c.siblings.iter().any(|q| q.id == *t));
            if t.is_none() {
                errors.add(&key("target"), "Choose another queue of this workstream.");
            }
            t
        }
    };
    let action = OverflowAction::parse(f.get(&key("action")), target)
        .map_err(|e| {
            let field = if f.get(&key("action")).trim() == "transfer" {
                key("target")
            } else {
                key("action")
            };
            errors.add(&field, e.to_string());
        })
        .ok();
    Some(OverflowRule {
        condition: condition?,
        action: action?,
    })
}

/// The field a store refusal belongs to.
pub(super) fn refusal_errors(r: &QueueRefusal) -> FieldErrors {
    let field = match r {
        QueueRefusal::DuplicateName(_) => "name",
        QueueRefusal::UnknownHours => "hours",
        QueueRefusal::UnknownMember => "members",
        QueueRefusal::UnknownTarget | QueueRefusal::Invalid(_) => "overflow0_target",
        _ => "name",
    };
    FieldErrors::one(field, r.to_string())
}
