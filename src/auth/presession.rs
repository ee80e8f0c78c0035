//! The pre-session CSRF token of sign-in and first-run setup: issued by the server, signed with a
//! server key and carrying its issue time, so a client cannot invent one and an old one expires.
//! Layout: `{random}.{issued at, Unix ms}.{HMAC-SHA256 of both, hex}`.

use crate::domain::Timestamp;
use crate::secrets::fill_random;
use base64::Engine;
use hmac::{Hmac, Mac};
use std::time::Duration;
use subtle::ConstantTimeEq;

/// How long a sign-in or setup form may stay open before it must be loaded again.
pub const VALIDITY: Duration = Duration::from_secs(2 * 3600);
/// Clock skew tolerated for a token that looks issued in the future (a clock set back).
const SKEW: Duration = Duration::from_secs(60);

fn tag(key: &[u8; 32], nonce: &str, issued: i64) -> String {
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(format!("omnidesk pre-session|{nonce}|{issued}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A new token issued at `now`.
pub fn issue(key: &[u8; 32], now: Timestamp) -> String {
    let mut bytes = [0u8; 16];
    fill_random(&mut bytes);
    let nonce = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let issued = now.as_millis();
    format!("{nonce}.{issued}.{}", tag(key, &nonce, issued))
}

/// Whether `token` was issued by this server (with `key`) and is still valid at `now`.
pub fn verify(key: &[u8; 32], token: &str, now: Timestamp) -> bool {
    let mut parts = token.splitn(3, '.');
    let (Some(nonce), Some(issued), Some(sig)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Ok(issued) = issued.parse::<i64>() else {
        return false;
    };
    let issued_at = Timestamp::from_millis(issued);
    let fresh = issued_at.saturating_add(VALIDITY) > now && issued_at <= now.saturating_add(SKEW);
    let expected = tag(key, nonce, issued);
    fresh && sig.len() == expected.len() && bool::from(sig.as_bytes().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [5u8; 32];
    const T0: Timestamp = Timestamp::from_millis(1_000_000);

    #[test]
    fn issued_tokens_verify_until_they_expire() {
        let t = issue(&KEY, T0);
        assert!(verify(&KEY, &t, T0));
        assert!(verify(
            &KEY,
            &t,
            T0.saturating_add(VALIDITY - Duration::from_secs(1))
        ));
        assert!(!verify(&KEY, &t, T0.saturating_add(VALIDITY)), "expired");
        assert!(!verify(&[6u8; 32], &t, T0), "another key");
    }

    #[test]
    fn invented_or_altered_tokens_are_refused() {
        let t = issue(&KEY, T0);
        let (head, _) = t.rsplit_once('.').unwrap();
        let later = head.replace(&T0.as_millis().to_string(), "9999999999999");
        for bad in [
            "A".repeat(43),
            String::new(),
            format!("{head}.00"),
            format!("{later}.{}", t.rsplit_once('.').unwrap().1),
            "a.b.c".to_owned(),
        ] {
            assert!(!verify(&KEY, &bad, T0), "{bad}");
        }
    }
}
