//! `spawn_app()`: the real application on port 0 with a temp data dir, a manual clock and Twilio
//! faked by wiremock on 127.0.0.1; `TestApp` has one typed helper per endpoint.

use omnidesk::app::Desk;
use omnidesk::clock::Clock;
use omnidesk::config::Settings;
use omnidesk::domain::account::AccountName;
use omnidesk::domain::language::LanguageCode;
use omnidesk::domain::template::TemplateText;
use omnidesk::domain::template_name::TemplateName;
use omnidesk::domain::workstream::WorkstreamName;
use omnidesk::domain::{
    AccountSid, Channel, ContentSid, ConversationId, PhoneNumber, TemplateId, Timestamp,
};
use omnidesk::providers::twilio::signature;
use omnidesk::secrets::SecretString;
use omnidesk::startup::RunningApp;
use omnidesk::store::outbox::{OutboundContent, OutboundRequest, SendRefusal};
use omnidesk::store::records::{
    Account, Conversation, DistributionMode, Message, NumberKind, ProviderKind, SenderNumber,
};
use omnidesk::store::setup::{NewAccount, NewNumber};
use omnidesk::store::templates::TemplateDraft;
use omnidesk::store::workstreams::WorkstreamDraft;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tempfile::TempDir;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const WA_TOKEN: &str = "wa-auth-token-0123456789abcdef";
pub const SMS_TOKEN: &str = "sms-auth-token-0123456789abcdef";
pub const WA_SID: &str = "AC11111111111111111111111111111111";
pub const SMS_SID: &str = "AC22222222222222222222222222222222";
pub const WA_BUSINESS: &str = "+14155550199";
pub const SMS_BUSINESS: &str = "+14155550100";
pub const CUSTOMER: &str = "+14155550123";
/// 2026-01-01T09:00:00Z: tests start here and move the clock by hand.
pub const START: Timestamp = Timestamp::from_millis(1_767_258_000_000);

static SID_COUNTER: AtomicU64 = AtomicU64::new(1);

/// A fresh message SID each call.
pub fn new_sid() -> String {
    let n = SID_COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("SM{:016x}{:016x}", std::process::id(), n)
}

pub struct Fixture {
    pub wa_account: Account,
    pub sms_account: Account,
    pub wa_number: SenderNumber,
    #[allow(dead_code)]
    pub sms_number: SenderNumber,
    pub content_template: TemplateId,
    pub body_template: TemplateId,
}

pub struct TestApp {
    app: Option<RunningApp>,
    pub address: String,
    pub dir: TempDir,
    pub clock: Clock,
    pub twilio: MockServer,
    pub http: reqwest::Client,
    pub fx: Fixture,
}

pub fn settings(dir: PathBuf, twilio: &MockServer) -> Settings {
    let mut s = Settings::for_data_dir(dir);
    s.listen = "127.0.0.1:0".parse().unwrap();
    s.twilio_api_base = twilio.uri();
    s.provider_timeout_ms = 2_000;
    s.workers = 2;
    s
}

/// Answers every Messages.json POST with 201, as Twilio does.
pub async fn twilio_accepts(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path_regex(
            r"^/2010-04-01/Accounts/AC[0-9a-f]{32}/Messages\.json$",
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({
            "sid": "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "status": "queued"
        })))
        .mount(server)
        .await;
}

pub async fn spawn_app() -> TestApp {
    let twilio = MockServer::start().await;
    spawn_app_with(twilio, |_| {}).await
}

pub async fn spawn_app_with(twilio: MockServer, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_in(tempfile::tempdir().unwrap(), twilio, tweak).await
}

/// `spawn_app_with` on a data directory the test prepared (e.g. a small filesystem).
pub async fn spawn_app_in(
    dir: TempDir,
    twilio: MockServer,
    tweak: impl FnOnce(&mut Settings),
) -> TestApp {
    let clock = Clock::manual(START);
    let mut s = settings(dir.path().to_owned(), &twilio);
    tweak(&mut s);
    let app = RunningApp::start(s, clock.clone()).expect("app starts");
    let fx = seed(&app.desk).await;
    TestApp {
        address: app.address(),
        app: Some(app),
        dir,
        clock,
        twilio,
        http: reqwest::Client::new(),
        fx,
    }
}

