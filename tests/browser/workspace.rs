//! The one-screen workspace in a real browser: the thread opens at the newest message, a reply
//! goes out without reloading the page and keeps the focus in the composer, an offer arriving
//! while the agent is in another conversation shows in the banner and is accepted from there, the
//! list updates and counts unread messages (also in the title) when a customer writes, drafts stay
//! with their conversation, and at 390 px the page does not scroll sideways.

use crate::a11y::assert_accessible;
use crate::desk::*;
use crate::harness::*;
use fantoccini::Locator;
use fantoccini::key::Key;

/// Marks the loaded page: a reload (or navigation) loses the mark.
const MARK: &str = "window.__notReloaded = true; return true;";
const STILL_MARKED: &str = "return window.__notReloaded === true;";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_works_two_conversations_on_one_screen_without_reloads() {
    let Some(driver) = chromedriver() else { return };
    let desk = WhatsAppDesk::start().await;
    let mut tour = desk.agent_tour(browser(&driver).await, "workspace").await;

    // Ana writes a long conversation's worth; the agent accepts it from the dashboard.
    desk.customer_writes(
        "SM0000000000000000000000000000a001",
        "+14155550123",
        "Ana",
        "Hello?",
    )
    .await;
    // The dashboard shows the offer live (its live regions reload on the offer event).
    until(
        &tour,
        "the offer on the dashboard",
        "return document.body.innerText.includes('Incoming');",
    )
    .await;
    assert_accessible(&tour, "the dashboard with an offer").await;
    click_button(&tour, "main", "Accept").await;
    until(
        &tour,
        "the conversation page",
        "return location.pathname.startsWith('/agent/conversations/');",
    )
    .await;
    for i in 0..25 {
        let sid = format!("SM0000000000000000000000000000b{i:03}");
        desk.customer_writes(
            &sid,
            "+14155550123",
            "Ana",
            &format!("Line {i} of my story"),
        )
        .await;
    }
    tour.client.refresh().await.unwrap();
    until(
        &tour,
        "the newest line",
        "return document.body.innerText.includes('Line 24 of my story');",
    )
    .await;
    tour.screenshot("opens-at-newest").await;
    until(
        &tour,
        "the thread scrolled to its newest message",
        "const p = document.querySelector('.conv-thread'); \
         return p.scrollHeight > p.clientHeight && p.scrollHeight - p.scrollTop - p.clientHeight < 48;",
    )
    .await;

    // A reply without a reload: shown at once as queued, the composer empty and focused.
    tour.client.execute(MARK, vec![]).await.unwrap();
    let composer = tour.client.find(Locator::Id("compose-body")).await.unwrap();
    composer.click().await.unwrap();
    send_with_keys(&tour, &composer, "Thanks Ana, checking now.").await;
    tour.screenshot("replied-without-reload").await;
    assert_accessible(&tour, "the conversation page").await;
    until(&tour, "no reload", STILL_MARKED).await;
    until(
        &tour,
        "the focus kept in an empty composer",
        "const a = document.activeElement; return a && a.id === 'compose-body' && a.value === '';",
    )
    .await;

    // A draft for Ana, then Bob writes: his offer shows in the banner on this page, live.
    composer.send_keys("Draft for Ana").await.unwrap();
    desk.customer_writes(
        "SM0000000000000000000000000000c001",
        "+14155550124",
        "Bob",
        "My parcel is late",
    )
    .await;
    until(
        &tour,
        "Bob's offer in the banner",
        "const o = document.querySelector('.offer-banner .offer'); \
         return !!o && o.innerText.includes('My parcel is late');",
    )
    .await;
    until(&tour, "still no reload", STILL_MARKED).await;
    tour.screenshot("offer-banner").await;
    assert_accessible(&tour, "the conversation page with the offer banner").await;
    click_button(&tour, ".offer-banner", "Accept").await;
    until(
        &tour,
        "Bob's conversation",
        "return document.querySelector('h1').innerText.includes('+14155550124');",
    )
    .await;
    tour.client.execute(MARK, vec![]).await.unwrap();

    // Ana writes again: her item counts one unread message, and so does the title, live.
    desk.customer_writes(
        "SM0000000000000000000000000000a002",
        "+14155550123",
        "Ana",
        "Any news?",
    )
    .await;
    until(
        &tour,
        "Ana's unread count",
        "const i = Array.from(document.querySelectorAll('.wl-item')).find(e => e.innerText.includes('Any news?')); \
         return !!i && i.querySelector('.unread-count') && i.querySelector('.unread-count').innerText.startsWith('1');",
    )
    .await;
    until(
        &tour,
        "the title counts it",
        "return document.title.startsWith('(1) ');",
    )
    .await;
    until(&tour, "no reload for the list", STILL_MARKED).await;
    tour.screenshot("list-live-unread").await;

    // Back to Ana with the keyboard: her draft is still there.
    tour.client
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys(&format!("{}{}", Key::Alt, Key::Down))
        .await
        .unwrap();
    until(
        &tour,
        "Ana's conversation with her draft",
        "return document.querySelector('h1').innerText.includes('+14155550123') && \
         document.getElementById('compose-body').value === 'Draft for Ana';",
    )
    .await;
    until(
        &tour,
        "her unread count gone",
        "return !document.querySelector('.wl-item.current .unread-count') && !document.title.startsWith('(');",
    )
    .await;
    tour.screenshot("draft-kept").await;

    // A phone: no sideways scroll; the views are a tap away.
    tour.client.set_window_size(390, 844).await.unwrap();
    tour.client.refresh().await.unwrap();
    until(
        &tour,
        "no horizontal scroll at 390 px",
        "return document.documentElement.scrollWidth <= window.innerWidth;",
    )
    .await;
    tour.screenshot("phone-390").await;
    assert_accessible(&tour, "the conversation page at 390 px").await;
    tour.visit("/agent/search?q=story", "search").await;
    assert_accessible(&tour, "the search page").await;
    tour.client.close().await.unwrap();
    desk.app.stop().await;
}

