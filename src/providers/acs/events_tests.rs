//! Unit tests of delivery parsing, on the spec's example payloads (tests/data/acs/events).

use super::*;
use crate::domain::{MessageStatus, PhoneNumber};
use crate::providers::acs::advanced::{InteractiveReply, MessageType};
use serde_json::json;

fn example(schema: &str, name: &str) -> Value {
    let path = format!(
        "{}/tests/data/acs/events/{schema}/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn events(body: &Value) -> Vec<Event> {
    match parse_delivery(body.to_string().as_bytes()).unwrap() {
        Delivery::Events(e) => e,
        other => panic!("expected events, got {other:?}"),
    }
}

fn only(body: &Value) -> Event {
    let mut all = events(body);
    assert_eq!(all.len(), 1);
    all.remove(0)
}

fn received(e: &Event) -> &ReceivedMessage {
    match &e.body {
        EventBody::Received(m) => m,
        other => panic!("expected a received message, got {other:?}"),
    }
}

#[test]
fn the_received_examples_read_alike_in_both_schemas() {
    let eg = only(&json!([example(
        "event-grid-schema",
        "advanced_message_received"
    )]));
    let ce = only(&example("cloud-events-schema", "advanced_message_received"));
    assert_eq!(eg.schema, Schema::EventGrid);
    assert_eq!(ce.schema, Schema::CloudEvents, "specVersion in camel case");
    for e in [&eg, &ce] {
        let m = received(e);
        assert_eq!(m.from, PhoneNumber::parse("+12375679879").unwrap());
        assert_eq!(m.to, "1345679879");
        assert_eq!(
            m.text.as_deref(),
            Some("Come on guys, lets go for lunch together.")
        );
        let media = m.media.as_ref().unwrap();
        assert_eq!(media.id.as_str(), "mediaId");
        assert_eq!(media.mime_type, "mimeType");
        assert_eq!(media.file_name.as_deref(), Some("fileName"));
        assert_eq!(media.caption.as_deref(), Some("caption"));
        assert!(media.animated);
        assert_eq!(
            m.interactive,
            Some(InteractiveReply::Button {
                id: Some("buttonId".into()),
                title: Some("button reply".into())
            })
        );
        assert_eq!(
            m.button.as_ref().unwrap().payload.as_deref(),
            Some("payload")
        );
        assert_eq!(m.reaction.as_ref().unwrap().emoji.as_deref(), Some("emoji"));
        let ctx = m.context.as_ref().unwrap();
        assert_eq!(ctx.message_id.as_deref(), Some("messageId"));
        assert_eq!(ctx.from.as_deref(), Some("1234578988"));
        assert_eq!(
            m.received_at.map(|t| t.as_millis()),
            Some(1_711_127_171_261),
            "seven fractional digits and an offset"
        );
        assert_eq!(m.message_type, MessageType::Other("messageType".into()));
    }
    assert_eq!(
        received(&eg).dedupe_id,
        eg.id,
        "no messageId: the envelope id"
    );
    assert_eq!(received(&ce).dedupe_id, "messageId", "data.messageId first");
}

#[test]
fn the_status_examples_map_case_insensitively_with_their_failure() {
    let eg = only(&json!([example(
        "event-grid-schema",
        "advanced_message_delivery_status_updated"
    )]));
    let EventBody::Status(s) = &eg.body else {
        panic!("{eg:?}")
    };
    assert_eq!(s.message_id, "d59f9468-0a5c-4022-8200-d7bf6fb78bc5");
    assert_eq!(s.status, Some(MessageStatus::Delivered), "\"delivered\"");
    let f = s.failure.as_ref().unwrap();
    assert_eq!(f.channel_code.as_deref(), Some("channelCode"));
    assert_eq!(f.channel_message.as_deref(), Some("channelMessage"));
    let ce = only(&example(
        "cloud-events-schema",
        "advanced_message_delivery_status_updated",
    ));
    let EventBody::Status(s) = &ce.body else {
        panic!("{ce:?}")
    };
    assert_eq!(s.status, Some(MessageStatus::Sent), "\"Sent\"");
    assert_eq!(s.channel, "940aa05f-9071-4e2b-8130-8f856c7e1917");
    assert_eq!(s.failure, None);
    for (raw, want) in [
        ("FAILED", Some(MessageStatus::Failed)),
        ("read", Some(MessageStatus::Read)),
        ("Warning", None),
        ("Unknown", None),
    ] {
        assert_eq!(advanced::map_status(raw), want, "{raw}");
    }
}

#[test]
fn an_unknown_event_type_is_ignored_and_others_in_the_batch_still_read() {
    let batch = json!([
        example("event-grid-schema", "advanced_message_analysis_completed"),
        example(
            "event-grid-schema",
            "advanced_message_delivery_status_updated"
        ),
    ]);
    let all = events(&batch);
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].body, EventBody::Ignored);
    assert!(matches!(all[1].body, EventBody::Status(_)));
    let ce_batch = json!([example(
        "cloud-events-schema",
        "advanced_message_analysis_completed"
    )]);
    assert_eq!(
        only(&ce_batch).body,
        EventBody::Ignored,
        "a CloudEvents batch array"
    );
}

