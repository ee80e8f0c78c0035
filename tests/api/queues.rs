//! Queues end to end: the fallback queue made with the workstream, queue members and priority,
//! both assignment methods, operating hours (waiting for the opening, daylight saving, the
//! out-of-hours message once), every overflow action with its line in the thread, the customer's
//! position, and the admin pages.

use crate::distribution::{agent, offered_to, offers, wa_workstream};
use crate::helpers::*;
use omnidesk::domain::hours::{DayHours, ZoneName};
use omnidesk::domain::queue::{AssignmentMethod, OverflowAction, OverflowCondition, OverflowRule};
use omnidesk::domain::user::Role;
use omnidesk::domain::workstream::QueueName;
use omnidesk::domain::{ConversationState, HoursId, QueueId, Timestamp, UserId, WorkstreamId};
use omnidesk::store::hours::HoursInput;
use omnidesk::store::queues::{Queue, QueueDraft};
use omnidesk::store::records::Conversation;
use reqwest::StatusCode;
use std::time::Duration;

/// An app whose agents stay active (no tab needed) through the hours these tests skip.
async fn patient_app() -> TestApp {
    let twilio = wiremock::MockServer::start().await;
    spawn_app_with(twilio, |s| s.presence.inactive_after_minutes = 1_000_000).await
}

/// Customer number `n` writes to the WhatsApp number.
async fn customer(app: &TestApp, n: u32, body: &str) -> Conversation {
    let sid = new_sid();
    let from = format!("whatsapp:+1415555{n:04}");
    let form = with(wa_form(&sid, body), "From", &from);
    let resp = app.post_inbound_wa(&form).await;
    assert_eq!(resp.status(), 200);
    let msg = app.message_by_sid(&sid).await.expect("stored");
    app.conversation(msg.conversation_id).await
}

pub(crate) async fn fallback(app: &TestApp, ws: WorkstreamId) -> Queue {
    app.desk()
        .store()
        .queues(ws)
        .await
        .unwrap()
        .into_iter()
        .find(|q| q.fallback)
        .expect("every workstream has a fallback queue")
}

fn draft(q: &Queue, members: Vec<UserId>) -> QueueDraft {
    QueueDraft {
        name: q.name.clone(),
        priority: q.priority,
        method: q.method,
        hours: q.hours,
        overflow: q.overflow.clone(),
        members,
    }
}

pub(crate) async fn set_fallback(
    app: &TestApp,
    ws: WorkstreamId,
    change: impl FnOnce(&mut QueueDraft),
) {
    let q = fallback(app, ws).await;
    let members = app.desk().store().queue_members(q.id).await.unwrap();
    let mut d = draft(&q, members);
    change(&mut d);
    app.desk().update_queue(q.id, d).await.unwrap().unwrap();
}

async fn new_queue(
    app: &TestApp,
    ws: WorkstreamId,
    name: &str,
    priority: u32,
    members: Vec<UserId>,
) -> QueueId {
    app.desk()
        .create_queue(
            ws,
            QueueDraft {
                name: QueueName::parse(name).unwrap(),
                priority,
                method: AssignmentMethod::HighestCapacity,
                hours: None,
                overflow: vec![],
                members,
            },
        )
        .await
        .unwrap()
        .unwrap()
        .id
}

