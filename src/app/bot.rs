//! Bot first, then a human: a workstream's bot takes each new conversation before routing and
//! every later customer message while it holds it; the conversation is Open but not offered.
//! The menu bot answers from its options; the external bot is POSTed each message, signed
//! (`crate::signing`), and answers replies, context variables and whether to hand off. A bot
//! that fails hands off at once. Hand-off writes a line in the thread, then routes as a new
//! conversation would (an option's queue wins over the rules).

use super::{Desk, DeskError};
use crate::actors::messages::{Recover, Track};
use crate::domain::Direction;
use crate::domain::bot::{BotAnswer, MenuAnswer, MenuBot};
use crate::domain::routing::{ContextValue, VariableName};
use crate::domain::{ConversationId, QueueId, WorkstreamId};
use crate::secrets::SecretString;
use crate::store::StoreError;
use crate::store::bots::{BotDraft, BotHold, BotRefusal, ExternalBot, StoredBot};
use crate::store::ingest::StoredInbound;
use crate::store::outbox::{OutboundContent, OutboundRequest};
use crate::store::records::{Conversation, Message};
use std::time::Duration;

/// The largest answer read from an external bot.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// A workstream's bot as the admin chose it.
#[derive(Debug, Clone)]
pub enum BotChoice {
    None,
    Menu(MenuBot),
    External {
        url: crate::domain::bot::BotUrl,
        timeout_secs: u8,
        /// Generate a new secret (one is always generated for a bot that had none).
        new_secret: bool,
    },
}

/// Why an external bot's answer was not used.
#[derive(Debug, thiserror::Error)]
enum BotFailure {
    #[error("it did not answer within {0} s")]
    Timeout(u8),
    #[error("it could not be reached")]
    Unreachable,
    #[error("it answered HTTP {0}")]
    Status(u16),
    #[error("its answer was not understood")]
    BadAnswer,
    #[error("its secret could not be read")]
    Secret,
}

/// A client for one call: no redirects followed, no connection kept past it.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap_or_default()
}

/// A new random secret, 32 bytes in hex.
pub(crate) fn new_secret() -> SecretString {
    let mut raw = [0u8; 32];
    crate::secrets::fill_random(&mut raw);
    SecretString::new(hex::encode(raw))
}

impl Desk {
    /// Replaces a workstream's bot; answers the external bot's new secret, to be shown once.
    pub async fn save_bot(
        &self,
        ws: WorkstreamId,
        choice: BotChoice,
    ) -> Result<Result<Option<SecretString>, BotRefusal>, DeskError> {
        let (draft, shown) = match choice {
            BotChoice::None => (BotDraft::None, None),
            BotChoice::Menu(m) => (BotDraft::Menu(m), None),
            BotChoice::External {
                url,
                timeout_secs,
                new_secret: renew,
            } => {
                let had = matches!(self.store().bot(ws).await?, Some(StoredBot::External(_)));
                let secret = (renew || !had).then(new_secret);
                (
                    BotDraft::External {
                        url,
                        timeout_secs,
                        secret: secret.clone(),
                    },
                    secret,
                )
            }
        };
        Ok(self.store().set_bot(ws, draft).await?.map(|()| shown))
    }

    /// Hands a customer's message to the bot when it takes or holds the conversation: true
    /// when it did (the conversation is then not routed). A new conversation in a workstream
    /// with a bot is held first, before the webhook is answered.
    pub(crate) async fn bot_receives(&self, s: &StoredInbound) -> bool {
        match self.bot_claims(s).await {
            Ok(held) => held,
            Err(e) => {
                tracing::warn!(conversation = %s.conversation.id, error = %e, "reading the bot failed; the conversation is routed");
                false
            }
        }
    }

    async fn bot_claims(&self, s: &StoredInbound) -> Result<bool, StoreError> {
        let conv = &s.conversation;
        let Some(ws) = conv.workstream_id else {
            return Ok(false);
        };
        let hold = if s.opened {
            if self.store().bot(ws).await?.is_none() {
                return Ok(false);
            }
            BotHold::default()
        } else {
            match self.store().bot_hold(conv.id).await? {
                Some(h) => h,
                None => return Ok(false),
            }
        };
        let hold = BotHold {
            pending: Some(s.message.seq),
            ..hold
        };
        self.store().put_bot_hold(conv.id, hold).await?;
        // Deadlines armed, not handed to the supervisor.
        self.registry.do_send(Recover {
            conversation: conv.clone(),
            idle_at: None,
            held: true,
        });
        let desk = self.clone();
        let (conv, message, opened) = (conv.clone(), s.message.clone(), s.opened);
        actix::spawn(async move { desk.bot_turn(conv, message, opened).await });
        Ok(true)
    }

