//! What agents do with conversations, on the `Desk`: accept or reject an offer, take a waiting
//! conversation ("Assign to me"), end it (→ Wrap-up, with the "agent ended" message and the survey
//! link), close the session (→ Waiting), transfer it, and set their presence. Each stores first,
//! then tells the registry, the roster and the live pages.

use crate::actors::messages::{Accept, AssignToMe, OffersOf, PumpAll, Reject, Supervisor, Track};
use crate::actors::roster::{Release, Reserve, SetPresence, Status};
use crate::actors::workstream::DistributionError;
use crate::app::survey::EndSurvey;
use crate::app::{Desk, DeskError};
use crate::domain::presence::Presence;
use crate::domain::workstream::WrapUp;
use crate::domain::{ConversationId, Timestamp, UserId};
use crate::live::LiveEvent;
use crate::store::assignment::{AssignRefusal, Transfer};
use crate::store::records::DistributionMode;
use crate::store::records::{Conversation, Workstream};
use crate::store::users::User;

impl Desk {
    async fn supervisor_of(
        &self,
        id: ConversationId,
    ) -> Result<
        (
            Conversation,
            actix::Addr<crate::actors::workstream::WorkstreamSupervisor>,
        ),
        DistributionError,
    > {
        let conv = self
            .store()
            .conversation(id)
            .await
            .map_err(|_| DistributionError::Unavailable)?
            .ok_or(DistributionError::Taken)?;
        let ws = conv.workstream_id.ok_or(DistributionError::NotMember)?;
        let sup = self
            .registry
            .send(Supervisor(ws))
            .await
            .map_err(|_| DistributionError::Unavailable)?;
        Ok((conv, sup))
    }

    fn assigned(&self, conv: Conversation) {
        self.registry.do_send(Track {
            conversation: conv,
            opened: false,
            transfer_to: None,
        });
    }

    /// The agent accepts the offer they hold for `id`.
    pub async fn accept_offer(
        &self,
        agent: UserId,
        id: ConversationId,
    ) -> Result<Conversation, DistributionError> {
        let (_, sup) = self.supervisor_of(id).await?;
        let conv = sup
            .send(Accept {
                conversation: id,
                agent,
            })
            .await
            .map_err(|_| DistributionError::Unavailable)??;
        self.assigned(conv.clone());
        self.announce_agent(&conv, agent).await;
        Ok(conv)
    }

    /// The agent rejects the offer they hold for `id`; it goes to the next agent.
    pub async fn reject_offer(
        &self,
        agent: UserId,
        id: ConversationId,
    ) -> Result<(), DistributionError> {
        let (_, sup) = self.supervisor_of(id).await?;
        sup.send(Reject {
            conversation: id,
            agent,
        })
        .await
        .map_err(|_| DistributionError::Unavailable)
    }

    /// "Assign to me" on a waiting conversation of a pick-mode workstream.
    pub async fn assign_to_me(
        &self,
        agent: UserId,
        id: ConversationId,
    ) -> Result<Conversation, DistributionError> {
        let (_, sup) = self.supervisor_of(id).await?;
        let conv = sup
            .send(AssignToMe {
                conversation: id,
                agent,
            })
            .await
            .map_err(|_| DistributionError::Unavailable)??;
        self.assigned(conv.clone());
        self.announce_agent(&conv, agent).await;
        Ok(conv)
    }

    /// The conversations waiting in a workstream's queue, oldest first.
    pub async fn queue_of(
        &self,
        workstream: crate::domain::WorkstreamId,
    ) -> Result<Vec<ConversationId>, DeskError> {
        let sup = self.registry.send(Supervisor(workstream)).await?;
        Ok(sup.send(crate::actors::messages::QueueSnapshot).await?)
    }

    /// The offers an agent holds across all workstreams, with their expiry.
    pub async fn offers_of(
        &self,
        agent: UserId,
    ) -> Result<Vec<(ConversationId, Timestamp)>, DeskError> {
        let mut out = Vec::new();
        for ws in self.store().workstreams().await? {
            let sup = self.registry.send(Supervisor(ws.id)).await?;
            out.extend(sup.send(OffersOf(agent)).await?);
        }
        Ok(out)
    }

    /// Sets the presence the agent chose; returns what others now see. Signing in sets Available
    /// and signing out Offline.
    pub async fn set_presence(
        &self,
        user: &User,
        presence: Presence,
    ) -> Result<Presence, DeskError> {
        self.store().set_presence(user.id, presence).await?;
        let seen = self
            .shared
            .roster
            .send(SetPresence {
                user: user.id,
                presence,
                capacity: user.capacity,
            })
            .await?;
        self.registry.do_send(PumpAll);
        Ok(seen)
    }

