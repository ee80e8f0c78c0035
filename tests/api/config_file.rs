//! `omnidesk config export` and `config import` on a stopped server's store: every kind of
//! setting survives the round trip, secrets never leave, and a bad file changes nothing.

use crate::helpers::*;
use crate::operations::omnidesk;
use omnidesk::domain::automated::{AutomatedText, Locale, OverrideKey, SwitchKey, Trigger};
use omnidesk::domain::bot::{BotUrl, MenuBot, MenuOption};
use omnidesk::domain::hours::{DayHours, Holiday, ZoneName};
use omnidesk::domain::language::LanguageCode;
use omnidesk::domain::queue::{AssignmentMethod, OverflowAction, OverflowCondition, OverflowRule};
use omnidesk::domain::quick_reply::QuickReplyText;
use omnidesk::domain::routing::{
    Condition, ContextValue, Keywords, MatchMode, Proficiency, RuleName, SkillName,
    SkillRequirement, VariableKind, VariableName,
};
use omnidesk::domain::user::{Email, Role};
use omnidesk::domain::workstream::QueueName;
use omnidesk::domain::{Channel, UserId};
use omnidesk::secrets::SecretString;
use omnidesk::store::Store;
use omnidesk::store::bots::BotDraft;
use omnidesk::store::context::ContextVariableDraft;
use omnidesk::store::hours::HoursInput;
use omnidesk::store::queues::QueueDraft;
use omnidesk::store::quick_replies::QuickReplyDraft;
use omnidesk::store::routing::RuleDraft;
use omnidesk::store::users::NewUser;
use std::path::Path;

async fn user(store: &Store, email: &str, role: Role) -> UserId {
    store
        .add_user(
            NewUser {
                email: Email::parse(email).unwrap(),
                name: email.split('@').next().unwrap().to_owned(),
                role,
                password_hash: omnidesk::auth::password::hash_now("a long password 1").unwrap(),
                capacity: 4,
                languages: vec!["en".into()],
            },
            START,
        )
        .await
        .unwrap()
        .unwrap()
        .id
}

/// A stopped app's data directory whose store holds the seeded users (same e-mails each time).
async fn store_with_users() -> (TestApp, UserId, UserId) {
    let app = spawn_app().await;
    let store = app.desk().store();
    let ann = user(store, "ann@example.com", Role::Agent).await;
    let bob = user(store, "bob@example.com", Role::Supervisor).await;
    (app, ann, bob)
}

