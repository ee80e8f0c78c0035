//! Sessions: a 256-bit random token in an HttpOnly, SameSite=Lax cookie (Secure behind https),
//! stored only as its hash. Sessions end after `IDLE` without use or `ABSOLUTE` after sign-in.
//! `SignedIn` is the extractor every page uses.

use crate::app::Desk;
use crate::auth::{AuthState, token_hash};
use crate::domain::Timestamp;
use crate::domain::user::Role;
use crate::store::users::{Session, User};
use crate::web::ui::PageError;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub const COOKIE: &str = "omnidesk_session";
pub const IDLE: Duration = Duration::from_secs(12 * 3600);
pub const ABSOLUTE: Duration = Duration::from_secs(7 * 24 * 3600);
/// Last-seen is written at most this often, so browsing does not cost a write per page.
const TOUCH_EVERY: Duration = Duration::from_secs(5 * 60);

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub token_hash: String,
    pub csrf: String,
}

impl SignedIn {
    pub fn require(&self, role: Role) -> Result<(), PageError> {
        if self.user.role == role {
            Ok(())
        } else {
            Err(PageError::Forbidden)
        }
    }
}

pub fn expired(s: &Session, now: Timestamp) -> bool {
    s.last_seen_at.saturating_add(IDLE) <= now || s.created_at.saturating_add(ABSOLUTE) <= now
}

/// Starts a session for `user`: a new token every time (never reuse one from before sign-in).
pub async fn start(desk: &Desk, user: &User) -> Result<String, PageError> {
    Ok(desk.start_session(user).await?)
}

pub fn cookie(auth: &AuthState, token: String) -> Cookie<'static> {
    Cookie::build(COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(auth.secure_cookies)
        .max_age(CookieDuration::seconds(ABSOLUTE.as_secs() as i64))
        .finish()
}

pub fn removal_cookie(auth: &AuthState) -> Cookie<'static> {
    let mut c = Cookie::build(COOKIE, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(auth.secure_cookies)
        .finish();
    c.make_removal();
    c
}

async fn load(req: HttpRequest) -> Result<SignedIn, PageError> {
    if let Some(s) = req.extensions().get::<SignedIn>() {
        return Ok(s.clone());
    }
    let desk = req
        .app_data::<web::Data<Desk>>()
        .ok_or(PageError::Internal)?
        .clone();
    let token = req.cookie(COOKIE).ok_or(PageError::NotSignedIn)?;
    if token.value().len() != 43 {
        return Err(PageError::NotSignedIn);
    }
    let hash = token_hash(token.value());
    let (session, user) = desk
        .store()
        .session(hash.clone())
        .await?
        .ok_or(PageError::NotSignedIn)?;
    let now = desk.now();
    if expired(&session, now) || user.disabled {
        desk.end_session(hash).await?;
        return Err(PageError::NotSignedIn);
    }
    if session.last_seen_at.saturating_add(TOUCH_EVERY) <= now {
        desk.touch_session(hash.clone(), now).await?;
    }
    let signed_in = SignedIn {
        user,
        token_hash: hash,
        csrf: session.csrf,
    };
    req.extensions_mut().insert(signed_in.clone());
    Ok(signed_in)
}

impl FromRequest for SignedIn {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(load(req.clone()))
    }
}

/// A signed-in admin; anyone else gets 403.
pub struct Admin(pub SignedIn);

impl FromRequest for Admin {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let s = load(req).await?;
            s.require(Role::Admin)?;
            Ok(Admin(s))
        })
    }
}
