//! The routing rule form: its fields (name, output queue, one field or row per kind of
//! condition, required skills), a stored rule as form values, the submitted form parsed into a
//! `RuleDraft` or field errors, and the one-line description of a rule's conditions.

use crate::domain::language::LanguageCode;
use crate::domain::routing::{
    Condition, ContactField, ContextTest, ContextValue, Keywords, NumberMatch, Proficiency, Rule,
    RuleName, SkillRequirement, VariableKind, context::parse_number,
};
use crate::domain::{Channel, NumberId, QueueId, SkillId};
use crate::store::context::ContextVariable;
use crate::store::routing::RuleDraft;
use crate::store::skills::Skill;
use crate::web::csrf::FormData;
use crate::web::ui::{Field, FieldErrors, FieldKind, FormModel};

/// Rows of context-variable conditions and of required skills the form offers.
pub const ROWS: usize = 3;

const ANY: &str = "";
const TESTS: [(&str, &str); 4] = [
    ("equals", "equals"),
    ("contains", "contains"),
    ("gt", "greater than"),
    ("lt", "less than"),
];

/// What the form offers to choose from.
pub struct Choices {
    pub numbers: Vec<(NumberId, String)>,
    pub queues: Vec<(QueueId, String)>,
    pub fallback: String,
    pub variables: Vec<ContextVariable>,
    pub skills: Vec<Skill>,
}

fn options(first: &str, rest: impl IntoIterator<Item = (String, String)>) -> FieldKind {
    let mut options = vec![(ANY.to_owned(), first.to_owned())];
    options.extend(rest);
    FieldKind::Select { options }
}

fn yes_no(name: &str, label: &str) -> Field {
    Field::select(name, label, &[(ANY, "Any"), ("yes", "Yes"), ("no", "No")])
}

pub fn form(action: String, csrf: &str, c: &Choices, submit: &str, cancel: &str) -> FormModel {
    let queues = c
        .queues
        .iter()
        .map(|(id, n)| (id.get().to_string(), n.clone()));
    let numbers = c
        .numbers
        .iter()
        .map(|(id, n)| (id.get().to_string(), n.clone()));
    let mut f = FormModel::new(action, csrf, submit)
        .field(Field::text("name", "Name").required().help("At most 100 characters."))
        .field(
            Field::new(
                "queue",
                "Output queue",
                options(&format!("Fallback queue: {}", c.fallback), queues),
            )
            .help("Where conversations matching every condition below go."),
        )
        .field(Field::select(
            "channel",
            "Channel",
            &[(ANY, "Any"), ("whatsapp", "WhatsApp"), ("sms", "SMS")],
        ))
        .field(Field::new("business_number", "Business number", options("Any", numbers)))
        .field(Field::select(
            "customer_test",
            "Customer number",
            &[(ANY, "Any"), ("equals", "Equals"), ("starts_with", "Starts with")],
        ))
        .field(
            Field::text("customer_number", "Customer number digits")
                .help("Like +44 or +14155550100; spaces and signs are ignored."),
        )
        .field(Field::text("keywords", "First message mentions any of").help(
            "Comma-separated words or phrases, matched as whole words in any case (refund, invoice).",
        ))
        .field(
            Field::text("language", "Language")
                .help("A code like es: it also covers es-MX. Empty: any language."),
        );
    for field in ContactField::ALL {
        f = f.field(yes_no(field.slug(), field.label()));
    }
    let vars = || {
        c.variables
            .iter()
            .map(|v| (v.name.key(), format!("{} ({})", v.name, v.kind.label())))
    };
    for i in 0..ROWS {
        f = f
            .field(Field::new(
                &format!("ctx{i}_name"),
                &format!("Context variable {}", i + 1),
                options("None", vars()),
            ))
            .field(Field::select(&format!("ctx{i}_test"), "Test", &TESTS))
            .field(Field::text(&format!("ctx{i}_value"), "Value"));
    }
    let skills = || {
        c.skills
            .iter()
            .map(|s| (s.id.get().to_string(), s.name.to_string()))
    };
    for i in 0..ROWS {
        f = f
            .field(Field::new(
                &format!("skill{i}"),
                &format!("Required skill {}", i + 1),
                options("None", skills()),
            ))
            .field(
                Field::new(
                    &format!("skill{i}_min"),
                    "Minimum proficiency",
                    FieldKind::Number { min: 1, max: 10 },
                )
                .help("From 1 to 10."),
            );
    }
    f.cancel(cancel)
}

fn put(out: &mut Vec<(String, String)>, k: impl Into<String>, v: impl Into<String>) {
    out.push((k.into(), v.into()));
}

