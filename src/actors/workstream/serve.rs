//! Serving the queues: which queue each waiting conversation is in and since when, the order they
//! are offered in (queue priority, then oldest first), whether each queue is open now (the
//! workstream's channel hours and the queue's own), and the overflow rules, checked when a
//! conversation enters a queue and at every pump while it waits.

use crate::domain::hours::{Openness, Schedule, is_open, next_opening};
use crate::domain::queue::{self, MAX_OVERFLOW_HOPS, OverflowAction, OverflowCondition, Situation};
use crate::domain::{ConversationId, HoursId, QueueId, Timestamp, UserId, WorkstreamId};
use crate::store::Store;
use crate::store::hours::OperatingHours;
use crate::store::queues::{Placement, Queue};
use crate::store::records::Workstream;
use std::collections::HashMap;

/// What a pump reads from the store.
pub(super) struct Loaded {
    pub workstream: Workstream,
    /// Between two position messages to one customer.
    pub position_every: std::time::Duration,
    queues: Vec<(Queue, Vec<UserId>)>,
    hours: HashMap<HoursId, OperatingHours>,
}

/// Reads the workstream, its queues with their members, and every operating-hours record they use.
pub(super) async fn load(store: Store, id: WorkstreamId) -> Option<Loaded> {
    let workstream = store.workstream(id).await.ok().flatten()?;
    let queues = store.queues_with_members(id).await.ok()?;
    let minutes = store.position_minutes(id).await.ok()?;
    let mut hours = HashMap::new();
    let wanted = workstream
        .operation_hours
        .into_iter()
        .chain(queues.iter().filter_map(|(q, _)| q.hours));
    for h in wanted {
        if hours.contains_key(&h) {
            continue;
        }
        if let Some(record) = store.hours(h).await.ok()? {
            hours.insert(h, record);
        }
    }
    Some(Loaded {
        workstream,
        position_every: std::time::Duration::from_secs(u64::from(minutes) * 60),
        queues,
        hours,
    })
}

impl Loaded {
    /// Every queue with whether it is open at `now`. Hours that no longer read (a record changed
    /// underneath, an unknown zone) count as always open, logged: the conversation is never
    /// stranded by a broken record.
    pub fn served(&self, now: Timestamp) -> Vec<Served> {
        let schedule = |id: Option<HoursId>| {
            let record = self.hours.get(&id?)?;
            match record.schedule() {
                Ok(s) => Some(s),
                Err(e) => {
                    tracing::warn!(hours = %record.id, error = %e, "operating hours unreadable; treated as open");
                    None
                }
            }
        };
        let channel = schedule(self.workstream.operation_hours);
        self.queues
            .iter()
            .map(|(q, members)| {
                let own = schedule(q.hours);
                let both: Vec<&Schedule> = channel.iter().chain(own.iter()).collect();
                let (openness, opens_at) = openness(&both, now);
                Served {
                    queue: q.clone(),
                    members: members.clone(),
                    openness,
                    opens_at,
                }
            })
            .collect()
    }

    /// Everyone in any of the queues.
    pub fn members(&self) -> Vec<UserId> {
        let mut all: Vec<UserId> = self.queues.iter().flat_map(|(_, m)| m.clone()).collect();
        all.sort();
        all.dedup();
        all
    }
}

/// The conversation's place: where it waits (after a restart), else the queue it last waited in
/// (back from Waiting, or transferred to the queue), else the workstream's fallback queue. New
/// conversations were placed by routing before they got here.
pub(super) async fn place(
    store: Store,
    ws: WorkstreamId,
    conversation: ConversationId,
    now: Timestamp,
) -> Option<Placement> {
    let queues = store.queues(ws).await.ok()?;
    let ours = |q: QueueId| queues.iter().any(|x| x.id == q);
    if let Some(p) = store.placement(conversation).await.ok()?
        && ours(p.queue)
    {
        return Some(p);
    }
    let last = store
        .last_queue(conversation)
        .await
        .ok()?
        .filter(|q| ours(*q));
    let queue = last.or_else(|| queues.iter().find(|q| q.fallback).map(|q| q.id))?;
    store.place(conversation, queue, now, 0).await.ok()
}

