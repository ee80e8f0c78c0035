//! `/admin/workstreams/{id}/routing`: a workstream's work classification rules in evaluation
//! order (move up / move down, plain forms), create, edit, delete, the skill match mode, and
//! "Try it": a sample customer number and first message, and which rule and queue it gets.

use super::common::Query;
use super::routing_form::{self as rf, Choices};
use super::workstreams::{href, load, page};
use crate::app::Desk;
use crate::app::routing::{Sample, Trial, queue_choices};
use crate::domain::routing::{MatchMode, NumberMatch, Rule};
use crate::domain::user::Role;
use crate::domain::{Channel, NumberId, RuleId};
use crate::store::records::Workstream;
use crate::store::routing::{Move, RuleRefusal};
use crate::web::csrf::{CsrfForm, FormData};
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::validate;
use crate::web::ui::{
    Cell, Field, FieldErrors, FieldKind, FormModel, Link, Page, PageError, Section, Table, redirect,
};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

const MAX_SAMPLE_CHARS: usize = 1600;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/workstreams/{id}/routing", web::get().to(list))
        .route("/workstreams/{id}/routing", web::post().to(create))
        .route("/workstreams/{id}/routing/new", web::get().to(new))
        .route("/workstreams/{id}/routing/try", web::post().to(try_it))
        .route(
            "/workstreams/{id}/routing/skill-match",
            web::post().to(set_mode),
        )
        .route("/workstreams/{id}/routing/{rule}", web::get().to(edit))
        .route("/workstreams/{id}/routing/{rule}", web::post().to(update))
        .route(
            "/workstreams/{id}/routing/{rule}/up",
            web::post().to(move_up),
        )
        .route(
            "/workstreams/{id}/routing/{rule}/down",
            web::post().to(move_down),
        )
        .route(
            "/workstreams/{id}/routing/{rule}/delete",
            web::get().to(confirm_delete),
        )
        .route(
            "/workstreams/{id}/routing/{rule}/delete",
            web::post().to(delete),
        );
}

fn rules_href(ws: &Workstream, rest: &str) -> String {
    href(ws.id, &format!("/routing{rest}"))
}

async fn choices(desk: &Desk, ws: &Workstream) -> Result<Choices, PageError> {
    let store = desk.store();
    let numbers = store
        .numbers()
        .await?
        .into_iter()
        .filter(|n| ws.numbers.contains(&n.id))
        .map(|n| (n.id, format!("{} ({})", n.name, n.number)))
        .collect();
    Ok(Choices {
        numbers,
        queues: queue_choices(desk, ws.id).await?,
        fallback: ws.fallback_queue.to_string(),
        variables: store.context_variables(ws.id).await?,
        skills: store.skills().await?,
    })
}

fn queue_label(r: &Rule, c: &Choices) -> String {
    r.queue
        .and_then(|q| c.queues.iter().find(|(id, _)| *id == q))
        .map_or_else(
            || format!("Fallback queue: {}", c.fallback),
            |(_, n)| n.clone(),
        )
}

fn post(action: String, label: &str, csrf: &str) -> Cell {
    Cell::Post {
        action,
        label: label.into(),
        csrf: csrf.into(),
    }
}

fn rules_table(admin: &SignedIn, ws: &Workstream, rules: &[Rule], c: &Choices) -> Table {
    let last = rules.len().saturating_sub(1);
    let rows = rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let at = |rest: &str| rules_href(ws, &format!("/{}{rest}", r.id.get()));
            let edge = |yes: bool, rest: &str, label: &str| {
                if yes {
                    Cell::Text(String::new())
                } else {
                    post(at(rest), label, &admin.csrf)
                }
            };
            vec![
                Cell::Text((i + 1).to_string()),
                Cell::Link {
                    href: at(""),
                    text: r.name.to_string(),
                },
                Cell::Text(rf::describe(r, c)),
                Cell::Text(queue_label(r, c)),
                Cell::Text(rf::describe_skills(&r.skills, &c.skills)),
                edge(i == 0, "/up", "Move up"),
                edge(i == last, "/down", "Move down"),
                Cell::Link {
                    href: at("/delete"),
                    text: "Delete".into(),
                },
            ]
        })
        .collect();
    Table {
        columns: [
            "#",
            "Rule",
            "Conditions",
            "Queue",
            "Required skills",
            "",
            "",
            "",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        empty: format!(
            "No rules yet: every conversation goes to the fallback queue, {}.",
            c.fallback
        ),
    }
}

