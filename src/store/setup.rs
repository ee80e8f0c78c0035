//! Configuration records: messaging accounts and sender numbers, created and changed through this
//! API by the admin pages, the CLI, tests and the demo seed (workstreams and templates have theirs
//! in `workstreams` and `templates`). Deleting a
//! number or an account unhooks it from routing and sending but keeps every conversation.

use super::records::{
    Account, AcsSettings, Conversation, Message, NumberKind, OutboxJob, ProviderKind, SendFailure,
    SenderNumber, Template, Workstream,
};
use super::tables::*;
use super::{Store, StoreError, all_records, codec, get_record, next_id};
use crate::domain::account::AccountName;
use crate::domain::sender::SenderAddress;
use crate::domain::{
    AccountId, AccountSid, Channel, ConversationState, MessageStatus, NumberId, Timestamp,
    WebhookKey,
};
use crate::secrets::SecretString;
use redb::{ReadTransaction, ReadableTable, WriteTransaction};

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
    #[error("a Twilio account needs its Account SID and Auth token")]
    MissingCredentials,
    #[error("an Azure Communication Services account needs its resource and Event Grid settings")]
    AcsSettingsMissing,
    #[error("an Azure Communication Services account sends from WhatsApp channel IDs, not numbers")]
    PhoneOnAcs,
    #[error("a WhatsApp channel ID can only be added to an Azure Communication Services account")]
    ChannelIdOffAcs,
}

pub struct NewAccount {
    pub name: AccountName,
    pub channel: Channel,
    pub provider: ProviderKind,
    pub sid: Option<AccountSid>,
    pub auth_token: Option<SecretString>,
}

