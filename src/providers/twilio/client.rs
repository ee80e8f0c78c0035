//! Twilio's REST API (2010-04-01): create a message, and fetch an account to validate credentials.
//! Requests follow the official OpenAPI spec in shared/twilio: form fields To, From, Body, MediaUrl,
//! ContentSid, ContentVariables and StatusCallback, Basic auth with the Account SID and auth token.

use super::super::{
    Accepted, Credentials, Provider, SendError, SendRequest, SentMessage, SentQuery,
};
use crate::domain::MessageStatus;
use crate::domain::message::twilio_error_text;
use crate::store::records::SendFailure;
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

    fn form(request: &SendRequest) -> Vec<(&'static str, String)> {
        let mut form = vec![
            ("To", request.to.to_twilio()),
            ("From", request.from.to_twilio()),
        ];
        match &request.content {
            Some((sid, variables)) => {
                form.push(("ContentSid", sid.to_string()));
                form.push(("ContentVariables", variables.clone()));
            }
            None => form.push(("Body", request.body.clone())),
        }
        for url in &request.media_urls {
            form.push(("MediaUrl", url.clone()));
        }
        if let Some(cb) = &request.status_callback {
            form.push(("StatusCallback", cb.clone()));
        }
        form
    }
}

fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    let v = resp.headers().get(reqwest::header::RETRY_AFTER)?;
    let secs: u64 = v.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs.min(3_600)))
}

impl Provider for TwilioClient {
    async fn send(
        &self,
        credentials: &Credentials,
        request: &SendRequest,
    ) -> Result<Accepted, SendError> {
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
            .form(&Self::form(request))
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
                .and_then(MessageStatus::parse_twilio)
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

    async fn find_sent(
        &self,
        credentials: &Credentials,
        query: &SentQuery,
    ) -> Result<Vec<SentMessage>, SendError> {
        self.list_sent(credentials, query).await
    }
}
