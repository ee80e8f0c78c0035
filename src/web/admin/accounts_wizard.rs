//! The "New account" wizard, without JavaScript: channel details → provider → account details
//! (the account is created here) → numbers → callback information → done. The first steps carry
//! earlier answers in hidden fields and re-check them at every step; the auth token is never put
//! back into a page.

use super::accounts::{self, account_sid, auth_token, load_account};
use super::acs_account;
use super::numbers::{self, Refused};
use crate::app::Desk;
use crate::domain::Channel;
use crate::domain::account::AccountName;
use crate::domain::user::Role;
use crate::providers::Credentials;
use crate::store::records::{Account, ProviderKind};
use crate::store::setup::NewAccount;
use crate::web::csrf::{CsrfForm, FormData};
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::validate;
use crate::web::ui::{
    Field, FieldErrors, FieldKind, FormModel, Link, Page, PageError, Section, redirect,
};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

const STEPS: [&str; 6] = [
    "Channel details",
    "Provider",
    "Account details",
    "Numbers",
    "Callback information",
    "Done",
];
const CHANNELS: [(&str, &str); 2] = [("whatsapp", "WhatsApp"), ("sms", "SMS")];
const PROVIDERS: [(&str, &str); 3] = [
    ("twilio", "Twilio"),
    ("acs", "Azure Communication Services"),
    ("simulator", "Simulator"),
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/accounts/new", web::get().to(start))
        .route("/accounts/new/provider", web::post().to(choose_provider))
        .route("/accounts/new/details", web::post().to(enter_details))
        .route("/accounts", web::post().to(create))
        .route("/accounts/{id}/setup/numbers", web::get().to(numbers_step))
        .route("/accounts/{id}/setup/numbers", web::post().to(add_number))
        .route(
            "/accounts/{id}/setup/callback",
            web::get().to(callback_step),
        )
        .route("/accounts/{id}/setup/done", web::get().to(done));
}

fn step(admin: &SignedIn, title: &str, current: usize) -> Page {
    accounts::page(admin, title).with(Section::Steps(STEPS.map(String::from).to_vec(), current))
}

/// What the first step asks.
struct ChannelDetails {
    name: AccountName,
    channel: Channel,
}

fn channel_details(f: &FormData, errors: &mut FieldErrors) -> Option<ChannelDetails> {
    let name = validate::account_name(f, errors);
    let channel = match validate::choice(f, "channel", "Channel", &["whatsapp", "sms"], errors) {
        "sms" => Channel::Sms,
        _ => Channel::WhatsApp,
    };
    name.map(|name| ChannelDetails { name, channel })
}

fn provider(f: &FormData, channel: Channel, errors: &mut FieldErrors) -> ProviderKind {
    let choices = ["twilio", "acs", "simulator"];
    match validate::choice(f, "provider", "Provider", &choices, errors) {
        "simulator" => ProviderKind::Simulator,
        "acs" if channel != Channel::WhatsApp => {
            errors.add(
                "provider",
                "Azure Communication Services serves WhatsApp here: choose Twilio for SMS.",
            );
            ProviderKind::Acs
        }
        "acs" => ProviderKind::Acs,
        _ => ProviderKind::Twilio,
    }
}

fn provider_value(p: ProviderKind) -> &'static str {
    match p {
        ProviderKind::Twilio => "twilio",
        ProviderKind::Simulator => "simulator",
        ProviderKind::Acs => "acs",
    }
}

fn channel_form(csrf: &str) -> FormModel {
    FormModel::new("/admin/accounts/new/provider", csrf, "Next")
        .field(Field::text("name", "Name").required())
        .field(Field::select("channel", "Channel", &CHANNELS).value("whatsapp"))
        .cancel("/admin/accounts")
}

fn provider_form(csrf: &str, d: &ChannelDetails) -> FormModel {
    FormModel::new("/admin/accounts/new/details", csrf, "Next")
        .field(Field::hidden("name", d.name.as_str()))
        .field(Field::hidden("channel", d.channel.as_str()))
        .field(Field::select("provider", "Provider", &PROVIDERS).value("twilio"))
        .cancel("/admin/accounts")
}

fn details_form(csrf: &str, d: &ChannelDetails, p: ProviderKind) -> FormModel {
    let form = FormModel::new("/admin/accounts", csrf, "Create account")
        .field(Field::hidden("name", d.name.as_str()))
        .field(Field::hidden("channel", d.channel.as_str()))
        .field(Field::hidden("provider", provider_value(p)));
    let form = match p {
        ProviderKind::Twilio => form
            .field(
                Field::text("account_sid", "Account SID")
                    .required()
                    .help("From the Twilio console: AC followed by 32 hexadecimal digits."),
            )
            .field(
                Field::new("auth_token", "Auth token", FieldKind::Password)
                    .required()
                    .help("Stored encrypted; never shown again."),
            ),
        ProviderKind::Acs => acs_account::details_fields(form),
        ProviderKind::Simulator => form,
    };
    form.cancel("/admin/accounts")
}

