//! Provider identifiers and our own unguessable keys, parsed once at the edge. Twilio SIDs are a
//! two-letter prefix and 32 hex digits.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} must be {prefix} followed by 32 hexadecimal digits")]
pub struct SidError {
    what: &'static str,
    prefix: &'static str,
}

fn parse_sid(s: &str, prefixes: &[&'static str], what: &'static str) -> Result<String, SidError> {
    let s = s.trim();
    let ok = s.len() == 34
        && prefixes.iter().any(|p| s.starts_with(p))
        && s.as_bytes()[2..].iter().all(u8::is_ascii_hexdigit);
    if ok {
        Ok(s.to_owned())
    } else {
        Err(SidError {
            what,
            prefix: prefixes[0],
        })
    }
}

macro_rules! sid_type {
    ($(#[$doc:meta])* $name:ident, [$($prefix:literal),+], $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub struct $name(String);

        impl $name {
            pub fn parse(s: &str) -> Result<Self, SidError> {
                parse_sid(s, &[$($prefix),+], $what).map(Self)
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

sid_type!(/// A Twilio Account SID (`AC…`).
    AccountSid, ["AC"], "Account SID");
sid_type!(/// A Twilio message SID (`SM…` for SMS/WhatsApp, `MM…` for MMS).
    MessageSid, ["SM", "MM"], "MessageSid");
sid_type!(/// A Twilio Content API template SID (`HX…`).
    ContentSid, ["HX"], "Content SID");
sid_type!(/// A Twilio Messaging Service SID (`MG…`).
    MessagingServiceSid, ["MG"], "MessagingServiceSid");

/// The unguessable per-account segment of our webhook URLs: 32 random bytes, URL-safe base64.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WebhookKey(String);

impl WebhookKey {
    pub fn generate() -> Self {
        use base64::Engine;
        let mut bytes = [0u8; 32];
        crate::secrets::fill_random(&mut bytes);
        Self(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Accepts only what `generate` can produce, so junk paths never reach the store.
    pub fn parse(s: &str) -> Option<Self> {
        let ok = s.len() == 43
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_need_their_prefix_and_32_hex_digits() {
        assert!(AccountSid::parse("AC0123456789abcdef0123456789abcdef").is_ok());
        assert!(AccountSid::parse("SM0123456789abcdef0123456789abcdef").is_err());
        assert!(AccountSid::parse("AC0123456789abcdef0123456789abcde").is_err());
        assert!(AccountSid::parse("AC0123456789abcdef0123456789abcdeg").is_err());
        assert!(MessageSid::parse("MM0123456789abcdef0123456789abcdef").is_ok());
        assert!(ContentSid::parse("HXb5b62575e6e4ff6129ad7c8efe1f983e").is_ok());
        assert!(ContentSid::parse("HX").is_err());
        assert!(MessageSid::parse("SMé123456789abcdef0123456789abcdef").is_err());
    }

    #[test]
    fn webhook_keys_round_trip_and_junk_is_refused() {
        let k = WebhookKey::generate();
        assert_eq!(WebhookKey::parse(k.as_str()), Some(k));
        assert_eq!(WebhookKey::parse("short"), None);
        assert_eq!(WebhookKey::parse(&"a/".repeat(22)[..43]), None);
    }
}
