//! Messaging providers behind one interface. `Provider` is what the outbox (send, and the check
//! after a send whose outcome is unknown), the media fetcher (which request fetches a customer's
//! file), Validate (the account's credentials and senders) and the webhook routes use; `Providers`
//! returns the one an account is on. Twilio (SMS and WhatsApp share its REST API), Azure
//! Communication Services (WhatsApp, `acs::provider`) and the in-process Simulator implement it; a provider added here touches neither the outbox, the store
//! nor the agent pages.

pub mod acs;
pub mod callback;
pub mod check;
pub mod simulator;
pub mod twilio;

use crate::domain::guid::Guid;
use crate::domain::language::LanguageCode;
use crate::domain::sender::SenderAddress;
use crate::domain::template_name::TemplateName;
use crate::domain::{Channel, ContentSid, MessageStatus, PhoneNumber, Timestamp};
use crate::secrets::SecretString;
use crate::store::records::{ProviderKind, SendFailure, SenderNumber};
use crate::store::setup::AccountWithToken;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub use check::{AccountCheck, CredentialsCheck, SenderVerdict};

/// What a provider's asynchronous operations return; boxed so providers can be chosen at run time.
pub type ProviderFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Twilio's credentials: the Account SID and auth token (HTTP Basic auth).
#[derive(Debug, Clone)]
pub struct Credentials {
    pub account_sid: String,
    pub auth_token: SecretString,
}

/// What makes every attempt at one message the same request for providers that deduplicate
/// repeated requests (ACS's `Repeatability-Request-ID` and `Repeatability-First-Sent`): stored
/// with the outbox job, reused by every retry.
#[derive(Debug, Clone, PartialEq)]
pub struct Repeatability {
    pub request_id: Guid,
    /// When the first attempt began.
    pub first_sent: Timestamp,
}

/// An attachment of an outbound message, served from omnidesk's signed, expiring URL.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboundMedia {
    pub url: String,
    pub content_type: String,
}

/// A WhatsApp template as a provider that sends templates by name wants it (ACS): its registered
/// name and language, and the values of its `{{1}}`, `{{2}}`… placeholders in order.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateSend {
    pub name: TemplateName,
    pub language: LanguageCode,
    pub values: Vec<String>,
}

/// One outbound message.
#[derive(Debug, Clone)]
pub struct SendRequest {
    pub channel: Channel,
    pub from: SenderAddress,
    /// The customer.
    pub to: PhoneNumber,
    /// The text (a template's rendered text).
    pub body: String,
    pub media: Vec<OutboundMedia>,
    /// Twilio's Content API template and its variables JSON; replaces `body` when set.
    pub content: Option<(ContentSid, String)>,
    /// The template this message sends, if it is one.
    pub template: Option<TemplateSend>,
    pub status_callback: Option<String>,
    pub repeatability: Repeatability,
}

/// The provider took the message.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    pub provider_id: String,
    pub status: MessageStatus,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later (429, 5xx, timeouts, connection errors).
    #[error("temporary failure: {reason}")]
    Retryable {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// The request may or may not have reached the provider (a timeout, a connection reset, an
    /// unreadable 2xx). Resending blindly could deliver the message twice: the provider is asked
    /// with `find_sent` once a request still in flight there has settled.
    #[error("outcome unknown: {0}")]
    Ambiguous(String),
    /// The provider refused the message for good.
    #[error("{}", .0.message)]
    Permanent(SendFailure),
}

/// Which already-sent message to look for after an ambiguous send.
#[derive(Debug, Clone)]
pub struct SentQuery {
    pub channel: Channel,
    pub from: SenderAddress,
    pub to: PhoneNumber,
    /// The text the provider stores for the message (the rendered template for a template).
    pub body: String,
    /// When the first attempt began: only messages created since then are ours.
    pub created_since: Timestamp,
}

/// A message the provider has, as `find_sent` reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct SentMessage {
    pub provider_id: String,
    pub status: MessageStatus,
    pub created_at: Timestamp,
}

/// What a provider answers after a send whose outcome is unknown.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// The messages it has that may be this one, oldest first (none: it does not have it).
    Found(Vec<SentMessage>),
    /// It deduplicates repeated requests itself: sending again with the same `Repeatability`
    /// cannot deliver the message twice, so that is the check.
    SendAgain,
}

/// The refusals of the media fetcher's first request, before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaAccessError {
    #[error("the account has no credentials to fetch media with")]
    NoCredentials,
    #[error("could not sign the media request: {0}")]
    Signing(String),
}

/// One messaging provider. Every method gets the account (with its secret opened) it acts for.
pub trait Provider: Send + Sync {
    fn send<'a>(
        &'a self,
        account: &'a AccountWithToken,
        request: &'a SendRequest,
    ) -> ProviderFuture<'a, Result<Accepted, SendError>>;

    /// After an ambiguous send: the messages matching `query` the provider has, from its own
    /// records (asking again is always safe), or `Lookup::SendAgain` when repeating the request
    /// is the check.
    fn find_sent<'a>(
        &'a self,
        account: &'a AccountWithToken,
        query: &'a SentQuery,
    ) -> ProviderFuture<'a, Result<Lookup, SendError>>;

    /// Whether `url` (an inbound message's media) is served by this account's provider beyond the
    /// hosts the media policy names (an endpoint of the account's own).
    fn serves_media(&self, _account: &AccountWithToken, _url: &reqwest::Url) -> bool {
        false
    }

    /// Adds the provider's credentials to the first request for an inbound media file; only
    /// called for URLs of the provider's origin, never on a redirect.
    fn authorize_media(
        &self,
        account: &AccountWithToken,
        url: &reqwest::Url,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::RequestBuilder, MediaAccessError>;

    /// Validate: checks the account's credentials, then each of its senders, with the provider.
    fn validate<'a>(
        &'a self,
        account: &'a AccountWithToken,
        senders: Vec<SenderNumber>,
    ) -> ProviderFuture<'a, AccountCheck>;
}

