//! The external bot's call: each customer message POSTed as JSON with its message id, signed
//! (`crate::signing`) with the bot's sealed secret, within the bot's timeout; the answer read
//! strictly (`domain::bot::BotAnswer`). `app::bot` runs the turns and applies the answer.

use super::Desk;
use crate::domain::WorkstreamId;
use crate::domain::bot::BotAnswer;
use crate::domain::routing::ContextValue;
use crate::store::bots::ExternalBot;
use crate::store::records::{Conversation, Message};
use std::time::Duration;

/// The largest answer read from an external bot.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Why an external bot's answer was not used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BotFailure {
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

impl Desk {
    pub(crate) async fn ask_external(
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
}

fn json_value(v: &ContextValue) -> serde_json::Value {
    match v {
        ContextValue::Text(t) => serde_json::Value::String(t.clone()),
        ContextValue::Number(n) => serde_json::json!(n),
        ContextValue::YesNo(b) => serde_json::Value::Bool(*b),
    }
}
