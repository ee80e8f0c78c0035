//! What the workstream pages show besides the workstream: its channel's free numbers, the
//! operating-hours records, the templates listed for it, the summary of every setting, and the
//! work distribution settings form (`/admin/workstreams/{id}/distribution`).

use super::workstreams::{check, href, load, page};
use crate::app::Desk;
use crate::domain::language::LanguageCode;
use crate::domain::user::Role;
use crate::domain::workstream::{
    self as rules, AUTO_CLOSE_MINUTES, CAPACITY, Distribution, Presence, SCREEN_POP_SECS, Survey,
    WRAP_UP_MINUTES, WrapUp,
};
use crate::domain::{Channel, NumberId};
use crate::store::hours::OperatingHours;
use crate::store::records::Workstream;
use crate::web::csrf::{CsrfForm, FormData};
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::{
    Field, FieldErrors, FieldKind, FormModel, InfoRow, Page, PageError, Section, redirect,
};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use std::ops::RangeInclusive;

pub(super) struct NumberChoice {
    pub id: NumberId,
    pub label: String,
}

/// What the workstream pages show besides the workstream itself.
pub(super) struct Related {
    /// Numbers of the workstream's channel that no other workstream serves (its own included).
    pub choices: Vec<NumberChoice>,
    pub hours: Vec<OperatingHours>,
    /// Templates listed for the workstream, as "name (language)".
    pub templates: Vec<String>,
}

pub(super) async fn related(desk: &Desk, ws: &Workstream) -> Result<Related, PageError> {
    let store = desk.store();
    let accounts = store.accounts().await?;
    let choices = store
        .numbers_with_workstreams()
        .await?
        .into_iter()
        .filter(|(n, by)| n.channel == ws.channel && by.is_none_or(|w| w == ws.id))
        .map(|(n, _)| {
            let account = accounts.iter().find(|a| a.id == n.account_id);
            let mut label = n.number.to_string();
            if !n.name.is_empty() {
                label.push_str(&format!(" · {}", n.name));
            }
            if let Some(a) = account {
                label.push_str(&format!(" (account {})", a.name));
            }
            NumberChoice { id: n.id, label }
        })
        .collect();
    let templates = store
        .templates()
        .await?
        .into_iter()
        .filter(|t| t.workstreams.contains(&ws.id))
        .map(|t| format!("{} ({})", t.name, t.language))
        .collect();
    Ok(Related {
        choices,
        hours: store.hours_list().await?,
        templates,
    })
}

fn row(label: &str, value: impl Into<String>) -> InfoRow {
    InfoRow {
        label: label.into(),
        value: value.into(),
        copy: false,
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "Yes" } else { "No" }
}

/// The language the language step shows: the saved one, or the default a new workstream
/// starts with (and keeps when Finish is pressed without saving the step).
pub(super) fn shown_language(ws: &Workstream) -> LanguageCode {
    ws.language.clone().unwrap_or_else(LanguageCode::english)
}

