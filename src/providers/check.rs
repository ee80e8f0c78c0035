//! What "Validate" found about an account, in words any provider can fill: its credentials, then
//! each of its senders. The admin pages show these sentences as they are.

use crate::store::records::SenderNumber;

/// What the provider says about an account's credentials; each case carries its sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialsCheck {
    Accepted(String),
    Refused(String),
    /// The account has no secret stored (it waits for one).
    Missing(String),
    /// The provider needs none (the Simulator).
    NotNeeded(String),
}

/// What the provider says about one sender of the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SenderVerdict {
    /// The provider has it.
    Confirmed,
    /// It may work, but the admin should look: the sentence says what to check.
    Warning(String),
    /// It cannot work as configured: the sentence says why and what to do.
    Refused(String),
    /// Nothing to check.
    NotChecked,
}

/// An account's whole check: its credentials, then each of its senders.
#[derive(Debug, Clone)]
pub struct AccountCheck {
    pub credentials: CredentialsCheck,
    pub numbers: Vec<(SenderNumber, SenderVerdict)>,
    /// How the page introduces the confirmed senders ("Listed on the Twilio account").
    pub confirmed_label: &'static str,
}

impl AccountCheck {
    /// Ready to take messages: the credentials are good and no sender was refused.
    pub fn is_ready(&self) -> bool {
        matches!(
            self.credentials,
            CredentialsCheck::Accepted(_) | CredentialsCheck::NotNeeded(_)
        ) && !self
            .numbers
            .iter()
            .any(|(_, v)| matches!(v, SenderVerdict::Refused(_)))
    }

    /// A check that stopped at the credentials: no sender was asked about.
    pub fn credentials_only(credentials: CredentialsCheck, confirmed_label: &'static str) -> Self {
        Self {
            credentials,
            numbers: Vec::new(),
            confirmed_label,
        }
    }
}
