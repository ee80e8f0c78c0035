//! An admin signs in and sets omnidesk up through the forms, in a real browser.

use crate::harness::*;
use wiremock::matchers::{basic_auth, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "browser-test-auth-token-1234";

/// Twilio, as the account wizard asks it: the account is active and has `number`.
async fn twilio_with(number: &str) -> MockServer {
    let server = MockServer::start().await;
    let base = format!("/2010-04-01/Accounts/{SID}");
    Mock::given(method("GET"))
        .and(path(format!("{base}.json")))
        .and(basic_auth(SID, TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "sid": SID, "status": "active", "type": "Full", "friendly_name": "Acme",
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{base}/IncomingPhoneNumbers.json")))
        .and(basic_auth(SID, TOKEN))
        .and(query_param("PhoneNumber", number))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "incoming_phone_numbers": [{"account_sid": SID, "phone_number": number}],
            "page": 0, "page_size": 50, "next_page_uri": null,
        })))
        .mount(&server)
        .await;
    server
}

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

/// The walk-through: sign in, create a Twilio WhatsApp account with a number and a
/// template, and set up a workstream for it, screenshotting every page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sets_up_whatsapp_through_the_forms() {
    let Some(driver) = chromedriver() else { return };
    let twilio = twilio_with("+14155550199").await;
    let (app, _dir) = app(&twilio.uri()).await;
    let client = browser(&driver).await;
    let mut tour = Tour::new(client, app.address(), "whatsapp-setup");
    tour.sign_in().await;

    tour.visit("/admin/accounts", "accounts").await;
    tour.click_link("New account", "account-channel").await;
    tour.fill("name", "Support WhatsApp").await;
    tour.select("channel", "whatsapp").await;
    tour.submit("account-provider").await;
    tour.select("provider", "twilio").await;
    tour.submit("account-details").await;
    tour.fill("account_sid", SID).await;
    tour.fill("auth_token", TOKEN).await;
    tour.submit("account-numbers").await;
    tour.fill("name", "Support line").await;
    tour.fill("number", "12").await;
    tour.submit("number-refused").await;
    assert!(tour.text().await.contains("+"), "the format is explained");
    tour.fill("number", "+14155550199").await;
    tour.submit("number-added").await;
    tour.click_link("Next: callback information", "callback-information")
        .await;
    let callback = tour.text().await;
    assert!(callback.contains("/webhooks/twilio/"), "{callback}");
    assert!(
        !tour
            .client
            .source()
            .await
            .unwrap()
            .contains("browser-test-auth-token-1234")
    );
    tour.click_link("Next: done", "account-done").await;
    assert!(
        tour.text().await.contains("is ready with 1 number(s)"),
        "Twilio confirmed the account and its number"
    );

    tour.visit("/admin/templates/new", "template-new").await;
    tour.fill("name", "order_update").await;
    tour.fill("language", "en").await;
    tour.fill("text", "Hi {{1}}, your order {{2}} has shipped.")
        .await;
    tour.fill("content_sid", "HXb5b62575e6e4ff6129ad7c8efe1f983e")
        .await;
    tour.submit("template-created").await;
    let templates = app.desk.store().templates().await.unwrap();
    assert_eq!(templates.len(), 1, "the template was stored");

    tour.visit("/admin/workstreams/new", "workstream-new").await;
    tour.fill("name", "WhatsApp support").await;
    tour.select("channel", "whatsapp").await;
    tour.select("mode", "push").await;
    tour.submit("setup-numbers").await;
    let number = app.desk.store().accounts().await.unwrap();
    assert_eq!(number.len(), 1);
    tour.check("numbers", "1").await;
    tour.submit("setup-language").await;
    tour.fill("language", "en").await;
    tour.submit("setup-behaviors").await;
    tour.submit("setup-user-features").await;
    tour.submit("setup-summary").await;
    tour.submit("setup-finished").await;
    let ws = app.desk.store().workstreams().await.unwrap();
    assert_eq!(ws.len(), 1);
    assert_eq!(ws[0].numbers.len(), 1, "the number serves the workstream");

    tour.visit("/admin/hours", "hours").await;
    tour.visit("/admin/automated-messages", "automated-messages")
        .await;
    tour.visit("/admin/quick-replies", "quick-replies").await;
    tour.client.close().await.unwrap();
    app.stop().await;
}

/// The admin home's setup checklist as it fills, and the operating-hours week grid with an
/// error beside the day it belongs to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_home_is_a_checklist_and_hours_are_a_week_grid() {
    let Some(driver) = chromedriver() else { return };
    let (app, _dir) = app("http://127.0.0.1:9").await;
    let client = browser(&driver).await;
    let mut tour = Tour::new(client, app.address(), "onboarding");
    tour.sign_in().await;
    tour.visit("/admin", "checklist-empty").await;
    let home = tour.text().await;
    assert!(home.contains("Add a messaging account") && home.contains("Not done"));

    tour.visit("/admin/accounts/new", "account-channel").await;
    tour.fill("name", "Try it").await;
    tour.select("channel", "sms").await;
    tour.submit("account-provider").await;
    tour.select("provider", "simulator").await;
    tour.submit("account-details").await;
    tour.submit("account-numbers").await;
    tour.fill("number", "+1 (415) 555-0142").await;
    tour.submit("number-added").await;
    assert!(
        tour.text().await.contains("+14155550142"),
        "stored in E.164"
    );
    tour.visit("/admin", "checklist-account-and-number").await;
    assert!(tour.text().await.contains("1 number added."));

    tour.visit("/admin/hours/new", "hours-grid").await;
    tour.fill("name", "Office").await;
    // Time inputs take typing by locale; set the values as a picker would.
    let script = "document.querySelector('[name=mon_from]').value = '17:00'; \
                  document.querySelector('[name=mon_to]').value = '09:00';";
    tour.client.execute(script, vec![]).await.unwrap();
    tour.submit("hours-grid-refused").await;
    let source = tour.client.source().await.unwrap();
    assert!(source.contains("class=\"week-grid\""), "a week grid");
    assert!(
        source.contains("id=\"e-mon_to\""),
        "the error is beside Monday"
    );
    tour.client.close().await.unwrap();
    app.stop().await;
}
