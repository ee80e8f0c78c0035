//! Inactive: the roster counts each agent's open workspace tabs and their activity; when neither
//! happened for the inactivity setting, the agent is Inactive and gets no offers until they are
//! back. The checks are deadlines of the scheduler.

use super::AgentRoster;
use crate::actors::scheduler::{Arm, Deadline, Scheduler};
use crate::domain::{Timestamp, UserId};
use actix::prelude::*;

/// Open tabs and last activity of one agent.
#[derive(Debug, Default)]
pub(super) struct Activity {
    tabs: u32,
    last: Option<Timestamp>,
    /// When the armed inactivity check fires.
    check: Option<Timestamp>,
}

impl AgentRoster {
    /// After a restart every known agent counts as seen now: whoever does not come back turns
    /// Inactive after the setting.
    pub(super) fn restarted(&mut self) {
        let now = self.clock.now();
        for u in self.agents.keys() {
            self.activity.entry(*u).or_default().last = Some(now);
        }
    }

    /// Arms (or keeps) the inactivity check of `user` for when they would turn Inactive.
    pub(super) fn arm_check(&mut self, user: UserId) {
        let now = self.clock.now();
        let a = self.activity.entry(user).or_default();
        let Some(last) = a.last else {
            return;
        };
        let at = last.saturating_add(self.inactive_after);
        if a.check.is_some_and(|t| t <= at && t > now) {
            return;
        }
        let Some(scheduler) = &self.scheduler else {
            return;
        };
        a.check = Some(at);
        scheduler.do_send(Arm {
            deadline: Deadline::Inactive(user),
            at,
        });
    }

    fn check_inactive(&mut self, user: UserId) {
        let now = self.clock.now();
        let after = self.inactive_after;
        let Some(a) = self.activity.get_mut(&user) else {
            return;
        };
        a.check = None;
        let idle_since = a.last.unwrap_or(now);
        if idle_since.saturating_add(after) <= now {
            self.change(user, |s| s.inactive = true);
        } else {
            self.arm_check(user);
        }
    }

    /// Records activity of `user`; true if they were Inactive and are back (queues may offer).
    pub(super) fn active(&mut self, user: UserId) -> bool {
        let now = self.clock.now();
        self.activity.entry(user).or_default().last = Some(now);
        let was = self.agents.get(&user).is_some_and(|s| s.inactive);
        self.change(user, |s| s.inactive = false);
        self.arm_check(user);
        was
    }
}

/// A workspace tab of the agent opened (`open`) or closed; true if the agent was Inactive.
#[derive(Message)]
#[rtype(result = "bool")]
pub struct Tab {
    pub user: UserId,
    pub open: bool,
}

/// The scheduler the roster arms its inactivity checks with.
#[derive(Message)]
#[rtype(result = "()")]
pub struct AttachScheduler(pub Addr<Scheduler>);

/// The scheduler's deadline: the agent may have turned Inactive.
#[derive(Message)]
#[rtype(result = "()")]
pub struct CheckInactive(pub UserId);

/// The agent did something in the workspace; true if they were Inactive.
#[derive(Message)]
#[rtype(result = "bool")]
pub struct Active(pub UserId);

impl Handler<Tab> for AgentRoster {
    type Result = bool;

    fn handle(&mut self, m: Tab, _: &mut Self::Context) -> bool {
        let a = self.activity.entry(m.user).or_default();
        if m.open {
            a.tabs += 1;
        } else {
            a.tabs = a.tabs.saturating_sub(1);
        }
        self.active(m.user)
    }
}

impl Handler<Active> for AgentRoster {
    type Result = bool;

    fn handle(&mut self, m: Active, _: &mut Self::Context) -> bool {
        self.active(m.0)
    }
}

impl Handler<AttachScheduler> for AgentRoster {
    type Result = ();

    fn handle(&mut self, m: AttachScheduler, _: &mut Self::Context) {
        self.scheduler = Some(m.0);
        let users: Vec<UserId> = self.activity.keys().copied().collect();
        for u in users {
            self.arm_check(u);
        }
    }
}

impl Handler<CheckInactive> for AgentRoster {
    type Result = ();

    fn handle(&mut self, m: CheckInactive, _: &mut Self::Context) {
        self.check_inactive(m.0);
    }
}
