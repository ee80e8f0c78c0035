//! Bot first, then a human: a workstream's bot takes each new conversation before routing and
//! every later customer message while it holds it; the conversation is Open but not offered.
//! The menu bot answers from its options; the external bot is POSTed each message, signed
//! (`crate::signing`), and answers replies, context variables and whether to hand off. A bot
//! that fails hands off at once. Messages of one conversation reach the bot one at a time, in
//! arrival order (`bot_lanes`). Hand-off writes a line in the thread, then routes as a new
//! conversation would (an option's queue wins over the rules).

use super::bot_lanes::Turn;
use super::{Desk, DeskError};
use crate::actors::messages::{Recover, Track};
use crate::domain::Direction;
use crate::domain::bot::{HANDOFF_PREFIX, HandOff, MenuBot, MenuStep};
use crate::domain::routing::{ContextValue, VariableName};
use crate::domain::{ConversationId, QueueId, Timestamp, WorkstreamId};
use crate::secrets::SecretString;
use crate::store::StoreError;
use crate::store::bots::{BotDraft, BotHold, BotRefusal, ExternalBot, StoredBot};
use crate::store::ingest::StoredInbound;
use crate::store::outbox::{OutboundContent, OutboundRequest};
use crate::store::records::{Conversation, Message};

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

/// The bot's part in a conversation, as its page shows it.
#[derive(Debug, Clone, Default)]
pub struct BotPart {
    /// The bot holds the conversation now: its name ("menu bot") and since when.
    pub holding: Option<(String, Timestamp)>,
    /// The automated messages before this seq are the bot's replies (it holds a conversation
    /// from its first message until the hand-off line).
    pub replies_before: u64,
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

    /// Conversations whose messages are on their way to the bot or being answered by it: zero
    /// once every bot turn has settled.
    pub fn bot_turns_running(&self) -> usize {
        self.bot_lanes.running()
    }

    /// The bot's part in `conv`, whose thread is `messages`.
    pub async fn bot_part(
        &self,
        conv: &Conversation,
        messages: &[Message],
    ) -> Result<BotPart, StoreError> {
        if self.store().bot_hold(conv.id).await?.is_some() {
            let bot = match conv.workstream_id {
                Some(ws) => self.store().bot(ws).await?,
                None => None,
            };
            let name = bot.map_or_else(|| "bot".to_owned(), |b| b.label());
            return Ok(BotPart {
                holding: Some((name, conv.created_at)),
                replies_before: u64::MAX,
            });
        }
        let handed = messages
            .iter()
            .find(|m| m.direction == Direction::System && m.body.starts_with(HANDOFF_PREFIX));
        Ok(BotPart {
            holding: None,
            replies_before: handed.map_or(0, |m| m.seq),
        })
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
        let take = if s.opened {
            self.store().bot(ws).await?.is_some()
        } else if self.store().bot_hold(conv.id).await?.is_none() {
            return Ok(false);
        } else {
            false
        };
        if !self
            .store()
            .claim_for_bot(conv.id, s.message.seq, take)
            .await?
        {
            return Ok(false);
        }
        // Deadlines armed, not handed to the supervisor.
        self.registry.do_send(Recover {
            conversation: conv.clone(),
            idle_at: None,
            held: true,
        });
        self.to_bot(Turn {
            conversation: conv.clone(),
            message: s.message.clone(),
            first: s.opened,
        });
        Ok(true)
    }

    /// Queues a turn on its conversation's lane, running the lane when none was.
    fn to_bot(&self, turn: Turn) {
        let id = turn.conversation.id;
        let Some(mut rx) = self.bot_lanes.push(turn) else {
            return;
        };
        let desk = self.clone();
        actix::spawn(async move {
            while let Some(t) = desk.bot_lanes.next(id, &mut rx) {
                desk.bot_turn(t).await;
            }
        });
    }

