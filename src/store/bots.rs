//! Bots: each workstream's bot (the menu, or an external bot's URL, timeout and sealed secret)
//! and the conversations a bot holds, with its failed answers, the queue an option chose and
//! the customer message it has not answered yet (handed to it again after a restart).

use super::records::{Conversation, Message};
use super::tables::{
    CONVERSATION_BOT, CONVERSATION_MESSAGES, CONVERSATION_RECORD, WORKSTREAM_BOT, WORKSTREAM_RECORD,
};
use super::timeline::append_line;
use super::{Store, StoreError, codec, get_record};
use crate::domain::bot::{BotUrl, MenuBot};
use crate::domain::timeline::StateChange;
use crate::domain::{ConversationId, Direction, QueueId, Timestamp, WorkstreamId};
use crate::secrets::{Sealed, SecretString};
use redb::{ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

/// An external bot as stored; the secret is sealed under `ExternalBot::secret_purpose`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExternalBot {
    pub url: BotUrl,
    pub timeout_secs: u8,
    pub secret: Sealed,
}

impl ExternalBot {
    pub fn secret_purpose(ws: WorkstreamId) -> String {
        format!("bot:{}", ws.get())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StoredBot {
    Menu(MenuBot),
    External(ExternalBot),
}

impl codec::Record for StoredBot {
    const TABLE: &'static str = "workstream_bot";
}

/// A workstream's bot as the admin form submits it.
#[derive(Debug, Clone)]
pub enum BotDraft {
    None,
    Menu(MenuBot),
    /// `secret` None keeps the stored one.
    External {
        url: BotUrl,
        timeout_secs: u8,
        secret: Option<SecretString>,
    },
}

/// Why a bot change was refused; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BotRefusal {
    #[error("No such workstream.")]
    UnknownWorkstream,
    #[error("An external bot needs a secret.")]
    SecretNeeded,
}

/// A conversation the bot holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BotHold {
    /// Answers the menu did not understand.
    pub failures: u8,
    /// The queue the chosen option sends to (it wins over the rules at hand-off).
    pub queue: Option<QueueId>,
    /// The oldest customer message (its seq) handed to the bot and not yet answered; the
    /// customer messages after it in the thread wait for the bot too.
    pub pending: Option<u64>,
}

impl codec::Record for BotHold {
    const TABLE: &'static str = "conversation_bot";
}

/// The seq of the first customer message of `conv` after `after`.
fn next_inbound(
    tx: &WriteTransaction,
    conv: ConversationId,
    after: u64,
) -> Result<Option<u64>, StoreError> {
    let t = tx.open_table(CONVERSATION_MESSAGES)?;
    for row in t.range((conv.get(), after.saturating_add(1))..=(conv.get(), u64::MAX))? {
        let (k, v) = row?;
        let m: Message = codec::decode_at(format!("{:?}", k.value()), v.value())?;
        if m.direction == Direction::Inbound {
            return Ok(Some(m.seq));
        }
    }
    Ok(None)
}

impl StoredBot {
    /// The bot as the conversation page names it: "menu bot", "external bot at bot.example.com".
    pub fn label(&self) -> String {
        match self {
            Self::Menu(_) => "menu bot".to_owned(),
            Self::External(e) => match url::Url::parse(e.url.as_str()) {
                Ok(u) => format!("external bot at {}", u.host_str().unwrap_or_default()),
                Err(_) => "external bot".to_owned(),
            },
        }
    }
}

impl Store {
    pub async fn bot(&self, ws: WorkstreamId) -> Result<Option<StoredBot>, StoreError> {
        self.read(move |rtx| get_record(&rtx.open_table(WORKSTREAM_BOT)?, ws.get()))
            .await
    }

    /// Replaces (or removes) a workstream's bot, sealing a new secret.
    pub async fn set_bot(
        &self,
        ws: WorkstreamId,
        draft: BotDraft,
    ) -> Result<Result<(), BotRefusal>, StoreError> {
        let key = self.master_key().clone();
        self.write(move |tx| {
            if tx.open_table(WORKSTREAM_RECORD)?.get(ws.get())?.is_none() {
                return Ok(Err(BotRefusal::UnknownWorkstream));
            }
            let mut table = tx.open_table(WORKSTREAM_BOT)?;
            let old: Option<StoredBot> = get_record(&table, ws.get())?;
            let bot = match draft.clone() {
                BotDraft::None => {
                    table.remove(ws.get())?;
                    return Ok(Ok(()));
                }
                BotDraft::Menu(m) => StoredBot::Menu(m),
                BotDraft::External {
                    url,
                    timeout_secs,
                    secret,
                } => {
                    let secret = match (secret, old) {
                        (Some(s), _) => key.seal(&s, &ExternalBot::secret_purpose(ws)),
                        (None, Some(StoredBot::External(e))) => e.secret,
                        (None, _) => return Ok(Err(BotRefusal::SecretNeeded)),
                    };
                    StoredBot::External(ExternalBot {
                        url,
                        timeout_secs,
                        secret,
                    })
                }
            };
            table.insert(ws.get(), codec::encode(&bot)?.as_slice())?;
            Ok(Ok(()))
        })
        .await
    }

