//! WorkstreamSupervisor: one per workstream. Keeps the queue of conversations waiting for an
//! agent, oldest first. In push mode it offers each to one eligible member — allowed presence,
//! free capacity, highest free capacity first, ties to whoever was assigned least recently — with
//! the workstream's countdown. The roster reserves the offer's capacity until it is accepted,
//! rejected, expired or withdrawn, so an Accept never finds the capacity gone.
//!
//! A reject or timeout counts as a decline: the agent is not offered that conversation again
//! until the screen-pop timeout has passed once more (another eligible agent gets it meanwhile),
//! and after 3 declines never. When every member has declined it 3 times it stays queued, flagged
//! for supervisors. A conversation transferred to an agent, or revived from Waiting in a
//! workstream that keeps the same agent, is offered to that agent first. In pick mode members take
//! items with "Assign to me". Accepts and picks run one at a time, so a race has one winner.
//!
//! Offers live only here: after a restart the conversation is still Open in the store, is queued
//! again at start-up and offered anew.

use super::Shared;
use super::messages::{
    Dequeue, Enqueue, OfferDue, OffersOf, Pump, QueueSnapshot, Reject, Visible, Withdraw,
};
use super::roster::{Demand, ReleaseOffer};
use super::scheduler::{Arm, Deadline, Disarm, Scheduler};
use crate::domain::presence::Presence;
use crate::domain::workstream::Presence as AllowedPresence;
use crate::domain::{ConversationId, Timestamp, UserId, WorkstreamId};
use crate::live::LiveEvent;
use crate::store::flags::FlagReason;
use crate::store::records::{Conversation, DistributionMode, Workstream};
use actix::prelude::*;

mod offers;
mod overflow;
mod serve;
mod take;
use serve::{Entry, Served};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// Declines of one conversation after which an agent is no longer offered it.
pub const MAX_DECLINES: u8 = 3;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DistributionError {
    #[error("This offer is no longer yours: it expired, was withdrawn or was taken.")]
    NoOffer,
    #[error("Another agent has already taken this conversation.")]
    Taken,
    #[error("You are not a member of this workstream's queue.")]
    NotMember,
    #[error("Your presence does not allow new work; set yourself Available.")]
    PresenceNotAllowed,
    #[error("You have no free capacity for this conversation.")]
    NoCapacity,
    #[error("Conversations of this workstream are offered, not picked.")]
    NotPick,
    #[error("{0}")]
    Refused(String),
    #[error("omnidesk could not complete this just now. Try again.")]
    Unavailable,
}

struct Offer {
    agent: UserId,
    expires_at: Timestamp,
}

/// What the supervisor remembers of one waiting conversation.
#[derive(Default)]
struct Waiting {
    /// Declines per agent, with when the last one happened.
    declines: HashMap<UserId, (u8, Timestamp)>,
    /// Offered to this agent first (transfer target, or the agent kept for the conversation).
    preferred: Option<UserId>,
    flagged: bool,
}

pub struct WorkstreamSupervisor {
    id: WorkstreamId,
    shared: Shared,
    /// The conversations waiting in the workstream's queues.
    entries: HashMap<ConversationId, Entry>,
    /// Handed over, their queue still being looked up.
    placing: HashSet<ConversationId>,
    /// The waiting conversations that may be offered now, in offer order (last review).
    offerable: Vec<ConversationId>,
    waiting: HashMap<ConversationId, Waiting>,
    offers: HashMap<ConversationId, Offer>,
    /// Assignment order, for round-robin tie breaks.
    last_assigned: HashMap<UserId, u64>,
    assignments: u64,
    /// Settings, queues and members as of the last pump.
    settings: Option<Workstream>,
    position_every: Duration,
    served: Vec<Served>,
    members: Vec<UserId>,
    pumping: bool,
    pump_again: bool,
    /// Owns the offer countdowns and the next try after a decline.
    scheduler: Addr<Scheduler>,
    /// When the next try after a decline is armed.
    wake: Option<Timestamp>,
}

fn allowed(p: AllowedPresence) -> Presence {
    match p {
        AllowedPresence::Available => Presence::Available,
        AllowedPresence::Busy => Presence::Busy,
        AllowedPresence::BusyDnd => Presence::BusyDnd,
        AllowedPresence::Away => Presence::Away,
    }
}

fn allowed_presences(ws: &Workstream) -> Vec<Presence> {
    ws.distribution
        .allowed_presences
        .iter()
        .copied()
        .map(allowed)
        .collect()
}

impl WorkstreamSupervisor {
    pub fn new(id: WorkstreamId, shared: Shared, scheduler: Addr<Scheduler>) -> Self {
        Self {
            id,
            shared,
            entries: HashMap::new(),
            placing: HashSet::new(),
            offerable: Vec::new(),
            waiting: HashMap::new(),
            offers: HashMap::new(),
            last_assigned: HashMap::new(),
            assignments: 0,
            settings: None,
            position_every: Duration::from_secs(
                u64::from(crate::domain::queue::DEFAULT_POSITION_MINUTES) * 60,
            ),
            served: Vec::new(),
            members: Vec::new(),
            pumping: false,
            pump_again: false,
            scheduler,
            wake: None,
        }
    }

