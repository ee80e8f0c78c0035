//! Twilio's REST API (2010-04-01): create a message, and fetch an account to validate credentials.
//! Requests follow the official OpenAPI spec in shared/twilio: form fields To, From, Body, MediaUrl,
//! ContentSid, ContentVariables and StatusCallback, Basic auth with the Account SID and auth token.

use super::address::{error_text as twilio_error_text, format_address, parse_status};
use super::check::credentials;
use crate::domain::phone::{Address, PhoneNumber};
use crate::domain::{Channel, MessageStatus};
use crate::providers::{
    Accepted, AccountCheck, Credentials, Lookup, MediaAccessError, Provider, ProviderFuture,
    SendError, SendRequest, SentQuery,
};
use crate::store::records::{SendFailure, SenderNumber};
use crate::store::setup::AccountWithToken;
use serde::Deserialize;
use std::time::Duration;

#[derive(Clone)]
pub struct TwilioClient {
    http: reqwest::Client,
    base_url: String,
}

#[derive(Deserialize)]
struct MessageResource {
    sid: String,
    status: Option<String>,
}

/// Longest provider error text passed on to a page.
const MAX_ERROR_CHARS: usize = 300;

#[derive(Deserialize)]
struct ApiError {
    code: Option<u32>,
    message: Option<String>,
}

/// What an account fetch tells us. Only these fields are read: the resource also carries the
/// account's auth token, which must never travel further.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AccountInfo {
    pub status: AccountStatus,
    #[serde(rename = "type")]
    pub kind: AccountType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    Active,
    Suspended,
    Closed,
    /// A status this version does not know.
    #[serde(other)]
    Other,
}

impl std::fmt::Display for AccountStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Closed => "closed",
            Self::Other => "unknown",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum AccountType {
    Trial,
    Full,
    /// A type this version does not know.
    #[serde(other)]
    Other,
}

impl std::fmt::Display for AccountType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Trial => "Trial",
            Self::Full => "Full",
            Self::Other => "unknown",
        })
    }
}

/// Why an account fetch did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("The Account SID or Auth token is wrong.")]
    Unauthorized,
    /// Twilio answered with an error; `message` is Twilio's own text when it sent one.
    #[error("Twilio answered {status}: {message}")]
    Refused { status: u16, message: String },
    #[error("Could not check with Twilio: {0}")]
    Unreachable(String),
}

/// A request that got no answer, as the page says it.
fn unreachable(e: reqwest::Error) -> FetchError {
    FetchError::Unreachable(if e.is_timeout() {
        "Twilio did not answer in time.".into()
    } else {
        "Twilio could not be reached.".into()
    })
}

/// A non-success answer to a GET, with Twilio's own explanation when it gave one.
async fn refusal(resp: reqwest::Response) -> FetchError {
    let status = resp.status();
    if status == reqwest::StatusCode::UNAUTHORIZED {
        return FetchError::Unauthorized;
    }
    let err: Option<ApiError> = resp.json().await.ok();
    let code = err.as_ref().and_then(|e| e.code);
    let message = err
        .and_then(|e| e.message)
        .or_else(|| code.and_then(twilio_error_text).map(str::to_owned))
        .unwrap_or_else(|| {
            status
                .canonical_reason()
                .unwrap_or("no explanation given")
                .to_owned()
        });
    FetchError::Refused {
        status: status.as_u16(),
        message: message.chars().take(MAX_ERROR_CHARS).collect(),
    }
}

impl TwilioClient {
    pub fn new(base_url: &str, timeout: Duration) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub(super) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// `GET /2010-04-01/Accounts/{Sid}.json`: proves the credentials and reports the account's
    /// status and type.
    pub async fn fetch_account(
        &self,
        credentials: &Credentials,
    ) -> Result<AccountInfo, FetchError> {
        let path = format!("{}.json", credentials.account_sid);
        self.get_json(credentials, &path, &[]).await
    }

    /// `GET /2010-04-01/Accounts/{path}` with `query`, read as JSON; a failure is a sentence.
    pub(super) async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        credentials: &Credentials,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, FetchError> {
        let url = format!("{}/2010-04-01/Accounts/{path}", self.base_url);
        let resp = self
            .http
            .get(url)
            .query(query)
            .basic_auth(
                &credentials.account_sid,
                Some(credentials.auth_token.expose()),
            )
            .send()
            .await
            .map_err(unreachable)?;
        if !resp.status().is_success() {
            return Err(refusal(resp).await);
        }
        resp.json()
            .await
            .map_err(|_| FetchError::Unreachable("Twilio's answer could not be read.".into()))
    }

