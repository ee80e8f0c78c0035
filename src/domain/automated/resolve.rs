//! Resolving an automated message's text: the overrides to look for, most specific first (the
//! workstream's, then the channel's, each locale then its language), and the built-in text
//! when none is stored.

use super::builtin::text as builtin_text;
use super::{BUILTIN_LOCALES, FALLBACK_LOCALE, Locale, Trigger};
use crate::domain::{Channel, WorkstreamId};
use serde::{Deserialize, Serialize};

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
            Some((code, builtin_text(trigger, channel, code)))
        })
        .unwrap_or((
            FALLBACK_LOCALE,
            builtin_text(trigger, channel, FALLBACK_LOCALE),
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
