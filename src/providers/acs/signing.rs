//! HMAC-SHA256 request signing with an ACS access key (ACS.md §2), as the Azure SDKs sign:
//! `x-ms-date` (RFC 1123), `x-ms-content-sha256` (base64 SHA-256 of the exact body), and
//! `Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=…` over
//! `VERB\npathAndQuery\ndate;host;contentHash`. The fake ACS checks requests with the same code.

use super::connection::AccessKey;
use crate::domain::Timestamp;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The headers a signed request carries, by name.
pub const DATE_HEADER: &str = "x-ms-date";
/// The body hash header.
pub const CONTENT_HASH_HEADER: &str = "x-ms-content-sha256";
/// What `Authorization` starts with.
const SCHEME: &str = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=";

/// base64(SHA-256(body)): the `x-ms-content-sha256` value.
pub fn content_hash(body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body))
}

/// base64(HMAC-SHA256(key, message)).
pub fn hmac_base64(key: &AccessKey, message: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.bytes()).expect("HMAC takes any key");
    mac.update(message);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// `t` as `x-ms-date` writes it: `Wed, 13 Apr 2022 18:09:12 GMT` (RFC 1123, milliseconds
/// dropped). `None` for an instant outside the calendar.
pub fn rfc1123(t: Timestamp) -> Option<String> {
    let ts = jiff::Timestamp::from_millisecond(t.as_millis()).ok()?;
    Some(ts.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string())
}

/// Reads an RFC 1123 date (`Wed, 13 Apr 2022 18:09:12 GMT`).
pub fn parse_rfc1123(s: &str) -> Option<Timestamp> {
    let s = s.trim().strip_suffix(" GMT")?;
    let dt = jiff::civil::DateTime::strptime("%a, %d %b %Y %H:%M:%S", s).ok()?;
    let ts = dt.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp();
    Some(Timestamp::from_millis(ts.as_millisecond()))
}

/// `VERB\npathAndQuery\ndate;host;contentHash`.
pub fn string_to_sign(
    method: &str,
    path_and_query: &str,
    date: &str,
    host: &str,
    content_hash: &str,
) -> String {
    format!(
        "{}\n{path_and_query}\n{date};{host};{content_hash}",
        method.to_ascii_uppercase()
    )
}

/// The `Authorization` value for a string-to-sign.
pub fn authorization(key: &AccessKey, string_to_sign: &str) -> String {
    format!("{SCHEME}{}", hmac_base64(key, string_to_sign.as_bytes()))
}

/// The three headers of one signed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `x-ms-date`.
    pub date: String,
    /// `x-ms-content-sha256`.
    pub content_hash: String,
    /// `Authorization`.
    pub authorization: String,
}

/// Signs a request: `host` is the URL's authority (port included when not the default),
/// `path_and_query` the exact path and query sent (`?` only when there is a query), `date` the
/// `x-ms-date` text.
pub fn sign(
    key: &AccessKey,
    method: &str,
    host: &str,
    path_and_query: &str,
    date: &str,
    body: &[u8],
) -> SignedHeaders {
    let content_hash = content_hash(body);
    let to_sign = string_to_sign(method, path_and_query, date, host, &content_hash);
    SignedHeaders {
        date: date.to_owned(),
        authorization: authorization(key, &to_sign),
        content_hash,
    }
}

/// Why a request's signature was refused (the fake ACS's checks, worded as ACS words them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("Request is missing the {0} header.")]
    /// A signing header is missing.
    Missing(&'static str),
    #[error("Request 'x-ms-content-sha256' differs from generated content hash.")]
    /// The body does not match `x-ms-content-sha256`.
    ContentHash,
    #[error("Authorization header is not HMAC-SHA256 over x-ms-date;host;x-ms-content-sha256.")]
    /// `Authorization` is not the HMAC-SHA256 scheme.
    Scheme,
    #[error("Request signature is not valid.")]
    /// The signature does not match.
    Signature,
}

/// Checks a received request's signature the way ACS does: the body hash first, then the HMAC.
pub fn verify(
    key: &AccessKey,
    method: &str,
    host: &str,
    path_and_query: &str,
    headers: &ReceivedHeaders<'_>,
    body: &[u8],
) -> Result<(), SignatureError> {
    let date = headers.date.ok_or(SignatureError::Missing(DATE_HEADER))?;
    let hash = headers
        .content_hash
        .ok_or(SignatureError::Missing(CONTENT_HASH_HEADER))?;
    let auth = headers
        .authorization
        .ok_or(SignatureError::Missing("Authorization"))?;
    if hash != content_hash(body) {
        return Err(SignatureError::ContentHash);
    }
    let given = auth.strip_prefix(SCHEME).ok_or(SignatureError::Scheme)?;
    let expected = authorization(
        key,
        &string_to_sign(method, path_and_query, date, host, hash),
    );
    let expected = expected.strip_prefix(SCHEME).unwrap_or_default();
    use subtle::ConstantTimeEq;
    if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(SignatureError::Signature)
    }
}

