//! Where each conversation waits, and since when: its place in a queue (`conversation_queue`),
//! its finished stays (`conversation_queuevisits`, for reports), overflow transfers with their
//! line, the once-only customer notices, and the workstream's position-message interval.

use super::queues::{Notice, Placement};
use super::records::Conversation;
use super::tables::{
    CONVERSATION_NOTICE, CONVERSATION_QUEUE, CONVERSATION_QUEUEVISITS, CONVERSATION_RECORD,
    WORKSTREAM_POSITIONMINUTES,
};
use super::timeline::append_line;
use super::{Store, StoreError, codec, get_record};
use crate::domain::queue::DEFAULT_POSITION_MINUTES;
use crate::domain::timeline::StateChange;
use crate::domain::{ConversationId, ConversationState, QueueId, Timestamp, WorkstreamId};
use redb::{ReadableTable, WriteTransaction};

impl Store {
    /// Where the conversation waits or last waited.
    pub async fn placement(&self, c: ConversationId) -> Result<Option<Placement>, StoreError> {
        self.read(move |rtx| placement_in(&rtx.open_table(CONVERSATION_QUEUE)?, c))
            .await
    }

    /// Minutes between two position messages to one customer of the workstream.
    pub async fn position_minutes(&self, ws: WorkstreamId) -> Result<u32, StoreError> {
        self.read(move |rtx| {
            Ok(rtx
                .open_table(WORKSTREAM_POSITIONMINUTES)?
                .get(ws.get())?
                .map_or(DEFAULT_POSITION_MINUTES, |g| g.value()))
        })
        .await
    }

    pub async fn set_position_minutes(
        &self,
        ws: WorkstreamId,
        minutes: u32,
    ) -> Result<(), StoreError> {
        self.write(move |tx| {
            tx.open_table(WORKSTREAM_POSITIONMINUTES)?
                .insert(ws.get(), minutes)?;
            Ok(())
        })
        .await
    }

    /// The queue of the conversation's last finished stay, if any.
    pub async fn last_queue(&self, c: ConversationId) -> Result<Option<QueueId>, StoreError> {
        self.read(move |rtx| {
            let t = rtx.open_table(CONVERSATION_QUEUEVISITS)?;
            let last = t
                .range((c.get(), i64::MIN)..=(c.get(), i64::MAX))?
                .next_back()
                .transpose()?;
            Ok(last.map(|(_, v)| QueueId::new(v.value().0)))
        })
        .await
    }

    /// Puts the conversation in `queue` from `now`, unless it is there already (its place and
    /// waiting time stay). `hops` counts overflow transfers.
    pub async fn place(
        &self,
        c: ConversationId,
        queue: QueueId,
        now: Timestamp,
        hops: u8,
    ) -> Result<Placement, StoreError> {
        self.write(move |tx| {
            let current = placement_in(&tx.open_table(CONVERSATION_QUEUE)?, c)?;
            if let Some(p) = current.filter(|p| p.queue == queue) {
                return Ok(p);
            }
            leave_queue(tx, c, now)?;
            tx.open_table(CONVERSATION_QUEUE)?
                .insert(c.get(), (queue.get(), now.as_millis(), hops))?;
            super::facts::refresh_id(tx, c)?;
            Ok(Placement {
                queue,
                entered_at: now,
                hops,
            })
        })
        .await
    }

    /// An overflow rule moved the waiting conversation to queue `to`: its new place and the line
    /// saying so, in one write. False if it no longer waits (assigned or closed meanwhile).
    pub async fn overflow_transfer(
        &self,
        c: ConversationId,
        to: QueueId,
        hops: u8,
        line: StateChange,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        self.write(move |tx| {
            let mut convs = tx.open_table(CONVERSATION_RECORD)?;
            let Some(mut conv) = get_record::<Conversation, _>(&convs, c.get())? else {
                return Ok(false);
            };
            if conv.state != ConversationState::Open {
                return Ok(false);
            }
            leave_queue(tx, c, now)?;
            tx.open_table(CONVERSATION_QUEUE)?
                .insert(c.get(), (to.get(), now.as_millis(), hops))?;
            append_line(tx, &mut conv, &line, None, now)?;
            conv.updated_at = now;
            convs.insert(c.get(), codec::encode(&conv)?.as_slice())?;
            super::facts::refresh(tx, &conv)?;
            Ok(true)
        })
        .await
    }

    /// Writes a queue's system line into the thread of a conversation that still waits.
    pub async fn queue_line(
        &self,
        c: ConversationId,
        line: StateChange,
        now: Timestamp,
    ) -> Result<Option<super::records::Message>, StoreError> {
        self.write(move |tx| {
            let mut convs = tx.open_table(CONVERSATION_RECORD)?;
            let Some(mut conv) = get_record::<Conversation, _>(&convs, c.get())? else {
                return Ok(None);
            };
            if conv.state != ConversationState::Open {
                return Ok(None);
            }
            let m = append_line(tx, &mut conv, &line, None, now)?;
            convs.insert(c.get(), codec::encode(&conv)?.as_slice())?;
            Ok(Some(m))
        })
        .await
    }

    /// Records that `notice` was sent for the conversation at `now`; false if it had been sent
    /// already — the caller then does not send it again.
    pub async fn note_notice(
        &self,
        c: ConversationId,
        notice: Notice,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        self.write(move |tx| {
            let mut t = tx.open_table(CONVERSATION_NOTICE)?;
            let key = (c.get(), notice as u8);
            if t.get(key)?.is_some() {
                return Ok(false);
            }
            t.insert(key, now.as_millis())?;
            Ok(true)
        })
        .await
    }
}

fn placement_in<T>(t: &T, c: ConversationId) -> Result<Option<Placement>, StoreError>
where
    T: ReadableTable<u64, (u64, i64, u8)>,
{
    Ok(t.get(c.get())?.map(|g| {
        let (queue, at, hops) = g.value();
        Placement {
            queue: QueueId::new(queue),
            entered_at: Timestamp::from_millis(at),
            hops,
        }
    }))
}

/// Ends the conversation's stay in its queue, if it has one, keeping the stay for reports.
pub(super) fn leave_queue(
    tx: &WriteTransaction,
    c: ConversationId,
    now: Timestamp,
) -> Result<(), StoreError> {
    let Some(p) = tx
        .open_table(CONVERSATION_QUEUE)?
        .remove(c.get())?
        .map(|g| g.value())
    else {
        return Ok(());
    };
    let (queue, entered, _) = p;
    tx.open_table(CONVERSATION_QUEUEVISITS)?
        .insert((c.get(), entered), (queue, now.as_millis()))?;
    Ok(())
}