/// Every setting of the workstream, for its page and the setup summary.
pub(super) fn summary(ws: &Workstream, r: &Related) -> Vec<InfoRow> {
    let numbers: Vec<&str> = r
        .choices
        .iter()
        .filter(|c| ws.numbers.contains(&c.id))
        .map(|c| c.label.as_str())
        .collect();
    let hours = match ws.operation_hours {
        None => "Off".to_owned(),
        Some(h) => match r.hours.iter().find(|x| x.id == h) {
            Some(x) => format!("On: {}", x.name),
            None => "On (the record was deleted)".to_owned(),
        },
    };
    let survey = match &ws.survey {
        None => "None".to_owned(),
        Some(Survey::Link { link, message }) if message.is_empty() => link.as_str().to_owned(),
        Some(Survey::Link { link, message }) => format!("{} — {message}", link.as_str()),
        Some(Survey::BuiltIn { question, .. }) if question.is_empty() => {
            "omnidesk's one-question survey".to_owned()
        }
        Some(Survey::BuiltIn { question, .. }) => {
            format!("omnidesk's one-question survey — {question}")
        }
    };
    let d = &ws.distribution;
    let mut rows = vec![
        row("Channel", ws.channel.to_string()),
        row("Work distribution mode", ws.mode.to_string()),
        row("Fallback queue", ws.fallback_queue.to_string()),
        row("Numbers", or_none(numbers.join(", "))),
        row(
            "Language",
            ws.language.as_ref().map_or_else(
                || format!("{} (the default)", shown_language(ws)),
                |l| l.to_string(),
            ),
        ),
        row("Channel operation hours", hours),
    ];
    if ws.channel == Channel::WhatsApp {
        rows.push(row(
            "WhatsApp message templates",
            or_none(r.templates.join(", ")),
        ));
    }
    rows.extend([
        row("Post-conversation survey", survey),
        row(
            "Customers can send file attachments",
            yes_no(ws.attachments.customers),
        ),
        row(
            "Agents can send file attachments",
            yes_no(ws.attachments.agents),
        ),
        row("Capacity (units per conversation)", d.capacity.to_string()),
        row("Allowed presences", presences(&d.allowed_presences)),
        row(
            "Keep same agent for entire conversation",
            yes_no(d.keep_same_agent),
        ),
        row(
            "Auto-close after inactivity",
            human_duration(u64::from(d.auto_close_minutes) * 60),
        ),
        row(
            "Block capacity for wrap up",
            match d.wrap_up.minutes() {
                Some(m) => format!("For {}", human_duration(u64::from(m) * 60)),
                None => d.wrap_up.to_string(),
            },
        ),
        row(
            "Screen pop timeout",
            human_duration(u64::from(d.screen_pop_secs)),
        ),
    ]);
    rows
}

