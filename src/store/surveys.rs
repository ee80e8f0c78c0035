//! Built-in surveys: one per ended conversation, keyed by the hash of its link's token (the
//! token is the customer's capability and is never stored). Answering is one write transaction
//! that checks the survey is known, unexpired and unanswered, stores the answer and writes the
//! answer's line into the conversation's thread, so a second answer can never slip in.

use super::records::{Conversation, Message};
use super::tables::{CONVERSATION_RECORD, CONVERSATION_SURVEY, TOKENHASH_SURVEY};
use super::timeline::append_line;
use super::{Store, StoreError, codec, get_record};
use crate::domain::language::LanguageCode;
use crate::domain::survey::{Answer, SurveyRefusal};
use crate::domain::timeline::StateChange;
use crate::domain::{ConversationId, Timestamp, UserId, WorkstreamId};
use redb::{ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

/// A survey sent when an agent ended a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyRecord {
    pub conversation: ConversationId,
    /// The agent who ended the conversation: the one the answer rates.
    pub agent: Option<UserId>,
    pub workstream: WorkstreamId,
    /// The workstream's language when it was sent: the page's language.
    pub language: LanguageCode,
    /// The question as it was asked (the workstream's, or the default in its language).
    pub question: String,
    pub sent_at: Timestamp,
    pub expires_at: Timestamp,
    pub answer: Option<Answered>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answered {
    pub answer: Answer,
    pub at: Timestamp,
}

impl codec::Record for SurveyRecord {
    const TABLE: &'static str = "tokenhash_survey";
}

impl SurveyRecord {
    /// Why it cannot be answered at `now`, if it cannot.
    pub fn refusal(&self, now: Timestamp) -> Option<SurveyRefusal> {
        if self.answer.is_some() {
            Some(SurveyRefusal::Answered)
        } else if self.expires_at <= now {
            Some(SurveyRefusal::Expired)
        } else {
            None
        }
    }
}

fn survey_in(tx: &WriteTransaction, hash: &str) -> Result<Option<SurveyRecord>, StoreError> {
    match tx.open_table(TOKENHASH_SURVEY)?.get(hash)? {
        Some(g) => codec::decode_at(hash, g.value()).map(Some),
        None => Ok(None),
    }
}

/// The survey of conversation `conv`, inside a write transaction (the facts' back-fill).
pub(crate) fn survey_of(
    tx: &WriteTransaction,
    conv: ConversationId,
) -> Result<Option<SurveyRecord>, StoreError> {
    let hash = tx
        .open_table(CONVERSATION_SURVEY)?
        .get(conv.get())?
        .map(|g| g.value().to_owned());
    match hash {
        Some(h) => survey_in(tx, &h),
        None => Ok(None),
    }
}

impl Store {
    /// Stores a new survey under its token's hash, as the conversation's survey.
    pub async fn create_survey(
        &self,
        token_hash: String,
        survey: SurveyRecord,
    ) -> Result<(), StoreError> {
        self.write(move |tx| {
            tx.open_table(TOKENHASH_SURVEY)?
                .insert(token_hash.as_str(), codec::encode(&survey)?.as_slice())?;
            tx.open_table(CONVERSATION_SURVEY)?
                .insert(survey.conversation.get(), token_hash.as_str())?;
            Ok(())
        })
        .await
    }

    /// Forgets a survey whose message could not be sent, so its link never works.
    pub async fn discard_survey(&self, token_hash: String) -> Result<(), StoreError> {
        self.write(move |tx| {
            if let Some(s) = survey_in(tx, &token_hash)? {
                let mut by_conv = tx.open_table(CONVERSATION_SURVEY)?;
                let current = by_conv
                    .get(s.conversation.get())?
                    .is_some_and(|g| g.value() == token_hash);
                if current {
                    by_conv.remove(s.conversation.get())?;
                }
            }
            tx.open_table(TOKENHASH_SURVEY)?
                .remove(token_hash.as_str())?;
            Ok(())
        })
        .await
    }

    /// The survey whose token hashes to `token_hash`.
    pub async fn survey(&self, token_hash: String) -> Result<Option<SurveyRecord>, StoreError> {
        self.read(
            move |rtx| match rtx.open_table(TOKENHASH_SURVEY)?.get(token_hash.as_str())? {
                Some(g) => codec::decode_at(&token_hash, g.value()).map(Some),
                None => Ok(None),
            },
        )
        .await
    }

    /// The survey sent when `conv` ended, if one was.
    pub async fn conversation_survey(
        &self,
        conv: ConversationId,
    ) -> Result<Option<SurveyRecord>, StoreError> {
        self.read(move |rtx| {
            let Some(hash) = rtx
                .open_table(CONVERSATION_SURVEY)?
                .get(conv.get())?
                .map(|g| g.value().to_owned())
            else {
                return Ok(None);
            };
            match rtx.open_table(TOKENHASH_SURVEY)?.get(hash.as_str())? {
                Some(g) => codec::decode_at(&hash, g.value()).map(Some),
                None => Ok(None),
            }
        })
        .await
    }

    /// Stores the customer's answer, once: refused, with nothing changed, for an unknown,
    /// expired or already answered survey. The answer's line goes into the thread in the same
    /// transaction, whatever the conversation's state (it is usually closed by then).
    pub async fn answer_survey(
        &self,
        token_hash: String,
        answer: Answer,
        now: Timestamp,
    ) -> Result<Result<(SurveyRecord, Option<Message>), SurveyRefusal>, StoreError> {
        self.write(move |tx| {
            let Some(mut survey) = survey_in(tx, &token_hash)? else {
                return Ok(Err(SurveyRefusal::Unknown));
            };
            if let Some(r) = survey.refusal(now) {
                return Ok(Err(r));
            }
            survey.answer = Some(Answered {
                answer: answer.clone(),
                at: now,
            });
            tx.open_table(TOKENHASH_SURVEY)?
                .insert(token_hash.as_str(), codec::encode(&survey)?.as_slice())?;
            let mut convs = tx.open_table(CONVERSATION_RECORD)?;
            let conv: Option<Conversation> = get_record(&convs, survey.conversation.get())?;
            let line = match conv {
                Some(mut conv) => {
                    let line = append_line(
                        tx,
                        &mut conv,
                        &StateChange::ForAgent(answer.line()),
                        None,
                        now,
                    )?;
                    convs.insert(conv.id.get(), codec::encode(&conv)?.as_slice())?;
                    Some(line)
                }
                None => None,
            };
            drop(convs);
            // The reports' facts learn the rating in the same commit (a conversation whose
            // facts are gone is rebuilt from this survey by the back-fill).
            let _ = super::facts::note_survey_answer(
                tx,
                survey.conversation,
                answer.rating.get(),
                now,
            )?;
            Ok(Ok((survey, line)))
        })
        .await
    }
}
