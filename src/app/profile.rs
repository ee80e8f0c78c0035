//! A user's own display preferences: the time zone pages use when JavaScript is off.

use super::{Desk, DeskError};
use crate::domain::UserId;
use crate::domain::hours::ZoneName;

impl Desk {
    pub async fn time_zone(&self, user: UserId) -> Result<Option<ZoneName>, DeskError> {
        Ok(self.store().time_zone(user).await?)
    }

    pub async fn set_time_zone(
        &self,
        user: UserId,
        zone: Option<ZoneName>,
    ) -> Result<(), DeskError> {
        Ok(self.store().set_time_zone(user, zone).await?)
    }
}
