//! `/admin/accounts`: the messaging accounts. List them, edit one (name, Account SID, replace the
//! auth token, which is never shown again), validate its credentials with Twilio, show its
//! callback URLs and delete it after a confirmation. The new-account wizard is in
//! `accounts_wizard`, numbers in `numbers`.

use super::{account_token, accounts_wizard, acs_account, numbers};
use crate::app::Desk;
use crate::app::onboarding::{AccountCheck, CredentialsCheck, SenderVerdict};
use crate::domain::public_url::Reach;
use crate::domain::user::Role;
use crate::domain::{AccountId, AccountSid};
use crate::secrets::SecretString;
use crate::store::records::{Account, ProviderKind, SenderNumber};
use crate::store::setup::{AccountUpdate, OpenOn};
use crate::web::csrf::{CsrfForm, FormData};
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::validate;
use crate::web::ui::{
    Cell, Field, FieldErrors, FieldKind, FormModel, InfoRow, Link, Nav, Page, PageError, Section,
    Table, redirect,
};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

/// Longest auth token accepted (Twilio's are 32 characters).
const MAX_TOKEN_CHARS: usize = 128;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // The wizard's fixed paths (`/accounts/new`) go before `/accounts/{id}`.
    accounts_wizard::routes(cfg);
    numbers::routes(cfg);
    cfg.route("/accounts", web::get().to(list))
        .route("/accounts/{id}", web::get().to(show))
        .route("/accounts/{id}", web::post().to(update))
        .route(
            "/accounts/{id}/validate",
            web::post().to(validate_credentials),
        )
        .route("/accounts/{id}/callback", web::get().to(callback))
        .route("/accounts/{id}/delete", web::get().to(confirm_delete))
        .route("/accounts/{id}/delete", web::post().to(delete));
}

pub fn page(admin: &SignedIn, title: &str) -> Page {
    Page::new(title, Some(Nav::for_user(admin, "accounts")))
}

pub async fn load_account(desk: &Desk, id: u64) -> Result<Account, PageError> {
    desk.store()
        .account(AccountId::new(id))
        .await?
        .ok_or(PageError::NotFound)
}

pub fn provider_label(p: ProviderKind) -> &'static str {
    match p {
        ProviderKind::Twilio => "Twilio",
        ProviderKind::Simulator => "Simulator",
        ProviderKind::Acs => "Azure Communication Services",
    }
}

/// What a delete confirmation says about the open conversations it leaves behind.
pub fn open_text(open: u64, what: &str) -> String {
    if open == 1 {
        format!("1 open conversation uses this {what}; the conversation stays readable.")
    } else {
        format!("{open} open conversations use this {what}; their conversations stay readable.")
    }
}

/// An auth token as typed: required when creating, optional when replacing.
pub fn auth_token(f: &FormData, name: &str, errors: &mut FieldErrors) -> Option<SecretString> {
    let v = f.get(name);
    if v.is_empty() {
        return None;
    }
    if v.chars().count() > MAX_TOKEN_CHARS || v.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        errors.add(
            name,
            format!("The auth token is at most {MAX_TOKEN_CHARS} characters, without spaces."),
        );
        return None;
    }
    Some(SecretString::new(v.to_owned()))
}

/// The Account SID field, parsed.
pub fn account_sid(f: &FormData, errors: &mut FieldErrors) -> Option<AccountSid> {
    if f.get("account_sid").trim().is_empty() {
        errors.add(
            "account_sid",
            "Enter the Account SID (AC followed by 32 hexadecimal digits).",
        );
        return None;
    }
    AccountSid::parse(f.get("account_sid"))
        .map_err(|e| errors.add("account_sid", format!("{e}.")))
        .ok()
}

/// An account's callback information: where the provider calls omnidesk, and how to set it.
pub fn callback_sections(desk: &Desk, account: &Account) -> Vec<Section> {
    match account.provider {
        ProviderKind::Acs => {
            let mut out = vec![acs_account::callback_rows(desk, account)];
            out.extend(acs_account::callback_help(desk));
            out
        }
        ProviderKind::Twilio | ProviderKind::Simulator => {
            let mut out = callback_help(desk);
            out.push(callback_rows(desk, account));
            out
        }
    }
}

