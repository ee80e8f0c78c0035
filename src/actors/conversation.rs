//! ConversationActor: serialises the sends of one conversation, so one agent's messages are
//! stored (and therefore sent) in the order given. Its timers live in the `Scheduler`, so the
//! actor holds no state worth keeping: it stops after a quiet minute (passivation) and the
//! registry starts a new one on the next send.
//!
//! The store is the truth: the send re-checks state, window and opt-out in its write.

use super::Shared;
use super::messages::{JobQueued, Send};
use crate::domain::ConversationId;
use crate::live::LiveEvent;
use crate::metrics::Metrics;
use actix::prelude::*;
use std::time::Duration;

/// Real time without a send after which the actor stops.
const QUIET_STOP: Duration = Duration::from_secs(60);

pub struct ConversationActor {
    id: ConversationId,
    shared: Shared,
    quiet: Option<SpawnHandle>,
}

impl ConversationActor {
    pub fn new(id: ConversationId, shared: Shared) -> Self {
        Self {
            id,
            shared,
            quiet: None,
        }
    }

    fn rest(&mut self, ctx: &mut Context<Self>) {
        if let Some(h) = self.quiet.take() {
            ctx.cancel_future(h);
        }
        self.quiet = Some(ctx.run_later(QUIET_STOP, |act, ctx| {
            tracing::trace!(conversation = %act.id, "conversation actor passivated");
            ctx.stop();
        }));
    }
}

impl Actor for ConversationActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.rest(ctx);
    }
}

impl Handler<Send> for ConversationActor {
    type Result = AtomicResponse<
        Self,
        Result<
            Result<crate::store::records::Message, crate::store::outbox::SendRefusal>,
            crate::store::StoreError,
        >,
    >;

    /// Atomic so one agent's messages are stored (and therefore sent) in the order given.
    fn handle(&mut self, msg: Send, ctx: &mut Self::Context) -> Self::Result {
        self.rest(ctx);
        let shared = self.shared.clone();
        let fut = async move {
            let queued = shared.store.enqueue(msg.0, shared.clock.now()).await?;
            Ok(match queued {
                Ok(q) => {
                    Metrics::inc(&shared.metrics.outbound_queued_total);
                    shared.live.publish(LiveEvent::MessageStored {
                        conversation: q.message.conversation_id,
                        seq: q.message.seq,
                    });
                    shared.outbox.do_send(JobQueued(q.job));
                    Ok(q.message)
                }
                Err(refusal) => {
                    Metrics::inc(&shared.metrics.outbound_refused_total);
                    Err(refusal)
                }
            })
        };
        AtomicResponse::new(Box::pin(fut.into_actor(self)))
    }
}
