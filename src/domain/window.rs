//! The WhatsApp 24-hour customer service window: free-form replies are allowed until 24 hours
//! after the customer's most recent message; after that only approved templates. SMS has no window.

use super::{Channel, Timestamp};
use std::time::Duration;

pub const WHATSAPP_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// The exact text agents see when a free-form reply is refused.
pub const WINDOW_EXPIRED_TEXT: &str =
    "This conversation has exceeded the 24 hour limit to respond to the customer.";

/// When the reply window closes after a customer message at `at`, if the channel has one.
pub fn window_expiry(channel: Channel, at: Timestamp) -> Option<Timestamp> {
    match channel {
        Channel::WhatsApp => Some(at.saturating_add(WHATSAPP_WINDOW)),
        Channel::Sms => None,
    }
}

/// Whether a free-form message may be sent at `now` given the stored expiry.
pub fn free_form_allowed(expires_at: Option<Timestamp>, now: Timestamp) -> bool {
    match expires_at {
        None => true,
        Some(t) => now < t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whatsapp_window_is_24_hours_from_the_customer_message() {
        let at = Timestamp::from_millis(1_000);
        let exp = window_expiry(Channel::WhatsApp, at).unwrap();
        assert_eq!(exp.as_millis(), 1_000 + 86_400_000);
        assert!(free_form_allowed(
            Some(exp),
            Timestamp::from_millis(exp.as_millis() - 1)
        ));
        assert!(
            !free_form_allowed(Some(exp), exp),
            "the window is closed at the instant itself"
        );
    }

    #[test]
    fn sms_has_no_window() {
        assert_eq!(window_expiry(Channel::Sms, Timestamp::from_millis(0)), None);
        assert!(free_form_allowed(None, Timestamp::from_millis(i64::MAX)));
    }
}
