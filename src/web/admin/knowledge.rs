//! `/admin/knowledge`: knowledge articles for admins and supervisors: list, write, edit, delete
//! (after a confirmation). An article is a draft until published; a published article marked
//! public is also shown to anyone at `/kb/{slug}`.

use super::common::{Query, sentence};
use super::editors::Editor;
use crate::app::Desk;
use crate::domain::ids::ArticleId;
use crate::domain::knowledge::{
    ArticleBody, ArticleSlug, ArticleState, ArticleTitle, parse_keywords,
};
use crate::domain::language::LanguageCode;
use crate::store::knowledge::{Article, ArticleContent, ArticleRefusal};
use crate::web::csrf::{CsrfForm, FormData};
use crate::web::session::SignedIn;
use crate::web::ui::{
    Cell, Field, FieldErrors, FieldKind, FormModel, Link, Nav, Page, PageError, Section, Table,
    When, redirect,
};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

const BASE: &str = "/admin/knowledge";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(list))
        .route("", web::post().to(create))
        .route("/new", web::get().to(new))
        .route("/{id}", web::get().to(edit))
        .route("/{id}", web::post().to(update))
        .route("/{id}/delete", web::get().to(confirm_delete))
        .route("/{id}/delete", web::post().to(delete));
}

fn page(user: &SignedIn, title: &str) -> Page {
    Page::new(title, Some(Nav::for_user(user, "knowledge")))
}

async fn load(desk: &Desk, id: u64) -> Result<Article, PageError> {
    desk.article(ArticleId::new(id))
        .await?
        .ok_or(PageError::NotFound)
}