pub struct NewNumber {
    pub account_id: AccountId,
    pub number: SenderAddress,
    pub kind: NumberKind,
    pub name: String,
    pub description: String,
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
        if new.provider == ProviderKind::Acs {
            return Ok(Err(SetupError::AcsSettingsMissing));
        }
        self.insert_account(new, None, now).await
    }

    /// An Azure Communication Services account (WhatsApp only): its settings, and its connection
    /// string as the account's secret (`None`: it waits for it, disabled, like a Twilio account
    /// without its token).
    pub async fn create_acs_account(
        &self,
        name: AccountName,
        settings: AcsSettings,
        connection_string: Option<SecretString>,
        now: Timestamp,
    ) -> Result<Result<Account, SetupError>, StoreError> {
        let new = NewAccount {
            name,
            channel: Channel::WhatsApp,
            provider: ProviderKind::Acs,
            sid: None,
            auth_token: connection_string,
        };
        self.insert_account(new, Some(settings), now).await
    }

    /// A Twilio account whose auth token is not known yet (a configuration file names it):
    /// it stays disabled, its webhooks refused and nothing sent from it, until the token is set.
    pub async fn create_account_awaiting_token(
        &self,
        new: NewAccount,
        now: Timestamp,
    ) -> Result<Result<Account, SetupError>, StoreError> {
        if new.provider == ProviderKind::Twilio && new.sid.is_none() {
            return Ok(Err(SetupError::MissingCredentials));
        }
        if new.provider == ProviderKind::Acs {
            return Ok(Err(SetupError::AcsSettingsMissing));
        }
        self.insert_account(new, None, now).await
    }

    async fn insert_account(
        &self,
        new: NewAccount,
        acs: Option<AcsSettings>,
        now: Timestamp,
    ) -> Result<Result<Account, SetupError>, StoreError> {
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
                acs: acs.clone(),
            };
            tx.open_table(ACCOUNT_RECORD)?
                .insert(id.get(), codec::encode(&account)?.as_slice())?;
            tx.open_table(WEBHOOKKEY_ACCOUNT)?
                .insert(webhook_key.as_str(), id.get())?;
            Ok(Ok(account))
        })
        .await
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
            match (&new.number, acct.provider) {
                (SenderAddress::Phone(_), ProviderKind::Acs) => {
                    return Ok(Err(SetupError::PhoneOnAcs));
                }
                (SenderAddress::AcsChannel(_), ProviderKind::Twilio | ProviderKind::Simulator) => {
                    return Ok(Err(SetupError::ChannelIdOffAcs));
                }
                _ => {}
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

/// The changes the account page can make; `auth_token: None` keeps the stored secret.
pub struct AccountUpdate {
    pub name: AccountName,
    pub sid: Option<AccountSid>,
    pub auth_token: Option<SecretString>,
}

/// The changes a configuration import makes to an existing number.
pub struct NumberUpdate {
    pub account_id: AccountId,
    pub kind: NumberKind,
    pub name: String,
    pub description: String,
}

fn account_in(tx: &WriteTransaction, id: AccountId) -> Result<Option<Account>, StoreError> {
    get_record(&tx.open_table(ACCOUNT_RECORD)?, id.get())
}

/// Which open conversations to count.
#[derive(Debug, Clone, Copy)]
pub enum OpenOn {
    Number(NumberId),
    Account(AccountId),
}

/// Why an outbound message still in the outbox ended failed when its number went away.
pub const NUMBER_DELETED: &str = "The sending number was deleted before this message was sent.";

impl Store {
    pub async fn account(&self, id: AccountId) -> Result<Option<Account>, StoreError> {
        self.read(move |rtx| account(rtx, id)).await
    }

    pub async fn number(&self, id: NumberId) -> Result<Option<SenderNumber>, StoreError> {
        self.read(move |rtx| number(rtx, id)).await
    }

    /// Every configured number, in id order.
    pub async fn numbers(&self) -> Result<Vec<SenderNumber>, StoreError> {
        self.read(|rtx| all_records(&rtx.open_table(NUMBER_RECORD)?))
            .await
    }

    /// The numbers of one account, in id order.
    pub async fn numbers_of(&self, id: AccountId) -> Result<Vec<SenderNumber>, StoreError> {
        self.read(move |rtx| numbers_of(&rtx.open_table(NUMBER_RECORD)?, id))
            .await
    }

    /// Renames an account or changes its credentials; webhooks see the change at once.
    pub async fn update_account(
        &self,
        id: AccountId,
        update: AccountUpdate,
    ) -> Result<Result<Account, SetupError>, StoreError> {
        let key = self.master_key().clone();
        let saved = self
            .write(move |tx| {
                let mut accounts = tx.open_table(ACCOUNT_RECORD)?;
                let Some(mut account) = get_record::<Account, _>(&accounts, id.get())? else {
                    return Ok(Err(SetupError::UnknownAccount));
                };
                if account.provider == ProviderKind::Twilio && update.sid.is_none() {
                    return Ok(Err(SetupError::MissingCredentials));
                }
                account.name = update.name.clone();
                account.sid = update.sid.clone();
                if let Some(token) = &update.auth_token {
                    account.auth_token = Some(key.seal(token, &Account::token_purpose(id)));
                }
                accounts.insert(id.get(), codec::encode(&account)?.as_slice())?;
                Ok(Ok(account))
            })
            .await;
        self.forget_cached_accounts();
        saved
    }

    /// Changes a number's type, label, description or account (of the same channel); its
    /// address, conversations and workstream stay.
    pub async fn update_number(
        &self,
        id: NumberId,
        update: NumberUpdate,
    ) -> Result<Result<SenderNumber, SetupError>, StoreError> {
        let saved = self
            .write(move |tx| {
                let mut numbers = tx.open_table(NUMBER_RECORD)?;
                let Some(mut n) = get_record::<SenderNumber, _>(&numbers, id.get())? else {
                    return Ok(Err(SetupError::UnknownNumber));
                };
                let Some(acct) = account_in(tx, update.account_id)? else {
                    return Ok(Err(SetupError::UnknownAccount));
                };
                let whatsapp = update.kind == NumberKind::WhatsApp;
                if acct.channel != n.channel || whatsapp != (n.channel == Channel::WhatsApp) {
                    return Ok(Err(SetupError::ChannelMismatch {
                        account: acct.channel,
                        number: n.channel,
                    }));
                }
                n.account_id = update.account_id;
                n.kind = update.kind;
                n.name = update.name.clone();
                n.description = update.description.clone();
                numbers.insert(id.get(), codec::encode(&n)?.as_slice())?;
                Ok(Ok(n))
            })
            .await;
        self.forget_cached_accounts();
        saved
    }

    /// Removes a number: its address mapping, its workstream link, and its unsent outbox jobs
    /// (their messages end failed). Conversations and messages stay.
    pub async fn delete_number(
        &self,
        id: NumberId,
        now: Timestamp,
    ) -> Result<Result<SenderNumber, SetupError>, StoreError> {
        let deleted = self
            .write(move |tx| {
                let Some(n) =
                    get_record::<SenderNumber, _>(&tx.open_table(NUMBER_RECORD)?, id.get())?
                else {
                    return Ok(Err(SetupError::UnknownNumber));
                };
                remove_numbers(tx, std::slice::from_ref(&n), now)?;
                Ok(Ok(n))
            })
            .await;
        self.forget_cached_accounts();
        deleted
    }

    /// Removes an account, its webhook key (its URLs answer 404 from now on) and its numbers as
    /// `delete_number` does. Conversations and messages stay.
    pub async fn delete_account(
        &self,
        id: AccountId,
        now: Timestamp,
    ) -> Result<Result<Account, SetupError>, StoreError> {
        let deleted = self
            .write(move |tx| {
                let mut accounts = tx.open_table(ACCOUNT_RECORD)?;
                let Some(account) = get_record::<Account, _>(&accounts, id.get())? else {
                    return Ok(Err(SetupError::UnknownAccount));
                };
                let numbers = numbers_of(&tx.open_table(NUMBER_RECORD)?, id)?;
                remove_numbers(tx, &numbers, now)?;
                tx.open_table(WEBHOOKKEY_ACCOUNT)?
                    .remove(account.webhook_key.as_str())?;
                accounts.remove(id.get())?;
                Ok(Ok(account))
            })
            .await;
        self.forget_cached_accounts();
        deleted
    }

    /// How many conversations that are not Closed use a number or an account.
    pub async fn open_conversation_count(&self, on: OpenOn) -> Result<u64, StoreError> {
        self.read(move |rtx| {
            let index = rtx.open_table(NUMBERCUSTOMER_OPENCONVERSATION)?;
            let convs = rtx.open_table(CONVERSATION_RECORD)?;
            let rows = match on {
                OpenOn::Number(n) => index.range((n.get(), "")..)?,
                OpenOn::Account(_) => index.range::<(u64, &str)>(..)?,
            };
            let mut count = 0;
            for row in rows {
                let (key, conv) = row?;
                if let OpenOn::Number(n) = on
                    && key.value().0 != n.get()
                {
                    break;
                }
                let Some(c) = get_record::<Conversation, _>(&convs, conv.value())? else {
                    continue;
                };
                let uses = match on {
                    OpenOn::Number(n) => c.number_id == n,
                    OpenOn::Account(a) => c.account_id == a,
                };
                if uses && c.state != ConversationState::Closed {
                    count += 1;
                }
            }
            Ok(count)
        })
        .await
    }
}

fn numbers_of<T>(table: &T, id: AccountId) -> Result<Vec<SenderNumber>, StoreError>
where
    T: ReadableTable<u64, &'static [u8]>,
{
    let all: Vec<SenderNumber> = all_records(table)?;
    Ok(all.into_iter().filter(|n| n.account_id == id).collect())
}

/// Unhooks numbers from everything that routes to them or sends from them. The caller has made
/// every check: this only writes.
fn remove_numbers(
    tx: &WriteTransaction,
    numbers: &[SenderNumber],
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut records = tx.open_table(NUMBER_RECORD)?;
    let mut by_address = tx.open_table(ADDRESS_NUMBER)?;
    let mut served = tx.open_table(NUMBER_WORKSTREAM)?;
    let mut workstreams = tx.open_table(WORKSTREAM_RECORD)?;
    for n in numbers {
        records.remove(n.id.get())?;
        by_address.remove(SenderNumber::address_key(n.channel, &n.number).as_str())?;
        let ws = served.remove(n.id.get())?.map(|g| g.value());
        if let Some(ws) = ws
            && let Some(mut w) = get_record::<Workstream, _>(&workstreams, ws)?
        {
            w.numbers.retain(|x| *x != n.id);
            workstreams.insert(ws, codec::encode(&w)?.as_slice())?;
        }
    }
    fail_unsent(tx, numbers, now)
}

/// Outbox jobs of deleted numbers can never be sent: their messages end failed with the reason.
fn fail_unsent(
    tx: &WriteTransaction,
    numbers: &[SenderNumber],
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut jobs = tx.open_table(OUTBOX_JOB)?;
    let doomed: Vec<OutboxJob> = all_records::<OutboxJob, _>(&jobs)?
        .into_iter()
        .filter(|j| numbers.iter().any(|n| n.id == j.number_id))
        .collect();
    let mut msgs = tx.open_table(CONVERSATION_MESSAGES)?;
    let mut attempts = tx.open_table(JOB_ATTEMPT)?;
    for job in doomed {
        jobs.remove(job.id.get())?;
        attempts.remove(job.id.get())?;
        let key = (job.conversation_id.get(), job.seq);
        let msg = msgs
            .get(key)?
            .map(|g| codec::decode_at::<Message>(format!("{key:?}"), g.value()))
            .transpose()?;
        if let Some(mut m) = msg {
            m.status = MessageStatus::Failed;
            m.failure = Some(SendFailure {
                code: None,
                message: NUMBER_DELETED.into(),
            });
            m.updated_at = now;
            msgs.insert(key, codec::encode(&m)?.as_slice())?;
        }
    }
    Ok(())
}
