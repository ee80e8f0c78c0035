//! The live parts of the process (DESIGN.md "Actors"). They own timers and in-memory state and can
//! all be rebuilt from the store at start-up.

mod attempt;
pub mod conversation;
pub mod messages;
pub mod notices;
pub mod outbox;
mod pacing;
pub mod registry;
pub mod roster;
pub mod scheduler;
pub mod workstream;

use crate::clock::Clock;
use crate::metrics::Metrics;
use crate::store::Store;
use std::sync::Arc;

/// What every conversation and workstream actor is built with.
#[derive(Clone)]
pub struct Shared {
    pub store: Store,
    pub clock: Clock,
    pub live: crate::live::LiveHub,
    pub metrics: Arc<Metrics>,
    pub outbox: actix::Addr<outbox::OutboxDispatcher>,
    pub roster: actix::Addr<roster::AgentRoster>,
    /// Queue decisions the application services act on (messages, overflow ends).
    pub notices: notices::Notices,
}
