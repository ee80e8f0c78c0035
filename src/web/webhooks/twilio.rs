//! `POST /webhooks/twilio/{account_key}` (inbound SMS and WhatsApp) and `…/status?m={message
//! key}` (delivery status callbacks). Checks run in the order of DESIGN.md: unknown key 404, bad
//! signature 403, malformed 400 (an AccountSid that is not this account's included), number not
//! configured 404; none of these stores anything. Success is answered only after the durable
//! commit. A status callback only ever touches messages of the account of its URL.

use super::throttle::WebhookThrottle;
use crate::app::Desk;
use crate::domain::form::{Fields, FormError, MAX_FORM_PAIRS, parse_form};
use crate::domain::{AccountSid, MessageKey, MessageSid, WebhookKey};
use crate::metrics::Metrics;
use crate::providers::callback::KEY_PARAM;
use crate::providers::twilio::address::{error_text as twilio_error_text, parse_status};
use crate::providers::twilio::inbound::{self as twilio_inbound, InboundError};
use crate::providers::twilio::signature;
use crate::store::StoreError;
use crate::store::ingest::Ingested;
use crate::store::records::{ProviderKind, SendFailure};
use crate::store::setup::AccountWithToken;
use crate::store::status::StatusReport;
use crate::web::MAX_WEBHOOK_BYTES;
use crate::web::limits::{self, BodyError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use std::sync::Arc;
use std::time::Instant;

const EMPTY_TWIML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";
const SIGNATURE_HEADER: &str = "X-Twilio-Signature";

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("unknown webhook URL")]
    UnknownKey,
    #[error("invalid X-Twilio-Signature")]
    BadSignature,
    #[error("this account is disabled until its auth token is set in the admin console")]
    Disabled,
    #[error("malformed request: {0}")]
    Malformed(String),
    #[error("the number {0} is not configured on this account")]
    UnknownNumber(String),
    #[error("{0}")]
    Body(#[from] BodyError),
    #[error("the form has more than {MAX_FORM_PAIRS} fields")]
    TooManyFields,
    #[error("too many failed webhooks from this address; try again later")]
    Throttled,
    #[error("temporarily unavailable, try again")]
    Unavailable(#[from] StoreError),
}

impl From<FormError> for WebhookError {
    fn from(e: FormError) -> Self {
        match e {
            FormError::TooManyFields => Self::TooManyFields,
            e => Self::Malformed(e.to_string()),
        }
    }
}

impl From<InboundError> for WebhookError {
    fn from(e: InboundError) -> Self {
        match e {
            InboundError::Form(e) => e.into(),
            e => Self::Malformed(e.to_string()),
        }
    }
}

impl ResponseError for WebhookError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::UnknownKey | Self::UnknownNumber(_) => StatusCode::NOT_FOUND,
            Self::BadSignature | Self::Disabled => StatusCode::FORBIDDEN,
            Self::Malformed(_) => StatusCode::BAD_REQUEST,
            Self::Body(BodyError::TooLarge(_)) | Self::TooManyFields => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            Self::Body(BodyError::TimedOut) => StatusCode::REQUEST_TIMEOUT,
            Self::Body(BodyError::Unreadable) => StatusCode::BAD_REQUEST,
            Self::Throttled => StatusCode::TOO_MANY_REQUESTS,
            // The provider retries on 5xx, so nothing acknowledged is lost.
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Unavailable(e) = self {
            tracing::error!(error = %e, "webhook could not be stored");
        }
        let mut res = HttpResponse::build(self.status_code())
            .content_type("text/plain; charset=utf-8")
            .body(format!("{self}\n"));
        if matches!(self, Self::Throttled | Self::Body(_)) {
            // The body may be unread: the connection cannot carry another request.
            res.head_mut()
                .set_connection_type(actix_web::http::ConnectionType::Close);
        }
        res
    }
}

/// Finds the account, then reads and parses the form and checks the signature: what both webhooks
/// share. An unknown key is refused before the body is read, and an oversized body (announced or
/// sent) or one with too many fields before any signature work.
async fn authenticate(
    req: &HttpRequest,
    key: &str,
    payload: web::Payload,
    desk: &Desk,
) -> Result<(Arc<AccountWithToken>, Vec<(String, String)>), WebhookError> {
    let throttle = req.app_data::<web::Data<WebhookThrottle>>();
    let addr = req.peer_addr().map(|a| a.ip());
    if let (Some(throttle), Some(addr)) = (throttle, addr)
        && throttle.blocked(addr, Instant::now())
    {
        Metrics::inc(&desk.metrics().inbound_rejected_total);
        return Err(WebhookError::Throttled);
    }
    let reject = |e: WebhookError| {
        Metrics::inc(&desk.metrics().inbound_rejected_total);
        if let (Some(throttle), Some(addr)) = (throttle, addr) {
            throttle.failed(addr, Instant::now());
        }
        e
    };
    let key = WebhookKey::parse(key).ok_or_else(|| reject(WebhookError::UnknownKey))?;
    let account = desk
        .store()
        .account_for_webhook(key)
        .await?
        // An ACS account's key is no Twilio webhook.
        .filter(|a| a.account.provider != ProviderKind::Acs)
        .ok_or_else(|| reject(WebhookError::UnknownKey))?;
    if limits::announced_over(req, MAX_WEBHOOK_BYTES) {
        return Err(reject(BodyError::TooLarge(MAX_WEBHOOK_BYTES).into()));
    }
    let body = limits::read_limited(payload, MAX_WEBHOOK_BYTES)
        .await
        .map_err(|e| reject(e.into()))?;
    let pairs = parse_form(&body).map_err(|e| reject(e.into()))?;
    if account.account.awaits_token() {
        return Err(reject(WebhookError::Disabled));
    }
    let token = account
        .auth_token
        .as_ref()
        .ok_or_else(|| reject(WebhookError::BadSignature))?;
    let given = req
        .headers()
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| reject(WebhookError::BadSignature))?;
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let url = format!("{}{}", desk.settings().public_url(), path);
    Metrics::inc(&desk.metrics().signature_checks_total);
    if !signature::validate_form(token.expose(), &url, &pairs, given) {
        return Err(reject(WebhookError::BadSignature));
    }
    Ok((account, pairs))
}

