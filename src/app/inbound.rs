//! Inbound: a customer's message stored durably, then handed to the scheduler, the queues, the
//! live pages and the media fetcher; a provider's delivery status applied to its message.

use super::Desk;
use super::automated::Fill;
use crate::actors::messages::Track;
use crate::domain::automated::Trigger;
use crate::domain::inbound::InboundMessage;
use crate::domain::optout::OptKeyword;
use crate::live::LiveEvent;
use crate::metrics::Metrics;
use crate::store::StoreError;
use crate::store::ingest::{Ingested, StoredInbound};
use crate::store::setup::AccountWithToken;
use crate::store::status::{StatusReport, StatusUpdate};

/// Why a file sent where customers' files are off was not fetched (on the message's media).
const FILES_OFF_REASON: &str = "attachments are off for this workstream";
/// The agent's line in the thread about it.
const FILES_OFF_LINE: &str =
    "The customer sent an attachment; attachments are off for this workstream.";

impl Desk {
    /// Stores an inbound message durably, then hands it to its conversation, the live pages and
    /// the media fetcher.
    pub async fn take_inbound(
        &self,
        account: &AccountWithToken,
        inbound: InboundMessage,
    ) -> Result<Ingested, StoreError> {
        let outcome = self
            .store()
            .ingest(account.account.id, inbound, self.now())
            .await?;
        let m = self.metrics();
        match &outcome {
            Ingested::Duplicate => Metrics::inc(&m.inbound_duplicates_total),
            Ingested::UnknownNumber => Metrics::inc(&m.inbound_rejected_total),
            Ingested::Stored(s) => {
                Metrics::inc(&m.inbound_stored_total);
                if s.opened {
                    Metrics::inc(&m.conversations_opened_total);
                }
                let live = &self.shared.live;
                if let Some(old) = &s.closed {
                    // The customer wrote after the agent ended: the Wrap-up conversation closed
                    // in the same write, and its hold is gone from the ledger.
                    self.shared
                        .roster
                        .do_send(crate::actors::roster::Release(old.id));
                    self.registry.do_send(Track {
                        conversation: old.clone(),
                        opened: false,
                        transfer_to: None,
                    });
                    self.registry.do_send(crate::actors::messages::PumpAll);
                    live.publish(LiveEvent::ConversationAssigned {
                        conversation: old.id,
                        agent: old.agent,
                    });
                }
                // A new conversation is classified, placed and handed to its supervisor before
                // the webhook is answered (a message after this one finds it queued), unless
                // the workstream's bot takes it first.
                let by_bot = self.bot_receives(s).await;
                if by_bot {
                    // The bot has it: neither routed nor handed to the supervisor.
                } else if s.opened && s.conversation.workstream_id.is_some() {
                    self.route_into(s.conversation.clone(), &s.message.body, None)
                        .await;
                } else if s.actor_affected {
                    self.registry.do_send(Track {
                        conversation: s.conversation.clone(),
                        opened: s.opened,
                        transfer_to: None,
                    });
                }
                if !s.opened && s.conversation.state == crate::domain::ConversationState::Active {
                    self.check_away(&s.conversation);
                }
                if s.opened {
                    live.publish(LiveEvent::ConversationOpened {
                        conversation: s.conversation.id,
                        workstream: s.conversation.workstream_id,
                    });
                }
                live.publish(LiveEvent::MessageStored {
                    conversation: s.message.conversation_id,
                    seq: s.message.seq,
                });
                let refused = !s.message.media.is_empty() && !self.takes_files_in(s).await;
                if !s.message.media.is_empty() && !refused {
                    self.fetch_media(s, account);
                }
                self.answer_automatically(s, by_bot).await;
                if refused {
                    self.refuse_attachments(s).await;
                }
            }
        }
        Ok(outcome)
    }

    /// The automated answers to a stored customer message: the opt-out confirmation to STOP, or
    /// the greeting when it opened the conversation (the bot greets instead when it took it).
    /// Queued before the webhook is answered.
    async fn answer_automatically(&self, s: &StoredInbound, by_bot: bool) {
        let trigger = match s.opt {
            Some(OptKeyword::OptOut) => Trigger::OptedOut,
            _ if s.opened && !by_bot => Trigger::Greeting,
            _ => return,
        };
        self.automated_or_log(&s.conversation, trigger, &Fill::default())
            .await;
    }

    /// Whether the conversation's workstream takes customers' files ("Customers can send file
    /// attachments"); a conversation outside any workstream has no setting that refuses them,
    /// and a failing read keeps the file rather than lose it.
    async fn takes_files_in(&self, s: &StoredInbound) -> bool {
        let Some(id) = s.conversation.workstream_id else {
            return true;
        };
        match self.store().workstream(id).await {
            Ok(ws) => ws.is_none_or(|w| w.attachments.customers),
            Err(e) => {
                tracing::warn!(conversation = %s.conversation.id, error = %e, "reading the workstream's attachment setting failed; the file is fetched");
                true
            }
        }
    }

    /// A file the workstream does not take: not fetched (the text stays), the customer gets the
    /// "attachments not accepted" message and the agent a line in the thread saying why.
    async fn refuse_attachments(&self, s: &StoredInbound) {
        self.media.refuse_all(&s.message, FILES_OFF_REASON).await;
        self.automated_or_log(&s.conversation, Trigger::AttachmentsOff, &Fill::default())
            .await;
        if let Err(e) = self
            .note_for_agent(&s.conversation, FILES_OFF_LINE.to_owned())
            .await
        {
            tracing::warn!(conversation = %s.conversation.id, error = %e, "noting the refused attachment failed");
        }
    }

    /// Fetches the message's media in the background; a file refused for its size or type is
    /// answered with the "message couldn't be sent" message of that reason.
    fn fetch_media(&self, s: &StoredInbound, account: &AccountWithToken) {
        let desk = self.clone();
        let conv = s.conversation.clone();
        let message = s.message.clone();
        let account = account.clone();
        actix::spawn(async move {
            let refused = desk
                .media
                .fetch_all(&message, Some(account), Some(conv.channel))
                .await;
            for trigger in refused {
                desk.automated_or_log(&conv, trigger, &Fill::default())
                    .await;
            }
        });
    }

    /// Applies a provider's delivery status report.
    pub async fn apply_status(&self, report: StatusReport) -> Result<StatusUpdate, StoreError> {
        let (provider_id, status) = (report.provider_id.clone(), report.status);
        let update = self.store().apply_status(report, self.now()).await?;
        match &update {
            StatusUpdate::Applied(msg) => {
                Metrics::inc(&self.metrics().status_callbacks_total);
                self.shared.live.publish(LiveEvent::StatusChanged {
                    conversation: msg.conversation_id,
                    seq: msg.seq,
                    status: msg.status,
                });
            }
            StatusUpdate::Ignored(msg) => tracing::debug!(
                provider_id, stored = %msg.status, late = %status, "status is late or of another send; ignored"
            ),
            StatusUpdate::Unknown => {
                tracing::info!(provider_id, %status, "status callback for an unknown message; ignored")
            }
            StatusUpdate::Kept => tracing::debug!(
                provider_id, %status, "status came before the send's receipt; kept for it"
            ),
        }
        Ok(update)
    }
}