#[test]
fn the_event_grid_validation_handshake_yields_the_code_to_answer() {
    let body = json!([{
        "id": "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66",
        "topic": "/subscriptions/x/resourceGroups/y/providers/Microsoft.Communication/communicationServices/z",
        "subject": "",
        "data": {"validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6",
                 "validationUrl": "https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/x/validate?id=1"},
        "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
        "eventTime": "2018-01-25T22:12:19.4556811Z",
        "metadataVersion": "1",
        "dataVersion": "1"
    }]);
    let Delivery::Validation(v) = parse_delivery(body.to_string().as_bytes()).unwrap() else {
        panic!("not a validation")
    };
    assert_eq!(
        v.response_body(),
        json!({"validationResponse": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"})
    );
    assert!(v.validation_url.unwrap().contains(":553/"));
    let mut no_code = body.clone();
    no_code[0]["data"] = json!({});
    assert_eq!(
        parse_delivery(no_code.to_string().as_bytes()),
        Err(DeliveryError::NoValidationCode)
    );
    let mixed = json!([
        body[0],
        example("event-grid-schema", "advanced_message_received")
    ]);
    assert_eq!(
        parse_delivery(mixed.to_string().as_bytes()),
        Err(DeliveryError::ValidationMixed)
    );
}

#[test]
fn the_cloudevents_handshake_echoes_a_plausible_origin() {
    assert_eq!(
        allowed_origin(Some("eventgrid.azure.net")),
        Some("eventgrid.azure.net".into())
    );
    assert_eq!(allowed_origin(Some(" * ")), Some("*".into()));
    for bad in [None, Some(""), Some("evil\r\nSet-Cookie: x"), Some("a b")] {
        assert_eq!(allowed_origin(bad), None, "{bad:?}");
    }
    assert_eq!(allowed_rate(Some("120")), Some("120".into()));
    for bad in [None, Some("0"), Some("-1"), Some("fast")] {
        assert_eq!(allowed_rate(bad), None, "{bad:?}");
    }
}

#[test]
fn a_sender_that_is_no_phone_number_is_reported_not_refused() {
    let mut e = example("event-grid-schema", "advanced_message_received");
    for bad in ["{sender@id}", "0123", "", "+"] {
        e["data"]["from"] = json!(bad);
        let got = only(&json!([e.clone()]));
        assert!(
            matches!(&got.body, EventBody::Unusable(r) if r.contains("sender")),
            "{bad:?}: {got:?}"
        );
    }
    e["data"]["from"] = json!("+14254360097");
    assert_eq!(
        received(&only(&json!([e]))).from.as_str(),
        "+14254360097",
        "a sender already with \"+\" is accepted too"
    );
}

#[test]
fn typed_messages_need_their_part() {
    let base = json!({"from": "14254360097", "to": "be57b49d-5cd4-4f96-9a6b-4af41bc9fdfb",
                      "channelType": "whatsapp", "messageId": "m1",
                      "receivedTimeStamp": "2023-07-06T18:30:19+00:00"});
    let with = |extra: Value| {
        let mut d = base.clone();
        for (k, v) in extra.as_object().unwrap() {
            d[k] = v.clone();
        }
        json!([{"id": "e1", "eventType": MESSAGE_RECEIVED, "subject": "s",
                "eventTime": "2023-07-06T18:30:19Z", "dataVersion": "1.0", "data": d}])
    };
    let text = only(&with(json!({"messageType": "text", "content": "Hello"})));
    let m = received(&text);
    assert_eq!(m.text.as_deref(), Some("Hello"));
    assert_eq!(
        m.channel_id().unwrap().as_str(),
        "be57b49d-5cd4-4f96-9a6b-4af41bc9fdfb"
    );
    assert!(m.received_at.is_some(), "receivedTimeStamp spelling");
    let list = only(&with(json!({"messageType": "interactive", "interactive":
        {"type": "listReply", "listReply": {"id": "l1", "title": "Tuesday", "description": "am"}}})));
    assert!(matches!(
        &received(&list).interactive,
        Some(InteractiveReply::List { title: Some(t), .. }) if t == "Tuesday"
    ));
    for (extra, why) in [
        (json!({"messageType": "text"}), "text content"),
        (json!({"messageType": "image"}), "media"),
        (
            json!({"messageType": "image", "media": {"id": "../x", "mimeType": "image/png"}}),
            "media ID",
        ),
        (
            json!({"messageType": "reaction", "reaction": {"emoji": "👍"}}),
            "reaction messageId",
        ),
        (json!({"messageType": "button"}), "button"),
        (
            json!({"messageType": "text", "content": "x", "messageId": "m".repeat(201)}),
            "longer than",
        ),
    ] {
        let got = only(&with(extra.clone()));
        assert!(
            matches!(&got.body, EventBody::Unusable(r) if r.contains(why)),
            "{extra}: {got:?}"
        );
    }
}

#[test]
fn unreadable_deliveries_are_refused_with_the_reason() {
    let cases: &[(&[u8], &str)] = &[
        (b"not json", "not JSON"),
        (b"[]", "no event"),
        (b"42", "not JSON"),
        (b"[{\"id\": \"x\"}]", "neither eventType nor specversion"),
        (b"[{\"eventType\": \"t\", \"data\": {}}]", "no id"),
        (
            b"{\"id\": \"x\", \"specversion\": \"0.3\", \"type\": \"t\", \"source\": \"s\"}",
            "1.x",
        ),
        (
            b"{\"id\": \"x\", \"specversion\": \"1.0\", \"source\": \"s\"}",
            "no type",
        ),
    ];
    for (body, why) in cases {
        let err = parse_delivery(body).unwrap_err();
        assert!(
            err.to_string().contains(why),
            "{:?}: {err}",
            String::from_utf8_lossy(body)
        );
    }
    let big = vec![b' '; MAX_DELIVERY_BYTES + 1];
    assert_eq!(parse_delivery(&big), Err(DeliveryError::TooLarge));
}

#[test]
fn cloudevents_data_base64_is_read() {
    let data = json!({"messageId": "m9", "status": "read", "from": "c", "to": "1"});
    let b64 = base64::engine::general_purpose::STANDARD.encode(data.to_string());
    let body = json!({"id": "e9", "source": "/x", "SPECVERSION": "1.0",
                      "type": DELIVERY_STATUS_UPDATED, "data_base64": b64});
    let EventBody::Status(s) = only(&body).body else {
        panic!()
    };
    assert_eq!(s.status, Some(MessageStatus::Read));
}
