//! Context variables: each workstream's definitions (name unique regardless of case, kind,
//! optional default) and the values set for a conversation (by the bot). A value must be of its
//! variable's kind; a conversation's effective value is the one set, else the default.

use super::records::Conversation;
use super::tables::{
    CONVERSATION_CONTEXT, CONVERSATION_RECORD, WORKSTREAM_CONTEXTVARIABLES, WORKSTREAM_RECORD,
};
use super::{Store, StoreError, codec, get_record};
use crate::domain::routing::{ContextValue, VariableKind, VariableName};
use crate::domain::{ConversationId, WorkstreamId};
use redb::{ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContextVariable {
    pub workstream: WorkstreamId,
    pub name: VariableName,
    pub kind: VariableKind,
    /// Of `kind`.
    pub default: Option<ContextValue>,
}

impl codec::Record for ContextVariable {
    const TABLE: &'static str = "workstream_contextvariables";
}

impl codec::Record for ContextValue {
    const TABLE: &'static str = "conversation_context";
}

/// A definition as the admin form submits it; the default is already of `kind`.
#[derive(Debug, Clone, PartialEq)]
pub struct ContextVariableDraft {
    pub name: VariableName,
    pub kind: VariableKind,
    pub default: Option<ContextValue>,
}

impl ContextVariableDraft {
    /// The variable of workstream `ws` the draft describes.
    fn variable(&self, ws: WorkstreamId) -> ContextVariable {
        ContextVariable {
            workstream: ws,
            name: self.name.clone(),
            kind: self.kind,
            default: self.default.clone(),
        }
    }
}

/// Why a context-variable change was refused; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContextRefusal {
    #[error("No such context variable.")]
    Unknown,
    #[error("No such workstream.")]
    UnknownWorkstream,
    #[error("No such conversation.")]
    UnknownConversation,
    #[error("This workstream already has a context variable with this name.")]
    Duplicate,
    #[error("The value is not of the variable's type.")]
    WrongKind,
}

