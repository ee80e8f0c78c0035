//! WhatsApp message templates for the admin pages: create, edit, delete, and list per workstream.
//! A name is unique per default language; templates are listed only for WhatsApp workstreams.
//! Deleting a template leaves sent messages as they are (they keep their rendered text).

use super::records::{Template, TemplateVariant, Workstream};
use super::tables::{TEMPLATE_RECORD, WORKSTREAM_RECORD};
use super::{Store, StoreError, all_records, codec, get_record, next_id};
use crate::domain::language::LanguageCode;
use crate::domain::template::TemplateText;
use crate::domain::template_name::TemplateName;
use crate::domain::{Channel, ContentSid, TemplateId, WorkstreamId};
use redb::{ReadableTable, WriteTransaction};

/// A template as the admin form submits it, every part already parsed.
#[derive(Debug, Clone)]
pub struct TemplateDraft {
    pub name: TemplateName,
    pub language: LanguageCode,
    pub text: TemplateText,
    pub content_sid: Option<ContentSid>,
    pub variants: Vec<(LanguageCode, TemplateText)>,
    pub workstreams: Vec<WorkstreamId>,
    /// Label and example per placeholder, in order (trailing empty ones are dropped).
    pub variables: Vec<crate::domain::template_variable::VariableHint>,
}

/// Why a template change was refused; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateRefusal {
    #[error("No such template.")]
    Unknown,
    #[error("A template named {name} already exists for language {language}.")]
    Duplicate { name: String, language: String },
    #[error("No such workstream.")]
    UnknownWorkstream,
    #[error("Templates are for WhatsApp; {0} is an SMS workstream.")]
    NotWhatsApp(String),
    #[error("Language {0} is given more than once.")]
    RepeatedLanguage(String),
    #[error("The {language} text has {given} placeholders; the default text has {expected}.")]
    PlaceholderCount {
        language: String,
        expected: usize,
        given: usize,
    },
    #[error("{{{{{0}}}}} has a label or example, but the text has no such placeholder.")]
    VariableWithoutPlaceholder(usize),
}

impl TemplateDraft {
    /// The rules that hold between the parts: variants match the default text's placeholders and
    /// no language appears twice.
    pub fn check(&self) -> Result<(), TemplateRefusal> {
        let mut seen = vec![self.language.key()];
        for (lang, text) in &self.variants {
            if seen.contains(&lang.key()) {
                return Err(TemplateRefusal::RepeatedLanguage(lang.to_string()));
            }
            seen.push(lang.key());
            if text.placeholders() != self.text.placeholders() {
                return Err(TemplateRefusal::PlaceholderCount {
                    language: lang.to_string(),
                    expected: self.text.placeholders(),
                    given: text.placeholders(),
                });
            }
        }
        let described = self.variables.iter().rposition(|h| !h.is_empty());
        if let Some(last) = described.filter(|i| *i >= self.text.placeholders()) {
            return Err(TemplateRefusal::VariableWithoutPlaceholder(last + 1));
        }
        Ok(())
    }

    fn into_template(self, id: TemplateId) -> Template {
        let mut workstreams = self.workstreams;
        workstreams.sort();
        workstreams.dedup();
        Template {
            id,
            name: self.name,
            language: self.language,
            text: self.text,
            content_sid: self.content_sid,
            workstreams,
            variants: self
                .variants
                .into_iter()
                .map(|(language, text)| TemplateVariant { language, text })
                .collect(),
            variables: {
                let mut v = self.variables;
                while v.last().is_some_and(|h| h.is_empty()) {
                    v.pop();
                }
                v
            },
        }
    }
}

