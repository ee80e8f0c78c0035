//! `/admin/workstreams/{id}/setup/…`: "Set up the channel", a wizard without JavaScript:
//! numbers, language, behaviors, user features, summary, finish. Each step is saved when
//! submitted (`store::workstreams::save_workstream_setup`), so a setup left half-way resumes
//! where it stopped.

use super::workstream_settings::{Related, related, shown_language, summary};
use super::workstreams::{check, href, load, page};
use crate::app::Desk;
use crate::domain::language::LanguageCode;
use crate::domain::user::Role;
use crate::domain::workstream::{
    self as rules, Attachments, SettingError, SetupStep, Survey, SurveyKind, SurveyLink,
};
use crate::domain::{Channel, HoursId};
use crate::store::records::Workstream;
use crate::store::workstreams::{SetupChange, WorkstreamRefusal};
use crate::web::csrf::{CsrfForm, FormData};
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::{
    Field, FieldErrors, FieldKind, FormModel, Link, Page, PageError, Section, redirect,
};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

const HOURS_HELP: &str =
    "Required when Channel operation hours is on; records are kept under Operating hours.";
const HOURS_MISSING: &str =
    "Choose an operating-hours record from the list, or turn Channel operation hours off.";
const SURVEY_HELP: &str = "Sent with the \"agent ended\" message when an agent ends the \
    conversation. omnidesk's own survey sends a single-use link (valid 7 days) to a page asking \
    for a rating from 1 to 5 and a comment; answers show on the conversation. It is never sent \
    once the WhatsApp window has closed.";
const SURVEY_LINK_HELP: &str = "For an external survey: an https link (at most 2,000 characters).";
const SURVEY_MESSAGE_HELP: &str = "Optional text before the link, in the workstream's language \
    (at most 1,000 characters). Empty: \"Tell us how we did:\" for a link, a default in the \
    workstream's language for omnidesk's survey.";
const SURVEY_QUESTION_HELP: &str = "For omnidesk's survey: the question above the rating, in the \
    workstream's language (one line, at most 300 characters). Empty: a default question.";
const AUTOMATED_TEXT: &str = "Custom automated messages (greeting, agent assigned, out of \
    hours…) are kept per channel and language, and can be overridden for this workstream.";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/workstreams/{id}/setup", web::get().to(resume))
        .route("/workstreams/{id}/setup/{step}", web::get().to(show))
        .route("/workstreams/{id}/setup/{step}", web::post().to(save));
}

fn step_href(ws: &Workstream, step: SetupStep) -> String {
    href(ws.id, &format!("/setup/{}", step.slug()))
}

/// Opens the setup where it stopped (the summary once finished).
async fn resume(
    Admin(_): Admin,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let ws = load(&desk, *id).await?;
    Ok(redirect(&step_href(&ws, ws.setup.reached)))
}

fn parse_step(s: &str) -> Result<SetupStep, PageError> {
    SetupStep::parse(s).ok_or(PageError::NotFound)
}

/// The form of one step, filled from the stored workstream.
fn form(csrf: &str, ws: &Workstream, step: SetupStep, r: &Related) -> FormModel {
    let submit = if step == SetupStep::Summary {
        "Finish"
    } else {
        "Save and continue"
    };
    let f = FormModel::new(step_href(ws, step), csrf, submit);
    match step {
        SetupStep::Numbers => {
            let options = r
                .choices
                .iter()
                .map(|c| {
                    (
                        c.id.get().to_string(),
                        c.label.clone(),
                        ws.numbers.contains(&c.id),
                    )
                })
                .collect();
            f.field(
                Field::new("numbers", "Numbers", FieldKind::Choices { options }).help(format!(
                    "{} numbers that no other workstream serves.",
                    ws.channel
                )),
            )
        }
        SetupStep::Language => f.field(
            Field::text("language", "Language")
                .value(shown_language(ws).to_string())
                .required()
                .help("One language code, like en or es-MX."),
        ),
        SetupStep::Behaviors => behaviors_form(f, ws, r),
        SetupStep::Features => f.field(
            Field::new(
                "attachments",
                "File attachments",
                FieldKind::Choices {
                    options: attachment_options(ws.attachments),
                },
            )
            .help("Files follow the channel's limits: 5 MB, and the types WhatsApp or MMS accept."),
        ),
        SetupStep::Summary => f,
    }
}

