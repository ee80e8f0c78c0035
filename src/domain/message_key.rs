//! Our own key of an outbound message, as carried in its status callback URL: conversation id,
//! seq and send round (0 for the first send, one more for each agent retry). A callback finds its
//! message by this key even before the provider's id is stored, and the round tells a late
//! callback of an earlier send apart from one of the current send.

use super::ConversationId;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageKey {
    pub conversation: ConversationId,
    pub seq: u64,
    pub round: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the message key must read conversation-seq or conversation-seq-round")]
pub struct MessageKeyError;

impl MessageKey {
    /// Parses `12-3` (round 0) or `12-3-1`.
    pub fn parse(s: &str) -> Result<Self, MessageKeyError> {
        let parts: Vec<&str> = s.split('-').collect();
        let number = |p: &str| -> Result<u64, MessageKeyError> {
            // Digits only: `parse` would also take a leading `+`.
            if p.is_empty() || p.len() > 20 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(MessageKeyError);
            }
            p.parse().map_err(|_| MessageKeyError)
        };
        let (conversation, seq, round) = match parts.as_slice() {
            [c, s] => (number(c)?, number(s)?, 0),
            [c, s, r] => (
                number(c)?,
                number(s)?,
                u32::try_from(number(r)?).map_err(|_| MessageKeyError)?,
            ),
            _ => return Err(MessageKeyError),
        };
        if conversation == 0 || seq == 0 {
            return Err(MessageKeyError);
        }
        Ok(Self {
            conversation: ConversationId::new(conversation),
            seq,
            round,
        })
    }
}

impl fmt::Display for MessageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.conversation.get(), self.seq)?;
        if self.round > 0 {
            write!(f, "-{}", self.round)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_round_zero_is_short() {
        for (text, round) in [("12-3", 0), ("12-3-2", 2)] {
            let k = MessageKey::parse(text).unwrap();
            assert_eq!((k.conversation.get(), k.seq, k.round), (12, 3, round));
            assert_eq!(k.to_string(), text);
        }
    }

    #[test]
    fn malformed_keys_are_refused() {
        for (bad, why) in [
            ("", "empty"),
            ("12", "no seq"),
            ("12-", "empty seq"),
            ("+1-2", "a sign is not a digit"),
            ("0-1", "ids start at 1"),
            ("1-0", "seqs start at 1"),
            ("1-2-3-4", "too many parts"),
            ("1-2-99999999999", "round overflows u32"),
            ("99999999999999999999999-1", "id overflows u64"),
            ("a-b", "not numbers"),
        ] {
            assert_eq!(MessageKey::parse(bad), Err(MessageKeyError), "{why}");
        }
    }
}
