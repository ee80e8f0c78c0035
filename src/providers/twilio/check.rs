//! Twilio's Validate: the credentials (`GET /2010-04-01/Accounts/{Sid}.json`, active accounts
//! only), then each number (listed on the account), in Twilio's words with what to do about it.

use super::TwilioClient;
use super::client::{AccountInfo, AccountStatus, FetchError};
use super::numbers::Listing;
use crate::domain::PhoneNumber;
use crate::providers::check::{AccountCheck, CredentialsCheck, SenderVerdict};
use crate::providers::{Credentials, ProviderFuture};
use crate::store::records::{NumberKind, SenderNumber};
use crate::store::setup::AccountWithToken;

/// How the admin pages introduce the numbers Twilio listed.
pub const CONFIRMED_LABEL: &str = "Listed on the Twilio account";

/// Why Twilio's answer about an account means omnidesk cannot use it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountRefusal {
    #[error(
        "Twilio refused the Account SID and Auth token: check both in the Twilio console \
         (Account info on the console's home page) and enter them again."
    )]
    Unauthorized,
    #[error("Twilio does not know the account {0}: check the Account SID in the Twilio console.")]
    UnknownAccount(String),
    #[error(
        "Twilio accepted the credentials, but the account is not active (Status: {}. Type: {}.): \
         reactivate it in the Twilio console, or use another account.",
        .0.status,
        .0.kind
    )]
    NotActive(AccountInfo),
    #[error("{0} Try again, or check the network between omnidesk and Twilio.")]
    Unreachable(String),
    #[error("{0}")]
    Refused(FetchError),
}

impl AccountRefusal {
    fn of(e: FetchError, sid: &str) -> Self {
        match e {
            FetchError::Unauthorized => Self::Unauthorized,
            FetchError::Refused { status: 404, .. } => Self::UnknownAccount(sid.to_owned()),
            FetchError::Unreachable(why) => Self::Unreachable(why),
            e @ FetchError::Refused { .. } => Self::Refused(e),
        }
    }
}

/// What Twilio says about one number of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberVerdict {
    /// The account has the number.
    Listed,
    /// A long code, toll-free number or short code the account does not have: refused.
    NotOnAccount,
    /// A WhatsApp sender Twilio does not list among the account's phone numbers: it may still
    /// be a sender registered with a number from elsewhere, so only a warning.
    UnlistedSender,
    /// Simulator accounts have nothing to check.
    NotChecked,
    /// Twilio could not be asked.
    Failed(AccountRefusal),
}

impl NumberVerdict {
    fn of(listing: Listing, kind: NumberKind) -> Self {
        match (listing, kind) {
            (Listing::Listed, _) => Self::Listed,
            (Listing::NotListed, NumberKind::WhatsApp) => Self::UnlistedSender,
            (Listing::NotListed, _) => Self::NotOnAccount,
        }
    }

    /// Refusals stop a number from being added and an account from being called ready.
    pub fn is_refusal(&self) -> bool {
        matches!(self, Self::NotOnAccount | Self::Failed(_))
    }

    /// What the admin reads about `number`, with what to do when something is wrong.
    pub fn sentence(&self, number: &impl std::fmt::Display) -> String {
        match self {
            Self::Listed => format!("{number}: listed on the Twilio account."),
            Self::NotOnAccount => format!(
                "Twilio does not list {number} among this account's numbers: check the number, \
                 or buy or port it into this Twilio account first (Phone Numbers → Manage → \
                 Active numbers in the Twilio console)."
            ),
            Self::UnlistedSender => format!(
                "Twilio does not list {number} among this account's phone numbers. That is fine \
                 for a WhatsApp sender registered with a number from elsewhere: check that it is \
                 an approved WhatsApp sender of this account (Messaging → Senders → WhatsApp \
                 senders in the Twilio console)."
            ),
            Self::NotChecked => format!("{number}: nothing to check (Simulator)."),
            Self::Failed(e) => format!("{number} could not be checked: {e}"),
        }
    }

    /// The same verdict in any provider's words.
    pub fn neutral(&self, number: &impl std::fmt::Display) -> SenderVerdict {
        match self {
            Self::Listed => SenderVerdict::Confirmed,
            Self::NotChecked => SenderVerdict::NotChecked,
            Self::UnlistedSender => SenderVerdict::Warning(self.sentence(number)),
            Self::NotOnAccount | Self::Failed(_) => SenderVerdict::Refused(self.sentence(number)),
        }
    }
}

/// The Twilio credentials of an account, if it has them stored.
pub fn credentials(account: &AccountWithToken) -> Option<Credentials> {
    match (&account.account.sid, &account.auth_token) {
        (Some(sid), Some(token)) => Some(Credentials {
            account_sid: sid.to_string(),
            auth_token: token.clone(),
        }),
        _ => None,
    }
}

impl TwilioClient {
    /// Asks Twilio whether `creds` are good and the account is active.
    pub async fn verify_credentials(
        &self,
        creds: &Credentials,
    ) -> Result<AccountInfo, AccountRefusal> {
        let info = self
            .fetch_account(creds)
            .await
            .map_err(|e| AccountRefusal::of(e, &creds.account_sid))?;
        match info.status {
            AccountStatus::Active => Ok(info),
            _ => Err(AccountRefusal::NotActive(info)),
        }
    }

    /// Whether the account of `creds` has `number`.
    pub async fn number_verdict(
        &self,
        creds: &Credentials,
        number: &PhoneNumber,
        kind: NumberKind,
    ) -> NumberVerdict {
        match self.find_number(creds, number).await {
            Ok(listing) => NumberVerdict::of(listing, kind),
            Err(e) => NumberVerdict::Failed(AccountRefusal::of(e, &creds.account_sid)),
        }
    }

    /// Validate: the credentials, then (once they are accepted) every number.
    pub(super) fn validate_account<'a>(
        &'a self,
        account: &'a AccountWithToken,
        senders: Vec<SenderNumber>,
    ) -> ProviderFuture<'a, AccountCheck> {
        Box::pin(async move {
            let Some(creds) = credentials(account) else {
                return AccountCheck::credentials_only(
                    CredentialsCheck::Missing(
                        "This account has no Account SID and auth token stored: enter them below."
                            .into(),
                    ),
                    CONFIRMED_LABEL,
                );
            };
            let info = match self.verify_credentials(&creds).await {
                Ok(info) => info,
                // Numbers cannot be checked with credentials Twilio refuses.
                Err(e) => {
                    return AccountCheck::credentials_only(
                        CredentialsCheck::Refused(e.to_string()),
                        CONFIRMED_LABEL,
                    );
                }
            };
            let mut numbers = Vec::with_capacity(senders.len());
            for n in senders {
                let verdict = match n.number.phone() {
                    Some(phone) => self
                        .number_verdict(&creds, phone, n.kind)
                        .await
                        .neutral(&n.number),
                    None => SenderVerdict::Refused(format!(
                        "{}: a Twilio account sends from phone numbers, not channel IDs.",
                        n.number
                    )),
                };
                numbers.push((n, verdict));
            }
            AccountCheck {
                credentials: CredentialsCheck::Accepted(format!(
                    "Twilio accepted the credentials. Status: {}. Type: {}.",
                    info.status, info.kind
                )),
                numbers,
                confirmed_label: CONFIRMED_LABEL,
            }
        })
    }
}
