//! `Message` layouts. Layout 2 adds the business message an inbound message replies to
//! (`InboundExtras::reply_to`); layout 1 records read with none.

use crate::domain::inbound::{Button, Location};
use crate::domain::{ConversationId, Direction, MessageStatus, Timestamp, UserId};
use crate::store::codec::{DecodeError, Record, exact, unknown};
use crate::store::records::{InboundExtras, Media, Message, SendFailure, TemplateUse};
use serde::{Deserialize, Serialize};

impl Record for Message {
    const TABLE: &'static str = "conversation_messages";
    const VERSION: u8 = 2;

    fn decode_earlier(version: u8, body: &[u8]) -> Result<Self, DecodeError> {
        match version {
            1 => Ok(exact::<V1>(version, body)?.into()),
            _ => Err(unknown::<Self>(version)),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct V1Extras {
    profile_name: Option<String>,
    wa_id: Option<String>,
    message_type: Option<String>,
    location: Option<Location>,
    button: Option<Button>,
}

/// Layout 1, as it was written.
#[derive(Serialize, Deserialize)]
struct V1 {
    conversation_id: ConversationId,
    seq: u64,
    direction: Direction,
    body: String,
    media: Vec<Media>,
    status: MessageStatus,
    provider_id: Option<String>,
    failure: Option<SendFailure>,
    author: Option<UserId>,
    template: Option<TemplateUse>,
    extras: V1Extras,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<V1> for Message {
    fn from(v: V1) -> Self {
        Message {
            conversation_id: v.conversation_id,
            seq: v.seq,
            direction: v.direction,
            body: v.body,
            media: v.media,
            status: v.status,
            provider_id: v.provider_id,
            failure: v.failure,
            author: v.author,
            template: v.template,
            extras: InboundExtras {
                profile_name: v.extras.profile_name,
                wa_id: v.extras.wa_id,
                message_type: v.extras.message_type,
                location: v.extras.location,
                button: v.extras.button,
                reply_to: None,
            },
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::codec::decode_at;

    #[test]
    fn a_layout_1_message_reads_with_no_reply() {
        let v1 = V1 {
            conversation_id: ConversationId::new(3),
            seq: 2,
            direction: Direction::Inbound,
            body: "hello".into(),
            media: Vec::new(),
            status: MessageStatus::Received,
            provider_id: Some("SM1".into()),
            failure: None,
            author: None,
            template: None,
            extras: V1Extras {
                profile_name: Some("Ana".into()),
                wa_id: Some("14155550123".into()),
                message_type: Some("text".into()),
                location: None,
                button: None,
            },
            created_at: Timestamp::from_millis(5),
            updated_at: Timestamp::from_millis(6),
        };
        let mut bytes = vec![1u8];
        bytes.extend(postcard::to_stdvec(&v1).expect("encodes"));
        let m: Message = decode_at("k", &bytes).expect("layout 1 reads");
        assert_eq!(m.body, "hello");
        assert_eq!(m.extras.profile_name.as_deref(), Some("Ana"));
        assert_eq!(m.extras.reply_to, None);
        assert_eq!(m.updated_at, Timestamp::from_millis(6));
    }
}