fn try_form(admin: &SignedIn, ws: &Workstream, c: &Choices) -> FormModel {
    let numbers: Vec<(String, String)> = std::iter::once((String::new(), "The first one".into()))
        .chain(
            c.numbers
                .iter()
                .map(|(id, n)| (id.get().to_string(), n.clone())),
        )
        .collect();
    FormModel::new(rules_href(ws, "/try"), &admin.csrf, "Try it")
        .field(
            Field::text("customer", "Customer number")
                .required()
                .help("Like +14155550100."),
        )
        .field(Field::new("message", "First message", FieldKind::TextArea { rows: 3 }).required())
        .field(
            Field::select(
                "channel",
                "Channel",
                &[
                    ("", "The workstream's"),
                    ("whatsapp", "WhatsApp"),
                    ("sms", "SMS"),
                ],
            )
            .help("An unknown customer (not known, no name, opted in) writes on this channel."),
        )
        .field(Field::new(
            "business_number",
            "Business number",
            FieldKind::Select { options: numbers },
        ))
}

fn mode_form(admin: &SignedIn, ws: &Workstream, mode: MatchMode) -> FormModel {
    let options = MatchMode::ALL
        .iter()
        .map(|m| (m.slug(), m.label()))
        .collect::<Vec<_>>();
    FormModel::new(
        rules_href(ws, "/skill-match"),
        &admin.csrf,
        "Save match mode",
    )
    .field(
        Field::select("mode", "Skill match", &options)
            .value(mode.slug())
            .help(
                "Exact match: only agents with every required skill at its minimum. Closest \
                 match: agents ranked by how many required skills they meet, then by their \
                 total proficiency in them.",
            ),
    )
}

/// The rules page; `trial` is the "Try it" form as submitted, with its result or errors.
async fn rules_page(
    desk: &Desk,
    admin: &SignedIn,
    ws: &Workstream,
    notice: Option<Section>,
    trial: Option<(&FormData, Result<Trial, FieldErrors>)>,
) -> Result<Page, PageError> {
    let c = choices(desk, ws).await?;
    let rules = desk.store().rules(ws.id).await?;
    let mode = desk.store().skill_match_mode(ws.id).await?;
    let mut p = page(admin, &format!("Routing rules: {}", ws.name));
    if let Some(n) = notice {
        p = p.with(n);
    }
    p = p
        .with(Section::Text(
            "Rules are evaluated in order; the first whose conditions all hold sends the \
             conversation to its queue. No match: the fallback queue."
                .into(),
        ))
        .with(Section::Links(vec![
            Link {
                href: rules_href(ws, "/new"),
                text: "New rule".into(),
            },
            Link {
                href: href(ws.id, "/context-variables"),
                text: "Context variables".into(),
            },
            Link {
                href: "/admin/skills".into(),
                text: "Skills".into(),
            },
            Link {
                href: href(ws.id, ""),
                text: "Back to the workstream".into(),
            },
        ]))
        .with(Section::Table(rules_table(admin, ws, &rules, &c)))
        .with(Section::Heading("Skill match".into()))
        .with(Section::Form(mode_form(admin, ws, mode)))
        .with(Section::Heading("Try it".into()));
    let form = try_form(admin, ws, &c);
    Ok(match trial {
        None => p.with(Section::Form(form)),
        Some((f, Err(errors))) => p.with(Section::Form(form.refill(f, &errors))),
        Some((f, Ok(t))) => {
            let p = p.with(Section::Form(form.refill(f, &FieldErrors::default())));
            trial_sections(p, &t)
        }
    })
}

fn trial_sections(p: Page, t: &Trial) -> Page {
    let name = |id: RuleId| {
        t.rules
            .iter()
            .find(|r| r.id == id)
            .map_or_else(String::new, |r| r.name.to_string())
    };
    let verdict = match t.decision.matched {
        Some(id) => format!("Rule “{}” matches: queue {}.", name(id), t.queue_name),
        None => format!("No rule matches: the fallback queue, {}.", t.queue_name),
    };
    let rows = t
        .rules
        .iter()
        .map(|r| {
            let result = match t.decision.evaluated.iter().find(|(id, _)| *id == r.id) {
                Some((_, true)) => "Matched",
                Some((_, false)) => "Did not match",
                None => "Not evaluated",
            };
            vec![Cell::Text(r.name.to_string()), Cell::Text(result.into())]
        })
        .collect();
    p.with(Section::Notice(verdict)).with(Section::Table(Table {
        columns: vec!["Rule".into(), "Result".into()],
        rows,
        empty: "No rules to evaluate.".into(),
    }))
}

