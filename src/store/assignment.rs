//! Conversation transitions that involve an agent: assign (accept or pick), end (→ Wrap-up),
//! close the session (→ Waiting), transfer, return to the queue, close. Each is one write that
//! re-checks the stored state (so two agents racing for one conversation cannot both win), keeps
//! the capacity ledger (`conversation_hold`) and the participants, and writes the system line
//! that reports the change.

use super::records::Conversation;
use super::tables::{
    CONVERSATION_FLAG, CONVERSATION_HOLD, CONVERSATION_PARTICIPANTS, CONVERSATION_RECORD,
    NUMBERCUSTOMER_OPENCONVERSATION, USER_CONVERSATIONS,
};
use super::timeline::{append_line, user_name};
use super::{Store, StoreError, codec, get_record};
use crate::domain::participant::Participation;
use crate::domain::timeline::{CloseReason, StateChange, TransferTarget};
use crate::domain::{ConversationEvent, ConversationId, ConversationState, Timestamp, UserId};
use redb::{ReadableTable, WriteTransaction};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssignRefusal {
    #[error("No such conversation.")]
    Unknown,
    #[error("This conversation is already assigned to another agent.")]
    AlreadyAssigned,
    #[error("This conversation is not assigned to you.")]
    NotYours,
    #[error("{0}")]
    State(#[from] crate::domain::TransitionError),
}

/// The capacity an assignment holds: who, and how many units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hold {
    pub agent: UserId,
    pub units: u32,
}

/// Where a transfer sends the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transfer {
    /// Back to its queue, for anyone.
    Queue,
    /// Back to the queue, offered to this agent first (push mode).
    OfferTo(UserId),
    /// Straight to this agent, holding `units` of their capacity (pick mode).
    AssignTo(UserId, u32),
}

type Outcome = Result<Result<Conversation, AssignRefusal>, StoreError>;

/// What a transition does to the ledger besides its state change.
enum Ledger {
    Keep,
    Release,
    Take(Hold),
}

/// Applies `change` to the stored conversation, keeps the ledger, writes the line `change` returns
/// and saves, or refuses without writing.
fn update(
    tx: &WriteTransaction,
    id: ConversationId,
    now: Timestamp,
    change: impl FnOnce(&WriteTransaction, &mut Conversation) -> Result<Step, AssignRefusal>,
) -> Outcome {
    let mut convs = tx.open_table(CONVERSATION_RECORD)?;
    let Some(mut c) = get_record::<Conversation, _>(&convs, id.get())? else {
        return Ok(Err(AssignRefusal::Unknown));
    };
    let step = match change(tx, &mut c) {
        Ok(s) => s,
        Err(r) => return Ok(Err(r)),
    };
    match step.ledger {
        Ledger::Keep => {}
        Ledger::Release => release_in(tx, id)?,
        Ledger::Take(hold) => {
            release_in(tx, id)?;
            tx.open_table(CONVERSATION_HOLD)?
                .insert(id.get(), (hold.agent.get(), hold.units))?;
            tx.open_table(CONVERSATION_FLAG)?.remove(id.get())?;
            participate_in(tx, id, hold.agent, Participation::Agent)?;
        }
    }
    c.updated_at = now;
    if c.state != ConversationState::Open {
        super::placement::leave_queue(tx, id, now)?;
    }
    if c.state.is_closed() {
        c.closed_at = Some(now);
        release_in(tx, id)?;
        tx.open_table(CONVERSATION_FLAG)?.remove(id.get())?;
    }
    if let Some(line) = step.line {
        let text = line.resolve(tx)?;
        append_line(tx, &mut c, &text, step.author, now)?;
    }
    convs.insert(id.get(), codec::encode(&c)?.as_slice())?;
    super::facts::refresh(tx, &c)?;
    drop(convs);
    if c.state.is_closed() {
        tx.open_table(NUMBERCUSTOMER_OPENCONVERSATION)?
            .remove((c.number_id.get(), c.customer.as_str()))?;
    }
    Ok(Ok(c))
}

/// A system line whose names are looked up inside the transaction.
enum Line {
    Ready(StateChange),
    Assigned(UserId),
    Transferred {
        by: UserId,
        to: Option<UserId>,
        note: Option<String>,
    },
    SessionClosed(UserId),
    Ended(UserId),
    ClosedBy(UserId),
}

impl Line {
    fn resolve(self, tx: &WriteTransaction) -> Result<StateChange, StoreError> {
        Ok(match self {
            Self::Ready(s) => s,
            Self::Assigned(u) => StateChange::Assigned {
                agent: user_name(tx, u)?,
            },
            Self::Transferred { by, to, note } => StateChange::Transferred {
                by: user_name(tx, by)?,
                to: match to {
                    Some(u) => TransferTarget::Agent(user_name(tx, u)?),
                    None => TransferTarget::Queue,
                },
                note,
            },
            Self::SessionClosed(u) => StateChange::SessionClosed {
                by: user_name(tx, u)?,
            },
            Self::Ended(u) => StateChange::Ended {
                by: user_name(tx, u)?,
            },
            Self::ClosedBy(u) => StateChange::Closed(CloseReason::Agent(user_name(tx, u)?)),
        })
    }
}