fn channel_step(admin: &SignedIn, form: FormModel) -> Page {
    step(admin, "New account", 0).with(Section::Form(form))
}

fn provider_step(admin: &SignedIn, form: FormModel) -> Page {
    step(admin, "New account", 1).with(Section::Form(form))
}

fn details_step(admin: &SignedIn, p: ProviderKind, form: FormModel) -> Page {
    let page = step(admin, "New account", 2);
    let page = match p {
        ProviderKind::Simulator => page.with(Section::Text(
            "The Simulator needs no credentials: it answers inside omnidesk.".into(),
        )),
        ProviderKind::Acs => page.with(Section::Text(
            "omnidesk sends through the resource's Advanced Messaging API with its connection \
             string, and takes the resource's events from Event Grid, which proves itself with \
             a Microsoft Entra token issued by the tenant below for the application below."
                .into(),
        )),
        ProviderKind::Twilio => page,
    };
    page.with(Section::Form(form))
}

async fn start(Admin(admin): Admin) -> HttpResponse {
    channel_step(&admin, channel_form(&admin.csrf)).ok()
}

/// The earlier steps' answers, or the page of the first step that needs correcting.
fn earlier_steps(
    f: &CsrfForm,
    need_provider: bool,
) -> Result<(ChannelDetails, ProviderKind), Box<HttpResponse>> {
    let csrf = &f.user.csrf;
    let mut errors = FieldErrors::default();
    let d = channel_details(&f.form, &mut errors);
    let Some(d) = d.filter(|_| errors.is_empty()) else {
        let form = channel_form(csrf).refill(&f.form, &errors);
        return Err(Box::new(
            channel_step(&f.user, form).respond(StatusCode::UNPROCESSABLE_ENTITY),
        ));
    };
    if !need_provider {
        return Ok((d, ProviderKind::Twilio));
    }
    let p = provider(&f.form, d.channel, &mut errors);
    if !errors.is_empty() {
        let form = provider_form(csrf, &d).refill(&f.form, &errors);
        return Err(Box::new(
            provider_step(&f.user, form).respond(StatusCode::UNPROCESSABLE_ENTITY),
        ));
    }
    Ok((d, p))
}

async fn choose_provider(f: CsrfForm) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    Ok(match earlier_steps(&f, false) {
        Ok((d, _)) => provider_step(&f.user, provider_form(&f.user.csrf, &d)).ok(),
        Err(page) => *page,
    })
}

async fn enter_details(f: CsrfForm) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    Ok(match earlier_steps(&f, true) {
        Ok((d, p)) => details_step(&f.user, p, details_form(&f.user.csrf, &d, p)).ok(),
        Err(page) => *page,
    })
}

async fn create(f: CsrfForm, desk: web::Data<Desk>) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let (d, p) = match earlier_steps(&f, true) {
        Ok(answers) => answers,
        Err(page) => return Ok(*page),
    };
    let mut errors = FieldErrors::default();
    if p == ProviderKind::Acs {
        return create_acs(&f, &desk, &d).await;
    }
    let (sid, token) = match p {
        ProviderKind::Twilio => {
            let sid = account_sid(&f.form, &mut errors);
            let token = auth_token(&f.form, "auth_token", &mut errors);
            if token.is_none() && errors.get("auth_token").is_none() {
                errors.add("auth_token", "Enter the auth token.");
            }
            (sid, token)
        }
        ProviderKind::Simulator | ProviderKind::Acs => (None, None),
    };
    let refuse = |errors: &FieldErrors| {
        let form = details_form(&f.user.csrf, &d, p).refill(&f.form, errors);
        details_step(&f.user, p, form).respond(StatusCode::UNPROCESSABLE_ENTITY)
    };
    if !errors.is_empty() {
        return Ok(refuse(&errors));
    }
    if let (Some(sid), Some(token)) = (&sid, &token) {
        let creds = Credentials {
            account_sid: sid.to_string(),
            auth_token: token.clone(),
        };
        // Nothing is stored until Twilio accepts the credentials.
        if let Err(e) = desk.verify_twilio_credentials(&creds).await {
            return Ok(refuse(&FieldErrors::one("", e.to_string())));
        }
    }
    let new = NewAccount {
        name: d.name.clone(),
        channel: d.channel,
        provider: p,
        sid,
        auth_token: token,
    };
    match desk.create_account(new, desk.now()).await? {
        Ok(a) => {
            desk.forget_cached_accounts();
            Ok(redirect(&format!(
                "/admin/accounts/{}/setup/numbers",
                a.id.get()
            )))
        }
        Err(e) => Ok(refuse(&FieldErrors::one("", e.to_string()))),
    }
}

