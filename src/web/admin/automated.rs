//! `/admin/automated-messages`: the text of each automated message per channel and locale, as a
//! channel default or for one workstream. Shows what would be sent, to whom, whether it is on and
//! where it comes from; saving stores an override, "reset to default" removes it (see
//! `domain::automated::resolve`), "turn on/off" switches the trigger there. Also the keywords that
//! opt a WhatsApp customer out.

use crate::app::Desk;
use crate::domain::automated::{
    Audience, AutomatedText, BUILTIN_LOCALES, Locale, OverrideKey, Resolved, Source, SwitchKey,
    Trigger, WorkstreamScope, is_on, resolve,
};
use crate::domain::optout::{self, Keyword};
use crate::domain::user::Role;
use crate::domain::{Channel, WorkstreamId};
use crate::store::automated::{AutomatedOverride, default_locale};
use crate::store::records::Workstream;
use crate::web::csrf::CsrfForm;
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::{
    Cell, Field, FieldErrors, FieldKind, FormModel, InfoRow, Link, Nav, Page, PageError, Section,
    Table, redirect,
};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use std::collections::HashMap;

const BASE: &str = "/admin/automated-messages";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/automated-messages", web::get().to(list))
        .route("/automated-messages/locale", web::post().to(pick_locale))
        .route(
            "/automated-messages/whatsapp-keywords",
            web::post().to(save_keywords),
        )
        .route(
            "/automated-messages/switch/{trigger}/{channel}/{workstream}/{on}",
            web::post().to(switch),
        )
        .route(
            "/automated-messages/{trigger}/{channel}/{workstream}/{locale}",
            web::get().to(edit),
        )
        .route(
            "/automated-messages/{trigger}/{channel}/{workstream}/{locale}",
            web::post().to(save),
        )
        .route(
            "/automated-messages/{trigger}/{channel}/{workstream}/{locale}/reset",
            web::post().to(reset),
        );
}

fn page(admin: &SignedIn, title: &str) -> Page {
    Page::new(title, Some(Nav::for_user(admin, "automated")))
}

/// Which texts a page shows: a channel, its default or one workstream, and a locale.
struct Scope {
    channel: Channel,
    workstream: Option<Workstream>,
    locale: Locale,
}

impl Scope {
    fn ws_id(&self) -> Option<WorkstreamId> {
        self.workstream.as_ref().map(|w| w.id)
    }

    fn key(&self, trigger: Trigger) -> OverrideKey {
        OverrideKey {
            trigger,
            channel: self.channel,
            workstream: self.ws_id(),
            locale: self.locale.clone(),
        }
    }

    fn switch_key(&self, trigger: Trigger) -> SwitchKey {
        SwitchKey {
            trigger,
            channel: self.channel,
            workstream: self.ws_id(),
        }
    }

    /// Whether `trigger` is on here, given every stored switch.
    fn is_on(&self, trigger: Trigger, switches: &HashMap<String, bool>) -> bool {
        is_on(trigger, self.channel, self.ws_id(), |k| {
            switches.get(&k.storage_key()).copied()
        })
    }

    /// The switch's action; it carries the locale shown, so the page comes back in it.
    fn switch_path(&self, trigger: Trigger, on: bool) -> String {
        let ws = self.ws_id().map_or(0, WorkstreamId::get);
        let to = if on { "on" } else { "off" };
        format!(
            "{BASE}/switch/{}/{}/{ws}/{to}?locale={}",
            trigger.key(),
            self.channel.as_str(),
            self.locale
        )
    }

    fn applies_to(&self) -> String {
        match &self.workstream {
            Some(w) => format!("Workstream {}", w.name),
            None => format!("{} channel default", self.channel),
        }
    }

    fn query(&self) -> String {
        let ws = self.ws_id().map_or(0, WorkstreamId::get);
        format!(
            "channel={}&workstream={ws}&locale={}",
            self.channel.as_str(),
            self.locale
        )
    }

    fn edit_path(&self, trigger: Trigger) -> String {
        let ws = self.ws_id().map_or(0, WorkstreamId::get);
        format!(
            "{BASE}/{}/{}/{ws}/{}",
            trigger.key(),
            self.channel.as_str(),
            self.locale
        )
    }

    /// What would be sent for `trigger` to a customer writing in this locale.
    fn resolve(&self, trigger: Trigger, overrides: &HashMap<String, String>) -> Resolved {
        let default_locale = self.workstream.as_ref().and_then(default_locale);
        let ws = self.workstream.as_ref().map(|w| WorkstreamScope {
            id: w.id,
            default_locale: default_locale.as_ref(),
        });
        resolve(trigger, self.channel, ws, &self.locale, |k| {
            overrides.get(&k.storage_key()).cloned()
        })
    }
}

/// Builds a scope from URL parts; anything unknown (or a workstream of another channel) is 404.
async fn scope(
    desk: &Desk,
    channel: &str,
    workstream: &str,
    locale: &str,
) -> Result<Scope, PageError> {
    let channel = Channel::parse(channel).map_err(|_| PageError::NotFound)?;
    let locale = Locale::parse(locale).map_err(|_| PageError::NotFound)?;
    let id: u64 = workstream.parse().map_err(|_| PageError::NotFound)?;
    let workstream = match id {
        0 => None,
        id => {
            let all = desk.store().workstreams().await?;
            let ws = all
                .into_iter()
                .find(|w| w.id.get() == id && w.channel == channel);
            Some(ws.ok_or(PageError::NotFound)?)
        }
    };
    Ok(Scope {
        channel,
        workstream,
        locale,
    })
}

