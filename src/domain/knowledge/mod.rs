//! Knowledge articles and agent scripts as parsed values: an article's slug, title, body and
//! keywords, its state, and the steps of a workstream's script. `tokens` turns text into search
//! terms and `rank` orders articles for a query (BM25); nothing here does I/O.

pub mod rank;
pub mod script;
pub mod tokens;

use serde::{Deserialize, Serialize};
use std::fmt;

pub const MAX_TITLE_CHARS: usize = 150;
pub const MAX_BODY_CHARS: usize = 20_000;
pub const MAX_SLUG_CHARS: usize = 80;
pub const MAX_KEYWORD_CHARS: usize = 40;
pub const MAX_KEYWORDS: usize = 20;

/// Why a part of an article was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArticleError {
    #[error("Enter the title.")]
    TitleEmpty,
    #[error("The title is at most {MAX_TITLE_CHARS} characters.")]
    TitleTooLong,
    #[error("The title must be one line without control characters.")]
    TitleCharacters,
    #[error("Enter the article's text.")]
    BodyEmpty,
    #[error("The text is at most {MAX_BODY_CHARS} characters.")]
    BodyTooLong,
    #[error("The text contains control characters that are not allowed.")]
    BodyCharacters,
    #[error(
        "The address name is 1 to {MAX_SLUG_CHARS} lower-case letters, digits and single hyphens \
         between them (like return-policy)."
    )]
    Slug,
    #[error("Each keyword is at most {MAX_KEYWORD_CHARS} characters.")]
    KeywordTooLong,
    #[error("A keyword contains characters that are not allowed.")]
    KeywordCharacters,
    #[error("List at most {MAX_KEYWORDS} keywords.")]
    TooManyKeywords,
}

fn has_control(s: &str, allow_breaks: bool) -> bool {
    s.chars()
        .any(|c| c.is_control() && !(allow_breaks && matches!(c, '\n' | '\r' | '\t')))
}

macro_rules! text_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(try_from = "String")]
        pub struct $name(String);

        impl TryFrom<String> for $name {
            type Error = ArticleError;
            fn try_from(s: String) -> Result<Self, ArticleError> {
                Self::parse(&s)
            }
        }

        impl $name {
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

text_newtype!(
    /// An article's title: one trimmed line of 1–150 characters.
    ArticleTitle
);
text_newtype!(
    /// An article's text: 1–20,000 characters, line breaks kept (stored with LF).
    ArticleBody
);
text_newtype!(
    /// The name of an article's public address, `/kb/{slug}`: lower-case ASCII letters and
    /// digits in words joined by single hyphens.
    ArticleSlug
);
text_newtype!(
    /// One keyword of an article: a trimmed line of 1–40 characters.
    Keyword
);

impl ArticleTitle {
    pub fn parse(s: &str) -> Result<Self, ArticleError> {
        let s = s.trim();
        if s.is_empty() {
            Err(ArticleError::TitleEmpty)
        } else if s.chars().count() > MAX_TITLE_CHARS {
            Err(ArticleError::TitleTooLong)
        } else if has_control(s, false) {
            Err(ArticleError::TitleCharacters)
        } else {
            Ok(Self(s.to_owned()))
        }
    }
}

impl ArticleBody {
    pub fn parse(s: &str) -> Result<Self, ArticleError> {
        let s = s.replace("\r\n", "\n");
        let s = s.trim();
        if s.is_empty() {
            Err(ArticleError::BodyEmpty)
        } else if s.chars().count() > MAX_BODY_CHARS {
            Err(ArticleError::BodyTooLong)
        } else if has_control(s, true) {
            Err(ArticleError::BodyCharacters)
        } else {
            Ok(Self(s.to_owned()))
        }
    }
}

impl ArticleSlug {
    pub fn parse(s: &str) -> Result<Self, ArticleError> {
        let s = s.trim();
        let words_ok = s.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if s.is_empty() || s.len() > MAX_SLUG_CHARS || !words_ok {
            Err(ArticleError::Slug)
        } else {
            Ok(Self(s.to_owned()))
        }
    }

    /// A slug made from a title: accents folded, every run of other characters a hyphen, cut
    /// at a word boundary to fit. None when the title has no letter or digit to keep.
    pub fn from_title(title: &str) -> Option<Self> {
        let folded = tokens::fold(title);
        let words: Vec<&str> = folded
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let mut out = String::new();
        for w in words {
            let extra = if out.is_empty() { w.len() } else { w.len() + 1 };
            if out.len() + extra > MAX_SLUG_CHARS {
                break;
            }
            if !out.is_empty() {
                out.push('-');
            }
            out.push_str(w);
        }
        Self::parse(&out).ok()
    }
}

impl Keyword {
    pub fn parse(s: &str) -> Result<Self, ArticleError> {
        let s = s.trim();
        if s.chars().count() > MAX_KEYWORD_CHARS {
            Err(ArticleError::KeywordTooLong)
        } else if s.is_empty() || has_control(s, false) {
            Err(ArticleError::KeywordCharacters)
        } else {
            Ok(Self(s.to_owned()))
        }
    }
}

/// Comma-separated keywords as typed; empty entries are skipped and repeats (ignoring case)
/// kept once.
pub fn parse_keywords(s: &str) -> Result<Vec<Keyword>, ArticleError> {
    let mut out: Vec<Keyword> = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let k = Keyword::parse(part)?;
        if !out.iter().any(|o| o.0.to_lowercase() == k.0.to_lowercase()) {
            out.push(k);
        }
    }
    if out.len() > MAX_KEYWORDS {
        return Err(ArticleError::TooManyKeywords);
    }
    Ok(out)
}

