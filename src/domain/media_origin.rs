//! Where inbound media may be fetched from: the provider's media origin (scheme, host and port of
//! the API base, compared after the `url` crate normalised them), and — for redirects only, never
//! with credentials — https hosts on an allow-list. IP literals and private or loopback addresses
//! are never redirect targets; the one exception is a loopback API base (tests), whose own origin
//! may be redirected to, just as it may be fetched from.

use std::str::FromStr;
use url::{Host, Origin, Url};

/// A host a redirect may lead to: `media.twiliocdn.com`, or `*.twilio.com` for any subdomain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    /// Lower-case domain; subdomains of it match when `wildcard` is set.
    domain: String,
    wildcard: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostPatternError {
    #[error("`{0}` is not a host name (letters, digits, `-` and `.`, optionally starting `*.`)")]
    NotAHost(String),
    #[error("`{0}` is an IP address: media redirects go to named https hosts only")]
    IpLiteral(String),
}

impl HostPattern {
    pub fn parse(s: &str) -> Result<Self, HostPatternError> {
        let s = s.trim().to_ascii_lowercase();
        let (wildcard, domain) = match s.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, s.as_str()),
        };
        let labels_ok = !domain.is_empty()
            && domain.len() <= 253
            && domain.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !labels_ok {
            return Err(HostPatternError::NotAHost(s.clone()));
        }
        match Host::parse(domain) {
            Ok(Host::Domain(_)) => Ok(Self {
                domain: domain.to_owned(),
                wildcard,
            }),
            Ok(_) => Err(HostPatternError::IpLiteral(s.clone())),
            Err(_) => Err(HostPatternError::NotAHost(s.clone())),
        }
    }

    fn matches(&self, host: &str) -> bool {
        if self.wildcard {
            host.strip_suffix(self.domain.as_str())
                .is_some_and(|head| head.len() > 1 && head.ends_with('.'))
        } else {
            host == self.domain
        }
    }
}

