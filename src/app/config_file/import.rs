//! Reads a configuration file back: validation with line-precise errors, the changes it would
//! make per section, and applying them through the store's write paths.

use super::export::{Names, export};
use super::*;
use crate::domain::account::AccountName;
use crate::domain::automated::{OverrideKey, SwitchKey};
use crate::domain::queue::{MAX_PRIORITY, OverflowAction, OverflowRule};
use crate::domain::routing::{Condition, RuleName, SkillRequirement};
use crate::domain::user::Email;
use crate::domain::workstream::{QueueName, WorkstreamName};
use crate::domain::{
    AccountId, AccountSid, ContentSid, NumberId, PhoneNumber, QueueId, SkillId, Timestamp, UserId,
    WorkstreamId,
};
use crate::secrets::SecretString;
use crate::store::hours::HoursInput;
use crate::store::queues::QueueDraft;
use crate::store::quick_replies::QuickReplyDraft;
use crate::store::routing::{Move, RuleDraft};
use crate::store::setup::{NewAccount, NewNumber, OpenOn};
use crate::store::templates::TemplateDraft;
use crate::store::workstreams::{SetupChange, WorkstreamDraft, WorkstreamProfile};
use crate::store::{Store, StoreError};
use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// One step of the path to a value in the file: a key or an array index.
#[derive(Debug, Clone)]
enum Seg {
    Key(&'static str),
    Index(usize),
}

/// A problem found in the file, at the line (1-based) of the offending key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

/// Why the whole file was refused; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportRefusal {
    #[error("the file was refused, nothing was changed:\n{}", list(.0))]
    Invalid(Vec<Problem>),
    /// The changes the file asks for, and why some cannot be made.
    #[error("{changes}the file was refused, nothing was changed:\n{}", reasons.join("\n"))]
    InUse {
        changes: String,
        reasons: Vec<String>,
    },
    #[error("the import stopped at {0} (the changes before it were made)")]
    Apply(String),
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What an import adds, changes and removes in one section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SectionChanges {
    pub section: String,
    pub add: Vec<String>,
    pub change: Vec<String>,
    pub remove: Vec<String>,
}

impl SectionChanges {
    fn is_empty(&self) -> bool {
        self.add.is_empty() && self.change.is_empty() && self.remove.is_empty()
    }
}

/// The changes of an import, per section, and whether they were made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub sections: Vec<SectionChanges>,
    pub applied: bool,
    pub notes: Vec<String>,
}

impl Report {
    pub fn no_changes(&self) -> bool {
        self.sections.iter().all(SectionChanges::is_empty)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.sections {
            if s.is_empty() {
                writeln!(f, "{}: no changes", s.section)?;
                continue;
            }
            writeln!(f, "{}:", s.section)?;
            for a in &s.add {
                writeln!(f, "  add {a}")?;
            }
            for c in &s.change {
                writeln!(f, "  change {c}")?;
            }
            for r in &s.remove {
                writeln!(f, "  remove {r}")?;
            }
        }
        for n in &self.notes {
            writeln!(f, "note: {n}")?;
        }
        if self.no_changes() {
            writeln!(f, "No changes.")
        } else if self.applied {
            writeln!(f, "Applied.")
        } else {
            writeln!(f, "Dry run: nothing was changed.")
        }
    }
}

/// Reads `text`, checks all of it, and (unless `dry_run`) makes each section it contains the
/// desired state. `secrets` holds `Account name = auth token` lines for new Twilio accounts.
pub async fn import(
    store: &Store,
    text: &str,
    dry_run: bool,
    secrets: &str,
    now: Timestamp,
) -> Result<Result<Report, ImportRefusal>, StoreError> {
    let file: ConfigFile = match toml::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            return Ok(Err(ImportRefusal::Invalid(vec![Problem {
                line,
                column,
                message: e.message().to_owned(),
            }])));
        }
    };
    let current = export(store).await?;
    let tokens = parse_secrets(secrets, &file, &current);
    let mut problems = Vec::new();
    check(&file, &current, &tokens, dry_run, &mut problems);
    if !problems.is_empty() {
        let problems = problems
            .into_iter()
            .map(|(path, message)| {
                let (line, column) = locate(text, &path);
                Problem {
                    line,
                    column,
                    message,
                }
            })
            .collect();
        return Ok(Err(ImportRefusal::Invalid(problems)));
    }
    let mut report = changes(&file, &current);
    let in_use = in_use(store, &file, &current).await?;
    if !in_use.is_empty() {
        let changes = report
            .sections
            .iter()
            .map(|s| Report {
                sections: vec![s.clone()],
                ..Default::default()
            })
            .filter(|r| !r.no_changes())
            .map(|r| r.to_string().replace("Dry run: nothing was changed.\n", ""))
            .collect();
        return Ok(Err(ImportRefusal::InUse {
            changes,
            reasons: in_use,
        }));
    }
    if let Some(users) = &file.users {
        let listed: BTreeSet<String> = users.iter().map(|u| u.email.to_lowercase()).collect();
        let kept = current
            .users
            .iter()
            .flatten()
            .filter(|u| !listed.contains(&u.email.to_lowercase()))
            .count();
        if kept > 0 {
            report.notes.push(format!(
                "{kept} user(s) not in the file are kept: an import never removes users \
                 (disable them instead)"
            ));
        }
    }
    if dry_run || report.no_changes() {
        return Ok(Ok(report));
    }
    if let Err(step) = apply(store, &file, &current, &tokens, now).await? {
        return Ok(Err(ImportRefusal::Apply(step)));
    }
    report.applied = true;
    Ok(Ok(report))
}

/// 1-based line and column of byte `offset`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The line and column of the key at `path` (or of the nearest table above it).
fn locate(text: &str, path: &[Seg]) -> (usize, usize) {
    use toml::de::{DeTable, DeValue};
    let Ok(root) = DeTable::parse(text) else {
        return (1, 1);
    };
    let mut best = 0usize;
    let mut table: Option<&DeTable> = Some(root.get_ref());
    let mut value: Option<&toml::Spanned<DeValue>> = None;
    for seg in path {
        match seg {
            Seg::Key(k) => {
                let Some(t) = table else { break };
                let Some((key, v)) = t.iter().find(|(key, _)| key.get_ref().as_ref() == *k) else {
                    break;
                };
                best = key.span().start;
                value = Some(v);
            }
            Seg::Index(i) => {
                let Some(DeValue::Array(items)) = value.map(|v| v.get_ref()) else {
                    break;
                };
                let Some(item) = items.get(*i) else { break };
                best = item.span().start;
                value = Some(item);
            }
        }
        table = match value.map(|v| v.get_ref()) {
            Some(DeValue::Table(t)) => Some(t),
            _ => None,
        };
    }
    line_col(text, best)
}

struct P(Vec<Seg>);

impl P {
    fn root(k: &'static str) -> Self {
        Self(vec![Seg::Key(k)])
    }
    fn at(&self, i: usize) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Index(i));
        Self(v)
    }
    fn key(&self, k: &'static str) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Key(k));
        Self(v)
    }
}

type Problems = Vec<(Vec<Seg>, String)>;

