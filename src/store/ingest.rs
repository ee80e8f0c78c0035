//! Taking in a customer message: dedupe by the provider's message id, the contact, finding or opening the
//! conversation (a Wrap-up one closes and a new, linked one opens), the window deadline and the
//! message, all in one write.

use super::records::{
    Contact, Conversation, InboundExtras, Media, MediaState, Message, SenderNumber,
};
use super::tables::*;
use super::timeline::append_line;
use super::{Store, StoreError, codec, get_record, next_id};
use crate::domain::inbound::InboundMessage;
use crate::domain::optout::{Keywords, OptKeyword};
use crate::domain::timeline::{CloseReason, StateChange};
use crate::domain::window::window_expiry;
use crate::domain::{
    AccountId, ContactId, ConversationEvent, ConversationId, ConversationState, Direction,
    MessageStatus, NumberId, Timestamp, WorkstreamId,
};
use redb::{ReadableTable, WriteTransaction};

/// What became of an inbound webhook's message.
#[derive(Debug)]
pub enum Ingested {
    /// The MessageSid was stored before: nothing changed.
    Duplicate,
    /// The `To` number is not configured on this account: nothing stored.
    UnknownNumber,
    Stored(Box<StoredInbound>),
}

#[derive(Debug)]
pub struct StoredInbound {
    pub conversation: Conversation,
    pub message: Message,
    /// This message opened the conversation.
    pub opened: bool,
    /// The conversation's actor must hear of it: opened, its state moved, or its window reopened.
    /// Otherwise its window timer finds the moved deadline when it fires.
    pub actor_affected: bool,
    pub opt: Option<OptKeyword>,
    /// The Wrap-up conversation this message closed (the customer wrote after it ended).
    pub closed: Option<Conversation>,
}

impl Store {
    /// Stores an inbound message with its dedupe record, contact, conversation and new window
    /// deadline in one atomic write. Creation is serialised by the single writer, so two first
    /// messages from one customer at the same instant open exactly one conversation.
    pub async fn ingest(
        &self,
        account_id: AccountId,
        inbound: InboundMessage,
        now: Timestamp,
    ) -> Result<Ingested, StoreError> {
        self.write(move |tx| ingest_in(tx, account_id, &inbound, now))
            .await
    }
}

