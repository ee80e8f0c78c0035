//! WorkstreamSupervisor: one per workstream. For now it keeps the queue of conversations waiting
//! for an agent, oldest first, without duplicates; routing rules, offers and assignment build on
//! this queue.

use super::messages::{Enqueue, QueueSnapshot};
use crate::domain::{ConversationId, WorkstreamId};
use actix::prelude::*;
use std::collections::VecDeque;

pub struct WorkstreamSupervisor {
    id: WorkstreamId,
    queue: VecDeque<ConversationId>,
}

impl WorkstreamSupervisor {
    pub fn new(id: WorkstreamId) -> Self {
        Self {
            id,
            queue: VecDeque::new(),
        }
    }
}

impl Actor for WorkstreamSupervisor {
    type Context = Context<Self>;
}

impl Handler<Enqueue> for WorkstreamSupervisor {
    type Result = ();

    fn handle(&mut self, msg: Enqueue, _: &mut Self::Context) {
        if !self.queue.contains(&msg.0) {
            tracing::debug!(workstream = %self.id, conversation = %msg.0, "queued for an agent");
            self.queue.push_back(msg.0);
        }
    }
}

impl Handler<QueueSnapshot> for WorkstreamSupervisor {
    type Result = Vec<ConversationId>;

    fn handle(&mut self, _: QueueSnapshot, _: &mut Self::Context) -> Self::Result {
        self.queue.iter().copied().collect()
    }
}
