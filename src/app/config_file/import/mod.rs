//! Reads a configuration file back: validation with line-precise errors, the changes it would
//! make per section, and applying them through the store's write paths. One module per section
//! (`accounts`, `people`, `workstreams` with `queues` and `routing`, `messages`); `plan` says
//! what would change, `location` where a problem is, `ids` maps names back to ids.

use super::export::{Names, export};
use super::*;
use crate::domain::account::AccountName;
use crate::domain::automated::{OverrideKey, SwitchKey};
use crate::domain::queue::{MAX_PRIORITY, OverflowAction, OverflowRule};
use crate::domain::routing::{Condition, RuleName, SkillRequirement};
use crate::domain::sender::{ChannelId, SenderAddress};
use crate::domain::user::{Email, Role};
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
use crate::store::setup::{AccountUpdate, NewAccount, NewNumber, NumberUpdate, OpenOn};
use crate::store::templates::TemplateDraft;
use crate::store::workstreams::{SetupChange, WorkstreamDraft, WorkstreamProfile};
use crate::store::{Store, StoreError};
use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// The store said no to one step: which, and why.
macro_rules! step {
    ($what:expr, $call:expr) => {
        match $call.await? {
            Ok(v) => v,
            Err(refusal) => return Ok(Err(format!("{}: {}", $what, refusal))),
        }
    };
}

/// A section's apply stopped: the import stops with its reason.
macro_rules! stage {
    ($call:expr) => {
        if let Err(e) = $call.await? {
            return Ok(Err(e));
        }
    };
}

mod accounts;
mod bots;
mod ids;
mod knowledge;
mod location;
mod messages;
mod people;
mod plan;
mod queues;
mod routing;
mod users;
mod workstreams;

use accounts::*;
use bots::*;
use ids::*;
use knowledge::*;
use location::*;
use messages::*;
use people::*;
use plan::*;
use queues::*;
use routing::*;
use users::*;
use workstreams::*;

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

/// The Twilio accounts `text` adds (none if it does not parse: the import then says why).
pub async fn new_accounts(store: &Store, text: &str) -> Result<Vec<String>, StoreError> {
    let Ok(file) = toml::from_str::<ConfigFile>(text) else {
        return Ok(Vec::new());
    };
    Ok(new_twilio_accounts(&file, &export(store).await?))
}

/// Reads `text`, checks all of it, and (unless `dry_run`) makes each section it contains the
/// desired state. `secrets` holds `Account name = auth token` lines for new Twilio accounts.
/// `acting`: the admin importing it from the admin page, who must stay an active admin.
pub async fn import(
    store: &Store,
    text: &str,
    dry_run: bool,
    secrets: &str,
    acting: Option<&Email>,
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
    let awaiting: BTreeSet<String> = store
        .accounts()
        .await?
        .iter()
        .filter(|a| a.awaits_token())
        .map(|a| key(a.name.as_str()))
        .collect();
    check(&file, &current, &awaiting, acting, &mut problems);
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
    report
        .notes
        .extend(awaiting_notes(&file, &current, &tokens));
    report.notes.extend(bot_notes(&file, &current));
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
    if dry_run || report.no_changes() {
        return Ok(Ok(report));
    }
    if let Err(step) = apply(store, &file, &current, &tokens, now).await? {
        return Ok(Err(ImportRefusal::Apply(step)));
    }
    report.applied = true;
    Ok(Ok(report))
}

/// The section of the file if present, else the store's.
fn wanted<'a, T>(file: &'a Option<Vec<T>>, current: &'a Option<Vec<T>>) -> &'a [T] {
    file.as_deref().or(current.as_deref()).unwrap_or_default()
}

