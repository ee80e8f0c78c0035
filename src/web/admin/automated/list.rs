//! The automated-messages list: every trigger of a channel default or workstream in one locale
//! (what is sent, to whom, whether it is on, where the text comes from), the links between
//! scopes, the switches, another locale to show, and the WhatsApp opt-out keywords.

use super::{BASE, Scope, override_map, page, scope, source_text};
use crate::app::Desk;
use crate::domain::automated::{Audience, BUILTIN_LOCALES, Locale, Trigger};
use crate::domain::optout::{self, Keyword};
use crate::domain::user::Role;
use crate::domain::{Channel, WorkstreamId};
use crate::store::automated::AutomatedOverride;
use crate::store::records::Workstream;
use crate::web::csrf::CsrfForm;
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::{
    Cell, Field, FieldErrors, FormModel, Link, Page, PageError, Section, Table, redirect,
};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use std::collections::HashMap;

#[derive(serde::Deserialize)]
pub(super) struct ListQuery {
    channel: Option<String>,
    workstream: Option<String>,
    locale: Option<String>,
    saved: Option<String>,
    reset: Option<String>,
}
/// Links to every channel, workstream of the channel, and locale in use.
fn scope_links(
    scope: &Scope,
    workstreams: &[Workstream],
    all: &[AutomatedOverride],
) -> Vec<Section> {
    let loc = &scope.locale;
    let channels = [Channel::WhatsApp, Channel::Sms]
        .map(|c| Link {
            href: format!("{BASE}?channel={}&workstream=0&locale={loc}", c.as_str()),
            text: c.to_string(),
        })
        .to_vec();
    let ch = scope.channel.as_str();
    let mut targets = vec![Link {
        href: format!("{BASE}?channel={ch}&workstream=0&locale={loc}"),
        text: "Channel default".into(),
    }];
    targets.extend(
        workstreams
            .iter()
            .filter(|w| w.channel == scope.channel)
            .map(|w| Link {
                href: format!("{BASE}?channel={ch}&workstream={}&locale={loc}", w.id.get()),
                text: w.name.to_string(),
            }),
    );
    let mut locales: Vec<String> = BUILTIN_LOCALES.iter().map(|(l, _)| l.to_string()).collect();
    for o in all {
        if !locales.iter().any(|l| l == o.key.locale.as_str()) {
            locales.push(o.key.locale.to_string());
        }
    }
    let ws = scope.ws_id().map_or(0, WorkstreamId::get);
    let locales = locales
        .into_iter()
        .map(|l| Link {
            href: format!("{BASE}?channel={ch}&workstream={ws}&locale={l}"),
            text: l,
        })
        .collect();
    vec![
        Section::Text("Channel:".into()),
        Section::Links(channels),
        Section::Text("Applies to:".into()),
        Section::Links(targets),
        Section::Text("Language:".into()),
        Section::Links(locales),
    ]
}

/// What the table says about a trigger's audience.
fn audience_text(trigger: Trigger) -> &'static str {
    match trigger.audience() {
        Audience::Customer => "Customer",
        Audience::Agent => "Agent (a line in the thread)",
    }
}

fn trigger_table(
    scope: &Scope,
    all: &[AutomatedOverride],
    switches: &HashMap<String, bool>,
    csrf: &str,
) -> Table {
    let overrides = override_map(all);
    let rows = Trigger::ALL
        .into_iter()
        .map(|t| {
            let on = scope.is_on(t, switches);
            let switch = Cell::Post {
                action: scope.switch_path(t, !on),
                label: if on { "Turn off" } else { "Turn on" }.into(),
                csrf: csrf.to_owned(),
            };
            let r = scope.resolve(t, &overrides);
            let here = overrides.contains_key(&scope.key(t).storage_key());
            let reset = if here {
                Cell::Post {
                    action: format!("{}/reset", scope.edit_path(t)),
                    label: "Reset to default".into(),
                    csrf: csrf.to_owned(),
                }
            } else {
                Cell::Text(String::new())
            };
            let edit = Cell::Link {
                href: scope.edit_path(t),
                text: "Edit".into(),
            };
            vec![
                Cell::Text(t.label().into()),
                Cell::Text(audience_text(t).into()),
                Cell::Text(if on { "On" } else { "Off" }.into()),
                Cell::Text(r.text),
                Cell::Text(source_text(&r.source, scope)),
                edit,
                reset,
                switch,
            ]
        })
        .collect();
    Table {
        columns: ["Trigger", "For", "Sent", "Text", "From", "", "", ""]
            .map(String::from)
            .to_vec(),
        rows,
        empty: String::new(),
    }
}

fn locale_form(scope: &Scope, csrf: &str) -> FormModel {
    let ws = scope.ws_id().map_or(0, WorkstreamId::get);
    FormModel::new(format!("{BASE}/locale"), csrf, "Show")
        .field(Field::hidden("channel", scope.channel.as_str()))
        .field(Field::hidden("workstream", &ws.to_string()))
        .field(
            Field::text("locale", "Another language").help("A language code such as fr or pt-BR."),
        )
}

