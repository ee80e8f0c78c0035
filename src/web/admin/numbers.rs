//! `/admin/accounts/{id}/numbers/...`: add a sender number to an account and delete one after a
//! confirmation. The number form and its validation are shared with the new-account wizard.

use super::accounts::{self, load_account, open_text};
use crate::app::Desk;
use crate::app::onboarding::{NumberRefusal, NumberVerdict};
use crate::domain::guid::GuidError;
use crate::domain::phone::PhoneError;
use crate::domain::sender::ChannelId;
use crate::domain::user::Role;
use crate::domain::{Channel, NumberId, PhoneNumber};
use crate::store::records::{Account, NumberKind, ProviderKind, SenderNumber};
use crate::store::setup::{NewNumber, OpenOn, SetupError};
use crate::web::csrf::{CsrfForm, FormData};
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::validate;
use crate::web::ui::{Cell, Field, FieldErrors, FormModel, PageError, Section, Table, redirect};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

const SMS_KINDS: [(&str, &str); 3] = [
    ("long_code", "Long code"),
    ("short_code", "Short code"),
    ("toll_free", "Toll free"),
];

const INTERNATIONAL_HELP: &str =
    "The country code and the number, e.g. +14155550100; spaces and dashes are fine.";
const SMS_HELP: &str = "The country code and the number, e.g. +14252306549; spaces and dashes \
                        are fine. A short code is its 3 to 8 digits.";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/accounts/{id}/numbers/new", web::get().to(new))
        .route("/accounts/{id}/numbers", web::post().to(create))
        .route(
            "/accounts/{id}/numbers/{number}/delete",
            web::get().to(confirm_delete),
        )
        .route(
            "/accounts/{id}/numbers/{number}/delete",
            web::post().to(delete),
        );
}

/// The add-number form for an account's channel (a WhatsApp channel ID for ACS).
pub fn number_form(action: &str, csrf: &str, account: &Account, cancel: &str) -> FormModel {
    if account.provider == ProviderKind::Acs {
        return FormModel::new(action, csrf, "Add channel ID")
            .field(Field::text("name", "Name").required())
            .field(Field::text("channel_id", "Channel ID").required().help(
                "The Channel ID of the WhatsApp channel in Azure Communication Services \
                 (Advanced Messaging → Channels), a GUID.",
            ))
            .cancel(cancel);
    }
    let form = FormModel::new(action, csrf, "Add number");
    let form = match account.channel {
        Channel::WhatsApp => form.field(Field::text("name", "Name").required()).field(
            Field::text("number", "Number")
                .required()
                .help(INTERNATIONAL_HELP),
        ),
        Channel::Sms => form
            .field(Field::text("number", "Number").required().help(SMS_HELP))
            .field(Field::select("type", "Type", &SMS_KINDS).value("long_code"))
            .field(Field::text("description", "Description")),
    };
    form.cancel(cancel)
}

/// Reads the number form of an account; errors are recorded beside their fields.
fn parse(f: &FormData, account: &Account, errors: &mut FieldErrors) -> Option<NewNumber> {
    if account.provider == ProviderKind::Acs {
        let name = validate::line(f, "name", "Name", 100, true, errors);
        let id = ChannelId::parse(f.get("channel_id"))
            .map_err(|e| match e {
                GuidError::Empty => errors.add("channel_id", "Enter the Channel ID."),
                e => errors.add("channel_id", format!("The Channel ID {e}.")),
            })
            .ok();
        return id.filter(|_| errors.is_empty()).map(|id| NewNumber {
            account_id: account.id,
            number: id.into(),
            kind: NumberKind::WhatsApp,
            name,
            description: String::new(),
        });
    }
    let raw = f.get("number");
    let (name, kind, description) = match account.channel {
        Channel::WhatsApp => {
            let name = validate::line(f, "name", "Name", 100, true, errors);
            (name, NumberKind::WhatsApp, String::new())
        }
        Channel::Sms => {
            let kind = match validate::choice(
                f,
                "type",
                "Type",
                &["long_code", "short_code", "toll_free"],
                errors,
            ) {
                "short_code" => NumberKind::ShortCode,
                "toll_free" => NumberKind::TollFree,
                _ => NumberKind::LongCode,
            };
            let description = validate::line(f, "description", "Description", 200, false, errors);
            (String::new(), kind, description)
        }
    };
    let number = PhoneNumber::parse_typed(raw, kind.format())
        .map_err(|e| errors.add("number", number_error(e, kind)))
        .ok();
    number
        .filter(|_| errors.is_empty())
        .map(|number| NewNumber {
            account_id: account.id,
            number: number.into(),
            kind,
            name,
            description,
        })
}

/// The sentence for a number that did not parse, with an example of the number's type.
fn number_error(e: PhoneError, kind: NumberKind) -> String {
    match (e, kind) {
        (PhoneError::Empty, NumberKind::ShortCode) => "Enter the short code, e.g. 55555.".into(),
        (PhoneError::Empty, _) => "Enter the number, e.g. +14155550100.".into(),
        (e, _) => e.to_string(),
    }
}

/// Why an add was refused, for the form: field errors and the status to answer with.
pub struct Refused(pub FieldErrors, pub StatusCode);

