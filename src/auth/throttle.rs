//! Login throttle. Failures are counted per client address and per account over a window. Too many
//! from one address blocks that address. Too many against one account blocks that account only for
//! browsers that have never signed in to it: a browser holding the account's device cookie (set at
//! each successful sign-in) still gets in, so an attacker cannot lock a user out.

use crate::domain::Timestamp;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

pub const WINDOW: Duration = Duration::from_secs(15 * 60);
pub const MAX_PER_ADDRESS: u32 = 20;
pub const MAX_PER_ACCOUNT: u32 = 5;
/// Entries kept at most; the oldest are dropped first so memory stays bounded under attack.
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    AddressBlocked,
    AccountBlocked,
}

#[derive(Default)]
pub struct LoginThrottle {
    addresses: Mutex<HashMap<IpAddr, (u32, Timestamp)>>,
    accounts: Mutex<HashMap<String, (u32, Timestamp)>>,
}

fn count<K: std::hash::Hash + Eq>(
    map: &HashMap<K, (u32, Timestamp)>,
    k: &K,
    now: Timestamp,
) -> u32 {
    match map.get(k) {
        Some((n, since)) if since.saturating_add(WINDOW) > now => *n,
        _ => 0,
    }
}

fn bump<K: std::hash::Hash + Eq + Clone>(
    map: &mut HashMap<K, (u32, Timestamp)>,
    k: K,
    now: Timestamp,
) {
    if map.len() >= MAX_ENTRIES {
        map.retain(|_, (_, since)| since.saturating_add(WINDOW) > now);
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
    }
    let e = map.entry(k).or_insert((0, now));
    if e.1.saturating_add(WINDOW) <= now {
        *e = (0, now);
    }
    e.0 += 1;
}

impl LoginThrottle {
    pub fn check(
        &self,
        addr: IpAddr,
        account: &str,
        known_device: bool,
        now: Timestamp,
    ) -> Verdict {
        let by_address = self.addresses.lock().map_or(0, |a| count(&a, &addr, now));
        if by_address >= MAX_PER_ADDRESS {
            return Verdict::AddressBlocked;
        }
        let by_account = self
            .accounts
            .lock()
            .map_or(0, |a| count(&a, &account.to_owned(), now));
        if !known_device && by_account >= MAX_PER_ACCOUNT {
            return Verdict::AccountBlocked;
        }
        Verdict::Allowed
    }

    pub fn failed(&self, addr: IpAddr, account: &str, now: Timestamp) {
        if let Ok(mut a) = self.addresses.lock() {
            bump(&mut a, addr, now);
        }
        if let Ok(mut a) = self.accounts.lock() {
            bump(&mut a, account.to_owned(), now);
        }
    }

    pub fn succeeded(&self, account: &str) {
        if let Ok(mut a) = self.accounts.lock() {
            a.remove(account);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Timestamp = Timestamp::from_millis(0);

    #[test]
    fn an_account_under_attack_stays_open_to_its_known_browser() {
        let t = LoginThrottle::default();
        let attacker: IpAddr = "203.0.113.9".parse().unwrap();
        for _ in 0..MAX_PER_ACCOUNT {
            t.failed(attacker, "ana@example.com", T0);
        }
        let stranger: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(
            t.check(stranger, "ana@example.com", false, T0),
            Verdict::AccountBlocked
        );
        assert_eq!(
            t.check(stranger, "ana@example.com", true, T0),
            Verdict::Allowed
        );
        let later = T0.saturating_add(WINDOW);
        assert_eq!(
            t.check(stranger, "ana@example.com", false, later),
            Verdict::Allowed
        );
    }

    #[test]
    fn one_address_cannot_keep_guessing() {
        let t = LoginThrottle::default();
        let a: IpAddr = "203.0.113.9".parse().unwrap();
        for i in 0..MAX_PER_ADDRESS {
            t.failed(a, &format!("user{i}@example.com"), T0);
        }
        assert_eq!(
            t.check(a, "new@example.com", true, T0),
            Verdict::AddressBlocked
        );
    }
}
