//! What an import would do: the adds, changes and removals per section, and the removals
//! refused because something still uses what they take away.

use super::*;

/// Adds, changes and removes of a keyed list.
pub(super) fn diff<T: PartialEq>(
    section: impl Into<String>,
    current: &[T],
    wanted: &[T],
    k: impl Fn(&T) -> String,
    label: impl Fn(&T) -> String,
) -> SectionChanges {
    let old: HashMap<String, &T> = current.iter().map(|t| (k(t), t)).collect();
    let new: BTreeSet<String> = wanted.iter().map(&k).collect();
    let mut out = SectionChanges {
        section: section.into(),
        ..Default::default()
    };
    for t in wanted {
        match old.get(&k(t)) {
            None => out.add.push(label(t)),
            Some(o) if *o != t => out.change.push(label(t)),
            Some(_) => {}
        }
    }
    for t in current {
        if !new.contains(&k(t)) {
            out.remove.push(label(t));
        }
    }
    out
}

/// A workstream without its nested lists, to see whether its own settings change.
pub(super) fn own(w: &WorkstreamDoc) -> WorkstreamDoc {
    WorkstreamDoc {
        queues: Vec::new(),
        rules: Vec::new(),
        context_variables: Vec::new(),
        menu_bot: None,
        external_bot: None,
        script: Vec::new(),
        ..w.clone()
    }
}

