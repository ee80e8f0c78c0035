//! Scheduler: the one owner of every timer, like mini-redis's purge task: an ordered map of
//! deadlines and one timer at the earliest. Conversation deadlines (the WhatsApp window flip and
//! the idle lifecycle step) come from stored records, so the map is rebuilt at start-up and no
//! conversation needs a live actor to keep its timers: idle conversation actors stop and are
//! revived on demand. The live timers of the other actors go here too: an offer's countdown, a
//! queue's next try after a decline, and an agent's inactivity check; each fires a message at its
//! owner, who re-checks its own state (a late or stale deadline does nothing).
//!
//! Due window flips are stored in batches (one write for many conversations), so a burst of
//! deadlines at one instant costs a few transactions, not one each. A step that fails is retried
//! with backoff and logged; it never ends the timer.

use super::Shared;
use super::messages::{OfferDue, PumpAll, PumpOne, Track};
use super::registry::ConversationRegistry;
use crate::domain::lifecycle::{self, Step};
use crate::domain::workstream::WrapUp;
use crate::domain::{ConversationId, Timestamp, UserId, WorkstreamId};
use crate::live::LiveEvent;
use crate::metrics::Metrics;
use crate::store::conversations::Flip;
use actix::prelude::*;

mod deadlines;
use deadlines::{Deadlines, Settled};
use std::collections::HashMap;
use std::time::Duration;

/// Conversations flipped per store write.
const FLIP_BATCH: usize = 5_000;
/// First retry delay after a failed step; doubles up to `RETRY_CAP`.
const RETRY_BASE: Duration = Duration::from_secs(1);
const RETRY_CAP: Duration = Duration::from_secs(60);

/// What happens at a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Deadline {
    /// The WhatsApp reply window of the conversation closes.
    Window(ConversationId),
    /// The conversation's next idle step (close, or give back wrap-up capacity) is due; the
    /// handler re-reads the store and re-arms if the conversation moved meanwhile.
    Idle(ConversationId),
    /// The countdown of the offer of a conversation in a workstream's queue ends.
    Offer(WorkstreamId, ConversationId),
    /// A workstream's queue tries its offers again (a declined agent may be offered again).
    Pump(WorkstreamId),
    /// An agent may have turned Inactive.
    Inactive(UserId),
}

pub struct Scheduler {
    shared: Shared,
    registry: Option<Addr<ConversationRegistry>>,
    book: Deadlines,
    timer: Option<(Timestamp, SpawnHandle)>,
}

/// Arms `deadline` at `at`, replacing its earlier instant.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Arm {
    pub deadline: Deadline,
    pub at: Timestamp,
}

/// Forgets `deadline`.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Disarm(pub Deadline);

/// The registry the scheduler reports closed conversations to.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Attach(pub Addr<ConversationRegistry>);

/// How many deadlines are armed.
#[derive(Message)]
#[rtype(result = "usize")]
pub struct Armed;

/// One step finished (sent by the scheduler's own tasks): re-arm or retry. `spawned` is each
/// deadline's arming as of when the step started: a step overtaken by a newer Arm (or a Disarm)
/// is stale and changes nothing, whichever of the two finishes first.
#[derive(Message)]
#[rtype(result = "()")]
struct Done {
    outcomes: Vec<(Deadline, Outcome)>,
    spawned: HashMap<Deadline, u64>,
}

#[derive(Debug)]
enum Outcome {
    Finished,
    Rearm(Timestamp),
    Failed,
}

impl Scheduler {
    pub fn new(shared: Shared) -> Self {
        Self {
            shared,
            registry: None,
            book: Deadlines::default(),
            timer: None,
        }
    }

    /// Keeps one timer at the earliest deadline.
    fn rearm_timer(&mut self, ctx: &mut Context<Self>) {
        let Some(first) = self.book.first() else {
            if let Some((_, h)) = self.timer.take() {
                ctx.cancel_future(h);
            }
            return;
        };
        if self.timer.as_ref().is_some_and(|(t, _)| *t == first) {
            return;
        }
        if let Some((_, h)) = self.timer.take() {
            ctx.cancel_future(h);
        }
        let clock = self.shared.clock.clone();
        let handle = ctx.spawn(
            async move { clock.sleep_until(first).await }
                .into_actor(self)
                .map(|(), act, ctx| {
                    act.timer = None;
                    act.fire(ctx);
                }),
        );
        self.timer = Some((first, handle));
    }

    /// Takes every deadline that is due and runs it.
    fn fire(&mut self, ctx: &mut Context<Self>) {
        let now = self.shared.clock.now();
        let mut windows = Vec::new();
        let mut idles = Vec::new();
        for d in self.book.pop_due(now) {
            match d {
                Deadline::Window(c) => windows.push(c),
                Deadline::Idle(c) => idles.push(c),
                Deadline::Offer(workstream, conversation) => {
                    if let Some(r) = &self.registry {
                        r.do_send(OfferDue {
                            workstream,
                            conversation,
                        });
                    }
                }
                Deadline::Pump(ws) => {
                    if let Some(r) = &self.registry {
                        r.do_send(PumpOne(ws));
                    }
                }
                Deadline::Inactive(user) => {
                    self.shared
                        .roster
                        .do_send(super::roster::CheckInactive(user));
                }
            }
        }
        if !windows.is_empty() {
            let shared = self.shared.clone();
            let me = ctx.address();
            let spawned = self
                .book
                .armings_of(windows.iter().map(|c| Deadline::Window(*c)));
            actix::spawn(async move {
                let outcomes = flip(shared, windows).await;
                me.do_send(Done { outcomes, spawned })
            });
        }
        if !idles.is_empty() {
            let shared = self.shared.clone();
            let registry = self.registry.clone();
            let me = ctx.address();
            let spawned = self
                .book
                .armings_of(idles.iter().map(|c| Deadline::Idle(*c)));
            actix::spawn(async move {
                let mut out = Vec::with_capacity(idles.len());
                for id in idles {
                    out.push((
                        Deadline::Idle(id),
                        idle(&shared, registry.as_ref(), id).await,
                    ));
                }
                me.do_send(Done {
                    outcomes: out,
                    spawned,
                });
            });
        }
        self.rearm_timer(ctx);
    }
}