fn err(out: &mut Problems, p: P, message: impl Into<String>) {
    out.push((p.0, message.into()));
}

/// The section of the file if present, else the store's.
fn wanted<'a, T>(file: &'a Option<Vec<T>>, current: &'a Option<Vec<T>>) -> &'a [T] {
    file.as_deref().or(current.as_deref()).unwrap_or_default()
}

fn key(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Normalises a number as the store writes it, given its kind.
fn number_key(channel: Channel, kind: NumberKind, number: &str) -> Option<String> {
    PhoneNumber::parse_typed(number, kind.format())
        .ok()
        .map(|n| format!("{}:{}", channel.as_str(), n))
}

/// Auth tokens for new accounts: `name = token` lines, or one bare line for the one new account.
fn parse_secrets(
    secrets: &str,
    file: &ConfigFile,
    current: &ConfigFile,
) -> HashMap<String, SecretString> {
    let known: BTreeSet<String> = current
        .accounts
        .iter()
        .flatten()
        .map(|a| key(&a.name))
        .collect();
    let new: Vec<String> = file
        .accounts
        .iter()
        .flatten()
        .filter(|a| a.provider == ProviderKind::Twilio && !known.contains(&key(&a.name)))
        .map(|a| key(&a.name))
        .collect();
    let lines: Vec<&str> = secrets
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut out = HashMap::new();
    for l in &lines {
        if let Some((name, token)) = l.rsplit_once('=') {
            out.insert(key(name), SecretString::new(token.trim()));
        }
    }
    if out.is_empty()
        && let ([line], [name]) = (lines.as_slice(), new.as_slice())
    {
        out.insert(name.clone(), SecretString::new(*line));
    }
    out
}

fn duplicates<T>(out: &mut Problems, base: &P, items: &[T], what: &str, k: impl Fn(&T) -> String) {
    let mut seen = BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        if !seen.insert(k(item)) {
            err(out, base.at(i), format!("this {what} appears twice"));
        }
    }
}

