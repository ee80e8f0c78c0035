//! Delivery status callbacks: a report finds its message by our own key (from the callback URL)
//! or by the provider's id, only within the account the callback came to, and moves the status
//! forward only. A report that beats the commit of the provider id is kept: the key finds the
//! message all the same.

use super::records::{Conversation, Message, SendFailure};
use super::tables::*;
use super::{Store, StoreError, codec, get_message, get_record};
use crate::domain::{AccountId, Direction, MessageKey, MessageStatus, Timestamp};
use redb::{ReadableTable, WriteTransaction};

/// One status report of a provider, as its callback carried it.
#[derive(Debug, Clone)]
pub struct StatusReport {
    /// The account whose URL (and signature) the callback came with.
    pub account: AccountId,
    /// Our key of the message, from the callback URL; None for callbacks of older sends.
    pub key: Option<MessageKey>,
    pub provider_id: String,
    pub status: MessageStatus,
    pub failure: Option<SendFailure>,
}

#[derive(Debug)]
pub enum StatusUpdate {
    /// No message of this account has this key or provider id.
    Unknown,
    /// Known, but the report would not move the status forward, or belongs to another send of
    /// the message (an earlier round, another provider id).
    Ignored(Message),
    Applied(Message),
}

impl Store {
    /// Applies a delivery status report; status only moves forward.
    pub async fn apply_status(
        &self,
        report: StatusReport,
        now: Timestamp,
    ) -> Result<StatusUpdate, StoreError> {
        self.write(move |tx| apply_in(tx, &report, now)).await
    }
}

/// The round of the message's current send (0 until an agent retries it).
pub(crate) fn round_in(tx: &WriteTransaction, key: (u64, u64)) -> Result<u32, StoreError> {
    Ok(tx
        .open_table(MESSAGE_ROUND)?
        .get(key)?
        .map_or(0, |g| g.value()))
}

fn apply_in(
    tx: &WriteTransaction,
    report: &StatusReport,
    now: Timestamp,
) -> Result<StatusUpdate, StoreError> {
    let found = match report.key {
        Some(k) => Some((k.conversation.get(), k.seq)),
        None => tx
            .open_table(PROVIDERID_MESSAGE)?
            .get(report.provider_id.as_str())?
            .map(|g| g.value()),
    };
    let Some(key) = found else {
        return Ok(StatusUpdate::Unknown);
    };
    // Another account's message is unknown here, whatever the callback claims.
    let conv: Option<Conversation> = get_record(&tx.open_table(CONVERSATION_RECORD)?, key.0)?;
    if conv.is_none_or(|c| c.account_id != report.account) {
        return Ok(StatusUpdate::Unknown);
    }
    let mut msgs = tx.open_table(CONVERSATION_MESSAGES)?;
    let Some(mut msg) = get_message(&msgs, key)? else {
        return Ok(StatusUpdate::Unknown);
    };
    if !matches!(msg.direction, Direction::Outbound | Direction::Automated) {
        return Ok(StatusUpdate::Unknown);
    }
    let other_send = match report.key {
        // Before the provider id is stored only the round tells the sends apart.
        Some(k) => {
            k.round != round_in(tx, key)?
                || msg
                    .provider_id
                    .as_ref()
                    .is_some_and(|p| *p != report.provider_id)
        }
        None => msg.provider_id.as_deref() != Some(report.provider_id.as_str()),
    };
    if other_send || !msg.status.may_become(report.status) {
        return Ok(StatusUpdate::Ignored(msg));
    }
    msg.status = report.status;
    if report.status.is_failure() {
        msg.failure = report.failure.clone();
    }
    msg.updated_at = now;
    msgs.insert(key, codec::encode(&msg)?.as_slice())?;
    Ok(StatusUpdate::Applied(msg))
}
