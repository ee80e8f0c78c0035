//! Queues: records of their own, each of one workstream, with members, priority, assignment
//! method, optional operating hours and overflow rules. Every workstream has a fallback queue,
//! made with it (or by the migration from the days when a workstream had one member list). Where a
//! conversation waits, and since when, is in `placement`.

mod fallback;

pub(super) use fallback::{ensure_fallback, migrate};
use fallback::{fallback_of, rename_fallback};

use super::records::{Conversation, Workstream};
use super::tables::{
    CONVERSATION_QUEUE, CONVERSATION_RECORD, HOURS_RECORD, QUEUE_MEMBERS, QUEUE_RECORD,
    USER_RECORD, WORKSTREAM_QUEUES, WORKSTREAM_RECORD,
};
use super::{Store, StoreError, all_records, codec, get_record, next_id};
use crate::domain::ConversationState;
use crate::domain::queue::{
    AssignmentMethod, OverflowAction, OverflowRule, QueueError, check_rules,
};
use crate::domain::workstream::QueueName;
use crate::domain::{HoursId, QueueId, Timestamp, UserId, WorkstreamId};
use redb::{ReadTransaction, ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queue {
    pub id: QueueId,
    pub workstream_id: WorkstreamId,
    pub name: QueueName,
    /// Lower first.
    pub priority: u32,
    pub method: AssignmentMethod,
    /// Closed outside these hours (besides the workstream's own channel hours).
    pub hours: Option<HoursId>,
    pub overflow: Vec<OverflowRule>,
    /// The workstream's fallback queue: where unmatched conversations go; never deleted.
    pub fallback: bool,
}

impl codec::Record for Queue {
    const TABLE: &'static str = "queue_record";
}

/// A new or changed queue as the admin form gives it, parsed.
#[derive(Debug, Clone)]
pub struct QueueDraft {
    pub name: QueueName,
    pub priority: u32,
    pub method: AssignmentMethod,
    pub hours: Option<HoursId>,
    pub overflow: Vec<OverflowRule>,
    pub members: Vec<UserId>,
}

/// Why a queue change was refused; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueRefusal {
    #[error("No such queue.")]
    Unknown,
    #[error("No such workstream.")]
    UnknownWorkstream,
    #[error("This workstream already has a queue named {0}.")]
    DuplicateName(String),
    #[error("That operating-hours record no longer exists.")]
    UnknownHours,
    #[error("An overflow rule transfers to a queue that is not in this workstream.")]
    UnknownTarget,
    #[error("One of the chosen members no longer exists.")]
    UnknownMember,
    #[error("{0}")]
    Invalid(QueueError),
    #[error("The fallback queue cannot be deleted: every workstream has one.")]
    Fallback,
    #[error("{0} conversation(s) wait in this queue. It can be deleted once they are assigned.")]
    InUse(u64),
    #[error("The queue {0} overflows into this one. Change its overflow rules first.")]
    Target(String),
    #[error("The routing rule {0} sends conversations to this queue. Change the rule first.")]
    RoutedTo(String),
}

pub type QueueRefusable<T> = Result<Result<T, QueueRefusal>, StoreError>;

/// Where a conversation waits (or last waited), and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub queue: QueueId,
    pub entered_at: Timestamp,
    /// Overflow transfers so far.
    pub hops: u8,
}

/// Automated notices sent once per conversation, by code (3 was the position in queue, which
/// the supervisor paces in memory; do not reuse it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    OutOfHours = 1,
    Holiday = 2,
}

impl Store {
    pub async fn queue(&self, id: QueueId) -> Result<Option<Queue>, StoreError> {
        self.read(move |rtx| get_record(&rtx.open_table(QUEUE_RECORD)?, id.get()))
            .await
    }

    /// The workstream's queues, by priority (then age).
    pub async fn queues(&self, ws: WorkstreamId) -> Result<Vec<Queue>, StoreError> {
        self.read(move |rtx| queues_of(rtx, ws)).await
    }

    /// Every queue, by workstream then priority.
    pub async fn all_queues(&self) -> Result<Vec<Queue>, StoreError> {
        self.read(|rtx| {
            let mut all: Vec<Queue> = all_records(&rtx.open_table(QUEUE_RECORD)?)?;
            all.sort_by_key(|q| (q.workstream_id, q.priority, q.id));
            Ok(all)
        })
        .await
    }

    /// The workstream's queues with their members, as the supervisor serves them.
    pub async fn queues_with_members(
        &self,
        ws: WorkstreamId,
    ) -> Result<Vec<(Queue, Vec<UserId>)>, StoreError> {
        self.read(move |rtx| {
            let members = rtx.open_table(QUEUE_MEMBERS)?;
            queues_of(rtx, ws)?
                .into_iter()
                .map(|q| Ok((q.clone(), members_of(&members, q.id)?)))
                .collect()
        })
        .await
    }

    pub async fn queue_members(&self, id: QueueId) -> Result<Vec<UserId>, StoreError> {
        self.read(move |rtx| members_of(&rtx.open_table(QUEUE_MEMBERS)?, id))
            .await
    }

