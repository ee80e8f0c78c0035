//! Acting on a review of the queues: overflow transfers are stored with their line and served
//! again in the new queue, ends and closed-queue messages go to the services as notices, "assign
//! anyway" writes its line once, and customers hear their place in the queue — on entering it
//! behind others, then at most every few minutes (the workstream's setting) while it improves.

use super::WorkstreamSupervisor;
use super::serve::{Overflowed, Review, Served};
use crate::actors::notices::QueueNotice;
use crate::domain::hours::Openness;
use crate::domain::queue::OverflowCondition;
use crate::domain::timeline::{OverflowOutcome, StateChange};
use crate::domain::{ConversationId, UserId};
use crate::live::LiveEvent;
use std::collections::HashSet;

impl WorkstreamSupervisor {
    pub(super) fn served_queue(&self, conversation: ConversationId) -> Option<&Served> {
        let queue = self.entries.get(&conversation)?.queue;
        self.served.iter().find(|s| s.queue.id == queue)
    }

    /// Whether `agent` may take `conversation` now in pick mode: it waits in a queue of theirs
    /// that serves it now (open, or kept by "assign anyway").
    pub(super) fn may_pick(&self, conversation: ConversationId, agent: UserId) -> bool {
        self.offerable.contains(&conversation)
            && self
                .served_queue(conversation)
                .is_some_and(|s| s.members.contains(&agent))
    }

    /// Offers to agents who are no longer members of the conversation's queue go to others.
    pub(super) fn withdraw_strays(&mut self) {
        let strays: Vec<(ConversationId, UserId)> = self
            .offers
            .iter()
            .filter(|(c, o)| {
                self.served_queue(**c)
                    .is_none_or(|s| !s.members.contains(&o.agent))
            })
            .map(|(c, o)| (*c, o.agent))
            .collect();
        for (c, agent) in strays {
            self.withdraw(c, agent);
        }
    }

    fn queue_name(&self, id: crate::domain::QueueId) -> String {
        self.served.iter().find(|s| s.queue.id == id).map_or_else(
            || "a removed queue".to_owned(),
            |s| s.queue.name.to_string(),
        )
    }

    fn line(&self, o: &Overflowed, outcome: OverflowOutcome) -> StateChange {
        StateChange::Overflowed {
            queue: self.queue_name(o.from),
            condition: o.condition.to_string(),
            outcome,
        }
    }

    pub(super) fn apply(&mut self, review: Review) {
        let now = self.shared.clock.now();
        self.offerable = review.offerable;
        for (conversation, holiday) in review.closed {
            self.shared.notices.post(QueueNotice::Closed {
                conversation,
                holiday,
            });
        }
        for k in review.kept {
            let line = self.line(&k, OverflowOutcome::OfferedAnyway);
            self.store_line(k.conversation, line);
        }
        for t in review.transfers {
            let Some(to) = t.to else { continue };
            let line = self.line(&t, OverflowOutcome::TransferredTo(self.queue_name(to)));
            let Some(entry) = self.entries.get_mut(&t.conversation) else {
                continue;
            };
            entry.queue = to;
            entry.entered_at = now;
            entry.hops = entry.hops.saturating_add(1);
            entry.kept = false;
            entry.told_closed = false;
            let hops = entry.hops;
            if let Some(agent) = self.offers.get(&t.conversation).map(|o| o.agent) {
                self.withdraw(t.conversation, agent);
            }
            let store = self.shared.store.clone();
            let live = self.shared.live.clone();
            let conversation = t.conversation;
            actix::spawn(async move {
                match store
                    .overflow_transfer(conversation, to, hops, line, now)
                    .await
                {
                    Ok(true) => live.publish(LiveEvent::ConversationAssigned {
                        conversation,
                        agent: None,
                    }),
                    Ok(false) => {}
                    Err(e) => {
                        tracing::error!(conversation = %conversation, error = %e, "storing an overflow transfer failed")
                    }
                }
            });
            self.pump_again = true;
        }
        for e in review.ends {
            let line = self.line(&e, OverflowOutcome::Ended);
            let queue = self.queue_name(e.from);
            self.forget(e.conversation);
            self.shared.notices.post(QueueNotice::End {
                conversation: e.conversation,
                out_of_hours: e.condition == OverflowCondition::OutOfHours,
                queue,
                line,
            });
        }
        self.arm_wake(review.wake);
    }

    fn store_line(&self, conversation: ConversationId, line: StateChange) {
        let store = self.shared.store.clone();
        let live = self.shared.live.clone();
        let now = self.shared.clock.now();
        actix::spawn(async move {
            match store.queue_line(conversation, line, now).await {
                Ok(Some(m)) => live.publish(LiveEvent::MessageStored {
                    conversation,
                    seq: m.seq,
                }),
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(conversation = %conversation, error = %e, "storing a queue line failed")
                }
            }
        });
    }

    /// Tells each waiting customer not just offered their place in the queue: on entering it
    /// behind someone, then when it improved and the workstream's interval has passed. Closed
    /// queues say so instead.
    pub(super) fn tell_positions(&mut self, offered: &HashSet<ConversationId>) {
        let now = self.shared.clock.now();
        let mut place: std::collections::HashMap<crate::domain::QueueId, usize> =
            std::collections::HashMap::new();
        let mut told = Vec::new();
        for conversation in super::serve::order(&self.entries, &self.served) {
            let Some(entry) = self.entries.get(&conversation) else {
                continue;
            };
            let position = {
                let n = place.entry(entry.queue).or_default();
                *n += 1;
                *n
            };
            if offered.contains(&conversation) || self.offers.contains_key(&conversation) {
                continue;
            }
            let open = self
                .served
                .iter()
                .find(|s| s.queue.id == entry.queue)
                .is_some_and(|s| s.openness == Openness::Open);
            if !open {
                continue;
            }
            let due = match entry.told_position {
                // The first in line is next: the greeting has told them enough.
                None => position > 1,
                Some((last, at)) => {
                    position < last && at.saturating_add(self.position_every) <= now
                }
            };
            if due {
                told.push((conversation, position, entry.queue));
            } else if let Some((last, at)) = entry.told_position
                && position < last
            {
                self.arm_wake(Some(at.saturating_add(self.position_every)));
            }
        }
        for (conversation, position, queue) in told {
            if let Some(e) = self.entries.get_mut(&conversation) {
                e.told_position = Some((position, now));
            }
            let queue = self.queue_name(queue);
            self.shared.notices.post(QueueNotice::Position {
                conversation,
                position,
                queue,
            });
        }
    }
}
