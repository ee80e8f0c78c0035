//! Record encoding: one layout-version byte, then postcard. Each record type has its own version
//! (`Record::VERSION`) and reads every earlier layout through an explicit migration; a version it
//! does not know, trailing bytes or a value its newtypes refuse make the record corrupt — an error
//! naming its table and key, never a default.

use super::StoreError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Display;

/// Why a record's bytes did not decode; `decode_at` adds the table and key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the record is empty")]
    Empty,
    #[error("layout version {found} is not known (this build writes version {current})")]
    UnknownVersion { found: u8, current: u8 },
    #[error("layout version {version} does not parse: {reason}")]
    Malformed { version: u8, reason: String },
    #[error("{field} holds a value that is not allowed: {reason}")]
    Invalid { field: &'static str, reason: String },
}

/// A type stored behind the version byte.
pub trait Record: Serialize + DeserializeOwned {
    /// The table holding the records (`tables`), for errors.
    const TABLE: &'static str;
    /// The layout written today. Bump it when the layout changes, keep the old layout as a
    /// private struct and teach `decode_earlier` to migrate from it.
    const VERSION: u8 = 1;

    /// Reads a body written under an earlier `version` (below `VERSION`). The default knows
    /// none: a record still at its first layout.
    fn decode_earlier(version: u8, _body: &[u8]) -> Result<Self, DecodeError> {
        Err(unknown::<Self>(version))
    }
}

/// The refusal of a version `T` does not read (a newer build's record, or garbage).
pub fn unknown<T: Record>(found: u8) -> DecodeError {
    DecodeError::UnknownVersion {
        found,
        current: T::VERSION,
    }
}

/// Parses a whole body as one layout: bytes left over mean the record is not of that layout.
pub fn exact<T: DeserializeOwned>(version: u8, body: &[u8]) -> Result<T, DecodeError> {
    let (value, rest) = prefix(version, body)?;
    if rest.is_empty() {
        Ok(value)
    } else {
        Err(DecodeError::Malformed {
            version,
            reason: format!("{} unexpected trailing byte(s)", rest.len()),
        })
    }
}

/// Parses a layout that grew at its end under one version byte: the head every record has, and
/// the tail if this record carries one. A tail that is there must parse whole: a record cut
/// inside it is corrupt, not a record from before the tail existed.
pub fn grown<H, T>(version: u8, body: &[u8]) -> Result<(H, Option<T>), DecodeError>
where
    H: DeserializeOwned,
    T: DeserializeOwned,
{
    let (head, rest) = prefix(version, body)?;
    if rest.is_empty() {
        Ok((head, None))
    } else {
        exact(version, rest).map(|tail| (head, Some(tail)))
    }
}

/// Parses the start of a body, returning what follows it.
fn prefix<T: DeserializeOwned>(version: u8, body: &[u8]) -> Result<(T, &[u8]), DecodeError> {
    postcard::take_from_bytes(body).map_err(|e| DecodeError::Malformed {
        version,
        reason: e.to_string(),
    })
}

pub fn encode<T: Record>(value: &T) -> Result<Vec<u8>, StoreError> {
    let mut out = vec![T::VERSION];
    postcard::to_io(value, &mut out).map_err(|e| StoreError::Codec(e.to_string()))?;
    Ok(out)
}

/// Decodes the record stored under `key` of `T::TABLE`.
pub fn decode_at<T: Record>(key: impl Display, bytes: &[u8]) -> Result<T, StoreError> {
    decode_bytes(bytes).map_err(|reason| StoreError::Corrupt {
        table: T::TABLE,
        key: key.to_string(),
        reason,
    })
}

/// Decodes a record whose key the caller did not give; prefer `decode_at`.
pub fn decode<T: Record>(bytes: &[u8]) -> Result<T, StoreError> {
    decode_at(KEY_NOT_GIVEN, bytes)
}

const KEY_NOT_GIVEN: &str = "(key not given)";

