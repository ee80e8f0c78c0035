//! What the benchmarks share: a WhatsApp account with one number, seeded into a fresh store.

use omnidesk::domain::{AccountSid, Channel, PhoneNumber, Timestamp};
use omnidesk::secrets::SecretString;
use omnidesk::store::Store;
use omnidesk::store::records::{Account, NumberKind, ProviderKind};
use omnidesk::store::setup::{NewAccount, NewNumber};

/// A Twilio WhatsApp account (`sid`, `token`) with the number `business`.
pub async fn whatsapp_account(
    store: &Store,
    now: Timestamp,
    sid: &str,
    token: &str,
    business: &str,
) -> Account {
    let account = store
        .create_account(
            NewAccount {
                name: omnidesk::domain::account::AccountName::parse("bench").expect("name"),
                channel: Channel::WhatsApp,
                provider: ProviderKind::Twilio,
                sid: Some(AccountSid::parse(sid).expect("sid")),
                auth_token: Some(SecretString::new(token)),
            },
            now,
        )
        .await
        .expect("store")
        .expect("account");
    store
        .add_number(NewNumber {
            account_id: account.id,
            number: PhoneNumber::parse(business).expect("number").into(),
            kind: NumberKind::WhatsApp,
            name: "bench".into(),
            description: String::new(),
        })
        .await
        .expect("store")
        .expect("number");
    account
}

/// The inbound webhook URL of `account` on the app at `address`.
pub fn webhook_url(address: &str, account: &Account) -> String {
    format!("{address}/webhooks/twilio/{}", account.webhook_key.as_str())
}

/// The load tools' client runtime: one thread, so the server keeps the other cores.
#[allow(
    dead_code,
    reason = "the pacing and scale tools run their own runtimes"
)]
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime")
}