/// Open `from`–`to` (minutes) every day in `zone`.
pub(crate) async fn hours(app: &TestApp, zone: &str, from: u16, to: u16) -> HoursId {
    app.desk()
        .create_hours(HoursInput {
            name: format!("{zone} {from}-{to}"),
            time_zone: ZoneName::parse(zone).unwrap(),
            week: std::array::from_fn(|_| DayHours::open(from, to).unwrap()),
            holidays: vec![],
        })
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn bodies_sent(app: &TestApp) -> Vec<String> {
    app.sent_messages()
        .await
        .iter()
        .filter_map(|r| field(&form_of(r), "Body"))
        .collect()
}

async fn line_with(app: &TestApp, conv: &Conversation, text: &str) -> String {
    eventually("the system line is written", || async {
        app.system_lines(conv.id)
            .await
            .into_iter()
            .find(|l| l.contains(text))
    })
    .await
}

#[tokio::test]
async fn an_overflow_transfer_moves_the_third_waiting_conversation_to_its_queue_and_says_so() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let ws = wa_workstream(&app).await;
    let (_a_browser, a) = agent(&app, "a@example.com", 1).await;
    let (_b_browser, b) = agent(&app, "b@example.com", 1).await;
    let overflow = new_queue(&app, ws, "Overflow", 5, vec![b]).await;
    set_fallback(&app, ws, |d| {
        d.members = vec![a];
        d.overflow = vec![OverflowRule {
            condition: OverflowCondition::MoreWaiting(1),
            action: OverflowAction::TransferTo(overflow),
        }];
    })
    .await;

    let first = customer(&app, 1, "one").await;
    offered_to(&app, a, first.id).await;
    let second = customer(&app, 2, "two").await;
    let third = customer(&app, 3, "three").await;
    offered_to(&app, b, third.id).await;
    let line = line_with(&app, &third, "Overflow in").await;
    assert_eq!(
        line,
        "Overflow in WhatsApp support (default) (more than 1 waiting): transferred to Overflow."
    );
    let placed = app
        .desk()
        .store()
        .placement(third.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(placed.queue, overflow);
    assert_eq!(placed.hops, 1);
    let second_place = app
        .desk()
        .store()
        .placement(second.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        second_place.queue,
        fallback(&app, ws).await.id,
        "one ahead is not more than one: it stays"
    );
    assert!(offers(&app, b).await == vec![third.id]);
    // The second customer waits behind the first and is told so.
    let told = eventually("the position message is sent", || async {
        bodies_sent(&app)
            .await
            .into_iter()
            .find(|b| b.contains("number 2 in the queue"))
    })
    .await;
    assert_eq!(told, "Thanks for waiting. You are number 2 in the queue.");
    app.stop().await;
}

#[tokio::test]
async fn a_higher_priority_queue_is_served_first_and_only_its_members_get_it() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (_a_browser, a) = agent(&app, "a@example.com", 1).await;
    let (_c_browser, c) = agent(&app, "c@example.com", 1).await;
    // Nobody works the queues yet. The second conversation overflows into "Urgent", served
    // before the fallback queue whatever the age.
    let urgent = new_queue(&app, ws, "Urgent", 1, vec![]).await;
    set_fallback(&app, ws, |d| {
        d.members = vec![];
        d.overflow = vec![OverflowRule {
            condition: OverflowCondition::MoreWaiting(0),
            action: OverflowAction::TransferTo(urgent),
        }];
    })
    .await;
    let older = customer(&app, 1, "older").await;
    let newer = customer(&app, 2, "newer").await;
    line_with(&app, &newer, "transferred to Urgent").await;
    assert_eq!(
        app.desk()
            .store()
            .placement(older.id)
            .await
            .unwrap()
            .unwrap()
            .queue,
        fallback(&app, ws).await.id
    );
    // Agent a joins both queues and can take one conversation: the urgent one.
    let q = app.desk().store().queue(urgent).await.unwrap().unwrap();
    app.desk()
        .update_queue(urgent, draft(&q, vec![a]))
        .await
        .unwrap()
        .unwrap();
    set_fallback(&app, ws, |d| d.members = vec![a]).await;
    offered_to(&app, a, newer.id).await;
    assert_eq!(offers(&app, a).await, vec![newer.id]);
    assert!(
        offers(&app, c).await.is_empty(),
        "c is in neither queue: never offered"
    );
    app.stop().await;
}

