//! Every workstream's fallback queue: found, made when missing (named as the workstream says),
//! renamed with it, and the start-up migration that gives each workstream of an older build its
//! fallback queue with the workstream's former members.

use super::{Queue, put, queue_ids, set_members_in};
use crate::domain::queue::{AssignmentMethod, FALLBACK_PRIORITY};
use crate::domain::workstream::QueueName;
use crate::domain::{QueueId, UserId, WorkstreamId};
use crate::store::records::Workstream;
use crate::store::tables::{
    QUEUE_MEMBERS, QUEUE_RECORD, WORKSTREAM_MEMBERS, WORKSTREAM_QUEUES, WORKSTREAM_RECORD,
};
use crate::store::{StoreError, all_records, codec, get_record, next_id};
use redb::{ReadableTable, WriteTransaction};

pub(super) fn fallback_of(
    tx: &WriteTransaction,
    ws: WorkstreamId,
) -> Result<Option<QueueId>, StoreError> {
    let records = tx.open_table(QUEUE_RECORD)?;
    for id in queue_ids(&tx.open_table(WORKSTREAM_QUEUES)?, ws)? {
        if get_record::<Queue, _>(&records, id)?.is_some_and(|q| q.fallback) {
            return Ok(Some(QueueId::new(id)));
        }
    }
    Ok(None)
}

pub(super) fn rename_fallback(
    tx: &WriteTransaction,
    ws: WorkstreamId,
    name: &QueueName,
) -> Result<(), StoreError> {
    let mut table = tx.open_table(WORKSTREAM_RECORD)?;
    let Some(mut w) = get_record::<Workstream, _>(&table, ws.get())? else {
        return Ok(());
    };
    if w.fallback_queue != *name {
        w.fallback_queue = name.clone();
        table.insert(ws.get(), codec::encode(&w)?.as_slice())?;
    }
    Ok(())
}

/// Makes the workstream's fallback queue if it has none, named as the workstream says, with
/// `members`; renames it when the workstream's profile renamed it. Returns its id.
pub(in crate::store) fn ensure_fallback(
    tx: &WriteTransaction,
    ws: &Workstream,
    members: &[UserId],
) -> Result<QueueId, StoreError> {
    if let Some(id) = fallback_of(tx, ws.id)? {
        let table = tx.open_table(QUEUE_RECORD)?;
        let existing: Option<Queue> = get_record(&table, id.get())?;
        drop(table);
        if let Some(mut q) = existing.filter(|q| q.name != ws.fallback_queue) {
            q.name = ws.fallback_queue.clone();
            put(tx, &q)?;
        }
        return Ok(id);
    }
    let queue = Queue {
        id: QueueId::new(next_id(tx, "queue")?),
        workstream_id: ws.id,
        name: ws.fallback_queue.clone(),
        priority: FALLBACK_PRIORITY,
        method: AssignmentMethod::HighestCapacity,
        hours: None,
        overflow: Vec::new(),
        fallback: true,
    };
    put(tx, &queue)?;
    set_members_in(tx, queue.id, members)?;
    Ok(queue.id)
}

/// The migration from one member list per workstream: each workstream without a queue gets its
/// fallback queue, whose members are the workstream's former members. Runs at every start-up
/// and changes nothing once done.
pub(in crate::store) fn migrate(tx: &WriteTransaction) -> Result<(), StoreError> {
    let workstreams: Vec<Workstream> = all_records(&tx.open_table(WORKSTREAM_RECORD)?)?;
    for ws in workstreams {
        let mut old = tx.open_table(WORKSTREAM_MEMBERS)?;
        let mut members = Vec::new();
        for row in old.range((ws.id.get(), 0)..=(ws.id.get(), u64::MAX))? {
            members.push(UserId::new(row?.0.value().1));
        }
        for u in &members {
            old.remove((ws.id.get(), u.get()))?;
        }
        drop(old);
        let had_queue = fallback_of(tx, ws.id)?.is_some();
        let q = ensure_fallback(tx, &ws, &members)?;
        if had_queue && !members.is_empty() {
            // Written by an older build after the migration: keep both lists' members.
            let mut t = tx.open_table(QUEUE_MEMBERS)?;
            for u in &members {
                t.insert((q.get(), u.get()), 0)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Channel;
    use crate::domain::workstream::WorkstreamName;
    use crate::secrets::MasterKey;
    use crate::store::Store;
    use crate::store::records::DistributionMode;
    use std::sync::Arc;

    fn open(dir: &std::path::Path) -> Store {
        Store::open(
            dir,
            MasterKey::from_base64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").expect("key"),
            Arc::default(),
        )
        .expect("store opens")
    }

    /// A workstream as an older build stored it: its record and one member list, no queue.
    fn old_workstream(store: &Store, id: u64, members: &[u64]) {
        let members = members.to_vec();
        store
            .write_now(move |tx| {
                let name = WorkstreamName::parse(&format!("Support {id}")).expect("name");
                let ws = Workstream::with_defaults(
                    WorkstreamId::new(id),
                    name,
                    Channel::WhatsApp,
                    DistributionMode::Push,
                );
                tx.open_table(WORKSTREAM_RECORD)?
                    .insert(id, codec::encode(&ws)?.as_slice())?;
                let mut t = tx.open_table(WORKSTREAM_MEMBERS)?;
                for u in &members {
                    t.insert((id, *u), 0)?;
                }
                Ok(())
            })
            .expect("old layout written");
    }

    #[test]
    fn workstream_members_become_the_members_of_its_fallback_queue() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = open(dir.path());
        old_workstream(&store, 900, &[5, 7]);
        old_workstream(&store, 901, &[]);
        store.close();

        let store = open(dir.path());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let queues = store
                .queues_with_members(WorkstreamId::new(900))
                .await
                .expect("read");
            assert_eq!(queues.len(), 1, "one fallback queue");
            let (q, members) = &queues[0];
            assert!(q.fallback);
            assert_eq!(q.name.as_str(), "Support 900 (default)");
            assert_eq!(q.priority, FALLBACK_PRIORITY);
            assert_eq!(members, &vec![UserId::new(5), UserId::new(7)]);
            assert_eq!(
                store.members(WorkstreamId::new(900)).await.expect("read"),
                vec![UserId::new(5), UserId::new(7)]
            );
            let empty = store.queues(WorkstreamId::new(901)).await.expect("read");
            assert_eq!(empty.len(), 1);
            let left = store
                .read(|rtx| Ok(rtx.open_table(WORKSTREAM_MEMBERS)?.iter()?.count()))
                .await
                .expect("read");
            assert_eq!(left, 0, "the old member list is emptied");
        });
        store.close();

        // Running again changes nothing.
        let store = open(dir.path());
        rt.block_on(async {
            let queues = store
                .queues_with_members(WorkstreamId::new(900))
                .await
                .expect("read");
            assert_eq!(queues.len(), 1);
            assert_eq!(queues[0].1.len(), 2);
        });
        store.close();
    }
}
