//! `Account` layouts. Layout 2 adds the settings of an Azure Communication Services account
//! (`acs`); a layout-1 account (Twilio or Simulator) reads with none.

use crate::domain::account::AccountName;
use crate::domain::{AccountId, AccountSid, Channel, Timestamp, WebhookKey};
use crate::secrets::Sealed;
use crate::store::codec::{DecodeError, Record, exact, unknown};
use crate::store::records::{Account, ProviderKind};
use serde::Deserialize;

impl Record for Account {
    const TABLE: &'static str = "account_record";
    const VERSION: u8 = 2;

    fn decode_earlier(version: u8, body: &[u8]) -> Result<Self, DecodeError> {
        match version {
            1 => {
                let v: V1 = exact(1, body)?;
                Ok(Account {
                    id: v.id,
                    name: v.name,
                    channel: v.channel,
                    provider: v.provider,
                    sid: v.sid,
                    auth_token: v.auth_token,
                    webhook_key: v.webhook_key,
                    created_at: v.created_at,
                    acs: None,
                })
            }
            _ => Err(unknown::<Self>(version)),
        }
    }
}

#[derive(Deserialize)]
struct V1 {
    id: AccountId,
    name: AccountName,
    channel: Channel,
    provider: ProviderKind,
    sid: Option<AccountSid>,
    auth_token: Option<Sealed>,
    webhook_key: WebhookKey,
    created_at: Timestamp,
}
