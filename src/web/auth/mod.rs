//! Sign-in, sign-out, first-run setup and changing one's own password.

pub mod login;
pub mod password;
pub mod setup;
pub mod time_zone;

use crate::domain::user::Role;
use crate::web::session::SignedIn;
use crate::web::ui::redirect;
use actix_web::HttpResponse;

/// `/`: each role's home.
pub async fn home(user: SignedIn) -> HttpResponse {
    match user.user.role {
        Role::Admin => redirect("/admin/accounts"),
        Role::Supervisor | Role::Agent => redirect("/agent"),
    }
}
