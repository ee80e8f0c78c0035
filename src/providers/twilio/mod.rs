//! Twilio: the REST client for sending, the lookup of sent messages, the account and number
//! checks of onboarding, and the webhook signature check.

pub mod client;
mod lookup;
pub mod numbers;
pub mod signature;

pub use client::TwilioClient;
