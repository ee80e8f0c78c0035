//! Operator subcommands that work on the store directly (run them while the server is stopped:
//! the store file is locked by a running server). They configure what the admin console will.

use crate::config::Settings;
use crate::domain::account::AccountName;
use crate::domain::language::LanguageCode;
use crate::domain::template::TemplateText;
use crate::domain::template_name::TemplateName;
use crate::domain::workstream::WorkstreamName;
use crate::domain::{
    AccountId, AccountSid, Channel, ContentSid, NumberId, PhoneNumber, WorkstreamId,
};
use crate::metrics::Metrics;
use crate::secrets::{MasterKey, SecretString};
use crate::store::Store;
use crate::store::records::{DistributionMode, NumberKind, ProviderKind};
use crate::store::setup::{NewAccount, NewNumber};
use crate::store::templates::TemplateDraft;
use crate::store::workstreams::WorkstreamDraft;
use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Read;
use std::sync::Arc;

mod acs;
mod config_file;

/// The command line: server settings, and an optional operator subcommand.
#[derive(Debug, Parser)]
#[command(
    name = "omnidesk",
    version,
    about = "A self-hosted contact center for WhatsApp and SMS"
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Messaging accounts.
    #[command(subcommand)]
    Account(AccountCmd),
    /// Business sender numbers.
    #[command(subcommand)]
    Number(NumberCmd),
    /// Workstreams.
    #[command(subcommand)]
    Workstream(WorkstreamCmd),
    /// WhatsApp message templates.
    #[command(subcommand)]
    Template(TemplateCmd),
    /// Users who sign in to omnidesk.
    #[command(subcommand)]
    User(UserCmd),
    /// Every setting as one TOML file: export it, or import one as the desired state.
    #[command(subcommand)]
    Config(ConfigCmd),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Writes every settings table as TOML (no secrets), to standard output by default.
    Export {
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
    /// Makes each section of FILE the desired state; prints the changes first. A new Twilio
    /// account's auth token is asked for ("Auth token for NAME:") when standard input is a
    /// terminal; piped input gives `NAME = TOKEN` lines. An account left without its token
    /// is added disabled until the token is set in the admin console.
    Import {
        file: std::path::PathBuf,
        /// Only print what would change.
        #[arg(long)]
        dry_run: bool,
        /// Read one auth token a line from standard input, one per new account in file order.
        #[arg(long)]
        secrets_from_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Adds a user; the password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, supervisor or agent.
        #[arg(long)]
        role: String,
        /// Read the password from standard input (required: never pass it as an argument).
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ChannelArg {
    Sms,
    Whatsapp,
}

impl From<ChannelArg> for Channel {
    fn from(c: ChannelArg) -> Self {
        match c {
            ChannelArg::Sms => Channel::Sms,
            ChannelArg::Whatsapp => Channel::WhatsApp,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProviderArg {
    Twilio,
    Acs,
    Simulator,
}

#[derive(Debug, Subcommand)]
pub enum AccountCmd {
    /// Adds an account. Twilio: --channel sms|whatsapp --sid AC…, the auth token on standard
    /// input. Azure Communication Services (WhatsApp): --provider acs --resource R
    /// --event-grid-app-id A --event-grid-tenant-id T --channel NAME=CHANNEL-ID (repeatable), the
    /// connection string on standard input.
    Add {
        #[arg(long)]
        name: String,
        /// sms or whatsapp; for ACS, a WhatsApp channel as NAME=CHANNEL-ID (repeatable).
        #[arg(long, required = true)]
        channel: Vec<String>,
        #[arg(long, value_enum)]
        provider: Option<ProviderArg>,
        /// Account SID (AC + 32 hex digits); Twilio only.
        #[arg(long)]
        sid: Option<String>,
        /// Use the built-in Simulator instead of Twilio (the same as --provider simulator).
        #[arg(long)]
        simulator: bool,
        /// ACS resource name.
        #[arg(long)]
        resource: Option<String>,
        /// The Entra application (ID or App ID URI) Event Grid's tokens are issued for (`aud`).
        #[arg(long)]
        event_grid_app_id: Option<String>,
        /// The Entra tenant (GUID) that issues them.
        #[arg(long)]
        event_grid_tenant_id: Option<String>,
    },
    /// Lists accounts with their callback URLs.
    List,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    LongCode,
    ShortCode,
    TollFree,
    Whatsapp,
}

#[derive(Debug, Subcommand)]
pub enum NumberCmd {
    /// Adds a sender number to an account.
    Add {
        #[arg(long)]
        account: u64,
        /// The country code and number (e.g. +14155550100 or 14155550100), or a short code.
        #[arg(long)]
        number: String,
        #[arg(long, value_enum)]
        kind: KindArg,
        #[arg(long, default_value = "")]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum WorkstreamCmd {
    /// Adds a workstream serving the given numbers.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        channel: ChannelArg,
        /// Number ids, comma-separated.
        #[arg(long, value_delimiter = ',')]
        numbers: Vec<u64>,
        #[arg(long)]
        pick: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TemplateCmd {
    /// Adds a template with {{1}}… placeholders.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "en")]
        language: String,
        #[arg(long)]
        text: String,
        #[arg(long)]
        content_sid: Option<String>,
        #[arg(long, value_delimiter = ',')]
        workstreams: Vec<u64>,
    },
}

pub fn run(command: Command, settings: &Settings) -> anyhow::Result<()> {
    if let Command::Config(cmd) = command {
        return config_file::run(cmd, settings);
    }
    let (store, rt) = open_store(settings, "is the server running? stop it first")?;
    let result = rt.block_on(execute(command, &store, settings));
    drop(rt);
    store.close();
    result
}

/// The store of the data directory, and a runtime to drive it on this thread.
fn open_store(settings: &Settings, hint: &str) -> anyhow::Result<(Store, tokio::runtime::Runtime)> {
    let env_key = std::env::var("OMNIDESK_MASTER_KEY").ok();
    std::fs::create_dir_all(&settings.data_dir)?;
    let key = MasterKey::load_or_create(&settings.data_dir, env_key.as_deref())?;
    let store = Store::open(&settings.data_dir, key, Arc::new(Metrics::default()))
        .with_context(|| format!("opening the store ({hint})"))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok((store, rt))
}

async fn execute(command: Command, store: &Store, settings: &Settings) -> anyhow::Result<()> {
    let now = crate::clock::Clock::system().now();
    match command {
        Command::Config(_) => bail!("config commands do not run here"),
        Command::Account(AccountCmd::Add {
            name,
            channel,
            provider,
            sid,
            simulator,
            resource,
            event_grid_app_id,
            event_grid_tenant_id,
        }) => {
            let provider = match (provider, simulator) {
                (Some(ProviderArg::Simulator) | None, true) => ProviderArg::Simulator,
                (Some(_), true) => bail!("--simulator and --provider name two providers"),
                (p, false) => p.unwrap_or(ProviderArg::Twilio),
            };
            let name = AccountName::parse(&name)?;
            if provider == ProviderArg::Acs {
                if sid.is_some() {
                    bail!("--sid is for Twilio accounts");
                }
                let mut connection = String::new();
                std::io::stdin().read_to_string(&mut connection)?;
                let args = acs::AcsArgs {
                    resource,
                    event_grid_app_id,
                    event_grid_tenant_id,
                    channels: channel,
                };
                let account = acs::add(store, name, &args, &connection, now).await?;
                print_urls(settings, &account);
                return Ok(());
            }
            if resource.is_some() || event_grid_app_id.is_some() || event_grid_tenant_id.is_some() {
                bail!("--resource and --event-grid-* are for --provider acs");
            }
            let channel = match channel.as_slice() {
                [one] => ChannelArg::from_str(one, true)
                    .map_err(|_| anyhow::anyhow!("--channel must be sms or whatsapp"))?,
                _ => bail!("give one --channel, sms or whatsapp"),
            };
            let (provider, sid, token) = if provider == ProviderArg::Simulator {
                (ProviderKind::Simulator, None, None)
            } else {
                let sid = AccountSid::parse(sid.as_deref().unwrap_or(""))?;
                let mut token = String::new();
                std::io::stdin().read_to_string(&mut token)?;
                let token = token.trim();
                if token.is_empty() {
                    bail!("give the auth token on standard input");
                }
                (
                    ProviderKind::Twilio,
                    Some(sid),
                    Some(SecretString::new(token)),
                )
            };
            let account = store
                .create_account(
                    NewAccount {
                        name,
                        channel: channel.into(),
                        provider,
                        sid,
                        auth_token: token,
                    },
                    now,
                )
                .await??;
            println!("account {} created", account.id.get());
            print_urls(settings, &account);
        }
        Command::Account(AccountCmd::List) => {
            for a in store.accounts().await? {
                println!(
                    "{}\t{}\t{}\t{:?}",
                    a.id.get(),
                    a.name,
                    a.channel,
                    a.provider
                );
                print_urls(settings, &a);
            }
        }
        Command::Number(NumberCmd::Add {
            account,
            number,
            kind,
            name,
        }) => {
            let kind = match kind {
                KindArg::LongCode => NumberKind::LongCode,
                KindArg::ShortCode => NumberKind::ShortCode,
                KindArg::TollFree => NumberKind::TollFree,
                KindArg::Whatsapp => NumberKind::WhatsApp,
            };
            let n = store
                .add_number(NewNumber {
                    account_id: AccountId::new(account),
                    number: PhoneNumber::parse_typed(&number, kind.format())?.into(),
                    kind,
                    name,
                    description: String::new(),
                })
                .await??;
            println!("number {} added ({})", n.id.get(), n.number);
        }
        Command::Workstream(WorkstreamCmd::Add {
            name,
            channel,
            numbers,
            pick,
        }) => {
            let ws = store
                .create_workstream(WorkstreamDraft {
                    name: WorkstreamName::parse(&name)?,
                    channel: channel.into(),
                    mode: if pick {
                        DistributionMode::Pick
                    } else {
                        DistributionMode::Push
                    },
                    fallback_queue: None,
                    numbers: numbers.into_iter().map(NumberId::new).collect(),
                })
                .await??;
            println!("workstream {} added", ws.id.get());
        }
        Command::Template(TemplateCmd::Add {
            name,
            language,
            text,
            content_sid,
            workstreams,
        }) => {
            let t = store
                .create_template(TemplateDraft {
                    name: TemplateName::parse(&name)?,
                    language: LanguageCode::parse(&language)?,
                    text: TemplateText::parse(&text)?,
                    content_sid: content_sid.as_deref().map(ContentSid::parse).transpose()?,
                    variants: Vec::new(),
                    workstreams: workstreams.into_iter().map(WorkstreamId::new).collect(),
                    variables: Vec::new(),
                })
                .await??;
            println!("template {} added", t.id.get());
        }
        Command::User(UserCmd::Add {
            email,
            name,
            role,
            password_stdin,
        }) => {
            let email = crate::domain::user::Email::parse(&email).map_err(anyhow::Error::msg)?;
            let role = crate::domain::user::Role::parse(&role)
                .ok_or_else(|| anyhow::anyhow!("--role must be admin, supervisor or agent"))?;
            let name = name.trim().to_owned();
            if name.is_empty() || name.chars().count() > 100 {
                bail!("--name must be 1 to 100 characters");
            }
            if !password_stdin {
                bail!("give the password on standard input with --password-stdin");
            }
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\n', '\r']).to_owned();
            crate::domain::user::check_new_password(&password).map_err(anyhow::Error::msg)?;
            let hash = crate::auth::password::hash_now(&password)?;
            let user = store
                .add_user(
                    crate::store::users::NewUser {
                        email,
                        name,
                        role,
                        password_hash: hash,
                        capacity: 10,
                        languages: vec!["en".into()],
                    },
                    now,
                )
                .await??;
            println!(
                "user {} added ({}, {})",
                user.id.get(),
                user.email,
                user.role
            );
        }
    }
    Ok(())
}

fn print_urls(settings: &Settings, account: &crate::store::records::Account) {
    let base = settings.public_url();
    let key = account.webhook_key.as_str();
    match account.provider {
        ProviderKind::Acs => println!("  WhatsApp inbound URL: {base}/webhooks/acs/{key}"),
        ProviderKind::Twilio | ProviderKind::Simulator => {
            println!("  inbound URL (\"A message comes in\"): {base}/webhooks/twilio/{key}");
            println!("  status callback URL:                {base}/webhooks/twilio/{key}/status");
        }
    }
}
