//! What a report covers: a range of days in the viewer's time zone and the filters (workstream,
//! queue, channel, agent), parsed from the form's strings with a reason for every refusal.

use super::fact::{ConversationFact, Via};
use crate::domain::{Channel, QueueId, Timestamp, UserId, WorkstreamId};
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// The longest range one report covers.
pub const MAX_DAYS: i64 = 366;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("“{field}” must be a date written YYYY-MM-DD, not “{value}”.")]
    BadDate { field: &'static str, value: String },
    #[error("The range ends before it starts: “To” must be on or after “From”.")]
    Reversed,
    #[error("A report covers at most {MAX_DAYS} days; choose a shorter range.")]
    TooLong,
    #[error("“{field}” is not one of the choices offered (“{value}”).")]
    BadChoice { field: &'static str, value: String },
}

/// Whole days `from`..=`to` in `zone`, as the instants `start`..`end` (end exclusive).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRange {
    pub from: Date,
    pub to: Date,
    pub zone: TimeZone,
    pub start: Timestamp,
    pub end: Timestamp,
}

impl ReportRange {
    /// The range the form asked for; an empty field means the last 7 days up to `today`.
    pub fn parse(from: &str, to: &str, zone: TimeZone, now: Timestamp) -> Result<Self, QueryError> {
        let today = jiff::Timestamp::from_millisecond(now.as_millis())
            .map(|t| t.to_zoned(zone.clone()).date())
            .unwrap_or_default();
        let to = match to.trim() {
            "" => today,
            s => parse_date("To", s)?,
        };
        let from = match from.trim() {
            "" => to.checked_sub(jiff::Span::new().days(6)).unwrap_or(to),
            s => parse_date("From", s)?,
        };
        Self::new(from, to, zone)
    }

    pub fn new(from: Date, to: Date, zone: TimeZone) -> Result<Self, QueryError> {
        if to < from {
            return Err(QueryError::Reversed);
        }
        let days = from.until(to).map(|s| s.get_days()).unwrap_or(i32::MAX);
        if i64::from(days) >= MAX_DAYS {
            return Err(QueryError::TooLong);
        }
        let start = start_of(from, &zone).ok_or(QueryError::TooLong)?;
        let after = to.tomorrow().map_err(|_| QueryError::TooLong)?;
        let end = start_of(after, &zone).ok_or(QueryError::TooLong)?;
        Ok(Self {
            from,
            to,
            zone,
            start,
            end,
        })
    }

    /// The days of the range, in order.
    pub fn days(&self) -> Vec<Date> {
        let mut out = Vec::new();
        let mut d = self.from;
        while d <= self.to {
            out.push(d);
            match d.tomorrow() {
                Ok(n) => d = n,
                Err(_) => break,
            }
        }
        out
    }

    /// The day and hour of `t` in the range's zone.
    pub fn local(&self, t: Timestamp) -> Option<(Date, i8)> {
        let z = jiff::Timestamp::from_millisecond(t.as_millis())
            .ok()?
            .to_zoned(self.zone.clone());
        Some((z.date(), z.hour()))
    }

    /// The zone's name for the page ("UTC" when it has none).
    pub fn zone_name(&self) -> String {
        self.zone.iana_name().unwrap_or("UTC").to_owned()
    }
}

fn start_of(d: Date, zone: &TimeZone) -> Option<Timestamp> {
    let z = d.to_zoned(zone.clone()).ok()?;
    Some(Timestamp::from_millis(z.timestamp().as_millisecond()))
}

fn parse_date(field: &'static str, s: &str) -> Result<Date, QueryError> {
    let bad = || QueryError::BadDate {
        field,
        value: s.chars().take(40).collect(),
    };
    // Exactly YYYY-MM-DD: jiff also reads forms a person would not mean here.
    let shaped = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return Err(bad());
    }
    s.parse::<Date>().map_err(|_| bad())
}

/// A channel and, optionally, the provider carrying it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelFilter {
    pub channel: Channel,
    pub via: Option<Via>,
}

impl ChannelFilter {
    /// The choices the form offers: (value, label).
    pub const CHOICES: [(&'static str, &'static str); 7] = [
        ("whatsapp", "WhatsApp (any provider)"),
        ("whatsapp:twilio", "WhatsApp through Twilio"),
        (
            "whatsapp:acs",
            "WhatsApp through Azure Communication Services",
        ),
        ("whatsapp:simulator", "WhatsApp on the Simulator"),
        ("sms", "SMS (any provider)"),
        ("sms:twilio", "SMS through Twilio"),
        ("sms:simulator", "SMS on the Simulator"),
    ];

    pub fn parse(s: &str) -> Result<Self, QueryError> {
        let bad = || QueryError::BadChoice {
            field: "Channel",
            value: s.chars().take(40).collect(),
        };
        let (channel, via) = match s.split_once(':') {
            Some((c, v)) => (c, Some(v)),
            None => (s, None),
        };
        let channel = match channel {
            "whatsapp" => Channel::WhatsApp,
            "sms" => Channel::Sms,
            _ => return Err(bad()),
        };
        let via = match via {
            None => None,
            Some("twilio") => Some(Via::Twilio),
            Some("acs") if channel == Channel::WhatsApp => Some(Via::Acs),
            Some("simulator") => Some(Via::Simulator),
            Some(_) => return Err(bad()),
        };
        Ok(Self { channel, via })
    }

