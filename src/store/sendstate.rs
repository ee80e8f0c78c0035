//! What the outbox knows of a job's attempts beyond the job record (`JOB_ATTEMPT`): when the first
//! one began, and whether one began whose outcome is unknown. An attempt is marked begun, durably,
//! before its request goes out, so a crash between the provider's answer and our commit leaves a
//! mark: after a restart the job is looked up at the provider instead of being sent twice.

use super::tables::*;
use super::{Store, StoreError};
use crate::domain::{JobId, Timestamp};
use redb::ReadableTable;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptLog {
    /// When the job's first attempt began: a provider lookup matches messages created since.
    pub first_started_at: Timestamp,
    /// When an attempt began whose outcome is unknown (still in flight, timed out, or cut off by
    /// a crash); None once the provider's answer said the message was not taken.
    pub unresolved_since: Option<Timestamp>,
}

pub(crate) fn attempt_log<T>(table: &T, job: JobId) -> Result<Option<AttemptLog>, StoreError>
where
    T: ReadableTable<u64, (i64, Option<i64>)>,
{
    Ok(table.get(job.get())?.map(|g| {
        let (first, open) = g.value();
        AttemptLog {
            first_started_at: Timestamp::from_millis(first),
            unresolved_since: open.map(Timestamp::from_millis),
        }
    }))
}

impl Store {
    /// Marks an attempt of `job` as begun at `now`, durably, before its request goes out. None if
    /// the job is gone.
    pub async fn begin_attempt(
        &self,
        job: JobId,
        now: Timestamp,
    ) -> Result<Option<AttemptLog>, StoreError> {
        self.write(move |tx| {
            if tx.open_table(OUTBOX_JOB)?.get(job.get())?.is_none() {
                return Ok(None);
            }
            let mut table = tx.open_table(JOB_ATTEMPT)?;
            let first = attempt_log(&table, job)?.map_or(now, |l| l.first_started_at);
            table.insert(job.get(), (first.as_millis(), Some(now.as_millis())))?;
            Ok(Some(AttemptLog {
                first_started_at: first,
                unresolved_since: Some(now),
            }))
        })
        .await
    }

    /// The first of `provider_ids` that no stored message has yet: a provider id is stored at
    /// most once, so a lookup never adopts a message another job already owns.
    pub async fn first_unowned_provider_id(
        &self,
        provider_ids: Vec<String>,
    ) -> Result<Option<String>, StoreError> {
        self.read(move |rtx| {
            let owned = rtx.open_table(PROVIDERID_MESSAGE)?;
            for id in provider_ids {
                if owned.get(id.as_str())?.is_none() {
                    return Ok(Some(id));
                }
            }
            Ok(None)
        })
        .await
    }
}
