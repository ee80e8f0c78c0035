//! Automated-message texts: placeholder parsing and the checks a text passes for its trigger
//! (length, characters, only the placeholders the trigger allows), and filling them in.

use super::Trigger;
use crate::domain::placeholders::{self, Syntax};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The longest automated message, in characters.
pub const MAX_CHARS: usize = 2_000;
/// The longest context-variable name.
const MAX_VARIABLE: usize = 100;

/// A placeholder in a message text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placeholder {
    AgentName,
    QueueName,
    /// The customer's place in the queue: only in that trigger's message.
    QueuePosition,
    /// `{$Name$}`: a context variable of the conversation.
    Context(String),
}

impl fmt::Display for Placeholder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Placeholder::AgentName => f.write_str("{AgentName}"),
            Placeholder::QueueName => f.write_str("{QueueName}"),
            Placeholder::QueuePosition => f.write_str("{QueuePosition}"),
            Placeholder::Context(name) => write!(f, "{{${name}$}}"),
        }
    }
}

/// A message text split into literal text and placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Placeholder(Placeholder),
}

/// Why a message text was refused; shown beside the text field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("Enter the message text.")]
    Empty,
    #[error("The message is at most 2,000 characters; this one has {0}.")]
    TooLong(usize),
    #[error("The message contains characters that are not allowed.")]
    ControlCharacters,
    #[error("{0} opens a placeholder without closing it with }}.")]
    Unclosed(String),
    #[error(
        "{0} is not a placeholder omnidesk knows. Use {{AgentName}}, {{QueueName}} or a context variable such as {{$OrderNumber$}}."
    )]
    Unknown(String),
    #[error(
        "{0} is a template placeholder; automated messages use {{AgentName}}, {{QueueName}} or a context variable such as {{$OrderNumber$}}."
    )]
    TemplateSyntax(String),
    #[error("{0} is not a context variable: names use only letters, digits and underscores.")]
    BadVariable(String),
    #[error("{placeholder} can't be used in the {trigger} message.")]
    NotAllowed {
        placeholder: String,
        trigger: &'static str,
    },
}

/// Splits `text` into literal text and placeholders. Every `{` must open a known placeholder; a
/// lone `}` is literal text.
pub fn parse_placeholders(text: &str) -> Result<Vec<Piece<'_>>, TextError> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            pieces.push(Piece::Text(&rest[..open]));
        }
        let after = &rest[open + 1..];
        let close = after.find('}').filter(|c| !after[..*c].contains('{'));
        let Some(close) = close else {
            let snippet: String = rest[open..].chars().take(20).collect();
            return Err(TextError::Unclosed(snippet));
        };
        pieces.push(Piece::Placeholder(placeholder(&after[..close])?));
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    Ok(pieces)
}

/// The placeholder named by what stands between the braces.
fn placeholder(inner: &str) -> Result<Placeholder, TextError> {
    let shown = || format!("{{{}}}", inner.chars().take(40).collect::<String>());
    match inner {
        "AgentName" => return Ok(Placeholder::AgentName),
        "QueueName" => return Ok(Placeholder::QueueName),
        "QueuePosition" => return Ok(Placeholder::QueuePosition),
        _ => {}
    }
    let Some(name) = inner
        .strip_prefix('$')
        .and_then(|n| n.strip_suffix('$'))
        .filter(|_| inner.len() >= 2)
    else {
        return Err(TextError::Unknown(shown()));
    };
    let valid = !name.is_empty()
        && name.len() <= MAX_VARIABLE
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if valid {
        Ok(Placeholder::Context(name.to_owned()))
    } else {
        Err(TextError::BadVariable(shown()))
    }
}

/// A message text checked for its trigger: 1 to 2,000 characters, line breaks as `\n`, and only
/// placeholders that trigger allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AutomatedText(String);

