//! AgentRoster: every agent's chosen presence, capacity and the capacity ledger, across all
//! workstreams. Each hold is keyed by its conversation: an offer reserves its units until it is
//! accepted (the hold becomes the assignment's), rejected, expired or withdrawn, so offers plus
//! load never exceed an agent's capacity whichever supervisors ask. Releasing a conversation's
//! hold twice releases it once. Messages are handled one at a time, so the check and the
//! reservation cannot be raced. Across workstreams it arbitrates: an agent in several
//! workstreams' queues is offered the best-ranked waiting conversation among them first
//! (`arbitration`).
//!
//! The roster also sets Inactive: an agent whose last workspace tab closed, or who has not been
//! active, for the inactivity setting gets no offers until they are back.

use super::scheduler::Scheduler;
use crate::clock::Clock;
use crate::domain::presence::Presence;
use crate::domain::queue::{Candidate, Rank, choose};
use crate::domain::{ConversationId, Timestamp, UserId, WorkstreamId};
use crate::live::{LiveEvent, LiveHub};
use actix::prelude::*;

mod activity;
mod arbitration;
use activity::Activity;
pub use activity::{Active, AttachScheduler, CheckInactive, Tab};
pub use arbitration::{AttachPump, Demand};
use std::collections::HashMap;
use std::time::Duration;

