//! The accounts and numbers sections: the auth tokens of new accounts, the checks, and adding
//! and removing accounts and numbers.

use super::*;
use crate::store::records::AcsSettings;

/// The Twilio accounts the file adds (as the file names them): each needs its auth token.
pub fn new_twilio_accounts(file: &ConfigFile, current: &ConfigFile) -> Vec<String> {
    let list = file.accounts.as_deref().unwrap_or_default();
    let stored = current.accounts.as_deref().unwrap_or_default();
    list.iter()
        .filter(|a| a.provider == ProviderKind::Twilio && stored_match(a, list, stored).is_none())
        .map(|a| a.name.clone())
        .collect()
}

/// The stored account a file's account stands for: the one of its name, else (a rename) the
/// one of its SID that the file does not name.
pub(super) fn stored_match<'a>(
    a: &AccountDoc,
    list: &[AccountDoc],
    stored: &'a [AccountDoc],
) -> Option<&'a AccountDoc> {
    stored
        .iter()
        .find(|c| key(&c.name) == key(&a.name))
        .or_else(|| {
            a.sid.as_ref()?;
            stored
                .iter()
                .find(|c| c.sid == a.sid && !list.iter().any(|l| key(&l.name) == key(&c.name)))
        })
}

/// Whether the file keeps a stored account (under its name, or renamed).
pub(super) fn account_kept(old: &AccountDoc, list: &[AccountDoc], stored: &[AccountDoc]) -> bool {
    list.iter()
        .any(|a| stored_match(a, list, stored).is_some_and(|c| key(&c.name) == key(&old.name)))
}

/// The accounts section's line in the plan: renames show the old name.
pub(super) fn account_changes(list: &[AccountDoc], stored: &[AccountDoc]) -> SectionChanges {
    let mut out = SectionChanges {
        section: "accounts".into(),
        ..Default::default()
    };
    for a in list {
        match stored_match(a, list, stored) {
            None => out.add.push(a.name.clone()),
            Some(o) if o == a => {}
            Some(o) if key(&o.name) != key(&a.name) => {
                out.change.push(format!("{} (renamed {})", o.name, a.name))
            }
            Some(_) => out.change.push(a.name.clone()),
        }
    }
    for o in stored {
        if !account_kept(o, list, stored) {
            out.remove.push(o.name.clone());
        }
    }
    out
}

/// What the import says of new Twilio accounts without their auth token, and of new ACS
/// accounts (their connection string is never in the file or its secrets).
pub(super) fn awaiting_notes(
    file: &ConfigFile,
    current: &ConfigFile,
    tokens: &HashMap<String, SecretString>,
) -> Vec<String> {
    let waiting = |n: &str, secret: &str| {
        format!(
            "the new account {n} stays disabled until its {secret} is set (on its page under \
             Accounts in the admin console): its webhooks are refused and nothing is sent from it"
        )
    };
    let list = file.accounts.as_deref().unwrap_or_default();
    let stored = current.accounts.as_deref().unwrap_or_default();
    let acs = list
        .iter()
        .filter(|a| a.provider == ProviderKind::Acs && stored_match(a, list, stored).is_none())
        .map(|a| waiting(&a.name, "connection string"));
    new_twilio_accounts(file, current)
        .into_iter()
        .filter(|n| !tokens.contains_key(&key(n)))
        .map(|n| waiting(&n, "auth token"))
        .chain(acs)
        .collect()
}

/// Auth tokens for new accounts: `name = token` lines, or one bare line for the one new account.
pub(super) fn parse_secrets(
    secrets: &str,
    file: &ConfigFile,
    current: &ConfigFile,
) -> HashMap<String, SecretString> {
    let new: Vec<String> = new_twilio_accounts(file, current)
        .iter()
        .map(|n| key(n))
        .collect();
    let lines: Vec<&str> = secrets
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut out = HashMap::new();
    for l in &lines {
        if let Some((name, token)) = l.rsplit_once('=') {
            out.insert(key(name), SecretString::new(token.trim()));
        }
    }
    if out.is_empty()
        && let ([line], [name]) = (lines.as_slice(), new.as_slice())
    {
        out.insert(name.clone(), SecretString::new(*line));
    }
    out
}

