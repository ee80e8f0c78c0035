//! The open-file budget: the soft limit is raised to the hard one at start-up, then split between
//! client connections (of which live streams may take half, so webhooks and pages always have
//! room) and headroom for the store, media files and provider connections.

/// Bounds derived from the open-file limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileBudget {
    /// The process's open-file limit after raising it.
    pub limit: u64,
    /// Client connections accepted at once, over all workers.
    pub connections: usize,
    /// Live (SSE) streams open at once, over all sessions.
    pub live_streams: usize,
}

/// Ceiling used when the hard limit is unlimited.
const UNLIMITED: u64 = 1 << 20;

impl FileBudget {
    pub fn from_limit(limit: u64) -> Self {
        let limit = limit.min(UNLIMITED);
        // The store, media files being written or served, provider and media connections, logs.
        let reserve = (limit / 8).clamp(64, 1_024);
        let connections = limit.saturating_sub(reserve).max(16);
        Self {
            limit,
            connections: usize::try_from(connections).unwrap_or(usize::MAX),
            live_streams: usize::try_from(connections / 2).unwrap_or(usize::MAX),
        }
    }

    /// Raises the soft open-file limit as far as the hard limit allows and budgets what it is.
    pub fn raise() -> Self {
        let limit = match rlimit::increase_nofile_limit(UNLIMITED) {
            Ok(limit) => limit,
            Err(e) => {
                tracing::warn!(error = %e, "the open-file limit could not be read; assuming 1024");
                1_024
            }
        };
        Self::from_limit(limit)
    }

    /// Connections each of `workers` HTTP workers accepts (actix counts them per worker).
    pub fn connections_per_worker(&self, workers: usize) -> usize {
        (self.connections / workers.max(1)).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_limit_keeps_headroom_and_room_for_webhooks() {
        let b = FileBudget::from_limit(1_024);
        assert_eq!(b.connections, 896);
        assert_eq!(b.live_streams, 448);
        assert_eq!(b.connections_per_worker(2), 448);
        let big = FileBudget::from_limit(u64::MAX);
        assert_eq!(big.limit, 1 << 20);
        assert_eq!(big.connections, (1 << 20) - 1_024);
    }
}
