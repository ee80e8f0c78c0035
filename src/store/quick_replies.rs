//! Quick replies: canned messages agents insert (typing /q), global or linked to workstreams.
//! The message's slugs are checked by `domain::quick_reply` before anything is stored.

use super::records::Workstream;
use super::tables::{QUICKREPLY_RECORD, WORKSTREAM_RECORD};
use super::{Store, StoreError, all_records, codec, get_record, next_id};
use crate::domain::QuickReplyId;
use crate::domain::WorkstreamId;
use crate::domain::language::LanguageCode;
use crate::domain::quick_reply::QuickReplyText;
use redb::{ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuickReply {
    pub id: QuickReplyId,
    pub title: String,
    /// As typed (`en`, `es-MX`).
    pub locale: LanguageCode,
    pub message: QuickReplyText,
    pub tags: Vec<String>,
    /// Empty: offered in every workstream.
    pub workstreams: Vec<WorkstreamId>,
}

impl codec::Record for QuickReply {
    const TABLE: &'static str = "quickreply_record";
}

impl QuickReply {
    pub fn is_global(&self) -> bool {
        self.workstreams.is_empty()
    }

    /// Offered to agents working in `ws`.
    pub fn offered_in(&self, ws: WorkstreamId) -> bool {
        self.is_global() || self.workstreams.contains(&ws)
    }
}

/// A quick reply as the admin form submits it, every part already parsed.
#[derive(Debug, Clone)]
pub struct QuickReplyDraft {
    pub title: String,
    pub locale: LanguageCode,
    pub message: QuickReplyText,
    pub tags: Vec<String>,
    pub workstreams: Vec<WorkstreamId>,
}

/// Why a quick-reply change was refused; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuickReplyRefusal {
    #[error("No such quick reply.")]
    Unknown,
    #[error("No such workstream.")]
    UnknownWorkstream,
}

impl QuickReplyDraft {
    fn into_record(self, id: QuickReplyId) -> QuickReply {
        let mut workstreams = self.workstreams;
        workstreams.sort();
        workstreams.dedup();
        QuickReply {
            id,
            title: self.title,
            locale: self.locale,
            message: self.message,
            tags: self.tags,
            workstreams,
        }
    }
}

fn unknown_workstream(tx: &WriteTransaction, ids: &[WorkstreamId]) -> Result<bool, StoreError> {
    let table = tx.open_table(WORKSTREAM_RECORD)?;
    for id in ids {
        if get_record::<Workstream, _>(&table, id.get())?.is_none() {
            return Ok(true);
        }
    }
    Ok(false)
}

impl Store {
    /// Every quick reply, in id order.
    pub async fn quick_replies(&self) -> Result<Vec<QuickReply>, StoreError> {
        self.read(|rtx| all_records(&rtx.open_table(QUICKREPLY_RECORD)?))
            .await
    }

    /// The quick replies offered in one workstream: its own and the global ones.
    pub async fn quick_replies_for(&self, ws: WorkstreamId) -> Result<Vec<QuickReply>, StoreError> {
        let all = self.quick_replies().await?;
        Ok(all.into_iter().filter(|q| q.offered_in(ws)).collect())
    }

    pub async fn quick_reply(&self, id: QuickReplyId) -> Result<Option<QuickReply>, StoreError> {
        self.read(move |rtx| get_record(&rtx.open_table(QUICKREPLY_RECORD)?, id.get()))
            .await
    }

    pub async fn create_quick_reply(
        &self,
        draft: QuickReplyDraft,
    ) -> Result<Result<QuickReply, QuickReplyRefusal>, StoreError> {
        self.write(move |tx| {
            if unknown_workstream(tx, &draft.workstreams)? {
                return Ok(Err(QuickReplyRefusal::UnknownWorkstream));
            }
            let id = QuickReplyId::new(next_id(tx, "quick_reply")?);
            let q = draft.clone().into_record(id);
            tx.open_table(QUICKREPLY_RECORD)?
                .insert(id.get(), codec::encode(&q)?.as_slice())?;
            Ok(Ok(q))
        })
        .await
    }

    pub async fn update_quick_reply(
        &self,
        id: QuickReplyId,
        draft: QuickReplyDraft,
    ) -> Result<Result<QuickReply, QuickReplyRefusal>, StoreError> {
        self.write(move |tx| {
            if tx.open_table(QUICKREPLY_RECORD)?.get(id.get())?.is_none() {
                return Ok(Err(QuickReplyRefusal::Unknown));
            }
            if unknown_workstream(tx, &draft.workstreams)? {
                return Ok(Err(QuickReplyRefusal::UnknownWorkstream));
            }
            let q = draft.clone().into_record(id);
            tx.open_table(QUICKREPLY_RECORD)?
                .insert(id.get(), codec::encode(&q)?.as_slice())?;
            Ok(Ok(q))
        })
        .await
    }

    pub async fn delete_quick_reply(
        &self,
        id: QuickReplyId,
    ) -> Result<Result<QuickReply, QuickReplyRefusal>, StoreError> {
        self.write(move |tx| {
            let mut table = tx.open_table(QUICKREPLY_RECORD)?;
            let removed = table
                .remove(id.get())?
                .map(|g| codec::decode_at(id.get(), g.value()));
            match removed.transpose()? {
                Some(q) => Ok(Ok(q)),
                None => Ok(Err(QuickReplyRefusal::Unknown)),
            }
        })
        .await
    }
}