    /// After a restart: each held conversation's unanswered message goes to the bot again.
    pub fn redeliver_to_bots(&self, holds: Vec<(ConversationId, BotHold)>) {
        for (id, hold) in holds {
            let Some(seq) = hold.pending else { continue };
            let desk = self.clone();
            actix::spawn(async move {
                let found = async {
                    let c = desk.store().conversation(id).await?;
                    let m = desk.store().message(id, seq).await?;
                    Ok::<_, StoreError>(c.zip(m))
                };
                match found.await {
                    Ok(Some((c, m))) if !c.state.is_closed() => {
                        let first = m.seq == first_customer_seq(&desk, id).await;
                        desk.bot_turn(c, m, first).await;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(conversation = %id, error = %e, "re-delivering to the bot failed")
                    }
                }
            });
        }
    }

    async fn bot_turn(&self, conv: Conversation, message: Message, first: bool) {
        let Some(ws) = conv.workstream_id else { return };
        let bot = match self.store().bot(ws).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(conversation = %conv.id, error = %e, "reading the bot failed");
                None
            }
        };
        match bot {
            None => {
                self.hand_off(conv.id, "the workstream has no bot any more")
                    .await
            }
            Some(StoredBot::Menu(m)) => self.menu_turn(&conv, &m, &message, first).await,
            Some(StoredBot::External(e)) => self.external_turn(&conv, ws, &e, &message).await,
        }
    }

    async fn menu_turn(&self, conv: &Conversation, menu: &MenuBot, message: &Message, first: bool) {
        let Ok(Some(mut hold)) = self.store().bot_hold(conv.id).await else {
            return;
        };
        hold.pending = None;
        let answer = menu.answer(&message.body);
        if first && answer != MenuAnswer::Human {
            self.bot_says(conv, menu.greeting_text()).await;
            self.keep_hold(conv.id, hold).await;
            return;
        }
        match answer {
            MenuAnswer::Human => {
                self.hand_off(conv.id, "the customer asked for an agent")
                    .await
            }
            MenuAnswer::Chosen(i) => {
                let Some(option) = menu.options.get(i) else {
                    return;
                };
                for (name, value) in &option.set {
                    self.bot_sets(conv.id, name.clone(), value.clone()).await;
                }
                hold.queue = option.queue;
                self.keep_hold(conv.id, hold).await;
                let reason = format!("the customer chose “{}”", option.label);
                self.hand_off(conv.id, &reason).await;
            }
            MenuAnswer::Unknown => {
                hold.failures = hold.failures.saturating_add(1);
                if hold.failures >= menu.max_failures {
                    let reason = format!("no answer it understood after {} tries", hold.failures);
                    self.hand_off(conv.id, &reason).await;
                } else {
                    self.keep_hold(conv.id, hold).await;
                    self.bot_says(conv, menu.reprompt_text()).await;
                }
            }
        }
    }

    async fn external_turn(
        &self,
        conv: &Conversation,
        ws: WorkstreamId,
        bot: &ExternalBot,
        message: &Message,
    ) {
        match self.ask_external(conv, ws, bot, message).await {
            Ok(answer) => {
                for (name, value) in &answer.context {
                    self.bot_sets_raw(conv.id, ws, name, &value.raw()).await;
                }
                for reply in answer.replies.iter().filter(|r| !r.trim().is_empty()) {
                    self.bot_says(conv, reply.trim().to_owned()).await;
                }
                if answer.handoff {
                    self.hand_off(conv.id, "the bot asked for an agent").await;
                } else if let Ok(Some(mut hold)) = self.store().bot_hold(conv.id).await {
                    hold.pending = None;
                    self.keep_hold(conv.id, hold).await;
                }
            }
            Err(f) => {
                tracing::info!(conversation = %conv.id, failure = %f, "the external bot failed; handing off");
                let reason = format!("the bot failed ({f})");
                self.hand_off(conv.id, &reason).await;
            }
        }
    }

    async fn ask_external(
        &self,
        conv: &Conversation,
        ws: WorkstreamId,
        bot: &ExternalBot,
        message: &Message,
    ) -> Result<BotAnswer, BotFailure> {
        let secret = self
            .store()
            .master_key()
            .open(&bot.secret, &ExternalBot::secret_purpose(ws))
            .map_err(|_| BotFailure::Secret)?;
        let context: serde_json::Map<String, serde_json::Value> = self
            .store()
            .conversation_context(conv.id, ws)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(d, v)| v.map(|v| (d.name.to_string(), json_value(&v))))
            .collect();
        let message_id = message
            .provider_id
            .clone()
            .unwrap_or_else(|| format!("{}-{}", conv.id.get(), message.seq));
        let body = serde_json::json!({
            "message_id": message_id,
            "conversation_id": conv.id.get(),
            "channel": conv.channel.as_str(),
            "customer": conv.customer.as_str(),
            "text": message.body,
            "context": context,
        })
        .to_string();
        let timestamp = self.now().as_millis().div_euclid(1000);
        let signature = crate::signing::sign(secret.expose(), timestamp, body.as_bytes());
        let sent = client()
            .post(bot.url.as_str())
            .timeout(Duration::from_secs(u64::from(bot.timeout_secs)))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(crate::signing::TIMESTAMP_HEADER, timestamp.to_string())
            .header(crate::signing::SIGNATURE_HEADER, signature)
            .body(body);
        let timeout = |e: reqwest::Error| {
            if e.is_timeout() {
                BotFailure::Timeout(bot.timeout_secs)
            } else {
                BotFailure::Unreachable
            }
        };
        let mut resp = sent.send().await.map_err(timeout)?;
        if !resp.status().is_success() {
            return Err(BotFailure::Status(resp.status().as_u16()));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(timeout)? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > MAX_ANSWER_BYTES {
                return Err(BotFailure::BadAnswer);
            }
        }
        BotAnswer::parse(&bytes).map_err(|_| BotFailure::BadAnswer)
    }

    /// A bot reply: stored in the thread as automated, through the outbox like any reply.
    async fn bot_says(&self, conv: &Conversation, text: String) {
        let req = OutboundRequest {
            conversation_id: conv.id,
            content: OutboundContent::Text(text),
            author: None,
            direction: Direction::Automated,
        };
        match self.deliver(req).await {
            Ok(Ok(_)) => {}
            Ok(Err(r)) => {
                tracing::info!(conversation = %conv.id, refusal = %r, "bot reply not sent")
            }
            Err(e) => tracing::warn!(conversation = %conv.id, error = %e, "bot reply failed"),
        }
    }

    async fn bot_sets(&self, conv: ConversationId, name: VariableName, value: ContextValue) {
        match self.set_context_value(conv, name, value).await {
            Ok(Ok(())) => {}
            Ok(Err(r)) => {
                tracing::info!(conversation = %conv, refusal = %r, "bot context value refused")
            }
            Err(e) => tracing::warn!(conversation = %conv, error = %e, "bot context value failed"),
        }
    }

    /// An external bot's value, read as its variable's kind; an unknown variable is ignored.
    async fn bot_sets_raw(&self, conv: ConversationId, ws: WorkstreamId, name: &str, raw: &str) {
        let Ok(Some(def)) = self.store().context_variable(ws, name.to_owned()).await else {
            tracing::info!(conversation = %conv, variable = name, "the bot set an unknown context variable; ignored");
            return;
        };
        match ContextValue::parse(def.kind, raw) {
            Ok(v) => self.bot_sets(conv, def.name, v).await,
            Err(e) => {
                tracing::info!(conversation = %conv, variable = name, error = %e, "the bot's value is not of the variable's type; ignored")
            }
        }
    }

    async fn keep_hold(&self, conv: ConversationId, hold: BotHold) {
        if let Err(e) = self.store().put_bot_hold(conv, hold).await {
            tracing::warn!(conversation = %conv, error = %e, "storing the bot's hold failed");
        }
    }

    /// Ends the bot's hold with a line in the thread, then routes the conversation.
    async fn hand_off(&self, conv: ConversationId, reason: &str) {
        let line = format!("The bot handed the conversation to an agent: {reason}.");
        let (hold, c) = match self.store().end_bot_hold(conv, line, self.now()).await {
            Ok(Some(x)) => x,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(conversation = %conv, error = %e, "ending the bot's hold failed");
                return;
            }
        };
        self.shared
            .live
            .publish(crate::live::LiveEvent::MessageStored {
                conversation: conv,
                seq: c.next_seq.saturating_sub(1),
            });
        if c.state.is_closed() {
            return;
        }
        let first = first_customer_text(self, conv).await;
        self.route_into(c, &first, hold.queue).await;
    }

    /// `route_new` with a queue that wins over the rules (the menu option's).
    pub(crate) async fn route_into(
        &self,
        conversation: Conversation,
        first_message: &str,
        chosen: Option<QueueId>,
    ) {
        match self
            .classify_conversation(conversation.id, first_message)
            .await
        {
            Ok(decision) => {
                if let Some(queue) = chosen.or(decision.queue)
                    && let Err(e) = self
                        .store()
                        .place(conversation.id, queue, self.now(), 0)
                        .await
                {
                    tracing::warn!(conversation = %conversation.id, error = %e, "placing a routed conversation failed; it waits in the fallback queue");
                }
            }
            Err(e) => {
                tracing::warn!(conversation = %conversation.id, error = %e, "routing failed; the conversation waits in the fallback queue")
            }
        }
        self.registry.do_send(Track {
            conversation,
            opened: true,
            transfer_to: None,
        });
    }
}

fn json_value(v: &ContextValue) -> serde_json::Value {
    match v {
        ContextValue::Text(t) => serde_json::Value::String(t.clone()),
        ContextValue::Number(n) => serde_json::json!(n),
        ContextValue::YesNo(b) => serde_json::Value::Bool(*b),
    }
}

async fn first_customer_message(desk: &Desk, conv: ConversationId) -> Option<Message> {
    desk.store()
        .messages(conv)
        .await
        .ok()?
        .into_iter()
        .find(|m| m.direction == Direction::Inbound)
}

async fn first_customer_text(desk: &Desk, conv: ConversationId) -> String {
    first_customer_message(desk, conv)
        .await
        .map(|m| m.body)
        .unwrap_or_default()
}

async fn first_customer_seq(desk: &Desk, conv: ConversationId) -> u64 {
    first_customer_message(desk, conv)
        .await
        .map_or(u64::MAX, |m| m.seq)
}
