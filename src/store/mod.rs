//! The durable store: one redb file, written only by the group-commit writer thread (`writer`),
//! read from blocking threads through MVCC snapshots. Aggregate modules hold the reads and the
//! write closures for their records; `tables` declares every table.

pub mod accounts;
pub mod assignment;
pub mod automated;
pub mod bots;
pub mod codec;
pub mod consults;
pub mod contacts;
pub mod context;
pub mod conversations;
pub mod devices;
mod disk;
pub mod facts;
pub mod faults;
pub mod flags;
pub mod hours;
pub mod ingest;
pub mod knowledge;
mod layouts;
pub mod members;
pub mod notes;
pub mod offer_cards;
pub mod outbox;
pub mod placement;
pub mod queues;
pub mod quick_replies;
pub mod reads;
pub mod records;
mod reopen;
pub mod retry;
pub mod routing;
pub mod scripts;
pub mod search;
pub mod sendstate;
pub mod setup;
pub mod simulator;
pub mod skills;
pub mod status;
pub mod surveys;
pub mod tables;
pub mod templates;
pub mod timeline;
pub mod users;
pub mod workstreams;
mod writer;

use crate::metrics::Metrics;
use crate::secrets::MasterKey;
use redb::{ReadTransaction, ReadableDatabase, ReadableTable, WriteTransaction};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::oneshot;

pub use disk::StoreHealth;
pub use faults::Faults;

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("storage error: {0}")]
    Storage(String),
    /// The file could not be read or written (a failing disk, a full disk). redb refuses further
    /// work on that database until it is reopened, which the writer does by itself.
    #[error("{0}")]
    Io(String),
    /// The writer is reopening the database after an I/O error; the text says why.
    #[error("the store is not available: {0}")]
    Unavailable(String),
    #[error("record encoding error: {0}")]
    Codec(String),
    /// A stored record that does not decode. Callers fail the request: carrying on with defaults
    /// would let the next save overwrite what is there.
    #[error("stored record {table}/{key} is corrupt: {reason}")]
    Corrupt {
        table: &'static str,
        key: String,
        reason: codec::DecodeError,
    },
    #[error("the store is shutting down")]
    Closed,
    #[error("stored record {0} is missing")]
    Missing(String),
    #[error("a stored secret could not be decrypted")]
    Secret,
}

macro_rules! storage_errors {
    ($($t:ty),+) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::from_redb(redb::Error::from(e))
            }
        }
    )+};
}
storage_errors!(
    redb::TableError,
    redb::StorageError,
    redb::TransactionError,
    redb::CommitError,
    redb::DatabaseError
);

impl From<redb::Error> for StoreError {
    fn from(e: redb::Error) -> Self {
        Self::from_redb(e)
    }
}

impl StoreError {
    /// I/O failures (and redb's refusals after one) are told apart: they mean the file must be
    /// reopened, and that trying again later may succeed.
    fn from_redb(e: redb::Error) -> Self {
        match e {
            redb::Error::Io(_) | redb::Error::PreviousIo | redb::Error::DatabaseClosed => {
                StoreError::Io(e.to_string())
            }
            other => StoreError::Storage(other.to_string()),
        }
    }

    /// Whether the error comes from the storage failing, rather than from the request.
    pub fn is_storage_failure(&self) -> bool {
        matches!(self, Self::Io(_) | Self::Unavailable(_))
    }
}

const DB_FILE: &str = "omnidesk.redb";

/// The handle every part of the process shares. Cloning is cheap.
#[derive(Clone)]
pub struct Store {
    disk: Arc<disk::Disk>,
    queue: writer::Queue,
    writer_thread: Arc<Mutex<Option<std::thread::JoinHandle<()>>>>,
    key: MasterKey,
    dir: PathBuf,
    /// Accounts by webhook key, with their tokens decrypted: every webhook needs one, and they
    /// change only through this store, which forgets the cache on every account change.
    account_cache: Arc<RwLock<HashMap<String, Arc<setup::AccountWithToken>>>>,
    /// Bumped by every forget, so a lookup that read the store before an account change does not
    /// put the stale account back into the cache.
    account_generation: Arc<std::sync::atomic::AtomicU64>,
}

impl Store {
    /// Opens (or creates) the store in `dir`, creating every table.
    pub fn open(dir: &Path, key: MasterKey, metrics: Arc<Metrics>) -> Result<Self, StoreError> {
        Self::open_with_faults(dir, key, metrics, None)
    }