/// A duration in the largest unit that states it exactly: "1 day", "2 hours", "90 seconds".
pub(super) fn human_duration(secs: u64) -> String {
    let units = [
        (86_400, "day"),
        (3_600, "hour"),
        (60, "minute"),
        (1, "second"),
    ];
    let (size, unit) = units
        .into_iter()
        .find(|(size, _)| secs.is_multiple_of(*size) && secs >= *size)
        .unwrap_or((1, "second"));
    let n = secs / size;
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

pub(super) fn or_none(s: String) -> String {
    if s.is_empty() { "None".into() } else { s }
}

fn presences(p: &[Presence]) -> String {
    p.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn number(name: &str, label: &str, range: &RangeInclusive<u32>, value: String) -> Field {
    let kind = FieldKind::Number {
        min: i64::from(*range.start()),
        max: i64::from(*range.end()),
    };
    Field::new(name, label, kind).value(value)
}

const PRESENCES_HELP: &str = "Agents get work from this workstream only in these presences.";
const AUTO_CLOSE_HELP: &str = "Waiting conversations close after this long without activity. \
    Default 1,440 (one day); at most 43,200 (30 days).";
const WRAP_UP_HELP: &str = "With “For a duration”: 1 to 1,440 minutes.";
const SCREEN_POP_HELP: &str =
    "How long a notification waits for Accept or Reject: 30 to 300 seconds, default 120.";

fn form(csrf: &str, ws: &Workstream) -> FormModel {
    let d = &ws.distribution;
    let presences = Presence::ALL
        .iter()
        .map(|p| {
            let on = d.allowed_presences.contains(p);
            (p.as_str().to_owned(), p.to_string(), on)
        })
        .collect();
    let wrap_up_minutes = d.wrap_up.minutes().map_or(String::new(), |m| m.to_string());
    FormModel::new(href(ws.id, "/distribution"), csrf, "Save")
        .field(number(
            "capacity",
            "Capacity (units per conversation)",
            &CAPACITY,
            d.capacity.to_string(),
        ))
        .field(
            Field::new(
                "presences",
                "Allowed presences",
                FieldKind::Choices { options: presences },
            )
            .help(PRESENCES_HELP),
        )
        .field(Field::checkbox(
            "keep_same_agent",
            "Keep same agent for entire conversation",
            d.keep_same_agent,
        ))
        .field(
            number(
                "auto_close",
                "Auto-close after inactivity (minutes)",
                &AUTO_CLOSE_MINUTES,
                d.auto_close_minutes.to_string(),
            )
            .help(AUTO_CLOSE_HELP),
        )
        .field(
            Field::select("wrap_up", "Block capacity for wrap up", &WrapUp::CHOICES)
                .value(d.wrap_up.choice()),
        )
        .field(
            number(
                "wrap_up_minutes",
                "Wrap-up duration (minutes)",
                &WRAP_UP_MINUTES,
                wrap_up_minutes,
            )
            .help(WRAP_UP_HELP),
        )
        .field(
            number(
                "screen_pop",
                "Screen pop timeout (seconds)",
                &SCREEN_POP_SECS,
                d.screen_pop_secs.to_string(),
            )
            .help(SCREEN_POP_HELP),
        )
        .cancel(&href(ws.id, ""))
}

fn page_of(admin: &SignedIn, ws: &Workstream, form: FormModel) -> Page {
    page(admin, &format!("Work distribution: {}", ws.name))
        .with(Section::Text(format!(
            "Work distribution mode: {} (fixed after creation).",
            ws.mode
        )))
        .with(Section::Form(form))
}

pub(super) async fn show(
    Admin(admin): Admin,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let ws = load(&desk, *id).await?;
    Ok(page_of(&admin, &ws, form(&admin.csrf, &ws)).ok())
}

/// The submitted work distribution settings, or None with the errors recorded.
fn parse(f: &FormData, errors: &mut FieldErrors) -> Option<Distribution> {
    let capacity = check(errors, "capacity", rules::parse_capacity(f.get("capacity")));
    let presences = check(
        errors,
        "presences",
        rules::parse_presences(&f.all("presences")),
    );
    let auto_close = check(
        errors,
        "auto_close",
        rules::parse_auto_close_minutes(f.get("auto_close")),
    );
    let wrap_up = WrapUp::parse(f.get("wrap_up"), f.get("wrap_up_minutes"));
    let wrap_up_field = match wrap_up {
        Err(rules::SettingError::WrapUpMinutes) => "wrap_up_minutes",
        _ => "wrap_up",
    };
    let wrap_up = check(errors, wrap_up_field, wrap_up);
    let screen_pop = check(
        errors,
        "screen_pop",
        rules::parse_screen_pop_secs(f.get("screen_pop")),
    );
    Some(Distribution {
        capacity: capacity?,
        allowed_presences: presences?,
        keep_same_agent: f.checked("keep_same_agent"),
        auto_close_minutes: auto_close?,
        wrap_up: wrap_up?,
        screen_pop_secs: screen_pop?,
    })
}

pub(super) async fn save(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let ws = load(&desk, *id).await?;
    let mut errors = FieldErrors::default();
    let Some(d) = parse(&f.form, &mut errors).filter(|_| errors.is_empty()) else {
        let form = form(&f.user.csrf, &ws).refill(&f.form, &errors);
        return Ok(page_of(&f.user, &ws, form).respond(StatusCode::UNPROCESSABLE_ENTITY));
    };
    desk.set_workstream_distribution(ws.id, d)
        .await?
        .map_err(|_| PageError::NotFound)?;
    Ok(redirect(&href(ws.id, "?done=saved")))
}

#[cfg(test)]
mod tests {
    use super::human_duration;

    #[test]
    fn durations_read_in_the_largest_exact_unit() {
        let cases = [
            (86_400, "1 day"),
            (2 * 86_400, "2 days"),
            (7_200, "2 hours"),
            (90, "90 seconds"),
            (120, "2 minutes"),
            (60, "1 minute"),
            (1_500 * 60, "25 hours"),
            (1_441 * 60, "1441 minutes"),
            (1, "1 second"),
            (0, "0 seconds"),
        ];
        for (secs, text) in cases {
            assert_eq!(human_duration(secs), text, "{secs} s");
        }
    }
}