impl FromStr for HostPattern {
    type Err = HostPatternError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// The hosts Twilio redirects media downloads to (its media CDN and its own domains).
pub const DEFAULT_REDIRECT_HOSTS: &str = "*.twiliocdn.com,*.twilio.com";

/// The fetch rules for one provider.
#[derive(Debug, Clone)]
pub struct MediaPolicy {
    origin: Origin,
    /// The API base is on a loopback address (a local fake): plain http is allowed to it.
    loopback_base: bool,
    redirect_hosts: Vec<HostPattern>,
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(a)) => a.is_loopback(),
        Some(Host::Ipv6(a)) => a.is_loopback(),
        Some(Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

impl MediaPolicy {
    /// `api_base` must be an http(s) URL (checked by `Settings::validate`); anything else allows
    /// nothing.
    pub fn new(api_base: &str, redirect_hosts: Vec<HostPattern>) -> Self {
        let base = Url::parse(api_base).ok();
        Self {
            origin: base.as_ref().map_or_else(Origin::new_opaque, Url::origin),
            loopback_base: base.as_ref().is_some_and(is_loopback),
            redirect_hosts,
        }
    }

    /// The API base's host name (none for an IP literal, which is not resolved).
    pub fn base_host(&self) -> Option<String> {
        match &self.origin {
            Origin::Tuple(_, Host::Domain(d), _) => Some(d.to_ascii_lowercase()),
            _ => None,
        }
    }

    fn is_provider_origin(&self, url: &Url) -> bool {
        self.origin.is_tuple()
            && url.origin() == self.origin
            && url.username().is_empty()
            && url.password().is_none()
    }

    /// Whether a `MediaUrlN` may be fetched: only from the provider's media origin.
    pub fn allows_media_url(&self, url: &Url) -> bool {
        self.is_provider_origin(url)
    }

    /// Whether the account's credentials may go with a request to `url`: the provider's origin,
    /// over https (or to a loopback API base), never on a redirect.
    pub fn sends_credentials(&self, url: &Url) -> bool {
        self.is_provider_origin(url) && (url.scheme() == "https" || self.loopback_base)
    }

    /// Whether a redirect may lead to `url`: a named https host on the allow-list at port 443,
    /// or the provider's origin itself.
    pub fn allows_redirect(&self, url: &Url) -> bool {
        if self.is_provider_origin(url) {
            return url.scheme() == "https" || self.loopback_base;
        }
        let Some(Host::Domain(host)) = url.host() else {
            return false;
        };
        url.scheme() == "https"
            && url.port_or_known_default() == Some(443)
            && url.username().is_empty()
            && url.password().is_none()
            && host != "localhost"
            && self.redirect_hosts.iter().any(|p| p.matches(host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Vec<HostPattern> {
        DEFAULT_REDIRECT_HOSTS
            .split(',')
            .map(|h| HostPattern::parse(h).unwrap())
            .collect()
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn media_comes_only_from_the_api_origin() {
        let p = MediaPolicy::new("https://api.twilio.com", defaults());
        assert!(p.allows_media_url(&url("https://api.twilio.com/2010-04-01/x")));
        assert!(p.allows_media_url(&url("https://API.twilio.com:443/x")));
        for (bad, why) in [
            ("http://api.twilio.com/x", "plain http"),
            ("http://api.twilio.com:80/x", "plain http on port 80"),
            ("https://api.twilio.com:8443/x", "another port"),
            (
                "https://media.twiliocdn.com/x",
                "the CDN is a redirect target only",
            ),
            ("https://u:p@api.twilio.com/x", "credentials in the URL"),
            ("http://127.0.0.1/x", "loopback"),
        ] {
            assert!(!p.allows_media_url(&url(bad)), "{why}");
        }
    }

    #[test]
    fn a_loopback_base_is_one_origin_whatever_the_spelling() {
        let p = MediaPolicy::new("http://127.0.0.1:4000", defaults());
        assert!(p.allows_media_url(&url("http://127.0.0.1:4000/m")));
        assert!(
            p.allows_media_url(&url("http://2130706433:4000/m")),
            "same origin"
        );
        assert!(p.sends_credentials(&url("http://127.0.0.1:4000/m")));
        for bad in [
            "http://127.0.0.1:4001/m",
            "http://2130706433:4001/m",
            "http://127.0.0.1.:4001/m",
            "https://127.0.0.1:4000/m",
        ] {
            assert!(!p.allows_media_url(&url(bad)), "{bad}");
        }
    }

    #[test]
    fn redirects_go_to_named_https_hosts_on_the_list() {
        let p = MediaPolicy::new("https://api.twilio.com", defaults());
        assert!(p.allows_redirect(&url("https://mms.twiliocdn.com/a")));
        assert!(p.allows_redirect(&url("https://media.twiliocdn.com/a")));
        assert!(p.allows_redirect(&url("https://api.twilio.com/a")));
        for (bad, why) in [
            ("http://mms.twiliocdn.com/a", "plain http"),
            ("https://mms.twiliocdn.com:8443/a", "another port"),
            ("https://twiliocdn.com.evil.example/a", "not a subdomain"),
            ("https://eviltwiliocdn.com/a", "not a subdomain"),
            ("https://127.0.0.1/a", "IP literal"),
            ("https://10.0.0.1/a", "private"),
            ("https://[::1]/a", "IPv6 loopback"),
            ("https://localhost/a", "loopback name"),
        ] {
            assert!(!p.allows_redirect(&url(bad)), "{why}");
        }
    }

    #[test]
    fn host_patterns_refuse_ip_literals_and_junk() {
        assert!(HostPattern::parse("*.twiliocdn.com").is_ok());
        assert!(HostPattern::parse("MMS.twiliocdn.com").is_ok());
        for bad in [
            "127.0.0.1",
            "2130706433",
            "",
            "*.",
            "a b",
            "a/b",
            "*.10.0.0.1",
        ] {
            assert!(HostPattern::parse(bad).is_err(), "{bad}");
        }
    }
}
