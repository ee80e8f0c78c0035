//! Configuration records: messaging accounts, sender numbers, workstreams and templates. Until the
//! admin console exists these are created through this API (tests, the CLI, the demo seed).

use super::records::{
    Account, DistributionMode, NumberKind, ProviderKind, SenderNumber, Template, Workstream,
};
use super::tables::*;
use super::{Store, StoreError, all_records, codec, get_record, next_id};
use crate::domain::template::TemplateText;
use crate::domain::{
    AccountId, AccountSid, Channel, ContentSid, NumberId, PhoneNumber, TemplateId, Timestamp,
    WebhookKey, WorkstreamId,
};
use crate::secrets::SecretString;
use redb::{ReadTransaction, ReadableTable};
use std::sync::Arc;

/// Refusals of a setup request; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    #[error("no such account")]
    UnknownAccount,
    #[error("no such number")]
    UnknownNumber,
    #[error("the number {0} is already configured")]
    DuplicateNumber(String),
    #[error("a {number} number cannot be added to a {account} account")]
    ChannelMismatch { account: Channel, number: Channel },
    #[error("number {0} already belongs to another workstream")]
    NumberInUse(String),
    #[error("a Twilio account needs its Account SID and Auth token")]
    MissingCredentials,
}

pub struct NewAccount {
    pub name: String,
    pub channel: Channel,
    pub provider: ProviderKind,
    pub sid: Option<AccountSid>,
    pub auth_token: Option<SecretString>,
}

pub struct NewNumber {
    pub account_id: AccountId,
    pub number: PhoneNumber,
    pub kind: NumberKind,
    pub name: String,
    pub description: String,
}

pub struct NewWorkstream {
    pub name: String,
    pub channel: Channel,
    pub numbers: Vec<NumberId>,
    pub mode: DistributionMode,
}

pub struct NewTemplate {
    pub name: String,
    pub language: String,
    pub text: TemplateText,
    pub content_sid: Option<ContentSid>,
    pub workstreams: Vec<WorkstreamId>,
}

/// An account with its decrypted auth token, for talking to the provider.
#[derive(Debug, Clone)]
pub struct AccountWithToken {
    pub account: Account,
    pub auth_token: Option<SecretString>,
}

impl Store {
    pub async fn create_account(
        &self,
        new: NewAccount,
        now: Timestamp,
    ) -> Result<Result<Account, SetupError>, StoreError> {
        if new.provider == ProviderKind::Twilio && (new.sid.is_none() || new.auth_token.is_none()) {
            return Ok(Err(SetupError::MissingCredentials));
        }
        let key = self.master_key().clone();
        let webhook_key = WebhookKey::generate();
        self.write(move |tx| {
            let id = AccountId::new(next_id(tx, "account")?);
            let auth_token = new
                .auth_token
                .as_ref()
                .map(|t| key.seal(t, &Account::token_purpose(id)));
            let account = Account {
                id,
                name: new.name.clone(),
                channel: new.channel,
                provider: new.provider,
                sid: new.sid.clone(),
                auth_token,
                webhook_key: webhook_key.clone(),
                created_at: now,
            };
            tx.open_table(ACCOUNT_RECORD)?
                .insert(id.get(), codec::encode(&account)?.as_slice())?;
            tx.open_table(WEBHOOKKEY_ACCOUNT)?
                .insert(webhook_key.as_str(), id.get())?;
            Ok(Ok(account))
        })
        .await
    }

    /// The account a webhook URL names, with its token decrypted (cached after the first use).
    pub async fn account_for_webhook(
        &self,
        key: WebhookKey,
    ) -> Result<Option<Arc<AccountWithToken>>, StoreError> {
        let cached = self
            .account_cache
            .read()
            .ok()
            .and_then(|c| c.get(key.as_str()).cloned());
        if cached.is_some() {
            return Ok(cached);
        }
        let store = self.clone();
        let cache_key = key.as_str().to_owned();
        let found = self
            .read(move |rtx| {
                let Some(id) = rtx
                    .open_table(WEBHOOKKEY_ACCOUNT)?
                    .get(key.as_str())?
                    .map(|g| g.value())
                else {
                    return Ok(None);
                };
                let Some(account) = account(rtx, AccountId::new(id))? else {
                    return Ok(None);
                };
                store.with_token(account).map(Some)
            })
            .await?
            .map(Arc::new);
        if let (Some(a), Ok(mut cache)) = (&found, self.account_cache.write()) {
            cache.insert(cache_key, a.clone());
        }
        Ok(found)
    }

    /// Drops cached accounts; every write that changes an account calls this after its commit.
    pub fn forget_cached_accounts(&self) {
        if let Ok(mut cache) = self.account_cache.write() {
            cache.clear();
        }
    }

    pub async fn account_with_token(
        &self,
        id: AccountId,
    ) -> Result<Option<AccountWithToken>, StoreError> {
        let store = self.clone();
        self.read(move |rtx| match account(rtx, id)? {
            Some(a) => store.with_token(a).map(Some),
            None => Ok(None),
        })
        .await
    }

