//! The ACS connection string (`endpoint=https://<resource>.communication.azure.com/;accesskey=…`),
//! parsed as the Azure SDKs do (ACS.md §2): elements split on `;`, each at its first `=`, keys
//! case-insensitive, the endpoint's trailing `/` dropped. The access key never appears in `Debug`.

use base64::Engine;
use std::fmt;
use url::Url;

/// Why a connection string was refused; each variant names what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectionStringError {
    #[error("The connection string is empty.")]
    /// Nothing was given.
    Empty,
    #[error(
        "The connection string has no endpoint (expected endpoint=https://<resource>.communication.azure.com/)."
    )]
    /// No `endpoint=` part.
    MissingEndpoint,
    #[error("The connection string has no accesskey.")]
    /// No `accesskey=` part.
    MissingAccessKey,
    #[error("The connection string names {0} twice.")]
    /// A key appears twice.
    Duplicate(&'static str),
    #[error("The connection string's part {0:?} is not key=value.")]
    /// A part without `=`.
    NotKeyValue(String),
    #[error("The endpoint is not a URL: {0}.")]
    /// The endpoint does not parse as a URL.
    EndpointNotUrl(String),
    #[error("The endpoint must start with https:// (plain http is allowed only for 127.0.0.1).")]
    /// The endpoint is not https (nor http to a loopback address).
    EndpointNotHttps,
    #[error("The endpoint must be the resource's address only, without a path, query or user.")]
    /// The endpoint has a path, query or user.
    EndpointHasPath,
    #[error("The accesskey is not base64.")]
    /// The access key is not base64.
    AccessKeyNotBase64,
    #[error("The accesskey is empty.")]
    /// The access key is empty.
    AccessKeyEmpty,
}

/// An ACS resource's endpoint (scheme, host and port, no path, no trailing `/`).
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    url: Url,
    text: String,
}

impl Endpoint {
    /// Parses an endpoint; `https` always, `http` only for a loopback address (the tests' fake).
    pub fn parse(s: &str) -> Result<Self, ConnectionStringError> {
        let trimmed = s.trim().trim_end_matches('/');
        if trimmed.is_empty() {
            return Err(ConnectionStringError::MissingEndpoint);
        }
        let url = Url::parse(trimmed)
            .map_err(|e| ConnectionStringError::EndpointNotUrl(e.to_string()))?;
        let loopback = match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            None => false,
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => return Err(ConnectionStringError::EndpointNotHttps),
        }
        if url.host().is_none() {
            return Err(ConnectionStringError::EndpointNotUrl(
                "it has no host".into(),
            ));
        }
        if (url.path() != "/" && !url.path().is_empty())
            || url.query().is_some()
            || url.fragment().is_some()
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(ConnectionStringError::EndpointHasPath);
        }
        let text = url.as_str().trim_end_matches('/').to_owned();
        Ok(Self { url, text })
    }

    /// `https://host[:port]`, without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The authority as signed in the HMAC string-to-sign: host, and the port when it is not the
    /// scheme's default.
    pub fn authority(&self) -> String {
        let host = self.url.host_str().unwrap_or_default();
        match self.url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        }
    }

    /// The URL of `path_and_query` (which starts with `/`) on this endpoint.
    pub fn join(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.text)
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Endpoint({})", self.text)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The decoded access key. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKey(Vec<u8>);

impl AccessKey {
    /// Decodes a base64 access key (standard alphabet, padding optional).
    pub fn from_base64(s: &str) -> Result<Self, ConnectionStringError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(ConnectionStringError::AccessKeyEmpty);
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(s)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(s))
            .map_err(|_| ConnectionStringError::AccessKeyNotBase64)?;
        if bytes.is_empty() {
            return Err(ConnectionStringError::AccessKeyEmpty);
        }
        Ok(Self(bytes))
    }

    /// The key bytes the HMAC is keyed with.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessKey(***)")
    }
}

/// A parsed ACS connection string: the resource endpoint and its access key.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectionString {
    endpoint: Endpoint,
    key: AccessKey,
}

impl ConnectionString {
    /// Parses `endpoint=…;accesskey=…` (any order, keys in any case, an empty trailing element
    /// allowed, other keys ignored as the SDKs do).
    pub fn parse(s: &str) -> Result<Self, ConnectionStringError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(ConnectionStringError::Empty);
        }
        let mut endpoint = None;
        let mut key = None;
        for part in s.split(';') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let Some((name, value)) = part.split_once('=') else {
                // Never echo what might be the key.
                let shown = if part.len() > 20 { "…" } else { part };
                return Err(ConnectionStringError::NotKeyValue(shown.to_owned()));
            };
            let slot = match name.trim().to_ascii_lowercase().as_str() {
                "endpoint" => Some((&mut endpoint, "endpoint")),
                "accesskey" => Some((&mut key, "accesskey")),
                _ => None,
            };
            if let Some((slot, name)) = slot
                && slot.replace(value).is_some()
            {
                return Err(ConnectionStringError::Duplicate(name));
            }
        }
        let endpoint = Endpoint::parse(endpoint.ok_or(ConnectionStringError::MissingEndpoint)?)?;
        let key = AccessKey::from_base64(key.ok_or(ConnectionStringError::MissingAccessKey)?)?;
        Ok(Self { endpoint, key })
    }

    /// The resource endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The access key.
    pub fn key(&self) -> &AccessKey {
        &self.key
    }

    /// The same key on another endpoint (a test fake standing in for the resource).
    pub fn with_endpoint(&self, endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            key: self.key.clone(),
        }
    }
}

