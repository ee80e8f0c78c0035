//! `/admin/quick-replies`: canned messages for agents: list (all, or those offered in one
//! workstream with `?workstream=ID`), create, edit, delete. Slugs are checked by
//! `domain::quick_reply`; a reply linked to no workstream is offered everywhere.

use super::common::{
    Query, filter_links, picked_workstreams, sentence, workstream_field, workstream_names,
};
use crate::app::Desk;
use crate::domain::QuickReplyId;
use crate::domain::language::LanguageCode;
use crate::domain::quick_reply::{MAX_MESSAGE_CHARS, QuickReplyText, Slug, parse_tags};
use crate::domain::user::Role;
use crate::store::quick_replies::{QuickReply, QuickReplyDraft, QuickReplyRefusal};
use crate::store::records::Workstream;
use crate::web::csrf::{CsrfForm, FormData};
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::validate;
use crate::web::ui::{
    Cell, Field, FieldErrors, FieldKind, FormModel, Link, Nav, Page, PageError, Section, Table,
    redirect,
};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

const MAX_TITLE_CHARS: usize = 100;
/// Characters of the message shown in the list.
const PREVIEW_CHARS: usize = 80;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/quick-replies", web::get().to(list))
        .route("/quick-replies", web::post().to(create))
        .route("/quick-replies/new", web::get().to(new))
        .route("/quick-replies/{id}", web::get().to(edit))
        .route("/quick-replies/{id}", web::post().to(update))
        .route("/quick-replies/{id}/delete", web::get().to(confirm_delete))
        .route("/quick-replies/{id}/delete", web::post().to(delete));
}

fn page(admin: &SignedIn, title: &str) -> Page {
    Page::new(title, Some(Nav::for_user(admin, "quick-replies")))
}

async fn load(desk: &Desk, id: u64) -> Result<QuickReply, PageError> {
    desk.store()
        .quick_reply(QuickReplyId::new(id))
        .await?
        .ok_or(PageError::NotFound)
}

async fn list(
    Admin(admin): Admin,
    q: web::Query<Query>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let workstreams = desk.store().workstreams().await?;
    let only = q.workstream(&workstreams)?;
    let replies = match only {
        Some(w) => desk.store().quick_replies_for(w.id).await?,
        None => desk.store().quick_replies().await?,
    };
    let mut p = page(&admin, "Quick replies");
    if let Some(n) = q.notice("Quick reply") {
        p = p.with(n);
    }
    let new = Link {
        href: "/admin/quick-replies/new".into(),
        text: "New quick reply".into(),
    };
    let shown = match only {
        Some(w) => format!(
            "Quick replies offered in {}: its own and the global ones.",
            w.name
        ),
        None => "All quick replies. Show those offered in one workstream:".into(),
    };
    Ok(p.with(Section::Links(vec![new]))
        .with(Section::Text(shown))
        .with(filter_links(
            "/admin/quick-replies",
            &workstreams,
            only.map(|w| w.id),
        ))
        .with(Section::Table(Table {
            columns: ["Title", "Locale", "Message", "Tags", "Workstreams", ""]
                .map(String::from)
                .to_vec(),
            rows: replies.iter().map(|r| row(r, &workstreams)).collect(),
            empty: "No quick replies here yet.".into(),
        }))
        .ok())
}

fn row(r: &QuickReply, workstreams: &[Workstream]) -> Vec<Cell> {
    let text = r.message.as_str();
    let mut preview: String = text.chars().take(PREVIEW_CHARS).collect();
    if preview.len() < text.len() {
        preview.push('…');
    }
    let linked = if r.is_global() {
        "All workstreams".into()
    } else {
        workstream_names(&r.workstreams, workstreams)
    };
    vec![
        Cell::Link {
            href: format!("/admin/quick-replies/{}", r.id.get()),
            text: r.title.clone(),
        },
        Cell::Text(r.locale.to_string()),
        Cell::Text(preview),
        Cell::Text(r.tags.join(", ")),
        Cell::Text(linked),
        Cell::Link {
            href: format!("/admin/quick-replies/{}/delete", r.id.get()),
            text: "Delete".into(),
        },
    ]
}

/// The quick-reply form, filled from `r` (empty for a new one).
fn form(action: String, csrf: &str, offered: &[Workstream], r: Option<&QuickReply>) -> FormModel {
    let picked = r.map_or(&[][..], |r| &r.workstreams);
    let submit = if r.is_some() {
        "Save"
    } else {
        "Create quick reply"
    };
    FormModel::new(action, csrf, submit)
        .field(
            Field::text("title", "Title")
                .required()
                .value(r.map_or("", |r| &r.title))
                .help("What agents see in the list. At most 100 characters."),
        )
        .field(
            Field::text("locale", "Locale")
                .required()
                .value(r.map_or("en", |r| r.locale.as_str()))
                .help("The language of the message: a code like en or es-MX."),
        )
        .field(
            Field::new("message", "Message", FieldKind::TextArea { rows: 6 })
                .required()
                .value(r.map_or("", |r| r.message.as_str()))
                .help(format!(
                    "At most 2,000 characters. Slugs filled in for the agent: {}.",
                    Slug::list()
                )),
        )
        .field(
            Field::text("tags", "Tags")
                .value(r.map_or(String::new(), |r| r.tags.join(", ")))
                .help("Comma-separated, each at most 40 characters."),
        )
        .field(
            workstream_field("Workstreams", offered, picked)
                .help("None ticked: offered in every workstream."),
        )
        .cancel("/admin/quick-replies")
}

