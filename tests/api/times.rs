//! Times on workspace pages: one format (minutes in UTC, no milliseconds) with the exact instant
//! in `<time datetime>` for the browser to localise.

use crate::helpers::*;
use reqwest::StatusCode;

#[tokio::test]
async fn the_thread_and_the_lists_show_times_in_one_format_with_the_instant_beside() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    // The test clock starts at 2026-01-01T09:00:00Z.
    let conv = app.customer_writes_wa("When will the parcel arrive?").await;
    let mut admin = app.admin().await;
    let page = admin
        .get(&format!("/agent/conversations/{}", conv.id.get()))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let stamp = "<time datetime=\"2026-01-01T09:00:00Z\">2026-01-01 09:00 UTC</time>";
    assert!(page.body.contains(stamp), "{}", page.body);
    // The reply window closes a day later, shown the same way.
    assert!(
        page.body
            .contains("<time datetime=\"2026-01-02T09:00:00Z\">2026-01-02 09:00 UTC</time>"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("09:00:00.000Z<") && !page.body.contains("T09:00:00Z<"),
        "no raw instants in the text: {}",
        page.body
    );
    app.stop().await;
}
