//! Opt-out keywords per channel: on SMS, Twilio's defaults (STOP and friends opt a customer out,
//! START/YES/UNSTOP opt back in); on WhatsApp a short list the admin sets (STOP and UNSUBSCRIBE
//! by default), so a bot answer such as "cancel" does not opt a customer out.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptKeyword {
    OptOut,
    OptIn,
}

/// Twilio's default opt-out and opt-in keywords on SMS.
pub const SMS_OPT_OUT: [&str; 6] = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"];
pub const SMS_OPT_IN: [&str; 3] = ["START", "YES", "UNSTOP"];
/// The WhatsApp opt-out keywords until an admin sets others.
pub const WHATSAPP_DEFAULT_OPT_OUT: [&str; 2] = ["STOP", "UNSUBSCRIBE"];
/// On WhatsApp only these opt back in ("yes" is too common an answer to mean it).
pub const WHATSAPP_OPT_IN: [&str; 2] = ["START", "UNSTOP"];
/// At most this many WhatsApp opt-out keywords.
pub const MAX_WHATSAPP_KEYWORDS: usize = 10;
const MAX_KEYWORD_CHARS: usize = 20;

/// One keyword: 1 to 20 letters or digits, kept in upper case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Keyword(String);

impl Keyword {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a keyword list was refused; shown beside the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeywordError {
    #[error("Enter at least one keyword, such as STOP.")]
    Empty,
    #[error("{0:?} is not a keyword: use one word of letters or digits, at most 20 characters.")]
    NotAWord(String),
    #[error("{0} opts a customer back in; it can't also opt them out.")]
    OptInWord(String),
    #[error("At most 10 keywords; this list has {0}.")]
    TooMany(usize),
}

/// Parses a list of keywords separated by commas, spaces or line breaks; duplicates are dropped.
pub fn parse_list(s: &str) -> Result<Vec<Keyword>, KeywordError> {
    let mut out: Vec<Keyword> = Vec::new();
    for word in s.split(|c: char| c == ',' || c.is_whitespace()) {
        if word.is_empty() {
            continue;
        }
        let valid = word.chars().count() <= MAX_KEYWORD_CHARS
            && word.chars().all(|c| c.is_ascii_alphanumeric());
        if !valid {
            return Err(KeywordError::NotAWord(word.chars().take(30).collect()));
        }
        let upper = word.to_ascii_uppercase();
        if WHATSAPP_OPT_IN.contains(&upper.as_str()) {
            return Err(KeywordError::OptInWord(upper));
        }
        let k = Keyword(upper);
        if !out.contains(&k) {
            out.push(k);
        }
    }
    if out.is_empty() {
        return Err(KeywordError::Empty);
    }
    if out.len() > MAX_WHATSAPP_KEYWORDS {
        return Err(KeywordError::TooMany(out.len()));
    }
    Ok(out)
}

/// A stored keyword, already checked when it was saved.
pub fn stored(word: &str) -> Keyword {
    Keyword(word.to_ascii_uppercase())
}

/// The default WhatsApp opt-out keywords.
pub fn whatsapp_defaults() -> Vec<Keyword> {
    WHATSAPP_DEFAULT_OPT_OUT.map(stored).to_vec()
}

/// The keywords that opt a customer out of, or back into, one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keywords {
    opt_out: Vec<String>,
    opt_in: Vec<String>,
}

impl Keywords {
    /// Twilio's defaults on SMS.
    pub fn sms() -> Self {
        Self {
            opt_out: SMS_OPT_OUT.map(String::from).to_vec(),
            opt_in: SMS_OPT_IN.map(String::from).to_vec(),
        }
    }

    /// WhatsApp, with the admin's opt-out keywords.
    pub fn whatsapp(opt_out: &[Keyword]) -> Self {
        Self {
            opt_out: opt_out.iter().map(|k| k.0.clone()).collect(),
            opt_in: WHATSAPP_OPT_IN.map(String::from).to_vec(),
        }
    }

    /// The keyword a message body is, if it is one (the whole body, any case, surrounding spaces
    /// and a trailing full stop or exclamation mark ignored).
    pub fn keyword(&self, body: &str) -> Option<OptKeyword> {
        let word = body
            .trim()
            .trim_end_matches(['.', '!'])
            .to_ascii_uppercase();
        if self.opt_out.contains(&word) {
            Some(OptKeyword::OptOut)
        } else if self.opt_in.contains(&word) {
            Some(OptKeyword::OptIn)
        } else {
            None
        }
    }
}

/// What the agent sees when a send to an opted-out customer is refused.
pub const OPTED_OUT_TEXT: &str = "This customer has opted out of messages on this channel (they replied STOP); nothing was sent.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sms_keywords_are_twilios_defaults_in_any_case() {
        let sms = Keywords::sms();
        for w in [
            "STOP",
            "stop",
            " Unsubscribe ",
            "cancel",
            "End",
            "quit",
            "stopall",
            "stop.",
        ] {
            assert_eq!(sms.keyword(w), Some(OptKeyword::OptOut), "{w:?}");
        }
        for w in ["START", "unstop", "Yes"] {
            assert_eq!(sms.keyword(w), Some(OptKeyword::OptIn), "{w:?}");
        }
    }

    #[test]
    fn whatsapp_keywords_are_the_short_list() {
        let wa = Keywords::whatsapp(&whatsapp_defaults());
        for w in ["STOP", "unsubscribe", "Stop!"] {
            assert_eq!(wa.keyword(w), Some(OptKeyword::OptOut), "{w:?}");
        }
        for (w, why) in [
            ("cancel", "a bot answer"),
            ("end", "a bot answer"),
            ("quit", "a bot answer"),
            ("yes", "an answer, not an opt-in"),
        ] {
            assert_eq!(wa.keyword(w), None, "{w:?}: {why}");
        }
        assert_eq!(wa.keyword("start"), Some(OptKeyword::OptIn));
        let custom = Keywords::whatsapp(&parse_list("baja, STOP").unwrap());
        assert_eq!(custom.keyword("BAJA"), Some(OptKeyword::OptOut));
        assert_eq!(custom.keyword("unsubscribe"), None);
    }

    #[test]
    fn sentences_containing_keywords_are_not_keywords() {
        for w in ["please stop calling", "stop it", "", "ending soon"] {
            assert_eq!(Keywords::sms().keyword(w), None, "{w:?}");
        }
    }

    #[test]
    fn keyword_lists_are_checked() {
        assert_eq!(
            parse_list("stop, Unsubscribe\nstop").unwrap(),
            vec![stored("STOP"), stored("UNSUBSCRIBE")]
        );
        for (bad, want) in [
            (" , ", KeywordError::Empty),
            ("stop please-no", KeywordError::NotAWord("please-no".into())),
            ("stop start", KeywordError::OptInWord("START".into())),
            ("a b c d e f g h i j k", KeywordError::TooMany(11)),
            (
                "stopstopstopstopstopstop",
                KeywordError::NotAWord("stopstopstopstopstopstop".into()),
            ),
        ] {
            assert_eq!(parse_list(bad), Err(want), "{bad:?}");
        }
    }
}
