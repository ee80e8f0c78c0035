//! `/admin/workstreams/{id}/context-variables`: a workstream's context variables (name usable as
//! the placeholder `{$Name$}`, type text, number or yes/no, optional default): list with the
//! create form, edit, delete. Values per conversation are set by the bot and shown to agents.

use super::common::Query;
use super::workstreams::{href, load, page};
use crate::app::Desk;
use crate::domain::routing::{ContextValue, VariableKind, VariableName};
use crate::domain::user::Role;
use crate::store::context::{ContextRefusal, ContextVariable, ContextVariableDraft};
use crate::store::records::Workstream;
use crate::web::csrf::{CsrfForm, FormData};
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::{
    Cell, Field, FieldErrors, FormModel, Link, Page, PageError, Section, Table, redirect,
};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/workstreams/{id}/context-variables", web::get().to(list))
        .route(
            "/workstreams/{id}/context-variables",
            web::post().to(create),
        )
        .route(
            "/workstreams/{id}/context-variables/{name}",
            web::get().to(edit),
        )
        .route(
            "/workstreams/{id}/context-variables/{name}",
            web::post().to(update),
        )
        .route(
            "/workstreams/{id}/context-variables/{name}/delete",
            web::get().to(confirm_delete),
        )
        .route(
            "/workstreams/{id}/context-variables/{name}/delete",
            web::post().to(delete),
        );
}

fn vars_href(ws: &Workstream, rest: &str) -> String {
    href(ws.id, &format!("/context-variables{rest}"))
}

fn var_href(ws: &Workstream, v: &ContextVariable, rest: &str) -> String {
    vars_href(ws, &format!("/{}{rest}", v.name.key()))
}

fn form(action: String, csrf: &str, submit: &str, cancel: &str) -> FormModel {
    let kinds: Vec<(&str, &str)> = VariableKind::ALL
        .iter()
        .map(|k| (k.slug(), k.label()))
        .collect();
    FormModel::new(action, csrf, submit)
        .field(Field::text("name", "Name").required().help(
            "Letters, digits and _, starting with a letter; used as {$Name$} in automated messages.",
        ))
        .field(Field::select("kind", "Type", &kinds))
        .field(
            Field::text("default", "Default value")
                .help("Optional. A number for Number, yes or no for Yes/no."),
        )
        .cancel(cancel)
}

fn values(v: &ContextVariable) -> FormData {
    FormData(vec![
        ("name".into(), v.name.to_string()),
        ("kind".into(), v.kind.slug().into()),
        (
            "default".into(),
            v.default
                .as_ref()
                .map_or(String::new(), ToString::to_string),
        ),
    ])
}

fn draft(f: &FormData) -> Result<ContextVariableDraft, FieldErrors> {
    let mut e = FieldErrors::default();
    let name = VariableName::parse(f.get("name"))
        .map_err(|x| e.add("name", x.to_string()))
        .ok();
    let kind = VariableKind::from_slug(f.get("kind"));
    if kind.is_none() {
        e.add("kind", "Choose a type from the list.");
    }
    let default = match (kind, f.get("default").trim()) {
        (_, "") | (None, _) => None,
        (Some(k), raw) => ContextValue::parse(k, raw)
            .map_err(|x| e.add("default", x.to_string()))
            .ok(),
    };
    match (name, kind) {
        (Some(name), Some(kind)) if e.is_empty() => Ok(ContextVariableDraft {
            name,
            kind,
            default,
        }),
        _ => Err(e),
    }
}

fn refused(r: &ContextRefusal) -> FieldErrors {
    match r {
        ContextRefusal::WrongKind => FieldErrors::one("default", r.to_string()),
        _ => FieldErrors::one("name", r.to_string()),
    }
}

async fn list_page(
    desk: &Desk,
    admin: &SignedIn,
    ws: &Workstream,
    notice: Option<Section>,
    new: FormModel,
) -> Result<Page, PageError> {
    let vars = desk.store().context_variables(ws.id).await?;
    let rows = vars
        .iter()
        .map(|v| {
            vec![
                Cell::Link {
                    href: var_href(ws, v, ""),
                    text: v.name.to_string(),
                },
                Cell::Text(v.kind.label().into()),
                Cell::Text(
                    v.default
                        .as_ref()
                        .map_or("None".into(), ToString::to_string),
                ),
                Cell::Text(v.name.placeholder()),
                Cell::Link {
                    href: var_href(ws, v, "/delete"),
                    text: "Delete".into(),
                },
            ]
        })
        .collect();
    let mut p = page(admin, &format!("Context variables: {}", ws.name));
    if let Some(n) = notice {
        p = p.with(n);
    }
    Ok(p.with(Section::Text(
        "Values about a conversation, set by the bot, shown to agents, tested by routing rules."
            .into(),
    ))
    .with(Section::Links(vec![
        Link {
            href: href(ws.id, "/routing"),
            text: "Routing rules".into(),
        },
        Link {
            href: href(ws.id, ""),
            text: "Back to the workstream".into(),
        },
    ]))
    .with(Section::Table(Table {
        columns: ["Name", "Type", "Default", "Placeholder", ""]
            .map(String::from)
            .to_vec(),
        rows,
        empty: "No context variables yet.".into(),
    }))
    .with(Section::Heading("New context variable".into()))
    .with(Section::Form(new)))
}

