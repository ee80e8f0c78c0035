//! `GET /healthz` (200 once recovery is done and while the store accepts writes; 503 with the
//! reason while it is failing) and `GET /metrics` (Prometheus text format).

use crate::app::Desk;
use crate::store::StoreHealth;
use actix_web::{HttpResponse, web};

pub async fn healthz(desk: web::Data<Desk>) -> HttpResponse {
    let health = desk.store_health();
    if health != StoreHealth::Ok {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .insert_header(("Cache-Control", "no-store"))
            .body(format!("{health}\n"))
    } else if desk.is_ready() {
        HttpResponse::Ok().content_type("text/plain").body("ok\n")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("recovering\n")
    }
}

/// The counters, then the gauges read now; a gauge that cannot be read leaves the counters.
pub async fn metrics(desk: web::Data<Desk>) -> HttpResponse {
    let mut body = desk.metrics().render();
    match desk.gauges().await {
        Ok(g) => body.push_str(&g.render()),
        Err(e) => tracing::warn!(error = %e, "the queue and presence gauges could not be read"),
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(body)
}
