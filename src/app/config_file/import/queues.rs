//! A workstream's queues: their checks (priority, hours, members, overflow) and the store's
//! draft of one.

use super::*;

pub(super) fn check_queues(
    out: &mut Problems,
    p: &P,
    w: &WorkstreamDoc,
    hour_names: &BTreeSet<String>,
    emails: &BTreeSet<String>,
) {
    if let Some(m) = w.position_minutes
        && !(1..=crate::domain::queue::MAX_POSITION_MINUTES).contains(&m)
    {
        err(
            out,
            p.key("position_minutes"),
            format!(
                "position messages are whole minutes from 1 to {}",
                crate::domain::queue::MAX_POSITION_MINUTES
            ),
        );
    }
    let base = p.key("queues");
    duplicates(out, &base, &w.queues, "queue", |q| key(&q.name));
    let names: BTreeSet<String> = w.queues.iter().map(|q| key(&q.name)).collect();
    let fallbacks: Vec<&QueueDoc> = w.queues.iter().filter(|q| q.fallback).collect();
    match fallbacks.as_slice() {
        [q] if key(&q.name) == key(&w.fallback_queue) => {}
        _ => err(
            out,
            p.key("fallback_queue"),
            format!(
                "exactly one queue, named {}, must have fallback = true",
                w.fallback_queue
            ),
        ),
    }
    for (i, q) in w.queues.iter().enumerate() {
        let qp = base.at(i);
        if let Err(e) = QueueName::parse(&q.name) {
            err(out, qp.key("name"), e.to_string());
        }
        if !(1..=MAX_PRIORITY).contains(&q.priority) {
            err(
                out,
                qp.key("priority"),
                format!("the priority is a whole number from 1 to {MAX_PRIORITY}"),
            );
        }
        if let Some(h) = &q.hours
            && !hour_names.contains(&key(h))
        {
            err(
                out,
                qp.key("hours"),
                format!("no operating hours named {h}"),
            );
        }
        for (j, m) in q.members.iter().enumerate() {
            if !emails.contains(&key(m)) {
                err(out, qp.key("members").at(j), format!("no user {m}"));
            }
        }
        for (j, o) in q.overflow.iter().enumerate() {
            let op = qp.key("overflow").at(j);
            match (o.action.as_str(), &o.transfer_to) {
                ("end" | "assign", None) => {}
                ("transfer", Some(t)) if key(t) == key(&q.name) => err(
                    out,
                    op.key("transfer_to"),
                    "a queue cannot overflow into itself",
                ),
                ("transfer", Some(t)) if !names.contains(&key(t)) => err(
                    out,
                    op.key("transfer_to"),
                    format!("no queue named {t} in this workstream"),
                ),
                ("transfer", Some(_)) => {}
                ("transfer", None) => err(out, op.key("action"), "name the queue in transfer_to"),
                ("end" | "assign", Some(_)) => {
                    err(out, op.key("transfer_to"), "only a transfer names a queue")
                }
                _ => err(
                    out,
                    op.key("action"),
                    "the action is end, transfer or assign",
                ),
            }
            if let Some(n) = o.condition.threshold()
                && !(1..=crate::domain::queue::MAX_THRESHOLD).contains(&n)
            {
                err(out, op.key("condition"), "the threshold is out of range");
            }
        }
        if q.overflow.len() > crate::domain::queue::MAX_OVERFLOW_RULES {
            err(out, qp.key("overflow"), "too many overflow rules");
        }
    }
}

pub(super) fn queue_draft(
    ids: &Ids,
    ws: WorkstreamId,
    q: &QueueDoc,
    with_overflow: bool,
) -> Option<QueueDraft> {
    let mut overflow = Vec::new();
    if with_overflow {
        for o in &q.overflow {
            let action = match (o.action.as_str(), &o.transfer_to) {
                ("end", _) => OverflowAction::End,
                ("assign", _) => OverflowAction::AssignAnyway,
                (_, Some(t)) => OverflowAction::TransferTo(*ids.queues.get(&(ws, key(t)))?),
                _ => return None,
            };
            overflow.push(OverflowRule {
                condition: o.condition,
                action,
            });
        }
    }
    Some(QueueDraft {
        name: QueueName::parse(&q.name).ok()?,
        priority: q.priority,
        method: q.method,
        hours: match &q.hours {
            Some(h) => Some(*ids.hours.get(&key(h))?),
            None => None,
        },
        overflow,
        members: q
            .members
            .iter()
            .filter_map(|m| ids.users.get(&key(m)).copied())
            .collect(),
    })
}
