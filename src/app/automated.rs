//! Automated messages, sent: `Desk::send_automated` resolves a trigger's text (workstream
//! override → channel default, in the workstream's language with fallback to the default
//! locale), fills its placeholders and either queues it for the customer through the outbox like
//! any reply (respecting the 24-hour window and opt-outs), or writes it into the thread as a
//! system line when the agent is its audience.

use super::{Desk, DeskError};
use crate::domain::automated::{Audience, Locale, Placeholder, Trigger, render};
use crate::domain::{Direction, UserId};
use crate::live::LiveEvent;
use crate::store::automated::default_locale;
use crate::store::outbox::{OutboundContent, OutboundRequest, SendRefusal};
use crate::store::records::{Conversation, Message, NumberKind, Workstream};
use std::collections::HashMap;

/// The values an automated message's placeholders are filled with; a placeholder without a value
/// is left out of the text.
#[derive(Debug, Clone, Default)]
pub struct Fill {
    /// `{AgentName}`.
    pub agent_name: Option<String>,
    /// `{QueueName}`; the workstream's fallback queue when not given.
    pub queue_name: Option<String>,
    /// `{QueuePosition}`, the customer's place in the queue (1 is next).
    pub queue_position: Option<usize>,
    /// `{$Name$}`: the conversation's context variables.
    pub context: HashMap<String, String>,
}

impl Fill {
    pub fn agent(name: impl Into<String>) -> Self {
        Self {
            agent_name: Some(name.into()),
            ..Self::default()
        }
    }

    fn value(&self, p: &Placeholder, ws: Option<&Workstream>) -> Option<String> {
        match p {
            Placeholder::AgentName => self.agent_name.clone(),
            Placeholder::QueueName => self
                .queue_name
                .clone()
                .or_else(|| ws.map(|w| w.fallback_queue.to_string())),
            Placeholder::QueuePosition => self.queue_position.map(|n| n.to_string()),
            Placeholder::Context(name) => self.context.get(name).cloned(),
        }
    }
}

/// What became of an automated message.
#[derive(Debug)]
pub enum Automated {
    /// Queued for the customer; the outbox sends it.
    Sent(Message),
    /// Written into the thread for the agent.
    Noted(Message),
    /// The trigger is turned off for this conversation's workstream or channel.
    Off,
    /// The provider answers this itself (STOP on SMS long codes and toll-free numbers).
    ProviderAnswers,
    /// The text came out empty once filled in.
    Empty,
    /// The send was refused (the 24-hour window closed, the customer opted out, …).
    Refused(SendRefusal),
}

/// Whether Twilio answers STOP itself on numbers of `kind` (its default opt-out handling on long
/// codes and toll-free numbers); on WhatsApp and short codes omnidesk answers.
pub fn provider_answers_stop(kind: NumberKind) -> bool {
    matches!(kind, NumberKind::LongCode | NumberKind::TollFree)
}

impl Desk {
    /// Sends (or notes, for the agent) the automated message for `trigger` in `conv`.
    pub async fn send_automated(
        &self,
        conv: &Conversation,
        trigger: Trigger,
        fill: &Fill,
    ) -> Result<Automated, DeskError> {
        self.send_automated_with(conv, trigger, fill, None).await
    }

    /// `send_automated` with the text that follows it (the survey link after "agent ended"),
    /// sent even when the trigger is off.
    pub(crate) async fn send_automated_with(
        &self,
        conv: &Conversation,
        trigger: Trigger,
        fill: &Fill,
        appendix: Option<String>,
    ) -> Result<Automated, DeskError> {
        if trigger == Trigger::OptedOut {
            let number = self.store().number(conv.number_id).await?;
            if number.is_some_and(|n| provider_answers_stop(n.kind)) {
                return Ok(Automated::ProviderAnswers);
            }
        }
        let ws = match conv.workstream_id {
            Some(id) => self.store().workstream(id).await?,
            None => None,
        };
        let locale = ws
            .as_ref()
            .and_then(default_locale)
            .unwrap_or_else(Locale::english);
        let resolved = self
            .store()
            .automated_plan(trigger, conv.channel, ws.as_ref(), locale, false)
            .await?;
        let text = resolved.map(|r| render(&r.text, |p| fill.value(p, ws.as_ref())));
        let body = match (text, appendix) {
            (None, None) => return Ok(Automated::Off),
            (Some(t), None) | (None, Some(t)) => t,
            (Some(t), Some(a)) => format!("{t}\n\n{a}"),
        };
        let body = body.trim().to_owned();
        if body.is_empty() {
            return Ok(Automated::Empty);
        }
        match trigger.audience() {
            Audience::Agent => self.note_for_agent(conv, body).await,
            Audience::Customer => self.send_to_customer(conv, trigger, body).await,
        }
    }

