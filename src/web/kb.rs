//! `GET /kb/{slug}`: the public page of a published article marked public, for anyone (no
//! sign-in): what an agent's shared link opens on the customer's phone. Anything else is 404,
//! drafts included, so unpublished addresses cannot be probed.

use crate::app::Desk;
use crate::domain::knowledge::ArticleSlug;
use crate::web::agent::conversation::render;
use crate::web::ui::{PageError, When};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

#[derive(Template)]
#[template(path = "kb/article.html")]
struct PublicArticle {
    title: String,
    language: String,
    /// Paragraphs (split at blank lines), each as its lines.
    paragraphs: Vec<Vec<String>>,
    updated: When,
    /// The day it was last changed (a customer needs no more): `2026-12-01`.
    updated_on: String,
}

/// The text's paragraphs: blocks between blank lines, each kept as its lines.
fn paragraphs(body: &str) -> Vec<Vec<String>> {
    body.split("\n\n")
        .map(|p| {
            p.lines()
                .map(str::trim_end)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|p| !p.is_empty())
        .collect()
}

pub async fn show(
    path: web::Path<String>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let slug = ArticleSlug::parse(&path).map_err(|_| PageError::NotFound)?;
    let a = desk
        .public_article(slug)
        .await?
        .ok_or(PageError::NotFound)?;
    let updated = When::of(a.updated_at);
    let page = PublicArticle {
        title: a.content.title.to_string(),
        language: a.content.language.to_string(),
        paragraphs: paragraphs(a.content.body.as_str()),
        updated_on: updated.iso.get(..10).unwrap_or(&updated.iso).to_owned(),
        updated,
    };
    Ok(render(&page, StatusCode::OK))
}

#[cfg(test)]
mod tests {
    use super::paragraphs;

    #[test]
    fn blank_lines_split_paragraphs_and_single_breaks_stay_lines() {
        assert_eq!(
            paragraphs("One\ntwo\n\n\nThree\n"),
            vec![
                vec!["One".to_owned(), "two".to_owned()],
                vec!["Three".to_owned()]
            ]
        );
    }
}
