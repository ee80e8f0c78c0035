//! The send schedule of each sender number, kept in nanoseconds since the Unix epoch: the clock
//! has whole milliseconds, but WhatsApp's 80/s is a slot every 12.5 ms. While a sender has work
//! waiting, each send takes the ideal slot after the previous one, not the (late) instant the
//! dispatcher woke up at, so the rate holds exactly; a sender that was idle starts afresh at now
//! and gets no burst for the time it was quiet.

use crate::domain::{NumberId, Timestamp};
use std::collections::HashMap;
use std::time::Duration;

/// How far behind its ideal slot a waiting sender may catch up at most (at most one gap): a long
/// stall of the process is not made up for with a burst.
const MAX_CATCH_UP: Duration = Duration::from_millis(50);

#[derive(Default)]
pub struct Pacer {
    senders: HashMap<NumberId, Sender>,
}

struct Sender {
    /// The sender's next free slot.
    next: Duration,
    /// A send of this sender was held back for its slot (or the sender is catching up on due
    /// slots), so it has had work waiting since.
    waiting: bool,
}

fn since_epoch(t: Timestamp) -> Duration {
    Duration::from_millis(u64::try_from(t.as_millis()).unwrap_or(0))
}

/// The first millisecond at or after `d`: the clock cannot wake earlier than that.
fn wake_at(d: Duration) -> Timestamp {
    let ms = d.as_nanos().div_ceil(1_000_000);
    Timestamp::from_millis(i64::try_from(ms).unwrap_or(i64::MAX))
}

impl Pacer {
    /// Takes the sender's next slot if it comes within `lead` of `now` (the send waits for it),
    /// or tells when to ask again. The lead lets a send do its durable bookkeeping before its
    /// slot, so the request itself leaves on time.
    pub fn take(
        &mut self,
        number: NumberId,
        gap: Duration,
        now: Timestamp,
        lead: Duration,
    ) -> Result<Timestamp, Timestamp> {
        let now = since_epoch(now);
        let s = self.senders.entry(number).or_insert(Sender {
            next: now,
            waiting: false,
        });
        if s.next > now.saturating_add(lead) {
            s.waiting = true;
            return Err(wake_at(s.next.saturating_sub(lead)));
        }
        let slot = if s.waiting {
            s.next.max(now.saturating_sub(gap.min(MAX_CATCH_UP)))
        } else {
            s.next.max(now)
        };
        s.next = slot.saturating_add(gap);
        // Still behind the schedule (a late wake-up with more due): the next send is waiting
        // work too, not a fresh start.
        s.waiting = s.next <= now;
        Ok(wake_at(slot))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one sender of these tests.
    fn sender() -> NumberId {
        NumberId::new(1)
    }

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms)
    }

    /// Runs a sender with work always waiting for `seconds` simulated seconds, waking on the
    /// millisecond clock `late_ms` after each slot (as a busy process would), and counts the
    /// sends of every simulated second by the slot each was given.
    fn sends_per_second(rate: f64, seconds: i64, late_ms: impl Fn(u64) -> i64) -> Vec<u32> {
        let gap = Duration::from_secs_f64(1.0 / rate);
        let mut pacer = Pacer::default();
        let start = 1_767_258_000_000;
        let end = start + seconds * 1_000;
        let mut now = start;
        let mut counts = vec![0u32; seconds as usize];
        let mut wake = 0u64;
        while now < end {
            match pacer.take(sender(), gap, at(now), Duration::ZERO) {
                Ok(slot) => counts[((slot.as_millis() - start) / 1_000) as usize] += 1,
                Err(next) => {
                    wake += 1;
                    now = next.as_millis() + late_ms(wake);
                }
            }
        }
        counts
    }

    #[test]
    fn every_rate_holds_within_two_percent_on_time_and_with_late_wake_ups() {
        for rate in [1.0, 3.0, 80.0, 100.0, 7.3, 333.0] {
            for (lateness, late) in [
                ("on time", &(|_| 0_i64) as &dyn Fn(u64) -> i64),
                ("1 ms late", &|_| 1),
                ("0-2 ms late", &|w| (w * 7 % 3) as i64),
            ] {
                let seconds = 200;
                let counts = sends_per_second(rate, seconds, late);
                let total: u32 = counts.iter().sum();
                let measured = f64::from(total) / seconds as f64;
                assert!(
                    (measured - rate).abs() <= rate * 0.02,
                    "{rate}/s {lateness}: {measured}/s"
                );
                // No second runs ahead of the rate by more than the one send a boundary splits.
                let most = *counts.iter().max().unwrap();
                assert!(
                    f64::from(most) <= rate.ceil() + 1.0,
                    "{rate}/s {lateness}: a second with {most}"
                );
            }
        }
    }

    #[test]
    fn whatsapp_gets_exactly_80_a_second_on_the_millisecond_clock() {
        let counts = sends_per_second(80.0, 60, |_| 0);
        assert!(counts.iter().all(|&c| c == 80), "{counts:?}");
    }

    #[test]
    fn an_idle_sender_starts_at_now_without_a_burst() {
        let mut pacer = Pacer::default();
        let gap = Duration::from_secs(1);
        let none = Duration::ZERO;
        assert_eq!(pacer.take(sender(), gap, at(1_000), none), Ok(at(1_000)));
        // Quiet for a minute: the next send goes at once, the one after a full gap later.
        assert_eq!(pacer.take(sender(), gap, at(61_000), none), Ok(at(61_000)));
        assert_eq!(pacer.take(sender(), gap, at(61_001), none), Err(at(62_000)));
    }

    #[test]
    fn a_fractional_slot_wakes_at_the_next_millisecond() {
        let mut pacer = Pacer::default();
        let gap = Duration::from_micros(12_500);
        let none = Duration::ZERO;
        assert_eq!(pacer.take(sender(), gap, at(0), none), Ok(at(0)));
        assert_eq!(pacer.take(sender(), gap, at(0), none), Err(at(13)));
        assert_eq!(pacer.take(sender(), gap, at(13), none), Ok(at(13)));
        // The slot after 12.5 ms is 25 ms, not 13 + 12.5.
        assert_eq!(pacer.take(sender(), gap, at(13), none), Err(at(25)));
    }

    #[test]
    fn a_slot_within_the_lead_is_handed_out_early_for_its_own_time() {
        let mut pacer = Pacer::default();
        let gap = Duration::from_secs(1);
        let lead = Duration::from_millis(100);
        assert_eq!(pacer.take(sender(), gap, at(0), lead), Ok(at(0)));
        assert_eq!(pacer.take(sender(), gap, at(0), lead), Err(at(900)));
        assert_eq!(pacer.take(sender(), gap, at(900), lead), Ok(at(1_000)));
        assert_eq!(pacer.take(sender(), gap, at(950), lead), Err(at(1_900)));
    }
}
