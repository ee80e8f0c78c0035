//! Application services: the use cases the web layer, the CLI and tests call. They store first,
//! then tell the actors and the live hub (DESIGN.md "Layers").
//!
//! `Desk`: the one handle the web layer, the CLI and tests use to act on the contact center. It
//! stores first and notifies after the commit: a webhook is answered only once its message is
//! durable, and actors, live pages and media fetches are told only about what was committed.

pub mod account_token;
pub mod acs;
pub mod admin;
pub mod assignment;
pub mod automated;
pub mod bot;
mod bot_external;
mod bot_lanes;
pub mod config_file;
pub mod consult;
pub mod contacts;
pub mod devices;
pub mod inbound;
pub mod knowledge;
pub mod offer_card;
pub mod onboarding;
pub mod outbound;
pub mod preview;
pub mod profile;
pub mod queues;
pub mod reports;
pub mod routing;
pub mod scripts;
pub mod sentiment;
pub mod simulated;
pub mod staff;
pub mod survey;
pub mod unrouted;

use crate::actors::Shared;
use crate::actors::registry::ConversationRegistry;
use crate::config::Settings;
use crate::domain::Timestamp;
use crate::live::LiveEvent;
use crate::media::MediaFetcher;
use crate::metrics::Metrics;
use crate::providers::Providers;
use crate::providers::simulator::Simulator;
use crate::store::{Store, StoreError};
use actix::Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("an internal part of omnidesk is not running")]
    Stopped(#[from] actix::MailboxError),
}

#[derive(Clone)]
pub struct Desk {
    shared: Shared,
    registry: Addr<ConversationRegistry>,
    media: MediaFetcher,
    settings: Arc<Settings>,
    /// The same providers the outbox sends with; Validate asks them about accounts.
    providers: Providers,
    scheduler: Addr<crate::actors::scheduler::Scheduler>,
    ready: Arc<AtomicBool>,
    /// Each bot-held conversation's messages on their way to the bot, one at a time.
    bot_lanes: Arc<bot_lanes::BotLanes>,
    /// The last article search index built, reused while no article changed.
    knowledge_index: Arc<knowledge::IndexCache>,
}

impl Desk {
    pub fn new(
        shared: Shared,
        registry: Addr<ConversationRegistry>,
        media: MediaFetcher,
        settings: Arc<Settings>,
        providers: Providers,
        scheduler: Addr<crate::actors::scheduler::Scheduler>,
    ) -> Self {
        Self {
            shared,
            registry,
            media,
            settings,
            providers,
            scheduler,
            ready: Arc::new(AtomicBool::new(false)),
            bot_lanes: Arc::default(),
            knowledge_index: Arc::default(),
        }
    }

    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The Simulator provider (its log of sends, for the Simulator page).
    pub fn simulator(&self) -> &Simulator {
        self.providers.simulator()
    }

    /// Subscribes to the live events (a browser's stream, or a watcher in tests).
    pub fn live_events(&self) -> tokio::sync::broadcast::Receiver<LiveEvent> {
        self.shared.live.subscribe()
    }

    /// The live hub itself: for tests and benchmarks that stage events. Web handlers never
    /// publish (the layer test in `tests/api/layers.rs` checks it).
    pub fn live_hub(&self) -> &crate::live::LiveHub {
        &self.shared.live
    }

    /// Outbound jobs pending or in flight.
    pub async fn outbox_pending(&self) -> Result<usize, DeskError> {
        Ok(self
            .shared
            .outbox
            .send(crate::actors::messages::PendingCount)
            .await?)
    }

    /// Sends due by now that are still being made.
    pub async fn outbox_due_in_flight(&self) -> Result<usize, DeskError> {
        Ok(self
            .shared
            .outbox
            .send(crate::actors::messages::InFlightNow)
            .await?)
    }

    /// Conversation actors alive now (the others are passivated: nothing of theirs is lost).
    pub async fn conversation_actors(&self) -> Result<usize, DeskError> {
        Ok(self
            .registry
            .send(crate::actors::messages::LiveCount)
            .await?)
    }

    /// Open live streams and other watchers.
    pub fn live_subscribers(&self) -> usize {
        self.shared.live.subscribers()
    }

    pub fn metrics(&self) -> &Metrics {
        &self.shared.metrics
    }

    pub fn now(&self) -> Timestamp {
        self.shared.clock.now()
    }

    /// Recovery is done: `/healthz` answers 200 from now on.
    pub fn mark_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Whether the store is accepting writes (it reopens itself after a storage error).
    pub fn store_health(&self) -> crate::store::StoreHealth {
        self.store().health()
    }

    /// Whether `conv` is offered to `agent` or waits in a pick queue `agent` belongs to.
    pub async fn is_offered_or_pickable(
        &self,
        conv: &crate::store::records::Conversation,
        agent: crate::domain::UserId,
    ) -> bool {
        let Some(ws) = conv.workstream_id else {
            return false;
        };
        let Ok(sup) = self
            .registry
            .send(crate::actors::messages::Supervisor(ws))
            .await
        else {
            return false;
        };
        sup.send(crate::actors::messages::Visible {
            conversation: conv.id,
            agent,
        })
        .await
        .unwrap_or(false)
    }
}
