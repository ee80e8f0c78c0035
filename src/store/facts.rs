//! The facts reports read (`domain::reports::ConversationFact`), one record per conversation keyed
//! by (opened at, conversation id) so a date range is one range scan. `refresh` brings a
//! conversation's facts up to date inside the write that changed it: it folds in the messages
//! written since the last refresh and takes the record's state, queue stays and agents.
//! `backfill` builds them at start-up for a store written before they existed; the survey
//! writes (`record_survey_sent`, `record_survey_answer`) add what no thread line says.

mod backfill;
pub mod occupancy;

pub(super) use backfill::backfill;

use super::records::{Account, Conversation, Message, ProviderKind};
use super::tables::{
    ACCOUNT_RECORD, CONVERSATION_FACTS, CONVERSATION_MESSAGES, CONVERSATION_PARTICIPANTS,
    CONVERSATION_QUEUE, CONVERSATION_QUEUEVISITS, CONVERSATION_RECORD,
};
use super::{Store, StoreError, codec, get_record};
use crate::domain::participant::Participation;
use crate::domain::reports::fact::{MessageView, Snapshot};
use crate::domain::reports::{ConversationFact, Csat, Via};
use crate::domain::{ConversationId, QueueId, Timestamp, UserId};
use redb::{ReadableTable, WriteTransaction};

impl codec::Record for ConversationFact {
    const TABLE: &'static str = "openedconversation_facts";
}

/// Why a survey write was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SurveyRefusal {
    #[error("No such conversation.")]
    Unknown,
    #[error("{0}")]
    Rating(#[from] crate::domain::reports::fact::CsatError),
}

fn key(c: &Conversation) -> (i64, u64) {
    (c.created_at.as_millis(), c.id.get())
}

/// Brings `conv`'s facts up to date. `conv` is the record as this transaction leaves it, with
/// its messages already written; the caller may hold `conversation_record` open, but not the
/// tables read here (messages, queue stays, participants, accounts, facts).
pub(crate) fn refresh(tx: &WriteTransaction, conv: &Conversation) -> Result<(), StoreError> {
    let mut facts = tx.open_table(CONVERSATION_FACTS)?;
    let k = key(conv);
    let existing = match facts.get(k)? {
        Some(g) => Some(codec::decode_at::<ConversationFact>(
            format!("{k:?}"),
            g.value(),
        )?),
        None => None,
    };
    let snapshot = snapshot(tx, conv)?;
    let mut fact = match existing {
        Some(f) => f,
        None => ConversationFact::new(&snapshot, via(tx, conv)?),
    };
    if fact.seen_seq + 1 < conv.next_seq {
        let messages = tx.open_table(CONVERSATION_MESSAGES)?;
        let id = conv.id.get();
        for row in messages.range((id, fact.seen_seq + 1)..(id, conv.next_seq))? {
            let (k, v) = row?;
            let m: Message = codec::decode_at(format!("{:?}", k.value()), v.value())?;
            fact.fold(MessageView {
                seq: m.seq,
                direction: m.direction,
                author: m.author,
                body: &m.body,
                at: m.created_at,
            });
        }
    }
    fact.apply(&snapshot);
    facts.insert(k, codec::encode(&fact)?.as_slice())?;
    Ok(())
}

/// `refresh` for a conversation known by id (the caller holds no table open).
pub(crate) fn refresh_id(tx: &WriteTransaction, id: ConversationId) -> Result<(), StoreError> {
    let conv = get_record::<Conversation, _>(&tx.open_table(CONVERSATION_RECORD)?, id.get())?;
    match conv {
        Some(c) => refresh(tx, &c),
        None => Ok(()),
    }
}

fn snapshot(tx: &WriteTransaction, c: &Conversation) -> Result<Snapshot, StoreError> {
    let id = c.id.get();
    let mut stays = Vec::new();
    for row in tx
        .open_table(CONVERSATION_QUEUEVISITS)?
        .range((id, i64::MIN)..=(id, i64::MAX))?
    {
        let (k, v) = row?;
        let (queue, left) = v.value();
        stays.push((
            QueueId::new(queue),
            Timestamp::from_millis(k.value().1),
            Timestamp::from_millis(left),
        ));
    }
    let waiting_in = tx
        .open_table(CONVERSATION_QUEUE)?
        .get(id)?
        .map(|g| QueueId::new(g.value().0));
    let mut agents = Vec::new();
    for row in tx
        .open_table(CONVERSATION_PARTICIPANTS)?
        .range((id, 0)..=(id, u64::MAX))?
    {
        let (k, v) = row?;
        if v.value() == Participation::Agent.code() {
            agents.push(UserId::new(k.value().1));
        }
    }
    Ok(Snapshot {
        conversation: c.id,
        workstream: c.workstream_id,
        channel: c.channel,
        number: c.number_id,
        agent: c.agent,
        state: c.state,
        opened_at: c.created_at,
        closed_at: c.closed_at,
        stays,
        waiting_in,
        agents,
    })
}

