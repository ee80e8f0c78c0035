//! The conversation lifecycle over HTTP: a customer who writes after End reaches an agent in a new,
//! linked conversation; "Close" in wrap-up; system lines for every state change; conversations
//! of away agents going back to the queue; Inactive; and the capacity ledger (offers reserve
//! capacity across workstreams, holds survive settings changes and restarts, edits apply at once).

use crate::distribution::{agent, offered_to, offers, wa_workstream};
use crate::helpers::*;
use omnidesk::domain::presence::Presence;
use omnidesk::domain::workstream::{Distribution, WrapUp};
use omnidesk::domain::{ConversationState, UserId, WorkstreamId};
use omnidesk::store::flags::FlagReason;
use omnidesk::store::users::UserUpdate;
use reqwest::StatusCode;
use std::time::Duration;

async fn set_distribution(app: &TestApp, ws: WorkstreamId, f: impl FnOnce(&mut Distribution)) {
    let mut d = app
        .desk()
        .store()
        .workstream(ws)
        .await
        .unwrap()
        .unwrap()
        .distribution;
    f(&mut d);
    app.desk()
        .store()
        .set_workstream_distribution(ws, d)
        .await
        .unwrap()
        .unwrap();
}

async fn load(app: &TestApp, user: UserId) -> u32 {
    app.desk().agent_state(user).await.unwrap().unwrap().load
}

async fn accept(browser: &mut crate::signin::Browser, conv: omnidesk::domain::ConversationId) {
    let page = browser
        .post(&format!("/agent/offers/{}/accept", conv.get()), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

#[tokio::test]
async fn a_customer_who_writes_during_wrap_up_reaches_an_agent_in_a_new_linked_conversation() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    set_distribution(&app, ws, |d| d.wrap_up = WrapUp::Always).await;
    let (mut a_browser, a) = agent(&app, "ana@example.com", 1).await;
    let (mut b_browser, b) = agent(&app, "ben@example.com", 1).await;
    app.desk().set_members(ws, vec![a]).await.unwrap();
    let first = app.customer_writes_wa("my order is late").await;
    offered_to(&app, a, first.id).await;
    accept(&mut a_browser, first.id).await;
    let end = a_browser
        .post(&format!("/agent/conversations/{}/end", first.id.get()), &[])
        .await;
    assert_eq!(end.status, StatusCode::SEE_OTHER);
    assert_eq!(load(&app, a).await, 1, "wrap-up blocks capacity (Always)");
    a_browser
        .post("/agent/presence", &[("presence", "away")])
        .await;
    app.desk().set_members(ws, vec![a, b]).await.unwrap();

    let second = app.customer_writes_wa("hello? still there?").await;
    assert_ne!(second.id, first.id, "a new conversation");
    assert_eq!(second.state, ConversationState::Open);
    let old = app.conversation(first.id).await;
    assert_eq!(old.state, ConversationState::Closed, "the ended one closed");
    assert_eq!(
        app.desk()
            .store()
            .previous_conversation(second.id)
            .await
            .unwrap(),
        Some(first.id)
    );
    offered_to(&app, b, second.id).await;
    eventually("the closed wrap-up frees a's capacity", || async {
        (load(&app, a).await == 0).then_some(())
    })
    .await;
    let lines = app.system_lines(first.id).await;
    assert_eq!(
        lines.last().map(String::as_str),
        Some(
            format!(
                "The conversation closed: the customer wrote again, which opened conversation #{}.",
                second.id.get()
            )
            .as_str()
        ),
        "{lines:?}"
    );
    assert_eq!(
        app.system_lines(second.id).await,
        vec!["The customer wrote again after their previous conversation ended.".to_owned()]
    );
    accept(&mut b_browser, second.id).await;
    let panel = b_browser
        .get(&format!("/agent/conversations/{}", second.id.get()))
        .await;
    assert!(
        panel.body.contains(&format!(
            "href=\"/agent/conversations/{}\" class=\"previous-link\"",
            first.id.get()
        )),
        "the panel links the previous conversation"
    );
    app.stop().await;
}

#[tokio::test]
async fn close_in_wrap_up_frees_the_blocked_capacity_and_lists_the_item_as_closed_today() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    set_distribution(&app, ws, |d| d.wrap_up = WrapUp::Always).await;
    let (mut a_browser, a) = agent(&app, "ana@example.com", 1).await;
    app.desk().set_members(ws, vec![a]).await.unwrap();
    let conv = app.customer_writes_wa("hi").await;
    offered_to(&app, a, conv.id).await;
    accept(&mut a_browser, conv.id).await;
    let path = format!("/agent/conversations/{}", conv.id.get());
    a_browser.post(&format!("{path}/end"), &[]).await;
    let panel = a_browser.get(&path).await;
    assert!(
        panel.body.contains(&format!("action=\"{path}/close\"")),
        "wrap-up shows Close"
    );
    assert_eq!(load(&app, a).await, 1);
    let closed = a_browser.post(&format!("{path}/close"), &[]).await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    assert_eq!(
        app.conversation(conv.id).await.state,
        ConversationState::Closed
    );
    eventually("capacity given back", || async {
        (load(&app, a).await == 0).then_some(())
    })
    .await;
    let dashboard = a_browser.get("/agent").await;
    let closed_today = dashboard
        .body
        .split("Closed work items")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    assert!(
        closed_today.contains(&format!("href=\"{path}\"")),
        "listed under closed today: {closed_today}"
    );
    app.stop().await;
}