pub(super) fn check_accounts(s: &Scope, out: &mut Problems) {
    let Scope {
        file,
        current,
        awaiting,
        ..
    } = s;
    if let Some(list) = &file.accounts {
        let base = P::root("accounts");
        duplicates(out, &base, list, "account", |a| key(&a.name));
        let stored = current.accounts.as_deref().unwrap_or_default();
        for (i, a) in list.iter().enumerate() {
            let p = base.at(i);
            if let Err(e) = AccountName::parse(&a.name) {
                err(out, p.key("name"), e.to_string());
            }
            match (a.provider, &a.sid) {
                (ProviderKind::Twilio, None) => {
                    err(out, p.key("provider"), "a Twilio account needs its sid");
                }
                (ProviderKind::Twilio, Some(sid)) => {
                    if let Err(e) = AccountSid::parse(sid) {
                        err(out, p.key("sid"), e.to_string());
                    }
                }
                (ProviderKind::Acs | ProviderKind::Simulator, Some(_)) => {
                    err(out, p.key("sid"), "only Twilio accounts have a sid");
                }
                _ => {}
            }
            check_acs(a, &p, out);
            let Some(o) = stored_match(a, list, stored) else {
                continue;
            };
            if o.channel != a.channel || o.provider != a.provider {
                err(
                    out,
                    p.key("channel"),
                    format!(
                        "the channel and provider of the account {} cannot change: remove it \
                         and add it again",
                        o.name
                    ),
                );
            } else if o.acs != a.acs {
                err(
                    out,
                    p.key("acs"),
                    format!(
                        "the acs settings of the account {} cannot change: remove it and add it \
                         again",
                        o.name
                    ),
                );
            } else if o.sid != a.sid && !awaiting.contains(&key(&o.name)) {
                err(
                    out,
                    p.key("sid"),
                    format!(
                        "the SID of the account {} cannot change while its auth token is \
                         stored (the token belongs to the old SID): change both on its page \
                         in the admin console",
                        o.name
                    ),
                );
            }
        }
    }
}

pub(super) fn check_numbers(s: &Scope, out: &mut Problems) {
    let Scope { file, accounts, .. } = s;
    if let Some(list) = &file.numbers {
        let base = P::root("numbers");
        duplicates(out, &base, list, "number", |n| {
            number_key(n.channel, n.kind, &n.number).unwrap_or_else(|| n.number.clone())
        });
        let by_name: HashMap<String, Channel> =
            accounts.iter().map(|a| (key(&a.name), a.channel)).collect();
        let providers: HashMap<String, ProviderKind> = accounts
            .iter()
            .map(|a| (key(&a.name), a.provider))
            .collect();
        for (i, n) in list.iter().enumerate() {
            let p = base.at(i);
            let address = doc_address(&n.number, n.kind);
            if let Err(e) = &address {
                err(out, p.key("number"), e.clone());
            }
            let acs = providers.get(&key(&n.account)) == Some(&ProviderKind::Acs);
            match &address {
                Ok(SenderAddress::Phone(_)) if acs => err(
                    out,
                    p.key("number"),
                    format!(
                        "the account {} is an Azure Communication Services account: its \
                         senders are WhatsApp channel IDs",
                        n.account
                    ),
                ),
                Ok(SenderAddress::AcsChannel(_)) if !acs => err(
                    out,
                    p.key("number"),
                    format!(
                        "a WhatsApp channel ID needs an Azure Communication Services account, \
                         and {} is not one",
                        n.account
                    ),
                ),
                _ => {}
            }
            match by_name.get(&key(&n.account)) {
                None => err(
                    out,
                    p.key("account"),
                    format!("no account named {}", n.account),
                ),
                Some(c) if *c != n.channel => err(
                    out,
                    p.key("channel"),
                    format!("the account {} is on the {c} channel", n.account),
                ),
                Some(_) => {}
            }
            if (n.kind == NumberKind::WhatsApp) != (n.channel == Channel::WhatsApp) {
                err(
                    out,
                    p.key("kind"),
                    "WhatsApp numbers, and only they, are of kind WhatsApp",
                );
            }
        }
    }
}

pub(super) async fn apply_accounts(
    store: &Store,
    ids: &mut Ids,
    list: &[AccountDoc],
    current: &ConfigFile,
    tokens: &HashMap<String, SecretString>,
    now: Timestamp,
) -> Applied {
    let stored = current.accounts.as_deref().unwrap_or_default();
    for a in list {
        let Ok(name) = AccountName::parse(&a.name) else {
            continue;
        };
        let sid = a
            .sid
            .as_deref()
            .map(AccountSid::parse)
            .transpose()
            .ok()
            .flatten();
        match stored_match(a, list, stored) {
            Some(o) if o == a => {}
            Some(o) => {
                let Some(&id) = ids.accounts.get(&key(&o.name)) else {
                    continue;
                };
                let update = AccountUpdate {
                    name,
                    sid,
                    auth_token: None,
                };
                step!(
                    format!("changing the account {}", o.name),
                    store.update_account(id, update)
                );
            }
            None if a.provider == ProviderKind::Acs => {
                // Checked before anything was applied; the connection string is set on the
                // account's page, as a Twilio account's token is.
                let Some(Ok(settings)) = a.acs.as_ref().map(acs_settings) else {
                    continue;
                };
                step!(
                    format!("adding the account {}", a.name),
                    store.create_acs_account(name, settings, None, now)
                );
            }
            None => {
                let auth_token = tokens.get(&key(&a.name)).cloned();
                let awaiting = a.provider == ProviderKind::Twilio && auth_token.is_none();
                let new = NewAccount {
                    name,
                    channel: a.channel,
                    provider: a.provider,
                    sid,
                    auth_token,
                };
                let what = format!("adding the account {}", a.name);
                if awaiting {
                    step!(what, store.create_account_awaiting_token(new, now));
                } else {
                    step!(what, store.create_account(new, now));
                }
            }
        }
    }
    *ids = Ids::read(store).await?;
    Ok(Ok(()))
}

