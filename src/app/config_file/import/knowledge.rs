//! The knowledge section: articles matched by their slug (their public address); the check
//! (one article per slug) and making the store's articles match the file's.

use super::*;
use crate::store::knowledge::ArticleContent;

pub(super) fn check_knowledge(s: &Scope, out: &mut Problems) {
    if let Some(list) = &s.file.knowledge {
        duplicates(out, &P::root("knowledge"), list, "article", |a| {
            a.slug.to_string()
        });
    }
}

pub(super) async fn apply_knowledge(
    store: &Store,
    list: &[ArticleContent],
    now: Timestamp,
) -> Applied {
    let stored = store.articles().await?;
    for wanted in list {
        match stored.iter().find(|a| a.content.slug == wanted.slug) {
            Some(a) if a.content == *wanted => {}
            Some(a) => {
                step!(
                    format!("changing the article {}", wanted.slug),
                    store.update_article(a.id, wanted.clone(), now)
                );
            }
            None => {
                step!(
                    format!("adding the article {}", wanted.slug),
                    store.create_article(wanted.clone(), None, now)
                );
            }
        }
    }
    for a in stored {
        if !list.iter().any(|w| w.slug == a.content.slug) {
            step!(
                format!("removing the article {}", a.content.slug),
                store.delete_article(a.id)
            );
        }
    }
    Ok(Ok(()))
}
