//! Knowledge articles: what admins and supervisors write for agents (and, when public, for
//! anyone at `/kb/{slug}`). Slugs are unique: `slug_article` is written with the record in the
//! same transaction, so two articles can never claim one address.

use super::tables::{ARTICLE_RECORD, SLUG_ARTICLE};
use super::{Store, StoreError, all_records, codec, get_record, next_id};
use crate::domain::ids::ArticleId;
use crate::domain::knowledge::{ArticleBody, ArticleSlug, ArticleState, ArticleTitle, Keyword};
use crate::domain::language::LanguageCode;
use crate::domain::{Timestamp, UserId};
use redb::{ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    pub id: ArticleId,
    pub content: ArticleContent,
    /// Who wrote it first; None for an article that came from a configuration file.
    pub author: Option<UserId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl codec::Record for Article {
    const TABLE: &'static str = "article_record";
}

impl Article {
    pub fn is_published(&self) -> bool {
        self.content.state == ArticleState::Published
    }

    /// Whether `/kb/{slug}` shows it.
    pub fn is_public(&self) -> bool {
        self.content.public && self.is_published()
    }
}

/// What an article says and how it is shown, as the form submits it, every part parsed; also
/// an article of the configuration file's `knowledge` section, matched by its slug.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleContent {
    pub slug: ArticleSlug,
    pub title: ArticleTitle,
    pub body: ArticleBody,
    #[serde(default)]
    pub keywords: Vec<Keyword>,
    pub language: LanguageCode,
    pub state: ArticleState,
    /// Shown to anyone at `/kb/{slug}` while published.
    #[serde(default)]
    pub public: bool,
}

/// Why an article change was refused; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArticleRefusal {
    #[error("No such article.")]
    Unknown,
    #[error("Another article already uses the address /kb/{0}. Choose another address name.")]
    SlugTaken(String),
}

type Refusable<T> = Result<Result<T, ArticleRefusal>, StoreError>;

/// Claims `slug` for `id`, unless another article holds it.
fn claim_slug(
    tx: &WriteTransaction,
    slug: &ArticleSlug,
    id: ArticleId,
) -> Result<bool, StoreError> {
    let mut t = tx.open_table(SLUG_ARTICLE)?;
    let holder = t.get(slug.as_str())?.map(|g| g.value());
    match holder {
        Some(other) if other != id.get() => Ok(false),
        _ => {
            t.insert(slug.as_str(), id.get())?;
            Ok(true)
        }
    }
}

impl Store {
    /// Every article, in id order.
    pub async fn articles(&self) -> Result<Vec<Article>, StoreError> {
        self.read(|rtx| all_records(&rtx.open_table(ARTICLE_RECORD)?))
            .await
    }

    pub async fn article(&self, id: ArticleId) -> Result<Option<Article>, StoreError> {
        self.read(move |rtx| get_record(&rtx.open_table(ARTICLE_RECORD)?, id.get()))
            .await
    }

    pub async fn article_by_slug(&self, slug: ArticleSlug) -> Result<Option<Article>, StoreError> {
        self.read(move |rtx| {
            let Some(id) = rtx
                .open_table(SLUG_ARTICLE)?
                .get(slug.as_str())?
                .map(|g| g.value())
            else {
                return Ok(None);
            };
            get_record(&rtx.open_table(ARTICLE_RECORD)?, id)
        })
        .await
    }

    pub async fn create_article(
        &self,
        content: ArticleContent,
        author: Option<UserId>,
        now: Timestamp,
    ) -> Refusable<Article> {
        self.write(move |tx| {
            let slug = &content.slug;
            if tx.open_table(SLUG_ARTICLE)?.get(slug.as_str())?.is_some() {
                return Ok(Err(ArticleRefusal::SlugTaken(slug.to_string())));
            }
            let id = ArticleId::new(next_id(tx, "article")?);
            claim_slug(tx, slug, id)?;
            let a = Article {
                id,
                content: content.clone(),
                author,
                created_at: now,
                updated_at: now,
            };
            tx.open_table(ARTICLE_RECORD)?
                .insert(id.get(), codec::encode(&a)?.as_slice())?;
            Ok(Ok(a))
        })
        .await
    }

