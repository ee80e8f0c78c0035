//! Building and running the application: open the store, recover every actor from it (overdue
//! window deadlines flip before serving), bind the listener (port 0 in tests), serve.

use crate::actors::Shared;
use crate::actors::messages::Recover;
use crate::actors::outbox::{OutboxConfig, OutboxDispatcher};
use crate::actors::registry::ConversationRegistry;
use crate::actors::scheduler::{Attach, Scheduler};
use crate::app::Desk;
use crate::auth::AuthState;
use crate::clock::Clock;
use crate::config::Settings;
use crate::fdlimit::FileBudget;
use crate::live::LiveHub;
use crate::media::MediaFetcher;
use crate::metrics::Metrics;
use crate::providers::Providers;
use crate::providers::acs::provider::AcsProvider;
use crate::providers::acs::{AcsClient, EntraValidator};
use crate::providers::simulator::Simulator;
use crate::providers::twilio::TwilioClient;
use crate::secrets::MasterKey;
use crate::store::Store;
use crate::store::conversations::Flip;
use crate::web::agent::streams::{self, StreamSlots};
use crate::web::connections::PerAddress;
use crate::web::limits::{BodyDeadlines, BodyLimits, MAX_PENDING_PER_ADDRESS, PendingBodies};
use crate::web::webhooks::throttle::WebhookThrottle;
use actix::Actor;
use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use std::sync::Arc;

/// A client has this long to send its request line and headers (actix's default, kept explicit).
const HEADER_DEADLINE: std::time::Duration = std::time::Duration::from_secs(5);

pub struct Application {
    port: u16,
    server: Server,
    desk: Desk,
    auth: AuthState,
}

