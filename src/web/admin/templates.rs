//! `/admin/templates`: WhatsApp message templates: list (all, or one workstream's with
//! `?workstream=ID`), create, edit, delete. Localized variants are repeated language + text rows,
//! so the form needs no script. The checks live in `domain`; the store re-checks what needs the
//! stored records (unique name per language, workstreams that exist and are WhatsApp).

use super::common::{
    Query, filter_links, picked_workstreams, sentence, workstream_field, workstream_names,
};
use crate::app::Desk;
use crate::domain::language::LanguageCode;
use crate::domain::placeholders::{self, Syntax};
use crate::domain::template::TemplateText;
use crate::domain::template_name::TemplateName;
use crate::domain::template_variable::VariableHint;
use crate::domain::user::Role;
use crate::domain::{Channel, ContentSid, TemplateId};
use crate::store::records::{Template, Workstream};
use crate::store::templates::{TemplateDraft, TemplateRefusal};
use crate::web::csrf::{CsrfForm, FormData};
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::validate;
use crate::web::ui::{
    Cell, Field, FieldErrors, FieldKind, FormModel, Link, Nav, Page, PageError, Section, Table,
    redirect,
};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

/// WhatsApp's limit for a template body.
pub const MAX_TEXT_CHARS: usize = 1_024;
/// Variant rows shown on an empty form.
const MIN_VARIANT_ROWS: usize = 3;
/// Label and example rows a new template's form shows.
const MIN_VARIABLE_ROWS: usize = 3;
/// Placeholders a template may have ({{1}} to {{99}}), and so label rows read from a form.
const MAX_PLACEHOLDERS: usize = 99;
/// Variant rows read from a form; more are ignored.
const MAX_VARIANTS: usize = 30;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/templates", web::get().to(list))
        .route("/templates", web::post().to(create))
        .route("/templates/new", web::get().to(new))
        .route("/templates/{id}", web::get().to(edit))
        .route("/templates/{id}", web::post().to(update))
        .route("/templates/{id}/delete", web::get().to(confirm_delete))
        .route("/templates/{id}/delete", web::post().to(delete));
}

fn page(admin: &SignedIn, title: &str) -> Page {
    Page::new(title, Some(Nav::for_user(admin, "templates")))
}

async fn whatsapp_workstreams(desk: &Desk) -> Result<Vec<Workstream>, PageError> {
    let all = desk.store().workstreams().await?;
    Ok(all
        .into_iter()
        .filter(|w| w.channel == Channel::WhatsApp)
        .collect())
}

async fn load(desk: &Desk, id: u64) -> Result<Template, PageError> {
    desk.store()
        .template(TemplateId::new(id))
        .await?
        .ok_or(PageError::NotFound)
}

async fn list(
    Admin(admin): Admin,
    q: web::Query<Query>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let workstreams = whatsapp_workstreams(&desk).await?;
    let only = q.workstream(&workstreams)?;
    let templates = match only {
        Some(w) => desk.store().templates_for(w.id).await?,
        None => desk.store().templates().await?,
    };
    let rows = templates.iter().map(|t| row(t, &workstreams)).collect();
    let mut p = page(&admin, "Message templates");
    if let Some(n) = q.notice("Template") {
        p = p.with(n);
    }
    let new = Link {
        href: "/admin/templates/new".into(),
        text: "New template".into(),
    };
    Ok(p.with(Section::Links(vec![new]))
        .with(filter_section(only, &workstreams))
        .with(filter_links(
            "/admin/templates",
            &workstreams,
            only.map(|w| w.id),
        ))
        .with(Section::Table(Table {
            columns: [
                "Name",
                "Language",
                "Content SID",
                "Workstreams",
                "Variants",
                "",
            ]
            .map(String::from)
            .to_vec(),
            rows,
            empty: "No templates here yet.".into(),
        }))
        .ok())
}

fn row(t: &Template, workstreams: &[Workstream]) -> Vec<Cell> {
    let variants: Vec<&str> = t.variants.iter().map(|v| v.language.as_str()).collect();
    vec![
        Cell::Link {
            href: format!("/admin/templates/{}", t.id.get()),
            text: t.name.to_string(),
        },
        Cell::Text(t.language.to_string()),
        Cell::Text(t.content_sid.as_ref().map_or("—".into(), |s| s.to_string())),
        Cell::Text(workstream_names(&t.workstreams, workstreams)),
        Cell::Text(variants.join(", ")),
        Cell::Link {
            href: format!("/admin/templates/{}/delete", t.id.get()),
            text: "Delete".into(),
        },
    ]
}

