//! `/admin/workstreams/{id}/script`: the workstream's agent script, for admins and supervisors.
//! Steps are listed in order with Up and Down; a step is text the agent sends or an instruction;
//! one is added below the list, edited on its own page, and deleted after a confirmation.

use super::editors::Editor;
use crate::app::Desk;
use crate::domain::WorkstreamId;
use crate::domain::knowledge::script::{Move, Script, Step, StepId, StepKind, StepText};
use crate::domain::quick_reply::Slug;
use crate::store::records::Workstream;
use crate::store::scripts::{ScriptEdit, ScriptRefusal};
use crate::web::csrf::{CsrfForm, FormData};
use crate::web::session::SignedIn;
use crate::web::ui::{
    Cell, Field, FieldErrors, FieldKind, FormModel, Link, Nav, Page, PageError, Section, Table,
    redirect,
};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

/// Characters of a step shown in the list.
const PREVIEW_CHARS: usize = 120;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(show))
        .route("/steps", web::post().to(add))
        .route("/steps/{step}", web::get().to(edit))
        .route("/steps/{step}", web::post().to(save))
        .route("/steps/{step}/up", web::post().to(up))
        .route("/steps/{step}/down", web::post().to(down))
        .route("/steps/{step}/delete", web::get().to(confirm_delete))
        .route("/steps/{step}/delete", web::post().to(delete));
}

fn base(ws: WorkstreamId) -> String {
    format!("/admin/workstreams/{}/script", ws.get())
}

fn page(user: &SignedIn, title: &str) -> Page {
    Page::new(title, Some(Nav::for_user(user, "workstreams")))
}

/// The workstream and its script, or 404.
async fn load(desk: &Desk, id: u64) -> Result<(Workstream, Script), PageError> {
    desk.workstream_script(WorkstreamId::new(id))
        .await?
        .ok_or(PageError::NotFound)
}

fn step_of(script: &Script, id: u32) -> Result<Step, PageError> {
    script
        .step(StepId::new(id))
        .cloned()
        .ok_or(PageError::NotFound)
}

fn step_form(action: String, csrf: &str, step: Option<&Step>) -> FormModel {
    let kinds: Vec<(&str, &str)> = [
        (
            StepKind::SendText,
            "Send text: the agent puts it in the reply",
        ),
        (
            StepKind::Instruction,
            "Instruction: for the agent, never sent",
        ),
    ]
    .iter()
    .map(|(k, l)| (k.as_str(), *l))
    .collect();
    let submit = if step.is_some() {
        "Save step"
    } else {
        "Add step"
    };
    FormModel::new(action, csrf, submit)
        .field(
            Field::select("kind", "Kind", &kinds)
                .value(step.map_or("send_text", |s| s.kind.as_str())),
        )
        .field(
            Field::new("text", "Text", FieldKind::TextArea { rows: 4 })
                .required()
                .value(step.map_or("", |s| s.text.as_str()))
                .help(format!(
                    "At most 2,000 characters. Slugs filled in for the agent: {}.",
                    Slug::list()
                )),
        )
}

fn parsed(f: &FormData) -> Result<(StepKind, StepText), FieldErrors> {
    let mut errors = FieldErrors::default();
    let kind = StepKind::parse(f.get("kind"));
    if kind.is_none() {
        errors.add("kind", "Choose send text or instruction.");
    }
    let text = StepText::parse(f.get("text"))
        .map_err(|e| errors.add("text", e.to_string()))
        .ok();
    match (kind, text) {
        (Some(k), Some(t)) => Ok((k, t)),
        _ => Err(errors),
    }
}

fn refused(r: &ScriptRefusal) -> PageError {
    match r {
        ScriptRefusal::UnknownWorkstream | ScriptRefusal::UnknownConversation => {
            PageError::NotFound
        }
        ScriptRefusal::Script(e) => PageError::BadRequest(e.to_string()),
    }
}

fn script_page(user: &SignedIn, ws: &Workstream, script: &Script, add: FormModel) -> Page {
    let b = base(ws.id);
    let last = script.steps.len();
    let rows = script
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut preview: String = s.text.as_str().chars().take(PREVIEW_CHARS).collect();
            if preview.len() < s.text.as_str().len() {
                preview.push('…');
            }
            let post = |what: &str, label: &str| Cell::Post {
                action: format!("{b}/steps/{}/{what}", s.id.get()),
                label: label.into(),
                csrf: user.csrf.clone(),
            };
            vec![
                Cell::Text((i + 1).to_string()),
                Cell::Text(s.kind.to_string()),
                Cell::Link {
                    href: format!("{b}/steps/{}", s.id.get()),
                    text: preview,
                },
                if i > 0 {
                    post("up", "Up")
                } else {
                    Cell::Text(String::new())
                },
                if i + 1 < last {
                    post("down", "Down")
                } else {
                    Cell::Text(String::new())
                },
                Cell::Link {
                    href: format!("{b}/steps/{}/delete", s.id.get()),
                    text: "Delete".into(),
                },
            ]
        })
        .collect();
    page(user, &format!("Agent script: {}", ws.name))
        .with(Section::Text(
            "Agents see these steps in the conversation panel, in this order, and tick them off \
             per conversation. \"Use\" on a send-text step puts its text in the reply."
                .into(),
        ))
        .with(Section::Table(Table {
            columns: ["Step", "Kind", "Text", "", "", ""]
                .map(String::from)
                .to_vec(),
            rows,
            empty: "No steps yet.".into(),
        }))
        .with(Section::Heading("Add a step".into()))
        .with(Section::Form(add))
        .with(Section::Links(vec![Link {
            href: format!("/admin/workstreams/{}", ws.id.get()),
            text: "Back to the workstream".into(),
        }]))
}

