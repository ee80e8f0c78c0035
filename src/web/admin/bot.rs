//! `/admin/workstreams/{id}/bot`: the bot that takes a workstream's new conversations before
//! routing: none, the built-in menu (greeting, numbered options that set context variables
//! and/or pick a queue, the human keyword, re-prompt, failures before hand-off) or an external
//! bot (URL, timeout, a secret shown once when generated and never again).

use super::workstreams::{href, load, page};
use crate::app::Desk;
use crate::app::bot::BotChoice;
use crate::app::routing::queue_choices;
use crate::domain::QueueId;
use crate::domain::bot::{self, BotUrl, MenuBot, MenuOption};
use crate::domain::routing::{ContextValue, VariableName};
use crate::domain::user::Role;
use crate::store::bots::{BotRefusal, StoredBot};
use crate::store::context::ContextVariable;
use crate::store::records::Workstream;
use crate::web::csrf::{CsrfForm, FormData};
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::{
    Field, FieldErrors, FieldKind, FormModel, InfoRow, Link, Page, PageError, Section, redirect,
};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

const DEFAULT_REPROMPT: &str = "Sorry, I did not understand. Please answer with a number.";
const MAX_LABEL_CHARS: usize = 100;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/workstreams/{id}/bot", web::get().to(show))
        .route("/workstreams/{id}/bot", web::post().to(save));
}

#[derive(serde::Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

/// What the option lines may name: the workstream's variables and queues.
struct Names {
    variables: Vec<ContextVariable>,
    /// (id, name) of each queue besides the fallback one.
    queues: Vec<(QueueId, String)>,
    fallback: String,
}

async fn names(desk: &Desk, ws: &Workstream) -> Result<Names, PageError> {
    Ok(Names {
        variables: desk.store().context_variables(ws.id).await?,
        queues: queue_choices(desk, ws.id).await?,
        fallback: ws.fallback_queue.to_string(),
    })
}

fn form(ws: &Workstream, csrf: &str) -> FormModel {
    let kinds = [
        ("none", "No bot: conversations go to routing"),
        ("menu", "Built-in menu bot"),
        ("external", "External bot"),
    ];
    FormModel::new(href(ws.id, "/bot"), csrf, "Save bot")
        .field(Field::select("kind", "Bot", &kinds))
        .field(
            Field::new("greeting", "Greeting", FieldKind::TextArea { rows: 2 })
                .help(
                    "Menu bot: the first message; the numbered options follow it. A customer \
                     whose first message is already an option or the keyword is not greeted: \
                     it counts as the answer.",
                ),
        )
        .field(
            Field::new("options", "Options", FieldKind::TextArea { rows: 5 }).help(
                "Menu bot: one option a line, numbered in this order: Label | Variable=value, … | Queue. \
                 The variables and the queue are optional; a queue wins over the routing rules.",
            ),
        )
        .field(
            Field::text("human_keyword", "Keyword asking for a person")
                .help("Menu bot: one word; default agent."),
        )
        .field(
            Field::new("reprompt", "Re-prompt", FieldKind::TextArea { rows: 2 })
                .help("Menu bot: sent before the options again after an answer it does not know."),
        )
        .field(
            Field::new(
                "max_failures",
                "Failed answers before an agent takes over",
                FieldKind::Number { min: 1, max: 10 },
            )
            .help("Menu bot: default 2."),
        )
        .field(
            Field::text("url", "External bot URL")
                .help("External bot: http:// or https://; each customer message is POSTed to it, signed."),
        )
        .field(
            Field::new(
                "timeout",
                "Timeout (seconds)",
                FieldKind::Number { min: 1, max: 30 },
            )
            .help("External bot: 1 to 30, default 5. A bot that does not answer in time hands off."),
        )
        .field(Field::checkbox(
            "new_secret",
            "Generate a new secret (the old one stops working)",
            false,
        ))
        .cancel(&href(ws.id, ""))
}

fn option_line(o: &MenuOption, n: &Names) -> String {
    let vars = o
        .set
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let queue = o
        .queue
        .and_then(|q| n.queues.iter().find(|(id, _)| *id == q))
        .map_or(String::new(), |(_, name)| name.clone());
    match (vars.is_empty(), queue.is_empty()) {
        (true, true) => o.label.clone(),
        _ => format!("{} | {vars} | {queue}", o.label),
    }
}

