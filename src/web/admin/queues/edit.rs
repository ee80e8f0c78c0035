//! Creating, editing and deleting one queue: the pages around the queue form, and the delete
//! confirmation that says why a queue in use stays.

use super::form::{parse, queue_form, refusal_errors};
use super::{Choices, choices, load_queue, load_ws, page, ws_href};
use crate::app::Desk;
use crate::domain::UserId;
use crate::domain::user::Role;
use crate::store::queues::{Queue, QueueRefusal};
use crate::store::records::Workstream;
use crate::web::csrf::{CsrfForm, FormData};
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::{FieldErrors, FormModel, Link, Page, PageError, Section, redirect};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

pub(super) async fn new(
    Admin(admin): Admin,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let ws = load_ws(&desk, *id).await?;
    let c = choices(&desk, ws.id, None).await?;
    let action = format!("{}/queues", ws_href(ws.id));
    let cancel = format!("{}/queues", ws_href(ws.id));
    let form = queue_form(&action, &admin, "Create queue", None, &[], &c, &cancel);
    Ok(page(&admin, &format!("New queue: {}", ws.name))
        .with(Section::Form(form))
        .ok())
}

pub(super) async fn create(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let ws = load_ws(&desk, *id).await?;
    let c = choices(&desk, ws.id, None).await?;
    let action = format!("{}/queues", ws_href(ws.id));
    let refused = |errors: FieldErrors| {
        let form = queue_form(&action, &f.user, "Create queue", None, &[], &c, &action)
            .refill(&f.form, &errors);
        page(&f.user, &format!("New queue: {}", ws.name))
            .with(Section::Form(form))
            .respond(StatusCode::UNPROCESSABLE_ENTITY)
    };
    let draft = match parse(&f.form, &c) {
        Ok(d) => d,
        Err(errors) => return Ok(refused(errors)),
    };
    match desk.create_queue(ws.id, draft).await? {
        Ok(_) => Ok(redirect(&format!("{action}?done=created"))),
        Err(r) => Ok(refused(refusal_errors(&r))),
    }
}

pub(super) async fn edit(
    Admin(admin): Admin,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let (q, ws) = load_queue(&desk, *id).await?;
    let c = choices(&desk, ws.id, Some(q.id)).await?;
    let members = desk.store().queue_members(q.id).await?;
    Ok(edit_page(&admin, &q, &ws, &members, &c, None).ok())
}

fn edit_page(
    admin: &SignedIn,
    q: &Queue,
    ws: &Workstream,
    members: &[UserId],
    c: &Choices,
    refill: Option<(&FormData, &FieldErrors)>,
) -> Page {
    let action = format!("/admin/queues/{}", q.id.get());
    let list = format!("{}/queues", ws_href(ws.id));
    let mut form = queue_form(&action, admin, "Save queue", Some(q), members, c, &list);
    if let Some((data, errors)) = refill {
        form = form.refill(data, errors);
    }
    let mut p = page(admin, &format!("Queue: {} ({})", q.name, ws.name));
    if q.fallback {
        p = p.with(Section::Text(
            "This is the workstream's fallback queue: conversations no routing rule sends \
             elsewhere wait here. It cannot be deleted."
                .into(),
        ));
    } else {
        p = p.with(Section::Links(vec![Link {
            href: format!("{action}/delete"),
            text: "Delete…".into(),
        }]));
    }
    p.with(Section::Form(form))
}

pub(super) async fn update(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let (q, ws) = load_queue(&desk, *id).await?;
    let c = choices(&desk, ws.id, Some(q.id)).await?;
    let members = desk.store().queue_members(q.id).await?;
    let refused = |errors: FieldErrors| {
        edit_page(&f.user, &q, &ws, &members, &c, Some((&f.form, &errors)))
            .respond(StatusCode::UNPROCESSABLE_ENTITY)
    };
    let draft = match parse(&f.form, &c) {
        Ok(d) => d,
        Err(errors) => return Ok(refused(errors)),
    };
    match desk.update_queue(q.id, draft).await? {
        Ok(_) => Ok(redirect(&format!("{}/queues?done=saved", ws_href(ws.id)))),
        Err(r) => Ok(refused(refusal_errors(&r))),
    }
}

fn delete_page(admin: &SignedIn, q: &Queue, problem: Option<String>) -> Page {
    let href = format!("/admin/queues/{}", q.id.get());
    let p = page(admin, &format!("Delete queue: {}", q.name));
    if let Some(problem) = problem {
        return p
            .with(Section::Problem(problem))
            .with(Section::Links(vec![Link {
                href,
                text: "Back to the queue".into(),
            }]));
    }
    p.with(Section::Text(
        "Its members stay members of the workstream's other queues.".into(),
    ))
    .with(Section::Form(
        FormModel::new(format!("{href}/delete"), &admin.csrf, "Delete queue")
            .danger()
            .cancel(&href),
    ))
}

pub(super) async fn confirm_delete(
    Admin(admin): Admin,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let (q, _) = load_queue(&desk, *id).await?;
    let problem = q.fallback.then(|| QueueRefusal::Fallback.to_string());
    Ok(delete_page(&admin, &q, problem).ok())
}

pub(super) async fn delete(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let (q, ws) = load_queue(&desk, *id).await?;
    match desk.delete_queue(q.id).await? {
        Ok(_) => Ok(redirect(&format!("{}/queues?done=deleted", ws_href(ws.id)))),
        Err(QueueRefusal::Unknown) => Err(PageError::NotFound),
        Err(r) => Ok(delete_page(&f.user, &q, Some(r.to_string())).respond(StatusCode::CONFLICT)),
    }
}
