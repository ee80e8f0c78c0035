//! Forms: fields with their kind, current value and error. A handler validates the submitted
//! `FormData` into a domain value or `FieldErrors`; on error the same form is shown again with the
//! input kept (passwords excepted) and each error beside its field.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    Text,
    Email,
    /// Never re-filled with what was typed.
    Password,
    Number {
        min: i64,
        max: i64,
    },
    TextArea {
        rows: u32,
    },
    Select {
        options: Vec<(String, String)>,
    },
    /// Several checkboxes under one name: (value, label, checked).
    Choices {
        options: Vec<(String, String, bool)>,
    },
    Checkbox {
        checked: bool,
    },
    Time,
    Date,
    Hidden,
    /// A compact week grid, one row per day: an open toggle, from and to. Each row's inputs are
    /// named `{key}_open`, `{key}_from` and `{key}_to`.
    Week {
        days: Vec<DayRow>,
    },
}

/// One day of a week grid, as shown (the input kept when a form comes back with errors).
#[derive(Debug, Clone, PartialEq)]
pub struct DayRow {
    pub key: String,
    pub label: String,
    pub open: bool,
    pub from: String,
    pub to: String,
    pub from_error: Option<String>,
    pub to_error: Option<String>,
}

impl DayRow {
    pub fn has_error(&self) -> bool {
        self.from_error.is_some() || self.to_error.is_some()
    }
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub label: String,
    pub kind: FieldKind,
    pub value: String,
    pub error: Option<String>,
    pub help: Option<String>,
    pub required: bool,
}

impl Field {
    pub fn new(name: &str, label: &str, kind: FieldKind) -> Self {
        Self {
            name: name.into(),
            label: label.into(),
            kind,
            value: String::new(),
            error: None,
            help: None,
            required: false,
        }
    }

    pub fn text(name: &str, label: &str) -> Self {
        Self::new(name, label, FieldKind::Text)
    }

    pub fn hidden(name: &str, value: &str) -> Self {
        Self::new(name, "", FieldKind::Hidden).value(value)
    }

    pub fn value(mut self, v: impl Into<String>) -> Self {
        self.value = v.into();
        self
    }

    pub fn help(mut self, h: impl Into<String>) -> Self {
        self.help = Some(h.into());
        self
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn select(name: &str, label: &str, options: &[(&str, &str)]) -> Self {
        let options = options
            .iter()
            .map(|(v, l)| (v.to_string(), l.to_string()))
            .collect();
        Self::new(name, label, FieldKind::Select { options })
    }

    pub fn checkbox(name: &str, label: &str, checked: bool) -> Self {
        Self::new(name, label, FieldKind::Checkbox { checked })
    }

    pub fn is_hidden(&self) -> bool {
        self.kind == FieldKind::Hidden
    }

    /// The value to put back in the input (never a password).
    pub fn shown_value(&self) -> &str {
        if self.kind == FieldKind::Password {
            ""
        } else {
            &self.value
        }
    }
}

/// Errors by field name; the empty name holds a form-level error.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_insert_with(|| message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&String> {
        self.0.get(field)
    }

    pub fn one(field: &str, message: impl Into<String>) -> Self {
        let mut e = Self::default();
        e.add(field, message);
        e
    }
}

#[derive(Debug, Clone)]
pub struct FormModel {
    pub action: String,
    pub csrf: String,
    pub fields: Vec<Field>,
    pub submit: String,
    pub cancel: Option<String>,
    pub error: Option<String>,
    /// Styles the submit button as destructive.
    pub danger: bool,
}

impl FormModel {
    pub fn new(action: impl Into<String>, csrf: &str, submit: &str) -> Self {
        Self {
            action: action.into(),
            csrf: csrf.to_owned(),
            fields: Vec::new(),
            submit: submit.into(),
            cancel: None,
            error: None,
            danger: false,
        }
    }

    pub fn field(mut self, f: Field) -> Self {
        self.fields.push(f);
        self
    }

    pub fn cancel(mut self, href: &str) -> Self {
        self.cancel = Some(href.into());
        self
    }

    pub fn danger(mut self) -> Self {
        self.danger = true;
        self
    }

    /// Puts submitted values back into the fields and attaches errors.
    pub fn refill(mut self, form: &crate::web::csrf::FormData, errors: &FieldErrors) -> Self {
        for f in &mut self.fields {
            if f.is_hidden() {
                continue;
            }
            match &mut f.kind {
                FieldKind::Checkbox { checked } => *checked = form.checked(&f.name),
                FieldKind::Choices { options } => {
                    let picked = form.all(&f.name);
                    for (v, _, c) in options.iter_mut() {
                        *c = picked.contains(&v.as_str());
                    }
                }
                FieldKind::Week { days } => {
                    for d in days.iter_mut() {
                        let (from, to) = (format!("{}_from", d.key), format!("{}_to", d.key));
                        d.open = form.checked(&format!("{}_open", d.key));
                        d.from = form.get(&from).to_owned();
                        d.to = form.get(&to).to_owned();
                        d.from_error = errors.get(&from).cloned();
                        d.to_error = errors.get(&to).cloned();
                    }
                }
                _ => f.value = form.get(&f.name).to_owned(),
            }
            f.error = errors.get(&f.name).cloned();
        }
        self.error = errors.get("").cloned();
        if self.error.is_none() && !errors.is_empty() {
            self.error = Some("Please correct the fields marked below.".into());
        }
        self
    }
}
