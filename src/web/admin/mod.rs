//! `/admin/...`: configuration, for admins only; `/admin` itself is the setup checklist. The whole scope sits behind `require_admin`, and
//! every handler also takes the `Admin` extractor, so a route cannot be added unguarded.

pub mod account_token;
pub mod accounts;
pub mod accounts_wizard;
mod acs_account;
pub mod automated;
pub mod bot;
mod common;
pub mod config;
pub mod context_variables;
pub mod editors;
pub mod home;
pub mod hours;
pub mod knowledge;
pub mod numbers;
pub mod offer_card;
pub mod queues;
pub mod quick_replies;
pub mod routing;
mod routing_form;
pub mod scripts;
pub mod skills;
pub mod templates;
pub mod users;
pub mod workstream_members;
pub mod workstream_settings;
pub mod workstream_setup;
pub mod workstreams;
// (admin areas: declare modules above this line)

use crate::domain::user::Role;
use crate::web::session::SignedIn;
use crate::web::ui::PageError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};

pub async fn require_admin(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    guard(req, next, |u| u.require(Role::Admin)).await
}

/// Lets the request through when `allow` accepts its signed-in user; otherwise answers with the
/// refusal (sign in first, or 403).
pub async fn guard<B: MessageBody>(
    mut req: ServiceRequest,
    next: Next<B>,
    allow: fn(&SignedIn) -> Result<(), PageError>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let refusal = match req.extract::<SignedIn>().await {
        Ok(u) => allow(&u).err().map(|e| e.error_response()),
        Err(e) => Some(e.error_response()),
    };
    match refusal {
        Some(resp) => Ok(req.into_response(resp).map_into_right_body()),
        None => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body),
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(home::show))
        .route("/", web::get().to(home::show))
        .configure(users::routes);
    cfg.configure(hours::routes);
    cfg.configure(automated::routes);
    cfg.configure(accounts::routes);
    cfg.configure(templates::routes);
    cfg.configure(quick_replies::routes);
    cfg.configure(workstreams::routes);
    cfg.configure(workstream_members::routes);
    cfg.configure(queues::routes);
    cfg.configure(routing::routes);
    cfg.configure(skills::routes);
    cfg.configure(context_variables::routes);
    cfg.configure(bot::routes);
    cfg.configure(offer_card::routes);
    cfg.configure(account_token::routes);
    cfg.configure(config::routes);
    // (admin areas: add `cfg.configure(area::routes);` lines above this one)
}
