//! omnidesk: a self-hosted contact center for WhatsApp and SMS in one binary.
//!
//! # Layout
//! - `config`, `startup`, `telemetry`, `clock`, `metrics`, `secrets`: process plumbing.
//! - `domain`: parsed newtypes and pure rules (phone numbers, SIDs, state machine, 24-hour
//!   window, templates, opt-out keywords, the inbound webhook form).
//! - `store`: redb with one group-commit writer; every table in `store::tables`.
//! - `actors`: ConversationRegistry, ConversationActor, WorkstreamSupervisor, OutboxDispatcher,
//!   LiveHub.
//! - `providers`: the provider trait, Twilio (REST client, signatures) and the Simulator.
//! - `media`: background fetch of inbound media.
//! - `desk`: the facade handlers, the CLI and tests act through.
//! - `auth`: passwords, sessions, CSRF, the login throttle.
//! - `web`: HTTP routes (webhooks, sign-in, admin console, health, metrics) and the page model.
//! - `cli`: operator subcommands; `demo`: the `--demo` seed (users, Simulator numbers,
//!   workstreams).

pub mod actors;
pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod desk;
pub mod domain;
pub mod live;
pub mod media;
pub mod metrics;
pub mod providers;
pub mod secrets;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;
pub mod work;
