//! Contacts as records: an agent saves a customer as a contact (name and notes, matched by phone
//! number), and links a conversation to another contact or unlinks it. The conversation keeps the
//! contact of its own number for opt-outs and routing; the link only says whom it is about, and
//! each change writes a line in the thread.

use super::records::{Contact, Conversation, SavedBy};
use super::tables::{CONTACT_RECORD, CONVERSATION_CONTACTLINK, CONVERSATION_RECORD, PHONE_CONTACT};
use super::timeline::{append_line, user_name};
use super::{Store, StoreError, codec, get_record};
use crate::domain::contact::{ContactName, ContactNotes};
use crate::domain::timeline::StateChange;
use crate::domain::{ContactId, ConversationId, PhoneNumber, Timestamp, UserId};
use redb::{ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

/// Whom an agent said a conversation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContactLink {
    Contact(ContactId),
    Unlinked,
}

impl codec::Record for ContactLink {
    const TABLE: &'static str = "conversation_contactlink";
}

/// The contact a conversation shows, after any link.
#[derive(Debug, Clone)]
pub enum ShownContact {
    /// The contact of the conversation's own number (None if it has none yet).
    Own(Option<Contact>),
    /// Another contact an agent linked it to.
    Linked(Contact),
    /// An agent unlinked it: it is about no contact.
    Unlinked,
}

impl ShownContact {
    pub fn contact(&self) -> Option<&Contact> {
        match self {
            Self::Own(c) => c.as_ref(),
            Self::Linked(c) => Some(c),
            Self::Unlinked => None,
        }
    }

    pub fn into_contact(self) -> Option<Contact> {
        match self {
            Self::Own(c) => c,
            Self::Linked(c) => Some(c),
            Self::Unlinked => None,
        }
    }
}

/// Why a contact change was not made; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactRefusal {
    #[error("No such conversation.")]
    UnknownConversation,
    #[error("No contact has the number {0}: save that customer as a contact first.")]
    NoContactFor(String),
    #[error("The conversation is already linked to that contact.")]
    AlreadyLinked,
    #[error("The conversation has no contact to save: link one first.")]
    Unlinked,
}

impl Store {
    /// The contact `conv` is about.
    pub async fn shown_contact(&self, conv: &Conversation) -> Result<ShownContact, StoreError> {
        let (id, own) = (conv.id, conv.contact_id);
        self.read(move |rtx| {
            let contacts = rtx.open_table(CONTACT_RECORD)?;
            let link =
                get_record::<ContactLink, _>(&rtx.open_table(CONVERSATION_CONTACTLINK)?, id.get())?;
            Ok(match link {
                None => ShownContact::Own(get_record(&contacts, own.get())?),
                Some(ContactLink::Unlinked) => ShownContact::Unlinked,
                Some(ContactLink::Contact(other)) => match get_record(&contacts, other.get())? {
                    Some(c) => ShownContact::Linked(c),
                    None => ShownContact::Own(get_record(&contacts, own.get())?),
                },
            })
        })
        .await
    }

    /// Saves the contact `conv` is about with `name` and `notes`, as `by`.
    pub async fn save_contact(
        &self,
        conv: ConversationId,
        name: ContactName,
        notes: ContactNotes,
        by: UserId,
        now: Timestamp,
    ) -> Result<Result<Contact, ContactRefusal>, StoreError> {
        self.write(move |tx| {
            let Some(c) =
                get_record::<Conversation, _>(&tx.open_table(CONVERSATION_RECORD)?, conv.get())?
            else {
                return Ok(Err(ContactRefusal::UnknownConversation));
            };
            let id = match get_record::<ContactLink, _>(
                &tx.open_table(CONVERSATION_CONTACTLINK)?,
                conv.get(),
            )? {
                Some(ContactLink::Unlinked) => return Ok(Err(ContactRefusal::Unlinked)),
                Some(ContactLink::Contact(other)) => other,
                None => c.contact_id,
            };
            let mut contacts = tx.open_table(CONTACT_RECORD)?;
            let Some(mut contact) = get_record::<Contact, _>(&contacts, id.get())? else {
                return Ok(Err(ContactRefusal::Unlinked));
            };
            contact.name = Some(name.as_str().to_owned());
            contact.notes = notes.as_str().to_owned();
            contact.saved = Some(SavedBy { by, at: now });
            contact.updated_at = now;
            contacts.insert(id.get(), codec::encode(&contact)?.as_slice())?;
            Ok(Ok(contact))
        })
        .await
    }

    /// Links `conv` to the contact of `phone` (`None`: unlinks it), as `by`; the thread says so
    /// in the line whose seq comes back with the contact now shown.
    pub async fn link_contact(
        &self,
        conv: ConversationId,
        phone: Option<PhoneNumber>,
        by: UserId,
        now: Timestamp,
    ) -> Result<Result<(ShownContact, u64), ContactRefusal>, StoreError> {
        self.write(move |tx| link_in(tx, conv, phone.as_ref(), by, now))
            .await
    }
}

fn link_in(
    tx: &WriteTransaction,
    conv: ConversationId,
    phone: Option<&PhoneNumber>,
    by: UserId,
    now: Timestamp,
) -> Result<Result<(ShownContact, u64), ContactRefusal>, StoreError> {
    let mut convs = tx.open_table(CONVERSATION_RECORD)?;
    let Some(mut c) = get_record::<Conversation, _>(&convs, conv.get())? else {
        return Ok(Err(ContactRefusal::UnknownConversation));
    };
    let mut links = tx.open_table(CONVERSATION_CONTACTLINK)?;
    let current = get_record::<ContactLink, _>(&links, conv.get())?;
    let target = match phone {
        None => None,
        Some(p) => {
            let id = tx
                .open_table(PHONE_CONTACT)?
                .get(p.as_str())?
                .map(|v| v.value());
            match id {
                Some(id) => Some(ContactId::new(id)),
                None => return Ok(Err(ContactRefusal::NoContactFor(p.to_string()))),
            }
        }
    };
    let contacts = tx.open_table(CONTACT_RECORD)?;
    let (link, shown, change_for) = match target {
        None => (Some(ContactLink::Unlinked), ShownContact::Unlinked, None),
        Some(id) => {
            let contact = get_record::<Contact, _>(&contacts, id.get())?
                .ok_or_else(|| StoreError::Missing(format!("contact {id}")))?;
            let label = match &contact.name {
                Some(n) => format!("{n} ({})", contact.phone),
                None => contact.phone.to_string(),
            };
            // Back to its own number's contact: no link is needed.
            let link = (id != c.contact_id).then_some(ContactLink::Contact(id));
            let shown = if link.is_some() {
                ShownContact::Linked(contact)
            } else {
                ShownContact::Own(Some(contact))
            };
            (link, shown, Some(label))
        }
    };
    let unchanged = match (current, link) {
        (None, None) => true,
        (Some(a), Some(b)) => a == b,
        _ => false,
    };
    if unchanged {
        return Ok(Err(ContactRefusal::AlreadyLinked));
    }
    match link {
        Some(l) => {
            links.insert(conv.get(), codec::encode(&l)?.as_slice())?;
        }
        None => {
            links.remove(conv.get())?;
        }
    }
    drop((links, contacts));
    let name = user_name(tx, by)?;
    let change = match change_for {
        Some(contact) => StateChange::ContactLinked { by: name, contact },
        None => StateChange::ContactUnlinked { by: name },
    };
    let line = append_line(tx, &mut c, &change, Some(by), now)?;
    c.updated_at = now;
    convs.insert(conv.get(), codec::encode(&c)?.as_slice())?;
    Ok(Ok((shown, line.seq)))
}
