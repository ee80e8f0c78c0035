//! The Simulator's delivery reports, applied like the status callbacks a provider would make: by
//! message key, scoped to the account of the callback URL, so a report that beats the commit of
//! the provider id is still kept.

use crate::app::Desk;
use crate::domain::WebhookKey;
use crate::providers::simulator::SimulatedStatus;
use crate::store::status::StatusReport;

impl Desk {
    pub async fn apply_simulated(&self, s: SimulatedStatus) {
        let account = match WebhookKey::parse(&s.webhook_key) {
            Some(k) => self.store().account_for_webhook(k).await,
            None => Ok(None),
        };
        let account = match account {
            Ok(Some(a)) => a.account.id,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(provider_id = s.provider_id, status = %s.status, error = %e, "simulated status not stored");
                return;
            }
        };
        let report = StatusReport {
            account,
            key: Some(s.key),
            provider_id: s.provider_id.clone(),
            status: s.status,
            failure: None,
        };
        if let Err(e) = self.apply_status(report).await {
            tracing::warn!(provider_id = s.provider_id, status = %s.status, error = %e, "simulated status not stored");
        }
    }
}
