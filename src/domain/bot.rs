//! The bot a workstream may put before routing: the built-in menu bot (greeting, numbered
//! options, a keyword asking for a human, re-prompt, hand-off after N failed answers) and the
//! external bot's URL, timeout and answer. Pure: the store keeps these, `app::bot` runs them.

use super::QueueId;
use super::routing::{ContextValue, VariableName};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Longest greeting or re-prompt, in characters.
pub const MAX_TEXT_CHARS: usize = 1_000;
/// Most options a menu offers.
pub const MAX_OPTIONS: usize = 20;
/// The longest an external bot may take to answer, in seconds.
pub const MAX_TIMEOUT_SECS: u8 = 30;
/// The timeout when none is given, in seconds.
pub const DEFAULT_TIMEOUT_SECS: u8 = 5;
/// Failed answers before the menu hands off, when none is given.
pub const DEFAULT_MAX_FAILURES: u8 = 2;
/// The word that asks for a human, when none is given.
pub const DEFAULT_HUMAN_KEYWORD: &str = "agent";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BotError {
    #[error("Enter a URL starting with http:// or https://.")]
    UrlScheme,
    #[error("This is not a valid URL.")]
    UrlInvalid,
    #[error("Enter a timeout from 1 to 30 seconds.")]
    Timeout,
    #[error("Enter a number of failed answers from 1 to 10.")]
    Failures,
    #[error("Enter a single word of letters or digits.")]
    Keyword,
    #[error("Enter a text of at most 1000 characters.")]
    TextTooLong,
    #[error("Enter the greeting the customer first receives.")]
    GreetingMissing,
    #[error("Give the menu at least one option, and at most 20.")]
    OptionCount,
}

/// An external bot's URL: http or https with a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BotUrl(String);

impl BotUrl {
    pub fn parse(s: &str) -> Result<Self, BotError> {
        let t = s.trim();
        let url = url::Url::parse(t).map_err(|_| {
            if t.contains("://") || t.contains(':') {
                BotError::UrlInvalid
            } else {
                BotError::UrlScheme
            }
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(BotError::UrlScheme);
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(BotError::UrlInvalid);
        }
        Ok(Self(url.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for BotUrl {
    type Error = BotError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<BotUrl> for String {
    fn from(u: BotUrl) -> Self {
        u.0
    }
}

impl fmt::Display for BotUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Seconds an external bot may take, 1–30.
pub fn timeout_secs(raw: &str) -> Result<u8, BotError> {
    match raw.trim() {
        "" => Ok(DEFAULT_TIMEOUT_SECS),
        t => t
            .parse::<u8>()
            .ok()
            .filter(|n| (1..=MAX_TIMEOUT_SECS).contains(n))
            .ok_or(BotError::Timeout),
    }
}

/// A text the bot sends (greeting, re-prompt): trimmed, at most `MAX_TEXT_CHARS`.
pub fn bot_text(raw: &str) -> Result<String, BotError> {
    let t = raw.trim();
    if t.chars().count() > MAX_TEXT_CHARS {
        return Err(BotError::TextTooLong);
    }
    Ok(t.to_owned())
}

/// One numbered option of the menu.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MenuOption {
    pub label: String,
    /// Context variables the option sets, each of its variable's kind.
    pub set: Vec<(VariableName, ContextValue)>,
    /// The queue the conversation goes to (it wins over the routing rules); None: the rules.
    pub queue: Option<QueueId>,
}

/// The built-in menu bot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MenuBot {
    pub greeting: String,
    pub options: Vec<MenuOption>,
    /// Lower case; the customer's answer equal to it (any case) asks for a human.
    pub human_keyword: String,
    /// Sent before the options again when an answer is not understood.
    pub reprompt: String,
    /// Failed answers before the conversation goes to routing.
    pub max_failures: u8,
}

/// Why the bot handed a conversation to routing: the words after `HANDOFF_PREFIX` in the thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandOff {
    /// The customer picked the option with this label.
    Chose(String),
    /// The customer wrote the human keyword.
    Requested,
    /// This many answers the menu did not understand.
    TooManyFailures(u8),
    /// The external bot failed or timed out: what happened.
    Failed(String),
    /// The external bot's answer asked for an agent.
    Asked,
    /// The workstream's bot was removed while it held the conversation.
    Removed,
}

/// How the hand-off line in the thread begins.
pub const HANDOFF_PREFIX: &str = "Handed off by the bot: ";

impl HandOff {
    /// The system line written into the thread.
    pub fn line(&self) -> String {
        format!("{HANDOFF_PREFIX}{self}.")
    }
}

impl fmt::Display for HandOff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Chose(label) => write!(f, "the customer chose “{label}”"),
            Self::Requested => f.write_str("requested by the customer"),
            Self::TooManyFailures(n) => write!(f, "too many failed answers ({n})"),
            Self::Failed(why) => write!(f, "the bot failed or timed out ({why})"),
            Self::Asked => f.write_str("the bot asked for an agent"),
            Self::Removed => f.write_str("the workstream has no bot any more"),
        }
    }
}

