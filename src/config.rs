//! Settings from flags and OMNIDESK_* environment variables, with defaults that serve on loopback
//! with the store in ./omnidesk-data.

use crate::domain::media_origin::{DEFAULT_REDIRECT_HOSTS, HostPattern, MediaPolicy};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address to listen on.
    #[arg(
        long,
        env = "OMNIDESK_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen: SocketAddr,
    /// Directory holding the store, the master key and media files.
    #[arg(
        long,
        env = "OMNIDESK_DATA_DIR",
        default_value = "./omnidesk-data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// The URL providers call (used for callback URLs and signature checks).
    #[arg(long, env = "OMNIDESK_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Base URL of Twilio's REST API (tests point this at a local fake).
    #[arg(
        long,
        env = "OMNIDESK_TWILIO_API_BASE",
        default_value = "https://api.twilio.com",
        global = true
    )]
    pub twilio_api_base: String,
    /// Microsoft Entra's authority: where the tenant's OpenID metadata and keys for Event Grid's
    /// delivery tokens are fetched (tests point this at a local fake).
    #[arg(
        long,
        env = "OMNIDESK_ENTRA_AUTHORITY",
        default_value = "https://login.microsoftonline.com",
        global = true
    )]
    pub entra_authority: String,
    /// Hosts inbound media downloads may be redirected to (named https hosts, `*.` for
    /// subdomains), comma-separated. Credentials never go with a redirect.
    #[arg(
        long,
        env = "OMNIDESK_MEDIA_REDIRECT_HOSTS",
        value_delimiter = ',',
        default_value = DEFAULT_REDIRECT_HOSTS,
        global = true
    )]
    pub media_redirect_hosts: Vec<HostPattern>,
    /// Timeout of one provider request, in milliseconds.
    #[arg(
        long,
        env = "OMNIDESK_PROVIDER_TIMEOUT_MS",
        default_value_t = 15_000,
        global = true
    )]
    pub provider_timeout_ms: u64,
    /// Largest inbound media file fetched, in bytes.
    #[arg(long, env = "OMNIDESK_MEDIA_MAX_BYTES", default_value_t = 5 * 1024 * 1024, global = true)]
    pub media_max_bytes: u64,
    /// Seconds a client has to send a request body once its headers arrived (uploads get more,
    /// in proportion to their allowed size). A slower client is answered 408 and disconnected.
    #[arg(
        long,
        env = "OMNIDESK_BODY_DEADLINE_SECS",
        default_value_t = 10,
        global = true
    )]
    pub body_deadline_secs: u64,
    /// Connections one client address may hold open at once (0 = no bound: set it when a
    /// reverse proxy makes every client share one address).
    #[arg(
        long,
        env = "OMNIDESK_MAX_CONNECTIONS_PER_ADDRESS",
        default_value_t = 256,
        global = true
    )]
    pub max_connections_per_address: usize,
    /// Total live streams allowed, in place of the bound derived from the open-file limit (tests).
    #[arg(skip)]
    pub live_streams_max: Option<usize>,
    /// HTTP worker threads (0 = one per core).
    #[arg(long, env = "OMNIDESK_WORKERS", default_value_t = 0, global = true)]
    pub workers: usize,
    /// Seed a demo admin, agent, Simulator numbers and workstreams when the store has no users.
    #[arg(long, env = "OMNIDESK_DEMO", global = true)]
    pub demo: bool,
    #[command(flatten)]
    pub pacing: Pacing,
    #[command(flatten)]
    pub presence: PresenceTimes,
    /// A fault switch in front of the store's file: the test and chaos hook, never a flag. With
    /// `None` (always, outside tests) the store opens its file directly.
    #[arg(skip)]
    pub storage_faults: Option<crate::store::Faults>,
}

/// When omnidesk decides an agent is gone (PRODUCT §4 "Inactive"; a conversation whose agent is
/// away goes back to the queue when the customer writes).
#[derive(Debug, Clone, Copy, Args)]
pub struct PresenceTimes {
    /// Minutes without an open workspace tab or any activity after which an agent is Inactive.
    #[arg(
        long = "inactive-after-minutes",
        env = "OMNIDESK_INACTIVE_AFTER_MINUTES",
        default_value_t = 10,
        global = true
    )]
    pub inactive_after_minutes: u32,
    /// Minutes an agent may be Offline or Inactive before a customer's new message sends their
    /// conversation back to the queue.
    #[arg(
        long = "away-after-minutes",
        env = "OMNIDESK_AWAY_AFTER_MINUTES",
        default_value_t = 5,
        global = true
    )]
    pub away_after_minutes: u32,
}

impl Default for PresenceTimes {
    fn default() -> Self {
        Self {
            inactive_after_minutes: 10,
            away_after_minutes: 5,
        }
    }
}

impl PresenceTimes {
    pub fn inactive_after(&self) -> Duration {
        Duration::from_secs(u64::from(self.inactive_after_minutes.max(1)) * 60)
    }

    pub fn away_after(&self) -> Duration {
        Duration::from_secs(u64::from(self.away_after_minutes) * 60)
    }
}