/// Every kind of setting on top of the fixture's accounts, numbers, workstream and templates.
async fn seed_settings(app: &TestApp, ann: UserId, bob: UserId) {
    let store = app.desk().store();
    let ws = store.workstreams().await.unwrap()[0].id;
    let hours = store
        .create_hours(HoursInput {
            name: "Office".into(),
            time_zone: ZoneName::parse("America/New_York").unwrap(),
            week: std::array::from_fn(|d| DayHours {
                open: d < 5,
                from_minute: 9 * 60,
                to_minute: 17 * 60,
            }),
            holidays: vec![Holiday::parse("2026-12-25", "Christmas").unwrap()],
        })
        .await
        .unwrap()
        .unwrap();
    let spanish = store
        .create_skill(SkillName::parse("Spanish").unwrap())
        .await
        .unwrap()
        .unwrap();
    store
        .update_skill(
            spanish.id,
            spanish.name.clone(),
            vec![(ann, Some(Proficiency::new(7).unwrap()))],
        )
        .await
        .unwrap()
        .unwrap();
    let fallback = store
        .queues(ws)
        .await
        .unwrap()
        .into_iter()
        .find(|q| q.fallback)
        .unwrap();
    let billing = store
        .create_queue(
            ws,
            QueueDraft {
                name: QueueName::parse("Billing").unwrap(),
                priority: 5,
                method: AssignmentMethod::AdvancedRoundRobin,
                hours: Some(hours.id),
                overflow: vec![OverflowRule {
                    condition: OverflowCondition::MoreWaiting(3),
                    action: OverflowAction::TransferTo(fallback.id),
                }],
                members: vec![ann, bob],
            },
        )
        .await
        .unwrap()
        .unwrap();
    for (name, conditions) in [
        (
            "Refunds",
            vec![
                Condition::FirstMessage(Keywords::parse("refund, invoice").unwrap()),
                Condition::BusinessNumber(app.fx.wa_number.id),
            ],
        ),
        (
            "Spanish speakers",
            vec![Condition::Channel(Channel::WhatsApp)],
        ),
    ] {
        store
            .create_rule(
                ws,
                RuleDraft {
                    name: RuleName::parse(name).unwrap(),
                    conditions,
                    queue: Some(billing.id),
                    skills: vec![SkillRequirement {
                        skill: spanish.id,
                        min: Proficiency::new(5).unwrap(),
                    }],
                },
            )
            .await
            .unwrap()
            .unwrap();
    }
    store
        .set_skill_match_mode(ws, MatchMode::Closest)
        .await
        .unwrap();
    store
        .create_context_variable(
            ws,
            ContextVariableDraft {
                name: VariableName::parse("tier").unwrap(),
                kind: VariableKind::Text,
                default: Some(ContextValue::Text("basic".into())),
            },
        )
        .await
        .unwrap()
        .unwrap();
    store
        .create_quick_reply(QuickReplyDraft {
            title: "Thanks".into(),
            locale: LanguageCode::parse("en").unwrap(),
            message: QuickReplyText::parse("Thanks for writing!").unwrap(),
            tags: vec!["polite".into()],
            workstreams: vec![ws],
        })
        .await
        .unwrap()
        .unwrap();
    store
        .set_automated_override(
            OverrideKey {
                trigger: Trigger::Greeting,
                channel: Channel::WhatsApp,
                workstream: Some(ws),
                locale: Locale::parse("en").unwrap(),
            },
            AutomatedText::parse(Trigger::Greeting, "Hello, we will answer soon.").unwrap(),
            START,
        )
        .await
        .unwrap()
        .unwrap();
    store
        .set_automated_switch(
            SwitchKey {
                trigger: Trigger::Greeting,
                channel: Channel::WhatsApp,
                workstream: None,
            },
            true,
        )
        .await
        .unwrap()
        .unwrap();
    store
        .set_whatsapp_optout_keywords(omnidesk::domain::optout::parse_list("STOP, BAJA").unwrap())
        .await
        .unwrap();
}

/// A menu bot on the WhatsApp workstream, and an SMS workstream with an external bot.
async fn seed_bots(app: &TestApp) {
    let store = app.desk().store();
    let ws = store.workstreams().await.unwrap()[0].id;
    let billing = store
        .queues(ws)
        .await
        .unwrap()
        .into_iter()
        .find(|q| q.name.as_str() == "Billing")
        .unwrap()
        .id;
    let menu = MenuBot {
        greeting: "Hi! What is it about?".into(),
        options: vec![
            MenuOption {
                label: "Billing".into(),
                set: vec![(
                    VariableName::parse("tier").unwrap(),
                    ContextValue::Text("gold".into()),
                )],
                queue: Some(billing),
            },
            MenuOption {
                label: "Something else".into(),
                set: vec![],
                queue: None,
            },
        ],
        human_keyword: "human".into(),
        reprompt: "Sorry, answer with a number.".into(),
        max_failures: 3,
    };
    store
        .set_bot(ws, BotDraft::Menu(menu))
        .await
        .unwrap()
        .unwrap();
    let sms = app.sms_workstream().await;
    store
        .set_bot(
            sms,
            BotDraft::External {
                url: BotUrl::parse("https://bot.example.com/hook").unwrap(),
                timeout_secs: 7,
                secret: Some(SecretString::new(BOT_SECRET)),
            },
        )
        .await
        .unwrap()
        .unwrap();
}

const BOT_SECRET: &str = "bot-secret-0123456789abcdef";

pub(crate) fn export(dir: &Path) -> String {
    let (ok, out, err) = omnidesk(dir, &["config", "export"], "");
    assert!(ok, "{err}");
    out
}