/// A waiting conversation as the supervisor tracks it.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub queue: QueueId,
    pub entered_at: Timestamp,
    pub hops: u8,
    /// "Assign anyway" applied: offered even while the queue is closed.
    pub kept: bool,
    /// Told the customer the queue is closed.
    pub told_closed: bool,
    /// The position last told to the customer, and when.
    pub told_position: Option<(usize, Timestamp)>,
}

impl Entry {
    pub fn new(p: Placement) -> Self {
        Self {
            queue: p.queue,
            entered_at: p.entered_at,
            hops: p.hops,
            kept: false,
            told_closed: false,
            told_position: None,
        }
    }
}

/// One queue as of the last pump: its record, members and whether it is open.
pub(super) struct Served {
    pub queue: Queue,
    pub members: Vec<UserId>,
    pub openness: Openness,
    /// When it opens next, if closed.
    pub opens_at: Option<Timestamp>,
}

/// Combines the workstream's channel hours and the queue's own: closed if either is; a holiday
/// of either says so.
pub(super) fn openness(schedules: &[&Schedule], now: Timestamp) -> (Openness, Option<Timestamp>) {
    let mut result = Openness::Open;
    let mut opens_at: Option<Timestamp> = None;
    for s in schedules {
        let o = is_open(s, now);
        if o == Openness::Open {
            continue;
        }
        if let Some(at) = next_opening(s, now) {
            opens_at = Some(opens_at.map_or(at, |t| t.max(at)));
        }
        if !matches!(result, Openness::Holiday(_)) {
            result = o;
        }
    }
    (result, opens_at)
}

/// What one review of the waiting conversations decided.
#[derive(Default)]
pub(super) struct Review {
    /// In offer order.
    pub offerable: Vec<ConversationId>,
    pub transfers: Vec<Overflowed>,
    pub ends: Vec<Overflowed>,
    pub kept: Vec<Overflowed>,
    /// Closed queues whose customers are to be told (holiday reason if any).
    pub closed: Vec<(ConversationId, Option<String>)>,
    /// The earliest instant at which a review could decide something new.
    pub wake: Option<Timestamp>,
}

/// An overflow rule that applied to a conversation.
pub(super) struct Overflowed {
    pub conversation: ConversationId,
    pub from: QueueId,
    pub condition: OverflowCondition,
    pub to: Option<QueueId>,
}

fn earliest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// The waiting conversations in offer order: queue priority, then oldest first. Conversations
/// whose queue is gone (deleted meanwhile) sort last.
pub(super) fn order(
    entries: &HashMap<ConversationId, Entry>,
    queues: &[Served],
) -> Vec<ConversationId> {
    let priority = |q: QueueId| {
        queues
            .iter()
            .find(|s| s.queue.id == q)
            .map_or(u32::MAX, |s| s.queue.priority)
    };
    let mut ids: Vec<(u32, Timestamp, ConversationId)> = entries
        .iter()
        .map(|(c, e)| (priority(e.queue), e.entered_at, *c))
        .collect();
    ids.sort();
    ids.into_iter().map(|(_, _, c)| c).collect()
}

