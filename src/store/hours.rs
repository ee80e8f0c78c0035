//! Operating-hours records: a weekly schedule in an IANA time zone, plus holidays. Created,
//! changed and deleted by the admin pages; a record a workstream uses cannot be deleted.

use super::records::Workstream;
use super::tables::{HOURS_RECORD, WORKSTREAM_RECORD};
use super::{Store, StoreError, all_records, codec, get_record, next_id};
use crate::domain::HoursId;
pub use crate::domain::hours::{DayHours, Holiday};
use crate::domain::hours::{HoursError, Schedule, ZoneName};
use redb::{ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatingHours {
    pub id: HoursId,
    pub name: String,
    /// IANA time zone name, e.g. Europe/Berlin.
    pub time_zone: ZoneName,
    /// Monday first, seven days.
    pub week: Vec<DayHours>,
    /// In date order, one per date.
    pub holidays: Vec<Holiday>,
}

impl codec::Record for OperatingHours {
    const TABLE: &'static str = "hours_record";
}

impl OperatingHours {
    /// The schedule `domain::hours::is_open` reads.
    pub fn schedule(&self) -> Result<Schedule, HoursError> {
        Schedule::new(&self.time_zone, &self.week, &self.holidays)
    }
}

/// What the admin form gives for a new or changed record, already parsed.
#[derive(Debug, Clone)]
pub struct HoursInput {
    pub name: String,
    pub time_zone: ZoneName,
    pub week: [DayHours; 7],
    pub holidays: Vec<Holiday>,
}

/// Refusals of an operating-hours change; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursRefusal {
    #[error("No such operating hours.")]
    Unknown,
    #[error("Operating hours with this name already exist.")]
    DuplicateName,
    #[error("These operating hours are used by {0}. Choose other hours there first.")]
    InUse(String),
}

/// The names of the workstreams and queues that use hours `id`.
fn users_of(tx: &WriteTransaction, id: HoursId) -> Result<Vec<String>, StoreError> {
    let workstreams: Vec<Workstream> = all_records(&tx.open_table(WORKSTREAM_RECORD)?)?;
    let mut names: Vec<String> = workstreams
        .into_iter()
        .filter(|ws| uses(ws, id))
        .map(|ws| format!("workstream {}", ws.name))
        .collect();
    names.extend(
        super::queues::queues_using_hours(tx, id)?
            .into_iter()
            .map(|q| format!("queue {q}")),
    );
    Ok(names)
}

/// Whether workstream `ws` uses hours `id` ("Channel operation hours").
fn uses(ws: &Workstream, id: HoursId) -> bool {
    ws.operation_hours == Some(id)
}

fn name_taken(
    tx: &WriteTransaction,
    name: &str,
    except: Option<HoursId>,
) -> Result<bool, StoreError> {
    let all: Vec<OperatingHours> = all_records(&tx.open_table(HOURS_RECORD)?)?;
    Ok(all
        .iter()
        .any(|h| Some(h.id) != except && h.name.to_lowercase() == name.to_lowercase()))
}

fn record(id: HoursId, input: &HoursInput) -> OperatingHours {
    let mut holidays = input.holidays.clone();
    holidays.sort_by(|a, b| a.date.cmp(&b.date));
    OperatingHours {
        id,
        name: input.name.clone(),
        time_zone: input.time_zone.clone(),
        week: input.week.to_vec(),
        holidays,
    }
}

impl Store {
    /// Every operating-hours record, in id order.
    pub async fn hours_list(&self) -> Result<Vec<OperatingHours>, StoreError> {
        self.read(|rtx| all_records(&rtx.open_table(HOURS_RECORD)?))
            .await
    }

    pub async fn hours(&self, id: HoursId) -> Result<Option<OperatingHours>, StoreError> {
        self.read(move |rtx| get_record(&rtx.open_table(HOURS_RECORD)?, id.get()))
            .await
    }

    pub async fn create_hours(
        &self,
        input: HoursInput,
    ) -> Result<Result<OperatingHours, HoursRefusal>, StoreError> {
        self.write(move |tx| {
            if name_taken(tx, &input.name, None)? {
                return Ok(Err(HoursRefusal::DuplicateName));
            }
            let h = record(HoursId::new(next_id(tx, "hours")?), &input);
            tx.open_table(HOURS_RECORD)?
                .insert(h.id.get(), codec::encode(&h)?.as_slice())?;
            Ok(Ok(h))
        })
        .await
    }

    pub async fn update_hours(
        &self,
        id: HoursId,
        input: HoursInput,
    ) -> Result<Result<OperatingHours, HoursRefusal>, StoreError> {
        self.write(move |tx| {
            if tx.open_table(HOURS_RECORD)?.get(id.get())?.is_none() {
                return Ok(Err(HoursRefusal::Unknown));
            }
            if name_taken(tx, &input.name, Some(id))? {
                return Ok(Err(HoursRefusal::DuplicateName));
            }
            let h = record(id, &input);
            tx.open_table(HOURS_RECORD)?
                .insert(id.get(), codec::encode(&h)?.as_slice())?;
            Ok(Ok(h))
        })
        .await
    }

    /// Deletes hours `id` unless a workstream uses it; the check and the delete are one write.
    pub async fn delete_hours(&self, id: HoursId) -> Result<Result<(), HoursRefusal>, StoreError> {
        self.write(move |tx| {
            if tx.open_table(HOURS_RECORD)?.get(id.get())?.is_none() {
                return Ok(Err(HoursRefusal::Unknown));
            }
            let users = users_of(tx, id)?;
            if !users.is_empty() {
                return Ok(Err(HoursRefusal::InUse(users.join(", "))));
            }
            tx.open_table(HOURS_RECORD)?.remove(id.get())?;
            Ok(Ok(()))
        })
        .await
    }

    /// Whether any workstream uses hours `id`.
    pub async fn hours_in_use(&self, id: HoursId) -> Result<bool, StoreError> {
        self.read(move |rtx| {
            let workstreams: Vec<Workstream> = all_records(&rtx.open_table(WORKSTREAM_RECORD)?)?;
            Ok(workstreams.iter().any(|ws| uses(ws, id)))
        })
        .await
    }
}