pub(super) fn changes(file: &ConfigFile, current: &ConfigFile) -> Report {
    let mut sections = Vec::new();
    let none = Vec::new();
    if let Some(l) = &file.accounts {
        sections.push(account_changes(l, &cur(&current.accounts)));
    }
    if let Some(l) = &file.numbers {
        sections.push(diff(
            "numbers",
            &cur(&current.numbers),
            l,
            |n: &NumberDoc| number_key(n.channel, n.kind, &n.number).unwrap_or_default(),
            |n| n.number.clone(),
        ));
    }
    if let Some(l) = &file.hours {
        sections.push(diff(
            "hours",
            &cur(&current.hours),
            l,
            |h: &HoursDoc| key(&h.name),
            |h| h.name.clone(),
        ));
    }
    if let Some(l) = &file.skills {
        sections.push(diff(
            "skills",
            &cur(&current.skills),
            l,
            |s: &SkillDoc| s.name.key(),
            |s| s.name.to_string(),
        ));
    }
    if let Some(l) = &file.users {
        sections.push(user_changes(l, current));
    }
    if let Some(l) = &file.workstreams {
        let old = cur(&current.workstreams);
        let mine: Vec<WorkstreamDoc> = old.iter().map(own).collect();
        let theirs: Vec<WorkstreamDoc> = l.iter().map(own).collect();
        sections.push(diff(
            "workstreams",
            &mine,
            &theirs,
            |w| key(&w.name),
            |w| w.name.clone(),
        ));
        for w in l {
            let o = old.iter().find(|o| key(&o.name) == key(&w.name));
            let name = &w.name;
            sections.push(diff(
                format!("queues of {name}"),
                o.map_or(&none, |o| &o.queues),
                &w.queues,
                |q: &QueueDoc| key(&q.name),
                |q| q.name.clone(),
            ));
            let mut rules = diff(
                format!("rules of {name}"),
                o.map_or(&Vec::new(), |o| &o.rules),
                &w.rules,
                |r: &RuleDoc| key(&r.name),
                |r| r.name.clone(),
            );
            let old_order: Vec<String> = o.map_or(Vec::new(), |o| {
                o.rules.iter().map(|r| key(&r.name)).collect()
            });
            let new_order: Vec<String> = w.rules.iter().map(|r| key(&r.name)).collect();
            let kept_old: Vec<&String> =
                old_order.iter().filter(|n| new_order.contains(n)).collect();
            let kept_new: Vec<&String> =
                new_order.iter().filter(|n| old_order.contains(n)).collect();
            if kept_old != kept_new {
                rules.change.push("the order".to_owned());
            }
            sections.push(rules);
            sections.push(diff(
                format!("context variables of {name}"),
                o.map_or(&Vec::new(), |o| &o.context_variables),
                &w.context_variables,
                |v: &VariableDoc| v.name.key(),
                |v| v.name.to_string(),
            ));
            sections.push(bot_changes(name, o, w));
            sections.push(script_changes(name, o, w));
        }
    }
    if let Some(l) = &file.templates {
        sections.push(diff(
            "templates",
            &cur(&current.templates),
            l,
            |t: &TemplateDoc| format!("{}|{}", t.name.as_str(), t.language.key()),
            |t| format!("{} ({})", t.name.as_str(), t.language),
        ));
    }
    if let Some(l) = &file.quick_replies {
        sections.push(diff(
            "quick replies",
            &cur(&current.quick_replies),
            l,
            |q: &QuickReplyDoc| format!("{}|{}", key(&q.title), q.locale.key()),
            |q| format!("{} ({})", q.title, q.locale),
        ));
    }
    if let Some(l) = &file.knowledge {
        sections.push(diff(
            "knowledge articles",
            &cur(&current.knowledge),
            l,
            |a: &crate::store::knowledge::ArticleContent| a.slug.to_string(),
            |a| format!("{} (/kb/{})", a.title, a.slug),
        ));
    }
    if let Some(a) = &file.automated {
        let empty = AutomatedDoc {
            whatsapp_optout_keywords: Vec::new(),
            overrides: Vec::new(),
            switches: Vec::new(),
        };
        let c = current.automated.as_ref().unwrap_or(&empty);
        let mut s = diff(
            "automated messages",
            &c.overrides,
            &a.overrides,
            override_key,
            |o| {
                format!(
                    "the {} text ({}, {}{})",
                    o.trigger,
                    o.channel,
                    o.locale,
                    scope(&o.workstream)
                )
            },
        );
        let sw = diff("", &c.switches, &a.switches, switch_key, |s| {
            format!(
                "the {} switch ({}{})",
                s.trigger,
                s.channel,
                scope(&s.workstream)
            )
        });
        s.add.extend(sw.add);
        s.change.extend(sw.change);
        s.remove.extend(sw.remove);
        if keywords(&a.whatsapp_optout_keywords) != keywords(&c.whatsapp_optout_keywords) {
            s.change.push("the WhatsApp opt-out keywords".to_owned());
        }
        sections.push(s);
    }
    Report {
        sections,
        applied: false,
        notes: Vec::new(),
    }
}

pub(super) fn scope(ws: &Option<String>) -> String {
    ws.as_ref().map_or(String::new(), |w| format!(", {w}"))
}

pub(super) fn override_key(o: &OverrideDoc) -> String {
    format!(
        "{}|{}|{}|{}",
        o.trigger.key(),
        o.channel.as_str(),
        o.workstream.as_deref().map(key).unwrap_or_default(),
        o.locale
    )
}

pub(super) fn switch_key(s: &SwitchDoc) -> String {
    format!(
        "{}|{}|{}",
        s.trigger.key(),
        s.channel.as_str(),
        s.workstream.as_deref().map(key).unwrap_or_default()
    )
}

pub(super) fn keywords(words: &[String]) -> BTreeSet<String> {
    words.iter().map(|w| w.trim().to_uppercase()).collect()
}

