//! The data of ACS's advanced-messaging events (ACS.md §4): `AdvancedMessageReceived` (text,
//! media, button and interactive replies, reactions, the replied-to message) and
//! `AdvancedMessageDeliveryStatusUpdated`, read into provider-neutral types. `from` arrives
//! without "+" and becomes an E.164 `PhoneNumber`.

use super::ids::{ChannelId, MediaId};
use crate::domain::{MessageStatus, PhoneNumber, Timestamp};
use serde_json::Value;

/// Why an event's data is unusable (acknowledged and dropped by the route, see `EventBody`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataError {
    #[error("the event has no data object")]
    /// No `data` object.
    NoData,
    #[error("the sender {0:?} is not a phone number")]
    /// `from` is not a phone number.
    BadSender(String),
    #[error("the event has no {0}")]
    /// A needed field is missing.
    Missing(&'static str),
    #[error("the media ID is not usable")]
    /// `media.id` is not a usable stream ID.
    BadMediaId,
    #[error("the {0} is longer than {MAX_ID_CHARS} characters")]
    /// An ID is implausibly long.
    TooLong(&'static str),
}

/// Longest message ID kept (ACS's are GUIDs): a longer one is not an ACS ID.
pub const MAX_ID_CHARS: usize = 200;

/// `id` when it is not too long to be an ID.
fn bounded(id: String, what: &'static str) -> Result<String, DataError> {
    if id.chars().count() > MAX_ID_CHARS {
        Err(DataError::TooLong(what))
    } else {
        Ok(id)
    }
}

/// What kind of message the customer sent (`messageType`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageType {
    /// A text.
    Text,
    /// An image.
    Image,
    /// A document.
    Document,
    /// A video.
    Video,
    /// An audio or voice note.
    Audio,
    /// A sticker.
    Sticker,
    /// A template's quick-reply button.
    Button,
    /// An interactive message's button or list reply.
    Interactive,
    /// A reaction to a message.
    Reaction,
    /// A type this version does not know, as ACS wrote it.
    Other(String),
}

impl MessageType {
    fn parse(s: &str) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "text" => Self::Text,
            "image" => Self::Image,
            "document" => Self::Document,
            "video" => Self::Video,
            "audio" | "voice" => Self::Audio,
            "sticker" => Self::Sticker,
            "button" => Self::Button,
            "interactive" => Self::Interactive,
            "reaction" => Self::Reaction,
            _ => Self::Other(s.chars().take(40).collect()),
        }
    }

    fn is_media(&self) -> bool {
        matches!(
            self,
            Self::Image | Self::Document | Self::Video | Self::Audio | Self::Sticker
        )
    }
}

/// An inbound media, to download with `GET /messages/streams/{id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMedia {
    /// The stream ID to download.
    pub id: MediaId,
    /// The MIME type ACS reports (authoritative: the download's own type is not).
    pub mime_type: String,
    /// The file name, for documents.
    pub file_name: Option<String>,
    /// The caption the customer wrote.
    pub caption: Option<String>,
    /// An animated sticker.
    pub animated: bool,
}

/// A template quick-reply button press.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ButtonReply {
    /// The button's text.
    pub text: Option<String>,
    /// The button's payload, as the template defined it.
    pub payload: Option<String>,
}

/// An interactive message's reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InteractiveReply {
    /// A reply button was pressed.
    Button {
        /// The button's ID.
        id: Option<String>,
        /// The button's title.
        title: Option<String>,
    },
    /// A list row was chosen.
    List {
        /// The row's ID.
        id: Option<String>,
        /// The row's title.
        title: Option<String>,
        /// The row's description.
        description: Option<String>,
    },
    /// A reply type this version does not know.
    Unknown,
}

/// A reaction to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reaction {
    /// The message reacted to.
    pub message_id: String,
    /// The emoji; none when a reaction is taken back.
    pub emoji: Option<String>,
}

/// The business message a customer replied to (`context`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyContext {
    /// Who sent the replied-to message (our channel).
    pub from: Option<String>,
    /// The replied-to message's ID (an ACS message ID of ours).
    pub message_id: Option<String>,
}