impl Application {
    /// Must run inside an actix `System` (the binary's main, or `spawn_in_thread`).
    pub async fn build(settings: Settings, clock: Clock) -> anyhow::Result<Self> {
        settings.validate().map_err(anyhow::Error::msg)?;
        let listener = crate::web::connections::bind(settings.listen)
            .with_context(|| format!("binding {}", settings.listen))?;
        let bound = listener.local_addr()?;
        let mut settings = settings;
        if settings.public_url.is_none() {
            settings.public_url = Some(format!("http://{bound}"));
        }
        let settings = Arc::new(settings);
        crate::files::create_private_dir(&settings.data_dir)
            .with_context(|| format!("creating {}", settings.data_dir.display()))?;
        let env_key = std::env::var("OMNIDESK_MASTER_KEY").ok();
        let key = MasterKey::load_or_create(&settings.data_dir, env_key.as_deref())?;
        let metrics = Arc::new(Metrics::default());
        let auth = AuthState::new(
            key.derive("omnidesk pre-session csrf"),
            settings.public_url().starts_with("https://"),
        );
        let store = Store::open_with_faults(
            &settings.data_dir,
            key,
            metrics.clone(),
            settings.storage_faults.clone(),
        )?;
        crate::files::tighten_tree(&settings.data_dir).context("tightening the data directory")?;
        if settings.demo {
            crate::demo::seed_and_announce(&store, clock.now()).await?;
        }
        if !store.has_admin().await? {
            let token = auth.issue_setup_token();
            let url = format!("{}/setup?token={token}", settings.public_url());
            tracing::warn!("no admin exists yet; the one-time setup link is printed on stderr");
            eprintln!(
                "\nomnidesk has no admin yet. Create the first one here (works once):\n  {url}\n"
            );
        }
        let desk = recover(store, clock, metrics, settings.clone()).await?;
        if let Err(e) = crate::control::listen(desk.clone(), &settings.data_dir) {
            tracing::warn!(error = %e, "no control socket: config commands need the server stopped");
        }

        let port = bound.port();
        let budget = FileBudget::raise();
        let workers = match settings.workers {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        };
        tracing::info!(
            open_files = budget.limit,
            connections = budget.connections,
            live_streams = budget.live_streams,
            "connection budget"
        );
        let data = web::Data::new(desk.clone());
        let auth_data = web::Data::new(auth.clone());
        let limits = web::Data::new(BodyLimits {
            deadlines: BodyDeadlines {
                base: settings.body_deadline(),
                upload_bytes: crate::domain::attachment::MAX_BYTES,
            },
            pending: PendingBodies::new(budget.connections / 4),
            max_pending_per_address: MAX_PENDING_PER_ADDRESS,
        });
        let slots = web::Data::new(StreamSlots::new(
            settings.live_streams_max.unwrap_or(budget.live_streams),
            streams::PER_SESSION,
        ));
        let webhook_throttle = web::Data::new(WebhookThrottle::default());
        let survey_throttle =
            web::Data::new(crate::web::survey::throttle::SurveyThrottle::default());
        let https = settings.public_url().starts_with("https://");
        let per_address = PerAddress::new(settings.max_connections_per_address);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(auth_data.clone())
                .app_data(limits.clone())
                .app_data(slots.clone())
                .app_data(webhook_throttle.clone())
                .app_data(survey_throttle.clone())
                .wrap(actix_web::middleware::from_fn(
                    crate::web::auth::time_zone::scope,
                ))
                .wrap(actix_web::middleware::from_fn(crate::web::limits::guard))
                .wrap(crate::web::security_headers(https))
                .configure(crate::web::routes)
        })
        .on_connect(move |conn, data| per_address.on_connect(conn, data))
        // A closed browser tab ends its live stream at once instead of at the next write.
        .h1_allow_half_closed(false)
        .client_request_timeout(HEADER_DEADLINE)
        .max_connections(budget.connections_per_worker(workers))
        .workers(workers)
        .listen(listener)?;
        let server = server.run();
        Ok(Self {
            port,
            server,
            desk,
            auth,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn desk(&self) -> &Desk {
        &self.desk
    }

    pub fn auth(&self) -> &AuthState {
        &self.auth
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Rebuilds the live parts from the store: outbox jobs, conversation actors with their window
/// timers (overdue deadlines flip first), workstream queues, pending media fetches.
async fn recover(
    store: Store,
    clock: Clock,
    metrics: Arc<Metrics>,
    settings: Arc<Settings>,
) -> anyhow::Result<Desk> {
    let live = LiveHub::new(metrics.clone());
    let twilio = TwilioClient::new(&settings.twilio_api_base, settings.provider_timeout())?;
    let (simulator, status_reports) = Simulator::new(clock.clone());
    let acs_client = AcsClient::new(settings.provider_timeout(), clock.clone())?;
    let acs = AcsProvider::new(acs_client, clock.clone());
    let acs_tokens = EntraValidator::new(&settings.entra_authority, clock.clone())
        .map_err(anyhow::Error::msg)?;
    let providers = Providers::new(twilio, Arc::new(simulator), acs, acs_tokens);
    let jobs = store.pending_jobs_now()?;
    let job_count = jobs.len();
    let outbox = OutboxDispatcher::new(
        store.clone(),
        clock.clone(),
        metrics.clone(),
        live.clone(),
        OutboxConfig {
            providers: providers.clone(),
            public_url: settings.public_url(),
            intervals: settings.pacing.intervals()?,
            provider_timeout: settings.provider_timeout(),
        },
        jobs,
    )
    .start();
    let open = store.open_conversations_now()?;
    let roster = roster(&store, &open, clock.now()).await?.start_with(
        live.clone(),
        clock.clone(),
        settings.presence.inactive_after(),
    );
    let (notices, queue_notices) = crate::actors::notices::Notices::channel();
    let shared = Shared {
        store: store.clone(),
        clock: clock.clone(),
        live: live.clone(),
        metrics: metrics.clone(),
        outbox,
        roster,
        notices,
    };
    let scheduler = Scheduler::new(shared.clone()).start();
    let registry = ConversationRegistry::new(shared.clone(), scheduler.clone()).start();
    scheduler.do_send(Attach(registry.clone()));
    shared
        .roster
        .do_send(crate::actors::roster::AttachScheduler(scheduler.clone()));
    shared.roster.do_send(crate::actors::roster::AttachPump(
        registry.clone().recipient(),
    ));

    // Windows that closed while omnidesk was down flip before it serves (in batches), then every
    // open conversation's deadlines go to the scheduler; no conversation actor is started.
    let overdue: Vec<_> = open
        .iter()
        .filter(|c| {
            c.window_expires_at
                .is_some_and(|at| at <= clock.now() && !c.template_only)
        })
        .map(|c| c.id)
        .collect();
    let mut flipped_now = std::collections::HashMap::new();
    for chunk in overdue.chunks(5_000) {
        for (id, flip) in store.flip_windows(chunk.to_vec(), clock.now()).await? {
            if let Flip::Flipped(c) = flip {
                Metrics::inc(&metrics.window_flips_total);
                flipped_now.insert(id, c);
            }
        }
    }
    let flipped = flipped_now.len();
    let workstreams: std::collections::HashMap<_, _> = store
        .workstreams()
        .await?
        .into_iter()
        .map(|w| (w.id, w.distribution))
        .collect();
    // Conversations a bot holds are not handed to the supervisors; the bot gets them again.
    let mut held = store.bot_holds_now()?;
    let mut held_ids: std::collections::HashSet<_> = held.iter().map(|(id, _)| *id).collect();
    // Conversations a stop left unrouted are classified (or given to their bot) first.
    let taken = crate::app::unrouted::route_unrouted(&store, clock.now(), &open, &held_ids).await;
    held_ids.extend(taken.iter().map(|(id, _)| *id));
    held.extend(taken);
    for c in &open {
        let conversation = flipped_now.remove(&c.id).unwrap_or_else(|| c.clone());
        let (minutes, wrap_up) = conversation
            .workstream_id
            .and_then(|w| workstreams.get(&w))
            .map_or(
                (24 * 60, crate::domain::workstream::WrapUp::DontBlock),
                |d| (d.auto_close_minutes, d.wrap_up),
            );
        let idle_at = crate::domain::lifecycle::next(
            conversation.state,
            conversation.updated_at,
            minutes,
            wrap_up,
            clock.now(),
        )
        .map(|(at, _)| at);
        registry.do_send(Recover {
            held: held_ids.contains(&conversation.id),
            conversation,
            idle_at,
        });
    }

    let media = MediaFetcher::new(
        store.clone(),
        live,
        metrics,
        settings.media_policy(),
        settings.media_max_bytes,
        settings.provider_timeout(),
        providers.clone(),
    )?;
    let pending_media = store.pending_media_now()?;
    for message in &pending_media {
        let account = match store.conversation(message.conversation_id).await? {
            Some(c) => store.account_with_token(c.account_id).await?,
            None => None,
        };
        media.spawn(message.clone(), account);
    }
    tracing::info!(
        conversations = open.len(),
        flipped,
        outbox_jobs = job_count,
        media_fetches = pending_media.len(),
        "recovered from the store"
    );
    let desk = Desk::new(shared, registry, media, settings, providers, scheduler);
    let reporting = desk.clone();
    status_reports.spawn(move |s| {
        let desk = reporting.clone();
        async move { desk.apply_simulated(s).await }
    });
    desk.clone().serve_queue_notices(queue_notices);
    desk.redeliver_to_bots(held).await;
    desk.mark_ready();
    Ok(desk)
}

/// What the roster starts from: every active user's stored presence and capacity, and the
/// capacity ledger.
struct RosterSeed {
    agents: Vec<(
        crate::domain::UserId,
        crate::domain::presence::Presence,
        u32,
    )>,
    holds: Vec<crate::actors::roster::SeedHold>,
}

impl RosterSeed {
    fn start_with(
        self,
        live: LiveHub,
        clock: Clock,
        inactive_after: std::time::Duration,
    ) -> actix::Addr<crate::actors::roster::AgentRoster> {
        crate::actors::roster::AgentRoster::new(
            self.agents,
            self.holds,
            live,
            clock,
            inactive_after,
        )
        .start()
    }
}

async fn roster(
    store: &Store,
    open: &[crate::store::records::Conversation],
    now: crate::domain::Timestamp,
) -> anyhow::Result<RosterSeed> {
    use crate::domain::presence::Presence;
    use crate::store::assignment::Hold;
    let presences: std::collections::HashMap<_, _> = store.presences_now()?.into_iter().collect();
    let agents = store
        .users()
        .await?
        .into_iter()
        .filter(|u| !u.disabled)
        .map(|u| {
            let p = presences.get(&u.id).copied().unwrap_or(Presence::Offline);
            (u.id, p, u.capacity)
        })
        .collect();
    // Migration: conversations assigned before the ledger existed hold what their workstream's
    // capacity said; store those holds once, then the ledger is the truth.
    let stored: std::collections::HashSet<_> =
        store.holds_now()?.into_iter().map(|(c, _)| c).collect();
    let workstreams: std::collections::HashMap<_, _> = store
        .workstreams()
        .await?
        .into_iter()
        .map(|w| (w.id, w))
        .collect();
    let missing: Vec<_> = open
        .iter()
        .filter(|c| !stored.contains(&c.id))
        .filter_map(|c| {
            let agent = c.agent?;
            let ws = workstreams.get(&c.workstream_id?)?;
            let holds = crate::domain::lifecycle::holds_capacity(
                c.state,
                c.updated_at,
                ws.distribution.wrap_up,
                now,
            );
            holds.then_some((
                c.id,
                Hold {
                    agent,
                    units: ws.distribution.capacity.max(1),
                },
            ))
        })
        .collect();
    if !missing.is_empty() {
        tracing::info!(
            count = missing.len(),
            "storing capacity holds of earlier assignments"
        );
        store.backfill_holds(missing).await?;
    }
    let holds = store
        .holds_now()?
        .into_iter()
        .map(|(conversation, h)| crate::actors::roster::SeedHold {
            conversation,
            agent: h.agent,
            units: h.units,
        })
        .collect();
    Ok(RosterSeed { agents, holds })
}

/// An application running on its own thread with its own actix System: what tests and the load
/// tool start, stop, and start again on the same data directory.
pub struct RunningApp {
    pub port: u16,
    pub desk: Desk,
    pub auth: AuthState,
    handle: ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RunningApp {
    pub fn start(settings: Settings, clock: Clock) -> anyhow::Result<Self> {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("omnidesk-app".into())
            .spawn(move || {
                let system = actix_web::rt::System::new();
                let store = system.block_on(async move {
                    match Application::build(settings, clock).await {
                        Ok(app) => {
                            let store = app.desk().store().clone();
                            let started = (
                                app.port(),
                                app.desk().clone(),
                                app.auth().clone(),
                                app.handle(),
                            );
                            let _ = tx.send(Ok(started));
                            if let Err(e) = app.run_until_stopped().await {
                                tracing::error!(error = %e, "server stopped with an error");
                            }
                            Some(store)
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            None
                        }
                    }
                });
                drop(system);
                // Every actor is gone with the System; wait for the writer so the file is closed.
                if let Some(store) = store {
                    store.close();
                }
            })?;
        let (port, desk, auth, handle) = rx
            .recv()
            .context("the application thread ended before starting")??;
        Ok(Self {
            port,
            desk,
            auth,
            handle,
            thread: Some(thread),
        })
    }

    pub fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops serving, drops every actor and closes the store.
    pub async fn stop(mut self) {
        self.handle.stop(true).await;
        let thread = self.thread.take();
        drop(self.desk);
        if let Some(t) = thread {
            let _ = tokio::task::spawn_blocking(move || t.join()).await;
        }
    }
}
