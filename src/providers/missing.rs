//! The stand-in for a provider this build has no client for: every send ends failed and Validate
//! says why, so accounts of that kind can be set up but never pretend to work.

use super::check::{AccountCheck, CredentialsCheck};
use super::{
    Accepted, Lookup, MediaAccessError, Provider, ProviderFuture, SendError, SendRequest, SentQuery,
};
use crate::store::records::{SendFailure, SenderNumber};
use crate::store::setup::AccountWithToken;

pub struct Missing {
    /// The provider's name, for the messages.
    pub name: &'static str,
}

impl Missing {
    fn reason(&self) -> String {
        format!("this omnidesk cannot talk to {} yet", self.name)
    }
}

impl Provider for Missing {
    fn send<'a>(
        &'a self,
        _account: &'a AccountWithToken,
        _request: &'a SendRequest,
    ) -> ProviderFuture<'a, Result<Accepted, SendError>> {
        let failure = SendFailure {
            code: None,
            message: self.reason(),
        };
        Box::pin(async move { Err(SendError::Permanent(failure)) })
    }

    fn find_sent<'a>(
        &'a self,
        _account: &'a AccountWithToken,
        _query: &'a SentQuery,
    ) -> ProviderFuture<'a, Result<Lookup, SendError>> {
        Box::pin(async move { Ok(Lookup::Found(Vec::new())) })
    }

    fn authorize_media(
        &self,
        _account: &AccountWithToken,
        _url: &reqwest::Url,
        _request: reqwest::RequestBuilder,
    ) -> Result<reqwest::RequestBuilder, MediaAccessError> {
        Err(MediaAccessError::Signing(self.reason()))
    }

    fn validate<'a>(
        &'a self,
        _account: &'a AccountWithToken,
        _senders: Vec<SenderNumber>,
    ) -> ProviderFuture<'a, AccountCheck> {
        let check = AccountCheck::credentials_only(
            CredentialsCheck::Refused(format!("{}.", self.reason())),
            "Checked",
        );
        Box::pin(async move { check })
    }
}
