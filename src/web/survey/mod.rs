//! `GET /survey/{token}` and `POST /survey/{token}`: the public page of omnidesk's built-in
//! survey, for the customer the link was sent to (no sign-in: the unguessable token is the
//! capability). A 1–5 rating and an optional comment, in the workstream's language; the form
//! carries the signed pre-session CSRF token of sign-in. Unknown link 404, expired or answered
//! 410, bad input 400 beside the field, too many requests from one address 429; a refused
//! request stores nothing.

pub mod throttle;

use crate::app::Desk;
use crate::app::survey::SurveyView;
use crate::auth::AuthState;
use crate::domain::survey::{Answer, AnswerError, Rating, SurveyRefusal, SurveyToken, Words};
use crate::web::agent::conversation::render;
use crate::web::csrf::{PreSessionForm, pre_session_token};
use crate::web::ui::PageError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use throttle::SurveyThrottle;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/survey/{token}", web::get().to(show))
        .route("/survey/{token}", web::post().to(answer));
}

/// One rating choice: its value and label.
pub struct Choice {
    pub value: u8,
    pub label: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "survey/page.html")]
struct SurveyPage {
    w: &'static Words,
    /// The form's address (the request's own path).
    action: String,
    csrf: String,
    question: String,
    choices: Vec<Choice>,
    comment: String,
    /// Shown above the form (an expired form).
    problem: Option<&'static str>,
    rating_error: Option<&'static str>,
    comment_error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "survey/message.html")]
struct MessagePage {
    w: &'static Words,
    title: &'static str,
    text: &'static str,
}

fn message(
    w: &'static Words,
    title: &'static str,
    text: &'static str,
    status: StatusCode,
) -> HttpResponse {
    render(&MessagePage { w, title, text }, status)
}

fn refused(w: &'static Words, r: SurveyRefusal) -> HttpResponse {
    let status = match r {
        SurveyRefusal::Unknown => StatusCode::NOT_FOUND,
        SurveyRefusal::Expired | SurveyRefusal::Answered => StatusCode::GONE,
    };
    message(w, w.problem_title, w.refusal(r), status)
}

/// 429 before anything is looked up; the language of an unknown link is not known yet.
fn throttled(req: &HttpRequest, desk: &Desk) -> Option<HttpResponse> {
    let addr = req
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
    let allowed = req
        .app_data::<web::Data<SurveyThrottle>>()
        .is_none_or(|t| t.allow(addr, desk.now()));
    (!allowed).then(|| {
        let w = Words::for_language("en");
        let mut resp = message(
            w,
            w.problem_title,
            w.throttled,
            StatusCode::TOO_MANY_REQUESTS,
        );
        resp.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from(throttle::WINDOW.as_secs()),
        );
        resp
    })
}

/// The form, with what was typed and why it was refused.
struct Filled<'a> {
    rating: Option<u8>,
    comment: &'a str,
    problem: Option<&'static str>,
    error: Option<AnswerError>,
}

fn form(
    req: &HttpRequest,
    auth: &AuthState,
    desk: &Desk,
    view: &SurveyView,
    filled: Filled<'_>,
    status: StatusCode,
) -> HttpResponse {
    let (csrf, cookie) = pre_session_token(req, auth, desk);
    let w = view.words;
    let error = |field| {
        filled
            .error
            .filter(|e| e.field() == field)
            .map(|e| w.error(e))
    };
    let page = SurveyPage {
        w,
        action: req.path().to_owned(),
        csrf,
        question: view.question.clone(),
        choices: Rating::ALL
            .iter()
            .zip(w.ratings)
            .map(|(&value, label)| Choice {
                value,
                label,
                checked: filled.rating == Some(value),
            })
            .collect(),
        comment: filled.comment.to_owned(),
        problem: filled.problem,
        rating_error: error("rating"),
        comment_error: error("comment"),
    };
    let mut resp = render(&page, status);
    if let Some(c) = cookie {
        let _ = resp.add_cookie(&c);
    }
    resp
}

/// The survey a request is about, if this address may ask and it can still be answered;
/// otherwise the response that says why (429, 404 or 410).
async fn answerable(
    req: &HttpRequest,
    path: &str,
    desk: &Desk,
) -> Result<Result<(SurveyToken, SurveyView), HttpResponse>, PageError> {
    if let Some(resp) = throttled(req, desk) {
        return Ok(Err(resp));
    }
    let Some(token) = SurveyToken::parse(path) else {
        return Ok(Err(refused(
            Words::for_language("en"),
            SurveyRefusal::Unknown,
        )));
    };
    let view = desk.open_survey(&token).await?;
    Ok(match view.refusal {
        Some(r) => Err(refused(view.words, r)),
        None => Ok((token, view)),
    })
}

async fn show(
    req: HttpRequest,
    path: web::Path<String>,
    desk: web::Data<Desk>,
    auth: web::Data<AuthState>,
) -> Result<HttpResponse, PageError> {
    let (_, view) = match answerable(&req, &path, &desk).await? {
        Ok(found) => found,
        Err(resp) => return Ok(resp),
    };
    let blank = Filled {
        rating: None,
        comment: "",
        problem: None,
        error: None,
    };
    Ok(form(&req, &auth, &desk, &view, blank, StatusCode::OK))
}

async fn answer(
    req: HttpRequest,
    path: web::Path<String>,
    posted: Result<PreSessionForm, PageError>,
    desk: web::Data<Desk>,
    auth: web::Data<AuthState>,
) -> Result<HttpResponse, PageError> {
    let (token, view) = match answerable(&req, &path, &desk).await? {
        Ok(found) => found,
        Err(resp) => return Ok(resp),
    };
    let f = match posted {
        Ok(PreSessionForm(f)) => f,
        Err(PageError::Csrf) => {
            let expired = Filled {
                rating: None,
                comment: "",
                problem: Some(view.words.form_expired),
                error: None,
            };
            return Ok(form(
                &req,
                &auth,
                &desk,
                &view,
                expired,
                StatusCode::FORBIDDEN,
            ));
        }
        Err(e) => return Err(e),
    };
    let (rating, comment) = (f.get("rating"), f.get("comment"));
    let parsed = match Answer::parse(rating, comment) {
        Ok(a) => a,
        Err(e) => {
            let again = Filled {
                rating: Rating::parse(rating).ok().map(Rating::get),
                comment,
                problem: None,
                error: Some(e),
            };
            return Ok(form(
                &req,
                &auth,
                &desk,
                &view,
                again,
                StatusCode::BAD_REQUEST,
            ));
        }
    };
    let done = desk.answer_survey(&token, parsed).await?;
    Ok(match done.refusal {
        Some(r) => refused(done.words, r),
        None => message(
            done.words,
            done.words.thanks_title,
            done.words.thanks,
            StatusCode::OK,
        ),
    })
}
