//! Consult in a real browser: an agent invites a colleague, the colleague's dashboard shows the
//! request live, they read the thread and write an internal note that reaches the agent live and
//! never the customer, and the agent ends the consult.

use crate::a11y::assert_accessible;
use crate::desk::*;
use crate::harness::*;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_asks_a_colleague_to_consult_and_they_exchange_notes_the_customer_never_sees() {
    let Some(driver) = chromedriver() else { return };
    let desk = WhatsAppDesk::start().await;
    let bea = desk.add_agent("bea@example.com", "Bea").await;
    let mut agnes = desk
        .agent_tour(browser(&driver).await, "consult-agent")
        .await;
    let mut colleague = desk
        .tour_as(
            browser(&driver).await,
            "consult-colleague",
            "bea@example.com",
        )
        .await;
    desk.customer_writes(
        "SM0000000000000000000000000000c001",
        "+14155550123",
        "Ana",
        "My refund never arrived",
    )
    .await;
    until(
        &agnes,
        "the offer",
        "return document.body.innerText.includes('Incoming');",
    )
    .await;
    click_button(&agnes, "main", "Accept").await;
    until(
        &agnes,
        "the conversation page",
        "return location.pathname.startsWith('/agent/conversations/') && !!document.getElementById('consult-user');",
    )
    .await;

    // Invite Bea.
    agnes
        .client
        .execute(
            "document.querySelector('.consult-box').open = true; \
             document.getElementById('consult-user').value = arguments[0];",
            vec![serde_json::json!(bea.get().to_string())],
        )
        .await
        .unwrap();
    click_button(&agnes, ".consult-form", "Invite").await;
    until(
        &agnes,
        "Bea is consulting",
        "return document.body.innerText.includes('Consulting: Bea');",
    )
    .await;
    agnes.screenshot("invited").await;

    // Bea's dashboard shows the request without a reload; she opens the conversation.
    until(
        &colleague,
        "the request on Bea's dashboard",
        "return document.body.innerText.includes('Asked to consult');",
    )
    .await;
    colleague.screenshot("asked").await;
    assert_accessible(&colleague, "the dashboard with a consult request").await;
    colleague
        .client
        .find(Locator::Css("main a[href^='/agent/conversations/']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(
        &colleague,
        "the thread, read-only",
        "return !!document.getElementById('thread') \
         && document.getElementById('thread').innerText.includes('My refund never arrived') \
         && !document.getElementById('compose-body') \
         && document.body.innerText.includes('You are consulting');",
    )
    .await;
    let note = "Refunds take 5 days; check order 4417.";
    colleague
        .client
        .execute("document.querySelector('.note-box').open = true;", vec![])
        .await
        .unwrap();
    colleague
        .client
        .find(Locator::Id("note-body"))
        .await
        .unwrap()
        .send_keys(note)
        .await
        .unwrap();
    click_button(&colleague, ".note-form", "Add note").await;
    let in_thread = format!(
        "return document.getElementById('thread').innerText.includes({});",
        serde_json::to_string(note).unwrap()
    );
    until(&colleague, "the note in Bea's thread", &in_thread).await;
    colleague.screenshot("note-written").await;
    assert_accessible(&colleague, "the conversation while consulting").await;

    // Agnes sees it arrive live; the customer never gets it.
    until(&agnes, "the note in Agnes's thread", &in_thread).await;
    agnes.screenshot("note-arrived").await;
    let sent = desk.twilio.received_requests().await.unwrap_or_default();
    assert!(
        sent.iter()
            .all(|r| !String::from_utf8_lossy(&r.body).contains("4417")),
        "an internal note went to the provider"
    );

    // Agnes ends the consult: Bea can no longer write.
    click_button(&agnes, ".consult-box", "End the consult").await;
    until(
        &agnes,
        "no consultant left",
        "return !document.body.innerText.includes('Consulting: Bea');",
    )
    .await;
    // Bea's composer reloads once the focus leaves it (a region in use waits).
    colleague
        .client
        .execute("document.activeElement.blur();", vec![])
        .await
        .unwrap();
    until(
        &colleague,
        "Bea's note box gone",
        "return !document.getElementById('note-body');",
    )
    .await;
    colleague.screenshot("consult-ended").await;
    agnes.client.close().await.unwrap();
    colleague.client.close().await.unwrap();
    desk.app.stop().await;
}
