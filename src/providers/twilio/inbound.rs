//! An inbound message as Twilio posts it (form fields), parsed into the neutral
//! `domain::inbound::InboundMessage`. Everything a customer can put in a webhook is checked here;
//! a failure names the field and the reason.

use super::address::parse_address;
use crate::domain::form::{Fields, FormError, MAX_FIELD_CHARS};
use crate::domain::inbound::{
    Button, InboundMessage, Location, MAX_BODY_CHARS, MAX_MEDIA, MediaRef, ProviderMessageId,
};
use crate::domain::phone::{Address, PhoneError};
use crate::domain::sender::SenderAddress;
use crate::domain::sid::{AccountSid, MessageSid, MessagingServiceSid, SidError};

/// A Twilio webhook's message with the Twilio fields the route checks.
#[derive(Debug, Clone, PartialEq)]
pub struct TwilioInbound {
    pub message: InboundMessage,
    pub message_sid: MessageSid,
    pub account_sid: AccountSid,
    pub messaging_service_sid: Option<MessagingServiceSid>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InboundError {
    #[error(transparent)]
    Form(#[from] FormError),
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
}

fn address(fields: &Fields<'_>, name: &'static str) -> Result<Address, InboundError> {
    parse_address(fields.require(name)?).map_err(|source| InboundError::Phone {
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

/// Parses a Twilio inbound form.
pub fn parse(pairs: &[(String, String)]) -> Result<TwilioInbound, InboundError> {
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
        Some(v) => Some(
            MessagingServiceSid::parse(&v).map_err(|source| InboundError::Sid {
                field: "MessagingServiceSid",
                source,
            })?,
        ),
    };
    let from = address(&f, "From")?;
    let to = address(&f, "To")?;
    if from.channel != to.channel {
        return Err(InboundError::ChannelMismatch);
    }
    let body = f.get("Body")?.unwrap_or("").to_owned();
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(FormError::TooLong("Body", MAX_BODY_CHARS).into());
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
    let provider_id = ProviderMessageId::parse(message_sid.as_str())
        .map_err(|_| InboundError::Invalid("MessageSid", "not a message id"))?;
    // A WhatsApp reply names the business message it answers.
    let reply_to = match f.text("OriginalRepliedMessageSid")? {
        Some(sid) => Some(
            MessageSid::parse(&sid)
                .map_err(|_| {
                    InboundError::Invalid("OriginalRepliedMessageSid", "not a message SID")
                })?
                .to_string(),
        ),
        None => None,
    };
    Ok(TwilioInbound {
        message: InboundMessage {
            provider_id,
            channel: from.channel,
            from: from.number,
            to: SenderAddress::Phone(to.number),
            body,
            media,
            profile_name: f.text("ProfileName")?,
            wa_id: f.text("WaId")?,
            message_type: f.text("MessageType")?,
            location,
            button,
            reply_to,
        },
        message_sid,
        account_sid,
        messaging_service_sid,
    })
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
        let content_type = crate::domain::media_type::MediaType::parse(content_type)
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
    use crate::domain::Channel;

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
    fn a_whatsapp_message_with_media_and_location_parses() {
        let t = parse(&form(&[
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
        let m = t.message;
        assert_eq!(m.channel, Channel::WhatsApp);
        assert_eq!(m.from.as_str(), "+14155550100");
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
            assert!(parse(&form(&extra)).is_err(), "accepted: {why}");
        }
        let mut missing = form(&[]);
        missing.retain(|(k, _)| k != "From");
        assert_eq!(
            parse(&missing),
            Err(InboundError::Form(FormError::Missing("From")))
        );
        let mut twice = form(&[]);
        twice.push(("Body".into(), "again".into()));
        assert!(matches!(
            parse(&twice),
            Err(InboundError::Form(FormError::Repeated(_)))
        ));
    }
}
