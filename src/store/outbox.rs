//! The durable outbox: an agent's message and its send job are committed together; the
//! dispatcher then records the provider's answer (accepted, retry later, failed for good), and
//! status callbacks move the delivery status forward only.

use super::conversations::{conversation, message};
use super::records::{
    Contact, Conversation, InboundExtras, Message, OutboxJob, SendFailure, SenderNumber,
    TemplateUse,
};
use super::sendstate::{AttemptLog, attempt_log};
use super::setup::{self, AccountWithToken};
use super::tables::*;
use super::{Store, StoreError, codec, get_message, get_record, next_id};
use crate::domain::optout::OPTED_OUT_TEXT;
use crate::domain::template::TemplateError;
use crate::domain::window::{WINDOW_EXPIRED_TEXT, free_form_allowed};
use crate::domain::{
    Channel, ConversationId, Direction, JobId, MessageStatus, TemplateId, Timestamp, UserId,
};
use redb::WriteTransaction;

/// Longest outbound text: WhatsApp's limit (SMS is split by the provider up to 1,600).
pub const MAX_OUTBOUND_CHARS: usize = 4_096;

#[derive(Debug, Clone)]
pub enum OutboundContent {
    Text(String),
    Template {
        template_id: TemplateId,
        values: Vec<String>,
    },
    /// A file already stored under `<data dir>/media/` (`file` is relative to it), with a caption.
    Attachment {
        caption: String,
        file: String,
        content_type: String,
        bytes: u64,
    },
}

#[derive(Debug, Clone)]
pub struct OutboundRequest {
    pub conversation_id: ConversationId,
    pub content: OutboundContent,
    pub author: Option<UserId>,
    /// `Outbound` for agents, `Automated` for omnidesk's own messages.
    pub direction: Direction,
}

/// Why a send was refused before anything was stored or sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendRefusal {
    #[error("{}", WINDOW_EXPIRED_TEXT)]
    WindowExpired,
    #[error("{}", OPTED_OUT_TEXT)]
    OptedOut,
    #[error("This conversation is closed; a new customer message starts a new one.")]
    Closed,
    #[error("No such conversation.")]
    UnknownConversation,
    #[error("The message is empty.")]
    Empty,
    #[error("The message is longer than {MAX_OUTBOUND_CHARS} characters.")]
    TooLong,
    #[error(
        "The business number of this conversation was deleted: it can be read but no longer answered."
    )]
    NumberDeleted,
    #[error("No such template.")]
    UnknownTemplate,
    #[error("Templates can only be sent on WhatsApp conversations.")]
    TemplateNotWhatsApp,
    #[error("Template: {0}")]
    Template(#[from] TemplateError),
    #[error("No such message.")]
    UnknownMessage,
    #[error("Only a failed message can be retried.")]
    NotFailed,
}

#[derive(Debug, Clone)]
pub struct Queued {
    pub message: Message,
    pub job: OutboxJob,
}

/// What the provider made of one send attempt.
#[derive(Debug, Clone)]
pub enum Attempt {
    Accepted {
        provider_id: String,
        status: MessageStatus,
    },
    /// The provider did not take the message: it may be sent again from `not_before`.
    Retry {
        not_before: Timestamp,
        error: String,
    },
    /// Whether the provider took the message is not known: from `not_before` it is looked up
    /// before anything is sent again.
    Unresolved {
        not_before: Timestamp,
        error: String,
    },
    Failed(SendFailure),
}

/// Everything needed to send one job.
#[derive(Debug, Clone)]
pub struct SendContext {
    pub job: OutboxJob,
    pub message: Message,
    pub conversation: Conversation,
    pub number: SenderNumber,
    pub account: AccountWithToken,
    /// The job's earlier attempts, if one began.
    pub attempts: Option<AttemptLog>,
    /// The message's send round (see `MESSAGE_ROUND`).
    pub round: u32,
    /// The template the message sends, if it is one and still exists.
    pub template: Option<super::records::Template>,
}