    fn units(&self) -> u32 {
        self.settings
            .as_ref()
            .map_or(1, |w| w.distribution.capacity.max(1))
    }

    fn screen_pop(&self) -> Duration {
        Duration::from_secs(
            self.settings
                .as_ref()
                .map_or(120, |w| u64::from(w.distribution.screen_pop_secs)),
        )
    }

    /// Reloads settings, queues, members and hours, reviews the waiting conversations against
    /// their queues' hours and overflow rules, then makes what offers it can.
    fn pump(&mut self, ctx: &mut Context<Self>) {
        if self.pumping {
            self.pump_again = true;
            return;
        }
        self.pumping = true;
        let fut = serve::load(self.shared.store.clone(), self.id);
        ctx.wait(fut.into_actor(self).map(|loaded, act, ctx| {
            match loaded {
                Some(loaded) => {
                    let now = act.shared.clock.now();
                    let push = loaded.workstream.mode == DistributionMode::Push;
                    act.served = loaded.served(now);
                    act.position_every = loaded.position_every;
                    act.members = loaded.members();
                    act.settings = Some(loaded.workstream);
                    act.withdraw_strays();
                    let review = serve::review(&mut act.entries, &act.served, now);
                    act.apply(review);
                    if push {
                        act.make_offers(ctx);
                        return;
                    }
                    // Pick mode offers nothing: no agent is held back for its items.
                    act.shared.roster.do_send(Demand::none(act.id));
                    act.tell_positions(&HashSet::new());
                }
                None => tracing::warn!(workstream = %act.id, "workstream settings unreadable; not offering"),
            }
            act.pumped(ctx);
        }));
    }

    fn pumped(&mut self, ctx: &mut Context<Self>) {
        self.pumping = false;
        if std::mem::take(&mut self.pump_again) {
            self.pump(ctx);
        }
    }

    fn flag(&mut self, conversation: ConversationId, reason: FlagReason) {
        tracing::info!(conversation = %conversation, ?reason, "flagged for supervisors");
        let store = self.shared.store.clone();
        let live = self.shared.live.clone();
        let now = self.shared.clock.now();
        let workstream = self.id;
        actix::spawn(async move {
            if let Err(e) = store.flag(conversation, reason, now).await {
                tracing::error!(conversation = %conversation, error = %e, "storing a flag failed");
            }
            live.publish(LiveEvent::ConversationFlagged {
                conversation,
                workstream,
            });
        });
    }

    fn offer(&mut self, conversation: ConversationId, agent: UserId) {
        if !self.entries.contains_key(&conversation) || self.offers.contains_key(&conversation) {
            self.shared.roster.do_send(ReleaseOffer {
                conversation,
                user: agent,
            });
            return;
        }
        let expires_at = self.shared.clock.now().saturating_add(self.screen_pop());
        self.scheduler.do_send(Arm {
            deadline: Deadline::Offer(self.id, conversation),
            at: expires_at,
        });
        self.offers
            .insert(conversation, Offer { agent, expires_at });
        self.shared.live.publish(LiveEvent::OfferMade {
            conversation,
            agent,
            expires_at,
        });
    }

    /// Ends the offer of `conversation` if `agent` holds it; gives its capacity back.
    fn withdraw(&mut self, conversation: ConversationId, agent: UserId) {
        if self
            .offers
            .get(&conversation)
            .is_none_or(|o| o.agent != agent)
        {
            return;
        }
        self.offers.remove(&conversation);
        self.scheduler
            .do_send(Disarm(Deadline::Offer(self.id, conversation)));
        self.shared.roster.do_send(ReleaseOffer {
            conversation,
            user: agent,
        });
        self.shared.live.publish(LiveEvent::OfferWithdrawn {
            conversation,
            agent,
        });
    }

    /// A reject or a timeout: count it, withdraw the offer, offer to the next agent.
    fn decline(&mut self, conversation: ConversationId, agent: UserId, ctx: &mut Context<Self>) {
        if self
            .offers
            .get(&conversation)
            .is_none_or(|o| o.agent != agent)
        {
            return;
        }
        self.withdraw(conversation, agent);
        let now = self.shared.clock.now();
        let w = self.waiting.entry(conversation).or_default();
        let d = w.declines.entry(agent).or_insert((0, now));
        d.0 = d.0.saturating_add(1);
        d.1 = now;
        if w.preferred == Some(agent) {
            w.preferred = None;
        }
        self.pump(ctx);
    }

    fn forget(&mut self, conversation: ConversationId) {
        self.entries.remove(&conversation);
        self.placing.remove(&conversation);
        if let Some(agent) = self.offers.get(&conversation).map(|o| o.agent) {
            self.withdraw(conversation, agent);
        }
        self.waiting.remove(&conversation);
    }

