//! An inbound customer message as every provider hands it to the desk, whatever its wire format
//! (Twilio's form in `providers::twilio::inbound`): the provider's message id for dedupe, the
//! customer, the sender it reached, the text, media and WhatsApp extras.

use super::phone::{Channel, PhoneNumber};
use super::sender::SenderAddress;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest body we store: WhatsApp allows 4,096 characters and SMS concatenates to 1,600.
pub const MAX_BODY_CHARS: usize = 4_096;
/// Twilio sends at most 10 media items per message.
pub const MAX_MEDIA: usize = 10;
/// Longest provider message id kept (Twilio's SIDs have 34 characters, ACS's GUIDs 36).
const MAX_PROVIDER_ID_CHARS: usize = 128;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaRef {
    /// Where the provider serves it (a URL; for ACS the media stream URL of its id).
    pub url: String,
    pub content_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Button {
    pub text: String,
    pub payload: String,
}

/// A provider's id of one message (Twilio's MessageSid, ACS's messageId): what dedupes retries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProviderMessageId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a provider message id is 1 to {MAX_PROVIDER_ID_CHARS} printable ASCII characters")]
pub struct ProviderMessageIdError;

impl ProviderMessageId {
    pub fn parse(s: &str) -> Result<Self, ProviderMessageIdError> {
        let ok = !s.is_empty()
            && s.len() <= MAX_PROVIDER_ID_CHARS
            && s.bytes().all(|b| b.is_ascii_graphic());
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ProviderMessageIdError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProviderMessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct InboundMessage {
    pub provider_id: ProviderMessageId,
    pub channel: Channel,
    /// The customer.
    pub from: PhoneNumber,
    /// The sender (business number or channel ID) the customer wrote to.
    pub to: SenderAddress,
    pub body: String,
    pub media: Vec<MediaRef>,
    pub profile_name: Option<String>,
    pub wa_id: Option<String>,
    pub message_type: Option<String>,
    pub location: Option<Location>,
    pub button: Option<Button>,
    /// The provider's id of the business message this one replies to, when the customer used
    /// WhatsApp's reply (Twilio's `OriginalRepliedMessageSid`, ACS's `context.id`).
    pub reply_to: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_message_ids_are_printable_and_bounded() {
        assert!(ProviderMessageId::parse("SM0123456789abcdef0123456789abcdef").is_ok());
        assert!(ProviderMessageId::parse("84cdac15-1493-4efc-aa0d-54ff80db64ab").is_ok());
        for (bad, why) in [
            ("", "empty"),
            ("a b", "a space"),
            ("é", "not ASCII"),
            (&"x".repeat(129), "too long"),
        ] {
            assert!(ProviderMessageId::parse(bad).is_err(), "accepted: {why}");
        }
    }
}