async fn show(
    Editor(user): Editor,
    path: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let (ws, script) = load(&desk, *path).await?;
    let add = step_form(format!("{}/steps", base(ws.id)), &user.csrf, None);
    Ok(script_page(&user, &ws, &script, add).ok())
}

async fn add(
    f: CsrfForm,
    path: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    Editor::check(&f.user)?;
    let (ws, script) = load(&desk, *path).await?;
    let refuse = |script: &Script, errors: &FieldErrors| {
        let add = step_form(format!("{}/steps", base(ws.id)), &f.user.csrf, None);
        script_page(&f.user, &ws, script, add.refill(&f.form, errors))
            .respond(StatusCode::UNPROCESSABLE_ENTITY)
    };
    let (kind, text) = match parsed(&f.form) {
        Ok(p) => p,
        Err(errors) => return Ok(refuse(&script, &errors)),
    };
    match desk.edit_script(ws.id, ScriptEdit::Add(kind, text)).await? {
        Ok(_) => Ok(redirect(&base(ws.id))),
        Err(ScriptRefusal::Script(e)) => {
            Ok(refuse(&script, &FieldErrors::one("text", e.to_string())))
        }
        Err(e) => Err(refused(&e)),
    }
}

fn edit_page(user: &SignedIn, ws: &Workstream, form: FormModel) -> Page {
    page(user, &format!("A step of the script of {}", ws.name))
        .with(Section::Form(form.cancel(&base(ws.id))))
}

async fn edit(
    Editor(user): Editor,
    path: web::Path<(u64, u32)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let (ws_id, step_id) = path.into_inner();
    let (ws, script) = load(&desk, ws_id).await?;
    let step = step_of(&script, step_id)?;
    let action = format!("{}/steps/{}", base(ws.id), step.id.get());
    let f = step_form(action, &user.csrf, Some(&step));
    Ok(edit_page(&user, &ws, f).ok())
}

async fn save(
    f: CsrfForm,
    path: web::Path<(u64, u32)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    Editor::check(&f.user)?;
    let (ws_id, step_id) = path.into_inner();
    let (ws, script) = load(&desk, ws_id).await?;
    let step = step_of(&script, step_id)?;
    let (kind, text) = match parsed(&f.form) {
        Ok(p) => p,
        Err(errors) => {
            let action = format!("{}/steps/{}", base(ws.id), step.id.get());
            let model = step_form(action, &f.user.csrf, Some(&step)).refill(&f.form, &errors);
            return Ok(edit_page(&f.user, &ws, model).respond(StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    match desk
        .edit_script(ws.id, ScriptEdit::Edit(step.id, kind, text))
        .await?
    {
        Ok(_) => Ok(redirect(&base(ws.id))),
        Err(e) => Err(refused(&e)),
    }
}

/// Applies the edit `make` builds for the step in the path, then shows the script again.
async fn apply(
    f: CsrfForm,
    path: web::Path<(u64, u32)>,
    desk: web::Data<Desk>,
    make: impl FnOnce(StepId) -> ScriptEdit,
) -> Result<HttpResponse, PageError> {
    Editor::check(&f.user)?;
    let (ws_id, step_id) = path.into_inner();
    let (ws, _) = load(&desk, ws_id).await?;
    match desk.edit_script(ws.id, make(StepId::new(step_id))).await? {
        Ok(_) => Ok(redirect(&base(ws.id))),
        Err(ScriptRefusal::Script(_)) => Err(PageError::NotFound),
        Err(e) => Err(refused(&e)),
    }
}

async fn up(
    f: CsrfForm,
    path: web::Path<(u64, u32)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    apply(f, path, desk, |id| ScriptEdit::Shift(id, Move::Up)).await
}

async fn down(
    f: CsrfForm,
    path: web::Path<(u64, u32)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    apply(f, path, desk, |id| ScriptEdit::Shift(id, Move::Down)).await
}

async fn confirm_delete(
    Editor(user): Editor,
    path: web::Path<(u64, u32)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let (ws_id, step_id) = path.into_inner();
    let (ws, script) = load(&desk, ws_id).await?;
    let step = step_of(&script, step_id)?;
    let action = format!("{}/steps/{}/delete", base(ws.id), step.id.get());
    let confirm = FormModel::new(action, &user.csrf, "Delete step")
        .danger()
        .cancel(&base(ws.id));
    Ok(page(&user, "Delete this script step?")
        .with(Section::Text(step.text.as_str().to_owned()))
        .with(Section::Form(confirm))
        .ok())
}

async fn delete(
    f: CsrfForm,
    path: web::Path<(u64, u32)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    apply(f, path, desk, ScriptEdit::Remove).await
}
