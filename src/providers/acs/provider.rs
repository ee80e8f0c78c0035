//! An Azure Communication Services account behind the provider seam: sends through
//! `AcsClient::send` under the job's repeatability data (so the check after an unknown outcome is
//! sending again), inbound media from the account's own endpoint signed with its key, and
//! Validate by listing each channel ID's templates.

use super::advanced::{InteractiveReply, MessageType, ReceivedMessage};
use super::client::API_VERSION;
use super::connection::ConnectionString;
use super::ids::{ChannelId, RepeatabilityId};
use super::send::{Content, MediaUri, Outbound, Repeatability, TemplateMessage};
use super::{AcsClient, signing};
use crate::clock::Clock;
use crate::domain::Channel;
use crate::domain::inbound::{Button, InboundMessage, MAX_BODY_CHARS, MediaRef, ProviderMessageId};
use crate::domain::media_type::MediaType;
use crate::providers::check::{AccountCheck, CredentialsCheck, SenderVerdict};
use crate::providers::{
    Accepted, Lookup, MediaAccessError, Provider, ProviderFuture, SendError, SendRequest, SentQuery,
};
use crate::store::records::{SendFailure, SenderNumber};
use crate::store::setup::AccountWithToken;

/// How the admin pages introduce the channel IDs ACS confirmed.
const CONFIRMED_LABEL: &str = "Templates listed by Azure Communication Services for";

/// The ACS provider: one client for every ACS account (each call brings its connection string).
pub struct AcsProvider {
    client: AcsClient,
    clock: Clock,
}

fn permanent(message: String) -> SendError {
    SendError::Permanent(SendFailure {
        code: None,
        message,
    })
}

/// The account's connection string, parsed.
fn connection(account: &AccountWithToken) -> Result<ConnectionString, String> {
    let secret = account
        .auth_token
        .as_ref()
        .ok_or("the account is disabled until its connection string is set")?;
    ConnectionString::parse(secret.expose()).map_err(|e| e.to_string())
}

impl AcsProvider {
    /// A provider sending with `client`; `clock` dates the media requests' signatures.
    pub fn new(client: AcsClient, clock: Clock) -> Self {
        Self { client, clock }
    }

    /// The ACS request for `request`.
    fn outbound(request: &SendRequest) -> Result<Outbound, SendError> {
        let channel =
            request.from.acs_channel().cloned().ok_or_else(|| {
                permanent("an ACS account sends from WhatsApp channel IDs".into())
            })?;
        let content = match (&request.template, request.media.as_slice()) {
            (Some(t), _) => Content::Template(TemplateMessage {
                name: t.name.clone(),
                language: t.language.clone(),
                values: t.values.clone(),
            }),
            (None, []) => Content::Text {
                content: request.body.clone(),
            },
            (None, [m]) => {
                let uri = MediaUri::parse(&m.url).map_err(|e| permanent(e.to_string()))?;
                let caption = Some(request.body.clone()).filter(|b| !b.trim().is_empty());
                Content::media(&m.content_type, uri, caption, None)
            }
            (None, _) => return Err(permanent("ACS sends one attachment per message".into())),
        };
        let request_id = RepeatabilityId::parse(&request.repeatability.request_id.to_string())
            .map_err(|e| permanent(e.to_string()))?;
        Ok(Outbound {
            channel,
            to: request.to.clone(),
            content,
            repeatability: Repeatability {
                request_id,
                first_sent: request.repeatability.first_sent,
            },
        })
    }
}

