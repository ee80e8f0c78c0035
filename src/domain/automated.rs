//! Automated messages as pure rules: the triggers, their built-in texts per channel and locale,
//! placeholder parsing (`{AgentName}`, `{QueueName}`, `{$Name$}` context variables) with the
//! triggers each makes sense for, and `resolve`, which picks the text to send from the stored
//! overrides. The store keeps overrides (`store::automated`); the admin pages edit them.

mod builtin;
mod text;

pub use text::{
    AutomatedText, MAX_CHARS, Piece, Placeholder, TextError, parse_placeholders, render,
};

use super::{Channel, WorkstreamId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The locales with built-in texts: (code, label). English is the last resort.
pub const BUILTIN_LOCALES: [(&str, &str); 3] =
    [("en", "English"), ("de", "Deutsch"), ("es", "Español")];
const FALLBACK_LOCALE: &str = "en";

/// When omnidesk sends (or shows) an automated message. Stored by variant order: add at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Trigger {
    Greeting,
    AgentAssigned,
    QueuePosition,
    AgentEnded,
    OutOfHours,
    Holiday,
    OptedOut,
    OutsideTimeframe,
    FileTooBig,
    UnsupportedType,
    /// A queue's overflow rule ended the conversation before an agent took it (a full queue, a
    /// wait too long); out of hours says so with its own message.
    OverflowEnded,
    /// The customer sent a file where "Customers can send file attachments" is off.
    AttachmentsOff,
}

impl Trigger {
    pub const ALL: [Trigger; 12] = [
        Trigger::Greeting,
        Trigger::AgentAssigned,
        Trigger::QueuePosition,
        Trigger::AgentEnded,
        Trigger::OutOfHours,
        Trigger::Holiday,
        Trigger::OptedOut,
        Trigger::OutsideTimeframe,
        Trigger::FileTooBig,
        Trigger::UnsupportedType,
        Trigger::OverflowEnded,
        Trigger::AttachmentsOff,
    ];

    /// The URL and storage-key spelling.
    pub fn key(self) -> &'static str {
        match self {
            Trigger::Greeting => "greeting",
            Trigger::AgentAssigned => "agent-assigned",
            Trigger::QueuePosition => "queue-position",
            Trigger::AgentEnded => "agent-ended",
            Trigger::OutOfHours => "out-of-hours",
            Trigger::Holiday => "holiday",
            Trigger::OptedOut => "opted-out",
            Trigger::OutsideTimeframe => "not-sent-timeframe",
            Trigger::FileTooBig => "not-sent-file-size",
            Trigger::UnsupportedType => "not-sent-file-type",
            Trigger::OverflowEnded => "overflow-ended",
            Trigger::AttachmentsOff => "not-sent-attachments-off",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Trigger::Greeting => "Greeting",
            Trigger::AgentAssigned => "Agent assigned",
            Trigger::QueuePosition => "Customer's position in queue",
            Trigger::AgentEnded => "Agent ended conversation",
            Trigger::OutOfHours => "Out of operating hours",
            Trigger::Holiday => "Holiday",
            Trigger::OptedOut => "Customer opted out",
            Trigger::OutsideTimeframe => "Message couldn't be sent: outside allowed timeframe",
            Trigger::FileTooBig => "Message couldn't be sent: file too big",
            Trigger::UnsupportedType => "Message couldn't be sent: unsupported type",
            Trigger::OverflowEnded => "Conversation ended by a queue's overflow rule",
            Trigger::AttachmentsOff => "Message couldn't be sent: attachments not accepted",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.key() == key)
    }

    /// Whether `p` means something when this trigger fires: there is an agent only once one is
    /// assigned, a queue only once the conversation was routed.
    pub fn allows(self, p: &Placeholder) -> bool {
        use Trigger::*;
        match p {
            Placeholder::AgentName => matches!(self, AgentAssigned | AgentEnded),
            Placeholder::QueueName => {
                matches!(
                    self,
                    AgentAssigned
                        | QueuePosition
                        | AgentEnded
                        | OutOfHours
                        | Holiday
                        | OverflowEnded
                )
            }
            Placeholder::QueuePosition => self == QueuePosition,
            Placeholder::Context(_) => true,
        }
    }

    /// Who the message is for: the customer, or the agent as a system line in the thread.
    pub fn audience(self) -> Audience {
        match self {
            Trigger::OutsideTimeframe => Audience::Agent,
            _ => Audience::Customer,
        }
    }

    /// Whether the trigger sends until an admin turns it off. The greeting and "agent assigned"
    /// are sent once turned on; the others tell the customer or agent something they need to
    /// know, and are on from the start.
    pub fn on_by_default(self) -> bool {
        !matches!(self, Trigger::Greeting | Trigger::AgentAssigned)
    }

    /// The form's help text: the length and the placeholders this trigger accepts.
    pub fn placeholder_help(self) -> String {
        format!(
            "Up to 2,000 characters. {}",
            super::placeholders::help_text(super::placeholders::Syntax::Automated(self))
        )
    }
}

