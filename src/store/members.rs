//! Each agent's chosen presence (queue membership is in `queues`).

use super::tables::USER_PRESENCE;
use super::{Store, StoreError};
use crate::domain::UserId;
use crate::domain::presence::Presence;
use redb::ReadableTable;

impl Store {
    pub async fn set_presence(&self, user: UserId, presence: Presence) -> Result<(), StoreError> {
        self.write(move |tx| {
            tx.open_table(USER_PRESENCE)?
                .insert(user.get(), presence.code())?;
            Ok(())
        })
        .await
    }

    /// Every stored presence; users never seen are Offline.
    pub fn presences_now(&self) -> Result<Vec<(UserId, Presence)>, StoreError> {
        self.read_now(|rtx| {
            let mut out = Vec::new();
            for row in rtx.open_table(USER_PRESENCE)?.iter()? {
                let (k, v) = row?;
                out.push((UserId::new(k.value()), Presence::from_code(v.value())));
            }
            Ok(out)
        })
    }
}