fn source_text(source: &Source, scope: &Scope) -> String {
    match source {
        Source::BuiltIn(l) => format!("Built-in ({l})"),
        Source::Override(k) if k.workstream.is_some() => format!("This workstream ({})", k.locale),
        Source::Override(k) if scope.workstream.is_some() => {
            format!("Channel default ({})", k.locale)
        }
        Source::Override(k) => format!("Set here ({})", k.locale),
    }
}

#[derive(serde::Deserialize)]
struct ListQuery {
    channel: Option<String>,
    workstream: Option<String>,
    locale: Option<String>,
    saved: Option<String>,
    reset: Option<String>,
}

fn override_map(all: &[AutomatedOverride]) -> HashMap<String, String> {
    all.iter()
        .map(|o| (o.key.storage_key(), o.text.as_str().to_owned()))
        .collect()
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

async fn list(
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

async fn pick_locale(f: CsrfForm, desk: web::Data<Desk>) -> Result<HttpResponse, PageError> {
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
async fn save_keywords(f: CsrfForm, desk: web::Data<Desk>) -> Result<HttpResponse, PageError> {
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
struct SwitchQuery {
    locale: Option<String>,
}

/// Turns a trigger on or off for a channel default or one workstream, and goes back to the
/// page in the locale it was pressed in.
async fn switch(
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

type EditPath = web::Path<(String, String, String, String)>;

/// The trigger and scope a path names.
async fn target(desk: &Desk, path: &EditPath) -> Result<(Trigger, Scope), PageError> {
    let (trigger, channel, ws, locale) = path.as_ref();
    let trigger = Trigger::parse(trigger).ok_or(PageError::NotFound)?;
    Ok((trigger, scope(desk, channel, ws, locale).await?))
}

fn text_form(trigger: Trigger, scope: &Scope, csrf: &str, text: &str) -> FormModel {
    FormModel::new(scope.edit_path(trigger), csrf, "Save")
        .field(
            Field::new("text", "Text", FieldKind::TextArea { rows: 6 })
                .value(text)
                .required()
                .help(trigger.placeholder_help()),
        )
        .cancel(&format!("{BASE}?{}", scope.query()))
}

fn edit_page(
    admin: &SignedIn,
    trigger: Trigger,
    scope: &Scope,
    current: &Resolved,
    form: FormModel,
    has_override: bool,
) -> Page {
    let info = |label: &str, value: String| InfoRow {
        label: label.into(),
        value,
        copy: false,
    };
    let mut p = page(admin, &format!("Automated message: {}", trigger.label()))
        .with(Section::Info(vec![
            info("Channel", scope.channel.to_string()),
            info("Applies to", scope.applies_to()),
            info("Locale", scope.locale.to_string()),
            info("Now sent", current.text.clone()),
            info("From", source_text(&current.source, scope)),
        ]))
        .with(Section::Form(form));
    if has_override {
        let reset = FormModel::new(
            format!("{}/reset", scope.edit_path(trigger)),
            &admin.csrf,
            "Reset to default",
        )
        .danger();
        p = p
            .with(Section::Heading("Reset".into()))
            .with(Section::Text(
                "Removes this text; the next fallback applies again.".into(),
            ))
            .with(Section::Form(reset));
    }
    p
}

/// The text now resolved for the path and whether an override sits exactly there.
async fn current(
    desk: &Desk,
    trigger: Trigger,
    scope: &Scope,
) -> Result<(Resolved, bool), PageError> {
    let all = desk.store().automated_overrides().await?;
    let overrides = override_map(&all);
    let here = overrides.contains_key(&scope.key(trigger).storage_key());
    Ok((scope.resolve(trigger, &overrides), here))
}

async fn edit(
    Admin(admin): Admin,
    path: EditPath,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let (trigger, scope) = target(&desk, &path).await?;
    let (resolved, here) = current(&desk, trigger, &scope).await?;
    let form = text_form(trigger, &scope, &admin.csrf, &resolved.text);
    Ok(edit_page(&admin, trigger, &scope, &resolved, form, here).ok())
}

async fn save(
    f: CsrfForm,
    path: EditPath,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let (trigger, scope) = target(&desk, &path).await?;
    let text = match AutomatedText::parse(trigger, f.form.get("text")) {
        Ok(text) => text,
        Err(e) => {
            let (resolved, here) = current(&desk, trigger, &scope).await?;
            let form = text_form(trigger, &scope, &f.user.csrf, "")
                .refill(&f.form, &FieldErrors::one("text", e.to_string()));
            return Ok(edit_page(&f.user, trigger, &scope, &resolved, form, here)
                .respond(StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    desk.set_automated_override(scope.key(trigger), text, desk.now())
        .await?
        .map_err(|_| PageError::NotFound)?;
    Ok(redirect(&format!("{BASE}?{}&saved=1", scope.query())))
}

async fn reset(
    f: CsrfForm,
    path: EditPath,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let (trigger, scope) = target(&desk, &path).await?;
    desk.reset_automated_override(scope.key(trigger)).await?;
    Ok(redirect(&format!("{BASE}?{}&reset=1", scope.query())))
}
