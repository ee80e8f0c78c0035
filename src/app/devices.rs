//! Signing in and out beyond one session: each browser's known-device token (which exempts it from
//! its account's login throttle), ending a browser's earlier session at a new sign-in, and "sign
//! out everywhere".

use crate::app::{Desk, DeskError};
use crate::auth::{random_token, token_hash};
use crate::domain::UserId;
use crate::domain::presence::Presence;
use crate::store::users::User;
use std::time::Duration;

/// How long a browser stays known without signing in again.
pub const DEVICE_VALIDITY: Duration = Duration::from_secs(365 * 24 * 3600);

impl Desk {
    /// A new known-device token for `user`; only its hash is stored.
    pub async fn remember_device(&self, user: UserId) -> Result<String, DeskError> {
        let token = random_token();
        self.store()
            .add_device(token_hash(&token), user, self.now())
            .await?;
        Ok(token)
    }

    /// Whether `token` is a known device of `user` that has not expired or been forgotten.
    pub async fn is_known_device(&self, user: UserId, token: &str) -> Result<bool, DeskError> {
        if token.len() != 43 {
            return Ok(false);
        }
        let now = self.now();
        Ok(self
            .store()
            .device(token_hash(token))
            .await?
            .is_some_and(|(owner, issued)| {
                owner == user && issued.saturating_add(DEVICE_VALIDITY) > now
            }))
    }

    /// Ends the session whose cookie a browser still carries when it signs in again, so the old
    /// token stops working.
    pub async fn end_previous_session(&self, token: &str) -> Result<(), DeskError> {
        if token.len() == 43 {
            self.store().end_session(token_hash(token)).await?;
        }
        Ok(())
    }

    /// Ends every session of `user`, this one included, forgets every browser they signed in
    /// from, and sets them Offline.
    pub async fn sign_out_everywhere(&self, user: &User) -> Result<usize, DeskError> {
        let ended = self.store().end_sessions_of(user.id, None).await?;
        self.set_presence(user, Presence::Offline).await?;
        self.shared
            .live
            .publish(crate::live::LiveEvent::UserChanged { user: user.id });
        Ok(ended)
    }
}