/// The signing headers of a received request, as found.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReceivedHeaders<'a> {
    /// `x-ms-date`.
    pub date: Option<&'a str>,
    /// `x-ms-content-sha256`.
    pub content_hash: Option<&'a str>,
    /// `Authorization`.
    pub authorization: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::acs::connection::ConnectionString;
    use serde_json::Value;

    fn vectors() -> Vec<Value> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/acs/hmac_vectors.json"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let all: Value = serde_json::from_str(&text).unwrap();
        all["vectors"].as_array().unwrap().clone()
    }

    fn s<'a>(v: &'a Value, k: &str) -> &'a str {
        v[k].as_str()
            .unwrap_or_else(|| panic!("field {k} missing in {v}"))
    }

    /// The date a vector signs with: given, or its mocked clock formatted as the SDK formats it.
    fn date_of(inputs: &Value) -> String {
        if let Some(d) = inputs["x-ms-date"].as_str() {
            return d.to_owned();
        }
        let clock = s(inputs, "clock").split(' ').next().unwrap();
        let ts: jiff::Timestamp = clock.parse().unwrap();
        rfc1123(Timestamp::from_millis(ts.as_millisecond())).unwrap()
    }

    fn check_request(v: &Value) {
        let inputs = &v["inputs"];
        let key = AccessKey::from_base64(s(inputs, "access_key_base64")).unwrap();
        if let Some(cs) = inputs["connection_string"].as_str() {
            let parsed = ConnectionString::parse(cs).unwrap();
            assert_eq!(parsed.key(), &key, "{}", v["id"]);
        }
        let url = url::Url::parse(s(inputs, "url")).unwrap();
        let host = match url.port() {
            Some(p) => format!("{}:{p}", url.host_str().unwrap()),
            None => url.host_str().unwrap().to_owned(),
        };
        let path_and_query = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let date = date_of(inputs);
        let body = s(inputs, "body").as_bytes();
        let signed = sign(
            &key,
            s(inputs, "method"),
            &host,
            &path_and_query,
            &date,
            body,
        );
        let expected = &v["expected"];
        let derived = if v["derived_by_reimplementation"].is_object() {
            &v["derived_by_reimplementation"]
        } else {
            expected
        };
        let mut checked = 0;
        for (field, ours) in [
            ("Authorization", signed.authorization.clone()),
            ("x-ms-date", signed.date.clone()),
            ("x-ms-content-sha256", signed.content_hash.clone()),
            ("host", host.clone()),
            ("path_and_query", path_and_query.clone()),
            (
                "string_to_sign",
                string_to_sign(
                    s(inputs, "method"),
                    &path_and_query,
                    &date,
                    &host,
                    &signed.content_hash,
                ),
            ),
            (
                "signature",
                signed
                    .authorization
                    .rsplit("Signature=")
                    .next()
                    .unwrap()
                    .to_owned(),
            ),
        ] {
            for source in [expected, derived] {
                if let Some(want) = source[field].as_str() {
                    assert_eq!(ours, want, "vector {} field {field}", v["id"]);
                    checked += 1;
                }
            }
        }
        assert!(
            expected["Authorization"].is_string() && checked >= 2,
            "vector {} asserted too little",
            v["id"]
        );
        // What we sign, we also accept; a changed body or header is refused.
        let headers = ReceivedHeaders {
            date: Some(&signed.date),
            content_hash: Some(&signed.content_hash),
            authorization: Some(&signed.authorization),
        };
        let method = s(inputs, "method");
        assert_eq!(
            verify(&key, method, &host, &path_and_query, &headers, body),
            Ok(())
        );
        assert_eq!(
            verify(&key, method, &host, &path_and_query, &headers, b"x"),
            Err(SignatureError::ContentHash)
        );
        assert_eq!(
            verify(&key, method, "other.host", &path_and_query, &headers, body),
            Err(SignatureError::Signature)
        );
    }

    #[test]
    fn every_vector_of_the_sdk_tests_and_the_computed_ones_agrees() {
        let vectors = vectors();
        let mut by_kind = std::collections::BTreeMap::<String, usize>::new();
        for v in &vectors {
            let inputs = &v["inputs"];
            match s(v, "kind") {
                "hmac_of_string" => {
                    let key = AccessKey::from_base64(s(inputs, "access_key_base64")).unwrap();
                    assert_eq!(
                        hmac_base64(&key, s(inputs, "value").as_bytes()),
                        s(&v["expected"], "hmac_sha256_base64"),
                        "vector {}",
                        v["id"]
                    );
                }
                "content_hash" => assert_eq!(
                    content_hash(s(inputs, "body").as_bytes()),
                    s(&v["expected"], "x-ms-content-sha256"),
                    "vector {}",
                    v["id"]
                ),
                "request_signature" => check_request(v),
                other => panic!("vector {} has an unknown kind {other}", v["id"]),
            }
            *by_kind.entry(s(v, "kind").to_owned()).or_default() += 1;
        }
        assert_eq!(vectors.len(), 15, "every vector of the file is read");
        assert_eq!(by_kind["request_signature"], 10, "{by_kind:?}");
        let computed = vectors.iter().filter(|v| v["computed"] == true).count();
        assert_eq!(computed, 5);
    }

    #[test]
    fn rfc1123_dates_round_trip() {
        let t = Timestamp::from_millis(1_649_873_352_451);
        let text = rfc1123(t).unwrap();
        assert_eq!(text, "Wed, 13 Apr 2022 18:09:12 GMT");
        assert_eq!(
            parse_rfc1123(&text),
            Some(Timestamp::from_millis(1_649_873_352_000))
        );
        assert_eq!(parse_rfc1123("2022-04-13T18:09:12Z"), None);
    }

    #[test]
    fn a_missing_header_or_another_scheme_is_refused_by_name() {
        let key = AccessKey::from_base64("pw==").unwrap();
        let signed = sign(&key, "GET", "h", "/", "d", b"");
        let mut headers = ReceivedHeaders {
            date: None,
            content_hash: Some(&signed.content_hash),
            authorization: Some(&signed.authorization),
        };
        assert_eq!(
            verify(&key, "GET", "h", "/", &headers, b""),
            Err(SignatureError::Missing(DATE_HEADER))
        );
        headers.date = Some("d");
        headers.authorization = Some("Bearer abc");
        assert_eq!(
            verify(&key, "GET", "h", "/", &headers, b""),
            Err(SignatureError::Scheme)
        );
    }
}
