//! Outbound attachments are served to the provider from signed URLs that expire: the provider
//! fetches them without a session, nobody else can guess them.

use crate::domain::Timestamp;
use hmac::{Hmac, Mac};
use std::time::Duration;

/// How long a provider may take to fetch an outbound attachment.
pub const VALIDITY: Duration = Duration::from_secs(3600);
pub const KEY_PURPOSE: &str = "omnidesk outbound media url";

fn tag(key: &[u8; 32], file: &str, expires: i64) -> String {
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(format!("{file}|{expires}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// `{public_url}/media/out/{file}?expires=…&sig=…`
pub fn url(public_url: &str, key: &[u8; 32], file: &str, now: Timestamp) -> String {
    let expires = now.saturating_add(VALIDITY).as_millis();
    format!(
        "{public_url}/media/out/{file}?expires={expires}&sig={}",
        tag(key, file, expires)
    )
}

/// Whether `sig` is valid for `file` and has not expired at `now`.
pub fn verify(key: &[u8; 32], file: &str, expires: i64, sig: &str, now: Timestamp) -> bool {
    use subtle::ConstantTimeEq;
    let expected = tag(key, file, expires);
    expires > now.as_millis()
        && sig.len() == expected.len()
        && bool::from(sig.as_bytes().ct_eq(expected.as_bytes()))
}

/// Names we generate: letters, digits, `-`, `_`, one `.`; nothing that walks directories.
pub fn safe_name(file: &str) -> bool {
    !file.is_empty()
        && file.len() <= 120
        && file
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !file.starts_with('.')
        && !file.contains("..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_urls_expire_and_cannot_be_altered() {
        let key = [7u8; 32];
        let now = Timestamp::from_millis(1_000);
        let u = url("https://desk.example", &key, "3-ab.pdf", now);
        let sig = u.split("sig=").nth(1).unwrap();
        let expires = now.saturating_add(VALIDITY).as_millis();
        assert!(verify(&key, "3-ab.pdf", expires, sig, now));
        assert!(!verify(&key, "3-ac.pdf", expires, sig, now), "another file");
        assert!(
            !verify(&key, "3-ab.pdf", expires + 1, sig, now),
            "another expiry"
        );
        assert!(
            !verify(
                &key,
                "3-ab.pdf",
                expires,
                sig,
                Timestamp::from_millis(expires)
            ),
            "expired"
        );
        assert!(
            !verify(&[8u8; 32], "3-ab.pdf", expires, sig, now),
            "another key"
        );
        assert!(safe_name("3-ab.pdf"));
        for bad in ["../x", "a/b", ".hidden", "", "a..b"] {
            assert!(!safe_name(bad), "{bad}");
        }
    }
}
