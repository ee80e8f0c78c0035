//! The hours and skills sections: their checks, and adding, changing and removing operating
//! hours and skills.

use super::*;

pub(super) fn check_hours(s: &Scope, out: &mut Problems) {
    let Scope { file, .. } = s;
    if let Some(list) = &file.hours {
        let base = P::root("hours");
        duplicates(out, &base, list, "operating-hours name", |h| key(&h.name));
        for (i, h) in list.iter().enumerate() {
            let p = base.at(i);
            if h.name.trim().is_empty() || h.name.chars().count() > 100 {
                err(out, p.key("name"), "the name must be 1 to 100 characters");
            }
            if let Err(e) = crate::domain::hours::ZoneName::parse(h.time_zone.as_str()) {
                err(out, p.key("time_zone"), e.to_string());
            }
            if h.week.len() != 7 {
                err(out, p.key("week"), "the week has seven days, Monday first");
            }
            for (d, day) in h.week.iter().enumerate() {
                if day.open
                    && let Err(e) =
                        crate::domain::hours::DayHours::open(day.from_minute, day.to_minute)
                {
                    err(out, p.key("week").at(d), e.to_string());
                }
            }
            for (d, day) in h.holidays.iter().enumerate() {
                if let Err(e) = crate::domain::hours::Holiday::parse(&day.date, &day.reason) {
                    err(out, p.key("holidays").at(d), e.to_string());
                }
            }
        }
    }

    if let Some(list) = &file.skills {
        duplicates(out, &P::root("skills"), list, "skill", |s| s.name.key());
    }
}

pub(super) async fn apply_hours(
    store: &Store,
    ids: &mut Ids,
    list: &[HoursDoc],
    current: &ConfigFile,
) -> Applied {
    let old = current.hours.clone().unwrap_or_default();
    for h in list {
        if old.contains(h) {
            continue;
        }
        let Ok(week) = <[crate::domain::hours::DayHours; 7]>::try_from(h.week.clone()) else {
            continue;
        };
        let input = HoursInput {
            name: h.name.trim().to_owned(),
            time_zone: h.time_zone.clone(),
            week,
            holidays: h.holidays.clone(),
        };
        match ids.hours.get(&key(&h.name)) {
            Some(&id) => step!(
                format!("changing the hours {}", h.name),
                store.update_hours(id, input)
            ),
            None => step!(
                format!("adding the hours {}", h.name),
                store.create_hours(input)
            ),
        };
    }
    *ids = Ids::read(store).await?;
    Ok(Ok(()))
}

pub(super) async fn apply_skills(store: &Store, ids: &mut Ids, list: &[SkillDoc]) -> Applied {
    for s in list {
        if !ids.skills.contains_key(&s.name.key()) {
            step!(
                format!("adding the skill {}", s.name),
                store.create_skill(s.name.clone())
            );
        }
    }
    *ids = Ids::read(store).await?;
    Ok(Ok(()))
}

/// Removes the operating hours the file no longer lists.
pub(super) async fn remove_hours(
    store: &Store,
    ids: &Ids,
    list: &[HoursDoc],
    current: &ConfigFile,
) -> Applied {
    for old in current.hours.iter().flatten() {
        if list.iter().any(|h| key(&h.name) == key(&old.name)) {
            continue;
        }
        if let Some(&id) = ids.hours.get(&key(&old.name)) {
            step!(
                format!("removing the hours {}", old.name),
                store.delete_hours(id)
            );
        }
    }
    Ok(Ok(()))
}

/// Removes the skills the file no longer lists.
pub(super) async fn remove_skills(
    store: &Store,
    ids: &Ids,
    list: &[SkillDoc],
    current: &ConfigFile,
) -> Applied {
    for old in current.skills.iter().flatten() {
        if list.iter().any(|s| s.name.key() == old.name.key()) {
            continue;
        }
        if let Some(&id) = ids.skills.get(&old.name.key()) {
            step!(
                format!("removing the skill {}", old.name),
                store.delete_skill(id)
            );
        }
    }
    Ok(Ok(()))
}