    pub async fn create_queue(&self, ws: WorkstreamId, draft: QueueDraft) -> QueueRefusable<Queue> {
        self.write(move |tx| {
            if get_record::<Workstream, _>(&tx.open_table(WORKSTREAM_RECORD)?, ws.get())?.is_none()
            {
                return Ok(Err(QueueRefusal::UnknownWorkstream));
            }
            if let Err(r) = check_draft(tx, ws, None, &draft)? {
                return Ok(Err(r));
            }
            let queue = Queue {
                id: QueueId::new(next_id(tx, "queue")?),
                workstream_id: ws,
                name: draft.name.clone(),
                priority: draft.priority,
                method: draft.method,
                hours: draft.hours,
                overflow: draft.overflow.clone(),
                fallback: false,
            };
            put(tx, &queue)?;
            set_members_in(tx, queue.id, &draft.members)?;
            Ok(Ok(queue))
        })
        .await
    }

    /// Changes a queue. Renaming the fallback queue renames the workstream's fallback queue.
    pub async fn update_queue(&self, id: QueueId, draft: QueueDraft) -> QueueRefusable<Queue> {
        self.write(move |tx| {
            let Some(mut queue) = get_record::<Queue, _>(&tx.open_table(QUEUE_RECORD)?, id.get())?
            else {
                return Ok(Err(QueueRefusal::Unknown));
            };
            if let Err(r) = check_draft(tx, queue.workstream_id, Some(id), &draft)? {
                return Ok(Err(r));
            }
            queue.name = draft.name.clone();
            queue.priority = draft.priority;
            queue.method = draft.method;
            queue.hours = draft.hours;
            queue.overflow = draft.overflow.clone();
            put(tx, &queue)?;
            set_members_in(tx, id, &draft.members)?;
            if queue.fallback {
                rename_fallback(tx, queue.workstream_id, &queue.name)?;
            }
            Ok(Ok(queue))
        })
        .await
    }

    /// Deletes a queue that is not the fallback, that nothing waits in and no other queue
    /// overflows into.
    pub async fn delete_queue(&self, id: QueueId) -> QueueRefusable<Queue> {
        self.write(move |tx| {
            let Some(queue) = get_record::<Queue, _>(&tx.open_table(QUEUE_RECORD)?, id.get())?
            else {
                return Ok(Err(QueueRefusal::Unknown));
            };
            if queue.fallback {
                return Ok(Err(QueueRefusal::Fallback));
            }
            let rules: Vec<super::routing::StoredRule> =
                all_records(&tx.open_table(super::tables::RULE_RECORD)?)?;
            if let Some(r) = rules.iter().find(|r| r.rule.queue == Some(id)) {
                return Ok(Err(QueueRefusal::RoutedTo(r.rule.name.to_string())));
            }
            let waiting = waiting_in(tx, id)?;
            if waiting > 0 {
                return Ok(Err(QueueRefusal::InUse(waiting)));
            }
            let all: Vec<Queue> = all_records(&tx.open_table(QUEUE_RECORD)?)?;
            if let Some(source) = all.iter().find(|q| {
                q.id != id
                    && q.overflow
                        .iter()
                        .any(|r| r.action == OverflowAction::TransferTo(id))
            }) {
                return Ok(Err(QueueRefusal::Target(source.name.as_str().to_owned())));
            }
            set_members_in(tx, id, &[])?;
            tx.open_table(WORKSTREAM_QUEUES)?
                .remove((queue.workstream_id.get(), id.get()))?;
            tx.open_table(QUEUE_RECORD)?.remove(id.get())?;
            Ok(Ok(queue))
        })
        .await
    }

    /// The workstream's members: everyone in any of its queues, in id order.
    pub async fn members(&self, ws: WorkstreamId) -> Result<Vec<UserId>, StoreError> {
        self.read(move |rtx| {
            let members = rtx.open_table(QUEUE_MEMBERS)?;
            let mut out = Vec::new();
            for q in queue_ids(&rtx.open_table(WORKSTREAM_QUEUES)?, ws)? {
                out.extend(members_of(&members, QueueId::new(q))?);
            }
            out.sort();
            out.dedup();
            Ok(out)
        })
        .await
    }

    /// Replaces the members of the workstream's fallback queue.
    pub async fn set_members(
        &self,
        ws: WorkstreamId,
        users: Vec<UserId>,
    ) -> Result<(), StoreError> {
        self.write(move |tx| {
            if let Some(q) = fallback_of(tx, ws)? {
                set_members_in(tx, q, &users)?;
            }
            Ok(())
        })
        .await
    }
}

fn put(tx: &WriteTransaction, q: &Queue) -> Result<(), StoreError> {
    tx.open_table(QUEUE_RECORD)?
        .insert(q.id.get(), codec::encode(q)?.as_slice())?;
    tx.open_table(WORKSTREAM_QUEUES)?
        .insert((q.workstream_id.get(), q.id.get()), 0)?;
    Ok(())
}

