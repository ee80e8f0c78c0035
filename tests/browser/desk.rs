//! A WhatsApp desk for agent tests: a Twilio account on a fake Twilio that accepts every send, its
//! number serving a push workstream with a template, and one agent in it; customers write through
//! the signed webhook.

use crate::harness::*;
use fantoccini::{Client, Locator};
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

pub const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "agent-flow-token-0123456789";
pub const AGENT: &str = "agnes@example.com";
/// The message SID the fake Twilio answers every send with.
pub const SENT_SID: &str = "SM11111111111111111111111111111111";

pub struct WhatsAppDesk {
    pub app: RunningApp,
    pub twilio: MockServer,
    pub clock: Clock,
    /// `/webhooks/twilio/{key}` on the app.
    pub inbound: String,
    _dir: tempfile::TempDir,
}

impl WhatsAppDesk {
    pub async fn start() -> Self {
        let twilio = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path_regex(r"/Messages\.json$"))
            .respond_with(
                ResponseTemplate::new(201)
                    .set_body_json(serde_json::json!({"sid": SENT_SID, "status": "queued"})),
            )
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
                variables: vec![],
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
        let inbound = format!(
            "{}/webhooks/twilio/{}",
            app.address(),
            account.webhook_key.as_str()
        );
        Self {
            app,
            twilio,
            clock,
            inbound,
            _dir: dir,
        }
    }

    /// A signed webhook to `url` (the inbound URL or its `/status`).
    pub async fn post_signed(&self, url: &str, form: &[(&str, &str)]) -> reqwest::StatusCode {
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

    /// Customer `from` (E.164) named `name` writes `body` as message `sid`.
    pub async fn customer_writes(&self, sid: &str, from: &str, name: &str, body: &str) {
        let from = format!("whatsapp:{from}");
        let status = self
            .post_signed(
                &self.inbound,
                &[
                    ("MessageSid", sid),
                    ("AccountSid", SID),
                    ("From", &from),
                    ("To", "whatsapp:+14155550199"),
                    ("Body", body),
                    ("ProfileName", name),
                ],
            )
            .await;
        assert_eq!(status, 200, "the webhook took the message");
    }

    /// Signs the agent in with a browser.
    pub async fn agent_tour(&self, client: Client, test: &str) -> Tour {
        self.tour_as(client, test, AGENT).await
    }

    /// Adds another agent (named `name`, not a member of the workstream) who signs in with the
    /// same password.
    pub async fn add_agent(&self, email: &str, name: &str) -> omnidesk::domain::UserId {
        let store = self.app.desk.store();
        store
            .add_user(
                NewUser {
                    email: Email::parse(email).unwrap(),
                    name: name.into(),
                    role: Role::Agent,
                    password_hash: omnidesk::auth::password::hash_now(ADMIN_PASSWORD).unwrap(),
                    capacity: 3,
                    languages: vec!["en".into()],
                },
                self.app.desk.now(),
            )
            .await
            .unwrap()
            .unwrap()
            .id
    }

    /// Signs `email` in with a browser.
    pub async fn tour_as(&self, client: Client, test: &str, email: &str) -> Tour {
        let mut tour = Tour::new(client, self.app.address(), test);
        tour.visit("/login", "login").await;
        tour.fill("email", email).await;
        tour.fill("password", ADMIN_PASSWORD).await;
        tour.submit("dashboard-empty").await;
        tour
    }
}

/// Polls the page's script `check` (returning true or false) until it holds, for up to 10 s.
pub async fn until(tour: &Tour, what: &str, check: &str) {
    for _ in 0..100 {
        let held = tour
            .client
            .execute(check, vec![])
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if held {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for: {what} ({})", tour.url().await);
}

/// Clicks the button whose text is `label`, inside `scope` (a CSS selector).
pub async fn click_button(tour: &Tour, scope: &str, label: &str) {
    let buttons = tour
        .client
        .find_all(Locator::Css(&format!("{scope} button")))
        .await
        .unwrap();
    for b in buttons {
        if b.text().await.unwrap_or_default().trim() == label {
            b.click().await.unwrap();
            return;
        }
    }
    panic!("no button {label:?} in {scope}");
}
