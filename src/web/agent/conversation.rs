//! `GET /agent/conversations/{id}`: the communication panel. A header (customer, channel, business
//! number, workstream, state), the thread with each outbound message's delivery status, the
//! composer (`composer`) and the customer summary (`customer`). A closed conversation is shown
//! read-only, as its transcript. Access goes through `access::open`: 404 for anything else.

use super::access;
use super::composer::{self, Composer, Draft};
use super::customer::{self, Summary};
use super::thread_media::media_item;
pub use super::thread_media::{MediaItem, MediaKind};
use super::worklist::{self, ListQuery, OfferItem, WorkList};
use crate::app::Desk;
use crate::domain::sentiment::Sentiment;
use crate::domain::user::Role;
use crate::domain::{
    Channel, ConversationId, ConversationState, Direction, MessageStatus, TemplateId, UserId,
};
use crate::store::records::{Contact, Conversation, DistributionMode, Message, Workstream};
use crate::web::session::SignedIn;
use crate::web::ui::{ADMIN_SECTIONS, Nav, PageError, When};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use std::collections::HashMap;

/// The query the End action adds when the survey could not be sent (`work::step`).
pub const SURVEY_NOTICE: &str = "notice=survey-window";

/// A one-time notice named in the address; only known names show anything.
#[derive(serde::Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

impl NoticeQuery {
    fn text(&self) -> Option<&'static str> {
        match self.notice.as_deref() {
            Some("survey-window") => Some(crate::domain::survey::NOT_SENT_WINDOW),
            _ => None,
        }
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/conversations/{id}", web::get().to(show));
    composer::routes(cfg);
}

#[derive(Template)]
#[template(path = "agent/conversation.html")]
pub struct Panel {
    pub title: String,
    pub nav: Nav,
    pub head: Head,
    pub thread: Vec<Item>,
    pub composer: Composer,
    pub summary: Summary,
    pub actions: Actions,
    pub retries: super::retry::Retries,
    pub routing: super::routing_panel::RoutingPanel,
    /// The left column: the agent's conversations.
    pub list: WorkList,
    /// The offer banner.
    pub offers: Vec<OfferItem>,
    /// The customer panel's contact card.
    pub contact: super::contact::ContactCard,
    /// Who consults on it, and the agent's invitation form.
    pub consult: super::consult::ConsultPanel,
    pub csrf: String,
    /// Where Reject returns to: this page.
    pub back: String,
    pub knowledge: super::knowledge::KnowledgePart,
    pub script: super::script::ScriptPart,
    /// The built-in survey's fate or answer ("Customer rated 4/5 — …").
    pub survey: Option<String>,
    /// A notice after an action (e.g. the survey could not be sent).
    pub notice: Option<&'static str>,
}

impl Panel {
    pub fn admin_sections(&self) -> &'static [(&'static str, &'static str, &'static str)] {
        &ADMIN_SECTIONS
    }
}

/// The agent's buttons for the conversation; the routes are `work`'s, which re-check everything.
pub struct Actions {
    pub csrf: String,
    /// "Assign to me": an agent looking at an unassigned conversation of a pick workstream.
    pub assign: bool,
    /// End, close the session, transfer: the assigned agent of an Active conversation.
    pub work: bool,
    /// "Close": the agent of a conversation in Wrap-up.
    pub close: bool,
    /// Other members of the workstream: (user id, name).
    pub transfer_to: Vec<(u64, String)>,
}

/// The facts above the thread.
pub struct Head {
    pub id: u64,
    pub customer: String,
    pub contact_name: Option<String>,
    /// The contact record has a name or a WhatsApp id.
    /// The customer is a saved contact ("Known contact"), else "New customer".
    pub known: bool,
    pub channel: String,
    pub business: String,
    pub workstream: String,
    pub state: String,
    /// When the WhatsApp reply window closes (or closed).
    pub window: Option<When>,
    /// The conversation of this customer before this one: (link, when it started).
    pub previous: Option<(String, When)>,
    /// "With the bot (menu bot) since …" while the bot holds the conversation: its name, since.
    pub bot: Option<(String, When)>,
    /// How the customer's last messages read.
    pub sentiment: Sentiment,
}

/// One entry of the thread.
pub struct Item {
    /// The message's seq: its anchor (`#m3`); None for system lines.
    pub seq: Option<u64>,
    /// `customer`, `agent`, `automated`, `note` or `system`: the CSS class.
    pub kind: &'static str,
    pub who: String,
    pub time: When,
    pub body: String,
    /// Outbound messages: queued, sent, delivered, read, failed…
    pub status: Option<String>,
    /// The status as ticks (… ✓ ✓✓) and in words, for who cannot see them.
    pub ticks: Ticks,
    pub failed: bool,
    /// The provider's error: code and text.
    pub failure: Option<String>,
    pub template: Option<String>,
    pub media: Vec<MediaItem>,
    /// The customer replied to one of our messages: the start of its text (or that it is not in
    /// this thread).
    pub reply_to: Option<String>,
}

