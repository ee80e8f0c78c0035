//! `GET /agent/search?q=…&page=N`: transcript search over the conversations the user may see
//! (agents: those assigned to them; admins and supervisors: all), newest first, a page at a time.
//! Each hit shows the matching text with the match highlighted; the highlight is built as
//! separate pieces that askama escapes one by one, so message text never becomes markup.

use super::conversation::render;
use crate::app::Desk;
use crate::domain::Direction;
use crate::domain::user::Role;
use crate::store::search::{SearchHit, SearchScope, find_all_ci, find_ci};
use crate::web::session::SignedIn;
use crate::web::ui::{ADMIN_SECTIONS, Nav, PageError};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

/// Longest query accepted.
pub const MAX_QUERY_CHARS: usize = 200;
/// Characters shown either side of the first match.
const CONTEXT_CHARS: usize = 60;
/// Highest page number accepted; deeper pages are not useful and only cost scanning.
const MAX_PAGE: usize = 500;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/search", web::get().to(show));
}

#[derive(serde::Deserialize)]
struct Query {
    q: Option<String>,
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "agent/search.html")]
pub struct SearchPage {
    pub title: String,
    pub nav: Nav,
    pub q: String,
    /// A search ran (the query was not empty and was accepted).
    pub searched: bool,
    pub problem: Option<String>,
    pub hits: Vec<Hit>,
    /// From 1.
    pub page: usize,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub truncated: bool,
    /// The offer banner, as on every workspace page.
    pub offers: Vec<super::worklist::OfferItem>,
    pub csrf: String,
    pub back: String,
}

impl SearchPage {
    pub fn admin_sections(&self) -> &'static [(&'static str, &'static str, &'static str)] {
        &ADMIN_SECTIONS
    }
}

pub struct Hit {
    pub href: String,
    pub conversation: String,
    pub customer: String,
    pub channel: String,
    pub who: &'static str,
    pub time: String,
    pub pieces: Vec<Piece>,
}

/// A run of message text; `mark` runs are the matches.
#[derive(Debug, PartialEq)]
pub struct Piece {
    pub text: String,
    pub mark: bool,
}

async fn show(
    user: SignedIn,
    query: web::Query<Query>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let q = query.q.as_deref().unwrap_or("").trim().to_owned();
    let page = query
        .page
        .as_deref()
        .and_then(|p| p.trim().parse::<usize>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1)
        .min(MAX_PAGE);
    let mut view = SearchPage {
        title: "Search transcripts".into(),
        nav: Nav::for_user(&user, "search").with_presence(desk.presence_view(user.user.id).await),
        q: q.clone(),
        searched: false,
        problem: None,
        hits: Vec::new(),
        page,
        prev: None,
        next: None,
        truncated: false,
        offers: super::worklist::offers(&desk, user.user.id).await?,
        csrf: user.csrf.clone(),
        back: "/agent/search".into(),
    };
    if q.chars().count() > MAX_QUERY_CHARS {
        view.problem = Some(format!("A search is at most {MAX_QUERY_CHARS} characters."));
        return Ok(render(&view, StatusCode::UNPROCESSABLE_ENTITY));
    }
    if q.is_empty() {
        return Ok(render(&view, StatusCode::OK));
    }
    let scope = match user.user.role {
        Role::Admin | Role::Supervisor => SearchScope::All,
        Role::Agent => SearchScope::AssignedTo(user.user.id),
    };
    let found = desk
        .store()
        .search_messages(scope, q.clone(), page - 1)
        .await?;
    view.searched = true;
    view.truncated = found.truncated;
    view.hits = found.hits.iter().map(|h| hit(h, &q)).collect();
    if page > 1 {
        view.prev = Some(link(&q, page - 1));
    }
    if found.has_more && page < MAX_PAGE {
        view.next = Some(link(&q, page + 1));
    }
    Ok(render(&view, StatusCode::OK))
}

fn link(q: &str, page: usize) -> String {
    let query =
        serde_urlencoded::to_string([("q", q), ("page", &page.to_string())]).unwrap_or_default();
    format!("/agent/search?{query}")
}

fn hit(h: &SearchHit, q: &str) -> Hit {
    let c = &h.conversation;
    let m = &h.message;
    Hit {
        href: format!("/agent/conversations/{}#m{}", c.id.get(), m.seq),
        conversation: c.id.to_string(),
        customer: c.customer.to_string(),
        channel: c.channel.to_string(),
        who: match m.direction {
            Direction::Inbound => "Customer",
            Direction::Outbound => "Agent",
            Direction::Automated => "Automated",
            Direction::Note => "Internal note",
            Direction::System => "omnidesk",
        },
        time: m.created_at.to_string(),
        pieces: snippet(&m.body, q),
    }
}

/// The text around the first match of `q` in `body`, split into plain and matching pieces.
pub fn snippet(body: &str, q: &str) -> Vec<Piece> {
    let plain = |t: &str| Piece {
        text: t.to_owned(),
        mark: false,
    };
    let Some((s, e)) = find_ci(body, q) else {
        let end = body
            .char_indices()
            .nth(2 * CONTEXT_CHARS)
            .map_or(body.len(), |(i, _)| i);
        return vec![plain(&body[..end])];
    };
    let from = body[..s]
        .char_indices()
        .rev()
        .nth(CONTEXT_CHARS - 1)
        .map_or(0, |(i, _)| i);
    let to = body[e..]
        .char_indices()
        .nth(CONTEXT_CHARS)
        .map_or(body.len(), |(i, _)| e + i);
    let window = &body[from..to];
    let mut out = Vec::new();
    if from > 0 {
        out.push(plain("…"));
    }
    let mut at = 0;
    for (ms, me) in find_all_ci(window, q) {
        if ms > at {
            out.push(plain(&window[at..ms]));
        }
        out.push(Piece {
            text: window[ms..me].to_owned(),
            mark: true,
        });
        at = me;
    }
    if at < window.len() {
        out.push(plain(&window[at..]));
    }
    if to < body.len() {
        out.push(plain("…"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(pieces: &[Piece]) -> Vec<&str> {
        pieces
            .iter()
            .filter(|p| p.mark)
            .map(|p| p.text.as_str())
            .collect()
    }

    #[test]
    fn every_match_in_the_window_is_marked_in_its_original_case() {
        let p = snippet("Refund? REFUND please, refund", "refund");
        assert_eq!(marked(&p), vec!["Refund", "REFUND", "refund"]);
        let joined: String = p.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(joined, "Refund? REFUND please, refund");
    }

    #[test]
    fn long_bodies_are_cut_around_the_match_on_character_boundaries() {
        let body = format!("{}needle{}", "é".repeat(200), "ü".repeat(200));
        let p = snippet(&body, "NEEDLE");
        assert_eq!(p.first().map(|p| p.text.as_str()), Some("…"));
        assert_eq!(p.last().map(|p| p.text.as_str()), Some("…"));
        assert_eq!(marked(&p), vec!["needle"]);
    }

    #[test]
    fn markup_stays_text_in_the_pieces() {
        let p = snippet("<script>alert(1)</script>", "alert");
        assert_eq!(marked(&p), vec!["alert"]);
        assert_eq!(p[0].text, "<script>");
    }
}
