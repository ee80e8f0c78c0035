//! Times on workspace pages: one format (minutes, in UTC or the zone the user chose; no
//! milliseconds) with the exact instant in `<time datetime>` for the browser to localise.

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

#[tokio::test]
async fn a_chosen_time_zone_shows_times_there_without_javascript_and_follows_the_user() {
    let app = spawn_app().await;
    let conv = app.customer_writes_wa("Hello").await;
    let mut admin = app.admin().await;
    let path = format!("/agent/conversations/{}", conv.id.get());
    let form = admin.get("/account/time-zone").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Europe/Berlin"), "the zones are offered");

    let bad = admin
        .post("/account/time-zone", &[("time_zone", "Mars/Olympus_Mons")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let me = app
        .desk()
        .store()
        .user_by_email(omnidesk::domain::user::Email::parse("admin@example.com").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(app.desk().store().time_zone(me).await.unwrap(), None);

    let saved = admin
        .post("/account/time-zone", &[("time_zone", "Europe/Berlin")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let berlin = "<time datetime=\"2026-01-01T09:00:00Z\">2026-01-01 10:00 CET</time>";
    assert!(admin.get(&path).await.body.contains(berlin));

    // Another browser of the same user gets it at sign-in.
    let mut other = crate::signin::Browser::new(&app.address);
    other
        .sign_in("admin@example.com", crate::signin::PASSWORD)
        .await;
    assert!(other.get(&path).await.body.contains(berlin));

    // Back to the browser's zone: the text is UTC again without JavaScript.
    admin.get("/account/time-zone").await;
    admin.post("/account/time-zone", &[("time_zone", "")]).await;
    assert!(
        admin
            .get(&path)
            .await
            .body
            .contains("2026-01-01 09:00 UTC</time>")
    );
    assert_eq!(app.desk().store().time_zone(me).await.unwrap(), None);

    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/account/time-zone", app.address))
        .form(&[("time_zone", "Europe/Berlin")])
        .send()
        .await
        .unwrap();
    let to_login = anonymous
        .headers()
        .get("location")
        .is_some_and(|l| l.as_bytes().starts_with(b"/login"));
    assert!(
        to_login || anonymous.status() == StatusCode::FORBIDDEN,
        "{}",
        anonymous.status()
    );
    app.stop().await;
}
