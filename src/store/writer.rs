//! The single writer thread with group commit. Callers queue a write closure and await its reply;
//! the thread drains the queue (up to `MAX_BATCH`), applies every closure in one transaction,
//! commits with `Durability::Immediate`, and only then answers. One fsync covers the batch.
//!
//! A closure that fails is answered with its error; the batch is then replayed without it in a
//! fresh transaction, so its partial writes vanish and the others still commit. Closures are
//! `FnMut` for this reason and must be safe to run again.
//! Every write of the process goes through here, so a read-then-write inside one closure is atomic
//! against every other writer: this is what serialises conversation creation per customer.

use super::StoreError;
use crate::metrics::Metrics;
use redb::{Database, Durability, WriteTransaction};
use std::sync::Arc;
use std::sync::mpsc;
use tokio::sync::oneshot;

/// Most write requests in one transaction: bounds the latency one batch adds to its first caller.
const MAX_BATCH: usize = 1_024;
/// A commit slower than this is logged: it delays every caller in its batch.
const SLOW_COMMIT: std::time::Duration = std::time::Duration::from_millis(50);

/// A queued write, type-erased so one channel carries every kind.
pub(super) trait WriteOp: Send {
    fn apply(&mut self, tx: &WriteTransaction) -> Result<(), StoreError>;
    /// Answers the caller: the applied result after a commit, or the error.
    fn finish(self: Box<Self>, outcome: Result<(), StoreError>);
}

pub(super) struct Op<F, R> {
    f: F,
    result: Option<R>,
    reply: oneshot::Sender<Result<R, StoreError>>,
}

impl<F, R> Op<F, R> {
    pub(super) fn new(f: F, reply: oneshot::Sender<Result<R, StoreError>>) -> Self {
        Self {
            f,
            result: None,
            reply,
        }
    }
}

impl<F, R> WriteOp for Op<F, R>
where
    F: FnMut(&WriteTransaction) -> Result<R, StoreError> + Send,
    R: Send,
{
    fn apply(&mut self, tx: &WriteTransaction) -> Result<(), StoreError> {
        self.result = Some((self.f)(tx)?);
        Ok(())
    }

    fn finish(self: Box<Self>, outcome: Result<(), StoreError>) {
        let answer = match (outcome, self.result) {
            (Ok(()), Some(r)) => Ok(r),
            (Ok(()), None) => Err(StoreError::Closed),
            (Err(e), _) => Err(e),
        };
        // The caller may have gone away (client disconnected); the write stands regardless.
        let _ = self.reply.send(answer);
    }
}

pub(super) type Queue = mpsc::Sender<Box<dyn WriteOp>>;

/// Starts the writer thread. It ends when every sender is dropped.
pub(super) fn spawn(
    db: Arc<Database>,
    metrics: Arc<Metrics>,
) -> std::io::Result<(Queue, std::thread::JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel::<Box<dyn WriteOp>>();
    let handle = std::thread::Builder::new()
        .name("omnidesk-store-writer".into())
        .spawn(move || run(&db, &rx, &metrics))?;
    Ok((tx, handle))
}

fn run(db: &Database, rx: &mpsc::Receiver<Box<dyn WriteOp>>, metrics: &Metrics) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        commit_batch(db, batch, metrics);
    }
}

fn commit_batch(db: &Database, mut batch: Vec<Box<dyn WriteOp>>, metrics: &Metrics) {
    loop {
        if batch.is_empty() {
            return;
        }
        let tx = match begin(db) {
            Ok(tx) => tx,
            Err(e) => return fail_all(batch, &e),
        };
        let mut failure = None;
        for (i, op) in batch.iter_mut().enumerate() {
            if let Err(e) = op.apply(&tx) {
                failure = Some((i, e));
                break;
            }
        }
        if let Some((i, err)) = failure {
            // Throw away everything this transaction wrote, answer the failing request, and
            // replay the others in a fresh transaction.
            if let Err(e) = tx.abort() {
                tracing::error!(error = %e, "aborting a write transaction failed");
            }
            tracing::warn!(error = %err, "a write request failed; replaying the rest of its batch");
            batch.remove(i).finish(Err(err));
            continue;
        }
        let started = std::time::Instant::now();
        match tx.commit() {
            Ok(()) => {
                let took = started.elapsed();
                if took > SLOW_COMMIT {
                    tracing::warn!(
                        ms = took.as_millis() as u64,
                        writes = batch.len(),
                        "slow commit"
                    );
                }
                Metrics::inc(&metrics.store_commits_total);
                Metrics::add(&metrics.store_writes_total, batch.len() as u64);
                for op in batch {
                    op.finish(Ok(()));
                }
            }
            Err(e) => fail_all(batch, &StoreError::from(redb::Error::from(e))),
        }
        return;
    }
}

fn begin(db: &Database) -> Result<WriteTransaction, StoreError> {
    let mut tx = db.begin_write().map_err(redb::Error::from)?;
    tx.set_durability(Durability::Immediate)
        .map_err(redb::Error::from)?;
    Ok(tx)
}

fn fail_all(batch: Vec<Box<dyn WriteOp>>, e: &StoreError) {
    tracing::error!(error = %e, "a write transaction failed");
    for op in batch {
        op.finish(Err(e.clone()));
    }
}
