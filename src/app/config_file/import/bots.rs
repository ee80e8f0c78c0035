//! A workstream's bot in the file: the menu bot (checked with the admin bot form's validators)
//! or an external bot (a new one gets a freshly generated secret, never written to the file).

use super::*;
use crate::domain::bot::{self, BotError, BotUrl, MenuBot, MenuOption};
use crate::domain::routing::context::ContextValue;
use crate::store::bots::{BotDraft, StoredBot};

/// Longest option label, as on the admin bot form.
const MAX_LABEL_CHARS: usize = 100;

pub(super) fn check_bot(out: &mut Problems, p: &P, w: &WorkstreamDoc) {
    if w.menu_bot.is_some() && w.external_bot.is_some() {
        err(
            out,
            p.key("external_bot"),
            "a workstream has one bot: give it a menu_bot or an external_bot, not both",
        );
    }
    if let Some(e) = &w.external_bot {
        let bp = p.key("external_bot");
        if let Err(e) = BotUrl::parse(&e.url) {
            err(out, bp.key("url"), e.to_string());
        }
        if let Err(e) = bot::timeout_secs(&e.timeout_secs.to_string()) {
            err(out, bp.key("timeout_secs"), e.to_string());
        }
    }
    let Some(m) = &w.menu_bot else {
        return;
    };
    let bp = p.key("menu_bot");
    match bot::bot_text(&m.greeting) {
        Ok(g) if g.is_empty() => err(
            out,
            bp.key("greeting"),
            BotError::GreetingMissing.to_string(),
        ),
        Ok(_) => {}
        Err(e) => err(out, bp.key("greeting"), e.to_string()),
    }
    match bot::bot_text(&m.reprompt) {
        Ok(r) if r.is_empty() => err(
            out,
            bp.key("reprompt"),
            "Enter the re-prompt sent after an answer the bot does not know.",
        ),
        Ok(_) => {}
        Err(e) => err(out, bp.key("reprompt"), e.to_string()),
    }
    if let Err(e) = bot::human_keyword(&m.human_keyword) {
        err(out, bp.key("human_keyword"), e.to_string());
    }
    if let Err(e) = bot::max_failures(&m.max_failures.to_string()) {
        err(out, bp.key("max_failures"), e.to_string());
    }
    if m.options.is_empty() || m.options.len() > bot::MAX_OPTIONS {
        err(out, bp.key("options"), BotError::OptionCount.to_string());
    }
    for (i, o) in m.options.iter().enumerate() {
        let op = bp.key("options").at(i);
        let label = o.label.trim();
        if label.is_empty() || label.chars().count() > MAX_LABEL_CHARS {
            err(
                out,
                op.key("label"),
                "give the option a label of at most 100 characters",
            );
        }
        for (name, raw) in &o.set {
            match w
                .context_variables
                .iter()
                .find(|v| v.name.key() == key(name))
            {
                None => err(
                    out,
                    op.key("set").key(name),
                    format!("this workstream has no context variable {name}"),
                ),
                Some(v) => {
                    if let Err(e) = ContextValue::parse(v.kind, raw) {
                        err(out, op.key("set").key(name), format!("{name}: {e}"));
                    }
                }
            }
        }
        if let Some(q) = &o.queue
            && !w.queues.iter().any(|n| key(&n.name) == key(q))
        {
            err(
                out,
                op.key("queue"),
                format!("no queue named {q} in this workstream"),
            );
        }
    }
}