fn new_form(admin: &SignedIn, ws: &Workstream) -> FormModel {
    form(
        vars_href(ws, ""),
        &admin.csrf,
        "Add variable",
        &vars_href(ws, ""),
    )
}

async fn list(
    Admin(admin): Admin,
    id: web::Path<u64>,
    q: web::Query<Query>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let ws = load(&desk, *id).await?;
    let new = new_form(&admin, &ws).refill(
        &FormData(vec![("kind".into(), "text".into())]),
        &FieldErrors::default(),
    );
    Ok(
        list_page(&desk, &admin, &ws, q.notice("Context variable"), new)
            .await?
            .ok(),
    )
}

async fn create(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let ws = load(&desk, *id).await?;
    let errors = match draft(&f.form) {
        Ok(d) => match desk.create_context_variable(ws.id, d).await? {
            Ok(_) => return Ok(redirect(&vars_href(&ws, "?created=1"))),
            Err(ContextRefusal::UnknownWorkstream) => return Err(PageError::NotFound),
            Err(r) => refused(&r),
        },
        Err(e) => e,
    };
    let new = new_form(&f.user, &ws).refill(&f.form, &errors);
    let p = list_page(&desk, &f.user, &ws, None, new).await?;
    Ok(p.respond(StatusCode::UNPROCESSABLE_ENTITY))
}

async fn load_var(desk: &Desk, ws: &Workstream, name: &str) -> Result<ContextVariable, PageError> {
    desk.store()
        .context_variable(ws.id, name.to_owned())
        .await?
        .ok_or(PageError::NotFound)
}

fn edit_page(admin: &SignedIn, ws: &Workstream, v: &ContextVariable, form: FormModel) -> Page {
    page(admin, &format!("Context variable: {}", v.name))
        .with(Section::Form(form))
        .with(Section::Links(vec![Link {
            href: var_href(ws, v, "/delete"),
            text: "Delete this variable…".into(),
        }]))
}

fn edit_form(admin: &SignedIn, ws: &Workstream, v: &ContextVariable) -> FormModel {
    form(var_href(ws, v, ""), &admin.csrf, "Save", &vars_href(ws, ""))
}

async fn edit(
    Admin(admin): Admin,
    path: web::Path<(u64, String)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let ws = load(&desk, path.0).await?;
    let v = load_var(&desk, &ws, &path.1).await?;
    let form = edit_form(&admin, &ws, &v).refill(&values(&v), &FieldErrors::default());
    Ok(edit_page(&admin, &ws, &v, form).ok())
}

async fn update(
    f: CsrfForm,
    path: web::Path<(u64, String)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let ws = load(&desk, path.0).await?;
    let v = load_var(&desk, &ws, &path.1).await?;
    let errors = match draft(&f.form) {
        Ok(d) => match desk.update_context_variable(ws.id, v.name.key(), d).await? {
            Ok(_) => return Ok(redirect(&vars_href(&ws, "?saved=1"))),
            Err(ContextRefusal::Unknown) => return Err(PageError::NotFound),
            Err(r) => refused(&r),
        },
        Err(e) => e,
    };
    let form = edit_form(&f.user, &ws, &v).refill(&f.form, &errors);
    Ok(edit_page(&f.user, &ws, &v, form).respond(StatusCode::UNPROCESSABLE_ENTITY))
}

async fn confirm_delete(
    Admin(admin): Admin,
    path: web::Path<(u64, String)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let ws = load(&desk, path.0).await?;
    let v = load_var(&desk, &ws, &path.1).await?;
    let confirm = FormModel::new(var_href(&ws, &v, "/delete"), &admin.csrf, "Delete variable")
        .danger()
        .cancel(&var_href(&ws, &v, ""));
    Ok(
        page(&admin, &format!("Delete context variable {}?", v.name))
            .with(Section::Text(
                "Routing rules testing it will no longer match, and its placeholder is left empty."
                    .into(),
            ))
            .with(Section::Form(confirm))
            .ok(),
    )
}

async fn delete(
    f: CsrfForm,
    path: web::Path<(u64, String)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let ws = load(&desk, path.0).await?;
    let v = load_var(&desk, &ws, &path.1).await?;
    match desk.delete_context_variable(ws.id, v.name.key()).await? {
        Ok(_) => Ok(redirect(&vars_href(&ws, "?deleted=1"))),
        Err(_) => Err(PageError::NotFound),
    }
}
