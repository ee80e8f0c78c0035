//! Webhook abuse throttle: an address whose webhooks keep failing before or at the signature
//! (unknown key, bad signature, malformed or oversized form) is refused with 429 for the rest of
//! the window, from its headers alone, so a flood of junk costs no body reads or signature work.
//! Twilio's own requests are signed and never count.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const WINDOW: Duration = Duration::from_secs(10);
/// Failures one address may cause per window.
pub const MAX_FAILURES: u32 = 100;
/// Addresses remembered at most; past it the expired ones go, then all.
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Default)]
pub struct WebhookThrottle {
    failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl WebhookThrottle {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, (u32, Instant)>> {
        self.failures.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether `addr` has used up its failures for the current window.
    pub fn blocked(&self, addr: IpAddr, now: Instant) -> bool {
        self.map()
            .get(&addr)
            .is_some_and(|(n, since)| *n >= MAX_FAILURES && now.duration_since(*since) < WINDOW)
    }

    pub fn failed(&self, addr: IpAddr, now: Instant) {
        let mut map = self.map();
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, (_, since)| now.duration_since(*since) < WINDOW);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        let e = map.entry(addr).or_insert((0, now));
        if now.duration_since(e.1) >= WINDOW {
            *e = (0, now);
        }
        e.0 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_blocked_after_its_failures_until_the_window_ends() {
        let t = WebhookThrottle::default();
        let addr: IpAddr = "127.0.0.7".parse().unwrap();
        let other: IpAddr = "127.0.0.8".parse().unwrap();
        let start = Instant::now();
        for _ in 0..MAX_FAILURES {
            assert!(!t.blocked(addr, start));
            t.failed(addr, start);
        }
        assert!(t.blocked(addr, start));
        assert!(!t.blocked(other, start));
        assert!(!t.blocked(addr, start + WINDOW));
        t.failed(addr, start + WINDOW);
        assert!(!t.blocked(addr, start + WINDOW));
    }
}
