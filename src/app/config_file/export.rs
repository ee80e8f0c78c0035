//! Reads every settings table into a `ConfigFile`: names instead of ids, no secrets.

use super::*;
use crate::domain::queue::OverflowAction;
use crate::domain::routing::Condition;
use crate::domain::{HoursId, NumberId, QueueId, SkillId, UserId, WorkstreamId};
use crate::store::bots::StoredBot;
use crate::store::{Store, StoreError};
use std::collections::HashMap;

/// Ids to the names the file uses.
pub(super) struct Names {
    pub accounts: HashMap<u64, String>,
    pub numbers: HashMap<NumberId, String>,
    pub hours: HashMap<HoursId, String>,
    pub skills: HashMap<SkillId, String>,
    pub users: HashMap<UserId, String>,
    pub workstreams: HashMap<WorkstreamId, String>,
    pub queues: HashMap<QueueId, String>,
}

impl Names {
    pub(super) async fn read(store: &Store) -> Result<Self, StoreError> {
        let mut queues = HashMap::new();
        for q in store.all_queues().await? {
            queues.insert(q.id, q.name.as_str().to_owned());
        }
        Ok(Self {
            accounts: store
                .accounts()
                .await?
                .into_iter()
                .map(|a| (a.id.get(), a.name.as_str().to_owned()))
                .collect(),
            numbers: store
                .numbers()
                .await?
                .into_iter()
                .map(|n| (n.id, n.number.to_string()))
                .collect(),
            hours: store
                .hours_list()
                .await?
                .into_iter()
                .map(|h| (h.id, h.name))
                .collect(),
            skills: store
                .skills()
                .await?
                .into_iter()
                .map(|s| (s.id, s.name.as_str().to_owned()))
                .collect(),
            users: store
                .users()
                .await?
                .into_iter()
                .map(|u| (u.id, u.email.as_str().to_owned()))
                .collect(),
            workstreams: store
                .workstreams()
                .await?
                .into_iter()
                .map(|w| (w.id, w.name.as_str().to_owned()))
                .collect(),
            queues,
        })
    }
}

fn name_of<K: std::hash::Hash + Eq>(map: &HashMap<K, String>, id: &K) -> String {
    map.get(id).cloned().unwrap_or_default()
}

/// The whole configuration, every section present.
pub async fn export(store: &Store) -> Result<ConfigFile, StoreError> {
    let names = Names::read(store).await?;
    let accounts = store
        .accounts()
        .await?
        .into_iter()
        .map(|a| AccountDoc {
            name: a.name.as_str().to_owned(),
            channel: a.channel,
            provider: a.provider,
            sid: a.sid.map(|s| s.as_str().to_owned()),
            acs: a.acs.map(|acs| AcsDoc {
                resource: acs.resource.to_string(),
                endpoint: acs.endpoint,
                event_grid_app_id: acs.event_grid_app.to_string(),
                event_grid_tenant_id: acs.event_grid_tenant.to_string(),
            }),
        })
        .collect();
    let numbers = store
        .numbers()
        .await?
        .into_iter()
        .map(|n| NumberDoc {
            number: n.number.to_string(),
            channel: n.channel,
            kind: n.kind,
            account: name_of(&names.accounts, &n.account_id.get()),
            name: n.name,
            description: n.description,
        })
        .collect();
    let hours = store
        .hours_list()
        .await?
        .into_iter()
        .map(|h| HoursDoc {
            name: h.name,
            time_zone: h.time_zone,
            week: h.week,
            holidays: h.holidays,
        })
        .collect();
    let skills = store
        .skills()
        .await?
        .into_iter()
        .map(|s| SkillDoc { name: s.name })
        .collect();
    let mut users = Vec::new();
    for u in store.users().await? {
        let skills = store
            .agent_skills(u.id)
            .await?
            .into_iter()
            .map(|(s, p)| (name_of(&names.skills, &s), p))
            .collect();
        users.push(UserDoc {
            email: u.email.as_str().to_owned(),
            name: u.name,
            role: u.role,
            disabled: u.disabled,
            capacity: u.capacity,
            languages: u.languages,
            skills,
        });
    }
    let mut workstreams = Vec::new();
    for ws in store.workstreams().await? {
        workstreams.push(workstream_doc(store, &names, ws).await?);
    }
    let templates = store
        .templates()
        .await?
        .into_iter()
        .map(|t| TemplateDoc {
            name: t.name,
            language: t.language,
            text: t.text,
            content_sid: t.content_sid.map(|s| s.as_str().to_owned()),
            workstreams: t
                .workstreams
                .iter()
                .map(|w| name_of(&names.workstreams, w))
                .collect(),
            variants: t.variants,
            variables: t.variables,
        })
        .collect();
    let quick_replies = store
        .quick_replies()
        .await?
        .into_iter()
        .map(|q| QuickReplyDoc {
            title: q.title,
            locale: q.locale,
            message: q.message,
            tags: q.tags,
            workstreams: q
                .workstreams
                .iter()
                .map(|w| name_of(&names.workstreams, w))
                .collect(),
        })
        .collect();
    Ok(ConfigFile {
        accounts: Some(accounts),
        numbers: Some(numbers),
        hours: Some(hours),
        skills: Some(skills),
        users: Some(users),
        workstreams: Some(workstreams),
        templates: Some(templates),
        quick_replies: Some(quick_replies),
        automated: Some(automated_doc(store, &names).await?),
        knowledge: Some(
            store
                .articles()
                .await?
                .into_iter()
                .map(|a| a.content)
                .collect(),
        ),
    })
}

