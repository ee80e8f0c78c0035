//! `POST /webhooks/acs/{account_key}` and sends through Azure Communication Services, against the
//! strict fake ACS and a fake Entra tenant on 127.0.0.1: the validation handshakes, inbound text,
//! media and replies, duplicates, every token failure, statuses out of order, sends with their
//! repeatability data, and the 24-hour rule.

use crate::helpers::*;
use omnidesk::domain::account::AccountName;
use omnidesk::domain::acs::{AcsResourceName, EntraApp};
use omnidesk::domain::guid::Guid;
use omnidesk::domain::sender::{ChannelId, SenderAddress};
use omnidesk::domain::{MessageStatus, PhoneNumber};
use omnidesk::providers::acs::fake::{
    DeliverySchema, EventGrid, Failure, FakeAcs, FakeTenant, TokenKind, deliveries,
};
use omnidesk::store::records::{
    Account, AcsSettings, Conversation, MediaState, Message, NumberKind,
};
use omnidesk::store::setup::NewNumber;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const APP: &str = "api://omnidesk-webhook";
pub(crate) const CHANNEL: &str = "0f0eb78e-a576-1dfc-b414-0f0756de3338";
/// The customer as ACS writes them (no "+").
pub(crate) const FROM: &str = "14254360097";

pub(crate) struct AcsApp {
    pub(crate) app: TestApp,
    pub(crate) tenant: FakeTenant,
    pub(crate) acs: FakeAcs,
    pub(crate) account: Account,
    pub(crate) url: String,
}

impl AcsApp {
    fn grid(&self) -> EventGrid<'_> {
        EventGrid::new(&self.tenant, APP)
    }

    pub(crate) async fn post(&self, body: &Value, token: Option<TokenKind>) -> reqwest::Response {
        let schema = if body.is_array() {
            DeliverySchema::EventGrid
        } else {
            DeliverySchema::CloudEvents
        };
        self.grid()
            .post(&self.url, schema, body, token, self.app.clock.now())
            .await
            .unwrap()
    }

    async fn text(&self, event: &str, message: &str, text: &str) -> reqwest::Response {
        let data = deliveries::text_data(message, FROM, CHANNEL, text);
        let body = json!([deliveries::received(DeliverySchema::EventGrid, event, data)]);
        self.post(&body, Some(TokenKind::Valid)).await
    }

    pub(crate) async fn conversations(&self) -> Vec<Conversation> {
        let id = self.account.id;
        self.app
            .desk()
            .store()
            .conversations_matching(move |c| c.account_id == id)
            .await
            .unwrap()
    }

    async fn messages(&self) -> Vec<Message> {
        let mut out = Vec::new();
        for c in self.conversations().await {
            out.extend(self.app.desk().store().messages(c.id).await.unwrap());
        }
        out
    }
}

/// The app with an ACS account (its channel ID served) on the fake ACS and Entra tenant.
pub(crate) async fn acs_app() -> AcsApp {
    let tenant = FakeTenant::start(TENANT).await;
    let authority = tenant.authority();
    let app = spawn_app_with(wiremock::MockServer::start().await, |s| {
        s.entra_authority = authority;
    })
    .await;
    let acs = FakeAcs::start(app.clock.clone()).await;
    acs.add_channel(
        CHANNEL,
        vec![
            json!({"name": "order_update", "language": "en", "status": "approved",
                    "kind": "whatsApp", "content": {}}),
        ],
    );
    let settings = AcsSettings {
        resource: AcsResourceName::parse("desk-acs").unwrap(),
        endpoint: acs.uri().trim_end_matches('/').to_owned(),
        event_grid_app: EntraApp::parse(APP).unwrap(),
        event_grid_tenant: Guid::parse(TENANT).unwrap(),
    };
    let secret = omnidesk::secrets::SecretString::new(acs.connection_string_text());
    let account = app
        .desk()
        .create_acs_account(AccountName::parse("Azure").unwrap(), settings, secret)
        .await
        .unwrap()
        .unwrap();
    app.desk()
        .store()
        .add_number(NewNumber {
            account_id: account.id,
            number: ChannelId::parse(CHANNEL).unwrap().into(),
            kind: NumberKind::WhatsApp,
            name: "Care".into(),
            description: String::new(),
        })
        .await
        .unwrap()
        .unwrap();
    let url = format!(
        "{}/webhooks/acs/{}",
        app.address,
        account.webhook_key.as_str()
    );
    AcsApp {
        app,
        tenant,
        acs,
        account,
        url,
    }
}