impl Actor for Scheduler {
    type Context = Context<Self>;
}

impl Handler<Arm> for Scheduler {
    type Result = ();

    fn handle(&mut self, m: Arm, ctx: &mut Self::Context) {
        self.book.arm(m.deadline, m.at);
        self.rearm_timer(ctx);
    }
}

impl Handler<Disarm> for Scheduler {
    type Result = ();

    fn handle(&mut self, m: Disarm, ctx: &mut Self::Context) {
        self.book.disarm(m.0);
        self.rearm_timer(ctx);
    }
}

impl Handler<Attach> for Scheduler {
    type Result = ();

    fn handle(&mut self, m: Attach, _: &mut Self::Context) {
        self.registry = Some(m.0);
    }
}

impl Handler<Armed> for Scheduler {
    type Result = usize;

    fn handle(&mut self, _: Armed, _: &mut Self::Context) -> usize {
        self.book.len()
    }
}

impl Handler<Done> for Scheduler {
    type Result = ();

    fn handle(&mut self, m: Done, ctx: &mut Self::Context) {
        let now = self.shared.clock.now();
        for (d, outcome) in m.outcomes {
            let spawned = m.spawned.get(&d).copied();
            if let Settled::Retry(attempt) = self.book.settle(d, spawned, outcome, now) {
                Metrics::inc(&self.shared.metrics.deadline_retries_total);
                tracing::warn!(?d, attempt, "deadline step failed; retrying");
            }
        }
        self.rearm_timer(ctx);
    }
}

/// Stores the flips of `ids` in batches and tells the pages.
async fn flip(shared: Shared, ids: Vec<ConversationId>) -> Vec<(Deadline, Outcome)> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(FLIP_BATCH) {
        let now = shared.clock.now();
        match shared.store.flip_windows(chunk.to_vec(), now).await {
            Ok(results) => {
                for (id, f) in results {
                    let outcome = match f {
                        Flip::Flipped(c) => {
                            Metrics::inc(&shared.metrics.window_flips_total);
                            shared
                                .live
                                .publish(LiveEvent::WindowExpired { conversation: c.id });
                            Outcome::Finished
                        }
                        Flip::Moved(at) => Outcome::Rearm(at),
                        Flip::Unchanged => Outcome::Finished,
                    };
                    out.push((Deadline::Window(id), outcome));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, count = chunk.len(), "storing window flips failed");
                out.extend(
                    chunk
                        .iter()
                        .map(|c| (Deadline::Window(*c), Outcome::Failed)),
                );
            }
        }
    }
    out
}

/// Takes the conversation's idle step if it is due; says when the next one is.
async fn idle(
    shared: &Shared,
    registry: Option<&Addr<ConversationRegistry>>,
    id: ConversationId,
) -> Outcome {
    match idle_step(shared, registry, id).await {
        Ok(next) => next.map_or(Outcome::Finished, Outcome::Rearm),
        Err(e) => {
            tracing::error!(conversation = %id, error = %e, "idle step failed");
            Outcome::Failed
        }
    }
}

async fn idle_step(
    shared: &Shared,
    registry: Option<&Addr<ConversationRegistry>>,
    id: ConversationId,
) -> Result<Option<Timestamp>, crate::store::StoreError> {
    let Some(c) = shared.store.conversation(id).await? else {
        return Ok(None);
    };
    let ws = match c.workstream_id {
        Some(w) => shared.store.workstream(w).await?,
        None => None,
    };
    let (minutes, wrap_up) = ws.map_or((24 * 60, WrapUp::DontBlock), |w| {
        (w.distribution.auto_close_minutes, w.distribution.wrap_up)
    });
    let now = shared.clock.now();
    let Some((at, step)) = lifecycle::next(c.state, c.updated_at, minutes, wrap_up, now) else {
        return Ok(None);
    };
    if at > now {
        return Ok(Some(at));
    }
    let pump = || {
        if let Some(r) = registry {
            r.do_send(PumpAll);
        }
    };
    match step {
        Step::ReleaseCapacity => {
            shared.store.release_hold(id).await?;
            shared.roster.do_send(super::roster::Release(id));
            pump();
            Ok(lifecycle::next(c.state, c.updated_at, minutes, wrap_up, now).map(|(t, _)| t))
        }
        Step::Close => {
            let Ok(closed) = shared.store.close_conversation(id, None, now).await? else {
                return Ok(None);
            };
            tracing::info!(conversation = %id, "closed after inactivity");
            shared.roster.do_send(super::roster::Release(id));
            pump();
            shared.live.publish(LiveEvent::ConversationAssigned {
                conversation: id,
                agent: closed.agent,
            });
            if let Some(r) = registry {
                r.do_send(Track {
                    conversation: closed,
                    opened: false,
                    transfer_to: None,
                });
            }
            Ok(None)
        }
    }
}
