//! Operating-hours records: a weekly schedule in an IANA time zone, plus holidays.

use super::tables::HOURS_RECORD;
use super::{Store, StoreError, all_records, get_record};
use crate::domain::HoursId;
use serde::{Deserialize, Serialize};

/// One day's opening, in minutes after local midnight; `open == close` means closed all day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayHours {
    pub open: bool,
    pub from_minute: u16,
    pub to_minute: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    /// ISO date, e.g. 2026-12-25.
    pub date: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatingHours {
    pub id: HoursId,
    pub name: String,
    /// IANA time zone name, e.g. Europe/Berlin.
    pub time_zone: String,
    /// Monday first.
    pub week: Vec<DayHours>,
    pub holidays: Vec<Holiday>,
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
}
