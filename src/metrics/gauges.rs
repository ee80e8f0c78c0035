//! Gauges for `GET /metrics`, computed at scrape time from the queues and the roster as they are
//! (not counters that could drift): per queue the conversations waiting, the active ones and the
//! longest wait; the agents by presence.

use std::fmt::Write;

/// One queue's state now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueGauge {
    pub queue_id: u64,
    pub queue: String,
    pub workstream: String,
    pub waiting: u64,
    pub active: u64,
    pub longest_wait_secs: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gauges {
    pub queues: Vec<QueueGauge>,
    /// (presence slug, agents).
    pub presence: Vec<(&'static str, u64)>,
}

/// Reads one gauge of a queue.
type Reading = fn(&QueueGauge) -> u64;

/// A label value in the exposition format: backslash, quote and newline escaped.
fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Gauges {
    pub fn render(&self) -> String {
        let mut out = String::new();
        let per_queue: [(&str, &str, Reading); 3] = [
            (
                "omnidesk_queue_waiting",
                "Conversations waiting in the queue now.",
                |q| q.waiting,
            ),
            (
                "omnidesk_queue_active",
                "Active conversations assigned from the queue now.",
                |q| q.active,
            ),
            (
                "omnidesk_queue_longest_wait_seconds",
                "How long the longest-waiting conversation of the queue has waited.",
                |q| q.longest_wait_secs,
            ),
        ];
        for (name, help, value) in per_queue {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} gauge");
            for q in &self.queues {
                let _ = writeln!(
                    out,
                    "{name}{{queue_id=\"{}\",queue=\"{}\",workstream=\"{}\"}} {}",
                    q.queue_id,
                    label(&q.queue),
                    label(&q.workstream),
                    value(q)
                );
            }
        }
        let name = "omnidesk_agents";
        let _ = writeln!(out, "# HELP {name} Agents by the presence others see now.");
        let _ = writeln!(out, "# TYPE {name} gauge");
        for (presence, n) in &self.presence {
            let _ = writeln!(out, "{name}{{presence=\"{presence}\"}} {n}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauges_render_with_escaped_labels() {
        let g = Gauges {
            queues: vec![QueueGauge {
                queue_id: 3,
                queue: "Sales \"EU\"".into(),
                workstream: "a\\b".into(),
                waiting: 2,
                active: 1,
                longest_wait_secs: 90,
            }],
            presence: vec![("available", 4), ("offline", 0)],
        };
        let text = g.render();
        assert!(text.contains(
            "omnidesk_queue_waiting{queue_id=\"3\",queue=\"Sales \\\"EU\\\"\",workstream=\"a\\\\b\"} 2"
        ));
        assert!(text.contains("omnidesk_queue_longest_wait_seconds{queue_id=\"3\""));
        assert!(
            text.contains(
                "# TYPE omnidesk_agents gauge\nomnidesk_agents{presence=\"available\"} 4\n"
            )
        );
    }
}
