//! Configuration as a file: every settings table as one TOML document (`export`), and that
//! document read back as the desired state of the sections it names (`import`).

pub mod export;
pub mod import;
pub mod prompt;
mod tables;

pub use tables::{DATA_TABLES, NOT_YET_EXPORTED, SETTINGS_TABLES};

use crate::domain::Channel;
use crate::domain::automated::{AutomatedText, Locale, Trigger};
use crate::domain::hours::{DayHours, Holiday, ZoneName};
use crate::domain::language::LanguageCode;
use crate::domain::queue::{AssignmentMethod, OverflowCondition};
use crate::domain::quick_reply::QuickReplyText;
use crate::domain::routing::conditions::{ContactField, ContextTest, Keywords, NumberMatch};
use crate::domain::routing::context::{ContextValue, VariableKind, VariableName};
use crate::domain::routing::skills::{MatchMode, Proficiency, SkillName};
use crate::domain::template::TemplateText;
use crate::domain::template_name::TemplateName;
use crate::domain::user::Role;
use crate::domain::workstream::{Attachments, Distribution, Survey};
use crate::store::records::{DistributionMode, NumberKind, ProviderKind, TemplateVariant};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The whole file. A section left out (None) is not touched by an import.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts: Option<Vec<AccountDoc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numbers: Option<Vec<NumberDoc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<Vec<HoursDoc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skills: Option<Vec<SkillDoc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<UserDoc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workstreams: Option<Vec<WorkstreamDoc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub templates: Option<Vec<TemplateDoc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quick_replies: Option<Vec<QuickReplyDoc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated: Option<AutomatedDoc>,
    /// Knowledge articles, matched by their slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub knowledge: Option<Vec<crate::store::knowledge::ArticleContent>>,
}

/// A messaging account, matched by name. Its auth token (or ACS connection string) is never in
/// the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountDoc {
    pub name: String,
    pub channel: Channel,
    pub provider: ProviderKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// An Azure Communication Services account's settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acs: Option<AcsDoc>,
}

/// What an ACS account has besides its connection string (a secret, never in the file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcsDoc {
    pub resource: String,
    /// The connection string's endpoint; the connection string set later must be for it.
    pub endpoint: String,
    pub event_grid_app_id: String,
    pub event_grid_tenant_id: String,
}

/// A business number, matched by channel and number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberDoc {
    pub number: String,
    pub channel: Channel,
    pub kind: NumberKind,
    /// The account's name.
    pub account: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// Operating hours, matched by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoursDoc {
    pub name: String,
    pub time_zone: ZoneName,
    /// Monday first, seven days.
    pub week: Vec<DayHours>,
    #[serde(default)]
    pub holidays: Vec<Holiday>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillDoc {
    pub name: SkillName,
}

/// A user, matched by e-mail. The password is never in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserDoc {
    pub email: String,
    pub name: String,
    pub role: Role,
    #[serde(default)]
    pub disabled: bool,
    pub capacity: u32,
    #[serde(default)]
    pub languages: Vec<String>,
    /// Skill name → proficiency (1–10).
    #[serde(default)]
    pub skills: BTreeMap<String, Proficiency>,
}

/// A workstream with its queues, rules and context variables, matched by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkstreamDoc {
    pub name: String,
    pub channel: Channel,
    pub mode: DistributionMode,
    /// Business numbers, as written in `numbers`.
    #[serde(default)]
    pub numbers: Vec<String>,
    pub fallback_queue: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<LanguageCode>,
    /// The name of the operating hours ("Channel operation hours").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_hours: Option<String>,
    #[serde(default)]
    pub skill_match: MatchMode,
    /// What the workstream's offers show the agent (the default when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_card: Option<crate::domain::offer_card::OfferCard>,
    /// Minutes between two position-in-queue messages to one customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position_minutes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey: Option<Survey>,
    pub attachments: Attachments,
    pub distribution: Distribution,
    #[serde(default)]
    pub queues: Vec<QueueDoc>,
    /// In evaluation order.
    #[serde(default)]
    pub rules: Vec<RuleDoc>,
    #[serde(default)]
    pub context_variables: Vec<VariableDoc>,
    /// The built-in menu bot that takes new conversations before routing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub menu_bot: Option<MenuBotDoc>,
    /// An external bot; its signing secret is never in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_bot: Option<ExternalBotDoc>,
    /// The agent script, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub script: Vec<ScriptStepDoc>,
}

/// One step of a workstream's agent script.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptStepDoc {
    pub kind: crate::domain::knowledge::script::StepKind,
    pub text: crate::domain::knowledge::script::StepText,
}

/// The menu bot of a workstream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MenuBotDoc {
    pub greeting: String,
    /// Numbered in this order.
    pub options: Vec<MenuOptionDoc>,
    #[serde(default = "default_human_keyword")]
    pub human_keyword: String,
    pub reprompt: String,
    #[serde(default = "default_max_failures")]
    pub max_failures: u8,
}