/// `AdvancedMessageReceived`, read.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedMessage {
    /// What to dedupe on: `data.messageId`, else the envelope's `id`.
    pub dedupe_id: String,
    /// The customer, in E.164.
    pub from: PhoneNumber,
    /// The receiving channel's registration ID as ACS wrote it (see `channel_id`).
    pub to: String,
    /// When ACS received it.
    pub received_at: Option<Timestamp>,
    /// What kind of message it is.
    pub message_type: MessageType,
    /// The text (`content`), also a media's accompanying text.
    pub text: Option<String>,
    /// The media, for media messages.
    pub media: Option<InboundMedia>,
    /// A template's quick-reply button press.
    pub button: Option<ButtonReply>,
    /// An interactive reply.
    pub interactive: Option<InteractiveReply>,
    /// A reaction.
    pub reaction: Option<Reaction>,
    /// The business message this one replies to.
    pub context: Option<ReplyContext>,
}

impl ReceivedMessage {
    /// The receiving channel, when `to` is a GUID.
    pub fn channel_id(&self) -> Option<ChannelId> {
        ChannelId::parse(&self.to).ok()
    }
}

/// A channel's own failure report (`error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelFailure {
    /// WhatsApp's code, e.g. `131026`.
    pub channel_code: Option<String>,
    /// WhatsApp's text, e.g. `Message Undeliverable.`.
    pub channel_message: Option<String>,
}

/// `AdvancedMessageDeliveryStatusUpdated`, read.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusUpdate {
    /// The sent message's ID (the send receipt's `messageId`).
    pub message_id: String,
    /// The status, when it maps onto ours; `Warning`/`Unknown` do not and move nothing.
    pub status: Option<MessageStatus>,
    /// The status as ACS wrote it.
    pub raw_status: String,
    /// The sending channel (`from`).
    pub channel: String,
    /// The recipient (`to`), as ACS wrote it.
    pub to: String,
    /// When the status was reported.
    pub received_at: Option<Timestamp>,
    /// WhatsApp's reason, for failures.
    pub failure: Option<ChannelFailure>,
}

/// A status as ACS writes it (any case) in our terms.
pub fn map_status(s: &str) -> Option<MessageStatus> {
    Some(match s.trim().to_ascii_lowercase().as_str() {
        "sent" => MessageStatus::Sent,
        "delivered" => MessageStatus::Delivered,
        "read" => MessageStatus::Read,
        "failed" => MessageStatus::Failed,
        _ => return None,
    })
}