impl AutomatedText {
    pub fn parse(trigger: Trigger, s: &str) -> Result<Self, TextError> {
        let text = s.replace("\r\n", "\n").trim().to_owned();
        if text.is_empty() {
            return Err(TextError::Empty);
        }
        let chars = text.chars().count();
        if chars > MAX_CHARS {
            return Err(TextError::TooLong(chars));
        }
        if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(TextError::ControlCharacters);
        }
        if let Some(p) = placeholders::foreign(Syntax::Automated(trigger), &text) {
            return Err(TextError::TemplateSyntax(p));
        }
        for piece in parse_placeholders(&text)? {
            if let Piece::Placeholder(p) = piece
                && !trigger.allows(&p)
            {
                return Err(TextError::NotAllowed {
                    placeholder: p.to_string(),
                    trigger: trigger.label(),
                });
            }
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text with each placeholder replaced by `value(p)`, or by nothing when it has none.
    pub fn render(&self, value: impl Fn(&Placeholder) -> Option<String>) -> String {
        render(&self.0, value)
    }
}

/// Fills the placeholders of a checked text (see `AutomatedText::render`).
pub fn render(text: &str, value: impl Fn(&Placeholder) -> Option<String>) -> String {
    match parse_placeholders(text) {
        Ok(pieces) => pieces
            .into_iter()
            .map(|p| match p {
                Piece::Text(t) => t.to_owned(),
                Piece::Placeholder(p) => value(&p).unwrap_or_default(),
            })
            .collect(),
        Err(_) => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_split_out_of_the_text() {
        let pieces = parse_placeholders("Hi, {AgentName} here about order {$Order_1$}.").unwrap();
        assert_eq!(
            pieces,
            vec![
                Piece::Text("Hi, "),
                Piece::Placeholder(Placeholder::AgentName),
                Piece::Text(" here about order "),
                Piece::Placeholder(Placeholder::Context("Order_1".into())),
                Piece::Text("."),
            ]
        );
        assert_eq!(parse_placeholders("no braces } at all").unwrap().len(), 1);
    }

    #[test]
    fn bad_texts_are_refused_with_the_reason() {
        use Trigger::*;
        let long = "x".repeat(MAX_CHARS + 1);
        let cases: &[(Trigger, &str, TextError, &str)] = &[
            (Greeting, "   ", TextError::Empty, "only spaces"),
            (
                Greeting,
                &long,
                TextError::TooLong(2001),
                "over 2,000 characters",
            ),
            (
                Greeting,
                "bell\u{7}",
                TextError::ControlCharacters,
                "a control character",
            ),
            (
                Greeting,
                "Hi {Foo}",
                TextError::Unknown("{Foo}".into()),
                "unknown placeholder",
            ),
            (
                Greeting,
                "Hi {agentname}",
                TextError::Unknown("{agentname}".into()),
                "case matters",
            ),
            (
                Greeting,
                "Hi {}",
                TextError::Unknown("{}".into()),
                "empty placeholder",
            ),
            (
                Greeting,
                "Hi {{1}}",
                TextError::TemplateSyntax("{{1}}".into()),
                "template-style braces",
            ),
            (
                Greeting,
                "Hi {AgentName",
                TextError::Unclosed("{AgentName".into()),
                "not closed",
            ),
            (
                Greeting,
                "Hi {$Order-Id$}",
                TextError::BadVariable("{$Order-Id$}".into()),
                "a dash",
            ),
            (
                Greeting,
                "Hi {$$}",
                TextError::BadVariable("{$$}".into()),
                "empty name",
            ),
            (
                Greeting,
                "Hi {$}",
                TextError::Unknown("{$}".into()),
                "a lone dollar",
            ),
            (
                Greeting,
                "Hi {AgentName}",
                TextError::NotAllowed {
                    placeholder: "{AgentName}".into(),
                    trigger: "Greeting",
                },
                "no agent is assigned at greeting",
            ),
            (
                OptedOut,
                "Bye from {QueueName}",
                TextError::NotAllowed {
                    placeholder: "{QueueName}".into(),
                    trigger: "Customer opted out",
                },
                "opt-out is not about a queue",
            ),
            (
                AgentAssigned,
                "You are {QueuePosition}",
                TextError::NotAllowed {
                    placeholder: "{QueuePosition}".into(),
                    trigger: "Agent assigned",
                },
                "the position only in the queue message",
            ),
        ];
        for (trigger, text, want, why) in cases {
            assert_eq!(
                AutomatedText::parse(*trigger, text).err().as_ref(),
                Some(want),
                "{why}"
            );
        }
    }

    #[test]
    fn good_texts_keep_their_line_breaks_and_fit_2000_characters() {
        let t = AutomatedText::parse(Trigger::AgentEnded, " {AgentName} left.\r\nBye {$Name$} ")
            .unwrap();
        assert_eq!(t.as_str(), "{AgentName} left.\nBye {$Name$}");
        assert!(AutomatedText::parse(Trigger::Greeting, &"é".repeat(MAX_CHARS)).is_ok());
    }

    #[test]
    fn rendering_fills_known_values_and_drops_missing_ones() {
        let t = AutomatedText::parse(
            Trigger::AgentAssigned,
            "{AgentName} for {$Order$}{$Missing$}.",
        )
        .unwrap();
        let out = t.render(|p| match p {
            Placeholder::AgentName => Some("Ana".into()),
            Placeholder::Context(n) if n == "Order" => Some("#42".into()),
            _ => None,
        });
        assert_eq!(out, "Ana for #42.");
    }
}
