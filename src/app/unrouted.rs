//! Start-up recovery of routing: a conversation whose first message was committed but which was
//! not routed yet when omnidesk stopped is classified at start-up as a new one would be (rules →
//! queue, skills, diagnostics with a line saying so), or handed to its workstream's bot when the
//! bot never had it. Runs on the store alone, before the supervisors are told of any queue.

use super::routing::classify_in;
use crate::domain::bot::HANDOFF_PREFIX;
use crate::domain::{ConversationId, ConversationState, Direction, Timestamp};
use crate::store::bots::BotHold;
use crate::store::records::Conversation;
use crate::store::{Store, StoreError};
use std::collections::HashSet;

/// The diagnostics line of a conversation classified at start-up.
pub const CLASSIFIED_AT_RESTART: &str =
    "Classified at restart: omnidesk stopped before routing this conversation.";

/// Routes every open conversation of `open` that was never routed (no diagnostics, no place in
/// a queue, not held by a bot): answers the ones its bot now holds, for re-delivery.
pub async fn route_unrouted(
    store: &Store,
    now: Timestamp,
    open: &[Conversation],
    held: &HashSet<ConversationId>,
) -> Vec<(ConversationId, BotHold)> {
    let mut taken = Vec::new();
    let waiting = open.iter().filter(|c| {
        c.state == ConversationState::Open
            && c.agent.is_none()
            && c.workstream_id.is_some()
            && !held.contains(&c.id)
    });
    for c in waiting {
        match route_one(store, now, c).await {
            Ok(Some(hold)) => taken.push((c.id, hold)),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(conversation = %c.id, error = %e, "routing at start-up failed; the conversation waits in the fallback queue")
            }
        }
    }
    taken
}

async fn route_one(
    store: &Store,
    now: Timestamp,
    c: &Conversation,
) -> Result<Option<BotHold>, StoreError> {
    let Some(ws) = c.workstream_id else {
        return Ok(None);
    };
    if store.routing_diagnostics(c.id).await?.is_some() || store.placement(c.id).await?.is_some() {
        return Ok(None);
    }
    let messages = store.messages(c.id).await?;
    let Some(first) = messages.iter().find(|m| m.direction == Direction::Inbound) else {
        return Ok(None);
    };
    let handed_off = messages
        .iter()
        .any(|m| m.direction == Direction::System && m.body.starts_with(HANDOFF_PREFIX));
    if !handed_off && store.bot(ws).await?.is_some() {
        // Stopped before the bot took it: the bot gets it first, as it would have.
        if store.claim_for_bot(c.id, first.seq, true).await? {
            return store.bot_hold(c.id).await;
        }
    }
    tracing::info!(conversation = %c.id, "classifying a conversation left unrouted by a stop");
    let decision = classify_in(
        store,
        now,
        c.id,
        &first.body,
        Some(CLASSIFIED_AT_RESTART),
        None,
    )
    .await?;
    let fallback = store
        .queues(ws)
        .await?
        .into_iter()
        .find(|q| q.fallback)
        .map(|q| q.id);
    if let Some(queue) = decision.queue.or(fallback) {
        // It has waited since the customer wrote.
        store.place(c.id, queue, c.created_at, 0).await?;
    }
    Ok(None)
}
