//! WhatsApp message templates: approved text with `{{1}}`, `{{2}}`… placeholders. Placeholders must
//! be numbered from 1 without gaps; a send must supply a value for each.

use super::placeholders::{self, Syntax};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("the template text is empty")]
    Empty,
    #[error("placeholder {{{{{0}}}}} is not a number from 1 to 99")]
    BadPlaceholder(String),
    #[error("placeholders must be numbered from {{{{1}}}} without gaps; {{{{{0}}}}} is missing")]
    Gap(usize),
    #[error("a value is missing for {{{{{0}}}}}")]
    MissingValue(usize),
    #[error("the template takes {expected} values, {given} were given")]
    TooManyValues { expected: usize, given: usize },
    #[error(
        "{0} is not a template placeholder: WhatsApp templates use {{{{1}}}}, {{{{2}}}}… numbered from 1"
    )]
    OtherSyntax(String),
}

/// Approved template text whose placeholders were checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateText {
    text: String,
    placeholders: usize,
}

/// Splits text into literal pieces and placeholder numbers.
fn pieces(text: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else {
            break;
        };
        out.push(Piece::Text(&rest[..start]));
        let inner = rest[start + 2..start + 2 + len].trim();
        match inner.parse::<usize>() {
            Ok(n) if (1..=99).contains(&n) && inner.bytes().all(|b| b.is_ascii_digit()) => {
                out.push(Piece::Slot(n))
            }
            _ => {
                return Err(TemplateError::BadPlaceholder(
                    inner.chars().take(20).collect(),
                ));
            }
        }
        rest = &rest[start + 2 + len + 2..];
    }
    out.push(Piece::Text(rest));
    Ok(out)
}

enum Piece<'a> {
    Text(&'a str),
    Slot(usize),
}