fn behaviors_form(f: FormModel, ws: &Workstream, r: &Related) -> FormModel {
    let mut hours = vec![(String::new(), "Choose a record".to_owned())];
    hours.extend(
        r.hours
            .iter()
            .map(|h| (h.id.get().to_string(), h.name.clone())),
    );
    let (link, message, question) = match &ws.survey {
        None => (String::new(), String::new(), String::new()),
        Some(Survey::Link { link, message }) => {
            (link.as_str().to_owned(), message.clone(), String::new())
        }
        Some(Survey::BuiltIn { message, question }) => {
            (String::new(), message.clone(), question.clone())
        }
    };
    let kinds = SurveyKind::CHOICES
        .iter()
        .map(|(v, l)| (v.to_string(), l.to_string()))
        .collect();
    f.field(Field::checkbox(
        "hours_on",
        "Channel operation hours",
        ws.operation_hours.is_some(),
    ))
    .field(
        Field::new(
            "hours",
            "Operating hours",
            FieldKind::Select { options: hours },
        )
        .value(
            ws.operation_hours
                .map(|h| h.get().to_string())
                .unwrap_or_default(),
        )
        .help(HOURS_HELP),
    )
    .field(
        Field::new(
            "survey",
            "Post-conversation survey",
            FieldKind::Select { options: kinds },
        )
        .value(SurveyKind::of(ws.survey.as_ref()).as_str())
        .help(SURVEY_HELP),
    )
    .field(
        Field::text("survey_link", "Post-conversation survey link")
            .value(link)
            .help(SURVEY_LINK_HELP),
    )
    .field(
        Field::new(
            "survey_message",
            "Survey message",
            FieldKind::TextArea { rows: 3 },
        )
        .value(message)
        .help(SURVEY_MESSAGE_HELP),
    )
    .field(
        Field::text("survey_question", "Survey question")
            .value(question)
            .help(SURVEY_QUESTION_HELP),
    )
}

/// What a step shows around its form: explanations and links to the pages that hold the rest.
fn step_page(
    admin: &SignedIn,
    ws: &Workstream,
    step: SetupStep,
    r: &Related,
    form: FormModel,
) -> Page {
    let labels = SetupStep::ALL
        .iter()
        .map(|s| s.label().to_owned())
        .collect();
    let mut p = page(admin, &format!("Set up the channel: {}", ws.name))
        .with(Section::Steps(labels, step.index()))
        .with(Section::Heading(step.label().into()));
    match step {
        SetupStep::Numbers if r.choices.is_empty() => {
            p = p.with(Section::Problem(format!(
                "No {} number is free. Add one to a {} account under Accounts, \
                 or free one from another workstream.",
                ws.channel, ws.channel
            )));
        }
        SetupStep::Behaviors => p = behaviors_info(p, ws, r),
        SetupStep::Summary => {
            p = p
                .with(Section::Text(
                    "Check the settings, then select Finish.".into(),
                ))
                .with(Section::Info(summary(ws, r)));
        }
        _ => {}
    }
    p = p.with(Section::Form(form));
    if let Some(prev) = step.previous() {
        p = p.with(Section::Links(vec![Link {
            href: step_href(ws, prev),
            text: format!("Back to {}", prev.label()),
        }]));
    }
    p
}

fn behaviors_info(p: Page, ws: &Workstream, r: &Related) -> Page {
    let p = p
        .with(Section::Text(AUTOMATED_TEXT.into()))
        .with(Section::Links(vec![
            Link {
                href: "/admin/automated-messages".into(),
                text: "Automated messages".into(),
            },
            Link {
                href: "/admin/hours".into(),
                text: "Operating hours".into(),
            },
        ]));
    if ws.channel != Channel::WhatsApp {
        return p;
    }
    let listed = if r.templates.is_empty() {
        "WhatsApp message templates: none is listed for this workstream yet.".to_owned()
    } else {
        format!(
            "WhatsApp message templates listed for this workstream: {}.",
            r.templates.join(", ")
        )
    };
    p.with(Section::Text(listed))
        .with(Section::Links(vec![Link {
            href: format!("/admin/templates?workstream={}", ws.id.get()),
            text: "WhatsApp message templates".into(),
        }]))
}

async fn show(
    Admin(admin): Admin,
    path: web::Path<(u64, String)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let step = parse_step(&path.1)?;
    let ws = load(&desk, path.0).await?;
    let r = related(&desk, &ws).await?;
    let f = form(&admin.csrf, &ws, step, &r);
    Ok(step_page(&admin, &ws, step, &r, f).ok())
}