/// The inbound and status-callback URLs of an account, with copy buttons.
pub fn callback_rows(desk: &Desk, account: &Account) -> Section {
    let inbound = format!(
        "{}/webhooks/twilio/{}",
        desk.settings().public_url(),
        account.webhook_key.as_str()
    );
    Section::Info(vec![
        InfoRow {
            label: "Inbound URL (\"A message comes in\")".into(),
            value: inbound.clone(),
            copy: true,
        },
        InfoRow {
            label: "Status callback URL".into(),
            value: format!("{inbound}/status"),
            copy: true,
        },
    ])
}

/// How to paste the callback URLs into Twilio, and whether Twilio can reach them at all.
pub fn callback_help(desk: &Desk) -> Vec<Section> {
    let url = desk.settings().public_url();
    let how = Section::Text(
        "In the Twilio console, paste the inbound URL into \"A message comes in\" (HTTP POST) \
         for each number of this account, or into the webhook URL of each WhatsApp sender. The \
         status callback URL needs no setting: omnidesk sends it to Twilio with every message, \
         so it is shown only for reference."
            .into(),
    );
    let set = "Start omnidesk with --public-url set to the address Twilio should call (or set \
               OMNIDESK_PUBLIC_URL), e.g. --public-url https://desk.example.com, and forward \
               that address to omnidesk's listen address (a reverse proxy or a tunnel).";
    let https = "Twilio does call plain http:// URLs, but https is recommended: messages and \
                 their signatures then travel encrypted.";
    let reach = match Reach::of(&url) {
        Reach::Internet { https: true } => None,
        Reach::Internet { https: false } => Some(Section::Warning(format!(
            "The public URL {url} is plain http. {https}"
        ))),
        Reach::Loopback => Some(Section::Problem(format!(
            "Twilio cannot reach these URLs: the public URL {url} is a loopback address, which \
             only this machine can open. {set} {https}"
        ))),
        Reach::Private => Some(Section::Problem(format!(
            "Twilio cannot reach these URLs: the public URL {url} is a private network address, \
             which the internet cannot open. {set} {https}"
        ))),
        Reach::Invalid => Some(Section::Problem(format!(
            "The public URL {url} is not an http(s) address Twilio can call. {set}"
        ))),
    };
    reach.into_iter().chain([how]).collect()
}

async fn list(
    Admin(admin): Admin,
    q: web::Query<Notice>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let accounts = desk.store().accounts().await?;
    let numbers = desk.store().numbers().await?;
    let rows = accounts
        .iter()
        .map(|a| {
            let count = numbers.iter().filter(|n| n.account_id == a.id).count();
            vec![
                Cell::Link {
                    href: format!("/admin/accounts/{}", a.id.get()),
                    text: a.name.to_string(),
                },
                Cell::Text(a.channel.to_string()),
                Cell::Text(provider_label(a.provider).into()),
                Cell::Text(count.to_string()),
            ]
        })
        .collect();
    let mut p = page(&admin, "Accounts");
    if let Outcome::Notice(n) = q.text() {
        p = p.with(Section::Notice(n));
    }
    for s in account_token::list_problems(&accounts) {
        p = p.with(s);
    }
    Ok(p.with(Section::Links(vec![Link {
        href: "/admin/accounts/new".into(),
        text: "New account".into(),
    }]))
    .with(Section::Table(Table {
        columns: ["Name", "Channel", "Provider", "Numbers"]
            .map(String::from)
            .to_vec(),
        rows,
        empty: "No accounts yet.".into(),
    }))
    .ok())
}

fn edit_form(csrf: &str, a: &Account) -> FormModel {
    let mut form = FormModel::new(format!("/admin/accounts/{}", a.id.get()), csrf, "Save").field(
        Field::text("name", "Name")
            .value(a.name.to_string())
            .required(),
    );
    if a.provider == ProviderKind::Twilio {
        let sid = a.sid.as_ref().map(ToString::to_string).unwrap_or_default();
        form = form
            .field(
                Field::text("account_sid", "Account SID")
                    .value(sid)
                    .required(),
            )
            .field(
                Field::new("auth_token", "Replace auth token", FieldKind::Password)
                    .help("Leave empty to keep the stored auth token."),
            );
    }
    if a.provider == ProviderKind::Acs && a.auth_token.is_some() {
        form = form.field(acs_account::replace_field());
    }
    form.cancel("/admin/accounts")
}

