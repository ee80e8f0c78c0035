//! One outbound WhatsApp message as ACS's `NotificationContent` (Messages 2024-08-30): kinds
//! text, image, document, video, audio and template, `to` as digits with the country code, and
//! our `{{1}}`…`{{n}}` template placeholders mapped to the template's `values` and `bindings`.

use super::ids::{ChannelId, RepeatabilityId};
use crate::domain::language::LanguageCode;
use crate::domain::template_name::TemplateName;
use crate::domain::{PhoneNumber, Timestamp};
use serde::Serialize;

/// What is sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    /// A free-form text.
    Text {
        /// The text.
        content: String,
    },
    /// An image at `media_uri`.
    Image {
        /// Where ACS downloads it.
        media_uri: MediaUri,
        /// Shown under it.
        caption: Option<String>,
    },
    /// A document at `media_uri`, shown under `file_name`.
    Document {
        /// Where ACS downloads it.
        media_uri: MediaUri,
        /// Shown under it.
        caption: Option<String>,
        /// The name the customer sees.
        file_name: Option<String>,
    },
    /// A video at `media_uri`.
    Video {
        /// Where ACS downloads it.
        media_uri: MediaUri,
        /// Shown under it.
        caption: Option<String>,
    },
    /// An audio at `media_uri` (WhatsApp shows no caption for audio).
    Audio {
        /// Where ACS downloads it.
        media_uri: MediaUri,
    },
    /// An approved WhatsApp template.
    Template(TemplateMessage),
}

impl Content {
    /// A media message of the kind WhatsApp shows `content_type` as: `image/*` an image,
    /// `video/*` a video, `audio/*` an audio (its caption, which WhatsApp cannot show, is
    /// dropped), anything else a document under `file_name`.
    pub fn media(
        content_type: &str,
        media_uri: MediaUri,
        caption: Option<String>,
        file_name: Option<String>,
    ) -> Self {
        let top = content_type
            .split('/')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match top.as_str() {
            "image" => Self::Image { media_uri, caption },
            "video" => Self::Video { media_uri, caption },
            "audio" => Self::Audio { media_uri },
            _ => Self::Document {
                media_uri,
                caption,
                file_name,
            },
        }
    }
}

/// A template send: the name and language WhatsApp registered it under, and the values of its
/// `{{1}}`…`{{n}}` body placeholders in order.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateMessage {
    /// The template's registered name.
    pub name: TemplateName,
    /// The template's language.
    pub language: LanguageCode,
    /// `values[0]` fills `{{1}}`, and so on.
    pub values: Vec<String>,
}

/// Why a message cannot be put into an ACS request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    #[error("WhatsApp needs the customer's international number, not a short code ({0}).")]
    /// The recipient is a short code.
    NotInternational(String),
    #[error("The media address is not an absolute http(s) URL.")]
    /// The media URL is not absolute http(s).
    BadMediaUri,
}

/// The public address ACS downloads an outbound media from (our signed, expiring URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaUri(url::Url);

impl MediaUri {
    /// Parses an absolute `https` (or `http`) URL.
    pub fn parse(s: &str) -> Result<Self, ContentError> {
        let url = url::Url::parse(s.trim()).map_err(|_| ContentError::BadMediaUri)?;
        if matches!(url.scheme(), "https" | "http") && url.host().is_some() {
            Ok(Self(url))
        } else {
            Err(ContentError::BadMediaUri)
        }
    }

    /// The URL text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// The repeatability data of one message: the same on every attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeatability {
    /// `Repeatability-Request-ID`.
    pub request_id: RepeatabilityId,
    /// `Repeatability-First-Sent`: when the first attempt was made (stored, and reused).
    pub first_sent: Timestamp,
}

/// One outbound message from a channel to a customer.
#[derive(Debug, Clone, PartialEq)]
pub struct Outbound {
    /// The sending channel.
    pub channel: ChannelId,
    /// The customer.
    pub to: PhoneNumber,
    /// What is sent.
    pub content: Content,
    /// The same on every attempt of this message.
    pub repeatability: Repeatability,
}

