//! Server-rendered pages. Every page is a `Page`: a title, the navigation of the signed-in user and
//! a list of sections (forms, tables, information, text, links) rendered by `templates/page.html`.
//! Askama escapes every value, so user text can never become markup.

pub mod form;
pub mod validate;
pub mod when;

pub use form::{DayRow, Field, FieldErrors, FieldKind, FormModel};
pub use when::When;

use crate::domain::user::Role;
use crate::store::StoreError;
use crate::web::session::SignedIn;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

/// The header of a signed-in page.
#[derive(Debug, Clone)]
pub struct Nav {
    pub user_id: u64,
    pub user_name: String,
    pub role: Role,
    pub csrf: String,
    /// Which admin section is highlighted.
    pub active: &'static str,
    /// The presence selector's current value, on agent pages.
    pub presence: Option<crate::domain::presence::Presence>,
    /// Why the presence others see is not the one chosen ("Busy - DND: at capacity, 2 of 2").
    pub presence_note: Option<String>,
}

impl Nav {
    pub fn for_user(user: &SignedIn, active: &'static str) -> Self {
        Self {
            user_id: user.user.id.get(),
            user_name: user.user.name.clone(),
            role: user.user.role,
            csrf: user.csrf.clone(),
            active,
            presence: None,
            presence_note: None,
        }
    }

    pub fn with_presence(
        mut self,
        (p, note): (crate::domain::presence::Presence, Option<String>),
    ) -> Self {
        self.presence = Some(p);
        self.presence_note = note;
        self
    }

    /// (value, label, selected) for the presence selector.
    pub fn presence_options(&self) -> Vec<(&'static str, String, bool)> {
        crate::domain::presence::Presence::SELECTABLE
            .iter()
            .map(|p| (p.slug(), p.to_string(), self.presence == Some(*p)))
            .collect()
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// A supervisor: writes knowledge articles and scripts without the admin sections.
    pub fn is_supervisor(&self) -> bool {
        self.role == Role::Supervisor
    }
}

/// Admin navigation: (section key, label, href).
pub const ADMIN_SECTIONS: [(&str, &str, &str); 10] = [
    ("accounts", "Accounts", "/admin/accounts"),
    ("workstreams", "Workstreams", "/admin/workstreams"),
    ("templates", "Templates", "/admin/templates"),
    ("quick-replies", "Quick replies", "/admin/quick-replies"),
    ("knowledge", "Knowledge", "/admin/knowledge"),
    ("hours", "Operating hours", "/admin/hours"),
    (
        "automated",
        "Automated messages",
        "/admin/automated-messages",
    ),
    ("users", "Users", "/admin/users"),
    ("simulator", "Simulator", "/simulator"),
    ("config", "Configuration file", "/admin/config"),
];

#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Link {
        href: String,
        text: String,
    },
    /// Seconds left, counted down in the browser by `static/js/notify.js`.
    Countdown(u64),
    /// A point in time (`When`), localised in the browser.
    Time(When),
    /// A short label styled by its class (e.g. a sentiment level).
    Badge {
        text: String,
        class: &'static str,
    },
    /// A small form with one button (e.g. "Delete"), carrying the CSRF token.
    Post {
        action: String,
        label: String,
        csrf: String,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub empty: String,
}

impl Table {
    /// The name of column `i` ("" past the last), which phone-width pages show above each cell.
    /// (The template hands the index over by reference, as askama binds it.)
    pub fn column(&self, i: &usize) -> &str {
        self.columns.get(*i).map_or("", String::as_str)
    }
}

#[derive(Debug, Clone)]
pub struct InfoRow {
    pub label: String,
    pub value: String,
    /// Shows a copy button beside the value.
    pub copy: bool,
}

#[derive(Debug, Clone)]
pub struct Link {
    pub href: String,
    pub text: String,
}

impl Link {
    /// Links to a delete confirmation are styled as destructive.
    pub fn is_destructive(&self) -> bool {
        is_destructive(&self.href)
    }
}

/// Whether a link or a one-button form leads to removing something: every such route ends in
/// `/delete` or `/reset` (the pages that then ask for confirmation).
pub fn is_destructive(href: &str) -> bool {
    let path = href.split(['?', '#']).next().unwrap_or(href);
    path.ends_with("/delete") || path.ends_with("/reset")
}