async fn list(
    Admin(admin): Admin,
    id: web::Path<u64>,
    q: web::Query<Query>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let ws = load(&desk, *id).await?;
    Ok(rules_page(&desk, &admin, &ws, q.notice("Rule"), None)
        .await?
        .ok())
}

fn sample(f: &FormData, ws: &Workstream) -> Result<Sample, FieldErrors> {
    let mut e = FieldErrors::default();
    let customer = NumberMatch::digits(f.get("customer"))
        .map_err(|x| e.add("customer", x.to_string()))
        .unwrap_or_default();
    let first_message = validate::text(
        f,
        "message",
        "First message",
        MAX_SAMPLE_CHARS,
        true,
        &mut e,
    );
    let channel = match f.get("channel") {
        "" => None,
        raw => Channel::parse(raw)
            .map_err(|_| e.add("channel", "Choose a channel from the list."))
            .ok(),
    };
    let business_number = match f.get("business_number") {
        "" => None,
        raw => {
            let n = raw.parse::<u64>().ok().map(NumberId::new);
            let n = n.filter(|n| ws.numbers.contains(n));
            if n.is_none() {
                e.add("business_number", "Choose one of the workstream's numbers.");
            }
            n
        }
    };
    if !e.is_empty() {
        return Err(e);
    }
    Ok(Sample {
        customer: format!("+{customer}"),
        first_message,
        channel,
        business_number,
    })
}

