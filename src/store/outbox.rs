//! The durable outbox: an agent's message and its send job are committed together; the
//! dispatcher then records the provider's answer (accepted, retry later, failed for good), and
//! status callbacks move the delivery status forward only.

use super::conversations::{conversation, message};
use super::records::{
    Contact, Conversation, InboundExtras, Message, OutboxJob, SendFailure, SenderNumber,
    TemplateUse,
};
use super::setup::{self, AccountWithToken};
use super::tables::*;
use super::{Store, StoreError, codec, get_record, next_id};
use crate::domain::optout::OPTED_OUT_TEXT;
use crate::domain::template::TemplateError;
use crate::domain::window::{WINDOW_EXPIRED_TEXT, free_form_allowed};
use crate::domain::{
    Channel, ConversationId, Direction, JobId, MessageStatus, TemplateId, Timestamp, UserId,
};
use redb::{ReadableTable, WriteTransaction};

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
    Retry {
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
}

#[derive(Debug)]
pub enum StatusUpdate {
    /// No message has this provider id.
    Unknown,
    /// Known, but the status would not move forward.
    Ignored(Message),
    Applied(Message),
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
        self.write(move |tx| enqueue_in(tx, &req, now)).await
    }

    pub fn pending_jobs_now(&self) -> Result<Vec<OutboxJob>, StoreError> {
        self.read_now(|rtx| super::all_records(&rtx.open_table(OUTBOX_JOB)?))
    }

    /// Loads what a send needs; None if the job is gone.
    pub async fn send_context(&self, job: JobId) -> Result<Option<SendContext>, StoreError> {
        let store = self.clone();
        let ctx = self
            .read(move |rtx| {
                let Some(job) =
                    get_record::<OutboxJob, _>(&rtx.open_table(OUTBOX_JOB)?, job.get())?
                else {
                    return Ok(None);
                };
                let missing = |what: &str| StoreError::Missing(format!("{what} of {}", job.id));
                let message = message(rtx, job.conversation_id, job.seq)?
                    .ok_or_else(|| missing("message"))?;
                let conversation = conversation(rtx, job.conversation_id)?
                    .ok_or_else(|| missing("conversation"))?;
                let number = setup::number(rtx, job.number_id)?.ok_or_else(|| missing("number"))?;
                let account =
                    setup::account(rtx, number.account_id)?.ok_or_else(|| missing("account"))?;
                Ok(Some((job, message, conversation, number, account)))
            })
            .await?;
        let Some((job, message, conversation, number, account)) = ctx else {
            return Ok(None);
        };
        let account = store
            .account_with_token(account.id)
            .await?
            .ok_or_else(|| StoreError::Missing(format!("account {}", account.id)))?;
        Ok(Some(SendContext {
            job,
            message,
            conversation,
            number,
            account,
        }))
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

    /// Applies a delivery status callback; status only moves forward.
    pub async fn apply_status(
        &self,
        provider_id: String,
        status: MessageStatus,
        failure: Option<SendFailure>,
        now: Timestamp,
    ) -> Result<StatusUpdate, StoreError> {
        self.write(move |tx| {
            let found = tx
                .open_table(PROVIDERID_MESSAGE)?
                .get(provider_id.as_str())?
                .map(|g| g.value());
            let Some((c, s)) = found else {
                return Ok(StatusUpdate::Unknown);
            };
            let mut msgs = tx.open_table(CONVERSATION_MESSAGES)?;
            let Some(mut msg) = msgs
                .get((c, s))?
                .map(|g| codec::decode::<Message>(g.value()))
                .transpose()?
            else {
                return Ok(StatusUpdate::Unknown);
            };
            if msg.direction == Direction::Inbound || !msg.status.may_become(status) {
                return Ok(StatusUpdate::Ignored(msg));
            }
            msg.status = status;
            if status.is_failure() {
                msg.failure = failure.clone();
            }
            msg.updated_at = now;
            msgs.insert((c, s), codec::encode(&msg)?.as_slice())?;
            Ok(StatusUpdate::Applied(msg))
        })
        .await
    }
}

fn enqueue_in(
    tx: &WriteTransaction,
    req: &OutboundRequest,
    now: Timestamp,
) -> Result<Result<Queued, SendRefusal>, StoreError> {
    let mut convs = tx.open_table(CONVERSATION_RECORD)?;
    let Some(mut conv) = get_record::<Conversation, _>(&convs, req.conversation_id.get())? else {
        return Ok(Err(SendRefusal::UnknownConversation));
    };
    if conv.state.is_closed() {
        return Ok(Err(SendRefusal::Closed));
    }
    // Every refusal comes before the first write: a refused send must leave nothing behind.
    let Some(number) =
        get_record::<SenderNumber, _>(&tx.open_table(NUMBER_RECORD)?, conv.number_id.get())?
    else {
        return Ok(Err(SendRefusal::NumberDeleted));
    };
    let contact: Option<Contact> =
        get_record(&tx.open_table(CONTACT_RECORD)?, conv.contact_id.get())?;
    if contact.is_some_and(|c| c.opted_out(conv.channel)) {
        return Ok(Err(SendRefusal::OptedOut));
    }
    let mut media = Vec::new();
    let (body, template) = match &req.content {
        OutboundContent::Attachment {
            caption,
            file,
            content_type,
            bytes,
        } => {
            let window_open = !conv.template_only && free_form_allowed(conv.window_expires_at, now);
            if conv.channel == Channel::WhatsApp && !window_open {
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
            let window_open = !conv.template_only && free_form_allowed(conv.window_expires_at, now);
            if conv.channel == Channel::WhatsApp && !window_open {
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
    let job = OutboxJob {
        id: JobId::new(next_id(tx, "job")?),
        conversation_id: conv.id,
        seq,
        number_id: conv.number_id,
        number_kind: number.kind,
        attempts: 0,
        not_before: now,
        last_error: None,
    };
    tx.open_table(OUTBOX_JOB)?
        .insert(job.id.get(), codec::encode(&job)?.as_slice())?;
    Ok(Ok(Queued { message, job }))
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
    let Some(mut msg) = msgs
        .get(key)?
        .map(|g| codec::decode::<Message>(g.value()))
        .transpose()?
    else {
        jobs.remove(job_id.get())?;
        return Ok(None);
    };
    match attempt {
        Attempt::Accepted {
            provider_id,
            status,
        } => {
            jobs.remove(job_id.get())?;
            msg.provider_id = Some(provider_id.clone());
            if msg.status.may_become(*status) {
                msg.status = *status;
            }
            tx.open_table(PROVIDERID_MESSAGE)?
                .insert(provider_id.as_str(), key)?;
        }
        Attempt::Retry { not_before, error } => {
            job.attempts += 1;
            job.not_before = *not_before;
            job.last_error = Some(error.clone());
            jobs.insert(job_id.get(), codec::encode(&job)?.as_slice())?;
        }
        Attempt::Failed(failure) => {
            jobs.remove(job_id.get())?;
            msg.status = MessageStatus::Failed;
            msg.failure = Some(failure.clone());
        }
    }
    msg.updated_at = now;
    msgs.insert(key, codec::encode(&msg)?.as_slice())?;
    Ok(Some(msg))
}
