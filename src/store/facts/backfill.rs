//! Builds the facts of every stored conversation once, at start-up, for a store written before
//! facts were kept (or whose facts were lost): the same fold as the live updates, from the first
//! message, in batches of `BATCH` conversations per transaction. Survey results come from the
//! stored surveys (or, without one, from what the facts had). `meta_facts` records that the facts are built, and in which layout.

use super::super::records::Conversation;
use super::super::tables::{CONVERSATION_FACTS, CONVERSATION_RECORD, META_FACTS};
use super::super::{StoreError, codec};
use super::{key, refresh};
use crate::domain::reports::{ConversationFact, Csat};
use redb::{Database, ReadableDatabase, ReadableTable};

/// Conversations rebuilt per write transaction: bounds how long one commit takes.
const BATCH: usize = 500;
/// Bumped when the fold changes, so facts built by an older fold are rebuilt.
pub const FACTS_VERSION: u32 = 1;
const MARKER: &str = "built";

/// Rebuilds every conversation's facts unless they are built at `FACTS_VERSION`. Answers how
/// many conversations it rebuilt.
pub fn backfill(db: &Database) -> Result<u64, StoreError> {
    let built = db
        .begin_read()?
        .open_table(META_FACTS)?
        .get(MARKER)?
        .map(|g| g.value());
    if built == Some(FACTS_VERSION) {
        return Ok(0);
    }
    let mut after = 0u64;
    let mut done = 0u64;
    loop {
        let tx = db.begin_write()?;
        let batch: Vec<Conversation> = {
            let convs = tx.open_table(CONVERSATION_RECORD)?;
            let mut out = Vec::new();
            for row in convs.range(after + 1..)?.take(BATCH) {
                let (k, v) = row?;
                out.push(codec::decode_at(k.value(), v.value())?);
            }
            out
        };
        let Some(last) = batch.last().map(|c| c.id.get()) else {
            tx.open_table(META_FACTS)?.insert(MARKER, FACTS_VERSION)?;
            tx.commit()?;
            break;
        };
        for c in &batch {
            let old = tx
                .open_table(CONVERSATION_FACTS)?
                .remove(key(c))?
                .map(|g| codec::decode_at::<ConversationFact>(c.id.get(), g.value()))
                .transpose()?;
            refresh(&tx, c)?;
            // The survey's own record is the source; else what the facts had.
            let survey = match super::super::surveys::survey_of(&tx, c.id)? {
                Some(s) => Some((
                    Some(s.sent_at),
                    s.answer
                        .and_then(|a| Csat::parse(a.answer.rating.get()).ok()),
                )),
                None => old
                    .filter(|o| o.survey_sent_at.is_some() || o.csat.is_some())
                    .map(|o| (o.survey_sent_at, o.csat)),
            };
            if let Some((sent, csat)) = survey {
                let mut facts = tx.open_table(CONVERSATION_FACTS)?;
                let bytes = facts.get(key(c))?.map(|g| g.value().to_vec());
                if let Some(bytes) = bytes {
                    let mut f: ConversationFact = codec::decode_at(c.id.get(), &bytes)?;
                    f.survey_sent_at = sent;
                    f.csat = csat;
                    facts.insert(key(c), codec::encode(&f)?.as_slice())?;
                }
            }
        }
        tx.commit()?;
        done += batch.len() as u64;
        after = last;
    }
    if done > 0 {
        tracing::info!(
            conversations = done,
            "report facts built from the stored conversations"
        );
    }
    Ok(done)
}
