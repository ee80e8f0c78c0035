//! Provider webhooks. They answer with a bare status and a one-line reason, never a page.

pub mod acs;
pub mod throttle;
pub mod twilio;