    pub async fn update_article(
        &self,
        id: ArticleId,
        content: ArticleContent,
        now: Timestamp,
    ) -> Refusable<Article> {
        self.write(move |tx| {
            let Some(old) = get_record::<Article, _>(&tx.open_table(ARTICLE_RECORD)?, id.get())?
            else {
                return Ok(Err(ArticleRefusal::Unknown));
            };
            let slug = &content.slug;
            if !claim_slug(tx, slug, id)? {
                return Ok(Err(ArticleRefusal::SlugTaken(slug.to_string())));
            }
            if old.content.slug != *slug {
                tx.open_table(SLUG_ARTICLE)?
                    .remove(old.content.slug.as_str())?;
            }
            let a = Article {
                content: content.clone(),
                updated_at: now,
                ..old
            };
            tx.open_table(ARTICLE_RECORD)?
                .insert(id.get(), codec::encode(&a)?.as_slice())?;
            Ok(Ok(a))
        })
        .await
    }

    pub async fn delete_article(&self, id: ArticleId) -> Refusable<Article> {
        self.write(move |tx| {
            let removed = tx
                .open_table(ARTICLE_RECORD)?
                .remove(id.get())?
                .map(|g| codec::decode_at::<Article>(id.get(), g.value()));
            match removed.transpose()? {
                Some(a) => {
                    tx.open_table(SLUG_ARTICLE)?
                        .remove(a.content.slug.as_str())?;
                    Ok(Ok(a))
                }
                None => Ok(Err(ArticleRefusal::Unknown)),
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::knowledge::script::{Script, StepKind, StepText};
    use crate::store::tables::{ARTICLE_RECORD, WORKSTREAM_SCRIPT};
    use codec::Record;
    use redb::TableHandle;

    fn article() -> Article {
        Article {
            id: ArticleId::new(3),
            content: ArticleContent {
                slug: ArticleSlug::parse("returns").unwrap(),
                title: ArticleTitle::parse("Returns").unwrap(),
                body: ArticleBody::parse("Thirty days.").unwrap(),
                keywords: vec![Keyword::parse("refund").unwrap()],
                language: LanguageCode::english(),
                state: ArticleState::Published,
                public: true,
            },
            author: Some(UserId::new(1)),
            created_at: Timestamp::from_millis(1),
            updated_at: Timestamp::from_millis(2),
        }
    }

    #[test]
    fn articles_and_scripts_are_stored_in_their_tables() {
        assert_eq!(Article::TABLE, ARTICLE_RECORD.name());
        assert_eq!(Script::TABLE, WORKSTREAM_SCRIPT.name());
    }

    #[test]
    fn records_round_trip_and_a_value_todays_rules_refuse_is_corrupt() {
        let a = article();
        let bytes = codec::encode(&a).unwrap();
        assert_eq!(codec::decode_at::<Article>(3, &bytes).unwrap(), a);
        // The same bytes with the slug's first letter upper-cased: no longer a slug.
        let mut bad = bytes.clone();
        let at = bad.windows(7).position(|w| w == b"returns").unwrap();
        bad[at] = b'R';
        assert!(matches!(
            codec::decode_at::<Article>(3, &bad),
            Err(StoreError::Corrupt {
                table: "article_record",
                ..
            })
        ));
        let mut s = Script::default();
        s.add(StepKind::SendText, StepText::parse("Hello").unwrap())
            .unwrap();
        let bytes = codec::encode(&s).unwrap();
        assert_eq!(codec::decode_at::<Script>(1, &bytes).unwrap(), s);
        assert!(codec::decode_at::<Script>(1, &bytes[..bytes.len() - 1]).is_err());
    }
}