impl Provider for AcsProvider {
    fn send<'a>(
        &'a self,
        account: &'a AccountWithToken,
        request: &'a SendRequest,
    ) -> ProviderFuture<'a, Result<Accepted, SendError>> {
        Box::pin(async move {
            let cs = connection(account).map_err(permanent)?;
            let outbound = Self::outbound(request)?;
            self.client.send(&cs, &outbound).await
        })
    }

    /// ACS executes a repeated request once: sending again under the same request id and first
    /// attempt's time is the check.
    fn find_sent<'a>(
        &'a self,
        _account: &'a AccountWithToken,
        _query: &'a SentQuery,
    ) -> ProviderFuture<'a, Result<Lookup, SendError>> {
        Box::pin(async move { Ok(Lookup::SendAgain) })
    }

    /// Media streams of the account's own endpoint.
    fn serves_media(&self, account: &AccountWithToken, url: &reqwest::Url) -> bool {
        let Some(acs) = &account.account.acs else {
            return false;
        };
        let Ok(endpoint) = reqwest::Url::parse(&acs.endpoint) else {
            return false;
        };
        url.scheme() == endpoint.scheme()
            && url.host_str() == endpoint.host_str()
            && url.port_or_known_default() == endpoint.port_or_known_default()
            && url.path().starts_with("/messages/streams/")
    }

    fn authorize_media(
        &self,
        account: &AccountWithToken,
        url: &reqwest::Url,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::RequestBuilder, MediaAccessError> {
        let cs = connection(account).map_err(|_| MediaAccessError::NoCredentials)?;
        let host = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_owned(),
        };
        let path_and_query = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let date = signing::rfc1123(self.clock.now())
            .ok_or_else(|| MediaAccessError::Signing("the clock is out of range".into()))?;
        let signed = signing::sign(cs.key(), "GET", &host, &path_and_query, &date, b"");
        Ok(request
            .header(signing::DATE_HEADER, signed.date)
            .header(signing::CONTENT_HASH_HEADER, signed.content_hash)
            .header(reqwest::header::AUTHORIZATION, signed.authorization))
    }

    fn validate<'a>(
        &'a self,
        account: &'a AccountWithToken,
        senders: Vec<SenderNumber>,
    ) -> ProviderFuture<'a, AccountCheck> {
        Box::pin(async move {
            let cs = match (&account.auth_token, connection(account)) {
                (None, _) => {
                    return AccountCheck::credentials_only(
                        CredentialsCheck::Missing(
                            "This account has no connection string stored: set it below.".into(),
                        ),
                        CONFIRMED_LABEL,
                    );
                }
                (Some(_), Err(e)) => {
                    return AccountCheck::credentials_only(
                        CredentialsCheck::Refused(e),
                        CONFIRMED_LABEL,
                    );
                }
                (Some(_), Ok(cs)) => cs,
            };
            let mut numbers = Vec::with_capacity(senders.len());
            let mut refused = None;
            for n in senders {
                let verdict = match n.number.acs_channel() {
                    Some(channel) => match self.client.list_templates(&cs, channel).await {
                        Ok(_) => SenderVerdict::Confirmed,
                        Err(e) => {
                            let sentence =
                                format!("{}: Azure Communication Services refused: {e}", n.number);
                            refused.get_or_insert_with(|| e.to_string());
                            SenderVerdict::Refused(sentence)
                        }
                    },
                    None => SenderVerdict::Refused(format!(
                        "{}: an ACS account sends from WhatsApp channel IDs.",
                        n.number
                    )),
                };
                numbers.push((n, verdict));
            }
            let credentials = match (&refused, numbers.is_empty()) {
                (Some(e), _) if numbers.iter().all(|(_, v)| matches!(v, SenderVerdict::Refused(_))) => {
                    CredentialsCheck::Refused(format!(
                        "Azure Communication Services refused the connection string or every channel ID: {e}"
                    ))
                }
                (_, true) => CredentialsCheck::Accepted(
                    "The connection string is well formed; add a WhatsApp channel ID to check it with Azure Communication Services.".into(),
                ),
                _ => CredentialsCheck::Accepted(
                    "Azure Communication Services accepted the connection string.".into(),
                ),
            };
            AccountCheck {
                credentials,
                numbers,
                confirmed_label: CONFIRMED_LABEL,
            }
        })
    }
}

/// A received ACS message as the desk takes it in: the customer in E.164, the channel ID it
/// reached, the text (or what stands for it: a caption, a button's or reply's title, a reaction),
/// and its media as the account's stream URL.
pub fn inbound_message(m: &ReceivedMessage, endpoint: &str) -> Result<InboundMessage, String> {
    let provider_id = ProviderMessageId::parse(&m.dedupe_id).map_err(|e| e.to_string())?;
    let to =
        ChannelId::parse(&m.to).map_err(|_| format!("`to` is not a channel ID: {:?}", m.to))?;
    let reply = match &m.interactive {
        Some(InteractiveReply::Button { id, title })
        | Some(InteractiveReply::List { id, title, .. }) => Some(Button {
            text: title.clone().unwrap_or_default(),
            payload: id.clone().unwrap_or_default(),
        }),
        _ => None,
    };
    let button = m
        .button
        .as_ref()
        .map(|b| Button {
            text: b.text.clone().unwrap_or_default(),
            payload: b.payload.clone().unwrap_or_default(),
        })
        .or(reply);
    let reaction = m.reaction.as_ref().map(|r| match &r.emoji {
        Some(e) => format!("Reacted {e} to a message"),
        None => "Took back a reaction".to_owned(),
    });
    let body = m
        .text
        .clone()
        .or_else(|| m.media.as_ref().and_then(|md| md.caption.clone()))
        .or_else(|| {
            button
                .as_ref()
                .map(|b| b.text.clone())
                .filter(|t| !t.is_empty())
        })
        .or(reaction)
        .unwrap_or_default();
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(format!(
            "the text is longer than {MAX_BODY_CHARS} characters"
        ));
    }
    let media = match &m.media {
        Some(md) => {
            let content_type = MediaType::parse(&md.mime_type)
                .map_err(|_| "the media's mimeType is not a media type".to_owned())?;
            vec![MediaRef {
                url: format!(
                    "{endpoint}/messages/streams/{}?api-version={API_VERSION}",
                    md.id.as_str()
                ),
                content_type: content_type.into_string(),
            }]
        }
        None => Vec::new(),
    };
    Ok(InboundMessage {
        provider_id,
        channel: Channel::WhatsApp,
        from: m.from.clone(),
        to: to.into(),
        body,
        media,
        profile_name: None,
        wa_id: Some(m.from.as_str().trim_start_matches('+').to_owned()),
        message_type: Some(message_type(&m.message_type)),
        location: None,
        button,
        reply_to: m.context.as_ref().and_then(|c| c.message_id.clone()),
    })
}

fn message_type(t: &MessageType) -> String {
    match t {
        MessageType::Text => "text".into(),
        MessageType::Image => "image".into(),
        MessageType::Document => "document".into(),
        MessageType::Video => "video".into(),
        MessageType::Audio => "audio".into(),
        MessageType::Sticker => "sticker".into(),
        MessageType::Button => "button".into(),
        MessageType::Interactive => "interactive".into(),
        MessageType::Reaction => "reaction".into(),
        MessageType::Other(s) => s.clone(),
    }
}
