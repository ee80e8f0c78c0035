//! omnidesk's own survey in a real browser: an agent ends a WhatsApp conversation, the customer
//! opens the link on a 390 px phone, is told what is missing, rates and comments, and the agent
//! sees the answer on the conversation; axe-core finds nothing on the survey pages.

use crate::a11y::assert_accessible;
use crate::desk::{WhatsAppDesk, click_button, until};
use crate::harness::*;
use fantoccini::Locator;
use omnidesk::domain::workstream::Survey;
use omnidesk::store::workstreams::SetupChange;

const NO_SIDEWAYS: &str = "return document.documentElement.scrollWidth <= window.innerWidth;";

async fn click(tour: &Tour, css: &str) {
    tour.client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("no {css}"))
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_answers_the_survey_on_a_phone_and_the_agent_sees_it() {
    let Some(driver) = chromedriver() else { return };
    let desk = WhatsAppDesk::start().await;
    let store = desk.app.desk.store().clone();
    let ws = store.workstreams().await.unwrap()[0].id;
    store
        .save_workstream_setup(
            ws,
            SetupChange::Behaviors {
                operation_hours: None,
                survey: Some(Survey::BuiltIn {
                    message: String::new(),
                    question: String::new(),
                }),
            },
        )
        .await
        .unwrap()
        .unwrap();
    let client = browser(&driver).await;
    let mut tour = desk.agent_tour(client, "survey").await;
    desk.customer_writes(
        "SM0000000000000000000000000000e001",
        "+14155550123",
        "Ana",
        "Where is my parcel?",
    )
    .await;
    until(
        &tour,
        "the offer on the dashboard",
        "return document.body.innerText.includes('Incoming');",
    )
    .await;
    click_button(&tour, "main", "Accept").await;
    until(
        &tour,
        "the conversation page",
        "return location.pathname.startsWith('/agent/conversations/');",
    )
    .await;
    let panel = tour.url().await;
    click_button(&tour, "#conv-actions", "End conversation").await;
    until(
        &tour,
        "wrap-up",
        "return document.body.innerText.includes('ended the conversation; wrap-up.');",
    )
    .await;
    tour.screenshot("ended").await;
    let conv = store
        .conversations_of("+14155550123".into())
        .await
        .unwrap()
        .remove(0);
    let body = store
        .messages(conv.id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.body)
        .find(|b| b.contains("/survey/"))
        .expect("the goodbye carries the survey link");
    let at = body.find("/survey/").unwrap();
    let path: String = body[at..].chars().take("/survey/".len() + 43).collect();

    // The customer's phone.
    tour.client.set_window_size(390, 844).await.unwrap();
    tour.visit(&path, "survey-390").await;
    until(&tour, "no sideways scroll on the survey", NO_SIDEWAYS).await;
    assert_accessible(&tour, "the survey page at 390 px").await;
    click(&tour, "main form button[type=submit]").await;
    until(
        &tour,
        "the missing rating is named",
        "return document.body.innerText.includes('Choose a rating from 1 to 5.');",
    )
    .await;
    tour.screenshot("survey-no-rating").await;
    until(&tour, "no sideways scroll with the error", NO_SIDEWAYS).await;
    assert_accessible(&tour, "the survey page with an error").await;
    click(&tour, "input[name=rating][value=\"4\"]").await;
    tour.fill("comment", "Quick and kind, thank you!").await;
    tour.screenshot("survey-filled").await;
    click(&tour, "main form button[type=submit]").await;
    until(
        &tour,
        "thanks",
        "return document.body.innerText.includes('Your answer was received.');",
    )
    .await;
    tour.screenshot("survey-thanks").await;
    assert_accessible(&tour, "the survey's thank-you page").await;

    // The agent's conversation.
    tour.client.set_window_size(1280, 1000).await.unwrap();
    tour.client.goto(&panel).await.unwrap();
    until(
        &tour,
        "the answer on the conversation",
        "return document.querySelector('.survey-answer') !== null && document.querySelector('.survey-answer').innerText.includes('Customer rated 4/5 — Quick and kind, thank you!');",
    )
    .await;
    tour.screenshot("agent-sees-answer").await;
}