/// What the menu does with one customer message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuStep {
    /// Send the greeting with the options (the opening message was not an answer).
    Greet,
    /// Send the re-prompt with the options; the failures are now this many.
    Reprompt(u8),
    /// Set the option's variables, then hand off to its queue.
    Choose(usize),
    HandOff(HandOff),
}

/// What a customer's answer to the menu means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuAnswer {
    /// The option at this index (0-based).
    Chosen(usize),
    Human,
    Unknown,
}

impl MenuBot {
    /// The options as the customer reads them: "1. Sales", one a line.
    pub fn listing(&self) -> String {
        self.options
            .iter()
            .enumerate()
            .map(|(i, o)| format!("{}. {}", i + 1, o.label))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The text opening the conversation: the greeting, the options and how to reach a human.
    pub fn greeting_text(&self) -> String {
        format!(
            "{}\n{}\n{}",
            self.greeting,
            self.listing(),
            self.human_hint()
        )
    }

    /// The text after an answer not understood.
    pub fn reprompt_text(&self) -> String {
        format!(
            "{}\n{}\n{}",
            self.reprompt,
            self.listing(),
            self.human_hint()
        )
    }

    fn human_hint(&self) -> String {
        format!("Reply {} to talk to a person.", self.human_keyword)
    }

    /// The step for `text`: `first` when it opened the conversation, `failures` the answers not
    /// understood so far. An opening message that is an option or the human keyword counts as
    /// the answer; any other opening message is greeted, not counted as a failure.
    pub fn step(&self, text: &str, first: bool, failures: u8) -> MenuStep {
        match self.answer(text) {
            MenuAnswer::Human => MenuStep::HandOff(HandOff::Requested),
            MenuAnswer::Chosen(i) => MenuStep::Choose(i),
            MenuAnswer::Unknown if first => MenuStep::Greet,
            MenuAnswer::Unknown => {
                let n = failures.saturating_add(1);
                if n >= self.max_failures {
                    MenuStep::HandOff(HandOff::TooManyFailures(n))
                } else {
                    MenuStep::Reprompt(n)
                }
            }
        }
    }

    /// Reads an answer: the option's number or label, or the human keyword (any case, spaces
    /// and a trailing period ignored).
    pub fn answer(&self, text: &str) -> MenuAnswer {
        let t = text
            .trim()
            .trim_end_matches(['.', '!'])
            .trim()
            .to_lowercase();
        if t == self.human_keyword {
            return MenuAnswer::Human;
        }
        if let Ok(n) = t.parse::<usize>()
            && (1..=self.options.len()).contains(&n)
        {
            return MenuAnswer::Chosen(n - 1);
        }
        self.options
            .iter()
            .position(|o| o.label.to_lowercase() == t)
            .map_or(MenuAnswer::Unknown, MenuAnswer::Chosen)
    }
}

/// The human keyword: one word of letters or digits, kept in lower case.
pub fn human_keyword(raw: &str) -> Result<String, BotError> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(DEFAULT_HUMAN_KEYWORD.into());
    }
    if t.chars().count() > 30 || !t.chars().all(char::is_alphanumeric) {
        return Err(BotError::Keyword);
    }
    Ok(t.to_lowercase())
}

/// Failed answers before hand-off, 1–10.
pub fn max_failures(raw: &str) -> Result<u8, BotError> {
    match raw.trim() {
        "" => Ok(DEFAULT_MAX_FAILURES),
        t => t
            .parse::<u8>()
            .ok()
            .filter(|n| (1..=10).contains(n))
            .ok_or(BotError::Failures),
    }
}

/// A JSON value an external bot gives a context variable.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum AnswerValue {
    Text(String),
    Number(f64),
    YesNo(bool),
}

impl AnswerValue {
    /// The value as text a variable of any kind parses.
    pub fn raw(&self) -> String {
        match self {
            Self::Text(t) => t.clone(),
            Self::Number(n) => n.to_string(),
            Self::YesNo(true) => "yes".into(),
            Self::YesNo(false) => "no".into(),
        }
    }
}

/// An external bot's answer, read strictly: any other field or shape is a failure.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BotAnswer {
    #[serde(default)]
    pub replies: Vec<String>,
    #[serde(default)]
    pub context: BTreeMap<String, AnswerValue>,
    #[serde(default)]
    pub handoff: bool,
}

