//! The composer of the communication panel and what it posts: free text, a template (the only
//! thing a WhatsApp conversation takes once its 24-hour window has closed), an internal note, and
//! a quick reply inserted into the text server-side (the no-JavaScript path; `composer.js` does the
//! same in the browser on "/q"). A refused send re-renders the panel with 422, the reason beside
//! the composer and the text kept; the store refuses free text after the window whatever the page.

use super::access;
use super::conversation::{panel, render};
use crate::app::Desk;
use crate::domain::language::language_key;
use crate::domain::quick_reply::Context;
use crate::domain::user::Role;
use crate::domain::window::WINDOW_EXPIRED_TEXT;
use crate::domain::{Channel, ConversationId, Direction, TemplateId};
use crate::store::notes::MAX_NOTE_CHARS;
use crate::store::outbox::{MAX_OUTBOUND_CHARS, OutboundContent, OutboundRequest, SendRefusal};
use crate::store::quick_replies::QuickReply;
use crate::store::records::{Contact, Conversation, Template};
use crate::web::csrf::{CsrfForm, FormData};
use crate::web::session::SignedIn;
use crate::web::ui::{PageError, redirect};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/conversations/{id}/messages", web::post().to(send_text))
        .route(
            "/conversations/{id}/template",
            web::post().to(send_template),
        )
        .route("/conversations/{id}/notes", web::post().to(add_note))
        .route(
            "/conversations/{id}/quick-reply",
            web::post().to(insert_quick_reply),
        );
}

/// What the composer shows besides the stored state: text kept after a refusal, and the reason.
#[derive(Debug, Default)]
pub struct Draft {
    pub text: String,
    pub error: Option<String>,
    pub note: String,
    pub note_error: Option<String>,
    /// A refused template send: the template, the values typed, the reason.
    pub template: Option<(TemplateId, Vec<String>, String)>,
}

pub struct Composer {
    pub id: u64,
    pub csrf: String,
    /// Why nothing can be written here; None when the composer is open.
    pub read_only: Option<String>,
    /// WhatsApp after 24 hours: only templates.
    pub window_closed: bool,
    pub window_text: &'static str,
    pub whatsapp: bool,
    pub text: String,
    pub error: Option<String>,
    pub max_chars: usize,
    pub templates: Vec<TemplateForm>,
    pub quick_replies: Vec<QuickOption>,
    pub note: String,
    pub note_error: Option<String>,
    pub note_max: usize,
    /// The workstream lets agents send file attachments.
    pub attachments: bool,
    /// The file picker's accepted types for the channel.
    pub accept: String,
    /// The viewer may add internal notes (the agent, a supervisor, or a consultant).
    pub notes_allowed: bool,
}

impl Composer {
    /// A template send was refused: its form is shown open.
    pub fn has_template_error(&self) -> bool {
        self.templates.iter().any(|t| t.error.is_some())
    }
}

/// One template of the picker: one field per `{{n}}`.
pub struct TemplateForm {
    pub id: u64,
    pub name: String,
    pub language: String,
    pub text: String,
    pub fields: Vec<ValueField>,
    pub error: Option<String>,
}

pub struct ValueField {
    pub name: String,
    pub label: String,
    pub value: String,
    /// The admin's example value, shown in the empty field.
    pub example: String,
}

/// A quick reply with its slugs already filled for this customer and agent.
pub struct QuickOption {
    pub id: u64,
    pub title: String,
    pub text: String,
}

/// Why `user` may read but not write in `conv`, if so.
fn read_only_reason(user: &SignedIn, conv: &Conversation, consulting: bool) -> Option<String> {
    if conv.state.is_closed() {
        return Some("This conversation is closed: this is its transcript.".into());
    }
    if consulting && conv.agent != Some(user.user.id) {
        return Some(
            "You are consulting: write internal notes below; the customer never sees them.".into(),
        );
    }
    if user.user.role == Role::Agent && conv.agent != Some(user.user.id) {
        return Some("This conversation is not assigned to you: accept it to reply.".into());
    }
    None
}

