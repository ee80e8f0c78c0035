//! Automated-message overrides: the texts admins set for a channel (its default) or for one
//! workstream, per trigger and locale, and whether each trigger is turned on there. What is not
//! overridden falls back to the built-in texts of `domain::automated`, whose `lookup_order`
//! `automated_text` follows. Also the WhatsApp opt-out keywords, and the system lines automated
//! messages for agents become.

use super::records::Workstream;
use super::records::{Conversation, Message};
use super::tables::{
    AUTOMATED_OVERRIDE, AUTOMATED_SWITCH, CONVERSATION_RECORD, WHATSAPP_OPTOUT_KEYWORD,
    WORKSTREAM_RECORD,
};
use super::timeline::append_line;
use super::{Store, StoreError, codec, get_record};
use crate::domain::automated::{
    self, AutomatedText, Locale, OverrideKey, Resolved, SwitchKey, Trigger, WorkstreamScope,
};
use crate::domain::optout::{self, Keyword};
use crate::domain::timeline::StateChange;
use crate::domain::{Channel, ConversationId, Timestamp, WorkstreamId};
use redb::{ReadableTable, ReadableTableMetadata, WriteTransaction};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutomatedOverride {
    pub key: OverrideKey,
    pub text: AutomatedText,
    pub updated_at: Timestamp,
}

impl codec::Record for AutomatedOverride {
    const TABLE: &'static str = "automated_override";
}

/// Refusals of an override change; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideRefusal {
    #[error("No such workstream.")]
    UnknownWorkstream,
    #[error("This workstream is not on the {0} channel.")]
    OtherChannel(Channel),
}

/// Checks that `workstream` (if any) exists and is on `channel`.
fn check_scope<T: ReadableTable<u64, &'static [u8]>>(
    workstreams: &T,
    workstream: Option<WorkstreamId>,
    channel: Channel,
) -> Result<Result<(), OverrideRefusal>, StoreError> {
    let Some(id) = workstream else {
        return Ok(Ok(()));
    };
    match get_record::<Workstream, _>(workstreams, id.get())? {
        None => Ok(Err(OverrideRefusal::UnknownWorkstream)),
        Some(ws) if ws.channel != channel => Ok(Err(OverrideRefusal::OtherChannel(channel))),
        Some(_) => Ok(Ok(())),
    }
}

/// The WhatsApp opt-out keywords in force, read inside the caller's write (the ingest decides
/// on a keyword in the same write that stores the message).
pub(crate) fn whatsapp_keywords_in(tx: &WriteTransaction) -> Result<Vec<Keyword>, StoreError> {
    let table = tx.open_table(WHATSAPP_OPTOUT_KEYWORD)?;
    if table.is_empty()? {
        return Ok(optout::whatsapp_defaults());
    }
    let mut out = Vec::new();
    for row in table.iter()? {
        out.push(optout::stored(row?.0.value()));
    }
    Ok(out)
}

/// Removes every override of workstream `ws`, inside the caller's write (for deleting a
/// workstream); returns how many went.
pub fn remove_overrides_of(tx: &WriteTransaction, ws: WorkstreamId) -> Result<usize, StoreError> {
    let mut table = tx.open_table(AUTOMATED_OVERRIDE)?;
    let mut keys = Vec::new();
    for row in table.iter()? {
        let (k, v) = row?;
        let o: AutomatedOverride = codec::decode_at(k.value(), v.value())?;
        if o.key.workstream == Some(ws) {
            keys.push(k.value().to_owned());
        }
    }
    for k in &keys {
        table.remove(k.as_str())?;
    }
    let mut switches = tx.open_table(AUTOMATED_SWITCH)?;
    let suffix = format!("|{}", ws.get());
    let mut gone = Vec::new();
    for row in switches.iter()? {
        let k = row?.0.value().to_owned();
        if k.ends_with(&suffix) {
            gone.push(k);
        }
    }
    for k in &gone {
        switches.remove(k.as_str())?;
    }
    Ok(keys.len())
}

