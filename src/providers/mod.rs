//! Messaging providers behind one trait. Twilio (SMS and WhatsApp share its REST API) and the
//! in-process Simulator implement it; the outbox dispatcher picks one per account.

pub mod simulator;
pub mod twilio;

use crate::domain::{Address, ContentSid, MessageStatus};
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
    /// The provider refused the message for good.
    #[error("{}", .0.message)]
    Permanent(SendFailure),
}

pub trait Provider {
    fn send(
        &self,
        credentials: &Credentials,
        request: &SendRequest,
    ) -> impl Future<Output = Result<Accepted, SendError>> + Send;
}
