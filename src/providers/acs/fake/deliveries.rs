//! Event Grid deliveries as Event Grid sends them to a webhook: ACS advanced-messaging events in
//! the Event Grid or the CloudEvents schema, the validation handshakes, with the `aeg-*` headers
//! and a bearer token from the fake tenant.

use super::tenant::{FakeTenant, TokenKind};
use crate::domain::Timestamp;
use crate::providers::acs::events::{
    DELIVERY_STATUS_UPDATED, MESSAGE_RECEIVED, VALIDATION_EVENT, WEBHOOK_REQUEST_ORIGIN,
};
use serde_json::{Value, json};

/// The two delivery schemas of an Event Grid subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliverySchema {
    /// Event Grid's own schema.
    EventGrid,
    /// CloudEvents 1.0.
    CloudEvents,
}

/// The resource path ACS events name as `topic` / `source`.
pub const TOPIC: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/desk/providers/Microsoft.Communication/communicationServices/desk-acs";

/// One event in `schema`.
pub fn envelope(
    schema: DeliverySchema,
    id: &str,
    event_type: &str,
    subject: &str,
    data: Value,
) -> Value {
    let time = "2026-01-01T00:00:00.0000000Z";
    match schema {
        DeliverySchema::EventGrid => json!({
            "id": id, "topic": TOPIC, "subject": subject, "data": data,
            "eventType": event_type, "dataVersion": "1.0", "metadataVersion": "1",
            "eventTime": time,
        }),
        DeliverySchema::CloudEvents => json!({
            "id": id, "source": TOPIC, "subject": subject, "data": data,
            "type": event_type, "specversion": "1.0", "time": time,
        }),
    }
}

/// The data of a text from `from_digits` (no "+") to `channel`.
pub fn text_data(message_id: &str, from_digits: &str, channel: &str, text: &str) -> Value {
    json!({
        "messageId": message_id, "from": from_digits, "to": channel,
        "channelType": "whatsapp", "messageType": "text", "content": text,
        "receivedTimestamp": "2026-01-01T00:00:00+00:00",
    })
}

/// An `AdvancedMessageReceived` event with `data`.
pub fn received(schema: DeliverySchema, id: &str, data: Value) -> Value {
    let subject = format!(
        "advancedMessage/sender/{}/recipient/{}",
        data["from"].as_str().unwrap_or_default(),
        data["to"].as_str().unwrap_or_default()
    );
    envelope(schema, id, MESSAGE_RECEIVED, &subject, data)
}

/// An `AdvancedMessageDeliveryStatusUpdated` event for `message_id`.
pub fn status(
    schema: DeliverySchema,
    id: &str,
    message_id: &str,
    status: &str,
    channel: &str,
    to: &str,
) -> Value {
    let data = json!({
        "messageId": message_id, "status": status, "channelType": "whatsapp",
        "from": channel, "to": to, "receivedTimestamp": "2026-01-01T00:00:00+00:00",
    });
    let subject = format!("advancedMessage/{message_id}/status/{status}");
    envelope(schema, id, DELIVERY_STATUS_UPDATED, &subject, data)
}

/// The Event Grid schema's validation event.
pub fn validation(code: &str) -> Value {
    json!([{
        "id": "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66", "topic": TOPIC, "subject": "",
        "data": {"validationCode": code,
                 "validationUrl": "https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/desk/validate?id=1&t=2026-01-01T00:00:00.0000000Z"},
        "eventType": VALIDATION_EVENT, "eventTime": "2026-01-01T00:00:00.0000000Z",
        "metadataVersion": "1", "dataVersion": "2",
    }])
}

/// Sends deliveries to a webhook as Event Grid does.
pub struct EventGrid<'a> {
    http: reqwest::Client,
    tenant: &'a FakeTenant,
    /// The `aud` of the tokens (the account's "Event grid app ID").
    audience: String,
}

impl<'a> EventGrid<'a> {
    /// Deliveries whose tokens `tenant` issues for `audience`.
    pub fn new(tenant: &'a FakeTenant, audience: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            tenant,
            audience: audience.to_owned(),
        }
    }

    /// A bearer token of `kind`, issued at `now`.
    pub fn bearer(&self, kind: TokenKind, now: Timestamp) -> String {
        format!("Bearer {}", self.tenant.token(kind, &self.audience, now))
    }

    /// POSTs `body` (an array, or one CloudEvent) to `url` with a token of `kind` (none when
    /// `None`), content type and `aeg-*` headers as `schema` and the event type say.
    pub async fn post(
        &self,
        url: &str,
        schema: DeliverySchema,
        body: &Value,
        token: Option<TokenKind>,
        now: Timestamp,
    ) -> reqwest::Result<reqwest::Response> {
        let first = body.as_array().and_then(|a| a.first()).unwrap_or(body);
        let is_validation = first["eventType"] == VALIDATION_EVENT;
        let content_type = match (schema, body.is_array()) {
            (DeliverySchema::EventGrid, _) => "application/json; charset=utf-8",
            (DeliverySchema::CloudEvents, false) => "application/cloudevents+json; charset=utf-8",
            (DeliverySchema::CloudEvents, true) => {
                "application/cloudevents-batch+json; charset=utf-8"
            }
        };
        let mut req = self
            .http
            .post(url)
            .header("content-type", content_type)
            .header(
                "aeg-event-type",
                if is_validation {
                    "SubscriptionValidation"
                } else {
                    "Notification"
                },
            )
            .header("aeg-subscription-name", "DESK-WHATSAPP")
            .header("aeg-delivery-count", "0")
            .header("aeg-metadata-version", "1")
            .header("aeg-data-version", "1.0")
            .body(body.to_string());
        if let Some(kind) = token {
            req = req.header("authorization", self.bearer(kind, now));
        }
        req.send().await
    }

    /// The CloudEvents handshake: `OPTIONS` with `WebHook-Request-Origin: eventgrid.azure.net`.
    pub async fn options(
        &self,
        url: &str,
        token: Option<TokenKind>,
        now: Timestamp,
    ) -> reqwest::Result<reqwest::Response> {
        let mut req = self
            .http
            .request(reqwest::Method::OPTIONS, url)
            .header(WEBHOOK_REQUEST_ORIGIN, "eventgrid.azure.net");
        if let Some(kind) = token {
            req = req.header("authorization", self.bearer(kind, now));
        }
        req.send().await
    }
}
