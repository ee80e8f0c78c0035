//! The templates, quick replies and automated messages sections: their checks, and making the
//! store's match them.

use super::*;

pub(super) fn check_messages(s: &Scope, out: &mut Problems) {
    let Scope { file, ws_names, .. } = s;
    let ws_ref = |out: &mut Problems, p: P, name: &str| {
        if !ws_names.contains_key(&key(name)) {
            err(out, p, format!("no workstream named {name}"));
        }
    };
    if let Some(list) = &file.templates {
        let base = P::root("templates");
        duplicates(out, &base, list, "template", |t| {
            format!("{}|{}", t.name.as_str(), t.language.key())
        });
        for (i, t) in list.iter().enumerate() {
            if let Some(sid) = &t.content_sid
                && let Err(e) = ContentSid::parse(sid)
            {
                err(out, base.at(i).key("content_sid"), e.to_string());
            }
            for (j, w) in t.workstreams.iter().enumerate() {
                ws_ref(out, base.at(i).key("workstreams").at(j), w);
            }
        }
    }
    if let Some(list) = &file.quick_replies {
        let base = P::root("quick_replies");
        duplicates(out, &base, list, "quick reply", |q| {
            format!("{}|{}", key(&q.title), q.locale.key())
        });
        for (i, q) in list.iter().enumerate() {
            if q.title.trim().is_empty() || q.title.chars().count() > 100 {
                err(
                    out,
                    base.at(i).key("title"),
                    "the title must be 1 to 100 characters",
                );
            }
            for (j, w) in q.workstreams.iter().enumerate() {
                ws_ref(out, base.at(i).key("workstreams").at(j), w);
            }
        }
    }
    if let Some(a) = &file.automated {
        let base = P::root("automated");
        if a.whatsapp_optout_keywords.is_empty() {
            err(
                out,
                base.key("whatsapp_optout_keywords"),
                "give at least one keyword",
            );
        } else if let Err(e) =
            crate::domain::optout::parse_list(&a.whatsapp_optout_keywords.join(","))
        {
            err(out, base.key("whatsapp_optout_keywords"), e.to_string());
        }
        for (i, o) in a.overrides.iter().enumerate() {
            let p = base.key("overrides").at(i);
            if let Err(e) = AutomatedText::parse(o.trigger, o.text.as_str()) {
                err(out, p.key("text"), e.to_string());
            }
            scope_check(out, p, &o.workstream, o.channel, ws_names);
        }
        for (i, s) in a.switches.iter().enumerate() {
            scope_check(
                out,
                base.key("switches").at(i),
                &s.workstream,
                s.channel,
                ws_names,
            );
        }
    }
}

pub(super) fn scope_check(
    out: &mut Problems,
    p: P,
    ws: &Option<String>,
    channel: Channel,
    ws_names: &HashMap<String, Channel>,
) {
    if let Some(w) = ws {
        match ws_names.get(&key(w)) {
            None => err(out, p.key("workstream"), format!("no workstream named {w}")),
            Some(c) if *c != channel => err(
                out,
                p.key("channel"),
                format!("the workstream {w} is on the {c} channel"),
            ),
            Some(_) => {}
        }
    }
}

pub(super) fn ws_ids(ids: &Ids, names: &[String]) -> Vec<WorkstreamId> {
    names
        .iter()
        .filter_map(|n| ids.workstreams.get(&key(n)).copied())
        .collect()
}

pub(super) async fn apply_templates(
    store: &Store,
    ids: &Ids,
    list: &[TemplateDoc],
    _current: &ConfigFile,
) -> Applied {
    let stored = store.templates().await?;
    for t in list {
        let draft = TemplateDraft {
            name: t.name.clone(),
            language: t.language.clone(),
            text: t.text.clone(),
            content_sid: t
                .content_sid
                .as_deref()
                .and_then(|s| ContentSid::parse(s).ok()),
            variants: t
                .variants
                .iter()
                .map(|v| (v.language.clone(), v.text.clone()))
                .collect(),
            workstreams: ws_ids(ids, &t.workstreams),
            variables: t.variables.clone(),
        };
        let found = stored
            .iter()
            .find(|s| s.name == t.name && s.language.key() == t.language.key());
        match found {
            Some(s) => {
                let same = s.text == draft.text
                    && s.content_sid == draft.content_sid
                    && s.workstreams == draft.workstreams
                    && s.variants == t.variants
                    && s.variables == t.variables;
                if !same {
                    step!(
                        format!("changing the template {}", t.name.as_str()),
                        store.update_template(s.id, draft)
                    );
                }
            }
            None => {
                step!(
                    format!("adding the template {}", t.name.as_str()),
                    store.create_template(draft)
                );
            }
        }
    }
    for s in stored {
        if !list
            .iter()
            .any(|t| t.name == s.name && t.language.key() == s.language.key())
        {
            step!(
                format!("removing the template {}", s.name.as_str()),
                store.delete_template(s.id)
            );
        }
    }
    Ok(Ok(()))
}