/// Who reads an automated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Sent to the customer through the outbox, shown in the thread as automated.
    Customer,
    /// A system line in the thread for the agent; never sent to the customer.
    Agent,
}

/// Where a trigger is turned on or off: a channel's default (no workstream) or one workstream.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SwitchKey {
    pub trigger: Trigger,
    pub channel: Channel,
    pub workstream: Option<WorkstreamId>,
}

impl SwitchKey {
    /// `trigger|channel|workstream-or-0`, the key of the switch table.
    pub fn storage_key(&self) -> String {
        format!(
            "{}|{}|{}",
            self.trigger.key(),
            self.channel.as_str(),
            self.workstream.map_or(0, WorkstreamId::get)
        )
    }

    /// The switches to look at, most specific first: the workstream's, then the channel's.
    pub fn candidates(
        trigger: Trigger,
        channel: Channel,
        workstream: Option<WorkstreamId>,
    ) -> Vec<SwitchKey> {
        let key = |workstream| SwitchKey {
            trigger,
            channel,
            workstream,
        };
        match workstream {
            Some(ws) => vec![key(Some(ws)), key(None)],
            None => vec![key(None)],
        }
    }
}

/// Whether `trigger` is on: the first switch `lookup` finds, else the trigger's default.
pub fn is_on(
    trigger: Trigger,
    channel: Channel,
    workstream: Option<WorkstreamId>,
    lookup: impl Fn(&SwitchKey) -> Option<bool>,
) -> bool {
    SwitchKey::candidates(trigger, channel, workstream)
        .iter()
        .find_map(lookup)
        .unwrap_or(trigger.on_by_default())
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A message locale, normalized to lower case with `-` (`es_MX` → `es-mx`) so it can be a key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Locale(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Use a language code like en, de or es-MX.")]
pub struct LocaleError;

impl Locale {
    /// A primary subtag of 2–3 letters, then subtags of 2–8 letters or digits.
    pub fn parse(s: &str) -> Result<Self, LocaleError> {
        let s = s.trim().to_ascii_lowercase().replace('_', "-");
        let mut parts = s.split('-');
        let primary_ok = parts.next().is_some_and(|p| {
            (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase())
        });
        let rest_ok = parts
            .all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
        if primary_ok && rest_ok && s.len() <= 35 {
            Ok(Self(s))
        } else {
            Err(LocaleError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primary language (`es` for `es-mx`).
    pub fn language(&self) -> Locale {
        Locale(self.0.split('-').next().unwrap_or(&self.0).to_owned())
    }

    pub fn english() -> Self {
        Self(FALLBACK_LOCALE.to_owned())
    }

    /// This locale, then its primary language if different.
    fn with_language(&self) -> Vec<Locale> {
        let lang = self.language();
        if lang == *self {
            vec![self.clone()]
        } else {
            vec![self.clone(), lang]
        }
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where an override applies: a channel's default (no workstream) or one workstream, in a locale.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OverrideKey {
    pub trigger: Trigger,
    pub channel: Channel,
    pub workstream: Option<WorkstreamId>,
    pub locale: Locale,
}

impl OverrideKey {
    /// `trigger|channel|workstream-or-0|locale`, the key of the override table.
    pub fn storage_key(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.trigger.key(),
            self.channel.as_str(),
            self.workstream.map_or(0, WorkstreamId::get),
            self.locale
        )
    }
}

/// The workstream a message is for, with the locale its texts default to (its language, once
/// its setup has one).
#[derive(Debug, Clone, Copy)]
pub struct WorkstreamScope<'a> {
    pub id: WorkstreamId,
    pub default_locale: Option<&'a Locale>,
}

/// The overrides to look for, most specific first: the workstream's in the customer's locale,
/// then the workstream's in its default locale, then the channel's in the customer's locale.
/// Each locale is tried as given and then as its primary language (`es-mx`, then `es`).
pub fn candidates(
    trigger: Trigger,
    channel: Channel,
    workstream: Option<WorkstreamScope<'_>>,
    locale: &Locale,
) -> Vec<OverrideKey> {
    let key = |workstream, locale| OverrideKey {
        trigger,
        channel,
        workstream,
        locale,
    };
    let mut out: Vec<OverrideKey> = Vec::new();
    let mut push = |k: OverrideKey| {
        if !out.contains(&k) {
            out.push(k);
        }
    };
    if let Some(ws) = workstream {
        let default = ws.default_locale.map(Locale::with_language);
        for l in locale
            .with_language()
            .into_iter()
            .chain(default.into_iter().flatten())
        {
            push(key(Some(ws.id), l));
        }
    }
    for l in locale.with_language() {
        push(key(None, l));
    }
    out
}

/// Where a resolved text came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Override(OverrideKey),
    BuiltIn(&'static str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub text: String,
    pub source: Source,
}

/// The text for `trigger`: the first override `lookup` finds among `candidates`, else the
/// built-in text in the customer's locale (or its language), else the English one.
pub fn resolve(
    trigger: Trigger,
    channel: Channel,
    workstream: Option<WorkstreamScope<'_>>,
    locale: &Locale,
    lookup: impl Fn(&OverrideKey) -> Option<String>,
) -> Resolved {
    for key in lookup_order(trigger, channel, workstream, locale) {
        match key {
            Some(key) => {
                if let Some(text) = lookup(&key) {
                    return Resolved {
                        text,
                        source: Source::Override(key),
                    };
                }
            }
            None => return builtin(trigger, channel, locale),
        }
    }
    builtin(trigger, channel, locale)
}

/// The overrides `resolve` looks at, in order; `None` stands for the built-in text in `locale`,
/// which comes before the English overrides only when omnidesk has a built-in text in `locale`
/// (else the default locale's overrides come first: a text the admin wrote in English beats the
/// built-in English one).
pub fn lookup_order(
    trigger: Trigger,
    channel: Channel,
    workstream: Option<WorkstreamScope<'_>>,
    locale: &Locale,
) -> Vec<Option<OverrideKey>> {
    let mut out: Vec<Option<OverrideKey>> = candidates(trigger, channel, workstream, locale)
        .into_iter()
        .map(Some)
        .collect();
    let english = Locale::english();
    if has_builtin(locale) {
        out.push(None);
    }
    for k in candidates(trigger, channel, workstream, &english) {
        if !out.contains(&Some(k.clone())) {
            out.push(Some(k));
        }
    }
    out
}

/// Whether omnidesk has built-in texts in `locale` or its language.
fn has_builtin(locale: &Locale) -> bool {
    locale
        .with_language()
        .iter()
        .any(|l| BUILTIN_LOCALES.iter().any(|(c, _)| *c == l.as_str()))
}

/// The built-in text in `locale`, its language, or English.
pub fn builtin(trigger: Trigger, channel: Channel, locale: &Locale) -> Resolved {
    let (code, text) = locale
        .with_language()
        .iter()
        .find_map(|l| {
            let code = BUILTIN_LOCALES.iter().find(|(c, _)| *c == l.as_str())?.0;
            Some((code, builtin::text(trigger, channel, code)))
        })
        .unwrap_or((
            FALLBACK_LOCALE,
            builtin::text(trigger, channel, FALLBACK_LOCALE),
        ));
    Resolved {
        text: text.to_owned(),
        source: Source::BuiltIn(code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn locale(s: &str) -> Locale {
        Locale::parse(s).expect("valid locale")
    }

    #[test]
    fn each_builtin_locale_answers_in_its_own_language() {
        for t in Trigger::ALL {
            for c in [Channel::WhatsApp, Channel::Sms] {
                for (l, _) in BUILTIN_LOCALES {
                    assert_eq!(builtin(t, c, &locale(l)).source, Source::BuiltIn(l));
                }
            }
        }
        let de = builtin(Trigger::Greeting, Channel::Sms, &locale("de")).text;
        assert_ne!(
            de,
            builtin(Trigger::Greeting, Channel::Sms, &Locale::english()).text
        );
    }

    #[test]
    fn trigger_keys_round_trip() {
        for t in Trigger::ALL {
            assert_eq!(Trigger::parse(t.key()), Some(t));
        }
        assert_eq!(Trigger::parse("Greeting"), None);
    }

    #[test]
    fn locales_are_normalized_and_checked() {
        assert_eq!(locale(" es_MX ").as_str(), "es-mx");
        assert_eq!(locale("es-MX").language().as_str(), "es");
        for (bad, why) in [
            ("", "empty"),
            ("e", "too short"),
            ("english", "a name, not a code"),
            ("en-", "empty subtag"),
            ("en-x", "one-letter subtag"),
            ("en us", "a space"),
            ("1a", "digits in the language"),
        ] {
            assert!(Locale::parse(bad).is_err(), "{bad:?}: {why}");
        }
    }

    fn store(entries: &[(OverrideKey, &str)]) -> HashMap<String, String> {
        entries
            .iter()
            .map(|(k, v)| (k.storage_key(), v.to_string()))
            .collect()
    }

    fn key(ws: Option<u64>, l: &str) -> OverrideKey {
        OverrideKey {
            trigger: Trigger::Greeting,
            channel: Channel::WhatsApp,
            workstream: ws.map(WorkstreamId::new),
            locale: locale(l),
        }
    }

    #[test]
    fn resolution_goes_from_workstream_to_channel_to_builtin() {
        let de = locale("de");
        let ws = Some(WorkstreamScope {
            id: WorkstreamId::new(7),
            default_locale: Some(&de),
        });
        let overrides = store(&[
            (key(Some(7), "es"), "ws es"),
            (key(Some(7), "de"), "ws de"),
            (key(None, "fr"), "channel fr"),
            (key(None, "es"), "channel es"),
        ]);
        let text = |ws, l: &str| {
            resolve(Trigger::Greeting, Channel::WhatsApp, ws, &locale(l), |k| {
                overrides.get(&k.storage_key()).cloned()
            })
            .text
        };
        assert_eq!(text(ws, "es"), "ws es", "workstream + locale");
        assert_eq!(
            text(ws, "es-MX"),
            "ws es",
            "workstream + the locale's language"
        );
        assert_eq!(
            text(ws, "fr"),
            "ws de",
            "workstream default locale before the channel"
        );
        assert_eq!(text(None, "fr"), "channel fr", "channel default");
        assert_eq!(text(None, "es"), "channel es");
        assert_eq!(
            text(None, "de"),
            builtin(Trigger::Greeting, Channel::WhatsApp, &de).text
        );
        let other_ws = Some(WorkstreamScope {
            id: WorkstreamId::new(8),
            default_locale: Some(&de),
        });
        assert_eq!(
            text(other_ws, "es"),
            "channel es",
            "another workstream's override is ignored"
        );
        assert!(
            text(None, "pt-br").starts_with("Thanks for contacting us"),
            "English last"
        );
    }

    #[test]
    fn a_workstream_without_a_language_skips_the_default_locale_step() {
        let ws = Some(WorkstreamScope {
            id: WorkstreamId::new(7),
            default_locale: None,
        });
        let keys: Vec<String> =
            candidates(Trigger::Greeting, Channel::WhatsApp, ws, &locale("es-MX"))
                .iter()
                .map(OverrideKey::storage_key)
                .collect();
        assert_eq!(
            keys,
            [
                "greeting|whatsapp|7|es-mx",
                "greeting|whatsapp|7|es",
                "greeting|whatsapp|0|es-mx",
                "greeting|whatsapp|0|es",
            ]
        );
    }

    #[test]
    fn overrides_of_the_other_channel_do_not_apply() {
        let mut k = key(None, "en");
        k.channel = Channel::Sms;
        let overrides = store(&[(k, "sms text")]);
        let r = resolve(
            Trigger::Greeting,
            Channel::WhatsApp,
            None,
            &locale("en"),
            |k| overrides.get(&k.storage_key()).cloned(),
        );
        assert_eq!(r.source, Source::BuiltIn("en"));
    }

    #[test]
    fn a_locale_without_texts_falls_back_to_the_default_locale_overrides() {
        let overrides = store(&[
            (key(None, "en"), "channel en"),
            (key(Some(7), "en"), "ws en"),
        ]);
        let text = |ws: Option<u64>, l: &str| {
            let scope = ws.map(|id| WorkstreamScope {
                id: WorkstreamId::new(id),
                default_locale: None,
            });
            resolve(
                Trigger::Greeting,
                Channel::WhatsApp,
                scope,
                &locale(l),
                |k| overrides.get(&k.storage_key()).cloned(),
            )
            .text
        };
        assert_eq!(text(None, "fr"), "channel en", "no French text at all");
        assert_eq!(
            text(Some(7), "fr"),
            "ws en",
            "the workstream's English first"
        );
        assert_eq!(
            text(None, "de"),
            builtin(Trigger::Greeting, Channel::WhatsApp, &locale("de")).text,
            "German has a built-in text, which beats an English override"
        );
    }

    #[test]
    fn switches_go_from_workstream_to_channel_to_the_default() {
        let ws = Some(WorkstreamId::new(4));
        let on = |t, stored: &[(Option<WorkstreamId>, bool)]| {
            is_on(t, Channel::Sms, ws, |k| {
                stored
                    .iter()
                    .find(|(w, _)| *w == k.workstream)
                    .map(|(_, v)| *v)
            })
        };
        assert!(
            !on(Trigger::Greeting, &[]),
            "the greeting waits to be turned on"
        );
        assert!(
            on(Trigger::AgentEnded, &[]),
            "agent ended is on from the start"
        );
        assert!(on(Trigger::Greeting, &[(None, true)]));
        assert!(!on(Trigger::Greeting, &[(None, true), (ws, false)]));
        assert_eq!(Trigger::OutsideTimeframe.audience(), Audience::Agent);
        assert_eq!(Trigger::OptedOut.audience(), Audience::Customer);
    }

    #[test]
    fn storage_keys_spell_out_the_scope() {
        assert_eq!(
            key(None, "es-MX").storage_key(),
            "greeting|whatsapp|0|es-mx"
        );
        assert_eq!(key(Some(3), "en").storage_key(), "greeting|whatsapp|3|en");
    }

    #[test]
    fn builtin_texts_fall_back_to_the_language_then_english() {
        let r = builtin(Trigger::Holiday, Channel::Sms, &locale("de-AT"));
        assert_eq!(r.source, Source::BuiltIn("de"));
        let r = builtin(Trigger::Holiday, Channel::Sms, &locale("ja"));
        assert_eq!(r.source, Source::BuiltIn("en"));
        let wa = builtin(Trigger::OutsideTimeframe, Channel::WhatsApp, &locale("en")).text;
        assert!(wa.contains("24 hour limit"), "WhatsApp explains the window");
    }
}