pub(crate) fn import(dir: &Path, file: &Path, dry_run: bool) -> (bool, String, String) {
    let file = file.to_str().unwrap();
    let args: &[&str] = if dry_run {
        &["config", "import", file, "--dry-run"]
    } else {
        &["config", "import", file]
    };
    omnidesk(dir, args, "")
}

#[tokio::test]
async fn export_then_import_round_trips_every_setting_without_secrets() {
    let (app, ann, bob) = store_with_users().await;
    seed_settings(&app, ann, bob).await;
    seed_bots(&app).await;
    let dir = app.stop().await;
    let text = export(dir.path());
    for expected in [
        "[[accounts]]",
        WA_BUSINESS,
        "name = \"Office\"",
        "time_zone = \"America/New_York\"",
        "Christmas",
        "name = \"Billing\"",
        "priority = 5",
        "\"ann@example.com\"",
        "hours = \"Office\"",
        "transfer_to = \"WhatsApp support (default)\"",
        "name = \"Refunds\"",
        "Spanish = 7",
        "skill_match = \"Closest\"",
        "name = \"tier\"",
        "title = \"Thanks\"",
        "Hello, we will answer soon.",
        "BAJA",
        "order_update",
        "[workstreams.menu_bot]",
        "greeting = \"Hi! What is it about?\"",
        "tier = \"gold\"",
        "queue = \"Billing\"",
        "human_keyword = \"human\"",
        "[workstreams.external_bot]",
        "url = \"https://bot.example.com/hook\"",
        "timeout_secs = 7",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    let refunds = text.find("name = \"Refunds\"").unwrap();
    assert!(refunds < text.find("name = \"Spanish speakers\"").unwrap());
    for secret in [
        WA_TOKEN,
        SMS_TOKEN,
        "$argon2",
        "password_hash",
        "a long password 1",
        BOT_SECRET,
        "secret",
    ] {
        assert!(!text.contains(secret), "{secret} was exported");
    }
    let file = dir.path().join("config.toml");
    std::fs::write(&file, &text).unwrap();

    let (ok, out, err) = import(dir.path(), &file, true);
    assert!(ok, "{err}");
    assert!(out.contains("No changes."), "{out}");
    let (ok, out, err) = import(dir.path(), &file, false);
    assert!(ok, "{err}");
    assert!(out.contains("No changes."), "{out}");
    assert_eq!(export(dir.path()), text);

    // A fresh store with the same accounts and users becomes the same configuration.
    let (fresh, _, _) = store_with_users().await;
    let fresh = fresh.stop().await;
    let (ok, out, err) = import(fresh.path(), &file, true);
    assert!(ok, "{err}");
    assert!(out.contains("Dry run: nothing was changed."), "{out}");
    assert!(out.contains("add Office"), "{out}");
    assert!(out.contains("add Billing"), "{out}");
    assert!(out.contains("add Refunds"), "{out}");
    assert!(
        out.contains("bot of WhatsApp support:\n  add the menu bot"),
        "{out}"
    );
    assert!(
        out.contains("bot of SMS support:\n  add the external bot"),
        "{out}"
    );
    assert!(
        out.contains("the external bot of SMS support gets a new signing secret"),
        "{out}"
    );
    assert_ne!(export(fresh.path()), text, "a dry run changed the store");
    let (ok, out, err) = import(fresh.path(), &file, false);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("Applied."), "{out}");
    assert_eq!(export(fresh.path()), text);
}

