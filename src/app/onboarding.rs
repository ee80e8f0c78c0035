//! Onboarding: the checks that let the admin console say an account is ready (its credentials
//! accepted by Twilio, its numbers listed on it), the number add that checks first, and what
//! the admin home's setup checklist shows as done. Reads the store, asks Twilio, stores last.

use crate::app::{Desk, credentials};
use crate::domain::{AccountId, PhoneNumber, WorkstreamId};
use crate::providers::Credentials;
use crate::providers::twilio::client::{AccountInfo, AccountStatus, FetchError};
use crate::providers::twilio::numbers::Listing;
use crate::store::StoreError;
use crate::store::records::Account;
use crate::store::records::{NumberKind, ProviderKind, SenderNumber};
use crate::store::setup::{AccountUpdate, AccountWithToken, NewNumber, SetupError};

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
    pub fn sentence(&self, number: &PhoneNumber) -> String {
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
}

/// Why a number was not added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberRefusal {
    #[error(transparent)]
    Setup(#[from] SetupError),
    /// Twilio's check refused it; the sentence says why.
    #[error("{0}")]
    Check(String),
}

/// Why an account edit was not saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountEditRefusal {
    #[error(transparent)]
    Setup(#[from] SetupError),
    /// Twilio did not accept the new Account SID or auth token.
    #[error(transparent)]
    Check(#[from] AccountRefusal),
}

/// What Twilio says about an account's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialsCheck {
    Accepted(AccountInfo),
    Refused(AccountRefusal),
    /// A Twilio account without an Account SID and Auth token stored.
    Missing,
    /// The Simulator needs no credentials.
    NotNeeded,
}

/// An account's whole check: its credentials, then each of its numbers.
#[derive(Debug, Clone)]
pub struct AccountCheck {
    pub credentials: CredentialsCheck,
    pub numbers: Vec<(SenderNumber, NumberVerdict)>,
}

impl AccountCheck {
    /// Ready to take messages: the credentials are good and no number was refused.
    pub fn is_ready(&self) -> bool {
        matches!(
            self.credentials,
            CredentialsCheck::Accepted(_) | CredentialsCheck::NotNeeded
        ) && !self.numbers.iter().any(|(_, v)| v.is_refusal())
    }
}

/// How far the setup of the contact center has come, for the admin home's checklist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetupState {
    pub accounts: usize,
    pub numbers: usize,
    /// A workstream whose channel setup is finished, and the first one that is not.
    pub finished_workstream: Option<WorkstreamId>,
    pub unfinished_workstream: Option<WorkstreamId>,
    /// A workstream with members, and the first workstream without any.
    pub staffed_workstream: Option<WorkstreamId>,
    pub unstaffed_workstream: Option<WorkstreamId>,
    /// A workstream whose work is routed: members and a queue to route to (its fallback queue).
    pub routed_workstream: Option<WorkstreamId>,
    /// Whether a conversation has come in on a Simulator account.
    pub simulator_tried: bool,
    pub has_simulator_account: bool,
}

impl Desk {
    /// Asks Twilio whether `creds` are good and the account is active.
    pub async fn verify_twilio_credentials(
        &self,
        creds: &Credentials,
    ) -> Result<AccountInfo, AccountRefusal> {
        let info = self
            .twilio
            .fetch_account(creds)
            .await
            .map_err(|e| AccountRefusal::of(e, &creds.account_sid))?;
        match info.status {
            AccountStatus::Active => Ok(info),
            _ => Err(AccountRefusal::NotActive(info)),
        }
    }

    async fn number_verdict(
        &self,
        creds: &Credentials,
        number: &PhoneNumber,
        kind: NumberKind,
    ) -> NumberVerdict {
        match self.twilio.find_number(creds, number).await {
            Ok(listing) => NumberVerdict::of(listing, kind),
            Err(e) => NumberVerdict::Failed(AccountRefusal::of(e, &creds.account_sid)),
        }
    }

    /// Adds a number after Twilio confirmed the account has it (a WhatsApp sender it does not
    /// list is added with the warning); Simulator numbers are added as they are.
    pub async fn add_checked_number(
        &self,
        new: NewNumber,
    ) -> Result<Result<(SenderNumber, NumberVerdict), NumberRefusal>, StoreError> {
        let Some(account) = self.store().account_with_token(new.account_id).await? else {
            return Ok(Err(SetupError::UnknownAccount.into()));
        };
        let verdict = match (account.account.provider, credentials(&account)) {
            (ProviderKind::Simulator, _) => NumberVerdict::NotChecked,
            (ProviderKind::Twilio, None) => {
                return Ok(Err(NumberRefusal::Check(
                    "This account has no Account SID and Auth token stored: enter them on the \
                     account page first."
                        .into(),
                )));
            }
            (ProviderKind::Twilio, Some(creds)) => {
                self.number_verdict(&creds, &new.number, new.kind).await
            }
        };
        if verdict.is_refusal() {
            return Ok(Err(NumberRefusal::Check(verdict.sentence(&new.number))));
        }
        Ok(self
            .store()
            .add_number(new)
            .await?
            .map(|n| (n, verdict))
            .map_err(NumberRefusal::from))
    }