#[tokio::test]
async fn advanced_round_robin_picks_who_was_assigned_longest_ago_and_highest_capacity_the_most_free()
 {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (mut a_browser, a) = agent(&app, "a@example.com", 3).await;
    let (_b_browser, b) = agent(&app, "b@example.com", 2).await;
    set_fallback(&app, ws, |d| {
        d.members = vec![a, b];
        d.method = AssignmentMethod::AdvancedRoundRobin;
    })
    .await;
    let first = customer(&app, 1, "first").await;
    offered_to(&app, a, first.id).await;
    let page = a_browser
        .post(&format!("/agent/offers/{}/accept", first.id.get()), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    // a has 2 units free, b 2, but a was assigned last.
    let second = customer(&app, 2, "second").await;
    offered_to(&app, b, second.id).await;

    // b holds the second's offer (1 free), a has 2 free: highest capacity picks a, where round
    // robin would pick b again.
    set_fallback(&app, ws, |d| d.method = AssignmentMethod::HighestCapacity).await;
    let third = customer(&app, 3, "third").await;
    offered_to(&app, a, third.id).await;
    app.stop().await;
}

#[tokio::test]
async fn outside_hours_the_conversation_waits_is_told_once_and_is_offered_at_the_opening() {
    let app = patient_app().await;
    twilio_accepts(&app.twilio).await;
    let ws = wa_workstream(&app).await;
    let (_a_browser, a) = agent(&app, "a@example.com", 5).await;
    // 09:00Z is 04:00 in New York: closed until 09:00 EST = 14:00Z.
    let h = hours(&app, "America/New_York", 9 * 60, 17 * 60).await;
    set_fallback(&app, ws, |d| {
        d.members = vec![a];
        d.hours = Some(h);
    })
    .await;
    let conv = app.customer_writes_wa("anyone there?").await;
    let told = eventually("the out-of-hours message is sent", || async {
        bodies_sent(&app)
            .await
            .into_iter()
            .find(|b| b.contains("closed right now"))
    })
    .await;
    assert_eq!(
        told,
        "We're closed right now. We'll reply during our opening hours."
    );
    app.customer_writes_wa("hello?").await;
    // The supervisor has reviewed the queue again after the second message (one mailbox): the
    // message is still sent once and nothing is offered.
    assert!(offers(&app, a).await.is_empty(), "closed: not offered");
    app.clock.advance(Duration::from_secs(5 * 3600 - 1));
    assert!(offers(&app, a).await.is_empty(), "a second before opening");
    app.clock.advance(Duration::from_secs(1));
    offered_to(&app, a, conv.id).await;
    let closed_messages = bodies_sent(&app)
        .await
        .into_iter()
        .filter(|b| b.contains("closed right now"))
        .count();
    assert_eq!(closed_messages, 1, "once per conversation");
    app.stop().await;
}

#[tokio::test]
async fn at_08_30_on_the_sunday_of_the_us_spring_change_new_york_opens_at_09_00_edt() {
    let app = patient_app().await;
    let ws = wa_workstream(&app).await;
    let (_a_browser, a) = agent(&app, "a@example.com", 5).await;
    let h = hours(&app, "America/New_York", 9 * 60, 17 * 60).await;
    set_fallback(&app, ws, |d| {
        d.members = vec![a];
        d.hours = Some(h);
    })
    .await;
    // 2027-03-14, the second Sunday of March: clocks go from 02:00 EST to 03:00 EDT.
    let sunday_0830_edt = Timestamp::from_millis(1_805_027_400_000);
    app.clock.advance(START.until(sunday_0830_edt));
    let conv = app.customer_writes_wa("early bird").await;
    app.clock.advance(Duration::from_secs(30 * 60 - 1));
    assert!(
        offers(&app, a).await.is_empty(),
        "08:59:59 EDT: still closed (it would be open if the change were ignored)"
    );
    app.clock.advance(Duration::from_secs(1));
    offered_to(&app, a, conv.id).await;
    app.stop().await;
}

#[tokio::test]
async fn out_of_hours_overflow_ends_the_conversation_or_offers_it_anyway() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let ws = wa_workstream(&app).await;
    let (_a_browser, a) = agent(&app, "a@example.com", 5).await;
    let h = hours(&app, "America/New_York", 9 * 60, 17 * 60).await;
    set_fallback(&app, ws, |d| {
        d.members = vec![a];
        d.hours = Some(h);
        d.overflow = vec![OverflowRule {
            condition: OverflowCondition::OutOfHours,
            action: OverflowAction::End,
        }];
    })
    .await;
    let ended = customer(&app, 1, "late night").await;
    let line = line_with(&app, &ended, "Overflow in").await;
    assert_eq!(
        line,
        "Overflow in WhatsApp support (default) (out of operating hours): the conversation ended."
    );
    eventually("the conversation is closed", || async {
        (app.conversation(ended.id).await.state == ConversationState::Closed).then_some(())
    })
    .await;
    eventually("the customer is told", || async {
        bodies_sent(&app)
            .await
            .into_iter()
            .find(|b| b.contains("closed right now"))
    })
    .await;

    set_fallback(&app, ws, |d| {
        d.overflow = vec![OverflowRule {
            condition: OverflowCondition::OutOfHours,
            action: OverflowAction::AssignAnyway,
        }];
    })
    .await;
    let kept = customer(&app, 2, "still there?").await;
    offered_to(&app, a, kept.id).await;
    let line = line_with(&app, &kept, "Overflow in").await;
    assert!(line.ends_with("offered to agents anyway."), "{line}");
    app.stop().await;
}

