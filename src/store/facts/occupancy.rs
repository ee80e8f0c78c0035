//! What each queue holds now, read from the queue rows themselves: the conversations waiting in
//! it (`conversation_queue`, with when each entered) and the active ones assigned from it (a
//! capacity hold whose last stay was in it). For the `/metrics` gauges.

use super::super::tables::{CONVERSATION_HOLD, CONVERSATION_QUEUE, CONVERSATION_QUEUEVISITS};
use super::super::{Store, StoreError};
use crate::domain::{QueueId, Timestamp};
use redb::ReadableTable;
use std::collections::BTreeMap;

/// One queue's conversations now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Occupancy {
    pub waiting: u64,
    pub active: u64,
    /// When the longest-waiting conversation entered.
    pub oldest: Option<Timestamp>,
}

impl Store {
    /// Every queue that holds a conversation now, with what it holds.
    pub async fn queue_occupancy(&self) -> Result<BTreeMap<QueueId, Occupancy>, StoreError> {
        self.read(|rtx| {
            let mut out: BTreeMap<QueueId, Occupancy> = BTreeMap::new();
            for row in rtx.open_table(CONVERSATION_QUEUE)?.iter()? {
                let (_, v) = row?;
                let (queue, entered, _) = v.value();
                let o = out.entry(QueueId::new(queue)).or_default();
                o.waiting += 1;
                let at = Timestamp::from_millis(entered);
                o.oldest = Some(o.oldest.map_or(at, |x| x.min(at)));
            }
            let visits = rtx.open_table(CONVERSATION_QUEUEVISITS)?;
            for row in rtx.open_table(CONVERSATION_HOLD)?.iter()? {
                let (k, _) = row?;
                let c = k.value();
                let last = visits
                    .range((c, i64::MIN)..=(c, i64::MAX))?
                    .next_back()
                    .transpose()?;
                if let Some((_, v)) = last {
                    out.entry(QueueId::new(v.value().0)).or_default().active += 1;
                }
            }
            Ok(out)
        })
        .await
    }
}