    /// Saves an account edit. A new Account SID or auth token is saved only after Twilio accepted
    /// the credentials it makes (the new SID or token with the stored other half), as the wizard
    /// checks them before it creates an account; a rename alone asks nothing.
    pub async fn update_checked_account(
        &self,
        id: AccountId,
        update: AccountUpdate,
    ) -> Result<Result<Account, AccountEditRefusal>, StoreError> {
        let Some(stored) = self.store().account_with_token(id).await? else {
            return Ok(Err(SetupError::UnknownAccount.into()));
        };
        let sid_changed = update.sid.is_some() && update.sid != stored.account.sid;
        let changes_credentials = sid_changed || update.auth_token.is_some();
        if stored.account.provider == ProviderKind::Twilio && changes_credentials {
            let token = update.auth_token.clone().or(stored.auth_token.clone());
            if let (Some(sid), Some(auth_token)) = (&update.sid, token) {
                let creds = Credentials {
                    account_sid: sid.to_string(),
                    auth_token,
                };
                if let Err(e) = self.verify_twilio_credentials(&creds).await {
                    return Ok(Err(e.into()));
                }
            }
        }
        Ok(self
            .update_account(id, update)
            .await?
            .map_err(AccountEditRefusal::from))
    }

    /// Checks the account's stored credentials, then each of its numbers, with Twilio.
    pub async fn check_account(&self, id: AccountId) -> Result<Option<AccountCheck>, StoreError> {
        let Some(account) = self.store().account_with_token(id).await? else {
            return Ok(None);
        };
        let numbers = self.store().numbers_of(id).await?;
        Ok(Some(self.check_stored(&account, numbers).await))
    }

    async fn check_stored(
        &self,
        account: &AccountWithToken,
        numbers: Vec<SenderNumber>,
    ) -> AccountCheck {
        let creds = match (account.account.provider, credentials(account)) {
            (ProviderKind::Simulator, _) => {
                return AccountCheck {
                    credentials: CredentialsCheck::NotNeeded,
                    numbers: numbers
                        .into_iter()
                        .map(|n| (n, NumberVerdict::NotChecked))
                        .collect(),
                };
            }
            (ProviderKind::Twilio, None) => {
                return AccountCheck {
                    credentials: CredentialsCheck::Missing,
                    numbers: Vec::new(),
                };
            }
            (ProviderKind::Twilio, Some(creds)) => creds,
        };
        let info = match self.verify_twilio_credentials(&creds).await {
            Ok(info) => info,
            // Numbers cannot be checked with credentials Twilio refuses.
            Err(e) => {
                return AccountCheck {
                    credentials: CredentialsCheck::Refused(e),
                    numbers: Vec::new(),
                };
            }
        };
        let mut checked = Vec::with_capacity(numbers.len());
        for n in numbers {
            let verdict = self.number_verdict(&creds, &n.number, n.kind).await;
            checked.push((n, verdict));
        }
        AccountCheck {
            credentials: CredentialsCheck::Accepted(info),
            numbers: checked,
        }
    }

    /// What is set up so far: accounts, numbers, workstreams, members, routing, a first try.
    pub async fn setup_state(&self) -> Result<SetupState, StoreError> {
        let store = self.store();
        let accounts = store.accounts().await?;
        let simulated: Vec<AccountId> = accounts
            .iter()
            .filter(|a| a.provider == ProviderKind::Simulator)
            .map(|a| a.id)
            .collect();
        let mut state = SetupState {
            accounts: accounts.len(),
            numbers: store.numbers().await?.len(),
            has_simulator_account: !simulated.is_empty(),
            ..SetupState::default()
        };
        for ws in store.workstreams().await? {
            let staffed = !store.members(ws.id).await?.is_empty();
            let finished = ws.setup.finished;
            fill(&mut state.finished_workstream, finished, ws.id);
            fill(&mut state.unfinished_workstream, !finished, ws.id);
            fill(&mut state.staffed_workstream, staffed, ws.id);
            fill(&mut state.unstaffed_workstream, !staffed, ws.id);
            // Every workstream routes to its fallback queue; members make that routing work.
            fill(&mut state.routed_workstream, staffed, ws.id);
        }
        if !simulated.is_empty() {
            let tried = store
                .conversations_matching(move |c| simulated.contains(&c.account_id))
                .await?;
            state.simulator_tried = !tried.is_empty();
        }
        Ok(state)
    }
}

/// Keeps the first workstream that qualifies.
fn fill(slot: &mut Option<WorkstreamId>, qualifies: bool, id: WorkstreamId) {
    if qualifies && slot.is_none() {
        *slot = Some(id);
    }
}
