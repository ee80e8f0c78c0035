//! Reports and gauges: the report of a date range and filters, computed from the facts the store
//! keeps (`store::facts`) off the async threads; the names the page shows and filters by; and the
//! queue and presence gauges of `/metrics`, read at scrape time.

use super::{Desk, DeskError};
use crate::actors::roster::Census;
use crate::domain::presence::Presence;
use crate::domain::reports::{Filters, Report, ReportRange};
use crate::domain::{QueueId, UserId, WorkstreamId};
use crate::metrics::gauges::{Gauges, QueueGauge};
use std::collections::HashMap;

/// The names a report shows in place of ids, and offers as filters.
#[derive(Debug, Clone, Default)]
pub struct ReportNames {
    pub workstreams: Vec<(WorkstreamId, String)>,
    /// (queue, its name, its workstream's name).
    pub queues: Vec<(QueueId, String, String)>,
    /// Every user, agents first: any of them may have been assigned conversations.
    pub users: Vec<(UserId, String)>,
}

impl ReportNames {
    pub fn workstream(&self, id: Option<WorkstreamId>) -> String {
        id.and_then(|w| self.workstreams.iter().find(|(x, _)| *x == w))
            .map_or_else(|| "—".to_owned(), |(_, n)| n.clone())
    }

    pub fn queue(&self, id: QueueId) -> String {
        self.queues.iter().find(|(x, _, _)| *x == id).map_or_else(
            || format!("Deleted queue {}", id.get()),
            |(_, n, _)| n.clone(),
        )
    }

    pub fn user(&self, id: UserId) -> String {
        self.users
            .iter()
            .find(|(x, _)| *x == id)
            .map_or_else(|| "A former user".to_owned(), |(_, n)| n.clone())
    }
}

impl Desk {
    /// The report over the conversations opened in `range` that `filters` keep.
    pub async fn report(&self, range: ReportRange, filters: Filters) -> Result<Report, DeskError> {
        let facts = self
            .store()
            .facts_opened_between(range.start, range.end)
            .await?;
        tokio::task::spawn_blocking(move || Report::compute(facts, &range, &filters))
            .await
            .map_err(|_| DeskError::Stopped(actix::MailboxError::Closed))
    }

    /// The workstreams, queues and users a report names.
    pub async fn report_names(&self) -> Result<ReportNames, DeskError> {
        let store = self.store();
        let workstreams: Vec<(WorkstreamId, String)> = store
            .workstreams()
            .await?
            .into_iter()
            .map(|w| (w.id, w.name.as_str().to_owned()))
            .collect();
        let ws_name: HashMap<WorkstreamId, String> = workstreams.iter().cloned().collect();
        let queues = store
            .all_queues()
            .await?
            .into_iter()
            .map(|q| {
                let ws = ws_name.get(&q.workstream_id).cloned().unwrap_or_default();
                (q.id, q.name.as_str().to_owned(), ws)
            })
            .collect();
        let mut users = store.users().await?;
        users.sort_by(|a, b| {
            let key = |u: &crate::store::users::User| {
                (
                    u.role != crate::domain::user::Role::Agent,
                    u.name.to_lowercase(),
                )
            };
            key(a).cmp(&key(b))
        });
        Ok(ReportNames {
            workstreams,
            queues,
            users: users.into_iter().map(|u| (u.id, u.name)).collect(),
        })
    }

    /// The `/metrics` gauges as the queues and the roster are now.
    pub async fn gauges(&self) -> Result<Gauges, DeskError> {
        let occupancy = self.store().queue_occupancy().await?;
        let names = self.report_names().await?;
        let now = self.now();
        let queues = names
            .queues
            .iter()
            .map(|(id, name, ws)| {
                let o = occupancy.get(id).copied().unwrap_or_default();
                QueueGauge {
                    queue_id: id.get(),
                    queue: name.clone(),
                    workstream: ws.clone(),
                    waiting: o.waiting,
                    active: o.active,
                    longest_wait_secs: o.oldest.map_or(0, |t| t.until(now).as_secs()),
                }
            })
            .collect();
        let census = self.shared.roster.send(Census).await?;
        let presence = [
            Presence::Available,
            Presence::Busy,
            Presence::BusyDnd,
            Presence::Away,
            Presence::Inactive,
            Presence::Offline,
        ]
        .into_iter()
        .map(|p| (p.slug(), census.iter().filter(|c| **c == p).count() as u64))
        .collect();
        Ok(Gauges { queues, presence })
    }
}
