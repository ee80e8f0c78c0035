//! Admin use cases that need more than one store write: checking a provider account's
//! credentials with the provider.

use crate::app::Desk;
use crate::providers::Credentials;
use crate::providers::twilio::client::{AccountInfo, FetchError};

impl Desk {
    /// Asks Twilio whether `creds` are good (GET /2010-04-01/Accounts/{Sid}.json).
    pub async fn check_twilio_account(
        &self,
        creds: &Credentials,
    ) -> Result<AccountInfo, FetchError> {
        self.twilio.fetch_account(creds).await
    }
}