    /// The presence others see for `user` now.
    pub async fn presence_of(&self, user: UserId) -> Presence {
        match self.shared.roster.send(Status(user)).await {
            Ok(Some(s)) => s.effective(),
            _ => Presence::Offline,
        }
    }

    async fn units(&self, conv: &Conversation) -> Result<(u32, Option<Workstream>), DeskError> {
        let ws = match conv.workstream_id {
            Some(id) => self.store().workstream(id).await?,
            None => None,
        };
        Ok((
            ws.as_ref().map_or(1, |w| w.distribution.capacity.max(1)),
            ws,
        ))
    }

    /// The conversation's hold is gone from the store: the roster gives back exactly what it
    /// held (nothing if it held nothing) and the queues may offer again.
    fn released(&self, id: ConversationId) {
        self.shared.roster.do_send(Release(id));
        self.registry.do_send(PumpAll);
    }

    /// Ends the conversation (→ Wrap-up): releases capacity unless the workstream blocks it for
    /// wrap-up, and sends the "agent ended" message and the survey link.
    pub async fn end_conversation(
        &self,
        agent: &User,
        id: ConversationId,
    ) -> Result<Result<Conversation, AssignRefusal>, DeskError> {
        Ok(self
            .end_conversation_with_survey(agent, id)
            .await?
            .map(|(conv, _)| conv))
    }

    /// `end_conversation`, also saying what became of the built-in survey.
    pub async fn end_conversation_with_survey(
        &self,
        agent: &User,
        id: ConversationId,
    ) -> Result<Result<(Conversation, EndSurvey), AssignRefusal>, DeskError> {
        let Some(before) = self.store().conversation(id).await? else {
            return Ok(Err(AssignRefusal::Unknown));
        };
        let (_, ws) = self.units(&before).await?;
        let release = ws
            .as_ref()
            .is_none_or(|w| w.distribution.wrap_up == WrapUp::DontBlock);
        let conv = match self
            .store()
            .end_conversation(id, agent.id, release, self.now())
            .await?
        {
            Ok(c) => c,
            Err(r) => return Ok(Err(r)),
        };
        if release {
            self.released(id);
        }
        self.assigned(conv.clone());
        self.shared.live.publish(LiveEvent::ConversationAssigned {
            conversation: id,
            agent: conv.agent,
        });
        let survey = self.say_goodbye(&conv, ws.as_ref(), agent).await;
        Ok(Ok((conv, survey)))
    }
    /// The agent finishes wrap-up ("Close"): the conversation closes, and capacity still blocked
    /// for wrap-up is given back.
    pub async fn finish_wrap_up(
        &self,
        agent: &User,
        id: ConversationId,
    ) -> Result<Result<Conversation, AssignRefusal>, DeskError> {
        let Some(before) = self.store().conversation(id).await? else {
            return Ok(Err(AssignRefusal::Unknown));
        };
        if before.agent != Some(agent.id) {
            return Ok(Err(AssignRefusal::NotYours));
        }
        if before.state != crate::domain::ConversationState::WrapUp {
            return Ok(Err(crate::domain::TransitionError {
                from: before.state,
                event: "be closed before it is ended",
            }
            .into()));
        }
        let conv = match self
            .store()
            .close_conversation(id, Some(agent.id), self.now())
            .await?
        {
            Ok(c) => c,
            Err(r) => return Ok(Err(r)),
        };
        self.released(id);
        self.assigned(conv.clone());
        self.shared.live.publish(LiveEvent::ConversationAssigned {
            conversation: id,
            agent: conv.agent,
        });
        Ok(Ok(conv))
    }

    /// Closes the session without ending (→ Waiting): no capacity while waiting.
    pub async fn close_session(
        &self,
        agent: &User,
        id: ConversationId,
    ) -> Result<Result<Conversation, AssignRefusal>, DeskError> {
        let conv = match self.store().close_session(id, agent.id, self.now()).await? {
            Ok(c) => c,
            Err(r) => return Ok(Err(r)),
        };
        self.released(id);
        self.assigned(conv.clone());
        Ok(Ok(conv))
    }

