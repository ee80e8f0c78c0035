//! ConversationActor: one per conversation that is not Closed. It serialises the agent's sends
//! for its conversation and owns the WhatsApp window timer: at `window_expires_at` it asks the
//! store to flip the conversation to template-only (the store re-checks the deadline, so a
//! customer message that raced the timer wins) and tells the agent's page.
//!
//! It also owns the idle timer (`domain::lifecycle`): Open/Active close after 30 idle days,
//! Waiting after the workstream's setting, Wrap-up after a day, and a timed wrap-up block gives the
//! agent's capacity back. Each wake re-reads the store and re-arms if anything moved meanwhile.
//!
//! The store is the truth: the actor keeps only what it needs to arm its timers.

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
    idle_timer: Option<SpawnHandle>,
    registry: Addr<super::registry::ConversationRegistry>,
    shared: Shared,
}

impl ConversationActor {
    pub fn new(
        conversation: &Conversation,
        shared: Shared,
        registry: Addr<super::registry::ConversationRegistry>,
    ) -> Self {
        Self {
            id: conversation.id,
            deadline: conversation.window_expires_at,
            template_only: conversation.template_only,
            timer: None,
            idle_timer: None,
            registry,
            shared,
        }
    }

    /// Arms the idle timer from the stored conversation; closing stops the actor.
    fn arm_idle(&mut self, ctx: &mut Context<Self>) {
        if let Some(t) = self.idle_timer.take() {
            ctx.cancel_future(t);
        }
        let fut = idle(self.shared.clone(), self.id, self.registry.clone());
        let handle = ctx.spawn(fut.into_actor(self).map(|closed, act, ctx| {
            act.idle_timer = None;
            if let Some(c) = closed {
                tracing::info!(conversation = %c.id, "closed after inactivity");
                act.registry.do_send(super::messages::Track {
                    conversation: c,
                    opened: false,
                    transfer_to: None,
                });
                ctx.stop();
            }
        }));
        self.idle_timer = Some(handle);
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
        self.arm_idle(ctx);
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
            return;
        }
        if changed {
            self.arm(ctx);
        }
        self.arm_idle(ctx);
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

/// Sleeps until the conversation's next automatic step and takes it; returns the conversation
/// once closed. Anything that changed the conversation meanwhile re-arms from the new state.
async fn idle(
    shared: Shared,
    id: ConversationId,
    registry: Addr<super::registry::ConversationRegistry>,
) -> Option<Conversation> {
    use crate::domain::lifecycle::{self, Step};
    use crate::domain::workstream::WrapUp;
    loop {
        let c = shared.store.conversation(id).await.ok()??;
        let ws = match c.workstream_id {
            Some(w) => shared.store.workstream(w).await.ok().flatten(),
            None => None,
        };
        let (minutes, wrap_up) = ws.map_or((24 * 60, WrapUp::DontBlock), |w| {
            (w.distribution.auto_close_minutes, w.distribution.wrap_up)
        });
        let (at, step) =
            lifecycle::next(c.state, c.updated_at, minutes, wrap_up, shared.clock.now())?;
        shared.clock.sleep_until(at).await;
        let now_c = shared.store.conversation(id).await.ok()??;
        if now_c.updated_at != c.updated_at || now_c.state != c.state {
            continue;
        }
        // The ledger knows what the conversation holds: releasing gives back exactly that, once.
        let release = || {
            shared.roster.do_send(super::roster::Release(id));
            registry.do_send(super::messages::PumpAll);
        };
        match step {
            Step::ReleaseCapacity => {
                if shared.store.release_hold(id).await.is_ok() {
                    release();
                }
            }
            Step::Close => {
                let closed = shared
                    .store
                    .close_conversation(id, None, shared.clock.now())
                    .await
                    .ok()?
                    .ok()?;
                release();
                shared.live.publish(LiveEvent::ConversationAssigned {
                    conversation: id,
                    agent: closed.agent,
                });
                return Some(closed);
            }
        }
    }
}
