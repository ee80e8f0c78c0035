//! Twilio's REST API (2010-04-01): create a message. Requests follow the official OpenAPI spec in
//! shared/twilio: form fields To, From, Body, MediaUrl, ContentSid, ContentVariables and
//! StatusCallback, Basic auth with the Account SID and auth token.

use super::super::{Accepted, Credentials, Provider, SendError, SendRequest};
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

#[derive(Deserialize)]
struct ApiError {
    code: Option<u32>,
    message: Option<String>,
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
            .map_err(|e| SendError::Retryable {
                reason: if e.is_timeout() {
                    "the provider did not answer in time".into()
                } else {
                    format!("could not reach the provider: {e}")
                },
                retry_after: None,
            })?;
        let status = resp.status();
        if status.is_success() {
            let body: MessageResource = resp.json().await.map_err(|e| SendError::Retryable {
                reason: format!("unreadable answer from the provider: {e}"),
                retry_after: None,
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
}