#[tokio::test]
async fn both_validation_handshakes_are_answered_with_or_without_a_token() {
    let a = acs_app().await;
    for token in [None, Some(TokenKind::Valid)] {
        let resp = a.post(&deliveries::validation("code-42"), token).await;
        assert_eq!(resp.status(), StatusCode::OK, "token {token:?}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body, json!({"validationResponse": "code-42"}));
    }
    let resp = a
        .grid()
        .options(&a.url, None, a.app.clock.now())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()
            .get("WebHook-Allowed-Origin")
            .and_then(|v| v.to_str().ok()),
        Some("eventgrid.azure.net")
    );
    let unknown = format!("{}/webhooks/acs/not-a-key", a.app.address);
    let resp = a
        .grid()
        .options(&unknown, None, a.app.clock.now())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(a.conversations().await.is_empty(), "nothing stored");
    a.app.stop().await;
}

#[tokio::test]
async fn an_inbound_text_opens_a_conversation_on_the_channel_id_once() {
    let a = acs_app().await;
    let resp = a.text("e1", "m-1", "Where is my order?").await;
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "{}",
        resp.text().await.unwrap()
    );
    // Event Grid delivers at least once; the same message again changes nothing.
    assert_eq!(
        a.text("e1", "m-1", "Where is my order?").await.status(),
        200
    );
    let convs = a.conversations().await;
    assert_eq!(convs.len(), 1);
    assert_eq!(
        convs[0].customer,
        PhoneNumber::parse("+14254360097").unwrap()
    );
    assert!(
        convs[0].window_expires_at.is_some(),
        "the 24-hour window opened"
    );
    let number = a
        .app
        .desk()
        .store()
        .number(convs[0].number_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        number.number,
        SenderAddress::from(ChannelId::parse(CHANNEL).unwrap())
    );
    let messages = a.messages().await;
    let inbound: Vec<_> = messages
        .iter()
        .filter(|m| m.body == "Where is my order?")
        .collect();
    assert_eq!(inbound.len(), 1, "stored once");
    assert_eq!(inbound[0].provider_id.as_deref(), Some("m-1"));
    // The CloudEvents schema, a single object, takes the same path.
    let data = deliveries::text_data("m-2", FROM, CHANNEL, "Hello again");
    let single = deliveries::received(DeliverySchema::CloudEvents, "e2", data);
    assert_eq!(a.post(&single, Some(TokenKind::Valid)).await.status(), 200);
    assert!(a.messages().await.iter().any(|m| m.body == "Hello again"));
    a.app.stop().await;
}

#[tokio::test]
async fn every_token_failure_is_401_and_stores_nothing() {
    let a = acs_app().await;
    let data = deliveries::text_data("m-1", FROM, CHANNEL, "hi");
    let body = json!([deliveries::received(DeliverySchema::EventGrid, "e1", data)]);
    // The tenant's keys cannot be fetched: 503, so Event Grid tries again.
    a.tenant.set_failing(true);
    let resp = a.post(&body, Some(TokenKind::Valid)).await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(a.conversations().await.is_empty());
    a.tenant.set_failing(false);
    // A failed fetch is not retried for a few seconds (`entra_keys::MIN_RETRY`).
    a.app
        .clock
        .advance(omnidesk::providers::acs::entra_keys::MIN_RETRY);
    // First the unknown key, so the keys are fetched for it (right after a fetch, an unknown
    // key is answered 503 until a refetch is allowed: it may be a key just rotated in).
    for token in [
        Some(TokenKind::UnknownKid),
        None,
        Some(TokenKind::Expired),
        Some(TokenKind::NotYetValid),
        Some(TokenKind::WrongAudience),
        Some(TokenKind::WrongTenant),
        Some(TokenKind::WrongCaller),
    ] {
        let resp = a.post(&body, token).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "token {token:?}");
    }
    assert!(a.conversations().await.is_empty(), "nothing stored");
    assert_eq!(a.post(&body, Some(TokenKind::ValidV1)).await.status(), 200);
    assert_eq!(
        a.conversations().await.len(),
        1,
        "a v1 token is accepted too"
    );
    a.app.stop().await;
}