/// The locale a workstream's texts default to: its language, if its setup has one.
pub fn default_locale(ws: &Workstream) -> Option<Locale> {
    ws.language
        .as_ref()
        .and_then(|l| Locale::parse(l.as_str()).ok())
}

impl Store {
    /// Every override, in key order.
    pub async fn automated_overrides(&self) -> Result<Vec<AutomatedOverride>, StoreError> {
        self.read(|rtx| {
            let mut out = Vec::new();
            for row in rtx.open_table(AUTOMATED_OVERRIDE)?.iter()? {
                let (k, v) = row?;
                out.push(codec::decode_at(k.value(), v.value())?);
            }
            Ok(out)
        })
        .await
    }

    pub async fn automated_override(
        &self,
        key: OverrideKey,
    ) -> Result<Option<AutomatedOverride>, StoreError> {
        self.read(move |rtx| {
            rtx.open_table(AUTOMATED_OVERRIDE)?
                .get(key.storage_key().as_str())?
                .map(|g| codec::decode_at(key.storage_key(), g.value()))
                .transpose()
        })
        .await
    }

    /// Stores (or replaces) the text for `key`.
    pub async fn set_automated_override(
        &self,
        key: OverrideKey,
        text: AutomatedText,
        now: Timestamp,
    ) -> Result<Result<AutomatedOverride, OverrideRefusal>, StoreError> {
        self.write(move |tx| {
            let workstreams = tx.open_table(WORKSTREAM_RECORD)?;
            if let Err(refusal) = check_scope(&workstreams, key.workstream, key.channel)? {
                return Ok(Err(refusal));
            }
            let o = AutomatedOverride {
                key: key.clone(),
                text: text.clone(),
                updated_at: now,
            };
            tx.open_table(AUTOMATED_OVERRIDE)?
                .insert(key.storage_key().as_str(), codec::encode(&o)?.as_slice())?;
            Ok(Ok(o))
        })
        .await
    }

    /// Removes the override for `key` so the next fallback applies; false if there was none.
    pub async fn reset_automated_override(&self, key: OverrideKey) -> Result<bool, StoreError> {
        self.write(move |tx| {
            let removed = tx
                .open_table(AUTOMATED_OVERRIDE)?
                .remove(key.storage_key().as_str())?
                .is_some();
            Ok(removed)
        })
        .await
    }

    /// The text to send for `trigger` on `channel`, for a conversation of `workstream` (if it
    /// has one) with a customer writing in `locale` (see `domain::automated::resolve`).
    pub async fn automated_text(
        &self,
        trigger: Trigger,
        channel: Channel,
        workstream: Option<&Workstream>,
        locale: Locale,
    ) -> Result<Resolved, StoreError> {
        Ok(self
            .automated_plan(trigger, channel, workstream, locale, true)
            .await?
            .unwrap_or_else(|| automated::builtin(trigger, channel, &Locale::english())))
    }

    /// The text to send for `trigger`, or None when the trigger is turned off for `workstream`
    /// (checked unless `always`).
    pub async fn automated_plan(
        &self,
        trigger: Trigger,
        channel: Channel,
        workstream: Option<&Workstream>,
        locale: Locale,
        always: bool,
    ) -> Result<Option<Resolved>, StoreError> {
        let workstream = workstream.map(|ws| (ws.id, default_locale(ws)));
        self.read(move |rtx| {
            let ws_id = workstream.as_ref().map(|(id, _)| *id);
            if !always {
                let switches = rtx.open_table(AUTOMATED_SWITCH)?;
                let mut stored = HashMap::new();
                for key in SwitchKey::candidates(trigger, channel, ws_id) {
                    if let Some(g) = switches.get(key.storage_key().as_str())? {
                        stored.insert(key.storage_key(), g.value());
                    }
                }
                let on = automated::is_on(trigger, channel, ws_id, |k| {
                    stored.get(&k.storage_key()).copied()
                });
                if !on {
                    return Ok(None);
                }
            }
            let table = rtx.open_table(AUTOMATED_OVERRIDE)?;
            let scope = workstream.as_ref().map(|(id, l)| WorkstreamScope {
                id: *id,
                default_locale: l.as_ref(),
            });
            let mut found = HashMap::new();
            for key in automated::lookup_order(trigger, channel, scope, &locale)
                .into_iter()
                .flatten()
            {
                if let Some(g) = table.get(key.storage_key().as_str())? {
                    let o: AutomatedOverride = codec::decode_at(key.storage_key(), g.value())?;
                    found.insert(key.storage_key(), o.text.as_str().to_owned());
                }
            }
            Ok(Some(automated::resolve(
                trigger,
                channel,
                scope,
                &locale,
                |k| found.get(&k.storage_key()).cloned(),
            )))
        })
        .await
    }

