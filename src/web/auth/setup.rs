//! `/setup?token=…`: while no admin exists, the one-time link printed at start-up creates the
//! first admin and signs them in.

use crate::app::Desk;
use crate::auth::AuthState;
use crate::domain::user::{Email, Role, check_new_password};
use crate::secrets::SecretString;
use crate::store::users::NewUser;
use crate::web::csrf::{FormData, PreSessionForm, pre_session_token};
use crate::web::session;
use crate::web::ui::validate;
use crate::web::ui::{
    Field, FieldErrors, FieldKind, FormModel, Page, PageError, Section, redirect,
};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

fn form(csrf: &str, token: &str) -> FormModel {
    FormModel::new("/setup", csrf, "Create admin")
        .field(Field::hidden("token", token))
        .field(Field::new("email", "E-mail", FieldKind::Email).required())
        .field(Field::text("name", "Name").required())
        .field(
            Field::new("password", "Password", FieldKind::Password)
                .required()
                .help("At least 12 characters."),
        )
        .field(Field::new("confirm", "Repeat password", FieldKind::Password).required())
}

fn page(f: FormModel) -> Page {
    Page::new("Set up omnidesk", None)
        .with(Section::Text(
            "Create the first admin. This link works once.".into(),
        ))
        .with(Section::Form(f))
}

async fn check_open(desk: &Desk, auth: &AuthState, token: &str) -> Result<(), PageError> {
    if desk.store().has_admin().await? || !auth.setup_token_valid(token) {
        return Err(PageError::NotFound);
    }
    Ok(())
}

pub async fn show(
    req: HttpRequest,
    query: web::Query<TokenQuery>,
    desk: web::Data<Desk>,
    auth: web::Data<AuthState>,
) -> Result<HttpResponse, PageError> {
    let token = query.token.clone().unwrap_or_default();
    check_open(&desk, &auth, &token).await?;
    let (csrf, cookie) = pre_session_token(&req, &auth, &desk);
    let mut resp = page(form(&csrf, &token)).ok();
    if let Some(c) = cookie {
        let _ = resp.add_cookie(&c);
    }
    Ok(resp)
}

fn validate(f: &FormData) -> Result<(Email, String, String), FieldErrors> {
    let mut errors = FieldErrors::default();
    let email = Email::parse(f.get("email"))
        .map_err(|e| errors.add("email", e))
        .ok();
    let name = validate::line(f, "name", "Name", 100, true, &mut errors);
    let password = f.get("password").to_owned();
    if let Err(e) = check_new_password(&password) {
        errors.add("password", e);
    } else if password != f.get("confirm") {
        errors.add("confirm", "The passwords do not match.");
    }
    match email {
        Some(email) if errors.is_empty() => Ok((email, name, password)),
        _ => Err(errors),
    }
}

pub async fn submit(
    PreSessionForm(f): PreSessionForm,
    desk: web::Data<Desk>,
    auth: web::Data<AuthState>,
) -> Result<HttpResponse, PageError> {
    let token = f.get("token").to_owned();
    check_open(&desk, &auth, &token).await?;
    let csrf = f.get("csrf").to_owned();
    let (email, name, password) = match validate(&f) {
        Ok(v) => v,
        Err(errors) => {
            return Ok(page(form(&csrf, &token).refill(&f, &errors))
                .respond(StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    let hash = auth
        .hasher
        .hash(SecretString::new(password))
        .await
        .map_err(|_| PageError::Internal)?;
    let new = NewUser {
        email,
        name,
        role: Role::Admin,
        password_hash: hash,
        capacity: 10,
        languages: vec!["en".into()],
    };
    let user = match desk.add_first_admin(new, desk.now()).await? {
        Ok(u) => u,
        Err(e) => {
            let errors = FieldErrors::one("", e.to_string());
            return Ok(page(form(&csrf, &token).refill(&f, &errors)).respond(StatusCode::CONFLICT));
        }
    };
    auth.clear_setup_token();
    let session_token = session::start(&desk, &user).await?;
    let mut resp = redirect("/admin/accounts");
    let _ = resp.add_cookie(&session::cookie(&auth, session_token));
    Ok(resp)
}