/// Validates a number, checks with Twilio that `account` has it, and stores it. A WhatsApp
/// sender Twilio does not list is stored with the warning.
pub async fn add(
    desk: &Desk,
    account: &Account,
    f: &FormData,
) -> Result<Result<(SenderNumber, NumberVerdict), Refused>, PageError> {
    let mut errors = FieldErrors::default();
    let Some(new) = parse(f, account, &mut errors) else {
        return Ok(Err(Refused(errors, StatusCode::UNPROCESSABLE_ENTITY)));
    };
    Ok(match desk.add_checked_number(new).await? {
        Ok(added) => Ok(added),
        Err(NumberRefusal::Setup(SetupError::DuplicateNumber(n))) => {
            let (field, what) = match account.provider {
                ProviderKind::Acs => ("channel_id", "channel ID"),
                _ => ("number", "number"),
            };
            Err(Refused(
                FieldErrors::one(field, format!("The {what} {n} is already configured.")),
                StatusCode::CONFLICT,
            ))
        }
        Err(NumberRefusal::Setup(SetupError::UnknownAccount)) => return Err(PageError::NotFound),
        Err(NumberRefusal::Check(why)) => Err(Refused(
            FieldErrors::one("number", why),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Err(e) => Err(Refused(
            FieldErrors::one("", e.to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
    })
}

/// The query that tells the page after an add which number to warn about, if any.
pub fn warning_query(added: &SenderNumber, verdict: &NumberVerdict) -> String {
    match verdict {
        NumberVerdict::UnlistedSender => format!("&unlisted={}", added.id.get()),
        _ => String::new(),
    }
}

/// The warning about number `id` of `account` that an add left, as a section.
pub async fn warning(
    desk: &Desk,
    account: &Account,
    id: Option<u64>,
) -> Result<Option<Section>, PageError> {
    let Some(id) = id else { return Ok(None) };
    let number = desk.store().number(NumberId::new(id)).await?;
    Ok(number
        .filter(|n| n.account_id == account.id)
        .map(|n| Section::Warning(NumberVerdict::UnlistedSender.sentence(&n.number))))
}

pub fn kind_label(kind: NumberKind) -> &'static str {
    match kind {
        NumberKind::LongCode => "Long code",
        NumberKind::ShortCode => "Short code",
        NumberKind::TollFree => "Toll free",
        NumberKind::WhatsApp => "WhatsApp",
    }
}

/// The numbers of an account as a table; `delete` adds a delete link per row.
pub fn table(account: &Account, numbers: &[SenderNumber], delete: bool) -> Section {
    let rows = numbers
        .iter()
        .map(|n| {
            let mut row = vec![
                Cell::Text(n.number.to_string()),
                Cell::Text(kind_label(n.kind).into()),
                Cell::Text(
                    if n.name.is_empty() {
                        &n.description
                    } else {
                        &n.name
                    }
                    .clone(),
                ),
            ];
            if delete {
                row.push(Cell::Link {
                    href: format!(
                        "/admin/accounts/{}/numbers/{}/delete",
                        account.id.get(),
                        n.id.get()
                    ),
                    text: "Delete".into(),
                });
            }
            row
        })
        .collect();
    let mut columns = vec![
        "Number".to_owned(),
        "Type".into(),
        "Name or description".into(),
    ];
    if delete {
        columns.push(String::new());
    }
    Section::Table(Table {
        columns,
        rows,
        empty: "No numbers yet.".into(),
    })
}

fn new_page(admin: &SignedIn, account: &Account, form: FormModel) -> crate::web::ui::Page {
    accounts::page(admin, &format!("Add a number to {}", account.name)).with(Section::Form(form))
}

fn form_for(admin: &SignedIn, account: &Account) -> FormModel {
    let id = account.id.get();
    number_form(
        &format!("/admin/accounts/{id}/numbers"),
        &admin.csrf,
        account,
        &format!("/admin/accounts/{id}"),
    )
}

async fn new(
    Admin(admin): Admin,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let account = load_account(&desk, *id).await?;
    Ok(new_page(&admin, &account, form_for(&admin, &account)).ok())
}

async fn create(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let account = load_account(&desk, *id).await?;
    match add(&desk, &account, &f.form).await? {
        Ok((n, verdict)) => Ok(redirect(&format!(
            "/admin/accounts/{}?added=1{}",
            account.id.get(),
            warning_query(&n, &verdict)
        ))),
        Err(Refused(errors, status)) => {
            let form = form_for(&f.user, &account).refill(&f.form, &errors);
            Ok(new_page(&f.user, &account, form).respond(status))
        }
    }
}

/// The number at `/accounts/{id}/numbers/{number}`, only if it belongs to that account.
async fn load_number(desk: &Desk, ids: (u64, u64)) -> Result<(Account, SenderNumber), PageError> {
    let account = load_account(desk, ids.0).await?;
    let number = desk
        .store()
        .number(NumberId::new(ids.1))
        .await?
        .filter(|n| n.account_id == account.id)
        .ok_or(PageError::NotFound)?;
    Ok((account, number))
}

async fn confirm_delete(
    Admin(admin): Admin,
    ids: web::Path<(u64, u64)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let (account, number) = load_number(&desk, *ids).await?;
    let open = desk
        .store()
        .open_conversation_count(OpenOn::Number(number.id))
        .await?;
    let back = format!("/admin/accounts/{}", account.id.get());
    Ok(accounts::page(&admin, &format!("Delete {}?", number.number))
        .with(Section::Text(open_text(open, "number")))
        .with(Section::Text(
            "Messages sent to this number are no longer taken in, and replies not yet sent from it \
             end failed."
                .into(),
        ))
        .with(Section::Form(
            FormModel::new(
                format!("{back}/numbers/{}/delete", number.id.get()),
                &admin.csrf,
                "Delete number",
            )
            .danger()
            .cancel(&back),
        ))
        .ok())
}

async fn delete(
    f: CsrfForm,
    ids: web::Path<(u64, u64)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let (account, number) = load_number(&desk, *ids).await?;
    desk.delete_number(number.id, desk.now())
        .await?
        .map_err(|_| PageError::NotFound)?;
    Ok(redirect(&format!(
        "/admin/accounts/{}?number_deleted=1",
        account.id.get()
    )))
}
