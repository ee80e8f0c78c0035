//! Quick replies: canned agent messages with slugs such as `{FirstName{Customer}}` that the agent
//! workspace fills from the conversation when the agent inserts one. A slug is a field and an
//! entity in nested braces; any other use of braces is refused when the reply is saved.

use serde::{Deserialize, Serialize};

pub const MAX_MESSAGE_CHARS: usize = 2_000;
pub const MAX_TAG_CHARS: usize = 40;
pub const MAX_TAGS: usize = 20;

/// A value a quick reply can pull from the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slug {
    CustomerFirstName,
    CustomerFullName,
    CustomerPhoneNumber,
    AgentFirstName,
    AgentFullName,
}

impl Slug {
    pub const ALL: [Slug; 5] = [
        Slug::CustomerFirstName,
        Slug::CustomerFullName,
        Slug::CustomerPhoneNumber,
        Slug::AgentFirstName,
        Slug::AgentFullName,
    ];

    /// (field, entity) as written inside the braces.
    fn parts(self) -> (&'static str, &'static str) {
        match self {
            Slug::CustomerFirstName => ("FirstName", "Customer"),
            Slug::CustomerFullName => ("FullName", "Customer"),
            Slug::CustomerPhoneNumber => ("PhoneNumber", "Customer"),
            Slug::AgentFirstName => ("FirstName", "Agent"),
            Slug::AgentFullName => ("FullName", "Agent"),
        }
    }

    /// How the slug is written in a message, e.g. `{FirstName{Customer}}`.
    pub fn token(self) -> String {
        let (field, entity) = self.parts();
        format!("{{{field}{{{entity}}}}}")
    }

    fn find(field: &str, entity: &str) -> Option<Slug> {
        Slug::ALL.into_iter().find(|s| s.parts() == (field, entity))
    }

    /// Every supported slug, for help texts: `{FirstName{Customer}}, {FullName{Customer}}, …`.
    pub fn list() -> String {
        Slug::ALL.map(Slug::token).join(", ")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuickReplyError {
    #[error("Enter the message.")]
    Empty,
    #[error("The message is at most {MAX_MESSAGE_CHARS} characters.")]
    TooLong,
    #[error("{0} is not a slug omnidesk knows. Use one of: {list}.", list = Slug::list())]
    UnknownSlug(String),
    #[error(
        "The braces do not balance. Slugs are written like {{FirstName{{Customer}}}}; the message cannot contain other braces."
    )]
    Unbalanced,
    #[error("Each tag is at most {MAX_TAG_CHARS} characters.")]
    TagTooLong,
    #[error("A tag contains characters that are not allowed.")]
    TagCharacters,
    #[error("List at most {MAX_TAGS} tags.")]
    TooManyTags,
}

enum Piece<'a> {
    Text(&'a str),
    Slot(Slug),
}

/// Splits a message into literal text and slugs.
fn pieces(text: &str) -> Result<Vec<Piece<'_>>, QuickReplyError> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(['{', '}']) {
        if rest[at..].starts_with('}') {
            return Err(QuickReplyError::Unbalanced);
        }
        out.push(Piece::Text(&rest[..at]));
        let (slug, len) = slug_at(&rest[at..])?;
        out.push(Piece::Slot(slug));
        rest = &rest[at + len..];
    }
    out.push(Piece::Text(rest));
    Ok(out)
}

