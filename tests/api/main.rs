//! HTTP-level tests: the real application on port 0, real redb in a temp dir, Twilio faked on
//! 127.0.0.1.

mod admin_accounts;
mod admin_hours;
mod admin_routes;
mod admin_templates;
mod admin_users;
mod admin_workstreams;
mod agent_panel;
mod ambiguous;
mod attachments;
mod crash;
mod disk_full;
mod distribution;
mod edges;
mod fake_twilio;
mod files_and_reads;
mod helpers;
mod inbound;
mod layers;
mod lifecycle;
mod live_events;
mod media;
mod operations;
mod outbound;
mod pacing;
mod records;
mod restart;
mod retry;
mod scheduler;
mod sessions_hardening;
mod signin;
mod simulator;
mod ssrf;
mod storage_faults;
// (test modules: add above this line)
mod status;