    fn with_token(&self, account: Account) -> Result<AccountWithToken, StoreError> {
        let auth_token = match &account.auth_token {
            Some(sealed) => Some(
                self.master_key()
                    .open(sealed, &Account::token_purpose(account.id))
                    .map_err(|_| StoreError::Secret)?,
            ),
            None => None,
        };
        Ok(AccountWithToken {
            account,
            auth_token,
        })
    }

    pub async fn add_number(
        &self,
        new: NewNumber,
    ) -> Result<Result<SenderNumber, SetupError>, StoreError> {
        self.write(move |tx| {
            let accounts = tx.open_table(ACCOUNT_RECORD)?;
            let Some(acct) = get_record::<Account, _>(&accounts, new.account_id.get())? else {
                return Ok(Err(SetupError::UnknownAccount));
            };
            let channel = acct.channel;
            let expected_whatsapp = new.kind == NumberKind::WhatsApp;
            if expected_whatsapp != (channel == Channel::WhatsApp) {
                let number = if expected_whatsapp {
                    Channel::WhatsApp
                } else {
                    Channel::Sms
                };
                return Ok(Err(SetupError::ChannelMismatch {
                    account: channel,
                    number,
                }));
            }
            let address = SenderNumber::address_key(channel, &new.number);
            let mut by_address = tx.open_table(ADDRESS_NUMBER)?;
            if by_address.get(address.as_str())?.is_some() {
                return Ok(Err(SetupError::DuplicateNumber(new.number.to_string())));
            }
            let id = NumberId::new(next_id(tx, "number")?);
            let number = SenderNumber {
                id,
                account_id: new.account_id,
                channel,
                number: new.number.clone(),
                kind: new.kind,
                name: new.name.clone(),
                description: new.description.clone(),
            };
            by_address.insert(address.as_str(), id.get())?;
            tx.open_table(NUMBER_RECORD)?
                .insert(id.get(), codec::encode(&number)?.as_slice())?;
            Ok(Ok(number))
        })
        .await
    }

    pub async fn add_workstream(
        &self,
        new: NewWorkstream,
    ) -> Result<Result<Workstream, SetupError>, StoreError> {
        self.write(move |tx| {
            let numbers = tx.open_table(NUMBER_RECORD)?;
            let mut served = tx.open_table(NUMBER_WORKSTREAM)?;
            for n in &new.numbers {
                let Some(num) = get_record::<SenderNumber, _>(&numbers, n.get())? else {
                    return Ok(Err(SetupError::UnknownNumber));
                };
                if num.channel != new.channel {
                    return Ok(Err(SetupError::ChannelMismatch {
                        account: new.channel,
                        number: num.channel,
                    }));
                }
                if served.get(n.get())?.is_some() {
                    return Ok(Err(SetupError::NumberInUse(num.number.to_string())));
                }
            }
            let id = WorkstreamId::new(next_id(tx, "workstream")?);
            let ws = Workstream {
                id,
                name: new.name.clone(),
                channel: new.channel,
                numbers: new.numbers.clone(),
                mode: new.mode,
                fallback_queue: format!("{} (default)", new.name),
            };
            for n in &new.numbers {
                served.insert(n.get(), id.get())?;
            }
            tx.open_table(WORKSTREAM_RECORD)?
                .insert(id.get(), codec::encode(&ws)?.as_slice())?;
            Ok(Ok(ws))
        })
        .await
    }

    pub async fn add_template(&self, new: NewTemplate) -> Result<Template, StoreError> {
        self.write(move |tx| {
            let id = TemplateId::new(next_id(tx, "template")?);
            let t = Template {
                id,
                name: new.name.clone(),
                language: new.language.clone(),
                text: new.text.clone(),
                content_sid: new.content_sid.clone(),
                workstreams: new.workstreams.clone(),
            };
            tx.open_table(TEMPLATE_RECORD)?
                .insert(id.get(), codec::encode(&t)?.as_slice())?;
            Ok(t)
        })
        .await
    }

    pub async fn templates(&self) -> Result<Vec<Template>, StoreError> {
        self.read(|rtx| all_records(&rtx.open_table(TEMPLATE_RECORD)?))
            .await
    }

    pub async fn workstreams(&self) -> Result<Vec<Workstream>, StoreError> {
        self.read(|rtx| all_records(&rtx.open_table(WORKSTREAM_RECORD)?))
            .await
    }

    pub async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        self.read(|rtx| all_records(&rtx.open_table(ACCOUNT_RECORD)?))
            .await
    }
}

pub(crate) fn account(rtx: &ReadTransaction, id: AccountId) -> Result<Option<Account>, StoreError> {
    get_record(&rtx.open_table(ACCOUNT_RECORD)?, id.get())
}

pub(crate) fn number(
    rtx: &ReadTransaction,
    id: NumberId,
) -> Result<Option<SenderNumber>, StoreError> {
    get_record(&rtx.open_table(NUMBER_RECORD)?, id.get())
}