fn values(bot: Option<&StoredBot>, n: &Names) -> FormData {
    let mut v = vec![
        ("human_keyword".into(), bot::DEFAULT_HUMAN_KEYWORD.into()),
        ("reprompt".into(), DEFAULT_REPROMPT.into()),
        ("max_failures".into(), bot::DEFAULT_MAX_FAILURES.to_string()),
        ("timeout".into(), bot::DEFAULT_TIMEOUT_SECS.to_string()),
    ];
    let set = |v: &mut Vec<(String, String)>, k: &str, val: String| {
        v.retain(|(key, _)| key != k);
        v.push((k.into(), val));
    };
    match bot {
        None => set(&mut v, "kind", "none".into()),
        Some(StoredBot::Menu(m)) => {
            set(&mut v, "kind", "menu".into());
            set(&mut v, "greeting", m.greeting.clone());
            let lines: Vec<String> = m.options.iter().map(|o| option_line(o, n)).collect();
            set(&mut v, "options", lines.join("\n"));
            set(&mut v, "human_keyword", m.human_keyword.clone());
            set(&mut v, "reprompt", m.reprompt.clone());
            set(&mut v, "max_failures", m.max_failures.to_string());
        }
        Some(StoredBot::External(e)) => {
            set(&mut v, "kind", "external".into());
            set(&mut v, "url", e.url.to_string());
            set(&mut v, "timeout", e.timeout_secs.to_string());
        }
    }
    FormData(v)
}

/// One option line: `Label | Variable=value, … | Queue`.
fn parse_option(line: &str, n: &Names) -> Result<MenuOption, String> {
    let mut parts = line.splitn(3, '|').map(str::trim);
    let label = parts.next().unwrap_or_default().to_owned();
    if label.is_empty() || label.chars().count() > MAX_LABEL_CHARS {
        return Err("give the option a label of at most 100 characters".into());
    }
    let mut set = Vec::new();
    for pair in parts
        .next()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let Some((name, raw)) = pair.split_once('=') else {
            return Err(format!("write “{pair}” as Variable=value"));
        };
        let name = VariableName::parse(name.trim()).map_err(|e| e.to_string())?;
        let Some(def) = n.variables.iter().find(|v| v.name.key() == name.key()) else {
            return Err(format!("this workstream has no context variable {name}"));
        };
        let value = ContextValue::parse(def.kind, raw).map_err(|e| format!("{name}: {e}"))?;
        set.push((def.name.clone(), value));
    }
    let queue = match parts.next().unwrap_or_default() {
        "" => None,
        q if q.eq_ignore_ascii_case(&n.fallback) => None,
        q => Some(
            n.queues
                .iter()
                .find(|(_, name)| name.eq_ignore_ascii_case(q))
                .map(|(id, _)| *id)
                .ok_or_else(|| format!("this workstream has no queue “{q}”"))?,
        ),
    };
    Ok(MenuOption { label, set, queue })
}

fn menu(f: &FormData, n: &Names, e: &mut FieldErrors) -> Option<MenuBot> {
    let greeting = bot::bot_text(f.get("greeting"))
        .map_err(|x| e.add("greeting", x.to_string()))
        .ok()
        .filter(|g| {
            let empty = g.is_empty();
            if empty {
                e.add("greeting", bot::BotError::GreetingMissing.to_string());
            }
            !empty
        });
    let lines: Vec<&str> = f
        .get("options")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut options = Vec::new();
    if lines.is_empty() || lines.len() > bot::MAX_OPTIONS {
        e.add("options", bot::BotError::OptionCount.to_string());
    }
    for (i, line) in lines.iter().enumerate() {
        match parse_option(line, n) {
            Ok(o) => options.push(o),
            Err(why) => {
                e.add("options", format!("Line {}: {why}.", i + 1));
                break;
            }
        }
    }
    let human_keyword = bot::human_keyword(f.get("human_keyword"))
        .map_err(|x| e.add("human_keyword", x.to_string()))
        .ok();
    let reprompt = bot::bot_text(f.get("reprompt"))
        .map_err(|x| e.add("reprompt", x.to_string()))
        .ok()
        .map(|r| {
            if r.is_empty() {
                DEFAULT_REPROMPT.into()
            } else {
                r
            }
        });
    let max_failures = bot::max_failures(f.get("max_failures"))
        .map_err(|x| e.add("max_failures", x.to_string()))
        .ok();
    match (greeting, human_keyword, reprompt, max_failures) {
        (Some(greeting), Some(human_keyword), Some(reprompt), Some(max_failures))
            if e.is_empty() =>
        {
            Some(MenuBot {
                greeting,
                options,
                human_keyword,
                reprompt,
                max_failures,
            })
        }
        _ => None,
    }
}

