//! WorkstreamSupervisor: one per workstream. Keeps the queue of conversations waiting for an
//! agent, oldest first. In push mode it offers each to one eligible member — allowed presence,
//! free capacity, highest free capacity first, ties to whoever was assigned least recently — with
//! the workstream's countdown; a reject or timeout counts as a decline and the next agent gets it
//! (an agent who declined a conversation 3 times is skipped for it). In pick mode members take
//! items with "Assign to me". Accepts and picks run one at a time, so a race has one winner.
//!
//! Offers live only here: after a restart the conversation is still Open in the store, is queued
//! again at start-up and offered anew.

use super::Shared;
use super::live::LiveEvent;
use super::messages::{
    Accept, AssignToMe, Dequeue, Enqueue, OffersOf, Pump, QueueSnapshot, Reject, Visible,
};
use super::roster::{Candidates, Release, Reserve, Status};
use crate::domain::presence::Presence;
use crate::domain::workstream::Presence as AllowedPresence;
use crate::domain::{ConversationId, Timestamp, UserId, WorkstreamId};
use crate::store::records::{Conversation, DistributionMode, Workstream};
use actix::prelude::*;
use std::collections::{HashMap, HashSet, VecDeque};
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
    timer: SpawnHandle,
}

pub struct WorkstreamSupervisor {
    id: WorkstreamId,
    shared: Shared,
    queue: VecDeque<ConversationId>,
    offers: HashMap<ConversationId, Offer>,
    declines: HashMap<ConversationId, HashMap<UserId, u8>>,
    last_decliner: HashMap<ConversationId, UserId>,
    /// Assignment order, for round-robin tie breaks.
    last_assigned: HashMap<UserId, u64>,
    assignments: u64,
    /// Settings and members as of the last pump.
    settings: Option<Workstream>,
    members: Vec<UserId>,
    pumping: bool,
    pump_again: bool,
}

fn allowed(p: AllowedPresence) -> Presence {
    match p {
        AllowedPresence::Available => Presence::Available,
        AllowedPresence::Busy => Presence::Busy,
        AllowedPresence::BusyDnd => Presence::BusyDnd,
        AllowedPresence::Away => Presence::Away,
    }
}

impl WorkstreamSupervisor {
    pub fn new(id: WorkstreamId, shared: Shared) -> Self {
        Self {
            id,
            shared,
            queue: VecDeque::new(),
            offers: HashMap::new(),
            declines: HashMap::new(),
            last_decliner: HashMap::new(),
            last_assigned: HashMap::new(),
            assignments: 0,
            settings: None,
            members: Vec::new(),
            pumping: false,
            pump_again: false,
        }
    }

    fn units(&self) -> u32 {
        self.settings
            .as_ref()
            .map_or(1, |w| w.distribution.capacity.max(1))
    }

    /// Reloads settings, members and candidates, then makes what offers it can.
    fn pump(&mut self, ctx: &mut Context<Self>) {
        if self.pumping {
            self.pump_again = true;
            return;
        }
        self.pumping = true;
        let store = self.shared.store.clone();
        let roster = self.shared.roster.clone();
        let id = self.id;
        let fut = async move {
            let ws = store.workstream(id).await.ok().flatten()?;
            let members = store.members(id).await.ok()?;
            let allowed_now = ws
                .distribution
                .allowed_presences
                .iter()
                .copied()
                .map(allowed)
                .collect();
            let candidates = roster
                .send(Candidates {
                    members: members.clone(),
                    allowed: allowed_now,
                    units: ws.distribution.capacity.max(1),
                })
                .await
                .ok()?;
            Some((ws, members, candidates))
        };
        ctx.wait(fut.into_actor(self).map(|loaded, act, ctx| {
            act.pumping = false;
            if let Some((ws, members, candidates)) = loaded {
                act.members = members;
                let push = ws.mode == DistributionMode::Push;
                act.settings = Some(ws);
                if push {
                    act.make_offers(candidates, ctx);
                }
            }
            if std::mem::take(&mut act.pump_again) {
                act.pump(ctx);
            }
        }));
    }

