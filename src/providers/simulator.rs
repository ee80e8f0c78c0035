//! The Simulator provider: accepts every message inside the process and reports it delivered, so
//! omnidesk can be tried (and demoed) without a provider account.

use super::{Accepted, Credentials, Provider, SendError, SendRequest};
use crate::domain::MessageStatus;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub struct Simulator {
    sent: AtomicU64,
}

impl Simulator {
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}

impl Provider for Simulator {
    async fn send(
        &self,
        _credentials: &Credentials,
        _request: &SendRequest,
    ) -> Result<Accepted, SendError> {
        self.sent.fetch_add(1, Ordering::Relaxed);
        let mut id = [0u8; 16];
        crate::secrets::fill_random(&mut id);
        Ok(Accepted {
            provider_id: format!("SM{}", hex::encode(id)),
            status: MessageStatus::Delivered,
        })
    }
}
