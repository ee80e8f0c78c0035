//! `POST /agent/conversations/{id}/messages/{seq}/retry`: the "Retry" button of a failed message.
//! A new send of the same message, checked again like a new one (24-hour window, opt-out);
//! only the conversation's agent, a supervisor or an admin may retry. The panel shows how many
//! times a message was retried (`Retries`).

use super::access;
use super::work::refused;
use crate::app::Desk;
use crate::domain::ConversationId;
use crate::domain::user::Role;
use crate::store::records::Conversation;
use crate::web::csrf::CsrfForm;
use crate::web::session::SignedIn;
use crate::web::ui::{PageError, redirect};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use std::collections::HashMap;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/conversations/{id}/messages/{seq}/retry",
        web::post().to(retry),
    );
}

/// Whether `user` may retry the messages of `conv`: its agent, or a supervisor or admin (who may
/// act on any conversation, as the access rules say).
pub fn may_retry(user: &SignedIn, conv: &Conversation) -> bool {
    !conv.state.is_closed()
        && match user.user.role {
            Role::Admin | Role::Supervisor => true,
            Role::Agent => conv.agent == Some(user.user.id),
        }
}

/// What the panel shows of retries: the button where allowed, and each retried message's count.
pub struct Retries {
    pub conversation: u64,
    pub allowed: bool,
    counts: HashMap<u64, u32>,
}

impl Retries {
    pub async fn load(
        desk: &Desk,
        user: &SignedIn,
        conv: &Conversation,
    ) -> Result<Self, PageError> {
        Ok(Self {
            conversation: conv.id.get(),
            allowed: may_retry(user, conv),
            counts: desk.store().retries(conv.id).await?.into_iter().collect(),
        })
    }

    /// How many times message `seq` was retried.
    /// (The template hands the seq over by reference, as askama binds it.)
    pub fn count(&self, seq: &&u64) -> u32 {
        self.counts.get(*seq).copied().unwrap_or(0)
    }
}

async fn retry(
    f: CsrfForm,
    path: web::Path<(u64, u64)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let (id, seq) = path.into_inner();
    let id = ConversationId::new(id);
    let conv = access::open(&desk, &f.user, id).await?;
    if !may_retry(&f.user, &conv) {
        return Ok(refused(
            &f,
            "Only the conversation's agent, a supervisor or an admin can retry its messages.",
            StatusCode::FORBIDDEN,
        ));
    }
    match desk.retry(id, seq).await? {
        Ok(_) => Ok(redirect(&format!(
            "/agent/conversations/{}#m{seq}",
            id.get()
        ))),
        Err(r) => Ok(refused(&f, &r.to_string(), StatusCode::CONFLICT)),
    }
}