/// Messages per second per sender number, by number type (DESIGN.md: OutboxDispatcher).
#[derive(Debug, Clone, Copy, Args)]
pub struct Pacing {
    #[arg(
        long = "pace-long-code",
        env = "OMNIDESK_PACE_LONG_CODE",
        default_value_t = 1.0,
        global = true
    )]
    pub long_code: f64,
    #[arg(
        long = "pace-toll-free",
        env = "OMNIDESK_PACE_TOLL_FREE",
        default_value_t = 3.0,
        global = true
    )]
    pub toll_free: f64,
    #[arg(
        long = "pace-short-code",
        env = "OMNIDESK_PACE_SHORT_CODE",
        default_value_t = 100.0,
        global = true
    )]
    pub short_code: f64,
    #[arg(
        long = "pace-whatsapp",
        env = "OMNIDESK_PACE_WHATSAPP",
        default_value_t = 80.0,
        global = true
    )]
    pub whatsapp: f64,
}

/// The gap between two sends from one number, by number type: `Pacing` checked and inverted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intervals {
    pub long_code: Duration,
    pub toll_free: Duration,
    pub short_code: Duration,
    pub whatsapp: Duration,
}

/// A pacing rate that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "{flag} is {rate}: a pacing rate must be a positive number of messages per second, \
     at least one every {} years and at most {MAX_RATE} a second",
    MAX_GAP.as_secs() / (365 * 24 * 3600)
)]
pub struct PacingError {
    pub flag: &'static str,
    pub rate: f64,
}

/// The fastest pace accepted: a gap below a microsecond would be lost in scheduling.
const MAX_RATE: f64 = 1_000_000.0;
/// The slowest: a gap longer than this (about a century) is surely a typo, and bounds the
/// arithmetic of the schedule far from overflow.
const MAX_GAP: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

impl Pacing {
    /// The gap of each rate, or why a rate cannot be used (zero, negative, NaN, infinite, or too
    /// small or too large to schedule).
    pub fn intervals(&self) -> Result<Intervals, PacingError> {
        let gap = |flag: &'static str, rate: f64| {
            let err = PacingError { flag, rate };
            if !(rate.is_finite() && rate > 0.0 && rate <= MAX_RATE) {
                return Err(err);
            }
            match Duration::try_from_secs_f64(1.0 / rate) {
                Ok(d) if d <= MAX_GAP && !d.is_zero() => Ok(d),
                _ => Err(err),
            }
        };
        Ok(Intervals {
            long_code: gap("--pace-long-code", self.long_code)?,
            toll_free: gap("--pace-toll-free", self.toll_free)?,
            short_code: gap("--pace-short-code", self.short_code)?,
            whatsapp: gap("--pace-whatsapp", self.whatsapp)?,
        })
    }
}

impl Default for Pacing {
    fn default() -> Self {
        Self {
            long_code: 1.0,
            toll_free: 3.0,
            short_code: 100.0,
            whatsapp: 80.0,
        }
    }
}

impl Settings {
    /// Defaults for a given data directory, as if no flags were given (used by tests and tools).
    pub fn for_data_dir(data_dir: PathBuf) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir,
            public_url: None,
            twilio_api_base: "https://api.twilio.com".into(),
            entra_authority: "https://login.microsoftonline.com".into(),
            media_redirect_hosts: DEFAULT_REDIRECT_HOSTS
                .split(',')
                .filter_map(|h| HostPattern::parse(h).ok())
                .collect(),
            provider_timeout_ms: 15_000,
            media_max_bytes: 5 * 1024 * 1024,
            body_deadline_secs: 10,
            max_connections_per_address: 256,
            live_streams_max: None,
            workers: 0,
            demo: false,
            pacing: Pacing::default(),
            presence: PresenceTimes::default(),
            storage_faults: None,
        }
    }

    /// The public URL without a trailing slash; defaults to http:// + the listen address.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.listen),
        }
    }

    /// Where inbound media may be fetched from and redirected to.
    pub fn media_policy(&self) -> MediaPolicy {
        MediaPolicy::new(&self.twilio_api_base, self.media_redirect_hosts.clone())
    }

    pub fn body_deadline(&self) -> Duration {
        Duration::from_secs(self.body_deadline_secs.max(1))
    }

    pub fn provider_timeout(&self) -> Duration {
        Duration::from_millis(self.provider_timeout_ms.max(1))
    }

    /// Checks what clap cannot: URL shapes and positive rates.
    pub fn validate(&self) -> Result<(), String> {
        for (name, url) in [
            ("--public-url", self.public_url()),
            ("--twilio-api-base", self.twilio_api_base.clone()),
        ] {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!("{name} must start with http:// or https://"));
            }
        }
        self.pacing.intervals().map_err(|e| e.to_string())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_rates_have_exact_gaps() {
        let i = Pacing::default().intervals().unwrap();
        assert_eq!(i.long_code, Duration::from_secs(1));
        assert_eq!(i.whatsapp, Duration::from_micros(12_500));
        assert_eq!(i.short_code, Duration::from_millis(10));
        assert_eq!(i.toll_free, Duration::from_nanos(333_333_333));
    }

    #[test]
    fn unusable_rates_are_refused_with_the_flag_named() {
        for (rate, why) in [
            (0.0, "zero"),
            (-1.0, "negative"),
            (f64::NAN, "not a number"),
            (f64::INFINITY, "infinite"),
            (1e-300, "the gap overflows"),
            (1e-12, "the gap is over a century"),
            (1e12, "the gap is below a nanosecond"),
        ] {
            let p = Pacing {
                whatsapp: rate,
                ..Pacing::default()
            };
            let e = p.intervals().unwrap_err();
            assert_eq!(e.flag, "--pace-whatsapp", "{why}");
            assert!(
                e.to_string().starts_with("--pace-whatsapp is "),
                "{why}: {e}"
            );
        }
    }
}
