//! `/login` and `/logout`. A failed sign-in says only that the e-mail or password is wrong, counts
//! against the throttle, and takes as long for an unknown e-mail as for a known one. Signing in
//! ends the session the browser still had, and gives a browser new to the account its own
//! known-device token.

use crate::app::Desk;
use crate::auth::AuthState;
use crate::auth::throttle::Verdict;
use crate::domain::user::Email;
use crate::secrets::SecretString;
use crate::web::csrf::{CsrfForm, PreSessionForm, pre_session_token};
use crate::web::session::{self, SignedIn};
use crate::web::ui::{Field, FieldKind, FormModel, Page, PageError, Section, redirect};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};

const DEVICE_COOKIE: &str = "omnidesk_device";

fn login_page(csrf: &str, email: &str, error: Option<&str>) -> Page {
    let mut form = FormModel::new("/login", csrf, "Sign in")
        .field(Field::new("email", "E-mail", FieldKind::Email).value(email))
        .field(Field::new("password", "Password", FieldKind::Password));
    form.error = error.map(str::to_owned);
    Page::new("Sign in", None).with(Section::Form(form))
}

pub async fn show(
    req: HttpRequest,
    desk: web::Data<Desk>,
    auth: web::Data<AuthState>,
) -> HttpResponse {
    if SignedIn::extract(&req).await.is_ok() {
        return redirect("/");
    }
    let (csrf, cookie) = pre_session_token(&req, &auth, &desk);
    let mut page = login_page(&csrf, "", None);
    if !desk.store().has_admin().await.unwrap_or(true) {
        page = page.with(Section::Notice(
            "No admin exists yet: open the setup link printed by omnidesk at start-up, or run `omnidesk user add --role admin`.".into(),
        ));
    }
    let mut resp = page.ok();
    if let Some(c) = cookie {
        let _ = resp.add_cookie(&c);
    }
    resp
}

pub async fn submit(
    req: HttpRequest,
    PreSessionForm(form): PreSessionForm,
    desk: web::Data<Desk>,
    auth: web::Data<AuthState>,
) -> Result<HttpResponse, PageError> {
    let csrf = form.get("csrf").to_owned();
    let typed = form
        .get("email")
        .trim()
        .chars()
        .take(254)
        .collect::<String>();
    let refuse =
        |msg: &str, status: StatusCode| login_page(&csrf, &typed, Some(msg)).respond(status);
    let Ok(email) = Email::parse(&typed) else {
        return Ok(refuse(
            "Enter your e-mail address and password.",
            StatusCode::BAD_REQUEST,
        ));
    };
    let addr = req
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
    let now = desk.now();
    let user = desk.store().user_by_email(email.clone()).await?;
    let device = req.cookie(DEVICE_COOKIE).map(|c| c.value().to_owned());
    let known_device = match (&user, &device) {
        (Some(u), Some(d)) => desk.is_known_device(u.id, d).await?,
        _ => false,
    };
    match auth.throttle.check(addr, email.as_str(), known_device, now) {
        Verdict::Allowed => {}
        Verdict::AddressBlocked | Verdict::AccountBlocked => {
            return Ok(refuse(
                &PageError::Throttled.to_string(),
                StatusCode::TOO_MANY_REQUESTS,
            ));
        }
    }
    let password = SecretString::new(form.get("password"));
    let active = user.filter(|u| !u.disabled);
    let ok = auth
        .hasher
        .verify(password, active.as_ref().map(|u| u.password_hash.clone()))
        .await;
    let Some(user) = active.filter(|_| ok) else {
        auth.throttle.failed(addr, email.as_str(), now);
        return Ok(refuse(
            "The e-mail or password is not right.",
            StatusCode::UNAUTHORIZED,
        ));
    };
    auth.throttle.succeeded(email.as_str());
    if let Some(previous) = req.cookie(session::COOKIE) {
        desk.end_previous_session(previous.value()).await?;
    }
    let token = session::start(&desk, &user).await?;
    desk.set_presence(&user, crate::domain::presence::Presence::Available)
        .await?;
    let mut resp = redirect("/");
    let _ = resp.add_cookie(&session::cookie(&auth, token));
    let device_token = match device.filter(|_| known_device) {
        Some(d) => d,
        None => desk.remember_device(user.id).await?,
    };
    let device = Cookie::build(DEVICE_COOKIE, device_token)
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(auth.secure_cookies)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish();
    let _ = resp.add_cookie(&device);
    // This browser shows times in the zone the user chose, from the first page on.
    if let Some(zone) = desk.time_zone(user.id).await? {
        let _ = resp.add_cookie(&super::time_zone::cookie(&auth, Some(&zone)));
    }
    Ok(resp)
}

pub async fn logout(
    form: CsrfForm,
    desk: web::Data<Desk>,
    auth: web::Data<AuthState>,
) -> Result<HttpResponse, PageError> {
    desk.end_session(form.user.token_hash.clone()).await?;
    desk.set_presence(&form.user.user, crate::domain::presence::Presence::Offline)
        .await?;
    let mut resp = redirect("/login");
    let _ = resp.add_cookie(&session::removal_cookie(&auth));
    Ok(resp)
}
