//! Reports, as pure rules: the facts kept for each conversation (`fact`), how the thread's lines
//! fold into them (`lines`), the date range and filters of a report (`query`) and the metrics
//! computed from the facts (`metrics`, `stats`). The store keeps the facts; nothing here does I/O.

pub mod fact;
pub mod lines;
pub mod metrics;
pub mod query;
pub mod stats;

pub use fact::{ConversationFact, Csat, Via};
pub use metrics::Report;
pub use query::{ChannelFilter, Filters, ReportRange};