    fn make_offers(&mut self, mut candidates: Vec<(UserId, u32)>, ctx: &mut Context<Self>) {
        let mut busy: HashSet<UserId> = self.offers.values().map(|o| o.agent).collect();
        let waiting: Vec<ConversationId> = self
            .queue
            .iter()
            .filter(|c| !self.offers.contains_key(c))
            .copied()
            .collect();
        for conv in waiting {
            let declines = self.declines.get(&conv);
            let eligible: Vec<(UserId, u32)> = candidates
                .iter()
                .filter(|(u, _)| !busy.contains(u))
                .filter(|(u, _)| {
                    declines.and_then(|d| d.get(u)).copied().unwrap_or(0) < MAX_DECLINES
                })
                .copied()
                .collect();
            let last = self.last_decliner.get(&conv);
            let others: Vec<(UserId, u32)> = eligible
                .iter()
                .filter(|(u, _)| Some(u) != last)
                .copied()
                .collect();
            let pool = if others.is_empty() { eligible } else { others };
            let chosen = pool.into_iter().max_by_key(|(u, free)| {
                (
                    *free,
                    std::cmp::Reverse(self.last_assigned.get(u).copied().unwrap_or(0)),
                )
            });
            let Some((agent, _)) = chosen else {
                continue;
            };
            busy.insert(agent);
            candidates.retain(|(u, _)| *u != agent);
            self.offer(conv, agent, ctx);
        }
    }