fn queue_ids<T>(t: &T, ws: WorkstreamId) -> Result<Vec<u64>, StoreError>
where
    T: ReadableTable<(u64, u64), u8>,
{
    let mut out = Vec::new();
    for row in t.range((ws.get(), 0)..=(ws.get(), u64::MAX))? {
        out.push(row?.0.value().1);
    }
    Ok(out)
}

fn queues_of(rtx: &ReadTransaction, ws: WorkstreamId) -> Result<Vec<Queue>, StoreError> {
    let records = rtx.open_table(QUEUE_RECORD)?;
    let mut out = Vec::new();
    for id in queue_ids(&rtx.open_table(WORKSTREAM_QUEUES)?, ws)? {
        if let Some(q) = get_record::<Queue, _>(&records, id)? {
            out.push(q);
        }
    }
    out.sort_by_key(|q| (q.priority, q.id));
    Ok(out)
}

fn members_of<T>(t: &T, q: QueueId) -> Result<Vec<UserId>, StoreError>
where
    T: ReadableTable<(u64, u64), u8>,
{
    let mut out = Vec::new();
    for row in t.range((q.get(), 0)..=(q.get(), u64::MAX))? {
        out.push(UserId::new(row?.0.value().1));
    }
    Ok(out)
}

fn set_members_in(tx: &WriteTransaction, q: QueueId, users: &[UserId]) -> Result<(), StoreError> {
    let mut t = tx.open_table(QUEUE_MEMBERS)?;
    for u in members_of(&t, q)? {
        t.remove((q.get(), u.get()))?;
    }
    for u in users {
        t.insert((q.get(), u.get()), 0)?;
    }
    Ok(())
}

/// How many conversations still waiting for an agent are placed in `q`.
fn waiting_in(tx: &WriteTransaction, q: QueueId) -> Result<u64, StoreError> {
    let convs = tx.open_table(CONVERSATION_RECORD)?;
    let mut count = 0;
    for row in tx.open_table(CONVERSATION_QUEUE)?.iter()? {
        let (c, v) = row?;
        if v.value().0 != q.get() {
            continue;
        }
        let conv: Option<Conversation> = get_record(&convs, c.value())?;
        if conv.is_some_and(|c| c.state == ConversationState::Open) {
            count += 1;
        }
    }
    Ok(count)
}

/// Checks a draft against the store: a unique name in the workstream, existing hours, members
/// and overflow targets of the same workstream.
fn check_draft(
    tx: &WriteTransaction,
    ws: WorkstreamId,
    own: Option<QueueId>,
    d: &QueueDraft,
) -> Result<Result<(), QueueRefusal>, StoreError> {
    if let Err(e) = check_rules(own, &d.overflow) {
        return Ok(Err(QueueRefusal::Invalid(e)));
    }
    let records = tx.open_table(QUEUE_RECORD)?;
    let siblings = queue_ids(&tx.open_table(WORKSTREAM_QUEUES)?, ws)?;
    for id in &siblings {
        let Some(q) = get_record::<Queue, _>(&records, *id)? else {
            continue;
        };
        if Some(q.id) != own && q.name.as_str().to_lowercase() == d.name.as_str().to_lowercase() {
            return Ok(Err(QueueRefusal::DuplicateName(d.name.as_str().to_owned())));
        }
    }
    if let Some(h) = d.hours
        && tx.open_table(HOURS_RECORD)?.get(h.get())?.is_none()
    {
        return Ok(Err(QueueRefusal::UnknownHours));
    }
    for r in &d.overflow {
        if let OverflowAction::TransferTo(t) = r.action
            && !siblings.contains(&t.get())
        {
            return Ok(Err(QueueRefusal::UnknownTarget));
        }
    }
    let users = tx.open_table(USER_RECORD)?;
    for u in &d.members {
        if users.get(u.get())?.is_none() {
            return Ok(Err(QueueRefusal::UnknownMember));
        }
    }
    Ok(Ok(()))
}
/// Removes every queue of a deleted workstream with their members.
pub(super) fn remove_queues_of(tx: &WriteTransaction, ws: WorkstreamId) -> Result<(), StoreError> {
    let ids = queue_ids(&tx.open_table(WORKSTREAM_QUEUES)?, ws)?;
    for id in ids {
        let q = QueueId::new(id);
        set_members_in(tx, q, &[])?;
        tx.open_table(WORKSTREAM_QUEUES)?.remove((ws.get(), id))?;
        tx.open_table(QUEUE_RECORD)?.remove(id)?;
    }
    Ok(())
}

/// The names of the queues that use hours `id`.
pub(super) fn queues_using_hours(
    tx: &WriteTransaction,
    id: HoursId,
) -> Result<Vec<String>, StoreError> {
    let all: Vec<Queue> = all_records(&tx.open_table(QUEUE_RECORD)?)?;
    Ok(all
        .into_iter()
        .filter(|q| q.hours == Some(id))
        .map(|q| q.name.as_str().to_owned())
        .collect())
}
impl Store {
    /// How many open conversations wait in queue `id`.
    pub async fn queue_waiting(&self, id: QueueId) -> Result<u64, StoreError> {
        self.write(move |tx| waiting_in(tx, id)).await
    }
}
