//! The `--demo` seed: on a store with no users yet, a demo admin and agent (with generated
//! passwords), Simulator accounts with one WhatsApp and one SMS number, and a workstream for each
//! with two queues (General, the fallback, and Billing, which a routing rule feeds with messages
//! about refunds and invoices), the greeting, agent-assigned and out-of-hours messages on, and
//! 24/7 operating hours with one holiday, and a menu bot on the SMS workstream — so the whole flow
//! can be tried at once with `/simulator` playing the customer. Uses only the store's public setup APIs.

use crate::domain::HoursId;
use crate::domain::account::AccountName;
use crate::domain::automated::{SwitchKey, Trigger};
use crate::domain::bot::{MenuBot, MenuOption};
use crate::domain::hours::{DayHours, END_OF_DAY, Holiday, ZoneName};
use crate::domain::queue::AssignmentMethod;
use crate::domain::routing::{Condition, Keywords, RuleName};
use crate::domain::user::{Email, Role};
use crate::domain::workstream::QueueName;
use crate::domain::workstream::WorkstreamName;
use crate::domain::{AccountId, Channel, PhoneNumber, Timestamp, UserId, WorkstreamId};
use crate::store::bots::BotDraft;
use crate::store::hours::HoursInput;
use crate::store::queues::{QueueDraft, QueueRefusal};
use crate::store::records::{DistributionMode, NumberKind, ProviderKind, SenderNumber};
use crate::store::routing::RuleDraft;
use crate::store::setup::{NewAccount, NewNumber, SetupError};
use crate::store::users::{NewUser, UserError};
use crate::store::workstreams::SetupChange;
use crate::store::workstreams::{WorkstreamDraft, WorkstreamRefusal};
use crate::store::{Store, StoreError};

