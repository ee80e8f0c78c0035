//! Conversations, contacts and messages: the 24-hour flip, media states and reads. Taking in a
//! customer message is `ingest`.

use super::records::{Contact, Conversation, MediaState, Message};
use super::tables::*;
use super::timeline::append_line;
use super::{Store, StoreError, codec, get_record};
use crate::domain::timeline::StateChange;
use crate::domain::{ContactId, ConversationId, Direction, Timestamp};
use redb::{ReadTransaction, ReadableTable, WriteTransaction};
use std::collections::HashMap;

/// Outcome of the window deadline firing.
#[derive(Debug)]
pub enum Flip {
    /// Stored: the conversation is now template-only.
    Flipped(Conversation),
    /// A customer message moved the deadline; re-arm at this instant.
    Moved(Timestamp),
    /// Nothing to do (already flipped, closed, or no window).
    Unchanged,
}

impl Store {
    /// Flips the conversation to template-only if its stored deadline has passed at `now`.
    pub async fn flip_window(
        &self,
        id: ConversationId,
        now: Timestamp,
    ) -> Result<Flip, StoreError> {
        self.write(move |tx| flip_in(tx, id, now)).await
    }

    /// `flip_window` for many conversations in one write (deadlines due at the same instant).
    pub async fn flip_windows(
        &self,
        ids: Vec<ConversationId>,
        now: Timestamp,
    ) -> Result<Vec<(ConversationId, Flip)>, StoreError> {
        self.write(move |tx| {
            ids.iter()
                .map(|id| Ok((*id, flip_in(tx, *id, now)?)))
                .collect()
        })
        .await
    }

    pub async fn conversation(
        &self,
        id: ConversationId,
    ) -> Result<Option<Conversation>, StoreError> {
        self.read(move |rtx| conversation(rtx, id)).await
    }

    /// Every conversation that is not Closed (start-up recovery).
    pub fn open_conversations_now(&self) -> Result<Vec<Conversation>, StoreError> {
        self.read_now(|rtx| {
            let index = rtx.open_table(NUMBERCUSTOMER_OPENCONVERSATION)?;
            let convs = rtx.open_table(CONVERSATION_RECORD)?;
            let mut out = Vec::new();
            for row in index.iter()? {
                let (_, id) = row?;
                let id = id.value();
                let c = get_record::<Conversation, _>(&convs, id)?
                    .ok_or_else(|| StoreError::Missing(format!("conversation {id}")))?;
                out.push(c);
            }
            Ok(out)
        })
    }

    pub async fn messages(&self, id: ConversationId) -> Result<Vec<Message>, StoreError> {
        self.read(move |rtx| {
            let t = rtx.open_table(CONVERSATION_MESSAGES)?;
            let mut out = Vec::new();
            for row in t.range((id.get(), 0)..=(id.get(), u64::MAX))? {
                let (k, v) = row?;
                out.push(codec::decode_at(format!("{:?}", k.value()), v.value())?);
            }
            Ok(out)
        })
        .await
    }

    /// The bodies of each conversation's last `n` customer messages, oldest first (one snapshot
    /// for all of them; a conversation without any has an empty list).
    pub async fn recent_customer_texts(
        &self,
        ids: Vec<ConversationId>,
        n: usize,
    ) -> Result<HashMap<ConversationId, Vec<String>>, StoreError> {
        self.read(move |rtx| {
            let t = rtx.open_table(CONVERSATION_MESSAGES)?;
            let mut out = HashMap::with_capacity(ids.len());
            for id in ids {
                let mut texts = Vec::new();
                for row in t.range((id.get(), 0)..=(id.get(), u64::MAX))?.rev() {
                    if texts.len() == n {
                        break;
                    }
                    let (k, v) = row?;
                    let m: Message = codec::decode_at(format!("{:?}", k.value()), v.value())?;
                    if m.direction == Direction::Inbound {
                        texts.push(m.body);
                    }
                }
                texts.reverse();
                out.insert(id, texts);
            }
            Ok(out)
        })
        .await
    }

    pub async fn message(
        &self,
        id: ConversationId,
        seq: u64,
    ) -> Result<Option<Message>, StoreError> {
        self.read(move |rtx| message(rtx, id, seq)).await
    }

    pub async fn contact(&self, id: ContactId) -> Result<Option<Contact>, StoreError> {
        self.read(move |rtx| get_record(&rtx.open_table(CONTACT_RECORD)?, id.get()))
            .await
    }

    /// The message a provider id belongs to.
    pub async fn message_by_provider_id(
        &self,
        provider_id: String,
    ) -> Result<Option<Message>, StoreError> {
        self.read(move |rtx| {
            let found = rtx
                .open_table(PROVIDERID_MESSAGE)?
                .get(provider_id.as_str())?
                .map(|g| g.value());
            match found {
                Some((c, s)) => message(rtx, ConversationId::new(c), s),
                None => Ok(None),
            }
        })
        .await
    }

    /// The conversation this one continues (same customer and business number), if any.
    pub async fn previous_conversation(
        &self,
        id: ConversationId,
    ) -> Result<Option<ConversationId>, StoreError> {
        self.read(move |rtx| {
            Ok(rtx
                .open_table(CONVERSATION_PREVIOUS)?
                .get(id.get())?
                .map(|g| ConversationId::new(g.value())))
        })
        .await
    }

