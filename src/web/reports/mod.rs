//! `/reports` (supervisors and admins): a GET form for the range and filters, the numbers with
//! their definitions, charts as inline SVG with their numbers as tables, and
//! `/reports/{table}.csv` exporting each table with the same query. Agents get 403; a bad date
//! or filter gets the page again with the reason and a 400.

mod charts;
mod csv;
mod tables;

use crate::app::Desk;
use crate::app::reports::ReportNames;
use crate::domain::reports::metrics::DEFINITIONS;
use crate::domain::reports::query::QueryError;
use crate::domain::reports::stats::duration_text;
use crate::domain::reports::{ChannelFilter, Filters, Report, ReportRange};
use crate::domain::user::Role;
use crate::web::session::SignedIn;
use crate::web::ui::when::viewer_zone;
use crate::web::ui::{ADMIN_SECTIONS, Nav, PageError};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use charts::BarChart;
use tables::TextTable;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/reports", web::get().to(show))
        .route("/reports/{table}.csv", web::get().to(export));
}

/// The form's fields, as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Form {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    workstream: String,
    #[serde(default)]
    queue: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    agent: String,
}

impl Form {
    fn parse(&self, desk: &Desk) -> Result<(ReportRange, Filters), QueryError> {
        let range = ReportRange::parse(&self.from, &self.to, viewer_zone(), desk.now())?;
        let filters = Filters::parse(&self.workstream, &self.queue, &self.channel, &self.agent)?;
        Ok((range, filters))
    }

    /// The query string of the report shown, for its exports.
    fn query(&self, range: &ReportRange) -> String {
        serde_urlencoded::to_string([
            ("from", range.from.to_string().as_str()),
            ("to", range.to.to_string().as_str()),
            ("workstream", self.workstream.trim()),
            ("queue", self.queue.trim()),
            ("channel", self.channel.trim()),
            ("agent", self.agent.trim()),
        ])
        .unwrap_or_default()
    }
}

/// (value, label, selected) of a select.
pub type Choice = (String, String, bool);

fn choices(current: &str, all: &str, items: impl Iterator<Item = (String, String)>) -> Vec<Choice> {
    let current = current.trim();
    std::iter::once((String::new(), all.to_owned(), current.is_empty()))
        .chain(items.map(|(v, l)| {
            let selected = v == current;
            (v, l, selected)
        }))
        .collect()
}

pub struct Card {
    pub label: &'static str,
    pub value: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "reports/report.html")]
pub struct ReportPage {
    pub title: String,
    pub nav: Option<Nav>,
    pub from: String,
    pub to: String,
    pub zone: String,
    pub workstreams: Vec<Choice>,
    pub queues: Vec<Choice>,
    pub channels: Vec<Choice>,
    pub agents: Vec<Choice>,
    pub problem: Option<String>,
    pub cards: Vec<Card>,
    pub charts: Vec<(BarChart, TextTable)>,
    pub tables: Vec<TextTable>,
    pub query: String,
    pub definitions: &'static [(&'static str, &'static str)],
    pub conversations: usize,
}

impl ReportPage {
    pub fn admin_sections(&self) -> &'static [(&'static str, &'static str, &'static str)] {
        &ADMIN_SECTIONS
    }
}

fn allowed(user: &SignedIn) -> Result<(), PageError> {
    match user.user.role {
        Role::Admin | Role::Supervisor => Ok(()),
        Role::Agent => Err(PageError::Forbidden),
    }
}

fn cards(r: &Report) -> Vec<Card> {
    let c = &r.counts;
    let timing = |s: &crate::domain::reports::stats::Summary| {
        format!(
            "90th percentile {} · {} conversations",
            duration_text(s.p90_ms),
            s.count
        )
    };
    vec![
        Card {
            label: "Opened",
            value: c.opened.to_string(),
            detail: String::new(),
        },
        Card {
            label: "Handled",
            value: c.handled.to_string(),
            detail: String::new(),
        },
        Card {
            label: "Abandoned",
            value: c.abandoned.to_string(),
            detail: format!("{} more after a bot hand-off", c.abandoned_after_bot),
        },
        Card {
            label: "Transferred",
            value: c.transferred.to_string(),
            detail: String::new(),
        },
        Card {
            label: "First response (median)",
            value: duration_text(r.first_response.median_ms),
            detail: timing(&r.first_response),
        },
        Card {
            label: "Handle time (median)",
            value: duration_text(r.handle.median_ms),
            detail: format!(
                "{}; wrap-up median {}",
                timing(&r.handle),
                duration_text(r.wrap_up.median_ms)
            ),
        },
        Card {
            label: "Time in queue (median)",
            value: duration_text(r.queue.median_ms),
            detail: timing(&r.queue),
        },
        Card {
            label: "CSAT",
            value: r
                .csat
                .average()
                .map_or_else(|| "—".to_owned(), |a| format!("{a:.2} / 5")),
            detail: format!(
                "{} answers to {} surveys{}",
                r.csat.answers,
                r.csat.sent,
                r.csat
                    .response_rate()
                    .map_or_else(String::new, |x| format!(" ({:.0} %)", x * 100.0))
            ),
        },
    ]
}

