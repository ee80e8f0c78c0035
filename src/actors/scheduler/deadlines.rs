//! The scheduler's book of deadlines: each armed deadline with its instant, in instant order, and
//! which Arm set it. A step (a window flip, an idle step) runs outside the scheduler and reports
//! back; a report overtaken by a newer Arm or a Disarm of its deadline is stale and changes
//! nothing, whichever of the two finishes first.

use super::{Deadline, Outcome, RETRY_BASE, RETRY_CAP};
use crate::domain::Timestamp;
use std::collections::{BTreeSet, HashMap};

#[derive(Default)]
pub(super) struct Deadlines {
    due: BTreeSet<(Timestamp, Deadline)>,
    at: HashMap<Deadline, Timestamp>,
    retries: HashMap<Deadline, u32>,
    /// Per deadline, which Arm set it (a counter), while it is armed or its step runs.
    armings: HashMap<Deadline, u64>,
    next_arming: u64,
}

/// What settling a step's outcome did.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Settled {
    /// Done, or re-armed at its next instant, or stale.
    Quiet,
    /// Failed: retried after a backoff; this is the attempt number.
    Retry(u32),
}

impl Deadlines {
    /// Arms `deadline` at `at` for an Arm message: it replaces an earlier instant and makes any
    /// step of the deadline still running stale.
    pub fn arm(&mut self, deadline: Deadline, at: Timestamp) {
        self.next_arming += 1;
        self.armings.insert(deadline, self.next_arming);
        self.place(deadline, at);
    }

    fn place(&mut self, deadline: Deadline, at: Timestamp) {
        if let Some(old) = self.at.insert(deadline, at) {
            self.due.remove(&(old, deadline));
        }
        self.due.insert((at, deadline));
    }

    pub fn disarm(&mut self, deadline: Deadline) {
        if let Some(old) = self.at.remove(&deadline) {
            self.due.remove(&(old, deadline));
        }
        self.armings.remove(&deadline);
    }

    pub fn first(&self) -> Option<Timestamp> {
        self.due.first().map(|(t, _)| *t)
    }

    pub fn len(&self) -> usize {
        self.due.len()
    }

    /// Takes every deadline due at `now`, earliest first. Window and idle deadlines keep their
    /// arming for the report of their step; the others are fired at their owner and done.
    pub fn pop_due(&mut self, now: Timestamp) -> Vec<Deadline> {
        let mut out = Vec::new();
        while let Some(&(at, d)) = self.due.first() {
            if at > now {
                break;
            }
            self.due.pop_first();
            self.at.remove(&d);
            if !matches!(d, Deadline::Window(_) | Deadline::Idle(_)) {
                self.armings.remove(&d);
            }
            out.push(d);
        }
        out
    }

    /// The arming of each of `deadlines` now, for the steps about to start.
    pub fn armings_of(&self, deadlines: impl Iterator<Item = Deadline>) -> HashMap<Deadline, u64> {
        deadlines
            .filter_map(|d| self.armings.get(&d).map(|a| (d, *a)))
            .collect()
    }

    /// Applies a step's outcome unless the step is stale (`spawned`: its deadline's arming when
    /// it started).
    pub fn settle(
        &mut self,
        d: Deadline,
        spawned: Option<u64>,
        outcome: Outcome,
        now: Timestamp,
    ) -> Settled {
        let current = self.armings.get(&d).copied();
        if current.is_none() || spawned != current || self.at.contains_key(&d) {
            return Settled::Quiet;
        }
        match outcome {
            Outcome::Finished => {
                self.retries.remove(&d);
                self.armings.remove(&d);
                Settled::Quiet
            }
            Outcome::Rearm(at) => {
                self.retries.remove(&d);
                self.place(d, at);
                Settled::Quiet
            }
            Outcome::Failed => {
                let n = self.retries.entry(d).or_insert(0);
                *n = n.saturating_add(1);
                let attempt = *n;
                let wait = RETRY_BASE
                    .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
                    .min(RETRY_CAP);
                self.place(d, now.saturating_add(wait));
                Settled::Retry(attempt)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ConversationId;

    const DAY: i64 = 24 * 3600 * 1000;

    fn t(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms)
    }

    #[test]
    fn a_step_overtaken_by_a_newer_arm_is_stale_whichever_finishes_first() {
        let d = Deadline::Idle(ConversationId::new(1));
        for stale_last in [true, false] {
            let mut book = Deadlines::default();
            // Accepted (Active): armed, due, its step starts reading the store.
            book.arm(d, t(0));
            assert_eq!(book.pop_due(t(0)), vec![d]);
            let active = book.armings_of([d].into_iter());
            // Ended (Wrap-up): armed again, due, a second step starts.
            book.arm(d, t(0));
            assert_eq!(book.pop_due(t(0)), vec![d]);
            let wrap_up = book.armings_of([d].into_iter());
            let (first, second) = if stale_last {
                ((wrap_up, DAY), (active, 30 * DAY))
            } else {
                ((active, 30 * DAY), (wrap_up, DAY))
            };
            for (spawned, at) in [first, second] {
                book.settle(d, spawned.get(&d).copied(), Outcome::Rearm(t(at)), t(0));
            }
            assert_eq!(
                book.first(),
                Some(t(DAY)),
                "the Wrap-up step's instant wins (stale last: {stale_last})"
            );
            assert_eq!(book.len(), 1);
        }
    }

    #[test]
    fn a_disarmed_deadline_is_not_armed_again_by_its_running_step_and_failures_back_off() {
        let d = Deadline::Window(ConversationId::new(2));
        let mut book = Deadlines::default();
        book.arm(d, t(0));
        book.pop_due(t(0));
        let spawned = book.armings_of([d].into_iter()).get(&d).copied();
        book.disarm(d);
        book.settle(d, spawned, Outcome::Rearm(t(5)), t(0));
        assert_eq!(book.len(), 0, "closed meanwhile: stays disarmed");

        book.arm(d, t(0));
        book.pop_due(t(0));
        let spawned = book.armings_of([d].into_iter()).get(&d).copied();
        assert_eq!(
            book.settle(d, spawned, Outcome::Failed, t(0)),
            Settled::Retry(1)
        );
        assert_eq!(book.first(), Some(t(1_000)));
        book.pop_due(t(1_000));
        assert_eq!(
            book.settle(d, spawned, Outcome::Failed, t(1_000)),
            Settled::Retry(2)
        );
        assert_eq!(book.first(), Some(t(3_000)), "then 2 s");
        book.pop_due(t(3_000));
        assert_eq!(
            book.settle(d, spawned, Outcome::Finished, t(3_000)),
            Settled::Quiet
        );
        assert_eq!(book.len(), 0);
        assert!(
            book.armings.is_empty() && book.retries.is_empty(),
            "nothing kept"
        );
    }
}
