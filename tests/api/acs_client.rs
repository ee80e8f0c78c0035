//! The ACS client against the strict fake ACS (`providers::acs::fake`): every kind of send,
//! template mapping, idempotent retries under one Repeatability-Request-ID, 429/5xx/permanent
//! answers, template paging and the media size limit.

use omnidesk::clock::Clock;
use omnidesk::domain::language::LanguageCode;
use omnidesk::domain::template_name::TemplateName;
use omnidesk::domain::{MessageStatus, PhoneNumber, Timestamp};
use omnidesk::providers::SendError;
use omnidesk::providers::acs::AcsClient;
use omnidesk::providers::acs::connection::Endpoint;
use omnidesk::providers::acs::fake::{Failure, FakeAcs};
use omnidesk::providers::acs::fetch::{FetchError, TemplateStatus};
use omnidesk::providers::acs::ids::{ChannelId, MediaId, RepeatabilityId};
use omnidesk::providers::acs::send::{Content, MediaUri, Outbound, Repeatability, TemplateMessage};
use serde_json::{Value, json};
use std::time::Duration;

pub const CHANNEL: &str = "0f0eb78e-a576-1dfc-b414-0f0756de3338";
pub const START: Timestamp = Timestamp::from_millis(1_764_000_000_000);

pub struct Acs {
    pub fake: FakeAcs,
    pub clock: Clock,
    pub client: AcsClient,
}

pub async fn acs() -> Acs {
    let clock = Clock::manual(START);
    let fake = FakeAcs::start(clock.clone()).await;
    fake.add_channel(CHANNEL, vec![]);
    let client = AcsClient::new(Duration::from_secs(5), clock.clone()).unwrap();
    Acs {
        fake,
        clock,
        client,
    }
}

fn message(seed: &str, content: Content, first_sent: Timestamp) -> Outbound {
    Outbound {
        channel: ChannelId::parse(CHANNEL).unwrap(),
        to: PhoneNumber::parse("+14250000000").unwrap(),
        content,
        repeatability: Repeatability {
            request_id: RepeatabilityId::derive(seed.as_bytes()),
            first_sent,
        },
    }
}

fn text(seed: &str, first_sent: Timestamp) -> Outbound {
    message(
        seed,
        Content::Text {
            content: format!("hello {seed}"),
        },
        first_sent,
    )
}

fn uri() -> MediaUri {
    MediaUri::parse("https://desk.example/media/1?exp=1&sig=abc").unwrap()
}

#[tokio::test]
async fn every_kind_is_accepted_by_the_strict_fake_and_answers_its_message_id() {
    let a = acs().await;
    let cs = a.fake.connection_string();
    let kinds = [
        Content::Text {
            content: "Olá 😀".into(),
        },
        Content::Image {
            media_uri: uri(),
            caption: Some("a photo".into()),
        },
        Content::Document {
            media_uri: uri(),
            caption: None,
            file_name: Some("invoice.pdf".into()),
        },
        Content::Video {
            media_uri: uri(),
            caption: Some("a clip".into()),
        },
        Content::Audio { media_uri: uri() },
        Content::Template(TemplateMessage {
            name: TemplateName::parse("order_update").unwrap(),
            language: LanguageCode::parse("en_US").unwrap(),
            values: vec!["Ana".into(), "A-17".into()],
        }),
    ];
    for (i, content) in kinds.into_iter().enumerate() {
        let accepted = a
            .client
            .send(&cs, &message(&format!("m{i}"), content, a.clock.now()))
            .await
            .unwrap_or_else(|e| panic!("kind {i}: {e}; {:?}", a.fake.received().last()));
        assert_eq!(accepted.status, MessageStatus::Queued);
        assert_eq!(accepted.provider_id, a.fake.delivered()[i].message_id);
    }
    let delivered = a.fake.delivered();
    let kinds: Vec<&str> = delivered
        .iter()
        .map(|d| d.body["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["text", "image", "document", "video", "audio", "template"]
    );
    assert!(
        delivered
            .iter()
            .all(|d| d.body["to"] == json!(["14250000000"]))
    );
    assert_eq!(
        delivered[5].body["template"]["bindings"],
        json!({"kind": "whatsApp", "body": [{"refValue": "1"}, {"refValue": "2"}]})
    );
    assert_eq!(
        delivered[5].body["template"]["values"][1],
        json!({"name": "2", "kind": "text", "text": "A-17"})
    );
    assert!(a.fake.received().iter().all(|r| r.status == 202));
}

#[tokio::test]
async fn a_wrong_key_or_a_tampered_body_is_refused_with_acs_error() {
    let a = acs().await;
    let wrong = omnidesk::providers::acs::ConnectionString::parse(&format!(
        "endpoint={}/;accesskey=d3Jvbmcga2V5",
        a.fake.uri()
    ))
    .unwrap();
    let err = a
        .client
        .send(&wrong, &text("m1", a.clock.now()))
        .await
        .unwrap_err();
    let SendError::Permanent(f) = err else {
        panic!("{err:?}")
    };
    assert!(f.message.starts_with("Denied: "), "{}", f.message);
    assert!(a.fake.delivered().is_empty());
    let err = a
        .client
        .list_templates(&wrong, &ChannelId::parse(CHANNEL).unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Unauthorized(_)), "{err:?}");
}

