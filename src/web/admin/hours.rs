//! `/admin/hours`: operating-hours records (time zone, weekly schedule, holidays) for workstreams
//! to use. Forms parse into `domain::hours` values; the store refuses deleting hours in use.

use crate::app::Desk;
use crate::domain::HoursId;
use crate::domain::hours::{
    DAYS, DayHours, Holiday, HoursError, Openness, ZoneName, format_clock, is_open, parse_clock,
    parse_date, parse_reason, zone_names,
};
use crate::domain::user::Role;
use crate::store::hours::{HoursInput, HoursRefusal, OperatingHours};
use crate::web::csrf::{CsrfForm, FormData};
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::{
    Cell, DayRow, Field, FieldErrors, FieldKind, FormModel, Link, Nav, Page, PageError, Section,
    Table, redirect, validate,
};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

/// The most holidays one record holds.
pub const MAX_HOLIDAYS: usize = 50;
/// Empty holiday rows offered below the filled ones (no JavaScript: save for more).
const SPARE_ROWS: usize = 5;
const MIN_ROWS: usize = 10;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/hours", web::get().to(list))
        .route("/hours", web::post().to(create))
        .route("/hours/new", web::get().to(new))
        .route("/hours/{id}", web::get().to(edit))
        .route("/hours/{id}", web::post().to(update))
        .route("/hours/{id}/delete", web::post().to(delete));
}

fn page(admin: &SignedIn, title: &str) -> Page {
    Page::new(title, Some(Nav::for_user(admin, "hours")))
}

fn summary(h: &OperatingHours) -> String {
    let open: Vec<String> = DAYS
        .iter()
        .zip(&h.week)
        .filter(|(_, d)| d.open)
        .map(|((_, label), d)| {
            let from = format_clock(d.from_minute);
            format!(
                "{} {from}–{}",
                label.get(..3).unwrap_or(label),
                format_clock(d.to_minute)
            )
        })
        .collect();
    if open.is_empty() {
        "Closed every day".into()
    } else {
        open.join(", ")
    }
}

fn now_text(h: &OperatingHours, desk: &Desk) -> String {
    match h.schedule().map(|s| is_open(&s, desk.now())) {
        Ok(Openness::Open) => "Open".into(),
        Ok(Openness::Closed) => "Closed".into(),
        Ok(Openness::Holiday(reason)) => format!("Closed: {reason}"),
        Err(_) => "Unknown (check the time zone)".into(),
    }
}

#[derive(serde::Deserialize)]
struct Notice {
    created: Option<String>,
    deleted: Option<String>,
}

async fn list(
    Admin(admin): Admin,
    q: web::Query<Notice>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let all = desk.store().hours_list().await?;
    let rows = all
        .iter()
        .map(|h| {
            vec![
                Cell::Link {
                    href: format!("/admin/hours/{}", h.id.get()),
                    text: h.name.clone(),
                },
                Cell::Text(h.time_zone.as_str().to_owned()),
                Cell::Text(summary(h)),
                Cell::Text(h.holidays.len().to_string()),
                Cell::Text(now_text(h, &desk)),
            ]
        })
        .collect();
    let mut p = page(&admin, "Operating hours");
    if q.deleted.is_some() {
        p = p.with(Section::Notice("Operating hours deleted.".into()));
    }
    Ok(p.with(Section::Links(vec![Link {
        href: "/admin/hours/new".into(),
        text: "New operating hours".into(),
    }]))
    .with(Section::Table(Table {
        columns: ["Name", "Time zone", "Open", "Holidays", "Now"]
            .map(String::from)
            .to_vec(),
        rows,
        empty: "No operating hours yet.".into(),
    }))
    .ok())
}

/// The form, filled from `h` (or Monday–Friday 09:00–17:00) with `rows` holiday rows.
fn hours_form(
    action: &str,
    csrf: &str,
    submit: &str,
    h: Option<&OperatingHours>,
    rows: usize,
) -> FormModel {
    let zone = h.map_or("Europe/Berlin", |h| h.time_zone.as_str());
    let mut form = FormModel::new(action, csrf, submit)
        .field(
            Field::text("name", "Name")
                .value(h.map_or("", |h| &h.name))
                .required(),
        )
        .field(
            Field::new(
                "time_zone",
                "Time zone",
                FieldKind::Select {
                    options: zone_options(zone),
                },
            )
            .value(zone)
            .required()
            .help("The place whose clock the hours follow; daylight saving time is followed."),
        );
    let days = DAYS
        .iter()
        .enumerate()
        .map(|(i, (key, label))| {
            let day = h
                .and_then(|h| h.week.get(i).cloned())
                .unwrap_or(DayHours::office(i < 5));
            day_row(key, label, &day)
        })
        .collect();
    form = form.field(
        Field::new("week", "Weekly schedule", FieldKind::Week { days }).help(
            "Tick the days that open. Closing at 00:00 means midnight at the end of the day.",
        ),
    );
    let holidays = h.map_or(&[][..], |h| &h.holidays);
    for i in 0..rows {
        form = holiday_fields(form, i, holidays.get(i));
    }
    form.cancel("/admin/hours")
}

