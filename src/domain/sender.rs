//! The business side of a conversation: a sender is a phone number (Twilio, the Simulator) or an
//! ACS WhatsApp channel ID (the channel registration GUID). Either serves a workstream the same
//! way; conversations key on the sender record, whichever address it has.

use super::guid::{Guid, GuidError};
use super::phone::{Channel, PhoneNumber};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An ACS WhatsApp channel ID ("Channel ID" in the Azure portal): the channel registration GUID
/// that sends (`channelRegistrationId`) and receives (`to` of an inbound event).
/// Kept in its canonical (lower-case) text, which is how it is stored and sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ChannelId(String);

impl ChannelId {
    pub fn parse(s: &str) -> Result<Self, GuidError> {
        Guid::parse(s).map(Self::from)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<Guid> for ChannelId {
    fn from(g: Guid) -> Self {
        Self(g.to_string())
    }
}

impl<'de> Deserialize<'de> for ChannelId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a sender's messages come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SenderAddress {
    Phone(PhoneNumber),
    AcsChannel(ChannelId),
}

impl SenderAddress {
    pub fn phone(&self) -> Option<&PhoneNumber> {
        match self {
            Self::Phone(p) => Some(p),
            Self::AcsChannel(_) => None,
        }
    }

    pub fn acs_channel(&self) -> Option<&ChannelId> {
        match self {
            Self::AcsChannel(c) => Some(c),
            Self::Phone(_) => None,
        }
    }

    /// The address as written: the number, or the channel ID.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Phone(p) => p.as_str(),
            Self::AcsChannel(c) => c.as_str(),
        }
    }

    /// The key of the sender in the address index: the number as written today for a phone
    /// number (so earlier index entries still match), `acs:{guid}` for a channel ID.
    pub fn index_key(&self, channel: Channel) -> String {
        match self {
            Self::Phone(p) => format!("{}:{p}", channel.as_str()),
            Self::AcsChannel(c) => format!("{}:acs:{c}", channel.as_str()),
        }
    }
}

impl From<PhoneNumber> for SenderAddress {
    fn from(p: PhoneNumber) -> Self {
        Self::Phone(p)
    }
}

impl From<ChannelId> for SenderAddress {
    fn from(c: ChannelId) -> Self {
        Self::AcsChannel(c)
    }
}

impl fmt::Display for SenderAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_and_channel_senders_have_distinct_index_keys() {
        let phone = SenderAddress::from(PhoneNumber::parse("+14155550100").unwrap());
        assert_eq!(phone.index_key(Channel::WhatsApp), "whatsapp:+14155550100");
        let channel =
            SenderAddress::from(ChannelId::parse("0F0EB78E-A576-1DFC-B414-0F0756DE3338").unwrap());
        assert_eq!(
            channel.index_key(Channel::WhatsApp),
            "whatsapp:acs:0f0eb78e-a576-1dfc-b414-0f0756de3338"
        );
        assert_eq!(channel.to_string(), "0f0eb78e-a576-1dfc-b414-0f0756de3338");
        assert!(channel.phone().is_none() && phone.acs_channel().is_none());
    }
}
