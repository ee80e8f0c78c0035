//! Whether a provider on the internet can reach omnidesk's public URL (`--public-url`): a
//! loopback or private-network address is reachable only from this machine or its network, so
//! Twilio's webhooks would never arrive. Pure: looks at the URL, resolves nothing.

use std::net::{Ipv4Addr, Ipv6Addr};
use url::{Host, Url};

/// What the public URL means for a provider calling it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// A public name or address; `https` says whether the calls are encrypted.
    Internet { https: bool },
    /// This machine only (`localhost`, `127.0.0.1`, `::1`).
    Loopback,
    /// A private network (`10.x`, `192.168.x`, `fd00::/8`, `.local` names…).
    Private,
    /// Not an http(s) URL with a host.
    Invalid,
}

impl Reach {
    pub fn of(url: &str) -> Self {
        let Ok(url) = Url::parse(url) else {
            return Self::Invalid;
        };
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            _ => return Self::Invalid,
        };
        match url.host() {
            None => Some(Self::Invalid),
            Some(Host::Ipv4(a)) => v4(a),
            Some(Host::Ipv6(a)) => match a.to_ipv4_mapped() {
                Some(v4_addr) => v4(v4_addr),
                None => v6(a),
            },
            Some(Host::Domain(d)) => domain(&d.to_ascii_lowercase()),
        }
        .unwrap_or(Self::Internet { https })
    }

    /// Whether Twilio can call the URL at all.
    pub fn is_reachable(self) -> bool {
        matches!(self, Self::Internet { .. })
    }
}

fn v4(a: Ipv4Addr) -> Option<Reach> {
    let [first, second, ..] = a.octets();
    let shared = first == 100 && (64..128).contains(&second);
    if a.is_loopback() || a.is_unspecified() {
        Some(Reach::Loopback)
    } else if a.is_private() || a.is_link_local() || shared {
        Some(Reach::Private)
    } else {
        None
    }
}

fn v6(a: Ipv6Addr) -> Option<Reach> {
    let first = a.segments()[0];
    if a.is_loopback() || a.is_unspecified() {
        Some(Reach::Loopback)
    } else if (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80 {
        Some(Reach::Private)
    } else {
        None
    }
}

fn domain(d: &str) -> Option<Reach> {
    let d = d.trim_end_matches('.');
    if d == "localhost" || d.ends_with(".localhost") {
        return Some(Reach::Loopback);
    }
    let private_suffixes = [".local", ".lan", ".internal", ".home.arpa", ".localdomain"];
    let single_label = !d.contains('.');
    (single_label || private_suffixes.iter().any(|s| d.ends_with(s))).then_some(Reach::Private)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls_are_classified_by_where_they_can_be_reached_from() {
        let cases = [
            (
                "https://desk.example.com",
                Reach::Internet { https: true },
                "a public name",
            ),
            (
                "http://desk.example.com:8080",
                Reach::Internet { https: false },
                "plain http",
            ),
            (
                "https://203.0.113.7",
                Reach::Internet { https: true },
                "a public address",
            ),
            ("http://127.0.0.1:8080", Reach::Loopback, "the default"),
            ("http://localhost:8080", Reach::Loopback, "localhost"),
            ("http://app.localhost", Reach::Loopback, "a .localhost name"),
            ("http://[::1]:8080", Reach::Loopback, "IPv6 loopback"),
            (
                "http://0.0.0.0:8080",
                Reach::Loopback,
                "the unspecified address",
            ),
            ("http://10.1.2.3", Reach::Private, "10/8"),
            ("http://172.20.0.5", Reach::Private, "172.16/12"),
            ("http://192.168.1.10:8080", Reach::Private, "192.168/16"),
            ("http://169.254.1.1", Reach::Private, "link-local"),
            ("http://100.64.0.1", Reach::Private, "carrier-grade NAT"),
            ("http://[fd12::1]", Reach::Private, "IPv6 unique local"),
            (
                "http://[::ffff:192.168.0.1]",
                Reach::Private,
                "IPv4-mapped private",
            ),
            ("http://desk.local", Reach::Private, "mDNS name"),
            ("http://omnidesk", Reach::Private, "a single-label name"),
            ("ftp://desk.example.com", Reach::Invalid, "not http"),
            ("not a url", Reach::Invalid, "junk"),
        ];
        for (url, expected, why) in cases {
            assert_eq!(Reach::of(url), expected, "{url}: {why}");
        }
    }
}