fn choice(f: &FormData, n: &Names) -> Result<BotChoice, FieldErrors> {
    let mut e = FieldErrors::default();
    let out = match f.get("kind") {
        "none" => Some(BotChoice::None),
        "menu" => menu(f, n, &mut e).map(BotChoice::Menu),
        "external" => {
            let url = BotUrl::parse(f.get("url"))
                .map_err(|x| e.add("url", x.to_string()))
                .ok();
            let timeout = bot::timeout_secs(f.get("timeout"))
                .map_err(|x| e.add("timeout", x.to_string()))
                .ok();
            url.zip(timeout)
                .map(|(url, timeout_secs)| BotChoice::External {
                    url,
                    timeout_secs,
                    new_secret: f.checked("new_secret"),
                })
        }
        _ => {
            e.add("kind", "Choose a kind of bot from the list.");
            None
        }
    };
    match out {
        Some(c) if e.is_empty() => Ok(c),
        _ => Err(e),
    }
}

fn describe(bot: Option<&StoredBot>) -> Section {
    Section::Text(match bot {
        None => "No bot: new conversations go straight to the routing rules.".into(),
        Some(StoredBot::Menu(m)) => format!(
            "The menu bot greets new conversations with {} options; an agent takes over after {} failed answers or when the customer writes {}.",
            m.options.len(),
            m.max_failures,
            m.human_keyword
        ),
        Some(StoredBot::External(e)) => format!(
            "New conversations go to the external bot at {} (timeout {} s). Its secret is set and not shown again.",
            e.url, e.timeout_secs
        ),
    })
}

fn bot_page(admin: &SignedIn, ws: &Workstream, bot: Option<&StoredBot>, form: FormModel) -> Page {
    page(admin, &format!("Bot: {}", ws.name))
        .with(describe(bot))
        .with(Section::Text(
            "While the bot has a conversation it is open but not offered to agents; its replies \
             are in the thread the agent sees after the hand-off."
                .into(),
        ))
        .with(Section::Form(form))
        .with(Section::Links(vec![
            Link {
                href: href(ws.id, "/context-variables"),
                text: "Context variables".into(),
            },
            Link {
                href: href(ws.id, ""),
                text: "Back to the workstream".into(),
            },
        ]))
}

async fn show(
    Admin(admin): Admin,
    id: web::Path<u64>,
    q: web::Query<SavedQuery>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let ws = load(&desk, *id).await?;
    let bot = desk.store().bot(ws.id).await?;
    let n = names(&desk, &ws).await?;
    let f = form(&ws, &admin.csrf).refill(&values(bot.as_ref(), &n), &FieldErrors::default());
    let mut p = bot_page(&admin, &ws, bot.as_ref(), f);
    if q.saved.is_some() {
        p.sections.insert(0, Section::Notice("Bot saved.".into()));
    }
    Ok(p.ok())
}

async fn save(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let ws = load(&desk, *id).await?;
    let n = names(&desk, &ws).await?;
    let errors = match choice(&f.form, &n) {
        Ok(c) => match desk.save_bot(ws.id, c).await? {
            Ok(None) => return Ok(redirect(&href(ws.id, "/bot?saved=1"))),
            Ok(Some(secret)) => {
                let bot = desk.store().bot(ws.id).await?;
                let form = form(&ws, &f.user.csrf)
                    .refill(&values(bot.as_ref(), &n), &FieldErrors::default());
                let mut p = bot_page(&f.user, &ws, bot.as_ref(), form);
                p.sections.insert(
                    0,
                    Section::Notice(
                        "Bot saved. Copy its secret now: it is shown only this once.".into(),
                    ),
                );
                p.sections.insert(
                    1,
                    Section::Info(vec![InfoRow {
                        label: "Secret".into(),
                        value: secret.expose().to_owned(),
                        copy: true,
                    }]),
                );
                return Ok(p.ok());
            }
            Err(BotRefusal::UnknownWorkstream) => return Err(PageError::NotFound),
            Err(r @ BotRefusal::SecretNeeded) => FieldErrors::one("new_secret", r.to_string()),
        },
        Err(e) => e,
    };
    let bot = desk.store().bot(ws.id).await?;
    let form = form(&ws, &f.user.csrf).refill(&f.form, &errors);
    Ok(bot_page(&f.user, &ws, bot.as_ref(), form).respond(StatusCode::UNPROCESSABLE_ENTITY))
}
