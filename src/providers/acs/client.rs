//! The ACS Messages data-plane client (api-version 2024-08-30): every request HMAC-signed with the
//! connection string's key; `send` posts `/messages/notifications:send` with the message's
//! repeatability headers and maps the answer onto `Accepted` / `SendError`. Listing templates and
//! downloading media are in `fetch`.

use super::connection::{ConnectionString, Endpoint};
use super::send::{self, Outbound};
use super::signing::{self, CONTENT_HASH_HEADER, DATE_HEADER};
use crate::clock::Clock;
use crate::domain::{MessageStatus, Timestamp};
use crate::providers::{Accepted, SendError};
use crate::store::records::SendFailure;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::Deserialize;
use std::time::Duration;

/// The Messages API version every request names.
pub const API_VERSION: &str = "2024-08-30";
/// `Repeatability-Request-ID`.
pub const REPEATABILITY_REQUEST_ID: &str = "Repeatability-Request-ID";
/// `Repeatability-First-Sent`.
pub const REPEATABILITY_FIRST_SENT: &str = "Repeatability-First-Sent";
/// `Repeatability-Result`, ACS's answer to a repeatable request.
pub const REPEATABILITY_RESULT: &str = "Repeatability-Result";
/// Longest wait a `Retry-After` may ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3_600);
/// Longest ACS error text passed on.
const MAX_ERROR_CHARS: usize = 300;

/// A client for the Messages data plane of any ACS resource; the resource and its key come with
/// each call, as the connection string of the account.
#[derive(Clone)]
pub struct AcsClient {
    http: reqwest::Client,
    clock: Clock,
    endpoint_override: Option<Endpoint>,
}

/// ACS's error body: `{"error": {"code", "message", …}}`.
#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: Option<String>,
    message: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendResult {
    receipts: Vec<Receipt>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Receipt {
    message_id: String,
}

/// ACS's error `code` and `message` of a refused request (from the body, else `x-ms-error-code`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcsError {
    /// The HTTP status ACS answered.
    pub status: u16,
    /// ACS's error code (e.g. `Denied`), when it gave one.
    pub code: Option<String>,
    /// ACS's error message, or the status's reason.
    pub message: String,
}

impl std::fmt::Display for AcsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Reads ACS's error answer; never fails (a missing body becomes the status's reason).
pub(super) async fn acs_error(resp: reqwest::Response) -> AcsError {
    let status = resp.status();
    let header_code = resp
        .headers()
        .get("x-ms-error-code")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: Option<ErrorBody> = resp.json().await.ok();
    let (code, message) = match body {
        Some(b) => (b.error.code.or(header_code), b.error.message),
        None => (header_code, None),
    };
    let message = message.filter(|m| !m.trim().is_empty()).unwrap_or_else(|| {
        format!(
            "ACS answered {} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        )
        .trim_end()
        .to_owned()
    });
    AcsError {
        status: status.as_u16(),
        code: code.map(|c| c.chars().take(100).collect()),
        message: message.chars().take(MAX_ERROR_CHARS).collect(),
    }
}

/// How long a 429/503 asks to wait: `retry-after-ms` / `x-ms-retry-after-ms` (milliseconds), or
/// `Retry-After` in seconds or as an HTTP date; at most an hour.
pub fn retry_after(headers: &HeaderMap, now: Timestamp) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let wait = ["retry-after-ms", "x-ms-retry-after-ms"]
        .iter()
        .find_map(|h| text(h)?.parse::<u64>().ok().map(Duration::from_millis))
        .or_else(|| {
            let v = text(RETRY_AFTER.as_str())?;
            match v.parse::<u64>() {
                Ok(secs) => Some(Duration::from_secs(secs)),
                Err(_) => signing::parse_rfc1123(v).map(|at| now.until(at)),
            }
        })?;
    Some(wait.min(MAX_RETRY_AFTER))
}

/// An HTTP client for ACS and Entra: one timeout for connecting and for the whole request, and
/// no redirects (a signed request or a key fetch is never sent elsewhere).
pub(super) fn http_client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeout)
        .timeout(timeout)
        .build()
}

/// A send that got no answer. No connection means no request: safe to send again. Anything
/// later (a timeout, a reset) may have left the message at ACS.
fn transport_error(e: reqwest::Error) -> SendError {
    match (e.is_connect(), e.is_timeout()) {
        (true, _) => SendError::Retryable {
            reason: format!("could not reach ACS: {e}"),
            retry_after: None,
        },
        (false, true) => SendError::Ambiguous("ACS did not answer in time".into()),
        (false, false) => SendError::Ambiguous(format!("the connection to ACS failed: {e}")),
    }
}

impl AcsClient {
    /// A client whose requests give up after `timeout`; `clock` dates the signatures.
    pub fn new(timeout: Duration, clock: Clock) -> Result<Self, reqwest::Error> {
        Ok(Self {
            http: http_client(timeout)?,
            clock,
            endpoint_override: None,
        })
    }