fn keywords_form(scope: &Scope, csrf: &str, words: &[Keyword]) -> FormModel {
    let ws = scope.ws_id().map_or(0, WorkstreamId::get);
    let list = words
        .iter()
        .map(Keyword::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    FormModel::new(format!("{BASE}/whatsapp-keywords"), csrf, "Save keywords")
        .field(Field::hidden("channel", scope.channel.as_str()))
        .field(Field::hidden("workstream", &ws.to_string()))
        .field(Field::hidden("locale", scope.locale.as_str()))
        .field(
            Field::text("keywords", "WhatsApp opt-out keywords")
                .value(&list)
                .required()
                .help(format!(
                    "A customer whose whole message is one of these words is opted out of WhatsApp. \
                     Separate them with commas; at most {}. START opts back in. On SMS, \
                     Twilio's keywords apply: {}; {} opt back in.",
                    optout::MAX_WHATSAPP_KEYWORDS,
                    optout::SMS_OPT_OUT.join(", "),
                    optout::SMS_OPT_IN.join(", ")
                )),
        )
}

/// What the list page shows besides its forms.
struct ListData<'a> {
    workstreams: &'a [Workstream],
    all: &'a [AutomatedOverride],
    switches: &'a HashMap<String, bool>,
}

async fn list_data(
    desk: &Desk,
) -> Result<
    (
        Vec<Workstream>,
        Vec<AutomatedOverride>,
        HashMap<String, bool>,
    ),
    PageError,
> {
    Ok((
        desk.store().workstreams().await?,
        desk.store().automated_overrides().await?,
        desk.store().automated_switches().await?,
    ))
}

fn list_page(
    admin: &SignedIn,
    scope: &Scope,
    data: ListData<'_>,
    locale_form: FormModel,
    keywords_form: FormModel,
) -> Page {
    let mut p = page(admin, "Automated messages");
    for s in scope_links(scope, data.workstreams, data.all) {
        p = p.with(s);
    }
    p.with(Section::Heading(format!(
        "{} · {}",
        scope.applies_to(),
        scope.locale
    )))
    .with(Section::Table(trigger_table(
        scope,
        data.all,
        data.switches,
        &admin.csrf,
    )))
    .with(Section::Form(locale_form))
    .with(Section::Heading("Opt-out keywords".into()))
    .with(Section::Form(keywords_form))
}

pub(super) async fn list(
    Admin(admin): Admin,
    q: web::Query<ListQuery>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let scope = scope(
        &desk,
        q.channel.as_deref().unwrap_or("whatsapp"),
        q.workstream.as_deref().unwrap_or("0"),
        q.locale.as_deref().unwrap_or("en"),
    )
    .await?;
    let (workstreams, all, switches) = list_data(&desk).await?;
    let words = desk.store().whatsapp_optout_keywords().await?;
    let data = ListData {
        workstreams: &workstreams,
        all: &all,
        switches: &switches,
    };
    let mut p = list_page(
        &admin,
        &scope,
        data,
        locale_form(&scope, &admin.csrf),
        keywords_form(&scope, &admin.csrf, &words),
    );
    if q.saved.is_some() {
        p.sections.insert(0, Section::Notice("Saved.".into()));
    } else if q.reset.is_some() {
        p.sections
            .insert(0, Section::Notice("Reset to default.".into()));
    }
    Ok(p.ok())
}

pub(super) async fn pick_locale(
    f: CsrfForm,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let scope = scope(&desk, f.form.get("channel"), f.form.get("workstream"), "en").await?;
    match Locale::parse(f.form.get("locale")) {
        Ok(locale) => {
            let scope = Scope { locale, ..scope };
            Ok(redirect(&format!("{BASE}?{}", scope.query())))
        }
        Err(e) => {
            let (workstreams, all, switches) = list_data(&desk).await?;
            let words = desk.store().whatsapp_optout_keywords().await?;
            let data = ListData {
                workstreams: &workstreams,
                all: &all,
                switches: &switches,
            };
            let form = locale_form(&scope, &f.user.csrf)
                .refill(&f.form, &FieldErrors::one("locale", e.to_string()));
            let keywords = keywords_form(&scope, &f.user.csrf, &words);
            Ok(list_page(&f.user, &scope, data, form, keywords)
                .respond(StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

/// Saves the WhatsApp opt-out keywords; a bad list is shown again with the reason.
pub(super) async fn save_keywords(
    f: CsrfForm,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let scope = scope(
        &desk,
        f.form.get("channel"),
        f.form.get("workstream"),
        f.form.get("locale"),
    )
    .await?;
    match optout::parse_list(f.form.get("keywords")) {
        Ok(words) => {
            desk.set_whatsapp_optout_keywords(words).await?;
            Ok(redirect(&format!("{BASE}?{}&saved=1", scope.query())))
        }
        Err(e) => {
            let (workstreams, all, switches) = list_data(&desk).await?;
            let data = ListData {
                workstreams: &workstreams,
                all: &all,
                switches: &switches,
            };
            let keywords = keywords_form(&scope, &f.user.csrf, &[])
                .refill(&f.form, &FieldErrors::one("keywords", e.to_string()));
            Ok(list_page(
                &f.user,
                &scope,
                data,
                locale_form(&scope, &f.user.csrf),
                keywords,
            )
            .respond(StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

/// The locale a switch was pressed in (absent from older pages: the default view).
#[derive(serde::Deserialize)]
pub(super) struct SwitchQuery {
    locale: Option<String>,
}

/// Turns a trigger on or off for a channel default or one workstream, and goes back to the
/// page in the locale it was pressed in.
pub(super) async fn switch(
    f: CsrfForm,
    path: web::Path<(String, String, String, String)>,
    q: web::Query<SwitchQuery>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let (trigger, channel, ws, to) = path.into_inner();
    let trigger = Trigger::parse(&trigger).ok_or(PageError::NotFound)?;
    let on = match to.as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(PageError::NotFound),
    };
    let locale = q.locale.as_deref().unwrap_or("en");
    let scope = scope(&desk, &channel, &ws, locale).await?;
    desk.set_automated_switch(scope.switch_key(trigger), on)
        .await?
        .map_err(|_| PageError::NotFound)?;
    Ok(redirect(&format!("{BASE}?{}&saved=1", scope.query())))
}
