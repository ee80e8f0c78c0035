//! The records whose layout has changed: each keeps its earlier layouts as private structs and
//! migrates them to the current one when read (`codec::Record::decode_version`). Records still at
//! their first layout implement `Record` beside their type.

mod template;
mod workstream;

use super::codec::DecodeError;
use std::fmt::Display;

/// Turns a refusal of an earlier layout's value by today's newtype into a decode error.
fn checked<T, E: Display>(field: &'static str, parsed: Result<T, E>) -> Result<T, DecodeError> {
    parsed.map_err(|e| DecodeError::Invalid {
        field,
        reason: e.to_string(),
    })
}