/// Reads the slug `s` starts with (`s` begins with `{`); returns it and its length in bytes.
fn slug_at(s: &str) -> Result<(Slug, usize), QuickReplyError> {
    let braces = ['{', '}'];
    let after_open = &s[1..];
    let field_end = after_open.find(braces).ok_or(QuickReplyError::Unbalanced)?;
    let field = &after_open[..field_end];
    let after_field = &after_open[field_end..];
    if after_field.starts_with('}') {
        let token = &s[..1 + field_end + 1];
        return Err(QuickReplyError::UnknownSlug(shorten(token)));
    }
    let inner = &after_field[1..];
    let entity_end = inner.find(braces).ok_or(QuickReplyError::Unbalanced)?;
    let entity = &inner[..entity_end];
    if !inner[entity_end..].starts_with("}}") {
        return Err(QuickReplyError::Unbalanced);
    }
    let len = 1 + field_end + 1 + entity_end + 2;
    Slug::find(field, entity)
        .map(|slug| (slug, len))
        .ok_or_else(|| QuickReplyError::UnknownSlug(shorten(&s[..len])))
}

fn shorten(token: &str) -> String {
    let mut t: String = token.chars().take(40).collect();
    if t.len() < token.len() {
        t.push('…');
    }
    t
}

/// What a quick reply's slugs are filled from; unknown values fill as empty text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    pub customer_name: Option<String>,
    pub customer_phone: Option<String>,
    pub agent_name: Option<String>,
}

impl Context {
    fn value(&self, slug: Slug) -> &str {
        fn first(n: &Option<String>) -> Option<&str> {
            n.as_deref().and_then(|n| n.split_whitespace().next())
        }
        fn full(n: &Option<String>) -> Option<&str> {
            n.as_deref().map(str::trim)
        }
        match slug {
            Slug::CustomerFirstName => first(&self.customer_name),
            Slug::CustomerFullName => full(&self.customer_name),
            Slug::CustomerPhoneNumber => full(&self.customer_phone),
            Slug::AgentFirstName => first(&self.agent_name),
            Slug::AgentFullName => full(&self.agent_name),
        }
        .unwrap_or("")
    }
}

/// A quick-reply message whose slugs were checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickReplyText {
    text: String,
}

