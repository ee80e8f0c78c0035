//! An inbound message as Twilio posts it (form fields), parsed into a domain value. Everything a
//! customer can put in a webhook is checked here; a failure names the field and the reason.

use super::phone::{Address, Channel, PhoneError};
use super::sid::{AccountSid, MessageSid, MessagingServiceSid, SidError};
use serde::{Deserialize, Serialize};

/// Longest body we store: WhatsApp allows 4,096 characters and SMS concatenates to 1,600.
pub const MAX_BODY_CHARS: usize = 4_096;
/// Twilio sends at most 10 media items per message.
pub const MAX_MEDIA: usize = 10;
const MAX_FIELD_CHARS: usize = 1_024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaRef {
    pub url: String,
    pub content_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Button {
    pub text: String,
    pub payload: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InboundMessage {
    pub message_sid: MessageSid,
    pub account_sid: AccountSid,
    pub messaging_service_sid: Option<MessagingServiceSid>,
    pub channel: Channel,
    pub from: Address,
    pub to: Address,
    pub body: String,
    pub media: Vec<MediaRef>,
    pub profile_name: Option<String>,
    pub wa_id: Option<String>,
    pub message_type: Option<String>,
    pub location: Option<Location>,
    pub button: Option<Button>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InboundError {
    #[error("body is not form-encoded UTF-8")]
    NotForm,
    #[error("missing field {0}")]
    Missing(&'static str),
    #[error("field {0} appears more than once")]
    Repeated(String),
    #[error("field {0} contains a NUL byte")]
    Nul(String),
    #[error("field {0} is longer than {1} characters")]
    TooLong(&'static str, usize),
    #[error("{field}: {source}")]
    Sid {
        field: &'static str,
        source: SidError,
    },
    #[error("{field}: {source}")]
    Phone {
        field: &'static str,
        source: PhoneError,
    },
    #[error("From and To must be on the same channel")]
    ChannelMismatch,
    #[error("field {0} is not valid: {1}")]
    Invalid(&'static str, &'static str),
    #[error("the form has more than {MAX_FORM_PAIRS} fields")]
    TooManyFields,
}

/// Most fields a webhook form may have: Twilio sends a few dozen (ten media URLs and their types
/// included). Checked while parsing, before any signature work.
pub const MAX_FORM_PAIRS: usize = 1_000;

/// Decodes an `application/x-www-form-urlencoded` body strictly: invalid UTF-8 after
/// percent-decoding is an error, not silently replaced (which would also change what the
/// signature covers). More than `MAX_FORM_PAIRS` fields are refused before any is decoded.
pub fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>, InboundError> {
    let text = std::str::from_utf8(body).map_err(|_| InboundError::NotForm)?;
    let pairs = text.split('&').filter(|p| !p.is_empty());
    if pairs.clone().nth(MAX_FORM_PAIRS).is_some() {
        return Err(InboundError::TooManyFields);
    }
    pairs
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode_component(k)?, decode_component(v)?))
        })
        .collect()
}

/// One percent-encoded form component, `+` meaning a space.
fn decode_component(s: &str) -> Result<String, InboundError> {
    if !s.bytes().any(|b| b == b'+' || b == b'%') {
        return Ok(s.to_owned());
    }
    let spaced = s.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| InboundError::NotForm)
}

/// The form fields of one webhook, with lookup by name.
pub struct Fields<'a> {
    pairs: &'a [(String, String)],
}

impl<'a> Fields<'a> {
    pub fn new(pairs: &'a [(String, String)]) -> Result<Self, InboundError> {
        for (k, v) in pairs {
            if k.contains('\0') || v.contains('\0') {
                return Err(InboundError::Nul(
                    k.replace('\0', "").chars().take(40).collect(),
                ));
            }
        }
        Ok(Self { pairs })
    }

