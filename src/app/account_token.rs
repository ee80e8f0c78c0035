//! Enabling an account that waits for its secret (a configuration import added it without one):
//! Twilio checks an auth token with the account's SID first; an ACS connection string must be
//! for the account's endpoint. Then the store keeps it sealed.

use crate::app::Desk;
use crate::app::onboarding::AccountRefusal;
use crate::domain::AccountId;
use crate::providers::Credentials;
use crate::secrets::SecretString;
use crate::store::StoreError;
use crate::store::records::Account;
use crate::store::setup::AccountUpdate;

/// Why the token was not set; nothing was stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenRefusal {
    #[error("No such account.")]
    UnknownAccount,
    #[error("This account already has its auth token; replace it with the account's form.")]
    NotAwaiting,
    #[error("The account has no Account SID: enter it with the account's form first.")]
    NoSid,
    #[error(transparent)]
    Rejected(#[from] AccountRefusal),
    #[error("{0}")]
    Connection(String),
    #[error("This connection string is for {given}; the account's endpoint is {stored}.")]
    OtherEndpoint { given: String, stored: String },
}

impl Desk {
    /// Sets the auth token of an account waiting for it, once Twilio accepts it.
    pub async fn set_awaited_token(
        &self,
        id: AccountId,
        token: SecretString,
    ) -> Result<Result<Account, TokenRefusal>, StoreError> {
        let Some(account) = self.store().account(id).await? else {
            return Ok(Err(TokenRefusal::UnknownAccount));
        };
        if !account.awaits_token() {
            return Ok(Err(TokenRefusal::NotAwaiting));
        }
        if let Some(acs) = &account.acs {
            let given =
                match crate::app::acs::connection_endpoint(token.expose(), Some(&acs.resource)) {
                    Ok(endpoint) => endpoint,
                    Err(e) => return Ok(Err(TokenRefusal::Connection(e))),
                };
            if given != acs.endpoint {
                return Ok(Err(TokenRefusal::OtherEndpoint {
                    given,
                    stored: acs.endpoint.clone(),
                }));
            }
            let update = AccountUpdate {
                name: account.name,
                sid: None,
                auth_token: Some(token),
            };
            let saved = self.store().update_account(id, update).await?;
            return Ok(saved.map_err(|_| TokenRefusal::UnknownAccount));
        }
        let Some(sid) = account.sid.clone() else {
            return Ok(Err(TokenRefusal::NoSid));
        };
        let creds = Credentials {
            account_sid: sid.to_string(),
            auth_token: token.clone(),
        };
        if let Err(e) = self.verify_twilio_credentials(&creds).await {
            return Ok(Err(e.into()));
        }
        let update = AccountUpdate {
            name: account.name,
            sid: Some(sid),
            auth_token: Some(token),
        };
        let saved = self.store().update_account(id, update).await?;
        Ok(saved.map_err(|_| TokenRefusal::UnknownAccount))
    }
}
