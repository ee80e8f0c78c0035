//! A supervisor's report in a real browser: customers write at different hours of the day, an
//! admin opens `/reports` for that day and sees the numbers, the charts and their tables.

use crate::desk::{AGENT, WhatsAppDesk};
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
    let store = desk.app.desk.store().clone();
    let agnes = store
        .user_by_email(omnidesk::domain::user::Email::parse(AGENT).unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    // 09:00 UTC onwards: 1, 2, 3 … customers in successive hours; Agnes takes every other one
    // after a minute, answers, and closes it; the customers rate some.
    let mut n = 0u64;
    for hour in 0..5u64 {
        for _ in 0..=hour {
            n += 1;
            let sid = format!("SM{n:032x}");
            let from = format!("+1415555{:04}", 1000 + n);
            desk.customer_writes(&sid, &from, "Customer", "Hello").await;
            let conv = store
                .message_by_provider_id(sid)
                .await
                .unwrap()
                .unwrap()
                .conversation_id;
            if n.is_multiple_of(2) {
                desk.clock.advance(Duration::from_secs(30 + 10 * n));
                let now = desk.app.desk.now();
                store.assign(conv, agnes, 1, now).await.unwrap().unwrap();
                store
                    .close_conversation(
                        conv,
                        Some(agnes),
                        now.saturating_add(Duration::from_secs(60 * n)),
                    )
                    .await
                    .unwrap()
                    .unwrap();
                store
                    .record_survey_answer(conv, (n % 5 + 1) as u8, now)
                    .await
                    .unwrap()
                    .unwrap();
            }
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
    for (section, name) in [
        ("t-hours", "reports-by-hour"),
        ("t-agents", "reports-agents"),
    ] {
        tour.client
            .execute(
                &format!("document.getElementById('{section}').scrollIntoView()"),
                vec![],
            )
            .await
            .unwrap();
        tour.screenshot(name).await;
    }
}
