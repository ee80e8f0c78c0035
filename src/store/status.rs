//! Delivery status callbacks: a report finds its message by our own key (from the callback URL)
//! or by the provider's id, only within the account the callback came to, and moves the status
//! forward only. A report that beats the commit of the provider id is kept: the key finds the
//! message all the same, and a report without our key (ACS's) waits under the provider id until
//! the attempt that got that id is recorded.

use super::records::{Conversation, Message, SendFailure};
use super::tables::*;
use super::{Store, StoreError, codec, get_message, get_record};
use crate::domain::{AccountId, Direction, MessageKey, MessageStatus, Timestamp};
use redb::{ReadableTable, ReadableTableMetadata, WriteTransaction};

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
    /// No message has the provider id yet: the report waits for the send's receipt.
    Kept,
}

/// A report kept until its provider id is stored (`PROVIDERID_EARLYSTATUS`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct EarlyStatus {
    status: MessageStatus,
    failure: Option<SendFailure>,
    at: Timestamp,
}

impl codec::Record for EarlyStatus {
    const TABLE: &'static str = "providerid_earlystatus";
}

/// Reports kept at most; past it, a report for an id nobody stored is dropped (a provider's
/// reports for messages of no omnidesk: every real one finds its receipt within minutes).
const MAX_EARLY: u64 = 10_000;

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

/// Keeps a report without our key whose provider id is not stored yet (only the latest, and only
/// one that moves forward from what is kept).
fn keep_early(
    tx: &WriteTransaction,
    report: &StatusReport,
    now: Timestamp,
) -> Result<StatusUpdate, StoreError> {
    if report.key.is_some() {
        return Ok(StatusUpdate::Unknown);
    }
    let mut early = tx.open_table(PROVIDERID_EARLYSTATUS)?;
    let key = (report.account.get(), report.provider_id.as_str());
    let kept: Option<EarlyStatus> = match early.get(key)? {
        Some(g) => Some(codec::decode_at(report.provider_id.as_str(), g.value())?),
        None => None,
    };
    match &kept {
        Some(k) if !k.status.may_become(report.status) => return Ok(StatusUpdate::Kept),
        None if early.len()? >= MAX_EARLY => return Ok(StatusUpdate::Unknown),
        _ => {}
    }
    let entry = EarlyStatus {
        status: report.status,
        failure: report.failure.clone(),
        at: now,
    };
    early.insert(key, codec::encode(&entry)?.as_slice())?;
    Ok(StatusUpdate::Kept)
}

/// Applies (and forgets) the report kept for `provider_id` to `msg`, the message of `account`
/// that just got that id.
pub(crate) fn apply_early_in(
    tx: &WriteTransaction,
    provider_id: &str,
    account: AccountId,
    msg: &mut Message,
) -> Result<(), StoreError> {
    let mut early = tx.open_table(PROVIDERID_EARLYSTATUS)?;
    let Some(kept) = early.remove((account.get(), provider_id))? else {
        return Ok(());
    };
    let kept: EarlyStatus = codec::decode_at(provider_id, kept.value())?;
    if msg.status.may_become(kept.status) {
        msg.status = kept.status;
        if kept.status.is_failure() {
            msg.failure = kept.failure;
        }
    }
    Ok(())
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
        return keep_early(tx, report, now);
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
