//! Internal notes on a conversation. A note is stored in the thread as a `Direction::Note` message
//! so it keeps its place among the messages, but it gets no outbox job: it is never sent.

use super::records::{Conversation, InboundExtras, Message};
use super::tables::{CONVERSATION_MESSAGES, CONVERSATION_RECORD};
use super::{Store, StoreError, codec, get_record};
use crate::domain::{ConversationId, Direction, MessageStatus, Timestamp, UserId};
use redb::WriteTransaction;

/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 2_000;

/// Why a note was not stored; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteRefusal {
    #[error("The note is empty.")]
    Empty,
    #[error("A note is at most 2,000 characters.")]
    TooLong,
    #[error("This conversation is closed; its transcript can be read but not changed.")]
    Closed,
    #[error("No such conversation.")]
    UnknownConversation,
}

impl Store {
    /// Appends an internal note by `author` to the conversation's thread.
    pub async fn add_note(
        &self,
        conversation: ConversationId,
        author: UserId,
        text: String,
        now: Timestamp,
    ) -> Result<Result<Message, NoteRefusal>, StoreError> {
        if text.trim().is_empty() {
            return Ok(Err(NoteRefusal::Empty));
        }
        if text.chars().count() > MAX_NOTE_CHARS {
            return Ok(Err(NoteRefusal::TooLong));
        }
        self.write(move |tx| add_note_in(tx, conversation, author, &text, now))
            .await
    }

    /// How many notes the given conversations hold together.
    pub async fn note_count(&self, ids: Vec<ConversationId>) -> Result<u64, StoreError> {
        self.read(move |rtx| {
            let t = rtx.open_table(CONVERSATION_MESSAGES)?;
            let mut count = 0;
            for id in ids {
                for row in t.range((id.get(), 0)..=(id.get(), u64::MAX))? {
                    let (k, v) = row?;
                    let m: Message = codec::decode_at(format!("{:?}", k.value()), v.value())?;
                    if m.direction == Direction::Note {
                        count += 1;
                    }
                }
            }
            Ok(count)
        })
        .await
    }
}

fn add_note_in(
    tx: &WriteTransaction,
    id: ConversationId,
    author: UserId,
    text: &str,
    now: Timestamp,
) -> Result<Result<Message, NoteRefusal>, StoreError> {
    let mut convs = tx.open_table(CONVERSATION_RECORD)?;
    let Some(mut conv) = get_record::<Conversation, _>(&convs, id.get())? else {
        return Ok(Err(NoteRefusal::UnknownConversation));
    };
    if conv.state.is_closed() {
        return Ok(Err(NoteRefusal::Closed));
    }
    let seq = conv.next_seq;
    conv.next_seq += 1;
    conv.updated_at = now;
    convs.insert(conv.id.get(), codec::encode(&conv)?.as_slice())?;
    let note = Message {
        conversation_id: conv.id,
        seq,
        direction: Direction::Note,
        body: text.to_owned(),
        media: Vec::new(),
        status: MessageStatus::Received,
        provider_id: None,
        failure: None,
        author: Some(author),
        template: None,
        extras: InboundExtras::default(),
        created_at: now,
        updated_at: now,
    };
    tx.open_table(CONVERSATION_MESSAGES)?
        .insert((conv.id.get(), seq), codec::encode(&note)?.as_slice())?;
    Ok(Ok(note))
}