    pub async fn bot_hold(&self, conv: ConversationId) -> Result<Option<BotHold>, StoreError> {
        self.read(move |rtx| get_record(&rtx.open_table(CONVERSATION_BOT)?, conv.get()))
            .await
    }

    /// Hands customer message `seq` to the bot, in one write: a held conversation keeps its
    /// oldest unanswered message as `pending`; one not held is taken when `take` (a new
    /// conversation of a workstream with a bot). False: the bot does not have it.
    pub async fn claim_for_bot(
        &self,
        conv: ConversationId,
        seq: u64,
        take: bool,
    ) -> Result<bool, StoreError> {
        self.write(move |tx| {
            let mut table = tx.open_table(CONVERSATION_BOT)?;
            let hold = match get_record::<BotHold, _>(&table, conv.get())? {
                Some(h) => BotHold {
                    pending: h.pending.or(Some(seq)),
                    ..h
                },
                None if take => BotHold {
                    pending: Some(seq),
                    ..BotHold::default()
                },
                None => return Ok(false),
            };
            table.insert(conv.get(), codec::encode(&hold)?.as_slice())?;
            Ok(true)
        })
        .await
    }

    /// The bot answered customer message `seq`: its failed answers and chosen queue are stored,
    /// and `pending` moves to the next customer message after `seq` (None: none is waiting).
    /// False if the bot holds the conversation no more.
    pub async fn bot_answered(
        &self,
        conv: ConversationId,
        seq: u64,
        failures: u8,
        queue: Option<QueueId>,
    ) -> Result<bool, StoreError> {
        self.write(move |tx| {
            let mut table = tx.open_table(CONVERSATION_BOT)?;
            let Some(mut hold) = get_record::<BotHold, _>(&table, conv.get())? else {
                return Ok(false);
            };
            hold.failures = failures;
            hold.queue = queue;
            if hold.pending.is_none_or(|p| p <= seq) {
                hold.pending = next_inbound(tx, conv, seq)?;
            }
            table.insert(conv.get(), codec::encode(&hold)?.as_slice())?;
            Ok(true)
        })
        .await
    }

    /// Ends the bot's hold with the hand-off line in the thread, together; answers the hold it
    /// had (None: it held no more, someone else handed it off) and the conversation.
    pub async fn end_bot_hold(
        &self,
        conv: ConversationId,
        line: String,
        now: Timestamp,
    ) -> Result<Option<(BotHold, Conversation)>, StoreError> {
        self.write(move |tx| {
            let Some(hold) = tx
                .open_table(CONVERSATION_BOT)?
                .remove(conv.get())?
                .map(|g| codec::decode_at::<BotHold>(conv.get().to_string(), g.value()))
            else {
                return Ok(None);
            };
            let hold = hold?;
            let mut convs = tx.open_table(CONVERSATION_RECORD)?;
            let Some(mut c) = get_record::<Conversation, _>(&convs, conv.get())? else {
                return Ok(None);
            };
            if !c.state.is_closed() {
                append_line(tx, &mut c, &StateChange::ForAgent(line.clone()), None, now)?;
                c.updated_at = now;
                convs.insert(c.id.get(), codec::encode(&c)?.as_slice())?;
                super::facts::refresh(tx, &c)?;
            }
            Ok(Some((hold, c)))
        })
        .await
    }

    /// Every conversation a bot holds, with its hold (start-up).
    pub fn bot_holds_now(&self) -> Result<Vec<(ConversationId, BotHold)>, StoreError> {
        self.read_now(|rtx| {
            let t = rtx.open_table(CONVERSATION_BOT)?;
            let mut out = Vec::new();
            for row in t.iter()? {
                let (k, v) = row?;
                let hold = codec::decode_at(k.value().to_string(), v.value())?;
                out.push((ConversationId::new(k.value()), hold));
            }
            Ok(out)
        })
    }
}
