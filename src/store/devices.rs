//! Known devices: browsers that signed in to an account, each holding its own random token (only
//! its hash is stored), which exempts it from that account's login throttle. A password change and
//! "sign out everywhere" (`users::end_sessions_of`) forget them all.

use super::tables::{DEVICEHASH_USER, USER_DEVICES};
use super::{Store, StoreError};
use crate::domain::{Timestamp, UserId};
use redb::WriteTransaction;

/// Forgets every known device of `user`; returns how many.
pub(super) fn forget_devices_in(tx: &WriteTransaction, user: UserId) -> Result<usize, StoreError> {
    let mut index = tx.open_table(USER_DEVICES)?;
    let mut devices = tx.open_table(DEVICEHASH_USER)?;
    let hashes = super::users::hashes_of(&index, user)?;
    for h in &hashes {
        index.remove((user.get(), h.as_str()))?;
        devices.remove(h.as_str())?;
    }
    Ok(hashes.len())
}

impl Store {
    /// Remembers a device token (its hash) of `user`, issued at `now`.
    pub async fn add_device(
        &self,
        token_hash: String,
        user: UserId,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(move |tx| {
            tx.open_table(DEVICEHASH_USER)?
                .insert(token_hash.as_str(), (user.get(), now.as_millis()))?;
            tx.open_table(USER_DEVICES)?
                .insert((user.get(), token_hash.as_str()), 0)?;
            Ok(())
        })
        .await
    }

    /// The user a device token (hash) belongs to, and when it was issued.
    pub async fn device(
        &self,
        token_hash: String,
    ) -> Result<Option<(UserId, Timestamp)>, StoreError> {
        self.read(move |rtx| {
            Ok(rtx
                .open_table(DEVICEHASH_USER)?
                .get(token_hash.as_str())?
                .map(|g| {
                    let (user, issued) = g.value();
                    (UserId::new(user), Timestamp::from_millis(issued))
                }))
        })
        .await
    }
}