pub async fn build(
    desk: &Desk,
    user: &SignedIn,
    conv: &Conversation,
    contact: Option<&Contact>,
    templates: Vec<Template>,
    window_closed: bool,
    draft: Draft,
) -> Result<Composer, PageError> {
    let consulting = desk.store().is_consulting(conv.id, user.user.id).await?;
    let read_only = read_only_reason(user, conv, consulting);
    let notes_allowed = !conv.state.is_closed() && (read_only.is_none() || consulting);
    let mut forms = Vec::new();
    let mut quick = Vec::new();
    if read_only.is_none() {
        if conv.channel == Channel::WhatsApp
            && let Some(ws) = conv.workstream_id
        {
            forms = templates
                .into_iter()
                .filter(|t| t.workstreams.contains(&ws))
                .map(|t| template_form(t, draft.template.as_ref()))
                .collect();
        }
        quick = quick_options(desk, user, conv, contact).await?;
    }
    let attachments = match (read_only.is_none(), conv.workstream_id) {
        (true, Some(ws)) => desk
            .store()
            .workstream(ws)
            .await?
            .is_some_and(|w| w.attachments.agents),
        _ => false,
    };
    Ok(Composer {
        attachments,
        accept: crate::domain::attachment::accept_list(conv.channel),
        notes_allowed,
        id: conv.id.get(),
        csrf: user.csrf.clone(),
        read_only,
        window_closed,
        window_text: WINDOW_EXPIRED_TEXT,
        whatsapp: conv.channel == Channel::WhatsApp,
        text: draft.text,
        error: draft.error,
        max_chars: MAX_OUTBOUND_CHARS,
        templates: forms,
        quick_replies: quick,
        note: draft.note,
        note_error: draft.note_error,
        note_max: MAX_NOTE_CHARS,
    })
}

fn template_form(t: Template, refused: Option<&(TemplateId, Vec<String>, String)>) -> TemplateForm {
    let refused = refused.filter(|(id, _, _)| *id == t.id);
    let fields = (1..=t.text.placeholders())
        .map(|n| ValueField {
            name: format!("value_{n}"),
            label: match t.variables.get(n - 1).map(|h| h.label()) {
                Some(label) if !label.is_empty() => format!("{label} ({{{{{n}}}}})"),
                _ => format!("Value for {{{{{n}}}}}"),
            },
            example: t
                .variables
                .get(n - 1)
                .map(|h| h.example().to_owned())
                .unwrap_or_default(),
            value: refused
                .and_then(|(_, values, _)| values.get(n - 1).cloned())
                .unwrap_or_default(),
        })
        .collect();
    TemplateForm {
        id: t.id.get(),
        name: t.name.to_string(),
        language: t.language.to_string(),
        text: t.text.as_str().to_owned(),
        fields,
        error: refused.map(|(_, _, e)| e.clone()),
    }
}

/// The quick replies offered in the conversation's workstream (its own and the global ones), in
/// the agent's languages first, then by title; slugs filled.
async fn quick_options(
    desk: &Desk,
    user: &SignedIn,
    conv: &Conversation,
    contact: Option<&Contact>,
) -> Result<Vec<QuickOption>, PageError> {
    let mut replies: Vec<QuickReply> = match conv.workstream_id {
        Some(ws) => desk.store().quick_replies_for(ws).await?,
        None => desk
            .store()
            .quick_replies()
            .await?
            .into_iter()
            .filter(QuickReply::is_global)
            .collect(),
    };
    let spoken: Vec<String> = user.user.languages.iter().map(|l| primary(l)).collect();
    replies.sort_by_key(|q| {
        let theirs = spoken.contains(&primary(q.locale.as_str()));
        (!theirs, q.title.to_lowercase())
    });
    let ctx = Context {
        customer_name: contact.and_then(|c| c.name.clone()),
        customer_phone: Some(conv.customer.to_string()),
        agent_name: Some(user.user.name.clone()),
    };
    Ok(replies
        .into_iter()
        .map(|q| QuickOption {
            id: q.id.get(),
            text: q.message.fill(&ctx),
            title: q.title,
        })
        .collect())
}

/// The language part of a code: `es-MX` → `es`.
fn primary(code: &str) -> String {
    let key = language_key(code);
    key.split('-').next().unwrap_or_default().to_owned()
}

/// The conversation of a composer POST, if `user` may write in it.
async fn writable(desk: &Desk, user: &SignedIn, id: u64) -> Result<Conversation, PageError> {
    let conv = access::open(desk, user, ConversationId::new(id)).await?;
    if user.user.role == Role::Agent && conv.agent != Some(user.user.id) {
        return Err(PageError::Forbidden);
    }
    Ok(conv)
}

/// `writable`, or a consultant of it: they write internal notes, never to the customer.
async fn notable(desk: &Desk, user: &SignedIn, id: u64) -> Result<Conversation, PageError> {
    let conv = access::open(desk, user, ConversationId::new(id)).await?;
    let consulting = desk.store().is_consulting(conv.id, user.user.id).await?;
    if user.user.role == Role::Agent && conv.agent != Some(user.user.id) && !consulting {
        return Err(PageError::Forbidden);
    }
    Ok(conv)
}

/// Browsers send CRLF line breaks; messages are stored with LF.
fn text_of(form: &FormData, name: &str) -> String {
    form.get(name).replace("\r\n", "\n")
}

fn back(conv: &Conversation) -> HttpResponse {
    redirect(&format!("/agent/conversations/{}#composer", conv.id.get()))
}

