//! The one source of time. Production uses the system clock; tests use a manual clock they move
//! forward, so 24-hour windows and retry backoffs are exercised without sleeping.

use crate::domain::Timestamp;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::watch;

/// Longest single real sleep, so a wall-clock jump is noticed within this bound.
const MAX_REAL_SLEEP: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct Clock(Arc<Inner>);

enum Inner {
    System,
    Manual(watch::Sender<Timestamp>),
}

impl Clock {
    pub fn system() -> Self {
        Self(Arc::new(Inner::System))
    }

    /// A clock that stands still until `advance` or `set` moves it.
    pub fn manual(start: Timestamp) -> Self {
        Self(Arc::new(Inner::Manual(watch::Sender::new(start))))
    }

    pub fn now(&self) -> Timestamp {
        match &*self.0 {
            Inner::System => {
                let ms = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_millis())
                    .unwrap_or(0);
                Timestamp::from_millis(i64::try_from(ms).unwrap_or(i64::MAX))
            }
            Inner::Manual(tx) => *tx.borrow(),
        }
    }

    /// Moves a manual clock forward; does nothing to the system clock.
    pub fn advance(&self, by: Duration) {
        if let Inner::Manual(tx) = &*self.0 {
            tx.send_modify(|t| *t = t.saturating_add(by));
        }
    }

    /// Completes once `now() >= at`.
    pub async fn sleep_until(&self, at: Timestamp) {
        match &*self.0 {
            Inner::System => loop {
                let left = self.now().until(at);
                if left.is_zero() {
                    return;
                }
                tokio::time::sleep(left.min(MAX_REAL_SLEEP)).await;
            },
            Inner::Manual(tx) => {
                let mut rx = tx.subscribe();
                // The sender lives as long as the clock, which this future borrows.
                let _ = rx.wait_for(|now| *now >= at).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_manual_clock_wakes_sleepers_when_advanced() {
        let clock = Clock::manual(Timestamp::from_millis(0));
        let c = clock.clone();
        let sleeper =
            tokio::spawn(async move { c.sleep_until(Timestamp::from_millis(5_000)).await });
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished());
        clock.advance(Duration::from_secs(4));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished());
        clock.advance(Duration::from_secs(1));
        sleeper.await.unwrap();
        assert_eq!(clock.now().as_millis(), 5_000);
    }
}