#[tokio::test]
async fn a_file_with_a_bad_value_is_refused_with_its_line_and_changes_nothing() {
    let (app, ann, bob) = store_with_users().await;
    seed_settings(&app, ann, bob).await;
    seed_bots(&app).await;
    let dir = app.stop().await;
    let text = export(dir.path());
    let file = dir.path().join("config.toml");
    let cases = [
        ("priority = 5", "priority = 0", "priority", "from 1 to 1000"),
        (
            "\"ann@example.com\",",
            "\"nobody@example.com\",",
            "nobody",
            "no user nobody@example.com",
        ),
        (
            "hours = \"Office\"",
            "hours = \"Night\"",
            "Night",
            "no operating hours named Night",
        ),
        (
            "time_zone = \"America/New_York\"",
            "time_zone = \"Mars/Olympus\"",
            "Mars",
            "time zone",
        ),
        (
            "priority = 5",
            "priority = \"high\"",
            "high",
            "invalid type",
        ),
        (
            "timeout_secs = 7",
            "timeout_secs = 31",
            "timeout_secs",
            "from 1 to 30 seconds",
        ),
        (
            "tier = \"gold\"",
            "level = \"gold\"",
            "level",
            "no context variable level",
        ),
    ];
    for (from, to, marker, reason) in cases {
        let bad = text.replacen(from, to, 1);
        assert_ne!(bad, text, "{from} is in the export");
        let line = bad
            .lines()
            .position(|l| l.contains(marker))
            .map(|i| i + 1)
            .unwrap();
        std::fs::write(&file, &bad).unwrap();
        let (ok, out, err) = import(dir.path(), &file, false);
        assert!(!ok, "{to} was accepted: {out}");
        assert!(
            err.contains(&format!("line {line},")),
            "{to}: line {line}: {err}"
        );
        assert!(
            err.to_lowercase().contains(&reason.to_lowercase()),
            "{to}: {err}"
        );
        assert!(err.contains("nothing was changed"), "{err}");
        assert_eq!(export(dir.path()), text, "{to} changed the store");
    }
}

#[tokio::test]
async fn import_lists_what_it_adds_changes_and_removes_and_leaves_absent_sections() {
    let (app, ann, bob) = store_with_users().await;
    seed_settings(&app, ann, bob).await;
    let dir = app.stop().await;
    let file = dir.path().join("config.toml");
    std::fs::write(
        &file,
        "[[skills]]\nname = \"Billing\"\n\n[[hours]]\nname = \"Office\"\n\
         time_zone = \"Europe/Berlin\"\nweek = [\n"
            .to_owned()
            + &"  { open = true, from_minute = 480, to_minute = 960 },\n".repeat(7)
            + "]\n",
    )
    .unwrap();
    let (ok, _, err) = import(dir.path(), &file, true);
    assert!(!ok);
    assert!(
        err.contains("skills:\n  add Billing\n  remove Spanish"),
        "{err}"
    );
    assert!(err.contains("hours:\n  change Office"), "{err}");
    assert!(!err.contains("workstreams"), "{err}");
    // Spanish is required by two rules: the whole file is refused, with the reason.
    let before = export(dir.path());
    let (ok, _, err) = import(dir.path(), &file, false);
    assert!(!ok);
    assert!(
        err.contains("the skill Spanish cannot be removed: the routing rule Refunds of WhatsApp support requires it"),
        "{err}"
    );
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(export(dir.path()), before);
    // Without the removal it applies, and other sections are left alone.
    let kept = std::fs::read_to_string(&file).unwrap() + "\n[[skills]]\nname = \"Spanish\"\n";
    std::fs::write(&file, kept).unwrap();
    let (ok, out, err) = import(dir.path(), &file, false);
    assert!(ok, "{err}");
    assert!(out.contains("Applied."), "{out}");
    let text = export(dir.path());
    assert!(text.contains("Europe/Berlin"), "{text}");
    assert!(text.contains("name = \"Billing\""), "{text}");
    assert!(text.contains("name = \"Refunds\""), "{text}");
}

