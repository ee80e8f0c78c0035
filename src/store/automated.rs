//! Automated-message overrides: the texts admins set for a channel (its default) or for one
//! workstream, per trigger and locale. What is not overridden falls back to the built-in texts of
//! `domain::automated`, whose `candidates` order `automated_text` follows.

use super::records::Workstream;
use super::tables::{AUTOMATED_OVERRIDE, WORKSTREAM_RECORD};
use super::{Store, StoreError, codec, get_record};
use crate::domain::automated::{
    self, AutomatedText, Locale, OverrideKey, Resolved, Source, Trigger, WorkstreamScope,
};
use crate::domain::{Channel, Timestamp, WorkstreamId};
use redb::{ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

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

/// Checks that the key's workstream exists and is on the key's channel.
fn check_scope<T: ReadableTable<u64, &'static [u8]>>(
    workstreams: &T,
    key: &OverrideKey,
) -> Result<Result<(), OverrideRefusal>, StoreError> {
    let Some(id) = key.workstream else {
        return Ok(Ok(()));
    };
    match get_record::<Workstream, _>(workstreams, id.get())? {
        None => Ok(Err(OverrideRefusal::UnknownWorkstream)),
        Some(ws) if ws.channel != key.channel => {
            Ok(Err(OverrideRefusal::OtherChannel(key.channel)))
        }
        Some(_) => Ok(Ok(())),
    }
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
            if let Err(refusal) = check_scope(&tx.open_table(WORKSTREAM_RECORD)?, &key)? {
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
        let workstream = workstream.map(|ws| (ws.id, default_locale(ws)));
        self.read(move |rtx| {
            let table = rtx.open_table(AUTOMATED_OVERRIDE)?;
            let scope = workstream.as_ref().map(|(id, l)| WorkstreamScope {
                id: *id,
                default_locale: l.as_ref(),
            });
            for key in automated::candidates(trigger, channel, scope, &locale) {
                if let Some(g) = table.get(key.storage_key().as_str())? {
                    let o: AutomatedOverride = codec::decode_at(key.storage_key(), g.value())?;
                    return Ok(Resolved {
                        text: o.text.as_str().to_owned(),
                        source: Source::Override(key),
                    });
                }
            }
            Ok(automated::builtin(trigger, channel, &locale))
        })
        .await
    }
}