    fn form(request: &SendRequest, from: &PhoneNumber) -> Vec<(&'static str, String)> {
        let mut form = vec![
            ("To", twilio_address(request.channel, &request.to)),
            ("From", twilio_address(request.channel, from)),
        ];
        match &request.content {
            Some((sid, variables)) => {
                form.push(("ContentSid", sid.to_string()));
                form.push(("ContentVariables", variables.clone()));
            }
            None => form.push(("Body", request.body.clone())),
        }
        for m in &request.media {
            form.push(("MediaUrl", m.url.clone()));
        }
        if let Some(cb) = &request.status_callback {
            form.push(("StatusCallback", cb.clone()));
        }
        form
    }
}

/// A number as Twilio writes it on `channel`.
pub(super) fn twilio_address(channel: Channel, number: &PhoneNumber) -> String {
    format_address(&Address {
        channel,
        number: number.clone(),
    })
}

/// Twilio sends from phone numbers only: a channel ID on a Twilio account fails the message.
pub(super) fn phone_sender(
    from: &crate::domain::sender::SenderAddress,
) -> Result<&PhoneNumber, SendError> {
    from.phone().ok_or_else(|| {
        SendError::Permanent(SendFailure {
            code: None,
            message: "a Twilio account sends from phone numbers, not channel IDs".into(),
        })
    })
}

/// The refusal of a send from an account without its auth token.
pub(crate) fn no_token() -> SendError {
    SendError::Permanent(SendFailure {
        code: None,
        message: "the messaging account is disabled until its auth token is set".into(),
    })
}

fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    let v = resp.headers().get(reqwest::header::RETRY_AFTER)?;
    let secs: u64 = v.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs.min(3_600)))
}

impl TwilioClient {
    /// `POST /2010-04-01/Accounts/{Sid}/Messages.json`.
    async fn create_message(
        &self,
        credentials: &Credentials,
        request: &SendRequest,
    ) -> Result<Accepted, SendError> {
        let from = phone_sender(&request.from)?;
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.base_url, credentials.account_sid
        );
        let resp = self
            .http
            .post(url)
            .basic_auth(
                &credentials.account_sid,
                Some(credentials.auth_token.expose()),
            )
            .form(&Self::form(request, from))
            .send()
            .await
            .map_err(|e| {
                // No connection means no request: safe to send again. Anything later (a
                // timeout, a reset) may have left the message at Twilio.
                if e.is_connect() {
                    SendError::Retryable {
                        reason: format!("could not reach the provider: {e}"),
                        retry_after: None,
                    }
                } else if e.is_timeout() {
                    SendError::Ambiguous("the provider did not answer in time".into())
                } else {
                    SendError::Ambiguous(format!("the connection to the provider failed: {e}"))
                }
            })?;
        let status = resp.status();
        if status.is_success() {
            let body: MessageResource = resp.json().await.map_err(|e| {
                SendError::Ambiguous(format!("unreadable answer from the provider: {e}"))
            })?;
            let status = body
                .status
                .as_deref()
                .and_then(parse_status)
                .unwrap_or(MessageStatus::Queued);
            return Ok(Accepted {
                provider_id: body.sid,
                status,
            });
        }
        if status.as_u16() == 429 || status.is_server_error() {
            return Err(SendError::Retryable {
                reason: format!("the provider answered {status}"),
                retry_after: retry_after(&resp),
            });
        }
        let err: Option<ApiError> = resp.json().await.ok();
        let code = err.as_ref().and_then(|e| e.code);
        let message = err
            .and_then(|e| e.message)
            .or_else(|| code.and_then(twilio_error_text).map(str::to_owned))
            .unwrap_or_else(|| format!("the provider refused the message ({status})"));
        Err(SendError::Permanent(SendFailure { code, message }))
    }
}

impl Provider for TwilioClient {
    fn send<'a>(
        &'a self,
        account: &'a AccountWithToken,
        request: &'a SendRequest,
    ) -> ProviderFuture<'a, Result<Accepted, SendError>> {
        Box::pin(async move {
            let credentials = credentials(account).ok_or_else(no_token)?;
            self.create_message(&credentials, request).await
        })
    }

    fn find_sent<'a>(
        &'a self,
        account: &'a AccountWithToken,
        query: &'a SentQuery,
    ) -> ProviderFuture<'a, Result<Lookup, SendError>> {
        Box::pin(async move {
            let credentials = credentials(account).ok_or_else(no_token)?;
            self.list_sent(&credentials, query).await.map(Lookup::Found)
        })
    }

    fn authorize_media(
        &self,
        account: &AccountWithToken,
        _url: &reqwest::Url,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::RequestBuilder, MediaAccessError> {
        // Without stored credentials the request goes as it is; Twilio answers whether it needs them.
        Ok(match credentials(account) {
            Some(c) => request.basic_auth(&c.account_sid, Some(c.auth_token.expose())),
            None => request,
        })
    }

    fn validate<'a>(
        &'a self,
        account: &'a AccountWithToken,
        senders: Vec<SenderNumber>,
    ) -> ProviderFuture<'a, AccountCheck> {
        self.validate_account(account, senders)
    }
}
