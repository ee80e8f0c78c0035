//! Event Grid deliveries to the ACS webhook (ACS.md §3): the Event Grid schema (a JSON array, or
//! one object) and CloudEvents 1.0 (one object or a batch array; `specversion` read in any case),
//! the subscription validation handshake of both schemas, and each event's ACS data read by
//! `advanced` into provider-neutral types. Parsing never stores anything; what to answer is said
//! on each type.

use super::advanced::{self, ReceivedMessage, StatusUpdate};
use base64::Engine;
use serde_json::{Map, Value};

/// Largest delivery read: one event may be 1 MB, and a batch's preferred size is at most
/// 1024 KB (a larger single event travels alone), plus the envelope around it. Larger → 413.
pub const MAX_DELIVERY_BYTES: usize = 1024 * 1024 + 64 * 1024;
/// The Event Grid event type of the validation handshake.
pub const VALIDATION_EVENT: &str = "Microsoft.EventGrid.SubscriptionValidationEvent";
/// `Microsoft.Communication.AdvancedMessageReceived`.
pub const MESSAGE_RECEIVED: &str = "Microsoft.Communication.AdvancedMessageReceived";
/// `Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated`.
pub const DELIVERY_STATUS_UPDATED: &str =
    "Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated";
/// The CloudEvents handshake's request header (sent with `OPTIONS`).
pub const WEBHOOK_REQUEST_ORIGIN: &str = "WebHook-Request-Origin";
/// The header answering it.
pub const WEBHOOK_ALLOWED_ORIGIN: &str = "WebHook-Allowed-Origin";
/// The handshake's optional request for a delivery rate (requests per minute).
pub const WEBHOOK_REQUEST_RATE: &str = "WebHook-Request-Rate";
/// The header granting a rate, answered when `WebHook-Request-Rate` was asked.
pub const WEBHOOK_ALLOWED_RATE: &str = "WebHook-Allowed-Rate";

/// Why a delivery cannot be read at all. It will never read better, so the answer is 400
/// (Event Grid does not retry it), or 413 for `TooLarge`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    #[error("the delivery is larger than {MAX_DELIVERY_BYTES} bytes")]
    /// The body is larger than `MAX_DELIVERY_BYTES`.
    TooLarge,
    #[error("the delivery is not JSON: {0}")]
    /// The body is not JSON.
    NotJson(String),
    #[error("the delivery holds no event")]
    /// An empty array.
    Empty,
    #[error("event {index} is not an Event Grid or CloudEvents event: {reason}")]
    /// An item that is not an event.
    NotAnEvent {
        /// Its place in the delivery, from 0.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    #[error("the validation event has no validationCode")]
    /// The validation event lacks its code.
    NoValidationCode,
    #[error("a validation event came with other events")]
    /// A validation event batched with others.
    ValidationMixed,
}

/// The delivery schema an event came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// Event Grid's own schema (`eventType`, `eventTime`, `topic`).
    EventGrid,
    /// CloudEvents 1.0 (`type`, `specversion`, `source`).
    CloudEvents,
}

/// Event Grid's subscription validation (Event Grid schema): answer 200 with `response_body()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationRequest {
    /// The code to answer in `validationResponse`.
    pub validation_code: String,
    /// Where a manual (asynchronous) validation would GET; not used by the synchronous answer.
    pub validation_url: Option<String>,
}

impl ValidationRequest {
    /// `{"validationResponse": "<validationCode>"}`.
    pub fn response_body(&self) -> Value {
        serde_json::json!({ "validationResponse": self.validation_code })
    }
}

/// What one event carries.
#[derive(Debug, Clone, PartialEq)]
pub enum EventBody {
    /// A customer's message: the inbound path.
    Received(Box<ReceivedMessage>),
    /// A sent message's status.
    Status(StatusUpdate),
    /// A known ACS event that cannot be used (e.g. `from` is not a phone number). Retrying will
    /// not help and a 400 would fail the whole batch: acknowledge it and drop it, logging why.
    Unusable(String),
    /// An event type omnidesk does not handle: acknowledge and ignore.
    Ignored,
}

/// One event of a delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The envelope's `id` (Event Grid delivers at least once).
    pub id: String,
    /// `eventType` / `type`.
    pub event_type: String,
    /// The schema it came in.
    pub schema: Schema,
    /// What it carries.
    pub body: EventBody,
}

/// A parsed delivery.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// The validation handshake: answer it, store nothing.
    Validation(ValidationRequest),
    /// Notifications, in the order delivered. Answer 2xx only once every usable one is stored.
    Events(Vec<Event>),
}

