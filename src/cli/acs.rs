//! `omnidesk account add --provider acs`: an Azure Communication Services account with its
//! WhatsApp channel IDs (`--channel NAME=GUID`, repeatable), checked like the wizard checks
//! them; the connection string is read from standard input, never from an argument.

use crate::app::acs::connection_endpoint;
use crate::domain::Timestamp;
use crate::domain::account::AccountName;
use crate::domain::acs::{AcsResourceName, EntraApp, parse_tenant};
use crate::domain::sender::ChannelId;
use crate::secrets::SecretString;
use crate::store::Store;
use crate::store::records::{Account, AcsSettings, NumberKind};
use crate::store::setup::NewNumber;
use anyhow::{Context, bail};

/// What the command line gives for an ACS account.
pub struct AcsArgs {
    pub resource: Option<String>,
    pub event_grid_app_id: Option<String>,
    pub event_grid_tenant_id: Option<String>,
    /// `NAME=GUID` each.
    pub channels: Vec<String>,
}

/// One `--channel NAME=GUID`.
fn channel(spec: &str) -> anyhow::Result<(String, ChannelId)> {
    let (name, id) = spec
        .rsplit_once('=')
        .with_context(|| format!("--channel {spec:?}: give NAME=CHANNEL-ID"))?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        bail!("--channel {spec:?}: the name must be 1 to 100 characters");
    }
    let id = ChannelId::parse(id)
        .map_err(|e| anyhow::anyhow!("--channel {spec:?}: the Channel ID {e}"))?;
    Ok((name.to_owned(), id))
}

/// Checks every argument and the connection string before anything is stored.
fn settings(
    args: &AcsArgs,
    connection: &str,
) -> anyhow::Result<(AcsSettings, Vec<(String, ChannelId)>)> {
    let resource = AcsResourceName::parse(args.resource.as_deref().unwrap_or(""))
        .map_err(|e| anyhow::anyhow!("--resource: {e}"))?;
    let endpoint = connection_endpoint(connection, Some(&resource))
        .map_err(|e| anyhow::anyhow!("standard input: {e}"))?;
    let app = EntraApp::parse(args.event_grid_app_id.as_deref().unwrap_or(""))
        .map_err(|e| anyhow::anyhow!("--event-grid-app-id: {e}"))?;
    let tenant = parse_tenant(args.event_grid_tenant_id.as_deref().unwrap_or(""))
        .map_err(|e| anyhow::anyhow!("--event-grid-tenant-id: {e}"))?;
    let channels = args
        .channels
        .iter()
        .map(|c| channel(c))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if channels.is_empty() {
        bail!("give at least one --channel NAME=CHANNEL-ID");
    }
    for (i, (_, id)) in channels.iter().enumerate() {
        if channels[..i].iter().any(|(_, other)| other == id) {
            bail!("--channel: the Channel ID {id} is given twice");
        }
    }
    let settings = AcsSettings {
        resource,
        endpoint,
        event_grid_app: app,
        event_grid_tenant: tenant,
    };
    Ok((settings, channels))
}

/// Creates the account and its channel IDs; prints each.
pub async fn add(
    store: &Store,
    name: AccountName,
    args: &AcsArgs,
    connection: &str,
    now: Timestamp,
) -> anyhow::Result<Account> {
    let (settings, channels) = settings(args, connection)?;
    let configured = store.numbers().await?;
    if let Some((_, id)) = channels.iter().find(|(_, id)| {
        configured
            .iter()
            .any(|n| n.number.acs_channel() == Some(id))
    }) {
        bail!("the Channel ID {id} is already configured");
    }
    let secret = SecretString::new(connection.trim().to_owned());
    let account = store
        .create_acs_account(name, settings, Some(secret), now)
        .await??;
    println!("account {} created", account.id.get());
    for (name, id) in channels {
        let n = store
            .add_number(NewNumber {
                account_id: account.id,
                number: id.into(),
                kind: NumberKind::WhatsApp,
                name,
                description: String::new(),
            })
            .await??;
        println!("channel ID {} added ({}: {})", n.id.get(), n.name, n.number);
    }
    Ok(account)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(channels: &[&str]) -> AcsArgs {
        AcsArgs {
            resource: Some("contoso".into()),
            event_grid_app_id: Some("api://omnidesk".into()),
            event_grid_tenant_id: Some("72f988bf-86f1-41af-91ab-2d7cd011db47".into()),
            channels: channels.iter().map(|c| c.to_string()).collect(),
        }
    }

    const CONNECTION: &str = "endpoint=https://contoso.communication.azure.com/;accesskey=c2VjcmV0";
    const ID: &str = "0f0eb78e-a576-1dfc-b414-0f0756de3338";

    #[test]
    fn channels_are_name_equals_guid_and_given_once() {
        let (_, channels) = settings(&args(&[&format!("Care=Desk={ID}")]), CONNECTION).unwrap();
        assert_eq!(channels[0].0, "Care=Desk", "the name may hold '='");
        for (bad, why) in [
            (vec![], "no channel"),
            (vec![ID.to_owned()], "no name"),
            (vec![format!("={ID}")], "an empty name"),
            (vec!["Care=12345".to_owned()], "not a GUID"),
            (
                vec![format!("A={ID}"), format!("B={}", ID.to_uppercase())],
                "twice",
            ),
        ] {
            let refs: Vec<&str> = bad.iter().map(String::as_str).collect();
            assert!(
                settings(&args(&refs), CONNECTION).is_err(),
                "accepted: {why}"
            );
        }
    }

    #[test]
    fn the_settings_are_checked_and_the_key_never_appears_in_an_error() {
        let channel = format!("Care={ID}");
        let mut a = args(&[&channel]);
        a.event_grid_tenant_id = Some("contoso.onmicrosoft.com".into());
        let e = settings(&a, CONNECTION).unwrap_err().to_string();
        assert!(e.contains("--event-grid-tenant-id"), "{e}");
        let e = settings(
            &args(&[&channel]),
            "endpoint=https://contoso.communication.azure.com/",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("accesskey"), "{e}");
        let e = settings(
            &args(&[&channel]),
            "endpoint=https://contoso.communication.azure.com/;accesskey=c2VjcmV0!",
        )
        .unwrap_err()
        .to_string();
        assert!(!e.contains("c2VjcmV0"), "{e}");
    }
}