/// Whether agents may find and share an article. (Named in lower case in a configuration file;
/// stored records hold the variant's index.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArticleState {
    /// Being written: only admins and supervisors see it.
    Draft,
    /// Agents find it and share it; with the public flag, `/kb/{slug}` shows it to anyone.
    Published,
}

impl ArticleState {
    pub const ALL: [ArticleState; 2] = [ArticleState::Draft, ArticleState::Published];

    pub fn as_str(self) -> &'static str {
        match self {
            ArticleState::Draft => "draft",
            ArticleState::Published => "published",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s.trim())
    }
}

impl fmt::Display for ArticleState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ArticleState::Draft => "Draft",
            ArticleState::Published => "Published",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lower_case_words_joined_by_single_hyphens() {
        assert!(ArticleSlug::parse("return-policy").is_ok());
        assert!(ArticleSlug::parse("faq2").is_ok());
        for (bad, why) in [
            ("", "empty"),
            ("Return", "upper case"),
            ("-a", "leading hyphen"),
            ("a-", "trailing hyphen"),
            ("a--b", "double hyphen"),
            ("a b", "space"),
            ("../etc", "path characters"),
            ("café", "not ASCII"),
        ] {
            assert_eq!(ArticleSlug::parse(bad), Err(ArticleError::Slug), "{why}");
        }
        assert!(ArticleSlug::parse(&"a".repeat(81)).is_err(), "too long");
    }

    #[test]
    fn a_slug_is_made_from_the_title_with_accents_folded() {
        let s = ArticleSlug::from_title("  ¿Cómo devolver un pedido?  ").unwrap();
        assert_eq!(s.as_str(), "como-devolver-un-pedido");
        assert_eq!(ArticleSlug::from_title("!!!"), None);
        let long = ArticleSlug::from_title(&"word ".repeat(40)).unwrap();
        assert!(long.as_str().len() <= MAX_SLUG_CHARS);
        assert!(!long.as_str().ends_with('-'));
    }

    #[test]
    fn titles_and_bodies_are_checked() {
        assert_eq!(ArticleTitle::parse("  "), Err(ArticleError::TitleEmpty));
        assert_eq!(
            ArticleTitle::parse("a\nb"),
            Err(ArticleError::TitleCharacters)
        );
        assert_eq!(
            ArticleTitle::parse(&"x".repeat(151)),
            Err(ArticleError::TitleTooLong)
        );
        assert_eq!(ArticleBody::parse("a\r\nb").unwrap().as_str(), "a\nb");
        assert_eq!(
            ArticleBody::parse("a\u{0}b"),
            Err(ArticleError::BodyCharacters)
        );
        assert_eq!(ArticleBody::parse(" \n "), Err(ArticleError::BodyEmpty));
    }

    #[test]
    fn keywords_are_split_on_commas_and_kept_once() {
        let k = parse_keywords("refund, Refund , return,,").unwrap();
        let k: Vec<&str> = k.iter().map(Keyword::as_str).collect();
        assert_eq!(k, ["refund", "return"]);
        let many: Vec<String> = (0..21).map(|i| format!("k{i}")).collect();
        assert_eq!(
            parse_keywords(&many.join(",")),
            Err(ArticleError::TooManyKeywords)
        );
        assert_eq!(
            parse_keywords(&"x".repeat(41)),
            Err(ArticleError::KeywordTooLong)
        );
    }

    #[test]
    fn stored_values_are_checked_again_when_read() {
        let bad = postcard::to_allocvec("Not A Slug").unwrap();
        assert!(postcard::from_bytes::<ArticleSlug>(&bad).is_err());
        let good = postcard::to_allocvec("ok-slug").unwrap();
        assert_eq!(
            postcard::from_bytes::<ArticleSlug>(&good).unwrap().as_str(),
            "ok-slug"
        );
    }
}