    fn assigned(&mut self, conv: &Conversation, agent: UserId, ctx: &mut Context<Self>) {
        if self.offers.remove(&conv.id).is_some() {
            self.scheduler
                .do_send(Disarm(Deadline::Offer(self.id, conv.id)));
        }
        self.entries.remove(&conv.id);
        self.placing.remove(&conv.id);
        self.waiting.remove(&conv.id);
        self.assignments += 1;
        self.last_assigned.insert(agent, self.assignments);
        self.shared.live.publish(LiveEvent::ConversationAssigned {
            conversation: conv.id,
            agent: Some(agent),
        });
        self.pump(ctx);
    }
}

impl Actor for WorkstreamSupervisor {
    type Context = Context<Self>;
}

impl Handler<Enqueue> for WorkstreamSupervisor {
    type Result = ();

    /// Looks up the conversation's queue (where it waits, else where it last waited, else the
    /// fallback queue), stores its place, then serves the queues.
    fn handle(&mut self, msg: Enqueue, ctx: &mut Self::Context) {
        let id = msg.conversation;
        let keep_same = self
            .settings
            .as_ref()
            .is_some_and(|w| w.distribution.keep_same_agent);
        let w = self.waiting.entry(id).or_default();
        if let Some(to) = msg.transfer_to {
            w.preferred = Some(to);
        } else if let Some(prev) = msg.previous_agent.filter(|_| keep_same) {
            w.preferred = Some(prev);
        }
        if self.entries.contains_key(&id) {
            self.pump(ctx);
            return;
        }
        if !self.placing.insert(id) {
            return;
        }
        let fut = serve::place(
            self.shared.store.clone(),
            self.id,
            id,
            self.shared.clock.now(),
        );
        // The mailbox waits for the place: a message after this one (an "Assign to me", a
        // query) finds the conversation queued.
        ctx.wait(fut.into_actor(self).map(move |placed, act, ctx| {
            if !act.placing.remove(&id) {
                // Taken off the queue while its place was looked up.
                return;
            }
            match placed {
                Some(p) => {
                    tracing::debug!(workstream = %act.id, conversation = %id, queue = %p.queue, "queued for an agent");
                    act.entries.insert(id, Entry::new(p));
                    act.pump(ctx);
                }
                None => {
                    tracing::warn!(workstream = %act.id, conversation = %id, "no queue could take the conversation");
                }
            }
        }));
    }
}

impl Handler<Dequeue> for WorkstreamSupervisor {
    type Result = ();

    fn handle(&mut self, msg: Dequeue, _: &mut Self::Context) {
        self.forget(msg.0);
    }
}

impl Handler<Pump> for WorkstreamSupervisor {
    type Result = ();

    fn handle(&mut self, _: Pump, ctx: &mut Self::Context) {
        self.pump(ctx);
    }
}

impl Handler<Reject> for WorkstreamSupervisor {
    type Result = ();

    fn handle(&mut self, msg: Reject, ctx: &mut Self::Context) {
        self.decline(msg.conversation, msg.agent, ctx);
    }
}

impl Handler<OfferDue> for WorkstreamSupervisor {
    type Result = ();

    /// The countdown ended: a timeout counts as a decline. A stale deadline (the offer was
    /// accepted, withdrawn or made anew since) changes nothing.
    fn handle(&mut self, msg: OfferDue, ctx: &mut Self::Context) {
        let now = self.shared.clock.now();
        let due = self
            .offers
            .get(&msg.conversation)
            .filter(|o| o.expires_at <= now)
            .map(|o| o.agent);
        if let Some(agent) = due {
            self.decline(msg.conversation, agent, ctx);
        }
    }
}

impl Handler<Withdraw> for WorkstreamSupervisor {
    type Result = ();

    /// The agent can no longer take work (disabled, removed from the queue): their offers go to
    /// others, without counting as declines.
    fn handle(&mut self, msg: Withdraw, ctx: &mut Self::Context) {
        let theirs: Vec<ConversationId> = self
            .offers
            .iter()
            .filter(|(_, o)| o.agent == msg.0)
            .map(|(c, _)| *c)
            .collect();
        for c in theirs {
            self.withdraw(c, msg.0);
        }
        self.pump(ctx);
    }
}

impl Handler<Visible> for WorkstreamSupervisor {
    type Result = bool;

    fn handle(&mut self, msg: Visible, _: &mut Self::Context) -> bool {
        let offered = self
            .offers
            .get(&msg.conversation)
            .is_some_and(|o| o.agent == msg.agent);
        let pick = self
            .settings
            .as_ref()
            .is_some_and(|w| w.mode == DistributionMode::Pick);
        offered || (pick && self.may_pick(msg.conversation, msg.agent))
    }
}

impl Handler<OffersOf> for WorkstreamSupervisor {
    type Result = MessageResult<OffersOf>;

    fn handle(&mut self, msg: OffersOf, _: &mut Self::Context) -> Self::Result {
        MessageResult(
            self.offers
                .iter()
                .filter(|(_, o)| o.agent == msg.0)
                .map(|(c, o)| (*c, o.expires_at))
                .collect(),
        )
    }
}

impl Handler<QueueSnapshot> for WorkstreamSupervisor {
    type Result = Vec<ConversationId>;

    fn handle(&mut self, _: QueueSnapshot, _: &mut Self::Context) -> Self::Result {
        serve::order(&self.entries, &self.served)
    }
}