fn day_row(key: &str, label: &str, day: &DayHours) -> DayRow {
    DayRow {
        key: key.into(),
        label: label.into(),
        open: day.open,
        from: format_clock(day.from_minute),
        to: format_clock(day.to_minute),
        from_error: None,
        to_error: None,
    }
}

fn holiday_fields(form: FormModel, i: usize, h: Option<&Holiday>) -> FormModel {
    let n = i + 1;
    let date = Field::new(
        &format!("holiday{i}_date"),
        &format!("Holiday {n}: date"),
        FieldKind::Date,
    )
    .value(h.map_or("", |h| h.date.as_str()));
    let mut reason = Field::text(
        &format!("holiday{i}_reason"),
        &format!("Holiday {n}: reason"),
    )
    .value(h.map_or("", |h| h.reason.as_str()));
    if i == 0 {
        reason = reason.help(format!(
            "Closed all day on these dates, in the time zone above. Up to {MAX_HOLIDAYS}; save for more empty rows."
        ));
    }
    form.field(date).field(reason)
}

/// The IANA zones as (value, label) pairs; a stored zone the list lacks (an alias saved by an
/// older build) stays selectable.
fn zone_options(current: &str) -> Vec<(String, String)> {
    let mut names = zone_names();
    if !names.iter().any(|n| n == current) {
        names.insert(0, current.to_owned());
    }
    names
        .into_iter()
        .map(|n| (n.clone(), n.replace('_', " ")))
        .collect()
}

/// Holiday rows to show: the stored ones plus spares, or as many as were submitted.
fn rows_for(stored: usize, submitted: Option<&FormData>) -> usize {
    let posted = submitted.map_or(0, |f| {
        (0..MAX_HOLIDAYS)
            .rev()
            .find(|i| f.0.iter().any(|(k, _)| k == &format!("holiday{i}_date")))
            .map_or(0, |i| i + 1)
    });
    (stored + SPARE_ROWS)
        .max(MIN_ROWS)
        .max(posted)
        .min(MAX_HOLIDAYS)
}

/// One day's fields; a closed day keeps whatever valid times were typed, for the form.
fn day_hours(f: &FormData, key: &str, errors: &mut FieldErrors) -> DayHours {
    let (from_name, to_name) = (format!("{key}_from"), format!("{key}_to"));
    let from = parse_clock(f.get(&from_name), false);
    let to = parse_clock(f.get(&to_name), true);
    if !f.checked(&format!("{key}_open")) {
        let office = DayHours::office(false);
        return DayHours {
            open: false,
            from_minute: from.unwrap_or(office.from_minute),
            to_minute: to.unwrap_or(office.to_minute),
        };
    }
    let mut field_err = |name: &str, e: HoursError| errors.add(name, e.to_string());
    match (from, to) {
        (Ok(from), Ok(to)) => DayHours::open(from, to).unwrap_or_else(|e| {
            field_err(&to_name, e);
            DayHours::office(true)
        }),
        (from, to) => {
            if let Err(e) = from {
                field_err(&from_name, e);
            }
            if let Err(e) = to {
                field_err(&to_name, e);
            }
            DayHours::office(true)
        }
    }
}

fn holidays(f: &FormData, errors: &mut FieldErrors) -> Vec<Holiday> {
    let mut out: Vec<Holiday> = Vec::new();
    for i in 0..MAX_HOLIDAYS {
        let (date_name, reason_name) = (format!("holiday{i}_date"), format!("holiday{i}_reason"));
        let (date, reason) = (f.get(&date_name), f.get(&reason_name));
        if date.trim().is_empty() && reason.trim().is_empty() {
            continue;
        }
        let date = parse_date(date).map_err(|e| errors.add(&date_name, e.to_string()));
        let reason = parse_reason(reason).map_err(|e| errors.add(&reason_name, e.to_string()));
        let (Ok(date), Ok(reason)) = (date, reason) else {
            continue;
        };
        let date = date.to_string();
        if out.iter().any(|h| h.date == date) {
            errors.add(&date_name, format!("{date} is already listed."));
            continue;
        }
        out.push(Holiday { date, reason });
    }
    out
}

/// The submitted form as an `HoursInput`, or the errors to show beside the fields.
fn parse_input(f: &FormData) -> Result<HoursInput, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = validate::line(f, "name", "Name", 100, true, &mut errors);
    let zone =
        ZoneName::parse(f.get("time_zone")).map_err(|e| errors.add("time_zone", e.to_string()));
    let week: [DayHours; 7] = std::array::from_fn(|i| day_hours(f, DAYS[i].0, &mut errors));
    let holidays = holidays(f, &mut errors);
    match zone {
        Ok(time_zone) if errors.is_empty() => Ok(HoursInput {
            name,
            time_zone,
            week,
            holidays,
        }),
        _ => Err(errors),
    }
}

