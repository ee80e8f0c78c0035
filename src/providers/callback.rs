//! The status callback URL handed to the provider with each send:
//! `{public url}/webhooks/twilio/{webhook key}/status?m={message key}`. The provider signs the
//! whole URL, so the message key in it is as trustworthy as the callback itself.

use crate::domain::MessageKey;

/// Name of the query parameter carrying the message key.
pub const KEY_PARAM: &str = "m";

pub fn status_url(public_url: &str, webhook_key: &str, key: MessageKey) -> String {
    format!("{public_url}/webhooks/twilio/{webhook_key}/status?{KEY_PARAM}={key}")
}

/// The webhook key and message key of a URL made by `status_url`.
pub fn parse_status_url(url: &str) -> Option<(String, MessageKey)> {
    let (path, query) = url.split_once('?')?;
    let webhook_key = path
        .strip_suffix("/status")?
        .rsplit_once("/webhooks/twilio/")?
        .1;
    let value = query
        .split('&')
        .find_map(|pair| pair.strip_prefix(KEY_PARAM)?.strip_prefix('='))?;
    Some((webhook_key.to_owned(), MessageKey::parse(value).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ConversationId;

    #[test]
    fn a_status_url_carries_the_webhook_key_and_the_message_key() {
        let key = MessageKey {
            conversation: ConversationId::new(7),
            seq: 4,
            round: 1,
        };
        let url = status_url("https://desk.example", "k3y", key);
        assert_eq!(
            url,
            "https://desk.example/webhooks/twilio/k3y/status?m=7-4-1"
        );
        assert_eq!(parse_status_url(&url), Some(("k3y".to_owned(), key)));
        assert_eq!(
            parse_status_url("https://desk.example/webhooks/twilio/k3y/status"),
            None
        );
    }
}