/// A delivery status drawn as WhatsApp does: an ellipsis while queued, one tick sent, two delivered,
/// two blue ticks read, "!" failed; `text` says it in words.
pub struct Ticks {
    pub marks: &'static str,
    pub text: &'static str,
}

impl Ticks {
    fn of(status: MessageStatus) -> Self {
        let (marks, text) = match status {
            MessageStatus::Received => ("", "Received"),
            MessageStatus::Queued => ("…", "Queued"),
            MessageStatus::Sending => ("…", "Sending"),
            MessageStatus::Sent => ("✓", "Sent"),
            MessageStatus::Delivered => ("✓✓", "Delivered"),
            MessageStatus::Read => ("✓✓", "Read"),
            MessageStatus::Undelivered => ("!", "Not delivered"),
            MessageStatus::Failed => ("!", "Failed"),
        };
        Self { marks, text }
    }
}

/// Renders any page template with `status`; a render error becomes a plain 500.
pub fn render(page: &impl Template, status: StatusCode) -> HttpResponse {
    match page.render() {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(html),
        Err(e) => {
            tracing::error!(error = %e, "page render failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("The page could not be rendered.")
        }
    }
}

async fn show(
    user: SignedIn,
    path: web::Path<u64>,
    q: web::Query<ListQuery>,
    notice: web::Query<NoticeQuery>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let conv = access::open(&desk, &user, ConversationId::new(path.into_inner())).await?;
    let mut panel = panel(&desk, &user, &conv, Draft::default(), &q).await?;
    panel.notice = notice.text();
    // Shown is read: the thread is on the agent's screen up to its last message.
    if let Some(last) = panel.thread.iter().filter_map(|i| i.seq).max() {
        desk.store().mark_read(user.user.id, conv.id, last).await?;
    }
    Ok(render(&panel, StatusCode::OK))
}

/// The panel for `conv` as `user` sees it, with the composer holding `draft`.
pub async fn panel(
    desk: &Desk,
    user: &SignedIn,
    conv: &Conversation,
    draft: Draft,
    view: &ListQuery,
) -> Result<Panel, PageError> {
    let store = desk.store();
    let messages = store.messages(conv.id).await?;
    // Whom the conversation is about: its number's contact, or the one an agent linked.
    let shown = desk.shown_contact(conv).await?;
    let card = super::contact::ContactCard::load(desk, conv, &shown).await?;
    let contact = shown.into_contact();
    let number = store.number(conv.number_id).await?;
    let workstream = match conv.workstream_id {
        Some(ws) => store.workstream(ws).await?,
        None => None,
    };
    let names: HashMap<UserId, String> = store
        .users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let templates = store.templates().await?;
    let template_names: HashMap<TemplateId, String> = templates
        .iter()
        .map(|t| (t.id, t.name.to_string()))
        .collect();
    let actions = actions(desk, user, conv, workstream.as_ref(), &names).await?;
    let now = desk.now();
    let window_closed = conv.channel == Channel::WhatsApp
        && (conv.template_only || conv.window_expires_at.is_some_and(|t| t <= now));

    let bot = desk.bot_part(conv, &messages).await?;
    let by_provider_id: HashMap<&str, &str> = messages
        .iter()
        .filter_map(|m| Some((m.provider_id.as_deref()?, m.body.as_str())))
        .collect();
    let thread: Vec<Item> = messages
        .iter()
        .map(|m| {
            let mut i = item(m, &names, &template_names, bot.replies_before);
            i.reply_to = m
                .extras
                .reply_to
                .as_deref()
                .map(|id| quoted(by_provider_id.get(id)));
            i
        })
        .collect();
    // Named by when it started: ids are the desk's, not the agent's.
    let previous = match store.previous_conversation(conv.id).await? {
        Some(p) => store.conversation(p).await?.map(|c| {
            (
                format!("/agent/conversations/{}", p.get()),
                When::of(c.created_at),
            )
        }),
        None => None,
    };
    let head = Head {
        id: conv.id.get(),
        customer: conv.customer.to_string(),
        contact_name: contact.as_ref().and_then(|c| c.name.clone()),
        known: contact.as_ref().is_some_and(Contact::is_known),
        channel: conv.channel.to_string(),
        business: number.map_or_else(
            || "(deleted number)".to_owned(),
            |n| format!("{} ({})", n.number, n.name),
        ),
        workstream: workstream.map_or_else(|| "None".to_owned(), |w| w.name.to_string()),
        state: conv.state.to_string(),
        window: conv.window_expires_at.map(When::of),
        previous,
        bot: bot.holding.map(|(name, since)| (name, When::of(since))),
        sentiment: Sentiment::of_messages(
            messages
                .iter()
                .filter(|m| m.direction == Direction::Inbound)
                .map(|m| m.body.as_str()),
        ),
    };
    let composer = composer::build(
        desk,
        user,
        conv,
        contact.as_ref(),
        templates,
        window_closed,
        draft,
    )
    .await?;
    let summary = customer::summary(desk, user, &conv.customer, contact, Some(conv.id)).await?;
    let mut knowledge = super::knowledge::load(desk, user, conv, None).await?;
    knowledge.into_composer = composer.has_reply_form();
    let mut script = super::script::load(desk, user, conv).await?;
    script.into_composer = composer.has_reply_form();
    Ok(Panel {
        title: format!("Conversation with {}", conv.customer),
        nav: Nav::for_user(user, "workspace").with_presence(desk.presence_view(user.user.id).await),
        head,
        thread,
        composer,
        summary,
        actions,
        retries: super::retry::Retries::load(desk, user, conv).await?,
        routing: super::routing_panel::load(desk, user, conv).await?,
        list: worklist::load(desk, user.user.id, Some(conv.id), view).await?,
        offers: worklist::offers(desk, user.user.id).await?,
        contact: card,
        consult: super::consult::ConsultPanel::load(desk, user, conv).await?,
        csrf: user.csrf.clone(),
        back: format!("/agent/conversations/{}", conv.id.get()),
        knowledge,
        script,
        survey: desk.survey_line(conv.id).await?,
        notice: None,
    })
}

async fn actions(
    desk: &Desk,
    user: &SignedIn,
    conv: &Conversation,
    workstream: Option<&Workstream>,
    names: &HashMap<UserId, String>,
) -> Result<Actions, PageError> {
    let me = user.user.id;
    let pick = workstream.is_some_and(|w| w.mode == DistributionMode::Pick);
    let assign = user.user.role == Role::Agent
        && pick
        && conv.agent.is_none()
        && conv.state == ConversationState::Open;
    let work = conv.agent == Some(me) && conv.state == ConversationState::Active;
    let close = conv.agent == Some(me) && conv.state == ConversationState::WrapUp;
    let mut transfer_to = Vec::new();
    if let (true, Some(ws)) = (work, workstream) {
        for id in desk.store().members(ws.id).await? {
            if id != me
                && let Some(name) = names.get(&id)
            {
                transfer_to.push((id.get(), name.clone()));
            }
        }
    }
    Ok(Actions {
        csrf: user.csrf.clone(),
        assign,
        work,
        close,
        transfer_to,
    })
}

/// One message as the thread shows it; automated messages before `bot_before` are the bot's.
/// How a reply names the message it answers: its first words, or that it is not shown here.
fn quoted(body: Option<&&str>) -> String {
    const QUOTE_CHARS: usize = 80;
    match body {
        Some(b) if b.chars().count() > QUOTE_CHARS => {
            format!("“{}…”", b.chars().take(QUOTE_CHARS).collect::<String>())
        }
        Some(b) => format!("“{b}”"),
        None => "an earlier message".to_owned(),
    }
}

fn item(
    m: &Message,
    names: &HashMap<UserId, String>,
    templates: &HashMap<TemplateId, String>,
    bot_before: u64,
) -> Item {
    let author = || {
        m.author
            .and_then(|a| names.get(&a).cloned())
            .unwrap_or_else(|| "Agent".into())
    };
    let (kind, who) = match m.direction {
        Direction::Inbound => (
            "customer",
            m.extras
                .profile_name
                .clone()
                .unwrap_or_else(|| "Customer".into()),
        ),
        Direction::Outbound => ("agent", author()),
        Direction::Automated if m.seq < bot_before => ("automated", "Bot (automated)".into()),
        Direction::Automated => ("automated", "Automated message".into()),
        Direction::Note => ("note", format!("Internal note by {}", author())),
        Direction::System => ("system", "omnidesk".into()),
    };
    let sent = matches!(m.direction, Direction::Outbound | Direction::Automated);
    let failure = m.failure.as_ref().map(|f| match f.code {
        Some(code) => format!("Error {code}: {}", f.message),
        None => f.message.clone(),
    });
    Item {
        seq: Some(m.seq),
        kind,
        who,
        time: When::of(m.created_at),
        body: crate::domain::survey::hide_tokens(&m.body),
        status: sent.then(|| m.status.to_string()),
        ticks: Ticks::of(m.status),
        failed: sent && m.status.is_failure(),
        failure: if sent { failure } else { None },
        template: m
            .template
            .as_ref()
            .map(|t| match templates.get(&t.template_id) {
                Some(name) => format!("Template {name}"),
                None => format!("Template {}", t.template_id),
            }),
        media: m
            .media
            .iter()
            .enumerate()
            .map(|(i, media)| media_item(m, i, &media.content_type, &media.state))
            .collect(),
        reply_to: None,
    }
}
