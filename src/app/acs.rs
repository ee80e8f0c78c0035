//! Azure Communication Services deliveries: the Entra token of a delivery checked for its
//! account, then Event Grid's events taken in — a received message through the same inbound path
//! as Twilio's, a status update applied forward only — each stored before the delivery is
//! answered.

use super::Desk;
use crate::domain::WebhookKey;
use crate::domain::acs::{AcsResourceName, endpoint_of};
use crate::providers::acs::ConnectionString;
use crate::providers::acs::entra::{Audience, Expected, TenantId, TokenCheck};
use crate::providers::acs::events::{self, Delivery, EventBody};
use crate::providers::acs::provider::inbound_message;
use crate::store::StoreError;
use crate::store::ingest::Ingested;
use crate::store::records::{ProviderKind, SendFailure};
use crate::store::setup::AccountWithToken;
use crate::store::status::StatusReport;
use std::sync::Arc;

/// Whether a delivery's token is Event Grid's, for this account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenVerdict {
    Ok,
    Unauthorized(String),
    KeysUnavailable(String),
}

/// What became of a delivery.
#[derive(Debug)]
pub enum AcsDelivery {
    /// The subscription validation handshake: answer 200 with this body.
    Validation(serde_json::Value),
    /// Every usable event is stored.
    Stored,
    Unauthorized(String),
    /// The account waits for its connection string.
    Disabled,
    Malformed(String),
}

/// Longest connection string accepted (Azure's are about 150 characters).
pub const MAX_CONNECTION_STRING_CHARS: usize = 1_024;

/// Checks an "ACS connection string" (`endpoint=…;accesskey=…`) for `resource`: parsed as the
/// Azure SDKs do, its endpoint the resource's. Returns the endpoint; no refusal repeats the key.
pub fn connection_endpoint(
    raw: &str,
    resource: Option<&AcsResourceName>,
) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("Enter the ACS connection string.".into());
    }
    if raw.chars().count() > MAX_CONNECTION_STRING_CHARS {
        return Err(format!(
            "The connection string is at most {MAX_CONNECTION_STRING_CHARS} characters."
        ));
    }
    let cs = ConnectionString::parse(raw).map_err(|e| e.to_string())?;
    endpoint_of(cs.endpoint().as_str(), resource).map_err(|e| e.to_string())
}

/// The origin to grant in the CloudEvents handshake.
pub fn allowed_origin(requested: Option<&str>) -> Option<String> {
    events::allowed_origin(requested)
}

impl Desk {
    /// The ACS account a webhook URL names (another provider's key is unknown here).
    pub async fn acs_account_for_webhook(
        &self,
        key: WebhookKey,
    ) -> Result<Option<Arc<AccountWithToken>>, StoreError> {
        Ok(self
            .store()
            .account_for_webhook(key)
            .await?
            .filter(|a| a.account.provider == ProviderKind::Acs))
    }

    /// Checks a delivery's `Authorization` value against the account's Event Grid app and tenant.
    pub async fn check_acs_token(
        &self,
        account: &AccountWithToken,
        authorization: Option<&str>,
    ) -> TokenVerdict {
        let Some(acs) = &account.account.acs else {
            return TokenVerdict::Unauthorized("the account has no Event Grid settings".into());
        };
        let expected = match (
            TenantId::parse(&acs.event_grid_tenant.to_string()),
            Audience::parse(&acs.event_grid_app.to_string()),
        ) {
            (Ok(tenant), Ok(audience)) => Expected { tenant, audience },
            _ => {
                return TokenVerdict::Unauthorized(
                    "the account's Event grid app ID or tenant ID cannot check tokens".into(),
                );
            }
        };
        match self
            .providers
            .acs_tokens()
            .check(authorization, &expected)
            .await
        {
            TokenCheck::Ok => TokenVerdict::Ok,
            TokenCheck::Unauthorized(why) => TokenVerdict::Unauthorized(why),
            TokenCheck::KeysUnavailable(why) => TokenVerdict::KeysUnavailable(why),
        }
    }

    /// Takes one Event Grid delivery for `account`; `authorized` says its token was checked.
    pub async fn take_acs_delivery(
        &self,
        account: &AccountWithToken,
        body: &[u8],
        authorized: bool,
    ) -> Result<AcsDelivery, StoreError> {
        let delivery = match events::parse_delivery(body) {
            Ok(d) => d,
            Err(e) if !authorized => return Ok(AcsDelivery::Unauthorized(e.to_string())),
            Err(e) => return Ok(AcsDelivery::Malformed(e.to_string())),
        };
        let events = match delivery {
            // Answered with or without a token: it stores nothing.
            Delivery::Validation(v) => return Ok(AcsDelivery::Validation(v.response_body())),
            Delivery::Events(_) if !authorized => {
                return Ok(AcsDelivery::Unauthorized("no valid token".into()));
            }
            Delivery::Events(events) => events,
        };
        if account.account.awaits_token() {
            return Ok(AcsDelivery::Disabled);
        }
        let endpoint = account
            .account
            .acs
            .as_ref()
            .map(|a| a.endpoint.clone())
            .unwrap_or_default();
        for event in events {
            match event.body {
                EventBody::Received(msg) => match inbound_message(&msg, &endpoint) {
                    Ok(inbound) => match self.take_inbound(account, inbound).await? {
                        Ingested::Stored(_) | Ingested::Duplicate => {}
                        // Event Grid delivers batches all or none: one message to a channel
                        // not configured here must not hold back the others.
                        Ingested::UnknownNumber => tracing::warn!(
                            event = %event.id, to = %msg.to,
                            "an ACS message to a channel ID this account does not have; dropped"
                        ),
                    },
                    Err(why) => {
                        tracing::warn!(event = %event.id, %why, "an ACS message cannot be used; dropped")
                    }
                },
                EventBody::Status(s) => {
                    let Some(status) = s.status else {
                        tracing::debug!(event = %event.id, raw = %s.raw_status, "an ACS status omnidesk does not track");
                        continue;
                    };
                    let failure = s.failure.map(|f| SendFailure {
                        code: f.channel_code.as_deref().and_then(|c| c.parse().ok()),
                        message: match (f.channel_code, f.channel_message) {
                            (Some(c), Some(m)) => format!("WhatsApp error {c}: {m}"),
                            (None, Some(m)) => m,
                            (Some(c), None) => format!("WhatsApp error {c}"),
                            (None, None) => "the channel reported a failure".into(),
                        },
                    });
                    self.apply_status(StatusReport {
                        account: account.account.id,
                        key: None,
                        provider_id: s.message_id,
                        status,
                        failure,
                    })
                    .await?;
                }
                EventBody::Unusable(why) => {
                    tracing::warn!(event = %event.id, %why, "an ACS event cannot be used; dropped")
                }
                EventBody::Ignored => {}
            }
        }
        Ok(AcsDelivery::Stored)
    }
}