fn decode_bytes<T: Record>(bytes: &[u8]) -> Result<T, DecodeError> {
    match bytes.split_first() {
        Some((&version, body)) if version == T::VERSION => exact(version, body),
        Some((&version, body)) if version < T::VERSION => T::decode_earlier(version, body),
        Some((&version, _)) => Err(unknown::<T>(version)),
        None => Err(DecodeError::Empty),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct R {
        a: u64,
        b: String,
    }

    impl Record for R {
        const TABLE: &'static str = "r_record";
    }

    fn corrupt_reason(e: StoreError) -> DecodeError {
        match e {
            StoreError::Corrupt { table, key, reason } => {
                assert_eq!((table, key.as_str()), ("r_record", "7"));
                reason
            }
            other => panic!("not a corrupt-record error: {other:?}"),
        }
    }

    #[test]
    fn records_round_trip_behind_the_version_byte() {
        let r = R {
            a: 7,
            b: "x".into(),
        };
        let bytes = encode(&r).unwrap();
        assert_eq!(bytes[0], R::VERSION);
        assert_eq!(decode_at::<R>(7, &bytes).unwrap(), r);
    }

    #[test]
    fn future_versions_are_refused_naming_the_table_and_key() {
        let mut bytes = encode(&R {
            a: 1,
            b: "y".into(),
        })
        .unwrap();
        bytes[0] = 99;
        let reason = corrupt_reason(decode_at::<R>(7, &bytes).unwrap_err());
        assert_eq!(
            reason,
            DecodeError::UnknownVersion {
                found: 99,
                current: 1
            }
        );
    }

    #[test]
    fn empty_cut_and_padded_records_are_corrupt_not_panics() {
        let good = encode(&R {
            a: 1,
            b: "yes".into(),
        })
        .unwrap();
        let mut padded = good.clone();
        padded.push(0);
        for (bytes, why) in [
            (&[][..], "empty"),
            (&[R::VERSION, 0xff, 0xff][..], "garbage"),
            (&good[..good.len() - 1], "cut short"),
            (&padded[..], "trailing byte"),
            (&[0, 1, 0][..], "version 0 was never written"),
        ] {
            let e = decode_at::<R>(7, bytes).expect_err(why);
            corrupt_reason(e);
        }
    }

    #[test]
    fn every_record_names_the_table_it_is_stored_in() {
        use crate::store::automated::AutomatedOverride;
        use crate::store::hours::OperatingHours;
        use crate::store::quick_replies::QuickReply;
        use crate::store::records::*;
        use crate::store::tables::*;
        use crate::store::users::{Session, User};
        use redb::TableHandle;
        let pairs = [
            (Account::TABLE, ACCOUNT_RECORD.name()),
            (SenderNumber::TABLE, NUMBER_RECORD.name()),
            (Workstream::TABLE, WORKSTREAM_RECORD.name()),
            (Template::TABLE, TEMPLATE_RECORD.name()),
            (Contact::TABLE, CONTACT_RECORD.name()),
            (Conversation::TABLE, CONVERSATION_RECORD.name()),
            (Message::TABLE, CONVERSATION_MESSAGES.name()),
            (OutboxJob::TABLE, OUTBOX_JOB.name()),
            (User::TABLE, USER_RECORD.name()),
            (Session::TABLE, TOKENHASH_SESSION.name()),
            (OperatingHours::TABLE, HOURS_RECORD.name()),
            (QuickReply::TABLE, QUICKREPLY_RECORD.name()),
            (AutomatedOverride::TABLE, AUTOMATED_OVERRIDE.name()),
        ];
        for (record, table) in pairs {
            assert_eq!(record, table);
        }
    }

    #[test]
    fn the_error_message_names_table_key_and_reason() {
        let e = decode_at::<R>("7", &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "stored record r_record/7 is corrupt: the record is empty"
        );
    }
}