#[tokio::test]
async fn a_retry_after_a_timeout_under_the_same_request_id_is_not_delivered_twice() {
    let a = acs().await;
    let cs = a.fake.connection_string();
    let impatient = AcsClient::new(Duration::from_millis(200), a.clock.clone()).unwrap();
    a.fake
        .fail_next([Failure::AnswerAfter(Duration::from_secs(2))]);
    let first_sent = a.clock.now();
    let m = text("m1", first_sent);
    let err = impatient.send(&cs, &m).await.unwrap_err();
    assert!(matches!(err, SendError::Ambiguous(_)), "{err:?}");
    a.clock.advance(Duration::from_secs(60));
    let accepted = a.client.send(&cs, &m).await.unwrap();
    let delivered = a.fake.delivered();
    assert_eq!(delivered.len(), 1, "one delivery for two attempts");
    assert_eq!(accepted.provider_id, delivered[0].message_id);
    let received = a.fake.received();
    assert_eq!(received.len(), 2);
    assert!(received.iter().all(|r| {
        r.repeatability_id.as_deref() == Some(m.repeatability.request_id.as_str())
            && r.first_sent.as_deref() == Some("Mon, 24 Nov 2025 16:00:00 GMT")
    }));
}

#[tokio::test]
async fn a_repeat_acs_no_longer_tracks_or_that_differs_is_rejected_and_fails_the_message() {
    let a = acs().await;
    let cs = a.fake.connection_string();
    let m = text("m1", a.clock.now());
    a.client.send(&cs, &m).await.unwrap();
    let mut changed = m.clone();
    changed.content = Content::Text {
        content: "another text".into(),
    };
    let err = a.client.send(&cs, &changed).await.unwrap_err();
    assert!(
        matches!(&err, SendError::Permanent(f) if f.message.contains("refused to repeat")),
        "{err:?}"
    );
    a.clock.advance(Duration::from_secs(6 * 60));
    let err = a.client.send(&cs, &m).await.unwrap_err();
    assert!(
        matches!(&err, SendError::Permanent(f) if f.message.contains("5 minutes")),
        "{err:?}"
    );
    assert_eq!(a.fake.delivered().len(), 1);
}

