//! The records kept in the store. Field order is part of the encoding: a change of layout bumps
//! the type's `Record::VERSION` and keeps a migration from the old layout (see `layouts`).

use crate::domain::account::AccountName;
use crate::domain::acs::{AcsResourceName, EntraApp};
use crate::domain::guid::Guid;
use crate::domain::inbound::{Button, Location};
use crate::domain::sender::SenderAddress;
use crate::domain::template::TemplateText;
use crate::domain::template_name::TemplateName;
use crate::domain::workstream::{Attachments, Distribution, SetupProgress, Survey};
use crate::domain::workstream::{QueueName, WorkstreamName};
use crate::domain::{
    AccountId, AccountSid, Channel, ContactId, ContentSid, ConversationId, ConversationState,
    Direction, JobId, MessageStatus, NumberId, PhoneNumber, TemplateId, Timestamp, UserId,
    WebhookKey, WorkstreamId,
};
use crate::domain::{HoursId, language::LanguageCode};
use crate::secrets::Sealed;
use crate::store::codec::Record;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProviderKind {
    Twilio,
    /// Loops back inside the process: for demos and trying omnidesk without a provider.
    Simulator,
    /// Azure Communication Services (WhatsApp through Advanced Messaging).
    Acs,
}

/// What an Azure Communication Services account needs beyond its connection string (which is
/// the account's sealed secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcsSettings {
    /// "ACS resource name".
    pub resource: AcsResourceName,
    /// The connection string's endpoint (`https://<resource>.communication.azure.com`), kept
    /// apart so pages and media checks need not open the secret.
    pub endpoint: String,
    /// "Event grid app ID": the `aud` of Event Grid's delivery tokens.
    pub event_grid_app: EntraApp,
    /// "Event grid app tenant ID": the tenant that issues them.
    pub event_grid_tenant: Guid,
}

/// A messaging account. Earlier layouts are read by `layouts::account`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub name: AccountName,
    pub channel: Channel,
    pub provider: ProviderKind,
    pub sid: Option<AccountSid>,
    /// The account's secret sealed under the master key: Twilio's auth token, or ACS's
    /// connection string.
    pub auth_token: Option<Sealed>,
    pub webhook_key: WebhookKey,
    pub created_at: Timestamp,
    /// Set on ACS accounts only.
    pub acs: Option<AcsSettings>,
}

impl Account {
    /// A Twilio account without its auth token, or an ACS account without its connection
    /// string: disabled until the secret is set.
    pub fn awaits_token(&self) -> bool {
        matches!(self.provider, ProviderKind::Twilio | ProviderKind::Acs)
            && self.auth_token.is_none()
    }

    /// The associated data binding a sealed token to its account.
    pub fn token_purpose(id: AccountId) -> String {
        format!("omnidesk:account:{}:auth_token", id.get())
    }
}

/// The number's type sets its default send pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NumberKind {
    LongCode,
    ShortCode,
    TollFree,
    WhatsApp,
}

impl NumberKind {
    /// How a number of this type is written: short codes are digits, the others E.164.
    pub fn format(self) -> crate::domain::phone::NumberFormat {
        match self {
            NumberKind::ShortCode => crate::domain::phone::NumberFormat::ShortCode,
            _ => crate::domain::phone::NumberFormat::International,
        }
    }
}

/// A sender: a business phone number, or an ACS WhatsApp channel ID. Earlier layouts are read by
/// `layouts::sender`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SenderNumber {
    pub id: NumberId,
    pub account_id: AccountId,
    pub channel: Channel,
    /// Its address (named `number` from when every sender was a phone number).
    pub number: SenderAddress,
    pub kind: NumberKind,
    pub name: String,
    pub description: String,
}

impl SenderNumber {
    /// The sender's key in the address index (`ADDRESS_NUMBER`).
    pub fn address_key(channel: Channel, address: &SenderAddress) -> String {
        address.index_key(channel)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DistributionMode {
    Push,
    Pick,
}

/// A workstream: the numbers it serves, its channel setup and its work distribution settings.
/// Earlier layouts are read by `layouts::workstream`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workstream {
    pub id: WorkstreamId,
    /// Unique among workstreams regardless of case.
    pub name: WorkstreamName,
    pub channel: Channel,
    /// Each number serves at most one workstream (`NUMBER_WORKSTREAM` mirrors this list).
    pub numbers: Vec<NumberId>,
    /// Fixed at creation.
    pub mode: DistributionMode,
    pub fallback_queue: QueueName,
    /// The channel's language; None until the setup's language step is saved.
    pub language: Option<LanguageCode>,
    /// "Channel operation hours": the operating-hours record when the toggle is on.
    pub operation_hours: Option<HoursId>,
    pub survey: Option<Survey>,
    pub attachments: Attachments,
    pub distribution: Distribution,
    pub setup: SetupProgress,
}

/// A WhatsApp message template. Earlier layouts are read by `layouts::template`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    pub id: TemplateId,
    /// Unique per default language.
    pub name: TemplateName,
    /// The default language, as typed (`en`, `es_MX`).
    pub language: LanguageCode,
    pub text: TemplateText,
    pub content_sid: Option<ContentSid>,
    /// The workstreams whose agents are offered this template.
    pub workstreams: Vec<WorkstreamId>,
    /// The approved text in other languages; each has as many placeholders as `text`.
    pub variants: Vec<TemplateVariant>,
    /// Label and example of `{{1}}`, `{{2}}`… in order (fewer than the placeholders: the rest
    /// have none).
    pub variables: Vec<crate::domain::template_variable::VariableHint>,
}

