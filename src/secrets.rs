//! Secrets at rest: XChaCha20-Poly1305 under a master key that never enters the store. The key
//! lives in `master.key` (mode 0600) in the data directory, or comes from OMNIDESK_MASTER_KEY.

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::Write;
use std::path::Path;

const KEY_FILE: &str = "master.key";
const NONCE_LEN: usize = 24;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read or create the master key file: {0}")]
    Io(#[from] std::io::Error),
    #[error("the master key must be 32 bytes, base64-encoded")]
    BadKey,
    #[error("a stored secret could not be decrypted (wrong master key or damaged record)")]
    Decrypt,
}

/// Fills `buf` from the operating system's random source.
pub fn fill_random(buf: &mut [u8]) {
    // The OS generator failing means the machine cannot run anything safely.
    getrandom::fill(buf).expect("the operating system random source is unavailable");
}

/// A secret in memory; its Debug output never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(***)")
    }
}

/// A secret as stored: nonce and ciphertext, bound to its purpose by the associated data.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    nonce: Vec<u8>,
    ciphertext: Vec<u8>,
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealed(***)")
    }
}

#[derive(Clone)]
pub struct MasterKey {
    cipher: XChaCha20Poly1305,
    /// For deriving purpose-bound keys (e.g. cookie MACs); never stored or logged.
    raw: [u8; 32],
}

impl MasterKey {
    /// Loads the key from the environment value if given, else from the data directory, creating
    /// it with mode 0600 on first run.
    pub fn load_or_create(data_dir: &Path, from_env: Option<&str>) -> Result<Self, SecretError> {
        if let Some(b64) = from_env {
            return Self::from_base64(b64);
        }
        let path = data_dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(s) => Self::from_base64(s.trim()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                fill_random(&mut key);
                let text = base64::engine::general_purpose::STANDARD.encode(key);
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    opts.mode(0o600);
                }
                let mut file = opts.open(&path)?;
                file.write_all(text.as_bytes())?;
                file.sync_all()?;
                Ok(Self::from_bytes(key))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub fn from_base64(b64: &str) -> Result<Self, SecretError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|_| SecretError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| SecretError::BadKey)?;
        Ok(Self::from_bytes(key))
    }

    fn from_bytes(raw: [u8; 32]) -> Self {
        Self {
            cipher: XChaCha20Poly1305::new((&raw).into()),
            raw,
        }
    }

    /// A key for `purpose`, derived from the master key with HMAC-SHA256.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        use hmac::{Hmac, Mac};
        let mut mac =
            <Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.raw).expect("HMAC takes any key");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    pub fn seal(&self, secret: &SecretString, purpose: &str) -> Sealed {
        let mut nonce = [0u8; NONCE_LEN];
        fill_random(&mut nonce);
        let payload = Payload {
            msg: secret.expose().as_bytes(),
            aad: purpose.as_bytes(),
        };
        // Encryption only fails for plaintexts beyond 256 GiB.
        let ciphertext = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), payload)
            .expect("secret too large to encrypt");
        Sealed {
            nonce: nonce.to_vec(),
            ciphertext,
        }
    }

    pub fn open(&self, sealed: &Sealed, purpose: &str) -> Result<SecretString, SecretError> {
        if sealed.nonce.len() != NONCE_LEN {
            return Err(SecretError::Decrypt);
        }
        let payload = Payload {
            msg: &sealed.ciphertext,
            aad: purpose.as_bytes(),
        };
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(&sealed.nonce), payload)
            .map_err(|_| SecretError::Decrypt)?;
        String::from_utf8(plain)
            .map(SecretString)
            .map_err(|_| SecretError::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_the_same_key_and_purpose() {
        let dir = tempfile::tempdir().unwrap();
        let key = MasterKey::load_or_create(dir.path(), None).unwrap();
        let sealed = key.seal(&SecretString::new("tok3n"), "account:1");
        assert_eq!(key.open(&sealed, "account:1").unwrap().expose(), "tok3n");
        assert!(key.open(&sealed, "account:2").is_err(), "purpose is bound");
        let again = MasterKey::load_or_create(dir.path(), None).unwrap();
        assert_eq!(again.open(&sealed, "account:1").unwrap().expose(), "tok3n");
        let other =
            MasterKey::from_base64(&base64::engine::general_purpose::STANDARD.encode([7u8; 32]))
                .unwrap();
        assert!(other.open(&sealed, "account:1").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn the_key_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        MasterKey::load_or_create(dir.path(), None).unwrap();
        let mode = std::fs::metadata(dir.path().join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn debug_output_hides_secrets() {
        assert_eq!(format!("{:?}", SecretString::new("x")), "SecretString(***)");
    }
}
