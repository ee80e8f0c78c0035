//! CSRF: every POST form of a signed-in page carries the session's token in a hidden `csrf` field;
//! `CsrfForm` reads the form and refuses it (403) unless the token matches. Before sign-in (login,
//! first-run setup) a double-submit cookie plays the session's part; its token is issued and
//! signed by the server (`auth::presession`), so a client cannot choose it, and it expires.

use crate::app::Desk;
use crate::auth::{AuthState, presession};
use crate::domain::form::parse_form;
use crate::web::session::SignedIn;
use crate::web::ui::PageError;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use std::future::Future;
use std::pin::Pin;
use subtle::ConstantTimeEq;

pub const FIELD: &str = "csrf";
pub const PRE_SESSION_COOKIE: &str = "omnidesk_csrf";
/// Largest form accepted from a page.
pub const MAX_FORM_BYTES: usize = 256 * 1024;

/// The fields of a submitted form, in order; repeated names are kept (multi-selects).
#[derive(Debug, Clone, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    /// The first value of `name`, or "" if absent.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// A checkbox: present and not "off".
    pub fn checked(&self, name: &str) -> bool {
        self.0
            .iter()
            .any(|(k, v)| k == name && v != "off" && v != "false")
    }
}

pub fn tokens_match(given: &str, expected: &str) -> bool {
    !expected.is_empty()
        && given.len() == expected.len()
        && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

async fn read_form(payload: &mut Payload) -> Result<FormData, PageError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| PageError::BadRequest("The form could not be read.".into()))?;
        if body.len() + chunk.len() > MAX_FORM_BYTES {
            return Err(PageError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    parse_form(&body)
        .map(FormData)
        .map_err(|_| PageError::BadRequest("The form is not valid form data.".into()))
}

/// A form posted by a signed-in user, with its CSRF token checked.
pub struct CsrfForm {
    pub user: SignedIn,
    pub form: FormData,
}

impl FromRequest for CsrfForm {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let user = SignedIn::extract(&req).await?;
            let form = read_form(&mut payload).await?;
            if !tokens_match(form.get(FIELD), &user.csrf) {
                return Err(PageError::Csrf);
            }
            Ok(CsrfForm { user, form })
        })
    }
}

/// The pre-session CSRF token: the cookie's if this server issued it and it is still valid, else
/// a new one with the cookie to set.
pub fn pre_session_token(
    req: &HttpRequest,
    auth: &AuthState,
    desk: &Desk,
) -> (String, Option<Cookie<'static>>) {
    let now = desk.now();
    match req.cookie(PRE_SESSION_COOKIE) {
        Some(c) if presession::verify(&auth.pre_session_key, c.value(), now) => {
            (c.value().to_owned(), None)
        }
        _ => {
            let t = presession::issue(&auth.pre_session_key, now);
            let cookie = Cookie::build(PRE_SESSION_COOKIE, t.clone())
                .path("/")
                .http_only(true)
                .same_site(SameSite::Strict)
                .secure(auth.secure_cookies)
                .max_age(actix_web::cookie::time::Duration::seconds(
                    presession::VALIDITY.as_secs() as i64,
                ))
                .finish();
            (t, Some(cookie))
        }
    }
}

/// A form posted before sign-in: its token must equal the cookie's, which this server must have
/// issued and which must not have expired.
pub struct PreSessionForm(pub FormData);

impl FromRequest for PreSessionForm {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let cookie = req.cookie(PRE_SESSION_COOKIE).map(|c| c.value().to_owned());
        let key = req
            .app_data::<web::Data<AuthState>>()
            .map(|a| a.pre_session_key);
        let now = req.app_data::<web::Data<Desk>>().map(|d| d.now());
        let mut payload = payload.take();
        Box::pin(async move {
            let form = read_form(&mut payload).await?;
            let (Some(key), Some(now)) = (key, now) else {
                return Err(PageError::Internal);
            };
            match cookie {
                Some(c)
                    if presession::verify(&key, &c, now) && tokens_match(form.get(FIELD), &c) =>
                {
                    Ok(PreSessionForm(form))
                }
                _ => Err(PageError::Csrf),
            }
        })
    }
}
