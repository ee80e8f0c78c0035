//! The facts reports read for one conversation: who, where, and when each step of its life
//! happened. Kept up to date inside every write that changes the conversation, and rebuilt from
//! the thread by the same fold (`ConversationFact::fold`) when a store has none yet.

use super::lines::{LineKind, classify};
use crate::domain::{
    Channel, ConversationId, ConversationState, Direction, NumberId, QueueId, Timestamp, UserId,
    WorkstreamId,
};
use serde::{Deserialize, Serialize};

/// Which provider carries the conversation's channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Via {
    Twilio,
    Acs,
    Simulator,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Twilio => "twilio",
            Self::Acs => "acs",
            Self::Simulator => "simulator",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Twilio => "Twilio",
            Self::Acs => "Azure Communication Services",
            Self::Simulator => "Simulator",
        }
    }
}

/// A customer satisfaction rating, 1 (worst) to 5 (best).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Csat(u8);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a rating is a whole number from 1 to 5, not {0}")]
pub struct CsatError(pub u8);

impl Csat {
    pub fn parse(n: u8) -> Result<Self, CsatError> {
        if (1..=5).contains(&n) {
            Ok(Self(n))
        } else {
            Err(CsatError(n))
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Csat {
    type Error = CsatError;
    fn try_from(n: u8) -> Result<Self, CsatError> {
        Self::parse(n)
    }
}

impl From<Csat> for u8 {
    fn from(c: Csat) -> u8 {
        c.0
    }
}

/// One conversation, as reports see it. Times are instants; durations derive from them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationFact {
    pub conversation: ConversationId,
    pub workstream: Option<WorkstreamId>,
    /// Every queue it waited in, first stay first, each once.
    pub queues: Vec<QueueId>,
    pub channel: Channel,
    pub via: Via,
    /// The business number the customer wrote to.
    pub number: NumberId,
    /// Every agent who was assigned it, by id.
    pub agents: Vec<UserId>,
    /// The agent who has it now, or had it last.
    pub agent: Option<UserId>,
    pub state: ConversationState,
    pub opened_at: Timestamp,
    /// The first accept (or pick) by an agent: an assignment in omnidesk is an accept, since an
    /// offer an agent did not take gives nobody the conversation.
    pub first_assigned_at: Option<Timestamp>,
    /// The accept by the agent who has it now or had it last (after a transfer, the receiver's).
    pub accepted_at: Option<Timestamp>,
    pub first_customer_at: Option<Timestamp>,
    /// The first message an agent wrote after the first customer message (automated and bot
    /// messages are not agents').
    pub first_agent_at: Option<Timestamp>,
    /// When the agent last ended it (wrap-up began).
    pub ended_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    /// The sum of its finished stays in queues, across transfers.
    pub queued_ms: u64,
    /// How many stays in queues ended (assigned, closed or moved on).
    pub queue_stays: u32,
    /// Transfers by agents and by overflow rules.
    pub transfers: u32,
    pub bot_handoff: bool,
    pub ever_assigned: bool,
    pub survey_sent_at: Option<Timestamp>,
    pub csat: Option<Csat>,
    /// The last message seq folded in: the next update folds only the messages after it.
    pub seen_seq: u64,
}

/// What a message contributes to the facts.
#[derive(Debug, Clone, Copy)]
pub struct MessageView<'a> {
    pub seq: u64,
    pub direction: Direction,
    pub author: Option<UserId>,
    pub body: &'a str,
    pub at: Timestamp,
}

/// What the conversation record and its queue and participant rows say now.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub conversation: ConversationId,
    pub workstream: Option<WorkstreamId>,
    pub channel: Channel,
    pub number: NumberId,
    pub agent: Option<UserId>,
    pub state: ConversationState,
    pub opened_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    /// Finished stays: (queue, entered, left), in the order they began.
    pub stays: Vec<(QueueId, Timestamp, Timestamp)>,
    /// The queue it waits in now.
    pub waiting_in: Option<QueueId>,
    /// Users who held it as its agent.
    pub agents: Vec<UserId>,
}

