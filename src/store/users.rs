//! Users and their sessions. Session tokens are stored only as SHA-256 hashes; a user's sessions
//! are indexed so a password change or "sign out everywhere" ends them all in one write.

use super::tables::*;
use super::{Store, StoreError, all_records, codec, get_record, next_id};
use crate::domain::user::{Email, Role};
use crate::domain::{Timestamp, UserId};
use redb::{ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub name: String,
    pub role: Role,
    /// argon2id PHC string.
    pub password_hash: String,
    pub disabled: bool,
    /// Capacity units this user can carry as an agent.
    pub capacity: u32,
    pub languages: Vec<String>,
    pub created_at: Timestamp,
    pub password_changed_at: Timestamp,
}

impl User {
    /// False for a user added without one (a configuration import): they cannot sign in
    /// until an admin sets a password.
    pub fn has_password(&self) -> bool {
        !self.password_hash.is_empty()
    }
}

impl codec::Record for User {
    const TABLE: &'static str = "user_record";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub user_id: UserId,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// The token every form of this session must carry.
    pub csrf: String,
}

impl codec::Record for Session {
    const TABLE: &'static str = "tokenhash_session";
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    #[error("A user with this e-mail address already exists.")]
    DuplicateEmail,
    #[error("No such user.")]
    Unknown,
    #[error("The last active admin cannot be disabled or lose the admin role.")]
    LastAdmin,
    #[error("An admin already exists; sign in instead.")]
    AdminExists,
}

pub struct NewUser {
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    pub capacity: u32,
    pub languages: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct UserUpdate {
    pub name: String,
    pub role: Role,
    pub capacity: u32,
    pub languages: Vec<String>,
    pub disabled: bool,
}

fn active_admins(tx: &WriteTransaction) -> Result<Vec<UserId>, StoreError> {
    let users: Vec<User> = all_records(&tx.open_table(USER_RECORD)?)?;
    Ok(users
        .into_iter()
        .filter(|u| u.role == Role::Admin && !u.disabled)
        .map(|u| u.id)
        .collect())
}

fn insert_user(
    tx: &WriteTransaction,
    new: &NewUser,
    now: Timestamp,
) -> Result<Result<User, UserError>, StoreError> {
    let mut by_email = tx.open_table(EMAIL_USER)?;
    if by_email.get(new.email.as_str())?.is_some() {
        return Ok(Err(UserError::DuplicateEmail));
    }
    let id = UserId::new(next_id(tx, "user")?);
    let user = User {
        id,
        email: new.email.clone(),
        name: new.name.clone(),
        role: new.role,
        password_hash: new.password_hash.clone(),
        disabled: false,
        capacity: new.capacity,
        languages: new.languages.clone(),
        created_at: now,
        password_changed_at: now,
    };
    by_email.insert(new.email.as_str(), id.get())?;
    tx.open_table(USER_RECORD)?
        .insert(id.get(), codec::encode(&user)?.as_slice())?;
    Ok(Ok(user))
}

/// Ends every session of `user`, except `keep` (a token hash); returns how many ended.
/// The token hashes an index keyed by (user, hash) holds for `user`.
pub(super) fn hashes_of(
    index: &impl ReadableTable<(u64, &'static str), u8>,
    user: UserId,
) -> Result<Vec<String>, StoreError> {
    let mut hashes = Vec::new();
    for row in index.range((user.get(), "")..)? {
        let (k, _) = row?;
        let (owner, hash) = k.value();
        if owner != user.get() {
            break;
        }
        hashes.push(hash.to_owned());
    }
    Ok(hashes)
}

fn end_sessions_in(
    tx: &WriteTransaction,
    user: UserId,
    keep: Option<&str>,
) -> Result<usize, StoreError> {
    let mut index = tx.open_table(USER_SESSIONS)?;
    let mut sessions = tx.open_table(TOKENHASH_SESSION)?;
    let hashes = hashes_of(&index, user)?;
    let mut ended = 0;
    for h in hashes.iter().filter(|h| Some(h.as_str()) != keep) {
        index.remove((user.get(), h.as_str()))?;
        sessions.remove(h.as_str())?;
        ended += 1;
    }
    Ok(ended)
}

impl Store {
    pub async fn add_user(
        &self,
        new: NewUser,
        now: Timestamp,
    ) -> Result<Result<User, UserError>, StoreError> {
        self.write(move |tx| insert_user(tx, &new, now)).await
    }

    /// Creates the first admin, only while no admin exists (the one-time setup).
    pub async fn add_first_admin(
        &self,
        new: NewUser,
        now: Timestamp,
    ) -> Result<Result<User, UserError>, StoreError> {
        self.write(move |tx| {
            if !active_admins(tx)?.is_empty() {
                return Ok(Err(UserError::AdminExists));
            }
            insert_user(tx, &new, now)
        })
        .await
    }

    pub async fn has_admin(&self) -> Result<bool, StoreError> {
        let users = self.users().await?;
        Ok(users.iter().any(|u| u.role == Role::Admin && !u.disabled))
    }

    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        self.read(|rtx| all_records(&rtx.open_table(USER_RECORD)?))
            .await
    }

    pub async fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        self.read(move |rtx| get_record(&rtx.open_table(USER_RECORD)?, id.get()))
            .await
    }

    pub async fn user_by_email(&self, email: Email) -> Result<Option<User>, StoreError> {
        self.read(move |rtx| {
            match rtx
                .open_table(EMAIL_USER)?
                .get(email.as_str())?
                .map(|g| g.value())
            {
                Some(id) => get_record(&rtx.open_table(USER_RECORD)?, id),
                None => Ok(None),
            }
        })
        .await
    }

