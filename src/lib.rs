//! omnidesk: a self-hosted contact center for WhatsApp and SMS in one binary.
//!
//! # Layout
//! Each layer uses only the layers below it; `tests/api/layers.rs` checks that no top-level
//! modules import each other in a cycle and that `web` reaches no actor and publishes nothing.
//!
//! - `web`: HTTP routes (webhooks, sign-in, admin console, agent workspace, health, metrics), the
//!   session and CSRF extractors, and the page model. Thin: parse, call one service, render.
//! - `app`: the application services on `Desk` (inbound, outbound, assignment, staff, admin):
//!   they store first, then tell the actors and the live hub.
//! - `actors`: ConversationRegistry, ConversationActor, WorkstreamSupervisor, AgentRoster,
//!   OutboxDispatcher and the deadline Scheduler. `live`: SSE fan-out. `providers`: Twilio and
//!   the Simulator. `media`: background fetch of inbound media.
//! - `store`: redb with one group-commit writer, which reopens the file by itself after an I/O
//!   error; every table in `store::tables`; one write path per aggregate, records with their own
//!   layout versions; `store::faults` is the test and chaos hook that injects storage errors.
//! - `domain`: parsed newtypes and pure rules (phone numbers, SIDs, state machine, 24-hour
//!   window, templates, opt-out keywords, lifecycle, system lines, presence).
//! - Plumbing: `config`, `startup`, `telemetry`, `clock`, `metrics`, `secrets`, `files`
//!   (owner-only permissions), `fdlimit` (the open-file budget); `auth`: password
//!   hashing, tokens and the login throttle; `cli`: the command line and operator subcommands;
//!   `demo`: the `--demo` seed; `signing`: HMAC signatures of what omnidesk sends out.

pub mod actors;
pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod control;
pub mod demo;
pub mod domain;
pub mod fdlimit;
pub mod files;
pub mod live;
pub mod media;
pub mod metrics;
pub mod providers;
pub mod secrets;
pub mod signing;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;
