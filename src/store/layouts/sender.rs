//! `SenderNumber` layouts. Layout 1 had a phone number; layout 2 has a sender address (a phone
//! number or an ACS WhatsApp channel ID). A layout-1 record reads as a phone-number sender, its
//! number checked by today's rules.

use super::checked;
use crate::domain::phone::PhoneNumber;
use crate::domain::sender::SenderAddress;
use crate::domain::{AccountId, Channel, NumberId};
use crate::store::codec::{DecodeError, Record, exact, unknown};
use crate::store::records::{NumberKind, SenderNumber};
use serde::Deserialize;

impl Record for SenderNumber {
    const TABLE: &'static str = "number_record";
    const VERSION: u8 = 2;

    fn decode_earlier(version: u8, body: &[u8]) -> Result<Self, DecodeError> {
        match version {
            1 => {
                let v: V1 = exact(1, body)?;
                let number = checked("number", PhoneNumber::parse(&v.number))?;
                Ok(SenderNumber {
                    id: v.id,
                    account_id: v.account_id,
                    channel: v.channel,
                    number: SenderAddress::Phone(number),
                    kind: v.kind,
                    name: v.name,
                    description: v.description,
                })
            }
            _ => Err(unknown::<Self>(version)),
        }
    }
}

#[derive(Deserialize)]
struct V1 {
    id: NumberId,
    account_id: AccountId,
    channel: Channel,
    number: String,
    kind: NumberKind,
    name: String,
    description: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sender::ChannelId;
    use crate::store::StoreError;
    use crate::store::codec::{decode_at, encode};
    use serde::Serialize;

    #[derive(Serialize)]
    struct WrittenV1<'a> {
        id: NumberId,
        account_id: AccountId,
        channel: Channel,
        number: &'a str,
        kind: NumberKind,
        name: &'a str,
        description: &'a str,
    }

    fn v1(number: &str) -> Vec<u8> {
        let mut bytes = vec![1];
        bytes.extend(
            postcard::to_allocvec(&WrittenV1 {
                id: NumberId::new(4),
                account_id: AccountId::new(1),
                channel: Channel::WhatsApp,
                number,
                kind: NumberKind::WhatsApp,
                name: "Support",
                description: "",
            })
            .unwrap(),
        );
        bytes
    }

    #[test]
    fn a_number_of_layout_1_reads_as_a_phone_number_sender() {
        let n: SenderNumber = decode_at(4, &v1("+14155550199")).unwrap();
        assert_eq!(
            n.number,
            SenderAddress::Phone(PhoneNumber::parse("+14155550199").unwrap())
        );
        assert_eq!((n.name.as_str(), n.kind), ("Support", NumberKind::WhatsApp));
        let written = encode(&n).unwrap();
        assert_eq!(written[0], 2);
        let back: SenderNumber = decode_at(4, &written).unwrap();
        assert_eq!(back.number, n.number);
    }

    #[test]
    fn a_channel_id_sender_round_trips() {
        let mut n: SenderNumber = decode_at(4, &v1("+14155550199")).unwrap();
        n.number = SenderAddress::AcsChannel(
            ChannelId::parse("0f0eb78e-a576-1dfc-b414-0f0756de3338").unwrap(),
        );
        let back: SenderNumber = decode_at(4, &encode(&n).unwrap()).unwrap();
        assert_eq!(back.number, n.number);
    }

    #[test]
    fn a_layout_1_number_todays_rules_refuse_is_corrupt() {
        assert!(matches!(
            decode_at::<SenderNumber>(4, &v1("not a number")),
            Err(StoreError::Corrupt {
                table: "number_record",
                ..
            })
        ));
    }
}