pub(super) async fn apply_quick_replies(
    store: &Store,
    ids: &Ids,
    list: &[QuickReplyDoc],
) -> Applied {
    let stored = store.quick_replies().await?;
    let same_key = |title: &str, locale: &LanguageCode, q: &QuickReplyDoc| {
        key(title) == key(&q.title) && locale.key() == q.locale.key()
    };
    for q in list {
        let draft = QuickReplyDraft {
            title: q.title.trim().to_owned(),
            locale: q.locale.clone(),
            message: q.message.clone(),
            tags: q.tags.clone(),
            workstreams: ws_ids(ids, &q.workstreams),
        };
        match stored.iter().find(|s| same_key(&s.title, &s.locale, q)) {
            Some(s) => {
                let same = s.message == draft.message
                    && s.tags == draft.tags
                    && s.workstreams == draft.workstreams;
                if !same {
                    step!(
                        format!("changing the quick reply {}", q.title),
                        store.update_quick_reply(s.id, draft)
                    );
                }
            }
            None => {
                step!(
                    format!("adding the quick reply {}", q.title),
                    store.create_quick_reply(draft)
                );
            }
        }
    }
    for s in stored {
        if !list.iter().any(|q| same_key(&s.title, &s.locale, q)) {
            step!(
                format!("removing the quick reply {}", s.title),
                store.delete_quick_reply(s.id)
            );
        }
    }
    Ok(Ok(()))
}

pub(super) async fn apply_automated(
    store: &Store,
    ids: &Ids,
    a: &AutomatedDoc,
    current: &ConfigFile,
    now: Timestamp,
) -> Applied {
    let ws = |w: &Option<String>| {
        w.as_ref()
            .and_then(|n| ids.workstreams.get(&key(n)).copied())
    };
    let old = current.automated.clone();
    let old_overrides = old.as_ref().map_or(&[][..], |o| &o.overrides[..]);
    let old_switches = old.as_ref().map_or(&[][..], |o| &o.switches[..]);
    for o in old_overrides {
        if !a
            .overrides
            .iter()
            .any(|n| override_key(n) == override_key(o))
        {
            store
                .reset_automated_override(OverrideKey {
                    trigger: o.trigger,
                    channel: o.channel,
                    workstream: ws(&o.workstream),
                    locale: o.locale.clone(),
                })
                .await?;
        }
    }
    for o in &a.overrides {
        if old_overrides.contains(o) {
            continue;
        }
        let Ok(text) = AutomatedText::parse(o.trigger, o.text.as_str()) else {
            continue;
        };
        let k = OverrideKey {
            trigger: o.trigger,
            channel: o.channel,
            workstream: ws(&o.workstream),
            locale: o.locale.clone(),
        };
        step!(
            format!("the {} text", o.trigger),
            store.set_automated_override(k, text, now)
        );
    }
    for s in old_switches {
        if !a.switches.iter().any(|n| switch_key(n) == switch_key(s)) {
            store
                .clear_automated_switch(SwitchKey {
                    trigger: s.trigger,
                    channel: s.channel,
                    workstream: ws(&s.workstream),
                })
                .await?;
        }
    }
    for s in &a.switches {
        if old_switches.contains(s) {
            continue;
        }
        let k = SwitchKey {
            trigger: s.trigger,
            channel: s.channel,
            workstream: ws(&s.workstream),
        };
        step!(
            format!("the {} switch", s.trigger),
            store.set_automated_switch(k, s.on)
        );
    }
    let old_words = old.as_ref().map(|o| keywords(&o.whatsapp_optout_keywords));
    if old_words != Some(keywords(&a.whatsapp_optout_keywords))
        && let Ok(words) = crate::domain::optout::parse_list(&a.whatsapp_optout_keywords.join(","))
    {
        store.set_whatsapp_optout_keywords(words).await?;
    }
    Ok(Ok(()))
}
