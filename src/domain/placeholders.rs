//! The placeholders users write, in the two syntaxes they know (PRODUCT.md §2, §5): `{{1}}`,
//! `{{2}}`… in WhatsApp templates, `{AgentName}`, `{QueueName}`, `{$Variable$}` in automated
//! messages. One help list for both forms, and the check both parsers run first: a placeholder of
//! the other syntax, or one neither knows, is refused by name.

use super::automated::{Placeholder, Trigger};

/// Which form a text is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// A WhatsApp template's approved text.
    Template,
    /// An automated message for this trigger.
    Automated(Trigger),
}

/// One entry of the help list: what to type and what it becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpItem {
    pub token: String,
    pub meaning: &'static str,
}

/// The placeholders `syntax` accepts, for the form's help text.
pub fn help(syntax: Syntax) -> Vec<HelpItem> {
    let item = |token: &str, meaning| HelpItem {
        token: token.to_owned(),
        meaning,
    };
    match syntax {
        Syntax::Template => vec![
            item("{{1}}", "the first value the agent fills in when sending"),
            item(
                "{{2}}",
                "the second, and so on, numbered from 1 without gaps",
            ),
        ],
        Syntax::Automated(trigger) => {
            let mut out: Vec<HelpItem> = [
                (Placeholder::AgentName, "the assigned agent's name"),
                (Placeholder::QueueName, "the conversation's queue"),
                (
                    Placeholder::QueuePosition,
                    "the customer's place in the queue",
                ),
            ]
            .into_iter()
            .filter(|(p, _)| trigger.allows(p))
            .map(|(p, meaning)| item(&p.to_string(), meaning))
            .collect();
            out.push(item(
                "{$OrderNumber$}",
                "a context variable of the conversation",
            ));
            out
        }
    }
}

/// The help list as one line, for a form field's help text.
pub fn help_text(syntax: Syntax) -> String {
    let list = help(syntax)
        .iter()
        .map(|h| format!("{} ({})", h.token, h.meaning))
        .collect::<Vec<_>>()
        .join(", ");
    format!("Placeholders: {list}.")
}

/// A placeholder of the other syntax in `text`, if there is one: `{{n}}` in an automated
/// message, `{Name}` or `{$Name$}` in a template. Returns it as written.
pub fn foreign(syntax: Syntax, text: &str) -> Option<String> {
    match syntax {
        Syntax::Automated(_) => {
            let start = text.find("{{")?;
            let rest = &text[start..];
            let end = rest.find("}}")? + 2;
            Some(rest[..end].chars().take(40).collect())
        }
        Syntax::Template => {
            let mut rest = text;
            while let Some(open) = rest.find('{') {
                let after = &rest[open + 1..];
                if let Some(stripped) = after.strip_prefix('{') {
                    // A template placeholder: skip past it.
                    rest = stripped.find("}}").map_or("", |c| &stripped[c + 2..]);
                    continue;
                }
                let close = after.find('}')?;
                let inner = &after[..close];
                let name = inner
                    .strip_prefix('$')
                    .and_then(|n| n.strip_suffix('$'))
                    .unwrap_or(inner);
                if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    return Some(format!("{{{inner}}}"));
                }
                rest = &after[close + 1..];
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_form_lists_its_own_placeholders() {
        let tokens = |s| help(s).into_iter().map(|h| h.token).collect::<Vec<_>>();
        assert_eq!(tokens(Syntax::Template), ["{{1}}", "{{2}}"]);
        assert_eq!(
            tokens(Syntax::Automated(Trigger::AgentAssigned)),
            ["{AgentName}", "{QueueName}", "{$OrderNumber$}"]
        );
        assert_eq!(
            tokens(Syntax::Automated(Trigger::Greeting)),
            ["{$OrderNumber$}"]
        );
        assert!(help_text(Syntax::Automated(Trigger::QueuePosition)).contains("{QueuePosition}"));
    }

    #[test]
    fn the_other_syntax_is_found_by_name() {
        let auto = Syntax::Automated(Trigger::Greeting);
        for (syntax, text, want) in [
            (auto, "Hi {{1}}!", Some("{{1}}")),
            (auto, "Hi {AgentName}", None),
            (
                Syntax::Template,
                "Hi {AgentName}, {{1}}",
                Some("{AgentName}"),
            ),
            (Syntax::Template, "Order {$Order$}", Some("{$Order$}")),
            (Syntax::Template, "Hi {{1}}, code {{2}}", None),
            (Syntax::Template, "a {smile :) } face", None),
        ] {
            assert_eq!(foreign(syntax, text).as_deref(), want, "{text:?}");
        }
    }
}