async fn list(
    Editor(user): Editor,
    q: web::Query<Query>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let articles = desk.articles().await?;
    let scripts = desk.scripts_overview().await?;
    let mut p = page(&user, "Knowledge articles");
    if let Some(n) = q.notice("Article") {
        p = p.with(n);
    }
    let rows = articles.iter().map(|a| row(&desk, a)).collect();
    Ok(p.with(Section::Links(vec![Link {
        href: format!("{BASE}/new"),
        text: "New article".into(),
    }]))
    .with(Section::Text(
        "Agents find published articles from the conversation panel and share their text or \
         their public link; drafts are seen only by admins and supervisors."
            .into(),
    ))
    .with(Section::Table(Table {
        columns: [
            "Title",
            "State",
            "Public page",
            "Language",
            "Keywords",
            "Updated",
            "",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        empty: "No articles yet.".into(),
    }))
    .with(Section::Heading("Agent scripts".into()))
    .with(Section::Table(Table {
        columns: ["Workstream", "Steps"].map(String::from).to_vec(),
        rows: scripts
            .into_iter()
            .map(|(w, steps)| {
                vec![
                    Cell::Link {
                        href: format!("/admin/workstreams/{}/script", w.id.get()),
                        text: w.name.to_string(),
                    },
                    Cell::Text(steps.to_string()),
                ]
            })
            .collect(),
        empty: "No workstreams yet.".into(),
    }))
    .ok())
}

fn row(desk: &Desk, a: &Article) -> Vec<Cell> {
    let public = match desk.article_link(a) {
        Some(_) => Cell::Link {
            href: format!("/kb/{}", a.content.slug),
            text: format!("/kb/{}", a.content.slug),
        },
        None if a.content.public => Cell::Text("When published".into()),
        None => Cell::Text("No".into()),
    };
    let keywords: Vec<&str> = a.content.keywords.iter().map(|k| k.as_str()).collect();
    vec![
        Cell::Link {
            href: format!("{BASE}/{}", a.id.get()),
            text: a.content.title.to_string(),
        },
        Cell::Text(a.content.state.to_string()),
        public,
        Cell::Text(a.content.language.to_string()),
        Cell::Text(keywords.join(", ")),
        Cell::Time(When::of(a.updated_at)),
        Cell::Link {
            href: format!("{BASE}/{}/delete", a.id.get()),
            text: "Delete".into(),
        },
    ]
}

/// The article form, filled from `a` (empty for a new one).
fn form(action: String, csrf: &str, a: Option<&Article>) -> FormModel {
    let submit = if a.is_some() {
        "Save"
    } else {
        "Create article"
    };
    let states: Vec<(&str, &str)> = [ArticleState::Draft, ArticleState::Published]
        .iter()
        .map(|s| {
            (
                s.as_str(),
                match s {
                    ArticleState::Draft => "Draft (admins and supervisors only)",
                    ArticleState::Published => "Published (agents find it)",
                },
            )
        })
        .collect();
    let keywords: Vec<&str> = a.map_or(Vec::new(), |a| {
        a.content.keywords.iter().map(|k| k.as_str()).collect()
    });
    FormModel::new(action, csrf, submit)
        .field(
            Field::text("title", "Title")
                .required()
                .value(a.map_or("", |a| a.content.title.as_str()))
                .help("At most 150 characters. Title words weigh most in search."),
        )
        .field(
            Field::new("body", "Text", FieldKind::TextArea { rows: 12 })
                .required()
                .value(a.map_or("", |a| a.content.body.as_str()))
                .help("At most 20,000 characters. This is what an agent shares as text."),
        )
        .field(
            Field::text("keywords", "Keywords")
                .value(keywords.join(", "))
                .help("Comma-separated words customers use for this (refund, money back)."),
        )
        .field(
            Field::text("language", "Language")
                .required()
                .value(a.map_or("en", |a| a.content.language.as_str()))
                .help("A code like en or es-MX."),
        )
        .field(
            Field::select("state", "State", &states)
                .value(a.map_or("draft", |a| a.content.state.as_str())),
        )
        .field(
            Field::checkbox("public", "Public page", a.is_some_and(|a| a.content.public)).help(
                "Shown to anyone at /kb/ followed by the address name while published, and \
                 agents may share its link.",
            ),
        )
        .field(
            Field::text("slug", "Address name")
                .value(a.map_or("", |a| a.content.slug.as_str()))
                .help("Lower-case words joined by hyphens (return-policy). Left empty, it is made from the title."),
        )
        .cancel(BASE)
}

/// The submitted form as a draft, or the errors beside their fields.
fn draft(f: &FormData) -> Result<ArticleContent, FieldErrors> {
    let mut errors = FieldErrors::default();
    let title = ArticleTitle::parse(f.get("title"))
        .map_err(|e| errors.add("title", e.to_string()))
        .ok();
    let body = ArticleBody::parse(f.get("body"))
        .map_err(|e| errors.add("body", e.to_string()))
        .ok();
    let keywords = parse_keywords(f.get("keywords"))
        .map_err(|e| errors.add("keywords", e.to_string()))
        .unwrap_or_default();
    let language = LanguageCode::parse(f.get("language"))
        .map_err(|e| errors.add("language", sentence(e)))
        .ok();
    let state = ArticleState::parse(f.get("state"));
    if state.is_none() {
        errors.add("state", "Choose draft or published.");
    }
    let typed = f.get("slug").trim();
    let slug = if typed.is_empty() {
        match &title {
            Some(t) => ArticleSlug::from_title(t.as_str()).or_else(|| {
                errors.add(
                    "slug",
                    "The title has no letters or digits to make an address name from: enter one.",
                );
                None
            }),
            None => None,
        }
    } else {
        ArticleSlug::parse(typed)
            .map_err(|e| errors.add("slug", e.to_string()))
            .ok()
    };
    match (title, body, language, state, slug) {
        (Some(title), Some(body), Some(language), Some(state), Some(slug)) if errors.is_empty() => {
            Ok(ArticleContent {
                slug,
                title,
                body,
                keywords,
                language,
                state,
                public: f.checked("public"),
            })
        }
        _ => Err(errors),
    }
}

fn refused(r: &ArticleRefusal) -> FieldErrors {
    FieldErrors::one("slug", r.to_string())
}

async fn new(Editor(user): Editor) -> Result<HttpResponse, PageError> {
    let f = form(BASE.into(), &user.csrf, None);
    Ok(page(&user, "New article").with(Section::Form(f)).ok())
}

async fn create(f: CsrfForm, desk: web::Data<Desk>) -> Result<HttpResponse, PageError> {
    Editor::check(&f.user)?;
    let refuse = |errors: &FieldErrors| {
        let model = form(BASE.into(), &f.user.csrf, None);
        page(&f.user, "New article")
            .with(Section::Form(model.refill(&f.form, errors)))
            .respond(StatusCode::UNPROCESSABLE_ENTITY)
    };
    let d = match draft(&f.form) {
        Ok(d) => d,
        Err(errors) => return Ok(refuse(&errors)),
    };
    match desk.create_article(d, f.user.user.id).await? {
        Ok(a) => Ok(redirect(&format!("{BASE}/{}?created=1", a.id.get()))),
        Err(r) => Ok(refuse(&refused(&r))),
    }
}

fn edit_page(
    desk: &Desk,
    user: &SignedIn,
    a: &Article,
    form: FormModel,
    notice: Option<Section>,
) -> Page {
    let mut p = page(user, &format!("Article: {}", a.content.title));
    if let Some(n) = notice {
        p = p.with(n);
    }
    if let Some(link) = desk.article_link(a) {
        p = p.with(Section::Text(format!("Public page: {link}")));
    }
    p.with(Section::Form(form))
        .with(Section::Heading("Delete".into()))
        .with(Section::Links(vec![Link {
            href: format!("{BASE}/{}/delete", a.id.get()),
            text: "Delete this article…".into(),
        }]))
}

async fn edit(
    Editor(user): Editor,
    id: web::Path<u64>,
    q: web::Query<Query>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let a = load(&desk, *id).await?;
    let f = form(format!("{BASE}/{}", a.id.get()), &user.csrf, Some(&a));
    Ok(edit_page(&desk, &user, &a, f, q.notice("Article")).ok())
}

async fn update(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    Editor::check(&f.user)?;
    let a = load(&desk, *id).await?;
    let refuse = |errors: &FieldErrors| {
        let model = form(format!("{BASE}/{}", a.id.get()), &f.user.csrf, Some(&a));
        edit_page(&desk, &f.user, &a, model.refill(&f.form, errors), None)
            .respond(StatusCode::UNPROCESSABLE_ENTITY)
    };
    let d = match draft(&f.form) {
        Ok(d) => d,
        Err(errors) => return Ok(refuse(&errors)),
    };
    match desk.update_article(a.id, d).await? {
        Ok(saved) => Ok(redirect(&format!("{BASE}/{}?saved=1", saved.id.get()))),
        Err(ArticleRefusal::Unknown) => Err(PageError::NotFound),
        Err(e) => Ok(refuse(&refused(&e))),
    }
}

async fn confirm_delete(
    Editor(user): Editor,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let a = load(&desk, *id).await?;
    let confirm = FormModel::new(
        format!("{BASE}/{}/delete", a.id.get()),
        &user.csrf,
        "Delete article",
    )
    .danger()
    .cancel(&format!("{BASE}/{}", a.id.get()));
    Ok(page(&user, &format!("Delete article {}?", a.content.title))
        .with(Section::Text(
            "Agents will no longer find it and its public page goes away. Messages that shared \
             it keep their text."
                .into(),
        ))
        .with(Section::Form(confirm))
        .ok())
}

async fn delete(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    Editor::check(&f.user)?;
    match desk.delete_article(ArticleId::new(*id)).await? {
        Ok(_) => Ok(redirect(&format!("{BASE}?deleted=1"))),
        Err(_) => Err(PageError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form_of(pairs: &[(&str, &str)]) -> FormData {
        FormData(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn an_empty_address_name_is_made_from_the_title() {
        let d = draft(&form_of(&[
            ("title", "Return Policy"),
            ("body", "Thirty days."),
            ("language", "en"),
            ("state", "published"),
            ("public", "on"),
        ]))
        .unwrap();
        assert_eq!(d.slug.as_str(), "return-policy");
        assert!(d.public);
    }

    #[test]
    fn every_bad_field_is_named() {
        let errors = draft(&form_of(&[
            ("title", ""),
            ("body", ""),
            ("language", "english!"),
            ("state", "archived"),
            ("slug", "Not Valid"),
        ]))
        .unwrap_err();
        for field in ["title", "body", "language", "state", "slug"] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
    }
}
