//! An agent works a WhatsApp conversation in a real browser: offer, accept, reply, delivery
//! tick, the 24-hour switch to templates, a template send.

use crate::desk::*;
use crate::harness::*;
use fantoccini::Locator;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_accepts_an_offer_replies_sees_delivery_and_sends_a_template_after_24_hours() {
    let Some(driver) = chromedriver() else { return };
    let desk = WhatsAppDesk::start().await;
    let (app, twilio, clock, inbound) = (&desk.app, &desk.twilio, &desk.clock, &desk.inbound);
    let mut tour = desk.agent_tour(browser(&driver).await, "agent-flow").await;
    desk.customer_writes(
        "SM22222222222222222222222222222222",
        "+14155550123",
        "Ana",
        "Hello, where is my order?",
    )
    .await;
    let mut offered = false;
    for _ in 0..50 {
        tour.client
            .goto(&format!("{}/agent", app.address()))
            .await
            .unwrap();
        if tour.text().await.contains("Incoming") {
            offered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(offered, "the offer shows on the dashboard");
    tour.screenshot("offer").await;
    tour.client
        .find(Locator::XPath("//button[normalize-space()='Accept']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tour.screenshot("accepted-panel").await;
    assert!(
        tour.url().await.contains("/agent/conversations/"),
        "{}",
        tour.url().await
    );

    tour.fill("body", "Hi Ana, let me check that for you.")
        .await;
    tour.client
        .find(Locator::Css("form.compose-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tour.screenshot("reply-queued").await;
    let mut sent = false;
    for _ in 0..50 {
        if app
            .desk
            .store()
            .message_by_provider_id(SENT_SID.into())
            .await
            .unwrap()
            .is_some()
        {
            sent = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(sent, "the reply reached the fake Twilio");
    let status_url = format!("{inbound}/status");
    assert_eq!(
        desk.post_signed(
            &status_url,
            &[
                ("MessageSid", SENT_SID),
                ("MessageStatus", "delivered"),
                ("AccountSid", SID),
            ]
        )
        .await,
        200
    );
    tour.client.refresh().await.unwrap();
    tour.screenshot("reply-delivered").await;
    assert!(tour.text().await.to_lowercase().contains("delivered"));

    // 24 hours pass, with the agent active in between (sessions end after 12 idle hours).
    for _ in 0..3 {
        clock.advance(Duration::from_secs(8 * 3600 + 1));
        tour.client.refresh().await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    tour.client.refresh().await.unwrap();
    tour.screenshot("window-expired").await;
    assert!(
        tour.text().await.contains(
            "This conversation has exceeded the 24 hour limit to respond to the customer."
        )
    );
    tour.fill("value_1", "Ana").await;
    tour.fill("value_2", "#4417").await;
    tour.client
        .find(Locator::Css("form.template-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tour.screenshot("template-sent").await;
    let mut with_content = false;
    for _ in 0..50 {
        let reqs = twilio.received_requests().await.unwrap_or_default();
        if reqs.iter().any(|r| {
            String::from_utf8_lossy(&r.body)
                .contains("ContentSid=HXb5b62575e6e4ff6129ad7c8efe1f983e")
        }) {
            with_content = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(with_content, "the template went out with its Content SID");

    // End: the thread says so and wrap-up offers Close; Close lists it under closed today.
    tour.client
        .find(Locator::XPath(
            "//button[normalize-space()='End conversation']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tour.screenshot("wrap-up").await;
    let wrap_up = tour.text().await;
    assert!(
        wrap_up.contains("ended the conversation; wrap-up."),
        "the thread has the system line: {wrap_up}"
    );
    assert!(wrap_up.contains("Assigned to"), "{wrap_up}");
    tour.client
        .find(Locator::XPath("//button[normalize-space()='Close']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tour.screenshot("closed-today").await;
    let dashboard = tour.text().await;
    let closed = dashboard
        .split("Closed work items")
        .nth(1)
        .unwrap_or_default();
    assert!(
        closed.contains("+14155550123"),
        "closed today lists the conversation: {dashboard}"
    );
    tour.client.close().await.unwrap();
    desk.app.stop().await;
}