struct Step {
    ledger: Ledger,
    line: Option<Line>,
    author: Option<UserId>,
}

impl Step {
    fn new(ledger: Ledger, line: Line, author: Option<UserId>) -> Self {
        Self {
            ledger,
            line: Some(line),
            author,
        }
    }
}

fn step(c: &mut Conversation, e: ConversationEvent) -> Result<(), AssignRefusal> {
    c.state = c.state.transition(e)?;
    Ok(())
}

fn must_be_agent(c: &Conversation, agent: UserId) -> Result<(), AssignRefusal> {
    if c.agent == Some(agent) {
        Ok(())
    } else {
        Err(AssignRefusal::NotYours)
    }
}

/// Removes the conversation's capacity hold, if it has one: releasing twice releases once.
pub(crate) fn release_in(tx: &WriteTransaction, id: ConversationId) -> Result<(), StoreError> {
    tx.open_table(CONVERSATION_HOLD)?.remove(id.get())?;
    Ok(())
}

/// Records that `user` took part in the conversation (the first role they had is kept).
pub(crate) fn participate_in(
    tx: &WriteTransaction,
    id: ConversationId,
    user: UserId,
    role: Participation,
) -> Result<(), StoreError> {
    let mut by_conv = tx.open_table(CONVERSATION_PARTICIPANTS)?;
    if by_conv.get((id.get(), user.get()))?.is_none() {
        by_conv.insert((id.get(), user.get()), role.code())?;
        tx.open_table(USER_CONVERSATIONS)?
            .insert((user.get(), id.get()), role.code())?;
    }
    Ok(())
}

impl Store {
    /// An agent takes the conversation (accepted offer or "Assign to me"): Open/Waiting → Active,
    /// holding `units` of their capacity.
    pub async fn assign(
        &self,
        id: ConversationId,
        agent: UserId,
        units: u32,
        now: Timestamp,
    ) -> Outcome {
        self.write(move |tx| {
            update(tx, id, now, |_, c| {
                if c.state == ConversationState::Active && c.agent != Some(agent) {
                    return Err(AssignRefusal::AlreadyAssigned);
                }
                step(c, ConversationEvent::Assign)?;
                c.agent = Some(agent);
                Ok(Step::new(
                    Ledger::Take(Hold { agent, units }),
                    Line::Assigned(agent),
                    None,
                ))
            })
        })
        .await
    }

    /// The agent ends the conversation: → Wrap-up. `release` gives the capacity back now (the
    /// workstream does not block it for wrap-up).
    pub async fn end_conversation(
        &self,
        id: ConversationId,
        agent: UserId,
        release: bool,
        now: Timestamp,
    ) -> Outcome {
        self.write(move |tx| {
            update(tx, id, now, |_, c| {
                must_be_agent(c, agent)?;
                step(c, ConversationEvent::End)?;
                let ledger = if release {
                    Ledger::Release
                } else {
                    Ledger::Keep
                };
                Ok(Step::new(ledger, Line::Ended(agent), Some(agent)))
            })
        })
        .await
    }

    /// The agent closes the session without ending: → Waiting (a customer reply reopens it); no
    /// capacity while waiting.
    pub async fn close_session(
        &self,
        id: ConversationId,
        agent: UserId,
        now: Timestamp,
    ) -> Outcome {
        self.write(move |tx| {
            update(tx, id, now, |_, c| {
                must_be_agent(c, agent)?;
                step(c, ConversationEvent::CloseSession)?;
                Ok(Step::new(
                    Ledger::Release,
                    Line::SessionClosed(agent),
                    Some(agent),
                ))
            })
        })
        .await
    }

    /// Sends the conversation on from its agent `from`, with an optional note for the receiver.
    pub async fn transfer(
        &self,
        id: ConversationId,
        from: UserId,
        to: Transfer,
        note: Option<String>,
        now: Timestamp,
    ) -> Outcome {
        self.write(move |tx| {
            let note = note.clone();
            update(tx, id, now, |_, c| {
                must_be_agent(c, from)?;
                step(c, ConversationEvent::Transfer)?;
                c.agent = None;
                let (ledger, receiver) = match to {
                    Transfer::Queue => (Ledger::Release, None),
                    Transfer::OfferTo(next) => (Ledger::Release, Some(next)),
                    Transfer::AssignTo(next, units) => {
                        step(c, ConversationEvent::Assign)?;
                        c.agent = Some(next);
                        (Ledger::Take(Hold { agent: next, units }), Some(next))
                    }
                };
                let line = Line::Transferred {
                    by: from,
                    to: receiver,
                    note,
                };
                Ok(Step::new(ledger, line, Some(from)))
            })
        })
        .await
    }