/// `key`'s value in `obj`, the exact spelling first, else any case (CloudEvents examples write
/// `specVersion`).
fn field<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn text<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    field(obj, key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// One envelope: its schema, id, type and data.
fn envelope(index: usize, v: &Value) -> Result<(Schema, String, String, Value), DeliveryError> {
    let not = |reason: &str| DeliveryError::NotAnEvent {
        index,
        reason: reason.to_owned(),
    };
    let obj = v.as_object().ok_or_else(|| not("not an object"))?;
    let schema = if field(obj, "specversion").is_some() {
        Schema::CloudEvents
    } else if field(obj, "eventType").is_some() {
        Schema::EventGrid
    } else {
        return Err(not("it has neither eventType nor specversion"));
    };
    let id = text(obj, "id").ok_or_else(|| not("it has no id"))?;
    let (event_type, data) = match schema {
        Schema::EventGrid => (
            text(obj, "eventType").ok_or_else(|| not("eventType is not text"))?,
            field(obj, "data").cloned().unwrap_or(Value::Null),
        ),
        Schema::CloudEvents => {
            let version = text(obj, "specversion").unwrap_or_default();
            if !version.starts_with("1.") {
                return Err(not("specversion is not 1.x"));
            }
            let data = match (field(obj, "data"), text(obj, "data_base64")) {
                (Some(d), _) => d.clone(),
                (None, Some(b64)) => base64::engine::general_purpose::STANDARD
                    .decode(b64.trim())
                    .ok()
                    .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                    .ok_or_else(|| not("data_base64 is not base64 JSON"))?,
                (None, None) => Value::Null,
            };
            (
                text(obj, "type").ok_or_else(|| not("it has no type"))?,
                data,
            )
        }
    };
    Ok((schema, id.to_owned(), event_type.to_owned(), data))
}

/// Reads a delivery's body (`application/json`, `application/cloudevents+json` or
/// `application/cloudevents-batch+json`; the shape decides, not the header).
pub fn parse_delivery(body: &[u8]) -> Result<Delivery, DeliveryError> {
    if body.len() > MAX_DELIVERY_BYTES {
        return Err(DeliveryError::TooLarge);
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| DeliveryError::NotJson(e.to_string().chars().take(120).collect()))?;
    let items = match value {
        Value::Array(items) => items,
        single @ Value::Object(_) => vec![single],
        _ => {
            return Err(DeliveryError::NotJson(
                "neither an array nor an object".into(),
            ));
        }
    };
    if items.is_empty() {
        return Err(DeliveryError::Empty);
    }
    let mut envelopes = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        envelopes.push(envelope(i, item)?);
    }
    let validations = envelopes
        .iter()
        .filter(|(s, _, t, _)| *s == Schema::EventGrid && t == VALIDATION_EVENT)
        .count();
    if validations > 0 {
        if envelopes.len() > 1 {
            return Err(DeliveryError::ValidationMixed);
        }
        let data = &envelopes[0].3;
        let code = data
            .get("validationCode")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .ok_or(DeliveryError::NoValidationCode)?;
        return Ok(Delivery::Validation(ValidationRequest {
            validation_code: code.to_owned(),
            validation_url: data
                .get("validationUrl")
                .and_then(Value::as_str)
                .map(str::to_owned),
        }));
    }
    let events = envelopes
        .into_iter()
        .map(|(schema, id, event_type, data)| {
            let body = match event_type.as_str() {
                MESSAGE_RECEIVED => match advanced::received(&id, &data) {
                    Ok(m) => EventBody::Received(Box::new(m)),
                    Err(e) => EventBody::Unusable(e.to_string()),
                },
                DELIVERY_STATUS_UPDATED => match advanced::status(&data) {
                    Ok(s) => EventBody::Status(s),
                    Err(e) => EventBody::Unusable(e.to_string()),
                },
                _ => EventBody::Ignored,
            };
            Event {
                id,
                event_type,
                schema,
                body,
            }
        })
        .collect();
    Ok(Delivery::Events(events))
}

/// The CloudEvents validation handshake (`OPTIONS` with `WebHook-Request-Origin`): the value to
/// answer in `WebHook-Allowed-Origin` (the origin echoed), or `None` when the request carries no
/// plausible origin (answer 400). Whoever may deliver is decided by the token check, not here.
pub fn allowed_origin(request_origin: Option<&str>) -> Option<String> {
    let origin = request_origin?.trim();
    let plausible = !origin.is_empty()
        && origin.len() <= 253
        && origin
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'*'));
    plausible.then(|| origin.to_owned())
}

/// What to answer in `WebHook-Allowed-Rate` when the handshake asked for a rate in
/// `WebHook-Request-Rate`: the rate asked (omnidesk does not throttle Event Grid), or nothing
/// when none was asked or it is not a positive number of requests per minute.
pub fn allowed_rate(request_rate: Option<&str>) -> Option<String> {
    let rate = request_rate?.trim();
    rate.parse::<u32>()
        .ok()
        .filter(|r| *r > 0)
        .map(|r| r.to_string())
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
