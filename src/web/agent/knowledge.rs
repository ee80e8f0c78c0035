//! The knowledge part of the conversation panel: a search box over the articles
//! (`GET /agent/conversations/{id}/knowledge?q=…`, a whole page, or with `fragment=1` only the
//! part for the page's script to swap in), smart assist's top three articles for the customer's
//! latest messages, and "Share" (`POST …/knowledge/{article}/share`, CSRF): the article's text or
//! its public link put into the composer. Without JavaScript the POST renders the panel with the
//! composer holding it, as inserting a quick reply does; `knowledge.js` instead adds it to what
//! is typed in `#compose-body`, without leaving the page.
//! Reading needs what opening the conversation needs (`access`); sharing, what writing needs.

use super::access;
use super::composer::{Draft, again, typed_then};
use super::conversation::render;
use crate::app::Desk;
use crate::app::knowledge::{Audience, Hit, ShareAs, fits_a_message};
use crate::domain::ConversationId;
use crate::domain::ids::ArticleId;
use crate::domain::user::Role;
use crate::store::records::Conversation;
use crate::web::csrf::CsrfForm;
use crate::web::session::SignedIn;
use crate::web::ui::{ADMIN_SECTIONS, Nav, PageError};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

/// Longest search accepted.
pub const MAX_QUERY_CHARS: usize = 200;
/// Characters of an article's text shown in a result.
const EXCERPT_CHARS: usize = 160;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/conversations/{id}/knowledge", web::get().to(search))
        .route(
            "/conversations/{id}/knowledge/{article}/share",
            web::post().to(share),
        );
}

/// The knowledge part of the panel (`templates/agent/_knowledge.html`).
pub struct KnowledgePart {
    pub conversation: u64,
    pub csrf: String,
    pub query: String,
    /// The results of the search typed; None when nothing was searched.
    pub results: Option<Vec<Card>>,
    /// Smart assist: the best articles for the customer's latest messages.
    pub suggestions: Vec<Card>,
    /// The user may write here: results carry Share buttons.
    pub can_share: bool,
    /// The reply form is on the same page: Share posts it, so what was typed is kept.
    pub into_composer: bool,
}

/// One article as the panel lists it.
pub struct Card {
    pub id: u64,
    pub title: String,
    pub excerpt: String,
    /// The whole text, which "Share text" puts in the composer.
    pub text: String,
    /// Its public page, which "Share link" puts in the composer.
    pub link: Option<String>,
    /// A draft (only those who write articles see one); it cannot be shared.
    pub draft: bool,
    /// The article's language code, shown beside its title and set as its text's `lang`.
    pub language: String,
    /// The text fits in one message: "Share text" is offered.
    pub fits: bool,
}

impl KnowledgePart {
    /// The panel's lists: (heading, articles, what an empty list says, its id).
    pub fn lists(&self) -> Vec<(String, &[Card], &'static str, &'static str)> {
        let mut out = Vec::new();
        if let Some(r) = &self.results {
            out.push((
                format!("Results for “{}”", self.query),
                r.as_slice(),
                "No article matches.",
                "kb-results",
            ));
        }
        out.push((
            "Suggested for this conversation".to_owned(),
            self.suggestions.as_slice(),
            "No suggestion for the customer's latest messages.",
            "kb-suggestions",
        ));
        out
    }
}

#[derive(Template)]
#[template(path = "agent/knowledge.html")]
struct KnowledgePage {
    title: String,
    nav: Nav,
    knowledge: KnowledgePart,
}

impl KnowledgePage {
    pub fn admin_sections(&self) -> &'static [(&'static str, &'static str, &'static str)] {
        &ADMIN_SECTIONS
    }
}

#[derive(Template)]
#[template(path = "agent/_knowledge.html")]
struct KnowledgeFragment {
    knowledge: KnowledgePart,
}

/// Whether `user` may write in `conv`: the composer's rule (open, and the agent's own).
pub fn may_write(user: &SignedIn, conv: &Conversation) -> bool {
    !conv.state.is_closed() && (user.user.role != Role::Agent || conv.agent == Some(user.user.id))
}

fn card(desk: &Desk, h: Hit) -> Card {
    let a = h.article;
    let text = a.content.body.to_string();
    let mut excerpt: String = text.chars().take(EXCERPT_CHARS).collect();
    if excerpt.len() < text.len() {
        excerpt.push('…');
    }
    Card {
        id: a.id.get(),
        title: a.content.title.to_string(),
        excerpt,
        link: desk.article_link(&a),
        draft: !a.is_published(),
        language: a.content.language.to_string(),
        fits: fits_a_message(&a),
        text,
    }
}

/// The knowledge part for `conv`, with the results of `query` if one was typed.
pub async fn load(
    desk: &Desk,
    user: &SignedIn,
    conv: &Conversation,
    query: Option<&str>,
) -> Result<KnowledgePart, PageError> {
    let query = query.map(str::trim).filter(|q| !q.is_empty());
    let results = match query {
        Some(q) => Some(
            desk.search_articles(q, Audience::of(user.user.role))
                .await?
                .into_iter()
                .map(|h| card(desk, h))
                .collect(),
        ),
        None => None,
    };
    let suggestions = desk
        .suggest_articles(conv.id)
        .await?
        .into_iter()
        .map(|h| card(desk, h))
        .collect();
    Ok(KnowledgePart {
        conversation: conv.id.get(),
        csrf: user.csrf.clone(),
        query: query.unwrap_or_default().to_owned(),
        results,
        suggestions,
        can_share: may_write(user, conv),
        into_composer: false,
    })
}

#[derive(serde::Deserialize)]
struct SearchQuery {
    q: Option<String>,
    fragment: Option<String>,
}

async fn search(
    user: SignedIn,
    path: web::Path<u64>,
    q: web::Query<SearchQuery>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let conv = access::open(&desk, &user, ConversationId::new(path.into_inner())).await?;
    let typed = q.q.as_deref().unwrap_or_default();
    if typed.chars().count() > MAX_QUERY_CHARS {
        return Err(PageError::BadRequest(format!(
            "A search is at most {MAX_QUERY_CHARS} characters."
        )));
    }
    let knowledge = load(&desk, &user, &conv, Some(typed)).await?;
    if q.fragment.is_some() {
        return Ok(render(&KnowledgeFragment { knowledge }, StatusCode::OK));
    }
    let page = KnowledgePage {
        title: format!("Knowledge for the conversation with {}", conv.customer),
        nav: Nav::for_user(&user, "workspace"),
        knowledge,
    };
    Ok(render(&page, StatusCode::OK))
}

async fn share(
    CsrfForm { user, form }: CsrfForm,
    path: web::Path<(u64, u64)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let typed = form.get("body").to_owned();
    let (conv_id, article) = path.into_inner();
    let conv = access::open(&desk, &user, ConversationId::new(conv_id)).await?;
    if !may_write(&user, &conv) {
        return Err(PageError::Forbidden);
    }
    let how = match form.get("as") {
        "text" => ShareAs::Text,
        "link" => ShareAs::Link,
        _ => {
            return Err(PageError::BadRequest(
                "Choose to share the article's text or its link.".into(),
            ));
        }
    };
    let draft = match desk.shared_article(ArticleId::new(article), how).await? {
        Ok(text) => Draft {
            text: typed_then(&typed, &text),
            ..Draft::default()
        },
        Err(refusal) => Draft {
            text: typed,
            error: Some(refusal.to_string()),
            ..Draft::default()
        },
    };
    let status = if draft.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    again(&desk, &user, &conv, draft, status).await
}