    /// An Active conversation goes back to its queue because its agent `agent` is away; `why`
    /// completes "Back in the queue: {agent} …". Refused if the agent changed meanwhile.
    pub async fn return_to_queue(
        &self,
        id: ConversationId,
        agent: UserId,
        why: String,
        now: Timestamp,
    ) -> Outcome {
        self.write(move |tx| {
            let why = why.clone();
            update(tx, id, now, |tx, c| {
                must_be_agent(c, agent)?;
                step(c, ConversationEvent::Transfer)?;
                c.agent = None;
                let line = StateChange::ReturnedToQueue {
                    agent: user_name(tx, agent).map_err(|_| AssignRefusal::Unknown)?,
                    why,
                };
                Ok(Step::new(Ledger::Release, Line::Ready(line), None))
            })
        })
        .await
    }

    /// Closes the conversation for good (its agent finishing wrap-up when `by` is set, else after
    /// inactivity); the next customer message opens a new one.
    pub async fn close_conversation(
        &self,
        id: ConversationId,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Outcome {
        self.write(move |tx| {
            update(tx, id, now, |_, c| {
                step(c, ConversationEvent::Close)?;
                let line = match by {
                    Some(u) => Line::ClosedBy(u),
                    None => Line::Ready(StateChange::Closed(CloseReason::Inactivity)),
                };
                Ok(Step::new(Ledger::Release, line, by))
            })
        })
        .await
    }

    /// An overflow rule ends a conversation still waiting for an agent: it closes with `line`.
    pub async fn end_by_overflow(
        &self,
        id: ConversationId,
        line: StateChange,
        now: Timestamp,
    ) -> Outcome {
        self.write(move |tx| {
            let line = line.clone();
            update(tx, id, now, |_, c| {
                if c.state != ConversationState::Open {
                    return Err(crate::domain::TransitionError {
                        from: c.state,
                        event: "be ended by an overflow rule",
                    }
                    .into());
                }
                step(c, ConversationEvent::Close)?;
                Ok(Step::new(Ledger::Release, Line::Ready(line), None))
            })
        })
        .await
    }

    /// Gives a Wrap-up conversation's capacity back (its timed wrap-up block is over).
    pub async fn release_hold(&self, id: ConversationId) -> Result<(), StoreError> {
        self.write(move |tx| release_in(tx, id)).await
    }

    /// Whether `user` took part in the conversation (was its agent, consultant or supervisor).
    pub async fn participated(&self, id: ConversationId, user: UserId) -> Result<bool, StoreError> {
        self.read(move |rtx| {
            Ok(rtx
                .open_table(CONVERSATION_PARTICIPANTS)?
                .get((id.get(), user.get()))?
                .is_some())
        })
        .await
    }

    /// Everyone who took part in the conversation, with their first role.
    pub async fn participants(
        &self,
        id: ConversationId,
    ) -> Result<Vec<(UserId, Participation)>, StoreError> {
        self.read(move |rtx| {
            let t = rtx.open_table(CONVERSATION_PARTICIPANTS)?;
            let mut out = Vec::new();
            for row in t.range((id.get(), 0)..=(id.get(), u64::MAX))? {
                let (k, v) = row?;
                if let Some(p) = Participation::from_code(v.value()) {
                    out.push((UserId::new(k.value().1), p));
                }
            }
            Ok(out)
        })
        .await
    }

    /// Every conversation `user` took part in, oldest first.
    pub async fn conversations_worked_on(
        &self,
        user: UserId,
    ) -> Result<Vec<ConversationId>, StoreError> {
        self.read(move |rtx| {
            let t = rtx.open_table(USER_CONVERSATIONS)?;
            let mut out = Vec::new();
            for row in t.range((user.get(), 0)..=(user.get(), u64::MAX))? {
                out.push(ConversationId::new(row?.0.value().1));
            }
            Ok(out)
        })
        .await
    }

    /// Every capacity hold (start-up: the roster's loads).
    pub fn holds_now(&self) -> Result<Vec<(ConversationId, Hold)>, StoreError> {
        self.read_now(|rtx| {
            let mut out = Vec::new();
            for row in rtx.open_table(CONVERSATION_HOLD)?.iter()? {
                let (k, v) = row?;
                let (agent, units) = v.value();
                out.push((
                    ConversationId::new(k.value()),
                    Hold {
                        agent: UserId::new(agent),
                        units,
                    },
                ));
            }
            Ok(out)
        })
    }

    /// Stores holds computed for conversations assigned before the ledger existed (a migration
    /// run at start-up); a conversation that already has a hold keeps it.
    pub async fn backfill_holds(
        &self,
        holds: Vec<(ConversationId, Hold)>,
    ) -> Result<(), StoreError> {
        self.write(move |tx| {
            let mut t = tx.open_table(CONVERSATION_HOLD)?;
            for (id, h) in &holds {
                if t.get(id.get())?.is_none() {
                    t.insert(id.get(), (h.agent.get(), h.units))?;
                }
            }
            drop(t);
            for (id, h) in &holds {
                participate_in(tx, *id, h.agent, Participation::Agent)?;
            }
            Ok(())
        })
        .await
    }
}