fn default_human_keyword() -> String {
    crate::domain::bot::DEFAULT_HUMAN_KEYWORD.to_owned()
}

fn default_max_failures() -> u8 {
    crate::domain::bot::DEFAULT_MAX_FAILURES
}

fn default_timeout() -> u8 {
    crate::domain::bot::DEFAULT_TIMEOUT_SECS
}

/// One option of the menu: the context variables it sets (name → value as the admin form
/// writes it) and the queue it sends to (absent: the routing rules).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MenuOptionDoc {
    pub label: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
}

/// An external bot: where each customer message is POSTed, and how long it may take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalBotDoc {
    pub url: String,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u8,
}

/// A queue of its workstream, matched by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueDoc {
    pub name: String,
    pub priority: u32,
    pub method: AssignmentMethod,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<String>,
    #[serde(default)]
    pub fallback: bool,
    /// The members' e-mail addresses.
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub overflow: Vec<OverflowDoc>,
}

/// An overflow rule; `transfer_to` names a queue of the same workstream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverflowDoc {
    pub condition: OverflowCondition,
    /// "end", "transfer" or "assign".
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_to: Option<String>,
}

/// A routing rule, matched by name within its workstream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    pub name: String,
    /// A queue's name; absent: the fallback queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    #[serde(default)]
    pub conditions: Vec<ConditionDoc>,
    #[serde(default)]
    pub skills: Vec<RequirementDoc>,
}

/// `routing::Condition` with the business number written as a number, not an id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ConditionDoc {
    Channel(Channel),
    BusinessNumber(String),
    CustomerNumber(NumberMatch),
    FirstMessage(Keywords),
    Language(LanguageCode),
    Contact {
        field: ContactField,
        is: bool,
    },
    Context {
        name: VariableName,
        test: ContextTest,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequirementDoc {
    pub skill: String,
    pub min: Proficiency,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableDoc {
    pub name: VariableName,
    pub kind: VariableKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<ContextValue>,
}

/// A WhatsApp template, matched by name and language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateDoc {
    pub name: TemplateName,
    pub language: LanguageCode,
    pub text: TemplateText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_sid: Option<String>,
    /// Workstream names.
    #[serde(default)]
    pub workstreams: Vec<String>,
    #[serde(default)]
    pub variants: Vec<TemplateVariant>,
    /// Label and example of each placeholder, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<crate::domain::template_variable::VariableHint>,
}

/// A quick reply, matched by title and locale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuickReplyDoc {
    pub title: String,
    pub locale: LanguageCode,
    pub message: QuickReplyText,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Workstream names; empty: every workstream.
    #[serde(default)]
    pub workstreams: Vec<String>,
}

/// Automated messages: the admins' texts, the on/off switches and the WhatsApp opt-out words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutomatedDoc {
    pub whatsapp_optout_keywords: Vec<String>,
    #[serde(default)]
    pub overrides: Vec<OverrideDoc>,
    #[serde(default)]
    pub switches: Vec<SwitchDoc>,
}

/// An admin's text for a trigger: a channel's default (no workstream) or one workstream's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideDoc {
    pub trigger: Trigger,
    pub channel: Channel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workstream: Option<String>,
    pub locale: Locale,
    pub text: AutomatedText,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwitchDoc {
    pub trigger: Trigger,
    pub channel: Channel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workstream: Option<String>,
    pub on: bool,
}

/// Why the configuration could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("the configuration could not be written as TOML: {0}")]
    Toml(#[from] toml::ser::Error),
}

impl crate::app::Desk {
    /// The configuration file's text.
    pub async fn export_config(&self) -> Result<String, ExportError> {
        Ok(export::to_toml(&export::export(self.store()).await?)?)
    }

    /// The Twilio accounts `text` adds, whose auth tokens the CLI asks for.
    pub async fn config_new_accounts(
        &self,
        text: &str,
    ) -> Result<Vec<String>, crate::store::StoreError> {
        import::new_accounts(self.store(), text).await
    }

    /// `import::import` while the server runs; then every workstream reloads its settings.
    pub async fn import_config(
        &self,
        text: &str,
        dry_run: bool,
        secrets: &str,
        acting: Option<&crate::domain::user::Email>,
    ) -> Result<Result<import::Report, import::ImportRefusal>, crate::store::StoreError> {
        let result =
            import::import(self.store(), text, dry_run, secrets, acting, self.now()).await?;
        let changed = match &result {
            Ok(report) => report.applied,
            Err(refusal) => matches!(refusal, import::ImportRefusal::Apply(_)),
        };
        if changed {
            self.store().forget_cached_accounts();
            self.registry.do_send(crate::actors::messages::PumpAll);
        }
        Ok(result)
    }
}