/// A stored rule as the values its form shows.
pub fn values(r: &Rule) -> FormData {
    let mut out = Vec::new();
    put(&mut out, "name", r.name.as_str());
    put(
        &mut out,
        "queue",
        r.queue.map_or(String::new(), |q| q.get().to_string()),
    );
    let mut ctx = 0;
    for c in &r.conditions {
        match c {
            Condition::Channel(ch) => put(&mut out, "channel", ch.as_str()),
            Condition::BusinessNumber(n) => put(&mut out, "business_number", n.get().to_string()),
            Condition::CustomerNumber(m) => {
                let test = match m {
                    NumberMatch::Equals(_) => "equals",
                    NumberMatch::StartsWith(_) => "starts_with",
                };
                put(&mut out, "customer_test", test);
                put(&mut out, "customer_number", format!("+{}", m.text()));
            }
            Condition::FirstMessage(k) => put(&mut out, "keywords", k.words().join(", ")),
            Condition::Language(l) => put(&mut out, "language", l.as_str()),
            Condition::Contact { field, is } => {
                put(&mut out, field.slug(), if *is { "yes" } else { "no" })
            }
            Condition::Context { name, test } => {
                let (t, v) = match test {
                    ContextTest::Equals(v) => ("equals", v.clone()),
                    ContextTest::Contains(v) => ("contains", v.clone()),
                    ContextTest::GreaterThan(n) => ("gt", n.to_string()),
                    ContextTest::LessThan(n) => ("lt", n.to_string()),
                };
                put(&mut out, format!("ctx{ctx}_name"), name.key());
                put(&mut out, format!("ctx{ctx}_test"), t);
                put(&mut out, format!("ctx{ctx}_value"), v);
                ctx += 1;
            }
        }
    }
    for (i, s) in r.skills.iter().enumerate() {
        put(&mut out, format!("skill{i}"), s.skill.get().to_string());
        put(&mut out, format!("skill{i}_min"), s.min.to_string());
    }
    FormData(out)
}

/// The submitted form as a draft, or the errors beside their fields.
pub fn draft(f: &FormData, c: &Choices) -> Result<RuleDraft, FieldErrors> {
    let mut e = FieldErrors::default();
    let name = RuleName::parse(f.get("name"))
        .map_err(|x| e.add("name", x.to_string()))
        .ok();
    let queue = match f.get("queue") {
        ANY => None,
        raw => {
            let q = c.queues.iter().find(|(id, _)| id.get().to_string() == raw);
            if q.is_none() {
                e.add("queue", "Choose a queue from the list.");
            }
            q.map(|(id, _)| *id)
        }
    };
    let mut conditions = Vec::new();
    match f.get("channel") {
        ANY => {}
        raw => match Channel::parse(raw) {
            Ok(ch) => conditions.push(Condition::Channel(ch)),
            Err(_) => e.add("channel", "Choose a channel from the list."),
        },
    }
    match f.get("business_number") {
        ANY => {}
        raw => match c.numbers.iter().find(|(id, _)| id.get().to_string() == raw) {
            Some((id, _)) => conditions.push(Condition::BusinessNumber(*id)),
            None => e.add("business_number", "Choose one of the workstream's numbers."),
        },
    }
    customer(f, &mut conditions, &mut e);
    if !f.get("keywords").trim().is_empty() {
        match Keywords::parse(f.get("keywords")) {
            Ok(k) => conditions.push(Condition::FirstMessage(k)),
            Err(x) => e.add("keywords", x.to_string()),
        }
    }
    if !f.get("language").trim().is_empty() {
        match LanguageCode::parse(f.get("language")) {
            Ok(l) => conditions.push(Condition::Language(l)),
            Err(x) => e.add("language", x.to_string()),
        }
    }
    for field in ContactField::ALL {
        match f.get(field.slug()) {
            ANY => {}
            "yes" => conditions.push(Condition::Contact { field, is: true }),
            "no" => conditions.push(Condition::Contact { field, is: false }),
            _ => e.add(field.slug(), "Choose any, yes or no."),
        }
    }
    for i in 0..ROWS {
        if let Some(cond) = context_row(f, i, c, &mut e) {
            conditions.push(cond);
        }
    }
    let skills = required_skills(f, c, &mut e);
    match name {
        Some(name) if e.is_empty() => Ok(RuleDraft {
            name,
            conditions,
            queue,
            skills,
        }),
        _ => Err(e),
    }
}

fn customer(f: &FormData, out: &mut Vec<Condition>, e: &mut FieldErrors) {
    let raw = f.get("customer_number");
    let test = f.get("customer_test");
    if test == ANY {
        if !raw.trim().is_empty() {
            e.add(
                "customer_test",
                "Choose equals or starts with for the number.",
            );
        }
        return;
    }
    let digits = match NumberMatch::digits(raw) {
        Ok(d) => d,
        Err(x) => return e.add("customer_number", x.to_string()),
    };
    match test {
        "equals" => out.push(Condition::CustomerNumber(NumberMatch::Equals(digits))),
        "starts_with" => out.push(Condition::CustomerNumber(NumberMatch::StartsWith(digits))),
        _ => e.add("customer_test", "Choose equals or starts with."),
    }
}