#[tokio::test]
async fn every_state_change_is_a_system_line_in_order_with_who() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (mut a_browser, a) = agent(&app, "ana@example.com", 2).await;
    let (mut b_browser, b) = agent(&app, "ben@example.com", 1).await;
    app.desk().set_members(ws, vec![a]).await.unwrap();
    let conv = app.customer_writes_wa("hi").await;
    let path = format!("/agent/conversations/{}", conv.id.get());
    offered_to(&app, a, conv.id).await;
    accept(&mut a_browser, conv.id).await;
    a_browser.post(&format!("{path}/close-session"), &[]).await;
    app.customer_writes_wa("one more thing").await;
    offered_to(&app, a, conv.id).await;
    accept(&mut a_browser, conv.id).await;
    app.desk().set_members(ws, vec![a, b]).await.unwrap();
    let moved = a_browser
        .post(
            &format!("{path}/transfer"),
            &[("to", &b.get().to_string()), ("note", "wants a refund")],
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    offered_to(&app, b, conv.id).await;
    accept(&mut b_browser, conv.id).await;
    app.clock.advance(Duration::from_secs(24 * 3600 + 1));
    eventually("the window flips", || async {
        app.conversation(conv.id).await.template_only.then_some(())
    })
    .await;
    // A day later ben's session has ended: he signs in again.
    let again = b_browser
        .sign_in("ben@example.com", crate::signin::PASSWORD)
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    b_browser.get("/agent").await;
    let ended = b_browser.post(&format!("{path}/end"), &[]).await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER, "{}", ended.body);
    b_browser.post(&format!("{path}/close"), &[]).await;
    let lines = app.system_lines(conv.id).await;
    assert_eq!(
        lines,
        vec![
            "Assigned to ana.",
            "ana closed the session; waiting for the customer.",
            "The customer wrote again: back in the queue.",
            "Assigned to ana.",
            "ana transferred the conversation to ben. Note: wants a refund",
            "Assigned to ben.",
            "The 24-hour reply window closed: only approved templates can be sent.",
            "ben ended the conversation; wrap-up.",
            "ben closed the conversation.",
        ]
    );
    let thread = app.messages(conv.id).await;
    let seqs: Vec<u64> = thread.iter().map(|m| m.seq).collect();
    let mut sorted = seqs.clone();
    sorted.sort_unstable();
    assert_eq!(seqs, sorted, "lines sit in the thread in order");
    a_browser
        .sign_in("ana@example.com", crate::signin::PASSWORD)
        .await;
    let panel = a_browser.get(&path).await;
    assert_eq!(panel.status, StatusCode::OK, "ana keeps read access");
    assert!(
        panel
            .body
            .contains("ana transferred the conversation to ben.")
    );
    app.stop().await;
}

