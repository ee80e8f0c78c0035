//! Store operations only the customer simulator (`web::simulator`) uses: closing a conversation's
//! WhatsApp reply window now, as if 24 hours had passed, since the real clock cannot move.

use super::records::Conversation;
use super::tables::CONVERSATION_RECORD;
use super::{Store, StoreError, codec, get_record};
use crate::domain::{ConversationId, Timestamp};

/// Outcome of `expire_window_now`.
#[derive(Debug)]
pub enum Expired {
    /// The deadline is now `now`; the conversation's actor must be told so it flips at once.
    Moved(Conversation),
    /// The conversation has no reply window (SMS), or is closed or unknown: nothing written.
    NoWindow,
}

impl Store {
    /// Moves the conversation's window deadline to `now`. It does not flip the conversation to
    /// template-only itself: the conversation actor does that when told (as for a real deadline),
    /// though a free-form send is refused from `now` on either way.
    pub async fn expire_window_now(
        &self,
        id: ConversationId,
        now: Timestamp,
    ) -> Result<Expired, StoreError> {
        self.write(move |tx| {
            let mut convs = tx.open_table(CONVERSATION_RECORD)?;
            let Some(mut c) = get_record::<Conversation, _>(&convs, id.get())? else {
                return Ok(Expired::NoWindow);
            };
            if c.state.is_closed() || c.window_expires_at.is_none() {
                return Ok(Expired::NoWindow);
            }
            if c.window_expires_at.is_some_and(|at| at > now) {
                c.window_expires_at = Some(now);
                c.updated_at = now;
                convs.insert(id.get(), codec::encode(&c)?.as_slice())?;
            }
            Ok(Expired::Moved(c))
        })
        .await
    }
}
