//! Pure domain types and rules: parsed newtypes for everything that comes from outside, the
//! conversation state machine, the WhatsApp reply window, templates and opt-out keywords.
//! Nothing here does I/O; the store, actors and web layer build on these.

pub mod account;
pub mod acs;
pub mod attachment;
pub mod automated;
pub mod bot;
pub mod contact;
pub mod conversation;
pub mod form;
pub mod guid;
pub mod hours;
pub mod ids;
pub mod inbound;
pub mod knowledge;
pub mod language;
pub mod lifecycle;
pub mod media_origin;
pub mod media_type;
pub mod message;
pub mod message_key;
pub mod offer_card;
pub mod optout;
pub mod participant;
pub mod phone;
pub mod placeholders;
pub mod presence;
pub mod public_url;
pub mod queue;
pub mod quick_reply;
pub mod reports;
pub mod routing;
pub mod sender;
pub mod sentiment;
pub mod sid;
pub mod survey;
pub mod template;
pub mod template_name;
pub mod template_variable;
pub mod time;
pub mod timeline;
pub mod user;
pub mod window;
pub mod workstream;

pub use conversation::{ConversationEvent, ConversationState, TransitionError};
pub use ids::{
    AccountId, ContactId, ConversationId, HoursId, JobId, NumberId, QueueId, QuickReplyId, RuleId,
    SkillId, TemplateId, UserId, WorkstreamId,
};
pub use message::{Direction, MessageStatus};
pub use message_key::MessageKey;
pub use phone::{Address, Channel, PhoneNumber};
pub use sid::{AccountSid, ContentSid, MessageSid, WebhookKey};
pub use time::Timestamp;
