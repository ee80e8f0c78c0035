//! One automated message's text for a scope and locale: the edit form, saving an override
//! (placeholders checked for the trigger) and resetting it to the next fallback.

use super::{BASE, Scope, override_map, page, scope, source_text};
use crate::app::Desk;
use crate::domain::automated::{AutomatedText, Resolved, Trigger};
use crate::domain::user::Role;
use crate::web::csrf::CsrfForm;
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::{
    Field, FieldErrors, FieldKind, FormModel, InfoRow, Page, PageError, Section, redirect,
};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

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

pub(super) async fn edit(
    Admin(admin): Admin,
    path: EditPath,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let (trigger, scope) = target(&desk, &path).await?;
    let (resolved, here) = current(&desk, trigger, &scope).await?;
    let form = text_form(trigger, &scope, &admin.csrf, &resolved.text);
    Ok(edit_page(&admin, trigger, &scope, &resolved, form, here).ok())
}

pub(super) async fn save(
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

pub(super) async fn reset(
    f: CsrfForm,
    path: EditPath,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let (trigger, scope) = target(&desk, &path).await?;
    desk.reset_automated_override(scope.key(trigger)).await?;
    Ok(redirect(&format!("{BASE}?{}&reset=1", scope.query())))
}
