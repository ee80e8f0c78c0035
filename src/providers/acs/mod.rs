//! Azure Communication Services (ACS) Advanced Messaging for WhatsApp: the building blocks the
//! provider seam plugs in. Nothing here stores anything or knows accounts; the caller passes the
//! account's `ConnectionString` (and, for webhooks, its `entra::Expected`).
//!
//! What the seam calls:
//! - **Validate**: `AcsClient::list_templates(connection string, channel ID)` — success proves the
//!   key, the resource and the channel; `fetch::FetchError` says what is wrong.
//! - **Send**: `AcsClient::send(connection string, &send::Outbound)` with the message's stable
//!   `Repeatability` (request ID + first attempt's time, stored and reused on every attempt),
//!   answering the provider interface's `Accepted` / `SendError`. After an ambiguous send, sending
//!   again with the same repeatability data is the lookup: ACS answers the first result without
//!   delivering twice (within its 5-minute window; later it answers "rejected" → `Permanent`).
//! - **Media fetch**: `AcsClient::download_media(connection string, media ID, size limit)`.
//! - **Webhook** `POST /webhooks/acs/{account_key}`: first `entra::EntraValidator::check` on the
//!   `Authorization` header (Ok → go on; Unauthorized → 401; KeysUnavailable → 503), then
//!   `events::parse_delivery(body)`: `Validation` → 200 with its `response_body()`; `Events` →
//!   store each `Received` / `Status`, skip `Unusable` (log) and `Ignored`, answer 200 after the
//!   commit; a `DeliveryError` → 400 (413 when too large). `OPTIONS` (CloudEvents handshake) →
//!   `events::allowed_origin(WebHook-Request-Origin)` echoed in `WebHook-Allowed-Origin` (and
//!   `events::allowed_rate` in `WebHook-Allowed-Rate` when a rate was asked), else 400.
//!
//! Layout: `connection` (connection string), `signing` (HMAC-SHA256), `ids`, `send` (request
//! bodies), `client` (send), `fetch` (templates, media), `events` + `advanced` (Event Grid
//! deliveries), `entra` + `entra_keys` (token check), `fake` (test support).

#![warn(missing_docs)]

pub mod advanced;
pub mod client;
pub mod connection;
pub mod entra;
pub mod entra_keys;
pub mod events;
pub mod fetch;
pub mod ids;
pub mod provider;
pub mod send;
pub mod signing;

#[cfg(any(test, feature = "acs-fake"))]
pub mod fake;

pub use client::AcsClient;
pub use connection::ConnectionString;
pub use entra::{EntraValidator, TokenCheck};
