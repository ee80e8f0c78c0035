//! `/admin/users`: create and edit users (role, capacity, languages), disable them, reset their
//! password and sign them out everywhere.

use crate::app::Desk;
use crate::auth::AuthState;
use crate::domain::UserId;
use crate::domain::user::{Email, Role, check_new_password};
use crate::secrets::SecretString;
use crate::store::users::{NewUser, User, UserUpdate};
use crate::web::csrf::{CsrfForm, FormData};
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::validate;
use crate::web::ui::{
    Cell, Field, FieldErrors, FieldKind, FormModel, Nav, Page, PageError, Section, Table, redirect,
};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

const ROLES: [(&str, &str); 3] = [
    ("agent", "Agent"),
    ("supervisor", "Supervisor"),
    ("admin", "Admin"),
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::get().to(list))
        .route("/users", web::post().to(create))
        .route("/users/new", web::get().to(new))
        .route("/users/{id}", web::get().to(edit))
        .route("/users/{id}", web::post().to(update))
        .route("/users/{id}/password", web::post().to(reset_password))
        .route("/users/{id}/sign-out", web::post().to(sign_out_everywhere));
}

/// A user added without a password (by a configuration import).
const NO_PASSWORD: &str = "No password yet";

fn page(admin: &SignedIn, title: &str) -> Page {
    Page::new(title, Some(Nav::for_user(admin, "users")))
}

async fn list(Admin(admin): Admin, desk: web::Data<Desk>) -> Result<HttpResponse, PageError> {
    let users = desk.store().users().await?;
    let rows = users
        .iter()
        .map(|u| {
            vec![
                Cell::Link {
                    href: format!("/admin/users/{}", u.id.get()),
                    text: u.name.clone(),
                },
                Cell::Text(u.email.to_string()),
                Cell::Text(u.role.to_string()),
                Cell::Text(u.capacity.to_string()),
                Cell::Text(u.languages.join(", ")),
                Cell::Text(
                    if u.disabled {
                        "Disabled"
                    } else if !u.has_password() {
                        NO_PASSWORD
                    } else {
                        "Active"
                    }
                    .into(),
                ),
            ]
        })
        .collect();
    Ok(page(&admin, "Users")
        .with(Section::Links(vec![crate::web::ui::Link {
            href: "/admin/users/new".into(),
            text: "New user".into(),
        }]))
        .with(Section::Table(Table {
            columns: ["Name", "E-mail", "Role", "Capacity", "Languages", "Status"]
                .map(String::from)
                .to_vec(),
            rows,
            empty: "No users yet.".into(),
        }))
        .ok())
}

fn new_form(csrf: &str) -> FormModel {
    FormModel::new("/admin/users", csrf, "Create user")
        .field(Field::new("email", "E-mail", FieldKind::Email).required())
        .field(Field::text("name", "Name").required())
        .field(Field::select("role", "Role", &ROLES).value("agent"))
        .field(
            Field::new("password", "Password", FieldKind::Password)
                .required()
                .help("At least 12 characters. Give it to the user; they can change it."),
        )
        .field(
            Field::new(
                "capacity",
                "Capacity (units)",
                FieldKind::Number { min: 1, max: 1000 },
            )
            .value("10"),
        )
        .field(
            Field::text("languages", "Languages")
                .value("en")
                .help("Comma-separated, e.g. en, es-MX."),
        )
        .cancel("/admin/users")
}

async fn new(Admin(admin): Admin) -> HttpResponse {
    page(&admin, "New user")
        .with(Section::Form(new_form(&admin.csrf)))
        .ok()
}

struct Profile {
    name: String,
    role: Role,
    capacity: u32,
    languages: Vec<String>,
}

fn profile(f: &FormData, errors: &mut FieldErrors) -> Profile {
    let name = validate::line(f, "name", "Name", 100, true, errors);
    let role = Role::parse(validate::choice(
        f,
        "role",
        "Role",
        &["agent", "supervisor", "admin"],
        errors,
    ))
    .unwrap_or(Role::Agent);
    let capacity = validate::number(f, "capacity", "Capacity", 1, 1000, errors) as u32;
    let languages = validate::languages(f, "languages", errors);
    Profile {
        name,
        role,
        capacity,
        languages,
    }
}

async fn create(
    f: CsrfForm,
    desk: web::Data<Desk>,
    auth: web::Data<AuthState>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let mut errors = FieldErrors::default();
    let email = Email::parse(f.form.get("email"))
        .map_err(|e| errors.add("email", e))
        .ok();
    let p = profile(&f.form, &mut errors);
    let password = f.form.get("password").to_owned();
    if let Err(e) = check_new_password(&password) {
        errors.add("password", e);
    }
    let refuse = |errors: &FieldErrors, status| {
        page(&f.user, "New user")
            .with(Section::Form(
                new_form(&f.user.csrf).refill(&f.form, errors),
            ))
            .respond(status)
    };
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Ok(refuse(&errors, StatusCode::UNPROCESSABLE_ENTITY));
    };
    let hash = auth
        .hasher
        .hash(SecretString::new(password))
        .await
        .map_err(|_| PageError::Internal)?;
    let new = NewUser {
        email,
        name: p.name,
        role: p.role,
        password_hash: hash,
        capacity: p.capacity,
        languages: p.languages,
    };
    match desk.add_user(new, desk.now()).await? {
        Ok(u) => Ok(redirect(&format!("/admin/users/{}?created=1", u.id.get()))),
        Err(e) => Ok(refuse(
            &FieldErrors::one("email", e.to_string()),
            StatusCode::CONFLICT,
        )),
    }
}