fn page(user: &SignedIn, form: &Form, names: &ReportNames, zone: String) -> ReportPage {
    ReportPage {
        title: "Reports".into(),
        nav: Some(Nav::for_user(user, "reports")),
        from: form.from.trim().to_owned(),
        to: form.to.trim().to_owned(),
        zone,
        workstreams: choices(
            &form.workstream,
            "All workstreams",
            names
                .workstreams
                .iter()
                .map(|(id, n)| (id.get().to_string(), n.clone())),
        ),
        queues: choices(
            &form.queue,
            "All queues",
            names
                .queues
                .iter()
                .map(|(id, n, ws)| (id.get().to_string(), format!("{ws} · {n}"))),
        ),
        channels: choices(
            &form.channel,
            "All channels",
            ChannelFilter::CHOICES
                .iter()
                .map(|(v, l)| ((*v).to_owned(), (*l).to_owned())),
        ),
        agents: choices(
            &form.agent,
            "All agents",
            names
                .users
                .iter()
                .map(|(id, n)| (id.get().to_string(), n.clone())),
        ),
        problem: None,
        cards: Vec::new(),
        charts: Vec::new(),
        tables: Vec::new(),
        query: String::new(),
        definitions: &DEFINITIONS,
        conversations: 0,
    }
}

fn render(p: &ReportPage, status: StatusCode) -> HttpResponse {
    match p.render() {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(html),
        Err(e) => {
            tracing::error!(error = %e, "reports page render failed");
            PageError::Internal.error_response()
        }
    }
}

use actix_web::ResponseError;

async fn show(
    user: SignedIn,
    form: web::Query<Form>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    allowed(&user)?;
    let names = desk.report_names().await?;
    let (range, filters) = match form.parse(&desk) {
        Ok(x) => x,
        Err(e) => {
            let mut p = page(
                &user,
                &form,
                &names,
                viewer_zone().iana_name().unwrap_or("UTC").to_owned(),
            );
            p.problem = Some(e.to_string());
            return Ok(render(&p, StatusCode::BAD_REQUEST));
        }
    };
    let mut p = page(&user, &form, &names, range.zone_name());
    p.from = range.from.to_string();
    p.to = range.to.to_string();
    p.query = form.query(&range);
    let report = desk.report(range.clone(), filters).await?;
    p.cards = cards(&report);
    p.conversations = report.conversations.len();
    let hours = tables::hours(&report);
    let hour_points: Vec<(String, u64)> = report
        .by_hour
        .iter()
        .enumerate()
        .map(|(h, c)| (format!("{h:02}"), u64::from(c.opened)))
        .collect();
    let days = tables::days(&report);
    let day_points: Vec<(String, u64)> = report
        .by_day
        .iter()
        .map(|d| {
            (
                d.day.strftime("%m-%d").to_string(),
                u64::from(d.counts.opened),
            )
        })
        .collect();
    let csat = tables::csat(&report.csat);
    let csat_points: Vec<(String, u64)> = (1..=5)
        .zip(report.csat.distribution)
        .map(|(r, n)| (r.to_string(), u64::from(n)))
        .collect();
    p.charts = vec![
        (
            BarChart::new(
                "chart-hours",
                &format!(
                    "Conversations opened by hour of day ({})",
                    range.zone_name()
                ),
                "conversations",
                &hour_points,
            ),
            hours,
        ),
        (
            BarChart::new(
                "chart-days",
                "Conversations opened by day",
                "conversations",
                &day_points,
            ),
            days,
        ),
        (
            BarChart::new(
                "chart-csat",
                "Survey ratings, 1 to 5",
                "answers",
                &csat_points,
            ),
            csat,
        ),
    ];
    p.tables = vec![tables::summary(&report), tables::agents(&report, &names)];
    Ok(render(&p, StatusCode::OK))
}

async fn export(
    user: SignedIn,
    path: web::Path<String>,
    form: web::Query<Form>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    allowed(&user)?;
    let slug = path.into_inner();
    if !tables::SLUGS.contains(&slug.as_str()) {
        return Err(PageError::NotFound);
    }
    let (range, filters) = form
        .parse(&desk)
        .map_err(|e| PageError::BadRequest(e.to_string()))?;
    let names = desk.report_names().await?;
    let report = desk.report(range.clone(), filters).await?;
    let table = tables::by_slug(&slug, &report, &names, &range).ok_or(PageError::NotFound)?;
    let file = format!("omnidesk-{slug}-{}-{}.csv", range.from, range.to);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{file}\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(csv::render(&table)))
}