impl TemplateText {
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        if text.trim().is_empty() {
            return Err(TemplateError::Empty);
        }
        if let Some(p) = placeholders::foreign(Syntax::Template, text) {
            return Err(TemplateError::OtherSyntax(p));
        }
        let mut seen = [false; 100];
        let mut max = 0;
        for p in pieces(text)? {
            if let Piece::Slot(n) = p {
                seen[n] = true;
                max = max.max(n);
            }
        }
        if let Some(gap) = (1..=max).find(|&n| !seen[n]) {
            return Err(TemplateError::Gap(gap));
        }
        Ok(Self {
            text: text.to_owned(),
            placeholders: max,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// How many values a send must supply.
    pub fn placeholders(&self) -> usize {
        self.placeholders
    }

    fn check_values(&self, values: &[String]) -> Result<(), TemplateError> {
        let blank = values.iter().position(|v| v.trim().is_empty());
        if let Some(i) = blank.filter(|&i| i < self.placeholders) {
            return Err(TemplateError::MissingValue(i + 1));
        }
        if values.len() < self.placeholders {
            return Err(TemplateError::MissingValue(values.len() + 1));
        }
        if values.len() > self.placeholders {
            return Err(TemplateError::TooManyValues {
                expected: self.placeholders,
                given: values.len(),
            });
        }
        Ok(())
    }

    /// The text with every `{{n}}` replaced by `values[n-1]`.
    pub fn render(&self, values: &[String]) -> Result<String, TemplateError> {
        self.check_values(values)?;
        let mut out = String::with_capacity(self.text.len());
        for p in pieces(&self.text)? {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Slot(n) => out.push_str(&values[n - 1]),
            }
        }
        Ok(out)
    }

    /// Twilio's `ContentVariables`: a JSON object `{"1": "…", "2": "…"}`.
    pub fn content_variables(&self, values: &[String]) -> Result<String, TemplateError> {
        self.check_values(values)?;
        let map: serde_json::Map<String, serde_json::Value> = values
            .iter()
            .enumerate()
            .map(|(i, v)| ((i + 1).to_string(), serde_json::Value::String(v.clone())))
            .collect();
        Ok(serde_json::Value::Object(map).to_string())
    }
}

/// The values of a `content_variables` JSON (`{"1": "…", "2": "…"}`), in placeholder order.
pub fn values_of(variables: &str) -> Result<Vec<String>, String> {
    let map: std::collections::BTreeMap<String, String> =
        serde_json::from_str(variables).map_err(|e| e.to_string())?;
    let mut numbered = map
        .into_iter()
        .map(|(k, v)| {
            k.parse::<usize>()
                .map(|n| (n, v))
                .map_err(|_| format!("key {k:?}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    numbered.sort_by_key(|(n, _)| *n);
    if numbered.iter().enumerate().any(|(i, (n, _))| *n != i + 1) {
        return Err("the placeholders are not numbered 1, 2, …".into());
    }
    Ok(numbered.into_iter().map(|(_, v)| v).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn placeholders_are_filled_in_order() {
        let t = TemplateText::parse("Hi {{1}}, your order {{2}} shipped. Thanks {{1}}!").unwrap();
        assert_eq!(t.placeholders(), 2);
        assert_eq!(
            t.render(&vals(&["Ana", "#42"])).unwrap(),
            "Hi Ana, your order #42 shipped. Thanks Ana!"
        );
        assert_eq!(
            t.content_variables(&vals(&["Ana", "#42"])).unwrap(),
            r##"{"1":"Ana","2":"#42"}"##
        );
    }

    #[test]
    fn bad_templates_are_refused_with_the_reason() {
        let cases = [
            ("", "empty"),
            ("Hi {{2}}", "does not start at 1"),
            ("Hi {{1}} {{3}}", "gap at 2"),
            ("Hi {{name}}", "not a number"),
            ("Hi {{0}}", "zero"),
            ("Hi {{-1}}", "negative"),
        ];
        for (text, why) in cases {
            assert!(
                TemplateText::parse(text).is_err(),
                "{text:?} accepted: {why}"
            );
        }
    }

    #[test]
    fn missing_or_extra_values_are_refused() {
        let t = TemplateText::parse("Hi {{1}}, code {{2}}").unwrap();
        assert_eq!(
            t.render(&vals(&["Ana"])),
            Err(TemplateError::MissingValue(2))
        );
        assert_eq!(
            t.render(&vals(&["", "x"])),
            Err(TemplateError::MissingValue(1))
        );
        assert!(matches!(
            t.render(&vals(&["a", "b", "c"])),
            Err(TemplateError::TooManyValues { .. })
        ));
        let plain = TemplateText::parse("No placeholders :-} here").unwrap();
        assert_eq!(plain.render(&[]).unwrap(), "No placeholders :-} here");
        assert_eq!(
            TemplateText::parse("Hi {AgentName}"),
            Err(TemplateError::OtherSyntax("{AgentName}".into())),
            "an automated-message placeholder is named"
        );
    }

    #[test]
    fn stored_variables_give_the_values_back_in_placeholder_order() {
        let values: Vec<String> = (1..=11).map(|i| format!("v{i}")).collect();
        let map: serde_json::Map<String, serde_json::Value> = values
            .iter()
            .enumerate()
            .map(|(i, v)| ((i + 1).to_string(), serde_json::Value::String(v.clone())))
            .collect();
        let json = serde_json::Value::Object(map).to_string();
        assert_eq!(values_of(&json).unwrap(), values, "10 and 11 come after 9");
        for (bad, why) in [
            ("[]", "not an object"),
            ("{\"1\": 2}", "a number value"),
            ("{\"one\": \"a\"}", "a key that is no number"),
            ("{\"1\": \"a\", \"3\": \"c\"}", "a gap"),
        ] {
            assert!(values_of(bad).is_err(), "accepted: {why}");
        }
        assert_eq!(values_of("{}").unwrap(), Vec::<String>::new());
    }
}
