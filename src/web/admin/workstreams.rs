//! `/admin/workstreams`: list, create, rename, copy and delete. The channel setup wizard is in
//! `workstream_setup`, the summary and the work distribution form in `workstream_settings`; the
//! rules of every setting are in `domain::workstream` and the writes in `store::workstreams`.

use super::workstream_settings::{self as settings, Related, or_none, related, summary};
use super::workstream_setup;
use crate::app::Desk;
use crate::domain::user::Role;
use crate::domain::workstream::{QueueName, WorkstreamName};
use crate::domain::{Channel, WorkstreamId};
use crate::store::records::{DistributionMode, Workstream};
use crate::store::workstreams::{WorkstreamDraft, WorkstreamProfile, WorkstreamRefusal};
use crate::web::csrf::{CsrfForm, FormData};
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::{
    Cell, Field, FieldErrors, FormModel, Link, Nav, Page, PageError, Section, Table, redirect,
};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

const CHANNELS: [(&str, &str); 2] = [("whatsapp", "WhatsApp"), ("sms", "SMS")];
const MODES: [(&str, &str); 2] = [("push", "Push"), ("pick", "Pick")];

const MODE_HELP: &str =
    "Push offers each conversation to an agent; Pick lets agents take it. Fixed after creation.";
const MODE_FIXED: &str = "The work distribution mode is fixed after creation. \
    Create a new workstream to use another mode.";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/workstreams", web::get().to(list))
        .route("/workstreams", web::post().to(create))
        .route("/workstreams/new", web::get().to(new))
        .route("/workstreams/{id}", web::get().to(show))
        .route("/workstreams/{id}", web::post().to(update))
        .route(
            "/workstreams/{id}/distribution",
            web::get().to(settings::show),
        )
        .route(
            "/workstreams/{id}/distribution",
            web::post().to(settings::save),
        )
        .route("/workstreams/{id}/copy", web::post().to(copy))
        .route("/workstreams/{id}/delete", web::get().to(confirm_delete))
        .route("/workstreams/{id}/delete", web::post().to(delete))
        .configure(workstream_setup::routes);
}

pub(super) fn page(admin: &SignedIn, title: &str) -> Page {
    Page::new(title, Some(Nav::for_user(admin, "workstreams")))
}

pub(super) fn href(id: WorkstreamId, rest: &str) -> String {
    format!("/admin/workstreams/{}{rest}", id.get())
}

pub(super) async fn load(desk: &Desk, id: u64) -> Result<Workstream, PageError> {
    desk.store()
        .workstream(WorkstreamId::new(id))
        .await?
        .ok_or(PageError::NotFound)
}

/// Records a parse error under `field` and passes the value on.
pub(super) fn check<T, E: ToString>(
    errors: &mut FieldErrors,
    field: &str,
    r: Result<T, E>,
) -> Option<T> {
    r.map_err(|e| errors.add(field, e.to_string())).ok()
}

async fn list(
    Admin(admin): Admin,
    q: web::Query<Done>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let store = desk.store();
    let numbers = store.numbers_with_workstreams().await?;
    let rows = store
        .workstreams()
        .await?
        .iter()
        .map(|w| {
            let served: Vec<String> = numbers
                .iter()
                .filter(|(_, by)| *by == Some(w.id))
                .map(|(n, _)| n.number.to_string())
                .collect();
            vec![
                Cell::Link {
                    href: href(w.id, ""),
                    text: w.name.to_string(),
                },
                Cell::Text(w.channel.to_string()),
                Cell::Text(w.mode.to_string()),
                Cell::Text(or_none(served.join(", "))),
                Cell::Link {
                    href: href(w.id, "/setup"),
                    text: if w.setup.finished {
                        "Channel set up"
                    } else {
                        "Set up the channel"
                    }
                    .into(),
                },
            ]
        })
        .collect();
    let mut p = page(&admin, "Workstreams");
    if let Some(n) = q.notice() {
        p = p.with(Section::Notice(n.into()));
    }
    Ok(p.with(Section::Links(vec![Link {
        href: "/admin/workstreams/new".into(),
        text: "New workstream".into(),
    }]))
    .with(Section::Table(Table {
        columns: ["Name", "Channel", "Mode", "Numbers", "Setup"]
            .map(String::from)
            .to_vec(),
        rows,
        empty: "No workstreams yet.".into(),
    }))
    .ok())
}

/// `?done=…` after a redirect: which notice to show.
#[derive(serde::Deserialize)]
pub(super) struct Done {
    done: Option<String>,
}

