//! What an admin types for an Azure Communication Services account: the resource name, its
//! endpoint (checked against the name), and the Entra application and tenant that Event Grid's delivery tokens are issued for and by ("Event
//! grid app ID" is the token's `aud`, "Event grid app tenant ID" its issuer's tenant).

use super::guid::{Guid, GuidError};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Longest App ID URI accepted (Entra allows 120 characters for identifier URIs; some margin).
const MAX_APP_URI_CHARS: usize = 400;

/// The name of the ACS resource, as Azure allows it: 1 to 63 letters, digits and hyphens, not
/// starting or ending with a hyphen.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct AcsResourceName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AcsResourceNameError {
    #[error("Enter the ACS resource name.")]
    Empty,
    #[error(
        "An ACS resource name has 1 to 63 letters, digits and hyphens, and does not start or end \
         with a hyphen."
    )]
    Malformed,
}

impl AcsResourceName {
    pub fn parse(s: &str) -> Result<Self, AcsResourceNameError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(AcsResourceNameError::Empty);
        }
        let ok = s.len() <= 63
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(AcsResourceNameError::Malformed)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AcsResourceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AcsResourceName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// "Event grid app ID": the Entra application Event Grid gets its delivery tokens for, as its
/// application (client) ID or its Application ID URI; the token's `aud` must be one of them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EntraApp {
    Id(Guid),
    Uri(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntraAppError {
    #[error("Enter the Event grid app ID.")]
    Empty,
    #[error(
        "The Event grid app ID is the Entra application's ID (a GUID like \
         0f0eb78e-a576-1dfc-b414-0f0756de3338) or its Application ID URI (like \
         api://0f0eb78e-a576-1dfc-b414-0f0756de3338)."
    )]
    Malformed,
}

impl EntraApp {
    pub fn parse(s: &str) -> Result<Self, EntraAppError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(EntraAppError::Empty);
        }
        if let Ok(id) = Guid::parse(s) {
            return Ok(Self::Id(id));
        }
        let uri = s.len() <= MAX_APP_URI_CHARS
            && s.chars().all(|c| c.is_ascii_graphic())
            && s.split_once("://").is_some_and(|(scheme, rest)| {
                !rest.is_empty() && matches!(scheme, "api" | "https")
            });
        if uri {
            Ok(Self::Uri(s.to_owned()))
        } else {
            Err(EntraAppError::Malformed)
        }
    }
}

impl fmt::Display for EntraApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Id(id) => id.fmt(f),
            Self::Uri(uri) => f.write_str(uri),
        }
    }
}

impl Serialize for EntraApp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for EntraApp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// "Event grid app tenant ID": the Entra tenant (a GUID) whose tokens are accepted.
pub fn parse_tenant(s: &str) -> Result<Guid, &'static str> {
    match Guid::parse(s) {
        Ok(g) => Ok(g),
        Err(GuidError::Empty) => Err("Enter the Event grid app tenant ID."),
        Err(GuidError::Malformed) => Err(
            "The Event grid app tenant ID is the Entra tenant's ID, a GUID like \
             0f0eb78e-a576-1dfc-b414-0f0756de3338.",
        ),
    }
}

/// Why an ACS endpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("The endpoint must be an https:// URL of the resource, without a path.")]
    NotAnEndpoint,
    #[error("The connection string's endpoint is for the resource \"{0}\", not this one.")]
    OtherResource(String),
}

/// Checks an ACS endpoint (`https://<resource>.communication.azure.com`, or plain http on a
/// loopback address for a local fake) and returns it without the trailing `/`; on Azure's hosts
/// it must be the named resource's.
pub fn endpoint_of(
    endpoint: &str,
    resource: Option<&AcsResourceName>,
) -> Result<String, EndpointError> {
    let endpoint = endpoint.trim().trim_end_matches('/');
    let url = url::Url::parse(endpoint).map_err(|_| EndpointError::NotAnEndpoint)?;
    let host = url.host_str().ok_or(EndpointError::NotAnEndpoint)?;
    let loopback = matches!(host, "127.0.0.1" | "localhost" | "[::1]");
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    if !scheme_ok || url.query().is_some() || !url.username().is_empty() {
        return Err(EndpointError::NotAnEndpoint);
    }
    if let Some(resource) = resource
        && host.ends_with(".azure.com")
    {
        let named = host.split('.').next().unwrap_or_default();
        if !named.eq_ignore_ascii_case(resource.as_str()) {
            return Err(EndpointError::OtherResource(named.to_owned()));
        }
    }
    Ok(endpoint.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_names_follow_azure_rules() {
        assert_eq!(
            AcsResourceName::parse(" contoso-acs ").unwrap().as_str(),
            "contoso-acs"
        );
        for (bad, why) in [
            ("", "empty"),
            ("-acs", "leading hyphen"),
            ("acs-", "trailing hyphen"),
            ("my acs", "a space"),
            ("acs.example", "a dot"),
            (&"a".repeat(64), "too long"),
        ] {
            assert!(AcsResourceName::parse(bad).is_err(), "accepted: {why}");
        }
    }

    #[test]
    fn an_app_is_a_guid_or_an_app_id_uri() {
        assert_eq!(
            EntraApp::parse("0F0EB78E-A576-1DFC-B414-0F0756DE3338").unwrap(),
            EntraApp::Id(Guid::parse("0f0eb78e-a576-1dfc-b414-0f0756de3338").unwrap())
        );
        assert!(matches!(
            EntraApp::parse("api://0f0eb78e-a576-1dfc-b414-0f0756de3338"),
            Ok(EntraApp::Uri(_))
        ));
        assert!(matches!(
            EntraApp::parse("https://contoso.onmicrosoft.com/omnidesk"),
            Ok(EntraApp::Uri(_))
        ));
        for (bad, why) in [
            ("", "empty"),
            ("omnidesk", "neither a GUID nor a URI"),
            ("api://", "a scheme only"),
            ("api://has space", "a space"),
            ("ftp://omnidesk", "neither api:// nor https://"),
            ("0f0eb78e-a576-1dfc-b414", "a short GUID"),
        ] {
            assert!(EntraApp::parse(bad).is_err(), "accepted: {why}");
        }
    }

    #[test]
    fn a_tenant_is_a_guid() {
        assert!(parse_tenant("72f988bf-86f1-41af-91ab-2d7cd011db47").is_ok());
        assert!(parse_tenant("contoso.onmicrosoft.com").is_err());
        assert!(parse_tenant("").is_err());
    }

    #[test]
    fn an_endpoint_is_https_and_the_named_resource_s() {
        let name = AcsResourceName::parse("contoso").unwrap();
        assert_eq!(
            endpoint_of("https://contoso.communication.azure.com/", Some(&name)).unwrap(),
            "https://contoso.communication.azure.com"
        );
        assert_eq!(
            endpoint_of("http://127.0.0.1:4100", Some(&name)).unwrap(),
            "http://127.0.0.1:4100",
            "a local fake"
        );
        for (bad, expected, why) in [
            (
                "http://contoso.communication.azure.com",
                EndpointError::NotAnEndpoint,
                "plain http to Azure",
            ),
            (
                "https://contoso.communication.azure.com/?x=1",
                EndpointError::NotAnEndpoint,
                "a query",
            ),
            (
                "https://fabrikam.communication.azure.com",
                EndpointError::OtherResource("fabrikam".into()),
                "another resource",
            ),
        ] {
            assert_eq!(endpoint_of(bad, Some(&name)), Err(expected), "{why}");
        }
    }
}
