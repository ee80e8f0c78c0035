//! Onboarding: the checks that let the admin console say an account is ready (Validate: the
//! account's provider accepts its credentials and its senders), the number add that checks first,
//! and what the admin home's setup checklist shows as done. Reads the store, asks the provider,
//! stores last.

use crate::app::Desk;
use crate::domain::{AccountId, WorkstreamId};
use crate::providers::Credentials;
use crate::providers::twilio::check::credentials;
use crate::providers::twilio::client::AccountInfo;
use crate::store::StoreError;
use crate::store::records::Account;
use crate::store::records::{ProviderKind, SenderNumber};
use crate::store::setup::{AccountUpdate, NewNumber, SetupError};

pub use crate::providers::check::{AccountCheck, CredentialsCheck, SenderVerdict};
pub use crate::providers::twilio::check::{AccountRefusal, NumberVerdict};

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
        self.providers.twilio().verify_credentials(creds).await
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
            // A channel ID is checked by Validate, which lists its templates.
            (ProviderKind::Acs, _) => NumberVerdict::NotChecked,
            (ProviderKind::Twilio, None) => {
                return Ok(Err(NumberRefusal::Check(
                    "This account has no Account SID and Auth token stored: enter them on the \
                     account page first."
                        .into(),
                )));
            }
            (ProviderKind::Twilio, Some(creds)) => match new.number.phone() {
                Some(phone) => {
                    self.providers
                        .twilio()
                        .number_verdict(&creds, phone, new.kind)
                        .await
                }
                None => {
                    return Ok(Err(NumberRefusal::Check(
                        "A Twilio account sends from phone numbers, not channel IDs.".into(),
                    )));
                }
            },
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

    /// Validate: asks the account's provider about its stored credentials, then each sender.
    pub async fn check_account(&self, id: AccountId) -> Result<Option<AccountCheck>, StoreError> {
        let Some(account) = self.store().account_with_token(id).await? else {
            return Ok(None);
        };
        let numbers = self.store().numbers_of(id).await?;
        let provider = self.providers.for_account(&account);
        Ok(Some(provider.validate(&account, numbers).await))
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