impl Store {
    /// Checks the conversation (closed, opt-out, 24-hour window, template values) and stores the
    /// message as queued together with its outbox job, atomically.
    pub async fn enqueue(
        &self,
        req: OutboundRequest,
        now: Timestamp,
    ) -> Result<Result<Queued, SendRefusal>, StoreError> {
        if let OutboundContent::Attachment { caption, .. } = &req.content
            && caption.chars().count() > MAX_OUTBOUND_CHARS
        {
            return Ok(Err(SendRefusal::TooLong));
        }
        if let OutboundContent::Text(body) = &req.content {
            if body.trim().is_empty() {
                return Ok(Err(SendRefusal::Empty));
            }
            if body.chars().count() > MAX_OUTBOUND_CHARS {
                return Ok(Err(SendRefusal::TooLong));
            }
        }
        self.write(move |tx| enqueue_in(tx, &req, OptOutGate::Checked, now))
            .await
    }

    /// `enqueue` for the answer to an opt-out keyword, the one message an opted-out customer
    /// still receives; every other check applies.
    pub async fn enqueue_opt_out_confirmation(
        &self,
        req: OutboundRequest,
        now: Timestamp,
    ) -> Result<Result<Queued, SendRefusal>, StoreError> {
        self.write(move |tx| enqueue_in(tx, &req, OptOutGate::Confirmation, now))
            .await
    }

    pub fn pending_jobs_now(&self) -> Result<Vec<OutboxJob>, StoreError> {
        self.read_now(|rtx| super::all_records(&rtx.open_table(OUTBOX_JOB)?))
    }

    /// Loads what a send needs; None if the job is gone.
    pub async fn send_context(&self, job: JobId) -> Result<Option<SendContext>, StoreError> {
        let store = self.clone();
        self.read(move |rtx| {
            let Some(job) = get_record::<OutboxJob, _>(&rtx.open_table(OUTBOX_JOB)?, job.get())?
            else {
                return Ok(None);
            };
            let missing = |what: &str| StoreError::Missing(format!("{what} of {}", job.id));
            let message =
                message(rtx, job.conversation_id, job.seq)?.ok_or_else(|| missing("message"))?;
            let conversation =
                conversation(rtx, job.conversation_id)?.ok_or_else(|| missing("conversation"))?;
            let number = setup::number(rtx, job.number_id)?.ok_or_else(|| missing("number"))?;
            let account =
                setup::account(rtx, number.account_id)?.ok_or_else(|| missing("account"))?;
            let attempts = attempt_log(&rtx.open_table(JOB_ATTEMPT)?, job.id)?;
            let round = rtx
                .open_table(MESSAGE_ROUND)?
                .get((job.conversation_id.get(), job.seq))?
                .map_or(0, |g| g.value());
            let template = match &message.template {
                Some(used) => get_record::<super::records::Template, _>(
                    &rtx.open_table(TEMPLATE_RECORD)?,
                    used.template_id.get(),
                )?,
                None => None,
            };
            Ok(Some(SendContext {
                template,
                account: store.with_token(account)?,
                job,
                message,
                conversation,
                number,
                attempts,
                round,
            }))
        })
        .await
    }

    /// Records one send attempt's outcome; returns the message as it now stands.
    pub async fn record_attempt(
        &self,
        job: JobId,
        attempt: Attempt,
        now: Timestamp,
    ) -> Result<Option<Message>, StoreError> {
        self.write(move |tx| record_attempt_in(tx, job, &attempt, now))
            .await
    }
}

/// The conversation's sender if anything may be sent on it now: not closed, the number not
/// deleted, the customer not opted out of the channel.
pub(crate) fn sendable(
    tx: &WriteTransaction,
    conv: &Conversation,
) -> Result<Result<SenderNumber, SendRefusal>, StoreError> {
    sendable_gated(tx, conv, OptOutGate::Checked)
}

