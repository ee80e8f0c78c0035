//! `POST /webhooks/acs/{account_key}` (Event Grid deliveries of ACS Advanced Messaging events) and
//! `OPTIONS` (the CloudEvents handshake). Unknown key 404; the bearer token is checked before the
//! body is parsed (401, or 503 when the tenant's keys cannot be had); the Event Grid validation
//! handshake is answered with or without a token and stores nothing; a received message takes
//! the same inbound path as Twilio's, a status update moves the message forward. 200 only after
//! the durable commit, 503 when the store is unavailable (Event Grid retries it), 400 only for
//! what must never be retried.

use crate::app::Desk;
use crate::app::acs::{AcsDelivery, TokenVerdict};
use crate::domain::WebhookKey;
use crate::metrics::Metrics;
use crate::store::StoreError;
use crate::web::limits::{self, BodyError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

/// Event Grid's events are up to 1 MB; a batch of them is refused past this.
pub const MAX_DELIVERY_BYTES: usize = 1024 * 1024 + 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum AcsWebhookError {
    #[error("unknown webhook URL")]
    UnknownKey,
    #[error("{0}")]
    Unauthorized(String),
    #[error("the token's keys cannot be fetched now, try again: {0}")]
    KeysUnavailable(String),
    #[error("this account is disabled until its connection string is set in the admin console")]
    Disabled,
    #[error("malformed delivery: {0}")]
    Malformed(String),
    #[error("{0}")]
    Body(#[from] BodyError),
    #[error("temporarily unavailable, try again")]
    Unavailable(#[from] StoreError),
}

impl ResponseError for AcsWebhookError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::UnknownKey => StatusCode::NOT_FOUND,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            // Event Grid retries 503: the events wait until omnidesk can take them.
            Self::KeysUnavailable(_) | Self::Disabled | Self::Unavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Malformed(_) | Self::Body(BodyError::Unreadable) => StatusCode::BAD_REQUEST,
            Self::Body(BodyError::TooLarge(_)) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Body(BodyError::TimedOut) => StatusCode::REQUEST_TIMEOUT,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Unavailable(e) = self {
            tracing::error!(error = %e, "an ACS delivery could not be stored");
        }
        HttpResponse::build(self.status_code())
            .content_type("text/plain; charset=utf-8")
            .body(format!("{self}\n"))
    }
}

async fn account(
    desk: &Desk,
    key: &str,
) -> Result<std::sync::Arc<crate::store::setup::AccountWithToken>, AcsWebhookError> {
    let key = WebhookKey::parse(key).ok_or(AcsWebhookError::UnknownKey)?;
    desk.acs_account_for_webhook(key)
        .await?
        .ok_or(AcsWebhookError::UnknownKey)
}

pub async fn deliver(
    req: HttpRequest,
    key: web::Path<String>,
    payload: web::Payload,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, AcsWebhookError> {
    let reject = |e: AcsWebhookError| {
        Metrics::inc(&desk.metrics().inbound_rejected_total);
        e
    };
    let account = account(&desk, &key).await.map_err(reject)?;
    if limits::announced_over(&req, MAX_DELIVERY_BYTES) {
        return Err(reject(BodyError::TooLarge(MAX_DELIVERY_BYTES).into()));
    }
    let authorization = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let verdict = desk.check_acs_token(&account, authorization).await;
    let handshake = req
        .headers()
        .get("aeg-event-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("SubscriptionValidation"));
    match (&verdict, handshake) {
        (TokenVerdict::Ok, _) | (_, true) => {}
        (TokenVerdict::Unauthorized(why), false) => {
            return Err(reject(AcsWebhookError::Unauthorized(why.clone())));
        }
        (TokenVerdict::KeysUnavailable(why), false) => {
            return Err(reject(AcsWebhookError::KeysUnavailable(why.clone())));
        }
    }
    let body = limits::read_limited(payload, MAX_DELIVERY_BYTES)
        .await
        .map_err(|e| reject(e.into()))?;
    let delivered = desk
        .take_acs_delivery(&account, &body, verdict == TokenVerdict::Ok)
        .await
        .map_err(|e| reject(e.into()))?;
    match delivered {
        AcsDelivery::Validation(answer) => Ok(HttpResponse::Ok().json(answer)),
        AcsDelivery::Stored => Ok(HttpResponse::Ok().finish()),
        AcsDelivery::Unauthorized(why) => Err(reject(AcsWebhookError::Unauthorized(why))),
        AcsDelivery::Disabled => Err(reject(AcsWebhookError::Disabled)),
        AcsDelivery::Malformed(why) => Err(reject(AcsWebhookError::Malformed(why))),
    }
}

/// The CloudEvents abuse-protection handshake: the origin Event Grid names is allowed.
pub async fn handshake(
    req: HttpRequest,
    key: web::Path<String>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, AcsWebhookError> {
    account(&desk, &key).await?;
    let origin = req
        .headers()
        .get("WebHook-Request-Origin")
        .and_then(|v| v.to_str().ok());
    match crate::app::acs::allowed_origin(origin) {
        Some(allowed) => Ok(HttpResponse::Ok()
            .insert_header(("WebHook-Allowed-Origin", allowed))
            .finish()),
        None => Err(AcsWebhookError::Malformed(
            "WebHook-Request-Origin is missing or not a host name".into(),
        )),
    }
}