/// Every check that needs the stored records; `id` is the template being edited, if any.
fn refusal(
    tx: &WriteTransaction,
    draft: &TemplateDraft,
    id: Option<TemplateId>,
) -> Result<Option<TemplateRefusal>, StoreError> {
    if let Err(r) = draft.check() {
        return Ok(Some(r));
    }
    let templates: Vec<Template> = all_records(&tx.open_table(TEMPLATE_RECORD)?)?;
    let clash = templates.iter().any(|t| {
        Some(t.id) != id && t.name == draft.name && t.language.key() == draft.language.key()
    });
    if clash {
        return Ok(Some(TemplateRefusal::Duplicate {
            name: draft.name.to_string(),
            language: draft.language.to_string(),
        }));
    }
    let workstreams = tx.open_table(WORKSTREAM_RECORD)?;
    for w in &draft.workstreams {
        match get_record::<Workstream, _>(&workstreams, w.get())? {
            None => return Ok(Some(TemplateRefusal::UnknownWorkstream)),
            Some(ws) if ws.channel != Channel::WhatsApp => {
                return Ok(Some(TemplateRefusal::NotWhatsApp(ws.name.to_string())));
            }
            Some(_) => {}
        }
    }
    Ok(None)
}

impl Store {
    pub async fn template(&self, id: TemplateId) -> Result<Option<Template>, StoreError> {
        self.read(move |rtx| get_record(&rtx.open_table(TEMPLATE_RECORD)?, id.get()))
            .await
    }

    /// The templates offered in one workstream, in id order.
    pub async fn templates_for(&self, ws: WorkstreamId) -> Result<Vec<Template>, StoreError> {
        let all = self.templates().await?;
        Ok(all
            .into_iter()
            .filter(|t| t.workstreams.contains(&ws))
            .collect())
    }

    pub async fn create_template(
        &self,
        draft: TemplateDraft,
    ) -> Result<Result<Template, TemplateRefusal>, StoreError> {
        self.write(move |tx| {
            if let Some(r) = refusal(tx, &draft, None)? {
                return Ok(Err(r));
            }
            let id = TemplateId::new(next_id(tx, "template")?);
            let t = draft.clone().into_template(id);
            tx.open_table(TEMPLATE_RECORD)?
                .insert(id.get(), codec::encode(&t)?.as_slice())?;
            Ok(Ok(t))
        })
        .await
    }

    pub async fn update_template(
        &self,
        id: TemplateId,
        draft: TemplateDraft,
    ) -> Result<Result<Template, TemplateRefusal>, StoreError> {
        self.write(move |tx| {
            if tx.open_table(TEMPLATE_RECORD)?.get(id.get())?.is_none() {
                return Ok(Err(TemplateRefusal::Unknown));
            }
            if let Some(r) = refusal(tx, &draft, Some(id))? {
                return Ok(Err(r));
            }
            let t = draft.clone().into_template(id);
            tx.open_table(TEMPLATE_RECORD)?
                .insert(id.get(), codec::encode(&t)?.as_slice())?;
            Ok(Ok(t))
        })
        .await
    }

    pub async fn delete_template(
        &self,
        id: TemplateId,
    ) -> Result<Result<Template, TemplateRefusal>, StoreError> {
        self.write(move |tx| {
            let mut table = tx.open_table(TEMPLATE_RECORD)?;
            let removed = table
                .remove(id.get())?
                .map(|g| codec::decode_at(id.get(), g.value()));
            match removed.transpose()? {
                Some(t) => Ok(Ok(t)),
                None => Ok(Err(TemplateRefusal::Unknown)),
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> TemplateText {
        TemplateText::parse(s).unwrap()
    }

    #[test]
    fn drafts_refuse_repeated_languages_and_mismatched_placeholders() {
        let lang = |s: &str| LanguageCode::parse(s).unwrap();
        let draft = |variants| TemplateDraft {
            name: TemplateName::parse("greet").unwrap(),
            language: lang("en"),
            text: text("Hi {{1}}"),
            content_sid: None,
            variants,
            workstreams: vec![],
            variables: vec![],
        };
        assert_eq!(
            draft(vec![(lang("es"), text("Hola {{1}}"))]).check(),
            Ok(())
        );
        assert!(matches!(
            draft(vec![(lang("EN"), text("Hi {{1}}"))]).check(),
            Err(TemplateRefusal::RepeatedLanguage(_))
        ));
        assert!(matches!(
            draft(vec![(lang("es"), text("Hola"))]).check(),
            Err(TemplateRefusal::PlaceholderCount {
                expected: 1,
                given: 0,
                ..
            })
        ));
    }
}
