//! HTTP routes by area. Handlers are short: they parse, call the `Desk`, and map the outcome to a
//! response.

pub mod admin;
pub mod agent;
pub mod assets;
pub mod auth;
pub mod connections;
pub mod csrf;
pub mod health;
pub mod kb;
pub mod limits;
pub mod media;
pub mod reports;
pub mod session;
pub mod simulator;
pub mod survey;
pub mod ui;
pub mod webhooks;

use actix_web::web;

/// Largest webhook body accepted: a 4,096-character body percent-encoded, ten media URLs and the
/// rest of Twilio's fields fit well within this.
pub const MAX_WEBHOOK_BYTES: usize = 128 * 1024;

/// Headers on every response: a strict CSP (no inline scripts or styles, no framing), no MIME
/// sniffing, no referrer leaks, and HSTS when omnidesk is reached over https.
pub fn security_headers(https: bool) -> actix_web::middleware::DefaultHeaders {
    let headers = actix_web::middleware::DefaultHeaders::new();
    let headers = if https {
        headers.add(("Strict-Transport-Security", "max-age=31536000"))
    } else {
        headers
    };
    headers
        .add((
            "Content-Security-Policy",
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
}

/// Routes are matched in order: the webhooks and health come first, so the busiest requests do
/// not try every page pattern before their own.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/webhooks/twilio")
            .app_data(web::PayloadConfig::new(MAX_WEBHOOK_BYTES))
            .route("/{account_key}", web::post().to(webhooks::twilio::inbound))
            .route(
                "/{account_key}/status",
                web::post().to(webhooks::twilio::status),
            ),
    )
    .service(
        web::scope("/webhooks/acs")
            .app_data(web::PayloadConfig::new(webhooks::acs::MAX_DELIVERY_BYTES))
            .route("/{account_key}", web::post().to(webhooks::acs::deliver))
            .route(
                "/{account_key}",
                web::method(actix_web::http::Method::OPTIONS).to(webhooks::acs::handshake),
            ),
    )
    .route("/healthz", web::get().to(health::healthz))
    .route("/", web::get().to(auth::home))
    .route("/agent", web::get().to(agent::dashboard::show))
    .service(web::scope("/agent").configure(agent::routes))
    .route("/login", web::get().to(auth::login::show))
    .route("/login", web::post().to(auth::login::submit))
    .route("/logout", web::post().to(auth::login::logout))
    .route("/setup", web::get().to(auth::setup::show))
    .route("/setup", web::post().to(auth::setup::submit))
    .route("/account/password", web::get().to(auth::password::show))
    .route("/account/password", web::post().to(auth::password::submit))
    .route("/account/time-zone", web::get().to(auth::time_zone::show))
    .route(
        "/account/time-zone",
        web::post().to(auth::time_zone::submit),
    )
    .route(
        "/account/sign-out-everywhere",
        web::post().to(auth::password::sign_out_everywhere),
    )
    .route("/static/{path:.*}", web::get().to(assets::serve))
    .route("/media/out/{file}", web::get().to(media::serve_outbound))
    .route(
        "/media/{conversation}/{seq}/{index}",
        web::get().to(media::serve),
    )
    .route("/kb/{slug}", web::get().to(kb::show))
    .configure(survey::routes)
    .configure(admin::editors::routes)
    .service(
        web::scope("/admin")
            .wrap(actix_web::middleware::from_fn(admin::require_admin))
            .configure(admin::routes),
    )
    .configure(reports::routes)
    .configure(simulator::routes)
    .route("/metrics", web::get().to(health::metrics));
}
