//! Addresses and status names as Twilio writes them: `whatsapp:+E164` for WhatsApp, a bare number
//! for SMS, and the values of `MessageStatus` / `status`.

use crate::domain::MessageStatus;
use crate::domain::phone::{Address, Channel, PhoneError, PhoneNumber};

/// Parses a Twilio `From`/`To` value: `whatsapp:+E164` or a bare SMS number.
pub fn parse_address(s: &str) -> Result<Address, PhoneError> {
    match s.strip_prefix("whatsapp:") {
        // WhatsApp has no short codes: its addresses are always E.164.
        Some(rest) if !rest.starts_with('+') => Err(PhoneError::Malformed),
        Some(rest) => Ok(Address {
            channel: Channel::WhatsApp,
            number: PhoneNumber::parse(rest)?,
        }),
        None => Ok(Address {
            channel: Channel::Sms,
            number: PhoneNumber::parse(s)?,
        }),
    }
}

/// The form Twilio expects in `To`/`From` of an outbound message.
pub fn format_address(address: &Address) -> String {
    match address.channel {
        Channel::WhatsApp => format!("whatsapp:{}", address.number),
        Channel::Sms => address.number.to_string(),
    }
}

/// Parses Twilio's `MessageStatus` / `status` values.
pub fn parse_status(s: &str) -> Option<MessageStatus> {
    use MessageStatus as S;
    Some(match s {
        "accepted" | "scheduled" | "queued" => S::Queued,
        "sending" => S::Sending,
        "sent" => S::Sent,
        "delivered" => S::Delivered,
        "read" => S::Read,
        "undelivered" => S::Undelivered,
        "failed" | "canceled" => S::Failed,
        "received" | "receiving" => S::Received,
        _ => return None,
    })
}

/// A human text for the Twilio error codes agents meet most, so a failure says more than a number.
pub fn error_text(code: u32) -> Option<&'static str> {
    Some(match code {
        21211 => "Invalid 'To' phone number",
        21408 => "Permission to send an SMS has not been enabled for the region",
        21610 => "Attempt to send to unsubscribed recipient",
        21614 => "'To' number is not a valid mobile number",
        30003 => "Unreachable destination handset",
        30004 => "Message blocked",
        30005 => "Unknown destination handset",
        30006 => "Landline or unreachable carrier",
        30007 => "Message filtered",
        30008 => "Unknown error",
        63016 => "Failed to send freeform message because you are outside the allowed window",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whatsapp_prefix_becomes_the_channel() {
        let a = parse_address("whatsapp:+14155550100").unwrap();
        assert_eq!(a.channel, Channel::WhatsApp);
        assert_eq!(a.number.as_str(), "+14155550100");
        assert_eq!(format_address(&a), "whatsapp:+14155550100");
        let s = parse_address("+14155550100").unwrap();
        assert_eq!(s.channel, Channel::Sms);
        assert_eq!(format_address(&s), "+14155550100");
        assert!(
            parse_address("whatsapp:12345").is_err(),
            "no WhatsApp short codes"
        );
    }

    #[test]
    fn twilio_status_names_parse() {
        assert_eq!(parse_status("delivered"), Some(MessageStatus::Delivered));
        assert_eq!(parse_status("read"), Some(MessageStatus::Read));
        assert_eq!(parse_status("bogus"), None);
    }
}
