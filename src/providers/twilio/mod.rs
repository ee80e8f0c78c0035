//! Twilio: the REST client for sending and the webhook signature check.

pub mod client;
pub mod signature;

pub use client::TwilioClient;
