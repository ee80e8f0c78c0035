//! Sign-in without HTTP: password hashing, token generation and hashing, the login throttle and
//! the one-time setup of the first admin. The cookies, session and CSRF extractors built on these
//! live in `web::session` and `web::csrf`.

pub mod password;
pub mod presession;
pub mod throttle;

use crate::secrets::fill_random;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

/// 256 random bits, URL-safe base64.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    fill_random(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// How tokens are stored: hex SHA-256, so a stolen store file holds no usable session.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Everything sign-in needs besides the store.
#[derive(Clone)]
pub struct AuthState {
    pub hasher: password::Hasher,
    pub throttle: Arc<throttle::LoginThrottle>,
    /// Hash of the one-time setup token while no admin exists.
    pub setup_token: Arc<Mutex<Option<String>>>,
    /// Key signing the pre-session CSRF tokens of sign-in and setup (`presession`).
    pub pre_session_key: [u8; 32],
    /// Cookies get `Secure` when omnidesk is reached over https.
    pub secure_cookies: bool,
}

impl AuthState {
    pub fn new(pre_session_key: [u8; 32], secure_cookies: bool) -> Self {
        Self {
            hasher: password::Hasher::new(2),
            throttle: Arc::new(throttle::LoginThrottle::default()),
            setup_token: Arc::new(Mutex::new(None)),
            pre_session_key,
            secure_cookies,
        }
    }

    /// Creates the one-time setup token and returns it (to print); only its hash is kept.
    pub fn issue_setup_token(&self) -> String {
        let token = random_token();
        if let Ok(mut t) = self.setup_token.lock() {
            *t = Some(token_hash(&token));
        }
        token
    }

    pub fn setup_token_valid(&self, token: &str) -> bool {
        use subtle::ConstantTimeEq;
        let Ok(t) = self.setup_token.lock() else {
            return false;
        };
        t.as_ref()
            .is_some_and(|h| bool::from(h.as_bytes().ct_eq(token_hash(token).as_bytes())))
    }

    pub fn clear_setup_token(&self) {
        if let Ok(mut t) = self.setup_token.lock() {
            *t = None;
        }
    }
}
