//! The numbers of a report, computed from the facts of the conversations opened in its range
//! (definitions in `DEFINITIONS`, shown on the page). Pure: the same facts give the same report.

use super::fact::ConversationFact;
use super::query::{Filters, ReportRange};
use super::stats::Summary;
use crate::domain::UserId;
use jiff::civil::Date;
use std::collections::BTreeMap;

/// How each number is counted, in the words the page shows.
pub const DEFINITIONS: [(&str, &str); 9] = [
    (
        "Opened",
        "Conversations whose first customer message arrived in the range (the range is in your time zone).",
    ),
    (
        "Handled",
        "Opened conversations an agent accepted or picked.",
    ),
    (
        "Abandoned",
        "Closed without ever being assigned to an agent, the bot not having handed them off.",
    ),
    (
        "Abandoned after bot hand-off",
        "Closed without ever being assigned to an agent after the bot handed them to routing: counted apart from the abandoned.",
    ),
    (
        "Transferred",
        "Conversations sent on at least once, by an agent or by an overflow rule.",
    ),
    (
        "First response time",
        "From the customer's first message to the first message an agent wrote; automated and bot messages do not count.",
    ),
    (
        "Handle time",
        "From the first accept to the close; wrap-up (from End to the close) is shown apart.",
    ),
    (
        "Time in queue",
        "The sum of the conversation's stays in queues, across transfers, of the conversations whose stay ended (assigned, closed or moved on).",
    ),
    (
        "CSAT",
        "The average survey rating (1 to 5), its distribution, and the response rate: answers ÷ surveys sent.",
    ),
];

/// Counts of one slice of the report (the whole, an hour, a day).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub opened: u32,
    pub handled: u32,
    pub abandoned: u32,
    pub abandoned_after_bot: u32,
    pub transferred: u32,
}

impl Counts {
    fn add(&mut self, f: &ConversationFact) {
        self.opened += 1;
        if f.ever_assigned {
            self.handled += 1;
        }
        if f.abandoned() {
            if f.bot_handoff {
                self.abandoned_after_bot += 1;
            } else {
                self.abandoned += 1;
            }
        }
        if f.transfers > 0 {
            self.transferred += 1;
        }
    }
}

/// The survey results.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CsatSummary {
    pub sent: u32,
    pub answers: u32,
    /// Answers rating 1, 2, 3, 4 and 5.
    pub distribution: [u32; 5],
}

impl CsatSummary {
    fn add(&mut self, f: &ConversationFact) {
        if f.survey_sent_at.is_some() {
            self.sent += 1;
        }
        if let Some(c) = f.csat {
            self.answers += 1;
            self.distribution[usize::from(c.get() - 1)] += 1;
        }
    }

    pub fn average(&self) -> Option<f64> {
        let total: u32 = (1..=5u32).zip(self.distribution).map(|(r, n)| r * n).sum();
        (self.answers > 0).then(|| f64::from(total) / f64::from(self.answers))
    }

    /// Answers ÷ surveys sent.
    pub fn response_rate(&self) -> Option<f64> {
        (self.sent > 0).then(|| f64::from(self.answers) / f64::from(self.sent))
    }
}

/// One agent's row: the conversations they had last (handle time, wrap-up, ratings), and the
/// first responses they wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentRow {
    pub agent: UserId,
    /// Conversations they were assigned (each agent of a transferred one counts it).
    pub assigned: u32,
    /// Closed while theirs.
    pub closed: u32,
    pub transferred: u32,
    pub handle: Summary,
    pub wrap_up: Summary,
    pub first_response: Summary,
    pub csat: CsatSummary,
}

/// One day of the range.
#[derive(Debug, Clone, PartialEq)]
pub struct DayRow {
    pub day: Date,
    pub counts: Counts,
    pub first_response: Summary,
}

/// Everything the page and the exports show.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub counts: Counts,
    pub first_response: Summary,
    pub handle: Summary,
    pub wrap_up: Summary,
    pub queue: Summary,
    pub csat: CsatSummary,
    pub agents: Vec<AgentRow>,
    /// Hours 0–23 of the viewer's day.
    pub by_hour: [Counts; 24],
    pub by_day: Vec<DayRow>,
    /// The conversations counted, in the order they opened.
    pub conversations: Vec<ConversationFact>,
}

