//! Knowledge articles as the workspace uses them: writing them (admins and supervisors), ranked
//! search (`domain::knowledge::rank`) with drafts only for those who write, smart assist (the
//! same ranking with the customer's latest messages as the query), sharing into the composer and
//! the public page. Search reads every article and ranks them in memory for each request.

use super::Desk;
use crate::domain::ids::ArticleId;
use crate::domain::knowledge::ArticleSlug;
use crate::domain::knowledge::rank::{Doc, Index};
use crate::domain::sentiment::WINDOW;
use crate::domain::user::Role;
use crate::domain::{ConversationId, UserId};
use crate::store::StoreError;
use crate::store::knowledge::{Article, ArticleContent, ArticleRefusal};

/// How many articles smart assist suggests.
pub const SUGGESTIONS: usize = 3;
/// Most results a search shows.
pub const MAX_RESULTS: usize = 20;

/// Whose search it is: agents find published articles; those who write them find drafts too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Agents,
    Editors,
}

impl Audience {
    pub fn of(role: Role) -> Self {
        if may_edit(role) {
            Audience::Editors
        } else {
            Audience::Agents
        }
    }

    fn sees(self, a: &Article) -> bool {
        self == Audience::Editors || a.is_published()
    }
}

/// Who writes knowledge articles and agent scripts.
pub fn may_edit(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Supervisor)
}

/// One search result.
#[derive(Debug, Clone)]
pub struct Hit {
    pub article: Article,
    pub score: f64,
}

/// What a "Share" puts into the composer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareAs {
    Text,
    Link,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareRefusal {
    #[error("That article is not published, so it cannot be shared.")]
    NotShared,
    #[error("That article has no public page, so it has no link to share; share its text.")]
    NoLink,
}

fn rank(articles: Vec<Article>, query: &str, limit: usize) -> Vec<Hit> {
    let keywords: Vec<Vec<&str>> = articles
        .iter()
        .map(|a| a.content.keywords.iter().map(|k| k.as_str()).collect())
        .collect();
    let index = Index::build(articles.iter().enumerate().map(|(i, a)| Doc {
        key: i,
        title: a.content.title.as_str(),
        keywords: &keywords[i],
        body: a.content.body.as_str(),
    }));
    index
        .search(query)
        .into_iter()
        .take(limit)
        .map(|(i, score)| Hit {
            article: articles[i].clone(),
            score,
        })
        .collect()
}

impl Desk {
    /// Every article, for the knowledge pages.
    pub async fn articles(&self) -> Result<Vec<Article>, StoreError> {
        self.store().articles().await
    }

    pub async fn article(&self, id: ArticleId) -> Result<Option<Article>, StoreError> {
        self.store().article(id).await
    }

    pub async fn create_article(
        &self,
        draft: ArticleContent,
        author: UserId,
    ) -> Result<Result<Article, ArticleRefusal>, StoreError> {
        self.store().create_article(draft, author, self.now()).await
    }

    pub async fn update_article(
        &self,
        id: ArticleId,
        draft: ArticleContent,
    ) -> Result<Result<Article, ArticleRefusal>, StoreError> {
        self.store().update_article(id, draft, self.now()).await
    }

    pub async fn delete_article(
        &self,
        id: ArticleId,
    ) -> Result<Result<Article, ArticleRefusal>, StoreError> {
        self.store().delete_article(id).await
    }

    /// The articles `audience` may read that match `query`, best first.
    pub async fn search_articles(
        &self,
        query: &str,
        audience: Audience,
    ) -> Result<Vec<Hit>, StoreError> {
        let seen: Vec<Article> = self
            .articles()
            .await?
            .into_iter()
            .filter(|a| audience.sees(a))
            .collect();
        Ok(rank(seen, query, MAX_RESULTS))
    }

    /// Smart assist: the published articles that best match the customer's latest messages
    /// (the same window sentiment reads), at most `SUGGESTIONS`.
    pub async fn suggest_articles(&self, conv: ConversationId) -> Result<Vec<Hit>, StoreError> {
        let texts = self
            .store()
            .recent_customer_texts(vec![conv], WINDOW)
            .await?
            .remove(&conv)
            .unwrap_or_default();
        let query = texts.join("\n");
        let published: Vec<Article> = self
            .articles()
            .await?
            .into_iter()
            .filter(Article::is_published)
            .collect();
        Ok(rank(published, &query, SUGGESTIONS))
    }

    /// The address of an article's public page, if it has one.
    pub fn article_link(&self, a: &Article) -> Option<String> {
        a.is_public().then(|| {
            format!(
                "{}/kb/{}",
                self.settings().public_url().trim_end_matches('/'),
                a.content.slug
            )
        })
    }

    /// What sharing `id` puts into the composer: its text, or its public link.
    pub async fn shared_article(
        &self,
        id: ArticleId,
        how: ShareAs,
    ) -> Result<Result<String, ShareRefusal>, StoreError> {
        let Some(a) = self.article(id).await?.filter(Article::is_published) else {
            return Ok(Err(ShareRefusal::NotShared));
        };
        Ok(match how {
            ShareAs::Text => Ok(a.content.body.to_string()),
            ShareAs::Link => self.article_link(&a).ok_or(ShareRefusal::NoLink),
        })
    }

    /// The article `/kb/{slug}` shows: published and public, else none.
    pub async fn public_article(&self, slug: ArticleSlug) -> Result<Option<Article>, StoreError> {
        Ok(self
            .store()
            .article_by_slug(slug)
            .await?
            .filter(Article::is_public))
    }
}