impl ConversationFact {
    /// The facts of a conversation nothing is known of yet but its record.
    pub fn new(s: &Snapshot, via: Via) -> Self {
        let mut f = Self {
            conversation: s.conversation,
            workstream: s.workstream,
            queues: Vec::new(),
            channel: s.channel,
            via,
            number: s.number,
            agents: Vec::new(),
            agent: None,
            state: s.state,
            opened_at: s.opened_at,
            first_assigned_at: None,
            accepted_at: None,
            first_customer_at: None,
            first_agent_at: None,
            ended_at: None,
            closed_at: None,
            queued_ms: 0,
            queue_stays: 0,
            transfers: 0,
            bot_handoff: false,
            ever_assigned: false,
            survey_sent_at: None,
            csat: None,
            seen_seq: 0,
        };
        f.apply(s);
        f
    }

    /// Folds one message in; messages at or before `seen_seq` are already counted.
    pub fn fold(&mut self, m: MessageView<'_>) {
        if m.seq <= self.seen_seq {
            return;
        }
        self.seen_seq = m.seq;
        match m.direction {
            Direction::Inbound => {
                self.first_customer_at.get_or_insert(m.at);
            }
            Direction::Outbound if m.author.is_some() => {
                if self.first_customer_at.is_some() && self.first_agent_at.is_none() {
                    self.first_agent_at = Some(m.at);
                }
            }
            Direction::System => match classify(m.body) {
                Some(LineKind::Assigned) => {
                    self.first_assigned_at.get_or_insert(m.at);
                    self.accepted_at = Some(m.at);
                    self.ever_assigned = true;
                }
                Some(LineKind::Transferred) => self.transfers += 1,
                Some(LineKind::Ended) => self.ended_at = Some(m.at),
                Some(LineKind::BotHandOff) => self.bot_handoff = true,
                None => {}
            },
            Direction::Outbound | Direction::Automated | Direction::Note => {}
        }
    }

    /// Takes what the record and its rows say now (state, agent, queues, close).
    pub fn apply(&mut self, s: &Snapshot) {
        self.workstream = s.workstream;
        self.channel = s.channel;
        self.number = s.number;
        self.state = s.state;
        self.opened_at = s.opened_at;
        self.closed_at = s.closed_at;
        if s.agent.is_some() {
            self.agent = s.agent;
        }
        for a in &s.agents {
            if !self.agents.contains(a) {
                self.agents.push(*a);
            }
        }
        self.agents.sort_unstable();
        if !self.agents.is_empty() {
            self.ever_assigned = true;
        }
        self.queues.clear();
        let mut queued = 0u64;
        for (q, entered, left) in &s.stays {
            if !self.queues.contains(q) {
                self.queues.push(*q);
            }
            queued = queued.saturating_add(entered.until(*left).as_millis() as u64);
        }
        if let Some(q) = s.waiting_in.filter(|q| !self.queues.contains(q)) {
            self.queues.push(q);
        }
        self.queued_ms = queued;
        self.queue_stays = u32::try_from(s.stays.len()).unwrap_or(u32::MAX);
    }

    /// Closed without ever being assigned to an agent.
    pub fn abandoned(&self) -> bool {
        self.state.is_closed() && !self.ever_assigned
    }

    /// First customer message → first agent message.
    pub fn first_response_ms(&self) -> Option<u64> {
        span(self.first_customer_at?, self.first_agent_at?)
    }

    /// First accept → close.
    pub fn handle_ms(&self) -> Option<u64> {
        span(self.first_assigned_at?, self.closed_at?)
    }

    /// End (wrap-up start) → close.
    pub fn wrap_up_ms(&self) -> Option<u64> {
        span(self.ended_at?, self.closed_at?)
    }
}