/// Types `text` into the composer, sends it with Ctrl+Enter and waits for it in the thread.
async fn send_with_keys(tour: &Tour, composer: &fantoccini::elements::Element, text: &str) {
    composer.send_keys(text).await.unwrap();
    composer
        .send_keys(&format!("{}{}", Key::Control, Key::Enter))
        .await
        .unwrap();
    let check = format!(
        "return document.getElementById('thread').innerText.includes({});",
        serde_json::to_string(text).unwrap()
    );
    until(tour, "the reply in the thread", &check).await;
}

/// Presses Tab (from whatever has the focus) until the focused element is the button (or link)
/// `label`.
async fn tab_to(tour: &Tour, label: &str) {
    for _ in 0..120 {
        let focused = tour.client.active_element().await.unwrap();
        let text = focused.text().await.unwrap_or_default();
        let tag = focused.tag_name().await.unwrap_or_default();
        if (tag == "button" || tag == "a") && text.trim() == label {
            return;
        }
        focused.send_keys(&Key::Tab.to_string()).await.unwrap();
    }
    panic!(
        "Tab never reached the button {label:?} on {}",
        tour.url().await
    );
}

/// Presses Enter on the focused element.
async fn enter(tour: &Tour) {
    press(tour, Key::Enter).await;
}

/// Presses `key` on the focused element.
async fn press(tour: &Tour, key: Key) {
    let focused = tour.client.active_element().await.unwrap();
    focused.send_keys(&key.to_string()).await.unwrap();
}

const NO_SIDEWAYS: &str = "return document.documentElement.scrollWidth <= window.innerWidth;";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_an_agent_accepts_replies_ends_and_closes_with_the_keyboard_only() {
    let Some(driver) = chromedriver() else { return };
    let desk = WhatsAppDesk::start().await;
    let client = browser(&driver).await;
    client.set_window_size(390, 844).await.unwrap();
    let mut tour = desk.agent_tour(client, "keyboard-phone").await;
    until(&tour, "no sideways scroll on the dashboard", NO_SIDEWAYS).await;
    desk.customer_writes(
        "SM0000000000000000000000000000d001",
        "+14155550123",
        "Ana",
        "Is my order late?",
    )
    .await;
    until(
        &tour,
        "the offer on the dashboard",
        "return document.body.innerText.includes('Incoming');",
    )
    .await;
    tour.screenshot("offer").await;
    until(
        &tour,
        "Accept and Reject within the phone's width",
        "return Array.from(document.querySelectorAll('button')).filter(b => ['Accept', 'Reject'].includes(b.innerText.trim()))            .every(b => b.getBoundingClientRect().right <= window.innerWidth && b.getBoundingClientRect().width > 0);",
    )
    .await;
    tab_to(&tour, "Accept").await;
    enter(&tour).await;
    until(
        &tour,
        "the conversation page",
        "return location.pathname.startsWith('/agent/conversations/');",
    )
    .await;
    until(&tour, "no sideways scroll on the conversation", NO_SIDEWAYS).await;
    tour.screenshot("accepted").await;

    // The list, the thread and the customer are tabs: one view at a time, arrows switch.
    let shown = |id: &str| {
        format!(
            "const e = document.getElementById('{id}'); return !!e && e.getBoundingClientRect().height > 0;"
        )
    };
    until(&tour, "the thread is the view shown", &shown("thread")).await;
    until(
        &tour,
        "the list is hidden behind its tab",
        "return document.getElementById('worklist').getBoundingClientRect().height === 0;",
    )
    .await;
    tab_to(&tour, "Thread").await;
    press(&tour, Key::Right).await;
    until(&tour, "the customer view", &shown("customer-summary")).await;
    until(
        &tour,
        "the customer tab selected and focused",
        "const t = document.activeElement; return t.getAttribute('role') === 'tab' && t.getAttribute('aria-selected') === 'true' && t.dataset.view === 'customer' && document.getElementById('thread').getBoundingClientRect().height === 0;",
    )
    .await;
    tour.screenshot("customer-view").await;
    assert_accessible(&tour, "the customer view at 390 px").await;
    press(&tour, Key::Left).await;
    until(&tour, "back on the thread", &shown("thread")).await;

    // Alt+C to the composer, type, Ctrl+Enter.
    tour.client
        .active_element()
        .await
        .unwrap()
        .send_keys(&format!("{}c", Key::Alt))
        .await
        .unwrap();
    until(
        &tour,
        "the composer focused",
        "return document.activeElement && document.activeElement.id === 'compose-body';",
    )
    .await;
    let composer = tour.client.active_element().await.unwrap();
    send_with_keys(&tour, &composer, "Let me look, Ana.").await;
    tour.screenshot("replied").await;

    tab_to(&tour, "End conversation").await;
    enter(&tour).await;
    until(
        &tour,
        "wrap-up",
        "return document.body.innerText.includes('ended the conversation; wrap-up.');",
    )
    .await;
    until(&tour, "no sideways scroll in wrap-up", NO_SIDEWAYS).await;
    tour.screenshot("wrap-up").await;
    tab_to(&tour, "Close").await;
    enter(&tour).await;
    until(
        &tour,
        "closed today",
        "return (document.body.innerText.split('Closed work items')[1] || '').includes('+14155550123');",
    )
    .await;
    tour.screenshot("closed").await;
    assert_accessible(&tour, "the dashboard at 390 px").await;
    tour.client.close().await.unwrap();
    desk.app.stop().await;
}