fn filter_section(only: Option<&Workstream>, workstreams: &[Workstream]) -> Section {
    match only {
        Some(w) => Section::Text(format!("Templates listed for the workstream {}.", w.name)),
        None if workstreams.is_empty() => Section::Text("All templates.".into()),
        None => Section::Text("All templates. Show only one workstream's:".into()),
    }
}

/// The template form, filled from `t` (empty for a new template) with `rows` variant rows.
fn form(
    action: String,
    csrf: &str,
    offered: &[Workstream],
    t: Option<&Template>,
    rows: usize,
) -> FormModel {
    let picked = t.map_or(&[][..], |t| &t.workstreams);
    let ws_help = if offered.is_empty() {
        "No WhatsApp workstreams yet: create one first to offer this template to agents."
    } else {
        "Agents in the ticked WhatsApp workstreams are offered this template."
    };
    let mut f = FormModel::new(action, csrf, if t.is_some() { "Save" } else { "Create template" })
        .field(
            Field::text("name", "Name")
                .required()
                .value(t.map_or("", |t| t.name.as_str()))
                .help("As approved by WhatsApp: lowercase letters, digits and underscores."),
        )
        .field(
            Field::text("language", "Default language")
                .required()
                .value(t.map_or("en", |t| t.language.as_str()))
                .help("A code like en, es_MX or es-MX."),
        )
        .field(
            Field::new("text", "WhatsApp approved text", FieldKind::TextArea { rows: 5 })
                .required()
                .value(t.map_or("", |t| t.text.as_str()))
                .help(format!(
                    "{} At most 1,024 characters.",
                    placeholders::help_text(Syntax::Template)
                )),
        )
        .field(
            Field::text("content_sid", "Content SID")
                .value(t.and_then(|t| t.content_sid.as_ref()).map_or("", |s| s.as_str()))
                .help("Optional (Twilio): HX followed by 32 hexadecimal digits. When set, sends use the Content API."),
        )
        .field(workstream_field("Listed for workstreams", offered, picked).help(ws_help));
    let shown = t
        .map_or(0, |t| t.text.placeholders())
        .clamp(MIN_VARIABLE_ROWS, MAX_PLACEHOLDERS);
    for n in 1..=shown {
        let hint = t.and_then(|t| t.variables.get(n - 1));
        f = f
            .field(
                Field::text(&label_field(n), &format!("{{{{{n}}}}}: label for agents"))
                    .value(hint.map_or("", |h| h.label()))
                    .help("Optional, e.g. Order number."),
            )
            .field(
                Field::text(&example_field(n), &format!("{{{{{n}}}}}: example value"))
                    .value(hint.map_or("", |h| h.example()))
                    .help("Optional, e.g. #4417; shown in the empty field."),
            );
    }
    for i in 1..=rows {
        let v = t.and_then(|t| t.variants.get(i - 1));
        f = f
            .field(
                Field::text(&lang_field(i), &format!("Variant {i}: language"))
                    .value(v.map_or("", |v| v.language.as_str())),
            )
            .field(
                Field::new(
                    &text_field(i),
                    &format!("Variant {i}: approved text"),
                    FieldKind::TextArea { rows: 3 },
                )
                .value(v.map_or("", |v| v.text.as_str()))
                .help("Same placeholders as the default text. Leave both empty for no variant."),
            );
    }
    f.cancel("/admin/templates")
}

fn label_field(n: usize) -> String {
    format!("var_label_{n}")
}

fn example_field(n: usize) -> String {
    format!("var_example_{n}")
}

/// The placeholders' labels and examples as submitted, checked against the text's placeholders.
fn variables(
    f: &FormData,
    text: Option<&TemplateText>,
    errors: &mut FieldErrors,
) -> Vec<VariableHint> {
    let mut out = Vec::new();
    for n in 1..=MAX_PLACEHOLDERS {
        let (lf, ef) = (label_field(n), example_field(n));
        let hint = match VariableHint::parse(f.get(&lf), f.get(&ef)) {
            Ok(h) => h,
            Err(e) => {
                errors.add(&lf, e.to_string());
                continue;
            }
        };
        if !hint.is_empty() && text.is_some_and(|t| n > t.placeholders()) {
            errors.add(
                &lf,
                format!("The text has no {{{{{n}}}}}: remove this label and example."),
            );
        }
        out.push(hint);
    }
    out
}

