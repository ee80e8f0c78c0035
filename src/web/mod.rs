//! HTTP routes by area. Handlers are short: they parse, call the `Desk`, and map the outcome to a
//! response.

pub mod health;
pub mod webhooks;

use actix_web::web;

/// Largest webhook body accepted: a 4,096-character body percent-encoded, ten media URLs and the
/// rest of Twilio's fields fit well within this.
pub const MAX_WEBHOOK_BYTES: usize = 128 * 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/metrics", web::get().to(health::metrics))
        .service(
            web::scope("/webhooks/twilio")
                .app_data(web::PayloadConfig::new(MAX_WEBHOOK_BYTES))
                .route("/{account_key}", web::post().to(webhooks::twilio::inbound))
                .route(
                    "/{account_key}/status",
                    web::post().to(webhooks::twilio::status),
                ),
        );
}