async fn seed(desk: &Desk) -> Fixture {
    let store = desk.store();
    let now = desk.now();
    let account = |name: &str, channel, sid: &str, token: &str| NewAccount {
        name: AccountName::parse(name).unwrap(),
        channel,
        provider: ProviderKind::Twilio,
        sid: Some(AccountSid::parse(sid).unwrap()),
        auth_token: Some(SecretString::new(token)),
    };
    let wa_account = store
        .create_account(
            account("WhatsApp", Channel::WhatsApp, WA_SID, WA_TOKEN),
            now,
        )
        .await
        .unwrap()
        .unwrap();
    let sms_account = store
        .create_account(account("SMS", Channel::Sms, SMS_SID, SMS_TOKEN), now)
        .await
        .unwrap()
        .unwrap();
    let number = |account: &Account, n: &str, kind| NewNumber {
        account_id: account.id,
        number: PhoneNumber::parse(n).unwrap().into(),
        kind,
        name: "Support".into(),
        description: String::new(),
    };
    let wa_number = store
        .add_number(number(&wa_account, WA_BUSINESS, NumberKind::WhatsApp))
        .await
        .unwrap()
        .unwrap();
    let sms_number = store
        .add_number(number(&sms_account, SMS_BUSINESS, NumberKind::LongCode))
        .await
        .unwrap()
        .unwrap();
    let ws = store
        .create_workstream(WorkstreamDraft {
            name: WorkstreamName::parse("WhatsApp support").unwrap(),
            channel: Channel::WhatsApp,
            mode: DistributionMode::Push,
            fallback_queue: None,
            numbers: vec![wa_number.id],
        })
        .await
        .unwrap()
        .unwrap();
    // Customers may send files there: the media tests send them.
    store
        .save_workstream_setup(
            ws.id,
            omnidesk::store::workstreams::SetupChange::Features(
                omnidesk::domain::workstream::Attachments {
                    customers: true,
                    agents: false,
                },
            ),
        )
        .await
        .unwrap()
        .unwrap();
    let content_template = store
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
        .unwrap()
        .id;
    let body_template = store
        .create_template(TemplateDraft {
            name: TemplateName::parse("follow_up").unwrap(),
            language: LanguageCode::parse("en").unwrap(),
            text: TemplateText::parse("Hello {{1}}, can we help with anything else?").unwrap(),
            content_sid: None,
            variants: vec![],
            workstreams: vec![ws.id],
        })
        .await
        .unwrap()
        .unwrap()
        .id;
    Fixture {
        wa_account,
        sms_account,
        wa_number,
        sms_number,
        content_template,
        body_template,
    }
}

/// A WhatsApp inbound form from `CUSTOMER`.
pub fn wa_form(sid: &str, body: &str) -> Vec<(String, String)> {
    pairs(&[
        ("MessageSid", sid),
        ("SmsMessageSid", sid),
        ("AccountSid", WA_SID),
        ("From", &format!("whatsapp:{CUSTOMER}")),
        ("To", &format!("whatsapp:{WA_BUSINESS}")),
        ("Body", body),
        ("NumMedia", "0"),
        ("ProfileName", "Ana"),
        ("WaId", "14155550123"),
        ("ApiVersion", "2010-04-01"),
    ])
}

/// An SMS inbound form from `CUSTOMER`.
pub fn sms_form(sid: &str, body: &str) -> Vec<(String, String)> {
    pairs(&[
        ("MessageSid", sid),
        ("AccountSid", SMS_SID),
        ("From", CUSTOMER),
        ("To", SMS_BUSINESS),
        ("Body", body),
        ("NumMedia", "0"),
    ])
}

/// Askama's escaping of `s`, to find a message in a page.
pub fn escaped(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
}

pub fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Replaces (or adds) one field.
pub fn with(mut form: Vec<(String, String)>, key: &str, value: &str) -> Vec<(String, String)> {
    form.retain(|(k, _)| k != key);
    form.push((key.into(), value.into()));
    form
}

impl TestApp {
    pub fn app_auth(&self) -> &omnidesk::auth::AuthState {
        &self.app.as_ref().expect("app running").auth
    }

    pub fn desk(&self) -> &Desk {
        &self.app.as_ref().expect("app running").desk
    }

    pub fn inbound_url(&self, account: &Account) -> String {
        format!(
            "{}/webhooks/twilio/{}",
            self.address,
            account.webhook_key.as_str()
        )
    }

    pub fn status_url(&self, account: &Account) -> String {
        format!("{}/status", self.inbound_url(account))
    }

