//! Sign-in, sign-out, first-run setup and changing one's own password.

pub mod login;
pub mod password;
pub mod setup;

use crate::auth::session::SignedIn;
use crate::domain::user::Role;
use crate::web::ui::{Nav, Page, PageError, Section, redirect};
use actix_web::HttpResponse;

/// `/`: each role's home.
pub async fn home(user: SignedIn) -> HttpResponse {
    match user.user.role {
        Role::Admin => redirect("/admin/accounts"),
        Role::Supervisor | Role::Agent => redirect("/agent"),
    }
}

/// `/agent`: where agents and supervisors land after signing in.
pub async fn agent_home(user: SignedIn) -> Result<HttpResponse, PageError> {
    Ok(Page::new("Agent workspace", Some(Nav::for_user(&user, "")))
        .with(Section::Text(format!(
            "Signed in as {} ({}).",
            user.user.name, user.user.role
        )))
        .ok())
}