    /// Changes a user's profile; disabling ends their sessions. The last active admin stays one.
    pub async fn update_user(
        &self,
        id: UserId,
        update: UserUpdate,
    ) -> Result<Result<User, UserError>, StoreError> {
        self.write(move |tx| {
            let mut users = tx.open_table(USER_RECORD)?;
            let Some(mut user) = get_record::<User, _>(&users, id.get())? else {
                return Ok(Err(UserError::Unknown));
            };
            let stays_admin = update.role == Role::Admin && !update.disabled;
            drop(users);
            if !stays_admin && active_admins(tx)? == vec![id] {
                return Ok(Err(UserError::LastAdmin));
            }
            users = tx.open_table(USER_RECORD)?;
            user.name = update.name.clone();
            user.role = update.role;
            user.capacity = update.capacity;
            user.languages = update.languages.clone();
            user.disabled = update.disabled;
            users.insert(id.get(), codec::encode(&user)?.as_slice())?;
            drop(users);
            if user.disabled {
                end_sessions_in(tx, id, None)?;
            }
            Ok(Ok(user))
        })
        .await
    }

    /// Stores a new password hash, ends every session of the user but `keep` and forgets their
    /// known devices.
    pub async fn set_password(
        &self,
        id: UserId,
        hash: String,
        keep: Option<String>,
        now: Timestamp,
    ) -> Result<Result<User, UserError>, StoreError> {
        self.write(move |tx| {
            let mut users = tx.open_table(USER_RECORD)?;
            let Some(mut user) = get_record::<User, _>(&users, id.get())? else {
                return Ok(Err(UserError::Unknown));
            };
            user.password_hash = hash.clone();
            user.password_changed_at = now;
            users.insert(id.get(), codec::encode(&user)?.as_slice())?;
            drop(users);
            end_sessions_in(tx, id, keep.as_deref())?;
            super::devices::forget_devices_in(tx, id)?;
            Ok(Ok(user))
        })
        .await
    }

    pub async fn create_session(
        &self,
        token_hash: String,
        session: Session,
    ) -> Result<(), StoreError> {
        self.write(move |tx| {
            tx.open_table(TOKENHASH_SESSION)?
                .insert(token_hash.as_str(), codec::encode(&session)?.as_slice())?;
            tx.open_table(USER_SESSIONS)?
                .insert((session.user_id.get(), token_hash.as_str()), 0)?;
            Ok(())
        })
        .await
    }

    /// The session and its user, if both exist.
    pub async fn session(&self, token_hash: String) -> Result<Option<(Session, User)>, StoreError> {
        self.read(move |rtx| {
            let Some(session) = rtx
                .open_table(TOKENHASH_SESSION)?
                .get(token_hash.as_str())?
                .map(|g| codec::decode_at::<Session>(&token_hash, g.value()))
                .transpose()?
            else {
                return Ok(None);
            };
            let user = get_record(&rtx.open_table(USER_RECORD)?, session.user_id.get())?;
            Ok(user.map(|u| (session, u)))
        })
        .await
    }

    pub async fn touch_session(
        &self,
        token_hash: String,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(move |tx| {
            let mut t = tx.open_table(TOKENHASH_SESSION)?;
            let found = t
                .get(token_hash.as_str())?
                .map(|g| codec::decode_at::<Session>(&token_hash, g.value()))
                .transpose()?;
            if let Some(mut s) = found {
                s.last_seen_at = now;
                t.insert(token_hash.as_str(), codec::encode(&s)?.as_slice())?;
            }
            Ok(())
        })
        .await
    }

    pub async fn end_session(&self, token_hash: String) -> Result<(), StoreError> {
        self.write(move |tx| {
            let mut t = tx.open_table(TOKENHASH_SESSION)?;
            let found = t
                .remove(token_hash.as_str())?
                .map(|g| codec::decode_at::<Session>(&token_hash, g.value()))
                .transpose()?;
            drop(t);
            if let Some(s) = found {
                tx.open_table(USER_SESSIONS)?
                    .remove((s.user_id.get(), token_hash.as_str()))?;
            }
            Ok(())
        })
        .await
    }

    /// Ends every session of a user but `keep` and forgets their known devices (an admin's "sign
    /// out everywhere"); returns how many sessions ended.
    pub async fn end_sessions_of(
        &self,
        id: UserId,
        keep: Option<String>,
    ) -> Result<usize, StoreError> {
        self.write(move |tx| {
            super::devices::forget_devices_in(tx, id)?;
            end_sessions_in(tx, id, keep.as_deref())
        })
        .await
    }
}

impl Store {
    /// The time zone `user` chose for pages (None: the browser's, or UTC without JavaScript).
    pub async fn time_zone(
        &self,
        user: UserId,
    ) -> Result<Option<crate::domain::hours::ZoneName>, StoreError> {
        self.read(move |rtx| {
            let t = rtx.open_table(super::tables::USER_TIMEZONE)?;
            Ok(t.get(user.get())?
                .and_then(|v| crate::domain::hours::ZoneName::parse(v.value()).ok()))
        })
        .await
    }

    /// Stores (or, with None, forgets) the time zone `user` chose.
    pub async fn set_time_zone(
        &self,
        user: UserId,
        zone: Option<crate::domain::hours::ZoneName>,
    ) -> Result<(), StoreError> {
        self.write(move |tx| {
            let mut t = tx.open_table(super::tables::USER_TIMEZONE)?;
            match &zone {
                Some(z) => {
                    t.insert(user.get(), z.as_str())?;
                }
                None => {
                    t.remove(user.get())?;
                }
            }
            Ok(())
        })
        .await
    }
}
