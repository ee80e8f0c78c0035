//! An admin signs in and sets omnidesk up through the forms, in a real browser.

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_signs_in_and_adds_a_user() {
    let Some(driver) = chromedriver() else { return };
    let (app, _dir) = app("http://127.0.0.1:9").await;
    let client = browser(&driver).await;
    let mut tour = Tour::new(client, app.address(), "users");
    tour.sign_in().await;
    assert!(
        tour.url().await.contains("/admin"),
        "lands in the admin console"
    );
    tour.visit("/admin/users", "users").await;
    tour.click_link("New user", "new-user").await;
    tour.fill("email", "agent@example.com").await;
    tour.fill("name", "Agnes Agent").await;
    tour.select("role", "agent").await;
    tour.fill("password", "short").await;
    tour.submit("new-user-refused").await;
    assert!(
        tour.text().await.contains("at least 12"),
        "the error is shown next to the field"
    );
    tour.fill("password", "a long enough password").await;
    tour.submit("user-created").await;
    assert!(tour.text().await.contains("User created."));
    tour.client.close().await.unwrap();
    app.stop().await;
}