#[tokio::test]
async fn a_conversation_that_waited_too_long_is_transferred_when_the_time_comes() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (_b_browser, b) = agent(&app, "b@example.com", 5).await;
    let second = new_queue(&app, ws, "Second line", 50, vec![b]).await;
    set_fallback(&app, ws, |d| {
        d.members = vec![];
        d.overflow = vec![OverflowRule {
            condition: OverflowCondition::WaitedLonger(2),
            action: OverflowAction::TransferTo(second),
        }];
    })
    .await;
    let conv = app.customer_writes_wa("help").await;
    // The wait counts from when the queue took it: let it arrive before the clock moves.
    eventually("the conversation is queued", || async {
        let q = app.desk().queue_of(ws).await.unwrap();
        q.contains(&conv.id).then_some(())
    })
    .await;
    app.clock.advance(Duration::from_secs(120));
    assert!(offers(&app, b).await.is_empty(), "exactly two minutes");
    app.clock.advance(Duration::from_millis(1));
    offered_to(&app, b, conv.id).await;
    let line = line_with(&app, &conv, "Overflow in").await;
    assert!(line.contains("(waited longer than 2 minutes): transferred to Second line."));
    app.stop().await;
}

#[tokio::test]
async fn admins_manage_queues_with_field_errors_and_the_fallback_queue_stays() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let mut admin = app.admin().await;
    let list = admin
        .get(&format!("/admin/workstreams/{}/queues", ws.get()))
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("WhatsApp support (default) (fallback)"));

    let path = format!("/admin/workstreams/{}/queues", ws.get());
    let bad = admin
        .post(
            &path,
            &[
                ("name", "Billing"),
                ("priority", "0"),
                ("method", "highest-capacity"),
                ("overflow0_condition", "more-waiting"),
                ("overflow0_threshold", "5"),
                ("overflow0_action", "transfer"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Enter the priority as a whole number"));
    assert!(bad.body.contains("Choose the queue to transfer to."));
    assert!(
        bad.body.contains("value=\"Billing\""),
        "the entered name is kept"
    );
    assert_eq!(app.desk().store().queues(ws).await.unwrap().len(), 1);

    let made = admin
        .post(
            &path,
            &[
                ("name", "Billing"),
                ("priority", "3"),
                ("method", "round-robin"),
                ("overflow0_condition", "waited-longer"),
                ("overflow0_threshold", "10"),
                ("overflow0_action", "end"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let queues = app.desk().store().queues(ws).await.unwrap();
    let billing = queues.iter().find(|q| !q.fallback).expect("created");
    assert_eq!(billing.priority, 3);
    assert_eq!(billing.method, AssignmentMethod::AdvancedRoundRobin);
    assert_eq!(
        billing.overflow,
        vec![OverflowRule {
            condition: OverflowCondition::WaitedLonger(10),
            action: OverflowAction::End
        }]
    );
    let dup = admin
        .post(
            &path,
            &[
                ("name", "billing"),
                ("priority", "3"),
                ("method", "round-robin"),
            ],
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.body.contains("already has a queue named billing"));

    let fb = fallback(&app, ws).await;
    let refused = admin
        .post(&format!("/admin/queues/{}/delete", fb.id.get()), &[])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused
            .body
            .contains("The fallback queue cannot be deleted")
    );

    // A queue something waits in is not deleted.
    let conv = app.customer_writes_wa("bill?").await;
    eventually(
        "the conversation is placed in the fallback queue",
        || async { app.desk().store().placement(conv.id).await.unwrap() },
    )
    .await;
    app.desk()
        .store()
        .place(conv.id, billing.id, app.desk().now(), 0)
        .await
        .unwrap();
    let busy = admin
        .post(&format!("/admin/queues/{}/delete", billing.id.get()), &[])
        .await;
    assert_eq!(busy.status, StatusCode::CONFLICT);
    assert!(busy.body.contains("1 conversation(s) wait in this queue"));

    let mut agent_browser = app.signed_in(Role::Agent, "agent@example.com").await;
    let denied = agent_browser
        .post(
            &format!("/admin/queues/{}", billing.id.get()),
            &[("name", "X")],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let no_csrf = admin
        .post_raw(&format!("/admin/queues/{}/delete", billing.id.get()), &[])
        .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    assert_eq!(app.desk().store().queues(ws).await.unwrap().len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn a_routing_rule_sends_new_conversations_to_its_queue_and_its_skills_pick_the_agent() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (_a_browser, a) = agent(&app, "a@example.com", 5).await;
    let (_b_browser, b) = agent(&app, "b@example.com", 1).await;
    let (_c_browser, c) = agent(&app, "c@example.com", 9).await;
    let billing = new_queue(&app, ws, "Billing", 1, vec![b, c]).await;
    set_fallback(&app, ws, |d| d.members = vec![a]).await;
    let mut admin = app.admin().await;
    admin.get(&format!("/admin/workstreams/{}", ws.get())).await;
    let made = admin
        .post("/admin/skills", &[("name", "Billing disputes")])
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let skilled = admin
        .post(
            "/admin/skills/1",
            &[
                ("name", "Billing disputes"),
                (&format!("user{}", b.get()), "7"),
            ],
        )
        .await;
    assert_eq!(skilled.status, StatusCode::SEE_OTHER, "{}", skilled.body);
    let q = billing.get().to_string();
    let rule = admin
        .post(
            &format!("/admin/workstreams/{}/routing", ws.get()),
            &[
                ("name", "Money"),
                ("queue", &q),
                ("keywords", "refund, invoice"),
                ("skill0", "1"),
                ("skill0_min", "5"),
            ],
        )
        .await;
    assert_eq!(rule.status, StatusCode::SEE_OTHER, "{}", rule.body);

    // c has far more free capacity, but only b has the skill the rule requires.
    let money = customer(&app, 1, "Where is my REFUND?").await;
    offered_to(&app, b, money.id).await;
    assert_eq!(
        app.desk()
            .store()
            .placement(money.id)
            .await
            .unwrap()
            .unwrap()
            .queue,
        billing
    );
    let diagnostics = app
        .desk()
        .store()
        .routing_diagnostics(money.id)
        .await
        .unwrap()
        .expect("stored when the conversation opened");
    assert_eq!(diagnostics.queue_name, "Billing");

    let other = customer(&app, 2, "hello there").await;
    offered_to(&app, a, other.id).await;
    assert!(offers(&app, c).await.is_empty(), "c lacks the skill");

    let refused = app.desk().delete_queue(billing).await.unwrap();
    assert!(
        matches!(&refused, Err(omnidesk::store::queues::QueueRefusal::RoutedTo(n)) if n == "Money"),
        "{refused:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_conversation_ended_for_waiting_too_long_is_told_why_before_it_closes() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let ws = wa_workstream(&app).await;
    set_fallback(&app, ws, |d| {
        d.members = vec![];
        d.overflow = vec![OverflowRule {
            condition: OverflowCondition::WaitedLonger(1),
            action: OverflowAction::End,
        }];
    })
    .await;
    let conv = app.customer_writes_wa("is anyone there").await;
    app.clock.advance(Duration::from_secs(61));
    eventually("the conversation is closed", || async {
        (app.conversation(conv.id).await.state == ConversationState::Closed).then_some(())
    })
    .await;
    let told = eventually("the customer is told", || async {
        bodies_sent(&app)
            .await
            .into_iter()
            .find(|b| b.contains("can't take your conversation"))
    })
    .await;
    assert_eq!(
        told,
        "We can't take your conversation right now. Please write to us again later."
    );
    let line = line_with(&app, &conv, "Overflow in").await;
    assert!(
        line.contains("(waited longer than 1 minute): the conversation ended."),
        "{line}"
    );
    app.stop().await;
}

#[tokio::test]
async fn position_messages_repeat_only_when_the_place_improved_and_the_interval_passed() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let ws = wa_workstream(&app).await;
    let mut admin = app.admin().await;
    admin
        .get(&format!("/admin/workstreams/{}/queues", ws.get()))
        .await;
    let path = format!("/admin/workstreams/{}/queues/position", ws.get());
    let bad = admin.post(&path, &[("minutes", "0")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Enter whole minutes from 1 to 1440."));
    let saved = admin.post(&path, &[("minutes", "2")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    set_fallback(&app, ws, |d| d.members = vec![]).await;
    let positions = || async {
        bodies_sent(&app)
            .await
            .into_iter()
            .filter(|b| b.contains("in the queue"))
            .collect::<Vec<_>>()
    };
    let first = customer(&app, 1, "one").await;
    customer(&app, 2, "two").await;
    customer(&app, 3, "three").await;
    // The sender is paced: each message goes one pacing step (12.5 ms) after the one before.
    eventually("the third hears their place", || async {
        app.clock.advance(Duration::from_millis(20));
        (positions().await.len() == 2).then_some(())
    })
    .await;
    // The first leaves the queue: the others move up, but within the interval nothing is sent.
    let closed = app
        .desk()
        .store()
        .end_by_overflow(
            first.id,
            omnidesk::domain::timeline::StateChange::WindowClosed,
            app.desk().now(),
        )
        .await
        .unwrap()
        .unwrap();
    app.desk().rearm(closed);
    app.desk().pump_all();
    app.clock.advance(Duration::from_secs(110));
    assert_eq!(positions().await.len(), 2);
    app.clock.advance(Duration::from_secs(10));
    let told = eventually("improved places are told after the interval", || async {
        app.clock.advance(Duration::from_millis(20));
        let p = positions().await;
        (p.len() == 4).then_some(p)
    })
    .await;
    assert!(
        told[2..]
            .iter()
            .any(|b| b.contains("number 1 in the queue")),
        "{told:?}"
    );
    assert!(
        told[2..]
            .iter()
            .any(|b| b.contains("number 2 in the queue")),
        "{told:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_agent_in_two_workstreams_is_offered_the_higher_priority_conversation_first() {
    let app = spawn_app().await;
    let wa = wa_workstream(&app).await;
    let sms = app.sms_workstream().await;
    let (mut browser, a) = agent(&app, "a@example.com", 1).await;
    browser
        .post("/agent/presence", &[("presence", "away")])
        .await;
    set_fallback(&app, wa, |d| {
        d.members = vec![a];
        d.priority = 50;
    })
    .await;
    set_fallback(&app, sms, |d| {
        d.members = vec![a];
        d.priority = 5;
    })
    .await;
    // The WhatsApp customer has waited longer, but the SMS queue comes first.
    let older = customer(&app, 1, "waiting longer").await;
    let urgent = app.customer_writes_sms("priority queue").await;
    assert!(offers(&app, a).await.is_empty(), "Away gets no offers");
    browser
        .post("/agent/presence", &[("presence", "available")])
        .await;
    offered_to(&app, a, urgent.id).await;
    assert_eq!(offers(&app, a).await, vec![urgent.id]);
    // Declined, the SMS conversation lets the WhatsApp one through.
    let page = browser
        .post(&format!("/agent/offers/{}/reject", urgent.id.get()), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    offered_to(&app, a, older.id).await;
    app.stop().await;
}
