//! The agent script of the conversation panel: the steps of the workstream's script in order,
//! each ticked off (or not) in this conversation, with a tick form per step
//! (`POST /agent/conversations/{id}/script/{step}`, CSRF, `done=1` or `done=0`) and "Use" on a
//! send-text step (`POST …/script/{step}/use`), which puts its text in the composer as sharing an
//! article does. Reading needs what opening the conversation needs; ticking and using, what
//! writing in it needs.

use super::access;
use super::composer::{Draft, again, typed_then};
use super::knowledge::may_write;
use crate::app::Desk;
use crate::domain::ConversationId;
use crate::domain::knowledge::script::{StepId, StepKind};
use crate::store::records::Conversation;
use crate::store::scripts::ScriptRefusal;
use crate::web::csrf::CsrfForm;
use crate::web::session::SignedIn;
use crate::web::ui::{PageError, When, redirect};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/conversations/{id}/script/{step}", web::post().to(tick))
        .route(
            "/conversations/{id}/script/{step}/use",
            web::post().to(use_step),
        );
}

/// The script part of the panel (`templates/agent/_script.html`).
pub struct ScriptPart {
    pub conversation: u64,
    pub csrf: String,
    pub steps: Vec<StepView>,
    /// The user may write here: tick forms and "Use" show.
    pub can_write: bool,
    /// The reply form is on the same page: Use posts it, so what was typed is kept.
    pub into_composer: bool,
}

pub struct StepView {
    pub id: u32,
    pub kind: String,
    /// A send-text step: "Use" puts it in the composer.
    pub send: bool,
    /// With its slugs filled for this conversation and viewer.
    pub text: String,
    /// Who ticked it and when, if it is done.
    pub done: Option<(String, When)>,
}

pub async fn load(
    desk: &Desk,
    user: &SignedIn,
    conv: &Conversation,
) -> Result<ScriptPart, PageError> {
    let (script, ticks) = desk.conversation_script(conv).await?;
    let names = desk.tick_names(&ticks).await?;
    let ctx = desk.script_context(conv, &user.user.name).await?;
    let steps = script
        .steps
        .into_iter()
        .map(|s| StepView {
            id: s.id.get(),
            kind: s.kind.to_string(),
            send: s.kind == StepKind::SendText,
            text: s.text.fill(&ctx),
            done: ticks.get(&s.id).map(|t| {
                let who = names
                    .get(&t.by)
                    .cloned()
                    .unwrap_or_else(|| "someone".into());
                (who, When::of(t.at))
            }),
        })
        .collect();
    Ok(ScriptPart {
        conversation: conv.id.get(),
        csrf: user.csrf.clone(),
        steps,
        can_write: may_write(user, conv),
        into_composer: false,
    })
}

/// The conversation of a tick or "Use", if `user` may write in it.
async fn writable(desk: &Desk, user: &SignedIn, id: u64) -> Result<Conversation, PageError> {
    let conv = access::open(desk, user, ConversationId::new(id)).await?;
    if may_write(user, &conv) {
        Ok(conv)
    } else {
        Err(PageError::Forbidden)
    }
}

async fn tick(
    CsrfForm { user, form }: CsrfForm,
    path: web::Path<(u64, u32)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let (conv_id, step) = path.into_inner();
    let conv = writable(&desk, &user, conv_id).await?;
    let done = match form.get("done") {
        "1" => true,
        "0" => false,
        _ => {
            return Err(PageError::BadRequest(
                "Say whether the step is done (done=1) or not (done=0).".into(),
            ));
        }
    };
    match desk
        .tick_script_step(conv.id, StepId::new(step), user.user.id, done)
        .await?
    {
        Ok(()) => Ok(redirect(&format!(
            "/agent/conversations/{}#script-step-{step}",
            conv.id.get()
        ))),
        Err(ScriptRefusal::UnknownConversation) => Err(PageError::NotFound),
        Err(e) => Err(PageError::BadRequest(format!(
            "{e} The script may have changed: reload the conversation."
        ))),
    }
}

async fn use_step(
    CsrfForm { user, form }: CsrfForm,
    path: web::Path<(u64, u32)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let (conv_id, step) = path.into_inner();
    let conv = writable(&desk, &user, conv_id).await?;
    let (script, _) = desk.conversation_script(&conv).await?;
    let Some(s) = script
        .step(StepId::new(step))
        .filter(|s| s.kind == StepKind::SendText)
    else {
        return Err(PageError::BadRequest(
            "That is not a send-text step of this conversation's script: reload the conversation."
                .into(),
        ));
    };
    let ctx = desk.script_context(&conv, &user.user.name).await?;
    let draft = Draft {
        text: typed_then(form.get("body"), &s.text.fill(&ctx)),
        ..Draft::default()
    };
    again(&desk, &user, &conv, draft, StatusCode::OK).await
}