/// Whether a send checks the customer's opt-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OptOutGate {
    Checked,
    /// The confirmation of an opt-out: exempt.
    Confirmation,
}

fn sendable_gated(
    tx: &WriteTransaction,
    conv: &Conversation,
    gate: OptOutGate,
) -> Result<Result<SenderNumber, SendRefusal>, StoreError> {
    if conv.state.is_closed() {
        return Ok(Err(SendRefusal::Closed));
    }
    let Some(number) =
        get_record::<SenderNumber, _>(&tx.open_table(NUMBER_RECORD)?, conv.number_id.get())?
    else {
        return Ok(Err(SendRefusal::NumberDeleted));
    };
    let contact: Option<Contact> =
        get_record(&tx.open_table(CONTACT_RECORD)?, conv.contact_id.get())?;
    if gate == OptOutGate::Checked && contact.is_some_and(|c| c.opted_out(conv.channel)) {
        return Ok(Err(SendRefusal::OptedOut));
    }
    Ok(Ok(number))
}

/// Whether a free-form (non-template) message may go now: always on SMS, within the 24-hour
/// window on WhatsApp.
pub(crate) fn free_form_open(conv: &Conversation, now: Timestamp) -> bool {
    conv.channel != Channel::WhatsApp
        || (!conv.template_only && free_form_allowed(conv.window_expires_at, now))
}

fn enqueue_in(
    tx: &WriteTransaction,
    req: &OutboundRequest,
    gate: OptOutGate,
    now: Timestamp,
) -> Result<Result<Queued, SendRefusal>, StoreError> {
    let mut convs = tx.open_table(CONVERSATION_RECORD)?;
    let Some(mut conv) = get_record::<Conversation, _>(&convs, req.conversation_id.get())? else {
        return Ok(Err(SendRefusal::UnknownConversation));
    };
    // Every refusal comes before the first write: a refused send must leave nothing behind.
    let number = match sendable_gated(tx, &conv, gate)? {
        Ok(n) => n,
        Err(r) => return Ok(Err(r)),
    };
    let mut media = Vec::new();
    let (body, template) = match &req.content {
        OutboundContent::Attachment {
            caption,
            file,
            content_type,
            bytes,
        } => {
            if !free_form_open(&conv, now) {
                return Ok(Err(SendRefusal::WindowExpired));
            }
            media.push(super::records::Media {
                url: file.clone(),
                content_type: content_type.clone(),
                state: super::records::MediaState::Stored {
                    file: file.clone(),
                    bytes: *bytes,
                },
            });
            (caption.clone(), None)
        }
        OutboundContent::Text(body) => {
            if !free_form_open(&conv, now) {
                return Ok(Err(SendRefusal::WindowExpired));
            }
            (body.clone(), None)
        }
        OutboundContent::Template {
            template_id,
            values,
        } => {
            if conv.channel != Channel::WhatsApp {
                return Ok(Err(SendRefusal::TemplateNotWhatsApp));
            }
            let templates = tx.open_table(TEMPLATE_RECORD)?;
            let Some(t) = get_record::<super::records::Template, _>(&templates, template_id.get())?
            else {
                return Ok(Err(SendRefusal::UnknownTemplate));
            };
            let body = match t.text.render(values) {
                Ok(b) => b,
                Err(e) => return Ok(Err(e.into())),
            };
            let variables = match t.text.content_variables(values) {
                Ok(v) => v,
                Err(e) => return Ok(Err(e.into())),
            };
            let used = TemplateUse {
                template_id: *template_id,
                content_sid: t.content_sid.clone(),
                variables,
            };
            (body, Some(used))
        }
    };
    let seq = conv.next_seq;
    conv.next_seq += 1;
    conv.updated_at = now;
    convs.insert(conv.id.get(), codec::encode(&conv)?.as_slice())?;
    let message = Message {
        conversation_id: conv.id,
        seq,
        direction: req.direction,
        body,
        media,
        status: MessageStatus::Queued,
        provider_id: None,
        failure: None,
        author: req.author,
        template,
        extras: InboundExtras::default(),
        created_at: now,
        updated_at: now,
    };
    tx.open_table(CONVERSATION_MESSAGES)?
        .insert((conv.id.get(), seq), codec::encode(&message)?.as_slice())?;
    super::facts::refresh(tx, &conv)?;
    let job = new_job(tx, &conv, seq, &number, now)?;
    Ok(Ok(Queued { message, job }))
}