/// Checks every waiting conversation against its queue's hours and overflow rules, in offer
/// order. Entries are updated for what is decided in memory (kept, told); transfers and ends are
/// left to the caller, which stores them first.
pub(super) fn review(
    entries: &mut HashMap<ConversationId, Entry>,
    queues: &[Served],
    now: Timestamp,
) -> Review {
    let mut out = Review::default();
    let mut ahead: HashMap<QueueId, usize> = HashMap::new();
    for conv in order(entries, queues) {
        let Some(entry) = entries.get_mut(&conv) else {
            continue;
        };
        let Some(served) = queues.iter().find(|s| s.queue.id == entry.queue) else {
            continue;
        };
        let open = served.openness == Openness::Open;
        let others = ahead.entry(entry.queue).or_default();
        let situation = Situation {
            open,
            others_waiting: *others,
            waited: entry.entered_at.until(now),
        };
        *others += 1;
        out.wake = earliest(
            out.wake,
            queue::next_wait_check(
                &served.queue.overflow,
                entry.entered_at.as_millis(),
                now.as_millis(),
            )
            .map(Timestamp::from_millis),
        );
        if !open && !entry.told_closed {
            entry.told_closed = true;
            let holiday = match &served.openness {
                Openness::Holiday(reason) => Some(reason.clone()),
                _ => None,
            };
            out.closed.push((conv, holiday));
        }
        let rule = queue::overflow(&served.queue.overflow, situation);
        let overflowed = |to| Overflowed {
            conversation: conv,
            from: entry.queue,
            condition: rule.map_or(OverflowCondition::OutOfHours, |r| r.condition),
            to,
        };
        match rule.map(|r| r.action) {
            Some(OverflowAction::End) => {
                out.ends.push(overflowed(None));
                continue;
            }
            Some(OverflowAction::TransferTo(to))
                if entry.hops < MAX_OVERFLOW_HOPS
                    && to != entry.queue
                    && queues.iter().any(|s| s.queue.id == to) =>
            {
                out.transfers.push(overflowed(Some(to)));
                continue;
            }
            Some(OverflowAction::AssignAnyway) if !entry.kept => {
                entry.kept = true;
                out.kept.push(overflowed(None));
            }
            _ => {}
        }
        if open || entry.kept {
            out.offerable.push(conv);
        } else {
            out.wake = earliest(out.wake, served.opens_at);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::WorkstreamId;
    use crate::domain::queue::{AssignmentMethod, OverflowRule};
    use crate::domain::workstream::QueueName;

    fn served(id: u64, priority: u32, open: bool, overflow: Vec<OverflowRule>) -> Served {
        Served {
            queue: Queue {
                id: QueueId::new(id),
                workstream_id: WorkstreamId::new(1),
                name: QueueName::parse(&format!("Q{id}")).expect("name"),
                priority,
                method: AssignmentMethod::HighestCapacity,
                hours: None,
                overflow,
                fallback: false,
            },
            members: Vec::new(),
            openness: if open {
                Openness::Open
            } else {
                Openness::Closed
            },
            opens_at: (!open).then_some(Timestamp::from_millis(9_000_000)),
        }
    }

    fn waiting(list: &[(u64, u64, i64)]) -> HashMap<ConversationId, Entry> {
        list.iter()
            .map(|(conv, queue, at)| {
                (
                    ConversationId::new(*conv),
                    Entry::new(Placement {
                        queue: QueueId::new(*queue),
                        entered_at: Timestamp::from_millis(*at),
                        hops: 0,
                    }),
                )
            })
            .collect()
    }

    fn ids(v: &[ConversationId]) -> Vec<u64> {
        v.iter().map(|c| c.get()).collect()
    }

    #[test]
    fn higher_priority_queues_first_then_oldest_first() {
        let queues = [served(1, 20, true, vec![]), served(2, 5, true, vec![])];
        let entries = waiting(&[(10, 1, 100), (11, 2, 300), (12, 1, 50), (13, 2, 200)]);
        assert_eq!(ids(&order(&entries, &queues)), vec![13, 11, 12, 10]);
    }

    #[test]
    fn a_closed_queue_waits_for_its_opening_and_tells_the_customer_once() {
        let queues = [served(1, 1, false, vec![])];
        let mut entries = waiting(&[(10, 1, 0)]);
        let r = review(&mut entries, &queues, Timestamp::from_millis(1_000));
        assert!(r.offerable.is_empty());
        assert_eq!(r.closed, vec![(ConversationId::new(10), None)]);
        assert_eq!(r.wake, Some(Timestamp::from_millis(9_000_000)));
        let again = review(&mut entries, &queues, Timestamp::from_millis(2_000));
        assert!(again.closed.is_empty(), "told once");
    }

    #[test]
    fn every_overflow_action_applies() {
        let rule = |condition, action| OverflowRule { condition, action };
        let queues = [
            served(
                1,
                1,
                false,
                vec![rule(
                    OverflowCondition::OutOfHours,
                    OverflowAction::AssignAnyway,
                )],
            ),
            served(
                2,
                2,
                true,
                vec![rule(
                    OverflowCondition::MoreWaiting(1),
                    OverflowAction::TransferTo(QueueId::new(3)),
                )],
            ),
            served(
                3,
                3,
                true,
                vec![rule(
                    OverflowCondition::WaitedLonger(1),
                    OverflowAction::End,
                )],
            ),
        ];
        let now = Timestamp::from_millis(120_000);
        let mut entries = waiting(&[
            (10, 1, 100_000), // closed, assign anyway: offered, kept once
            (20, 2, 1),       // first in queue 2
            (21, 2, 2),       // one ahead: not more than one
            (22, 2, 3),       // two ahead: transferred to 3
            (30, 3, 0),       // waited two minutes: ended
            (31, 3, 100_000), // waited 20 s: stays
        ]);
        let r = review(&mut entries, &queues, now);
        assert_eq!(ids(&r.offerable), vec![10, 20, 21, 31]);
        assert_eq!(r.kept.len(), 1);
        assert_eq!(r.transfers.len(), 1);
        assert_eq!(r.transfers[0].conversation, ConversationId::new(22));
        assert_eq!(r.transfers[0].to, Some(QueueId::new(3)));
        assert_eq!(r.ends.len(), 1);
        assert_eq!(r.ends[0].conversation, ConversationId::new(30));
        assert_eq!(
            r.wake,
            Some(Timestamp::from_millis(160_001)),
            "31 has waited long enough at 100 s + 1 min"
        );
        let again = review(&mut entries, &queues, now);
        assert!(
            again.kept.is_empty(),
            "the assign-anyway line is written once"
        );
    }

    #[test]
    fn overflow_transfers_stop_after_the_hop_limit() {
        let queues = [
            served(
                1,
                1,
                false,
                vec![OverflowRule {
                    condition: OverflowCondition::OutOfHours,
                    action: OverflowAction::TransferTo(QueueId::new(2)),
                }],
            ),
            served(2, 2, true, vec![]),
        ];
        let mut entries = waiting(&[(10, 1, 0)]);
        if let Some(e) = entries.get_mut(&ConversationId::new(10)) {
            e.hops = MAX_OVERFLOW_HOPS;
        }
        let r = review(&mut entries, &queues, Timestamp::from_millis(1));
        assert!(r.transfers.is_empty());
        assert!(r.offerable.is_empty(), "it waits for the opening instead");
    }

    #[test]
    fn hours_combine_closed_wins_and_a_holiday_says_so() {
        use crate::domain::hours::{DayHours, Holiday, ZoneName};
        let zone = ZoneName::parse("UTC").expect("zone");
        let always = Schedule::new(
            &zone,
            &vec![DayHours::open(0, 24 * 60).expect("day"); 7],
            &[],
        )
        .expect("schedule");
        let holiday = Holiday::parse("1970-01-01", "New Year").expect("holiday");
        let off = Schedule::new(
            &zone,
            &vec![DayHours::open(0, 24 * 60).expect("day"); 7],
            &[holiday],
        )
        .expect("schedule");
        let now = Timestamp::from_millis(1_000);
        assert_eq!(openness(&[&always], now).0, Openness::Open);
        let (o, at) = openness(&[&always, &off], now);
        assert_eq!(o, Openness::Holiday("New Year".into()));
        assert_eq!(at, Some(Timestamp::from_millis(86_400_000)));
    }
}
