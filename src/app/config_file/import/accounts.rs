//! The accounts and numbers sections: the auth tokens of new accounts, the checks, and adding
//! and removing accounts and numbers.

use super::*;

/// Auth tokens for new accounts: `name = token` lines, or one bare line for the one new account.
pub(super) fn parse_secrets(
    secrets: &str,
    file: &ConfigFile,
    current: &ConfigFile,
) -> HashMap<String, SecretString> {
    let known: BTreeSet<String> = current
        .accounts
        .iter()
        .flatten()
        .map(|a| key(&a.name))
        .collect();
    let new: Vec<String> = file
        .accounts
        .iter()
        .flatten()
        .filter(|a| a.provider == ProviderKind::Twilio && !known.contains(&key(&a.name)))
        .map(|a| key(&a.name))
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
        tokens,
        dry_run,
        ..
    } = s;
    if let Some(list) = &file.accounts {
        let base = P::root("accounts");
        duplicates(out, &base, list, "account", |a| key(&a.name));
        let old: HashMap<String, &AccountDoc> = current
            .accounts
            .iter()
            .flatten()
            .map(|a| (key(&a.name), a))
            .collect();
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
                _ => {}
            }
            match old.get(&key(&a.name)) {
                Some(o) if *o != a => err(
                    out,
                    p.key("name"),
                    "an existing account's channel, provider or SID is changed in the admin \
                     console, where its auth token is entered again",
                ),
                None if a.provider == ProviderKind::Twilio
                    && !dry_run
                    && !tokens.contains_key(&key(&a.name)) =>
                {
                    err(
                        out,
                        p.key("name"),
                        format!(
                            "the new account {} needs its auth token on standard input \
                             (a line `{} = TOKEN`)",
                            a.name, a.name
                        ),
                    )
                }
                _ => {}
            }
        }
    }
}

pub(super) fn check_numbers(s: &Scope, out: &mut Problems) {
    let Scope {
        file,
        current,
        accounts,
        ..
    } = s;
    if let Some(list) = &file.numbers {
        let base = P::root("numbers");
        duplicates(out, &base, list, "number", |n| {
            number_key(n.channel, n.kind, &n.number).unwrap_or_else(|| n.number.clone())
        });
        let by_name: HashMap<String, Channel> =
            accounts.iter().map(|a| (key(&a.name), a.channel)).collect();
        for (i, n) in list.iter().enumerate() {
            let p = base.at(i);
            if let Err(e) = PhoneNumber::parse_typed(&n.number, n.kind.format()) {
                err(out, p.key("number"), e.to_string());
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
        let old: HashMap<String, &NumberDoc> = current
            .numbers
            .iter()
            .flatten()
            .filter_map(|n| number_key(n.channel, n.kind, &n.number).map(|k| (k, n)))
            .collect();
        for (i, n) in list.iter().enumerate() {
            if let Some(k) = number_key(n.channel, n.kind, &n.number)
                && let Some(o) = old.get(&k)
                && (o.kind != n.kind
                    || key(&o.account) != key(&n.account)
                    || o.name != n.name
                    || o.description != n.description)
            {
                err(
                    out,
                    base.at(i).key("number"),
                    "an existing number is changed in the admin console (or remove it here and \
                     add it again)",
                );
            }
        }
    }
}

pub(super) async fn apply_accounts(
    store: &Store,
    ids: &mut Ids,
    list: &[AccountDoc],
    tokens: &HashMap<String, SecretString>,
    now: Timestamp,
) -> Applied {
    for a in list {
        if ids.accounts.contains_key(&key(&a.name)) {
            continue;
        }
        let Ok(name) = AccountName::parse(&a.name) else {
            continue;
        };
        let new = NewAccount {
            name,
            channel: a.channel,
            provider: a.provider,
            sid: a
                .sid
                .as_deref()
                .map(AccountSid::parse)
                .transpose()
                .ok()
                .flatten(),
            auth_token: tokens.get(&key(&a.name)).cloned(),
        };
        step!(
            format!("adding the account {}", a.name),
            store.create_account(new, now)
        );
    }
    *ids = Ids::read(store).await?;
    Ok(Ok(()))
}

pub(super) async fn apply_numbers(store: &Store, ids: &mut Ids, list: &[NumberDoc]) -> Applied {
    for n in list {
        let Ok(number) = PhoneNumber::parse_typed(&n.number, n.kind.format()) else {
            continue;
        };
        if ids.numbers.contains_key(&number.to_string()) {
            continue;
        }
        let Some(&account_id) = ids.accounts.get(&key(&n.account)) else {
            continue;
        };
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
