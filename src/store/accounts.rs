//! Accounts as webhooks and the outbox need them: looked up by webhook key or id, with the auth
//! token decrypted, and cached by webhook key (every webhook needs one). Writes that change an
//! account forget the cache after their commit.

use super::records::Account;
use super::setup::{AccountWithToken, account};
use super::tables::WEBHOOKKEY_ACCOUNT;
use super::{Store, StoreError};
use crate::domain::{AccountId, WebhookKey};
use std::sync::Arc;
use std::sync::atomic::Ordering;

impl Store {
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
        let generation = self.account_generation.load(Ordering::Acquire);
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
            // Only if no account changed since the read began: else the read may be stale.
            if self.account_generation.load(Ordering::Acquire) == generation {
                cache.insert(cache_key, a.clone());
            }
        }
        Ok(found)
    }

    /// Drops cached accounts; every write that changes an account calls this after its commit.
    pub fn forget_cached_accounts(&self) {
        if let Ok(mut cache) = self.account_cache.write() {
            self.account_generation.fetch_add(1, Ordering::AcqRel);
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

    pub(crate) fn with_token(&self, account: Account) -> Result<AccountWithToken, StoreError> {
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
}
