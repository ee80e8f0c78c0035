//! The agent's actions, as plain form POSTs (CSRF-checked): accept or reject an offer, "Assign to
//! me", set presence, end, close the session, transfer. Success redirects; a refusal shows why.

use super::access;
use crate::app::Desk;
use crate::domain::presence::Presence;
use crate::domain::{ConversationId, UserId};
use crate::web::csrf::CsrfForm;
use crate::web::ui::{Link, Nav, Page, PageError, Section, redirect};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/presence", web::post().to(presence))
        .route("/activity", web::post().to(activity))
        .route("/offers/{id}/accept", web::post().to(accept))
        .route("/offers/{id}/reject", web::post().to(reject))
        .route("/conversations/{id}/assign", web::post().to(assign_to_me))
        .route("/conversations/{id}/end", web::post().to(end))
        .route("/conversations/{id}/close", web::post().to(finish_wrap_up))
        .route(
            "/conversations/{id}/close-session",
            web::post().to(close_session),
        )
        .route("/conversations/{id}/transfer", web::post().to(transfer));
}

pub(super) fn refused(f: &CsrfForm, reason: &str, status: StatusCode) -> HttpResponse {
    Page::new("Not possible", Some(Nav::for_user(&f.user, "")))
        .with(Section::Problem(reason.to_owned()))
        .with(Section::Links(vec![Link {
            href: "/agent".into(),
            text: "Back to my work".into(),
        }]))
        .respond(status)
}

fn panel(id: ConversationId) -> String {
    format!("/agent/conversations/{}", id.get())
}

/// Where the presence form returns to: a path under `/agent`, nothing that could leave the site
/// or break the `Location` header.
fn return_path(back: &str) -> Option<&str> {
    if back.is_empty() {
        return Some("/agent");
    }
    let under_agent =
        back == "/agent" || back.starts_with("/agent/") || back.starts_with("/agent?");
    let plain = back.len() <= 512 && back.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    (under_agent && plain).then_some(back)
}

async fn presence(f: CsrfForm, desk: web::Data<Desk>) -> Result<HttpResponse, PageError> {
    // Checked before anything changes: a refused form leaves the presence as it was.
    let Some(back) = return_path(f.form.get("back")) else {
        return Ok(refused(
            &f,
            "The page to return to must be a path under /agent.",
            StatusCode::BAD_REQUEST,
        ));
    };
    let Some(p) =
        Presence::parse(f.form.get("presence")).filter(|p| Presence::SELECTABLE.contains(p))
    else {
        return Ok(refused(
            &f,
            "Choose Available, Busy, Busy - DND or Away.",
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    };
    desk.set_presence(&f.user.user, p).await?;
    Ok(redirect(back))
}

/// The workspace's activity ping: the agent is at work, not Inactive.
async fn activity(f: CsrfForm, desk: web::Data<Desk>) -> HttpResponse {
    desk.activity(f.user.user.id);
    HttpResponse::NoContent().finish()
}

async fn accept(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let id = ConversationId::new(*id);
    match desk.accept_offer(f.user.user.id, id).await {
        Ok(_) => Ok(redirect(&panel(id))),
        Err(e) => Ok(refused(&f, &e.to_string(), StatusCode::CONFLICT)),
    }
}

async fn reject(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let Some(back) = return_path(f.form.get("back")) else {
        return Ok(refused(
            &f,
            "The page to return to must be a path under /agent.",
            StatusCode::BAD_REQUEST,
        ));
    };
    match desk
        .reject_offer(f.user.user.id, ConversationId::new(*id))
        .await
    {
        Ok(()) => Ok(redirect(back)),
        Err(e) => Ok(refused(&f, &e.to_string(), StatusCode::CONFLICT)),
    }
}

async fn assign_to_me(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let id = ConversationId::new(*id);
    match desk.assign_to_me(f.user.user.id, id).await {
        Ok(_) => Ok(redirect(&panel(id))),
        Err(e) => Ok(refused(&f, &e.to_string(), StatusCode::CONFLICT)),
    }
}

/// The conversation steps an assigned agent takes from the panel.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    End,
    FinishWrapUp,
    CloseSession,
}

async fn step(f: CsrfForm, id: u64, desk: &Desk, step: Step) -> Result<HttpResponse, PageError> {
    let id = ConversationId::new(id);
    access::open(desk, &f.user, id).await?;
    let user = &f.user.user;
    let outcome = match step {
        Step::End => {
            return match desk.end_conversation_with_survey(user, id).await? {
                // The survey's fate is told once, on the page the agent lands on.
                Ok((_, survey)) => Ok(redirect(&match survey.notice() {
                    Some(_) => format!("{}?{}", panel(id), super::conversation::SURVEY_NOTICE),
                    None => panel(id),
                })),
                Err(r) => Ok(refused(&f, &r.to_string(), StatusCode::CONFLICT)),
            };
        }
        Step::FinishWrapUp => desk.finish_wrap_up(user, id).await?,
        Step::CloseSession => desk.close_session(user, id).await?,
    };
    match outcome {
        Ok(_) => Ok(redirect("/agent")),
        Err(r) => Ok(refused(&f, &r.to_string(), StatusCode::CONFLICT)),
    }
}

async fn end(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    step(f, *id, &desk, Step::End).await
}

async fn finish_wrap_up(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    step(f, *id, &desk, Step::FinishWrapUp).await
}

async fn close_session(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    step(f, *id, &desk, Step::CloseSession).await
}

/// `to` is a user id, or `queue` to send the conversation back to its workstream's queue.
async fn transfer(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let id = ConversationId::new(*id);
    let conv = access::open(&desk, &f.user, id).await?;
    let to = match f.form.get("to") {
        "queue" => None,
        other => match other.parse::<u64>() {
            Ok(n) => Some(UserId::new(n)),
            Err(_) => {
                return Ok(refused(
                    &f,
                    "Choose an agent or the queue.",
                    StatusCode::UNPROCESSABLE_ENTITY,
                ));
            }
        },
    };
    let note = f.form.get("note");
    if note.chars().count() > crate::store::notes::MAX_NOTE_CHARS {
        return Ok(refused(
            &f,
            "A transfer note is at most 2,000 characters.",
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    let target = match to {
        Some(u) => desk.store().user(u).await?.map(|u| u.name),
        None => None,
    };
    match desk
        .transfer(&f.user.user, conv.id, to, Some(note.to_owned()))
        .await?
    {
        Ok(_) => Ok(transferred(&f, target.as_deref())),
        Err(e) => Ok(refused(&f, &e.to_string(), StatusCode::CONFLICT)),
    }
}

/// The sender's confirmation of a transfer.
fn transferred(f: &CsrfForm, to: Option<&str>) -> HttpResponse {
    let text = match to {
        Some(name) => format!("The conversation was transferred to {name}."),
        None => "The conversation is back in the queue.".to_owned(),
    };
    Page::new("Transferred", Some(Nav::for_user(&f.user, "workspace")))
        .with(Section::Notice(text))
        .with(Section::Links(vec![Link {
            href: "/agent".into(),
            text: "Back to my work".into(),
        }]))
        .respond(StatusCode::OK)
}