async fn workstream_doc(
    store: &Store,
    names: &Names,
    ws: crate::store::records::Workstream,
) -> Result<WorkstreamDoc, StoreError> {
    let mut queues = Vec::new();
    for q in store.queues(ws.id).await? {
        let members = store
            .queue_members(q.id)
            .await?
            .iter()
            .map(|u| name_of(&names.users, u))
            .collect();
        let overflow = q
            .overflow
            .iter()
            .map(|r| OverflowDoc {
                condition: r.condition,
                action: r.action.kind().to_owned(),
                transfer_to: match r.action {
                    OverflowAction::TransferTo(q) => Some(name_of(&names.queues, &q)),
                    _ => None,
                },
            })
            .collect();
        queues.push(QueueDoc {
            name: q.name.as_str().to_owned(),
            priority: q.priority,
            method: q.method,
            hours: q.hours.map(|h| name_of(&names.hours, &h)),
            fallback: q.fallback,
            members,
            overflow,
        });
    }
    let rules = store
        .rules(ws.id)
        .await?
        .into_iter()
        .map(|r| RuleDoc {
            name: r.name.as_str().to_owned(),
            queue: r.queue.map(|q| name_of(&names.queues, &q)),
            conditions: r
                .conditions
                .into_iter()
                .map(|c| condition_doc(names, c))
                .collect(),
            skills: r
                .skills
                .iter()
                .map(|s| RequirementDoc {
                    skill: name_of(&names.skills, &s.skill),
                    min: s.min,
                })
                .collect(),
        })
        .collect();
    let context_variables = store
        .context_variables(ws.id)
        .await?
        .into_iter()
        .map(|v| VariableDoc {
            name: v.name,
            kind: v.kind,
            default: v.default,
        })
        .collect();
    let (menu_bot, external_bot) = bot_docs(names, store.bot(ws.id).await?);
    Ok(WorkstreamDoc {
        name: ws.name.as_str().to_owned(),
        channel: ws.channel,
        mode: ws.mode,
        numbers: ws
            .numbers
            .iter()
            .map(|n| name_of(&names.numbers, n))
            .collect(),
        fallback_queue: ws.fallback_queue.as_str().to_owned(),
        language: ws.language,
        operation_hours: ws.operation_hours.map(|h| name_of(&names.hours, &h)),
        skill_match: store.skill_match_mode(ws.id).await?,
        offer_card: Some(store.offer_card(ws.id).await?),
        position_minutes: Some(store.position_minutes(ws.id).await?),
        survey: ws.survey,
        attachments: ws.attachments,
        distribution: ws.distribution,
        queues,
        rules,
        context_variables,
        menu_bot,
        external_bot,
        script: store
            .script(ws.id)
            .await?
            .steps
            .into_iter()
            .map(|s| super::ScriptStepDoc {
                kind: s.kind,
                text: s.text,
            })
            .collect(),
    })
}