/// Every check of the file, against the state it would produce.
fn check(
    file: &ConfigFile,
    current: &ConfigFile,
    tokens: &HashMap<String, SecretString>,
    dry_run: bool,
    out: &mut Problems,
) {
    let accounts = wanted(&file.accounts, &current.accounts);
    let numbers = wanted(&file.numbers, &current.numbers);
    let hours = wanted(&file.hours, &current.hours);
    let skills = wanted(&file.skills, &current.skills);
    let users = wanted(&file.users, &current.users);
    let workstreams = wanted(&file.workstreams, &current.workstreams);
    let hour_names: BTreeSet<String> = hours.iter().map(|h| key(&h.name)).collect();
    let skill_names: BTreeSet<String> = skills.iter().map(|s| s.name.key()).collect();
    let emails: BTreeSet<String> = users.iter().map(|u| key(&u.email)).collect();
    let ws_names: HashMap<String, Channel> = workstreams
        .iter()
        .map(|w| (key(&w.name), w.channel))
        .collect();
    let number_channels: HashMap<String, Channel> = numbers
        .iter()
        .filter_map(|n| {
            PhoneNumber::parse_typed(&n.number, n.kind.format())
                .ok()
                .map(|p| (p.to_string(), n.channel))
        })
        .collect();

    if let Some(list) = &file.accounts {
        let base = P::root("accounts");
        duplicates(out, &base, list, "account", |a| key(&a.name));
        let old: HashMap<String, &AccountDoc> = current
            .accounts
            .iter()
            .flatten()
            .map(|a| (key(&a.name), a))
            .collect();
        for (i, a) in list.iter().enumerate() {
            let p = base.at(i);
            if let Err(e) = AccountName::parse(&a.name) {
                err(out, p.key("name"), e.to_string());
            }
            match (a.provider, &a.sid) {
                (ProviderKind::Twilio, None) => {
                    err(out, p.key("provider"), "a Twilio account needs its sid");
                }
                (ProviderKind::Twilio, Some(sid)) => {
                    if let Err(e) = AccountSid::parse(sid) {
                        err(out, p.key("sid"), e.to_string());
                    }
                }
                _ => {}
            }
            match old.get(&key(&a.name)) {
                Some(o) if *o != a => err(
                    out,
                    p.key("name"),
                    "an existing account's channel, provider or SID is changed in the admin \
                     console, where its auth token is entered again",
                ),
                None if a.provider == ProviderKind::Twilio
                    && !dry_run
                    && !tokens.contains_key(&key(&a.name)) =>
                {
                    err(
                        out,
                        p.key("name"),
                        format!(
                            "the new account {} needs its auth token on standard input \
                             (a line `{} = TOKEN`)",
                            a.name, a.name
                        ),
                    )
                }
                _ => {}
            }
        }
    }

    if let Some(list) = &file.numbers {
        let base = P::root("numbers");
        duplicates(out, &base, list, "number", |n| {
            number_key(n.channel, n.kind, &n.number).unwrap_or_else(|| n.number.clone())
        });
        let by_name: HashMap<String, Channel> =
            accounts.iter().map(|a| (key(&a.name), a.channel)).collect();
        for (i, n) in list.iter().enumerate() {
            let p = base.at(i);
            if let Err(e) = PhoneNumber::parse_typed(&n.number, n.kind.format()) {
                err(out, p.key("number"), e.to_string());
            }
            match by_name.get(&key(&n.account)) {
                None => err(
                    out,
                    p.key("account"),
                    format!("no account named {}", n.account),
                ),
                Some(c) if *c != n.channel => err(
                    out,
                    p.key("channel"),
                    format!("the account {} is on the {c} channel", n.account),
                ),
                Some(_) => {}
            }
            if (n.kind == NumberKind::WhatsApp) != (n.channel == Channel::WhatsApp) {
                err(
                    out,
                    p.key("kind"),
                    "WhatsApp numbers, and only they, are of kind WhatsApp",
                );
            }
        }
        let old: HashMap<String, &NumberDoc> = current
            .numbers
            .iter()
            .flatten()
            .filter_map(|n| number_key(n.channel, n.kind, &n.number).map(|k| (k, n)))
            .collect();
        for (i, n) in list.iter().enumerate() {
            if let Some(k) = number_key(n.channel, n.kind, &n.number)
                && let Some(o) = old.get(&k)
                && (o.kind != n.kind
                    || key(&o.account) != key(&n.account)
                    || o.name != n.name
                    || o.description != n.description)
            {
                err(
                    out,
                    base.at(i).key("number"),
                    "an existing number is changed in the admin console (or remove it here and \
                     add it again)",
                );
            }
        }
    }

    if let Some(list) = &file.hours {
        let base = P::root("hours");
        duplicates(out, &base, list, "operating-hours name", |h| key(&h.name));
        for (i, h) in list.iter().enumerate() {
            let p = base.at(i);
            if h.name.trim().is_empty() || h.name.chars().count() > 100 {
                err(out, p.key("name"), "the name must be 1 to 100 characters");
            }
            if let Err(e) = crate::domain::hours::ZoneName::parse(h.time_zone.as_str()) {
                err(out, p.key("time_zone"), e.to_string());
            }
            if h.week.len() != 7 {
                err(out, p.key("week"), "the week has seven days, Monday first");
            }
            for (d, day) in h.week.iter().enumerate() {
                if day.open
                    && let Err(e) =
                        crate::domain::hours::DayHours::open(day.from_minute, day.to_minute)
                {
                    err(out, p.key("week").at(d), e.to_string());
                }
            }
            for (d, day) in h.holidays.iter().enumerate() {
                if let Err(e) = crate::domain::hours::Holiday::parse(&day.date, &day.reason) {
                    err(out, p.key("holidays").at(d), e.to_string());
                }
            }
        }
    }

    if let Some(list) = &file.skills {
        duplicates(out, &P::root("skills"), list, "skill", |s| s.name.key());
    }

    if let Some(list) = &file.users {
        let base = P::root("users");
        duplicates(out, &base, list, "user", |u| key(&u.email));
        let known: BTreeSet<String> = current
            .users
            .iter()
            .flatten()
            .map(|u| key(&u.email))
            .collect();
        for (i, u) in list.iter().enumerate() {
            let p = base.at(i);
            if let Err(e) = Email::parse(&u.email) {
                err(out, p.key("email"), e);
            } else if !known.contains(&key(&u.email)) {
                err(
                    out,
                    p.key("email"),
                    format!(
                        "no user {}: add new users with `omnidesk user add` (their password \
                         is never in this file)",
                        u.email
                    ),
                );
            }
            if u.name.trim().is_empty() || u.name.chars().count() > 100 {
                err(out, p.key("name"), "the name must be 1 to 100 characters");
            }
            if !(1..=100).contains(&u.capacity) {
                err(
                    out,
                    p.key("capacity"),
                    "the capacity is a whole number from 1 to 100",
                );
            }
            for s in u.skills.keys() {
                if !skill_names.contains(&key(s)) {
                    err(out, p.key("skills"), format!("no skill named {s}"));
                }
            }
        }
    }

    if let Some(list) = &file.workstreams {
        let base = P::root("workstreams");
        duplicates(out, &base, list, "workstream", |w| key(&w.name));
        let mut served = BTreeSet::new();
        for (i, w) in list.iter().enumerate() {
            let p = base.at(i);
            if let Err(e) = WorkstreamName::parse(&w.name) {
                err(out, p.key("name"), e.to_string());
            }
            if let Err(e) = QueueName::parse(&w.fallback_queue) {
                err(out, p.key("fallback_queue"), e.to_string());
            }
            for (j, n) in w.numbers.iter().enumerate() {
                match number_channels.get(n) {
                    None => err(
                        out,
                        p.key("numbers").at(j),
                        format!("no number {n} in numbers"),
                    ),
                    Some(c) if *c != w.channel => {
                        err(out, p.key("numbers").at(j), format!("{n} is a {c} number"))
                    }
                    Some(_) if !served.insert(n.clone()) => err(
                        out,
                        p.key("numbers").at(j),
                        format!("{n} already serves another workstream"),
                    ),
                    Some(_) => {}
                }
            }
            if let Some(h) = &w.operation_hours
                && !hour_names.contains(&key(h))
            {
                err(
                    out,
                    p.key("operation_hours"),
                    format!("no operating hours named {h}"),
                );
            }
            if let Some(s) = &w.survey
                && let Err(e) = crate::domain::workstream::SurveyLink::parse(s.link.as_str())
            {
                err(out, p.key("survey"), e.to_string());
            }
            check_queues(out, &p, w, &hour_names, &emails);
            check_rules(out, &p, w, &number_channels, &skill_names);
            duplicates(
                out,
                &p.key("context_variables"),
                &w.context_variables,
                "variable",
                |v| v.name.key(),
            );
            for (j, v) in w.context_variables.iter().enumerate() {
                if let Some(d) = &v.default
                    && d.kind() != v.kind
                {
                    err(
                        out,
                        p.key("context_variables").at(j).key("default"),
                        "the default is not of the variable's kind",
                    );
                }
            }
        }
    }

    let ws_ref = |out: &mut Problems, p: P, name: &str| {
        if !ws_names.contains_key(&key(name)) {
            err(out, p, format!("no workstream named {name}"));
        }
    };
    if let Some(list) = &file.templates {
        let base = P::root("templates");
        duplicates(out, &base, list, "template", |t| {
            format!("{}|{}", t.name.as_str(), t.language.key())
        });
        for (i, t) in list.iter().enumerate() {
            if let Some(sid) = &t.content_sid
                && let Err(e) = ContentSid::parse(sid)
            {
                err(out, base.at(i).key("content_sid"), e.to_string());
            }
            for (j, w) in t.workstreams.iter().enumerate() {
                ws_ref(out, base.at(i).key("workstreams").at(j), w);
            }
        }
    }
    if let Some(list) = &file.quick_replies {
        let base = P::root("quick_replies");
        duplicates(out, &base, list, "quick reply", |q| {
            format!("{}|{}", key(&q.title), q.locale.key())
        });
        for (i, q) in list.iter().enumerate() {
            if q.title.trim().is_empty() || q.title.chars().count() > 100 {
                err(
                    out,
                    base.at(i).key("title"),
                    "the title must be 1 to 100 characters",
                );
            }
            for (j, w) in q.workstreams.iter().enumerate() {
                ws_ref(out, base.at(i).key("workstreams").at(j), w);
            }
        }
    }
    if let Some(a) = &file.automated {
        let base = P::root("automated");
        if a.whatsapp_optout_keywords.is_empty() {
            err(
                out,
                base.key("whatsapp_optout_keywords"),
                "give at least one keyword",
            );
        } else if let Err(e) =
            crate::domain::optout::parse_list(&a.whatsapp_optout_keywords.join(","))
        {
            err(out, base.key("whatsapp_optout_keywords"), e.to_string());
        }
        for (i, o) in a.overrides.iter().enumerate() {
            let p = base.key("overrides").at(i);
            if let Err(e) = AutomatedText::parse(o.trigger, o.text.as_str()) {
                err(out, p.key("text"), e.to_string());
            }
            scope_check(out, p, &o.workstream, o.channel, &ws_names);
        }
        for (i, s) in a.switches.iter().enumerate() {
            scope_check(
                out,
                base.key("switches").at(i),
                &s.workstream,
                s.channel,
                &ws_names,
            );
        }
    }
}

fn scope_check(
    out: &mut Problems,
    p: P,
    ws: &Option<String>,
    channel: Channel,
    ws_names: &HashMap<String, Channel>,
) {
    if let Some(w) = ws {
        match ws_names.get(&key(w)) {
            None => err(out, p.key("workstream"), format!("no workstream named {w}")),
            Some(c) if *c != channel => err(
                out,
                p.key("channel"),
                format!("the workstream {w} is on the {c} channel"),
            ),
            Some(_) => {}
        }
    }
}