#[tokio::test]
async fn removing_a_queue_or_workstream_in_use_is_refused_with_the_reason() {
    let (app, ann, bob) = store_with_users().await;
    seed_settings(&app, ann, bob).await;
    let conv = app.customer_writes_wa("I want a refund").await;
    let placed = app
        .desk()
        .store()
        .placement(conv.id)
        .await
        .unwrap()
        .unwrap();
    let billing = app
        .desk()
        .store()
        .queue(placed.queue)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(billing.name.as_str(), "Billing");
    let dir = app.stop().await;
    let text = export(dir.path());
    let file = dir.path().join("config.toml");

    // Billing gone, and the rules that send to it.
    let start = text
        .find("[[workstreams.queues]]\nname = \"Billing\"")
        .unwrap();
    let rest = &text[start + 1..];
    let end = start
        + 1
        + [
            "[[workstreams.queues]]\n",
            "[[workstreams.rules]]",
            "[[workstreams.context",
        ]
        .iter()
        .filter_map(|t| rest.find(t))
        .min()
        .unwrap();
    let without_billing =
        format!("{}{}", &text[..start], &text[end..]).replace("queue = \"Billing\"\n", "");
    assert!(
        !without_billing.contains("\"Billing\""),
        "{without_billing}"
    );
    std::fs::write(&file, &without_billing).unwrap();
    let (ok, out, err) = import(dir.path(), &file, false);
    assert!(!ok, "{out}");
    assert!(
        err.contains(
            "the queue Billing of WhatsApp support cannot be removed: 1 conversation(s) wait in it"
        ),
        "{err}"
    );
    assert_eq!(export(dir.path()), text);

    std::fs::write(&file, "workstreams = []\n").unwrap();
    let (ok, out, err) = import(dir.path(), &file, true);
    assert!(!ok, "{out}");
    assert!(
        err.contains(
            "the workstream WhatsApp support cannot be removed: it has 1 open conversation(s)"
        ),
        "{err}"
    );
    assert_eq!(export(dir.path()), text);
}

#[tokio::test]
async fn a_new_account_takes_its_auth_token_from_standard_input_and_never_exports_it() {
    let (app, _, _) = store_with_users().await;
    let dir = app.stop().await;
    let file = dir.path().join("config.toml");
    let text = export(dir.path());
    let added = text.replacen(
        "[[accounts]]",
        "[[accounts]]\nname = \"Backup SMS\"\nchannel = \"Sms\"\nprovider = \"Twilio\"\n\
         sid = \"AC33333333333333333333333333333333\"\n\n[[accounts]]",
        1,
    );
    std::fs::write(&file, &added).unwrap();
    let path = file.to_str().unwrap();
    let (ok, out, err) = omnidesk(dir.path(), &["config", "import", path, "--dry-run"], "");
    assert!(ok, "{err}");
    assert!(
        out.contains("the new account Backup SMS stays disabled until its auth token is set"),
        "{out}"
    );
    assert_eq!(export(dir.path()), text);
    let (ok, out, err) = omnidesk(
        dir.path(),
        &["config", "import", path],
        "Backup SMS = backup-token-0123456789\n",
    );
    assert!(ok, "{err}");
    assert!(out.contains("accounts:\n  add Backup SMS"), "{out}");
    let after = export(dir.path());
    assert!(after.contains("name = \"Backup SMS\""), "{after}");
    assert!(!after.contains("backup-token"), "{after}");
    let (ok, out, _) = omnidesk(dir.path(), &["account", "list"], "");
    assert!(ok && out.contains("Backup SMS"), "{out}");
}

#[tokio::test]
async fn while_the_server_runs_both_commands_go_through_its_owner_only_control_socket() {
    use std::os::unix::fs::PermissionsExt;
    let (app, ann, bob) = store_with_users().await;
    seed_settings(&app, ann, bob).await;
    let dir = app.dir.path().to_owned();
    let socket = dir.join("control.sock");
    let mode = std::fs::metadata(&socket).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");

    let running = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || export(&dir)
    })
    .await
    .unwrap();
    assert!(running.contains("name = \"Billing\""), "{running}");
    let file = dir.join("config.toml");
    std::fs::write(
        &file,
        running.replace(
            "name = \"Spanish\"",
            "name = \"Spanish\"\n\n[[skills]]\nname = \"French\"",
        ),
    )
    .unwrap();
    let (ok, out, err) = tokio::task::spawn_blocking({
        let (dir, file) = (dir.clone(), file.clone());
        move || import(&dir, &file, false)
    })
    .await
    .unwrap();
    assert!(ok, "{err}");
    assert!(out.contains("skills:\n  add French"), "{out}");
    let skills = app.desk().store().skills().await.unwrap();
    assert!(
        skills.iter().any(|s| s.name.as_str() == "French"),
        "{skills:?}"
    );

    let dir = app.stop().await;
    let stopped = export(dir.path());
    assert!(stopped.contains("name = \"French\""), "{stopped}");
}
