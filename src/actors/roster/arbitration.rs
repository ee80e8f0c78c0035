//! Arbitration between workstreams: an agent in the queues of several workstreams is offered the
//! best-ranked waiting conversation across them first (queue priority, then the longest wait;
//! `domain::queue::Rank`). After each round of offers every supervisor tells the roster what it
//! still has waiting, as the best rank per agent who could take it. A reservation for a worse-ranked
//! conversation passes such an agent over, and the supervisor holding the better one is pumped to
//! offer it; the one passed over is pumped again as soon as that supervisor has told its next
//! demand, so a stale demand costs one round, never a stranded conversation.

use super::AgentRoster;
use crate::actors::messages::PumpOne;
use crate::domain::presence::Presence;
use crate::domain::queue::Rank;
use crate::domain::{UserId, WorkstreamId};
use actix::prelude::*;
use std::collections::{HashMap, HashSet};

/// A supervisor's waiting conversations as of its last round of offers: for each agent who could
/// be offered one of them, the best rank. Empty when it offers nothing (pick mode, no waiting).
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Demand {
    pub workstream: WorkstreamId,
    pub allowed: Vec<Presence>,
    pub units: u32,
    pub best: HashMap<UserId, Rank>,
}

impl Demand {
    /// Nothing waiting that this workstream would offer.
    pub fn none(workstream: WorkstreamId) -> Self {
        Self {
            workstream,
            allowed: Vec::new(),
            units: 0,
            best: HashMap::new(),
        }
    }
}

/// Where the roster asks a supervisor to pump (the registry).
#[derive(Message)]
#[rtype(result = "()")]
pub struct AttachPump(pub Recipient<PumpOne>);

/// Every supervisor's last demand, and who yielded to whom since.
#[derive(Default)]
pub(super) struct Demands {
    standing: HashMap<WorkstreamId, Demand>,
    /// Per workstream with a better conversation: the workstreams that passed an agent over for
    /// it and are pumped once it has told its next demand.
    yielded: HashMap<WorkstreamId, HashSet<WorkstreamId>>,
    pump: Option<Recipient<PumpOne>>,
}

impl AgentRoster {
    /// The workstream whose waiting conversation `agent` should get before the one of `rank` in
    /// `workstream`: a better-ranked one elsewhere, not offered yet, that the agent could take now.
    pub(super) fn outranked_by(
        &self,
        workstream: WorkstreamId,
        rank: Rank,
        agent: UserId,
    ) -> Option<WorkstreamId> {
        let state = self.agents.get(&agent)?;
        self.demands
            .standing
            .values()
            .filter(|d| d.workstream != workstream)
            .filter_map(|d| d.best.get(&agent).map(|r| (d, *r)))
            .filter(|(_, r)| *r < rank && r.conversation != rank.conversation)
            .filter(|(_, r)| !self.holds.contains_key(&r.conversation))
            .filter(|(d, _)| d.allowed.contains(&state.effective()) && state.free() >= d.units)
            .min_by_key(|(_, r)| *r)
            .map(|(d, _)| d.workstream)
    }

    /// Capacity of `agent` came back: every workstream with a conversation waiting for them is
    /// pumped (an offer declined in one workstream frees the agent for the others).
    pub(super) fn freed(&mut self, agent: UserId) {
        let Some(pump) = &self.demands.pump else {
            return;
        };
        for d in self.demands.standing.values() {
            if d.best.contains_key(&agent) {
                pump.do_send(PumpOne(d.workstream));
            }
        }
    }

    /// `passed` passed an agent over for `better`: `better` is pumped to offer its conversation.
    pub(super) fn yield_to(&mut self, better: WorkstreamId, passed: WorkstreamId) {
        let first = !self.demands.yielded.contains_key(&better);
        self.demands
            .yielded
            .entry(better)
            .or_default()
            .insert(passed);
        if first && let Some(pump) = &self.demands.pump {
            pump.do_send(PumpOne(better));
        }
    }
}

impl Handler<Demand> for AgentRoster {
    type Result = ();

    fn handle(&mut self, m: Demand, _: &mut Self::Context) {
        let ws = m.workstream;
        if m.best.is_empty() {
            self.demands.standing.remove(&ws);
        } else {
            self.demands.standing.insert(ws, m);
        }
        let passed = self.demands.yielded.remove(&ws).unwrap_or_default();
        if let Some(pump) = &self.demands.pump {
            for w in passed {
                pump.do_send(PumpOne(w));
            }
        }
    }
}

impl Handler<AttachPump> for AgentRoster {
    type Result = ();