/// Stores a fresh send job for message `seq` of `conv`.
pub(crate) fn new_job(
    tx: &WriteTransaction,
    conv: &Conversation,
    seq: u64,
    number: &SenderNumber,
    now: Timestamp,
) -> Result<OutboxJob, StoreError> {
    let job = OutboxJob {
        id: JobId::new(next_id(tx, "job")?),
        conversation_id: conv.id,
        seq,
        number_id: conv.number_id,
        number_kind: number.kind,
        attempts: 0,
        not_before: now,
        last_error: None,
        request_id: crate::domain::guid::Guid::random(),
    };
    tx.open_table(OUTBOX_JOB)?
        .insert(job.id.get(), codec::encode(&job)?.as_slice())?;
    Ok(job)
}

fn record_attempt_in(
    tx: &WriteTransaction,
    job_id: JobId,
    attempt: &Attempt,
    now: Timestamp,
) -> Result<Option<Message>, StoreError> {
    let mut jobs = tx.open_table(OUTBOX_JOB)?;
    let Some(mut job) = get_record::<OutboxJob, _>(&jobs, job_id.get())? else {
        return Ok(None);
    };
    let mut msgs = tx.open_table(CONVERSATION_MESSAGES)?;
    let key = (job.conversation_id.get(), job.seq);
    let Some(mut msg) = get_message(&msgs, key)? else {
        jobs.remove(job_id.get())?;
        return Ok(None);
    };
    let mut log = tx.open_table(JOB_ATTEMPT)?;
    match attempt {
        Attempt::Accepted {
            provider_id,
            status,
        } => {
            jobs.remove(job_id.get())?;
            log.remove(job_id.get())?;
            msg.provider_id = Some(provider_id.clone());
            if msg.status.may_become(*status) {
                msg.status = *status;
            }
            tx.open_table(PROVIDERID_MESSAGE)?
                .insert(provider_id.as_str(), key)?;
            let conv: Option<Conversation> =
                get_record(&tx.open_table(CONVERSATION_RECORD)?, key.0)?;
            if let Some(conv) = conv {
                super::status::apply_early_in(tx, provider_id, conv.account_id, &mut msg)?;
            }
        }
        Attempt::Retry { not_before, error } | Attempt::Unresolved { not_before, error } => {
            job.attempts += 1;
            job.not_before = *not_before;
            job.last_error = Some(error.clone());
            jobs.insert(job_id.get(), codec::encode(&job)?.as_slice())?;
            // The provider said no: nothing is left to look up before the next send.
            if let Attempt::Retry { .. } = attempt
                && let Some(l) = attempt_log(&log, job_id)?
            {
                log.insert(job_id.get(), (l.first_started_at.as_millis(), None))?;
            }
        }
        Attempt::Failed(failure) => {
            jobs.remove(job_id.get())?;
            log.remove(job_id.get())?;
            // A callback may already have said more (it can beat an unresolved attempt).
            if msg.status.may_become(MessageStatus::Failed) {
                msg.status = MessageStatus::Failed;
                msg.failure = Some(failure.clone());
            }
        }
    }
    msg.updated_at = now;
    msgs.insert(key, codec::encode(&msg)?.as_slice())?;
    Ok(Some(msg))
}