#[tokio::test]
async fn throttling_and_server_errors_are_retryable_and_honour_retry_after() {
    let a = acs().await;
    let cs = a.fake.connection_string();
    a.fake.fail_next([
        Failure::TooManyRequests {
            retry_after_secs: 17,
        },
        Failure::ServerError,
    ]);
    let m = text("m1", a.clock.now());
    let err = a.client.send(&cs, &m).await.unwrap_err();
    assert_eq!(
        err,
        SendError::Retryable {
            reason: "ACS answered 429: TooManyRequests: Rate limit exceeded.".into(),
            retry_after: Some(Duration::from_secs(17)),
        }
    );
    let err = a.client.send(&cs, &m).await.unwrap_err();
    assert!(
        matches!(
            &err,
            SendError::Retryable {
                retry_after: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(a.fake.delivered().is_empty());
    a.client.send(&cs, &m).await.unwrap();
    let delivered = a.fake.delivered();
    assert_eq!(delivered.len(), 1);
    assert_eq!(
        delivered[0].repeatability_id.as_deref(),
        Some(m.repeatability.request_id.as_str())
    );
}

#[tokio::test]
async fn a_permanent_refusal_carries_acs_code_and_message() {
    let a = acs().await;
    let cs = a.fake.connection_string();
    a.fake.fail_next([Failure::Permanent {
        status: 400,
        code: "InvalidRecipient".into(),
        message: "The recipient is not on WhatsApp.".into(),
    }]);
    let err = a
        .client
        .send(&cs, &text("m1", a.clock.now()))
        .await
        .unwrap_err();
    let SendError::Permanent(f) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        f.message,
        "InvalidRecipient: The recipient is not on WhatsApp."
    );
}

#[tokio::test]
async fn nothing_listening_is_retryable_because_nothing_was_sent() {
    let a = acs().await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let client = a
        .client
        .clone()
        .with_endpoint(Endpoint::parse(&format!("http://{closed}")).unwrap());
    let err = client
        .send(&a.fake.connection_string(), &text("m1", a.clock.now()))
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Retryable { .. }), "{err:?}");
}

fn template(name: &str, status: &str) -> Value {
    json!({"name": name, "language": "en_US", "status": status, "kind": "whatsApp",
           "content": {"components": [{"type": "BODY", "text": "Hi {{1}}"}]}})
}

#[tokio::test]
async fn templates_are_listed_across_pages_and_unreadable_ones_counted() {
    let a = acs().await;
    let mut all: Vec<Value> = (0..5)
        .map(|i| template(&format!("t_{i}"), "approved"))
        .collect();
    all.push(template("Bad Name", "approved"));
    all.push(template("t_paused", "paused"));
    a.fake.add_channel(CHANNEL, all);
    a.fake.set_page_size(2);
    let list = a
        .client
        .list_templates(
            &a.fake.connection_string(),
            &ChannelId::parse(CHANNEL).unwrap(),
        )
        .await
        .unwrap();
    let names: Vec<&str> = list.templates.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["t_0", "t_1", "t_2", "t_3", "t_4", "t_paused"]);
    assert_eq!(list.unreadable, 1);
    assert_eq!(list.templates[5].status, TemplateStatus::Paused);
    assert_eq!(
        list.templates[0].content["components"][0]["text"],
        "Hi {{1}}"
    );
    let pages = a.fake.received();
    assert_eq!(pages.len(), 4, "2 + 2 + 2 + 1");
    assert!(pages[3].path_and_query.contains("skipToken=6"), "{pages:?}");
    let err = a
        .client
        .list_templates(
            &a.fake.connection_string(),
            &ChannelId::parse("11111111-2222-4333-8444-555555555555").unwrap(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::NotFound(_)), "{err:?}");
}

#[tokio::test]
async fn media_is_downloaded_with_its_type_and_refused_past_the_limit() {
    let a = acs().await;
    let cs = a.fake.connection_string();
    let id = MediaId::parse("d19e68ec-bdd6-4a50-8dfb-cbb1642df6ab").unwrap();
    a.fake.add_media(id.as_str(), "image/jpeg", vec![7u8; 1000]);
    let media = a.client.download_media(&cs, &id, 1000).await.unwrap();
    assert_eq!(media.bytes, vec![7u8; 1000]);
    assert_eq!(media.content_type.as_deref(), Some("image/jpeg"));
    assert_eq!(
        a.client.download_media(&cs, &id, 999).await,
        Err(FetchError::TooLarge(999))
    );
    let missing = MediaId::parse("nope").unwrap();
    assert!(matches!(
        a.client.download_media(&cs, &missing, 1000).await,
        Err(FetchError::NotFound(_))
    ));
}
