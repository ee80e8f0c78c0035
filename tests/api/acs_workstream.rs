//! A WhatsApp channel ID of an ACS account serves a workstream exactly like a Twilio number: the
//! workstream setup lists it, its conversations are routed into the workstream's queue and offered,
//! and automated messages and operating hours apply, sent back through ACS.

use crate::acs_webhooks::{AcsApp, CHANNEL, FROM, acs_app};
use crate::distribution::{agent, offered_to};
use crate::helpers::*;
use crate::queues::{hours, set_fallback};
use omnidesk::domain::automated::{AutomatedText, Locale, OverrideKey, SwitchKey, Trigger};
use omnidesk::domain::queue::{OverflowAction, OverflowCondition, OverflowRule};
use omnidesk::domain::{Channel, ConversationState, WorkstreamId};
use omnidesk::providers::acs::fake::{DeliverySchema, TokenKind, deliveries};
use omnidesk::store::records::Conversation;
use reqwest::StatusCode;
use serde_json::json;

const GREETING: &str = "Welcome to Azure care!";

/// Customer `from` (digits, as ACS writes them) sends `text` as Event Grid message `id`.
async fn customer_writes(a: &AcsApp, id: &str, from: &str, text: &str) -> Conversation {
    let data = deliveries::text_data(id, from, CHANNEL, text);
    let body = json!([deliveries::received(DeliverySchema::EventGrid, id, data)]);
    assert_eq!(a.post(&body, Some(TokenKind::Valid)).await.status(), 200);
    let customer = format!("+{from}");
    a.conversations()
        .await
        .into_iter()
        .find(|c| c.customer.as_str() == customer)
        .expect("a conversation for the customer")
}

/// The text bodies the fake ACS delivered to `to` (digits).
fn delivered_to(a: &AcsApp, to: &str) -> Vec<String> {
    a.acs
        .delivered()
        .into_iter()
        .filter(|d| d.body["to"] == json!([to]))
        .filter_map(|d| d.body["content"].as_str().map(str::to_owned))
        .collect()
}

/// The admin gives the channel ID to a new WhatsApp workstream through its setup page.
async fn served_workstream(a: &AcsApp) -> WorkstreamId {
    let mut admin = a.app.admin().await;
    admin.get("/admin/workstreams/new").await;
    let fields = [
        ("name", "Azure care"),
        ("channel", "whatsapp"),
        ("mode", "push"),
    ];
    let created = admin.post("/admin/workstreams", &fields).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let id: u64 = created
        .location
        .as_deref()
        .and_then(|l| l.strip_prefix("/admin/workstreams/"))
        .and_then(|l| l.strip_suffix("/setup"))
        .and_then(|l| l.parse().ok())
        .expect("redirect to the setup");
    let numbers = a.app.desk().store().numbers_of(a.account.id).await.unwrap();
    let channel = numbers
        .iter()
        .find(|n| n.number.as_str() == CHANNEL)
        .expect("the channel ID is the account's sender");
    let path = format!("/admin/workstreams/{id}/setup/numbers");
    let step = admin.get(&path).await;
    assert_eq!(step.status, StatusCode::OK);
    assert!(step.body.contains("Care"), "listed by its name");
    assert!(step.body.contains(CHANNEL), "and its channel ID");
    let chosen = channel.id.get().to_string();
    let saved = admin.post(&path, &[("numbers", &chosen)]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let ws = WorkstreamId::new(id);
    let stored = a.app.desk().store().workstream(ws).await.unwrap().unwrap();
    assert_eq!(stored.numbers, [channel.id]);
    ws
}

async fn greet_in(a: &AcsApp, ws: WorkstreamId) {
    let desk = a.app.desk();
    let key = SwitchKey {
        trigger: Trigger::Greeting,
        channel: Channel::WhatsApp,
        workstream: None,
    };
    desk.set_automated_switch(key, true).await.unwrap().unwrap();
    let key = OverrideKey {
        trigger: Trigger::Greeting,
        channel: Channel::WhatsApp,
        workstream: Some(ws),
        locale: Locale::parse("en").unwrap(),
    };
    let text = AutomatedText::parse(Trigger::Greeting, GREETING).unwrap();
    desk.set_automated_override(key, text, desk.now())
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_channel_id_serves_a_workstream_with_routing_automated_messages_and_hours() {
    let a = acs_app().await;
    let ws = served_workstream(&a).await;
    let (_browser, ana) = agent(&a.app, "ana@example.com", 2).await;
    set_fallback(&a.app, ws, |d| d.members = vec![ana]).await;
    greet_in(&a, ws).await;

    let conv = customer_writes(&a, "m-1", FROM, "Where is my order?").await;
    assert_eq!(conv.workstream_id, Some(ws), "routed by the channel ID");
    offered_to(&a.app, ana, conv.id).await;
    let greeted = eventually("the greeting reaches ACS", || async {
        let sent = delivered_to(&a, FROM);
        (!sent.is_empty()).then_some(sent)
    })
    .await;
    assert_eq!(greeted, [GREETING]);

    // Closed hours (09:00–17:00 in New York; the test clock is at 04:00 there) end a new
    // conversation with the out-of-hours message, through ACS.
    let closed = hours(&a.app, "America/New_York", 9 * 60, 17 * 60).await;
    set_fallback(&a.app, ws, |d| {
        d.hours = Some(closed);
        d.overflow = vec![OverflowRule {
            condition: OverflowCondition::OutOfHours,
            action: OverflowAction::End,
        }];
    })
    .await;
    let late = "14254360098";
    let ended = customer_writes(&a, "m-2", late, "Anyone there?").await;
    assert_eq!(ended.workstream_id, Some(ws));
    // Sends from one sender are paced: the clock moves on while waiting.
    eventually(
        "the late customer is told and the conversation ends",
        || async {
            a.app.clock.advance(std::time::Duration::from_secs(1));
            let told = delivered_to(&a, late)
                .iter()
                .any(|b| b.contains("closed right now"));
            let state = a.app.conversation(ended.id).await.state;
            (told && state == ConversationState::Closed).then_some(())
        },
    )
    .await;
    a.app.stop().await;
}
