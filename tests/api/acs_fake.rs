//! The fake ACS itself: strict over HTTP where ACS is (api-version, spec, signature, content
//! hash), and its Event Grid deliveries and tokens, checked and read by the webhook building
//! blocks.

use crate::acs_client::{Acs, CHANNEL, START, acs};
use omnidesk::clock::Clock;
use omnidesk::domain::MessageStatus;
use omnidesk::providers::acs::entra::{Audience, Expected, TenantId};
use omnidesk::providers::acs::events::{Delivery, EventBody, parse_delivery};
use omnidesk::providers::acs::fake::{
    DeliverySchema, EventGrid, FakeTenant, TokenKind, deliveries,
};
use omnidesk::providers::acs::{EntraValidator, TokenCheck};
use serde_json::{Value, json};

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const APP: &str = "api://omnidesk-webhook";

/// The fake tenant, a manual clock, and a validator expecting its tokens for `APP`.
async fn entra() -> (FakeTenant, Clock, EntraValidator, Expected) {
    let tenant = FakeTenant::start(TENANT).await;
    let clock = Clock::manual(START);
    let validator = EntraValidator::new(&tenant.authority(), clock.clone()).unwrap();
    let expected = Expected {
        tenant: TenantId::parse(TENANT).unwrap(),
        audience: Audience::parse(APP).unwrap(),
    };
    (tenant, clock, validator, expected)
}

