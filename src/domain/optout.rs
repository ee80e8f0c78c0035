//! Carrier opt-out keywords: STOP and friends opt a customer out, START/UNSTOP opt back in.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptKeyword {
    OptOut,
    OptIn,
}

const OPT_OUT: [&str; 6] = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"];
const OPT_IN: [&str; 2] = ["START", "UNSTOP"];

/// The keyword a message body is, if it is one (the whole body, any case, surrounding spaces and
/// a trailing full stop or exclamation mark ignored).
pub fn keyword(body: &str) -> Option<OptKeyword> {
    let word = body
        .trim()
        .trim_end_matches(['.', '!'])
        .to_ascii_uppercase();
    if OPT_OUT.contains(&word.as_str()) {
        Some(OptKeyword::OptOut)
    } else if OPT_IN.contains(&word.as_str()) {
        Some(OptKeyword::OptIn)
    } else {
        None
    }
}

/// What the agent sees when a send to an opted-out customer is refused.
pub const OPTED_OUT_TEXT: &str = "This customer has opted out of messages on this channel (they replied STOP); nothing was sent.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_recognised_in_any_case() {
        for w in [
            "STOP",
            "stop",
            " Unsubscribe ",
            "cancel",
            "End",
            "quit",
            "stop.",
        ] {
            assert_eq!(keyword(w), Some(OptKeyword::OptOut), "{w:?}");
        }
        for w in ["START", "unstop"] {
            assert_eq!(keyword(w), Some(OptKeyword::OptIn), "{w:?}");
        }
    }

    #[test]
    fn sentences_containing_keywords_are_not_keywords() {
        for w in ["please stop calling", "stop it", "", "ending soon"] {
            assert_eq!(keyword(w), None, "{w:?}");
        }
    }
}
