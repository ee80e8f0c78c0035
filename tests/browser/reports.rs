//! A supervisor's report in a real browser: customers write at different hours of the day, an
//! admin opens `/reports` for that day and sees the numbers, the charts and their tables.

use crate::desk::WhatsAppDesk;
use crate::harness::*;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_reads_the_days_report_with_its_charts() {
    let Some(driver) = chromedriver() else { return };
    let desk = WhatsAppDesk::start().await;
    let hash = omnidesk::auth::password::hash_now(ADMIN_PASSWORD).unwrap();
    desk.app
        .desk
        .store()
        .add_user(
            omnidesk::store::users::NewUser {
                email: omnidesk::domain::user::Email::parse(ADMIN_EMAIL).unwrap(),
                name: "Ada Admin".into(),
                role: omnidesk::domain::user::Role::Admin,
                password_hash: hash,
                capacity: 10,
                languages: vec!["en".into()],
            },
            desk.app.desk.now(),
        )
        .await
        .unwrap()
        .unwrap();
    // 09:00 UTC onwards: 1, 2, 3 … customers in successive hours.
    let mut n = 0;
    for hour in 0..5u64 {
        for _ in 0..=hour {
            n += 1;
            let from = format!("+1415555{:04}", 1000 + n);
            desk.customer_writes(&format!("SM{n:032x}"), &from, "Customer", "Hello")
                .await;
        }
        desk.clock.advance(Duration::from_secs(3600));
    }
    let client = browser(&driver).await;
    let mut tour = Tour::new(client, desk.app.address(), "reports");
    tour.sign_in().await;
    tour.click_link("Reports", "reports-default").await;
    tour.visit("/reports?from=2026-01-01&to=2026-01-01", "reports-day")
        .await;
    let text = tour.text().await;
    assert!(
        text.contains("Conversations opened 2026-01-01 to 2026-01-01"),
        "{text}"
    );
    assert!(
        text.contains("Opened\n15") || text.contains("Opened 15"),
        "{text}"
    );
    assert!(
        text.contains("Conversations opened by hour of day (UTC)"),
        "{text}"
    );
    assert!(text.contains("Definitions"));
}
