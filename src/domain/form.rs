//! Strict decoding of `application/x-www-form-urlencoded` bodies (provider webhooks, page forms):
//! invalid UTF-8, NUL bytes, repeated fields and oversized values are refused, never replaced.

/// Longest optional text field `Fields::text` accepts.
pub const MAX_FIELD_CHARS: usize = 1_024;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FormError {
    #[error("body is not form-encoded UTF-8")]
    NotForm,
    #[error("missing field {0}")]
    Missing(&'static str),
    #[error("field {0} appears more than once")]
    Repeated(String),
    #[error("field {0} contains a NUL byte")]
    Nul(String),
    #[error("field {0} is longer than {1} characters")]
    TooLong(&'static str, usize),
    #[error("the form has more than {MAX_FORM_PAIRS} fields")]
    TooManyFields,
}

/// Most fields a webhook form may have: Twilio sends a few dozen (ten media URLs and their types
/// included). Checked while parsing, before any signature work.
pub const MAX_FORM_PAIRS: usize = 1_000;

/// Decodes an `application/x-www-form-urlencoded` body strictly: invalid UTF-8 after
/// percent-decoding is an error, not silently replaced (which would also change what the
/// signature covers). More than `MAX_FORM_PAIRS` fields are refused before any is decoded.
pub fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>, FormError> {
    let text = std::str::from_utf8(body).map_err(|_| FormError::NotForm)?;
    let pairs = text.split('&').filter(|p| !p.is_empty());
    if pairs.clone().nth(MAX_FORM_PAIRS).is_some() {
        return Err(FormError::TooManyFields);
    }
    pairs
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode_component(k)?, decode_component(v)?))
        })
        .collect()
}

/// One percent-encoded form component, `+` meaning a space.
fn decode_component(s: &str) -> Result<String, FormError> {
    if !s.bytes().any(|b| b == b'+' || b == b'%') {
        return Ok(s.to_owned());
    }
    let spaced = s.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| FormError::NotForm)
}

/// The form fields of one webhook, with lookup by name.
pub struct Fields<'a> {
    pairs: &'a [(String, String)],
}

impl<'a> Fields<'a> {
    pub fn new(pairs: &'a [(String, String)]) -> Result<Self, FormError> {
        for (k, v) in pairs {
            if k.contains('\0') || v.contains('\0') {
                return Err(FormError::Nul(
                    k.replace('\0', "").chars().take(40).collect(),
                ));
            }
        }
        Ok(Self { pairs })
    }

    /// The single value of `name`; a repeated field is refused so nobody can smuggle a second one.
    pub fn get(&self, name: &str) -> Result<Option<&'a str>, FormError> {
        let mut found = None;
        for (k, v) in self.pairs {
            if k == name {
                if found.is_some() {
                    return Err(FormError::Repeated(name.to_owned()));
                }
                found = Some(v.as_str());
            }
        }
        Ok(found)
    }

    pub fn require(&self, name: &'static str) -> Result<&'a str, FormError> {
        self.get(name)?.ok_or(FormError::Missing(name))
    }

    /// An optional text field, empty treated as absent, with a length bound.
    pub fn text(&self, name: &'static str) -> Result<Option<String>, FormError> {
        match self.get(name)? {
            None => Ok(None),
            Some("") => Ok(None),
            Some(v) if v.chars().count() > MAX_FIELD_CHARS => {
                Err(FormError::TooLong(name, MAX_FIELD_CHARS))
            }
            Some(v) => Ok(Some(v.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_strictly() {
        let p = parse_form(b"Body=caf%C3%A9+au+lait&Empty=&Flag").unwrap();
        assert_eq!(p[0], ("Body".into(), "café au lait".into()));
        assert_eq!(p[1], ("Empty".into(), "".into()));
        assert_eq!(p[2], ("Flag".into(), "".into()));
        assert_eq!(parse_form(b"Body=%FF%FE"), Err(FormError::NotForm));
        assert_eq!(parse_form(&[0xff, b'=', b'1']), Err(FormError::NotForm));
    }
}
