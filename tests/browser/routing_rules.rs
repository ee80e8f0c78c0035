//! An admin builds a workstream's routing rules in a real browser: a refused rule with its
//! errors, two rules, reordering without JavaScript, and "Try it".

use crate::harness::*;
use fantoccini::Locator;
use omnidesk::domain::Channel;
use omnidesk::domain::workstream::WorkstreamName;
use omnidesk::store::records::DistributionMode;
use omnidesk::store::workstreams::WorkstreamDraft;

/// Clicks the submit button of the form posting to an action ending with `action`.
async fn press(tour: &mut Tour, action: &str, name: &str) {
    tour.client
        .find(Locator::Css(&format!(
            "form[action$=\"{action}\"] button[type=submit]"
        )))
        .await
        .unwrap_or_else(|_| panic!("no form posting to …{action}"))
        .click()
        .await
        .unwrap();
    let _ = tour.client.wait().for_element(Locator::Css("body")).await;
    tour.screenshot(name).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_builds_routing_rules_and_tries_them() {
    let Some(driver) = chromedriver() else { return };
    let (app, _dir) = app("http://127.0.0.1:9").await;
    let ws = app
        .desk
        .store()
        .create_workstream(WorkstreamDraft {
            name: WorkstreamName::parse("SMS support").unwrap(),
            channel: Channel::Sms,
            mode: DistributionMode::Push,
            fallback_queue: None,
            numbers: vec![],
        })
        .await
        .unwrap()
        .unwrap();
    let base = format!("/admin/workstreams/{}", ws.id.get());
    let client = browser(&driver).await;
    let mut tour = Tour::new(client, app.address(), "routing-rules");
    tour.sign_in().await;
    tour.visit(&base, "workstream").await;
    tour.click_link("Routing rules", "rules-empty").await;
    assert!(tour.text().await.contains("No rules yet"));

    tour.click_link("New rule", "rule-new").await;
    tour.fill("name", "Billing questions").await;
    tour.fill("keywords", "refund, invoice").await;
    tour.select("customer_test", "starts_with").await;
    tour.fill("customer_number", "call me").await;
    tour.submit("rule-refused").await;
    let refused = tour.text().await;
    assert!(refused.contains("Enter digits"), "{refused}");
    tour.fill("customer_number", "+1").await;
    tour.submit("rule-created").await;
    assert!(tour.text().await.contains("Rule created."));

    tour.click_link("New rule", "rule-new-2").await;
    tour.fill("name", "UK customers").await;
    tour.select("customer_test", "starts_with").await;
    tour.fill("customer_number", "+44").await;
    tour.submit("rule-2-created").await;
    press(&mut tour, "/routing/2/up", "rules-reordered").await;
    let names: Vec<String> = app
        .desk
        .store()
        .rules(ws.id)
        .await
        .unwrap()
        .iter()
        .map(|r| r.name.to_string())
        .collect();
    assert_eq!(names, ["UK customers", "Billing questions"]);

    tour.fill("customer", "+14155550123").await;
    tour.fill("message", "I never got my Invoice!").await;
    press(&mut tour, "/routing/try", "try-it").await;
    tour.client
        .execute("window.scrollTo(0, document.body.scrollHeight)", vec![])
        .await
        .unwrap();
    tour.screenshot("try-it-result").await;
    let tried = tour.text().await;
    assert!(
        tried.contains("Rule “Billing questions” matches"),
        "{tried}"
    );
    assert!(tried.contains("Did not match"), "{tried}");

    tour.visit(&format!("{base}/context-variables"), "context-variables")
        .await;
    tour.visit("/admin/skills", "skills").await;
    tour.client.close().await.unwrap();
    app.stop().await;
}