impl Done {
    fn notice(&self) -> Option<&'static str> {
        Some(match self.done.as_deref()? {
            "saved" => "Saved.",
            "copied" => "Copy created. Choose its numbers under “Set up the channel”.",
            "setup" => "The channel is set up.",
            "deleted" => "Workstream deleted.",
            _ => return None,
        })
    }
}

fn new_form(csrf: &str) -> FormModel {
    FormModel::new("/admin/workstreams", csrf, "Create workstream")
        .field(Field::text("name", "Name").required())
        .field(Field::select("channel", "Channel", &CHANNELS).value("whatsapp"))
        .field(
            Field::select("mode", "Work distribution mode", &MODES)
                .value("push")
                .help(MODE_HELP),
        )
        .field(Field::text("fallback_queue", "Fallback queue").help(
            "Where conversations go when no routing rule matches. Empty: “<name> (default)”.",
        ))
        .cancel("/admin/workstreams")
}

async fn new(Admin(admin): Admin) -> HttpResponse {
    page(&admin, "New workstream")
        .with(Section::Form(new_form(&admin.csrf)))
        .ok()
}

/// Name and fallback queue; an empty queue is an error only where `queue_required`.
fn profile(
    f: &FormData,
    queue_required: bool,
    errors: &mut FieldErrors,
) -> (Option<WorkstreamName>, Option<QueueName>) {
    let name = check(errors, "name", WorkstreamName::parse(f.get("name")));
    let queue = f.get("fallback_queue");
    let queue = if queue.trim().is_empty() && !queue_required {
        None
    } else {
        check(errors, "fallback_queue", QueueName::parse(queue))
    };
    (name, queue)
}

async fn create(f: CsrfForm, desk: web::Data<Desk>) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let mut errors = FieldErrors::default();
    let (name, fallback_queue) = profile(&f.form, false, &mut errors);
    let channel = match f.form.get("channel") {
        "whatsapp" => Some(Channel::WhatsApp),
        "sms" => Some(Channel::Sms),
        _ => None,
    };
    if channel.is_none() {
        errors.add("channel", "Choose WhatsApp or SMS.");
    }
    let mode = DistributionMode::parse(f.form.get("mode"));
    if mode.is_none() {
        errors.add("mode", "Choose Push or Pick.");
    }
    let refuse = |errors: &FieldErrors, status| {
        page(&f.user, "New workstream")
            .with(Section::Form(
                new_form(&f.user.csrf).refill(&f.form, errors),
            ))
            .respond(status)
    };
    let (Some(name), Some(channel), Some(mode), true) = (name, channel, mode, errors.is_empty())
    else {
        return Ok(refuse(&errors, StatusCode::UNPROCESSABLE_ENTITY));
    };
    let draft = WorkstreamDraft {
        name,
        channel,
        mode,
        fallback_queue,
        numbers: Vec::new(),
    };
    match desk.create_workstream(draft).await? {
        Ok(ws) => Ok(redirect(&href(ws.id, "/setup"))),
        Err(e) => Ok(refuse(
            &FieldErrors::one("name", e.to_string()),
            StatusCode::CONFLICT,
        )),
    }
}

fn edit_form(csrf: &str, ws: &Workstream) -> FormModel {
    FormModel::new(href(ws.id, ""), csrf, "Save")
        .field(
            Field::text("name", "Name")
                .value(ws.name.to_string())
                .required(),
        )
        .field(
            Field::text("fallback_queue", "Fallback queue")
                .value(ws.fallback_queue.to_string())
                .required(),
        )
}