/// The removals that would take away something in use, with the reason.
pub(super) async fn in_use(
    store: &Store,
    file: &ConfigFile,
    current: &ConfigFile,
) -> Result<Vec<String>, StoreError> {
    let mut out = still_referenced(file, current);
    let ids = Ids::read(store).await?;
    if let Some(list) = &file.workstreams {
        for old in current.workstreams.iter().flatten() {
            let Some(&ws) = ids.workstreams.get(&key(&old.name)) else {
                continue;
            };
            match list.iter().find(|w| key(&w.name) == key(&old.name)) {
                None => {
                    let open = store.workstream_open_conversations(ws).await?;
                    if open > 0 {
                        out.push(format!(
                            "the workstream {} cannot be removed: it has {open} open conversation(s)",
                            old.name
                        ));
                    }
                }
                Some(w) => {
                    for q in &old.queues {
                        if w.queues.iter().any(|n| key(&n.name) == key(&q.name)) {
                            continue;
                        }
                        let Some(&id) = ids.queues.get(&(ws, key(&q.name))) else {
                            continue;
                        };
                        let waiting = store.queue_waiting(id).await?;
                        if waiting > 0 {
                            out.push(format!(
                                "the queue {} of {} cannot be removed: {waiting} conversation(s) wait in it",
                                q.name, old.name
                            ));
                        }
                    }
                }
            }
        }
    }
    if let Some(list) = &file.numbers {
        for old in current.numbers.iter().flatten() {
            let k = number_key(old.channel, old.kind, &old.number).unwrap_or_default();
            if list
                .iter()
                .any(|n| number_key(n.channel, n.kind, &n.number).as_deref() == Some(&k))
            {
                continue;
            }
            if let Some(&id) = ids.numbers.get(&old.number) {
                let open = store.open_conversation_count(OpenOn::Number(id)).await?;
                if open > 0 {
                    out.push(format!(
                        "the number {} cannot be removed: it has {open} open conversation(s)",
                        old.number
                    ));
                }
            }
        }
    }
    if let Some(list) = &file.accounts {
        let stored = current.accounts.as_deref().unwrap_or_default();
        for old in stored {
            if account_kept(old, list, stored) {
                continue;
            }
            if let Some(&id) = ids.accounts.get(&key(&old.name)) {
                let open = store.open_conversation_count(OpenOn::Account(id)).await?;
                if open > 0 {
                    out.push(format!(
                        "the account {} cannot be removed: it has {open} open conversation(s)",
                        old.name
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// Skills, hours and numbers the file removes while the workstreams it keeps still use them
/// (when the file has no workstreams section, which would be checked line by line).
pub(super) fn still_referenced(file: &ConfigFile, current: &ConfigFile) -> Vec<String> {
    let mut out = Vec::new();
    let workstreams = wanted(&file.workstreams, &current.workstreams);
    if let Some(skills) = &file.skills {
        let names: BTreeSet<String> = skills.iter().map(|s| s.name.key()).collect();
        for w in workstreams {
            for r in &w.rules {
                for s in &r.skills {
                    if !names.contains(&key(&s.skill)) {
                        out.push(format!(
                            "the skill {} cannot be removed: the routing rule {} of {} requires it",
                            s.skill, r.name, w.name
                        ));
                    }
                }
            }
        }
    }
    if let Some(hours) = &file.hours {
        let names: BTreeSet<String> = hours.iter().map(|h| key(&h.name)).collect();
        for w in workstreams {
            let users = w
                .operation_hours
                .iter()
                .map(|h| (h, format!("the workstream {}", w.name)))
                .chain(w.queues.iter().filter_map(|q| {
                    q.hours
                        .as_ref()
                        .map(|h| (h, format!("the queue {} of {}", q.name, w.name)))
                }));
            for (h, user) in users {
                if !names.contains(&key(h)) {
                    out.push(format!(
                        "the operating hours {h} cannot be removed: {user} uses them"
                    ));
                }
            }
        }
    }
    if let Some(numbers) = &file.numbers {
        let kept: BTreeSet<String> = numbers
            .iter()
            .filter_map(|n| doc_address(&n.number, n.kind).ok())
            .map(|n| n.to_string())
            .collect();
        for w in workstreams {
            for n in &w.numbers {
                if !kept.contains(n) {
                    out.push(format!(
                        "the number {n} cannot be removed: it serves {}",
                        w.name
                    ));
                }
            }
        }
    }
    out
}
