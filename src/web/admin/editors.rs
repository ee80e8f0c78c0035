//! The admin pages supervisors share with admins: knowledge articles (`/admin/knowledge`) and
//! workstream scripts (`/admin/workstreams/{id}/script`). Their scopes are mounted before
//! `/admin`'s admin-only guard, behind `require_editor`, and every handler also takes the
//! `Editor` extractor (or checks the form's user), so a route cannot be added unguarded.

use super::{knowledge, scripts};
use crate::app::knowledge::may_edit;
use crate::web::session::SignedIn;
use crate::web::ui::PageError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Next, from_fn};
use actix_web::{FromRequest, HttpRequest, web};
use std::future::Future;
use std::pin::Pin;

/// A signed-in admin or supervisor; agents get 403.
pub struct Editor(pub SignedIn);

impl Editor {
    /// The user of a posted form, if they may write articles and scripts.
    pub fn check(user: &SignedIn) -> Result<(), PageError> {
        if may_edit(user.user.role) {
            Ok(())
        } else {
            Err(PageError::Forbidden)
        }
    }
}

impl FromRequest for Editor {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed_in = SignedIn::from_request(req, payload);
        Box::pin(async move {
            let s = signed_in.await?;
            Editor::check(&s)?;
            Ok(Editor(s))
        })
    }
}

pub async fn require_editor(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    super::guard(req, next, Editor::check).await
}

/// Mounted before the `/admin` scope, whose guard lets admins only.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin/knowledge")
            .wrap(from_fn(require_editor))
            .configure(knowledge::routes),
    )
    .service(
        web::scope("/admin/workstreams/{ws}/script")
            .wrap(from_fn(require_editor))
            .configure(scripts::routes),
    );
}
