//! Names in the file back to the store's ids, read afresh after each step that adds records.

use super::*;

#[derive(Default)]
pub(super) struct Ids {
    pub(super) accounts: HashMap<String, AccountId>,
    pub(super) numbers: HashMap<String, NumberId>,
    pub(super) hours: HashMap<String, crate::domain::HoursId>,
    pub(super) skills: HashMap<String, SkillId>,
    pub(super) users: HashMap<String, UserId>,
    pub(super) workstreams: HashMap<String, WorkstreamId>,
    pub(super) queues: HashMap<(WorkstreamId, String), QueueId>,
}

impl Ids {
    pub(super) async fn read(store: &Store) -> Result<Self, StoreError> {
        let names = Names::read(store).await?;
        let mut queues = HashMap::new();
        for q in store.all_queues().await? {
            queues.insert((q.workstream_id, key(q.name.as_str())), q.id);
        }
        Ok(Self {
            accounts: names
                .accounts
                .into_iter()
                .map(|(id, n)| (key(&n), AccountId::new(id)))
                .collect(),
            numbers: names.numbers.into_iter().map(|(id, n)| (n, id)).collect(),
            hours: names
                .hours
                .into_iter()
                .map(|(id, n)| (key(&n), id))
                .collect(),
            skills: names
                .skills
                .into_iter()
                .map(|(id, n)| (key(&n), id))
                .collect(),
            users: names
                .users
                .into_iter()
                .map(|(id, n)| (key(&n), id))
                .collect(),
            workstreams: names
                .workstreams
                .into_iter()
                .map(|(id, n)| (key(&n), id))
                .collect(),
            queues,
        })
    }

    pub(super) fn number(&self, n: &str) -> Option<NumberId> {
        self.numbers.get(n).copied()
    }
}