/// The JSON body, field names as the spec writes them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    channel_registration_id: &'a str,
    to: [String; 1],
    #[serde(flatten)]
    kind: Kind<'a>,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum Kind<'a> {
    Text {
        content: &'a str,
    },
    Image(Captioned<'a>),
    #[serde(rename_all = "camelCase")]
    Document {
        media_uri: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        caption: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        file_name: Option<&'a str>,
    },
    Video(Captioned<'a>),
    #[serde(rename_all = "camelCase")]
    Audio {
        media_uri: &'a str,
    },
    Template {
        template: Template<'a>,
    },
}

/// An image's or a video's fields.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Captioned<'a> {
    media_uri: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    caption: Option<&'a str>,
}

#[derive(Serialize)]
struct Template<'a> {
    name: &'a str,
    language: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    values: Vec<TextValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bindings: Option<Bindings>,
}

#[derive(Serialize)]
struct TextValue<'a> {
    name: String,
    kind: &'static str,
    text: &'a str,
}

#[derive(Serialize)]
struct Bindings {
    kind: &'static str,
    body: Vec<RefValue>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RefValue {
    ref_value: String,
}

/// The name of the template value that fills `{{n}}`.
pub fn value_name(n: usize) -> String {
    n.to_string()
}

/// `to` as ACS wants it: the E.164 number's digits without the `+`.
pub fn recipient_digits(to: &PhoneNumber) -> Result<String, ContentError> {
    to.as_str()
        .strip_prefix('+')
        .map(str::to_owned)
        .ok_or_else(|| ContentError::NotInternational(to.to_string()))
}

/// The exact request body of `message` (`application/json`).
pub fn body(message: &Outbound) -> Result<Vec<u8>, ContentError> {
    let kind = match &message.content {
        Content::Text { content } => Kind::Text { content },
        Content::Image { media_uri, caption } => Kind::Image(Captioned {
            media_uri: media_uri.as_str(),
            caption: caption.as_deref(),
        }),
        Content::Document {
            media_uri,
            caption,
            file_name,
        } => Kind::Document {
            media_uri: media_uri.as_str(),
            caption: caption.as_deref(),
            file_name: file_name.as_deref(),
        },
        Content::Video { media_uri, caption } => Kind::Video(Captioned {
            media_uri: media_uri.as_str(),
            caption: caption.as_deref(),
        }),
        Content::Audio { media_uri } => Kind::Audio {
            media_uri: media_uri.as_str(),
        },
        Content::Template(t) => {
            let values: Vec<TextValue<'_>> = t
                .values
                .iter()
                .enumerate()
                .map(|(i, text)| TextValue {
                    name: value_name(i + 1),
                    kind: "text",
                    text,
                })
                .collect();
            let bindings = (!values.is_empty()).then(|| Bindings {
                kind: "whatsApp",
                body: values
                    .iter()
                    .map(|v| RefValue {
                        ref_value: v.name.clone(),
                    })
                    .collect(),
            });
            Kind::Template {
                template: Template {
                    name: t.name.as_str(),
                    language: t.language.as_str(),
                    values,
                    bindings,
                },
            }
        }
    };
    let body = Body {
        channel_registration_id: message.channel.as_str(),
        to: [recipient_digits(&message.to)?],
        kind,
    };
    // Serialising these plain structs cannot fail.
    Ok(serde_json::to_vec(&body).expect("the body serialises"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn outbound(content: Content) -> Outbound {
        Outbound {
            channel: ChannelId::parse("0f0eb78e-a576-1dfc-b414-0f0756de3338").unwrap(),
            to: PhoneNumber::parse("+14250000000").unwrap(),
            content,
            repeatability: Repeatability {
                request_id: RepeatabilityId::derive(b"m1"),
                first_sent: Timestamp::from_millis(0),
            },
        }
    }

    fn example(name: &str) -> Value {
        let path = format!(
            "{}/tests/data/acs/messages/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        v["parameters"]["body"].clone()
    }

    fn json_of(m: &Outbound) -> Value {
        serde_json::from_slice(&body(m).unwrap()).unwrap()
    }

    #[test]
    fn a_text_is_the_specs_example_byte_for_byte() {
        let m = outbound(Content::Text {
            content: "Text message through CPM".into(),
        });
        assert_eq!(json_of(&m), example("NotificationMessages_SendText.json"));
        assert_eq!(
            String::from_utf8(body(&m).unwrap()).unwrap(),
            "{\"channelRegistrationId\":\"0f0eb78e-a576-1dfc-b414-0f0756de3338\",\"to\":[\"14250000000\"],\"kind\":\"text\",\"content\":\"Text message through CPM\"}",
            "the body of the computed HMAC vector"
        );
    }

    #[test]
    fn an_image_is_the_specs_example() {
        let m = outbound(Content::Image {
            media_uri: MediaUri::parse("https://example.com/image.jpg").unwrap(),
            caption: Some("check out this image!".into()),
        });
        assert_eq!(json_of(&m), example("NotificationMessages_SendImage.json"));
    }

    #[test]
    fn documents_videos_and_audio_carry_only_their_fields() {
        let uri = MediaUri::parse("https://desk.example/m/1?sig=abc").unwrap();
        let doc = json_of(&outbound(Content::Document {
            media_uri: uri.clone(),
            caption: None,
            file_name: Some("invoice.pdf".into()),
        }));
        assert_eq!(doc["kind"], "document");
        assert_eq!(doc["mediaUri"], "https://desk.example/m/1?sig=abc");
        assert_eq!(doc["fileName"], "invoice.pdf");
        assert!(doc.get("caption").is_none());
        let video = json_of(&outbound(Content::Video {
            media_uri: uri.clone(),
            caption: Some("look".into()),
        }));
        assert_eq!(video["kind"], "video");
        assert_eq!(video["caption"], "look");
        let audio = json_of(&outbound(Content::Audio { media_uri: uri }));
        assert_eq!(
            audio,
            json!({"channelRegistrationId": "0f0eb78e-a576-1dfc-b414-0f0756de3338",
                   "to": ["14250000000"], "kind": "audio",
                   "mediaUri": "https://desk.example/m/1?sig=abc"})
        );
    }

    #[test]
    fn a_media_kind_follows_its_content_type() {
        let uri = MediaUri::parse("https://desk.example/m/1").unwrap();
        let kind = |ct: &str| {
            let c = Content::media(ct, uri.clone(), Some("c".into()), Some("f.bin".into()));
            json_of(&outbound(c))["kind"].as_str().unwrap().to_owned()
        };
        assert_eq!(kind("image/jpeg"), "image");
        assert_eq!(kind("Video/MP4"), "video");
        assert_eq!(kind("audio/ogg; codecs=opus"), "audio");
        assert_eq!(kind("application/pdf"), "document");
        assert_eq!(kind(""), "document");
        let audio = Content::media("audio/ogg", uri.clone(), Some("c".into()), None);
        assert_eq!(audio, Content::Audio { media_uri: uri });
    }

    #[test]
    fn template_placeholders_become_values_bound_to_the_body_in_order() {
        let m = outbound(Content::Template(TemplateMessage {
            name: TemplateName::parse("order_update").unwrap(),
            language: LanguageCode::parse("en_US").unwrap(),
            values: vec!["John Doe".into(), "12345".into()],
        }));
        assert_eq!(
            json_of(&m)["template"],
            json!({
                "name": "order_update",
                "language": "en_US",
                "values": [
                    {"name": "1", "kind": "text", "text": "John Doe"},
                    {"name": "2", "kind": "text", "text": "12345"}
                ],
                "bindings": {"kind": "whatsApp", "body": [{"refValue": "1"}, {"refValue": "2"}]}
            })
        );
    }

    #[test]
    fn a_template_without_placeholders_sends_name_and_language_only() {
        let m = outbound(Content::Template(TemplateMessage {
            name: TemplateName::parse("hello_world").unwrap(),
            language: LanguageCode::parse("en").unwrap(),
            values: vec![],
        }));
        assert_eq!(
            json_of(&m)["template"],
            json!({"name": "hello_world", "language": "en"})
        );
    }

    #[test]
    fn a_short_code_or_a_relative_media_address_is_refused() {
        let mut m = outbound(Content::Text {
            content: "hi".into(),
        });
        m.to = PhoneNumber::parse("55555").unwrap();
        assert_eq!(
            body(&m),
            Err(ContentError::NotInternational("55555".into()))
        );
        assert_eq!(MediaUri::parse("/m/1"), Err(ContentError::BadMediaUri));
        assert_eq!(
            MediaUri::parse("file:///etc/passwd"),
            Err(ContentError::BadMediaUri)
        );
    }
}