pub const ADMIN_EMAIL: &str = "demo-admin@example.com";
pub const AGENT_EMAIL: &str = "demo-agent@example.com";
/// Account names are this plus the channel.
pub const ACCOUNT_NAME: &str = "Demo Simulator";
pub const WHATSAPP_NUMBER: &str = "+15550100100";
pub const SMS_NUMBER: &str = "+15550100200";
/// Random bytes in a generated password (hex-encoded, so twice as many characters).
const PASSWORD_BYTES: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the demo setup was refused: {0} (was an earlier demo seed interrupted?)")]
    Setup(#[from] SetupError),
    #[error("the demo workstream was refused: {0} (was an earlier demo seed interrupted?)")]
    Workstream(#[from] WorkstreamRefusal),
    #[error("the demo user was refused: {0}")]
    User(#[from] UserError),
    #[error("hashing a demo password failed")]
    Hash,
    #[error("the demo constant {0:?} does not parse")]
    Constant(&'static str),
    #[error("the demo queue was refused: {0}")]
    Queue(QueueRefusal),
    #[error("the demo routing was refused: {0}")]
    Rule(String),
}

/// A demo user's sign-in, shown once.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub email: String,
    pub password: String,
}

/// What the seed created.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub admin: DemoLogin,
    pub agent: DemoLogin,
    /// The WhatsApp and the SMS Simulator account, in that order.
    pub accounts: Vec<AccountId>,
    pub numbers: Vec<SenderNumber>,
    pub workstreams: Vec<WorkstreamId>,
}

/// Seeds the demo when the store has no users; `None` when it has some (nothing written).
///
/// An account has one channel (the store refuses an SMS number on a WhatsApp account), so "a
/// Simulator account with a WhatsApp and an SMS number" is two Simulator accounts, one per
/// channel, each with its number and workstream. The users are written last: if a seed is
/// interrupted the store still has no users, and the next start says which record is in the way.
pub async fn seed(store: &Store, now: Timestamp) -> Result<Option<Seeded>, DemoError> {
    if !store.users().await?.is_empty() {
        return Ok(None);
    }
    let mut accounts = Vec::new();
    let mut numbers = Vec::new();
    let mut workstreams = Vec::new();
    for (channel, number, kind, label) in [
        (
            Channel::WhatsApp,
            WHATSAPP_NUMBER,
            NumberKind::WhatsApp,
            "WhatsApp",
        ),
        (Channel::Sms, SMS_NUMBER, NumberKind::LongCode, "SMS"),
    ] {
        let account = store
            .create_account(
                NewAccount {
                    name: AccountName::parse(&format!("{ACCOUNT_NAME} ({label})"))
                        .map_err(|_| DemoError::Constant(ACCOUNT_NAME))?,
                    channel,
                    provider: ProviderKind::Simulator,
                    sid: None,
                    auth_token: None,
                },
                now,
            )
            .await??;
        let number = PhoneNumber::parse(number).map_err(|_| DemoError::Constant(number))?;
        let number = store
            .add_number(NewNumber {
                account_id: account.id,
                number: number.into(),
                kind,
                name: format!("Demo {label}"),
                description: "Created by --demo; play the customer at /simulator.".into(),
            })
            .await??;
        let name = format!("{label} demo");
        let ws = store
            .create_workstream(WorkstreamDraft {
                name: WorkstreamName::parse(&name).map_err(|_| DemoError::Constant(label))?,
                channel,
                mode: DistributionMode::Push,
                fallback_queue: None,
                numbers: vec![number.id],
            })
            .await??;
        accounts.push(account.id);
        numbers.push(number);
        workstreams.push(ws.id);
    }
    let admin = add_user(store, ADMIN_EMAIL, "Demo Admin", Role::Admin, now).await?;
    let agent = add_user(store, AGENT_EMAIL, "Demo Agent", Role::Agent, now).await?;
    let hours = demo_hours(store, now).await?;
    for ws in &workstreams {
        store.set_members(*ws, vec![agent.1]).await?;
        routing(store, *ws, agent.1, hours).await?;
    }
    if let Some(sms) = workstreams.get(1) {
        menu_bot(store, *sms).await?;
    }
    Ok(Some(Seeded {
        admin: admin.0,
        agent: agent.0,
        accounts,
        numbers,
        workstreams,
    }))
}

/// "Always open (demo)": every day all day, in UTC, closed on the next 25 December.
async fn demo_hours(store: &Store, now: Timestamp) -> Result<HoursId, DemoError> {
    let year = jiff::Timestamp::from_millisecond(now.as_millis())
        .map_or(2026, |t| t.to_zoned(jiff::tz::TimeZone::UTC).year());
    let christmas = |y: i16| jiff::civil::date(y, 12, 25);
    let today = jiff::Timestamp::from_millisecond(now.as_millis())
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
        .unwrap_or(christmas(year));
    let holiday = if today <= christmas(year) {
        christmas(year)
    } else {
        christmas(year.saturating_add(1))
    };
    let input = HoursInput {
        name: "Always open (demo)".into(),
        time_zone: ZoneName::parse("UTC").map_err(|_| DemoError::Constant("UTC"))?,
        week: std::array::from_fn(|_| DayHours {
            open: true,
            from_minute: 0,
            to_minute: END_OF_DAY,
        }),
        holidays: vec![
            Holiday::parse(&holiday.to_string(), "Christmas Day")
                .map_err(|_| DemoError::Constant("Christmas Day"))?,
        ],
    };
    match store.create_hours(input).await? {
        Ok(h) => Ok(h.id),
        Err(_) => Err(DemoError::Constant("Always open (demo)")),
    }
}

/// The workstream's queues, rule, hours and automated messages.
async fn routing(
    store: &Store,
    ws: WorkstreamId,
    agent: UserId,
    hours: HoursId,
) -> Result<(), DemoError> {
    let name = |s: &'static str| QueueName::parse(s).map_err(|_| DemoError::Constant(s));
    let queues = store.queues(ws).await?;
    if let Some(fallback) = queues.into_iter().find(|q| q.fallback) {
        let draft = QueueDraft {
            name: name("General")?,
            priority: fallback.priority,
            method: fallback.method,
            hours: None,
            overflow: Vec::new(),
            members: vec![agent],
        };
        store
            .update_queue(fallback.id, draft)
            .await?
            .map_err(DemoError::Queue)?;
    }
    let billing = store
        .create_queue(
            ws,
            QueueDraft {
                name: name("Billing")?,
                priority: 10,
                method: AssignmentMethod::HighestCapacity,
                hours: None,
                overflow: Vec::new(),
                members: vec![agent],
            },
        )
        .await?
        .map_err(DemoError::Queue)?;
    let keywords =
        Keywords::parse("refund, invoice").map_err(|_| DemoError::Constant("refund, invoice"))?;
    store
        .create_rule(
            ws,
            RuleDraft {
                name: RuleName::parse("Refunds and invoices")
                    .map_err(|_| DemoError::Constant("Refunds and invoices"))?,
                conditions: vec![Condition::FirstMessage(keywords)],
                queue: Some(billing.id),
                skills: Vec::new(),
            },
        )
        .await?
        .map_err(|e| DemoError::Rule(e.to_string()))?;
    let Some(workstream) = store.workstream(ws).await? else {
        return Ok(());
    };
    store
        .save_workstream_setup(
            ws,
            SetupChange::Behaviors {
                operation_hours: Some(hours),
                survey: None,
            },
        )
        .await??;
    // Files both ways, so the simulator shows attachments.
    store
        .save_workstream_setup(
            ws,
            SetupChange::Features(crate::domain::workstream::Attachments {
                customers: true,
                agents: true,
            }),
        )
        .await??;
    for trigger in [
        Trigger::Greeting,
        Trigger::AgentAssigned,
        Trigger::OutOfHours,
    ] {
        let key = SwitchKey {
            trigger,
            channel: workstream.channel,
            workstream: None,
        };
        store
            .set_automated_switch(key, true)
            .await?
            .map_err(|e| DemoError::Rule(e.to_string()))?;
    }
    Ok(())
}

/// The SMS workstream's menu bot: billing questions go to Billing, anything else to General.
async fn menu_bot(store: &Store, ws: WorkstreamId) -> Result<(), DemoError> {
    let queues = store.queues(ws).await?;
    let queue = |name: &str| {
        queues
            .iter()
            .find(|q| q.name.as_str() == name)
            .map(|q| q.id)
    };
    let bot = MenuBot {
        greeting: "Hi! This is the demo menu. What can we help you with?".into(),
        options: vec![
            MenuOption {
                label: "A bill or a refund".into(),
                set: Vec::new(),
                queue: queue("Billing"),
            },
            MenuOption {
                label: "Something else".into(),
                set: Vec::new(),
                queue: queue("General"),
            },
        ],
        human_keyword: "agent".into(),
        reprompt: "Sorry, I did not understand. Reply with the number of an option.".into(),
        max_failures: 2,
    };
    store
        .set_bot(ws, BotDraft::Menu(bot))
        .await?
        .map_err(|e| DemoError::Rule(e.to_string()))
}

async fn add_user(
    store: &Store,
    email: &'static str,
    name: &str,
    role: Role,
    now: Timestamp,
) -> Result<(DemoLogin, UserId), DemoError> {
    let mut bytes = [0u8; PASSWORD_BYTES];
    crate::secrets::fill_random(&mut bytes);
    let password = hex::encode(bytes);
    let to_hash = password.clone();
    // argon2 takes tens of milliseconds of CPU: keep it off the async threads.
    let hash = tokio::task::spawn_blocking(move || crate::auth::password::hash_now(&to_hash))
        .await
        .map_err(|_| DemoError::Hash)?
        .map_err(|_| DemoError::Hash)?;
    let user = store
        .add_user(
            NewUser {
                email: Email::parse(email).map_err(|_| DemoError::Constant(email))?,
                name: name.into(),
                role,
                password_hash: hash,
                capacity: 10,
                languages: vec!["en".into()],
            },
            now,
        )
        .await??;
    let login = DemoLogin {
        email: email.into(),
        password,
    };
    Ok((login, user.id))
}

/// Seeds (see `seed`) and prints the demo sign-ins on stderr, the only place they are shown.
pub async fn seed_and_announce(store: &Store, now: Timestamp) -> Result<(), DemoError> {
    match seed(store, now).await? {
        Some(s) => {
            tracing::warn!("demo data seeded; the demo sign-ins are printed on stderr");
            eprintln!(
                "\nomnidesk demo: sign in with (shown only this once)\n  admin  {}  {}\n  agent  {}  {}\n\
                 Play the customer at /simulator (WhatsApp {WHATSAPP_NUMBER}, SMS {SMS_NUMBER}).\n",
                s.admin.email, s.admin.password, s.agent.email, s.agent.password
            );
        }
        None => tracing::info!("--demo: the store already has users; nothing seeded"),
    }
    Ok(())
}
