//! Contacts from the workspace: saving the customer a conversation is about, and linking the
//! conversation to another contact or unlinking it (the thread's line goes out live).

use super::{Desk, DeskError};
use crate::domain::contact::{ContactName, ContactNotes};
use crate::domain::{ConversationId, PhoneNumber, UserId};
use crate::live::LiveEvent;
use crate::store::contacts::{ContactRefusal, ShownContact};
use crate::store::records::{Contact, Conversation};

impl Desk {
    /// The contact `conv` is about (after any link an agent made).
    pub async fn shown_contact(&self, conv: &Conversation) -> Result<ShownContact, DeskError> {
        Ok(self.store().shown_contact(conv).await?)
    }

    /// Saves the customer of `conv` as a contact with `name` and `notes`.
    pub async fn save_contact(
        &self,
        by: UserId,
        conv: ConversationId,
        name: ContactName,
        notes: ContactNotes,
    ) -> Result<Result<Contact, ContactRefusal>, DeskError> {
        Ok(self
            .store()
            .save_contact(conv, name, notes, by, self.now())
            .await?)
    }

    /// Links `conv` to the contact of `phone`, or unlinks it (`None`).
    pub async fn link_contact(
        &self,
        by: UserId,
        conv: ConversationId,
        phone: Option<PhoneNumber>,
    ) -> Result<Result<ShownContact, ContactRefusal>, DeskError> {
        let done = self
            .store()
            .link_contact(conv, phone, by, self.now())
            .await?;
        Ok(done.map(|(shown, seq)| {
            self.shared.live.publish(LiveEvent::MessageStored {
                conversation: conv,
                seq,
            });
            shown
        }))
    }
}
