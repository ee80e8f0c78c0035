//! An agent's retry of a failed outbound message: a new send round of the same message, checked
//! again like a new message (closed, number deleted, opt-out, and the 24-hour window for
//! free-form text), stored together with its new outbox job.

use super::outbox::{Queued, SendRefusal, free_form_open, new_job, sendable};
use super::records::{Conversation, OutboxJob};
use super::status::round_in;
use super::tables::*;
use super::{Store, StoreError, codec, get_message, get_record};
use crate::domain::{ConversationId, Direction, MessageStatus, Timestamp};
use redb::{ReadableTable, WriteTransaction};

impl Store {
    /// Queues message `seq` of `conversation` again if it failed; returns it (queued again) with
    /// its new job.
    pub async fn retry_message(
        &self,
        conversation: ConversationId,
        seq: u64,
        now: Timestamp,
    ) -> Result<Result<Queued, SendRefusal>, StoreError> {
        self.write(move |tx| retry_in(tx, conversation, seq, now))
            .await
    }

    /// How many times each retried message of `conversation` was retried, by seq.
    pub async fn retries(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<(u64, u32)>, StoreError> {
        self.read(move |rtx| {
            let id = conversation.get();
            let mut out = Vec::new();
            for row in rtx
                .open_table(MESSAGE_ROUND)?
                .range((id, 0)..=(id, u64::MAX))?
            {
                let (k, v) = row?;
                out.push((k.value().1, v.value()));
            }
            Ok(out)
        })
        .await
    }
}

fn job_pending(tx: &WriteTransaction, key: (u64, u64)) -> Result<bool, StoreError> {
    for row in tx.open_table(OUTBOX_JOB)?.iter()? {
        let (k, v) = row?;
        let job: OutboxJob = codec::decode_at(k.value(), v.value())?;
        if (job.conversation_id.get(), job.seq) == key {
            return Ok(true);
        }
    }
    Ok(false)
}

fn retry_in(
    tx: &WriteTransaction,
    conversation: ConversationId,
    seq: u64,
    now: Timestamp,
) -> Result<Result<Queued, SendRefusal>, StoreError> {
    let Some(conv) =
        get_record::<Conversation, _>(&tx.open_table(CONVERSATION_RECORD)?, conversation.get())?
    else {
        return Ok(Err(SendRefusal::UnknownConversation));
    };
    let key = (conversation.get(), seq);
    let mut msgs = tx.open_table(CONVERSATION_MESSAGES)?;
    let Some(mut msg) = get_message(&msgs, key)? else {
        return Ok(Err(SendRefusal::UnknownMessage));
    };
    if !matches!(msg.direction, Direction::Outbound | Direction::Automated) {
        return Ok(Err(SendRefusal::UnknownMessage));
    }
    // A failure reported while the send is still pending (a callback can beat the commit of the
    // provider's answer) is not retried until that send is done with.
    if !msg.status.is_failure() || job_pending(tx, key)? {
        return Ok(Err(SendRefusal::NotFailed));
    }
    // Every refusal comes before the first write.
    let number = match sendable(tx, &conv)? {
        Ok(n) => n,
        Err(r) => return Ok(Err(r)),
    };
    if msg.template.is_none() && !free_form_open(&conv, now) {
        return Ok(Err(SendRefusal::WindowExpired));
    }
    let round = round_in(tx, key)?.saturating_add(1);
    tx.open_table(MESSAGE_ROUND)?.insert(key, round)?;
    // The earlier send's id no longer names this message: its late callbacks are ignored.
    if let Some(old) = msg.provider_id.take() {
        tx.open_table(PROVIDERID_MESSAGE)?.remove(old.as_str())?;
    }
    msg.status = MessageStatus::Queued;
    msg.failure = None;
    msg.updated_at = now;
    msgs.insert(key, codec::encode(&msg)?.as_slice())?;
    let job = new_job(tx, &conv, seq, &number, now)?;
    Ok(Ok(Queued { message: msg, job }))
}
