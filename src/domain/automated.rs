//! Automated messages as pure rules: the triggers, their built-in texts per channel and locale,
//! placeholder parsing (`{AgentName}`, `{QueueName}`, `{$Name$}` context variables) with the
//! triggers each makes sense for, and `resolve`, which picks the text to send from the stored
//! overrides. The store keeps overrides (`store::automated`); the admin pages edit them.

use super::{Channel, WorkstreamId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The longest automated message, in characters.
pub const MAX_CHARS: usize = 2_000;
/// The locales with built-in texts: (code, label). English is the last resort.
pub const BUILTIN_LOCALES: [(&str, &str); 3] =
    [("en", "English"), ("de", "Deutsch"), ("es", "Español")];
const FALLBACK_LOCALE: &str = "en";
/// The longest context-variable name.
const MAX_VARIABLE: usize = 100;

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
}

impl Trigger {
    pub const ALL: [Trigger; 10] = [
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
                    AgentAssigned | QueuePosition | AgentEnded | OutOfHours | Holiday
                )
            }
            Placeholder::QueuePosition => self == QueuePosition,
            Placeholder::Context(_) => true,
        }
    }

    /// The placeholders this trigger accepts, for the form's help text.
    pub fn placeholder_help(self) -> String {
        let named = [
            Placeholder::AgentName,
            Placeholder::QueueName,
            Placeholder::QueuePosition,
        ]
        .into_iter()
        .filter(|p| self.allows(p))
        .map(|p| p.to_string())
        .collect::<Vec<_>>();
        let mut help = format!("Up to {MAX_CHARS} characters. Placeholders: ");
        for p in &named {
            help.push_str(p);
            help.push_str(", ");
        }
        help.push_str("context variables such as {$OrderNumber$}.");
        help
    }
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
    for key in candidates(trigger, channel, workstream, locale) {
        if let Some(text) = lookup(&key) {
            return Resolved {
                text,
                source: Source::Override(key),
            };
        }
    }
    builtin(trigger, channel, locale)
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

fn builtin_text(trigger: Trigger, channel: Channel, lang: &str) -> &'static str {
    use Channel::*;
    use Trigger::*;
    let wa = channel == WhatsApp;
    match (lang, trigger) {
        ("de", Greeting) => {
            "Danke für Ihre Nachricht. Gleich kümmert sich jemand aus unserem Team um Sie."
        }
        ("de", AgentAssigned) => "Sie schreiben jetzt mit {AgentName}.",
        ("de", QueuePosition) => {
            "Danke für Ihre Geduld. Sie sind an Position {QueuePosition} in der Warteschlange."
        }
        ("de", AgentEnded) => "{AgentName} hat die Unterhaltung beendet. Danke für Ihre Nachricht.",
        ("de", OutOfHours) => {
            "Wir sind gerade nicht erreichbar. Wir antworten Ihnen zu unseren Geschäftszeiten."
        }
        ("de", Holiday) => {
            "Heute ist bei uns Feiertag. Wir antworten Ihnen, sobald wir wieder da sind."
        }
        ("de", OptedOut) if wa => {
            "Sie erhalten hier keine Nachrichten mehr von uns. Sie können uns jederzeit wieder schreiben."
        }
        ("de", OptedOut) => {
            "Sie wurden abgemeldet und erhalten keine Nachrichten mehr. Antworten Sie START, um sich wieder anzumelden."
        }
        ("de", OutsideTimeframe) if wa => {
            "Die Nachricht konnte nicht gesendet werden: Die Unterhaltung hat die 24-Stunden-Grenze für Antworten überschritten. Senden Sie eine genehmigte Vorlage."
        }
        ("de", OutsideTimeframe) => {
            "Die Nachricht konnte nicht gesendet werden: Sie liegt außerhalb des erlaubten Zeitraums."
        }
        ("de", FileTooBig) => {
            "Die Nachricht konnte nicht gesendet werden: Die Datei ist größer als erlaubt."
        }
        ("de", UnsupportedType) => {
            "Die Nachricht konnte nicht gesendet werden: Dieser Dateityp wird nicht unterstützt."
        }
        ("es", Greeting) => "Gracias por escribirnos. Un agente le atenderá en breve.",
        ("es", AgentAssigned) => "Ahora está hablando con {AgentName}.",
        ("es", QueuePosition) => {
            "Gracias por esperar. Su posición en la cola es la número {QueuePosition}."
        }
        ("es", AgentEnded) => {
            "{AgentName} ha finalizado la conversación. Gracias por contactarnos."
        }
        ("es", OutOfHours) => {
            "Ahora mismo estamos cerrados. Le responderemos en nuestro horario de atención."
        }
        ("es", Holiday) => "Hoy estamos cerrados por festivo. Le responderemos cuando volvamos.",
        ("es", OptedOut) if wa => {
            "No recibirá más mensajes nuestros por aquí. Puede escribirnos de nuevo cuando quiera."
        }
        ("es", OptedOut) => {
            "Se ha dado de baja y no recibirá más mensajes. Responda START para volver a suscribirse."
        }
        ("es", OutsideTimeframe) if wa => {
            "No se pudo enviar el mensaje: la conversación ha superado el límite de 24 horas para responder. Envíe una plantilla aprobada."
        }
        ("es", OutsideTimeframe) => "No se pudo enviar el mensaje: está fuera del plazo permitido.",
        ("es", FileTooBig) => {
            "No se pudo enviar el mensaje: el archivo supera el tamaño permitido."
        }
        ("es", UnsupportedType) => {
            "No se pudo enviar el mensaje: el tipo de archivo no es compatible."
        }
        (_, Greeting) => "Thanks for contacting us. An agent will be with you shortly.",
        (_, AgentAssigned) => "You're now chatting with {AgentName}.",
        (_, QueuePosition) => "Thanks for waiting. You are number {QueuePosition} in the queue.",
        (_, AgentEnded) => "{AgentName} has ended the conversation. Thank you for contacting us.",
        (_, OutOfHours) => "We're closed right now. We'll reply during our opening hours.",
        (_, Holiday) => "We're closed today for a holiday. We'll reply when we're back.",
        (_, OptedOut) if wa => {
            "You won't receive more messages from us here. Write to us again at any time."
        }
        (_, OptedOut) => {
            "You have been unsubscribed and will receive no more messages. Reply START to subscribe again."
        }
        (_, OutsideTimeframe) if wa => {
            "Message couldn't be sent: this conversation has exceeded the 24 hour limit to respond to the customer. Send an approved template instead."
        }
        (_, OutsideTimeframe) => "Message couldn't be sent: it is outside the allowed timeframe.",
        (_, FileTooBig) => "Message couldn't be sent: the file is larger than the allowed size.",
        (_, UnsupportedType) => "Message couldn't be sent: this file type isn't supported.",
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
    fn every_builtin_text_is_valid_for_its_trigger_in_every_channel_and_locale() {
        for t in Trigger::ALL {
            for c in [Channel::WhatsApp, Channel::Sms] {
                for (l, _) in BUILTIN_LOCALES {
                    let r = builtin(t, c, &locale(l));
                    assert_eq!(r.source, Source::BuiltIn(l));
                    assert!(AutomatedText::parse(t, &r.text).is_ok(), "{t:?}/{c:?}/{l}");
                }
            }
        }
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
                TextError::Unclosed("{{1}}".into()),
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