    /// Sends every request to `endpoint` instead of the connection string's (a local fake).
    pub fn with_endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint_override = Some(endpoint);
        self
    }

    /// Where requests for this connection string go.
    pub fn endpoint<'a>(&'a self, cs: &'a ConnectionString) -> &'a Endpoint {
        self.endpoint_override.as_ref().unwrap_or(cs.endpoint())
    }

    /// A signed request for `path_and_query` (exactly as sent) with `body`.
    pub(super) fn signed(
        &self,
        cs: &ConnectionString,
        method: reqwest::Method,
        path_and_query: &str,
        body: Vec<u8>,
    ) -> reqwest::RequestBuilder {
        let endpoint = self.endpoint(cs);
        let date = signing::rfc1123(self.clock.now())
            .unwrap_or_else(|| "Thu, 01 Jan 1970 00:00:00 GMT".to_owned());
        let signed = signing::sign(
            cs.key(),
            method.as_str(),
            &endpoint.authority(),
            path_and_query,
            &date,
            &body,
        );
        let mut req = self
            .http
            .request(method, endpoint.join(path_and_query))
            .header(DATE_HEADER, signed.date)
            .header(CONTENT_HASH_HEADER, signed.content_hash)
            .header(reqwest::header::AUTHORIZATION, signed.authorization);
        if !body.is_empty() {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        req
    }

    /// `POST /messages/notifications:send`. A 202 gives the receipt's `messageId`; a
    /// `Repeatability-Result: rejected` answer means ACS did not execute this request and will
    /// not tell whether an earlier attempt under the same ID was delivered (the first attempt is
    /// older than ACS tracks, or the repeat differs from it): the message ends failed with that
    /// said, since resending under a new ID could deliver it twice.
    pub async fn send(
        &self,
        cs: &ConnectionString,
        message: &Outbound,
    ) -> Result<Accepted, SendError> {
        let body = send::body(message).map_err(|e| {
            SendError::Permanent(SendFailure {
                code: None,
                message: e.to_string(),
            })
        })?;
        let first_sent = signing::rfc1123(message.repeatability.first_sent)
            .unwrap_or_else(|| "Thu, 01 Jan 1970 00:00:00 GMT".to_owned());
        let path = format!("/messages/notifications:send?api-version={API_VERSION}");
        let resp = self
            .signed(cs, reqwest::Method::POST, &path, body)
            .header(
                REPEATABILITY_REQUEST_ID,
                message.repeatability.request_id.as_str(),
            )
            .header(REPEATABILITY_FIRST_SENT, first_sent)
            .send()
            .await
            .map_err(transport_error)?;
        let status = resp.status();
        let rejected = resp
            .headers()
            .get(REPEATABILITY_RESULT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("rejected"));
        if rejected {
            let err = acs_error(resp).await;
            return Err(SendError::Permanent(SendFailure {
                code: None,
                message: format!(
                    "ACS refused to repeat the send ({err}); whether the first attempt was \
                     delivered is unknown"
                )
                .chars()
                .take(MAX_ERROR_CHARS + 100)
                .collect(),
            }));
        }
        if status.is_success() {
            let result: SendResult = resp
                .json()
                .await
                .map_err(|e| SendError::Ambiguous(format!("unreadable answer from ACS: {e}")))?;
            let id = result
                .receipts
                .into_iter()
                .map(|r| r.message_id)
                .find(|id| !id.trim().is_empty())
                .ok_or_else(|| SendError::Ambiguous("ACS answered without a receipt".into()))?;
            return Ok(Accepted {
                provider_id: id,
                status: MessageStatus::Queued,
            });
        }
        // 409: the first attempt under this request ID is still being processed by ACS.
        if status.as_u16() == 429 || status.as_u16() == 409 || status.is_server_error() {
            let retry_after = retry_after(resp.headers(), self.clock.now());
            let err = acs_error(resp).await;
            return Err(SendError::Retryable {
                reason: format!("ACS answered {}: {err}", status.as_u16()),
                retry_after,
            });
        }
        let err = acs_error(resp).await;
        Err(SendError::Permanent(SendFailure {
            code: None,
            message: err.to_string(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_reads_seconds_milliseconds_and_dates_and_is_capped() {
        let now = Timestamp::from_millis(1_649_873_352_000);
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h, now), None);
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(7)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 13 Apr 2022 18:09:42 GMT"),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(30)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("999999"));
        assert_eq!(retry_after(&h, now), Some(MAX_RETRY_AFTER));
        h.insert("retry-after-ms", HeaderValue::from_static("1500"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_millis(1500)));
        let mut junk = HeaderMap::new();
        junk.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&junk, now), None);
    }
}