    /// `open`, with the file behind the fault switch when one is given (tests and chaos runs).
    pub fn open_with_faults(
        dir: &Path,
        key: MasterKey,
        metrics: Arc<Metrics>,
        faults: Option<Faults>,
    ) -> Result<Self, StoreError> {
        crate::files::create_private_dir(dir).map_err(|e| StoreError::Io(e.to_string()))?;
        let disk = Arc::new(disk::Disk::open(&dir.join(DB_FILE), faults)?);
        crate::files::tighten(&dir.join(DB_FILE)).map_err(|e| StoreError::Io(e.to_string()))?;
        let tx = disk.current()?.begin_write()?;
        tables::create_all(&tx)?;
        queues::migrate(&tx)?;
        tx.commit()?;
        facts::backfill(&*disk.current()?)?;
        let (queue, handle) =
            writer::spawn(disk.clone(), metrics).map_err(|e| StoreError::Storage(e.to_string()))?;
        Ok(Self {
            disk,
            queue,
            writer_thread: Arc::new(Mutex::new(Some(handle))),
            key,
            dir: dir.to_owned(),
            account_cache: Arc::default(),
            account_generation: Arc::default(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn master_key(&self) -> &MasterKey {
        &self.key
    }

    /// Whether writes are succeeding, for `/healthz`.
    pub fn health(&self) -> StoreHealth {
        self.disk.health()
    }

    /// Runs `f` in the next group commit and answers after the fsync that covers it.
    pub async fn write<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnMut(&WriteTransaction) -> Result<R, StoreError> + Send + 'static,
        R: Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        self.queue
            .send(Box::new(writer::Op::new(f, tx)))
            .map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }

    /// Runs `f` on a read snapshot, on a blocking thread.
    pub async fn read<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(&ReadTransaction) -> Result<R, StoreError> + Send + 'static,
        R: Send + 'static,
    {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.read_now(f))
            .await
            .map_err(|_| StoreError::Closed)?
    }

    /// Same as `read`, for callers already on a blocking thread (CLI, start-up).
    pub fn read_now<R>(
        &self,
        f: impl FnOnce(&ReadTransaction) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let out = self.snapshot().and_then(|rtx| f(&rtx));
        if let Err(StoreError::Io(_)) = &out {
            self.nudge();
        }
        out
    }

    /// A read snapshot. The database handle is let go at once: a snapshot outlives it (reads
    /// then fail cleanly), and the writer can only reopen the file once it holds the last one.
    fn snapshot(&self) -> Result<ReadTransaction, StoreError> {
        let db = self.disk.current()?;
        Ok(db.begin_read()?)
    }

    /// A read failed on I/O: the database may be refusing work without the writer knowing, so
    /// give it an empty write, whose failure makes it reopen the file.
    fn nudge(&self) {
        let (tx, _) = oneshot::channel::<Result<(), StoreError>>();
        let _ = self
            .queue
            .send(Box::new(writer::Op::new(|_: &WriteTransaction| Ok(()), tx)));
    }

    /// Same as `write`, blocking the calling thread (CLI, start-up).
    pub fn write_now<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnMut(&WriteTransaction) -> Result<R, StoreError> + Send + 'static,
        R: Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        self.queue
            .send(Box::new(writer::Op::new(f, tx)))
            .map_err(|_| StoreError::Closed)?;
        rx.blocking_recv().map_err(|_| StoreError::Closed)?
    }

    /// Stops the writer once every other handle is gone and waits for it; used when a process or
    /// a test stops an instance and wants the file closed.
    pub fn close(self) {
        let handle = self.writer_thread.lock().ok().and_then(|mut h| h.take());
        drop(self.queue);
        drop(self.disk);
        if let Some(h) = handle {
            let _ = h.join();
        }
    }
}

/// Hands out the next id for `counter` (ids start at 1).
pub(crate) fn next_id(tx: &WriteTransaction, counter: &str) -> Result<u64, StoreError> {
    let mut t = tx.open_table(tables::META_COUNTER)?;
    let next = t.get(counter)?.map(|g| g.value()).unwrap_or(0) + 1;
    t.insert(counter, next)?;
    Ok(next)
}

/// Reads and decodes one record from a `u64 → bytes` table.
pub(crate) fn get_record<T, TX>(table: &TX, id: u64) -> Result<Option<T>, StoreError>
where
    T: codec::Record,
    TX: ReadableTable<u64, &'static [u8]>,
{
    match table.get(id)? {
        Some(g) => codec::decode_at(id, g.value()).map(Some),
        None => Ok(None),
    }
}

/// Reads and decodes one message of a `(conversation id, seq) → Message` table.
pub(crate) fn get_message<TX>(
    table: &TX,
    key: (u64, u64),
) -> Result<Option<records::Message>, StoreError>
where
    TX: ReadableTable<(u64, u64), &'static [u8]>,
{
    match table.get(key)? {
        Some(g) => codec::decode_at(format!("{key:?}"), g.value()).map(Some),
        None => Ok(None),
    }
}

/// Every record of a `u64 → bytes` table, in id order. One corrupt record fails the whole list:
/// a list that skipped it would hide it from the page that could show the error.
pub(crate) fn all_records<T, TX>(table: &TX) -> Result<Vec<T>, StoreError>
where
    T: codec::Record,
    TX: ReadableTable<u64, &'static [u8]>,
{
    let mut out = Vec::new();
    for row in table.iter()? {
        let (k, v) = row?;
        out.push(codec::decode_at(k.value(), v.value())?);
    }
    Ok(out)
}
