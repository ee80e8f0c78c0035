//! The workstreams section: each workstream's own settings, its queues, rules and context
//! variables, checked and applied in that order; removed workstreams last.

use super::*;

pub(super) fn check_workstreams(s: &Scope, out: &mut Problems) {
    let Scope {
        file,
        hour_names,
        skill_names,
        emails,
        number_channels,
        ..
    } = s;
    if let Some(list) = &file.workstreams {
        let base = P::root("workstreams");
        duplicates(out, &base, list, "workstream", |w| key(&w.name));
        let mut served = BTreeSet::new();
        for (i, w) in list.iter().enumerate() {
            let p = base.at(i);
            if let Err(e) = WorkstreamName::parse(&w.name) {
                err(out, p.key("name"), e.to_string());
            }
            if let Err(e) = QueueName::parse(&w.fallback_queue) {
                err(out, p.key("fallback_queue"), e.to_string());
            }
            for (j, n) in w.numbers.iter().enumerate() {
                match number_channels.get(n) {
                    None => err(
                        out,
                        p.key("numbers").at(j),
                        format!("no number {n} in numbers"),
                    ),
                    Some(c) if *c != w.channel => {
                        err(out, p.key("numbers").at(j), format!("{n} is a {c} number"))
                    }
                    Some(_) if !served.insert(n.clone()) => err(
                        out,
                        p.key("numbers").at(j),
                        format!("{n} already serves another workstream"),
                    ),
                    Some(_) => {}
                }
            }
            if let Some(h) = &w.operation_hours
                && !hour_names.contains(&key(h))
            {
                err(
                    out,
                    p.key("operation_hours"),
                    format!("no operating hours named {h}"),
                );
            }
            if let Some(s) = &w.survey
                && let Err(e) = crate::domain::workstream::SurveyLink::parse(s.link.as_str())
            {
                err(out, p.key("survey"), e.to_string());
            }
            check_queues(out, &p, w, hour_names, emails);
            check_rules(out, &p, w, number_channels, skill_names);
            check_bot(out, &p, w);
            duplicates(
                out,
                &p.key("context_variables"),
                &w.context_variables,
                "variable",
                |v| v.name.key(),
            );
            for (j, v) in w.context_variables.iter().enumerate() {
                if let Some(d) = &v.default
                    && d.kind() != v.kind
                {
                    err(
                        out,
                        p.key("context_variables").at(j).key("default"),
                        "the default is not of the variable's kind",
                    );
                }
            }
        }
    }
}