    pub fn as_value(&self) -> String {
        match self.via {
            Some(v) => format!("{}:{}", self.channel.as_str(), v.as_str()),
            None => self.channel.as_str().to_owned(),
        }
    }
}

/// Which conversations of the range a report counts. None: all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub workstream: Option<WorkstreamId>,
    pub queue: Option<QueueId>,
    pub channel: Option<ChannelFilter>,
    pub agent: Option<UserId>,
}

impl Filters {
    /// Reads the form's fields; an empty field is no filter.
    pub fn parse(
        workstream: &str,
        queue: &str,
        channel: &str,
        agent: &str,
    ) -> Result<Self, QueryError> {
        Ok(Self {
            workstream: id("Workstream", workstream)?.map(WorkstreamId::new),
            queue: id("Queue", queue)?.map(QueueId::new),
            channel: match channel.trim() {
                "" => None,
                s => Some(ChannelFilter::parse(s)?),
            },
            agent: id("Agent", agent)?.map(UserId::new),
        })
    }

    pub fn matches(&self, f: &ConversationFact) -> bool {
        self.workstream.is_none_or(|w| f.workstream == Some(w))
            && self.queue.is_none_or(|q| f.queues.contains(&q))
            && self
                .channel
                .is_none_or(|c| f.channel == c.channel && c.via.is_none_or(|v| f.via == v))
            && self.agent.is_none_or(|a| f.agents.contains(&a))
    }
}

fn id(field: &'static str, s: &str) -> Result<Option<u64>, QueryError> {
    match s.trim() {
        "" => Ok(None),
        s => s
            .parse::<u64>()
            .map(Some)
            .map_err(|_| QueryError::BadChoice {
                field,
                value: s.chars().take(40).collect(),
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap()
    }

    #[test]
    fn days_are_whole_days_in_the_viewers_zone() {
        let r = ReportRange::parse(
            "2026-03-01",
            "2026-03-02",
            zone("America/New_York"),
            Timestamp::from_millis(0),
        )
        .unwrap();
        // 2026-03-01 00:00 EST = 05:00 UTC; the range ends 2026-03-03 00:00 EST.
        assert_eq!(r.start.as_millis(), 1_772_341_200_000);
        assert_eq!(r.end.as_millis() - r.start.as_millis(), 2 * 86_400_000);
        assert_eq!(r.days().len(), 2);
        let (day, hour) = r.local(r.start).unwrap();
        assert_eq!((day.to_string(), hour), ("2026-03-01".to_owned(), 0));
    }

    #[test]
    fn an_empty_form_means_the_last_seven_days() {
        // 2026-03-10 12:00 UTC.
        let r = ReportRange::parse(
            "",
            "",
            zone("UTC"),
            Timestamp::from_millis(1_773_144_000_000),
        )
        .unwrap();
        assert_eq!(
            (r.from.to_string(), r.to.to_string()),
            ("2026-03-04".into(), "2026-03-10".into())
        );
    }

    #[test]
    fn bad_ranges_are_refused_with_the_reason() {
        let now = Timestamp::from_millis(0);
        for (from, to, why) in [
            ("2026-3-1", "", "not zero-padded"),
            ("yesterday", "", "not a date"),
            ("2026-02-30", "", "no such day"),
            ("2026-03-02", "2026-03-01", "reversed"),
            ("2024-01-01", "2026-01-01", "too long"),
            ("+002026-01-01", "", "jiff's extended year"),
        ] {
            assert!(
                ReportRange::parse(from, to, zone("UTC"), now).is_err(),
                "{why}"
            );
        }
        assert_eq!(
            ReportRange::parse("2026-03-02", "2026-03-01", zone("UTC"), now).unwrap_err(),
            QueryError::Reversed
        );
    }

    #[test]
    fn filters_parse_or_say_which_field_is_wrong() {
        let f = Filters::parse("3", "", "whatsapp:acs", " 9 ").unwrap();
        assert_eq!(f.workstream, Some(WorkstreamId::new(3)));
        assert_eq!(f.channel.map(|c| c.as_value()), Some("whatsapp:acs".into()));
        assert_eq!(f.agent, Some(UserId::new(9)));
        for (c, _) in ChannelFilter::CHOICES {
            assert_eq!(ChannelFilter::parse(c).unwrap().as_value(), c);
        }
        for (ws, q, ch, ag, field) in [
            ("x", "", "", "", "Workstream"),
            ("", "-1", "", "", "Queue"),
            ("", "", "sms:acs", "", "Channel"),
            ("", "", "fax", "", "Channel"),
            ("", "", "", "1.5", "Agent"),
        ] {
            let e = Filters::parse(ws, q, ch, ag).unwrap_err();
            assert!(e.to_string().contains(field), "{e}");
        }
    }
}
