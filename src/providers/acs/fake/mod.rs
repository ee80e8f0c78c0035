//! Test support, built for this crate's unit tests and, with the `acs-fake` feature, for the
//! integration and browser tests: a strict fake ACS resource (`acs`), checked against the
//! OpenAPI spec (`schema`), a fake Entra tenant with the committed test keys (`tenant`), and
//! Event Grid deliveries signed with its tokens (`deliveries`). Everything listens on 127.0.0.1.

pub mod acs;
pub mod deliveries;
pub mod schema;
pub mod tenant;

pub use acs::{Failure, FakeAcs};
pub use deliveries::{DeliverySchema, EventGrid};
pub use tenant::{FakeTenant, TestKey, TokenKind};
