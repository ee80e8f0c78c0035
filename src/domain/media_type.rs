//! A media (MIME) type from outside, as RFC 9110 writes it: `type/subtype` in token characters,
//! then optional `; name=value` parameters (value a token or a quoted string). No control
//! characters, so it can go into a `Content-Type` header as it is.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaType(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaTypeError {
    #[error("longer than 255 characters")]
    TooLong,
    #[error("not a type/subtype media type")]
    Shape,
    #[error("a parameter is not name=value")]
    Parameter,
}

pub const MAX_CHARS: usize = 255;

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// A quoted string: visible ASCII, spaces and tabs, `\` escapes; no control characters.
fn is_quoted(s: &str) -> bool {
    let Some(inner) = s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) else {
        return false;
    };
    let mut escaped = false;
    for b in inner.bytes() {
        let visible = b == b'\t' || (0x20..0x7f).contains(&b);
        if !visible {
            return false;
        }
        if escaped {
            escaped = false;
        } else if b == b'\\' {
            escaped = true;
        } else if b == b'"' {
            return false;
        }
    }
    !escaped
}

impl MediaType {
    pub fn parse(s: &str) -> Result<Self, MediaTypeError> {
        if s.len() > MAX_CHARS {
            return Err(MediaTypeError::TooLong);
        }
        let mut parts = s.split(';');
        let essence = parts.next().unwrap_or("").trim_matches([' ', '\t']);
        match essence.split_once('/') {
            Some((t, sub)) if is_token(t) && is_token(sub) => {}
            _ => return Err(MediaTypeError::Shape),
        }
        for p in parts {
            let p = p.trim_matches([' ', '\t']);
            match p.split_once('=') {
                Some((name, value)) if is_token(name) && (is_token(value) || is_quoted(value)) => {}
                _ => return Err(MediaTypeError::Parameter),
            }
        }
        Ok(Self(s.trim_matches([' ', '\t']).to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_with_parameters_parse() {
        for ok in [
            "image/jpeg",
            "text/vcard; charset=utf-8",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "text/plain; name=\"a b.txt\"",
        ] {
            assert_eq!(MediaType::parse(ok).map(|m| m.0), Ok(ok.to_owned()), "{ok}");
        }
    }

    #[test]
    fn control_characters_and_odd_shapes_are_refused() {
        for (bad, why) in [
            ("image/jpeg\r\nX-Injected: 1", "CR/LF"),
            ("image/jpeg\n", "LF"),
            ("image/jp\0eg", "NUL"),
            ("text/plain; name=\"a\nb\"", "LF in a quoted value"),
            ("image", "no subtype"),
            ("/jpeg", "no type"),
            ("image/jpeg/x", "two slashes"),
            ("image/jpeg; charset", "parameter without a value"),
            ("image /jpeg", "space in the type"),
            ("", "empty"),
        ] {
            assert!(MediaType::parse(bad).is_err(), "{why}");
        }
        assert_eq!(
            MediaType::parse(&format!("image/{}", "a".repeat(300))),
            Err(MediaTypeError::TooLong)
        );
    }
}