impl QuickReplyText {
    pub fn parse(text: &str) -> Result<Self, QuickReplyError> {
        if text.trim().is_empty() {
            return Err(QuickReplyError::Empty);
        }
        if text.chars().count() > MAX_MESSAGE_CHARS {
            return Err(QuickReplyError::TooLong);
        }
        pieces(text)?;
        Ok(Self {
            text: text.to_owned(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The message with every slug replaced by its value from `ctx`.
    pub fn fill(&self, ctx: &Context) -> String {
        // The text was checked by `parse`; should a stored one ever not parse, it is sent as is.
        let Ok(pieces) = pieces(&self.text) else {
            return self.text.clone();
        };
        let mut out = String::with_capacity(self.text.len());
        for p in pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Slot(slug) => out.push_str(ctx.value(slug)),
            }
        }
        out
    }
}

/// Comma-separated tags: trimmed, blanks dropped, duplicates (ignoring case) dropped.
pub fn parse_tags(s: &str) -> Result<Vec<String>, QuickReplyError> {
    let mut out: Vec<String> = Vec::new();
    for tag in s.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if tag.chars().count() > MAX_TAG_CHARS {
            return Err(QuickReplyError::TagTooLong);
        }
        if tag.chars().any(char::is_control) {
            return Err(QuickReplyError::TagCharacters);
        }
        if !out.iter().any(|t| t.to_lowercase() == tag.to_lowercase()) {
            out.push(tag.to_owned());
        }
    }
    if out.len() > MAX_TAGS {
        return Err(QuickReplyError::TooManyTags);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context {
            customer_name: Some("Ana María López".into()),
            customer_phone: Some("+14155550123".into()),
            agent_name: Some("Sam Lee".into()),
        }
    }

    #[test]
    fn every_slug_is_filled_from_the_context() {
        let text = "Hi {FirstName{Customer}} ({FullName{Customer}}, {PhoneNumber{Customer}}), \
                    this is {FirstName{Agent}} / {FullName{Agent}}.";
        let q = QuickReplyText::parse(text).unwrap();
        assert_eq!(
            q.fill(&ctx()),
            "Hi Ana (Ana María López, +14155550123), this is Sam / Sam Lee."
        );
    }

    #[test]
    fn every_listed_slug_parses_and_repeats_are_filled_each_time() {
        for slug in Slug::ALL {
            assert!(QuickReplyText::parse(&slug.token()).is_ok(), "{slug:?}");
        }
        let q = QuickReplyText::parse("{FirstName{Agent}}{FirstName{Agent}}").unwrap();
        assert_eq!(q.fill(&ctx()), "SamSam");
    }

    #[test]
    fn unknown_values_fill_as_empty_text_and_plain_text_is_kept() {
        let q = QuickReplyText::parse("Hello {FirstName{Customer}}!").unwrap();
        assert_eq!(q.fill(&Context::default()), "Hello !");
        let plain = QuickReplyText::parse("Thanks, ünïcode & <b>").unwrap();
        assert_eq!(plain.fill(&ctx()), "Thanks, ünïcode & <b>");
    }

    #[test]
    fn bad_messages_are_refused_with_the_reason() {
        let long = "a".repeat(MAX_MESSAGE_CHARS + 1);
        let unknown = |t: &str| QuickReplyError::UnknownSlug(t.to_owned());
        let cases = [
            ("", QuickReplyError::Empty, "empty"),
            (" \n ", QuickReplyError::Empty, "only whitespace"),
            (long.as_str(), QuickReplyError::TooLong, "2,001 characters"),
            (
                "Hi {Name{Customer}}",
                unknown("{Name{Customer}}"),
                "unknown field",
            ),
            (
                "Hi {FirstName{Boss}}",
                unknown("{FirstName{Boss}}"),
                "unknown entity",
            ),
            (
                "Hi {firstname{customer}}",
                unknown("{firstname{customer}}"),
                "wrong case",
            ),
            ("Hi {Customer}", unknown("{Customer}"), "single braces"),
            ("Hi {}", unknown("{}"), "empty braces"),
            (
                "Hi {FirstName{Customer}",
                QuickReplyError::Unbalanced,
                "one closing brace missing",
            ),
            (
                "Hi {FirstName{Customer",
                QuickReplyError::Unbalanced,
                "never closed",
            ),
            ("Hi {FirstName", QuickReplyError::Unbalanced, "never closed"),
            ("Hi }", QuickReplyError::Unbalanced, "stray closing brace"),
            (
                "Hi {FirstName{Customer}}}",
                QuickReplyError::Unbalanced,
                "extra closing brace",
            ),
            (
                "Hi {{FirstName{Customer}}}",
                QuickReplyError::Unbalanced,
                "doubled braces",
            ),
            ("{A{B{C}}}", QuickReplyError::Unbalanced, "nested too deep"),
            (
                "Hi {FirstName{Customer}x}",
                QuickReplyError::Unbalanced,
                "text between closing braces",
            ),
        ];
        for (text, err, why) in cases {
            assert_eq!(QuickReplyText::parse(text), Err(err), "{text:?}: {why}");
        }
    }

    #[test]
    fn multibyte_text_around_braces_never_panics() {
        for text in [
            "é{",
            "{é",
            "{é{ü}}",
            "}é",
            "{FirstName{Customér}}",
            "{😀{😀}}",
        ] {
            let _ = QuickReplyText::parse(text);
        }
    }

    #[test]
    fn tags_are_trimmed_deduplicated_and_bounded() {
        assert_eq!(
            parse_tags(" billing, Refund ,,refund, vip ").unwrap(),
            vec!["billing", "Refund", "vip"]
        );
        assert_eq!(parse_tags("").unwrap(), Vec::<String>::new());
        assert_eq!(
            parse_tags(&"a".repeat(41)),
            Err(QuickReplyError::TagTooLong)
        );
        assert_eq!(parse_tags("a\u{7}b"), Err(QuickReplyError::TagCharacters));
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert_eq!(
            parse_tags(&many.join(",")),
            Err(QuickReplyError::TooManyTags)
        );
    }
}