    fn handle(&mut self, m: AttachPump, _: &mut Self::Context) {
        self.demands.pump = Some(m.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actors::roster::{ReserveOffer, SetPresence};
    use crate::clock::Clock;
    use crate::domain::queue::AssignmentMethod;
    use crate::domain::{ConversationId, Timestamp};
    use crate::live::LiveHub;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    /// Records the workstreams the roster asks to pump.
    struct Pumps(Arc<Mutex<Vec<WorkstreamId>>>);

    impl Actor for Pumps {
        type Context = Context<Self>;
    }

    impl Handler<PumpOne> for Pumps {
        type Result = ();

        fn handle(&mut self, m: PumpOne, _: &mut Self::Context) {
            if let Ok(mut v) = self.0.lock() {
                v.push(m.0);
            }
        }
    }

    fn rank(priority: u32, entered_at: i64, conversation: u64) -> Rank {
        Rank {
            priority,
            entered_at: Timestamp::from_millis(entered_at),
            conversation: ConversationId::new(conversation),
        }
    }

    fn reserve(ws: u64, r: Rank, agents: &[UserId]) -> ReserveOffer {
        ReserveOffer {
            workstream: WorkstreamId::new(ws),
            rank: r,
            conversation: r.conversation,
            candidates: agents.iter().map(|a| (*a, 0)).collect(),
            allowed: vec![Presence::Available],
            units: 1,
            method: AssignmentMethod::HighestCapacity,
        }
    }

    fn demand(ws: u64, best: &[(UserId, Rank)]) -> Demand {
        Demand {
            workstream: WorkstreamId::new(ws),
            allowed: vec![Presence::Available],
            units: 1,
            best: best.iter().copied().collect(),
        }
    }

    #[test]
    fn an_agent_in_two_workstreams_gets_the_better_ranked_conversation_first() {
        actix_web::rt::System::new().block_on(async {
            let clock = Clock::manual(Timestamp::from_millis(0));
            let live = LiveHub::new(Arc::new(crate::metrics::Metrics::default()));
            let roster = AgentRoster::new(
                Vec::new(),
                Vec::new(),
                live,
                clock,
                Duration::from_secs(3600),
            )
            .start();
            let pumped = Arc::new(Mutex::new(Vec::new()));
            let pumps = Pumps(pumped.clone()).start();
            roster.do_send(AttachPump(pumps.clone().recipient()));
            let (ana, ben) = (UserId::new(1), UserId::new(2));
            for (u, capacity) in [(ana, 2), (ben, 1)] {
                let _ = roster
                    .send(SetPresence {
                        user: u,
                        presence: Presence::Available,
                        capacity,
                    })
                    .await;
            }
            // Workstream 2 waits with a priority-5 conversation that only Ana can take.
            roster.do_send(demand(2, &[(ana, rank(5, 900, 20))]));
            // Workstream 1 asks for Ana with a priority-50 one (older, but lower priority): she is
            // passed over and workstream 2 is asked to offer its own.
            let worse = rank(50, 100, 10);
            let got = roster.send(reserve(1, worse, &[ana])).await.ok().flatten();
            assert_eq!(got, None);
            // Ben, not wanted elsewhere, can still take it.
            let got = roster
                .send(reserve(1, worse, &[ana, ben]))
                .await
                .ok()
                .flatten();
            assert_eq!(got, Some(ben));
            // A better-ranked conversation in workstream 1 is not held back.
            let better = rank(1, 100, 11);
            let got = roster.send(reserve(1, better, &[ana])).await.ok().flatten();
            assert_eq!(got, Some(ana));
            roster.do_send(crate::actors::roster::Release(better.conversation));
            // Once workstream 2 has offered its conversation (a hold), it no longer holds Ana back.
            let theirs = roster
                .send(reserve(2, rank(5, 900, 20), &[ana]))
                .await
                .ok()
                .flatten();
            assert_eq!(theirs, Some(ana));
            let other = rank(50, 200, 12);
            let got = roster.send(reserve(1, other, &[ana])).await.ok().flatten();
            assert_eq!(got, Some(ana));
            // Workstream 2 was pumped when Ana was passed over for it and when her capacity came
            // back; its next demand pumps workstream 1 back.
            let pumped_now = || pumped.lock().map(|v| v.clone()).unwrap_or_default();
            let _ = roster.send(demand(2, &[])).await;
            let _ = pumps.send(PumpOne(WorkstreamId::new(0))).await;
            assert_eq!(
                pumped_now(),
                vec![
                    WorkstreamId::new(2),
                    WorkstreamId::new(2),
                    WorkstreamId::new(1),
                    WorkstreamId::new(0)
                ]
            );
        });
    }
}