/// Creates an ACS account from the details step; any field in error leaves nothing stored.
async fn create_acs(
    f: &CsrfForm,
    desk: &Desk,
    d: &ChannelDetails,
) -> Result<HttpResponse, PageError> {
    let p = ProviderKind::Acs;
    let refuse = |errors: &FieldErrors| {
        let form = details_form(&f.user.csrf, d, p).refill(&f.form, errors);
        details_step(&f.user, p, form).respond(StatusCode::UNPROCESSABLE_ENTITY)
    };
    let mut errors = FieldErrors::default();
    let Some((settings, secret)) = acs_account::parse_details(&f.form, &mut errors) else {
        return Ok(refuse(&errors));
    };
    match desk
        .create_acs_account(d.name.clone(), settings, secret)
        .await?
    {
        Ok(a) => Ok(redirect(&format!(
            "/admin/accounts/{}/setup/numbers",
            a.id.get()
        ))),
        Err(e) => Ok(refuse(&FieldErrors::one("", e.to_string()))),
    }
}

fn setup_title(a: &Account) -> String {
    format!("New account: {}", a.name)
}

fn next(href: String, text: &str) -> Section {
    Section::Links(vec![Link {
        href,
        text: text.into(),
    }])
}

fn number_form(admin: &SignedIn, a: &Account) -> FormModel {
    let id = a.id.get();
    let action = format!("/admin/accounts/{id}/setup/numbers");
    numbers::number_form(&action, &admin.csrf, a, &format!("/admin/accounts/{id}"))
}

async fn numbers_page(
    desk: &Desk,
    admin: &SignedIn,
    a: &Account,
    form: FormModel,
    notice: Option<&str>,
    warning: Option<Section>,
) -> Result<Page, PageError> {
    let list = desk.store().numbers_of(a.id).await?;
    let mut page = step(admin, &setup_title(a), 3);
    if let Some(n) = notice {
        page = page.with(Section::Notice(n.into()));
    }
    if let Some(w) = warning {
        page = page.with(w);
    }
    Ok(page
        .with(numbers::table(a, &list, false))
        .with(Section::Heading("Add a number".into()))
        .with(Section::Form(form))
        .with(next(
            format!("/admin/accounts/{}/setup/callback", a.id.get()),
            "Next: callback information",
        )))
}

#[derive(serde::Deserialize)]
struct Added {
    added: Option<String>,
    /// A number just added that Twilio does not list (a WhatsApp sender from elsewhere).
    unlisted: Option<u64>,
}

async fn numbers_step(
    Admin(admin): Admin,
    id: web::Path<u64>,
    q: web::Query<Added>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let a = load_account(&desk, *id).await?;
    let notice = match q.added {
        Some(_) => "Number added. Add another, or go on to the callback information.",
        None => "Account created. Add its numbers.",
    };
    let form = number_form(&admin, &a);
    let warning = numbers::warning(&desk, &a, q.unlisted).await?;
    Ok(numbers_page(&desk, &admin, &a, form, Some(notice), warning)
        .await?
        .ok())
}

async fn add_number(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let a = load_account(&desk, *id).await?;
    match numbers::add(&desk, &a, &f.form).await? {
        Ok((n, verdict)) => Ok(redirect(&format!(
            "/admin/accounts/{}/setup/numbers?added=1{}",
            a.id.get(),
            numbers::warning_query(&n, &verdict)
        ))),
        Err(Refused(errors, status)) => {
            let form = number_form(&f.user, &a).refill(&f.form, &errors);
            Ok(numbers_page(&desk, &f.user, &a, form, None, None)
                .await?
                .respond(status))
        }
    }
}

async fn callback_step(
    Admin(admin): Admin,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let a = load_account(&desk, *id).await?;
    let mut page = step(&admin, &setup_title(&a), 4);
    for s in accounts::callback_sections(&desk, &a) {
        page = page.with(s);
    }
    Ok(page
        .with(next(
            format!("/admin/accounts/{}/setup/done", a.id.get()),
            "Next: done",
        ))
        .ok())
}

async fn done(
    Admin(admin): Admin,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let a = load_account(&desk, *id).await?;
    let check = desk.check_account(a.id).await?.ok_or(PageError::NotFound)?;
    let count = check.numbers.len();
    let mut page = step(&admin, &setup_title(&a), 5);
    // "Ready" only once Twilio has accepted the credentials and listed every number.
    let (senders, sender) = match a.provider {
        ProviderKind::Acs => ("channel ID(s)", "channel ID"),
        _ => ("number(s)", "number"),
    };
    page = if check.is_ready() && count > 0 {
        page.with(Section::Notice(format!(
            "{} is ready with {count} {senders}.",
            a.name
        )))
    } else if check.is_ready() {
        page.with(Section::Problem(format!(
            "{} has no {sender} yet: add one before customers can write to it.",
            a.name
        )))
    } else {
        page.with(Section::Problem(format!(
            "{} is not ready yet: fix what is listed below, then open this step again.",
            a.name
        )))
    };
    for s in accounts::check_sections(&check) {
        page = page.with(s);
    }
    let id = a.id.get();
    Ok(page
        .with(Section::Links(vec![
            Link {
                href: format!("/admin/accounts/{id}/setup/numbers"),
                text: "Back to the numbers".into(),
            },
            Link {
                href: format!("/admin/accounts/{id}"),
                text: "Open the account".into(),
            },
            Link {
                href: "/admin/accounts".into(),
                text: "All accounts".into(),
            },
        ]))
        .ok())
}
