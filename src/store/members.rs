//! Workstream queue membership and each agent's chosen presence.

use super::tables::{USER_PRESENCE, WORKSTREAM_MEMBERS};
use super::{Store, StoreError};
use crate::domain::presence::Presence;
use crate::domain::{UserId, WorkstreamId};
use redb::ReadableTable;

impl Store {
    /// Replaces the members of a workstream's queue.
    pub async fn set_members(
        &self,
        ws: WorkstreamId,
        users: Vec<UserId>,
    ) -> Result<(), StoreError> {
        self.write(move |tx| {
            let mut t = tx.open_table(WORKSTREAM_MEMBERS)?;
            let old: Vec<u64> = t
                .range((ws.get(), 0)..=(ws.get(), u64::MAX))?
                .map(|r| r.map(|(k, _)| k.value().1))
                .collect::<Result<_, _>>()?;
            for u in old {
                t.remove((ws.get(), u))?;
            }
            for u in &users {
                t.insert((ws.get(), u.get()), 0)?;
            }
            Ok(())
        })
        .await
    }

    pub async fn members(&self, ws: WorkstreamId) -> Result<Vec<UserId>, StoreError> {
        self.read(move |rtx| {
            let t = rtx.open_table(WORKSTREAM_MEMBERS)?;
            let mut out = Vec::new();
            for row in t.range((ws.get(), 0)..=(ws.get(), u64::MAX))? {
                out.push(UserId::new(row?.0.value().1));
            }
            Ok(out)
        })
        .await
    }

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
