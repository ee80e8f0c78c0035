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

/// The data of an image `media_id` (`mime_type`, with `caption`) from `from_digits`.
pub fn image_data(
    message_id: &str,
    from_digits: &str,
    channel: &str,
    media_id: &str,
    mime_type: &str,
    caption: &str,
) -> Value {
    json!({
        "messageId": message_id, "from": from_digits, "to": channel,
        "channelType": "whatsapp", "messageType": "image",
        "media": {"id": media_id, "mimeType": mime_type, "caption": caption},
        "receivedTimestamp": "2026-01-01T00:00:00+00:00",
    })
}

/// The data of an interactive button reply (`button_id`, `title`) from `from_digits`, replying
/// to our message `context_id`.
pub fn button_reply_data(
    message_id: &str,
    from_digits: &str,
    channel: &str,
    (button_id, title): (&str, &str),
    context_id: &str,
) -> Value {
    json!({
        "messageId": message_id, "from": from_digits, "to": channel,
        "channelType": "whatsapp", "messageType": "interactive",
        "interactive": {"type": "buttonReply", "buttonReply": {"id": button_id, "title": title}},
        "context": {"from": channel, "id": context_id},
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::acs::advanced::InteractiveReply;
    use crate::providers::acs::events::{Delivery, EventBody, parse_delivery};

    const CHANNEL: &str = "be57b49d-5cd4-4f96-9a6b-4af41bc9fdfb";

    fn read(body: &Value) -> EventBody {
        match parse_delivery(body.to_string().as_bytes()) {
            Ok(Delivery::Events(mut e)) if e.len() == 1 => e.remove(0).body,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_built_events_read_as_the_messages_they_describe() {
        let image = image_data("m1", "14254360097", CHANNEL, "img-1", "image/png", "look");
        let body = received(DeliverySchema::CloudEvents, "e1", image);
        let EventBody::Received(m) = read(&body) else {
            panic!()
        };
        assert_eq!(m.media.as_ref().map(|x| x.id.as_str()), Some("img-1"));
        assert_eq!(
            m.media.as_ref().and_then(|x| x.caption.as_deref()),
            Some("look")
        );
        let reply = button_reply_data("m2", "14254360097", CHANNEL, ("yes", "Yes"), "out-1");
        let body = json!([received(DeliverySchema::EventGrid, "e2", reply)]);
        let EventBody::Received(m) = read(&body) else {
            panic!()
        };
        assert_eq!(
            m.interactive,
            Some(InteractiveReply::Button {
                id: Some("yes".into()),
                title: Some("Yes".into())
            })
        );
        assert_eq!(
            m.context.and_then(|c| c.message_id).as_deref(),
            Some("out-1")
        );
        let s = status(
            DeliverySchema::EventGrid,
            "e3",
            "out-1",
            "Failed",
            CHANNEL,
            "14254360097",
        );
        assert!(matches!(read(&json!([s])), EventBody::Status(_)));
    }
}