fn show_page(admin: &SignedIn, ws: &Workstream, r: &Related, edit: FormModel) -> Page {
    page(admin, &format!("Workstream: {}", ws.name))
        .with(Section::Links(vec![
            Link {
                href: href(ws.id, "/setup"),
                text: "Set up the channel".into(),
            },
            Link {
                href: href(ws.id, "/distribution"),
                text: "Work distribution settings".into(),
            },
            Link {
                href: href(ws.id, "/queues"),
                text: "Queues".into(),
            },
            Link {
                href: href(ws.id, "/members"),
                text: "Fallback queue members".into(),
            },
            Link {
                href: href(ws.id, "/routing"),
                text: "Routing rules".into(),
            },
            Link {
                href: href(ws.id, "/context-variables"),
                text: "Context variables".into(),
            },
            Link {
                href: href(ws.id, "/bot"),
                text: "Bot".into(),
            },
            Link {
                href: href(ws.id, "/script"),
                text: "Agent script".into(),
            },
            Link {
                href: href(ws.id, "/notification"),
                text: "Agent notification".into(),
            },
            Link {
                href: href(ws.id, "/delete"),
                text: "Delete…".into(),
            },
        ]))
        .with(Section::Info(summary(ws, r)))
        .with(Section::Heading("Name and fallback queue".into()))
        .with(Section::Text(format!(
            "The channel ({}) and the work distribution mode ({}) are fixed after creation.",
            ws.channel, ws.mode
        )))
        .with(Section::Form(edit))
        .with(Section::Heading("Copy".into()))
        .with(Section::Text(format!(
            "Creates “Copy of {}” with every setting but the numbers: \
             a number serves one workstream.",
            ws.name
        )))
        .with(Section::Form(FormModel::new(
            href(ws.id, "/copy"),
            &admin.csrf,
            "Copy workstream",
        )))
}

async fn show(
    Admin(admin): Admin,
    id: web::Path<u64>,
    q: web::Query<Done>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let ws = load(&desk, *id).await?;
    let r = related(&desk, &ws).await?;
    let mut p = show_page(&admin, &ws, &r, edit_form(&admin.csrf, &ws));
    if let Some(n) = q.notice() {
        p.sections.insert(0, Section::Notice(n.into()));
    }
    Ok(p.ok())
}

async fn update(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let ws = load(&desk, *id).await?;
    let mut errors = FieldErrors::default();
    let (name, queue) = profile(&f.form, true, &mut errors);
    let mode = f.form.get("mode");
    if !mode.is_empty() && mode != ws.mode.as_str() {
        errors.add("", MODE_FIXED);
    }
    let r = related(&desk, &ws).await?;
    let refuse = |errors: &FieldErrors, status| {
        let form = edit_form(&f.user.csrf, &ws).refill(&f.form, errors);
        show_page(&f.user, &ws, &r, form).respond(status)
    };
    let (Some(name), Some(fallback_queue), true) = (name, queue, errors.is_empty()) else {
        return Ok(refuse(&errors, StatusCode::UNPROCESSABLE_ENTITY));
    };
    let profile = WorkstreamProfile {
        name,
        fallback_queue,
    };
    match desk.update_workstream_profile(ws.id, profile).await? {
        Ok(saved) => Ok(redirect(&href(saved.id, "?done=saved"))),
        Err(WorkstreamRefusal::Unknown) => Err(PageError::NotFound),
        Err(e) => Ok(refuse(
            &FieldErrors::one("name", e.to_string()),
            StatusCode::CONFLICT,
        )),
    }
}

async fn copy(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    match desk.copy_workstream(WorkstreamId::new(*id)).await? {
        Ok(copy) => Ok(redirect(&href(copy.id, "?done=copied"))),
        Err(WorkstreamRefusal::Unknown) => Err(PageError::NotFound),
        Err(e) => Err(PageError::BadRequest(e.to_string())),
    }
}

fn delete_page(admin: &SignedIn, ws: &Workstream, open: u64) -> Page {
    let p = page(admin, &format!("Delete workstream: {}", ws.name));
    if open > 0 {
        return p
            .with(Section::Problem(WorkstreamRefusal::InUse(open).to_string()))
            .with(Section::Links(vec![Link {
                href: href(ws.id, ""),
                text: "Back to the workstream".into(),
            }]));
    }
    p.with(Section::Text(
        "Its numbers are freed for another workstream; closed conversations keep their history."
            .into(),
    ))
    .with(Section::Form(
        FormModel::new(href(ws.id, "/delete"), &admin.csrf, "Delete workstream")
            .danger()
            .cancel(&href(ws.id, "")),
    ))
}

async fn confirm_delete(
    Admin(admin): Admin,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let ws = load(&desk, *id).await?;
    let open = desk.store().workstream_open_conversations(ws.id).await?;
    Ok(delete_page(&admin, &ws, open).ok())
}

async fn delete(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let ws = load(&desk, *id).await?;
    match desk.delete_workstream(ws.id).await? {
        Ok(_) => Ok(redirect("/admin/workstreams?done=deleted")),
        Err(WorkstreamRefusal::InUse(n)) => {
            Ok(delete_page(&f.user, &ws, n).respond(StatusCode::CONFLICT))
        }
        Err(_) => Err(PageError::NotFound),
    }
}
