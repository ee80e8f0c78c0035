//! Injected storage faults: the test and chaos hook. `Faults` is a switch shared between a test
//! (or an operator's chaos run) and the store; when it is given to `Store::open_with_faults`, the
//! redb file is opened through `FaultyBackend`, which forwards every call to redb's own
//! `FileBackend` and fails writes or fsyncs while the switch says so, the way redb's crash tests
//! do. Without a switch the store opens the same file through the same code, minus this wrapper.

use redb::StorageBackend;
use redb::backends::FileBackend;
use std::io;
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Which operations fail, and how. Cloning shares the switch.
#[derive(Debug, Clone, Default)]
pub struct Faults(Arc<Mutex<State>>);

#[derive(Debug, Default)]
struct State {
    /// Writes and file growth (`write`, `set_len`) fail with this kind.
    writes: Option<io::ErrorKind>,
    /// `sync_data` (fsync) fails with this kind.
    syncs: Option<io::ErrorKind>,
    /// Errors handed out so far: what a test waits on to know a fault was hit.
    injected: u64,
}

impl Faults {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every write and every growth of the file fails with `kind` until `heal`. Use
    /// `io::ErrorKind::StorageFull` for a full disk.
    pub fn fail_writes(&self, kind: io::ErrorKind) {
        self.state().writes = Some(kind);
    }

    /// Every fsync fails with `kind` until `heal`.
    pub fn fail_syncs(&self, kind: io::ErrorKind) {
        self.state().syncs = Some(kind);
    }

    /// Lets every operation through again.
    pub fn heal(&self) {
        let mut s = self.state();
        s.writes = None;
        s.syncs = None;
    }

    /// How many errors were injected since the switch was made.
    pub fn injected(&self) -> u64 {
        self.state().injected
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state is plain data, valid whatever a panicking holder left half done.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn check(&self, pick: impl Fn(&State) -> Option<io::ErrorKind>) -> io::Result<()> {
        let mut s = self.state();
        match pick(&s) {
            Some(kind) => {
                s.injected += 1;
                Err(io::Error::new(
                    kind,
                    format!("injected storage fault ({kind})"),
                ))
            }
            None => Ok(()),
        }
    }
}

/// redb's file backend with `Faults` in front of its writes and fsyncs.
#[derive(Debug)]
pub(super) struct FaultyBackend {
    inner: FileBackend,
    faults: Faults,
}

impl FaultyBackend {
    pub(super) fn new(inner: FileBackend, faults: Faults) -> Self {
        Self { inner, faults }
    }
}

type Locked<T> = Result<T, redb::BackendError>;

impl StorageBackend for FaultyBackend {
    fn len(&self) -> io::Result<u64> {
        self.inner.len()
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> io::Result<()> {
        self.inner.read(offset, out)
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.faults.check(|s| s.writes)?;
        self.inner.set_len(len)
    }

    fn sync_data(&self) -> io::Result<()> {
        self.faults.check(|s| s.syncs)?;
        self.inner.sync_data()
    }

    fn write(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        self.faults.check(|s| s.writes)?;
        self.inner.write(offset, data)
    }

    fn close(&self) -> io::Result<()> {
        self.inner.close()
    }

    fn try_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Locked<bool> {
        self.inner.try_lock_range(start, end)
    }

    fn try_lock_shared_range(&self, start: Bound<u64>, end: Bound<u64>) -> Locked<bool> {
        self.inner.try_lock_shared_range(start, end)
    }

    fn lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Locked<()> {
        self.inner.lock_range(start, end)
    }

    fn lock_shared_range(&self, start: Bound<u64>, end: Bound<u64>) -> Locked<()> {
        self.inner.lock_shared_range(start, end)
    }

    fn unlock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Locked<()> {
        self.inner.unlock_range(start, end)
    }

    fn query_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Locked<bool> {
        self.inner.query_lock_range(start, end)
    }
}