type Defs<'a> = redb::Table<'a, (u64, &'static str), &'static [u8]>;

fn get_def(t: &Defs, ws: WorkstreamId, key: &str) -> Result<Option<ContextVariable>, StoreError> {
    match t.get((ws.get(), key))? {
        Some(g) => codec::decode_at(format!("{}/{key}", ws.get()), g.value()).map(Some),
        None => Ok(None),
    }
}

fn put_def(tx: &WriteTransaction, v: &ContextVariable) -> Result<(), StoreError> {
    tx.open_table(WORKSTREAM_CONTEXTVARIABLES)?.insert(
        (v.workstream.get(), v.name.key().as_str()),
        codec::encode(v)?.as_slice(),
    )?;
    Ok(())
}

fn kind_fits(d: &ContextVariableDraft) -> bool {
    d.default.as_ref().is_none_or(|v| v.kind() == d.kind)
}

fn definitions<T>(t: &T, ws: WorkstreamId) -> Result<Vec<ContextVariable>, StoreError>
where
    T: ReadableTable<(u64, &'static str), &'static [u8]>,
{
    let mut out = Vec::new();
    for row in t.range((ws.get(), "")..(ws.get() + 1, ""))? {
        let (k, v) = row?;
        let (w, name) = k.value();
        out.push(codec::decode_at(format!("{w}/{name}"), v.value())?);
    }
    Ok(out)
}

impl Store {
    /// A workstream's context variables, by name.
    pub async fn context_variables(
        &self,
        ws: WorkstreamId,
    ) -> Result<Vec<ContextVariable>, StoreError> {
        self.read(move |rtx| definitions(&rtx.open_table(WORKSTREAM_CONTEXTVARIABLES)?, ws))
            .await
    }

    /// One variable, by name in any case.
    pub async fn context_variable(
        &self,
        ws: WorkstreamId,
        name: String,
    ) -> Result<Option<ContextVariable>, StoreError> {
        self.read(move |rtx| {
            let t = rtx.open_table(WORKSTREAM_CONTEXTVARIABLES)?;
            match t.get((ws.get(), name.to_ascii_lowercase().as_str()))? {
                Some(g) => codec::decode_at(format!("{}/{name}", ws.get()), g.value()).map(Some),
                None => Ok(None),
            }
        })
        .await
    }

    pub async fn create_context_variable(
        &self,
        ws: WorkstreamId,
        draft: ContextVariableDraft,
    ) -> Result<Result<ContextVariable, ContextRefusal>, StoreError> {
        self.write(move |tx| {
            if tx.open_table(WORKSTREAM_RECORD)?.get(ws.get())?.is_none() {
                return Ok(Err(ContextRefusal::UnknownWorkstream));
            }
            if !kind_fits(&draft) {
                return Ok(Err(ContextRefusal::WrongKind));
            }
            let defs = tx.open_table(WORKSTREAM_CONTEXTVARIABLES)?;
            if get_def(&defs, ws, &draft.name.key())?.is_some() {
                return Ok(Err(ContextRefusal::Duplicate));
            }
            drop(defs);
            let v = draft.variable(ws);
            put_def(tx, &v)?;
            Ok(Ok(v))
        })
        .await
    }

    /// Changes the variable named `key` (lower case); a rename keeps the conversations' values.
    pub async fn update_context_variable(
        &self,
        ws: WorkstreamId,
        key: String,
        draft: ContextVariableDraft,
    ) -> Result<Result<ContextVariable, ContextRefusal>, StoreError> {
        self.write(move |tx| {
            if !kind_fits(&draft) {
                return Ok(Err(ContextRefusal::WrongKind));
            }
            let mut defs = tx.open_table(WORKSTREAM_CONTEXTVARIABLES)?;
            if get_def(&defs, ws, &key)?.is_none() {
                return Ok(Err(ContextRefusal::Unknown));
            }
            let new_key = draft.name.key();
            if new_key != key {
                if get_def(&defs, ws, &new_key)?.is_some() {
                    return Ok(Err(ContextRefusal::Duplicate));
                }
                defs.remove((ws.get(), key.as_str()))?;
                rename_values(tx, ws, &key, &new_key)?;
            }
            drop(defs);
            let v = draft.variable(ws);
            put_def(tx, &v)?;
            Ok(Ok(v))
        })
        .await
    }

    pub async fn delete_context_variable(
        &self,
        ws: WorkstreamId,
        key: String,
    ) -> Result<Result<ContextVariable, ContextRefusal>, StoreError> {
        self.write(move |tx| {
            let mut defs = tx.open_table(WORKSTREAM_CONTEXTVARIABLES)?;
            let Some(old) = get_def(&defs, ws, &key)? else {
                return Ok(Err(ContextRefusal::Unknown));
            };
            defs.remove((ws.get(), key.as_str()))?;
            Ok(Ok(old))
        })
        .await
    }

    /// Sets a conversation's value of one of its workstream's variables.
    pub async fn set_context_value(
        &self,
        conv: ConversationId,
        name: VariableName,
        value: ContextValue,
    ) -> Result<Result<(), ContextRefusal>, StoreError> {
        self.write(move |tx| {
            let c: Option<Conversation> =
                get_record(&tx.open_table(CONVERSATION_RECORD)?, conv.get())?;
            let Some(ws) = c.and_then(|c| c.workstream_id) else {
                return Ok(Err(ContextRefusal::UnknownConversation));
            };
            let defs = tx.open_table(WORKSTREAM_CONTEXTVARIABLES)?;
            match get_def(&defs, ws, &name.key())? {
                None => return Ok(Err(ContextRefusal::Unknown)),
                Some(d) if d.kind != value.kind() => return Ok(Err(ContextRefusal::WrongKind)),
                Some(_) => {}
            }
            drop(defs);
            tx.open_table(CONVERSATION_CONTEXT)?.insert(
                (conv.get(), name.key().as_str()),
                codec::encode(&value)?.as_slice(),
            )?;
            Ok(Ok(()))
        })
        .await
    }

    /// Each variable of the conversation's workstream with its value: the one set, else the
    /// default, else none.
    pub async fn conversation_context(
        &self,
        conv: ConversationId,
        ws: WorkstreamId,
    ) -> Result<Vec<(ContextVariable, Option<ContextValue>)>, StoreError> {
        self.read(move |rtx| {
            let defs = definitions(&rtx.open_table(WORKSTREAM_CONTEXTVARIABLES)?, ws)?;
            let values = rtx.open_table(CONVERSATION_CONTEXT)?;
            let mut out = Vec::with_capacity(defs.len());
            for d in defs {
                let key = d.name.key();
                let set: Option<ContextValue> = match values.get((conv.get(), key.as_str()))? {
                    Some(g) => Some(codec::decode_at(
                        format!("{}/{key}", conv.get()),
                        g.value(),
                    )?),
                    None => None,
                };
                let value = set.filter(|v| v.kind() == d.kind).or(d.default.clone());
                out.push((d, value));
            }
            Ok(out)
        })
        .await
    }
}

/// Moves every conversation's value of `from` to `to` within workstream `ws`'s conversations.
fn rename_values(
    tx: &WriteTransaction,
    ws: WorkstreamId,
    from: &str,
    to: &str,
) -> Result<(), StoreError> {
    let mut values = tx.open_table(CONVERSATION_CONTEXT)?;
    let convs = tx.open_table(CONVERSATION_RECORD)?;
    let mut moved = Vec::new();
    for row in values.iter()? {
        let (k, v) = row?;
        let (conv, name) = k.value();
        if name == from {
            let c: Option<Conversation> = get_record(&convs, conv)?;
            if c.and_then(|c| c.workstream_id) == Some(ws) {
                moved.push((conv, v.value().to_vec()));
            }
        }
    }
    for (conv, bytes) in moved {
        values.remove((conv, from))?;
        values.insert((conv, to), bytes.as_slice())?;
    }
    Ok(())
}
