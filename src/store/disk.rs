//! The open redb file and what the process knows about its health. redb refuses every operation
//! after an I/O error (`PreviousIo`) until the database is opened again, so the `Database` sits
//! in a slot the writer thread empties and refills when it reopens the file; readers take a
//! handle from the slot for as long as it takes to begin a snapshot.

use super::StoreError;
use super::faults::{Faults, FaultyBackend};
use redb::backends::FileBackend;
use redb::{Builder, Database};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::SystemTime;

/// Whether the store can write, for `/healthz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreHealth {
    Ok,
    /// Writes are failing: `reason` is the latest error, `since` when the failures began.
    Failing {
        reason: String,
        since: SystemTime,
    },
}

impl std::fmt::Display for StoreHealth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Ok => write!(f, "ok"),
            Self::Failing { reason, since } => {
                write!(f, "store failing: {reason}")?;
                match jiff::Timestamp::try_from(*since) {
                    Ok(t) => write!(f, " (since {t:.0})"),
                    Err(_) => Ok(()),
                }
            }
        }
    }
}

pub(super) struct Disk {
    path: PathBuf,
    faults: Option<Faults>,
    slot: RwLock<Option<Arc<Database>>>,
    health: Mutex<StoreHealth>,
}

impl Disk {
    /// Opens (or creates) the database file at `path`, through `faults` if given.
    pub(super) fn open(path: &Path, faults: Option<Faults>) -> Result<Self, StoreError> {
        let db = open_database(path, faults.as_ref())?;
        Ok(Self {
            path: path.to_owned(),
            faults,
            slot: RwLock::new(Some(Arc::new(db))),
            health: Mutex::new(StoreHealth::Ok),
        })
    }

    /// The open database, or why there is none right now (the writer is reopening it).
    pub(super) fn current(&self) -> Result<Arc<Database>, StoreError> {
        let slot = self.slot.read().unwrap_or_else(PoisonError::into_inner);
        match &*slot {
            Some(db) => Ok(db.clone()),
            None => Err(StoreError::Unavailable(self.health().to_string())),
        }
    }

    /// Empties the slot, so that the writer can hold the last handle and drop it.
    pub(super) fn take(&self) -> Option<Arc<Database>> {
        self.slot
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// Opens the file again; the caller has dropped the previous database.
    pub(super) fn reopen(&self) -> Result<Arc<Database>, StoreError> {
        let db = Arc::new(open_database(&self.path, self.faults.as_ref())?);
        *self.slot.write().unwrap_or_else(PoisonError::into_inner) = Some(db.clone());
        Ok(db)
    }

    pub(super) fn health(&self) -> StoreHealth {
        self.health
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Records a storage failure; `since` stays at the first failure of a run of them.
    pub(super) fn failing(&self, reason: String) {
        let mut h = self.health.lock().unwrap_or_else(PoisonError::into_inner);
        let since = match &*h {
            StoreHealth::Failing { since, .. } => *since,
            StoreHealth::Ok => SystemTime::now(),
        };
        *h = StoreHealth::Failing { reason, since };
    }

    pub(super) fn healthy(&self) {
        *self.health.lock().unwrap_or_else(PoisonError::into_inner) = StoreHealth::Ok;
    }
}

/// What `Database::create` does, with the backend made explicit so faults can be put in front.
fn open_database(path: &Path, faults: Option<&Faults>) -> Result<Database, StoreError> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| StoreError::Io(format!("opening {}: {e}", path.display())))?;
    let backend = FileBackend::new(file)?;
    let builder = Builder::new();
    Ok(match faults {
        None => builder.create_with_backend(backend)?,
        Some(f) => builder.create_with_backend(FaultyBackend::new(backend, f.clone()))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use redb::{ReadableDatabase, TableDefinition};
    use std::io::ErrorKind;

    const T: TableDefinition<u64, u64> = TableDefinition::new("t");

    fn put(db: &Database, k: u64) -> Result<(), StoreError> {
        let tx = db.begin_write()?;
        tx.open_table(T)?.insert(k, k)?;
        tx.commit()?;
        Ok(())
    }

    /// What the writer relies on: after a failed commit redb refuses writes and reads with
    /// `PreviousIo` until the database is opened again, and the reopened file has every commit
    /// that succeeded.
    #[test]
    fn after_an_io_error_redb_refuses_work_until_it_is_reopened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.redb");
        let faults = Faults::new();
        let disk = Disk::open(&path, Some(faults.clone())).unwrap();
        let db = disk.current().unwrap();
        put(&db, 1).unwrap();

        faults.fail_syncs(ErrorKind::Other);
        let failed = put(&db, 2).unwrap_err();
        assert!(failed.is_storage_failure(), "{failed}");
        faults.heal();
        let refused = db.begin_write().map(drop).unwrap_err();
        assert!(
            matches!(
                refused,
                redb::TransactionError::Storage(redb::StorageError::PreviousIo)
            ),
            "{refused}"
        );
        let read = db
            .begin_read()
            .map_err(StoreError::from)
            .and_then(|r| Ok(r.open_table(T)?.get(1)?.map(|g| g.value())));
        assert!(
            matches!(read, Err(StoreError::Io(_)) | Ok(Some(1))),
            "a read fails cleanly, or is served from redb's cache: {read:?}"
        );

        drop(disk.take());
        drop(db);
        let db = disk.reopen().unwrap();
        put(&db, 3).unwrap();
        let rtx = db.begin_read().unwrap();
        let t = rtx.open_table(T).unwrap();
        assert_eq!(t.get(1).unwrap().map(|g| g.value()), Some(1));
        assert_eq!(t.get(3).unwrap().map(|g| g.value()), Some(3));
    }

    #[test]
    fn the_health_keeps_the_start_of_a_run_of_failures() {
        let dir = tempfile::tempdir().unwrap();
        let disk = Disk::open(&dir.path().join("x.redb"), None).unwrap();
        disk.failing("first".into());
        let StoreHealth::Failing { since, .. } = disk.health() else {
            panic!("failing");
        };
        disk.failing("second".into());
        assert_eq!(
            disk.health(),
            StoreHealth::Failing {
                reason: "second".into(),
                since
            }
        );
        assert!(
            disk.health()
                .to_string()
                .starts_with("store failing: second (since ")
        );
        assert!(disk.current().is_ok(), "failing is not closed");
        disk.healthy();
        assert_eq!(disk.health(), StoreHealth::Ok);
    }
}
