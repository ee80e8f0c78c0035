//! What agents do with conversations, on the `Desk`: accept or reject an offer, take a waiting
//! conversation ("Assign to me"), end it (→ Wrap-up, with the "agent ended" message and the survey
//! link), close the session (→ Waiting), transfer it, and set their presence. Each stores first,
//! then tells the registry, the roster and the live pages.

use crate::actors::live::LiveEvent;
use crate::actors::messages::{Accept, AssignToMe, OffersOf, PumpAll, Reject, Supervisor, Track};
use crate::actors::roster::{Release, Reserve, SetPresence, Status};
use crate::actors::workstream::DistributionError;
use crate::desk::{Desk, DeskError};
use crate::domain::automated::{Locale, Trigger};
use crate::domain::presence::Presence;
use crate::domain::workstream::WrapUp;
use crate::domain::{ConversationId, Direction, Timestamp, UserId};
use crate::store::outbox::{OutboundContent, OutboundRequest};
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
        Ok(conv)
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

    fn released(&self, agent: UserId, units: u32) {
        self.shared.roster.do_send(Release { user: agent, units });
        self.registry.do_send(PumpAll);
    }

    /// Ends the conversation (→ Wrap-up): releases capacity unless the workstream blocks it for
    /// wrap-up, and sends the "agent ended" message and the survey link.
    pub async fn end_conversation(
        &self,
        agent: &User,
        id: ConversationId,
    ) -> Result<Result<Conversation, crate::store::assignment::AssignRefusal>, DeskError> {
        let conv = match self
            .store()
            .end_conversation(id, agent.id, self.now())
            .await?
        {
            Ok(c) => c,
            Err(r) => return Ok(Err(r)),
        };
        let (units, ws) = self.units(&conv).await?;
        let blocks = ws
            .as_ref()
            .is_some_and(|w| w.distribution.wrap_up != WrapUp::DontBlock);
        if !blocks {
            self.released(agent.id, units);
        }
        self.assigned(conv.clone());
        self.shared.live.publish(LiveEvent::ConversationAssigned {
            conversation: id,
            agent: conv.agent,
        });
        self.say_goodbye(&conv, ws.as_ref(), agent).await;
        Ok(Ok(conv))
    }

    /// The "agent ended" automated message, with the survey link when the workstream has one. A
    /// refusal (e.g. the WhatsApp window closed) only skips the message.
    async fn say_goodbye(&self, conv: &Conversation, ws: Option<&Workstream>, agent: &User) {
        // The workstream's language once its setup has one, else the channel's default locale.
        let locale = Some(
            ws.and_then(crate::store::automated::default_locale)
                .unwrap_or_else(Locale::english),
        );
        let text = match locale {
            Some(l) => self
                .store()
                .automated_text(Trigger::AgentEnded, conv.channel, ws, l)
                .await
                .ok(),
            None => None,
        };
        let mut body = text
            .map(|r| {
                crate::domain::automated::render(&r.text, |p| match p {
                    crate::domain::automated::Placeholder::AgentName => Some(agent.name.clone()),
                    crate::domain::automated::Placeholder::QueueName => {
                        ws.map(|w| w.fallback_queue.to_string())
                    }
                    _ => None,
                })
            })
            .unwrap_or_default();
        if let Some(s) = ws.and_then(|w| w.survey.as_ref()) {
            let intro = if s.message.is_empty() {
                "Tell us how we did:"
            } else {
                s.message.as_str()
            };
            body = format!("{body}\n\n{intro} {}", s.link.as_str())
                .trim()
                .to_owned();
        }
        if body.trim().is_empty() {
            return;
        }
        let req = OutboundRequest {
            conversation_id: conv.id,
            content: OutboundContent::Text(body),
            author: None,
            direction: Direction::Automated,
        };
        if let Ok(Err(refusal)) = self.send(req).await {
            tracing::info!(conversation = %conv.id, %refusal, "the agent-ended message was not sent");
        }
    }

    /// The agent finishes wrap-up: the conversation closes, and capacity still blocked for
    /// wrap-up is given back.
    pub async fn finish_wrap_up(
        &self,
        agent: &User,
        id: ConversationId,
    ) -> Result<Result<Conversation, crate::store::assignment::AssignRefusal>, DeskError> {
        let Some(before) = self.store().conversation(id).await? else {
            return Ok(Err(crate::store::assignment::AssignRefusal::Unknown));
        };
        if before.agent != Some(agent.id) {
            return Ok(Err(crate::store::assignment::AssignRefusal::NotYours));
        }
        if before.state != crate::domain::ConversationState::WrapUp {
            return Ok(Err(crate::domain::TransitionError {
                from: before.state,
                event: "be closed before it is ended",
            }
            .into()));
        }
        let conv = match self.store().close_conversation(id, self.now()).await? {
            Ok(c) => c,
            Err(r) => return Ok(Err(r)),
        };
        let (units, ws) = self.units(&before).await?;
        let wrap_up = ws.map_or(WrapUp::DontBlock, |w| w.distribution.wrap_up);
        if crate::domain::lifecycle::holds_capacity(
            before.state,
            before.updated_at,
            wrap_up,
            self.now(),
        ) {
            self.released(agent.id, units);
        }
        self.assigned(conv.clone());
        Ok(Ok(conv))
    }

    /// Closes the session without ending (→ Waiting): no capacity while waiting.
    pub async fn close_session(
        &self,
        agent: &User,
        id: ConversationId,
    ) -> Result<Result<Conversation, crate::store::assignment::AssignRefusal>, DeskError> {
        let conv = match self.store().close_session(id, agent.id, self.now()).await? {
            Ok(c) => c,
            Err(r) => return Ok(Err(r)),
        };
        let (units, _) = self.units(&conv).await?;
        self.released(agent.id, units);
        self.assigned(conv.clone());
        Ok(Ok(conv))
    }

    /// Transfers the conversation back to its queue (`to` None) or to another agent, who must
    /// have free capacity.
    pub async fn transfer(
        &self,
        agent: &User,
        id: ConversationId,
        to: Option<UserId>,
    ) -> Result<Result<Conversation, DistributionError>, DeskError> {
        let Some(current) = self.store().conversation(id).await? else {
            return Ok(Err(DistributionError::Taken));
        };
        let (units, _) = self.units(&current).await?;
        let reserved = match to {
            Some(next) => {
                self.shared
                    .roster
                    .send(Reserve { user: next, units })
                    .await?
            }
            None => true,
        };
        if !reserved {
            return Ok(Err(DistributionError::NoCapacity));
        }
        let conv = match self.store().transfer(id, agent.id, to, self.now()).await? {
            Ok(c) => c,
            Err(r) => {
                if let Some(next) = to {
                    self.shared.roster.do_send(Release { user: next, units });
                }
                return Ok(Err(DistributionError::Refused(r.to_string())));
            }
        };
        self.released(agent.id, units);
        self.shared.live.publish(LiveEvent::ConversationAssigned {
            conversation: id,
            agent: conv.agent,
        });
        self.assigned(conv.clone());
        Ok(Ok(conv))
    }
}