/// The bot's line in the plan: added, changed or removed.
pub(super) fn bot_changes(
    name: &str,
    old: Option<&WorkstreamDoc>,
    new: &WorkstreamDoc,
) -> SectionChanges {
    let label = |w: &WorkstreamDoc| match (&w.menu_bot, &w.external_bot) {
        (Some(_), _) => Some("the menu bot"),
        (None, Some(_)) => Some("the external bot"),
        (None, None) => None,
    };
    let mut out = SectionChanges {
        section: format!("bot of {name}"),
        ..Default::default()
    };
    let same =
        old.is_some_and(|o| o.menu_bot == new.menu_bot && o.external_bot == new.external_bot);
    match (old.and_then(label), label(new)) {
        _ if same => {}
        (None, Some(l)) => out.add.push(l.to_owned()),
        (Some(_), Some(l)) => out.change.push(l.to_owned()),
        (Some(l), None) => out.remove.push(l.to_owned()),
        (None, None) => {}
    }
    out
}

fn menu(ids: &Ids, ws: WorkstreamId, w: &WorkstreamDoc, m: &MenuBotDoc) -> Option<MenuBot> {
    let mut options = Vec::new();
    for o in &m.options {
        let mut set = Vec::new();
        for (name, raw) in &o.set {
            let v = w
                .context_variables
                .iter()
                .find(|v| v.name.key() == key(name))?;
            set.push((v.name.clone(), ContextValue::parse(v.kind, raw).ok()?));
        }
        let queue = match &o.queue {
            Some(q) if key(q) == key(&w.fallback_queue) => None,
            Some(q) => Some(*ids.queues.get(&(ws, key(q)))?),
            None => None,
        };
        options.push(MenuOption {
            label: o.label.trim().to_owned(),
            set,
            queue,
        });
    }
    Some(MenuBot {
        greeting: bot::bot_text(&m.greeting).ok()?,
        options,
        human_keyword: bot::human_keyword(&m.human_keyword).ok()?,
        reprompt: bot::bot_text(&m.reprompt).ok()?,
        max_failures: m.max_failures,
    })
}

/// Makes the workstream's bot the file's; an external bot that was not one before gets a new
/// secret (the admin bot page can make another and show it).
pub(super) async fn apply_bot(
    store: &Store,
    ids: &Ids,
    ws: WorkstreamId,
    w: &WorkstreamDoc,
) -> Applied {
    let stored = store.bot(ws).await?;
    let draft = match (&w.menu_bot, &w.external_bot, &stored) {
        (Some(m), _, _) => {
            let Some(menu) = menu(ids, ws, w, m) else {
                return Ok(Ok(()));
            };
            if matches!(&stored, Some(StoredBot::Menu(s)) if *s == menu) {
                return Ok(Ok(()));
            }
            BotDraft::Menu(menu)
        }
        (None, Some(e), _) => {
            let Ok(url) = BotUrl::parse(&e.url) else {
                return Ok(Ok(()));
            };
            let secret = match &stored {
                Some(StoredBot::External(s))
                    if s.url == url && s.timeout_secs == e.timeout_secs =>
                {
                    return Ok(Ok(()));
                }
                Some(StoredBot::External(_)) => None,
                _ => Some(crate::app::bot::new_secret()),
            };
            BotDraft::External {
                url,
                timeout_secs: e.timeout_secs,
                secret,
            }
        }
        (None, None, None) => return Ok(Ok(())),
        (None, None, Some(_)) => BotDraft::None,
    };
    step!(format!("the bot of {}", w.name), store.set_bot(ws, draft));
    Ok(Ok(()))
}

/// What the import says of the external bots it adds: their signing secret is new and shown
/// nowhere, so the bot's owner needs one made on the bot page.
pub(super) fn bot_notes(file: &ConfigFile, current: &ConfigFile) -> Vec<String> {
    let had_external = |name: &str| {
        current
            .workstreams
            .iter()
            .flatten()
            .any(|o| key(&o.name) == key(name) && o.external_bot.is_some())
    };
    file.workstreams
        .iter()
        .flatten()
        .filter(|w| w.external_bot.is_some() && !had_external(&w.name))
        .map(|w| {
            format!(
                "the external bot of {} gets a new signing secret, shown nowhere: on the \
                 workstream's bot page, generate a new secret to see it and give it to the bot",
                w.name
            )
        })
        .collect()
}