fn lang_field(i: usize) -> String {
    format!("variant_lang_{i}")
}

fn text_field(i: usize) -> String {
    format!("variant_text_{i}")
}

/// How many variant rows a submitted form carries (at least the minimum, at most the maximum).
fn submitted_rows(f: &FormData) -> usize {
    f.0.iter()
        .filter_map(|(k, _)| {
            k.strip_prefix("variant_lang_")
                .or_else(|| k.strip_prefix("variant_text_"))
        })
        .filter_map(|n| n.parse::<usize>().ok())
        .filter(|n| *n <= MAX_VARIANTS)
        .fold(MIN_VARIANT_ROWS, usize::max)
}

fn placeholders(n: usize) -> String {
    match n {
        0 => "no placeholders".into(),
        1 => "1 placeholder".into(),
        n => format!("{n} placeholders"),
    }
}

/// Approved text from field `name`: plain text within the length limit, placeholders checked.
fn approved_text(f: &FormData, name: &str, errors: &mut FieldErrors) -> Option<TemplateText> {
    let raw = validate::text(f, name, "Approved text", MAX_TEXT_CHARS, true, errors);
    if errors.get(name).is_some() {
        return None;
    }
    TemplateText::parse(&raw)
        .map_err(|e| errors.add(name, sentence(e)))
        .ok()
}

/// The filled variant rows; `default` is the default language and text when they parsed.
fn variants(
    f: &FormData,
    default: (Option<&LanguageCode>, Option<&TemplateText>),
    errors: &mut FieldErrors,
) -> Vec<(LanguageCode, TemplateText)> {
    let mut out = Vec::new();
    let mut seen: Vec<String> = default.0.map(LanguageCode::key).into_iter().collect();
    for i in 1..=submitted_rows(f) {
        let (lf, tf) = (lang_field(i), text_field(i));
        if f.get(&lf).trim().is_empty() && f.get(&tf).trim().is_empty() {
            continue;
        }
        let lang = LanguageCode::parse(f.get(&lf))
            .map_err(|e| errors.add(&lf, e.to_string()))
            .ok();
        if let Some(l) = &lang {
            if seen.contains(&l.key()) {
                errors.add(&lf, format!("{l} is already given above."));
            }
            seen.push(l.key());
        }
        let text = approved_text(f, &tf, errors);
        if let (Some(t), Some(d)) = (&text, default.1)
            && t.placeholders() != d.placeholders()
        {
            let msg = format!(
                "This text has {}; the default text has {}.",
                placeholders(t.placeholders()),
                placeholders(d.placeholders())
            );
            errors.add(&tf, msg);
        }
        if let (Some(l), Some(t)) = (lang, text) {
            out.push((l, t));
        }
    }
    out
}

/// The submitted form as a draft, or the errors beside their fields.
fn draft(f: &FormData, offered: &[Workstream]) -> Result<TemplateDraft, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = TemplateName::parse(f.get("name"))
        .map_err(|e| errors.add("name", e.to_string()))
        .ok();
    let language = LanguageCode::parse(f.get("language"))
        .map_err(|e| errors.add("language", e.to_string()))
        .ok();
    let text = approved_text(f, "text", &mut errors);
    let content_sid = match f.get("content_sid").trim() {
        "" => None,
        sid => ContentSid::parse(sid)
            .map_err(|e| errors.add("content_sid", sentence(e)))
            .ok(),
    };
    let workstreams = picked_workstreams(f, offered, &mut errors);
    let variants = variants(f, (language.as_ref(), text.as_ref()), &mut errors);
    let variables = variables(f, text.as_ref(), &mut errors);
    match (name, language, text) {
        (Some(name), Some(language), Some(text)) if errors.is_empty() => Ok(TemplateDraft {
            name,
            language,
            text,
            content_sid,
            variants,
            workstreams,
            variables,
        }),
        _ => Err(errors),
    }
}

/// A store refusal as the field it concerns and the status to answer with.
fn refused(r: &TemplateRefusal) -> (FieldErrors, StatusCode) {
    let (field, status) = match r {
        TemplateRefusal::Duplicate { .. } => ("name", StatusCode::CONFLICT),
        TemplateRefusal::UnknownWorkstream | TemplateRefusal::NotWhatsApp(_) => {
            ("workstreams", StatusCode::UNPROCESSABLE_ENTITY)
        }
        _ => ("", StatusCode::UNPROCESSABLE_ENTITY),
    };
    (FieldErrors::one(field, r.to_string()), status)
}