async fn new(Admin(admin): Admin) -> HttpResponse {
    let form = hours_form(
        "/admin/hours",
        &admin.csrf,
        "Create",
        None,
        rows_for(0, None),
    );
    page(&admin, "New operating hours")
        .with(Section::Form(form))
        .ok()
}

fn status_of(refusal: &HoursRefusal) -> StatusCode {
    match refusal {
        HoursRefusal::Unknown => StatusCode::NOT_FOUND,
        HoursRefusal::DuplicateName | HoursRefusal::InUse(_) => StatusCode::CONFLICT,
    }
}

async fn create(f: CsrfForm, desk: web::Data<Desk>) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let refuse = |errors: &FieldErrors, status| {
        let form = hours_form(
            "/admin/hours",
            &f.user.csrf,
            "Create",
            None,
            rows_for(0, Some(&f.form)),
        );
        page(&f.user, "New operating hours")
            .with(Section::Form(form.refill(&f.form, errors)))
            .respond(status)
    };
    let input = match parse_input(&f.form) {
        Ok(input) => input,
        Err(errors) => return Ok(refuse(&errors, StatusCode::UNPROCESSABLE_ENTITY)),
    };
    match desk.create_hours(input).await? {
        Ok(h) => Ok(redirect(&format!("/admin/hours/{}?created=1", h.id.get()))),
        Err(e) => Ok(refuse(
            &FieldErrors::one("name", e.to_string()),
            status_of(&e),
        )),
    }
}

fn edit_page(
    admin: &SignedIn,
    h: &OperatingHours,
    form: FormModel,
    notice: Option<Section>,
) -> Page {
    let mut p = page(admin, &format!("Operating hours: {}", h.name));
    if let Some(n) = notice {
        p = p.with(n);
    }
    p.with(Section::Form(form))
        .with(Section::Heading("Delete".into()))
        .with(Section::Text(
            "Hours a workstream uses cannot be deleted.".into(),
        ))
        .with(Section::Form(
            FormModel::new(
                format!("/admin/hours/{}/delete", h.id.get()),
                &admin.csrf,
                "Delete these operating hours",
            )
            .danger(),
        ))
}

fn stored_form(csrf: &str, h: &OperatingHours) -> FormModel {
    let action = format!("/admin/hours/{}", h.id.get());
    hours_form(
        &action,
        csrf,
        "Save",
        Some(h),
        rows_for(h.holidays.len(), None),
    )
}

async fn load(desk: &Desk, id: u64) -> Result<OperatingHours, PageError> {
    desk.store()
        .hours(HoursId::new(id))
        .await?
        .ok_or(PageError::NotFound)
}

async fn edit(
    Admin(admin): Admin,
    id: web::Path<u64>,
    q: web::Query<Notice>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let h = load(&desk, *id).await?;
    let notice = q
        .created
        .as_ref()
        .map(|_| Section::Notice("Operating hours created.".into()));
    Ok(edit_page(&admin, &h, stored_form(&admin.csrf, &h), notice).ok())
}

async fn update(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let h = load(&desk, *id).await?;
    let refuse = |errors: &FieldErrors, status| {
        let action = format!("/admin/hours/{}", h.id.get());
        let rows = rows_for(h.holidays.len(), Some(&f.form));
        let form =
            hours_form(&action, &f.user.csrf, "Save", Some(&h), rows).refill(&f.form, errors);
        edit_page(&f.user, &h, form, None).respond(status)
    };
    let input = match parse_input(&f.form) {
        Ok(input) => input,
        Err(errors) => return Ok(refuse(&errors, StatusCode::UNPROCESSABLE_ENTITY)),
    };
    match desk.update_hours(h.id, input).await? {
        Ok(saved) => {
            let notice = Some(Section::Notice("Saved.".into()));
            Ok(edit_page(&f.user, &saved, stored_form(&f.user.csrf, &saved), notice).ok())
        }
        Err(HoursRefusal::Unknown) => Err(PageError::NotFound),
        Err(e) => Ok(refuse(
            &FieldErrors::one("name", e.to_string()),
            status_of(&e),
        )),
    }
}

async fn delete(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let h = load(&desk, *id).await?;
    match desk.delete_hours(h.id).await? {
        Ok(()) => Ok(redirect("/admin/hours?deleted=1")),
        Err(HoursRefusal::Unknown) => Err(PageError::NotFound),
        Err(e) => {
            let problem = Some(Section::Problem(e.to_string()));
            Ok(
                edit_page(&f.user, &h, stored_form(&f.user.csrf, &h), problem)
                    .respond(status_of(&e)),
            )
        }
    }
}
