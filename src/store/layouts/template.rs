//! `Template` layouts. Layout 1 was written in two shapes behind the same version byte: first
//! without variants (the record ends after `workstreams`), later with the variants appended.
//! Layout 2 is the second shape with the name and the languages checked. Layout 3 adds a label
//! and example per placeholder (`variables`); earlier templates read with none.

use super::checked;
use crate::domain::language::LanguageCode;
use crate::domain::template::TemplateText;
use crate::domain::template_name::TemplateName;
use crate::domain::{ContentSid, TemplateId, WorkstreamId};
use crate::store::codec::{DecodeError, Record, exact, grown, unknown};
use crate::store::records::{Template, TemplateVariant};
use serde::Deserialize;

impl Record for Template {
    const TABLE: &'static str = "template_record";
    const VERSION: u8 = 3;

    fn decode_earlier(version: u8, body: &[u8]) -> Result<Self, DecodeError> {
        match version {
            1 => v1(body),
            2 => {
                let v: V2 = exact(2, body)?;
                Ok(Template {
                    id: v.id,
                    name: v.name,
                    language: v.language,
                    text: v.text,
                    content_sid: v.content_sid,
                    workstreams: v.workstreams,
                    variants: v.variants,
                    variables: Vec::new(),
                })
            }
            _ => Err(unknown::<Self>(version)),
        }
    }
}

/// Layout 2: today's template without the placeholders' labels and examples.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct V2 {
    id: TemplateId,
    name: TemplateName,
    language: LanguageCode,
    text: TemplateText,
    content_sid: Option<ContentSid>,
    workstreams: Vec<WorkstreamId>,
    variants: Vec<TemplateVariant>,
}

/// What every layout-1 record starts with.
#[derive(Deserialize)]
struct V1Head {
    id: TemplateId,
    name: String,
    language: String,
    text: TemplateText,
    content_sid: Option<ContentSid>,
    workstreams: Vec<WorkstreamId>,
}

#[derive(Deserialize)]
struct V1Variant {
    language: String,
    text: TemplateText,
}