fn span(from: Timestamp, to: Timestamp) -> Option<u64> {
    (to >= from).then(|| from.until(to).as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::timeline::{StateChange, TransferTarget};

    fn at(s: i64) -> Timestamp {
        Timestamp::from_millis(s * 1000)
    }

    fn snapshot() -> Snapshot {
        Snapshot {
            conversation: ConversationId::new(1),
            workstream: Some(WorkstreamId::new(2)),
            channel: Channel::WhatsApp,
            number: NumberId::new(3),
            agent: None,
            state: ConversationState::Open,
            opened_at: at(0),
            closed_at: None,
            stays: vec![],
            waiting_in: Some(QueueId::new(7)),
            agents: vec![],
        }
    }

    fn msg(
        seq: u64,
        direction: Direction,
        author: Option<u64>,
        body: &str,
        s: i64,
    ) -> MessageView<'_> {
        MessageView {
            seq,
            direction,
            author: author.map(UserId::new),
            body,
            at: at(s),
        }
    }

    #[test]
    fn a_handled_conversation_folds_into_its_times() {
        let mut s = snapshot();
        let mut f = ConversationFact::new(&s, Via::Twilio);
        let assigned = StateChange::Assigned {
            agent: "Ana".into(),
        }
        .text();
        let transfer = StateChange::Transferred {
            by: "Ana".into(),
            to: TransferTarget::Queue,
            note: None,
        }
        .text();
        let ended = StateChange::Ended { by: "Ben".into() }.text();
        for m in [
            msg(1, Direction::Inbound, None, "hi", 0),
            msg(2, Direction::Automated, None, "you are number 1", 1),
            msg(3, Direction::System, None, &assigned, 30),
            msg(4, Direction::Outbound, Some(9), "hello", 50),
            msg(5, Direction::System, Some(9), &transfer, 60),
            msg(6, Direction::System, None, &assigned, 100),
            msg(7, Direction::System, Some(10), &ended, 200),
        ] {
            f.fold(m);
        }
        s.state = ConversationState::Closed;
        s.closed_at = Some(at(230));
        s.agent = Some(UserId::new(10));
        s.agents = vec![UserId::new(9), UserId::new(10)];
        s.stays = vec![
            (QueueId::new(7), at(0), at(30)),
            (QueueId::new(8), at(60), at(100)),
        ];
        s.waiting_in = None;
        f.apply(&s);
        assert_eq!(f.first_response_ms(), Some(50_000));
        assert_eq!(f.handle_ms(), Some(200_000), "first accept to close");
        assert_eq!(f.wrap_up_ms(), Some(30_000));
        assert_eq!(f.accepted_at, Some(at(100)), "the last agent's accept");
        assert_eq!(f.queued_ms, 70_000, "both stays, across the transfer");
        assert_eq!(f.queues, vec![QueueId::new(7), QueueId::new(8)]);
        assert_eq!(f.transfers, 1);
        assert!(f.ever_assigned && !f.abandoned());
        assert_eq!(f.seen_seq, 7);
        let before = f.clone();
        f.fold(msg(3, Direction::System, None, &assigned, 999));
        assert_eq!(f, before, "a message already folded is not counted twice");
    }

    #[test]
    fn an_agent_writing_first_is_no_response_and_bots_are_no_agents() {
        let mut f = ConversationFact::new(&snapshot(), Via::Acs);
        f.fold(msg(1, Direction::Outbound, Some(9), "template", 0));
        f.fold(msg(2, Direction::Outbound, None, "bot reply", 1));
        assert_eq!(f.first_response_ms(), None);
        f.fold(msg(3, Direction::Inbound, None, "hi", 10));
        f.fold(msg(4, Direction::Automated, None, "bot", 11));
        f.fold(msg(5, Direction::Outbound, Some(9), "hello", 25));
        assert_eq!(f.first_response_ms(), Some(15_000));
    }

    #[test]
    fn ratings_are_one_to_five() {
        assert!(Csat::parse(0).is_err());
        assert!(Csat::parse(6).is_err());
        assert_eq!(Csat::parse(5).unwrap().get(), 5);
        let bad: Result<Csat, _> = postcard::from_bytes(&[9]);
        assert!(bad.is_err(), "a stored 9 is refused, not read as a rating");
    }
}
