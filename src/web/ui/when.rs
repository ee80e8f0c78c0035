//! One way to show a point in time on every page: `2026-12-01 19:51 UTC` in the text (minutes,
//! no milliseconds), the exact instant in `<time datetime>`. In the browser `static/js/app.js`
//! rewrites the text in the viewer's time zone, relative for the last day ("5 min ago"), with
//! the full local time on hover; without JavaScript the text is in the time zone the user chose
//! in their profile (`/account/time-zone`, carried by the `omnidesk_tz` cookie), else in UTC.

use crate::domain::Timestamp;
use jiff::tz::TimeZone;

tokio::task_local! {
    /// The time zone the viewer chose, for the request being answered.
    static VIEWER_ZONE: TimeZone;
}

/// Runs `f` (a request's handling) with times shown in `zone`, when there is one.
pub async fn in_zone<F: std::future::Future>(zone: Option<TimeZone>, f: F) -> F::Output {
    match zone {
        Some(z) => VIEWER_ZONE.scope(z, f).await,
        None => f.await,
    }
}

/// The viewer's time zone for the request being answered (UTC when they chose none).
pub fn viewer_zone() -> TimeZone {
    VIEWER_ZONE
        .try_with(TimeZone::clone)
        .unwrap_or(TimeZone::UTC)
}

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
                text: VIEWER_ZONE
                    .try_with(|z| {
                        ts.to_zoned(z.clone())
                            .strftime("%Y-%m-%d %H:%M %Z")
                            .to_string()
                    })
                    .unwrap_or_else(|_| ts.strftime("%Y-%m-%d %H:%M UTC").to_string()),
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

    #[tokio::test]
    async fn in_the_viewers_zone_when_they_chose_one() {
        let t = Timestamp::from_millis(1_764_618_670_123);
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        let w = in_zone(Some(berlin), async { When::of(t) }).await;
        assert_eq!(w.text, "2025-12-01 20:51 CET");
        assert_eq!(w.iso, "2025-12-01T19:51:10Z", "the instant stays in UTC");
        let summer = Timestamp::from_millis(1_751_392_800_000);
        let ny = TimeZone::get("America/New_York").unwrap();
        assert_eq!(
            in_zone(Some(ny), async { When::of(summer) }).await.text,
            "2025-07-01 14:00 EDT"
        );
        assert!(
            in_zone(None, async { When::of(t) })
                .await
                .text
                .ends_with(" UTC")
        );
    }
}