    /// The single value of `name`; a repeated field is refused so nobody can smuggle a second one.
    pub fn get(&self, name: &str) -> Result<Option<&'a str>, InboundError> {
        let mut found = None;
        for (k, v) in self.pairs {
            if k == name {
                if found.is_some() {
                    return Err(InboundError::Repeated(name.to_owned()));
                }
                found = Some(v.as_str());
            }
        }
        Ok(found)
    }

    pub fn require(&self, name: &'static str) -> Result<&'a str, InboundError> {
        self.get(name)?.ok_or(InboundError::Missing(name))
    }

    /// An optional text field, empty treated as absent, with a length bound.
    pub fn text(&self, name: &'static str) -> Result<Option<String>, InboundError> {
        match self.get(name)? {
            None => Ok(None),
            Some("") => Ok(None),
            Some(v) if v.chars().count() > MAX_FIELD_CHARS => {
                Err(InboundError::TooLong(name, MAX_FIELD_CHARS))
            }
            Some(v) => Ok(Some(v.to_owned())),
        }
    }
}

fn address(fields: &Fields<'_>, name: &'static str) -> Result<Address, InboundError> {
    Address::parse_twilio(fields.require(name)?).map_err(|source| InboundError::Phone {
        field: name,
        source,
    })
}

fn coordinate(v: &str, field: &'static str, bound: f64) -> Result<f64, InboundError> {
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() && x.abs() <= bound => Ok(x),
        _ => Err(InboundError::Invalid(field, "not a coordinate")),
    }
}

impl InboundMessage {
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, InboundError> {
        let f = Fields::new(pairs)?;
        let message_sid =
            MessageSid::parse(f.require("MessageSid")?).map_err(|source| InboundError::Sid {
                field: "MessageSid",
                source,
            })?;
        let account_sid =
            AccountSid::parse(f.require("AccountSid")?).map_err(|source| InboundError::Sid {
                field: "AccountSid",
                source,
            })?;
        let messaging_service_sid = match f.text("MessagingServiceSid")? {
            None => None,
            Some(v) => {
                Some(
                    MessagingServiceSid::parse(&v).map_err(|source| InboundError::Sid {
                        field: "MessagingServiceSid",
                        source,
                    })?,
                )
            }
        };
        let from = address(&f, "From")?;
        let to = address(&f, "To")?;
        if from.channel != to.channel {
            return Err(InboundError::ChannelMismatch);
        }
        let body = f.get("Body")?.unwrap_or("").to_owned();
        if body.chars().count() > MAX_BODY_CHARS {
            return Err(InboundError::TooLong("Body", MAX_BODY_CHARS));
        }
        let media = parse_media(&f)?;
        let location = match (f.get("Latitude")?, f.get("Longitude")?) {
            (Some(lat), Some(lon)) => Some(Location {
                latitude: coordinate(lat, "Latitude", 90.0)?,
                longitude: coordinate(lon, "Longitude", 180.0)?,
                label: f.text("Label")?.or(f.text("Address")?),
            }),
            (None, None) => None,
            _ => return Err(InboundError::Invalid("Latitude", "needs Longitude too")),
        };
        let button = match (f.text("ButtonText")?, f.text("ButtonPayload")?) {
            (None, None) => None,
            (text, payload) => Some(Button {
                text: text.unwrap_or_default(),
                payload: payload.unwrap_or_default(),
            }),
        };
        Ok(Self {
            message_sid,
            account_sid,
            messaging_service_sid,
            channel: from.channel,
            from,
            to,
            body,
            media,
            profile_name: f.text("ProfileName")?,
            wa_id: f.text("WaId")?,
            message_type: f.text("MessageType")?,
            location,
            button,
        })
    }
}