#[tokio::test]
async fn a_conversation_whose_agent_has_been_offline_goes_back_to_the_queue_when_the_customer_writes()
 {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (mut a_browser, a) = agent(&app, "ana@example.com", 1).await;
    let (_b_browser, b) = agent(&app, "ben@example.com", 1).await;
    app.desk().set_members(ws, vec![a]).await.unwrap();
    let conv = app.customer_writes_wa("hi").await;
    offered_to(&app, a, conv.id).await;
    accept(&mut a_browser, conv.id).await;
    let out = a_browser.post("/logout", &[]).await;
    assert!(out.status.is_redirection(), "{}", out.status);
    assert_eq!(app.desk().presence_of(a).await, Presence::Offline);
    app.desk().set_members(ws, vec![a, b]).await.unwrap();
    app.clock.advance(Duration::from_secs(6 * 60));
    app.customer_writes_wa("anyone?").await;
    let flag = eventually("flagged for supervisors", || async {
        let flags = app.desk().store().flags().await.unwrap();
        flags.into_iter().find(|(c, _)| *c == conv.id)
    })
    .await;
    assert_eq!(flag.1.reason, FlagReason::AgentAway);
    let now = app.conversation(conv.id).await;
    assert_eq!(now.state, ConversationState::Open);
    assert_eq!(now.agent, None);
    assert!(
        app.system_lines(conv.id)
            .await
            .contains(&"Back in the queue: ana has been offline for 6 minutes.".to_owned())
    );
    offered_to(&app, b, conv.id).await;
    assert_eq!(load(&app, a).await, 0, "ana's capacity was given back");
    let mut supervisor = app
        .signed_in(omnidesk::domain::user::Role::Supervisor, "sup@example.com")
        .await;
    let floor = supervisor.get("/agent").await;
    assert!(
        floor
            .body
            .contains("Its agent was away when the customer wrote"),
        "supervisors see it flagged"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_agent_with_no_open_tab_for_ten_minutes_is_inactive_and_gets_no_offers() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (mut a_browser, a) = agent(&app, "ana@example.com", 1).await;
    app.desk().set_members(ws, vec![a]).await.unwrap();
    assert_eq!(app.desk().presence_of(a).await, Presence::Available);
    app.clock.advance(Duration::from_secs(11 * 60));
    eventually("ana turns Inactive", || async {
        (app.desk().presence_of(a).await == Presence::Inactive).then_some(())
    })
    .await;
    let conv = app.customer_writes_wa("hi").await;
    assert!(offers(&app, a).await.is_empty(), "Inactive gets no offers");
    let forged = a_browser
        .post_raw(
            "/agent/activity",
            &[("csrf".to_owned(), "not-the-token".to_owned())],
        )
        .await;
    assert_eq!(
        forged.status,
        StatusCode::FORBIDDEN,
        "the ping is CSRF-checked"
    );
    // Her sessions have not ended (10 minutes): activity in the workspace brings her back, and
    // the waiting conversation is offered.
    let ping = a_browser.post("/agent/activity", &[]).await;
    assert_eq!(ping.status, StatusCode::NO_CONTENT);
    offered_to(&app, a, conv.id).await;
    assert_eq!(app.desk().presence_of(a).await, Presence::Available);
    app.stop().await;
}

#[tokio::test]
async fn an_offer_reserves_capacity_so_two_workstreams_cannot_offer_the_same_last_unit() {
    let app = spawn_app().await;
    let wa = wa_workstream(&app).await;
    let sms = app.sms_workstream().await;
    let (mut a_browser, a) = agent(&app, "ana@example.com", 1).await;
    app.desk().set_members(wa, vec![a]).await.unwrap();
    app.desk().set_members(sms, vec![a]).await.unwrap();
    let w = app.customer_writes_wa("whatsapp hi").await;
    offered_to(&app, a, w.id).await;
    let s = app.customer_writes_sms("sms hi").await;
    let held = offers(&app, a).await;
    assert_eq!(
        held,
        vec![w.id],
        "the last unit is reserved by the first offer"
    );
    assert_eq!(app.desk().agent_state(a).await.unwrap().unwrap().offered, 1);
    accept(&mut a_browser, w.id).await;
    assert_eq!(load(&app, a).await, 1);
    assert!(offers(&app, a).await.is_empty(), "full: no second offer");
    // Ending frees the unit: the SMS conversation is offered now.
    a_browser
        .post(&format!("/agent/conversations/{}/end", w.id.get()), &[])
        .await;
    offered_to(&app, a, s.id).await;
    accept(&mut a_browser, s.id).await;
    assert_eq!(load(&app, a).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn capacity_is_a_ledger_changing_the_workstream_capacity_keeps_loads_right() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    set_distribution(&app, ws, |d| d.capacity = 1).await;
    let (mut a_browser, a) = agent(&app, "ana@example.com", 3).await;
    app.desk().set_members(ws, vec![a]).await.unwrap();
    let first = app.customer_writes_wa("first").await;
    offered_to(&app, a, first.id).await;
    accept(&mut a_browser, first.id).await;
    assert_eq!(load(&app, a).await, 1);
    set_distribution(&app, ws, |d| d.capacity = 2).await;
    // A second customer on the same business number.
    let form = with(
        wa_form(&new_sid(), "second"),
        "From",
        "whatsapp:+14155550999",
    );
    let form = with(form, "WaId", "14155550999");
    assert_eq!(app.post_inbound_wa(&form).await.status(), StatusCode::OK);
    let second = eventually("the second conversation is offered", || async {
        offers(&app, a).await.into_iter().next()
    })
    .await;
    accept(&mut a_browser, second).await;
    assert_eq!(load(&app, a).await, 3);
    a_browser
        .post(&format!("/agent/conversations/{}/end", first.id.get()), &[])
        .await;
    eventually(
        "exactly the 1 unit the first assignment took comes back",
        || async { (load(&app, a).await == 2).then_some(()) },
    )
    .await;
    let mut app = app;
    app.restart(|_| {}).await;
    assert_eq!(load(&app, a).await, 2, "the ledger survives a restart");
    app.stop().await;
}

#[tokio::test]
async fn editing_capacity_and_disabling_an_agent_apply_at_once() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (mut a_browser, a) = agent(&app, "ana@example.com", 1).await;
    let (_b_browser, b) = agent(&app, "ben@example.com", 1).await;
    app.desk().set_members(ws, vec![a]).await.unwrap();
    let first = app.customer_writes_wa("first").await;
    offered_to(&app, a, first.id).await;
    accept(&mut a_browser, first.id).await;
    assert_eq!(app.desk().presence_of(a).await, Presence::BusyDnd);
    let header = a_browser.get("/agent").await;
    assert!(
        header.body.contains("Busy - DND: at capacity, 1 of 1"),
        "the header says why"
    );
    let ana = app.desk().store().user(a).await.unwrap().unwrap();
    let update = |capacity, disabled| UserUpdate {
        name: ana.name.clone(),
        role: ana.role,
        capacity,
        languages: ana.languages.clone(),
        disabled,
    };
    app.desk()
        .update_user(a, update(2, false))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.desk().presence_of(a).await,
        Presence::Busy,
        "the new capacity counts without a presence re-set"
    );
    let form = with(
        wa_form(&new_sid(), "second"),
        "From",
        "whatsapp:+14155550999",
    );
    let form = with(form, "WaId", "14155550999");
    app.post_inbound_wa(&form).await;
    let second = eventually("offered within the new capacity", || async {
        offers(&app, a).await.into_iter().next()
    })
    .await;
    app.desk().set_members(ws, vec![a, b]).await.unwrap();
    app.desk()
        .update_user(a, update(2, true))
        .await
        .unwrap()
        .unwrap();
    offered_to(&app, b, second).await;
    assert!(
        offers(&app, a).await.is_empty(),
        "the disabled agent's offer was withdrawn"
    );
    app.stop().await;
}