impl Template {
    /// The text for `language` (ignoring case and `_`/`-`), else the default text.
    pub fn text_for(&self, language: &str) -> &TemplateText {
        let key = crate::domain::language::language_key(language);
        self.variants
            .iter()
            .find(|v| v.language.key() == key)
            .map_or(&self.text, |v| &v.text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateVariant {
    pub language: LanguageCode,
    pub text: TemplateText,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Contact {
    pub id: ContactId,
    pub phone: PhoneNumber,
    pub name: Option<String>,
    pub wa_id: Option<String>,
    pub opted_out_sms: bool,
    pub opted_out_whatsapp: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// An agent's notes about the customer (empty until one writes some).
    pub notes: String,
    /// Who saved the customer as a contact, and when; None for a contact known only from messages.
    pub saved: Option<SavedBy>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedBy {
    pub by: UserId,
    pub at: Timestamp,
}

impl Contact {
    /// A known contact: an agent saved this customer. A WhatsApp profile name or id alone makes
    /// no one known: anyone can choose any profile name.
    pub fn is_known(&self) -> bool {
        self.saved.is_some()
    }

    pub fn opted_out(&self, channel: Channel) -> bool {
        match channel {
            Channel::Sms => self.opted_out_sms,
            Channel::WhatsApp => self.opted_out_whatsapp,
        }
    }

    pub fn set_opted_out(&mut self, channel: Channel, out: bool) {
        match channel {
            Channel::Sms => self.opted_out_sms = out,
            Channel::WhatsApp => self.opted_out_whatsapp = out,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Conversation {
    pub id: ConversationId,
    pub account_id: AccountId,
    pub number_id: NumberId,
    pub workstream_id: Option<WorkstreamId>,
    pub channel: Channel,
    pub customer: PhoneNumber,
    pub contact_id: ContactId,
    pub state: ConversationState,
    pub agent: Option<UserId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub last_customer_at: Option<Timestamp>,
    /// WhatsApp: last customer message + 24 h. None for SMS.
    pub window_expires_at: Option<Timestamp>,
    /// Set when the window's deadline fired: only templates may be sent.
    pub template_only: bool,
    /// The seq the next message gets.
    pub next_seq: u64,
    pub closed_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum MediaState {
    Pending,
    Stored { file: String, bytes: u64 },
    Failed { reason: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Media {
    pub url: String,
    pub content_type: String,
    pub state: MediaState,
}

/// What the provider reported when a send failed for good.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendFailure {
    pub code: Option<u32>,
    pub message: String,
}

/// How an outbound template message was sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateUse {
    pub template_id: TemplateId,
    pub content_sid: Option<ContentSid>,
    /// `ContentVariables` JSON when a Content SID is used.
    pub variables: String,
}

/// WhatsApp extras of an inbound message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InboundExtras {
    pub profile_name: Option<String>,
    pub wa_id: Option<String>,
    pub message_type: Option<String>,
    pub location: Option<Location>,
    pub button: Option<Button>,
    /// The provider's id of the business message the customer replied to (WhatsApp's reply).
    pub reply_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub conversation_id: ConversationId,
    pub seq: u64,
    pub direction: Direction,
    pub body: String,
    pub media: Vec<Media>,
    pub status: MessageStatus,
    pub provider_id: Option<String>,
    pub failure: Option<SendFailure>,
    pub author: Option<UserId>,
    pub template: Option<TemplateUse>,
    pub extras: InboundExtras,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A send job. Earlier layouts are read by `layouts::outbox_job`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxJob {
    pub id: JobId,
    pub conversation_id: ConversationId,
    pub seq: u64,
    pub number_id: NumberId,
    /// The sender's type, which sets its pace.
    pub number_kind: NumberKind,
    pub attempts: u32,
    pub not_before: Timestamp,
    pub last_error: Option<String>,
    /// Repeated by every attempt (ACS's `Repeatability-Request-ID`), so a retry after an unknown
    /// outcome is the same request.
    pub request_id: Guid,
}

// Records still at their first layout. `Account`, `Workstream`, `Template`, `SenderNumber`,
// `Message` and `OutboxJob` are in `layouts`; the records
// of `users`, `hours`, `quick_replies` and `automated` sit beside their types.

impl Record for Conversation {
    const TABLE: &'static str = "conversation_record";
}