#[tokio::test]
async fn an_inbound_image_is_downloaded_from_the_account_s_endpoint_signed() {
    let a = acs_app().await;
    let media_id = "d19e68ec-bdd6-4a50-8dfb-cbb1642df6ab";
    a.acs.add_media(
        media_id,
        "image/jpeg",
        vec![0xff, 0xd8, 0xff, 0xe0, 1, 2, 3],
    );
    let data = json!({
        "messageId": "m-img", "from": FROM, "to": CHANNEL, "channelType": "whatsapp",
        "messageType": "image", "receivedTimestamp": "2026-01-01T00:00:00+00:00",
        "media": {"mimeType": "image/jpeg", "id": media_id, "caption": "My receipt"},
    });
    let body = json!([deliveries::received(
        DeliverySchema::EventGrid,
        "e-img",
        data
    )]);
    assert_eq!(a.post(&body, Some(TokenKind::Valid)).await.status(), 200);
    let stored = eventually("the image is stored", || async {
        let m = a
            .messages()
            .await
            .into_iter()
            .find(|m| m.body == "My receipt")?;
        matches!(m.media.first()?.state, MediaState::Stored { .. }).then_some(m)
    })
    .await;
    assert_eq!(stored.media[0].content_type, "image/jpeg");
    let MediaState::Stored { bytes, .. } = stored.media[0].state else {
        unreachable!()
    };
    assert_eq!(bytes, 7);
    let fetched = a.acs.received();
    assert!(
        fetched.iter().any(|r| r.method == "GET"
            && r.path_and_query
                .starts_with(&format!("/messages/streams/{media_id}"))
            && r.status == 200),
        "the fake ACS checked the signature and served it: {fetched:?}"
    );
    a.app.stop().await;
}

#[tokio::test]
async fn an_interactive_reply_keeps_its_choice() {
    let a = acs_app().await;
    let data = json!({
        "messageId": "m-int", "from": FROM, "to": CHANNEL, "channelType": "whatsapp",
        "messageType": "interactive", "receivedTimestamp": "2026-01-01T00:00:00+00:00",
        "interactive": {"type": "buttonReply", "buttonReply": {"id": "track", "title": "Track my order"}},
    });
    let body = json!([deliveries::received(
        DeliverySchema::EventGrid,
        "e-int",
        data
    )]);
    assert_eq!(a.post(&body, Some(TokenKind::Valid)).await.status(), 200);
    let m = a
        .messages()
        .await
        .into_iter()
        .find(|m| m.provider_id.as_deref() == Some("m-int"))
        .expect("stored");
    assert_eq!(m.body, "Track my order");
    let button = m.extras.button.expect("the choice is kept");
    assert_eq!(
        (button.text.as_str(), button.payload.as_str()),
        ("Track my order", "track")
    );
    a.app.stop().await;
}

/// `msg` as stored now.
async fn current(a: &AcsApp, msg: &Message) -> Message {
    let store = a.app.desk().store();
    store
        .message(msg.conversation_id, msg.seq)
        .await
        .unwrap()
        .unwrap()
}

/// `msg` once its send receipt (the provider's id) is stored.
async fn receipt(a: &AcsApp, msg: &Message) -> Message {
    eventually("the receipt is stored", || async {
        let m = current(a, msg).await;
        m.provider_id.is_some().then_some(m)
    })
    .await
}

