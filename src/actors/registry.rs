//! ConversationRegistry: conversation id → live actor, and workstream id → supervisor. Finding or
//! opening the conversation for (business number, customer) happens inside the store's single
//! writer (see `Store::ingest`), so the registry only arms the deadlines of what was committed
//! (in the `Scheduler`), hands waiting conversations to their supervisor, and starts a
//! conversation's actor when something is sent in it.

use super::Shared;
use super::conversation::ConversationActor;
use super::messages::{
    Dequeue, Enqueue, LiveCount, Lookup, OfferDue, Pump, PumpAll, PumpOne, Recover, Supervisor,
    Track, Withdraw, WithdrawAll,
};
use super::scheduler::{Arm, Deadline, Disarm, Scheduler};
use super::workstream::WorkstreamSupervisor;
use crate::domain::{ConversationId, ConversationState, WorkstreamId};
use crate::store::records::Conversation;
use actix::prelude::*;
use std::collections::HashMap;

pub struct ConversationRegistry {
    conversations: HashMap<ConversationId, Addr<ConversationActor>>,
    supervisors: HashMap<WorkstreamId, Addr<WorkstreamSupervisor>>,
    scheduler: Addr<Scheduler>,
    shared: Shared,
}

impl ConversationRegistry {
    pub fn new(shared: Shared, scheduler: Addr<Scheduler>) -> Self {
        Self {
            conversations: HashMap::new(),
            supervisors: HashMap::new(),
            scheduler,
            shared,
        }
    }

    /// Arms the window flip (or forgets it) and the idle step of a conversation that is not
    /// Closed; `idle_at` None checks the idle step now (it re-arms itself at its real instant).
    fn arm(&self, c: &Conversation, idle_at: Option<crate::domain::Timestamp>) {
        match c.window_expires_at.filter(|_| !c.template_only) {
            Some(at) => self.scheduler.do_send(Arm {
                deadline: Deadline::Window(c.id),
                at,
            }),
            None => self.scheduler.do_send(Disarm(Deadline::Window(c.id))),
        }
        self.scheduler.do_send(Arm {
            deadline: Deadline::Idle(c.id),
            at: idle_at.unwrap_or(c.updated_at),
        });
    }

    /// Hands an Open conversation to its supervisor, or takes it off the queue.
    fn route(&mut self, c: &Conversation, transfer_to: Option<crate::domain::UserId>) {
        let Some(ws) = c.workstream_id else { return };
        // Open means waiting for an agent (a Waiting conversation the customer answered is Open
        // again; it still names the agent it had); any other state is with an agent or done.
        if c.state == ConversationState::Open {
            self.supervisor(ws).do_send(Enqueue {
                conversation: c.id,
                previous_agent: c.agent,
                transfer_to,
            });
        } else if let Some(s) = self.supervisors.get(&ws) {
            s.do_send(Dequeue(c.id));
        }
    }

    fn supervisor(&mut self, id: WorkstreamId) -> Addr<WorkstreamSupervisor> {
        let (shared, scheduler) = (&self.shared, &self.scheduler);
        self.supervisors
            .entry(id)
            .or_insert_with(|| {
                WorkstreamSupervisor::new(id, shared.clone(), scheduler.clone()).start()
            })
            .clone()
    }
}

impl Actor for ConversationRegistry {
    type Context = Context<Self>;
}

impl Handler<Track> for ConversationRegistry {
    type Result = ();

    fn handle(&mut self, msg: Track, _: &mut Self::Context) {
        let c = msg.conversation;
        if c.state.is_closed() {
            self.scheduler.do_send(Disarm(Deadline::Window(c.id)));
            self.scheduler.do_send(Disarm(Deadline::Idle(c.id)));
            self.conversations.remove(&c.id);
        } else {
            self.arm(&c, None);
        }
        self.route(&c, msg.transfer_to);
    }
}

impl Handler<Recover> for ConversationRegistry {
    type Result = ();

    fn handle(&mut self, msg: Recover, _: &mut Self::Context) {
        self.arm(&msg.conversation, msg.idle_at);
        if !msg.held {
            self.route(&msg.conversation, None);
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

impl Handler<OfferDue> for ConversationRegistry {
    type Result = ();

    fn handle(&mut self, msg: OfferDue, _: &mut Self::Context) {
        if let Some(s) = self.supervisors.get(&msg.workstream) {
            s.do_send(msg);
        }
    }
}

impl Handler<PumpOne> for ConversationRegistry {
    type Result = ();

    fn handle(&mut self, msg: PumpOne, _: &mut Self::Context) {
        if let Some(s) = self.supervisors.get(&msg.0) {
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
    type Result = MessageResult<Lookup>;

    fn handle(&mut self, msg: Lookup, _: &mut Self::Context) -> Self::Result {
        if let Some(a) = self.conversations.get(&msg.0).filter(|a| a.connected()) {
            return MessageResult(a.clone());
        }
        let addr = ConversationActor::new(msg.0, self.shared.clone()).start();
        self.conversations.insert(msg.0, addr.clone());
        MessageResult(addr)
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