pub(super) async fn apply_numbers(
    store: &Store,
    ids: &mut Ids,
    list: &[NumberDoc],
    current: &ConfigFile,
) -> Applied {
    for n in list {
        let Ok(number) = doc_address(&n.number, n.kind) else {
            continue;
        };
        let Some(&account_id) = ids.accounts.get(&key(&n.account)) else {
            continue;
        };
        if let Some(id) = ids.number(&number.to_string()) {
            let unchanged = current.numbers.iter().flatten().any(|o| o == n);
            if !unchanged {
                let update = NumberUpdate {
                    account_id,
                    kind: n.kind,
                    name: n.name.clone(),
                    description: n.description.clone(),
                };
                step!(
                    format!("changing the number {}", n.number),
                    store.update_number(id, update)
                );
            }
            continue;
        }
        let new = NewNumber {
            account_id,
            number,
            kind: n.kind,
            name: n.name.clone(),
            description: n.description.clone(),
        };
        step!(
            format!("adding the number {}", n.number),
            store.add_number(new)
        );
    }
    *ids = Ids::read(store).await?;
    Ok(Ok(()))
}

/// Removes the numbers the file no longer lists.
pub(super) async fn remove_numbers(
    store: &Store,
    ids: &Ids,
    list: &[NumberDoc],
    current: &ConfigFile,
    now: Timestamp,
) -> Applied {
    for old in current.numbers.iter().flatten() {
        let k = number_key(old.channel, old.kind, &old.number);
        if list
            .iter()
            .any(|n| number_key(n.channel, n.kind, &n.number) == k)
        {
            continue;
        }
        if let Some(id) = ids.number(&old.number) {
            step!(
                format!("removing the number {}", old.number),
                store.delete_number(id, now)
            );
        }
    }
    Ok(Ok(()))
}

/// Removes the accounts the file no longer lists.
pub(super) async fn remove_accounts(
    store: &Store,
    ids: &Ids,
    list: &[AccountDoc],
    current: &ConfigFile,
    now: Timestamp,
) -> Applied {
    for old in current.accounts.iter().flatten() {
        if list.iter().any(|a| key(&a.name) == key(&old.name)) {
            continue;
        }
        if let Some(&id) = ids.accounts.get(&key(&old.name)) {
            step!(
                format!("removing the account {}", old.name),
                store.delete_account(id, now)
            );
        }
    }
    Ok(Ok(()))
}

/// An ACS account's section parsed into its settings; the first refusal names its key.
fn acs_settings(doc: &AcsDoc) -> Result<AcsSettings, (&'static str, String)> {
    use crate::domain::acs::{AcsResourceName, EntraApp, endpoint_of, parse_tenant};
    let resource =
        AcsResourceName::parse(&doc.resource).map_err(|e| ("resource", e.to_string()))?;
    let endpoint =
        endpoint_of(&doc.endpoint, Some(&resource)).map_err(|e| ("endpoint", e.to_string()))?;
    let app = EntraApp::parse(&doc.event_grid_app_id)
        .map_err(|e| ("event_grid_app_id", e.to_string()))?;
    let tenant = parse_tenant(&doc.event_grid_tenant_id)
        .map_err(|e| ("event_grid_tenant_id", e.to_owned()))?;
    Ok(AcsSettings {
        resource,
        endpoint,
        event_grid_app: app,
        event_grid_tenant: tenant,
    })
}

/// An account's `acs` section: required for ACS accounts (WhatsApp only), refused on others.
fn check_acs(a: &AccountDoc, p: &P, out: &mut Problems) {
    match (a.provider, &a.acs) {
        (ProviderKind::Acs, None) => err(
            out,
            p.key("provider"),
            "an Azure Communication Services account needs its acs settings (resource, \
             endpoint, event_grid_app_id, event_grid_tenant_id)",
        ),
        (ProviderKind::Acs, Some(doc)) => {
            if a.channel != Channel::WhatsApp {
                err(
                    out,
                    p.key("channel"),
                    "Azure Communication Services accounts are WhatsApp accounts",
                );
            }
            if let Err((field, e)) = acs_settings(doc) {
                err(out, p.key("acs").key(field), e);
            }
        }
        (_, Some(_)) => err(
            out,
            p.key("acs"),
            "only Azure Communication Services accounts have acs settings",
        ),
        (_, None) => {}
    }
}