/// A reply sent through ACS: its request as the fake ACS took it, and the message.
async fn replied(
    a: &AcsApp,
    text: &str,
) -> (Message, omnidesk::providers::acs::fake::acs::Delivered) {
    let conv = a.conversations().await.remove(0);
    let msg = a.app.reply(conv.id, text).await.unwrap();
    let sent = eventually("ACS has the reply", || async {
        a.acs
            .delivered()
            .into_iter()
            .find(|d| d.body["content"] == text)
    })
    .await;
    (msg, sent)
}

#[tokio::test]
async fn a_reply_goes_through_acs_and_its_statuses_move_forward_only() {
    let a = acs_app().await;
    assert_eq!(a.text("e1", "m-1", "hi").await.status(), 200);
    let (msg, sent) = replied(&a, "Your order ships today.").await;
    assert_eq!(sent.body["kind"], "text");
    assert_eq!(sent.body["channelRegistrationId"], CHANNEL);
    assert_eq!(
        sent.body["to"],
        json!([FROM]),
        "digits with the country code"
    );
    let stored = receipt(&a, &msg).await;
    assert_eq!(
        stored.provider_id.as_deref(),
        Some(sent.message_id.as_str())
    );
    // Delivered, then a late "Sent" (out of order), in any case.
    for (event, status) in [("s1", "delivered"), ("s2", "Sent")] {
        let body = json!([deliveries::status(
            DeliverySchema::EventGrid,
            event,
            &sent.message_id,
            status,
            CHANNEL,
            FROM
        )]);
        assert_eq!(a.post(&body, Some(TokenKind::Valid)).await.status(), 200);
    }
    let m = current(&a, &msg).await;
    assert_eq!(
        m.status,
        MessageStatus::Delivered,
        "a late sent never moves it back"
    );
    a.app.stop().await;
}

#[tokio::test]
async fn a_failed_status_shows_whatsapp_s_code_and_text() {
    let a = acs_app().await;
    assert_eq!(a.text("e1", "m-1", "hi").await.status(), 200);
    let (msg, sent) = replied(&a, "Hello").await;
    receipt(&a, &msg).await;
    let failed = json!({
        "messageId": sent.message_id, "status": "Failed", "channelType": "whatsapp",
        "from": CHANNEL, "to": FROM, "receivedTimestamp": "2026-01-01T00:00:00+00:00",
        "error": {"channelCode": "131026", "channelMessage": "Message Undeliverable."},
    });
    let body = json!([deliveries::envelope(
        DeliverySchema::EventGrid,
        "s3",
        "Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated",
        &format!("advancedMessage/{}/status/Failed", sent.message_id),
        failed
    )]);
    assert_eq!(a.post(&body, Some(TokenKind::Valid)).await.status(), 200);
    let m = current(&a, &msg).await;
    assert_eq!(m.status, MessageStatus::Failed);
    let failure = m.failure.expect("the reason is kept");
    assert_eq!(failure.code, Some(131026));
    assert!(
        failure.message.contains("Message Undeliverable."),
        "{}",
        failure.message
    );
    a.app.stop().await;
}

#[tokio::test]
async fn a_retried_send_repeats_its_request_id_and_first_sent_time() {
    let a = acs_app().await;
    assert_eq!(a.text("e1", "m-1", "hi").await.status(), 200);
    a.acs.fail_next([Failure::ServerError]);
    let conv = a.conversations().await.remove(0);
    let msg = a.app.reply(conv.id, "Retry me").await.unwrap();
    let first = eventually("the first attempt reached ACS", || async {
        a.acs.received().into_iter().find(|r| r.method == "POST")
    })
    .await;
    assert_eq!(first.status, 500);
    // The retry waits for its backoff on the test clock.
    a.app.clock.advance(Duration::from_secs(60));
    let delivered = eventually("the retry is delivered", || async {
        a.acs.delivered().into_iter().next()
    })
    .await;
    let posts: Vec<_> = a
        .acs
        .received()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert!(posts.len() >= 2);
    assert_eq!(
        posts[0].repeatability_id, posts[1].repeatability_id,
        "the same request id"
    );
    assert_eq!(
        posts[0].first_sent, posts[1].first_sent,
        "the first attempt's time, reused"
    );
    assert_eq!(delivered.repeatability_id, posts[0].repeatability_id);
    let m = receipt(&a, &msg).await;
    assert_eq!(
        m.provider_id.as_deref(),
        Some(delivered.message_id.as_str())
    );
    assert_eq!(a.acs.delivered().len(), 1, "delivered once");
    a.app.stop().await;
}

