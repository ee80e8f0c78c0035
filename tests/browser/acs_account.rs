//! An admin sets up an Azure Communication Services WhatsApp account through the wizard in a
//! real browser: a refused detail shown beside its field, then the account, its channel ID and
//! its WhatsApp inbound URL, and the last step validating the account with the (fake) ACS before
//! it says "ready".

use crate::harness::*;
use omnidesk::clock::Clock;
use omnidesk::providers::acs::fake::FakeAcs;

const KEY: &str = "YnJvd3Nlci10ZXN0LWFjY2Vzcy1rZXk=";
const CHANNEL: &str = "0f0eb78e-a576-1dfc-b414-0f0756de3338";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sets_up_an_acs_whatsapp_account() {
    let Some(driver) = chromedriver() else { return };
    let (app, _dir) = app("http://127.0.0.1:9").await;
    let acs = FakeAcs::start(Clock::system()).await;
    acs.add_channel(CHANNEL, vec![]);
    let client = browser(&driver).await;
    let mut tour = Tour::new(client, app.address(), "acs-account");
    tour.sign_in().await;

    tour.visit("/admin/accounts/new", "account-channel").await;
    tour.fill("name", "Azure WhatsApp").await;
    tour.select("channel", "whatsapp").await;
    tour.submit("account-provider").await;
    tour.select("provider", "acs").await;
    tour.submit("account-details").await;
    let connection = format!("endpoint=https://contoso.communication.azure.com/;accesskey={KEY}");
    tour.fill("acs_resource", "contoso").await;
    tour.fill("acs_connection_string", &connection).await;
    tour.fill("event_grid_app_id", "api://omnidesk-events")
        .await;
    tour.fill("event_grid_tenant_id", "contoso.onmicrosoft.com")
        .await;
    tour.submit("account-details-refused").await;
    let refused = tour.text().await;
    assert!(
        refused.contains("The Event grid app tenant ID is the Entra tenant"),
        "{refused}"
    );
    assert!(
        refused.contains("connected to this omnidesk only"),
        "the confirmation is asked for"
    );
    assert!(app.desk.store().accounts().await.unwrap().is_empty());
    let source = tour.client.source().await.unwrap();
    assert!(
        !source.contains(KEY),
        "the connection string is not put back"
    );

    // The resource this omnidesk really talks to: the fake ACS on 127.0.0.1.
    tour.fill("acs_connection_string", &acs.connection_string_text())
        .await;
    tour.fill(
        "event_grid_tenant_id",
        "72f988bf-86f1-41af-91ab-2d7cd011db47",
    )
    .await;
    tour.check("acs_exclusive", "on").await;
    tour.submit("account-channel-ids").await;
    assert!(tour.text().await.contains("Account created."));
    tour.fill("name", "Contoso care").await;
    tour.fill("channel_id", CHANNEL).await;
    tour.submit("channel-id-added").await;
    assert!(tour.text().await.contains(CHANNEL));
    tour.click_link("Next: callback information", "callback-information")
        .await;
    let callback = tour.text().await;
    assert!(callback.contains("WhatsApp inbound URL"), "{callback}");
    assert!(callback.contains("/webhooks/acs/"), "{callback}");
    assert!(
        callback.contains("Add the WhatsApp endpoint to Azure Communication Services resource")
    );
    assert!(!tour.client.source().await.unwrap().contains(KEY));
    tour.click_link("Next: done", "account-validated").await;
    let done = tour.text().await;
    assert!(
        done.contains("Azure WhatsApp is ready with 1 channel ID(s)."),
        "{done}"
    );
    assert!(
        acs.received().iter().any(|r| r
            .path_and_query
            .contains(&format!("/channels/{CHANNEL}/templates"))),
        "validated by listing the channel's templates"
    );
    let accounts = app.desk.store().accounts().await.unwrap();
    assert_eq!(accounts.len(), 1);
    assert!(accounts[0].acs.is_some(), "stored with its ACS settings");
    tour.client.close().await.unwrap();
    app.stop().await;
}
