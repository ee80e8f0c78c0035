//! Consult from the conversation page: the agent invites a colleague (`POST
//! /agent/conversations/{id}/consult`, field `user`) and ends a consult (`…/consult/{user}/end`),
//! which the consultant can do too ("Leave the consult"). The consultant reads the thread live and
//! writes internal notes only (`composer`).

use super::access;
use super::work::refused;
use crate::app::Desk;
use crate::domain::presence::Presence;
use crate::domain::user::Role;
use crate::domain::{ConversationId, ConversationState, UserId};
use crate::store::records::Conversation;
use crate::web::csrf::CsrfForm;
use crate::web::session::SignedIn;
use crate::web::ui::{PageError, redirect};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/conversations/{id}/consult", web::post().to(invite))
        .route(
            "/conversations/{id}/consult/{user}/end",
            web::post().to(end),
        );
}

/// The consult part of the conversation page.
pub struct ConsultPanel {
    /// The agent may invite: who can be invited (id, "name (role, presence)").
    pub candidates: Vec<(u64, String)>,
    pub can_invite: bool,
    /// Consulting now: (id, name); the agent may end each.
    pub consultants: Vec<(u64, String)>,
    /// The viewer is one of the consultants.
    pub me_consulting: bool,
    pub me: u64,
}

impl ConsultPanel {
    pub async fn load(
        desk: &Desk,
        user: &SignedIn,
        conv: &Conversation,
    ) -> Result<Self, PageError> {
        let me = user.user.id;
        let ids = desk.store().consultants(conv.id).await?;
        let users = desk.store().users().await?;
        let name = |id: UserId| {
            users
                .iter()
                .find(|u| u.id == id)
                .map_or_else(|| "A former user".to_owned(), |u| u.name.clone())
        };
        let can_invite = conv.agent == Some(me) && conv.state == ConversationState::Active;
        let mut candidates = Vec::new();
        if can_invite {
            for u in users
                .iter()
                .filter(|u| u.id != me && !u.disabled && !ids.contains(&u.id))
            {
                let presence = desk.presence_of(u.id).await;
                if presence == Presence::Offline {
                    continue;
                }
                let role = match u.role {
                    Role::Admin => "admin",
                    Role::Supervisor => "supervisor",
                    Role::Agent => "agent",
                };
                candidates.push((u.id.get(), format!("{} ({role}, {presence})", u.name)));
            }
        }
        Ok(Self {
            candidates,
            can_invite,
            me_consulting: ids.contains(&me),
            consultants: ids.iter().map(|id| (id.get(), name(*id))).collect(),
            me: me.get(),
        })
    }
}

fn back(id: ConversationId) -> HttpResponse {
    redirect(&format!("/agent/conversations/{}", id.get()))
}

async fn invite(
    f: CsrfForm,
    path: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let conv = access::open(&desk, &f.user, ConversationId::new(*path)).await?;
    let Ok(who) = f.form.get("user").trim().parse::<u64>() else {
        return Ok(refused(
            &f,
            "Choose whom to consult.",
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    };
    match desk
        .invite_consultant(f.user.user.id, conv.id, UserId::new(who))
        .await?
    {
        Ok(()) => Ok(back(conv.id)),
        Err(e) => Ok(refused(&f, &e.to_string(), StatusCode::CONFLICT)),
    }
}

async fn end(
    f: CsrfForm,
    path: web::Path<(u64, u64)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let (id, who) = path.into_inner();
    let conv = access::open(&desk, &f.user, ConversationId::new(id)).await?;
    match desk
        .end_consult(f.user.user.id, conv.id, UserId::new(who))
        .await?
    {
        Ok(()) => Ok(back(conv.id)),
        Err(e) => Ok(refused(&f, &e.to_string(), StatusCode::CONFLICT)),
    }
}
