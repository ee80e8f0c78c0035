//! Phone numbers, channels and provider addresses. Twilio writes WhatsApp addresses as
//! `whatsapp:+14155550100`; we split that into a `Channel` and a `PhoneNumber` at the edge.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The messaging channel of an account, number, workstream and conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Channel {
    Sms,
    WhatsApp,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::WhatsApp => "whatsapp",
        }
    }

    pub fn parse(s: &str) -> Result<Self, PhoneError> {
        match s.to_ascii_lowercase().as_str() {
            "sms" => Ok(Channel::Sms),
            "whatsapp" => Ok(Channel::WhatsApp),
            _ => Err(PhoneError::UnknownChannel(s.chars().take(20).collect())),
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Channel::Sms => "SMS",
            Channel::WhatsApp => "WhatsApp",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("phone number is empty")]
    Empty,
    #[error("phone number must be \"+\" and 6 to 15 digits (E.164), or a 3 to 8 digit short code")]
    Malformed,
    #[error("unknown channel {0:?} (expected sms or whatsapp)")]
    UnknownChannel(String),
}

/// An E.164 number (`+` and 6–15 digits, no leading zero) or an SMS short code (3–8 digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(s: &str) -> Result<Self, PhoneError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(PhoneError::Empty);
        }
        let all_digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
        let ok = match s.strip_prefix('+') {
            Some(digits) => {
                (6..=15).contains(&digits.len()) && all_digits(digits) && !digits.starts_with('0')
            }
            None => (3..=8).contains(&s.len()) && all_digits(s),
        };
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(PhoneError::Malformed)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_short_code(&self) -> bool {
        !self.0.starts_with('+')
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A channel plus a number: what Twilio calls an address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Address {
    pub channel: Channel,
    pub number: PhoneNumber,
}

impl Address {
    /// Parses a Twilio `From`/`To` value: `whatsapp:+E164` or a bare SMS number.
    pub fn parse_twilio(s: &str) -> Result<Self, PhoneError> {
        match s.strip_prefix("whatsapp:") {
            // WhatsApp has no short codes: its addresses are always E.164.
            Some(rest) if !rest.starts_with('+') => Err(PhoneError::Malformed),
            Some(rest) => Ok(Self {
                channel: Channel::WhatsApp,
                number: PhoneNumber::parse(rest)?,
            }),
            None => Ok(Self {
                channel: Channel::Sms,
                number: PhoneNumber::parse(s)?,
            }),
        }
    }

    /// The form Twilio expects in `To`/`From` of an outbound message.
    pub fn to_twilio(&self) -> String {
        match self.channel {
            Channel::WhatsApp => format!("whatsapp:{}", self.number),
            Channel::Sms => self.number.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_numbers_parse() {
        for ok in ["+14155550100", "+447700900123", "12345", "+123456"] {
            assert!(PhoneNumber::parse(ok).is_ok(), "{ok} should parse");
        }
    }

    #[test]
    fn invalid_numbers_are_refused_with_the_reason() {
        let cases = [
            ("", "empty"),
            ("+", "no digits"),
            ("+0123456789", "leading zero after the plus"),
            ("+1415555010012345", "more than 15 digits"),
            ("+1 415 555", "spaces"),
            ("14155550100", "too long for a short code and no plus"),
            ("12", "too short for a short code"),
            ("+1415abc", "letters"),
            ("+١٢٣٤٥٦٧", "non-ASCII digits"),
        ];
        for (input, why) in cases {
            assert!(
                PhoneNumber::parse(input).is_err(),
                "{input:?} accepted: {why}"
            );
        }
    }

    #[test]
    fn whatsapp_prefix_becomes_the_channel() {
        let a = Address::parse_twilio("whatsapp:+14155550100").unwrap();
        assert_eq!(a.channel, Channel::WhatsApp);
        assert_eq!(a.number.as_str(), "+14155550100");
        assert_eq!(a.to_twilio(), "whatsapp:+14155550100");
        let s = Address::parse_twilio("+14155550100").unwrap();
        assert_eq!(s.channel, Channel::Sms);
        assert_eq!(s.to_twilio(), "+14155550100");
        assert!(
            Address::parse_twilio("whatsapp:12345").is_err(),
            "no WhatsApp short codes"
        );
    }
}
