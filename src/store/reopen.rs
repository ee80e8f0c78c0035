//! Reopening the database after an I/O error, on the writer thread. redb answers `PreviousIo` to
//! everything once an I/O error has hit a database, until it is opened again; opening it runs
//! redb's recovery, which needs the disk to accept writes. So the writer empties the slot
//! (readers get `Unavailable`), drops the broken database as soon as no reader holds it, and
//! tries to open the file with backoff. Writes that arrive meanwhile wait up to `HOLD` for the
//! reopen and are then answered `Unavailable` (their callers answer 503); none is dropped. After
//! a reopen the writer commits a probe: the store counts as healthy once a commit succeeds.

use super::StoreError;
use super::disk::Disk;
use super::writer::{Batch, WriteOp, fail_all};
use crate::metrics::Metrics;
use redb::Database;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// The first pause between two attempts; it doubles up to `MAX_DELAY`.
const FIRST_DELAY: Duration = Duration::from_millis(20);
const MAX_DELAY: Duration = Duration::from_secs(1);
/// How long a write waits for the store to come back before it is refused.
const HOLD: Duration = Duration::from_secs(1);

/// The pause before the next attempt; it keeps growing over failed reopens and failed probes
/// alike, until a commit succeeds.
pub(super) struct Backoff(Duration);

impl Backoff {
    pub(super) fn new() -> Self {
        Self(FIRST_DELAY)
    }

    fn next(&mut self) -> Duration {
        let d = self.0;
        self.0 = (d * 2).min(MAX_DELAY);
        d
    }
}

/// Reopens the file; returns the new database and the writes to apply first, or `None` when
/// every sender is gone (the process is stopping). The store stays marked failing: only a
/// commit that succeeds says the disk takes writes again.
pub(super) fn reopen(
    disk: &Disk,
    broken: Arc<Database>,
    rx: &mpsc::Receiver<Box<dyn WriteOp>>,
    uncommitted: Batch,
    metrics: &Metrics,
    backoff: &mut Backoff,
) -> Option<(Arc<Database>, Batch)> {
    let arrived = Instant::now();
    let mut waiting: Vec<(Instant, Box<dyn WriteOp>)> =
        uncommitted.into_iter().map(|op| (arrived, op)).collect();
    drop(disk.take());
    let mut broken = Some(broken);
    loop {
        // The file can be opened again only once the broken database is closed, which happens
        // when its last handle goes; a reader holds one only while it begins a snapshot.
        broken = broken.and_then(|db| Arc::try_unwrap(db).err());
        if broken.is_none() {
            match disk.reopen() {
                Ok(db) => {
                    Metrics::inc(&metrics.store_reopens_total);
                    tracing::info!(held = waiting.len(), "the store is open again");
                    // Reads go on meanwhile; the pause keeps a disk that opens but does not
                    // take writes (a full one) from being retried in a tight loop.
                    if !collect(rx, &mut waiting, backoff.next()) {
                        break;
                    }
                    refuse_overdue(disk, &mut waiting);
                    return Some((db, waiting.into_iter().map(|(_, op)| op).collect()));
                }
                Err(e) => {
                    Metrics::inc(&metrics.store_failures_total);
                    tracing::warn!(error = %e, "reopening the store failed");
                    disk.failing(format!("reopening failed: {e}"));
                }
            }
        }
        if !collect(rx, &mut waiting, backoff.next()) {
            break;
        }
        refuse_overdue(disk, &mut waiting);
    }
    let ops = waiting.into_iter().map(|(_, op)| op).collect();
    fail_all(ops, &StoreError::Closed);
    None
}

/// Queues what arrives for `delay`; false once every sender is gone.
fn collect(
    rx: &mpsc::Receiver<Box<dyn WriteOp>>,
    waiting: &mut Vec<(Instant, Box<dyn WriteOp>)>,
    delay: Duration,
) -> bool {
    let until = Instant::now() + delay;
    loop {
        let now = Instant::now();
        if now >= until {
            return true;
        }
        match rx.recv_timeout(until - now) {
            Ok(op) => waiting.push((Instant::now(), op)),
            Err(mpsc::RecvTimeoutError::Timeout) => return true,
            Err(mpsc::RecvTimeoutError::Disconnected) => return false,
        }
    }
}

/// Answers the writes that have waited `HOLD` with the reason the store is down.
fn refuse_overdue(disk: &Disk, waiting: &mut Vec<(Instant, Box<dyn WriteOp>)>) {
    let now = Instant::now();
    if !waiting.iter().any(|(t, _)| now.duration_since(*t) >= HOLD) {
        return;
    }
    let error = StoreError::Unavailable(disk.health().to_string());
    let (overdue, kept): (Vec<_>, Vec<_>) = std::mem::take(waiting)
        .into_iter()
        .partition(|(t, _)| now.duration_since(*t) >= HOLD);
    *waiting = kept;
    for (_, op) in overdue {
        op.finish(Err(error.clone()));
    }
}
