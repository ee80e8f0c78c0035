//! `/account/time-zone`: the time zone your pages show times in when JavaScript is off (with it,
//! the browser's own zone is used). Stored with your user and carried by the `omnidesk_tz`
//! cookie, which signing in sets again; `web::zone` reads it for every request.

use crate::app::Desk;
use crate::auth::AuthState;
use crate::domain::hours::{ZoneName, zone_names};
use crate::web::csrf::CsrfForm;
use crate::web::session::SignedIn;
use crate::web::ui::{Field, FieldErrors, FormModel, Nav, Page, PageError, Section, redirect};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

/// The cookie naming the viewer's time zone.
pub const COOKIE: &str = "omnidesk_tz";

/// The cookie for `zone` (None: its removal).
pub fn cookie(auth: &AuthState, zone: Option<&ZoneName>) -> Cookie<'static> {
    let mut c = Cookie::build(
        COOKIE,
        zone.map_or(String::new(), |z| z.as_str().to_owned()),
    )
    .path("/")
    .http_only(true)
    .same_site(SameSite::Lax)
    .secure(auth.secure_cookies)
    .finish();
    match zone {
        Some(_) => c.set_max_age(actix_web::cookie::time::Duration::days(365)),
        None => c.make_removal(),
    }
    c
}

fn form(csrf: &str, current: &str) -> FormModel {
    let mut options = vec![(
        String::new(),
        "The browser's time zone (UTC without JavaScript)".to_owned(),
    )];
    options.extend(zone_names().into_iter().map(|z| (z.clone(), z)));
    FormModel::new("/account/time-zone", csrf, "Save time zone").field(
        Field::new(
            "time_zone",
            "Time zone",
            crate::web::ui::FieldKind::Select { options },
        )
        .value(current)
        .help("Times on pages are shown in this zone when JavaScript is off."),
    )
}

fn page(user: &SignedIn, form: FormModel, notice: Option<&str>) -> Page {
    let mut p = Page::new("Time zone", Some(Nav::for_user(user, "")));
    if let Some(n) = notice {
        p = p.with(Section::Notice(n.into()));
    }
    p.with(Section::Form(form))
}

#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

pub async fn show(
    user: SignedIn,
    q: web::Query<Done>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let current = desk.time_zone(user.user.id).await?;
    let current = current.as_ref().map_or("", |z| z.as_str());
    let notice = q.done.is_some().then_some("Saved.");
    Ok(page(&user, form(&user.csrf, current), notice).ok())
}

pub async fn submit(
    f: CsrfForm,
    desk: web::Data<Desk>,
    auth: web::Data<AuthState>,
) -> Result<HttpResponse, PageError> {
    let typed = f.form.get("time_zone").trim();
    let zone = if typed.is_empty() {
        None
    } else {
        match ZoneName::parse(typed) {
            Ok(z) => Some(z),
            Err(e) => {
                let mut errors = FieldErrors::default();
                errors.add("time_zone", e.to_string());
                let form = form(&f.user.csrf, "").refill(&f.form, &errors);
                return Ok(page(&f.user, form, None).respond(StatusCode::UNPROCESSABLE_ENTITY));
            }
        }
    };
    desk.set_time_zone(f.user.user.id, zone.clone()).await?;
    let mut resp = redirect("/account/time-zone?done=saved");
    let _ = resp.add_cookie(&cookie(&auth, zone.as_ref()));
    Ok(resp)
}

/// The zone a request's `omnidesk_tz` cookie names, if it is a real one.
pub fn of_request(req: &actix_web::HttpRequest) -> Option<jiff::tz::TimeZone> {
    let c = req.cookie(COOKIE)?;
    let name = ZoneName::parse(c.value()).ok()?;
    jiff::tz::TimeZone::get(name.as_str()).ok()
}

/// Middleware: the request is answered with times in the zone its cookie names.
pub async fn scope(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let zone = of_request(req.request());
    crate::web::ui::when::in_zone(zone, next.call(req)).await
}
