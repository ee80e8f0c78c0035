//! argon2id password hashing (m = 19,456 KiB, t = 2, p = 1) on blocking threads, at most a few at
//! once so a burst of sign-ins cannot exhaust memory or starve the server.

use crate::secrets::SecretString;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::Arc;
use tokio::sync::Semaphore;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed")]
    Failed,
}

fn argon2() -> Argon2<'static> {
    // The parameters are constants within argon2's bounds.
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// Verified against when the e-mail is unknown, so timing does not reveal which users exist.
    dummy: Arc<String>,
}

impl Hasher {
    pub fn new(concurrency: usize) -> Self {
        let dummy = hash_now("omnidesk-dummy-password").unwrap_or_default();
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy: Arc::new(dummy),
        }
    }

    pub async fn hash(&self, password: SecretString) -> Result<String, HashError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| HashError::Failed)?;
        tokio::task::spawn_blocking(move || hash_now(password.expose()))
            .await
            .map_err(|_| HashError::Failed)?
    }

    /// Checks `password` against `phc`; with None, spends the same time and answers false.
    pub async fn verify(&self, password: SecretString, phc: Option<String>) -> bool {
        let Ok(_permit) = self.permits.acquire().await else {
            return false;
        };
        let known = phc.is_some();
        let phc = phc.unwrap_or_else(|| (*self.dummy).clone());
        let ok = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&phc).is_ok_and(|h| {
                argon2()
                    .verify_password(password.expose().as_bytes(), &h)
                    .is_ok()
            })
        })
        .await
        .unwrap_or(false);
        ok && known
    }
}

pub fn hash_now(password: &str) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    crate::secrets::fill_random(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|_| HashError::Failed)?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| HashError::Failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_use_argon2id_with_the_chosen_cost() {
        let h = Hasher::new(1);
        let phc = h
            .hash(SecretString::new("correct horse battery"))
            .await
            .unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(
            h.verify(
                SecretString::new("correct horse battery"),
                Some(phc.clone())
            )
            .await
        );
        assert!(
            !h.verify(SecretString::new("wrong horse battery"), Some(phc))
                .await
        );
        assert!(
            !h.verify(SecretString::new("omnidesk-dummy-password"), None)
                .await
        );
        assert!(
            !h.verify(SecretString::new("x"), Some("not a hash".into()))
                .await
        );
    }
}