/// What the agent had typed with `text` added after it, as the composer's script adds it: a space
/// between them unless the typed text is empty or already ends in white space.
pub fn typed_then(typed: &str, text: &str) -> String {
    let glue = if typed.is_empty() || typed.ends_with(char::is_whitespace) {
        ""
    } else {
        " "
    };
    format!("{typed}{glue}{text}")
}

impl Composer {
    /// The reply form is on the page: buttons elsewhere on it (Share, Use) can post it, so what
    /// was typed travels with them even without JavaScript.
    pub fn has_reply_form(&self) -> bool {
        self.read_only.is_none() && !self.window_closed
    }
}

/// The panel again with `draft` in the composer (a refusal, or text put there for the agent).
pub(super) async fn again(
    desk: &Desk,
    user: &SignedIn,
    conv: &Conversation,
    draft: Draft,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let page = panel(
        desk,
        user,
        conv,
        draft,
        &super::worklist::ListQuery::default(),
    )
    .await?;
    Ok(render(&page, status))
}

async fn send_text(
    CsrfForm { user, form }: CsrfForm,
    path: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let conv = writable(&desk, &user, path.into_inner()).await?;
    let text = text_of(&form, "body");
    let req = OutboundRequest {
        conversation_id: conv.id,
        content: OutboundContent::Text(text.clone()),
        author: Some(user.user.id),
        direction: Direction::Outbound,
    };
    match desk.send(req).await? {
        Ok(_) => Ok(back(&conv)),
        Err(refusal) => {
            let draft = Draft {
                text,
                error: Some(refusal.to_string()),
                ..Draft::default()
            };
            again(&desk, &user, &conv, draft, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

async fn send_template(
    CsrfForm { user, form }: CsrfForm,
    path: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let conv = writable(&desk, &user, path.into_inner()).await?;
    let id = form.get("template_id").trim().parse::<u64>().ok();
    let listed = match (id, conv.workstream_id) {
        (Some(id), Some(ws)) => desk
            .store()
            .templates()
            .await?
            .into_iter()
            .find(|t| t.id.get() == id && t.workstreams.contains(&ws)),
        _ => None,
    };
    let Some(template) = listed else {
        let draft = Draft {
            error: Some(SendRefusal::UnknownTemplate.to_string()),
            ..Draft::default()
        };
        return again(&desk, &user, &conv, draft, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let values: Vec<String> = (1..=template.text.placeholders())
        .map(|n| form.get(&format!("value_{n}")).trim().to_owned())
        .collect();
    let req = OutboundRequest {
        conversation_id: conv.id,
        content: OutboundContent::Template {
            template_id: template.id,
            values: values.clone(),
        },
        author: Some(user.user.id),
        direction: Direction::Outbound,
    };
    match desk.send(req).await? {
        Ok(_) => Ok(back(&conv)),
        Err(refusal) => {
            let draft = Draft {
                template: Some((template.id, values, refusal.to_string())),
                ..Draft::default()
            };
            again(&desk, &user, &conv, draft, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

async fn add_note(
    CsrfForm { user, form }: CsrfForm,
    path: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let conv = notable(&desk, &user, path.into_inner()).await?;
    let note = text_of(&form, "note");
    let stored = desk.add_note(conv.id, user.user.id, note.clone()).await?;
    match stored {
        Ok(_) => Ok(back(&conv)),
        Err(refusal) => {
            let draft = Draft {
                note,
                note_error: Some(refusal.to_string()),
                ..Draft::default()
            };
            again(&desk, &user, &conv, draft, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

async fn insert_quick_reply(
    CsrfForm { user, form }: CsrfForm,
    path: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let conv = writable(&desk, &user, path.into_inner()).await?;
    let mut text = text_of(&form, "body");
    let contact = desk.store().contact(conv.contact_id).await?;
    let offered = quick_options(&desk, &user, &conv, contact.as_ref()).await?;
    let picked = form.get("quick_reply").trim().parse::<u64>().ok();
    let Some(q) = offered.into_iter().find(|q| Some(q.id) == picked) else {
        let draft = Draft {
            text,
            error: Some("Choose one of the quick replies offered here.".into()),
            ..Draft::default()
        };
        return again(&desk, &user, &conv, draft, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    // "/q" typed without JavaScript stands for the reply: replace it rather than keep it.
    if let Some(rest) = text.trim_end().strip_suffix("/q") {
        text = rest.to_owned();
    }
    if !text.is_empty() && !text.ends_with([' ', '\n']) {
        text.push(' ');
    }
    text.push_str(&q.text);
    let draft = Draft {
        text,
        ..Draft::default()
    };
    again(&desk, &user, &conv, draft, StatusCode::OK).await
}