/// What the account page shows above its form: a notice, if any.
enum Outcome {
    None,
    Notice(String),
}

fn account_page(
    admin: &SignedIn,
    a: &Account,
    numbers: &[SenderNumber],
    form: FormModel,
    outcome: Outcome,
) -> Page {
    let id = a.id.get();
    let mut p = page(admin, &format!("Account: {}", a.name));
    match outcome {
        Outcome::None => {}
        Outcome::Notice(n) => p = p.with(Section::Notice(n)),
    }
    let token = match (a.provider, &a.auth_token) {
        (ProviderKind::Simulator, _) => "Not needed (Simulator)",
        (_, Some(_)) => "•••• stored",
        (_, None) => "Not stored",
    };
    let secret = match a.provider {
        ProviderKind::Acs => "ACS connection string",
        _ => "Auth token",
    };
    p = p.with(Section::Info(vec![
        info("Channel", a.channel.to_string()),
        info("Provider", provider_label(a.provider).into()),
        info(secret, token.into()),
    ]));
    for s in account_token::sections(a, &admin.csrf) {
        p = p.with(s);
    }
    p = p.with(Section::Form(form));
    let validates = match a.provider {
        ProviderKind::Twilio => Some("Checks the stored Account SID and auth token with Twilio."),
        ProviderKind::Acs => Some(
            "Checks the stored connection string with Azure Communication Services: lists the \
             templates of each WhatsApp channel ID.",
        ),
        ProviderKind::Simulator => None,
    };
    if let Some(what) = validates {
        p = p
            .with(Section::Heading("Validate".into()))
            .with(Section::Text(what.into()))
            .with(Section::Form(FormModel::new(
                format!("/admin/accounts/{id}/validate"),
                &admin.csrf,
                "Validate",
            )));
    }
    p.with(Section::Heading("Numbers".into()))
        .with(numbers::table(a, numbers, true))
        .with(Section::Links(vec![
            link(format!("/admin/accounts/{id}/numbers/new"), "Add number"),
            link(
                format!("/admin/accounts/{id}/callback"),
                "Callback information",
            ),
        ]))
        .with(Section::Heading("Delete".into()))
        .with(Section::Links(vec![link(
            format!("/admin/accounts/{id}/delete"),
            "Delete account",
        )]))
}

fn info(label: &str, value: String) -> InfoRow {
    InfoRow {
        label: label.into(),
        value,
        copy: false,
    }
}

fn link(href: String, text: &str) -> Link {
    Link {
        href,
        text: text.into(),
    }
}

#[derive(serde::Deserialize)]
struct Notice {
    created: Option<String>,
    saved: Option<String>,
    added: Option<String>,
    number_deleted: Option<String>,
    deleted: Option<String>,
    /// A number just added that Twilio does not list (a WhatsApp sender from elsewhere).
    unlisted: Option<u64>,
}

impl Notice {
    fn text(&self) -> Outcome {
        let text = if self.created.is_some() {
            "Account created."
        } else if self.saved.is_some() {
            "Saved."
        } else if self.added.is_some() {
            "Number added."
        } else if self.number_deleted.is_some() {
            "Number deleted."
        } else if self.deleted.is_some() {
            "Account deleted."
        } else {
            return Outcome::None;
        };
        Outcome::Notice(text.into())
    }
}

async fn show(
    Admin(admin): Admin,
    id: web::Path<u64>,
    q: web::Query<Notice>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let a = load_account(&desk, *id).await?;
    let numbers = desk.store().numbers_of(a.id).await?;
    let form = edit_form(&admin.csrf, &a);
    let mut p = account_page(&admin, &a, &numbers, form, q.text());
    if let Some(w) = numbers::warning(&desk, &a, q.unlisted).await? {
        p.sections.insert(1.min(p.sections.len()), w);
    }
    Ok(p.ok())
}

