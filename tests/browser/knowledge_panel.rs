//! Knowledge and the agent script in the conversation panel, in a real browser: smart assist
//! suggests an article for what the customer wrote, "Share text" and a script step's "Use" fill
//! the reply without leaving the page, and the article search swaps its results in place.

use crate::a11y::assert_accessible;
use crate::harness::*;
use fantoccini::Locator;
use omnidesk::domain::Channel;
use omnidesk::domain::knowledge::script::{StepKind, StepText};
use omnidesk::domain::knowledge::{
    ArticleBody, ArticleSlug, ArticleState, ArticleTitle, parse_keywords,
};
use omnidesk::domain::language::LanguageCode;
use omnidesk::startup::RunningApp;
use omnidesk::store::knowledge::ArticleContent;
use omnidesk::store::scripts::ScriptEdit;
use std::time::{Duration, Instant};

const RETURNS: &str = "Send the parcel back within 30 days; the label is in your e-mail.";
const GREETING: &str = "Hello! I can help with that.";

async fn article(app: &RunningApp, title: &str, keywords: &str, body: &str) {
    let author = app.desk.store().users().await.unwrap()[0].id;
    app.desk
        .create_article(
            ArticleContent {
                slug: ArticleSlug::from_title(title).unwrap(),
                title: ArticleTitle::parse(title).unwrap(),
                body: ArticleBody::parse(body).unwrap(),
                keywords: parse_keywords(keywords).unwrap(),
                language: LanguageCode::parse("en").unwrap(),
                state: ArticleState::Published,
                public: true,
            },
            author,
        )
        .await
        .unwrap()
        .unwrap();
}

async fn click(tour: &Tour, css: &str) {
    tour.client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("no {css}"))
        .click()
        .await
        .unwrap();
}

async fn composer_text(tour: &Tour) -> String {
    tour.client
        .find(Locator::Id("compose-body"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn share_and_use_fill_the_reply_and_search_stays_on_the_page() {
    let Some(driver) = chromedriver() else { return };
    let (app, _dir) = app_with("http://127.0.0.1:9", |s| s.demo = true).await;
    let wa = app
        .desk
        .store()
        .numbers()
        .await
        .unwrap()
        .into_iter()
        .find(|n| n.channel == Channel::WhatsApp)
        .expect("the demo's WhatsApp number");
    article(&app, "Returning an order", "refund, return", RETURNS).await;
    article(
        &app,
        "Shipping times",
        "delivery, parcel",
        "Orders ship within two days.",
    )
    .await;

    let client = browser(&driver).await;
    let mut tour = Tour::new(client, app.address(), "knowledge-panel");
    tour.sign_in().await;
    tour.visit("/simulator", "simulator").await;
    tour.select("number", &wa.id.get().to_string()).await;
    tour.fill("customer", "+14155550143").await;
    tour.fill("body", "I want a refund for my order").await;
    tour.submit("customer-wrote").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let conv = loop {
        assert!(Instant::now() < deadline, "the conversation opened");
        let convs = app
            .desk
            .store()
            .conversations_of("+14155550143".into())
            .await
            .unwrap();
        if let Some(c) = convs.into_iter().next() {
            break c;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let ws = conv.workstream_id.expect("the WhatsApp workstream");
    app.desk
        .edit_script(
            ws,
            ScriptEdit::Add(StepKind::SendText, StepText::parse(GREETING).unwrap()),
        )
        .await
        .unwrap()
        .unwrap();

    let page = format!("/agent/conversations/{}", conv.id.get());
    tour.visit(&page, "panel").await;
    assert_accessible(&tour, "the conversation page with knowledge and a script").await;
    let suggested = tour
        .client
        .find(Locator::Css("#kb-suggestions .kb-hit-title"))
        .await
        .expect("a suggestion")
        .text()
        .await
        .unwrap();
    assert_eq!(suggested, "Returning an order");

    click(&tour, "#kb-suggestions button[value=\"text\"]").await;
    tour.screenshot("shared-text").await;
    assert_eq!(composer_text(&tour).await, RETURNS);
    assert!(tour.url().await.ends_with(&page), "no page load");

    click(&tour, "#script button[data-fill]").await;
    tour.screenshot("used-step").await;
    assert_eq!(composer_text(&tour).await, format!("{RETURNS} {GREETING}"));

    tour.fill("q", "parcel").await;
    click(&tour, ".kb-search button").await;
    let results = tour
        .client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#kb-results"))
        .await
        .expect("the results swapped in");
    tour.screenshot("searched").await;
    assert_accessible(&tour, "the conversation page with search results").await;
    let text = results.text().await.unwrap();
    assert!(text.contains("Shipping times"), "{text}");
    assert!(
        tour.url().await.ends_with(&page),
        "still on the conversation"
    );
    assert_eq!(
        composer_text(&tour).await,
        format!("{RETURNS} {GREETING}"),
        "the reply being typed is kept"
    );
    // A result swapped in shares like the others, once.
    click(&tour, "#kb-results button[value=\"link\"]").await;
    tour.screenshot("shared-link").await;
    let link = format!("{}/kb/shipping-times", app.desk.settings().public_url());
    assert_eq!(
        composer_text(&tour).await,
        format!("{RETURNS} {GREETING} {link}")
    );

    // The article's public page, the knowledge list and its form.
    tour.visit("/kb/shipping-times", "public-page").await;
    assert_accessible(&tour, "the public article page").await;
    tour.visit("/admin/knowledge", "knowledge-list").await;
    assert_accessible(&tour, "the knowledge list").await;
    tour.visit("/admin/knowledge/new", "new-article").await;
    assert_accessible(&tour, "the new article form").await;
    tour.visit(&format!("/admin/workstreams/{}/script", ws.get()), "script")
        .await;
    assert_accessible(&tour, "the script page").await;

    // What a customer opens from a shared link, on a phone: no sideways scroll.
    tour.client.set_window_size(390, 844).await.unwrap();
    tour.visit("/kb/returning-an-order", "public-page-390")
        .await;
    let fits = tour
        .client
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        fits,
        serde_json::Value::Bool(true),
        "the public page fits 390 px"
    );
    assert_accessible(&tour, "the public article page at 390 px").await;
}
