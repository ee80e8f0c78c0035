//! An admin imports a configuration file on `/admin/config` in a real browser: a refused file
//! with its line, then a preview and "Apply".

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_previews_and_applies_a_configuration_file() {
    let Some(driver) = chromedriver() else { return };
    let (app, _dir) = app("http://127.0.0.1:9").await;
    let client = browser(&driver).await;
    let mut tour = Tour::new(client, app.address(), "config-page");
    tour.sign_in().await;
    tour.click_link("Configuration file", "config").await;
    assert!(
        tour.text()
            .await
            .contains("Export (download omnidesk-config.toml)")
    );

    tour.fill("file", "[[skills]]\nname = 5\n").await;
    tour.submit("refused").await;
    let refused = tour.text().await;
    assert!(refused.contains("line 2, column"), "{refused}");
    assert!(refused.contains("nothing was changed"), "{refused}");

    tour.fill("file", "[[skills]]\nname = \"French\"\n").await;
    tour.submit("preview").await;
    let preview = tour.text().await;
    assert!(preview.contains("add French"), "{preview}");
    assert!(app.desk.store().skills().await.unwrap().is_empty());
    tour.submit("applied").await;
    assert!(tour.text().await.contains("Applied"));
    let skills = app.desk.store().skills().await.unwrap();
    assert_eq!(skills.len(), 1, "{skills:?}");
}