    fn offer(&mut self, conversation: ConversationId, agent: UserId, ctx: &mut Context<Self>) {
        let secs = self
            .settings
            .as_ref()
            .map_or(120, |w| w.distribution.screen_pop_secs);
        let expires_at = self
            .shared
            .clock
            .now()
            .saturating_add(Duration::from_secs(u64::from(secs)));
        let clock = self.shared.clock.clone();
        let timer = ctx.spawn(
            async move { clock.sleep_until(expires_at).await }
                .into_actor(self)
                .map(move |(), act, ctx| act.decline(conversation, agent, ctx)),
        );
        self.offers.insert(
            conversation,
            Offer {
                agent,
                expires_at,
                timer,
            },
        );
        self.shared.live.publish(LiveEvent::OfferMade {
            conversation,
            agent,
            expires_at,
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
        if let Some(o) = self.offers.remove(&conversation) {
            ctx.cancel_future(o.timer);
        }
        *self
            .declines
            .entry(conversation)
            .or_default()
            .entry(agent)
            .or_insert(0) += 1;
        self.last_decliner.insert(conversation, agent);
        self.shared.live.publish(LiveEvent::OfferWithdrawn {
            conversation,
            agent,
        });
        self.pump(ctx);
    }

    fn forget(&mut self, conversation: ConversationId, ctx: &mut Context<Self>) {
        self.queue.retain(|c| *c != conversation);
        if let Some(o) = self.offers.remove(&conversation) {
            ctx.cancel_future(o.timer);
            self.shared.live.publish(LiveEvent::OfferWithdrawn {
                conversation,
                agent: o.agent,
            });
        }
        self.declines.remove(&conversation);
        self.last_decliner.remove(&conversation);
    }

    fn assigned(&mut self, conv: &Conversation, agent: UserId, ctx: &mut Context<Self>) {
        if let Some(o) = self.offers.remove(&conv.id) {
            ctx.cancel_future(o.timer);
        }
        self.queue.retain(|c| *c != conv.id);
        self.declines.remove(&conv.id);
        self.last_decliner.remove(&conv.id);
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

    fn handle(&mut self, msg: Enqueue, ctx: &mut Self::Context) {
        if !self.queue.contains(&msg.0) {
            tracing::debug!(workstream = %self.id, conversation = %msg.0, "queued for an agent");
            self.queue.push_back(msg.0);
        }
        self.pump(ctx);
    }
}

impl Handler<Dequeue> for WorkstreamSupervisor {
    type Result = ();

    fn handle(&mut self, msg: Dequeue, ctx: &mut Self::Context) {
        self.forget(msg.0, ctx);
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

type Assigned = Result<Conversation, DistributionError>;

/// Reserves capacity and stores the assignment; gives the capacity back if the store refuses.
async fn take(shared: Shared, conversation: ConversationId, agent: UserId, units: u32) -> Assigned {
    let reserved = shared
        .roster
        .send(Reserve { user: agent, units })
        .await
        .map_err(|_| DistributionError::Unavailable)?;
    if !reserved {
        return Err(DistributionError::NoCapacity);
    }
    let outcome = shared
        .store
        .assign(conversation, agent, shared.clock.now())
        .await;
    match outcome {
        Ok(Ok(c)) => Ok(c),
        other => {
            shared.roster.do_send(Release { user: agent, units });
            Err(match other {
                Ok(Err(r)) => DistributionError::Refused(r.to_string()),
                _ => DistributionError::Unavailable,
            })
        }
    }
}

impl Handler<Accept> for WorkstreamSupervisor {
    type Result = AtomicResponse<Self, Assigned>;

    fn handle(&mut self, msg: Accept, _: &mut Self::Context) -> Self::Result {
        let valid = self
            .offers
            .get(&msg.conversation)
            .is_some_and(|o| o.agent == msg.agent && o.expires_at > self.shared.clock.now());
        if !valid {
            return AtomicResponse::new(Box::pin(
                async { Err(DistributionError::NoOffer) }.into_actor(self),
            ));
        }
        let fut = take(
            self.shared.clone(),
            msg.conversation,
            msg.agent,
            self.units(),
        );
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(move |res, act, ctx| {
            match &res {
                Ok(c) => act.assigned(c, msg.agent, ctx),
                Err(_) => act.decline(msg.conversation, msg.agent, ctx),
            }
            res
        })))
    }
}

impl Handler<AssignToMe> for WorkstreamSupervisor {
    type Result = AtomicResponse<Self, Assigned>;

    fn handle(&mut self, msg: AssignToMe, _: &mut Self::Context) -> Self::Result {
        let refuse = |e: DistributionError, act: &mut Self| {
            AtomicResponse::new(Box::pin(async move { Err(e) }.into_actor(act)))
        };
        if !self.queue.contains(&msg.conversation) {
            return refuse(DistributionError::Taken, self);
        }
        let shared = self.shared.clone();
        let id = self.id;
        let (conversation, agent) = (msg.conversation, msg.agent);
        let fut = async move {
            let ws = shared
                .store
                .workstream(id)
                .await
                .ok()
                .flatten()
                .ok_or(DistributionError::Unavailable)?;
            if ws.mode != DistributionMode::Pick {
                return Err(DistributionError::NotPick);
            }
            let members = shared
                .store
                .members(id)
                .await
                .map_err(|_| DistributionError::Unavailable)?;
            if !members.contains(&agent) {
                return Err(DistributionError::NotMember);
            }
            let state = shared.roster.send(Status(agent)).await.ok().flatten();
            let ok_presence = state.is_some_and(|s| {
                ws.distribution
                    .allowed_presences
                    .iter()
                    .copied()
                    .map(allowed)
                    .any(|p| p == s.effective())
            });
            if !ok_presence {
                return Err(DistributionError::PresenceNotAllowed);
            }
            take(shared, conversation, agent, ws.distribution.capacity.max(1)).await
        };
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(move |res, act, ctx| {
            if let Ok(c) = &res {
                act.assigned(c, agent, ctx);
            }
            res
        })))
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
        offered
            || (pick && self.queue.contains(&msg.conversation) && self.members.contains(&msg.agent))
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
        self.queue.iter().copied().collect()
    }
}