fn string(obj: &Value, key: &str) -> Option<String> {
    obj.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// `2023-07-06T18:30:19+00:00` (either spelling of the field name, ACS.md §4.4).
fn timestamp(data: &Value) -> Option<Timestamp> {
    let s = string(data, "receivedTimestamp").or_else(|| string(data, "receivedTimeStamp"))?;
    let ts: jiff::Timestamp = s.parse().ok()?;
    Some(Timestamp::from_millis(ts.as_millisecond()))
}

/// The sender as E.164: ACS writes WhatsApp IDs as digits without "+".
pub fn sender(raw: &str) -> Result<PhoneNumber, DataError> {
    let raw = raw.trim();
    let digits = raw.strip_prefix('+').unwrap_or(raw);
    let bad = || DataError::BadSender(raw.chars().take(40).collect());
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    PhoneNumber::parse(&format!("+{digits}")).map_err(|_| bad())
}

fn failure(data: &Value) -> Option<ChannelFailure> {
    let e = data.get("error")?;
    let f = ChannelFailure {
        channel_code: string(e, "channelCode"),
        channel_message: string(e, "channelMessage"),
    };
    (f.channel_code.is_some() || f.channel_message.is_some()).then_some(f)
}

fn media(data: &Value) -> Result<Option<InboundMedia>, DataError> {
    let Some(m) = data.get("media").filter(|m| m.is_object()) else {
        return Ok(None);
    };
    let id = string(m, "id").ok_or(DataError::Missing("media id"))?;
    Ok(Some(InboundMedia {
        id: MediaId::parse(&id).map_err(|_| DataError::BadMediaId)?,
        mime_type: string(m, "mimeType").ok_or(DataError::Missing("media mimeType"))?,
        file_name: string(m, "fileName"),
        caption: string(m, "caption"),
        animated: m.get("animated").and_then(Value::as_bool).unwrap_or(false),
    }))
}

fn interactive(data: &Value) -> Option<InteractiveReply> {
    let i = data.get("interactive").filter(|i| i.is_object())?;
    let kind = string(i, "type").unwrap_or_default().to_ascii_lowercase();
    Some(match kind.as_str() {
        "buttonreply" => {
            let b = i.get("buttonReply").cloned().unwrap_or(Value::Null);
            InteractiveReply::Button {
                id: string(&b, "id"),
                title: string(&b, "title"),
            }
        }
        "listreply" => {
            let l = i.get("listReply").cloned().unwrap_or(Value::Null);
            InteractiveReply::List {
                id: string(&l, "id"),
                title: string(&l, "title"),
                description: string(&l, "description"),
            }
        }
        _ => InteractiveReply::Unknown,
    })
}

/// Reads `AdvancedMessageReceived` data; `envelope_id` is the dedupe fallback.
pub fn received(envelope_id: &str, data: &Value) -> Result<ReceivedMessage, DataError> {
    if !data.is_object() {
        return Err(DataError::NoData);
    }
    let from = sender(&string(data, "from").ok_or(DataError::Missing("sender (from)"))?)?;
    let to = string(data, "to").ok_or(DataError::Missing("recipient channel (to)"))?;
    let message_type = MessageType::parse(&string(data, "messageType").unwrap_or_default());
    let media = media(data)?;
    let button = data
        .get("button")
        .filter(|b| b.is_object())
        .map(|b| ButtonReply {
            text: string(b, "text"),
            payload: string(b, "payload"),
        });
    let reaction = data.get("reaction").filter(|r| r.is_object());
    let reaction = match reaction {
        Some(r) => Some(Reaction {
            message_id: string(r, "messageId").ok_or(DataError::Missing("reaction messageId"))?,
            emoji: string(r, "emoji"),
        }),
        None => None,
    };
    let context = data
        .get("context")
        .filter(|c| c.is_object())
        .map(|c| ReplyContext {
            from: string(c, "from"),
            message_id: string(c, "id"),
        });
    let msg = ReceivedMessage {
        dedupe_id: bounded(
            string(data, "messageId").unwrap_or_else(|| envelope_id.to_owned()),
            "message ID",
        )?,
        from,
        to,
        received_at: timestamp(data),
        text: data
            .get("content")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .filter(|t| !t.is_empty()),
        media,
        button,
        interactive: interactive(data),
        reaction,
        context,
        message_type,
    };
    let missing = match &msg.message_type {
        MessageType::Text if msg.text.is_none() => Some("text content"),
        t if t.is_media() && msg.media.is_none() => Some("media"),
        MessageType::Button if msg.button.is_none() => Some("button"),
        MessageType::Interactive if msg.interactive.is_none() => Some("interactive reply"),
        MessageType::Reaction if msg.reaction.is_none() => Some("reaction"),
        _ => None,
    };
    match missing {
        Some(what) => Err(DataError::Missing(what)),
        None => Ok(msg),
    }
}

/// Reads `AdvancedMessageDeliveryStatusUpdated` data.
pub fn status(data: &Value) -> Result<StatusUpdate, DataError> {
    if !data.is_object() {
        return Err(DataError::NoData);
    }
    let raw_status = string(data, "status").ok_or(DataError::Missing("status"))?;
    Ok(StatusUpdate {
        message_id: bounded(
            string(data, "messageId").ok_or(DataError::Missing("messageId"))?,
            "message ID",
        )?,
        status: map_status(&raw_status),
        raw_status,
        channel: string(data, "from").unwrap_or_default(),
        to: string(data, "to").unwrap_or_default(),
        received_at: timestamp(data),
        failure: failure(data),
    })
}