/// The change a submitted step asks for, or None with the errors recorded.
fn parse_change(
    f: &FormData,
    ws: &Workstream,
    step: SetupStep,
    r: &Related,
    errors: &mut FieldErrors,
) -> Option<SetupChange> {
    match step {
        SetupStep::Numbers => {
            let ids = rules::parse_number_ids(&f.all("numbers")).and_then(|ids| {
                let listed = ids.iter().all(|id| r.choices.iter().any(|c| c.id == *id));
                if listed {
                    Ok(ids)
                } else {
                    Err(SettingError::UnknownNumber)
                }
            });
            check(errors, "numbers", ids).map(SetupChange::Numbers)
        }
        SetupStep::Language => check(errors, "language", LanguageCode::parse(f.get("language")))
            .map(SetupChange::Language),
        SetupStep::Behaviors => parse_behaviors(f, r, errors),
        SetupStep::Features => check(
            errors,
            "attachments",
            Attachments::parse(&f.all("attachments")),
        )
        .map(SetupChange::Features),
        SetupStep::Summary => {
            if ws.numbers.is_empty() {
                errors.add("", "Choose the workstream's numbers before finishing.");
            }
            Some(SetupChange::Finish)
        }
    }
}

fn parse_behaviors(f: &FormData, r: &Related, errors: &mut FieldErrors) -> Option<SetupChange> {
    let operation_hours = if f.checked("hours_on") {
        let picked = f
            .get("hours")
            .trim()
            .parse::<u64>()
            .ok()
            .map(HoursId::new)
            .filter(|h| r.hours.iter().any(|x| x.id == *h));
        if picked.is_none() {
            errors.add("hours", HOURS_MISSING);
        }
        picked
    } else {
        None
    };
    let survey = parse_survey(f, errors);
    Some(SetupChange::Behaviors {
        operation_hours,
        survey: survey?,
    })
}

/// The survey fields; a form without the choice (from before the built-in survey) is read as
/// before: a link means an external survey.
fn parse_survey(f: &FormData, errors: &mut FieldErrors) -> Option<Option<Survey>> {
    let kind = match f.get("survey") {
        "" => Some(None),
        v => check(errors, "survey", SurveyKind::parse(v)).map(Some),
    };
    let link = f.get("survey_link");
    // The built-in survey makes its own link: whatever the field holds is not used.
    let link = if link.trim().is_empty() || kind == Some(Some(SurveyKind::BuiltIn)) {
        Some(None)
    } else {
        check(errors, "survey_link", SurveyLink::parse(link)).map(Some)
    };
    let message = check(
        errors,
        "survey_message",
        rules::parse_survey_message(f.get("survey_message")),
    );
    let question = check(
        errors,
        "survey_question",
        rules::parse_survey_question(f.get("survey_question")),
    );
    let (kind, link, message, question) = (kind?, link?, message?, question?);
    check(
        errors,
        "survey_link",
        Survey::from_parts(kind, link, message, question),
    )
}

/// Which field a store refusal belongs beside.
fn refusal_field(e: &WorkstreamRefusal) -> &'static str {
    match e {
        WorkstreamRefusal::UnknownHours => "hours",
        WorkstreamRefusal::UnknownNumber
        | WorkstreamRefusal::ChannelMismatch(_)
        | WorkstreamRefusal::NumberInUse(_) => "numbers",
        _ => "",
    }
}

async fn save(
    f: CsrfForm,
    path: web::Path<(u64, String)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let step = parse_step(&path.1)?;
    let ws = load(&desk, path.0).await?;
    let r = related(&desk, &ws).await?;
    let refuse = |errors: &FieldErrors, status| {
        let form = form(&f.user.csrf, &ws, step, &r).refill(&f.form, errors);
        step_page(&f.user, &ws, step, &r, form).respond(status)
    };
    let mut errors = FieldErrors::default();
    let change = parse_change(&f.form, &ws, step, &r, &mut errors);
    let Some(change) = change.filter(|_| errors.is_empty()) else {
        return Ok(refuse(&errors, StatusCode::UNPROCESSABLE_ENTITY));
    };
    let saved = match change {
        SetupChange::Finish => {
            desk.finish_workstream_setup(ws.id, shown_language(&ws))
                .await?
        }
        change => desk.save_workstream_setup(ws.id, change).await?,
    };
    match saved {
        Ok(saved) => Ok(redirect(&match step.next() {
            Some(next) => step_href(&saved, next),
            None => href(saved.id, "?done=setup"),
        })),
        Err(WorkstreamRefusal::Unknown) => Err(PageError::NotFound),
        Err(e) => Ok(refuse(
            &FieldErrors::one(refusal_field(&e), e.to_string()),
            StatusCode::CONFLICT,
        )),
    }
}

/// The attachment choices with the workstream's current ones checked.
fn attachment_options(a: Attachments) -> Vec<(String, String, bool)> {
    Attachments::CHOICES
        .iter()
        .map(|(v, l)| {
            let on = if *v == "customers" {
                a.customers
            } else {
                a.agents
            };
            (v.to_string(), l.to_string(), on)
        })
        .collect()
}
