//! The records whose layout has changed: each keeps its earlier layouts as private structs and
//! migrates them to the current one when read (`codec::Record::decode_version`). Records still at
//! their first layout implement `Record` beside their type.

mod account;
mod contact;
mod message;
mod outbox_job;
mod sender;
mod template;
mod workstream;

use super::codec::DecodeError;
use std::fmt::Display;

/// Turns a refusal of an earlier layout's value by today's newtype into a decode error.
fn checked<T, E: Display>(field: &'static str, parsed: Result<T, E>) -> Result<T, DecodeError> {
    parsed.map_err(|e| DecodeError::Invalid {
        field,
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    //! Records whose fields became newtypes without a new layout: the bytes written with plain
    //! strings still read, because the newtypes encode as their strings.

    use crate::domain::WorkstreamId;
    use crate::domain::quick_reply::QuickReplyText;
    use crate::domain::{AccountId, AccountSid, Channel, QuickReplyId, Timestamp, WebhookKey};
    use crate::secrets::Sealed;
    use crate::store::StoreError;
    use crate::store::codec::{decode_at, encode};
    use crate::store::quick_replies::QuickReply;
    use crate::store::records::{Account, ProviderKind};
    use serde::Serialize;

    /// Layout 1 of `Account` as it was written, with the name a plain string.
    #[derive(Serialize)]
    struct AccountV1 {
        id: AccountId,
        name: String,
        channel: Channel,
        provider: ProviderKind,
        sid: Option<AccountSid>,
        auth_token: Option<Sealed>,
        webhook_key: WebhookKey,
        created_at: Timestamp,
    }

    /// Layout 1 of `QuickReply` as it was written, with the locale a plain string.
    #[derive(Serialize)]
    struct QuickReplyV1 {
        id: QuickReplyId,
        title: String,
        locale: String,
        message: QuickReplyText,
        tags: Vec<String>,
        workstreams: Vec<WorkstreamId>,
    }

    fn v1<T: Serialize>(value: &T) -> Vec<u8> {
        let mut bytes = vec![1];
        bytes.extend(postcard::to_allocvec(value).unwrap());
        bytes
    }

    fn account_v1(name: &str) -> AccountV1 {
        AccountV1 {
            id: AccountId::new(2),
            name: name.into(),
            channel: Channel::Sms,
            provider: ProviderKind::Simulator,
            sid: None,
            auth_token: None,
            webhook_key: WebhookKey::generate(),
            created_at: Timestamp::from_millis(1_700_000_000_000),
        }
    }

    #[test]
    fn accounts_of_layout_1_read_as_accounts_without_acs_settings() {
        let bytes = v1(&account_v1("Support line"));
        let account: Account = decode_at(2, &bytes).unwrap();
        assert_eq!(account.name.as_str(), "Support line");
        assert!(account.acs.is_none());
        // Written back, it is layout 2: the layout-1 bytes followed by "no ACS settings".
        let written = encode(&account).unwrap();
        assert_eq!(written[0], 2);
        assert_eq!(&written[1..written.len() - 1], &bytes[1..]);
        let reread: Account = decode_at(2, &written).unwrap();
        assert_eq!(reread.name, account.name);
        assert_eq!(reread.webhook_key, account.webhook_key);
    }

    #[test]
    fn an_acs_account_keeps_its_settings() {
        use crate::domain::acs::{AcsResourceName, EntraApp};
        use crate::store::records::AcsSettings;
        let mut account: Account = decode_at(2, &v1(&account_v1("Azure"))).unwrap();
        account.provider = ProviderKind::Acs;
        account.acs = Some(AcsSettings {
            resource: AcsResourceName::parse("contoso").unwrap(),
            endpoint: "https://contoso.communication.azure.com".into(),
            event_grid_app: EntraApp::parse("api://omnidesk").unwrap(),
            event_grid_tenant: crate::domain::guid::Guid::parse(
                "72f988bf-86f1-41af-91ab-2d7cd011db47",
            )
            .unwrap(),
        });
        let reread: Account = decode_at(2, &encode(&account).unwrap()).unwrap();
        assert_eq!(reread.provider, ProviderKind::Acs);
        assert_eq!(reread.acs, account.acs);
    }

    #[test]
    fn an_account_name_todays_rules_refuse_is_corrupt() {
        let bytes = v1(&account_v1(""));
        assert!(matches!(
            decode_at::<Account>(2, &bytes),
            Err(StoreError::Corrupt {
                table: "account_record",
                ..
            })
        ));
    }

    #[test]
    fn quick_replies_of_layout_1_read_and_write_the_same_bytes() {
        let old = QuickReplyV1 {
            id: QuickReplyId::new(4),
            title: "Hours".into(),
            locale: "es-MX".into(),
            message: QuickReplyText::parse("We open at 9.").unwrap(),
            tags: vec!["hours".into()],
            workstreams: vec![WorkstreamId::new(1)],
        };
        let bytes = v1(&old);
        let q: QuickReply = decode_at(4, &bytes).unwrap();
        assert_eq!(q.locale.as_str(), "es-MX");
        assert_eq!(encode(&q).unwrap(), bytes);
    }
}