#[tokio::test]
async fn after_24_hours_a_free_form_reply_never_reaches_acs() {
    let a = acs_app().await;
    assert_eq!(a.text("e1", "m-1", "hi").await.status(), 200);
    let conv = a.conversations().await.remove(0);
    a.app.clock.advance(Duration::from_secs(24 * 3600 + 60));
    let refused = a.app.reply(conv.id, "Too late").await;
    assert_eq!(
        refused.map(|_| ()).map_err(|e| e.to_string()),
        Err("This conversation has exceeded the 24 hour limit to respond to the customer.".into())
    );
    assert!(
        a.acs.received().iter().all(|r| r.method != "POST"),
        "nothing sent"
    );
    a.app.stop().await;
}

#[tokio::test]
async fn validate_lists_each_channel_s_templates_with_acs() {
    let a = acs_app().await;
    let mut admin = a.app.admin().await;
    let id = a.account.id.get();
    let done = admin.get(&format!("/admin/accounts/{id}/setup/done")).await;
    assert!(
        done.body.contains("is ready with 1 channel ID(s)"),
        "{}",
        done.body
    );
    let page = admin
        .post(&format!("/admin/accounts/{id}/validate"), &[])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("Azure Communication Services accepted the connection string")
    );
    assert!(page.body.contains(CHANNEL), "{}", page.body);
    assert!(
        a.acs.received().iter().any(|r| r.method == "GET"
            && r.path_and_query
                .starts_with(&format!("/messages/channels/{CHANNEL}/templates"))),
        "ACS was asked"
    );
    // A channel ID the resource does not have is refused, with ACS's reason.
    let unknown = "5d8f3a2e-1b4c-4e6f-9a0b-7c2d1e3f4a5b";
    let added = admin
        .post(
            &format!("/admin/accounts/{id}/numbers"),
            &[("name", "Sales"), ("channel_id", unknown)],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let page = admin
        .post(&format!("/admin/accounts/{id}/validate"), &[])
        .await;
    assert!(
        page.body
            .contains(&format!("{unknown}: Azure Communication Services refused")),
        "{}",
        page.body
    );
    let done = admin.get(&format!("/admin/accounts/{id}/setup/done")).await;
    assert!(done.body.contains("is not ready yet"), "{}", done.body);
    a.app.stop().await;
}

#[tokio::test]
async fn files_go_through_acs_as_image_document_video_or_audio_by_their_type() {
    use omnidesk::domain::Direction;
    use omnidesk::store::outbox::{OutboundContent, OutboundRequest};
    let a = acs_app().await;
    assert_eq!(a.text("e1", "m-1", "hi").await.status(), 200);
    let conv = a.conversations().await.remove(0);
    let media = a.app.dir.path().join("media");
    std::fs::create_dir_all(&media).unwrap();
    let files = [
        ("out-1-00000000000000a1.jpg", "image/jpeg", "image"),
        ("out-1-00000000000000a2.pdf", "application/pdf", "document"),
        ("out-1-00000000000000a3.mp4", "video/mp4", "video"),
        ("out-1-00000000000000a4.ogg", "audio/ogg", "audio"),
    ];
    for (i, (file, content_type, _)) in files.iter().enumerate() {
        std::fs::write(media.join(file), b"bytes of the file").unwrap();
        let sent = a
            .app
            .desk()
            .send(OutboundRequest {
                conversation_id: conv.id,
                content: OutboundContent::Attachment {
                    caption: format!("file {i}"),
                    file: (*file).to_owned(),
                    content_type: (*content_type).to_owned(),
                    bytes: 17,
                },
                author: None,
                direction: Direction::Outbound,
            })
            .await
            .unwrap();
        assert!(sent.is_ok(), "{sent:?}");
    }
    let delivered = eventually("ACS has the four files", || async {
        let d = a.acs.delivered();
        if d.len() < files.len() {
            // Each send waits for its pace slot: time moves on until all are out.
            a.app.clock.advance(Duration::from_secs(1));
        }
        (d.len() == files.len()).then_some(d)
    })
    .await;
    for (file, _, kind) in files {
        let d = delivered
            .iter()
            .find(|d| d.body["kind"] == kind)
            .unwrap_or_else(|| panic!("a {kind} send: {delivered:?}"));
        let uri = d.body["mediaUri"].as_str().unwrap_or_default();
        assert!(
            uri.starts_with(&format!("{}/media/out/{file}", a.app.address)),
            "{kind}: {uri}"
        );
        assert_eq!(d.body["channelRegistrationId"], CHANNEL);
        assert_eq!(d.body["to"], json!([FROM]));
    }
    a.app.stop().await;
}