fn parse_media(f: &Fields<'_>) -> Result<Vec<MediaRef>, InboundError> {
    let count = match f.get("NumMedia")? {
        None | Some("") => 0,
        Some(n) => n
            .parse::<usize>()
            .map_err(|_| InboundError::Invalid("NumMedia", "not a number"))?,
    };
    if count > MAX_MEDIA {
        return Err(InboundError::Invalid(
            "NumMedia",
            "more than 10 media items",
        ));
    }
    let mut media = Vec::with_capacity(count);
    for i in 0..count {
        let url_field = format!("MediaUrl{i}");
        let url = f.get(&url_field)?.ok_or(InboundError::Invalid(
            "NumMedia",
            "a MediaUrlN field is missing",
        ))?;
        let is_http = url.starts_with("https://") || url.starts_with("http://");
        if !is_http || url.len() > MAX_FIELD_CHARS {
            return Err(InboundError::Invalid("MediaUrl", "not an http(s) URL"));
        }
        let content_type = f
            .get(&format!("MediaContentType{i}"))?
            .unwrap_or("application/octet-stream");
        let content_type = super::media_type::MediaType::parse(content_type)
            .map_err(|_| InboundError::Invalid("MediaContentType", "not a media type"))?;
        media.push(MediaRef {
            url: url.to_owned(),
            content_type: content_type.into_string(),
        });
    }
    Ok(media)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = [
            ("MessageSid", "SM0123456789abcdef0123456789abcdef"),
            ("AccountSid", "AC0123456789abcdef0123456789abcdef"),
            ("From", "whatsapp:+14155550100"),
            ("To", "whatsapp:+14155550199"),
            ("Body", "Hello"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, val) in extra {
            v.retain(|(key, _)| key != k);
            v.push((k.to_string(), val.to_string()));
        }
        v
    }

    #[test]
    fn forms_decode_strictly() {
        let p = parse_form(b"Body=caf%C3%A9+au+lait&Empty=&Flag").unwrap();
        assert_eq!(p[0], ("Body".into(), "café au lait".into()));
        assert_eq!(p[1], ("Empty".into(), "".into()));
        assert_eq!(p[2], ("Flag".into(), "".into()));
        assert_eq!(parse_form(b"Body=%FF%FE"), Err(InboundError::NotForm));
        assert_eq!(parse_form(&[0xff, b'=', b'1']), Err(InboundError::NotForm));
    }

    #[test]
    fn a_whatsapp_message_with_media_and_location_parses() {
        let m = InboundMessage::parse(&form(&[
            ("NumMedia", "1"),
            ("MediaUrl0", "https://api.twilio.com/media/1"),
            ("MediaContentType0", "image/jpeg"),
            ("ProfileName", "Ana"),
            ("WaId", "14155550100"),
            ("Latitude", "52.52"),
            ("Longitude", "13.40"),
            ("ButtonText", "Yes"),
            ("ButtonPayload", "yes"),
        ]))
        .unwrap();
        assert_eq!(m.channel, Channel::WhatsApp);
        assert_eq!(m.from.number.as_str(), "+14155550100");
        assert_eq!(m.media.len(), 1);
        assert_eq!(m.profile_name.as_deref(), Some("Ana"));
        assert!(m.location.is_some());
        assert_eq!(m.button.as_ref().map(|b| b.payload.as_str()), Some("yes"));
    }

    #[test]
    fn malformed_webhooks_are_refused_with_the_reason() {
        let long = "x".repeat(MAX_BODY_CHARS + 1);
        let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
            (vec![("MessageSid", "nope")], "bad MessageSid"),
            (vec![("AccountSid", "AC123")], "bad AccountSid"),
            (vec![("From", "whatsapp:14155550100")], "From without plus"),
            (
                vec![("To", "+14155550199")],
                "To on another channel than From",
            ),
            (vec![("Body", "hi\0there")], "NUL byte"),
            (vec![("Body", long.as_str())], "body too long"),
            (
                vec![("NumMedia", "2"), ("MediaUrl0", "https://a/1")],
                "missing MediaUrl1",
            ),
            (vec![("NumMedia", "11")], "too many media"),
            (vec![("NumMedia", "x")], "NumMedia not a number"),
            (
                vec![("NumMedia", "1"), ("MediaUrl0", "file:///etc/passwd")],
                "not http",
            ),
            (
                vec![("Latitude", "95"), ("Longitude", "0")],
                "latitude out of range",
            ),
            (vec![("Latitude", "NaN"), ("Longitude", "0")], "NaN"),
            (vec![("Latitude", "1")], "latitude without longitude"),
        ];
        for (extra, why) in cases {
            assert!(
                InboundMessage::parse(&form(&extra)).is_err(),
                "accepted: {why}"
            );
        }
        let mut missing = form(&[]);
        missing.retain(|(k, _)| k != "From");
        assert_eq!(
            InboundMessage::parse(&missing),
            Err(InboundError::Missing("From"))
        );
        let mut twice = form(&[]);
        twice.push(("Body".into(), "again".into()));
        assert!(matches!(
            InboundMessage::parse(&twice),
            Err(InboundError::Repeated(_))
        ));
    }
}
