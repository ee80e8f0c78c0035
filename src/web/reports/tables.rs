//! Every table of a report, built once from the `Report` and the names: the page shows them and
//! `/reports/{table}.csv` exports them, so the two always agree.

use crate::app::reports::ReportNames;
use crate::domain::reports::metrics::{Counts, CsatSummary};
use crate::domain::reports::stats::{Summary, duration_text, seconds};
use crate::domain::reports::{ConversationFact, Report, ReportRange};
use crate::web::ui::When;

/// A table of text cells.
#[derive(Debug, Clone)]
pub struct TextTable {
    /// Its name in `/reports/{slug}.csv`.
    pub slug: &'static str,
    pub title: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

/// The tables a report exports, by slug.
pub const SLUGS: [&str; 6] = [
    "summary",
    "hours",
    "days",
    "agents",
    "csat",
    "conversations",
];

fn pct(x: Option<f64>) -> String {
    x.map_or_else(String::new, |r| format!("{:.0} %", r * 100.0))
}

fn avg(x: Option<f64>) -> String {
    x.map_or_else(String::new, |a| format!("{a:.2}"))
}

fn counts_cells(c: &Counts) -> [String; 5] {
    [
        c.opened.to_string(),
        c.handled.to_string(),
        c.abandoned.to_string(),
        c.abandoned_after_bot.to_string(),
        c.transferred.to_string(),
    ]
}

fn summary_row(name: &str, s: &Summary) -> Vec<String> {
    vec![
        name.to_owned(),
        s.count.to_string(),
        duration_text(s.median_ms),
        duration_text(s.p90_ms),
        duration_text(s.mean_ms),
        seconds(s.median_ms),
        seconds(s.p90_ms),
    ]
}

pub fn summary(r: &Report) -> TextTable {
    let c = &r.counts;
    let mut rows: Vec<Vec<String>> = [
        ("Opened", c.opened),
        ("Handled", c.handled),
        ("Abandoned", c.abandoned),
        ("Abandoned after bot hand-off", c.abandoned_after_bot),
        ("Transferred", c.transferred),
    ]
    .into_iter()
    .map(|(n, v)| {
        let mut row = vec![n.to_owned(), v.to_string()];
        row.extend(std::iter::repeat_n(String::new(), 5));
        row
    })
    .collect();
    rows.push(summary_row("First response time", &r.first_response));
    rows.push(summary_row("Handle time", &r.handle));
    rows.push(summary_row("Wrap-up", &r.wrap_up));
    rows.push(summary_row("Time in queue", &r.queue));
    TextTable {
        slug: "summary",
        title: "Summary",
        columns: vec![
            "Measure",
            "Count",
            "Median",
            "90th percentile",
            "Average",
            "Median (s)",
            "90th percentile (s)",
        ],
        rows,
    }
}

pub fn hours(r: &Report) -> TextTable {
    TextTable {
        slug: "hours",
        title: "By hour of day",
        columns: vec![
            "Hour",
            "Opened",
            "Handled",
            "Abandoned",
            "Abandoned after bot hand-off",
            "Transferred",
        ],
        rows: r
            .by_hour
            .iter()
            .enumerate()
            .map(|(h, c)| {
                let mut row = vec![format!("{h:02}:00")];
                row.extend(counts_cells(c));
                row
            })
            .collect(),
    }
}

pub fn days(r: &Report) -> TextTable {
    TextTable {
        slug: "days",
        title: "By day",
        columns: vec![
            "Day",
            "Opened",
            "Handled",
            "Abandoned",
            "Abandoned after bot hand-off",
            "Transferred",
            "First response (median)",
        ],
        rows: r
            .by_day
            .iter()
            .map(|d| {
                let mut row = vec![d.day.to_string()];
                row.extend(counts_cells(&d.counts));
                row.push(duration_text(d.first_response.median_ms));
                row
            })
            .collect(),
    }
}

pub fn agents(r: &Report, names: &ReportNames) -> TextTable {
    TextTable {
        slug: "agents",
        title: "Agents",
        columns: vec![
            "Agent",
            "Assigned",
            "Closed",
            "Transferred on",
            "Handle time (median)",
            "Handle time (90th)",
            "Wrap-up (median)",
            "First response (median)",
            "CSAT average",
            "CSAT answers",
        ],
        rows: r
            .agents
            .iter()
            .map(|a| {
                vec![
                    names.user(a.agent),
                    a.assigned.to_string(),
                    a.closed.to_string(),
                    a.transferred.to_string(),
                    duration_text(a.handle.median_ms),
                    duration_text(a.handle.p90_ms),
                    duration_text(a.wrap_up.median_ms),
                    duration_text(a.first_response.median_ms),
                    avg(a.csat.average()),
                    a.csat.answers.to_string(),
                ]
            })
            .collect(),
    }
}

pub fn csat(c: &CsatSummary) -> TextTable {
    let mut rows: Vec<Vec<String>> = (1..=5)
        .zip(c.distribution)
        .map(|(rating, n)| vec![format!("Rated {rating}"), n.to_string()])
        .collect();
    rows.push(vec!["Surveys sent".into(), c.sent.to_string()]);
    rows.push(vec!["Answers".into(), c.answers.to_string()]);
    rows.push(vec!["Average rating".into(), avg(c.average())]);
    rows.push(vec!["Response rate".into(), pct(c.response_rate())]);
    TextTable {
        slug: "csat",
        title: "Customer satisfaction",
        columns: vec!["Measure", "Value"],
        rows,
    }
}

fn time(t: Option<crate::domain::Timestamp>) -> String {
    t.map_or_else(String::new, |t| When::of(t).text)
}

pub fn conversations(r: &Report, names: &ReportNames, range: &ReportRange) -> TextTable {
    let _ = range;
    let row = |f: &ConversationFact| {
        vec![
            f.conversation.get().to_string(),
            time(Some(f.opened_at)),
            names.workstream(f.workstream),
            f.queues
                .iter()
                .map(|q| names.queue(*q))
                .collect::<Vec<_>>()
                .join("; "),
            format!("{} ({})", f.channel.as_str(), f.via.as_str()),
            f.agents
                .iter()
                .map(|a| names.user(*a))
                .collect::<Vec<_>>()
                .join("; "),
            f.state.to_string(),
            time(f.first_assigned_at),
            time(f.closed_at),
            seconds(f.first_response_ms()),
            seconds(f.handle_ms()),
            seconds(f.wrap_up_ms()),
            seconds(Some(f.queued_ms)),
            f.transfers.to_string(),
            if f.bot_handoff { "yes" } else { "no" }.into(),
            if f.abandoned() { "yes" } else { "no" }.into(),
            f.csat.map_or_else(String::new, |c| c.get().to_string()),
        ]
    };
    TextTable {
        slug: "conversations",
        title: "Conversations",
        columns: vec![
            "Conversation",
            "Opened",
            "Workstream",
            "Queues",
            "Channel",
            "Agents",
            "State",
            "Accepted",
            "Closed",
            "First response (s)",
            "Handle time (s)",
            "Wrap-up (s)",
            "Time in queue (s)",
            "Transfers",
            "Bot hand-off",
            "Abandoned",
            "CSAT",
        ],
        rows: r.conversations.iter().map(row).collect(),
    }
}

/// The table `slug` of the report, if there is one by that name.
pub fn by_slug(
    slug: &str,
    r: &Report,
    names: &ReportNames,
    range: &ReportRange,
) -> Option<TextTable> {
    Some(match slug {
        "summary" => summary(r),
        "hours" => hours(r),
        "days" => days(r),
        "agents" => agents(r, names),
        "csat" => csat(&r.csat),
        "conversations" => conversations(r, names, range),
        _ => return None,
    })
}
