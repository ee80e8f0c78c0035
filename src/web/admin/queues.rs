//! `/admin/workstreams/{id}/queues` and `/admin/queues/{id}`: a workstream's queues — name,
//! priority, members, assignment method, operating hours and overflow rules. The fallback queue
//! cannot be deleted; a queue with waiting conversations or that another overflows into neither.

mod edit;
mod form;

use crate::app::Desk;
use crate::domain::queue::{MAX_POSITION_MINUTES, OverflowAction, parse_position_minutes};
use crate::domain::user::Role;
use crate::domain::{HoursId, QueueId, WorkstreamId};
use crate::store::hours::OperatingHours;
use crate::store::queues::Queue;
use crate::store::records::Workstream;
use crate::store::users::User;
use crate::web::csrf::CsrfForm;
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::{
    Cell, Field, FieldErrors, FieldKind, FormModel, Link, Nav, Page, PageError, Section, Table,
    redirect,
};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/workstreams/{id}/queues", web::get().to(list))
        .route("/workstreams/{id}/queues", web::post().to(edit::create))
        .route("/workstreams/{id}/queues/new", web::get().to(edit::new))
        .route(
            "/workstreams/{id}/queues/position",
            web::post().to(save_position),
        )
        .route("/queues/{id}", web::get().to(edit::edit))
        .route("/queues/{id}", web::post().to(edit::update))
        .route("/queues/{id}/delete", web::get().to(edit::confirm_delete))
        .route("/queues/{id}/delete", web::post().to(edit::delete));
}

fn page(admin: &SignedIn, title: &str) -> Page {
    Page::new(title, Some(Nav::for_user(admin, "workstreams")))
}

fn ws_href(ws: WorkstreamId) -> String {
    format!("/admin/workstreams/{}", ws.get())
}

/// What the form's choices come from.
struct Choices {
    users: Vec<User>,
    hours: Vec<OperatingHours>,
    /// The workstream's other queues, overflow targets.
    siblings: Vec<Queue>,
}

async fn choices(
    desk: &Desk,
    ws: WorkstreamId,
    own: Option<QueueId>,
) -> Result<Choices, PageError> {
    Ok(Choices {
        users: desk.store().users().await?,
        hours: desk.store().hours_list().await?,
        siblings: desk
            .store()
            .queues(ws)
            .await?
            .into_iter()
            .filter(|q| Some(q.id) != own)
            .collect(),
    })
}

fn overflow_summary(q: &Queue, all: &[Queue]) -> String {
    if q.overflow.is_empty() {
        return "None".into();
    }
    q.overflow
        .iter()
        .map(|r| {
            let action = match r.action {
                OverflowAction::End => "end the conversation".to_owned(),
                OverflowAction::AssignAnyway => "assign anyway".to_owned(),
                OverflowAction::TransferTo(t) => format!(
                    "transfer to {}",
                    all.iter()
                        .find(|x| x.id == t)
                        .map_or("a removed queue", |x| x.name.as_str())
                ),
            };
            format!("{} → {action}", r.condition)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

async fn load_ws(desk: &Desk, id: u64) -> Result<Workstream, PageError> {
    desk.store()
        .workstream(WorkstreamId::new(id))
        .await?
        .ok_or(PageError::NotFound)
}

async fn load_queue(desk: &Desk, id: u64) -> Result<(Queue, Workstream), PageError> {
    let q = desk
        .store()
        .queue(QueueId::new(id))
        .await?
        .ok_or(PageError::NotFound)?;
    let ws = load_ws(desk, q.workstream_id.get()).await?;
    Ok((q, ws))
}

#[derive(serde::Deserialize)]
struct Done {
    done: Option<String>,
}

fn position_form(admin: &SignedIn, ws: WorkstreamId, minutes: u32) -> FormModel {
    FormModel::new(
        format!("{}/queues/position", ws_href(ws)),
        &admin.csrf,
        "Save",
    )
    .field(
        Field::new(
            "minutes",
            "Position messages at most every (minutes)",
            FieldKind::Number {
                min: 1,
                max: i64::from(MAX_POSITION_MINUTES),
            },
        )
        .value(minutes.to_string())
        .required()
        .help("A customer waiting behind others hears their place on entering the queue, then again when it improved and this long has passed."),
    )
}

async fn save_position(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let ws = load_ws(&desk, *id).await?;
    match parse_position_minutes(f.form.get("minutes")) {
        Ok(m) => {
            desk.set_position_minutes(ws.id, m).await?;
            Ok(redirect(&format!("{}/queues?done=saved", ws_href(ws.id))))
        }
        Err(e) => {
            let form = position_form(&f.user, ws.id, 0)
                .refill(&f.form, &FieldErrors::one("minutes", e.to_string()));
            Ok(page(&f.user, &format!("Queues: {}", ws.name))
                .with(Section::Form(form))
                .respond(StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

async fn list(
    Admin(admin): Admin,
    id: web::Path<u64>,
    q: web::Query<Done>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let ws = load_ws(&desk, *id).await?;
    let minutes = desk.store().position_minutes(ws.id).await?;
    let queues = desk.store().queues_with_members(ws.id).await?;
    let all: Vec<Queue> = queues.iter().map(|(q, _)| q.clone()).collect();
    let hours = desk.store().hours_list().await?;
    let rows = queues
        .iter()
        .map(|(q, members)| {
            let name = if q.fallback {
                format!("{} (fallback)", q.name)
            } else {
                q.name.to_string()
            };
            vec![
                Cell::Link {
                    href: format!("/admin/queues/{}", q.id.get()),
                    text: name,
                },
                Cell::Text(q.priority.to_string()),
                Cell::Text(q.method.to_string()),
                Cell::Text(members.len().to_string()),
                Cell::Text(hours_name(&hours, q.hours)),
                Cell::Text(overflow_summary(q, &all)),
            ]
        })
        .collect();
    let mut p = page(&admin, &format!("Queues: {}", ws.name));
    match q.done.as_deref() {
        Some("created") => p = p.with(Section::Notice("Queue created.".into())),
        Some("saved") => p = p.with(Section::Notice("Queue saved.".into())),
        Some("deleted") => p = p.with(Section::Notice("Queue deleted.".into())),
        _ => {}
    }
    Ok(p.with(Section::Text(
        "Conversations are served from the queue with the lowest priority number first, \
             oldest first within a queue. Conversations no routing rule sends elsewhere go to \
             the fallback queue."
            .into(),
    ))
    .with(Section::Links(vec![
        Link {
            href: format!("{}/queues/new", ws_href(ws.id)),
            text: "New queue".into(),
        },
        Link {
            href: ws_href(ws.id),
            text: "Back to the workstream".into(),
        },
    ]))
    .with(Section::Table(Table {
        columns: [
            "Queue",
            "Priority",
            "Assignment",
            "Members",
            "Hours",
            "Overflow",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        empty: "No queues.".into(),
    }))
    .with(Section::Heading("Position in queue".into()))
    .with(Section::Form(position_form(&admin, ws.id, minutes)))
    .ok())
}

fn hours_name(hours: &[OperatingHours], id: Option<HoursId>) -> String {
    match id {
        None => "Always open (besides the channel's hours)".into(),
        Some(id) => hours
            .iter()
            .find(|h| h.id == id)
            .map_or_else(|| "Removed hours".into(), |h| h.name.clone()),
    }
}