pub async fn inbound(
    req: HttpRequest,
    key: web::Path<String>,
    body: web::Payload,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, WebhookError> {
    let (account, pairs) = authenticate(&req, &key, body, &desk).await?;
    let reject = |e: WebhookError| {
        Metrics::inc(&desk.metrics().inbound_rejected_total);
        e
    };
    let parsed = twilio_inbound::parse(&pairs).map_err(|e| reject(e.into()))?;
    if account.account.sid.as_ref() != Some(&parsed.account_sid) {
        return Err(reject(WebhookError::Malformed(
            "AccountSid does not match this account".into(),
        )));
    }
    let message = parsed.message;
    let to = message.to.to_string();
    match desk.take_inbound(&account, message).await? {
        Ingested::Stored(_) | Ingested::Duplicate => Ok(HttpResponse::Ok()
            .content_type("text/xml")
            .body(EMPTY_TWIML)),
        Ingested::UnknownNumber => Err(WebhookError::UnknownNumber(to)),
    }
}

pub async fn status(
    req: HttpRequest,
    key: web::Path<String>,
    body: web::Payload,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, WebhookError> {
    let (account, pairs) = authenticate(&req, &key, body, &desk).await?;
    let fields = Fields::new(&pairs)?;
    // A callback signed with this account's token but naming another account is refused (400,
    // like an inbound message): it cannot be about this account's messages, and a 4xx tells the
    // sender its configuration is wrong, where a 200 would hide it.
    let account_sid = AccountSid::parse(fields.require("AccountSid")?)
        .map_err(|e| WebhookError::Malformed(format!("AccountSid: {e}")))?;
    if account.account.sid.as_ref() != Some(&account_sid) {
        return Err(WebhookError::Malformed(
            "AccountSid does not match this account".into(),
        ));
    }
    let message_key = message_key(&req)?;
    let sid = MessageSid::parse(fields.require("MessageSid")?)
        .map_err(|e| WebhookError::Malformed(format!("MessageSid: {e}")))?;
    let raw_status = fields
        .get("MessageStatus")?
        .or(fields.get("SmsStatus")?)
        .ok_or(FormError::Missing("MessageStatus"))?;
    let status = parse_status(raw_status)
        .ok_or_else(|| WebhookError::Malformed("MessageStatus is not a known status".into()))?;
    let failure = match fields.text("ErrorCode")? {
        Some(code) => {
            let code: u32 = code
                .parse()
                .map_err(|_| WebhookError::Malformed("ErrorCode is not a number".into()))?;
            let message = fields
                .text("ErrorMessage")?
                .or_else(|| twilio_error_text(code).map(str::to_owned))
                .unwrap_or_else(|| format!("Twilio error {code}"));
            Some(SendFailure {
                code: Some(code),
                message,
            })
        }
        None if status.is_failure() => Some(SendFailure {
            code: None,
            message: format!("the provider reported the message {status}"),
        }),
        None => None,
    };
    desk.apply_status(StatusReport {
        account: account.account.id,
        key: message_key,
        provider_id: sid.to_string(),
        status,
        failure,
    })
    .await?;
    Ok(HttpResponse::Ok().content_type("text/plain").body(""))
}

/// The message key of the callback URL (`?m=…`), covered by the signature; callbacks of sends
/// made before keys were added have none and are found by MessageSid alone.
fn message_key(req: &HttpRequest) -> Result<Option<MessageKey>, WebhookError> {
    let query: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|_| WebhookError::Malformed("the query string cannot be read".into()))?;
    let mut values = query.iter().filter(|(k, _)| k == KEY_PARAM);
    match (values.next(), values.next()) {
        (None, _) => Ok(None),
        (Some((_, v)), None) => MessageKey::parse(v)
            .map(Some)
            .map_err(|e| WebhookError::Malformed(format!("{KEY_PARAM}: {e}"))),
        (Some(_), Some(_)) => Err(WebhookError::Malformed(format!(
            "{KEY_PARAM} is given more than once"
        ))),
    }
}