#[derive(Debug, Clone)]
pub enum Section {
    Heading(String),
    Text(String),
    /// A highlighted notice (success or information).
    Notice(String),
    /// A highlighted problem.
    Problem(String),
    Form(FormModel),
    Table(Table),
    Info(Vec<InfoRow>),
    Links(Vec<Link>),
    /// Wizard progress: steps with the index of the current one.
    Steps(Vec<String>, usize),
    /// Buttons of which exactly one is selected (a filter, a sort order), marked `aria-current`.
    Choice {
        label: String,
        options: Vec<Link>,
        current: usize,
    },
    /// A highlighted warning: worth checking, but nothing was refused.
    Warning(String),
    /// A list of things to do, each done or not, with a link to the page that does it.
    Checklist(Vec<ChecklistItem>),
}

#[derive(Debug, Clone)]
pub struct ChecklistItem {
    pub label: String,
    pub done: bool,
    /// What the item means, or what is left to do.
    pub detail: String,
    pub link: Link,
}

#[derive(Template)]
#[template(path = "page.html")]
pub struct Page {
    pub title: String,
    pub nav: Option<Nav>,
    pub sections: Vec<Section>,
    /// Keeps the page fresh over the live stream (`static/js/live.js`).
    pub live: bool,
}

impl Page {
    pub fn new(title: impl Into<String>, nav: Option<Nav>) -> Self {
        Self {
            title: title.into(),
            nav,
            sections: Vec::new(),
            live: false,
        }
    }

    /// Reloads the page's content when live events arrive.
    pub fn live(mut self) -> Self {
        self.live = true;
        self
    }

    pub fn with(mut self, section: Section) -> Self {
        self.sections.push(section);
        self
    }

    pub fn admin_sections(&self) -> &'static [(&'static str, &'static str, &'static str)] {
        &ADMIN_SECTIONS
    }

    pub fn respond(&self, status: StatusCode) -> HttpResponse {
        match self.render() {
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

    pub fn ok(&self) -> HttpResponse {
        self.respond(StatusCode::OK)
    }
}

/// See-other redirect after a successful POST.
pub fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", to.to_owned()))
        .finish()
}

/// What a page handler can fail with; rendered as an error page, never with internals.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("Please sign in.")]
    NotSignedIn,
    #[error("You do not have access to this page.")]
    Forbidden,
    #[error(
        "This form has expired or did not come from omnidesk. Go back, reload the page and try again."
    )]
    Csrf,
    #[error("Not found.")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("The form is too large.")]
    TooLarge,
    #[error("Too many attempts. Wait a few minutes and try again.")]
    Throttled,
    #[error("omnidesk could not complete this just now. Try again in a moment.")]
    Unavailable(StoreError),
    /// The disk is failing or full: the store refuses work until it has reopened its file.
    #[error(
        "omnidesk's storage is failing, so this could not be done just now. Try again in a \
         moment; if it keeps happening, tell your administrator."
    )]
    StorageFailing(StoreError),
    /// A stored record did not decode: retrying will not help, and the page must not offer a
    /// form that would save over it.
    #[error(
        "A stored record could not be read, so nothing was shown or changed. The server log names it."
    )]
    Corrupt(StoreError),
    #[error("Something went wrong on our side.")]
    Internal,
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Corrupt { .. } => PageError::Corrupt(e),
            e if e.is_storage_failure() => PageError::StorageFailing(e),
            other => PageError::Unavailable(other),
        }
    }
}

impl From<actix::MailboxError> for PageError {
    fn from(_: actix::MailboxError) -> Self {
        PageError::Internal
    }
}

impl From<crate::app::DeskError> for PageError {
    fn from(e: crate::app::DeskError) -> Self {
        match e {
            crate::app::DeskError::Store(s) => PageError::from(s),
            crate::app::DeskError::Stopped(_) => PageError::Internal,
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotSignedIn => StatusCode::SEE_OTHER,
            Self::Forbidden | Self::Csrf => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Throttled => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::StorageFailing(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Corrupt(_) | Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::NotSignedIn => return redirect("/login"),
            Self::Unavailable(e) | Self::StorageFailing(e) | Self::Corrupt(e) => {
                tracing::error!(error = %e, "page failed on the store")
            }
            _ => {}
        }
        Page::new("Sorry", None)
            .with(Section::Problem(self.to_string()))
            .with(Section::Links(vec![Link {
                href: "/".into(),
                text: "Back to omnidesk".into(),
            }]))
            .respond(self.status_code())
    }
}