    /// After a restart: each held conversation's unanswered messages, from the oldest, go to the
    /// bot again (the message id lets an external bot ignore a repeat). Queued before the server
    /// serves, so a new customer message lines up behind them.
    pub async fn redeliver_to_bots(&self, holds: Vec<(ConversationId, BotHold)>) {
        for (id, hold) in holds {
            let Some(pending) = hold.pending else {
                continue;
            };
            let found = async {
                let c = self.store().conversation(id).await?;
                let m = self.store().messages(id).await?;
                Ok::<_, StoreError>(c.map(|c| (c, m)))
            };
            match found.await {
                Ok(Some((c, messages))) if !c.state.is_closed() => {
                    let mut inbound = messages
                        .into_iter()
                        .filter(|m| m.direction == Direction::Inbound);
                    let first = inbound.next();
                    let opening = first.as_ref().map(|m| m.seq);
                    for m in first.into_iter().chain(inbound) {
                        if m.seq >= pending {
                            self.to_bot(Turn {
                                conversation: c.clone(),
                                first: Some(m.seq) == opening,
                                message: m,
                            });
                        }
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(conversation = %id, error = %e, "re-delivering to the bot failed")
                }
            }
        }
    }

    /// One message to the bot. A conversation an earlier turn handed off is the agent's: the
    /// message waits in the thread for them.
    async fn bot_turn(&self, turn: Turn) {
        let Turn {
            conversation: conv,
            message,
            first,
        } = turn;
        let Some(ws) = conv.workstream_id else { return };
        let hold = match self.store().bot_hold(conv.id).await {
            Ok(Some(h)) => h,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(conversation = %conv.id, error = %e, "reading the bot's hold failed");
                return;
            }
        };
        let bot = match self.store().bot(ws).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(conversation = %conv.id, error = %e, "reading the bot failed");
                None
            }
        };
        match bot {
            None => self.hand_off(conv.id, HandOff::Removed, None).await,
            Some(StoredBot::Menu(m)) => self.menu_turn(&conv, &m, &message, first, hold).await,
            Some(StoredBot::External(e)) => self.external_turn(&conv, ws, &e, &message, hold).await,
        }
    }

    async fn menu_turn(
        &self,
        conv: &Conversation,
        menu: &MenuBot,
        message: &Message,
        first: bool,
        hold: BotHold,
    ) {
        match menu.step(&message.body, first, hold.failures) {
            MenuStep::Greet => {
                self.bot_says(conv, menu.greeting_text()).await;
                self.answered(conv.id, message.seq, &hold).await;
            }
            MenuStep::Reprompt(failures) => {
                let hold = BotHold { failures, ..hold };
                self.answered(conv.id, message.seq, &hold).await;
                self.bot_says(conv, menu.reprompt_text()).await;
            }
            MenuStep::Choose(i) => {
                let Some(option) = menu.options.get(i) else {
                    return;
                };
                for (name, value) in &option.set {
                    self.bot_sets(conv.id, name.clone(), value.clone()).await;
                }
                let reason = HandOff::Chose(option.label.clone());
                self.hand_off(conv.id, reason, option.queue).await;
            }
            MenuStep::HandOff(reason) => self.hand_off(conv.id, reason, None).await,
        }
    }

    async fn external_turn(
        &self,
        conv: &Conversation,
        ws: WorkstreamId,
        bot: &ExternalBot,
        message: &Message,
        hold: BotHold,
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
                    self.hand_off(conv.id, HandOff::Asked, None).await;
                } else {
                    self.answered(conv.id, message.seq, &hold).await;
                }
            }
            Err(f) => {
                tracing::info!(conversation = %conv.id, failure = %f, "the external bot failed; handing off");
                self.hand_off(conv.id, HandOff::Failed(f.to_string()), None)
                    .await;
            }
        }
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

    /// The bot answered message `seq`: its progress is stored and the next message waits.
    async fn answered(&self, conv: ConversationId, seq: u64, hold: &BotHold) {
        if let Err(e) = self
            .store()
            .bot_answered(conv, seq, hold.failures, hold.queue)
            .await
        {
            tracing::warn!(conversation = %conv, error = %e, "storing the bot's progress failed");
        }
    }

    /// Ends the bot's hold with a line in the thread, then routes the conversation (`chosen`,
    /// the menu option's queue, wins over the rules).
    async fn hand_off(&self, conv: ConversationId, reason: HandOff, chosen: Option<QueueId>) {
        let (hold, c) = match self
            .store()
            .end_bot_hold(conv, reason.line(), self.now())
            .await
        {
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
        self.route_into(c, &first, chosen.or(hold.queue)).await;
    }

    /// `route_new` with a queue that wins over the rules (the menu option's).
    pub(crate) async fn route_into(
        &self,
        conversation: Conversation,
        first_message: &str,
        chosen: Option<QueueId>,
    ) {
        let classified = super::routing::classify_in(
            self.store(),
            self.now(),
            conversation.id,
            first_message,
            None,
            chosen,
        )
        .await;
        match classified {
            Ok(decision) => {
                if let Some(queue) = decision.queue
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