    /// Writes `body` into the thread as a system line for the agent.
    pub(crate) async fn note_for_agent(
        &self,
        conv: &Conversation,
        body: String,
    ) -> Result<Automated, DeskError> {
        let Some(line) = self
            .store()
            .add_agent_line(conv.id, body, self.now())
            .await?
        else {
            return Ok(Automated::Refused(SendRefusal::Closed));
        };
        self.shared.live.publish(LiveEvent::MessageStored {
            conversation: line.conversation_id,
            seq: line.seq,
        });
        Ok(Automated::Noted(line))
    }

    async fn send_to_customer(
        &self,
        conv: &Conversation,
        trigger: Trigger,
        body: String,
    ) -> Result<Automated, DeskError> {
        let req = OutboundRequest {
            conversation_id: conv.id,
            content: OutboundContent::Text(body),
            author: None,
            direction: Direction::Automated,
        };
        let outcome = if trigger == Trigger::OptedOut {
            // The one message exempt from the opt-out gate; the window and the rest still apply.
            match self
                .store()
                .enqueue_opt_out_confirmation(req, self.now())
                .await?
            {
                Ok(q) => {
                    self.shared.live.publish(LiveEvent::MessageStored {
                        conversation: q.message.conversation_id,
                        seq: q.message.seq,
                    });
                    self.shared
                        .outbox
                        .do_send(crate::actors::messages::JobQueued(q.job));
                    Ok(q.message)
                }
                Err(r) => Err(r),
            }
        } else {
            self.deliver(req).await?
        };
        Ok(match outcome {
            Ok(m) => Automated::Sent(m),
            Err(r) => {
                tracing::info!(conversation = %conv.id, trigger = trigger.key(), refusal = %r, "automated message not sent");
                Automated::Refused(r)
            }
        })
    }

    /// `send_automated` for hooks that must not fail what triggered them: a failure is logged.
    pub(crate) async fn automated_or_log(
        &self,
        conv: &Conversation,
        trigger: Trigger,
        fill: &Fill,
    ) {
        if let Err(e) = self.send_automated(conv, trigger, fill).await {
            tracing::warn!(conversation = %conv.id, trigger = trigger.key(), error = %e, "automated message failed");
        }
    }

    /// The "agent assigned" message, with the agent's name.
    pub(crate) async fn announce_agent(&self, conv: &Conversation, agent: UserId) {
        let name = match self.store().user(agent).await {
            Ok(Some(u)) => u.name,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(conversation = %conv.id, error = %e, "reading the assigned agent failed");
                return;
            }
        };
        self.automated_or_log(conv, Trigger::AgentAssigned, &Fill::agent(name))
            .await;
    }
}

impl Desk {
    /// Turns an automated message on or off for a channel default or one workstream.
    pub async fn set_automated_switch(
        &self,
        key: crate::domain::automated::SwitchKey,
        on: bool,
    ) -> Result<Result<(), crate::store::automated::OverrideRefusal>, DeskError> {
        Ok(self.store().set_automated_switch(key, on).await?)
    }

    /// Replaces the keywords that opt a WhatsApp customer out.
    pub async fn set_whatsapp_optout_keywords(
        &self,
        words: Vec<crate::domain::optout::Keyword>,
    ) -> Result<(), DeskError> {
        Ok(self.store().set_whatsapp_optout_keywords(words).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twilio_answers_stop_on_long_codes_and_toll_free_only() {
        assert!(provider_answers_stop(NumberKind::LongCode));
        assert!(provider_answers_stop(NumberKind::TollFree));
        assert!(!provider_answers_stop(NumberKind::ShortCode));
        assert!(!provider_answers_stop(NumberKind::WhatsApp));
    }

    #[test]
    fn placeholders_are_filled_from_the_fill() {
        let mut fill = Fill::agent("Ana");
        fill.context.insert("Order".into(), "#42".into());
        let text = render("{AgentName}: {$Order$} in {QueueName}{$Missing$}.", |p| {
            fill.value(p, None)
        });
        assert_eq!(text, "Ana: #42 in .");
    }
}
