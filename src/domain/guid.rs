//! GUIDs as Azure writes them (`0f0eb78e-a576-1dfc-b414-0f0756de3338`): ACS WhatsApp channel IDs,
//! Entra tenant and application IDs, and the request ids that make a send repeatable. Parsed
//! case-insensitively, kept and written in lower case.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Guid([u8; 16]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuidError {
    #[error("is empty")]
    Empty,
    #[error(
        "is not a GUID: 32 hexadecimal digits in groups of 8-4-4-4-12, like 0f0eb78e-a576-1dfc-b414-0f0756de3338"
    )]
    Malformed,
}

/// Lengths of the five dash-separated groups.
const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];

impl Guid {
    /// Parses `8-4-4-4-12` hexadecimal digits, optionally in braces (`{…}`, as some Azure pages
    /// show them); surrounding spaces are ignored.
    pub fn parse(s: &str) -> Result<Self, GuidError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(GuidError::Empty);
        }
        let s = match s.strip_prefix('{') {
            Some(rest) => rest.strip_suffix('}').ok_or(GuidError::Malformed)?,
            None => s,
        };
        let groups: Vec<&str> = s.split('-').collect();
        if groups.len() != GROUPS.len() || groups.iter().zip(GROUPS).any(|(g, len)| g.len() != len)
        {
            return Err(GuidError::Malformed);
        }
        let mut bytes = [0u8; 16];
        hex::decode_to_slice(groups.concat(), &mut bytes).map_err(|_| GuidError::Malformed)?;
        Ok(Self(bytes))
    }

    /// A random (version 4) GUID.
    pub fn random() -> Self {
        let mut bytes = [0u8; 16];
        crate::secrets::fill_random(&mut bytes);
        Self::versioned(bytes)
    }

    /// A GUID made from the first 16 bytes of `seed` (a hash), shaped as a version 4 GUID: the
    /// same seed always gives the same GUID.
    pub fn derived(seed: &[u8; 32]) -> Self {
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&seed[..16]);
        Self::versioned(bytes)
    }

    fn versioned(mut bytes: [u8; 16]) -> Self {
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        Self(bytes)
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = hex::encode(self.0);
        write!(
            f,
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }
}

impl Serialize for Guid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Guid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_parse_in_any_case_and_print_in_lower_case() {
        let g = Guid::parse("0F0EB78E-A576-1DFC-B414-0F0756DE3338").unwrap();
        assert_eq!(g.to_string(), "0f0eb78e-a576-1dfc-b414-0f0756de3338");
        assert_eq!(
            Guid::parse(" {0f0eb78e-a576-1dfc-b414-0f0756de3338} ").unwrap(),
            g
        );
    }

    #[test]
    fn what_is_not_a_guid_is_refused() {
        for (bad, why) in [
            ("", "empty"),
            ("0f0eb78ea5761dfcb4140f0756de3338", "no dashes"),
            ("0f0eb78e-a576-1dfc-b414-0f0756de333", "last group short"),
            ("0f0eb78e-a576-1dfc-b414-0f0756de33389", "last group long"),
            ("0f0eb78g-a576-1dfc-b414-0f0756de3338", "not hexadecimal"),
            ("{0f0eb78e-a576-1dfc-b414-0f0756de3338", "unclosed brace"),
            ("0f0eb78e-a576-1dfc-b414-0f07-56de3338", "six groups"),
            ("api://0f0eb78e-a576-1dfc-b414-0f0756de3338", "a URI"),
        ] {
            assert!(Guid::parse(bad).is_err(), "accepted: {why}");
        }
    }

    #[test]
    fn random_guids_differ_and_derived_ones_repeat() {
        assert_ne!(Guid::random(), Guid::random());
        let seed = [7u8; 32];
        assert_eq!(Guid::derived(&seed), Guid::derived(&seed));
        let g = Guid::derived(&seed).to_string();
        assert_eq!(&g[14..15], "4", "version 4: {g}");
        assert_eq!(Guid::parse(&g).unwrap(), Guid::derived(&seed));
    }
}
