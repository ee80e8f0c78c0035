//! The identifiers ACS deals in: channel registration IDs and repeatability request IDs (GUIDs),
//! and the stream IDs of inbound media.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{what} must be a GUID like 0f0eb78e-a576-1dfc-b414-0f0756de3338.")]
    /// Not a GUID.
    NotGuid {
        /// Which ID, as the sentence starts.
        what: &'static str,
    },
    #[error(
        "The media ID is empty, too long or has characters other than letters, digits, - and _."
    )]
    /// Not a usable media ID.
    BadMediaId,
}

/// Whether `s` is a GUID written 8-4-4-4-12 in hex digits.
pub fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A GUID newtype: parsed (kept lower-case, as ACS writes GUIDs, so two spellings name one
/// thing), stored as its string and checked again when read back.
macro_rules! guid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses the GUID.
            pub fn parse(s: &str) -> Result<Self, IdError> {
                let s = s.trim();
                if is_guid(s) {
                    Ok(Self(s.to_ascii_lowercase()))
                } else {
                    Err(IdError::NotGuid { what: $what })
                }
            }

            /// The GUID text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::parse(&s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

/// A WhatsApp channel's registration ID, the sender of business messages: the same type a
/// sender's address holds.
pub use crate::domain::sender::ChannelId;

guid_id!(
    /// The `Repeatability-Request-ID` of one outbound message: the same on every attempt, so
    /// ACS executes the send once however often it is repeated.
    RepeatabilityId,
    "The repeatability request ID"
);

impl RepeatabilityId {
    /// A GUID derived from `seed` (e.g. the message's own key): the same seed always gives the
    /// same ID, so nothing extra needs storing. Shaped as a version-4 GUID.
    pub fn derive(seed: &[u8]) -> Self {
        let digest = Sha256::digest(seed);
        let mut b = [0u8; 16];
        b.copy_from_slice(&digest[..16]);
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h = hex::encode(b);
        Self(format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        ))
    }
}

/// Longest media ID accepted (ACS's are GUIDs).
const MAX_MEDIA_ID: usize = 128;

/// The stream ID of an inbound media (`data.media.id`), used in `GET /messages/streams/{id}`.
/// Only URL-path-safe characters, so it cannot change the path it is put in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct MediaId(String);

impl MediaId {
    /// Parses a media ID.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        let ok = !s.is_empty()
            && s.len() <= MAX_MEDIA_ID
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdError::BadMediaId)
        }
    }

    /// The ID text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for MediaId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::parse(&s)
    }
}

impl fmt::Display for MediaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_ids_are_guids_kept_lower_case() {
        let id = ChannelId::parse(" 0F0EB78E-a576-1dfc-b414-0f0756de3338 ").unwrap();
        assert_eq!(id.as_str(), "0f0eb78e-a576-1dfc-b414-0f0756de3338");
        for bad in [
            "",
            "0f0eb78e-a576-1dfc-b414",
            "0f0eb78e-a576-1dfc-b414-0f0756de333",
            "0f0eb78e-a576-1dfc-b414-0f0756de3338-00",
            "0f0eb78e_a576_1dfc_b414_0f0756de3338",
            "zf0eb78e-a576-1dfc-b414-0f0756de3338",
        ] {
            assert!(ChannelId::parse(bad).is_err(), "{bad:?} is not a GUID");
        }
    }

    #[test]
    fn a_derived_repeatability_id_is_a_stable_guid_per_seed() {
        let a = RepeatabilityId::derive(b"message 1");
        assert_eq!(a, RepeatabilityId::derive(b"message 1"));
        assert_ne!(a, RepeatabilityId::derive(b"message 2"));
        assert!(is_guid(a.as_str()), "{a}");
        assert_eq!(a.as_str().as_bytes()[14], b'4', "version 4: {a}");
        assert_eq!(RepeatabilityId::parse(a.as_str()), Ok(a));
    }

    #[test]
    fn media_ids_cannot_leave_their_path_segment() {
        assert!(MediaId::parse("d19e68ec-bdd6-4a50-8dfb-cbb1642df6ab").is_ok());
        for bad in ["", "../templates", "a/b", "a?b=c", "a%2F", &"x".repeat(129)] {
            assert_eq!(MediaId::parse(bad), Err(IdError::BadMediaId), "{bad:?}");
        }
    }
}