async fn new(Admin(admin): Admin, desk: web::Data<Desk>) -> Result<HttpResponse, PageError> {
    let offered = whatsapp_workstreams(&desk).await?;
    let f = form(
        "/admin/templates".into(),
        &admin.csrf,
        &offered,
        None,
        MIN_VARIANT_ROWS,
    );
    Ok(page(&admin, "New template").with(Section::Form(f)).ok())
}

async fn create(f: CsrfForm, desk: web::Data<Desk>) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let offered = whatsapp_workstreams(&desk).await?;
    let refuse = |errors: &FieldErrors, status| {
        let rows = submitted_rows(&f.form);
        let model = form(
            "/admin/templates".into(),
            &f.user.csrf,
            &offered,
            None,
            rows,
        );
        page(&f.user, "New template")
            .with(Section::Form(model.refill(&f.form, errors)))
            .respond(status)
    };
    let d = match draft(&f.form, &offered) {
        Ok(d) => d,
        Err(errors) => return Ok(refuse(&errors, StatusCode::UNPROCESSABLE_ENTITY)),
    };
    match desk.create_template(d).await? {
        Ok(t) => Ok(redirect(&format!(
            "/admin/templates/{}?created=1",
            t.id.get()
        ))),
        Err(r) => {
            let (errors, status) = refused(&r);
            Ok(refuse(&errors, status))
        }
    }
}

fn edit_page(admin: &SignedIn, t: &Template, form: FormModel, notice: Option<Section>) -> Page {
    let mut p = page(admin, &format!("Template: {}", t.name));
    if let Some(n) = notice {
        p = p.with(n);
    }
    p.with(Section::Form(form))
        .with(Section::Heading("Delete".into()))
        .with(Section::Links(vec![Link {
            href: format!("/admin/templates/{}/delete", t.id.get()),
            text: "Delete this template…".into(),
        }]))
}

async fn edit(
    Admin(admin): Admin,
    id: web::Path<u64>,
    q: web::Query<Query>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let t = load(&desk, *id).await?;
    let offered = whatsapp_workstreams(&desk).await?;
    let rows = (t.variants.len() + 2).clamp(MIN_VARIANT_ROWS, MAX_VARIANTS);
    let action = format!("/admin/templates/{}", t.id.get());
    let f = form(action, &admin.csrf, &offered, Some(&t), rows);
    Ok(edit_page(&admin, &t, f, q.notice("Template")).ok())
}

async fn update(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let t = load(&desk, *id).await?;
    let offered = whatsapp_workstreams(&desk).await?;
    let refuse = |errors: &FieldErrors, status| {
        let action = format!("/admin/templates/{}", t.id.get());
        let rows = submitted_rows(&f.form);
        let model = form(action, &f.user.csrf, &offered, Some(&t), rows);
        edit_page(&f.user, &t, model.refill(&f.form, errors), None).respond(status)
    };
    let d = match draft(&f.form, &offered) {
        Ok(d) => d,
        Err(errors) => return Ok(refuse(&errors, StatusCode::UNPROCESSABLE_ENTITY)),
    };
    match desk.update_template(t.id, d).await? {
        Ok(saved) => Ok(redirect(&format!(
            "/admin/templates/{}?saved=1",
            saved.id.get()
        ))),
        Err(TemplateRefusal::Unknown) => Err(PageError::NotFound),
        Err(r) => {
            let (errors, status) = refused(&r);
            Ok(refuse(&errors, status))
        }
    }
}

async fn confirm_delete(
    Admin(admin): Admin,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let t = load(&desk, *id).await?;
    let action = format!("/admin/templates/{}/delete", t.id.get());
    let confirm = FormModel::new(action, &admin.csrf, "Delete template")
        .danger()
        .cancel(&format!("/admin/templates/{}", t.id.get()));
    Ok(page(&admin, &format!("Delete template {}?", t.name))
        .with(Section::Text(format!(
            "Agents will no longer be offered {} ({}). Messages already sent keep their text.",
            t.name, t.language
        )))
        .with(Section::Form(confirm))
        .ok())
}

async fn delete(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    match desk.delete_template(TemplateId::new(*id)).await? {
        Ok(_) => Ok(redirect("/admin/templates?deleted=1")),
        Err(_) => Err(PageError::NotFound),
    }
}
