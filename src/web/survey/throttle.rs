//! The public survey pages' rate limit: requests counted per client address (the peer address,
//! as the sign-in throttle keys it) over a window; past the limit the address gets 429 before
//! any token is looked up, so links cannot be guessed at speed. A customer answering needs two
//! requests, so the limit leaves room for reloads and for a few customers behind one address.

use crate::domain::Timestamp;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

pub const WINDOW: Duration = Duration::from_secs(10 * 60);
/// Survey requests (pages and answers) one address may make per window.
pub const MAX_PER_ADDRESS: u32 = 30;
/// Addresses remembered at most; past it the expired ones go, then all.
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Default)]
pub struct SurveyThrottle {
    seen: Mutex<HashMap<IpAddr, (u32, Timestamp)>>,
}

impl SurveyThrottle {
    /// Counts one request from `addr`; false once the address has used up its window.
    pub fn allow(&self, addr: IpAddr, now: Timestamp) -> bool {
        let mut map = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_ENTRIES && !map.contains_key(&addr) {
            map.retain(|_, (_, since)| since.saturating_add(WINDOW) > now);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        let e = map.entry(addr).or_insert((0, now));
        if e.1.saturating_add(WINDOW) <= now {
            *e = (0, now);
        }
        if e.0 >= MAX_PER_ADDRESS {
            return false;
        }
        e.0 += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Timestamp = Timestamp::from_millis(0);

    #[test]
    fn an_address_is_refused_past_its_limit_until_the_window_ends() {
        let t = SurveyThrottle::default();
        let a: IpAddr = "203.0.113.9".parse().unwrap();
        let b: IpAddr = "198.51.100.1".parse().unwrap();
        for _ in 0..MAX_PER_ADDRESS {
            assert!(t.allow(a, T0));
        }
        assert!(!t.allow(a, T0), "one past the limit");
        assert!(t.allow(b, T0), "another address is not affected");
        assert!(t.allow(a, T0.saturating_add(WINDOW)), "a new window");
    }
}