async fn update(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let a = load_account(&desk, *id).await?;
    let mut errors = FieldErrors::default();
    let name = validate::account_name(&f.form, &mut errors);
    let (sid, token) = match a.provider {
        ProviderKind::Twilio => (
            account_sid(&f.form, &mut errors),
            auth_token(&f.form, "auth_token", &mut errors),
        ),
        // An ACS account's settings are fixed once created; its connection string may be
        // replaced by one for the same endpoint (a rotated key).
        ProviderKind::Acs => (None, acs_account::replacement(&f.form, &a, &mut errors)),
        ProviderKind::Simulator => (None, None),
    };
    let refuse = |errors: &FieldErrors, numbers: &[SenderNumber]| {
        let form = edit_form(&f.user.csrf, &a).refill(&f.form, errors);
        account_page(&f.user, &a, numbers, form, Outcome::None)
            .respond(StatusCode::UNPROCESSABLE_ENTITY)
    };
    let (Some(name), true) = (name, errors.is_empty()) else {
        let numbers = desk.store().numbers_of(a.id).await?;
        return Ok(refuse(&errors, &numbers));
    };
    let update = AccountUpdate {
        name,
        sid,
        auth_token: token,
    };
    match desk.update_checked_account(a.id, update).await? {
        Ok(_) => Ok(redirect(&format!("/admin/accounts/{}?saved=1", a.id.get()))),
        Err(e) => {
            let numbers = desk.store().numbers_of(a.id).await?;
            Ok(refuse(&FieldErrors::one("", e.to_string()), &numbers))
        }
    }
}

async fn validate_credentials(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let check = desk
        .check_account(AccountId::new(*id))
        .await?
        .ok_or(PageError::NotFound)?;
    let a = load_account(&desk, *id).await?;
    let numbers = desk.store().numbers_of(a.id).await?;
    let form = edit_form(&f.user.csrf, &a);
    let mut p = account_page(&f.user, &a, &numbers, form, Outcome::None);
    // The outcome goes first, where the admin looks after pressing the button.
    let mut sections = check_sections(&check);
    sections.append(&mut p.sections);
    p.sections = sections;
    Ok(p.ok())
}

/// What an account check found, as sections: the credentials, then each sender's verdict.
pub fn check_sections(check: &AccountCheck) -> Vec<Section> {
    let mut out = vec![match &check.credentials {
        CredentialsCheck::Accepted(s) | CredentialsCheck::NotNeeded(s) => {
            Section::Notice(s.clone())
        }
        CredentialsCheck::Refused(s) | CredentialsCheck::Missing(s) => Section::Problem(s.clone()),
    }];
    for (_, verdict) in &check.numbers {
        match verdict {
            SenderVerdict::Confirmed | SenderVerdict::NotChecked => {}
            SenderVerdict::Warning(s) => out.push(Section::Warning(s.clone())),
            SenderVerdict::Refused(s) => out.push(Section::Problem(s.clone())),
        }
    }
    let listed: Vec<String> = check
        .numbers
        .iter()
        .filter(|(_, v)| *v == SenderVerdict::Confirmed)
        .map(|(n, _)| n.number.to_string())
        .collect();
    if !listed.is_empty() {
        out.push(Section::Text(format!(
            "{}: {}.",
            check.confirmed_label,
            listed.join(", ")
        )));
    }
    out
}

async fn callback(
    Admin(admin): Admin,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let a = load_account(&desk, *id).await?;
    let mut p = page(&admin, &format!("Callback information: {}", a.name));
    for s in callback_sections(&desk, &a) {
        p = p.with(s);
    }
    Ok(p.with(Section::Links(vec![link(
        format!("/admin/accounts/{}", a.id.get()),
        "Back to the account",
    )]))
    .ok())
}

async fn confirm_delete(
    Admin(admin): Admin,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let a = load_account(&desk, *id).await?;
    let open = desk
        .store()
        .open_conversation_count(OpenOn::Account(a.id))
        .await?;
    let back = format!("/admin/accounts/{}", a.id.get());
    Ok(page(&admin, &format!("Delete {}?", a.name))
        .with(Section::Text(open_text(open, "account")))
        .with(Section::Text(
            "Its numbers are deleted with it and its callback URLs stop working; replies not yet \
             sent end failed."
                .into(),
        ))
        .with(Section::Form(
            FormModel::new(format!("{back}/delete"), &admin.csrf, "Delete account")
                .danger()
                .cancel(&back),
        ))
        .ok())
}

async fn delete(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    desk.delete_account(AccountId::new(*id), desk.now())
        .await?
        .map_err(|_| PageError::NotFound)?;
    Ok(redirect("/admin/accounts?deleted=1"))
}
