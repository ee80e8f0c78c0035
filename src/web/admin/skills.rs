//! `/admin/skills`: the skills routing rules may require ("Spanish", "Billing"): list, create,
//! rename, delete (refused while a rule requires it), and each agent's proficiency (1–10) in a
//! skill, set on the skill's page.

use super::common::Query;
use crate::app::Desk;
use crate::domain::SkillId;
use crate::domain::routing::{Proficiency, SkillName};
use crate::domain::user::Role;
use crate::store::skills::{Proficiencies, Skill, SkillRefusal};
use crate::store::users::User;
use crate::web::csrf::{CsrfForm, FormData};
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::{
    Cell, Field, FieldErrors, FieldKind, FormModel, Link, Nav, Page, PageError, Section, Table,
    redirect,
};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/skills", web::get().to(list))
        .route("/skills", web::post().to(create))
        .route("/skills/{id}", web::get().to(edit))
        .route("/skills/{id}", web::post().to(update))
        .route("/skills/{id}/delete", web::get().to(confirm_delete))
        .route("/skills/{id}/delete", web::post().to(delete));
}

fn page(admin: &SignedIn, title: &str) -> Page {
    Page::new(title, Some(Nav::for_user(admin, "workstreams")))
}

fn at(s: &Skill, rest: &str) -> String {
    format!("/admin/skills/{}{rest}", s.id.get())
}

async fn load(desk: &Desk, id: u64) -> Result<Skill, PageError> {
    desk.store()
        .skill(SkillId::new(id))
        .await?
        .ok_or(PageError::NotFound)
}

fn name_form(admin: &SignedIn) -> FormModel {
    FormModel::new("/admin/skills", &admin.csrf, "Add skill").field(
        Field::text("name", "Name")
            .required()
            .help("Like Spanish or Billing; unique, at most 60 characters."),
    )
}

async fn list_page(
    desk: &Desk,
    admin: &SignedIn,
    notice: Option<Section>,
    form: FormModel,
) -> Result<Page, PageError> {
    let skills = desk.store().skills().await?;
    let mut rows = Vec::with_capacity(skills.len());
    for s in &skills {
        let holders = desk.store().skill_holders(s.id).await?.len();
        rows.push(vec![
            Cell::Link {
                href: at(s, ""),
                text: s.name.to_string(),
            },
            Cell::Text(holders.to_string()),
            Cell::Link {
                href: at(s, "/delete"),
                text: "Delete".into(),
            },
        ]);
    }
    let mut p = page(admin, "Skills");
    if let Some(n) = notice {
        p = p.with(n);
    }
    Ok(p.with(Section::Text(
        "Routing rules may require skills of the agent; open a skill to set each agent's \
         proficiency in it, from 1 to 10."
            .into(),
    ))
    .with(Section::Table(Table {
        columns: ["Skill", "Agents", ""].map(String::from).to_vec(),
        rows,
        empty: "No skills yet.".into(),
    }))
    .with(Section::Heading("New skill".into()))
    .with(Section::Form(form)))
}

async fn list(
    Admin(admin): Admin,
    q: web::Query<Query>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let p = list_page(&desk, &admin, q.notice("Skill"), name_form(&admin)).await?;
    Ok(p.ok())
}

fn name_of(f: &FormData, errors: &mut FieldErrors) -> Option<SkillName> {
    SkillName::parse(f.get("name"))
        .map_err(|e| errors.add("name", e.to_string()))
        .ok()
}

