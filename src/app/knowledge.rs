//! Knowledge articles as the workspace uses them: writing them (admins and supervisors), ranked
//! search (`domain::knowledge::rank`) with drafts only for those who write, smart assist (the
//! same ranking with the customer's latest messages as the query), sharing into the composer and
//! the public page. Search reads every article and ranks them in memory; the index is kept
//! (`IndexCache`) until an article changes.

use super::Desk;
use crate::domain::ids::ArticleId;
use crate::domain::knowledge::ArticleSlug;
use crate::domain::knowledge::rank::{Doc, Index};
use crate::domain::sentiment::WINDOW;
use crate::domain::user::Role;
use crate::domain::{ConversationId, UserId};
use crate::store::StoreError;
use crate::store::knowledge::{Article, ArticleContent, ArticleRefusal};
use crate::store::outbox::MAX_OUTBOUND_CHARS;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

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
    #[error(
        "That article is longer than one message can be ({MAX_OUTBOUND_CHARS} characters): share \
         its link, or copy the part the customer needs."
    )]
    TooLong,
}

/// Whether an article's text fits in one message.
pub fn fits_a_message(a: &Article) -> bool {
    a.content.body.as_str().chars().count() <= MAX_OUTBOUND_CHARS
}

/// The articles an index was built from, each by id and a hash of what it says: equal
/// fingerprints mean the same articles with the same text. (Not the time of the last change: two
/// edits can fall in one millisecond.)
type Fingerprint = Vec<(ArticleId, u64)>;

fn fingerprint(articles: &[Article]) -> Fingerprint {
    articles
        .iter()
        .map(|a| {
            let c = &a.content;
            let mut h = DefaultHasher::new();
            c.title.as_str().hash(&mut h);
            c.body.as_str().hash(&mut h);
            for k in &c.keywords {
                k.as_str().hash(&mut h);
            }
            c.slug.as_str().hash(&mut h);
            c.language.as_str().hash(&mut h);
            c.state.as_str().hash(&mut h);
            c.public.hash(&mut h);
            (a.id, h.finish())
        })
        .collect()
}

/// A search index over one audience's articles, keyed by position in `articles`.
pub struct Ranked {
    fingerprint: Fingerprint,
    articles: Vec<Article>,
    index: Index<usize>,
}

impl Ranked {
    fn build(articles: Vec<Article>) -> Self {
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
        Self {
            fingerprint: fingerprint(&articles),
            articles,
            index,
        }
    }

    fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        self.index
            .search(query)
            .into_iter()
            .take(limit)
            .map(|(i, score)| Hit {
                article: self.articles[i].clone(),
                score,
            })
            .collect()
    }
}

/// The last index built for each audience. Tokenising every article is the cost of a search;
/// reading them to compare fingerprints is cheap, so an index is reused until an article is
/// added, changed or removed, whoever changed it.
#[derive(Default)]
pub struct IndexCache {
    agents: Mutex<Option<Arc<Ranked>>>,
    editors: Mutex<Option<Arc<Ranked>>>,
}

impl IndexCache {
    /// The index over `articles` (what `audience` sees), built again only if they changed.
    fn get(&self, audience: Audience, articles: Vec<Article>) -> Arc<Ranked> {
        let slot = match audience {
            Audience::Agents => &self.agents,
            Audience::Editors => &self.editors,
        };
        let print = fingerprint(&articles);
        let cached = slot.lock().ok().and_then(|s| s.clone());
        if let Some(r) = cached.filter(|r| r.fingerprint == print) {
            return r;
        }
        let fresh = Arc::new(Ranked::build(articles));
        if let Ok(mut s) = slot.lock() {
            *s = Some(fresh.clone());
        }
        fresh
    }
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
        self.store()
            .create_article(draft, Some(author), self.now())
            .await
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
        Ok(self.ranked(audience).await?.search(query, MAX_RESULTS))
    }

    /// The search index over the articles `audience` sees.
    async fn ranked(&self, audience: Audience) -> Result<Arc<Ranked>, StoreError> {
        let seen: Vec<Article> = self
            .articles()
            .await?
            .into_iter()
            .filter(|a| audience.sees(a))
            .collect();
        let cache = self.knowledge_index.clone();
        // Building tokenises every article: off the async threads.
        tokio::task::spawn_blocking(move || cache.get(audience, seen))
            .await
            .map_err(|_| StoreError::Closed)
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
        Ok(self
            .ranked(Audience::Agents)
            .await?
            .search(&query, SUGGESTIONS))
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
            ShareAs::Text if !fits_a_message(&a) => Err(ShareRefusal::TooLong),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Timestamp;
    use crate::domain::knowledge::{ArticleBody, ArticleSlug, ArticleState, ArticleTitle};
    use crate::domain::language::LanguageCode;

    /// An article; all written at one instant, as edits within one millisecond are.
    fn article(id: u64, title: &str) -> Article {
        Article {
            id: ArticleId::new(id),
            content: ArticleContent {
                slug: ArticleSlug::from_title(title).unwrap(),
                title: ArticleTitle::parse(title).unwrap(),
                body: ArticleBody::parse("Text.").unwrap(),
                keywords: Vec::new(),
                language: LanguageCode::english(),
                state: ArticleState::Published,
                public: false,
            },
            author: Some(UserId::new(1)),
            created_at: Timestamp::from_millis(0),
            updated_at: Timestamp::from_millis(0),
        }
    }

    fn titles(r: &Ranked, q: &str) -> Vec<String> {
        r.search(q, 10)
            .into_iter()
            .map(|h| h.article.content.title.to_string())
            .collect()
    }

    #[test]
    fn the_index_is_reused_until_an_article_changes() {
        let cache = IndexCache::default();
        let first = cache.get(Audience::Agents, vec![article(1, "Refunds")]);
        let again = cache.get(Audience::Agents, vec![article(1, "Refunds")]);
        assert!(
            Arc::ptr_eq(&first, &again),
            "nothing changed: the same index"
        );
        // An edit, even in the same millisecond, builds a new index that finds the new title.
        let edited = cache.get(Audience::Agents, vec![article(1, "Shipping")]);
        assert!(!Arc::ptr_eq(&first, &edited));
        assert_eq!(titles(&edited, "shipping"), ["Shipping"]);
        assert!(titles(&edited, "refund").is_empty());
        // A new article, and a removed one, are seen too.
        let added = cache.get(
            Audience::Agents,
            vec![article(1, "Shipping"), article(2, "Refunds")],
        );
        assert_eq!(titles(&added, "refund"), ["Refunds"]);
        let removed = cache.get(Audience::Agents, vec![article(2, "Refunds")]);
        assert!(titles(&removed, "shipping").is_empty());
        // Each audience keeps its own.
        let editors = cache.get(Audience::Editors, vec![article(2, "Refunds")]);
        assert!(!Arc::ptr_eq(&removed, &editors));
    }
}
