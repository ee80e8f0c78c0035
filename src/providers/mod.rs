//! Messaging providers behind one trait. Twilio (SMS and WhatsApp share its REST API) and the
//! in-process Simulator implement it; the outbox dispatcher picks one per account.

pub mod acs;
pub mod callback;
pub mod simulator;
pub mod twilio;

use crate::domain::{Address, ContentSid, MessageStatus, Timestamp};
use crate::secrets::SecretString;
use crate::store::records::SendFailure;
use std::future::Future;
use std::time::Duration;

/// Credentials of one account as the provider wants them.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub account_sid: String,
    pub auth_token: SecretString,
}

/// One outbound message.
#[derive(Debug, Clone)]
pub struct SendRequest {
    pub from: Address,
    pub to: Address,
    pub body: String,
    pub media_urls: Vec<String>,
    /// Content API template and its variables JSON; replaces `body` when set.
    pub content: Option<(ContentSid, String)>,
    pub status_callback: Option<String>,
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
    pub from: Address,
    pub to: Address,
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

pub trait Provider {
    fn send(
        &self,
        credentials: &Credentials,
        request: &SendRequest,
    ) -> impl Future<Output = Result<Accepted, SendError>> + Send;

    /// The messages matching `query` that the provider has, oldest first. Answers from the
    /// provider's own records, so asking again is always safe. (A provider with repeatable
    /// requests, as ACS will be, can answer by repeating the send under its original request id.)
    fn find_sent(
        &self,
        credentials: &Credentials,
        query: &SentQuery,
    ) -> impl Future<Output = Result<Vec<SentMessage>, SendError>> + Send;
}