fn check_queues(
    out: &mut Problems,
    p: &P,
    w: &WorkstreamDoc,
    hour_names: &BTreeSet<String>,
    emails: &BTreeSet<String>,
) {
    if let Some(m) = w.position_minutes
        && !(1..=crate::domain::queue::MAX_POSITION_MINUTES).contains(&m)
    {
        err(
            out,
            p.key("position_minutes"),
            format!(
                "position messages are whole minutes from 1 to {}",
                crate::domain::queue::MAX_POSITION_MINUTES
            ),
        );
    }
    let base = p.key("queues");
    duplicates(out, &base, &w.queues, "queue", |q| key(&q.name));
    let names: BTreeSet<String> = w.queues.iter().map(|q| key(&q.name)).collect();
    let fallbacks: Vec<&QueueDoc> = w.queues.iter().filter(|q| q.fallback).collect();
    match fallbacks.as_slice() {
        [q] if key(&q.name) == key(&w.fallback_queue) => {}
        _ => err(
            out,
            p.key("fallback_queue"),
            format!(
                "exactly one queue, named {}, must have fallback = true",
                w.fallback_queue
            ),
        ),
    }
    for (i, q) in w.queues.iter().enumerate() {
        let qp = base.at(i);
        if let Err(e) = QueueName::parse(&q.name) {
            err(out, qp.key("name"), e.to_string());
        }
        if !(1..=MAX_PRIORITY).contains(&q.priority) {
            err(
                out,
                qp.key("priority"),
                format!("the priority is a whole number from 1 to {MAX_PRIORITY}"),
            );
        }
        if let Some(h) = &q.hours
            && !hour_names.contains(&key(h))
        {
            err(
                out,
                qp.key("hours"),
                format!("no operating hours named {h}"),
            );
        }
        for (j, m) in q.members.iter().enumerate() {
            if !emails.contains(&key(m)) {
                err(out, qp.key("members").at(j), format!("no user {m}"));
            }
        }
        for (j, o) in q.overflow.iter().enumerate() {
            let op = qp.key("overflow").at(j);
            match (o.action.as_str(), &o.transfer_to) {
                ("end" | "assign", None) => {}
                ("transfer", Some(t)) if key(t) == key(&q.name) => err(
                    out,
                    op.key("transfer_to"),
                    "a queue cannot overflow into itself",
                ),
                ("transfer", Some(t)) if !names.contains(&key(t)) => err(
                    out,
                    op.key("transfer_to"),
                    format!("no queue named {t} in this workstream"),
                ),
                ("transfer", Some(_)) => {}
                ("transfer", None) => err(out, op.key("action"), "name the queue in transfer_to"),
                ("end" | "assign", Some(_)) => {
                    err(out, op.key("transfer_to"), "only a transfer names a queue")
                }
                _ => err(
                    out,
                    op.key("action"),
                    "the action is end, transfer or assign",
                ),
            }
            if let Some(n) = o.condition.threshold()
                && !(1..=crate::domain::queue::MAX_THRESHOLD).contains(&n)
            {
                err(out, op.key("condition"), "the threshold is out of range");
            }
        }
        if q.overflow.len() > crate::domain::queue::MAX_OVERFLOW_RULES {
            err(out, qp.key("overflow"), "too many overflow rules");
        }
    }
}

