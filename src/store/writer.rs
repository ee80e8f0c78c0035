//! The single writer thread with group commit. Callers queue a write closure and await its reply;
//! the thread drains the queue (up to `MAX_BATCH`), applies every closure in one transaction,
//! commits with `Durability::Immediate`, and only then answers. One fsync covers the batch.
//!
//! A closure that fails is answered with its error; the batch is then replayed without it in a
//! fresh transaction, so its partial writes vanish and the others still commit. Closures are
//! `FnMut` for this reason and must be safe to run again.
//! When the storage itself fails (an I/O error, a full disk), redb refuses further work until the
//! database is reopened: the writer answers the requests whose commit failed, keeps the ones that
//! never reached a commit, and reopens the file (`reopen`).
//! Every write of the process goes through here, so a read-then-write inside one closure is atomic
//! against every other writer: this is what serialises conversation creation per customer.

use super::StoreError;
use super::disk::Disk;
use super::reopen::{Backoff, reopen};
use super::tables::META_PROBE;
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
pub(super) type Batch = Vec<Box<dyn WriteOp>>;

/// Starts the writer thread. It ends when every sender is dropped.
pub(super) fn spawn(
    disk: Arc<Disk>,
    metrics: Arc<Metrics>,
) -> Result<(Queue, std::thread::JoinHandle<()>), StoreError> {
    let db = disk.current()?;
    let (tx, rx) = mpsc::channel::<Box<dyn WriteOp>>();
    let handle = std::thread::Builder::new()
        .name("omnidesk-store-writer".into())
        .spawn(move || run(&disk, db, &rx, &metrics))
        .map_err(|e| StoreError::Storage(e.to_string()))?;
    Ok((tx, handle))
}

/// What became of a batch.
enum Outcome {
    /// Every request was answered; `committed` if a transaction reached the disk.
    Done { committed: bool },
    /// The database failed on I/O and refuses further work until it is reopened. `uncommitted`
    /// never reached a commit, so it can be applied again after the reopen; requests whose
    /// commit failed were answered with the error, since their writes may or may not be on disk.
    Broken {
        error: StoreError,
        uncommitted: Batch,
    },
}

fn run(
    disk: &Disk,
    mut db: Arc<Database>,
    rx: &mpsc::Receiver<Box<dyn WriteOp>>,
    metrics: &Metrics,
) {
    let mut carried = Batch::new();
    let mut backoff = Backoff::new();
    // Set from a failure until a commit succeeds: the store is healthy again only then.
    let mut recovering = false;
    loop {
        let mut batch = std::mem::take(&mut carried);
        if batch.is_empty() {
            match rx.recv() {
                Ok(first) => batch.push(first),
                Err(_) => return,
            }
        }
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        match commit_batch(&db, batch, metrics) {
            Outcome::Done { committed } => {
                if recovering && committed {
                    recovering = false;
                    backoff = Backoff::new();
                    disk.healthy();
                    tracing::info!("the store takes writes again");
                }
            }
            Outcome::Broken { error, uncommitted } => {
                Metrics::inc(&metrics.store_failures_total);
                tracing::error!(error = %error, held = uncommitted.len(), "the store failed; reopening it");
                disk.failing(error.to_string());
                match reopen(disk, db, rx, uncommitted, metrics, &mut backoff) {
                    Some((fresh, mut waiting)) => {
                        // The probe makes sure a commit is tried even when nobody is waiting.
                        waiting.push(probe());
                        db = fresh;
                        carried = waiting;
                        recovering = true;
                    }
                    None => return,
                }
            }
        }
    }
}

/// How large the probe is: a value this size needs fresh pages, so a disk with no room left
/// fails it (and `/healthz` keeps saying so) even where a small record would still fit.
const PROBE_BYTES: usize = 256 * 1024;
static PROBE: [u8; PROBE_BYTES] = [0; PROBE_BYTES];

/// A write nobody waits for, that rewrites the probe value.
fn probe() -> Box<dyn WriteOp> {
    let (reply, _) = oneshot::channel();
    Box::new(Op::new(
        |tx: &WriteTransaction| {
            tx.open_table(META_PROBE)?
                .insert("probe", PROBE.as_slice())?;
            Ok(())
        },
        reply,
    ))
}

fn commit_batch(db: &Database, mut batch: Batch, metrics: &Metrics) -> Outcome {
    loop {
        if batch.is_empty() {
            return Outcome::Done { committed: false };
        }
        let tx = match begin(db) {
            Ok(tx) => tx,
            Err(error) if error.is_storage_failure() => {
                return Outcome::Broken {
                    error,
                    uncommitted: batch,
                };
            }
            Err(e) => {
                fail_all(batch, &e);
                return Outcome::Done { committed: false };
            }
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
            // replay the others in a fresh transaction. A failure of the storage itself is not
            // the request's fault: the whole batch waits for the reopen instead.
            if let Err(e) = tx.abort() {
                tracing::error!(error = %e, "aborting a write transaction failed");
            }
            if err.is_storage_failure() {
                return Outcome::Broken {
                    error: err,
                    uncommitted: batch,
                };
            }
            tracing::warn!(error = %err, "a write request failed; replaying the rest of its batch");
            batch.remove(i).finish(Err(err));
            continue;
        }
        let started = std::time::Instant::now();
        return match tx.commit() {
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
                Outcome::Done { committed: true }
            }
            Err(e) => {
                let error = StoreError::from(redb::Error::from(e));
                fail_all(batch, &error);
                if error.is_storage_failure() {
                    Outcome::Broken {
                        error,
                        uncommitted: Batch::new(),
                    }
                } else {
                    Outcome::Done { committed: false }
                }
            }
        };
    }
}

fn begin(db: &Database) -> Result<WriteTransaction, StoreError> {
    let mut tx = db.begin_write()?;
    tx.set_durability(Durability::Immediate)
        .map_err(redb::Error::from)?;
    Ok(tx)
}

pub(super) fn fail_all(batch: Batch, e: &StoreError) {
    tracing::error!(error = %e, "a write transaction failed");
    for op in batch {
        op.finish(Err(e.clone()));
    }
}
