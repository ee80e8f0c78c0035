//! The frames of `/agent/events`: how each live event looks on the wire (`event:` and one JSON
//! `data:` line), and which conversation an event is about (its audience is who may open it).

use crate::domain::ConversationId;
use crate::live::LiveEvent;
use actix_web::web::Bytes;
use serde_json::{Value, json};

/// One SSE event as the browser's `EventSource` sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub kind: &'static str,
    pub data: Value,
}

impl Frame {
    /// The first frame of every stream: the subscription is live from here on.
    pub fn ready() -> Self {
        Self {
            kind: "ready",
            data: json!({}),
        }
    }

    /// The stream fell `missed` events behind the hub: the page should reload what it shows.
    pub fn resync(missed: u64) -> Self {
        Self {
            kind: "resync",
            data: json!({ "missed": missed }),
        }
    }

    /// Adds who is writing and what they wrote last (an offer's notification shows them).
    pub fn describe(&mut self, customer: &str, snippet: &str) {
        if let Value::Object(map) = &mut self.data {
            map.insert("customer".into(), Value::from(customer));
            map.insert("snippet".into(), Value::from(snippet));
        }
    }

    /// The frame for `event`; `None` for an event this stream does not describe (yet).
    pub fn of(event: &LiveEvent) -> Option<Self> {
        let (kind, data) = match event {
            LiveEvent::MessageStored { conversation, seq } => (
                "message",
                json!({ "conversation": conversation.get(), "seq": seq }),
            ),
            LiveEvent::StatusChanged {
                conversation,
                seq,
                status,
            } => (
                "status",
                json!({
                    "conversation": conversation.get(),
                    "seq": seq,
                    "status": status.to_string(),
                }),
            ),
            LiveEvent::WindowExpired { conversation } => (
                "window_expired",
                json!({ "conversation": conversation.get() }),
            ),
            LiveEvent::ConversationOpened {
                conversation,
                workstream,
            } => (
                "conversation_opened",
                json!({
                    "conversation": conversation.get(),
                    "workstream": workstream.map(|w| w.get()),
                }),
            ),
            LiveEvent::ConversationAssigned {
                conversation,
                agent,
            } => (
                "assigned",
                json!({
                    "conversation": conversation.get(),
                    "agent": agent.map(|a| a.get()),
                }),
            ),
            LiveEvent::OfferMade {
                conversation,
                agent,
                expires_at,
            } => (
                "offer",
                json!({
                    "conversation": conversation.get(),
                    "agent": agent.get(),
                    "expires_at": expires_at.as_millis(),
                }),
            ),
            LiveEvent::OfferWithdrawn {
                conversation,
                agent,
            } => (
                "offer_withdrawn",
                json!({ "conversation": conversation.get(), "agent": agent.get() }),
            ),
            LiveEvent::ConsultChanged {
                conversation,
                consultant,
                started,
            } => (
                "consult",
                json!({
                    "conversation": conversation.get(),
                    "consultant": consultant.get(),
                    "started": started,
                }),
            ),
            LiveEvent::PresenceChanged { agent, presence } => (
                "presence",
                json!({ "agent": agent.get(), "presence": presence.slug() }),
            ),
            LiveEvent::ConversationFlagged {
                conversation,
                workstream,
            } => (
                "flagged",
                json!({ "conversation": conversation.get(), "workstream": workstream.get() }),
            ),
            // Other parts add events to the hub as they grow; one nobody described here yet stays
            // off the wire instead of breaking the build of a file its author does not own.
            #[allow(unreachable_patterns)]
            _ => return None,
        };
        Some(Self { kind, data })
    }

    /// The wire form. JSON from `serde_json` never contains a raw newline, so `data` is one line.
    pub fn bytes(&self) -> Bytes {
        Bytes::from(format!("event: {}\ndata: {}\n\n", self.kind, self.data))
    }
}

/// The conversation an event is about, for events whose audience is who may open it.
pub(super) fn conversation_of(event: &LiveEvent) -> Option<ConversationId> {
    match event {
        LiveEvent::MessageStored { conversation, .. }
        | LiveEvent::StatusChanged { conversation, .. }
        | LiveEvent::WindowExpired { conversation }
        | LiveEvent::ConversationOpened { conversation, .. } => Some(*conversation),
        _ => None,
    }
}
