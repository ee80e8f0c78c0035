//! `/admin/config`: the configuration file on an admin page. "Export" downloads the TOML;
//! "Import" first previews the plan (adds, changes, removals, or the refusals with their
//! lines) and then applies exactly the previewed file, carried in a hidden field and checked
//! again. New Twilio accounts are added disabled until their auth token is set.

use crate::app::Desk;
use crate::app::config_file::ExportError;
use crate::app::config_file::import::{ImportRefusal, Report};
use crate::domain::user::Role;
use crate::web::csrf::{CsrfForm, FormData};
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::{
    Cell, Field, FieldErrors, FieldKind, FormModel, Nav, Page, PageError, Section, Table,
};
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_DISPOSITION;
use actix_web::{HttpResponse, web};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/config", web::get().to(show))
        .route("/config/export", web::get().to(export))
        .route("/config/preview", web::post().to(preview))
        .route("/config/apply", web::post().to(apply));
}

fn page(admin: &SignedIn) -> Page {
    Page::new("Configuration file", Some(Nav::for_user(admin, "config")))
}

fn import_form(csrf: &str) -> FormModel {
    FormModel::new("/admin/config/preview", csrf, "Preview import").field(
        Field::new(
            "file",
            "Configuration file (TOML)",
            FieldKind::TextArea { rows: 16 },
        )
        .required()
        .help(
            "Paste an exported file. Each section it contains becomes the desired state; \
                 sections it leaves out are not touched. Nothing changes until you apply the \
                 preview.",
        ),
    )
}

fn intro(admin: &SignedIn) -> Page {
    page(admin)
        .with(Section::Text(
            "Every setting as one TOML file, without secrets (auth tokens, passwords, bot \
             secrets). The command line does the same: omnidesk config export and omnidesk \
             config import FILE."
                .into(),
        ))
        .with(Section::Links(vec![crate::web::ui::Link {
            href: "/admin/config/export".into(),
            text: "Export (download omnidesk-config.toml)".into(),
        }]))
        .with(Section::Heading("Import".into()))
        .with(Section::Text(
            "A new Twilio account in the file is added disabled until you set its auth token \
             on its page under Accounts; a new user has no password until you set one under \
             Users."
                .into(),
        ))
}

async fn show(Admin(admin): Admin) -> HttpResponse {
    let form = import_form(&admin.csrf);
    intro(&admin).with(Section::Form(form)).ok()
}

async fn export(Admin(_): Admin, desk: web::Data<Desk>) -> Result<HttpResponse, PageError> {
    let text = desk.export_config().await.map_err(|e| match e {
        ExportError::Store(e) => PageError::from(e),
        ExportError::Toml(e) => PageError::BadRequest(e.to_string()),
    })?;
    Ok(HttpResponse::Ok()
        .content_type("application/toml; charset=utf-8")
        .insert_header((
            CONTENT_DISPOSITION,
            "attachment; filename=omnidesk-config.toml",
        ))
        .body(text))
}

/// The file as typed, with the line ends a browser sends made plain.
fn file_of(form: &FormData) -> String {
    form.get("file").replace("\r\n", "\n")
}

/// The plan as a table: one row per add, change or removal.
fn plan(report: &Report) -> Section {
    let mut rows = Vec::new();
    for s in &report.sections {
        let lines = [
            ("add", &s.add),
            ("change", &s.change),
            ("remove", &s.remove),
        ];
        for (verb, items) in lines {
            for item in items {
                rows.push(vec![
                    Cell::Text(s.section.clone()),
                    Cell::Text(format!("{verb} {item}")),
                ]);
            }
        }
    }
    Section::Table(Table {
        columns: vec!["Section".into(), "Change".into()],
        rows,
        empty: "No changes: the store already matches this file.".into(),
    })
}

fn with_notes(mut p: Page, report: &Report) -> Page {
    for n in &report.notes {
        p = p.with(Section::Warning(n.clone()));
    }
    p
}

/// The refusal's reasons on the page, the file kept in the form; status 422.
fn refused(admin: &SignedIn, form: &FormData, refusal: &ImportRefusal) -> HttpResponse {
    let mut p = intro(admin).with(Section::Problem(
        "The file was refused; nothing was changed.".into(),
    ));
    let reasons: Vec<String> = match refusal {
        ImportRefusal::Invalid(problems) => problems.iter().map(ToString::to_string).collect(),
        ImportRefusal::InUse { reasons, .. } => reasons.clone(),
        ImportRefusal::Apply(step) => vec![format!(
            "The import stopped at {step}; the changes before it were made."
        )],
    };
    for r in reasons {
        p = p.with(Section::Problem(r));
    }
    let form = import_form(&admin.csrf).refill(form, &FieldErrors::default());
    p.with(Section::Form(form))
        .respond(StatusCode::UNPROCESSABLE_ENTITY)
}

fn empty_file(admin: &SignedIn, form: &FormData) -> HttpResponse {
    let errors = FieldErrors::one("file", "Paste the configuration file.");
    let form = import_form(&admin.csrf).refill(form, &errors);
    intro(admin)
        .with(Section::Form(form))
        .respond(StatusCode::UNPROCESSABLE_ENTITY)
}

async fn preview(f: CsrfForm, desk: web::Data<Desk>) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let text = file_of(&f.form);
    if text.trim().is_empty() {
        return Ok(empty_file(&f.user, &f.form));
    }
    let report = match desk
        .import_config(&text, true, "", Some(&f.user.user.email))
        .await?
    {
        Ok(report) => report,
        Err(refusal) => return Ok(refused(&f.user, &f.form, &refusal)),
    };
    let mut p = page(&f.user)
        .with(Section::Heading("Preview: nothing has changed yet".into()))
        .with(plan(&report));
    p = with_notes(p, &report);
    if !report.no_changes() {
        p = p.with(Section::Form(
            FormModel::new("/admin/config/apply", &f.user.csrf, "Apply")
                .field(Field::hidden("file", &text))
                .cancel("/admin/config"),
        ));
    }
    Ok(p.ok())
}

async fn apply(f: CsrfForm, desk: web::Data<Desk>) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let text = file_of(&f.form);
    if text.trim().is_empty() {
        return Ok(empty_file(&f.user, &f.form));
    }
    // The previewed file, checked again: the store may have changed since the preview.
    let report = match desk
        .import_config(&text, false, "", Some(&f.user.user.email))
        .await?
    {
        Ok(report) => report,
        Err(refusal) => return Ok(refused(&f.user, &f.form, &refusal)),
    };
    let notice = if report.applied {
        "Applied: the configuration now matches the file."
    } else {
        "No changes: the store already matches this file."
    };
    let p = page(&f.user)
        .with(Section::Notice(notice.into()))
        .with(plan(&report));
    Ok(with_notes(p, &report).ok())
}
