//! Making offers: a plan per waiting conversation (the members it may go to now, the preferred
//! agent first), the roster's reservation for the best of them, and the next try when a declined
//! agent may be offered again.

use super::{MAX_DECLINES, WorkstreamSupervisor, allowed_presences};
use crate::actors::roster::{Demand, ReserveOffer};
use crate::actors::scheduler::{Arm, Deadline};
use crate::domain::queue::{AssignmentMethod, Rank};
use crate::domain::routing::MatchMode;
use crate::domain::routing::skills::rank_tiers;
use crate::domain::{ConversationId, Timestamp, UserId};
use crate::store::flags::FlagReason;
use actix::prelude::*;
use std::collections::{HashMap, HashSet};

/// One conversation to offer: the agents to try, in tiers (the preferred agent alone first).
struct Plan {
    conversation: ConversationId,
    rank: Rank,
    tiers: Vec<Vec<(UserId, u64)>>,
    method: AssignmentMethod,
}

impl WorkstreamSupervisor {
    /// Plans an offer for every waiting conversation, has the roster reserve each, then offers.
    pub(super) fn make_offers(&mut self, ctx: &mut Context<Self>) {
        let now = self.shared.clock.now();
        let screen_pop = self.screen_pop();
        let mut offered: HashSet<UserId> = self.offers.values().map(|o| o.agent).collect();
        let mut wake_at: Option<Timestamp> = None;
        let mut plans = Vec::new();
        let mut newly_flagged = Vec::new();
        for conv in self
            .offerable
            .iter()
            .filter(|c| !self.offers.contains_key(c))
        {
            let Some(served) = self
                .entries
                .get(conv)
                .and_then(|e| self.served.iter().find(|s| s.queue.id == e.queue))
            else {
                continue;
            };
            let w = self.waiting.entry(*conv).or_default();
            let mut exhausted = !served.members.is_empty();
            let mut pool = Vec::new();
            for m in &served.members {
                let (count, at) = w.declines.get(m).copied().unwrap_or((0, now));
                if count < MAX_DECLINES {
                    exhausted = false;
                } else {
                    continue;
                }
                let again = at.saturating_add(screen_pop);
                if count > 0 && again > now {
                    wake_at = Some(wake_at.map_or(again, |t| t.min(again)));
                    continue;
                }
                pool.push((*m, self.last_assigned.get(m).copied().unwrap_or(0)));
            }
            if exhausted && !w.flagged {
                w.flagged = true;
                newly_flagged.push(*conv);
            }
            let preferred = w.preferred.filter(|p| pool.iter().any(|(u, _)| u == p));
            let mut tiers = Vec::new();
            if let Some(p) = preferred {
                tiers.push(pool.iter().filter(|(u, _)| *u == p).copied().collect());
            }
            tiers.push(pool);
            let Some(entry) = self.entries.get(conv) else {
                continue;
            };
            plans.push(Plan {
                conversation: *conv,
                rank: Rank {
                    priority: served.queue.priority,
                    entered_at: entry.entered_at,
                    conversation: *conv,
                },
                tiers,
                method: served.queue.method,
            });
        }
        for conv in newly_flagged {
            self.flag(conv, FlagReason::DeclinedByAll);
        }
        self.arm_wake(wake_at);
        let Some(ws) = self.settings.as_ref() else {
            return self.pumped(ctx);
        };
        let allowed = allowed_presences(ws);
        let units = self.units();
        let roster = self.shared.roster.clone();
        let store = self.shared.store.clone();
        let workstream = self.id;
        let fut = async move {
            let mut out = Vec::new();
            let mut demand = Demand {
                workstream,
                allowed: allowed.clone(),
                units,
                best: HashMap::new(),
            };
            let mode = store.skill_match_mode(workstream).await.ok();
            for plan in plans {
                let tiers = match mode {
                    Some(mode) => by_skills(&store, plan.conversation, mode, plan.tiers).await,
                    None => plan.tiers,
                };
                let mut got_one = false;
                for tier in &tiers {
                    let candidates: Vec<(UserId, u64)> = tier
                        .iter()
                        .filter(|(u, _)| !offered.contains(u))
                        .copied()
                        .collect();
                    if candidates.is_empty() {
                        continue;
                    }
                    let got = roster
                        .send(ReserveOffer {
                            workstream,
                            rank: plan.rank,
                            conversation: plan.conversation,
                            candidates,
                            allowed: allowed.clone(),
                            units,
                            method: plan.method,
                        })
                        .await
                        .ok()
                        .flatten();
                    if let Some(agent) = got {
                        offered.insert(agent);
                        out.push((plan.conversation, agent));
                        got_one = true;
                        break;
                    }
                }
                if !got_one {
                    wanted(&mut demand, plan.rank, tiers.iter().flatten(), &offered);
                }
            }
            roster.do_send(demand);
            out
        };
        ctx.wait(fut.into_actor(self).map(|made, act, ctx| {
            let offered: HashSet<ConversationId> = made.iter().map(|(c, _)| *c).collect();
            for (conv, agent) in made {
                act.offer(conv, agent);
            }
            act.tell_positions(&offered);
            act.pumped(ctx);
        }));
    }