fn via(tx: &WriteTransaction, c: &Conversation) -> Result<Via, StoreError> {
    let account = get_record::<Account, _>(&tx.open_table(ACCOUNT_RECORD)?, c.account_id.get())?;
    Ok(match account.map(|a| a.provider) {
        Some(ProviderKind::Acs) => Via::Acs,
        Some(ProviderKind::Simulator) => Via::Simulator,
        // A deleted account's conversations were Twilio's or ACS's; Twilio is the older.
        Some(ProviderKind::Twilio) | None => Via::Twilio,
    })
}

/// Changes the stored facts of `conv` with `f`, refreshing them first.
fn amend(
    tx: &WriteTransaction,
    conv: ConversationId,
    f: impl FnOnce(&mut ConversationFact),
) -> Result<Result<(), SurveyRefusal>, StoreError> {
    let Some(c) = get_record::<Conversation, _>(&tx.open_table(CONVERSATION_RECORD)?, conv.get())?
    else {
        return Ok(Err(SurveyRefusal::Unknown));
    };
    refresh(tx, &c)?;
    let mut facts = tx.open_table(CONVERSATION_FACTS)?;
    let k = key(&c);
    let Some(bytes) = facts.get(k)?.map(|g| g.value().to_vec()) else {
        return Ok(Err(SurveyRefusal::Unknown));
    };
    let mut fact: ConversationFact = codec::decode_at(format!("{k:?}"), &bytes)?;
    f(&mut fact);
    facts.insert(k, codec::encode(&fact)?.as_slice())?;
    Ok(Ok(()))
}

/// `record_survey_answer` inside a write transaction: the survey's own write notes its answer
/// in the facts in the same commit.
pub(crate) fn note_survey_answer(
    tx: &WriteTransaction,
    conv: ConversationId,
    rating: u8,
    at: Timestamp,
) -> Result<Result<(), SurveyRefusal>, StoreError> {
    let rating = match Csat::parse(rating) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e.into())),
    };
    amend(tx, conv, |f| {
        f.survey_sent_at.get_or_insert(at);
        f.csat = Some(rating);
    })
}

impl Store {
    /// The facts of every conversation opened in `start..end`, in the order they opened.
    pub async fn facts_opened_between(
        &self,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<ConversationFact>, StoreError> {
        self.read(move |rtx| {
            let t = rtx.open_table(CONVERSATION_FACTS)?;
            let mut out = Vec::new();
            for row in t.range((start.as_millis(), 0)..(end.as_millis(), 0))? {
                let (k, v) = row?;
                out.push(codec::decode_at(format!("{:?}", k.value()), v.value())?);
            }
            Ok(out)
        })
        .await
    }

    /// The facts of one conversation.
    pub async fn conversation_fact(
        &self,
        conv: ConversationId,
    ) -> Result<Option<ConversationFact>, StoreError> {
        self.read(move |rtx| {
            let Some(c) =
                get_record::<Conversation, _>(&rtx.open_table(CONVERSATION_RECORD)?, conv.get())?
            else {
                return Ok(None);
            };
            let k = key(&c);
            match rtx.open_table(CONVERSATION_FACTS)?.get(k)? {
                Some(g) => codec::decode_at(format!("{k:?}"), g.value()).map(Some),
                None => Ok(None),
            }
        })
        .await
    }

    /// The survey went out to the customer of `conv` at `at` (the first sending counts).
    pub async fn record_survey_sent(
        &self,
        conv: ConversationId,
        at: Timestamp,
    ) -> Result<Result<(), SurveyRefusal>, StoreError> {
        self.write(move |tx| {
            amend(tx, conv, |f| {
                f.survey_sent_at.get_or_insert(at);
            })
        })
        .await
    }

    /// The customer of `conv` rated it `rating` (1–5) at `at`; a later answer replaces it. An
    /// answer without a recorded sending counts the survey as sent then.
    pub async fn record_survey_answer(
        &self,
        conv: ConversationId,
        rating: u8,
        at: Timestamp,
    ) -> Result<Result<(), SurveyRefusal>, StoreError> {
        self.write(move |tx| note_survey_answer(tx, conv, rating, at))
            .await
    }
}
