//! Context variables: a workstream's named, typed values about a conversation (set by the bot,
//! shown to agents, tested by routing rules, filled into `{$Name$}` placeholders).

use serde::{Deserialize, Serialize};
use std::fmt;

pub const MAX_NAME_CHARS: usize = 40;
pub const MAX_TEXT_CHARS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContextError {
    #[error("Enter a name.")]
    EmptyName,
    #[error("Use at most 40 characters.")]
    NameTooLong,
    #[error(
        "Start with a letter and use only letters, digits and _ (the name is used as {{$Name$}})."
    )]
    NameNotIdentifier,
    #[error("Enter a number, like 42 or 3.5.")]
    NotANumber,
    #[error("Enter yes or no.")]
    NotYesNo,
    #[error("Use at most 500 characters.")]
    TextTooLong,
}

/// An identifier: an ASCII letter, then letters, digits or `_`. Names are unique per workstream
/// regardless of case (`key`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct VariableName(String);

impl TryFrom<String> for VariableName {
    type Error = ContextError;
    fn try_from(s: String) -> Result<Self, ContextError> {
        Self::parse(&s)
    }
}

impl VariableName {
    pub fn parse(s: &str) -> Result<Self, ContextError> {
        let s = s.trim();
        let mut chars = s.chars();
        match chars.next() {
            None => Err(ContextError::EmptyName),
            Some(_) if s.chars().count() > MAX_NAME_CHARS => Err(ContextError::NameTooLong),
            Some(first)
                if first.is_ascii_alphabetic()
                    && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                Ok(Self(s.to_owned()))
            }
            Some(_) => Err(ContextError::NameNotIdentifier),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The comparison key: `OrderId` and `orderid` are the same variable.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    /// The placeholder automated messages use.
    pub fn placeholder(&self) -> String {
        format!("{{${}$}}", self.0)
    }
}

impl fmt::Display for VariableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VariableKind {
    Text,
    Number,
    YesNo,
}

impl VariableKind {
    pub const ALL: [VariableKind; 3] = [Self::Text, Self::Number, Self::YesNo];

    pub fn slug(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "number",
            Self::YesNo => "yes_no",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Text => "Text",
            Self::Number => "Number",
            Self::YesNo => "Yes/no",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.slug() == s)
    }
}

/// A value of a context variable, of the variable's kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ContextValue {
    Text(String),
    Number(f64),
    YesNo(bool),
}

impl ContextValue {
    /// Parses `raw` as a value of `kind`.
    pub fn parse(kind: VariableKind, raw: &str) -> Result<Self, ContextError> {
        let t = raw.trim();
        match kind {
            VariableKind::Text if t.chars().count() > MAX_TEXT_CHARS => {
                Err(ContextError::TextTooLong)
            }
            VariableKind::Text => Ok(Self::Text(t.to_owned())),
            VariableKind::Number => parse_number(t)
                .map(Self::Number)
                .ok_or(ContextError::NotANumber),
            VariableKind::YesNo => match t.to_lowercase().as_str() {
                "yes" | "true" | "1" => Ok(Self::YesNo(true)),
                "no" | "false" | "0" => Ok(Self::YesNo(false)),
                _ => Err(ContextError::NotYesNo),
            },
        }
    }

    pub fn kind(&self) -> VariableKind {
        match self {
            Self::Text(_) => VariableKind::Text,
            Self::Number(_) => VariableKind::Number,
            Self::YesNo(_) => VariableKind::YesNo,
        }
    }

    pub fn as_number(&self) -> Option<f64> {
        match self {
            Self::Number(n) => Some(*n),
            Self::Text(t) => parse_number(t),
            Self::YesNo(_) => None,
        }
    }
}

/// A finite decimal number (no `inf`, no `NaN`).
pub fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    let plain = !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+'));
    t.parse::<f64>().ok().filter(|n| plain && n.is_finite())
}

impl fmt::Display for ContextValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(t) => f.write_str(t),
            Self::Number(n) => write!(f, "{n}"),
            Self::YesNo(true) => f.write_str("Yes"),
            Self::YesNo(false) => f.write_str("No"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_identifiers() {
        for ok in ["OrderId", "a", "customer_tier2"] {
            assert!(VariableName::parse(ok).is_ok(), "{ok}");
        }
        let bad = [
            ("", "empty"),
            ("2fast", "starts with a digit"),
            ("order id", "has a space"),
            ("Größe", "not ASCII, so not a placeholder name"),
            ("a$b", "would break {$Name$}"),
        ];
        for (name, why) in bad {
            assert!(VariableName::parse(name).is_err(), "{why}");
        }
        assert_eq!(
            VariableName::parse("x".repeat(41).as_str()),
            Err(ContextError::NameTooLong)
        );
    }

    #[test]
    fn values_parse_by_kind() {
        assert_eq!(
            ContextValue::parse(VariableKind::Number, " 3.5 "),
            Ok(ContextValue::Number(3.5))
        );
        assert!(ContextValue::parse(VariableKind::Number, "inf").is_err());
        assert!(ContextValue::parse(VariableKind::Number, "NaN").is_err());
        assert_eq!(
            ContextValue::parse(VariableKind::YesNo, "Yes"),
            Ok(ContextValue::YesNo(true))
        );
        assert!(ContextValue::parse(VariableKind::YesNo, "maybe").is_err());
        assert_eq!(
            VariableName::parse("Tier").unwrap().placeholder(),
            "{$Tier$}"
        );
    }
}
