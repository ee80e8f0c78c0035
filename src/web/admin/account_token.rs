//! `/admin/accounts/{id}/token`: an account a configuration import added without its auth
//! token is disabled (webhooks refused, nothing sent) until an admin sets the token here;
//! Twilio checks it first.

use super::accounts::{auth_token, load_account, page};
use crate::app::Desk;
use crate::app::account_token::TokenRefusal;
use crate::domain::user::Role;
use crate::store::records::Account;
use crate::web::csrf::CsrfForm;
use crate::web::ui::{Field, FieldErrors, FieldKind, FormModel, PageError, Section, redirect};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

fn disabled() -> Section {
    Section::Problem(format!(
        "{DISABLED}. Until then its webhooks are refused and nothing is sent from it."
    ))
}

/// What the accounts list says of an account waiting for its token.
pub const DISABLED: &str = "Disabled: set its auth token";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/accounts/{id}/token", web::post().to(set));
}

fn form(a: &Account, csrf: &str) -> FormModel {
    FormModel::new(
        format!("/admin/accounts/{}/token", a.id.get()),
        csrf,
        "Set auth token",
    )
    .field(
        Field::new("auth_token", "Auth token", FieldKind::Password)
            .required()
            .help("Twilio checks it with the account's SID before it is stored."),
    )
}

/// What the accounts list says above its table of each account waiting for its token.
pub fn list_problems(accounts: &[Account]) -> Vec<Section> {
    accounts
        .iter()
        .filter(|a| a.awaits_token())
        .map(|a| {
            Section::Problem(format!(
                "{}: {DISABLED} (open the account to set it).",
                a.name
            ))
        })
        .collect()
}

/// The account page's part for an account waiting for its token: nothing otherwise.
pub fn sections(a: &Account, csrf: &str) -> Vec<Section> {
    if !a.awaits_token() {
        return Vec::new();
    }
    vec![disabled(), Section::Form(form(a, csrf))]
}

async fn set(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let a = load_account(&desk, *id).await?;
    let mut errors = FieldErrors::default();
    let token = auth_token(&f.form, "auth_token", &mut errors);
    if token.is_none() && errors.is_empty() {
        errors.add("auth_token", "Enter the auth token.");
    }
    if let Some(token) = token.filter(|_| errors.is_empty()) {
        match desk.set_awaited_token(a.id, token).await? {
            Ok(_) => {
                return Ok(redirect(&format!("/admin/accounts/{}?saved=1", a.id.get())));
            }
            Err(TokenRefusal::UnknownAccount) => return Err(PageError::NotFound),
            Err(e) => errors.add("auth_token", e.to_string()),
        }
    }
    let mut p = page(&f.user, &format!("Account: {}", a.name));
    p = p.with(disabled());
    Ok(p.with(Section::Form(
        form(&a, &f.user.csrf).refill(&f.form, &errors),
    ))
    .respond(StatusCode::UNPROCESSABLE_ENTITY))
}