async fn create(f: CsrfForm, desk: web::Data<Desk>) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let mut errors = FieldErrors::default();
    let outcome = match name_of(&f.form, &mut errors) {
        Some(name) => desk.create_skill(name).await?,
        None => Err(SkillRefusal::Unknown),
    };
    match outcome {
        Ok(s) => Ok(redirect(&at(&s, "?created=1"))),
        Err(r) => {
            if errors.is_empty() {
                errors.add("name", r.to_string());
            }
            let form = name_form(&f.user).refill(&f.form, &errors);
            let p = list_page(&desk, &f.user, None, form).await?;
            Ok(p.respond(StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

/// Everyone who can take conversations: agents and supervisors.
async fn staff(desk: &Desk) -> Result<Vec<User>, PageError> {
    let users = desk.store().users().await?;
    Ok(users
        .into_iter()
        .filter(|u| u.role != Role::Admin)
        .collect())
}

fn level_field(u: &User) -> String {
    format!("user{}", u.id.get())
}

fn skill_form(admin: &SignedIn, s: &Skill, staff: &[User]) -> FormModel {
    let mut f = FormModel::new(at(s, ""), &admin.csrf, "Save").field(
        Field::text("name", "Name")
            .required()
            .help("Unique, at most 60 characters."),
    );
    for u in staff {
        f = f.field(
            Field::new(
                &level_field(u),
                &format!("{} ({})", u.name, u.role),
                FieldKind::Number { min: 1, max: 10 },
            )
            .help("Proficiency from 1 to 10; empty: does not have the skill."),
        );
    }
    f.cancel("/admin/skills")
}

async fn edit_page(
    desk: &Desk,
    admin: &SignedIn,
    s: &Skill,
    notice: Option<Section>,
    entered: Option<(&FormData, &FieldErrors)>,
) -> Result<HttpResponse, PageError> {
    let staff = staff(desk).await?;
    let form = skill_form(admin, s, &staff);
    let (form, status) = match entered {
        Some((f, errors)) => (form.refill(f, errors), StatusCode::UNPROCESSABLE_ENTITY),
        None => {
            let held = desk.store().skill_holders(s.id).await?;
            let mut values = vec![("name".to_owned(), s.name.to_string())];
            for u in &staff {
                let level = held.iter().find(|(id, _)| *id == u.id);
                values.push((
                    level_field(u),
                    level.map_or(String::new(), |(_, p)| p.to_string()),
                ));
            }
            (
                form.refill(&FormData(values), &FieldErrors::default()),
                StatusCode::OK,
            )
        }
    };
    let mut p = page(admin, &format!("Skill: {}", s.name));
    if let Some(n) = notice {
        p = p.with(n);
    }
    Ok(p.with(Section::Form(form))
        .with(Section::Links(vec![Link {
            href: at(s, "/delete"),
            text: "Delete this skill…".into(),
        }]))
        .respond(status))
}

async fn edit(
    Admin(admin): Admin,
    id: web::Path<u64>,
    q: web::Query<Query>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let s = load(&desk, *id).await?;
    edit_page(&desk, &admin, &s, q.notice("Skill"), None).await
}

fn levels(f: &FormData, staff: &[User], errors: &mut FieldErrors) -> Proficiencies {
    let mut out = Vec::with_capacity(staff.len());
    for u in staff {
        let name = level_field(u);
        match f.get(&name).trim() {
            "" => out.push((u.id, None)),
            raw => match Proficiency::parse(raw) {
                Ok(p) => out.push((u.id, Some(p))),
                Err(e) => errors.add(&name, e.to_string()),
            },
        }
    }
    out
}

async fn update(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let s = load(&desk, *id).await?;
    let staff = staff(&desk).await?;
    let mut errors = FieldErrors::default();
    let name = name_of(&f.form, &mut errors);
    let levels = levels(&f.form, &staff, &mut errors);
    let Some(name) = name.filter(|_| errors.is_empty()) else {
        return edit_page(&desk, &f.user, &s, None, Some((&f.form, &errors))).await;
    };
    match desk.update_skill(s.id, name, levels).await? {
        Ok(saved) => Ok(redirect(&at(&saved, "?saved=1"))),
        Err(SkillRefusal::Unknown) => Err(PageError::NotFound),
        Err(r) => {
            let errors = FieldErrors::one("name", r.to_string());
            edit_page(&desk, &f.user, &s, None, Some((&f.form, &errors))).await
        }
    }
}

async fn confirm_delete(
    Admin(admin): Admin,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let s = load(&desk, *id).await?;
    Ok(delete_page(&admin, &s, None).ok())
}

fn delete_page(admin: &SignedIn, s: &Skill, problem: Option<String>) -> Page {
    let confirm = FormModel::new(at(s, "/delete"), &admin.csrf, "Delete skill")
        .danger()
        .cancel(&at(s, ""));
    let mut p = page(admin, &format!("Delete skill {}?", s.name));
    if let Some(problem) = problem {
        p = p.with(Section::Problem(problem));
    }
    p.with(Section::Text(
        "Agents lose this skill. A skill a routing rule requires cannot be deleted.".into(),
    ))
    .with(Section::Form(confirm))
}

async fn delete(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let s = load(&desk, *id).await?;
    match desk.delete_skill(s.id).await? {
        Ok(_) => Ok(redirect("/admin/skills?deleted=1")),
        Err(SkillRefusal::Unknown) => Err(PageError::NotFound),
        Err(r) => Ok(delete_page(&f.user, &s, Some(r.to_string())).respond(StatusCode::CONFLICT)),
    }
}
