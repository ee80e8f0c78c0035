//! AgentRoster: every agent's chosen presence, capacity and load, across all workstreams.
//! Supervisors reserve and release capacity here, one message at a time, so two supervisors can
//! never over-assign one agent.

use super::live::{LiveEvent, LiveHub};
use crate::domain::UserId;
use crate::domain::presence::Presence;
use actix::prelude::*;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentState {
    pub chosen: Presence,
    pub capacity: u32,
    pub load: u32,
}

impl AgentState {
    pub fn effective(&self) -> Presence {
        self.chosen.effective(self.load, self.capacity)
    }

    pub fn free(&self) -> u32 {
        self.capacity.saturating_sub(self.load)
    }
}

pub struct AgentRoster {
    agents: HashMap<UserId, AgentState>,
    live: LiveHub,
}

impl AgentRoster {
    /// `agents`: each known agent with chosen presence and capacity; `loads`: units in use.
    pub fn new(
        agents: Vec<(UserId, Presence, u32)>,
        loads: Vec<(UserId, u32)>,
        live: LiveHub,
    ) -> Self {
        let mut map: HashMap<UserId, AgentState> = agents
            .into_iter()
            .map(|(u, p, c)| {
                (
                    u,
                    AgentState {
                        chosen: p,
                        capacity: c,
                        load: 0,
                    },
                )
            })
            .collect();
        for (u, units) in loads {
            let e = map.entry(u).or_insert(AgentState {
                chosen: Presence::Offline,
                capacity: 0,
                load: 0,
            });
            e.load += units;
        }
        Self { agents: map, live }
    }

    fn changed(&self, user: UserId, before: Option<Presence>) {
        let now = self.agents.get(&user).map(AgentState::effective);
        if let Some(presence) = now.filter(|_| now != before) {
            self.live.publish(LiveEvent::PresenceChanged {
                agent: user,
                presence,
            });
        }
    }
}

impl Actor for AgentRoster {
    type Context = Context<Self>;
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

/// Takes `units` of the agent's capacity if they are free.
#[derive(Message)]
#[rtype(result = "bool")]
pub struct Reserve {
    pub user: UserId,
    pub units: u32,
}

/// Gives `units` back.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Release {
    pub user: UserId,
    pub units: u32,
}

/// The members who may get a conversation of `units` now: allowed presence, enough free capacity.
#[derive(Message)]
#[rtype(result = "Vec<(UserId, u32)>")]
pub struct Candidates {
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
        let before = self.agents.get(&m.user).map(AgentState::effective);
        let e = self.agents.entry(m.user).or_insert(AgentState {
            chosen: m.presence,
            capacity: m.capacity,
            load: 0,
        });
        e.chosen = m.presence;
        e.capacity = m.capacity;
        let now = e.effective();
        self.changed(m.user, before);
        MessageResult(now)
    }
}

impl Handler<Reserve> for AgentRoster {
    type Result = bool;

    fn handle(&mut self, m: Reserve, _: &mut Self::Context) -> bool {
        let before = self.agents.get(&m.user).map(AgentState::effective);
        let Some(e) = self.agents.get_mut(&m.user) else {
            return false;
        };
        if e.free() < m.units {
            return false;
        }
        e.load += m.units;
        self.changed(m.user, before);
        true
    }
}

impl Handler<Release> for AgentRoster {
    type Result = ();

    fn handle(&mut self, m: Release, _: &mut Self::Context) {
        let before = self.agents.get(&m.user).map(AgentState::effective);
        if let Some(e) = self.agents.get_mut(&m.user) {
            e.load = e.load.saturating_sub(m.units);
        }
        self.changed(m.user, before);
    }
}

impl Handler<Candidates> for AgentRoster {
    type Result = MessageResult<Candidates>;

    fn handle(&mut self, m: Candidates, _: &mut Self::Context) -> Self::Result {
        let out = m
            .members
            .iter()
            .filter_map(|u| self.agents.get(u).map(|s| (*u, s)))
            .filter(|(_, s)| m.allowed.contains(&s.effective()) && s.free() >= m.units)
            .map(|(u, s)| (u, s.free()))
            .collect();
        MessageResult(out)
    }
}

impl Handler<Status> for AgentRoster {
    type Result = Option<AgentState>;

    fn handle(&mut self, m: Status, _: &mut Self::Context) -> Self::Result {
        self.agents.get(&m.0).copied()
    }
}
