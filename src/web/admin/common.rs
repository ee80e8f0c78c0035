//! Pieces the template and quick-reply pages share: the list query (`?workstream=ID` and the
//! notices after a redirect), workstream checkboxes and filter links, domain errors as sentences.

use crate::domain::WorkstreamId;
use crate::store::records::Workstream;
use crate::web::csrf::FormData;
use crate::web::ui::{Field, FieldErrors, FieldKind, Link, PageError, Section};
use std::fmt::Display;

/// A page's query: the `?workstream=ID` filter of a list, and the notice a redirect asks for.
#[derive(serde::Deserialize)]
pub struct Query {
    workstream: Option<String>,
    created: Option<String>,
    saved: Option<String>,
    deleted: Option<String>,
}

impl Query {
    pub fn notice(&self, what: &str) -> Option<Section> {
        let done = [
            (&self.created, "created"),
            (&self.saved, "saved"),
            (&self.deleted, "deleted"),
        ];
        done.into_iter()
            .find(|(flag, _)| flag.is_some())
            .map(|(_, verb)| Section::Notice(format!("{what} {verb}.")))
    }

    /// The workstream `?workstream=ID` names: `Ok(None)` without one, 404 if it is unknown.
    pub fn workstream<'a>(
        &self,
        all: &'a [Workstream],
    ) -> Result<Option<&'a Workstream>, PageError> {
        match self.workstream.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(raw) => raw
                .parse::<u64>()
                .ok()
                .and_then(|id| all.iter().find(|w| w.id.get() == id))
                .map(Some)
                .ok_or(PageError::NotFound),
        }
    }
}

/// A domain error as a sentence: capital first letter, final full stop.
pub fn sentence(e: impl Display) -> String {
    let s = e.to_string();
    let mut chars = s.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// Checkboxes for `offered`, ticked for `picked`.
pub fn workstream_field(label: &str, offered: &[Workstream], picked: &[WorkstreamId]) -> Field {
    let options = offered
        .iter()
        .map(|w| {
            (
                w.id.get().to_string(),
                w.name.to_string(),
                picked.contains(&w.id),
            )
        })
        .collect();
    Field::new("workstreams", label, FieldKind::Choices { options })
}

/// The ticked workstreams; anything not offered is an error, never stored.
pub fn picked_workstreams(
    f: &FormData,
    offered: &[Workstream],
    errors: &mut FieldErrors,
) -> Vec<WorkstreamId> {
    let mut out = Vec::new();
    for v in f.all("workstreams") {
        let found = v
            .trim()
            .parse::<u64>()
            .ok()
            .and_then(|id| offered.iter().find(|w| w.id.get() == id));
        match found {
            Some(w) if !out.contains(&w.id) => out.push(w.id),
            Some(_) => {}
            None => errors.add("workstreams", "Choose workstreams from the list."),
        }
    }
    out
}

/// Names of the workstreams in `ids` that still exist.
pub fn workstream_names(ids: &[WorkstreamId], all: &[Workstream]) -> String {
    all.iter()
        .filter(|w| ids.contains(&w.id))
        .map(|w| w.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// "All" and one link per workstream, filtering the list at `base`; `only` is selected.
pub fn filter_links(base: &str, workstreams: &[Workstream], only: Option<WorkstreamId>) -> Section {
    let all = Link {
        href: base.to_owned(),
        text: "All".into(),
    };
    let each = workstreams.iter().map(|w| Link {
        href: format!("{base}?workstream={}", w.id.get()),
        text: w.name.to_string(),
    });
    let current = only
        .and_then(|id| workstreams.iter().position(|w| w.id == id))
        .map_or(0, |i| i + 1);
    Section::Choice {
        label: "Workstream".into(),
        options: std::iter::once(all).chain(each).collect(),
        current,
    }
}
