//! The users section: users are matched by e-mail; a new one is added without a password (it
//! cannot sign in until an admin sets one), and one the file leaves out is disabled, never
//! deleted (conversations keep naming it). The file always keeps an active admin.

use super::*;
use crate::store::users::{NewUser, UserUpdate};

pub(super) fn check_users(s: &Scope, out: &mut Problems) {
    let Scope {
        file,
        current,
        skill_names,
        acting,
        ..
    } = s;
    let Some(list) = &file.users else {
        return;
    };
    let base = P::root("users");
    duplicates(out, &base, list, "user", |u| key(&u.email));
    for (i, u) in list.iter().enumerate() {
        let p = base.at(i);
        if let Err(e) = Email::parse(&u.email) {
            err(out, p.key("email"), e);
        }
        if u.name.trim().is_empty() || u.name.chars().count() > 100 {
            err(out, p.key("name"), "the name must be 1 to 100 characters");
        }
        if !(1..=100).contains(&u.capacity) {
            err(
                out,
                p.key("capacity"),
                "the capacity is a whole number from 1 to 100",
            );
        }
        for s in u.skills.keys() {
            if !skill_names.contains(&key(s)) {
                err(out, p.key("skills"), format!("no skill named {s}"));
            }
        }
    }
    if let Some(me) = acting {
        let mine = list.iter().position(|u| key(&u.email) == key(me.as_str()));
        let kept = mine.is_some_and(|i| list[i].role == Role::Admin && !list[i].disabled);
        if !kept {
            err(
                out,
                mine.map_or_else(|| P::root("users"), |i| base.at(i)),
                format!(
                    "the file would disable or demote you ({me}): keep your own user an active \
                     admin"
                ),
            );
        }
    }
    let active_admin = |u: &UserDoc| u.role == Role::Admin && !u.disabled;
    let had_admin = current.users.iter().flatten().any(active_admin);
    if had_admin && !list.iter().any(active_admin) {
        err(
            out,
            base,
            "the file leaves no active admin: keep at least one user with role Admin that is \
             not disabled (a user left out is disabled)",
        );
    }
}

/// Active users the file leaves out: the import disables them.
fn left_out<'a>(list: &[UserDoc], current: &'a ConfigFile) -> Vec<&'a UserDoc> {
    let listed: BTreeSet<String> = list.iter().map(|u| key(&u.email)).collect();
    current
        .users
        .iter()
        .flatten()
        .filter(|u| !u.disabled && !listed.contains(&key(&u.email)))
        .collect()
}

/// The users section's line in the plan.
pub(super) fn user_changes(list: &[UserDoc], current: &ConfigFile) -> SectionChanges {
    let listed: BTreeSet<String> = list.iter().map(|u| key(&u.email)).collect();
    let kept: Vec<UserDoc> = cur(&current.users)
        .into_iter()
        .filter(|u| listed.contains(&key(&u.email)))
        .collect();
    let mut out = diff(
        "users",
        &kept,
        list,
        |u: &UserDoc| key(&u.email),
        |u| u.email.clone(),
    );
    let known: BTreeSet<String> = kept.iter().map(|u| key(&u.email)).collect();
    for a in out.add.iter_mut() {
        if !known.contains(&key(a)) {
            a.push_str(" (no password yet: an admin sets one on the Users page)");
        }
    }
    out.remove = left_out(list, current)
        .iter()
        .map(|u| format!("{} (disabled: users are never deleted)", u.email))
        .collect();
    out
}

fn update_of(u: &UserDoc, disabled: bool) -> UserUpdate {
    UserUpdate {
        name: u.name.trim().to_owned(),
        role: u.role,
        capacity: u.capacity,
        languages: u.languages.clone(),
        disabled,
    }
}

pub(super) async fn apply_users(
    store: &Store,
    ids: &mut Ids,
    list: &[UserDoc],
    current: &ConfigFile,
    now: Timestamp,
) -> Applied {
    let old = current.users.clone().unwrap_or_default();
    for u in list {
        if ids.users.contains_key(&key(&u.email)) {
            continue;
        }
        let Ok(email) = Email::parse(&u.email) else {
            continue;
        };
        let new = NewUser {
            email,
            name: u.name.trim().to_owned(),
            role: u.role,
            password_hash: String::new(),
            capacity: u.capacity,
            languages: u.languages.clone(),
        };
        step!(
            format!("adding the user {}", u.email),
            store.add_user(new, now)
        );
    }
    *ids = Ids::read(store).await?;
    // Those who become or stay admins first, so the store never sees its last admin go.
    let mut order: Vec<&UserDoc> = list.iter().collect();
    order.sort_by_key(|u| u.role != Role::Admin || u.disabled);
    for u in order {
        if old.contains(u) {
            continue;
        }
        let Some(&id) = ids.users.get(&key(&u.email)) else {
            continue;
        };
        step!(
            format!("changing the user {}", u.email),
            store.update_user(id, update_of(u, u.disabled))
        );
    }
    for s in store.skills().await? {
        let levels: Vec<(UserId, Option<Proficiency>)> = list
            .iter()
            .filter_map(|u| {
                let id = *ids.users.get(&key(&u.email))?;
                let level = u
                    .skills
                    .iter()
                    .find(|(name, _)| key(name) == s.name.key())
                    .map(|(_, p)| *p);
                Some((id, level))
            })
            .collect();
        step!(
            format!("the skill {}", s.name),
            store.update_skill(s.id, s.name.clone(), levels)
        );
    }
    for u in left_out(list, current) {
        let Some(&id) = ids.users.get(&key(&u.email)) else {
            continue;
        };
        step!(
            format!("disabling the user {}", u.email),
            store.update_user(id, update_of(u, true))
        );
    }
    Ok(Ok(()))
}
