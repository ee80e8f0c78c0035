//! Twilio: the REST client for sending, the lookup of sent messages, and the webhook signature
//! check.

pub mod client;
mod lookup;
pub mod signature;

pub use client::TwilioClient;