/// The submitted form as a draft, or the errors beside their fields.
fn draft(f: &FormData, offered: &[Workstream]) -> Result<QuickReplyDraft, FieldErrors> {
    let mut errors = FieldErrors::default();
    let title = validate::line(f, "title", "Title", MAX_TITLE_CHARS, true, &mut errors);
    let locale = LanguageCode::parse(f.get("locale"))
        .map_err(|e| errors.add("locale", e.to_string()))
        .ok();
    let raw = validate::text(
        f,
        "message",
        "Message",
        MAX_MESSAGE_CHARS,
        true,
        &mut errors,
    );
    let message = match errors.get("message") {
        Some(_) => None,
        None => QuickReplyText::parse(&raw)
            .map_err(|e| errors.add("message", sentence(e)))
            .ok(),
    };
    let tags = parse_tags(f.get("tags"))
        .map_err(|e| errors.add("tags", e.to_string()))
        .unwrap_or_default();
    let workstreams = picked_workstreams(f, offered, &mut errors);
    match (locale, message) {
        (Some(locale), Some(message)) if errors.is_empty() => Ok(QuickReplyDraft {
            title,
            locale,
            message,
            tags,
            workstreams,
        }),
        _ => Err(errors),
    }
}

fn refused(r: &QuickReplyRefusal) -> FieldErrors {
    FieldErrors::one("workstreams", r.to_string())
}

async fn new(Admin(admin): Admin, desk: web::Data<Desk>) -> Result<HttpResponse, PageError> {
    let offered = desk.store().workstreams().await?;
    let f = form("/admin/quick-replies".into(), &admin.csrf, &offered, None);
    Ok(page(&admin, "New quick reply").with(Section::Form(f)).ok())
}

async fn create(f: CsrfForm, desk: web::Data<Desk>) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let offered = desk.store().workstreams().await?;
    let refuse = |errors: &FieldErrors| {
        let model = form("/admin/quick-replies".into(), &f.user.csrf, &offered, None);
        page(&f.user, "New quick reply")
            .with(Section::Form(model.refill(&f.form, errors)))
            .respond(StatusCode::UNPROCESSABLE_ENTITY)
    };
    let d = match draft(&f.form, &offered) {
        Ok(d) => d,
        Err(errors) => return Ok(refuse(&errors)),
    };
    match desk.create_quick_reply(d).await? {
        Ok(r) => Ok(redirect(&format!(
            "/admin/quick-replies/{}?created=1",
            r.id.get()
        ))),
        Err(r) => Ok(refuse(&refused(&r))),
    }
}

fn edit_page(admin: &SignedIn, r: &QuickReply, form: FormModel, notice: Option<Section>) -> Page {
    let mut p = page(admin, &format!("Quick reply: {}", r.title));
    if let Some(n) = notice {
        p = p.with(n);
    }
    p.with(Section::Form(form))
        .with(Section::Heading("Delete".into()))
        .with(Section::Links(vec![Link {
            href: format!("/admin/quick-replies/{}/delete", r.id.get()),
            text: "Delete this quick reply…".into(),
        }]))
}

async fn edit(
    Admin(admin): Admin,
    id: web::Path<u64>,
    q: web::Query<Query>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let r = load(&desk, *id).await?;
    let offered = desk.store().workstreams().await?;
    let action = format!("/admin/quick-replies/{}", r.id.get());
    let f = form(action, &admin.csrf, &offered, Some(&r));
    Ok(edit_page(&admin, &r, f, q.notice("Quick reply")).ok())
}

async fn update(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let r = load(&desk, *id).await?;
    let offered = desk.store().workstreams().await?;
    let refuse = |errors: &FieldErrors| {
        let action = format!("/admin/quick-replies/{}", r.id.get());
        let model = form(action, &f.user.csrf, &offered, Some(&r));
        edit_page(&f.user, &r, model.refill(&f.form, errors), None)
            .respond(StatusCode::UNPROCESSABLE_ENTITY)
    };
    let d = match draft(&f.form, &offered) {
        Ok(d) => d,
        Err(errors) => return Ok(refuse(&errors)),
    };
    match desk.update_quick_reply(r.id, d).await? {
        Ok(saved) => Ok(redirect(&format!(
            "/admin/quick-replies/{}?saved=1",
            saved.id.get()
        ))),
        Err(QuickReplyRefusal::Unknown) => Err(PageError::NotFound),
        Err(e) => Ok(refuse(&refused(&e))),
    }
}

async fn confirm_delete(
    Admin(admin): Admin,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let r = load(&desk, *id).await?;
    let action = format!("/admin/quick-replies/{}/delete", r.id.get());
    let confirm = FormModel::new(action, &admin.csrf, "Delete quick reply")
        .danger()
        .cancel(&format!("/admin/quick-replies/{}", r.id.get()));
    Ok(page(&admin, &format!("Delete quick reply {}?", r.title))
        .with(Section::Text(
            "Agents will no longer be offered it. Messages already sent keep their text.".into(),
        ))
        .with(Section::Form(confirm))
        .ok())
}

async fn delete(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    match desk.delete_quick_reply(QuickReplyId::new(*id)).await? {
        Ok(_) => Ok(redirect("/admin/quick-replies?deleted=1")),
        Err(_) => Err(PageError::NotFound),
    }
}