    /// Posts a form signed with `token` for exactly `url`.
    pub async fn post_signed(
        &self,
        url: &str,
        token: &str,
        form: &[(String, String)],
    ) -> reqwest::Response {
        let sig = signature::compute(token, url, form);
        self.http
            .post(url)
            .header("X-Twilio-Signature", sig)
            .form(form)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn post_inbound_wa(&self, form: &[(String, String)]) -> reqwest::Response {
        self.post_signed(&self.inbound_url(&self.fx.wa_account), WA_TOKEN, form)
            .await
    }

    pub async fn post_inbound_sms(&self, form: &[(String, String)]) -> reqwest::Response {
        self.post_signed(&self.inbound_url(&self.fx.sms_account), SMS_TOKEN, form)
            .await
    }

    pub async fn post_status_wa(&self, form: &[(String, String)]) -> reqwest::Response {
        self.post_signed(&self.status_url(&self.fx.wa_account), WA_TOKEN, form)
            .await
    }

    /// A customer message on WhatsApp; returns its conversation.
    pub async fn customer_writes_wa(&self, body: &str) -> Conversation {
        let sid = new_sid();
        let resp = self.post_inbound_wa(&wa_form(&sid, body)).await;
        assert_eq!(
            resp.status(),
            200,
            "{}",
            resp.text().await.unwrap_or_default()
        );
        let msg = self.message_by_sid(&sid).await.expect("stored");
        self.conversation(msg.conversation_id).await
    }

    /// A push workstream "SMS support" serving the SMS number.
    pub async fn sms_workstream(&self) -> omnidesk::domain::WorkstreamId {
        self.desk()
            .store()
            .create_workstream(WorkstreamDraft {
                name: WorkstreamName::parse("SMS support").unwrap(),
                channel: Channel::Sms,
                mode: DistributionMode::Push,
                fallback_queue: None,
                numbers: vec![self.fx.sms_number.id],
            })
            .await
            .unwrap()
            .unwrap()
            .id
    }

    pub async fn customer_writes_sms(&self, body: &str) -> Conversation {
        let sid = new_sid();
        let resp = self.post_inbound_sms(&sms_form(&sid, body)).await;
        assert_eq!(resp.status(), 200);
        let msg = self.message_by_sid(&sid).await.expect("stored");
        self.conversation(msg.conversation_id).await
    }

    pub async fn message_by_sid(&self, sid: &str) -> Option<Message> {
        self.desk()
            .store()
            .message_by_provider_id(sid.to_owned())
            .await
            .unwrap()
    }

    pub async fn conversation(&self, id: ConversationId) -> Conversation {
        self.desk()
            .store()
            .conversation(id)
            .await
            .unwrap()
            .expect("conversation")
    }

    pub async fn messages(&self, id: ConversationId) -> Vec<Message> {
        self.desk().store().messages(id).await.unwrap()
    }

    /// The thread without its system lines: what the customer and the agents wrote.
    pub async fn exchanged(&self, id: ConversationId) -> Vec<Message> {
        let mut m = self.messages(id).await;
        m.retain(|m| m.direction != omnidesk::domain::Direction::System);
        m
    }

    /// The system lines of the thread, in order.
    pub async fn system_lines(&self, id: ConversationId) -> Vec<String> {
        self.messages(id)
            .await
            .into_iter()
            .filter(|m| m.direction == omnidesk::domain::Direction::System)
            .map(|m| m.body)
            .collect()
    }

    pub async fn message_count(&self) -> u64 {
        self.desk().store().message_count().await.unwrap()
    }

    pub async fn reply(&self, id: ConversationId, text: &str) -> Result<Message, SendRefusal> {
        self.send(id, OutboundContent::Text(text.into())).await
    }

    pub async fn send(
        &self,
        id: ConversationId,
        content: OutboundContent,
    ) -> Result<Message, SendRefusal> {
        self.desk()
            .send(OutboundRequest {
                conversation_id: id,
                content,
                author: None,
                direction: omnidesk::domain::Direction::Outbound,
            })
            .await
            .expect("desk answers")
    }

    /// Requests the fake Twilio received to create messages.
    pub async fn sent_messages(&self) -> Vec<wiremock::Request> {
        self.twilio
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.url.path().ends_with("/Messages.json"))
            .collect()
    }

    pub async fn metric(&self, name: &str) -> u64 {
        let text = self
            .http
            .get(format!("{}/metrics", self.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("omnidesk_{name} ")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("metric {name} missing"))
    }

    /// Stops the app and starts it again on the same data dir, with the clock at `now`.
    pub async fn restart(&mut self, tweak: impl FnOnce(&mut Settings)) {
        if let Some(app) = self.app.take() {
            app.stop().await;
        }
        let mut s = settings(self.dir.path().to_owned(), &self.twilio);
        tweak(&mut s);
        let app = RunningApp::start(s, self.clock.clone()).expect("app restarts");
        self.address = app.address();
        self.app = Some(app);
    }

    /// Stops the app; the data directory lives as long as the returned handle.
    pub async fn stop(mut self) -> TempDir {
        if let Some(app) = self.app.take() {
            app.stop().await;
        }
        self.dir
    }
}

/// Form fields of a captured request.
pub fn form_of(req: &wiremock::Request) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(&req.body).unwrap()
}

pub fn field(form: &[(String, String)], key: &str) -> Option<String> {
    form.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

/// Polls `check` until it returns Some, for at most 10 s of real time.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