/// A record without variants has none.
fn v1(body: &[u8]) -> Result<Template, DecodeError> {
    let (head, variants): (V1Head, Option<Vec<V1Variant>>) = grown(1, body)?;
    Ok(Template {
        id: head.id,
        name: checked("name", TemplateName::parse(&head.name))?,
        language: checked("language", LanguageCode::parse(&head.language))?,
        text: head.text,
        content_sid: head.content_sid,
        workstreams: head.workstreams,
        variables: Vec::new(),
        variants: variants
            .unwrap_or_default()
            .into_iter()
            .map(|v| {
                Ok(TemplateVariant {
                    language: checked("variants.language", LanguageCode::parse(&v.language))?,
                    text: v.text,
                })
            })
            .collect::<Result<_, DecodeError>>()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreError;
    use crate::store::codec::{decode_at, encode};

    /// Bytes a build from before variants wrote: template 3 `order_update` in `en`, "Hi {{1}}",
    /// a Content SID, offered in workstream 1.
    const V1_WITHOUT_VARIANTS: &[u8] = &[
        1, 3, 12, 111, 114, 100, 101, 114, 95, 117, 112, 100, 97, 116, 101, 2, 101, 110, 8, 72,
        105, 32, 123, 123, 49, 125, 125, 1, 1, 34, 72, 88, 98, 53, 98, 54, 50, 53, 55, 53, 101, 54,
        101, 52, 102, 102, 54, 49, 50, 57, 97, 100, 55, 99, 56, 101, 102, 101, 49, 102, 57, 56, 51,
        101, 1, 1,
    ];

    /// Bytes a build with variants wrote under version 1: `greet()`.
    const V1_WITH_VARIANTS: &[u8] = &[
        1, 5, 5, 103, 114, 101, 101, 116, 2, 101, 110, 8, 72, 105, 32, 123, 123, 49, 125, 125, 1,
        0, 1, 2, 1, 5, 101, 115, 95, 77, 88, 10, 72, 111, 108, 97, 32, 123, 123, 49, 125, 125, 1,
    ];

    fn text(s: &str) -> TemplateText {
        TemplateText::parse(s).unwrap()
    }

    fn lang(s: &str) -> LanguageCode {
        LanguageCode::parse(s).unwrap()
    }

    fn greet() -> Template {
        Template {
            id: TemplateId::new(5),
            name: TemplateName::parse("greet").unwrap(),
            language: lang("en"),
            text: text("Hi {{1}}"),
            content_sid: None,
            workstreams: vec![WorkstreamId::new(2)],
            variants: vec![TemplateVariant {
                language: lang("es_MX"),
                text: text("Hola {{1}}"),
            }],
            variables: vec![],
        }
    }

    fn corrupt_reason(bytes: &[u8]) -> DecodeError {
        match decode_at::<Template>(5, bytes) {
            Err(StoreError::Corrupt { table, key, reason }) => {
                assert_eq!((table, key.as_str()), ("template_record", "5"));
                reason
            }
            other => panic!("not refused as corrupt: {other:?}"),
        }
    }

    #[test]
    fn layout_1_without_variants_reads_with_none() {
        let t: Template = decode_at(3, V1_WITHOUT_VARIANTS).unwrap();
        assert_eq!(t.name.as_str(), "order_update");
        assert_eq!(t.language, lang("en"));
        assert_eq!(t.text, text("Hi {{1}}"));
        assert_eq!(
            t.content_sid,
            ContentSid::parse("HXb5b62575e6e4ff6129ad7c8efe1f983e").ok()
        );
        assert_eq!(t.workstreams, vec![WorkstreamId::new(1)]);
        assert!(t.variants.is_empty());
    }

    #[test]
    fn layout_1_with_variants_reads_them_and_picks_the_language() {
        let t: Template = decode_at(5, V1_WITH_VARIANTS).unwrap();
        assert_eq!(t, greet());
        assert_eq!(t.text_for("es-mx").as_str(), "Hola {{1}}");
        assert_eq!(t.text_for("fr").as_str(), "Hi {{1}}");
    }

    #[test]
    fn layout_2_is_layout_1_with_variants_under_a_new_version_byte() {
        let mut bytes = V1_WITH_VARIANTS.to_vec();
        bytes[0] = 2;
        assert_eq!(decode_at::<Template>(5, &bytes).unwrap(), greet());
    }

    #[test]
    fn layout_3_adds_the_placeholders_labels_and_examples() {
        use crate::domain::template_variable::VariableHint;
        let mut t = greet();
        t.variables = vec![VariableHint::parse("First name", "Ana").unwrap()];
        let bytes = encode(&t).unwrap();
        assert_eq!(bytes[0], 3);
        assert_eq!(decode_at::<Template>(5, &bytes).unwrap(), t);
        // Layout 3 is layout 2 with the hints appended.
        assert_eq!(&bytes[1..V1_WITH_VARIANTS.len()], &V1_WITH_VARIANTS[1..]);
    }

    #[test]
    fn broken_variants_are_corrupt_not_an_empty_list() {
        let cut = &V1_WITH_VARIANTS[..V1_WITH_VARIANTS.len() - 3];
        assert!(matches!(
            corrupt_reason(cut),
            DecodeError::Malformed { version: 1, .. }
        ));
        let mut v2 = V1_WITHOUT_VARIANTS.to_vec();
        v2[0] = 2;
        corrupt_reason(&v2);
        let mut v3 = V1_WITH_VARIANTS.to_vec();
        v3[0] = 3;
        corrupt_reason(&v3);
    }

    #[test]
    fn a_name_todays_rules_refuse_is_corrupt_naming_the_field() {
        // Version 1 names were not checked when the CLI wrote them: "Greet" has a capital.
        let mut bytes = V1_WITH_VARIANTS.to_vec();
        bytes[3] = b'G';
        assert!(matches!(
            corrupt_reason(&bytes),
            DecodeError::Invalid { field: "name", .. }
        ));
    }

    #[test]
    fn future_versions_are_refused() {
        let mut bytes = encode(&greet()).unwrap();
        bytes[0] = 9;
        assert!(matches!(
            corrupt_reason(&bytes),
            DecodeError::UnknownVersion { found: 9, .. }
        ));
    }
}