#[derive(Default)]
struct AgentAcc {
    assigned: u32,
    closed: u32,
    transferred: u32,
    handle: Vec<u64>,
    wrap_up: Vec<u64>,
    first_response: Vec<u64>,
    csat: CsatSummary,
}

impl Report {
    /// The report over `facts` (those opened in `range`; others are skipped) that `filters` keep.
    pub fn compute(facts: Vec<ConversationFact>, range: &ReportRange, filters: &Filters) -> Self {
        let mut counts = Counts::default();
        let (mut frt, mut handle, mut wrap, mut queue) = (vec![], vec![], vec![], vec![]);
        let mut csat = CsatSummary::default();
        let mut by_hour = [Counts::default(); 24];
        let mut days: BTreeMap<Date, (Counts, Vec<u64>)> = range
            .days()
            .into_iter()
            .map(|d| (d, Default::default()))
            .collect();
        let mut agents: BTreeMap<UserId, AgentAcc> = BTreeMap::new();
        let mut kept = Vec::new();
        for f in facts {
            if f.opened_at < range.start || f.opened_at >= range.end || !filters.matches(&f) {
                continue;
            }
            counts.add(&f);
            csat.add(&f);
            let r = f.first_response_ms();
            frt.extend(r);
            handle.extend(f.handle_ms());
            wrap.extend(f.wrap_up_ms());
            if f.queue_stays > 0 {
                queue.push(f.queued_ms);
            }
            if let Some((day, hour)) = range.local(f.opened_at) {
                if let Some(h) = usize::try_from(hour).ok().and_then(|h| by_hour.get_mut(h)) {
                    h.add(&f);
                }
                if let Some((c, v)) = days.get_mut(&day) {
                    c.add(&f);
                    v.extend(r);
                }
            }
            for a in &f.agents {
                let acc = agents.entry(*a).or_default();
                acc.assigned += 1;
                if f.transfers > 0 && f.agent != Some(*a) {
                    acc.transferred += 1;
                }
            }
            if let Some(a) = f.agent {
                let acc = agents.entry(a).or_default();
                if f.state.is_closed() {
                    acc.closed += 1;
                }
                acc.handle.extend(f.handle_ms());
                acc.wrap_up.extend(f.wrap_up_ms());
                acc.first_response.extend(r);
                acc.csat.add(&f);
            }
            kept.push(f);
        }
        kept.sort_by_key(|f| (f.opened_at, f.conversation));
        let agents = agents
            .into_iter()
            .filter(|(a, _)| filters.agent.is_none_or(|only| only == *a))
            .map(|(agent, a)| AgentRow {
                agent,
                assigned: a.assigned,
                closed: a.closed,
                transferred: a.transferred,
                handle: Summary::of(a.handle),
                wrap_up: Summary::of(a.wrap_up),
                first_response: Summary::of(a.first_response),
                csat: a.csat,
            })
            .collect();
        Self {
            counts,
            first_response: Summary::of(frt),
            handle: Summary::of(handle),
            wrap_up: Summary::of(wrap),
            queue: Summary::of(queue),
            csat,
            agents,
            by_hour,
            by_day: days
                .into_iter()
                .map(|(day, (counts, v))| DayRow {
                    day,
                    counts,
                    first_response: Summary::of(v),
                })
                .collect(),
            conversations: kept,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::reports::fact::{Csat, Snapshot, Via};
    use crate::domain::{
        Channel, ConversationId, ConversationState, NumberId, QueueId, Timestamp, WorkstreamId,
    };
    use jiff::tz::TimeZone;

    const DAY0: i64 = 1_772_323_200_000; // 2026-03-01 00:00 UTC

    fn fact(id: u64, opened_min: i64) -> ConversationFact {
        let s = Snapshot {
            conversation: ConversationId::new(id),
            workstream: Some(WorkstreamId::new(1)),
            channel: Channel::WhatsApp,
            number: NumberId::new(1),
            agent: None,
            state: ConversationState::Open,
            opened_at: Timestamp::from_millis(DAY0 + opened_min * 60_000),
            closed_at: None,
            stays: vec![],
            waiting_in: Some(QueueId::new(1)),
            agents: vec![],
        };
        ConversationFact::new(&s, Via::Twilio)
    }

    fn t(min: i64) -> Option<Timestamp> {
        Some(Timestamp::from_millis(DAY0 + min * 60_000))
    }

    fn handled(id: u64, opened: i64, agent: u64, frt_min: i64, closed: i64) -> ConversationFact {
        let mut f = fact(id, opened);
        f.ever_assigned = true;
        f.agents = vec![UserId::new(agent)];
        f.agent = Some(UserId::new(agent));
        f.first_customer_at = t(opened);
        f.first_assigned_at = t(opened + 1);
        f.first_agent_at = t(opened + frt_min);
        f.ended_at = t(closed - 1);
        f.closed_at = t(closed);
        f.state = ConversationState::Closed;
        f.queued_ms = 60_000;
        f.queue_stays = 1;
        f
    }

    #[test]
    fn counts_medians_and_agents_by_the_definitions() {
        let mut abandoned = fact(4, 30);
        abandoned.state = ConversationState::Closed;
        let mut after_bot = fact(5, 40);
        after_bot.state = ConversationState::Closed;
        after_bot.bot_handoff = true;
        let mut rated = handled(3, 20, 8, 4, 40);
        rated.survey_sent_at = t(41);
        rated.csat = Some(Csat::parse(4).unwrap());
        let mut unanswered = handled(6, 50, 8, 1, 60);
        unanswered.survey_sent_at = t(61);
        unanswered.transfers = 1;
        let facts = vec![
            handled(1, 0, 7, 2, 10),
            handled(2, 5, 7, 3, 25),
            rated,
            abandoned,
            after_bot,
            unanswered,
        ];
        let range = ReportRange::new(
            "2026-03-01".parse().unwrap(),
            "2026-03-01".parse().unwrap(),
            TimeZone::UTC,
        )
        .unwrap();
        let r = Report::compute(facts, &range, &Filters::default());
        assert_eq!(
            r.counts,
            Counts {
                opened: 6,
                handled: 4,
                abandoned: 1,
                abandoned_after_bot: 1,
                transferred: 1
            }
        );
        assert_eq!(r.first_response.median_ms, Some(150_000), "1, 2, 3, 4 min");
        assert_eq!(r.first_response.p90_ms, Some(240_000));
        assert_eq!(r.handle.median_ms, Some(14 * 60_000), "9, 9, 19, 19 min");
        assert_eq!(r.wrap_up.median_ms, Some(60_000));
        assert_eq!(r.queue.count, 4);
        assert_eq!(
            (r.csat.sent, r.csat.answers, r.csat.distribution),
            (2, 1, [0, 0, 0, 1, 0])
        );
        assert_eq!(r.csat.response_rate(), Some(0.5));
        assert_eq!(r.agents.len(), 2);
        assert_eq!((r.agents[0].agent, r.agents[0].closed), (UserId::new(7), 2));
        assert_eq!(r.agents[0].first_response.median_ms, Some(150_000));
        assert_eq!(r.by_hour[0].opened, 6);
        assert_eq!(r.by_day.len(), 1);
        let only = Filters {
            agent: Some(UserId::new(8)),
            ..Filters::default()
        };
        let r = Report::compute(r.conversations, &range, &only);
        assert_eq!(r.counts.opened, 2);
        assert_eq!(
            r.agents.iter().map(|a| a.agent).collect::<Vec<_>>(),
            vec![UserId::new(8)]
        );
    }

    #[test]
    fn hours_are_the_viewers_hours() {
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        let range = ReportRange::new(
            "2026-03-01".parse().unwrap(),
            "2026-03-01".parse().unwrap(),
            berlin,
        )
        .unwrap();
        // 2026-03-01 10:00 UTC is 11:00 in Berlin; 23:30 UTC on Feb 28 is 00:30 on March 1.
        let r = Report::compute(
            vec![fact(1, 600), fact(2, -30), fact(3, 23 * 60 + 30)],
            &range,
            &Filters::default(),
        );
        assert_eq!(r.by_hour[11].opened, 1);
        assert_eq!(r.by_hour[0].opened, 1);
        assert_eq!(
            r.counts.opened, 2,
            "23:30 UTC on March 1 is March 2 in Berlin"
        );
    }
}
