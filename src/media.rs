//! Inbound media: after the message is committed, each file is fetched in the background with the
//! credentials the account's provider adds (`Provider::authorize_media`: Twilio's Basic auth; only
//! to the provider's origin, never on a redirect), following redirects
//! only to the allowed hosts (`domain::media_origin`), refused past the size limit, written under
//! `<data dir>/media/`, and its outcome stored on the message (a failure is visible there). A file
//! that cannot be written (a full disk) is no failure of the media: it is retried with backoff and
//! stays pending meanwhile. Pending fetches are resumed at start-up.

use crate::live::{LiveEvent, LiveHub};
use crate::metrics::Metrics;
use crate::providers::Providers;
use crate::store::Store;
use crate::store::records::{MediaState, Message};
use crate::store::setup::AccountWithToken;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

mod resolve;
pub mod signed;

use crate::domain::Channel;
use crate::domain::attachment;
use crate::domain::automated::Trigger;
use crate::domain::media_origin::MediaPolicy;

/// Redirect hops followed at most (Twilio uses one).
const MAX_REDIRECTS: usize = 3;
/// The first pause before retrying a media file that could not be written or recorded; it doubles
/// up to `RETRY_MAX`.
const RETRY_FIRST: Duration = Duration::from_millis(250);
const RETRY_MAX: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct MediaFetcher {
    http: reqwest::Client,
    store: Store,
    live: LiveHub,
    metrics: Arc<Metrics>,
    max_bytes: u64,
    policy: Arc<MediaPolicy>,
    providers: Providers,
    dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
enum FetchError {
    #[error("media URL is not on the provider's hosts")]
    HostNotAllowed,
    #[error("the provider's redirect leads to a host that is not allowed")]
    RedirectNotAllowed,
    #[error("too many redirects")]
    TooManyRedirects,
    #[error("media is larger than the {0} byte limit")]
    TooLarge(u64),
    #[error("the provider answered {0}")]
    Status(reqwest::StatusCode),
    #[error("download failed: {0}")]
    Http(String),
    #[error("could not store the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Access(#[from] crate::providers::MediaAccessError),
}

impl MediaFetcher {
    pub fn new(
        store: Store,
        live: LiveHub,
        metrics: Arc<Metrics>,
        policy: MediaPolicy,
        max_bytes: u64,
        timeout: Duration,
        providers: Providers,
    ) -> Result<Self, reqwest::Error> {
        // Redirects are followed by hand (`get`), so each hop is checked and none carries the
        // account's credentials; names resolving inside the network are not connected to.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(resolve::PublicOnly::new(policy.base_host())))
            .timeout(timeout.max(Duration::from_secs(30)))
            .connect_timeout(timeout)
            .build()?;
        let dir = store.dir().join("media");
        Ok(Self {
            http,
            store,
            live,
            metrics,
            max_bytes,
            policy: Arc::new(policy),
            providers,
            dir,
        })
    }

    /// Fetches every pending item of `message` in the background (resumed at start-up).
    pub fn spawn(&self, message: Message, account: Option<AccountWithToken>) {
        let this = self.clone();
        actix::spawn(async move {
            this.fetch_all(&message, account, None).await;
        });
    }

    /// Fetches every pending item of `message`; on `channel` (when known) a type it does not
    /// accept is refused without fetching. Returns the automated message each refused file calls
    /// for (too big, unsupported type).
    pub async fn fetch_all(
        &self,
        message: &Message,
        account: Option<AccountWithToken>,
        channel: Option<Channel>,
    ) -> Vec<Trigger> {
        let mut refused = Vec::new();
        for (i, item) in message.media.iter().enumerate() {
            if item.state != MediaState::Pending {
                continue;
            }
            let state = match channel {
                Some(c) if !attachment::accepts_media_type(c, &item.content_type) => {
                    Metrics::inc(&self.metrics.media_failed_total);
                    refused.push(Trigger::UnsupportedType);
                    MediaState::Failed {
                        reason: format!("{c} does not accept {} files", item.content_type),
                    }
                }
                _ => {
                    let (state, too_big) = self
                        .fetch_until_settled(
                            message,
                            i,
                            &item.url,
                            &item.content_type,
                            account.as_ref(),
                        )
                        .await;
                    if too_big {
                        refused.push(Trigger::FileTooBig);
                    }
                    state
                }
            };
            if self.store_outcome(message, i, state).await {
                self.live.publish(LiveEvent::MessageStored {
                    conversation: message.conversation_id,
                    seq: message.seq,
                });
            }
        }
        refused
    }

    /// Marks every pending item of `message` failed with `reason` without fetching it (a
    /// workstream that does not take customers' files); the message's text stays.
    pub async fn refuse_all(&self, message: &Message, reason: &str) {
        let mut changed = false;
        for (i, item) in message.media.iter().enumerate() {
            if item.state != MediaState::Pending {
                continue;
            }
            Metrics::inc(&self.metrics.media_failed_total);
            let state = MediaState::Failed {
                reason: reason.to_owned(),
            };
            changed |= self.store_outcome(message, i, state).await;
        }
        if changed {
            self.live.publish(LiveEvent::MessageStored {
                conversation: message.conversation_id,
                seq: message.seq,
            });
        }
    }

    /// Fetches one item until it is stored or fails for a reason of its own (with whether it was
    /// too big). A failure to write
    /// the file (a full or failing disk) is ours, not the media's: it is retried with backoff, and
    /// the item stays pending meanwhile (also across a restart).
    async fn fetch_until_settled(
        &self,
        message: &Message,
        index: usize,
        url: &str,
        content_type: &str,
        account: Option<&AccountWithToken>,
    ) -> (MediaState, bool) {
        let mut delay = RETRY_FIRST;
        loop {
            match self
                .fetch_one(message, index, url, content_type, account)
                .await
            {
                Ok((file, bytes)) => {
                    Metrics::inc(&self.metrics.media_fetched_total);
                    return (MediaState::Stored { file, bytes }, false);
                }
                Err(FetchError::Io(e)) => {
                    Metrics::inc(&self.metrics.media_retries_total);
                    tracing::warn!(conversation = %message.conversation_id, seq = message.seq, error = %e, retry_ms = delay.as_millis() as u64, "a media file could not be written; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(RETRY_MAX);
                }
                Err(e) => {
                    Metrics::inc(&self.metrics.media_failed_total);
                    tracing::warn!(conversation = %message.conversation_id, seq = message.seq, error = %e, "media fetch failed");
                    let too_big = matches!(e, FetchError::TooLarge(_));
                    let reason = e.to_string();
                    return (MediaState::Failed { reason }, too_big);
                }
            }
        }
    }

    /// Stores the outcome of one item, retrying while the store is failing; true once stored.
    async fn store_outcome(&self, message: &Message, index: usize, state: MediaState) -> bool {
        let mut delay = RETRY_FIRST;
        loop {
            match self
                .store
                .set_media_state(message.conversation_id, message.seq, index, state.clone())
                .await
            {
                Ok(_) => return true,
                Err(e) if e.is_storage_failure() => {
                    tracing::warn!(error = %e, retry_ms = delay.as_millis() as u64, "storing a media outcome failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(RETRY_MAX);
                }
                Err(e) => {
                    tracing::error!(error = %e, "storing a media outcome failed");
                    return false;
                }
            }
        }
    }

    async fn fetch_one(
        &self,
        message: &Message,
        index: usize,
        url: &str,
        content_type: &str,
        account: Option<&AccountWithToken>,
    ) -> Result<(String, u64), FetchError> {
        let url = reqwest::Url::parse(url).map_err(|_| FetchError::HostNotAllowed)?;
        let own = account.is_some_and(|a| self.providers.for_account(a).serves_media(a, &url));
        if !own && !self.policy.allows_media_url(&url) {
            return Err(FetchError::HostNotAllowed);
        }
        let mut resp = self.get(url, account, own).await?;
        if !resp.status().is_success() {
            return Err(FetchError::Status(resp.status()));
        }
        if resp.content_length().is_some_and(|n| n > self.max_bytes) {
            return Err(FetchError::TooLarge(self.max_bytes));
        }
        let dir = self.dir.join(message.conversation_id.get().to_string());
        crate::files::create_private_dir_async(&dir).await?;
        let name = format!("{}-{}.{}", message.seq, index, extension(content_type));
        let tmp = dir.join(format!("{name}.part"));
        let written = self.download(&mut resp, &tmp).await;
        let total = match written {
            Ok(total) => total,
            Err(e) => {
                // A partial file only takes space (on a full disk, the space the retry needs).
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(e);
            }
        };
        tokio::fs::rename(&tmp, dir.join(&name)).await?;
        Ok((format!("{}/{}", message.conversation_id.get(), name), total))
    }

    /// Streams the body into `tmp` and syncs it; the caller removes `tmp` on failure.
    async fn download(
        &self,
        resp: &mut reqwest::Response,
        tmp: &std::path::Path,
    ) -> Result<u64, FetchError> {
        let mut file = crate::files::create_private(tmp).await?;
        let mut total = 0u64;
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| FetchError::Http(e.to_string()))?
        {
            total += chunk.len() as u64;
            if total > self.max_bytes {
                return Err(FetchError::TooLarge(self.max_bytes));
            }
            file.write_all(&chunk).await?;
        }
        file.sync_all().await?;
        Ok(total)
    }

    /// GETs `url` (already allowed), with the provider's credentials only where the policy sends
    /// them or on the account's own media endpoint (`own`), and follows at most `MAX_REDIRECTS`
    /// redirects to allowed hosts, without credentials.
    async fn get(
        &self,
        mut url: reqwest::Url,
        account: Option<&AccountWithToken>,
        own: bool,
    ) -> Result<reqwest::Response, FetchError> {
        let mut hops = 0;
        loop {
            let mut req = self.http.get(url.clone());
            let first_hop = hops == 0 && (own || self.policy.sends_credentials(&url));
            if let Some(a) = account.filter(|_| first_hop) {
                req = self
                    .providers
                    .for_account(a)
                    .authorize_media(a, &url, req)?;
            }
            let resp = req
                .send()
                .await
                .map_err(|e| FetchError::Http(e.to_string()))?;
            if !resp.status().is_redirection() {
                return Ok(resp);
            }
            let Some(location) = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
            else {
                return Err(FetchError::Status(resp.status()));
            };
            let next = url
                .join(location)
                .map_err(|_| FetchError::RedirectNotAllowed)?;
            if !self.policy.allows_redirect(&next) {
                return Err(FetchError::RedirectNotAllowed);
            }
            hops += 1;
            if hops > MAX_REDIRECTS {
                return Err(FetchError::TooManyRedirects);
            }
            url = next;
        }
    }
}

/// A file extension for a media type; unknown types are stored as `.bin`.
fn extension(content_type: &str) -> &'static str {
    crate::domain::attachment::describe(content_type).1
}
