//! ConversationRegistry: conversation id → live actor, and workstream id → supervisor. Finding or
//! opening the conversation for (business number, customer) happens inside the store's single
//! writer (see `Store::ingest`), so the registry only has to start actors for what was committed.

use super::Shared;
use super::conversation::ConversationActor;
use super::messages::{
    Dequeue, Enqueue, LiveCount, Lookup, Pump, PumpAll, Refresh, Supervisor, Track, Withdraw,
    WithdrawAll,
};
use super::workstream::WorkstreamSupervisor;
use crate::domain::{ConversationId, ConversationState, WorkstreamId};
use actix::prelude::*;
use std::collections::HashMap;

pub struct ConversationRegistry {
    conversations: HashMap<ConversationId, Addr<ConversationActor>>,
    supervisors: HashMap<WorkstreamId, Addr<WorkstreamSupervisor>>,
    shared: Shared,
}

impl ConversationRegistry {
    pub fn new(shared: Shared) -> Self {
        Self {
            conversations: HashMap::new(),
            supervisors: HashMap::new(),
            shared,
        }
    }

    fn supervisor(&mut self, id: WorkstreamId) -> Addr<WorkstreamSupervisor> {
        self.supervisors
            .entry(id)
            .or_insert_with(|| WorkstreamSupervisor::new(id, self.shared.clone()).start())
            .clone()
    }
}

impl Actor for ConversationRegistry {
    type Context = Context<Self>;
}

impl Handler<Track> for ConversationRegistry {
    type Result = ();

    fn handle(&mut self, msg: Track, ctx: &mut Self::Context) {
        let c = msg.conversation;
        let id = c.id;
        if c.state.is_closed() {
            if let Some(s) = c.workstream_id.and_then(|ws| self.supervisors.get(&ws)) {
                s.do_send(Dequeue(id));
            }
            if let Some(addr) = self.conversations.remove(&id) {
                addr.do_send(Refresh(c));
            }
            return;
        }
        // Open means waiting for an agent (a Waiting conversation the customer answered is Open
        // again); any other state is with an agent or done.
        let waiting_for_agent = c.state == ConversationState::Open;
        let workstream = c.workstream_id;
        // An Open conversation that still names an agent was theirs before it waited.
        let previous_agent = c.agent;
        match self.conversations.get(&id).filter(|a| a.connected()) {
            Some(addr) => addr.do_send(Refresh(c)),
            None => {
                let addr = ConversationActor::new(&c, self.shared.clone(), ctx.address()).start();
                self.conversations.insert(id, addr);
            }
        }
        if let Some(ws) = workstream {
            if waiting_for_agent {
                self.supervisor(ws).do_send(Enqueue {
                    conversation: id,
                    previous_agent,
                    transfer_to: msg.transfer_to,
                });
            } else if let Some(s) = self.supervisors.get(&ws) {
                s.do_send(Dequeue(id));
            }
        }
    }
}

impl Handler<PumpAll> for ConversationRegistry {
    type Result = ();

    fn handle(&mut self, _: PumpAll, _: &mut Self::Context) {
        for s in self.supervisors.values() {
            s.do_send(Pump);
        }
    }
}

impl Handler<WithdrawAll> for ConversationRegistry {
    type Result = ();

    fn handle(&mut self, msg: WithdrawAll, _: &mut Self::Context) {
        for s in self.supervisors.values() {
            s.do_send(Withdraw(msg.0));
        }
    }
}

impl Handler<Lookup> for ConversationRegistry {
    type Result = Option<Addr<ConversationActor>>;

    fn handle(&mut self, msg: Lookup, _: &mut Self::Context) -> Self::Result {
        self.conversations
            .get(&msg.0)
            .filter(|a| a.connected())
            .cloned()
    }
}

impl Handler<LiveCount> for ConversationRegistry {
    type Result = usize;

    fn handle(&mut self, _: LiveCount, _: &mut Self::Context) -> usize {
        self.conversations.retain(|_, a| a.connected());
        self.conversations.len()
    }
}

impl Handler<Supervisor> for ConversationRegistry {
    type Result = Addr<WorkstreamSupervisor>;

    fn handle(&mut self, msg: Supervisor, _: &mut Self::Context) -> Self::Result {
        self.supervisor(msg.0)
    }
}
