//! Twilio: the REST client for sending, the lookup of sent messages, the account and number
//! checks of onboarding, and the webhook signature check.

pub mod address;
pub mod check;
pub mod client;
pub mod inbound;
mod lookup;
pub mod numbers;
pub mod signature;

pub use client::TwilioClient;
