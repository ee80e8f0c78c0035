//! People changes that must take effect at once: editing a user (capacity, role, disabled), the
//! members of a workstream's queue, and the agent's workspace tabs and activity (which decide
//! Inactive). Each stores first, then tells the roster, the supervisors and the live streams.

use crate::actors::messages::{PumpAll, WithdrawAll};
use crate::actors::roster::{Active, Forget, SetCapacity, Tab};
use crate::app::{Desk, DeskError};
use crate::domain::user::Role;
use crate::domain::{UserId, WorkstreamId};
use crate::live::LiveEvent;
use crate::store::users::{User, UserError, UserUpdate};

impl Desk {
    /// Saves a user's profile. A new capacity counts at once; a disabled user (or one who is no
    /// longer an agent) loses their pending offers, which go to others, and their live streams end.
    pub async fn update_user(
        &self,
        id: UserId,
        update: UserUpdate,
    ) -> Result<Result<User, UserError>, DeskError> {
        let saved = match self.store().update_user(id, update).await? {
            Ok(u) => u,
            Err(e) => return Ok(Err(e)),
        };
        let roster = &self.shared.roster;
        if saved.disabled || saved.role != Role::Agent {
            roster.send(Forget(id)).await?;
            self.registry.do_send(WithdrawAll(id));
        } else {
            roster
                .send(SetCapacity {
                    user: id,
                    capacity: saved.capacity,
                })
                .await?;
        }
        self.shared
            .live
            .publish(LiveEvent::UserChanged { user: id });
        self.registry.do_send(PumpAll);
        Ok(Ok(saved))
    }

    /// Sets the agents of a workstream's queue; removed members' offers go to others at once.
    pub async fn set_members(
        &self,
        workstream: WorkstreamId,
        members: Vec<UserId>,
    ) -> Result<(), DeskError> {
        let before = self.store().members(workstream).await?;
        self.store()
            .set_members(workstream, members.clone())
            .await?;
        for gone in before.iter().filter(|u| !members.contains(u)) {
            self.registry.do_send(WithdrawAll(*gone));
        }
        self.registry.do_send(PumpAll);
        Ok(())
    }

    /// Lets every supervisor try its queue again (something that decides eligibility changed).
    pub fn pump_all(&self) {
        self.registry.do_send(PumpAll);
    }

    /// A workspace tab of `user` opened (`open`) or closed.
    pub fn tab(&self, user: UserId, open: bool) {
        if open {
            self.back_if_inactive(Tab { user, open });
        } else {
            // Called from a dropped stream, perhaps while the server stops: no task to spawn,
            // and a closing tab never makes anyone eligible.
            self.shared.roster.do_send(Tab { user, open });
        }
    }

    /// `user` did something in the workspace: they are not Inactive.
    pub fn activity(&self, user: UserId) {
        self.back_if_inactive(Active(user));
    }

    /// Tells the roster; only an agent who was Inactive and is back makes the queues try again
    /// (a tab or a ping of an agent already counted changes no one's eligibility).
    fn back_if_inactive<M>(&self, m: M)
    where
        M: actix::Message<Result = bool> + std::marker::Send + 'static,
        crate::actors::roster::AgentRoster: actix::Handler<M>,
    {
        let roster = self.shared.roster.clone();
        let registry = self.registry.clone();
        actix::spawn(async move {
            if roster.send(m).await.unwrap_or(false) {
                registry.do_send(PumpAll);
            }
        });
    }
}

impl Desk {
    /// What the roster knows of an agent now: chosen and seen presence, capacity, load, offers.
    pub async fn agent_state(
        &self,
        user: UserId,
    ) -> Result<Option<crate::actors::roster::AgentState>, DeskError> {
        Ok(self
            .shared
            .roster
            .send(crate::actors::roster::Status(user))
            .await?)
    }
}

impl Desk {
    /// The presence others see for `user`, with why it differs from the one they chose.
    pub async fn presence_view(
        &self,
        user: UserId,
    ) -> (crate::domain::presence::Presence, Option<String>) {
        use crate::domain::presence::{Presence, explain};
        match self.agent_state(user).await {
            Ok(Some(s)) => {
                let seen = s.effective();
                (seen, explain(s.chosen, seen, s.load, s.capacity))
            }
            _ => (Presence::Offline, None),
        }
    }
}

impl Desk {
    /// How many deadlines the scheduler holds (benchmarks and operations).
    pub async fn armed_deadlines(&self) -> Result<usize, DeskError> {
        Ok(self.scheduler.send(crate::actors::scheduler::Armed).await?)
    }
}

impl Desk {
    /// Starts a session for `user`: a new token every time (never reuse one from before sign-in).
    /// Only the token's hash is stored; the token goes into the cookie.
    pub async fn start_session(&self, user: &User) -> Result<String, DeskError> {
        let token = crate::auth::random_token();
        let now = self.now();
        self.store()
            .create_session(
                crate::auth::token_hash(&token),
                crate::store::users::Session {
                    user_id: user.id,
                    created_at: now,
                    last_seen_at: now,
                    csrf: crate::auth::random_token(),
                },
            )
            .await?;
        Ok(token)
    }

    /// Records that a session was used at `now` (its idle timeout restarts).
    pub async fn touch_session(
        &self,
        hash: String,
        now: crate::domain::Timestamp,
    ) -> Result<(), DeskError> {
        Ok(self.store().touch_session(hash, now).await?)
    }
}
