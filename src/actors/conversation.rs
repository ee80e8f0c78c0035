//! ConversationActor: one per conversation that is not Closed. It serialises the agent's sends
//! for its conversation and owns the WhatsApp window timer: at `window_expires_at` it asks the
//! store to flip the conversation to template-only (the store re-checks the deadline, so a
//! customer message that raced the timer wins) and tells the agent's page.
//!
//! The store is the truth: the actor keeps only what it needs to arm its timer.

use super::Shared;
use super::live::LiveEvent;
use super::messages::{JobQueued, Refresh, Send};
use crate::domain::{ConversationId, Timestamp};
use crate::metrics::Metrics;
use crate::store::conversations::Flip;
use crate::store::records::Conversation;
use actix::prelude::*;

pub struct ConversationActor {
    id: ConversationId,
    deadline: Option<Timestamp>,
    template_only: bool,
    timer: Option<SpawnHandle>,
    shared: Shared,
}

impl ConversationActor {
    pub fn new(conversation: &Conversation, shared: Shared) -> Self {
        Self {
            id: conversation.id,
            deadline: conversation.window_expires_at,
            template_only: conversation.template_only,
            timer: None,
            shared,
        }
    }

    fn arm(&mut self, ctx: &mut Context<Self>) {
        if let Some(t) = self.timer.take() {
            ctx.cancel_future(t);
        }
        let Some(at) = self.deadline.filter(|_| !self.template_only) else {
            return;
        };
        let clock = self.shared.clock.clone();
        let store = self.shared.store.clone();
        let id = self.id;
        let fut = async move {
            clock.sleep_until(at).await;
            store.flip_window(id, clock.now()).await
        };
        let handle = ctx.spawn(fut.into_actor(self).map(|result, act, ctx| {
            act.timer = None;
            match result {
                Ok(Flip::Flipped(c)) => {
                    act.template_only = true;
                    Metrics::inc(&act.shared.metrics.window_flips_total);
                    tracing::info!(conversation = %c.id, "reply window closed; template-only");
                    act.shared
                        .live
                        .publish(LiveEvent::WindowExpired { conversation: c.id });
                }
                Ok(Flip::Moved(at)) => {
                    act.deadline = Some(at);
                    act.arm(ctx);
                }
                Ok(Flip::Unchanged) => {}
                Err(e) => {
                    // Try again shortly rather than leave the window open forever.
                    tracing::error!(conversation = %act.id, error = %e, "storing the window flip failed");
                    ctx.run_later(std::time::Duration::from_secs(1), |act, ctx| act.arm(ctx));
                }
            }
        }));
        self.timer = Some(handle);
    }
}

impl Actor for ConversationActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.arm(ctx);
    }
}

impl Handler<Refresh> for ConversationActor {
    type Result = ();

    fn handle(&mut self, msg: Refresh, ctx: &mut Self::Context) {
        let c = msg.0;
        let changed = self.deadline != c.window_expires_at || self.template_only != c.template_only;
        self.deadline = c.window_expires_at;
        self.template_only = c.template_only;
        if c.state.is_closed() {
            ctx.stop();
        } else if changed {
            self.arm(ctx);
        }
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
    fn handle(&mut self, msg: Send, _: &mut Self::Context) -> Self::Result {
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
