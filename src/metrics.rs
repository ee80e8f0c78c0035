//! Counters for `GET /metrics` in the Prometheus text format. Plain atomics: every increment is a
//! single relaxed add, cheap enough for the inbound hot path.

pub mod gauges;

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

macro_rules! counters {
    ($($field:ident => $help:literal),+ $(,)?) => {
        #[derive(Default)]
        pub struct Metrics {
            $(pub $field: AtomicU64,)+
        }

        impl Metrics {
            pub fn render(&self) -> String {
                let mut out = String::new();
                $(
                    let name = concat!("omnidesk_", stringify!($field));
                    let _ = writeln!(out, "# HELP {name} {}", $help);
                    let _ = writeln!(out, "# TYPE {name} counter");
                    let _ = writeln!(out, "{name} {}", self.$field.load(Ordering::Relaxed));
                )+
                out
            }
        }
    };
}

counters! {
    inbound_stored_total => "Inbound messages durably stored.",
    inbound_duplicates_total => "Inbound webhooks for a MessageSid already stored.",
    inbound_rejected_total => "Inbound webhooks refused (bad key, signature, form or number).",
    signature_checks_total => "Webhook signatures computed (forms that passed the size checks).",
    body_timeouts_total => "Requests whose body did not arrive before its deadline (answered 408).",
    live_streams_refused_total => "Live streams refused because the total bound was reached.",
    live_streams_evicted_total => "Live streams closed because their session opened one too many.",
    conversations_opened_total => "Conversations opened by a first customer message.",
    notifications_total => "Live notifications published for stored messages.",
    outbound_queued_total => "Outbound messages accepted into the outbox.",
    outbound_refused_total => "Outbound sends refused before reaching the provider.",
    outbound_sent_total => "Outbound messages accepted by the provider.",
    outbound_retries_total => "Provider attempts that will be retried.",
    outbound_failed_total => "Outbound messages that ended failed.",
    status_callbacks_total => "Delivery status callbacks applied.",
    window_flips_total => "WhatsApp conversations flipped to template-only.",
    deadline_retries_total => "Scheduled steps (window flips, idle closes) that failed and will be retried.",
    media_fetched_total => "Inbound media files fetched and stored.",
    media_failed_total => "Inbound media fetches that failed.",
    media_retries_total => "Inbound media files that could not be written (e.g. a full disk) and will be retried.",
    store_commits_total => "Write transactions committed by the store writer.",
    store_writes_total => "Write requests applied by the store writer.",
    store_failures_total => "Storage errors met by the store writer: failed write transactions and failed reopens.",
    store_reopens_total => "Times the store was reopened after a storage error.",
}

impl Metrics {
    pub fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}
