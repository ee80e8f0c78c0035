//! Field validators shared by the admin forms. Each reads one field, records an error under the
//! field's name when the value is unusable, and returns the cleaned value.

use super::FieldErrors;
use crate::domain::account::{AccountName, MAX_ACCOUNT_NAME_CHARS};
use crate::web::csrf::FormData;

/// Text without control characters, trimmed, with a length bound; empty is an error if required.
pub fn text(
    form: &FormData,
    name: &str,
    label: &str,
    max: usize,
    required: bool,
    errors: &mut FieldErrors,
) -> String {
    let v = form.get(name).trim();
    if v.is_empty() {
        if required {
            errors.add(name, format!("Enter the {}.", label.to_lowercase()));
        }
        return String::new();
    }
    if v.chars().count() > max {
        errors.add(name, format!("{label} is at most {max} characters."));
    } else if v
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        errors.add(
            name,
            format!("{label} contains characters that are not allowed."),
        );
    }
    v.to_owned()
}

/// Single-line text (no line breaks).
pub fn line(
    form: &FormData,
    name: &str,
    label: &str,
    max: usize,
    required: bool,
    errors: &mut FieldErrors,
) -> String {
    let v = text(form, name, label, max, required, errors);
    if v.contains(['\n', '\r']) {
        errors.add(name, format!("{label} must be on one line."));
    }
    v
}

/// An account's `name` field: the form's one-line rules, then the name's own (which the CLI
/// applies too).
pub fn account_name(form: &FormData, errors: &mut FieldErrors) -> Option<AccountName> {
    let v = line(form, "name", "Name", MAX_ACCOUNT_NAME_CHARS, true, errors);
    if errors.get("name").is_some() {
        return None;
    }
    AccountName::parse(&v)
        .map_err(|e| errors.add("name", e.to_string()))
        .ok()
}

/// A whole number within bounds.
pub fn number(
    form: &FormData,
    name: &str,
    label: &str,
    min: i64,
    max: i64,
    errors: &mut FieldErrors,
) -> i64 {
    match form.get(name).trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => n,
        _ => {
            errors.add(
                name,
                format!("{label} must be a whole number from {min} to {max}."),
            );
            min
        }
    }
}

/// One of the allowed values.
pub fn choice<'a>(
    form: &FormData,
    name: &str,
    label: &str,
    allowed: &[&'a str],
    errors: &mut FieldErrors,
) -> &'a str {
    let v = form.get(name);
    match allowed.iter().find(|a| **a == v) {
        Some(a) => a,
        None => {
            errors.add(name, format!("Choose a {}.", label.to_lowercase()));
            allowed.first().copied().unwrap_or("")
        }
    }
}

/// A comma-separated list of language tags such as `en`, `es-MX`.
pub fn languages(form: &FormData, name: &str, errors: &mut FieldErrors) -> Vec<String> {
    let mut out = Vec::new();
    for part in form
        .get(name)
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let ok = (2..=12).contains(&part.len())
            && part
                .split('-')
                .all(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()))
            && part.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        if !ok {
            errors.add(
                name,
                format!(
                    "\"{}\" is not a language code like en or es-MX.",
                    part.chars().take(20).collect::<String>()
                ),
            );
            continue;
        }
        if !out.iter().any(|l: &String| l.eq_ignore_ascii_case(part)) {
            out.push(part.to_owned());
        }
    }
    if out.len() > 20 {
        errors.add(name, "List at most 20 languages.");
    }
    out
}