pub(super) async fn apply_workstream(
    store: &Store,
    ids: &mut Ids,
    w: &WorkstreamDoc,
    current: &ConfigFile,
) -> Applied {
    let old = current
        .workstreams
        .iter()
        .flatten()
        .find(|o| key(&o.name) == key(&w.name));
    let numbers: Vec<NumberId> = w.numbers.iter().filter_map(|n| ids.number(n)).collect();
    let (Ok(name), Ok(fallback)) = (
        WorkstreamName::parse(&w.name),
        QueueName::parse(&w.fallback_queue),
    ) else {
        return Ok(Ok(()));
    };
    let what = format!("the workstream {}", w.name);
    let id = match ids.workstreams.get(&key(&w.name)) {
        Some(&id) => id,
        None => {
            let draft = WorkstreamDraft {
                name: name.clone(),
                channel: w.channel,
                mode: w.mode,
                fallback_queue: Some(fallback.clone()),
                numbers: Vec::new(),
            };
            step!(format!("adding {what}"), store.create_workstream(draft)).id
        }
    };
    if old.map(own) != Some(own(w)) {
        if old.is_some_and(|o| o.fallback_queue != w.fallback_queue || o.name != w.name) {
            let profile = WorkstreamProfile {
                name,
                fallback_queue: fallback,
            };
            step!(what.clone(), store.update_workstream_profile(id, profile));
        }
        step!(
            what.clone(),
            store.save_workstream_setup(id, SetupChange::Numbers(numbers))
        );
        if let Some(l) = &w.language {
            step!(
                what.clone(),
                store.save_workstream_setup(id, SetupChange::Language(l.clone()))
            );
        }
        let behaviors = SetupChange::Behaviors {
            operation_hours: w
                .operation_hours
                .as_ref()
                .and_then(|h| ids.hours.get(&key(h)).copied()),
            survey: w.survey.clone(),
        };
        step!(what.clone(), store.save_workstream_setup(id, behaviors));
        step!(
            what.clone(),
            store.save_workstream_setup(id, SetupChange::Features(w.attachments))
        );
        step!(
            what.clone(),
            store.set_workstream_distribution(id, w.distribution.clone())
        );
        store.set_skill_match_mode(id, w.skill_match).await?;
        if let Some(card) = w.offer_card {
            store.set_offer_card(id, card).await?;
        }
        if let Some(m) = w.position_minutes {
            store.set_position_minutes(id, m).await?;
        }
    }
    *ids = Ids::read(store).await?;
    stage!(apply_script(store, id, w, old));
    // Queues: new ones first, then every queue in full (overflow may name a new queue).
    for q in &w.queues {
        if !ids.queues.contains_key(&(id, key(&q.name)))
            && let Some(draft) = queue_draft(ids, id, q, false)
        {
            step!(
                format!("adding the queue {}", q.name),
                store.create_queue(id, draft)
            );
        }
    }
    *ids = Ids::read(store).await?;
    let old_queues = old.map_or(&[][..], |o| &o.queues[..]);
    for q in &w.queues {
        if old_queues.contains(q) {
            continue;
        }
        if let (Some(&qid), Some(draft)) = (
            ids.queues.get(&(id, key(&q.name))),
            queue_draft(ids, id, q, true),
        ) {
            step!(
                format!("changing the queue {}", q.name),
                store.update_queue(qid, draft)
            );
        }
    }
    // Rules: removed first, then added or changed, then put in order.
    let old_rules = old.map_or(&[][..], |o| &o.rules[..]);
    let mut stored: HashMap<String, crate::domain::RuleId> = store
        .rules(id)
        .await?
        .into_iter()
        .map(|r| (key(r.name.as_str()), r.id))
        .collect();
    for (name, rid) in stored.clone() {
        if !w.rules.iter().any(|r| key(&r.name) == name) {
            step!(format!("removing the rule {name}"), store.delete_rule(rid));
            stored.remove(&name);
        }
    }
    for r in &w.rules {
        if old_rules.contains(r) {
            continue;
        }
        let Some(draft) = rule_draft(ids, id, r) else {
            continue;
        };
        match stored.get(&key(&r.name)) {
            Some(&rid) => {
                step!(
                    format!("changing the rule {}", r.name),
                    store.update_rule(rid, draft)
                );
            }
            None => {
                let rule = step!(
                    format!("adding the rule {}", r.name),
                    store.create_rule(id, draft)
                );
                stored.insert(key(&r.name), rule.id);
            }
        }
    }
    for (i, r) in w.rules.iter().enumerate() {
        let Some(&rid) = stored.get(&key(&r.name)) else {
            continue;
        };
        loop {
            let order: Vec<_> = store.rules(id).await?.iter().map(|r| r.id).collect();
            match order.iter().position(|x| *x == rid) {
                Some(at) if at > i => {
                    step!(
                        format!("ordering the rule {}", r.name),
                        store.move_rule(rid, Move::Up)
                    );
                }
                _ => break,
            }
        }
    }
    // The bot before the queues go: its options may have sent to one of them.
    if let Err(e) = apply_bot(store, ids, id, w).await? {
        return Ok(Err(e));
    }
    for q in old_queues {
        if w.queues.iter().any(|n| key(&n.name) == key(&q.name)) {
            continue;
        }
        if let Some(&qid) = ids.queues.get(&(id, key(&q.name))) {
            step!(
                format!("removing the queue {}", q.name),
                store.delete_queue(qid)
            );
        }
    }
    // Context variables.
    let old_vars = old.map_or(&[][..], |o| &o.context_variables[..]);
    for v in old_vars {
        if !w
            .context_variables
            .iter()
            .any(|n| n.name.key() == v.name.key())
        {
            step!(
                format!("removing the variable {}", v.name),
                store.delete_context_variable(id, v.name.key())
            );
        }
    }
    for v in &w.context_variables {
        if old_vars.contains(v) {
            continue;
        }
        let draft = crate::store::context::ContextVariableDraft {
            name: v.name.clone(),
            kind: v.kind,
            default: v.default.clone(),
        };
        if old_vars.iter().any(|o| o.name.key() == v.name.key()) {
            step!(
                format!("changing the variable {}", v.name),
                store.update_context_variable(id, v.name.key(), draft)
            );
        } else {
            step!(
                format!("adding the variable {}", v.name),
                store.create_context_variable(id, draft)
            );
        }
    }
    *ids = Ids::read(store).await?;
    Ok(Ok(()))
}

/// Removes the workstreams the file no longer lists, with their rules.
pub(super) async fn remove_workstreams(
    store: &Store,
    ids: &Ids,
    list: &[WorkstreamDoc],
    current: &ConfigFile,
) -> Applied {
    for old in current.workstreams.iter().flatten() {
        if list.iter().any(|w| key(&w.name) == key(&old.name)) {
            continue;
        }
        if let Some(&id) = ids.workstreams.get(&key(&old.name)) {
            for r in store.rules(id).await? {
                step!(
                    format!("removing the rule {}", r.name),
                    store.delete_rule(r.id)
                );
            }
            step!(
                format!("removing the workstream {}", old.name),
                store.delete_workstream(id)
            );
        }
    }
    Ok(Ok(()))
}
