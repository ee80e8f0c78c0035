//! An agent works a WhatsApp conversation in a real browser: offer, accept, reply, delivery
//! tick, the 24-hour switch to templates, a template send.

use crate::harness::*;
use fantoccini::Locator;
use omnidesk::clock::Clock;
use omnidesk::config::Settings;
use omnidesk::domain::account::AccountName;
use omnidesk::domain::language::LanguageCode;
use omnidesk::domain::template::TemplateText;
use omnidesk::domain::template_name::TemplateName;
use omnidesk::domain::user::{Email, Role};
use omnidesk::domain::workstream::WorkstreamName;
use omnidesk::domain::{AccountSid, Channel, ContentSid, PhoneNumber, Timestamp};
use omnidesk::providers::twilio::signature;
use omnidesk::secrets::SecretString;
use omnidesk::startup::RunningApp;
use omnidesk::store::records::{DistributionMode, NumberKind, ProviderKind};
use omnidesk::store::setup::{NewAccount, NewNumber};
use omnidesk::store::templates::TemplateDraft;
use omnidesk::store::users::NewUser;
use omnidesk::store::workstreams::WorkstreamDraft;
use std::time::Duration;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "agent-flow-token-0123456789";
const AGENT: &str = "agnes@example.com";

async fn post_signed(url: &str, form: &[(&str, &str)]) -> reqwest::StatusCode {
    let pairs: Vec<(String, String)> = form
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    reqwest::Client::new()
        .post(url)
        .header("X-Twilio-Signature", signature::compute(TOKEN, url, &pairs))
        .form(&pairs)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_accepts_an_offer_replies_sees_delivery_and_sends_a_template_after_24_hours() {
    let Some(driver) = chromedriver() else { return };
    let twilio = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex(r"/Messages\.json$"))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            serde_json::json!({"sid": "SM11111111111111111111111111111111", "status": "queued"}),
        ))
        .mount(&twilio)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let mut s = Settings::for_data_dir(dir.path().to_owned());
    s.listen = "127.0.0.1:0".parse().unwrap();
    s.twilio_api_base = twilio.uri();
    let clock = Clock::manual(Timestamp::from_millis(1_767_258_000_000));
    let app = RunningApp::start(s, clock.clone()).expect("app starts");
    let store = app.desk.store().clone();
    let now = app.desk.now();
    let account = store
        .create_account(
            NewAccount {
                name: AccountName::parse("WhatsApp").unwrap(),
                channel: Channel::WhatsApp,
                provider: ProviderKind::Twilio,
                sid: Some(AccountSid::parse(SID).unwrap()),
                auth_token: Some(SecretString::new(TOKEN)),
            },
            now,
        )
        .await
        .unwrap()
        .unwrap();
    let number = store
        .add_number(NewNumber {
            account_id: account.id,
            number: PhoneNumber::parse("+14155550199").unwrap().into(),
            kind: NumberKind::WhatsApp,
            name: "Support".into(),
            description: String::new(),
        })
        .await
        .unwrap()
        .unwrap();
    let ws = store
        .create_workstream(WorkstreamDraft {
            name: WorkstreamName::parse("WhatsApp support").unwrap(),
            channel: Channel::WhatsApp,
            mode: DistributionMode::Push,
            fallback_queue: None,
            numbers: vec![number.id],
        })
        .await
        .unwrap()
        .unwrap();
    store
        .create_template(TemplateDraft {
            name: TemplateName::parse("order_update").unwrap(),
            language: LanguageCode::parse("en").unwrap(),
            text: TemplateText::parse("Hi {{1}}, your order {{2}} has shipped.").unwrap(),
            content_sid: Some(ContentSid::parse("HXb5b62575e6e4ff6129ad7c8efe1f983e").unwrap()),
            variants: vec![],
            workstreams: vec![ws.id],
        })
        .await
        .unwrap()
        .unwrap();
    let agent = store
        .add_user(
            NewUser {
                email: Email::parse(AGENT).unwrap(),
                name: "Agnes".into(),
                role: Role::Agent,
                password_hash: omnidesk::auth::password::hash_now(ADMIN_PASSWORD).unwrap(),
                capacity: 3,
                languages: vec!["en".into()],
            },
            now,
        )
        .await
        .unwrap()
        .unwrap();
    store.set_members(ws.id, vec![agent.id]).await.unwrap();
    drop(store);

    let client = browser(&driver).await;
    let mut tour = Tour::new(client, app.address(), "agent-flow");
    tour.visit("/login", "login").await;
    tour.fill("email", AGENT).await;
    tour.fill("password", ADMIN_PASSWORD).await;
    tour.submit("dashboard-empty").await;

    let inbound = format!(
        "{}/webhooks/twilio/{}",
        app.address(),
        account.webhook_key.as_str()
    );
    let status = post_signed(
        &inbound,
        &[
            ("MessageSid", "SM22222222222222222222222222222222"),
            ("AccountSid", SID),
            ("From", "whatsapp:+14155550123"),
            ("To", "whatsapp:+14155550199"),
            ("Body", "Hello, where is my order?"),
            ("ProfileName", "Ana"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let mut offered = false;
    for _ in 0..50 {
        tour.client
            .goto(&format!("{}/agent", app.address()))
            .await
            .unwrap();
        if tour.text().await.contains("Incoming") {
            offered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(offered, "the offer shows on the dashboard");
    tour.screenshot("offer").await;
    tour.client
        .find(Locator::XPath("//button[normalize-space()='Accept']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tour.screenshot("accepted-panel").await;
    assert!(
        tour.url().await.contains("/agent/conversations/"),
        "{}",
        tour.url().await
    );

    tour.fill("body", "Hi Ana, let me check that for you.")
        .await;
    tour.client
        .find(Locator::Css("form.compose-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tour.screenshot("reply-queued").await;
    let mut sent = false;
    for _ in 0..50 {
        if app
            .desk
            .store()
            .message_by_provider_id("SM11111111111111111111111111111111".into())
            .await
            .unwrap()
            .is_some()
        {
            sent = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(sent, "the reply reached the fake Twilio");
    let status_url = format!("{inbound}/status");
    assert_eq!(
        post_signed(
            &status_url,
            &[
                ("MessageSid", "SM11111111111111111111111111111111"),
                ("MessageStatus", "delivered"),
                ("AccountSid", SID),
            ]
        )
        .await,
        200
    );
    tour.client.refresh().await.unwrap();
    tour.screenshot("reply-delivered").await;
    assert!(tour.text().await.to_lowercase().contains("delivered"));

    // 24 hours pass, with the agent active in between (sessions end after 12 idle hours).
    for _ in 0..3 {
        clock.advance(Duration::from_secs(8 * 3600 + 1));
        tour.client.refresh().await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    tour.client.refresh().await.unwrap();
    tour.screenshot("window-expired").await;
    assert!(
        tour.text().await.contains(
            "This conversation has exceeded the 24 hour limit to respond to the customer."
        )
    );
    tour.fill("value_1", "Ana").await;
    tour.fill("value_2", "#4417").await;
    tour.client
        .find(Locator::Css("form.template-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tour.screenshot("template-sent").await;
    let mut with_content = false;
    for _ in 0..50 {
        let reqs = twilio.received_requests().await.unwrap_or_default();
        if reqs.iter().any(|r| {
            String::from_utf8_lossy(&r.body)
                .contains("ContentSid=HXb5b62575e6e4ff6129ad7c8efe1f983e")
        }) {
            with_content = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(with_content, "the template went out with its Content SID");

    // End: the thread says so and wrap-up offers Close; Close lists it under closed today.
    tour.client
        .find(Locator::XPath(
            "//button[normalize-space()='End conversation']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tour.screenshot("wrap-up").await;
    let wrap_up = tour.text().await;
    assert!(
        wrap_up.contains("ended the conversation; wrap-up."),
        "the thread has the system line: {wrap_up}"
    );
    assert!(wrap_up.contains("Assigned to"), "{wrap_up}");
    tour.client
        .find(Locator::XPath("//button[normalize-space()='Close']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tour.screenshot("closed-today").await;
    let dashboard = tour.text().await;
    let closed = dashboard
        .split("Closed work items")
        .nth(1)
        .unwrap_or_default();
    assert!(
        closed.contains("+14155550123"),
        "closed today lists the conversation: {dashboard}"
    );
    tour.client.close().await.unwrap();
    app.stop().await;
}