impl BotAnswer {
    pub fn parse(body: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn menu() -> MenuBot {
        MenuBot {
            greeting: "Hi!".into(),
            options: vec![
                MenuOption {
                    label: "Sales".into(),
                    set: vec![],
                    queue: None,
                },
                MenuOption {
                    label: "Billing help".into(),
                    set: vec![],
                    queue: None,
                },
            ],
            human_keyword: "agent".into(),
            reprompt: "Sorry?".into(),
            max_failures: 2,
        }
    }

    #[test]
    fn answers_are_read_by_number_label_or_keyword() {
        let m = menu();
        for (text, want) in [
            ("1", MenuAnswer::Chosen(0)),
            (" 2. ", MenuAnswer::Chosen(1)),
            ("billing HELP", MenuAnswer::Chosen(1)),
            ("Agent", MenuAnswer::Human),
            ("3", MenuAnswer::Unknown),
            ("0", MenuAnswer::Unknown),
            ("hello", MenuAnswer::Unknown),
        ] {
            assert_eq!(m.answer(text), want, "{text:?}");
        }
        assert_eq!(
            m.greeting_text(),
            "Hi!\n1. Sales\n2. Billing help\nReply agent to talk to a person."
        );
    }

    #[test]
    fn each_message_takes_its_step_and_an_opening_option_counts_as_the_answer() {
        let m = menu();
        for (text, first, failures, want, why) in [
            (
                "hello",
                true,
                0,
                MenuStep::Greet,
                "an opening that is no answer is greeted",
            ),
            (
                "2",
                true,
                0,
                MenuStep::Choose(1),
                "an opening option number is the answer",
            ),
            (
                "sales",
                true,
                0,
                MenuStep::Choose(0),
                "an opening label is the answer",
            ),
            (
                "AGENT",
                true,
                0,
                MenuStep::HandOff(HandOff::Requested),
                "the keyword at once",
            ),
            (
                "3",
                true,
                0,
                MenuStep::Greet,
                "no option 3: greeted, not a failure",
            ),
            (
                "3",
                false,
                0,
                MenuStep::Reprompt(1),
                "a later unknown answer is re-prompted",
            ),
            (
                "what?",
                false,
                1,
                MenuStep::HandOff(HandOff::TooManyFailures(2)),
                "the second failure of two hands off",
            ),
            ("1", false, 1, MenuStep::Choose(0), "a later option"),
            (
                "agent",
                false,
                1,
                MenuStep::HandOff(HandOff::Requested),
                "the keyword later",
            ),
        ] {
            assert_eq!(m.step(text, first, failures), want, "{why}");
        }
    }

    #[test]
    fn hand_off_lines_say_why() {
        for (h, want) in [
            (
                HandOff::Requested,
                "Handed off by the bot: requested by the customer.",
            ),
            (
                HandOff::TooManyFailures(2),
                "Handed off by the bot: too many failed answers (2).",
            ),
            (
                HandOff::Failed("it did not answer within 1 s".into()),
                "Handed off by the bot: the bot failed or timed out (it did not answer within 1 s).",
            ),
            (
                HandOff::Asked,
                "Handed off by the bot: the bot asked for an agent.",
            ),
            (
                HandOff::Chose("Billing".into()),
                "Handed off by the bot: the customer chose “Billing”.",
            ),
        ] {
            assert_eq!(h.line(), want);
        }
    }

    #[test]
    fn urls_must_be_http_or_https_with_a_host() {
        assert!(BotUrl::parse("https://bot.example.com/hook").is_ok());
        assert!(BotUrl::parse("http://127.0.0.1:9000/").is_ok());
        assert_eq!(BotUrl::parse("ftp://x.example/"), Err(BotError::UrlScheme));
        assert_eq!(
            BotUrl::parse("javascript:alert(1)"),
            Err(BotError::UrlScheme)
        );
        assert_eq!(BotUrl::parse("bot.example.com"), Err(BotError::UrlScheme));
        assert!(BotUrl::parse("http://").is_err());
    }

    #[test]
    fn limits_and_defaults() {
        assert_eq!(timeout_secs(""), Ok(5));
        assert_eq!(timeout_secs("30"), Ok(30));
        assert_eq!(timeout_secs("31"), Err(BotError::Timeout));
        assert_eq!(timeout_secs("0"), Err(BotError::Timeout));
        assert_eq!(max_failures(""), Ok(2));
        assert_eq!(human_keyword(" Human "), Ok("human".into()));
        assert_eq!(human_keyword("two words"), Err(BotError::Keyword));
    }

    #[test]
    fn answers_are_parsed_strictly() {
        let a = BotAnswer::parse(
            br#"{"replies":["Hi"],"context":{"Tier":"gold","Age":3,"Vip":true},"handoff":true}"#,
        )
        .unwrap();
        assert_eq!(a.replies, vec!["Hi".to_string()]);
        assert!(a.handoff);
        assert_eq!(a.context["Age"].raw(), "3");
        assert!(BotAnswer::parse(br#"{"reply":"Hi"}"#).is_err());
        assert!(BotAnswer::parse(br#"{"replies":"Hi"}"#).is_err());
        assert!(BotAnswer::parse(br#"{"context":{"a":[1]}}"#).is_err());
        assert!(BotAnswer::parse(b"not json").is_err());
    }
}
