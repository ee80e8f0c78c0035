//! Taking a conversation: an agent's Accept of their offer, and "Assign to me" in pick mode. Each
//! runs atomically in the supervisor (a race has one winner), turns the roster's reservation into
//! the assignment's hold and stores the assignment, giving the capacity back if the store refuses.

use super::{DistributionError, WorkstreamSupervisor, allowed_presences};
use crate::actors::Shared;
use crate::actors::messages::{Accept, AssignToMe};
use crate::actors::roster::{Release, Reserve, Status};
use crate::domain::{ConversationId, UserId};
use crate::store::records::{Conversation, DistributionMode};
use actix::prelude::*;

type Assigned = Result<Conversation, DistributionError>;

/// Turns the reservation into the assignment's hold and stores the assignment; gives the
/// capacity back if the store refuses.
async fn take(shared: Shared, conversation: ConversationId, agent: UserId, units: u32) -> Assigned {
    let reserved = shared
        .roster
        .send(Reserve {
            conversation,
            user: agent,
            units,
        })
        .await
        .map_err(|_| DistributionError::Unavailable)?;
    if !reserved {
        return Err(DistributionError::NoCapacity);
    }
    let outcome = shared
        .store
        .assign(conversation, agent, units, shared.clock.now())
        .await;
    match outcome {
        Ok(Ok(c)) => Ok(c),
        other => {
            shared.roster.do_send(Release(conversation));
            Err(match other {
                Ok(Err(r)) => DistributionError::Refused(r.to_string()),
                _ => DistributionError::Unavailable,
            })
        }
    }
}

impl Handler<Accept> for WorkstreamSupervisor {
    type Result = AtomicResponse<Self, Assigned>;

    fn handle(&mut self, msg: Accept, _: &mut Self::Context) -> Self::Result {
        let valid = self
            .offers
            .get(&msg.conversation)
            .is_some_and(|o| o.agent == msg.agent && o.expires_at > self.shared.clock.now());
        if !valid {
            return AtomicResponse::new(Box::pin(
                async { Err(DistributionError::NoOffer) }.into_actor(self),
            ));
        }
        let fut = take(
            self.shared.clone(),
            msg.conversation,
            msg.agent,
            self.units(),
        );
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(move |res, act, ctx| {
            match &res {
                Ok(c) => act.assigned(c, msg.agent, ctx),
                Err(_) => act.decline(msg.conversation, msg.agent, ctx),
            }
            res
        })))
    }
}

impl Handler<AssignToMe> for WorkstreamSupervisor {
    type Result = AtomicResponse<Self, Assigned>;

    fn handle(&mut self, msg: AssignToMe, _: &mut Self::Context) -> Self::Result {
        let refuse = |e: DistributionError, act: &mut Self| {
            AtomicResponse::new(Box::pin(async move { Err(e) }.into_actor(act)))
        };
        if !self.entries.contains_key(&msg.conversation) {
            return refuse(DistributionError::Taken, self);
        }
        let in_queue = self.may_pick(msg.conversation, msg.agent);
        let shared = self.shared.clone();
        let id = self.id;
        let (conversation, agent) = (msg.conversation, msg.agent);
        let fut = async move {
            let ws = shared
                .store
                .workstream(id)
                .await
                .ok()
                .flatten()
                .ok_or(DistributionError::Unavailable)?;
            if ws.mode != DistributionMode::Pick {
                return Err(DistributionError::NotPick);
            }
            if !in_queue {
                return Err(DistributionError::NotMember);
            }
            let state = shared.roster.send(Status(agent)).await.ok().flatten();
            let ok_presence =
                state.is_some_and(|s| allowed_presences(&ws).contains(&s.effective()));
            if !ok_presence {
                return Err(DistributionError::PresenceNotAllowed);
            }
            take(shared, conversation, agent, ws.distribution.capacity.max(1)).await
        };
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(move |res, act, ctx| {
            if let Ok(c) = &res {
                act.assigned(c, agent, ctx);
            }
            res
        })))
    }
}
