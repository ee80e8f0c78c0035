//! Writes a conversation's system lines (`domain::timeline`) inside the transaction that makes the
//! state change, so a line can never be missing or out of order with the change it reports.

use super::records::{Conversation, InboundExtras, Message};
use super::tables::{CONVERSATION_MESSAGES, USER_RECORD};
use super::users::User;
use super::{StoreError, codec, get_record};
use crate::domain::timeline::StateChange;
use crate::domain::{Direction, MessageStatus, Timestamp, UserId};
use redb::WriteTransaction;

/// Appends `change` to `conv`'s thread as a system line by `author` (None: omnidesk itself).
/// Takes the next seq from `conv`; the caller stores `conv` in the same transaction.
pub(crate) fn append_line(
    tx: &WriteTransaction,
    conv: &mut Conversation,
    change: &StateChange,
    author: Option<UserId>,
    now: Timestamp,
) -> Result<Message, StoreError> {
    let seq = conv.next_seq;
    conv.next_seq += 1;
    let line = Message {
        conversation_id: conv.id,
        seq,
        direction: Direction::System,
        body: change.text(),
        media: Vec::new(),
        status: MessageStatus::Received,
        provider_id: None,
        failure: None,
        author,
        template: None,
        extras: InboundExtras::default(),
        created_at: now,
        updated_at: now,
    };
    tx.open_table(CONVERSATION_MESSAGES)?
        .insert((conv.id.get(), seq), codec::encode(&line)?.as_slice())?;
    Ok(line)
}

/// The name a system line uses for a user (a deleted user is "A former user").
pub(crate) fn user_name(tx: &WriteTransaction, id: UserId) -> Result<String, StoreError> {
    let users = tx.open_table(USER_RECORD)?;
    Ok(get_record::<User, _>(&users, id.get())?
        .map_or_else(|| "A former user".to_owned(), |u| u.name))
}
