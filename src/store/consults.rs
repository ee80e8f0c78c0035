//! Consults: the agent of an active conversation invites another user to read it live and
//! exchange internal notes; either of them ends it. The invitation is a row per (conversation,
//! consultant) while it lasts, the consultant a participant for good, and both changes write
//! a line in the thread in the same transaction.

use super::assignment::participate_in;
use super::records::{Conversation, Message};
use super::tables::{CONVERSATION_CONSULTS, CONVERSATION_RECORD, USER_RECORD};
use super::timeline::{append_line, user_name};
use super::users::User;
use super::{Store, StoreError, codec, get_record};
use crate::domain::participant::Participation;
use crate::domain::timeline::StateChange;
use crate::domain::{ConversationId, ConversationState, Timestamp, UserId};
use redb::{ReadableTable, WriteTransaction};

/// Why a consult did not start or end; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsultRefusal {
    #[error("No such conversation.")]
    UnknownConversation,
    #[error("Only the conversation's agent can invite a consultant, while it is active.")]
    NotTheAgent,
    #[error("Choose someone other than yourself.")]
    Yourself,
    #[error("No such user.")]
    UnknownUser,
    #[error("{0} is disabled.")]
    Disabled(String),
    #[error("{0} is already consulting on this conversation.")]
    Already(String),
    #[error("That consult has already ended.")]
    NotConsulting,
}

impl Store {
    /// `by` (the conversation's agent) invites `consultant`; returns the thread's line.
    pub async fn start_consult(
        &self,
        conv: ConversationId,
        by: UserId,
        consultant: UserId,
        now: Timestamp,
    ) -> Result<Result<Message, ConsultRefusal>, StoreError> {
        self.write(move |tx| start_in(tx, conv, by, consultant, now))
            .await
    }

    /// Ends `consultant`'s consult on `conv`, as `by` (its agent or the consultant).
    pub async fn end_consult(
        &self,
        conv: ConversationId,
        consultant: UserId,
        by: UserId,
        now: Timestamp,
    ) -> Result<Result<Message, ConsultRefusal>, StoreError> {
        self.write(move |tx| {
            let mut convs = tx.open_table(CONVERSATION_RECORD)?;
            let Some(mut c) = get_record::<Conversation, _>(&convs, conv.get())? else {
                return Ok(Err(ConsultRefusal::UnknownConversation));
            };
            if by != consultant && c.agent != Some(by) {
                return Ok(Err(ConsultRefusal::NotTheAgent));
            }
            let removed = tx
                .open_table(CONVERSATION_CONSULTS)?
                .remove((conv.get(), consultant.get()))?
                .is_some();
            if !removed {
                return Ok(Err(ConsultRefusal::NotConsulting));
            }
            let change = StateChange::ConsultEnded {
                by: user_name(tx, by)?,
                consultant: user_name(tx, consultant)?,
            };
            let line = append_line(tx, &mut c, &change, Some(by), now)?;
            c.updated_at = now;
            convs.insert(conv.get(), codec::encode(&c)?.as_slice())?;
            Ok(Ok(line))
        })
        .await
    }

    /// Who consults on `conv` now, oldest invitation first.
    pub async fn consultants(&self, conv: ConversationId) -> Result<Vec<UserId>, StoreError> {
        self.read(move |rtx| {
            let t = rtx.open_table(CONVERSATION_CONSULTS)?;
            let mut rows = Vec::new();
            for row in t.range((conv.get(), 0)..=(conv.get(), u64::MAX))? {
                let (k, v) = row?;
                rows.push((v.value(), UserId::new(k.value().1)));
            }
            rows.sort();
            Ok(rows.into_iter().map(|(_, u)| u).collect())
        })
        .await
    }

    /// The conversations `user` consults on now.
    pub async fn consulting(&self, user: UserId) -> Result<Vec<ConversationId>, StoreError> {
        self.read(move |rtx| {
            let t = rtx.open_table(CONVERSATION_CONSULTS)?;
            let mut out = Vec::new();
            for row in t.iter()? {
                let (k, _) = row?;
                let (c, u) = k.value();
                if u == user.get() {
                    out.push(ConversationId::new(c));
                }
            }
            Ok(out)
        })
        .await
    }

    /// Whether `user` consults on `conv` now.
    pub async fn is_consulting(
        &self,
        conv: ConversationId,
        user: UserId,
    ) -> Result<bool, StoreError> {
        self.read(move |rtx| {
            Ok(rtx
                .open_table(CONVERSATION_CONSULTS)?
                .get((conv.get(), user.get()))?
                .is_some())
        })
        .await
    }
}

fn start_in(
    tx: &WriteTransaction,
    conv: ConversationId,
    by: UserId,
    consultant: UserId,
    now: Timestamp,
) -> Result<Result<Message, ConsultRefusal>, StoreError> {
    let mut convs = tx.open_table(CONVERSATION_RECORD)?;
    let Some(mut c) = get_record::<Conversation, _>(&convs, conv.get())? else {
        return Ok(Err(ConsultRefusal::UnknownConversation));
    };
    if c.agent != Some(by) || c.state != ConversationState::Active {
        return Ok(Err(ConsultRefusal::NotTheAgent));
    }
    if by == consultant {
        return Ok(Err(ConsultRefusal::Yourself));
    }
    let Some(user) = get_record::<User, _>(&tx.open_table(USER_RECORD)?, consultant.get())? else {
        return Ok(Err(ConsultRefusal::UnknownUser));
    };
    if user.disabled {
        return Ok(Err(ConsultRefusal::Disabled(user.name)));
    }
    let mut consults = tx.open_table(CONVERSATION_CONSULTS)?;
    if consults.get((conv.get(), consultant.get()))?.is_some() {
        return Ok(Err(ConsultRefusal::Already(user.name)));
    }
    consults.insert(
        (conv.get(), consultant.get()),
        now.as_millis().max(0) as u64,
    )?;
    drop(consults);
    participate_in(tx, conv, consultant, Participation::Consultant)?;
    let change = StateChange::ConsultStarted {
        by: user_name(tx, by)?,
        consultant: user.name,
    };
    let line = append_line(tx, &mut c, &change, Some(by), now)?;
    c.updated_at = now;
    convs.insert(conv.get(), codec::encode(&c)?.as_slice())?;
    Ok(Ok(line))
}
