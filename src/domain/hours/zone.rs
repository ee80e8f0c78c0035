//! Time zones: IANA names the bundled database knows, in their canonical spelling, and the list
//! the forms offer.

use super::HoursError;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// An IANA time zone name that the bundled time zone database knows, in its canonical spelling.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ZoneName(String);

/// Every IANA zone name of the bundled database that names a place (`Area/Location`) or UTC,
/// sorted: what the forms offer. Legacy aliases (`US/Eastern`, `EST5EDT`) are left out.
pub fn zone_names() -> Vec<String> {
    let mut names: Vec<String> = jiff::tz::db()
        .available()
        .map(|n| n.as_str().to_owned())
        .filter(|n| {
            n == "UTC"
                || [
                    "Africa/",
                    "America/",
                    "Antarctica/",
                    "Asia/",
                    "Atlantic/",
                    "Australia/",
                    "Europe/",
                    "Indian/",
                    "Pacific/",
                ]
                .iter()
                .any(|area| n.starts_with(area))
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

impl ZoneName {
    pub fn parse(s: &str) -> Result<Self, HoursError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(HoursError::NoZone);
        }
        let unknown = || HoursError::UnknownZone(s.chars().take(40).collect());
        // Only the characters IANA names use, so nothing path-like reaches the database lookup.
        let plausible = s.len() <= 64
            && !s.starts_with('/')
            && !s.contains("..")
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c));
        if !plausible {
            return Err(unknown());
        }
        let tz = TimeZone::get(s).map_err(|_| unknown())?;
        Ok(Self(tz.iana_name().unwrap_or(s).to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(super) fn time_zone(&self) -> Result<TimeZone, HoursError> {
        TimeZone::get(&self.0).map_err(|_| HoursError::UnknownZone(self.0.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zone_list_offers_places_and_utc_and_each_parses() {
        let names = zone_names();
        assert!(names.len() > 300, "{}", names.len());
        for want in ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"] {
            assert!(names.iter().any(|n| n == want), "{want}");
        }
        assert!(!names.iter().any(|n| n == "US/Eastern" || n == "EST5EDT"));
        for n in &names {
            assert!(ZoneName::parse(n).is_ok(), "{n}");
        }
    }

    #[test]
    fn zone_names_are_checked_against_the_bundled_database() {
        assert_eq!(
            ZoneName::parse(" Europe/Berlin ").unwrap().as_str(),
            "Europe/Berlin"
        );
        assert_eq!(ZoneName::parse("UTC").unwrap().as_str(), "UTC");
        for (bad, why) in [
            ("", "empty"),
            ("Mars/Olympus_Mons", "no such zone"),
            ("Europe/Berlín", "not an IANA spelling"),
            ("../../etc/passwd", "a path, not a name"),
            ("/usr/share/zoneinfo/UTC", "an absolute path"),
            ("+01:00", "an offset, not a zone"),
        ] {
            assert!(ZoneName::parse(bad).is_err(), "{bad:?} should fail: {why}");
        }
    }
}
