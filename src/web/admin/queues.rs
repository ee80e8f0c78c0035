//! `/admin/workstreams/{id}/queues` and `/admin/queues/{id}`: a workstream's queues — name,
//! priority, members, assignment method, operating hours and overflow rules. The fallback queue
//! cannot be deleted; a queue with waiting conversations or that another overflows into neither.

use crate::app::Desk;
use crate::domain::queue::{
    AssignmentMethod, DEFAULT_PRIORITY, MAX_OVERFLOW_RULES, MAX_POSITION_MINUTES, MAX_PRIORITY,
    OverflowAction, OverflowCondition, OverflowRule, parse_position_minutes, parse_priority,
};
use crate::domain::user::Role;
use crate::domain::workstream::QueueName;
use crate::domain::{HoursId, QueueId, UserId, WorkstreamId};
use crate::store::hours::OperatingHours;
use crate::store::queues::{Queue, QueueDraft, QueueRefusal};
use crate::store::records::Workstream;
use crate::store::users::User;
use crate::web::csrf::{CsrfForm, FormData};
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::{
    Cell, Field, FieldErrors, FieldKind, FormModel, Link, Nav, Page, PageError, Section, Table,
    redirect,
};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/workstreams/{id}/queues", web::get().to(list))
        .route("/workstreams/{id}/queues", web::post().to(create))
        .route("/workstreams/{id}/queues/new", web::get().to(new))
        .route(
            "/workstreams/{id}/queues/position",
            web::post().to(save_position),
        )
        .route("/queues/{id}", web::get().to(edit))
        .route("/queues/{id}", web::post().to(update))
        .route("/queues/{id}/delete", web::get().to(confirm_delete))
        .route("/queues/{id}/delete", web::post().to(delete));
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

/// The form, filled from `q` (or the defaults), with `members` checked.
fn queue_form(
    action: &str,
    admin: &SignedIn,
    submit: &str,
    q: Option<&Queue>,
    members: &[UserId],
    c: &Choices,
    cancel: &str,
) -> FormModel {
    let methods: Vec<(String, String)> = AssignmentMethod::ALL
        .iter()
        .map(|m| (m.as_str().to_owned(), m.to_string()))
        .collect();
    let mut hours = vec![(
        String::new(),
        "Always open (besides the channel's hours)".to_owned(),
    )];
    hours.extend(
        c.hours
            .iter()
            .map(|h| (h.id.get().to_string(), h.name.clone())),
    );
    let agents = c
        .users
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
    let mut form = FormModel::new(action, &admin.csrf, submit)
        .field(
            Field::text("name", "Name")
                .value(q.map_or("", |q| q.name.as_str()))
                .required(),
        )
        .field(
            Field::new(
                "priority",
                "Priority",
                FieldKind::Number {
                    min: 1,
                    max: i64::from(MAX_PRIORITY),
                },
            )
            .value(q.map_or(DEFAULT_PRIORITY, |q| q.priority).to_string())
            .required()
            .help("1 is served first; across workstreams too, for agents in several."),
        )
        .field(
            Field::new("method", "Assignment method", FieldKind::Select { options: methods })
                .value(q.map_or(AssignmentMethod::HighestCapacity, |q| q.method).as_str())
                .help("Highest capacity: the agent with the most free capacity (ties: whoever was assigned longest ago). Advanced round robin: whoever was assigned longest ago, among those with free capacity."),
        )
        .field(
            Field::new("hours", "Operating hours", FieldKind::Select { options: hours })
                .value(q.and_then(|q| q.hours).map_or(String::new(), |h| h.get().to_string()))
                .help("Outside them conversations wait for the opening (or the overflow rules apply); the customer is told once."),
        )
        .field(
            Field::new("members", "Members", FieldKind::Choices { options: agents })
                .help("Agents who take this queue's conversations."),
        );
    let rules = q.map_or(&[][..], |q| &q.overflow);
    for i in 0..MAX_OVERFLOW_RULES {
        form = overflow_fields(form, i, rules.get(i), c);
    }
    form.cancel(cancel)
}

