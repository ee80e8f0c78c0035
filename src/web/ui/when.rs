//! One way to show a point in time on every page: `2026-12-01 19:51 UTC` in the text (minutes,
//! no milliseconds), the exact instant in `<time datetime>`. In the browser `static/js/app.js`
//! rewrites the text in the viewer's time zone, relative for the last day ("5 min ago"), with
//! the full local time on hover; without JavaScript the UTC text stands.

use crate::domain::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct When {
    /// RFC 3339 in UTC, for the `datetime` attribute.
    pub iso: String,
    /// What the page shows before the browser localises it.
    pub text: String,
}

impl When {
    pub fn of(t: Timestamp) -> Self {
        match jiff::Timestamp::from_millisecond(t.as_millis()) {
            Ok(ts) => Self {
                iso: ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
                text: ts.strftime("%Y-%m-%d %H:%M UTC").to_string(),
            },
            Err(_) => Self {
                iso: String::new(),
                text: "—".to_owned(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_in_utc_with_the_exact_instant_beside() {
        let w = When::of(Timestamp::from_millis(1_764_618_670_123));
        assert_eq!(w.text, "2025-12-01 19:51 UTC");
        assert_eq!(w.iso, "2025-12-01T19:51:10Z");
    }
}