fn context_row(f: &FormData, i: usize, c: &Choices, e: &mut FieldErrors) -> Option<Condition> {
    let (name_f, test_f, value_f) = (
        format!("ctx{i}_name"),
        format!("ctx{i}_test"),
        format!("ctx{i}_value"),
    );
    let value = f.get(&value_f).trim();
    let chosen = f.get(&name_f);
    if chosen == ANY {
        if !value.is_empty() {
            e.add(
                &value_f,
                "Choose the variable this value is for, or leave it empty.",
            );
        }
        return None;
    }
    let Some(var) = c.variables.iter().find(|v| v.name.key() == chosen) else {
        e.add(&name_f, "Choose a context variable from the list.");
        return None;
    };
    let number = |e: &mut FieldErrors| {
        if var.kind != VariableKind::Number {
            e.add(
                &test_f,
                "Greater and less than compare numbers: choose a number variable.",
            );
            return None;
        }
        let n = parse_number(value);
        if n.is_none() {
            e.add(&value_f, "Enter a number, like 42 or 3.5.");
        }
        n
    };
    let test = match f.get(&test_f) {
        "equals" => match ContextValue::parse(var.kind, value) {
            Ok(_) => Some(ContextTest::Equals(value.to_owned())),
            Err(x) => {
                e.add(&value_f, x.to_string());
                None
            }
        },
        "contains" if value.is_empty() => {
            e.add(&value_f, "Enter the text the value should contain.");
            None
        }
        "contains" => Some(ContextTest::Contains(value.to_owned())),
        "gt" => number(e).map(ContextTest::GreaterThan),
        "lt" => number(e).map(ContextTest::LessThan),
        _ => {
            e.add(&test_f, "Choose a test from the list.");
            None
        }
    };
    test.map(|test| Condition::Context {
        name: var.name.clone(),
        test,
    })
}

fn required_skills(f: &FormData, c: &Choices, e: &mut FieldErrors) -> Vec<SkillRequirement> {
    let mut out: Vec<SkillRequirement> = Vec::new();
    for i in 0..ROWS {
        let (skill_f, min_f) = (format!("skill{i}"), format!("skill{i}_min"));
        let chosen = f.get(&skill_f);
        if chosen == ANY {
            if !f.get(&min_f).trim().is_empty() {
                e.add(
                    &min_f,
                    "Choose the skill this proficiency is for, or leave it empty.",
                );
            }
            continue;
        }
        let Some(skill) = c.skills.iter().find(|s| s.id.get().to_string() == chosen) else {
            e.add(&skill_f, "Choose a skill from the list.");
            continue;
        };
        if out.iter().any(|r| r.skill == skill.id) {
            e.add(&skill_f, "This skill is already required above.");
            continue;
        }
        match Proficiency::parse(f.get(&min_f)) {
            Ok(min) => out.push(SkillRequirement {
                skill: skill.id,
                min,
            }),
            Err(x) => e.add(&min_f, x.to_string()),
        }
    }
    out
}

/// The rule's conditions in one line ("Channel is SMS; first message mentions refund").
pub fn describe(r: &Rule, c: &Choices) -> String {
    if r.conditions.is_empty() {
        return "Every conversation".into();
    }
    let parts: Vec<String> = r.conditions.iter().map(|x| condition(x, c)).collect();
    parts.join("; ")
}

fn condition(x: &Condition, c: &Choices) -> String {
    match x {
        Condition::Channel(ch) => format!("channel is {ch}"),
        Condition::BusinessNumber(n) => {
            let name = c.numbers.iter().find(|(id, _)| id == n);
            format!(
                "business number is {}",
                name.map_or("(removed)", |(_, s)| s)
            )
        }
        Condition::CustomerNumber(NumberMatch::Equals(d)) => format!("customer number is +{d}"),
        Condition::CustomerNumber(NumberMatch::StartsWith(d)) => {
            format!("customer number starts with +{d}")
        }
        Condition::FirstMessage(k) => format!("first message mentions {}", k.words().join(", ")),
        Condition::Language(l) => format!("language is {l}"),
        Condition::Contact { field, is } => {
            format!("{}: {}", field.label(), if *is { "yes" } else { "no" })
        }
        Condition::Context { name, test } => match test {
            ContextTest::Equals(v) => format!("{name} equals {v}"),
            ContextTest::Contains(v) => format!("{name} contains {v}"),
            ContextTest::GreaterThan(n) => format!("{name} > {n}"),
            ContextTest::LessThan(n) => format!("{name} < {n}"),
        },
    }
}

/// The required skills in one line ("Spanish ≥ 5, Billing ≥ 3").
pub fn describe_skills(skills: &[SkillRequirement], all: &[Skill]) -> String {
    let parts: Vec<String> = skills
        .iter()
        .map(|r| format!("{} ≥ {}", skill_name(r.skill, all), r.min))
        .collect();
    parts.join(", ")
}

pub fn skill_name(id: SkillId, all: &[Skill]) -> String {
    all.iter()
        .find(|s| s.id == id)
        .map_or_else(|| "(removed skill)".into(), |s| s.name.to_string())
}