async fn try_it(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let ws = load(&desk, *id).await?;
    let (outcome, status) = match sample(&f.form, &ws) {
        Ok(s) => (Ok(desk.try_rules(&ws, s).await?), StatusCode::OK),
        Err(e) => (Err(e), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let p = rules_page(&desk, &f.user, &ws, None, Some((&f.form, outcome))).await?;
    Ok(p.respond(status))
}

async fn set_mode(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let ws = load(&desk, *id).await?;
    let Some(mode) = MatchMode::from_slug(f.form.get("mode")) else {
        return Err(PageError::BadRequest(
            "Choose exact or closest match.".into(),
        ));
    };
    desk.set_skill_match_mode(ws.id, mode).await?;
    Ok(redirect(&rules_href(&ws, "?saved=1")))
}

fn rule_form(admin: &SignedIn, ws: &Workstream, c: &Choices, rule: Option<&Rule>) -> FormModel {
    match rule {
        Some(r) => rf::form(
            rules_href(ws, &format!("/{}", r.id.get())),
            &admin.csrf,
            c,
            "Save",
            &rules_href(ws, ""),
        )
        .refill(&rf::values(r), &FieldErrors::default()),
        None => rf::form(
            rules_href(ws, ""),
            &admin.csrf,
            c,
            "Create rule",
            &rules_href(ws, ""),
        ),
    }
}

async fn new(
    Admin(admin): Admin,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let ws = load(&desk, *id).await?;
    let c = choices(&desk, &ws).await?;
    Ok(page(&admin, &format!("New routing rule: {}", ws.name))
        .with(Section::Form(rule_form(&admin, &ws, &c, None)))
        .ok())
}

fn refused(r: &RuleRefusal) -> FieldErrors {
    match r {
        RuleRefusal::UnknownSkill => FieldErrors::one("skill0", r.to_string()),
        RuleRefusal::UnknownNumber => FieldErrors::one("business_number", r.to_string()),
        _ => FieldErrors::one("", r.to_string()),
    }
}

async fn create(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let ws = load(&desk, *id).await?;
    let c = choices(&desk, &ws).await?;
    let refuse = |errors: &FieldErrors| {
        page(&f.user, &format!("New routing rule: {}", ws.name))
            .with(Section::Form(
                rule_form(&f.user, &ws, &c, None).refill(&f.form, errors),
            ))
            .respond(StatusCode::UNPROCESSABLE_ENTITY)
    };
    let d = match rf::draft(&f.form, &c) {
        Ok(d) => d,
        Err(errors) => return Ok(refuse(&errors)),
    };
    match desk.create_rule(ws.id, d).await? {
        Ok(_) => Ok(redirect(&rules_href(&ws, "?created=1"))),
        Err(RuleRefusal::UnknownWorkstream) => Err(PageError::NotFound),
        Err(r) => Ok(refuse(&refused(&r))),
    }
}

async fn load_rule(desk: &Desk, ws: &Workstream, rule: u64) -> Result<Rule, PageError> {
    match desk.store().rule(RuleId::new(rule)).await? {
        Some(r) if r.workstream == ws.id => Ok(r.rule),
        _ => Err(PageError::NotFound),
    }
}

fn edit_page(admin: &SignedIn, ws: &Workstream, r: &Rule, form: FormModel) -> Page {
    page(admin, &format!("Routing rule: {}", r.name))
        .with(Section::Form(form))
        .with(Section::Heading("Delete".into()))
        .with(Section::Links(vec![Link {
            href: rules_href(ws, &format!("/{}/delete", r.id.get())),
            text: "Delete this rule…".into(),
        }]))
}

async fn edit(
    Admin(admin): Admin,
    path: web::Path<(u64, u64)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let ws = load(&desk, path.0).await?;
    let r = load_rule(&desk, &ws, path.1).await?;
    let c = choices(&desk, &ws).await?;
    let form = rule_form(&admin, &ws, &c, Some(&r));
    Ok(edit_page(&admin, &ws, &r, form).ok())
}

async fn update(
    f: CsrfForm,
    path: web::Path<(u64, u64)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let ws = load(&desk, path.0).await?;
    let r = load_rule(&desk, &ws, path.1).await?;
    let c = choices(&desk, &ws).await?;
    let refuse = |errors: &FieldErrors| {
        let form = rule_form(&f.user, &ws, &c, Some(&r)).refill(&f.form, errors);
        edit_page(&f.user, &ws, &r, form).respond(StatusCode::UNPROCESSABLE_ENTITY)
    };
    let d = match rf::draft(&f.form, &c) {
        Ok(d) => d,
        Err(errors) => return Ok(refuse(&errors)),
    };
    match desk.update_rule(r.id, d).await? {
        Ok(_) => Ok(redirect(&rules_href(&ws, "?saved=1"))),
        Err(RuleRefusal::Unknown) => Err(PageError::NotFound),
        Err(e) => Ok(refuse(&refused(&e))),
    }
}

async fn move_rule(
    f: CsrfForm,
    path: web::Path<(u64, u64)>,
    desk: web::Data<Desk>,
    to: Move,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let ws = load(&desk, path.0).await?;
    let r = load_rule(&desk, &ws, path.1).await?;
    match desk.move_rule(r.id, to).await? {
        Ok(_) => Ok(redirect(&rules_href(&ws, ""))),
        Err(_) => Err(PageError::NotFound),
    }
}

async fn move_up(
    f: CsrfForm,
    path: web::Path<(u64, u64)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    move_rule(f, path, desk, Move::Up).await
}

async fn move_down(
    f: CsrfForm,
    path: web::Path<(u64, u64)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    move_rule(f, path, desk, Move::Down).await
}

async fn confirm_delete(
    Admin(admin): Admin,
    path: web::Path<(u64, u64)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let ws = load(&desk, path.0).await?;
    let r = load_rule(&desk, &ws, path.1).await?;
    let at = rules_href(&ws, &format!("/{}", r.id.get()));
    let confirm = FormModel::new(format!("{at}/delete"), &admin.csrf, "Delete rule")
        .danger()
        .cancel(&at);
    Ok(page(&admin, &format!("Delete routing rule {}?", r.name))
        .with(Section::Text(
            "New conversations will no longer be classified by it. Conversations already \
             routed keep their queue."
                .into(),
        ))
        .with(Section::Form(confirm))
        .ok())
}

async fn delete(
    f: CsrfForm,
    path: web::Path<(u64, u64)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let ws = load(&desk, path.0).await?;
    let r = load_rule(&desk, &ws, path.1).await?;
    match desk.delete_rule(r.id).await? {
        Ok(_) => Ok(redirect(&rules_href(&ws, "?deleted=1"))),
        Err(_) => Err(PageError::NotFound),
    }
}
