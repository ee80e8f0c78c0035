//! Bounds on live streams: at most `PER_SESSION` per signed-in session (opening one more closes
//! that session's oldest) and a total derived from the open-file limit, past which a new stream is
//! refused with 503 so webhooks and pages keep their connections.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// Streams one session may hold: a few tabs, each with its own stream.
pub const PER_SESSION: usize = 8;

#[derive(Debug, Default)]
struct State {
    total: usize,
    next_id: u64,
    /// Open streams of each session (by session token hash), oldest first.
    by_session: HashMap<String, VecDeque<(u64, Arc<Notify>)>>,
}

/// Every open live stream, shared by all workers.
#[derive(Debug, Clone)]
pub struct StreamSlots {
    total_max: usize,
    per_session: usize,
    state: Arc<Mutex<State>>,
}

/// Why a stream may not open.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("too many live streams are open; try again shortly")]
pub struct Full;

impl StreamSlots {
    pub fn new(total_max: usize, per_session: usize) -> Self {
        Self {
            total_max: total_max.max(1),
            per_session: per_session.max(1),
            state: Arc::default(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A slot for a new stream of `session`. A session at its bound gets one by closing its
    /// oldest stream (returned as `true`); otherwise the total bound must have room.
    pub fn open(&self, session: &str) -> Result<(Slot, bool), Full> {
        let mut state = self.state();
        let held = state.by_session.get(session).map_or(0, VecDeque::len);
        let evicted = if held >= self.per_session {
            let list = state.by_session.get_mut(session);
            if let Some((_, oldest)) = list.and_then(VecDeque::pop_front) {
                // Stored as a permit when its stream is not waiting right now.
                oldest.notify_one();
            }
            true
        } else {
            if state.total >= self.total_max {
                return Err(Full);
            }
            false
        };
        state.total += 1;
        state.next_id += 1;
        let id = state.next_id;
        let closed = Arc::new(Notify::new());
        state
            .by_session
            .entry(session.to_owned())
            .or_default()
            .push_back((id, closed.clone()));
        Ok((
            Slot {
                slots: self.clone(),
                session: session.to_owned(),
                id,
                closed,
            },
            evicted,
        ))
    }

    /// Streams open now, over all sessions.
    pub fn total(&self) -> usize {
        self.state().total
    }
}

/// One open stream's place; dropping it (the stream ended) frees it.
#[derive(Debug)]
pub struct Slot {
    slots: StreamSlots,
    session: String,
    id: u64,
    closed: Arc<Notify>,
}

impl Slot {
    /// Resolves when the stream must end because its session opened one too many.
    pub async fn closed(&self) {
        self.closed.notified().await;
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut state = self.slots.state();
        state.total = state.total.saturating_sub(1);
        if let Some(list) = state.by_session.get_mut(&self.session) {
            list.retain(|(id, _)| *id != self.id);
            if list.is_empty() {
                state.by_session.remove(&self.session);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_session_over_its_bound_closes_its_oldest_stream() {
        let slots = StreamSlots::new(100, 2);
        let (first, _) = slots.open("s").unwrap();
        let (_second, _) = slots.open("s").unwrap();
        let (_third, evicted) = slots.open("s").unwrap();
        assert!(evicted);
        // The permit is stored, so the oldest stream learns even if it was not waiting.
        first.closed().await;
        drop(first);
        assert_eq!(slots.total(), 2);
    }

    #[test]
    fn the_total_bound_refuses_new_sessions_until_one_closes() {
        let slots = StreamSlots::new(2, 8);
        let (a, _) = slots.open("a").unwrap();
        let _b = slots.open("b").unwrap();
        assert_eq!(slots.open("c").unwrap_err(), Full);
        drop(a);
        assert!(slots.open("c").is_ok());
    }
}
