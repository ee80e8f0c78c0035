//! The knowledge section: articles matched by their slug (their public address); the check
//! (one article per slug) and making the store's articles match the file's. Also each
//! workstream's agent script (`workstreams.script`): at most `MAX_STEPS` steps, replaced whole.

use super::*;
use crate::domain::knowledge::script::MAX_STEPS;
use crate::store::knowledge::ArticleContent;
use crate::store::scripts::ScriptEdit;

pub(super) fn check_knowledge(s: &Scope, out: &mut Problems) {
    if let Some(list) = &s.file.knowledge {
        duplicates(out, &P::root("knowledge"), list, "article", |a| {
            a.slug.to_string()
        });
    }
    for (i, w) in s.file.workstreams.iter().flatten().enumerate() {
        if w.script.len() > MAX_STEPS {
            err(
                out,
                P::root("workstreams").at(i).key("script"),
                format!("a script has at most {MAX_STEPS} steps"),
            );
        }
    }
}

/// Makes the workstream's script the file's, if it differs from what was exported.
pub(super) async fn apply_script(
    store: &Store,
    id: crate::domain::WorkstreamId,
    w: &WorkstreamDoc,
    old: Option<&WorkstreamDoc>,
) -> Applied {
    if old.is_some_and(|o| o.script == w.script) {
        return Ok(Ok(()));
    }
    let steps = w.script.iter().map(|s| (s.kind, s.text.clone())).collect();
    step!(
        format!("changing the script of {}", w.name),
        store.edit_script(id, ScriptEdit::Replace(steps))
    );
    Ok(Ok(()))
}

/// What the file changes in a workstream's script: steps added and removed, by their text.
pub(super) fn script_changes(
    name: &str,
    old: Option<&WorkstreamDoc>,
    w: &WorkstreamDoc,
) -> SectionChanges {
    let mut s = diff(
        format!("script of {name}"),
        old.map_or(&[][..], |o| &o.script[..]),
        &w.script,
        |s: &ScriptStepDoc| format!("{}|{}", s.kind.as_str(), s.text.as_str()),
        |s| format!("the step \"{}\"", s.text.as_str()),
    );
    if old.is_some_and(|o| o.script != w.script) && s.is_empty() {
        s.change.push("the order of the steps".to_owned());
    }
    s
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