/// A webhook stand-in that records what Event Grid posted.
async fn webhook() -> wiremock::MockServer {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn signed_deliveries_of_both_schemas_pass_the_token_check_and_parse() {
    let (tenant, clock, validator, expected) = entra().await;
    let eg = EventGrid::new(&tenant, APP);
    let hook = webhook().await;
    let url = format!("{}/webhooks/acs/key", hook.uri());
    let data = deliveries::text_data("m1", "14254360097", CHANNEL, "Hello");
    for (schema, body) in [
        (
            DeliverySchema::EventGrid,
            json!([deliveries::received(
                DeliverySchema::EventGrid,
                "e1",
                data.clone()
            )]),
        ),
        (
            DeliverySchema::CloudEvents,
            deliveries::received(DeliverySchema::CloudEvents, "e2", data.clone()),
        ),
    ] {
        eg.post(&url, schema, &body, Some(TokenKind::Valid), clock.now())
            .await
            .unwrap();
    }
    eg.post(
        &url,
        DeliverySchema::EventGrid,
        &deliveries::validation("code-1"),
        None,
        clock.now(),
    )
    .await
    .unwrap();
    let got = hook.received_requests().await.unwrap();
    assert_eq!(got.len(), 3);
    for r in &got[..2] {
        let auth = r.headers.get("authorization").and_then(|v| v.to_str().ok());
        assert_eq!(validator.check(auth, &expected).await, TokenCheck::Ok);
        let Delivery::Events(events) = parse_delivery(&r.body).unwrap() else {
            panic!()
        };
        let EventBody::Received(m) = &events[0].body else {
            panic!("{events:?}")
        };
        assert_eq!(m.from.as_str(), "+14254360097");
        assert_eq!(m.text.as_deref(), Some("Hello"));
        assert_eq!(m.dedupe_id, "m1");
    }
    assert_eq!(
        got[1].headers.get("content-type").unwrap(),
        "application/cloudevents+json; charset=utf-8"
    );
    assert_eq!(
        got[2].headers.get("aeg-event-type").unwrap(),
        "SubscriptionValidation"
    );
    let Delivery::Validation(v) = parse_delivery(&got[2].body).unwrap() else {
        panic!()
    };
    assert_eq!(v.response_body(), json!({"validationResponse": "code-1"}));
}

#[tokio::test]
async fn the_fakes_bad_tokens_are_each_refused() {
    let (tenant, clock, validator, expected) = entra().await;
    let eg = EventGrid::new(&tenant, APP);
    assert_eq!(
        validator
            .check(Some(&eg.bearer(TokenKind::Valid, clock.now())), &expected)
            .await,
        TokenCheck::Ok
    );
    clock.advance(omnidesk::providers::acs::entra_keys::MIN_REFETCH);
    for kind in [
        TokenKind::Expired,
        TokenKind::WrongAudience,
        TokenKind::WrongTenant,
        TokenKind::UnknownKid,
    ] {
        let got = validator
            .check(Some(&eg.bearer(kind, clock.now())), &expected)
            .await;
        assert!(
            matches!(got, TokenCheck::Unauthorized(_)),
            "{kind:?}: {got:?}"
        );
    }
    let status = deliveries::status(
        DeliverySchema::EventGrid,
        "e3",
        "00000000-0000-4000-8000-000000000001",
        "Delivered",
        CHANNEL,
        "14254360097",
    );
    let Delivery::Events(events) = parse_delivery(json!([status]).to_string().as_bytes()).unwrap()
    else {
        panic!()
    };
    assert!(
        matches!(&events[0].body, EventBody::Status(s) if s.status == Some(MessageStatus::Delivered))
    );
}

/// Sends a request signed with the fake's key, with `body` signed but `sent` on the wire.
async fn raw(
    a: &Acs,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    sent: &[u8],
) -> (u16, Value) {
    use omnidesk::providers::acs::signing;
    let cs = a.fake.connection_string();
    let date = signing::rfc1123(a.clock.now()).unwrap();
    let host = cs.endpoint().authority();
    let signed = signing::sign(cs.key(), method, &host, path_and_query, &date, body);
    let resp = reqwest::Client::new()
        .request(method.parse().unwrap(), cs.endpoint().join(path_and_query))
        .header("x-ms-date", signed.date)
        .header("x-ms-content-sha256", signed.content_hash)
        .header("authorization", signed.authorization)
        .header("content-type", "application/json")
        .body(sent.to_vec())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_fake_refuses_what_acs_would_refuse() {
    let a = acs().await;
    let ok = json!({"channelRegistrationId": CHANNEL, "to": ["14250000000"],
                    "kind": "text", "content": "hi"})
    .to_string();
    let send = "/messages/notifications:send?api-version=2024-08-30";
    let (status, _) = raw(&a, "POST", send, ok.as_bytes(), ok.as_bytes()).await;
    assert_eq!(status, 202, "the control request passes");
    let cases: Vec<(&str, String, u16, &str)> = vec![
        (
            "/messages/notifications:send?api-version=2024-02-01",
            ok.clone(),
            400,
            "api-version",
        ),
        (
            send,
            json!({"channelRegistrationId": CHANNEL, "to": ["14250000000"],
                   "kind": "text", "content": "hi", "priority": "high"})
            .to_string(),
            400,
            "$.priority is not a field",
        ),
        (
            send,
            json!({"channelRegistrationId": CHANNEL, "to": ["14250000000"], "kind": "sticker"})
                .to_string(),
            400,
            "not a known",
        ),
        (
            send,
            json!({"channelRegistrationId": CHANNEL, "to": ["+1 425 000"], "kind": "text",
                   "content": "hi"})
            .to_string(),
            400,
            "WhatsApp IDs",
        ),
    ];
    for (path, body, want_status, want) in cases {
        let (status, err) = raw(&a, "POST", path, body.as_bytes(), body.as_bytes()).await;
        assert_eq!(status, want_status, "{body}: {err}");
        let msg = err["error"]["message"].as_str().unwrap_or_default();
        assert!(msg.contains(want), "{body}: {err}");
    }
    let tampered = ok.replace("hi", "ho");
    let (status, err) = raw(&a, "POST", send, ok.as_bytes(), tampered.as_bytes()).await;
    assert_eq!(status, 401);
    assert_eq!(
        err,
        json!({"error": {"code": "Denied",
                         "message": "Request 'x-ms-content-sha256' differs from generated content hash."}})
    );
    assert_eq!(a.fake.delivered().len(), 1, "only the control request");
}