#[tokio::test]
async fn a_reply_to_a_business_message_keeps_which_one_and_the_page_quotes_it() {
    let a = acs_app().await;
    assert_eq!(a.text("e1", "m-1", "hi").await.status(), 200);
    let (msg, sent) = replied(&a, "Your order ships today.").await;
    receipt(&a, &msg).await;
    let mut data = deliveries::text_data("m-2", FROM, CHANNEL, "Great, thanks!");
    data["context"] = json!({"from": CHANNEL, "id": sent.message_id});
    let body = json!([deliveries::received(DeliverySchema::EventGrid, "e2", data)]);
    assert_eq!(a.post(&body, Some(TokenKind::Valid)).await.status(), 200);
    let stored = eventually("the reply is stored", || async {
        a.messages()
            .await
            .into_iter()
            .find(|m| m.body == "Great, thanks!")
    })
    .await;
    assert_eq!(
        stored.extras.reply_to.as_deref(),
        Some(sent.message_id.as_str())
    );
    let mut admin = a.app.admin().await;
    let page = admin
        .get(&format!(
            "/agent/conversations/{}",
            stored.conversation_id.get()
        ))
        .await;
    assert!(
        page.body
            .contains("<p class=\"msg-reply\">In reply to “Your order ships today.”</p>"),
        "{}",
        page.body
    );
    a.app.stop().await;
}

#[tokio::test]
async fn after_the_window_closes_a_template_goes_through_acs_by_name_with_its_values() {
    use omnidesk::domain::{Direction, TemplateId};
    use omnidesk::store::outbox::{OutboundContent, OutboundRequest};
    let a = acs_app().await;
    assert_eq!(a.text("e1", "m-1", "hi").await.status(), 200);
    let conv = a.conversations().await.remove(0);
    // The test app's own "order_update" (en) template, the name the channel has at ACS.
    let template = a
        .app
        .desk()
        .store()
        .templates()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name.to_string() == "order_update")
        .expect("the seeded template");
    a.app.clock.advance(Duration::from_secs(24 * 3600 + 60));
    let send = |template_id: TemplateId| OutboundRequest {
        conversation_id: conv.id,
        content: OutboundContent::Template {
            template_id,
            values: vec!["Ana".into(), "4711".into()],
        },
        author: None,
        direction: Direction::Outbound,
    };
    let sent = a.app.desk().send(send(template.id)).await.unwrap();
    assert!(sent.is_ok(), "{sent:?}");
    let d = eventually("ACS has the template", || async {
        a.acs
            .delivered()
            .into_iter()
            .find(|d| d.body["kind"] == "template")
    })
    .await;
    let t = &d.body["template"];
    assert_eq!(t["name"], "order_update");
    assert_eq!(t["language"], "en");
    assert_eq!(
        t["values"],
        json!([
            {"name": "1", "kind": "text", "text": "Ana"},
            {"name": "2", "kind": "text", "text": "4711"}
        ]),
        "{d:?}"
    );
    assert_eq!(
        t["bindings"],
        json!({"kind": "whatsApp", "body": [{"refValue": "1"}, {"refValue": "2"}]})
    );
    a.app.stop().await;
}