    /// How many messages are stored in all (for tests and the load tool).
    pub async fn message_count(&self) -> Result<u64, StoreError> {
        self.read(|rtx| {
            use redb::ReadableTableMetadata;
            Ok(rtx.open_table(CONVERSATION_MESSAGES)?.len()?)
        })
        .await
    }

    /// Every conversation `keep` accepts, oldest first (a full scan: fine for a team's volume).
    pub async fn conversations_matching(
        &self,
        keep: impl Fn(&Conversation) -> bool + Send + 'static,
    ) -> Result<Vec<Conversation>, StoreError> {
        self.read(move |rtx| {
            let mut out = Vec::new();
            for row in rtx.open_table(CONVERSATION_RECORD)?.iter()? {
                let (k, v) = row?;
                let c: Conversation = codec::decode_at(k.value(), v.value())?;
                if keep(&c) {
                    out.push(c);
                }
            }
            Ok(out)
        })
        .await
    }

    /// Every conversation ever opened for a customer number, oldest first.
    pub async fn conversations_of(
        &self,
        customer: String,
    ) -> Result<Vec<Conversation>, StoreError> {
        self.read(move |rtx| {
            let convs = rtx.open_table(CONVERSATION_RECORD)?;
            let mut out = Vec::new();
            for row in convs.iter()? {
                let (k, v) = row?;
                let c: Conversation = codec::decode_at(k.value(), v.value())?;
                if c.customer.as_str() == customer {
                    out.push(c);
                }
            }
            Ok(out)
        })
        .await
    }
}

fn flip_in(tx: &WriteTransaction, id: ConversationId, now: Timestamp) -> Result<Flip, StoreError> {
    let convs = tx.open_table(CONVERSATION_RECORD)?;
    let Some(mut c) = get_record::<Conversation, _>(&convs, id.get())? else {
        return Ok(Flip::Unchanged);
    };
    drop(convs);
    match c.window_expires_at {
        Some(_) if c.template_only || c.state.is_closed() => Ok(Flip::Unchanged),
        Some(at) if at > now => Ok(Flip::Moved(at)),
        Some(at) => {
            // Not activity: `updated_at` stays, so idle deadlines do not move. The line carries
            // the deadline, which is when the window really closed.
            c.template_only = true;
            append_line(tx, &mut c, &StateChange::WindowClosed, None, at)?;
            tx.open_table(CONVERSATION_RECORD)?
                .insert(id.get(), codec::encode(&c)?.as_slice())?;
            Ok(Flip::Flipped(c))
        }
        None => Ok(Flip::Unchanged),
    }
}

pub(crate) fn conversation(
    rtx: &ReadTransaction,
    id: ConversationId,
) -> Result<Option<Conversation>, StoreError> {
    get_record(&rtx.open_table(CONVERSATION_RECORD)?, id.get())
}

pub(crate) fn message(
    rtx: &ReadTransaction,
    id: ConversationId,
    seq: u64,
) -> Result<Option<Message>, StoreError> {
    match rtx
        .open_table(CONVERSATION_MESSAGES)?
        .get((id.get(), seq))?
    {
        Some(g) => codec::decode_at(format!("({}, {seq})", id.get()), g.value()).map(Some),
        None => Ok(None),
    }
}

/// Records the outcome of fetching media item `index` of a message; clears the pending marker
/// once no item is pending.
pub(crate) fn set_media_state(
    tx: &WriteTransaction,
    id: ConversationId,
    seq: u64,
    index: usize,
    state: MediaState,
) -> Result<Option<Message>, StoreError> {
    let mut msgs = tx.open_table(CONVERSATION_MESSAGES)?;
    let Some(mut msg) = msgs
        .get((id.get(), seq))?
        .map(|g| codec::decode::<Message>(g.value()))
        .transpose()?
    else {
        return Ok(None);
    };
    let Some(item) = msg.media.get_mut(index) else {
        return Ok(None);
    };
    item.state = state;
    msgs.insert((id.get(), seq), codec::encode(&msg)?.as_slice())?;
    if msg.media.iter().all(|m| m.state != MediaState::Pending) {
        tx.open_table(PENDING_MEDIA)?.remove((id.get(), seq))?;
    }
    Ok(Some(msg))
}

impl Store {
    pub async fn set_media_state(
        &self,
        id: ConversationId,
        seq: u64,
        index: usize,
        state: MediaState,
    ) -> Result<Option<Message>, StoreError> {
        self.write(move |tx| set_media_state(tx, id, seq, index, state.clone()))
            .await
    }

    /// Messages whose media still waits to be fetched (start-up recovery).
    pub fn pending_media_now(&self) -> Result<Vec<Message>, StoreError> {
        self.read_now(|rtx| {
            let pending = rtx.open_table(PENDING_MEDIA)?;
            let mut out = Vec::new();
            for row in pending.iter()? {
                let (k, _) = row?;
                let (c, s) = k.value();
                if let Some(m) = message(rtx, ConversationId::new(c), s)? {
                    out.push(m);
                }
            }
            Ok(out)
        })
    }
}
