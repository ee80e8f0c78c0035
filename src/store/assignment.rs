//! Conversation transitions that involve an agent: assign (accept or pick), end (→ Wrap-up),
//! close the session (→ Waiting), transfer back to the queue or to another agent, close. Each is
//! one write that re-checks the stored state, so two agents racing for one conversation cannot
//! both win.

use super::records::Conversation;
use super::tables::{CONVERSATION_RECORD, NUMBERCUSTOMER_OPENCONVERSATION};
use super::{Store, StoreError, codec, get_record};
use crate::domain::{ConversationEvent, ConversationId, ConversationState, Timestamp, UserId};
use redb::WriteTransaction;

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

type Outcome = Result<Result<Conversation, AssignRefusal>, StoreError>;

/// Applies `change` to the stored conversation and saves it, or refuses without writing.
fn update(
    tx: &WriteTransaction,
    id: ConversationId,
    now: Timestamp,
    change: impl FnOnce(&mut Conversation) -> Result<(), AssignRefusal>,
) -> Outcome {
    let mut convs = tx.open_table(CONVERSATION_RECORD)?;
    let Some(mut c) = get_record::<Conversation, _>(&convs, id.get())? else {
        return Ok(Err(AssignRefusal::Unknown));
    };
    if let Err(r) = change(&mut c) {
        return Ok(Err(r));
    }
    c.updated_at = now;
    if c.state.is_closed() {
        c.closed_at = Some(now);
    }
    convs.insert(id.get(), codec::encode(&c)?.as_slice())?;
    drop(convs);
    if c.state.is_closed() {
        tx.open_table(NUMBERCUSTOMER_OPENCONVERSATION)?
            .remove((c.number_id.get(), c.customer.as_str()))?;
    }
    Ok(Ok(c))
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

impl Store {
    /// An agent takes the conversation (accepted offer or "Assign to me"): Open/Waiting → Active.
    pub async fn assign(&self, id: ConversationId, agent: UserId, now: Timestamp) -> Outcome {
        self.write(move |tx| {
            update(tx, id, now, |c| {
                if c.state == ConversationState::Active && c.agent != Some(agent) {
                    return Err(AssignRefusal::AlreadyAssigned);
                }
                step(c, ConversationEvent::Assign)?;
                c.agent = Some(agent);
                Ok(())
            })
        })
        .await
    }

    /// The agent ends the conversation: → Wrap-up.
    pub async fn end_conversation(
        &self,
        id: ConversationId,
        agent: UserId,
        now: Timestamp,
    ) -> Outcome {
        self.agent_step(id, agent, ConversationEvent::End, now)
            .await
    }

    /// The agent closes the session without ending: → Waiting (a customer reply reopens it).
    pub async fn close_session(
        &self,
        id: ConversationId,
        agent: UserId,
        now: Timestamp,
    ) -> Outcome {
        self.agent_step(id, agent, ConversationEvent::CloseSession, now)
            .await
    }

    /// `event`, taken by the conversation's own agent.
    async fn agent_step(
        &self,
        id: ConversationId,
        agent: UserId,
        event: ConversationEvent,
        now: Timestamp,
    ) -> Outcome {
        self.write(move |tx| {
            update(tx, id, now, |c| {
                must_be_agent(c, agent)?;
                step(c, event)
            })
        })
        .await
    }

    /// Sends the conversation back to the queue (`to` None) or straight to another agent.
    pub async fn transfer(
        &self,
        id: ConversationId,
        from: UserId,
        to: Option<UserId>,
        now: Timestamp,
    ) -> Outcome {
        self.write(move |tx| {
            update(tx, id, now, |c| {
                must_be_agent(c, from)?;
                step(c, ConversationEvent::Transfer)?;
                c.agent = None;
                if let Some(next) = to {
                    step(c, ConversationEvent::Assign)?;
                    c.agent = Some(next);
                }
                Ok(())
            })
        })
        .await
    }

    /// Closes the conversation for good; the next customer message opens a new one.
    pub async fn close_conversation(&self, id: ConversationId, now: Timestamp) -> Outcome {
        self.write(move |tx| update(tx, id, now, |c| step(c, ConversationEvent::Close)))
            .await
    }
}