    /// Pumps again at `at`, when a declined agent may be offered again (keeps an earlier wake).
    pub(super) fn arm_wake(&mut self, at: Option<Timestamp>) {
        let Some(at) = at else { return };
        let now = self.shared.clock.now();
        if self.wake.is_some_and(|t| t <= at && t > now) {
            return;
        }
        self.wake = Some(at);
        self.scheduler.do_send(Arm {
            deadline: Deadline::Pump(self.id),
            at,
        });
    }
}

/// Notes that a conversation of `rank` still waits for any of `agents` (those not busy with one of
/// this workstream's offers), keeping each agent's best rank.
fn wanted<'a>(
    demand: &mut Demand,
    rank: Rank,
    agents: impl Iterator<Item = &'a (UserId, u64)>,
    offered: &HashSet<UserId>,
) {
    for (agent, _) in agents.filter(|(u, _)| !offered.contains(u)) {
        let best = demand.best.entry(*agent).or_insert(rank);
        *best = (*best).min(rank);
    }
}

/// The tiers of a conversation that requires skills: the preferred agent first if they qualify,
/// then the pool ranked by the skills (`rank_tiers`, under the workstream's match mode). Without
/// required skills, or when they cannot be read, the tiers stay as planned.
async fn by_skills(
    store: &crate::store::Store,
    conversation: ConversationId,
    mode: MatchMode,
    tiers: Vec<Vec<(UserId, u64)>>,
) -> Vec<Vec<(UserId, u64)>> {
    let required = match store.conversation_skills(conversation).await {
        Ok(r) if !r.is_empty() => r,
        _ => return tiers,
    };
    let Some(pool) = tiers.last().cloned() else {
        return tiers;
    };
    let Ok(held) = store
        .agents_skills(pool.iter().map(|(u, _)| *u).collect())
        .await
    else {
        return tiers;
    };
    let ranked = rank_tiers(&required, &held, mode);
    let recency = |u: &UserId| pool.iter().find(|(x, _)| x == u).map_or(0, |(_, r)| *r);
    let mut out: Vec<Vec<(UserId, u64)>> = Vec::new();
    if tiers.len() > 1
        && let Some(preferred) = tiers.first().and_then(|t| t.first()).map(|(u, _)| *u)
        && ranked.iter().flatten().any(|u| *u == preferred)
    {
        out.push(vec![(preferred, recency(&preferred))]);
    }
    out.extend(
        ranked
            .into_iter()
            .map(|tier| tier.iter().map(|u| (*u, recency(u))).collect()),
    );
    out
}