/// A workstream's bot as the file writes it: queues by name, no secret.
fn bot_docs(names: &Names, bot: Option<StoredBot>) -> (Option<MenuBotDoc>, Option<ExternalBotDoc>) {
    match bot {
        None => (None, None),
        Some(StoredBot::Menu(m)) => {
            let options = m
                .options
                .into_iter()
                .map(|o| MenuOptionDoc {
                    label: o.label,
                    set: o
                        .set
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                    queue: o.queue.map(|q| name_of(&names.queues, &q)),
                })
                .collect();
            let doc = MenuBotDoc {
                greeting: m.greeting,
                options,
                human_keyword: m.human_keyword,
                reprompt: m.reprompt,
                max_failures: m.max_failures,
            };
            (Some(doc), None)
        }
        Some(StoredBot::External(e)) => {
            let doc = ExternalBotDoc {
                url: e.url.to_string(),
                timeout_secs: e.timeout_secs,
            };
            (None, Some(doc))
        }
    }
}

fn condition_doc(names: &Names, c: Condition) -> ConditionDoc {
    match c {
        Condition::Channel(c) => ConditionDoc::Channel(c),
        Condition::BusinessNumber(n) => ConditionDoc::BusinessNumber(name_of(&names.numbers, &n)),
        Condition::CustomerNumber(m) => ConditionDoc::CustomerNumber(m),
        Condition::FirstMessage(k) => ConditionDoc::FirstMessage(k),
        Condition::Language(l) => ConditionDoc::Language(l),
        Condition::Contact { field, is } => ConditionDoc::Contact { field, is },
        Condition::Context { name, test } => ConditionDoc::Context { name, test },
    }
}

async fn automated_doc(store: &Store, names: &Names) -> Result<AutomatedDoc, StoreError> {
    let ws_name = |id: Option<WorkstreamId>| id.map(|w| name_of(&names.workstreams, &w));
    let mut overrides: Vec<OverrideDoc> = store
        .automated_overrides()
        .await?
        .into_iter()
        .map(|o| OverrideDoc {
            trigger: o.key.trigger,
            channel: o.key.channel,
            workstream: ws_name(o.key.workstream),
            locale: o.key.locale,
            text: o.text,
        })
        .collect();
    overrides.sort_by(|a, b| {
        (a.trigger, a.channel.as_str(), &a.workstream, &a.locale).cmp(&(
            b.trigger,
            b.channel.as_str(),
            &b.workstream,
            &b.locale,
        ))
    });
    let mut switches = Vec::new();
    for (key, on) in store.automated_switches().await? {
        if let Some((trigger, channel, ws)) = parse_switch_key(&key) {
            switches.push(SwitchDoc {
                trigger,
                channel,
                workstream: ws_name(ws),
                on,
            });
        }
    }
    switches.sort_by(|a, b| {
        (a.trigger, a.channel.as_str(), &a.workstream).cmp(&(
            b.trigger,
            b.channel.as_str(),
            &b.workstream,
        ))
    });
    Ok(AutomatedDoc {
        whatsapp_optout_keywords: store
            .whatsapp_optout_keywords()
            .await?
            .iter()
            .map(|k| k.as_str().to_owned())
            .collect(),
        overrides,
        switches,
    })
}

/// `trigger|channel|workstream-or-0` back into its parts (see `SwitchKey::storage_key`).
fn parse_switch_key(key: &str) -> Option<(Trigger, Channel, Option<WorkstreamId>)> {
    let mut parts = key.split('|');
    let trigger = Trigger::parse(parts.next()?)?;
    let channel = Channel::parse(parts.next()?).ok()?;
    let ws: u64 = parts.next()?.parse().ok()?;
    Some((trigger, channel, (ws != 0).then(|| WorkstreamId::new(ws))))
}

/// The file's text.
pub fn to_toml(file: &ConfigFile) -> Result<String, toml::ser::Error> {
    let body = toml::to_string_pretty(file)?;
    Ok(format!(
        "# omnidesk configuration. Secrets (auth tokens, passwords) are never written here.\n\
         # `omnidesk config import FILE` makes each section present the desired state.\n\n{body}"
    ))
}