fn ingest_in(
    tx: &WriteTransaction,
    account_id: AccountId,
    m: &InboundMessage,
    now: Timestamp,
) -> Result<Ingested, StoreError> {
    let mut provider_ids = tx.open_table(PROVIDERID_MESSAGE)?;
    if provider_ids.get(m.provider_id.as_str())?.is_some() {
        return Ok(Ingested::Duplicate);
    }
    let address = SenderNumber::address_key(m.channel, &m.to);
    let number_id = tx
        .open_table(ADDRESS_NUMBER)?
        .get(address.as_str())?
        .map(|g| g.value());
    let Some(number_id) = number_id else {
        return Ok(Ingested::UnknownNumber);
    };
    let number: SenderNumber = get_record(&tx.open_table(NUMBER_RECORD)?, number_id)?
        .ok_or_else(|| StoreError::Missing(format!("number {number_id}")))?;
    if number.account_id != account_id {
        return Ok(Ingested::UnknownNumber);
    }

    // The channel's keyword list, read in this write: the opt-out lands with the message.
    let keywords = match m.channel {
        crate::domain::Channel::WhatsApp => {
            Keywords::whatsapp(&super::automated::whatsapp_keywords_in(tx)?)
        }
        crate::domain::Channel::Sms => Keywords::sms(),
    };
    let opt = keywords.keyword(&m.body);
    let contact = upsert_contact(tx, m, opt, now)?;

    let mut open_index = tx.open_table(NUMBERCUSTOMER_OPENCONVERSATION)?;
    let convs = tx.open_table(CONVERSATION_RECORD)?;
    let key = (number_id, m.from.as_str());
    let existing = open_index.get(key)?.map(|g| g.value());
    let mut current = match existing {
        Some(id) => Some(
            get_record::<Conversation, _>(&convs, id)?
                .ok_or_else(|| StoreError::Missing(format!("conversation {id}")))?,
        ),
        None => None,
    };
    // A conversation in Wrap-up has been ended: the customer's new message must reach an agent,
    // so it opens a new conversation (routed like any other) and the ended one closes.
    let mut ended = current.take_if(|c| c.state == ConversationState::WrapUp);
    let (mut conv, opened) = match current {
        Some(c) => (c, false),
        None => {
            let id = ConversationId::new(next_id(tx, "conversation")?);
            let workstream_id = tx
                .open_table(NUMBER_WORKSTREAM)?
                .get(number_id)?
                .map(|g| WorkstreamId::new(g.value()));
            open_index.insert(key, id.get())?;
            let c = Conversation {
                id,
                account_id,
                number_id: NumberId::new(number_id),
                workstream_id,
                channel: m.channel,
                customer: m.from.clone(),
                contact_id: contact.id,
                state: ConversationState::Open,
                agent: None,
                created_at: now,
                updated_at: now,
                last_customer_at: None,
                window_expires_at: None,
                template_only: false,
                next_seq: 1,
                closed_at: None,
            };
            (c, true)
        }
    };
    drop(open_index);
    drop(convs);
    let mut closed = None;
    if opened {
        let mut last = tx.open_table(NUMBERCUSTOMER_LASTCONVERSATION)?;
        let previous = last.get(key)?.map(|g| ConversationId::new(g.value()));
        last.insert(key, conv.id.get())?;
        drop(last);
        if let Some(previous) = previous {
            tx.open_table(CONVERSATION_PREVIOUS)?
                .insert(conv.id.get(), previous.get())?;
            append_line(
                tx,
                &mut conv,
                &StateChange::Continues { previous },
                None,
                now,
            )?;
        }
        if let Some(mut old) = ended.take() {
            old.state = ConversationState::Closed;
            old.closed_at = Some(now);
            old.updated_at = now;
            let why = CloseReason::CustomerWroteAgain { next: conv.id };
            append_line(tx, &mut old, &StateChange::Closed(why), None, now)?;
            super::assignment::release_in(tx, old.id)?;
            tx.open_table(CONVERSATION_FLAG)?.remove(old.id.get())?;
            tx.open_table(CONVERSATION_RECORD)?
                .insert(old.id.get(), codec::encode(&old)?.as_slice())?;
            super::facts::refresh(tx, &old)?;
            closed = Some(old);
        }
    }
    // A customer message never fails to land: states that take no customer message (none
    // today but Closed, which is never in the open index) keep their state.
    let before = (conv.state, conv.template_only);
    if let Ok(next) = conv.state.transition(ConversationEvent::CustomerMessage) {
        if conv.state == ConversationState::Waiting && next == ConversationState::Open {
            append_line(tx, &mut conv, &StateChange::Reopened, None, now)?;
        }
        conv.state = next;
    }
    conv.last_customer_at = Some(now);
    conv.window_expires_at = window_expiry(m.channel, now);
    conv.template_only = false;
    conv.updated_at = now;
    let seq = conv.next_seq;
    conv.next_seq += 1;
    tx.open_table(CONVERSATION_RECORD)?
        .insert(conv.id.get(), codec::encode(&conv)?.as_slice())?;

    let message = Message {
        conversation_id: conv.id,
        seq,
        direction: Direction::Inbound,
        body: m.body.clone(),
        media: m
            .media
            .iter()
            .map(|r| Media {
                url: r.url.clone(),
                content_type: r.content_type.clone(),
                state: MediaState::Pending,
            })
            .collect(),
        status: MessageStatus::Received,
        provider_id: Some(m.provider_id.to_string()),
        failure: None,
        author: None,
        template: None,
        extras: InboundExtras {
            profile_name: m.profile_name.clone(),
            wa_id: m.wa_id.clone(),
            message_type: m.message_type.clone(),
            location: m.location.clone(),
            button: m.button.clone(),
            reply_to: m.reply_to.clone(),
        },
        created_at: now,
        updated_at: now,
    };
    tx.open_table(CONVERSATION_MESSAGES)?
        .insert((conv.id.get(), seq), codec::encode(&message)?.as_slice())?;
    super::facts::refresh(tx, &conv)?;
    provider_ids.insert(m.provider_id.as_str(), (conv.id.get(), seq))?;
    if !message.media.is_empty() {
        tx.open_table(PENDING_MEDIA)?
            .insert((conv.id.get(), seq), 0)?;
    }
    let actor_affected = opened || before != (conv.state, conv.template_only);
    Ok(Ingested::Stored(Box::new(StoredInbound {
        conversation: conv,
        message,
        opened,
        actor_affected,
        opt,
        closed,
    })))
}

fn upsert_contact(
    tx: &WriteTransaction,
    m: &InboundMessage,
    opt: Option<OptKeyword>,
    now: Timestamp,
) -> Result<Contact, StoreError> {
    let mut by_phone = tx.open_table(PHONE_CONTACT)?;
    let mut contacts = tx.open_table(CONTACT_RECORD)?;
    let phone = m.from.as_str();
    let existing = by_phone.get(phone)?.map(|g| g.value());
    let mut contact = match existing {
        Some(id) => get_record::<Contact, _>(&contacts, id)?
            .ok_or_else(|| StoreError::Missing(format!("contact {id}")))?,
        None => {
            let id = ContactId::new(next_id(tx, "contact")?);
            by_phone.insert(phone, id.get())?;
            Contact {
                id,
                phone: m.from.clone(),
                name: None,
                wa_id: None,
                opted_out_sms: false,
                opted_out_whatsapp: false,
                created_at: now,
                updated_at: now,
                notes: String::new(),
                saved: None,
            }
        }
    };
    let before = (
        contact.name.clone(),
        contact.wa_id.clone(),
        contact.opted_out(m.channel),
    );
    if contact.name.is_none() {
        contact.name = m.profile_name.clone();
    }
    if m.wa_id.is_some() {
        contact.wa_id = m.wa_id.clone();
    }
    match opt {
        Some(OptKeyword::OptOut) => contact.set_opted_out(m.channel, true),
        Some(OptKeyword::OptIn) => contact.set_opted_out(m.channel, false),
        None => {}
    }
    let after = (
        contact.name.clone(),
        contact.wa_id.clone(),
        contact.opted_out(m.channel),
    );
    if existing.is_none() || before != after {
        contact.updated_at = now;
        contacts.insert(contact.id.get(), codec::encode(&contact)?.as_slice())?;
    }
    Ok(contact)
}
