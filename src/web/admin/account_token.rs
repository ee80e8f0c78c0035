//! `/admin/accounts/{id}/token`: an account a configuration import added without its secret
//! (Twilio's auth token, ACS's connection string) is disabled (webhooks refused, nothing sent)
//! until an admin sets it here; Twilio checks a token first, an ACS connection string must be for
//! the account's endpoint.

use super::accounts::{auth_token, load_account, page};
use crate::app::Desk;
use crate::app::account_token::TokenRefusal;
use crate::domain::user::Role;
use crate::secrets::SecretString;
use crate::store::records::{Account, ProviderKind};
use crate::web::csrf::CsrfForm;
use crate::web::ui::{Field, FieldErrors, FieldKind, FormModel, PageError, Section, redirect};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

fn disabled(a: &Account) -> Section {
    Section::Problem(format!(
        "{}. Until then its webhooks are refused and nothing is sent from it.",
        disabled_text(a)
    ))
}

/// What the accounts list says of an account waiting for its token.
pub const DISABLED: &str = "Disabled: set its auth token";
/// … and of an ACS account waiting for its connection string.
pub const DISABLED_ACS: &str = "Disabled: set its connection string";

fn disabled_text(a: &Account) -> &'static str {
    match a.provider {
        ProviderKind::Acs => DISABLED_ACS,
        _ => DISABLED,
    }
}

/// The form field of the secret the account waits for.
fn secret_field(a: &Account) -> &'static str {
    match a.provider {
        ProviderKind::Acs => "acs_connection_string",
        _ => "auth_token",
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/accounts/{id}/token", web::post().to(set));
}

fn form(a: &Account, csrf: &str) -> FormModel {
    let action = format!("/admin/accounts/{}/token", a.id.get());
    if a.provider == ProviderKind::Acs {
        return FormModel::new(action, csrf, "Set connection string").field(
            Field::new(
                "acs_connection_string",
                "ACS connection string",
                FieldKind::Password,
            )
            .required()
            .help("It must be for the account's endpoint; stored encrypted, never shown again."),
        );
    }
    FormModel::new(action, csrf, "Set auth token").field(
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
                "{}: {} (open the account to set it).",
                a.name,
                disabled_text(a)
            ))
        })
        .collect()
}

/// The account page's part for an account waiting for its token: nothing otherwise.
pub fn sections(a: &Account, csrf: &str) -> Vec<Section> {
    if !a.awaits_token() {
        return Vec::new();
    }
    vec![disabled(a), Section::Form(form(a, csrf))]
}

async fn set(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let a = load_account(&desk, *id).await?;
    let mut errors = FieldErrors::default();
    let field = secret_field(&a);
    let token = match a.provider {
        ProviderKind::Acs => Some(f.form.get(field))
            .filter(|v| !v.trim().is_empty())
            .map(|v| SecretString::new(v.trim().to_owned())),
        _ => auth_token(&f.form, field, &mut errors),
    };
    if token.is_none() && errors.is_empty() {
        let what = match a.provider {
            ProviderKind::Acs => "Enter the ACS connection string.",
            _ => "Enter the auth token.",
        };
        errors.add(field, what);
    }
    if let Some(token) = token.filter(|_| errors.is_empty()) {
        match desk.set_awaited_token(a.id, token).await? {
            Ok(_) => {
                return Ok(redirect(&format!("/admin/accounts/{}?saved=1", a.id.get())));
            }
            Err(TokenRefusal::UnknownAccount) => return Err(PageError::NotFound),
            Err(e) => errors.add(field, e.to_string()),
        }
    }
    let mut p = page(&f.user, &format!("Account: {}", a.name));
    p = p.with(disabled(&a));
    Ok(p.with(Section::Form(
        form(&a, &f.user.csrf).refill(&f.form, &errors),
    ))
    .respond(StatusCode::UNPROCESSABLE_ENTITY))
}