    /// Transfers the conversation back to its queue (`to` None) or to another member of its
    /// workstream, with an optional note. In push mode the receiver gets an offer (first in
    /// line); in pick mode it is assigned to them at once, if they have the capacity.
    pub async fn transfer(
        &self,
        agent: &User,
        id: ConversationId,
        to: Option<UserId>,
        note: Option<String>,
    ) -> Result<Result<Conversation, DistributionError>, DeskError> {
        let Some(current) = self.store().conversation(id).await? else {
            return Ok(Err(DistributionError::Taken));
        };
        let (units, ws) = self.units(&current).await?;
        if let Some(next) = to {
            let member = match current.workstream_id {
                Some(w) => self.store().members(w).await?.contains(&next),
                None => false,
            };
            let enabled = self.store().user(next).await?.is_some_and(|u| !u.disabled);
            let seen = self.presence_of(next).await;
            if next == agent.id
                || !member
                || !enabled
                || matches!(seen, Presence::Offline | Presence::Inactive)
            {
                return Ok(Err(DistributionError::Refused(
                    "That agent is not a signed-in member of this workstream.".into(),
                )));
            }
        }
        let pick = ws
            .as_ref()
            .is_some_and(|w| w.mode == DistributionMode::Pick);
        let target = match to {
            None => Transfer::Queue,
            Some(next) if !pick => Transfer::OfferTo(next),
            Some(next) => {
                let reserved = self
                    .shared
                    .roster
                    .send(Reserve {
                        conversation: id,
                        user: next,
                        units,
                    })
                    .await?;
                if !reserved {
                    return Ok(Err(DistributionError::NoCapacity));
                }
                Transfer::AssignTo(next, units)
            }
        };
        let note = note.filter(|n| !n.trim().is_empty());
        let conv = match self
            .store()
            .transfer(id, agent.id, target, note, self.now())
            .await?
        {
            Ok(c) => c,
            Err(r) => {
                if let Transfer::AssignTo(..) = target {
                    // Give the hold back to the agent who still has the conversation.
                    self.shared.roster.do_send(Reserve {
                        conversation: id,
                        user: agent.id,
                        units,
                    });
                }
                return Ok(Err(DistributionError::Refused(r.to_string())));
            }
        };
        if !matches!(target, Transfer::AssignTo(..)) {
            self.released(id);
        }
        if let Transfer::AssignTo(next, _) = target {
            self.announce_agent(&conv, next).await;
        }
        self.shared.live.publish(LiveEvent::ConversationAssigned {
            conversation: id,
            agent: conv.agent,
        });
        self.registry.do_send(Track {
            conversation: conv.clone(),
            opened: false,
            transfer_to: match target {
                Transfer::OfferTo(next) => Some(next),
                _ => None,
            },
        });
        Ok(Ok(conv))
    }
}

impl Desk {
    /// The customer wrote into `conv` (Active): if its agent has been Offline or Inactive for
    /// longer than the away setting, was disabled, or left the workstream's queue, the
    /// conversation goes back to the queue, flagged for supervisors, with a line saying why.
    pub(crate) fn check_away(&self, conv: &Conversation) {
        let (Some(agent), Some(ws)) = (conv.agent, conv.workstream_id) else {
            return;
        };
        let desk = self.clone();
        let id = conv.id;
        actix::spawn(async move {
            if let Err(e) = desk.return_if_away(id, agent, ws).await {
                tracing::error!(conversation = %id, error = %e, "checking the agent's presence failed");
            }
        });
    }

    async fn return_if_away(
        &self,
        id: ConversationId,
        agent: UserId,
        ws: crate::domain::WorkstreamId,
    ) -> Result<(), DeskError> {
        let user = self.store().user(agent).await?;
        let member = self.store().members(ws).await?.contains(&agent);
        let state = self.shared.roster.send(Status(agent)).await?;
        let now = self.now();
        let away_after = self.settings.presence.away_after();
        let why = match (&user, state) {
            (None, _) => Some("no longer exists".to_owned()),
            (Some(u), _) if u.disabled => Some("was disabled".to_owned()),
            _ if !member => Some("is no longer a member of the queue".to_owned()),
            (_, Some(s))
                if matches!(s.effective(), Presence::Offline | Presence::Inactive)
                    && s.since.saturating_add(away_after) <= now =>
            {
                let minutes = s.since.until(now).as_secs() / 60;
                Some(format!(
                    "has been {} for {minutes} minutes",
                    s.effective().to_string().to_lowercase()
                ))
            }
            (_, None) => Some("is offline".to_owned()),
            _ => None,
        };
        let Some(why) = why else { return Ok(()) };
        let conv = match self.store().return_to_queue(id, agent, why, now).await? {
            Ok(c) => c,
            // The agent answered or moved it meanwhile: nothing to do.
            Err(_) => return Ok(()),
        };
        tracing::info!(conversation = %id, agent = %agent, "agent away; back in the queue");
        self.store()
            .flag(id, crate::store::flags::FlagReason::AgentAway, now)
            .await?;
        self.released(id);
        self.shared.live.publish(LiveEvent::ConversationAssigned {
            conversation: id,
            agent: None,
        });
        self.shared.live.publish(LiveEvent::ConversationFlagged {
            conversation: id,
            workstream: ws,
        });
        self.assigned(conv);
        Ok(())
    }
}
