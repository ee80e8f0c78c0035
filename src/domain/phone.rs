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
    #[error(
        "Enter the country code and the number, 6 to 15 digits not starting with 0, e.g. \
         +14155550100 (the \"+\", spaces, dashes and brackets are optional)."
    )]
    NotInternational,
    #[error("A short code is 3 to 8 digits, e.g. 55555.")]
    NotShortCode,
    /// Ten digits without a "+": a national (North American style) number, not E.164.
    #[error(
        "This number has no country code. Add the country code, e.g. {suggestion} (if it already \
         starts with its country code, put a \"+\" in front)."
    )]
    NoCountryCode { suggestion: String },
}

/// How a sender number is written, which its Type decides: long codes, toll-free and WhatsApp
/// numbers are international (E.164), short codes are national digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberFormat {
    International,
    ShortCode,
}

/// What people put between digits when they write a number: spaces, dashes, dots, brackets.
fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '-' | '.' | '(' | ')' | '/')
}

/// Whether digits typed without a "+" are a national number missing its country code: ten
/// digits starting with 2 to 9, as North American numbers are written (`415 555 0100`; an area
/// code never starts with 0 or 1). Read as E.164 they would be a number in another country.
fn is_national(digits: &str) -> bool {
    digits.len() == 10
        && digits
            .bytes()
            .next()
            .is_some_and(|b| (b'2'..=b'9').contains(&b))
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

    /// A sender number as an admin types it (the forms and the CLI use this one parser):
    /// international numbers accept `+14155550100`, `14155550100`, `+1 (415) 555-0100` and a
    /// `whatsapp:` prefix, and are stored in E.164; short codes stay digits.
    pub fn parse_typed(s: &str, format: NumberFormat) -> Result<Self, PhoneError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(PhoneError::Empty);
        }
        let s = s.strip_prefix("whatsapp:").unwrap_or(s).trim_start();
        let (plus, rest) = match s.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let digits: String = rest.chars().filter(|c| !is_separator(*c)).collect();
        let refusal = match format {
            NumberFormat::International => PhoneError::NotInternational,
            NumberFormat::ShortCode => PhoneError::NotShortCode,
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(refusal);
        }
        let parsed = match format {
            NumberFormat::International if !plus && is_national(&digits) => {
                return Err(PhoneError::NoCountryCode {
                    suggestion: format!("+1 {} {} {}", &digits[..3], &digits[3..6], &digits[6..]),
                });
            }
            NumberFormat::International => Self::parse(&format!("+{digits}")),
            NumberFormat::ShortCode if plus => return Err(refusal),
            NumberFormat::ShortCode => Self::parse(&digits).and_then(|n| {
                if n.is_short_code() {
                    Ok(n)
                } else {
                    Err(PhoneError::Malformed)
                }
            }),
        };
        parsed.map_err(|_| refusal)
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
    fn typed_international_numbers_are_stored_in_e164() {
        let cases = [
            ("+14155550100", "the E.164 form itself"),
            ("14155550100", "no plus"),
            ("+1 415 555 0100", "spaces"),
            ("1-415-555-0100", "dashes"),
            ("+1 (415) 555-0100", "brackets"),
            ("1.415.555.0100", "dots"),
            (" +1\u{a0}415\u{a0}5550100 ", "no-break spaces and padding"),
            ("whatsapp:+14155550100", "Twilio's WhatsApp address"),
        ];
        for (typed, why) in cases {
            let n = PhoneNumber::parse_typed(typed, NumberFormat::International);
            assert_eq!(
                n.as_ref().map(PhoneNumber::as_str),
                Ok("+14155550100"),
                "{typed:?}: {why}"
            );
        }
    }

    #[test]
    fn typed_numbers_that_are_not_numbers_are_refused_with_the_reason() {
        use NumberFormat::{International, ShortCode};
        let cases = [
            ("", International, PhoneError::Empty, "empty"),
            (
                "+",
                International,
                PhoneError::NotInternational,
                "no digits",
            ),
            (
                "0142523065",
                International,
                PhoneError::NotInternational,
                "leading zero",
            ),
            (
                "+1415555010012345",
                International,
                PhoneError::NotInternational,
                "16 digits",
            ),
            (
                "1415abc0100",
                International,
                PhoneError::NotInternational,
                "letters",
            ),
            (
                "1+4155550100",
                International,
                PhoneError::NotInternational,
                "a plus inside",
            ),
            (
                "12345",
                International,
                PhoneError::NotInternational,
                "too short",
            ),
            (
                "+١٢٣٤٥٦٧",
                International,
                PhoneError::NotInternational,
                "non-ASCII digits",
            ),
            ("123456789", ShortCode, PhoneError::NotShortCode, "9 digits"),
            ("12", ShortCode, PhoneError::NotShortCode, "2 digits"),
            (
                "+55555",
                ShortCode,
                PhoneError::NotShortCode,
                "a short code has no plus",
            ),
            ("5555a", ShortCode, PhoneError::NotShortCode, "letters"),
        ];
        for (typed, format, expected, why) in cases {
            assert_eq!(
                PhoneNumber::parse_typed(typed, format),
                Err(expected),
                "{typed:?}: {why}"
            );
        }
        let short = PhoneNumber::parse_typed("55 555", ShortCode).unwrap();
        assert_eq!(short.as_str(), "55555", "short codes stay digits");
    }

    #[test]
    fn ten_digits_without_a_plus_need_the_country_code() {
        use NumberFormat::{International, ShortCode};
        let suggestion = || PhoneError::NoCountryCode {
            suggestion: "+1 415 555 0100".into(),
        };
        let cases = [
            ("4155550100", Err(suggestion()), "ten bare digits"),
            ("(415) 555-0100", Err(suggestion()), "US national format"),
            ("415.555.0100", Err(suggestion()), "dots"),
            ("14155550100", Ok("+14155550100"), "with the country code"),
            ("+1 415 555 0100", Ok("+14155550100"), "E.164 with spaces"),
            ("+44 20 7946 0958", Ok("+442079460958"), "a UK number"),
            ("+4555501000", Ok("+4555501000"), "ten digits after a plus"),
        ];
        for (typed, expected, why) in cases {
            let n = PhoneNumber::parse_typed(typed, International);
            assert_eq!(
                n.as_ref().map(PhoneNumber::as_str).map_err(Clone::clone),
                expected,
                "{typed:?}: {why}"
            );
        }
        let message = suggestion().to_string();
        assert!(
            message.contains("Add the country code, e.g. +1 415 555 0100"),
            "{message}"
        );
        let short = PhoneNumber::parse_typed("55 555", ShortCode).unwrap();
        assert_eq!(short.as_str(), "55555", "short codes stay digits");
    }
}
