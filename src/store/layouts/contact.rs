//! `Contact` layouts. Layout 2 adds the agent's notes and who saved the customer as a contact; a
//! layout-1 contact (known only from messages) reads with no notes, unsaved.

use crate::domain::{ContactId, PhoneNumber, Timestamp};
use crate::store::codec::{DecodeError, Record, exact, unknown};
use crate::store::records::Contact;
use serde::Deserialize;

impl Record for Contact {
    const TABLE: &'static str = "contact_record";
    const VERSION: u8 = 2;

    fn decode_earlier(version: u8, body: &[u8]) -> Result<Self, DecodeError> {
        match version {
            1 => {
                let v: V1 = exact(1, body)?;
                Ok(Contact {
                    id: v.id,
                    phone: v.phone,
                    name: v.name,
                    wa_id: v.wa_id,
                    opted_out_sms: v.opted_out_sms,
                    opted_out_whatsapp: v.opted_out_whatsapp,
                    created_at: v.created_at,
                    updated_at: v.updated_at,
                    notes: String::new(),
                    saved: None,
                })
            }
            _ => Err(unknown::<Self>(version)),
        }
    }
}

#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct V1 {
    id: ContactId,
    phone: PhoneNumber,
    name: Option<String>,
    wa_id: Option<String>,
    opted_out_sms: bool,
    opted_out_whatsapp: bool,
    created_at: Timestamp,
    updated_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::codec::decode_at;

    #[test]
    fn a_layout_1_contact_reads_unsaved_without_notes() {
        let mut bytes = vec![1u8];
        let v1 = V1 {
            id: ContactId::new(4),
            phone: PhoneNumber::parse("+14155550123").unwrap(),
            name: Some("Ana".into()),
            wa_id: Some("14155550123".into()),
            opted_out_sms: true,
            opted_out_whatsapp: false,
            created_at: Timestamp::from_millis(1),
            updated_at: Timestamp::from_millis(2),
        };
        bytes.extend(postcard::to_stdvec(&v1).expect("encodes"));
        let c: Contact = decode_at("4", &bytes).unwrap();
        assert_eq!(c.name.as_deref(), Some("Ana"));
        assert!(c.opted_out_sms && !c.opted_out_whatsapp);
        assert_eq!(c.notes, "");
        assert_eq!(c.saved, None);
    }
}