impl fmt::Debug for ConnectionString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionString")
            .field("endpoint", &self.endpoint.as_str())
            .field("accesskey", &"***")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_form_parses_with_the_trailing_slash_dropped() {
        let cs = ConnectionString::parse(
            "endpoint=https://contoso.communication.azure.com/;accesskey=pw==",
        )
        .unwrap();
        assert_eq!(
            cs.endpoint().as_str(),
            "https://contoso.communication.azure.com"
        );
        assert_eq!(cs.endpoint().authority(), "contoso.communication.azure.com");
        assert_eq!(cs.key().bytes(), &[0xa7]);
    }

    #[test]
    fn keys_are_case_insensitive_in_any_order_and_values_keep_their_equals_signs() {
        let cs = ConnectionString::parse(
            " AccessKey=aGVsbG8gd29ybGQ=;ENDPOINT=https://x.communication.azure.com;",
        )
        .unwrap();
        assert_eq!(cs.key().bytes(), b"hello world");
        assert_eq!(cs.endpoint().as_str(), "https://x.communication.azure.com");
    }

    #[test]
    fn a_loopback_endpoint_may_use_http_and_keeps_its_port() {
        let cs = ConnectionString::parse("endpoint=http://127.0.0.1:4567/;accesskey=pw==").unwrap();
        assert_eq!(cs.endpoint().as_str(), "http://127.0.0.1:4567");
        assert_eq!(cs.endpoint().authority(), "127.0.0.1:4567");
    }

    #[test]
    fn bad_connection_strings_are_refused_with_the_reason() {
        use ConnectionStringError as E;
        let cases: &[(&str, E, &str)] = &[
            ("", E::Empty, "nothing typed"),
            ("   ", E::Empty, "only spaces"),
            ("accesskey=pw==", E::MissingEndpoint, "no endpoint"),
            (
                "endpoint=;accesskey=pw==",
                E::MissingEndpoint,
                "endpoint empty",
            ),
            (
                "endpoint=https://x.communication.azure.com/",
                E::MissingAccessKey,
                "no key",
            ),
            (
                "endpoint=http://x.communication.azure.com/;accesskey=pw==",
                E::EndpointNotHttps,
                "plain http to a public host",
            ),
            (
                "endpoint=ftp://x.communication.azure.com/;accesskey=pw==",
                E::EndpointNotHttps,
                "not a web URL",
            ),
            (
                "endpoint=https://x.communication.azure.com/path;accesskey=pw==",
                E::EndpointHasPath,
                "a path after the host",
            ),
            (
                "endpoint=https://x.communication.azure.com/;accesskey=not base64!",
                E::AccessKeyNotBase64,
                "key not base64",
            ),
            (
                "endpoint=https://x.communication.azure.com/;accesskey=",
                E::AccessKeyEmpty,
                "key empty",
            ),
            (
                "endpoint=https://a/;endpoint=https://b/;accesskey=pw==",
                E::Duplicate("endpoint"),
                "endpoint twice",
            ),
        ];
        for (input, expected, why) in cases {
            assert_eq!(
                ConnectionString::parse(input).as_ref().err(),
                Some(expected),
                "{why}: {input:?}"
            );
        }
        assert!(matches!(
            ConnectionString::parse("endpoint=not a url;accesskey=pw=="),
            Err(E::EndpointNotUrl(_))
        ));
        assert!(matches!(
            ConnectionString::parse("endpoint=https://x/;justakey"),
            Err(E::NotKeyValue(_))
        ));
    }

    #[test]
    fn debug_never_prints_the_key() {
        let cs = ConnectionString::parse(
            "endpoint=https://x.communication.azure.com/;accesskey=c2VjcmV0LWtleS1ieXRlcw==",
        )
        .unwrap();
        let shown = format!("{cs:?} {:?}", cs.key());
        assert!(!shown.contains("c2VjcmV0"), "{shown}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(
            shown.contains("https://x.communication.azure.com"),
            "{shown}"
        );
    }

    #[test]
    fn a_malformed_part_is_not_echoed_when_it_could_be_the_key() {
        let err = ConnectionString::parse("endpoint=https://x/;c2VjcmV0LWtleS1ieXRlc2MyVmpjbVYw")
            .unwrap_err();
        assert!(!err.to_string().contains("c2VjcmV0"), "{err}");
    }
}
