//! Work distribution over HTTP: push offers with the test clock, rejects and timeouts, presence and
//! capacity rules, the pick race, and offers surviving a restart.

use crate::helpers::*;
use crate::signin::{Browser, PASSWORD};
use omnidesk::domain::user::{Email, Role};
use omnidesk::domain::workstream::WorkstreamName;
use omnidesk::domain::{ConversationId, ConversationState, UserId, WorkstreamId};
use omnidesk::store::records::{Conversation, DistributionMode};
use omnidesk::store::users::NewUser;
use omnidesk::store::workstreams::WorkstreamDraft;
use reqwest::StatusCode;
use std::time::Duration;

/// Creates an agent with `capacity`, signs them in (which sets them Available).
pub(crate) async fn agent(app: &TestApp, email: &str, capacity: u32) -> (Browser, UserId) {
    let hash = omnidesk::auth::password::hash_now(PASSWORD).unwrap();
    let user = app
        .desk()
        .store()
        .add_user(
            NewUser {
                email: Email::parse(email).unwrap(),
                name: email.split('@').next().unwrap().to_owned(),
                role: Role::Agent,
                password_hash: hash,
                capacity,
                languages: vec!["en".into()],
            },
            app.desk().now(),
        )
        .await
        .unwrap()
        .unwrap();
    let mut b = Browser::new(&app.address);
    assert_eq!(
        b.sign_in(email, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    b.get("/agent").await;
    (b, user.id)
}

pub(crate) async fn wa_workstream(app: &TestApp) -> WorkstreamId {
    app.desk().store().workstreams().await.unwrap()[0].id
}

pub(crate) async fn offers(app: &TestApp, agent: UserId) -> Vec<ConversationId> {
    app.desk()
        .offers_of(agent)
        .await
        .unwrap()
        .into_iter()
        .map(|(c, _)| c)
        .collect()
}

pub(crate) async fn offered_to(app: &TestApp, agent: UserId, conv: ConversationId) {
    eventually("the offer reaches the agent", || async {
        offers(app, agent).await.contains(&conv).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_push_offer_goes_to_the_member_with_most_free_capacity_and_accepting_assigns_it() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (_small, a) = agent(&app, "a@example.com", 2).await;
    let (mut big, b) = agent(&app, "b@example.com", 5).await;
    let (_outsider, c) = agent(&app, "c@example.com", 9).await;
    app.desk()
        .store()
        .set_members(ws, vec![a, b])
        .await
        .unwrap();
    let conv = app.customer_writes_wa("I need help").await;
    offered_to(&app, b, conv.id).await;
    assert!(offers(&app, a).await.is_empty());
    assert!(offers(&app, c).await.is_empty(), "not a member");

    let page = big
        .post(&format!("/agent/offers/{}/accept", conv.id.get()), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let stored = app.conversation(conv.id).await;
    assert_eq!(stored.state, ConversationState::Active);
    assert_eq!(stored.agent, Some(b));
    assert!(
        offers(&app, b).await.is_empty(),
        "the offer is gone once accepted"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_reject_or_a_timeout_offers_to_the_next_agent_and_three_declines_skip_the_agent() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (mut first, a) = agent(&app, "a@example.com", 5).await;
    let (_second, b) = agent(&app, "b@example.com", 4).await;
    app.desk()
        .store()
        .set_members(ws, vec![a, b])
        .await
        .unwrap();
    let conv = app.customer_writes_wa("hello").await;
    offered_to(&app, a, conv.id).await;

    let page = first
        .post(&format!("/agent/offers/{}/reject", conv.id.get()), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    offered_to(&app, b, conv.id).await;

    let held = app.desk().offers_of(b).await.unwrap();
    assert_eq!(
        held,
        vec![(
            conv.id,
            app.desk().now().saturating_add(Duration::from_secs(120))
        )],
        "the countdown is 120 s"
    );
    app.clock.advance(Duration::from_secs(119));
    app.clock.advance(Duration::from_secs(1));
    offered_to(&app, a, conv.id).await;
    let late = first
        .post(&format!("/agent/offers/{}/accept", conv.id.get()), &[])
        .await;
    assert_eq!(
        late.status,
        StatusCode::SEE_OTHER,
        "a's second offer can be accepted"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_agent_who_declined_three_times_is_skipped() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (mut only, a) = agent(&app, "a@example.com", 5).await;
    app.desk().store().set_members(ws, vec![a]).await.unwrap();
    let conv = app.customer_writes_wa("hello").await;
    for round in 0..3 {
        if round > 0 {
            // The screen-pop timeout passes once more: the same agent may get it again.
            app.clock.advance(Duration::from_secs(120));
        }
        offered_to(&app, a, conv.id).await;
        let page = only
            .post(&format!("/agent/offers/{}/reject", conv.id.get()), &[])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "round {round}");
        // The reject was handled before this query (one supervisor mailbox): no offer at once.
        assert!(
            offers(&app, a).await.is_empty(),
            "round {round}: not re-offered to the agent who just declined"
        );
    }
    app.clock.advance(Duration::from_secs(600));
    assert!(offers(&app, a).await.is_empty(), "no fourth offer");
    let flagged = eventually("flagged for supervisors", || async {
        let flags = app.desk().store().flags().await.unwrap();
        flags.into_iter().find(|(c, _)| *c == conv.id)
    })
    .await;
    assert_eq!(
        flagged.1.reason,
        omnidesk::store::flags::FlagReason::DeclinedByAll
    );
    let mut supervisor = app.signed_in(Role::Supervisor, "sup@example.com").await;
    let floor = supervisor.get("/agent").await;
    let attention = floor
        .body
        .split("Needs attention")
        .nth(1)
        .unwrap_or_default();
    assert!(
        attention.contains("Declined by every agent of the queue"),
        "supervisors see the flag: {}",
        floor.body
    );
    let told = only.get("/agent").await;
    assert!(
        told.body.contains("Declined by every agent of the queue"),
        "the queue's agents are told"
    );
    assert_eq!(
        app.conversation(conv.id).await.state,
        omnidesk::domain::ConversationState::Open,
        "it stays queued"
    );
    let gone = only
        .post(&format!("/agent/offers/{}/accept", conv.id.get()), &[])
        .await;
    assert_eq!(gone.status, StatusCode::CONFLICT);
    assert!(gone.body.contains("no longer yours"));
    app.stop().await;
}

#[tokio::test]
async fn a_rejected_offer_goes_to_another_eligible_agent_not_back_to_the_decliner() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (mut a_browser, a) = agent(&app, "a@example.com", 5).await;
    app.desk().store().set_members(ws, vec![a]).await.unwrap();
    let conv = app.customer_writes_wa("hello").await;
    offered_to(&app, a, conv.id).await;
    a_browser
        .post(&format!("/agent/offers/{}/reject", conv.id.get()), &[])
        .await;
    assert!(offers(&app, a).await.is_empty(), "not at once to a again");
    // Another eligible agent appears: they get it, before the timeout has passed.
    let (_b_browser, b) = agent(&app, "b@example.com", 1).await;
    app.desk()
        .store()
        .set_members(ws, vec![a, b])
        .await
        .unwrap();
    app.desk().pump_all();
    offered_to(&app, b, conv.id).await;
    assert!(offers(&app, a).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn offers_go_only_to_allowed_presences_and_agents_with_free_capacity() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (mut a_browser, a) = agent(&app, "a@example.com", 1).await;
    app.desk().store().set_members(ws, vec![a]).await.unwrap();
    a_browser.get("/agent").await;
    let away = a_browser
        .post("/agent/presence", &[("presence", "away")])
        .await;
    assert_eq!(away.status, StatusCode::SEE_OTHER);
    let conv = app.customer_writes_wa("anyone?").await;
    // One supervisor mailbox: the query below runs after the conversation was queued and pumped.
    assert!(offers(&app, a).await.is_empty(), "Away gets no offers");
    a_browser
        .post("/agent/presence", &[("presence", "available")])
        .await;
    offered_to(&app, a, conv.id).await;
    a_browser
        .post(&format!("/agent/offers/{}/accept", conv.id.get()), &[])
        .await;
    assert_eq!(
        app.desk().presence_of(a).await,
        omnidesk::domain::presence::Presence::BusyDnd,
        "full at capacity 1"
    );

    let other = {
        let sid = new_sid();
        let form = with(wa_form(&sid, "me too"), "From", "whatsapp:+14155550777");
        assert_eq!(app.post_inbound_wa(&form).await.status(), 200);
        app.message_by_sid(&sid).await.unwrap().conversation_id
    };
    // One supervisor mailbox: the query below runs after the conversation was queued and pumped.
    assert!(offers(&app, a).await.is_empty(), "no free capacity");
    let end = a_browser
        .post(&format!("/agent/conversations/{}/end", conv.id.get()), &[])
        .await;
    assert_eq!(end.status, StatusCode::SEE_OTHER, "{}", end.body);
    assert_eq!(
        app.conversation(conv.id).await.state,
        ConversationState::WrapUp
    );
    offered_to(&app, a, other).await;
    app.stop().await;
}

#[tokio::test]
async fn a_signed_out_agent_is_offline_and_gets_no_offers() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (mut a_browser, a) = agent(&app, "a@example.com", 3).await;
    app.desk().store().set_members(ws, vec![a]).await.unwrap();
    a_browser.post("/logout", &[]).await;
    assert_eq!(
        app.desk().presence_of(a).await,
        omnidesk::domain::presence::Presence::Offline
    );
    let conv = app.customer_writes_wa("hi").await;
    // One supervisor mailbox: the query below runs after the conversation was queued and pumped.
    assert!(offers(&app, a).await.is_empty());
    let _ = conv;
    app.stop().await;
}

#[tokio::test]
async fn two_agents_picking_at_once_one_wins_and_the_other_sees_why() {
    let app = spawn_app().await;
    let ws = app
        .desk()
        .store()
        .create_workstream(WorkstreamDraft {
            name: WorkstreamName::parse("SMS pick").unwrap(),
            channel: omnidesk::domain::Channel::Sms,
            mode: DistributionMode::Pick,
            fallback_queue: None,
            numbers: vec![app.fx.sms_number.id],
        })
        .await
        .unwrap()
        .unwrap();
    let (mut first, a) = agent(&app, "a@example.com", 3).await;
    let (mut second, b) = agent(&app, "b@example.com", 3).await;
    app.desk()
        .store()
        .set_members(ws.id, vec![a, b])
        .await
        .unwrap();
    let conv = app.customer_writes_sms("who's there").await;
    // One supervisor mailbox: the query below runs after the conversation was queued and pumped.
    assert!(
        offers(&app, a).await.is_empty(),
        "pick mode makes no offers"
    );
    let path = format!("/agent/conversations/{}/assign", conv.id.get());
    let (r1, r2) = tokio::join!(first.post(&path, &[]), second.post(&path, &[]));
    let statuses = [r1.status, r2.status];
    assert!(statuses.contains(&StatusCode::SEE_OTHER), "{statuses:?}");
    assert!(statuses.contains(&StatusCode::CONFLICT), "{statuses:?}");
    let loser = if r1.status == StatusCode::CONFLICT {
        r1
    } else {
        r2
    };
    assert!(
        loser
            .body
            .contains("Another agent has already taken this conversation.")
    );
    let stored = app.conversation(conv.id).await;
    assert!(stored.agent == Some(a) || stored.agent == Some(b));
    app.stop().await;
}

#[tokio::test]
async fn an_offer_in_flight_at_a_restart_is_offered_again() {
    let mut app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (_b, a) = agent(&app, "a@example.com", 3).await;
    app.desk().store().set_members(ws, vec![a]).await.unwrap();
    let conv = app.customer_writes_wa("hello").await;
    offered_to(&app, a, conv.id).await;
    app.restart(|_| {}).await;
    offered_to(&app, a, conv.id).await;
    let mut again = Browser::new(&app.address);
    again.sign_in("a@example.com", PASSWORD).await;
    again.get("/agent").await;
    let page = again
        .post(&format!("/agent/offers/{}/accept", conv.id.get()), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(app.conversation(conv.id).await.agent, Some(a));
    app.stop().await;
}

#[tokio::test]
async fn a_transfer_back_to_the_queue_offers_the_conversation_again() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (mut a_browser, a) = agent(&app, "a@example.com", 3).await;
    let (mut b_browser, b) = agent(&app, "b@example.com", 2).await;
    app.desk()
        .store()
        .set_members(ws, vec![a, b])
        .await
        .unwrap();
    let conv = app.customer_writes_wa("hello").await;
    offered_to(&app, a, conv.id).await;
    a_browser
        .post(&format!("/agent/offers/{}/accept", conv.id.get()), &[])
        .await;
    let to_b = a_browser
        .post(
            &format!("/agent/conversations/{}/transfer", conv.id.get()),
            &[("to", &b.get().to_string())],
        )
        .await;
    assert_eq!(to_b.status, StatusCode::OK, "{}", to_b.body);
    assert!(
        to_b.body.contains("The conversation was transferred to"),
        "the sender is told: {}",
        to_b.body
    );
    // Push mode: the receiver gets an offer, first in line.
    offered_to(&app, b, conv.id).await;
    b_browser
        .post(&format!("/agent/offers/{}/accept", conv.id.get()), &[])
        .await;
    assert_eq!(app.conversation(conv.id).await.agent, Some(b));
    let not_mine = a_browser
        .post(
            &format!("/agent/conversations/{}/transfer", conv.id.get()),
            &[("to", "queue")],
        )
        .await;
    // a worked on it, so a may still read it, but no longer act on it.
    assert_eq!(not_mine.status, StatusCode::CONFLICT, "{}", not_mine.body);
    assert!(not_mine.body.contains("not assigned to you"));
    app.stop().await;
}

#[tokio::test]
async fn the_dashboard_shows_the_offer_then_the_work_item_and_the_presence_selector() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (mut a_browser, a) = agent(&app, "a@example.com", 3).await;
    app.desk().store().set_members(ws, vec![a]).await.unwrap();
    let empty = a_browser.get("/agent").await;
    assert!(empty.body.contains("Nothing assigned to you right now."));
    assert!(
        empty.body.contains("name=\"presence\""),
        "presence selector in the header"
    );
    let conv = app.customer_writes_wa("My parcel <b>never</b> came").await;
    offered_to(&app, a, conv.id).await;
    let page = a_browser.get("/agent").await;
    assert!(page.body.contains("Incoming"));
    assert!(page.body.contains("Ana (new customer)"), "{}", page.body);
    assert!(
        page.body
            .contains("My parcel &#60;b&#62;never&#60;/b&#62; came"),
        "escaped first message"
    );
    assert!(page.body.contains("120 s left"));
    // The customer writes again while the offer stands: the offer shows the latest message.
    app.customer_writes_wa("Order 4711, please hurry").await;
    let again = a_browser.get("/agent").await;
    assert!(again.body.contains("Latest message"), "{}", again.body);
    assert!(
        again.body.contains("Order 4711, please hurry"),
        "{}",
        again.body
    );
    assert!(!again.body.contains("never&#60;/b&#62; came"));
    assert!(
        page.body
            .contains(&format!("/agent/offers/{}/accept", conv.id.get()))
    );
    a_browser
        .post(&format!("/agent/offers/{}/accept", conv.id.get()), &[])
        .await;
    let after = a_browser.get("/agent?sort=customer").await;
    assert!(!after.body.contains("Incoming"));
    assert!(
        after
            .body
            .contains(&format!("/agent/conversations/{}", conv.id.get()))
    );
    assert!(after.body.contains("Active"));
    app.stop().await;
}

#[tokio::test]
async fn wrap_up_closes_by_hand_or_after_a_day_and_waiting_after_the_workstreams_inactivity_time() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (mut a_browser, a) = agent(&app, "a@example.com", 3).await;
    app.desk().store().set_members(ws, vec![a]).await.unwrap();

    let first = app.customer_writes_wa("one").await;
    offered_to(&app, a, first.id).await;
    a_browser
        .post(&format!("/agent/offers/{}/accept", first.id.get()), &[])
        .await;
    a_browser
        .post(&format!("/agent/conversations/{}/end", first.id.get()), &[])
        .await;
    let closed = a_browser
        .post(
            &format!("/agent/conversations/{}/close", first.id.get()),
            &[],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    assert_eq!(
        app.conversation(first.id).await.state,
        ConversationState::Closed
    );
    let again = app.customer_writes_wa("a new question").await;
    assert_ne!(again.id, first.id, "a closed conversation never reopens");

    offered_to(&app, a, again.id).await;
    a_browser
        .post(&format!("/agent/offers/{}/accept", again.id.get()), &[])
        .await;
    a_browser
        .post(
            &format!("/agent/conversations/{}/close-session", again.id.get()),
            &[],
        )
        .await;
    assert_eq!(
        app.conversation(again.id).await.state,
        ConversationState::Waiting
    );
    // The default "Auto-close after inactivity" is a day.
    app.clock.advance(Duration::from_secs(24 * 3600));
    eventually("the waiting conversation closes by itself", || async {
        (app.conversation(again.id).await.state == ConversationState::Closed).then_some(())
    })
    .await;

    // A day is past the 12-hour idle limit of the agent's session: sign in again.
    a_browser.sign_in("a@example.com", PASSWORD).await;
    a_browser.get("/agent").await;
    let third = {
        let sid = new_sid();
        let form = with(wa_form(&sid, "hi"), "From", "whatsapp:+14155550888");
        app.post_inbound_wa(&form).await;
        app.message_by_sid(&sid).await.unwrap().conversation_id
    };
    offered_to(&app, a, third).await;
    a_browser
        .post(&format!("/agent/offers/{}/accept", third.get()), &[])
        .await;
    a_browser
        .post(&format!("/agent/conversations/{}/end", third.get()), &[])
        .await;
    let c = app.conversation(third).await;
    assert_eq!(c.state, ConversationState::WrapUp, "{c:?}");
    app.clock.advance(Duration::from_secs(24 * 3600));
    eventually("wrap-up closes after a day", || async {
        (app.conversation(third).await.state == ConversationState::Closed).then_some(())
    })
    .await;
    app.stop().await;
}

/// An agent of `ws` accepts the customer's WhatsApp conversation and ends it; returns the
/// conversation and the body of the first message the provider got (the goodbye).
pub async fn goodbye_after_ending(
    app: &TestApp,
    ws: WorkstreamId,
    customer_text: &str,
) -> (Conversation, String) {
    let (mut a_browser, a) = agent(app, "a@example.com", 3).await;
    app.desk().store().set_members(ws, vec![a]).await.unwrap();
    let conv = app.customer_writes_wa(customer_text).await;
    offered_to(app, a, conv.id).await;
    a_browser
        .post(&format!("/agent/offers/{}/accept", conv.id.get()), &[])
        .await;
    a_browser
        .post(&format!("/agent/conversations/{}/end", conv.id.get()), &[])
        .await;
    let sent = eventually("the goodbye reaches the provider", || async {
        let s = app.sent_messages().await;
        (!s.is_empty()).then_some(s)
    })
    .await;
    (conv, field(&form_of(&sent[0]), "Body").unwrap())
}

#[tokio::test]
async fn ending_sends_the_agent_ended_message_with_the_survey_link() {
    use omnidesk::domain::workstream::{Survey, SurveyLink};
    use omnidesk::store::workstreams::SetupChange;
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let ws = wa_workstream(&app).await;
    app.desk()
        .store()
        .save_workstream_setup(
            ws,
            SetupChange::Behaviors {
                operation_hours: None,
                survey: Some(Survey {
                    link: SurveyLink::parse("https://survey.example/s/1").unwrap(),
                    message: "How did we do?".into(),
                }),
            },
        )
        .await
        .unwrap()
        .unwrap();
    let (conv, body) = goodbye_after_ending(&app, ws, "thanks, that's all").await;
    assert!(
        body.contains("How did we do? https://survey.example/s/1"),
        "{body}"
    );
    let stored = app.messages(conv.id).await;
    assert_eq!(
        stored.last().unwrap().direction,
        omnidesk::domain::Direction::Automated
    );
    app.stop().await;
}