fn edit_form(csrf: &str, u: &User) -> FormModel {
    let role = u.role.as_str();
    FormModel::new(format!("/admin/users/{}", u.id.get()), csrf, "Save")
        .field(Field::text("name", "Name").value(u.name.clone()).required())
        .field(Field::select("role", "Role", &ROLES).value(role))
        .field(
            Field::new(
                "capacity",
                "Capacity (units)",
                FieldKind::Number { min: 1, max: 1000 },
            )
            .value(u.capacity.to_string()),
        )
        .field(
            Field::text("languages", "Languages")
                .value(u.languages.join(", "))
                .help("Comma-separated, e.g. en, es-MX."),
        )
        .field(Field::checkbox(
            "disabled",
            "Disabled (cannot sign in; signed out now)",
            u.disabled,
        ))
        .cancel("/admin/users")
}

fn password_form(csrf: &str, id: UserId) -> FormModel {
    FormModel::new(
        format!("/admin/users/{}/password", id.get()),
        csrf,
        "Reset password",
    )
    .field(
        Field::new("password", "New password", FieldKind::Password)
            .help("Signs the user out everywhere."),
    )
}

fn edit_page(
    admin: &SignedIn,
    u: &User,
    edit: FormModel,
    pass: FormModel,
    notice: Option<&str>,
) -> Page {
    let mut p = page(admin, &format!("User: {}", u.name));
    if let Some(n) = notice {
        p = p.with(Section::Notice(n.into()));
    }
    if !u.has_password() {
        p = p.with(Section::Problem(format!(
            "{NO_PASSWORD}: this user cannot sign in until a password is set below."
        )));
    }
    p.with(Section::Text(format!("E-mail: {}", u.email)))
        .with(Section::Form(edit))
        .with(Section::Heading("Password".into()))
        .with(Section::Form(pass))
        .with(Section::Heading("Sessions".into()))
        .with(Section::Form(
            FormModel::new(
                format!("/admin/users/{}/sign-out", u.id.get()),
                &admin.csrf,
                "Sign out everywhere",
            )
            .danger(),
        ))
}

async fn load(desk: &Desk, id: u64) -> Result<User, PageError> {
    desk.store()
        .user(UserId::new(id))
        .await?
        .ok_or(PageError::NotFound)
}

#[derive(serde::Deserialize)]
struct Notice {
    created: Option<String>,
}

async fn edit(
    Admin(admin): Admin,
    id: web::Path<u64>,
    q: web::Query<Notice>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let u = load(&desk, *id).await?;
    let notice = q.created.as_ref().map(|_| "User created.");
    Ok(edit_page(
        &admin,
        &u,
        edit_form(&admin.csrf, &u),
        password_form(&admin.csrf, u.id),
        notice,
    )
    .ok())
}

async fn update(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let u = load(&desk, *id).await?;
    let mut errors = FieldErrors::default();
    let p = profile(&f.form, &mut errors);
    let disabled = f.form.checked("disabled");
    let refuse = |errors: &FieldErrors, status| {
        edit_page(
            &f.user,
            &u,
            edit_form(&f.user.csrf, &u).refill(&f.form, errors),
            password_form(&f.user.csrf, u.id),
            None,
        )
        .respond(status)
    };
    if !errors.is_empty() {
        return Ok(refuse(&errors, StatusCode::UNPROCESSABLE_ENTITY));
    }
    let update = UserUpdate {
        name: p.name,
        role: p.role,
        capacity: p.capacity,
        languages: p.languages,
        disabled,
    };
    match desk.update_user(u.id, update).await? {
        Ok(saved) => Ok(edit_page(
            &f.user,
            &saved,
            edit_form(&f.user.csrf, &saved),
            password_form(&f.user.csrf, saved.id),
            Some("Saved."),
        )
        .ok()),
        Err(e) => Ok(refuse(
            &FieldErrors::one("", e.to_string()),
            StatusCode::CONFLICT,
        )),
    }
}

async fn reset_password(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
    auth: web::Data<AuthState>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let u = load(&desk, *id).await?;
    let password = f.form.get("password").to_owned();
    if let Err(e) = check_new_password(&password) {
        let errors = FieldErrors::one("password", e);
        let pass = password_form(&f.user.csrf, u.id).refill(&f.form, &errors);
        return Ok(
            edit_page(&f.user, &u, edit_form(&f.user.csrf, &u), pass, None)
                .respond(StatusCode::UNPROCESSABLE_ENTITY),
        );
    }
    let hash = auth
        .hasher
        .hash(SecretString::new(password))
        .await
        .map_err(|_| PageError::Internal)?;
    let keep = (u.id == f.user.user.id).then(|| f.user.token_hash.clone());
    desk.set_password(u.id, hash, keep, desk.now())
        .await?
        .map_err(|_| PageError::NotFound)?;
    Ok(edit_page(
        &f.user,
        &u,
        edit_form(&f.user.csrf, &u),
        password_form(&f.user.csrf, u.id),
        Some("Password reset; the user was signed out everywhere."),
    )
    .ok())
}

async fn sign_out_everywhere(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let u = load(&desk, *id).await?;
    let keep = (u.id == f.user.user.id).then(|| f.user.token_hash.clone());
    let n = desk.end_sessions_of(u.id, keep).await?;
    let msg = format!("{n} session(s) signed out.");
    Ok(edit_page(
        &f.user,
        &u,
        edit_form(&f.user.csrf, &u),
        password_form(&f.user.csrf, u.id),
        Some(&msg),
    )
    .ok())
}