#[tokio::test]
async fn keep_same_agent_offers_a_revived_conversation_to_its_agent_first() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    set_distribution(&app, ws, |d| d.keep_same_agent = true).await;
    let (mut a_browser, a) = agent(&app, "ana@example.com", 1).await;
    let (_b_browser, b) = agent(&app, "ben@example.com", 5).await;
    app.desk().set_members(ws, vec![a]).await.unwrap();
    let conv = app.customer_writes_wa("hi").await;
    offered_to(&app, a, conv.id).await;
    accept(&mut a_browser, conv.id).await;
    a_browser
        .post(
            &format!("/agent/conversations/{}/close-session", conv.id.get()),
            &[],
        )
        .await;
    app.desk().set_members(ws, vec![a, b]).await.unwrap();
    app.customer_writes_wa("back again").await;
    offered_to(&app, a, conv.id).await;
    assert!(
        offers(&app, b).await.is_empty(),
        "ben has more free capacity, but ana keeps the conversation"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_agent_who_becomes_a_supervisor_loses_their_offers_at_once() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (_a_browser, a) = agent(&app, "ana@example.com", 1).await;
    let (_b_browser, b) = agent(&app, "ben@example.com", 1).await;
    app.desk().set_members(ws, vec![a]).await.unwrap();
    let conv = app.customer_writes_wa("hi").await;
    offered_to(&app, a, conv.id).await;
    app.desk().set_members(ws, vec![a, b]).await.unwrap();
    let ana = app.desk().store().user(a).await.unwrap().unwrap();
    app.desk()
        .update_user(
            a,
            UserUpdate {
                name: ana.name.clone(),
                role: omnidesk::domain::user::Role::Supervisor,
                capacity: ana.capacity,
                languages: ana.languages.clone(),
                disabled: false,
            },
        )
        .await
        .unwrap()
        .unwrap();
    offered_to(&app, b, conv.id).await;
    assert!(
        offers(&app, a).await.is_empty(),
        "the role change withdrew ana's offer"
    );
    assert_eq!(
        app.desk().agent_state(a).await.unwrap().unwrap().offered,
        0,
        "and gave back the units it reserved"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_conversation_whose_agent_left_the_queue_goes_back_when_the_customer_writes() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (mut a_browser, a) = agent(&app, "ana@example.com", 1).await;
    let (_b_browser, b) = agent(&app, "ben@example.com", 1).await;
    app.desk().set_members(ws, vec![a]).await.unwrap();
    let conv = app.customer_writes_wa("hi").await;
    offered_to(&app, a, conv.id).await;
    accept(&mut a_browser, conv.id).await;
    app.desk().set_members(ws, vec![b]).await.unwrap();
    app.customer_writes_wa("hello?").await;
    offered_to(&app, b, conv.id).await;
    assert!(
        app.system_lines(conv.id)
            .await
            .contains(&"Back in the queue: ana is no longer a member of the queue.".to_owned()),
        "no waiting: she is not coming back to this queue"
    );
    app.stop().await;
}