/// Default time without an open tab or activity after which an agent is Inactive.
pub const INACTIVE_AFTER: Duration = Duration::from_secs(10 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentState {
    pub chosen: Presence,
    pub capacity: u32,
    /// Units held by assigned conversations.
    pub load: u32,
    /// Units reserved by pending offers.
    pub offered: u32,
    /// Set by the roster (no tab, or idle): overrides what the agent chose.
    pub inactive: bool,
    /// When what others see last changed.
    pub since: Timestamp,
}

impl AgentState {
    pub fn effective(&self) -> Presence {
        if self.inactive && self.chosen != Presence::Offline {
            return Presence::Inactive;
        }
        self.chosen.effective(self.load, self.capacity)
    }

    /// Units neither held nor reserved.
    pub fn free(&self) -> u32 {
        self.capacity
            .saturating_sub(self.load)
            .saturating_sub(self.offered)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Hold {
    agent: UserId,
    units: u32,
    offer: bool,
}

pub struct AgentRoster {
    agents: HashMap<UserId, AgentState>,
    holds: HashMap<ConversationId, Hold>,
    activity: HashMap<UserId, Activity>,
    demands: arbitration::Demands,
    live: LiveHub,
    clock: Clock,
    inactive_after: Duration,
    /// Owns the inactivity checks; attached once it runs (it is built after the roster).
    scheduler: Option<Addr<Scheduler>>,
}

/// A conversation's stored hold, to start from.
pub struct SeedHold {
    pub conversation: ConversationId,
    pub agent: UserId,
    pub units: u32,
}

impl AgentRoster {
    /// `agents`: each known agent with chosen presence and capacity; `holds`: the stored ledger.
    pub fn new(
        agents: Vec<(UserId, Presence, u32)>,
        holds: Vec<SeedHold>,
        live: LiveHub,
        clock: Clock,
        inactive_after: Duration,
    ) -> Self {
        let now = clock.now();
        let mut roster = Self {
            agents: agents
                .into_iter()
                .map(|(u, p, c)| (u, AgentState::new(p, c, now)))
                .collect(),
            holds: HashMap::new(),
            activity: HashMap::new(),
            demands: arbitration::Demands::default(),
            live,
            clock,
            inactive_after,
            scheduler: None,
        };
        for h in holds {
            roster.hold(
                h.conversation,
                Hold {
                    agent: h.agent,
                    units: h.units,
                    offer: false,
                },
            );
        }
        roster
    }

    fn state(&mut self, user: UserId) -> &mut AgentState {
        let now = self.clock.now();
        self.agents
            .entry(user)
            .or_insert_with(|| AgentState::new(Presence::Offline, 0, now))
    }

    /// Applies `f` to the agent's state and tells the live pages if what others see changed.
    fn change(&mut self, user: UserId, f: impl FnOnce(&mut AgentState)) -> Presence {
        let now = self.clock.now();
        let e = self.state(user);
        let before = e.effective();
        f(e);
        let after = e.effective();
        if after != before {
            e.since = now;
            self.live.publish(LiveEvent::PresenceChanged {
                agent: user,
                presence: after,
            });
        }
        after
    }

    fn hold(&mut self, conversation: ConversationId, hold: Hold) {
        self.release(conversation);
        self.holds.insert(conversation, hold);
        self.change(hold.agent, |s| {
            if hold.offer {
                s.offered += hold.units;
            } else {
                s.load += hold.units;
            }
        });
    }

    fn release(&mut self, conversation: ConversationId) -> Option<Hold> {
        let hold = self.holds.remove(&conversation)?;
        self.change(hold.agent, |s| {
            if hold.offer {
                s.offered = s.offered.saturating_sub(hold.units);
            } else {
                s.load = s.load.saturating_sub(hold.units);
            }
        });
        Some(hold)
    }
}

impl AgentState {
    fn new(chosen: Presence, capacity: u32, now: Timestamp) -> Self {
        Self {
            chosen,
            capacity,
            load: 0,
            offered: 0,
            inactive: false,
            since: now,
        }
    }
}

impl Actor for AgentRoster {
    type Context = Context<Self>;

    fn started(&mut self, _: &mut Self::Context) {
        // After a restart no tab is open yet: agents who do not come back turn Inactive (their
        // checks are armed once the scheduler is attached).
        self.restarted();
    }
}

/// Sets what an agent chose (and their capacity, which may have been edited); returns what others
/// now see.
#[derive(Message)]
#[rtype(result = "Presence")]
pub struct SetPresence {
    pub user: UserId,
    pub presence: Presence,
    pub capacity: u32,
}

/// An admin changed an agent's capacity.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetCapacity {
    pub user: UserId,
    pub capacity: u32,
}

/// The agent was disabled or deleted: they are Offline and their offer holds go.
#[derive(Message)]
#[rtype(result = "Vec<ConversationId>")]
pub struct Forget(pub UserId);

/// Assigns `conversation` to `user`, holding `units`: turns the agent's own offer hold into the
/// assignment's, or takes free capacity. False if the agent has not enough free capacity.
#[derive(Message)]
#[rtype(result = "bool")]
pub struct Reserve {
    pub conversation: ConversationId,
    pub user: UserId,
    pub units: u32,
}

/// Reserves `units` for an offer of `conversation` to the best of `candidates` (with when each was
/// last assigned) whose presence is in `allowed` and who has the units free, as the queue's
/// `method` ranks them (`domain::queue::choose`). An agent with a better-ranked conversation
/// waiting in another workstream is passed over (`arbitration`). Returns the agent who got it.
#[derive(Message)]
#[rtype(result = "Option<UserId>")]
pub struct ReserveOffer {
    pub workstream: WorkstreamId,
    pub rank: Rank,
    pub conversation: ConversationId,
    pub candidates: Vec<(UserId, u64)>,
    pub allowed: Vec<Presence>,
    pub units: u32,
    pub method: crate::domain::queue::AssignmentMethod,
}

/// Gives back whatever `conversation` holds; nothing if it holds nothing.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Release(pub ConversationId);

/// Gives back the offer hold of `conversation` if it is `user`'s offer (an assignment stays).
#[derive(Message)]
#[rtype(result = "()")]
pub struct ReleaseOffer {
    pub conversation: ConversationId,
    pub user: UserId,
}

/// Whether any of `members` could take a conversation of `units` now.
#[derive(Message)]
#[rtype(result = "Vec<UserId>")]
pub struct Eligible {
    pub members: Vec<UserId>,
    pub allowed: Vec<Presence>,
    pub units: u32,
}

/// One agent's state, if known.
#[derive(Message)]
#[rtype(result = "Option<AgentState>")]
pub struct Status(pub UserId);

impl Handler<SetPresence> for AgentRoster {
    type Result = MessageResult<SetPresence>;

    fn handle(&mut self, m: SetPresence, _: &mut Self::Context) -> Self::Result {
        self.active(m.user);
        MessageResult(self.change(m.user, |s| {
            s.chosen = m.presence;
            s.capacity = m.capacity;
        }))
    }
}

impl Handler<SetCapacity> for AgentRoster {
    type Result = ();

    fn handle(&mut self, m: SetCapacity, _: &mut Self::Context) {
        self.change(m.user, |s| s.capacity = m.capacity);
    }
}

impl Handler<Forget> for AgentRoster {
    type Result = MessageResult<Forget>;

    fn handle(&mut self, m: Forget, _: &mut Self::Context) -> Self::Result {
        let offers: Vec<ConversationId> = self
            .holds
            .iter()
            .filter(|(_, h)| h.agent == m.0 && h.offer)
            .map(|(c, _)| *c)
            .collect();
        for c in &offers {
            self.release(*c);
        }
        self.change(m.0, |s| s.chosen = Presence::Offline);
        MessageResult(offers)
    }
}

impl Handler<Reserve> for AgentRoster {
    type Result = bool;

    fn handle(&mut self, m: Reserve, _: &mut Self::Context) -> bool {
        // Units this agent already holds for the conversation (its offer) count as theirs; a hold
        // of another agent (the one transferring it) is replaced.
        let credit = self
            .holds
            .get(&m.conversation)
            .filter(|h| h.agent == m.user)
            .map_or(0, |h| h.units);
        let Some(s) = self.agents.get(&m.user) else {
            return false;
        };
        if s.free() + credit < m.units {
            return false;
        }
        self.hold(
            m.conversation,
            Hold {
                agent: m.user,
                units: m.units,
                offer: false,
            },
        );
        true
    }
}

impl Handler<ReserveOffer> for AgentRoster {
    type Result = Option<UserId>;

    fn handle(&mut self, m: ReserveOffer, _: &mut Self::Context) -> Option<UserId> {
        let mut passed = Vec::new();
        let candidates: Vec<Candidate<UserId>> = m
            .candidates
            .iter()
            .filter_map(|(u, recency)| self.agents.get(u).map(|s| (*u, *recency, s)))
            .filter(|(_, _, s)| m.allowed.contains(&s.effective()) && s.free() >= m.units)
            .filter(
                |(u, _, _)| match self.outranked_by(m.workstream, m.rank, *u) {
                    Some(better) => {
                        passed.push(better);
                        false
                    }
                    None => true,
                },
            )
            .map(|(agent, last_assigned, s)| Candidate {
                agent,
                free: s.free(),
                last_assigned,
            })
            .collect();
        for better in passed {
            self.yield_to(better, m.workstream);
        }
        let agent = choose(m.method, &candidates)?;
        self.hold(
            m.conversation,
            Hold {
                agent,
                units: m.units,
                offer: true,
            },
        );
        Some(agent)
    }
}

impl Handler<Release> for AgentRoster {
    type Result = ();

    fn handle(&mut self, m: Release, _: &mut Self::Context) {
        if let Some(h) = self.release(m.0) {
            self.freed(h.agent);
        }
    }
}

impl Handler<ReleaseOffer> for AgentRoster {
    type Result = ();

    fn handle(&mut self, m: ReleaseOffer, _: &mut Self::Context) {
        let mine = self
            .holds
            .get(&m.conversation)
            .is_some_and(|h| h.offer && h.agent == m.user);
        if mine {
            self.release(m.conversation);
            self.freed(m.user);
        }
    }
}

impl Handler<Eligible> for AgentRoster {
    type Result = MessageResult<Eligible>;

    fn handle(&mut self, m: Eligible, _: &mut Self::Context) -> Self::Result {
        MessageResult(
            m.members
                .into_iter()
                .filter(|u| {
                    self.agents
                        .get(u)
                        .is_some_and(|s| m.allowed.contains(&s.effective()) && s.free() >= m.units)
                })
                .collect(),
        )
    }
}

impl Handler<Status> for AgentRoster {
    type Result = Option<AgentState>;

    fn handle(&mut self, m: Status, _: &mut Self::Context) -> Self::Result {
        self.agents.get(&m.0).copied()
    }
}

/// Every known agent's presence as others see it, for the `/metrics` gauges.
#[derive(Message)]
#[rtype(result = "Vec<Presence>")]
pub struct Census;

impl Handler<Census> for AgentRoster {
    type Result = MessageResult<Census>;

    fn handle(&mut self, _: Census, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.agents.values().map(AgentState::effective).collect())
    }
}
