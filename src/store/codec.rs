//! Record encoding: one schema-version byte, then postcard. A reader meeting a version it does not
//! know refuses the record instead of misreading it; when a struct grows, the version goes up and
//! `decode` learns to read the previous one.

use super::StoreError;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub const SCHEMA_VERSION: u8 = 1;

pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    let mut out = vec![SCHEMA_VERSION];
    postcard::to_io(value, &mut out).map_err(|e| StoreError::Codec(e.to_string()))?;
    Ok(out)
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    match bytes.split_first() {
        Some((&SCHEMA_VERSION, rest)) => {
            postcard::from_bytes(rest).map_err(|e| StoreError::Codec(e.to_string()))
        }
        Some((v, _)) => Err(StoreError::Codec(format!("unknown schema version {v}"))),
        None => Err(StoreError::Codec("empty record".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct R {
        a: u64,
        b: String,
    }

    #[test]
    fn records_round_trip_behind_the_version_byte() {
        let r = R {
            a: 7,
            b: "x".into(),
        };
        let bytes = encode(&r).unwrap();
        assert_eq!(bytes[0], SCHEMA_VERSION);
        assert_eq!(decode::<R>(&bytes).unwrap(), r);
    }

    #[test]
    fn unknown_versions_and_garbage_are_errors_not_panics() {
        let mut bytes = encode(&R {
            a: 1,
            b: "y".into(),
        })
        .unwrap();
        bytes[0] = 99;
        assert!(decode::<R>(&bytes).is_err());
        assert!(decode::<R>(&[]).is_err());
        assert!(decode::<R>(&[SCHEMA_VERSION, 0xff, 0xff]).is_err());
    }
}