/// Every provider this process talks to, by the kind an account names.
#[derive(Clone)]
pub struct Providers {
    twilio: Arc<twilio::TwilioClient>,
    simulator: Arc<simulator::Simulator>,
    acs: Arc<acs::provider::AcsProvider>,
    /// Checks the Entra tokens of ACS's Event Grid deliveries (one key cache for all accounts).
    acs_tokens: acs::EntraValidator,
}

impl Providers {
    pub fn new(
        twilio: twilio::TwilioClient,
        simulator: Arc<simulator::Simulator>,
        acs: acs::provider::AcsProvider,
        acs_tokens: acs::EntraValidator,
    ) -> Self {
        Self {
            twilio: Arc::new(twilio),
            simulator,
            acs: Arc::new(acs),
            acs_tokens,
        }
    }

    /// The provider `account` is on.
    pub fn for_account(&self, account: &AccountWithToken) -> &dyn Provider {
        self.of(account.account.provider)
    }

    pub fn of(&self, kind: ProviderKind) -> &dyn Provider {
        match kind {
            ProviderKind::Twilio => self.twilio.as_ref(),
            ProviderKind::Simulator => self.simulator.as_ref(),
            ProviderKind::Acs => self.acs.as_ref(),
        }
    }

    /// Twilio's client itself: the account-token page checks a token before it is stored.
    pub fn twilio(&self) -> &twilio::TwilioClient {
        &self.twilio
    }

    pub fn simulator(&self) -> &simulator::Simulator {
        &self.simulator
    }

    /// The checker of Event Grid's delivery tokens.
    pub fn acs_tokens(&self) -> &acs::EntraValidator {
        &self.acs_tokens
    }
}

/// A WhatsApp account of `provider` without a secret, for the providers' unit tests.
#[cfg(test)]
pub(crate) fn test_account(provider: ProviderKind) -> AccountWithToken {
    use crate::domain::account::AccountName;
    use crate::domain::{AccountId, WebhookKey};
    AccountWithToken {
        account: crate::store::records::Account {
            id: AccountId::new(1),
            name: AccountName::parse("Test account").expect("a valid name"),
            channel: Channel::WhatsApp,
            provider,
            sid: None,
            auth_token: None,
            webhook_key: WebhookKey::generate(),
            created_at: Timestamp::from_millis(0),
            acs: None,
        },
        auth_token: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;

    fn account(provider: ProviderKind) -> AccountWithToken {
        test_account(provider)
    }

    fn request() -> SendRequest {
        SendRequest {
            channel: Channel::WhatsApp,
            from: PhoneNumber::parse("+15550100100").unwrap().into(),
            to: PhoneNumber::parse("+15550001234").unwrap(),
            body: "Hi".into(),
            media: Vec::new(),
            content: None,
            template: None,
            status_callback: None,
            repeatability: Repeatability {
                request_id: Guid::random(),
                first_sent: Timestamp::from_millis(0),
            },
        }
    }

    #[tokio::test]
    async fn each_account_is_served_by_the_provider_its_kind_names() {
        // Twilio's base is a closed port: a request that reached it would fail as unreachable.
        let twilio =
            twilio::TwilioClient::new("http://127.0.0.1:9", Duration::from_secs(1)).unwrap();
        let clock = Clock::manual(Timestamp::from_millis(0));
        let (simulator, _reports) = simulator::Simulator::new(clock.clone());
        let acs_client = acs::AcsClient::new(Duration::from_secs(1), clock.clone()).unwrap();
        let acs = acs::provider::AcsProvider::new(acs_client, clock.clone());
        let tokens = acs::EntraValidator::new("http://127.0.0.1:9", clock).unwrap();
        let providers = Providers::new(twilio, Arc::new(simulator), acs, tokens);
        let request = request();

        let simulated = account(ProviderKind::Simulator);
        let sent = providers
            .for_account(&simulated)
            .send(&simulated, &request)
            .await;
        assert!(sent.is_ok(), "the Simulator accepts: {sent:?}");
        assert_eq!(providers.simulator().sent(), 1);

        // A Twilio account without its token is refused by Twilio's provider before any request.
        let twilio_account = account(ProviderKind::Twilio);
        let refused = providers
            .for_account(&twilio_account)
            .send(&twilio_account, &request)
            .await;
        assert_eq!(
            refused,
            Err(SendError::Permanent(SendFailure {
                code: None,
                message: "the messaging account is disabled until its auth token is set".into(),
            }))
        );
        assert_eq!(providers.simulator().sent(), 1, "not sent by the Simulator");

        // An ACS account without its connection string is refused by the ACS provider.
        let acs = account(ProviderKind::Acs);
        let check = providers.for_account(&acs).validate(&acs, Vec::new()).await;
        assert!(
            matches!(check.credentials, CredentialsCheck::Missing(ref s) if s.contains("connection string")),
            "{check:?}"
        );
        assert_eq!(providers.simulator().sent(), 1);
    }
}
