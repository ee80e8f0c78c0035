//! `/account/password`: change your own password (every other session of yours ends and every
//! browser is forgotten; this session stays signed in), or sign out everywhere, this browser too.

use crate::app::Desk;
use crate::auth::AuthState;
use crate::domain::user::check_new_password;
use crate::secrets::SecretString;
use crate::web::csrf::CsrfForm;
use crate::web::session::SignedIn;
use crate::web::ui::{Field, FieldErrors, FieldKind, FormModel, Nav, Page, PageError, Section};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

fn page(user: &SignedIn, form: FormModel, notice: Option<&str>) -> Page {
    let mut p = Page::new("Change password", Some(Nav::for_user(user, "")));
    if let Some(n) = notice {
        p = p.with(Section::Notice(n.into()));
    }
    p.with(Section::Form(form))
        .with(Section::Text(
            "Signed in somewhere you should not be? Sign out everywhere ends every session of \
             yours, this one too, and forgets every browser you signed in from."
                .into(),
        ))
        .with(Section::Form(FormModel::new(
            "/account/sign-out-everywhere",
            &user.csrf,
            "Sign out everywhere",
        )))
}

fn form(csrf: &str) -> FormModel {
    FormModel::new("/account/password", csrf, "Change password")
        .field(Field::new("current", "Current password", FieldKind::Password).required())
        .field(
            Field::new("password", "New password", FieldKind::Password)
                .required()
                .help("At least 12 characters. Your other sessions will be signed out."),
        )
        .field(Field::new("confirm", "Repeat new password", FieldKind::Password).required())
}

pub async fn show(user: SignedIn) -> HttpResponse {
    page(&user, form(&user.csrf), None).ok()
}

pub async fn submit(
    f: CsrfForm,
    desk: web::Data<Desk>,
    auth: web::Data<AuthState>,
) -> Result<HttpResponse, PageError> {
    let user = &f.user;
    let mut errors = FieldErrors::default();
    let ok = auth
        .hasher
        .verify(
            SecretString::new(f.form.get("current")),
            Some(user.user.password_hash.clone()),
        )
        .await;
    if !ok {
        errors.add("current", "This is not your current password.");
    }
    let new = f.form.get("password").to_owned();
    if let Err(e) = check_new_password(&new) {
        errors.add("password", e);
    } else if new != f.form.get("confirm") {
        errors.add("confirm", "The passwords do not match.");
    }
    if !errors.is_empty() {
        return Ok(page(user, form(&user.csrf).refill(&f.form, &errors), None)
            .respond(StatusCode::UNPROCESSABLE_ENTITY));
    }
    let hash = auth
        .hasher
        .hash(SecretString::new(new))
        .await
        .map_err(|_| PageError::Internal)?;
    desk.set_password(
        user.user.id,
        hash,
        Some(user.token_hash.clone()),
        desk.now(),
    )
    .await?
    .map_err(|_| PageError::NotFound)?;
    Ok(page(
        user,
        form(&user.csrf),
        Some("Your password was changed. Your other sessions were signed out."),
    )
    .ok())
}

/// `POST /account/sign-out-everywhere`: ends every session and known device of the user.
pub async fn sign_out_everywhere(
    f: CsrfForm,
    desk: web::Data<Desk>,
    auth: web::Data<AuthState>,
) -> Result<HttpResponse, PageError> {
    desk.sign_out_everywhere(&f.user.user).await?;
    let mut resp = crate::web::ui::redirect("/login");
    let _ = resp.add_cookie(&crate::web::session::removal_cookie(&auth));
    Ok(resp)
}
