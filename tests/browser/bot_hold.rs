//! The bot's part on the conversation page in a real browser: the demo's SMS menu bot holds the
//! conversation a Simulator customer opens ("With the bot … since …", its menu shown as the
//! bot's), then hands it off on option 1 with a line in the thread saying why. Its times are
//! shown relative ("just now") by the page's script.

use crate::harness::*;
use omnidesk::domain::Channel;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_conversation_page_shows_the_bots_hold_then_its_hand_off() {
    let Some(driver) = chromedriver() else { return };
    let (app, _dir) = app_with("http://127.0.0.1:9", |s| s.demo = true).await;
    let sms = app
        .desk
        .store()
        .numbers()
        .await
        .unwrap()
        .into_iter()
        .find(|n| n.channel == Channel::Sms)
        .expect("the demo's SMS number");
    let client = browser(&driver).await;
    let mut tour = Tour::new(client, app.address(), "bot-hold");
    tour.sign_in().await;
    tour.visit("/simulator", "simulator").await;
    tour.select("number", &sms.id.get().to_string()).await;
    tour.fill("customer", "+14155550142").await;
    tour.fill("body", "hello").await;
    tour.submit("customer-wrote").await;

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let conv = loop {
        assert!(
            std::time::Instant::now() < deadline,
            "the bot took the conversation"
        );
        let convs = app
            .desk
            .store()
            .conversations_of("+14155550142".into())
            .await
            .unwrap();
        let held = match convs.first() {
            Some(c) => app.desk.store().bot_hold(c.id).await.unwrap().is_some(),
            None => false,
        };
        if held {
            break convs[0].id;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let page = format!("/agent/conversations/{}", conv.get());
    tour.visit(&page, "held-by-the-bot").await;
    let text = tour.text().await;
    assert!(text.contains("With the bot (menu bot) since"), "{text}");
    assert!(text.contains("Bot (automated)"), "{text}");
    // Times are localised by the page's script: relative for the last day, no UTC text left.
    assert!(text.contains("just now"), "{text}");
    assert!(!text.contains(" UTC"), "{text}");

    tour.visit("/simulator", "simulator-again").await;
    tour.select("number", &sms.id.get().to_string()).await;
    tour.fill("customer", "+14155550142").await;
    tour.fill("body", "1").await;
    tour.submit("customer-chose").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        assert!(std::time::Instant::now() < deadline, "the bot handed off");
        if app.desk.store().bot_hold(conv).await.unwrap().is_none() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tour.visit(&page, "handed-off").await;
    let text = tour.text().await;
    assert!(
        text.contains("Handed off by the bot: the customer chose"),
        "{text}"
    );
    assert!(!text.contains("With the bot"), "{text}");
}
