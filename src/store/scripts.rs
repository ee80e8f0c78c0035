//! Agent scripts: each workstream's ordered checklist (`domain::knowledge::script`) and the steps
//! ticked off in each conversation. A tick names a step of the script of the conversation's
//! workstream, checked in the transaction that stores it; a step removed later leaves its ticks
//! behind, unshown (ids are never reused).

use super::records::{Conversation, Workstream};
use super::tables::{
    CONVERSATION_RECORD, CONVERSATION_SCRIPTTICKS, WORKSTREAM_RECORD, WORKSTREAM_SCRIPT,
};
use super::{Store, StoreError, codec, get_record};
use crate::domain::knowledge::script::{Move, Script, ScriptError, StepId, StepKind, StepText};
use crate::domain::{ConversationId, Timestamp, UserId, WorkstreamId};
use redb::{ReadableTable, WriteTransaction};
use std::collections::HashMap;

impl codec::Record for Script {
    const TABLE: &'static str = "workstream_script";
}

/// Why a script change or a tick was refused; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScriptRefusal {
    #[error("No such workstream.")]
    UnknownWorkstream,
    #[error("No such conversation.")]
    UnknownConversation,
    #[error(transparent)]
    Script(#[from] ScriptError),
}

/// A change to a workstream's script.
#[derive(Debug, Clone)]
pub enum ScriptEdit {
    Add(StepKind, StepText),
    Edit(StepId, StepKind, StepText),
    Remove(StepId),
    Shift(StepId, Move),
    /// Every step at once (a configuration file's), keeping the ids of unchanged ones.
    Replace(Vec<(StepKind, StepText)>),
}

/// Who ticked a step and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    pub by: UserId,
    pub at: Timestamp,
}

fn read_script<T>(table: &T, ws: WorkstreamId) -> Result<Script, StoreError>
where
    T: ReadableTable<u64, &'static [u8]>,
{
    Ok(get_record(table, ws.get())?.unwrap_or_default())
}

/// Removes a deleted workstream's script (its conversations' ticks stay with them).
pub(crate) fn remove_script_of(tx: &WriteTransaction, ws: WorkstreamId) -> Result<(), StoreError> {
    tx.open_table(WORKSTREAM_SCRIPT)?.remove(ws.get())?;
    Ok(())
}

impl Store {
    /// The workstream's script; empty when it has none.
    pub async fn script(&self, ws: WorkstreamId) -> Result<Script, StoreError> {
        self.read(move |rtx| read_script(&rtx.open_table(WORKSTREAM_SCRIPT)?, ws))
            .await
    }

    /// Applies one edit to a workstream's script and returns the script as stored.
    pub async fn edit_script(
        &self,
        ws: WorkstreamId,
        edit: ScriptEdit,
    ) -> Result<Result<Script, ScriptRefusal>, StoreError> {
        self.write(move |tx| {
            if get_record::<Workstream, _>(&tx.open_table(WORKSTREAM_RECORD)?, ws.get())?.is_none()
            {
                return Ok(Err(ScriptRefusal::UnknownWorkstream));
            }
            let mut table = tx.open_table(WORKSTREAM_SCRIPT)?;
            let mut script = read_script(&table, ws)?;
            let applied = match edit.clone() {
                ScriptEdit::Add(kind, text) => script.add(kind, text).map(|_| ()),
                ScriptEdit::Edit(id, kind, text) => script.edit(id, kind, text),
                ScriptEdit::Remove(id) => script.remove(id).map(|_| ()),
                ScriptEdit::Shift(id, to) => script.shift(id, to),
                ScriptEdit::Replace(steps) => script.replace(steps),
            };
            if let Err(e) = applied {
                return Ok(Err(e.into()));
            }
            table.insert(ws.get(), codec::encode(&script)?.as_slice())?;
            Ok(Ok(script))
        })
        .await
    }

    /// The steps ticked in a conversation.
    pub async fn script_ticks(
        &self,
        conv: ConversationId,
    ) -> Result<HashMap<StepId, Tick>, StoreError> {
        self.read(move |rtx| {
            let t = rtx.open_table(CONVERSATION_SCRIPTTICKS)?;
            let mut out = HashMap::new();
            for row in t.range((conv.get(), 0)..=(conv.get(), u32::MAX))? {
                let (k, v) = row?;
                let (by, at) = v.value();
                out.insert(
                    StepId::new(k.value().1),
                    Tick {
                        by: UserId::new(by),
                        at: Timestamp::from_millis(at),
                    },
                );
            }
            Ok(out)
        })
        .await
    }

    /// Ticks (or unticks) a step of the script of the conversation's workstream.
    pub async fn set_script_tick(
        &self,
        conv: ConversationId,
        step: StepId,
        done: Option<Tick>,
    ) -> Result<Result<(), ScriptRefusal>, StoreError> {
        self.write(move |tx| {
            let Some(c) =
                get_record::<Conversation, _>(&tx.open_table(CONVERSATION_RECORD)?, conv.get())?
            else {
                return Ok(Err(ScriptRefusal::UnknownConversation));
            };
            let script = match c.workstream_id {
                Some(ws) => read_script(&tx.open_table(WORKSTREAM_SCRIPT)?, ws)?,
                None => Script::default(),
            };
            if script.step(step).is_none() {
                return Ok(Err(ScriptError::UnknownStep.into()));
            }
            let mut t = tx.open_table(CONVERSATION_SCRIPTTICKS)?;
            match done {
                Some(tick) => {
                    t.insert(
                        (conv.get(), step.get()),
                        (tick.by.get(), tick.at.as_millis()),
                    )?;
                }
                None => {
                    t.remove((conv.get(), step.get()))?;
                }
            }
            Ok(Ok(()))
        })
        .await
    }
}