    /// Every stored switch: storage key → on.
    pub async fn automated_switches(&self) -> Result<HashMap<String, bool>, StoreError> {
        self.read(|rtx| {
            let mut out = HashMap::new();
            for row in rtx.open_table(AUTOMATED_SWITCH)?.iter()? {
                let (k, v) = row?;
                out.insert(k.value().to_owned(), v.value());
            }
            Ok(out)
        })
        .await
    }

    /// Turns `key`'s trigger on or off there.
    pub async fn set_automated_switch(
        &self,
        key: SwitchKey,
        on: bool,
    ) -> Result<Result<(), OverrideRefusal>, StoreError> {
        self.write(move |tx| {
            let workstreams = tx.open_table(WORKSTREAM_RECORD)?;
            if let Err(refusal) = check_scope(&workstreams, key.workstream, key.channel)? {
                return Ok(Err(refusal));
            }
            tx.open_table(AUTOMATED_SWITCH)?
                .insert(key.storage_key().as_str(), on)?;
            Ok(Ok(()))
        })
        .await
    }

    /// The WhatsApp opt-out keywords in force (the defaults until an admin sets others).
    pub async fn whatsapp_optout_keywords(&self) -> Result<Vec<Keyword>, StoreError> {
        self.read(|rtx| {
            let table = rtx.open_table(WHATSAPP_OPTOUT_KEYWORD)?;
            if table.is_empty()? {
                return Ok(optout::whatsapp_defaults());
            }
            let mut out = Vec::new();
            for row in table.iter()? {
                out.push(optout::stored(row?.0.value()));
            }
            Ok(out)
        })
        .await
    }

    /// Replaces the WhatsApp opt-out keywords (a checked, non-empty list).
    pub async fn set_whatsapp_optout_keywords(
        &self,
        words: Vec<Keyword>,
    ) -> Result<(), StoreError> {
        self.write(move |tx| {
            let mut table = tx.open_table(WHATSAPP_OPTOUT_KEYWORD)?;
            table.retain(|_, _| false)?;
            for w in &words {
                table.insert(w.as_str(), 0)?;
            }
            Ok(())
        })
        .await
    }

    /// Adds an automated message for the agent to the thread as a system line; None if the
    /// conversation is unknown or closed.
    pub async fn add_agent_line(
        &self,
        id: ConversationId,
        text: String,
        now: Timestamp,
    ) -> Result<Option<Message>, StoreError> {
        self.write(move |tx| {
            let mut convs = tx.open_table(CONVERSATION_RECORD)?;
            let Some(mut conv) = get_record::<Conversation, _>(&convs, id.get())? else {
                return Ok(None);
            };
            if conv.state.is_closed() {
                return Ok(None);
            }
            let line = append_line(
                tx,
                &mut conv,
                &StateChange::ForAgent(text.clone()),
                None,
                now,
            )?;
            conv.updated_at = now;
            convs.insert(conv.id.get(), codec::encode(&conv)?.as_slice())?;
            Ok(Some(line))
        })
        .await
    }
}

impl Store {
    /// Forgets an admin's on/off choice for `key`: the trigger's default applies again.
    pub async fn clear_automated_switch(&self, key: SwitchKey) -> Result<(), StoreError> {
        self.write(move |tx| {
            tx.open_table(AUTOMATED_SWITCH)?
                .remove(key.storage_key().as_str())?;
            Ok(())
        })
        .await
    }
}