fn overflow_fields(form: FormModel, i: usize, r: Option<&OverflowRule>, c: &Choices) -> FormModel {
    let n = i + 1;
    let mut conditions = vec![(String::new(), "(no rule)".to_owned())];
    conditions.extend(
        OverflowCondition::KINDS
            .iter()
            .map(|(k, l)| ((*k).to_owned(), (*l).to_owned())),
    );
    let actions: Vec<(String, String)> = OverflowAction::KINDS
        .iter()
        .map(|(k, l)| ((*k).to_owned(), (*l).to_owned()))
        .collect();
    let mut targets = vec![(String::new(), "(choose for a transfer)".to_owned())];
    targets.extend(
        c.siblings
            .iter()
            .map(|q| (q.id.get().to_string(), q.name.to_string())),
    );
    let mut condition = Field::new(
        &format!("overflow{i}_condition"),
        &format!("Overflow rule {n}: when"),
        FieldKind::Select {
            options: conditions,
        },
    )
    .value(r.map_or("", |r| r.condition.kind()));
    if i == 0 {
        condition = condition.help(
            "Checked in order when a conversation would enter the queue and while it waits; the first that holds applies.",
        );
    }
    let threshold = Field::text(
        &format!("overflow{i}_threshold"),
        &format!("Overflow rule {n}: N"),
    )
    .value(
        r.and_then(|r| r.condition.threshold())
            .map_or(String::new(), |n| n.to_string()),
    );
    let action = Field::new(
        &format!("overflow{i}_action"),
        &format!("Overflow rule {n}: then"),
        FieldKind::Select { options: actions },
    )
    .value(r.map_or("", |r| r.action.kind()));
    let target = Field::new(
        &format!("overflow{i}_target"),
        &format!("Overflow rule {n}: transfer to"),
        FieldKind::Select { options: targets },
    )
    .value(match r.map(|r| r.action) {
        Some(OverflowAction::TransferTo(t)) => t.get().to_string(),
        _ => String::new(),
    });
    form.field(condition)
        .field(threshold)
        .field(action)
        .field(target)
}

/// Parses the form into a draft, or the field errors.
fn parse(f: &FormData, c: &Choices) -> Result<QueueDraft, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = QueueName::parse(f.get("name")).map_err(|e| errors.add("name", e.to_string()));
    let priority =
        parse_priority(f.get("priority")).map_err(|e| errors.add("priority", e.to_string()));
    let method =
        AssignmentMethod::parse(f.get("method")).map_err(|e| errors.add("method", e.to_string()));
    let hours = match f.get("hours").trim() {
        "" => Ok(None),
        v => v
            .parse::<u64>()
            .ok()
            .map(HoursId::new)
            .filter(|h| c.hours.iter().any(|x| x.id == *h))
            .map(Some)
            .ok_or_else(|| errors.add("hours", "Choose operating hours from the list.")),
    };
    let mut members = Vec::new();
    for v in f.all("members") {
        match v
            .parse::<u64>()
            .ok()
            .map(UserId::new)
            .filter(|u| c.users.iter().any(|x| x.id == *u && !x.disabled))
        {
            Some(u) if !members.contains(&u) => members.push(u),
            Some(_) => {}
            None => errors.add("members", "Choose members from the list."),
        }
    }
    let mut overflow = Vec::new();
    for i in 0..MAX_OVERFLOW_RULES {
        if let Some(rule) = parse_rule(f, i, c, &mut errors) {
            overflow.push(rule);
        }
    }
    match (name, priority, method, hours) {
        (Ok(name), Ok(priority), Ok(method), Ok(hours)) if errors.is_empty() => Ok(QueueDraft {
            name,
            priority,
            method,
            hours,
            overflow,
            members,
        }),
        _ => Err(errors),
    }
}

/// One overflow row: None when its condition is left empty (or it is refused, with the error).
fn parse_rule(
    f: &FormData,
    i: usize,
    c: &Choices,
    errors: &mut FieldErrors,
) -> Option<OverflowRule> {
    let key = |part: &str| format!("overflow{i}_{part}");
    let kind = f.get(&key("condition"));
    if kind.trim().is_empty() {
        return None;
    }
    let condition = OverflowCondition::parse(kind, f.get(&key("threshold")))
        .map_err(|e| {
            let field = if OverflowCondition::KINDS
                .iter()
                .any(|(k, _)| *k == kind.trim())
            {
                key("threshold")
            } else {
                key("condition")
            };
            errors.add(&field, e.to_string());
        })
        .ok();
    let target = match f.get(&key("target")).trim() {
        "" => None,
        v => {
            let t = v
                .parse::<u64>()
                .ok()
                .map(QueueId::new)
                .filter(|t| c.siblings.iter().any(|q| q.id == *t));
            if t.is_none() {
                errors.add(&key("target"), "Choose another queue of this workstream.");
            }
            t
        }
    };
    let action = OverflowAction::parse(f.get(&key("action")), target)
        .map_err(|e| {
            let field = if f.get(&key("action")).trim() == "transfer" {
                key("target")
            } else {
                key("action")
            };
            errors.add(&field, e.to_string());
        })
        .ok();
    Some(OverflowRule {
        condition: condition?,
        action: action?,
    })
}

/// The field a store refusal belongs to.
fn refusal_errors(r: &QueueRefusal) -> FieldErrors {
    let field = match r {
        QueueRefusal::DuplicateName(_) => "name",
        QueueRefusal::UnknownHours => "hours",
        QueueRefusal::UnknownMember => "members",
        QueueRefusal::UnknownTarget | QueueRefusal::Invalid(_) => "overflow0_target",
        _ => "name",
    };
    FieldErrors::one(field, r.to_string())
}

async fn new(
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

async fn create(
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

async fn edit(
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

async fn update(
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

async fn confirm_delete(
    Admin(admin): Admin,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let (q, _) = load_queue(&desk, *id).await?;
    let problem = q.fallback.then(|| QueueRefusal::Fallback.to_string());
    Ok(delete_page(&admin, &q, problem).ok())
}

async fn delete(
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
