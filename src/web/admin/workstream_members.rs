//! `/admin/workstreams/{id}/members`: who works this workstream's fallback queue (its other
//! queues have their own members on the queue pages). Only members are offered a queue's
//! conversations (push) or may take them (pick).

use crate::app::Desk;
use crate::domain::user::Role;
use crate::domain::{UserId, WorkstreamId};
use crate::store::records::Workstream;
use crate::store::users::User;
use crate::web::csrf::CsrfForm;
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::{Field, FieldErrors, FieldKind, FormModel, Nav, Page, PageError, Section};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/workstreams/{id}/members", web::get().to(show))
        .route("/workstreams/{id}/members", web::post().to(save));
}

fn form(admin: &SignedIn, ws: &Workstream, users: &[User], members: &[UserId]) -> FormModel {
    let options = users
        .iter()
        .filter(|u| !u.disabled)
        .map(|u| {
            (
                u.id.get().to_string(),
                format!("{} ({}, {})", u.name, u.email, u.role),
                members.contains(&u.id),
            )
        })
        .collect();
    FormModel::new(
        format!("/admin/workstreams/{}/members", ws.id.get()),
        &admin.csrf,
        "Save members",
    )
    .field(
        Field::new("members", "Members", FieldKind::Choices { options })
            .help("Agents who receive the conversations of this workstream's fallback queue."),
    )
    .cancel(&format!("/admin/workstreams/{}", ws.id.get()))
}

fn page(admin: &SignedIn, ws: &Workstream, form: FormModel, notice: Option<&str>) -> Page {
    let mut p = Page::new(
        format!("Fallback queue members: {}", ws.name),
        Some(Nav::for_user(admin, "workstreams")),
    );
    if let Some(n) = notice {
        p = p.with(Section::Notice(n.into()));
    }
    p.with(Section::Form(form))
}

async fn load(desk: &Desk, id: u64) -> Result<Workstream, PageError> {
    desk.store()
        .workstream(WorkstreamId::new(id))
        .await?
        .ok_or(PageError::NotFound)
}

async fn fallback_members(desk: &Desk, ws: WorkstreamId) -> Result<Vec<UserId>, PageError> {
    Ok(desk
        .store()
        .queues_with_members(ws)
        .await?
        .into_iter()
        .find(|(q, _)| q.fallback)
        .map(|(_, m)| m)
        .unwrap_or_default())
}

async fn show(
    Admin(admin): Admin,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let ws = load(&desk, *id).await?;
    let users = desk.store().users().await?;
    let members = fallback_members(&desk, ws.id).await?;
    Ok(page(&admin, &ws, form(&admin, &ws, &users, &members), None).ok())
}

async fn save(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let ws = load(&desk, *id).await?;
    let users = desk.store().users().await?;
    let mut chosen = Vec::new();
    let mut errors = FieldErrors::default();
    for v in f.form.all("members") {
        match v
            .parse::<u64>()
            .ok()
            .map(UserId::new)
            .filter(|u| users.iter().any(|x| x.id == *u && !x.disabled))
        {
            Some(u) if !chosen.contains(&u) => chosen.push(u),
            Some(_) => {}
            None => errors.add("members", "Choose members from the list."),
        }
    }
    if !errors.is_empty() {
        let members = fallback_members(&desk, ws.id).await?;
        let form = form(&f.user, &ws, &users, &members).refill(&f.form, &errors);
        return Ok(page(&f.user, &ws, form, None).respond(StatusCode::UNPROCESSABLE_ENTITY));
    }
    desk.set_members(ws.id, chosen.clone()).await?;
    Ok(page(
        &f.user,
        &ws,
        form(&f.user, &ws, &users, &chosen),
        Some("Members saved."),
    )
    .ok())
}