fn key(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Normalises a number as the store writes it, given its kind.
/// A number section's address: an ACS WhatsApp channel ID (a GUID, which no phone number is),
/// else a phone number of its kind.
fn doc_address(number: &str, kind: NumberKind) -> Result<SenderAddress, String> {
    if let Ok(id) = ChannelId::parse(number) {
        return Ok(id.into());
    }
    PhoneNumber::parse_typed(number, kind.format())
        .map(SenderAddress::from)
        .map_err(|e| e.to_string())
}

fn number_key(channel: Channel, kind: NumberKind, number: &str) -> Option<String> {
    doc_address(number, kind)
        .ok()
        .map(|n| format!("{}:{}", channel.as_str(), n))
}

fn duplicates<T>(out: &mut Problems, base: &P, items: &[T], what: &str, k: impl Fn(&T) -> String) {
    let mut seen = BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        if !seen.insert(k(item)) {
            err(out, base.at(i), format!("this {what} appears twice"));
        }
    }
}

/// What the checks read: the file, the store's configuration, and names in the state the
/// file would produce.
struct Scope<'a> {
    file: &'a ConfigFile,
    current: &'a ConfigFile,
    /// Accounts (by name key) still waiting for their auth token.
    awaiting: &'a BTreeSet<String>,
    accounts: &'a [AccountDoc],
    hour_names: BTreeSet<String>,
    skill_names: BTreeSet<String>,
    emails: BTreeSet<String>,
    ws_names: HashMap<String, Channel>,
    number_channels: HashMap<String, Channel>,
    acting: Option<&'a Email>,
}

/// Every check of the file, against the state it would produce.
fn check(
    file: &ConfigFile,
    current: &ConfigFile,
    awaiting: &BTreeSet<String>,
    acting: Option<&Email>,
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
            doc_address(&n.number, n.kind)
                .ok()
                .map(|p| (p.to_string(), n.channel))
        })
        .collect();

    let scope = Scope {
        file,
        current,
        awaiting,
        accounts,
        hour_names,
        skill_names,
        emails,
        ws_names,
        number_channels,
        acting,
    };
    check_accounts(&scope, out);
    check_numbers(&scope, out);
    check_hours(&scope, out);
    check_users(&scope, out);
    check_workstreams(&scope, out);
    check_messages(&scope, out);
    check_knowledge(&scope, out);
}

fn cur<T: Clone>(c: &Option<Vec<T>>) -> Vec<T> {
    c.clone().unwrap_or_default()
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
        stage!(apply_accounts(store, &mut ids, list, current, tokens, now));
    }
    if let Some(list) = &file.numbers {
        stage!(apply_numbers(store, &mut ids, list, current));
    }
    if let Some(list) = &file.hours {
        stage!(apply_hours(store, &mut ids, list, current));
    }
    if let Some(list) = &file.skills {
        stage!(apply_skills(store, &mut ids, list));
    }
    if let Some(list) = &file.users {
        stage!(apply_users(store, &mut ids, list, current, now));
    }
    if let Some(list) = &file.workstreams {
        for w in list {
            stage!(apply_workstream(store, &mut ids, w, current));
        }
    }
    if let Some(list) = &file.templates {
        stage!(apply_templates(store, &ids, list, current));
    }
    if let Some(list) = &file.quick_replies {
        stage!(apply_quick_replies(store, &ids, list));
    }
    if let Some(a) = &file.automated {
        stage!(apply_automated(store, &ids, a, current, now));
    }
    if let Some(list) = &file.knowledge {
        stage!(apply_knowledge(store, list, now));
    }
    // Removals last, dependents first.
    if let Some(list) = &file.workstreams {
        stage!(remove_workstreams(store, &ids, list, current));
    }
    if let Some(list) = &file.numbers {
        stage!(remove_numbers(store, &ids, list, current, now));
    }
    if let Some(list) = &file.accounts {
        stage!(remove_accounts(store, &ids, list, current, now));
    }
    if let Some(list) = &file.hours {
        stage!(remove_hours(store, &ids, list, current));
    }
    if let Some(list) = &file.skills {
        stage!(remove_skills(store, &ids, list, current));
    }
    Ok(Ok(()))
}