fn check_rules(
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

/// Adds, changes and removes of a keyed list.
fn diff<T: PartialEq>(
    section: impl Into<String>,
    current: &[T],
    wanted: &[T],
    k: impl Fn(&T) -> String,
    label: impl Fn(&T) -> String,
) -> SectionChanges {
    let old: HashMap<String, &T> = current.iter().map(|t| (k(t), t)).collect();
    let new: BTreeSet<String> = wanted.iter().map(&k).collect();
    let mut out = SectionChanges {
        section: section.into(),
        ..Default::default()
    };
    for t in wanted {
        match old.get(&k(t)) {
            None => out.add.push(label(t)),
            Some(o) if *o != t => out.change.push(label(t)),
            Some(_) => {}
        }
    }
    for t in current {
        if !new.contains(&k(t)) {
            out.remove.push(label(t));
        }
    }
    out
}

/// A workstream without its nested lists, to see whether its own settings change.
fn own(w: &WorkstreamDoc) -> WorkstreamDoc {
    WorkstreamDoc {
        queues: Vec::new(),
        rules: Vec::new(),
        context_variables: Vec::new(),
        ..w.clone()
    }
}

fn cur<T: Clone>(c: &Option<Vec<T>>) -> Vec<T> {
    c.clone().unwrap_or_default()
}

fn changes(file: &ConfigFile, current: &ConfigFile) -> Report {
    let mut sections = Vec::new();
    let none = Vec::new();
    if let Some(l) = &file.accounts {
        sections.push(diff(
            "accounts",
            &cur(&current.accounts),
            l,
            |a: &AccountDoc| key(&a.name),
            |a| a.name.clone(),
        ));
    }
    if let Some(l) = &file.numbers {
        sections.push(diff(
            "numbers",
            &cur(&current.numbers),
            l,
            |n: &NumberDoc| number_key(n.channel, n.kind, &n.number).unwrap_or_default(),
            |n| n.number.clone(),
        ));
    }
    if let Some(l) = &file.hours {
        sections.push(diff(
            "hours",
            &cur(&current.hours),
            l,
            |h: &HoursDoc| key(&h.name),
            |h| h.name.clone(),
        ));
    }
    if let Some(l) = &file.skills {
        sections.push(diff(
            "skills",
            &cur(&current.skills),
            l,
            |s: &SkillDoc| s.name.key(),
            |s| s.name.to_string(),
        ));
    }
    if let Some(l) = &file.users {
        let listed: BTreeSet<String> = l.iter().map(|u| key(&u.email)).collect();
        let kept: Vec<UserDoc> = cur(&current.users)
            .into_iter()
            .filter(|u| listed.contains(&key(&u.email)))
            .collect();
        sections.push(diff(
            "users",
            &kept,
            l,
            |u: &UserDoc| key(&u.email),
            |u| u.email.clone(),
        ));
    }
    if let Some(l) = &file.workstreams {
        let old = cur(&current.workstreams);
        let mine: Vec<WorkstreamDoc> = old.iter().map(own).collect();
        let theirs: Vec<WorkstreamDoc> = l.iter().map(own).collect();
        sections.push(diff(
            "workstreams",
            &mine,
            &theirs,
            |w| key(&w.name),
            |w| w.name.clone(),
        ));
        for w in l {
            let o = old.iter().find(|o| key(&o.name) == key(&w.name));
            let name = &w.name;
            sections.push(diff(
                format!("queues of {name}"),
                o.map_or(&none, |o| &o.queues),
                &w.queues,
                |q: &QueueDoc| key(&q.name),
                |q| q.name.clone(),
            ));
            let mut rules = diff(
                format!("rules of {name}"),
                o.map_or(&Vec::new(), |o| &o.rules),
                &w.rules,
                |r: &RuleDoc| key(&r.name),
                |r| r.name.clone(),
            );
            let old_order: Vec<String> = o.map_or(Vec::new(), |o| {
                o.rules.iter().map(|r| key(&r.name)).collect()
            });
            let new_order: Vec<String> = w.rules.iter().map(|r| key(&r.name)).collect();
            let kept_old: Vec<&String> =
                old_order.iter().filter(|n| new_order.contains(n)).collect();
            let kept_new: Vec<&String> =
                new_order.iter().filter(|n| old_order.contains(n)).collect();
            if kept_old != kept_new {
                rules.change.push("the order".to_owned());
            }
            sections.push(rules);
            sections.push(diff(
                format!("context variables of {name}"),
                o.map_or(&Vec::new(), |o| &o.context_variables),
                &w.context_variables,
                |v: &VariableDoc| v.name.key(),
                |v| v.name.to_string(),
            ));
        }
    }
    if let Some(l) = &file.templates {
        sections.push(diff(
            "templates",
            &cur(&current.templates),
            l,
            |t: &TemplateDoc| format!("{}|{}", t.name.as_str(), t.language.key()),
            |t| format!("{} ({})", t.name.as_str(), t.language),
        ));
    }
    if let Some(l) = &file.quick_replies {
        sections.push(diff(
            "quick replies",
            &cur(&current.quick_replies),
            l,
            |q: &QuickReplyDoc| format!("{}|{}", key(&q.title), q.locale.key()),
            |q| format!("{} ({})", q.title, q.locale),
        ));
    }
    if let Some(a) = &file.automated {
        let empty = AutomatedDoc {
            whatsapp_optout_keywords: Vec::new(),
            overrides: Vec::new(),
            switches: Vec::new(),
        };
        let c = current.automated.as_ref().unwrap_or(&empty);
        let mut s = diff(
            "automated messages",
            &c.overrides,
            &a.overrides,
            override_key,
            |o| {
                format!(
                    "the {} text ({}, {}{})",
                    o.trigger,
                    o.channel,
                    o.locale,
                    scope(&o.workstream)
                )
            },
        );
        let sw = diff("", &c.switches, &a.switches, switch_key, |s| {
            format!(
                "the {} switch ({}{})",
                s.trigger,
                s.channel,
                scope(&s.workstream)
            )
        });
        s.add.extend(sw.add);
        s.change.extend(sw.change);
        s.remove.extend(sw.remove);
        if keywords(&a.whatsapp_optout_keywords) != keywords(&c.whatsapp_optout_keywords) {
            s.change.push("the WhatsApp opt-out keywords".to_owned());
        }
        sections.push(s);
    }
    Report {
        sections,
        applied: false,
        notes: Vec::new(),
    }
}

fn scope(ws: &Option<String>) -> String {
    ws.as_ref().map_or(String::new(), |w| format!(", {w}"))
}

fn override_key(o: &OverrideDoc) -> String {
    format!(
        "{}|{}|{}|{}",
        o.trigger.key(),
        o.channel.as_str(),
        o.workstream.as_deref().map(key).unwrap_or_default(),
        o.locale
    )
}

fn switch_key(s: &SwitchDoc) -> String {
    format!(
        "{}|{}|{}",
        s.trigger.key(),
        s.channel.as_str(),
        s.workstream.as_deref().map(key).unwrap_or_default()
    )
}

fn keywords(words: &[String]) -> BTreeSet<String> {
    words.iter().map(|w| w.trim().to_uppercase()).collect()
}

/// The removals that would take away something in use, with the reason.
async fn in_use(
    store: &Store,
    file: &ConfigFile,
    current: &ConfigFile,
) -> Result<Vec<String>, StoreError> {
    let mut out = still_referenced(file, current);
    let ids = Ids::read(store).await?;
    if let Some(list) = &file.workstreams {
        for old in current.workstreams.iter().flatten() {
            let Some(&ws) = ids.workstreams.get(&key(&old.name)) else {
                continue;
            };
            match list.iter().find(|w| key(&w.name) == key(&old.name)) {
                None => {
                    let open = store.workstream_open_conversations(ws).await?;
                    if open > 0 {
                        out.push(format!(
                            "the workstream {} cannot be removed: it has {open} open conversation(s)",
                            old.name
                        ));
                    }
                }
                Some(w) => {
                    for q in &old.queues {
                        if w.queues.iter().any(|n| key(&n.name) == key(&q.name)) {
                            continue;
                        }
                        let Some(&id) = ids.queues.get(&(ws, key(&q.name))) else {
                            continue;
                        };
                        let waiting = store.queue_waiting(id).await?;
                        if waiting > 0 {
                            out.push(format!(
                                "the queue {} of {} cannot be removed: {waiting} conversation(s) wait in it",
                                q.name, old.name
                            ));
                        }
                    }
                }
            }
        }
    }
    if let Some(list) = &file.numbers {
        for old in current.numbers.iter().flatten() {
            let k = number_key(old.channel, old.kind, &old.number).unwrap_or_default();
            if list
                .iter()
                .any(|n| number_key(n.channel, n.kind, &n.number).as_deref() == Some(&k))
            {
                continue;
            }
            if let Some(&id) = ids.numbers.get(&old.number) {
                let open = store.open_conversation_count(OpenOn::Number(id)).await?;
                if open > 0 {
                    out.push(format!(
                        "the number {} cannot be removed: it has {open} open conversation(s)",
                        old.number
                    ));
                }
            }
        }
    }
    if let Some(list) = &file.accounts {
        for old in current.accounts.iter().flatten() {
            if list.iter().any(|a| key(&a.name) == key(&old.name)) {
                continue;
            }
            if let Some(&id) = ids.accounts.get(&key(&old.name)) {
                let open = store.open_conversation_count(OpenOn::Account(id)).await?;
                if open > 0 {
                    out.push(format!(
                        "the account {} cannot be removed: it has {open} open conversation(s)",
                        old.name
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// Skills, hours and numbers the file removes while the workstreams it keeps still use them
/// (when the file has no workstreams section, which would be checked line by line).
fn still_referenced(file: &ConfigFile, current: &ConfigFile) -> Vec<String> {
    let mut out = Vec::new();
    let workstreams = wanted(&file.workstreams, &current.workstreams);
    if let Some(skills) = &file.skills {
        let names: BTreeSet<String> = skills.iter().map(|s| s.name.key()).collect();
        for w in workstreams {
            for r in &w.rules {
                for s in &r.skills {
                    if !names.contains(&key(&s.skill)) {
                        out.push(format!(
                            "the skill {} cannot be removed: the routing rule {} of {} requires it",
                            s.skill, r.name, w.name
                        ));
                    }
                }
            }
        }
    }
    if let Some(hours) = &file.hours {
        let names: BTreeSet<String> = hours.iter().map(|h| key(&h.name)).collect();
        for w in workstreams {
            let users = w
                .operation_hours
                .iter()
                .map(|h| (h, format!("the workstream {}", w.name)))
                .chain(w.queues.iter().filter_map(|q| {
                    q.hours
                        .as_ref()
                        .map(|h| (h, format!("the queue {} of {}", q.name, w.name)))
                }));
            for (h, user) in users {
                if !names.contains(&key(h)) {
                    out.push(format!(
                        "the operating hours {h} cannot be removed: {user} uses them"
                    ));
                }
            }
        }
    }
    if let Some(numbers) = &file.numbers {
        let kept: BTreeSet<String> = numbers
            .iter()
            .filter_map(|n| PhoneNumber::parse_typed(&n.number, n.kind.format()).ok())
            .map(|n| n.to_string())
            .collect();
        for w in workstreams {
            for n in &w.numbers {
                if !kept.contains(n) {
                    out.push(format!(
                        "the number {n} cannot be removed: it serves {}",
                        w.name
                    ));
                }
            }
        }
    }
    out
}

/// Names back to the store's ids, read afresh after each step that adds records.
#[derive(Default)]
struct Ids {
    accounts: HashMap<String, AccountId>,
    numbers: HashMap<String, NumberId>,
    hours: HashMap<String, crate::domain::HoursId>,
    skills: HashMap<String, SkillId>,
    users: HashMap<String, UserId>,
    workstreams: HashMap<String, WorkstreamId>,
    queues: HashMap<(WorkstreamId, String), QueueId>,
}

impl Ids {
    async fn read(store: &Store) -> Result<Self, StoreError> {
        let names = Names::read(store).await?;
        let mut queues = HashMap::new();
        for q in store.all_queues().await? {
            queues.insert((q.workstream_id, key(q.name.as_str())), q.id);
        }
        Ok(Self {
            accounts: names
                .accounts
                .into_iter()
                .map(|(id, n)| (key(&n), AccountId::new(id)))
                .collect(),
            numbers: names.numbers.into_iter().map(|(id, n)| (n, id)).collect(),
            hours: names
                .hours
                .into_iter()
                .map(|(id, n)| (key(&n), id))
                .collect(),
            skills: names
                .skills
                .into_iter()
                .map(|(id, n)| (key(&n), id))
                .collect(),
            users: names
                .users
                .into_iter()
                .map(|(id, n)| (key(&n), id))
                .collect(),
            workstreams: names
                .workstreams
                .into_iter()
                .map(|(id, n)| (key(&n), id))
                .collect(),
            queues,
        })
    }

    fn number(&self, n: &str) -> Option<NumberId> {
        self.numbers.get(n).copied()
    }
}

/// The store said no to one step: which, and why.
macro_rules! step {
    ($what:expr, $call:expr) => {
        match $call.await? {
            Ok(v) => v,
            Err(refusal) => return Ok(Err(format!("{}: {}", $what, refusal))),
        }
    };
}

type Applied = Result<Result<(), String>, StoreError>;

async fn apply(
    store: &Store,
    file: &ConfigFile,
    current: &ConfigFile,
    tokens: &HashMap<String, SecretString>,
    now: Timestamp,
) -> Applied {
    let mut ids = Ids::read(store).await?;
    if let Some(list) = &file.accounts {
        for a in list {
            if ids.accounts.contains_key(&key(&a.name)) {
                continue;
            }
            let Ok(name) = AccountName::parse(&a.name) else {
                continue;
            };
            let new = NewAccount {
                name,
                channel: a.channel,
                provider: a.provider,
                sid: a
                    .sid
                    .as_deref()
                    .map(AccountSid::parse)
                    .transpose()
                    .ok()
                    .flatten(),
                auth_token: tokens.get(&key(&a.name)).cloned(),
            };
            step!(
                format!("adding the account {}", a.name),
                store.create_account(new, now)
            );
        }
        ids = Ids::read(store).await?;
    }
    if let Some(list) = &file.numbers {
        for n in list {
            let Ok(number) = PhoneNumber::parse_typed(&n.number, n.kind.format()) else {
                continue;
            };
            if ids.numbers.contains_key(&number.to_string()) {
                continue;
            }
            let Some(&account_id) = ids.accounts.get(&key(&n.account)) else {
                continue;
            };
            let new = NewNumber {
                account_id,
                number,
                kind: n.kind,
                name: n.name.clone(),
                description: n.description.clone(),
            };
            step!(
                format!("adding the number {}", n.number),
                store.add_number(new)
            );
        }
        ids = Ids::read(store).await?;
    }
    if let Some(list) = &file.hours {
        let old = current.hours.clone().unwrap_or_default();
        for h in list {
            if old.contains(h) {
                continue;
            }
            let Ok(week) = <[crate::domain::hours::DayHours; 7]>::try_from(h.week.clone()) else {
                continue;
            };
            let input = HoursInput {
                name: h.name.trim().to_owned(),
                time_zone: h.time_zone.clone(),
                week,
                holidays: h.holidays.clone(),
            };
            match ids.hours.get(&key(&h.name)) {
                Some(&id) => step!(
                    format!("changing the hours {}", h.name),
                    store.update_hours(id, input)
                ),
                None => step!(
                    format!("adding the hours {}", h.name),
                    store.create_hours(input)
                ),
            };
        }
        ids = Ids::read(store).await?;
    }
    if let Some(list) = &file.skills {
        for s in list {
            if !ids.skills.contains_key(&s.name.key()) {
                step!(
                    format!("adding the skill {}", s.name),
                    store.create_skill(s.name.clone())
                );
            }
        }
        ids = Ids::read(store).await?;
    }
    if let Some(list) = &file.users {
        let old = current.users.clone().unwrap_or_default();
        for u in list {
            if old.contains(u) {
                continue;
            }
            let Some(&id) = ids.users.get(&key(&u.email)) else {
                continue;
            };
            let update = crate::store::users::UserUpdate {
                name: u.name.trim().to_owned(),
                role: u.role,
                capacity: u.capacity,
                languages: u.languages.clone(),
                disabled: u.disabled,
            };
            step!(
                format!("changing the user {}", u.email),
                store.update_user(id, update)
            );
        }
        for s in store.skills().await? {
            let levels: Vec<(UserId, Option<Proficiency>)> = list
                .iter()
                .filter_map(|u| {
                    let id = *ids.users.get(&key(&u.email))?;
                    let level = u
                        .skills
                        .iter()
                        .find(|(name, _)| key(name) == s.name.key())
                        .map(|(_, p)| *p);
                    Some((id, level))
                })
                .collect();
            step!(
                format!("the skill {}", s.name),
                store.update_skill(s.id, s.name.clone(), levels)
            );
        }
    }
    if let Some(list) = &file.workstreams {
        for w in list {
            if let Err(e) = apply_workstream(store, &mut ids, w, current).await? {
                return Ok(Err(e));
            }
        }
    }
    if let Some(list) = &file.templates
        && let Err(e) = apply_templates(store, &ids, list, current).await?
    {
        return Ok(Err(e));
    }
    if let Some(list) = &file.quick_replies
        && let Err(e) = apply_quick_replies(store, &ids, list).await?
    {
        return Ok(Err(e));
    }
    if let Some(a) = &file.automated
        && let Err(e) = apply_automated(store, &ids, a, current, now).await?
    {
        return Ok(Err(e));
    }
    // Removals last, dependents first.
    if let Some(list) = &file.workstreams {
        for old in current.workstreams.iter().flatten() {
            if list.iter().any(|w| key(&w.name) == key(&old.name)) {
                continue;
            }
            if let Some(&id) = ids.workstreams.get(&key(&old.name)) {
                for r in store.rules(id).await? {
                    step!(
                        format!("removing the rule {}", r.name),
                        store.delete_rule(r.id)
                    );
                }
                step!(
                    format!("removing the workstream {}", old.name),
                    store.delete_workstream(id)
                );
            }
        }
    }
    if let Some(list) = &file.numbers {
        for old in current.numbers.iter().flatten() {
            let k = number_key(old.channel, old.kind, &old.number);
            if list
                .iter()
                .any(|n| number_key(n.channel, n.kind, &n.number) == k)
            {
                continue;
            }
            if let Some(id) = ids.number(&old.number) {
                step!(
                    format!("removing the number {}", old.number),
                    store.delete_number(id, now)
                );
            }
        }
    }
    if let Some(list) = &file.accounts {
        for old in current.accounts.iter().flatten() {
            if list.iter().any(|a| key(&a.name) == key(&old.name)) {
                continue;
            }
            if let Some(&id) = ids.accounts.get(&key(&old.name)) {
                step!(
                    format!("removing the account {}", old.name),
                    store.delete_account(id, now)
                );
            }
        }
    }
    if let Some(list) = &file.hours {
        for old in current.hours.iter().flatten() {
            if list.iter().any(|h| key(&h.name) == key(&old.name)) {
                continue;
            }
            if let Some(&id) = ids.hours.get(&key(&old.name)) {
                step!(
                    format!("removing the hours {}", old.name),
                    store.delete_hours(id)
                );
            }
        }
    }
    if let Some(list) = &file.skills {
        for old in current.skills.iter().flatten() {
            if list.iter().any(|s| s.name.key() == old.name.key()) {
                continue;
            }
            if let Some(&id) = ids.skills.get(&old.name.key()) {
                step!(
                    format!("removing the skill {}", old.name),
                    store.delete_skill(id)
                );
            }
        }
    }
    Ok(Ok(()))
}

fn queue_draft(
    ids: &Ids,
    ws: WorkstreamId,
    q: &QueueDoc,
    with_overflow: bool,
) -> Option<QueueDraft> {
    let mut overflow = Vec::new();
    if with_overflow {
        for o in &q.overflow {
            let action = match (o.action.as_str(), &o.transfer_to) {
                ("end", _) => OverflowAction::End,
                ("assign", _) => OverflowAction::AssignAnyway,
                (_, Some(t)) => OverflowAction::TransferTo(*ids.queues.get(&(ws, key(t)))?),
                _ => return None,
            };
            overflow.push(OverflowRule {
                condition: o.condition,
                action,
            });
        }
    }
    Some(QueueDraft {
        name: QueueName::parse(&q.name).ok()?,
        priority: q.priority,
        method: q.method,
        hours: match &q.hours {
            Some(h) => Some(*ids.hours.get(&key(h))?),
            None => None,
        },
        overflow,
        members: q
            .members
            .iter()
            .filter_map(|m| ids.users.get(&key(m)).copied())
            .collect(),
    })
}

async fn apply_workstream(
    store: &Store,
    ids: &mut Ids,
    w: &WorkstreamDoc,
    current: &ConfigFile,
) -> Applied {
    let old = current
        .workstreams
        .iter()
        .flatten()
        .find(|o| key(&o.name) == key(&w.name));
    let numbers: Vec<NumberId> = w.numbers.iter().filter_map(|n| ids.number(n)).collect();
    let (Ok(name), Ok(fallback)) = (
        WorkstreamName::parse(&w.name),
        QueueName::parse(&w.fallback_queue),
    ) else {
        return Ok(Ok(()));
    };
    let what = format!("the workstream {}", w.name);
    let id = match ids.workstreams.get(&key(&w.name)) {
        Some(&id) => id,
        None => {
            let draft = WorkstreamDraft {
                name: name.clone(),
                channel: w.channel,
                mode: w.mode,
                fallback_queue: Some(fallback.clone()),
                numbers: Vec::new(),
            };
            step!(format!("adding {what}"), store.create_workstream(draft)).id
        }
    };
    if old.map(own) != Some(own(w)) {
        if old.is_some_and(|o| o.fallback_queue != w.fallback_queue || o.name != w.name) {
            let profile = WorkstreamProfile {
                name,
                fallback_queue: fallback,
            };
            step!(what.clone(), store.update_workstream_profile(id, profile));
        }
        step!(
            what.clone(),
            store.save_workstream_setup(id, SetupChange::Numbers(numbers))
        );
        if let Some(l) = &w.language {
            step!(
                what.clone(),
                store.save_workstream_setup(id, SetupChange::Language(l.clone()))
            );
        }
        let behaviors = SetupChange::Behaviors {
            operation_hours: w
                .operation_hours
                .as_ref()
                .and_then(|h| ids.hours.get(&key(h)).copied()),
            survey: w.survey.clone(),
        };
        step!(what.clone(), store.save_workstream_setup(id, behaviors));
        step!(
            what.clone(),
            store.save_workstream_setup(id, SetupChange::Features(w.attachments))
        );
        step!(
            what.clone(),
            store.set_workstream_distribution(id, w.distribution.clone())
        );
        store.set_skill_match_mode(id, w.skill_match).await?;
        if let Some(m) = w.position_minutes {
            store.set_position_minutes(id, m).await?;
        }
    }
    *ids = Ids::read(store).await?;
    // Queues: new ones first, then every queue in full (overflow may name a new queue).
    for q in &w.queues {
        if !ids.queues.contains_key(&(id, key(&q.name)))
            && let Some(draft) = queue_draft(ids, id, q, false)
        {
            step!(
                format!("adding the queue {}", q.name),
                store.create_queue(id, draft)
            );
        }
    }
    *ids = Ids::read(store).await?;
    let old_queues = old.map_or(&[][..], |o| &o.queues[..]);
    for q in &w.queues {
        if old_queues.contains(q) {
            continue;
        }
        if let (Some(&qid), Some(draft)) = (
            ids.queues.get(&(id, key(&q.name))),
            queue_draft(ids, id, q, true),
        ) {
            step!(
                format!("changing the queue {}", q.name),
                store.update_queue(qid, draft)
            );
        }
    }
    // Rules: removed first, then added or changed, then put in order.
    let old_rules = old.map_or(&[][..], |o| &o.rules[..]);
    let mut stored: HashMap<String, crate::domain::RuleId> = store
        .rules(id)
        .await?
        .into_iter()
        .map(|r| (key(r.name.as_str()), r.id))
        .collect();
    for (name, rid) in stored.clone() {
        if !w.rules.iter().any(|r| key(&r.name) == name) {
            step!(format!("removing the rule {name}"), store.delete_rule(rid));
            stored.remove(&name);
        }
    }
    for r in &w.rules {
        if old_rules.contains(r) {
            continue;
        }
        let Some(draft) = rule_draft(ids, id, r) else {
            continue;
        };
        match stored.get(&key(&r.name)) {
            Some(&rid) => {
                step!(
                    format!("changing the rule {}", r.name),
                    store.update_rule(rid, draft)
                );
            }
            None => {
                let rule = step!(
                    format!("adding the rule {}", r.name),
                    store.create_rule(id, draft)
                );
                stored.insert(key(&r.name), rule.id);
            }
        }
    }
    for (i, r) in w.rules.iter().enumerate() {
        let Some(&rid) = stored.get(&key(&r.name)) else {
            continue;
        };
        loop {
            let order: Vec<_> = store.rules(id).await?.iter().map(|r| r.id).collect();
            match order.iter().position(|x| *x == rid) {
                Some(at) if at > i => {
                    step!(
                        format!("ordering the rule {}", r.name),
                        store.move_rule(rid, Move::Up)
                    );
                }
                _ => break,
            }
        }
    }
    for q in old_queues {
        if w.queues.iter().any(|n| key(&n.name) == key(&q.name)) {
            continue;
        }
        if let Some(&qid) = ids.queues.get(&(id, key(&q.name))) {
            step!(
                format!("removing the queue {}", q.name),
                store.delete_queue(qid)
            );
        }
    }
    // Context variables.
    let old_vars = old.map_or(&[][..], |o| &o.context_variables[..]);
    for v in old_vars {
        if !w
            .context_variables
            .iter()
            .any(|n| n.name.key() == v.name.key())
        {
            step!(
                format!("removing the variable {}", v.name),
                store.delete_context_variable(id, v.name.key())
            );
        }
    }
    for v in &w.context_variables {
        if old_vars.contains(v) {
            continue;
        }
        let draft = crate::store::context::ContextVariableDraft {
            name: v.name.clone(),
            kind: v.kind,
            default: v.default.clone(),
        };
        if old_vars.iter().any(|o| o.name.key() == v.name.key()) {
            step!(
                format!("changing the variable {}", v.name),
                store.update_context_variable(id, v.name.key(), draft)
            );
        } else {
            step!(
                format!("adding the variable {}", v.name),
                store.create_context_variable(id, draft)
            );
        }
    }
    *ids = Ids::read(store).await?;
    Ok(Ok(()))
}

fn rule_draft(ids: &Ids, ws: WorkstreamId, r: &RuleDoc) -> Option<RuleDraft> {
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

fn ws_ids(ids: &Ids, names: &[String]) -> Vec<WorkstreamId> {
    names
        .iter()
        .filter_map(|n| ids.workstreams.get(&key(n)).copied())
        .collect()
}

async fn apply_templates(
    store: &Store,
    ids: &Ids,
    list: &[TemplateDoc],
    _current: &ConfigFile,
) -> Applied {
    let stored = store.templates().await?;
    for t in list {
        let draft = TemplateDraft {
            name: t.name.clone(),
            language: t.language.clone(),
            text: t.text.clone(),
            content_sid: t
                .content_sid
                .as_deref()
                .and_then(|s| ContentSid::parse(s).ok()),
            variants: t
                .variants
                .iter()
                .map(|v| (v.language.clone(), v.text.clone()))
                .collect(),
            workstreams: ws_ids(ids, &t.workstreams),
        };
        let found = stored
            .iter()
            .find(|s| s.name == t.name && s.language.key() == t.language.key());
        match found {
            Some(s) => {
                let same = s.text == draft.text
                    && s.content_sid == draft.content_sid
                    && s.workstreams == draft.workstreams
                    && s.variants == t.variants;
                if !same {
                    step!(
                        format!("changing the template {}", t.name.as_str()),
                        store.update_template(s.id, draft)
                    );
                }
            }
            None => {
                step!(
                    format!("adding the template {}", t.name.as_str()),
                    store.create_template(draft)
                );
            }
        }
    }
    for s in stored {
        if !list
            .iter()
            .any(|t| t.name == s.name && t.language.key() == s.language.key())
        {
            step!(
                format!("removing the template {}", s.name.as_str()),
                store.delete_template(s.id)
            );
        }
    }
    Ok(Ok(()))
}

async fn apply_quick_replies(store: &Store, ids: &Ids, list: &[QuickReplyDoc]) -> Applied {
    let stored = store.quick_replies().await?;
    let same_key = |title: &str, locale: &LanguageCode, q: &QuickReplyDoc| {
        key(title) == key(&q.title) && locale.key() == q.locale.key()
    };
    for q in list {
        let draft = QuickReplyDraft {
            title: q.title.trim().to_owned(),
            locale: q.locale.clone(),
            message: q.message.clone(),
            tags: q.tags.clone(),
            workstreams: ws_ids(ids, &q.workstreams),
        };
        match stored.iter().find(|s| same_key(&s.title, &s.locale, q)) {
            Some(s) => {
                let same = s.message == draft.message
                    && s.tags == draft.tags
                    && s.workstreams == draft.workstreams;
                if !same {
                    step!(
                        format!("changing the quick reply {}", q.title),
                        store.update_quick_reply(s.id, draft)
                    );
                }
            }
            None => {
                step!(
                    format!("adding the quick reply {}", q.title),
                    store.create_quick_reply(draft)
                );
            }
        }
    }
    for s in stored {
        if !list.iter().any(|q| same_key(&s.title, &s.locale, q)) {
            step!(
                format!("removing the quick reply {}", s.title),
                store.delete_quick_reply(s.id)
            );
        }
    }
    Ok(Ok(()))
}

async fn apply_automated(
    store: &Store,
    ids: &Ids,
    a: &AutomatedDoc,
    current: &ConfigFile,
    now: Timestamp,
) -> Applied {
    let ws = |w: &Option<String>| {
        w.as_ref()
            .and_then(|n| ids.workstreams.get(&key(n)).copied())
    };
    let old = current.automated.clone();
    let old_overrides = old.as_ref().map_or(&[][..], |o| &o.overrides[..]);
    let old_switches = old.as_ref().map_or(&[][..], |o| &o.switches[..]);
    for o in old_overrides {
        if !a
            .overrides
            .iter()
            .any(|n| override_key(n) == override_key(o))
        {
            store
                .reset_automated_override(OverrideKey {
                    trigger: o.trigger,
                    channel: o.channel,
                    workstream: ws(&o.workstream),
                    locale: o.locale.clone(),
                })
                .await?;
        }
    }
    for o in &a.overrides {
        if old_overrides.contains(o) {
            continue;
        }
        let Ok(text) = AutomatedText::parse(o.trigger, o.text.as_str()) else {
            continue;
        };
        let k = OverrideKey {
            trigger: o.trigger,
            channel: o.channel,
            workstream: ws(&o.workstream),
            locale: o.locale.clone(),
        };
        step!(
            format!("the {} text", o.trigger),
            store.set_automated_override(k, text, now)
        );
    }
    for s in old_switches {
        if !a.switches.iter().any(|n| switch_key(n) == switch_key(s)) {
            store
                .clear_automated_switch(SwitchKey {
                    trigger: s.trigger,
                    channel: s.channel,
                    workstream: ws(&s.workstream),
                })
                .await?;
        }
    }
    for s in &a.switches {
        if old_switches.contains(s) {
            continue;
        }
        let k = SwitchKey {
            trigger: s.trigger,
            channel: s.channel,
            workstream: ws(&s.workstream),
        };
        step!(
            format!("the {} switch", s.trigger),
            store.set_automated_switch(k, s.on)
        );
    }
    let old_words = old.as_ref().map(|o| keywords(&o.whatsapp_optout_keywords));
    if old_words != Some(keywords(&a.whatsapp_optout_keywords))
        && let Ok(words) = crate::domain::optout::parse_list(&a.whatsapp_optout_keywords.join(","))
    {
        store.set_whatsapp_optout_keywords(words).await?;
    }
    Ok(Ok(()))
}
