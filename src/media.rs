//! Inbound media: after the message is committed, each file is fetched in the background with the
//! account's Basic auth, following redirects only to the provider's hosts, refused past the size
//! limit, written under `<data dir>/media/`, and its outcome stored on the message (a failure is
//! visible there). A file that cannot be written (a full disk) is no failure of the media: it is
//! retried with backoff and stays pending meanwhile. Pending fetches are resumed at start-up.

use crate::live::{LiveEvent, LiveHub};
use crate::metrics::Metrics;
use crate::providers::Credentials;
use crate::store::Store;
use crate::store::records::{MediaState, Message};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

const MAX_REDIRECTS: usize = 5;
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
    allowed: Arc<AllowedHosts>,
    dir: PathBuf,
}

/// The hosts media may come from: Twilio's API and CDN, and the configured API base.
#[derive(Debug)]
pub struct AllowedHosts {
    exact: Vec<String>,
    suffixes: Vec<&'static str>,
}

impl AllowedHosts {
    pub fn for_api_base(api_base: &str) -> Self {
        let mut exact = vec!["api.twilio.com".to_owned()];
        if let Some(h) = reqwest::Url::parse(api_base)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        {
            exact.push(h);
        }
        Self {
            exact,
            suffixes: vec![".twilio.com", ".twiliocdn.com"],
        }
    }

    pub fn allows(&self, url: &reqwest::Url) -> bool {
        let scheme_ok = matches!(url.scheme(), "https" | "http");
        let Some(host) = url.host_str().map(str::to_ascii_lowercase) else {
            return false;
        };
        scheme_ok && (self.exact.contains(&host) || self.suffixes.iter().any(|s| host.ends_with(s)))
    }
}

#[derive(Debug, thiserror::Error)]
enum FetchError {
    #[error("media URL is not on the provider's hosts")]
    HostNotAllowed,
    #[error("media is larger than the {0} byte limit")]
    TooLarge(u64),
    #[error("the provider answered {0}")]
    Status(reqwest::StatusCode),
    #[error("download failed: {0}")]
    Http(String),
    #[error("could not store the file: {0}")]
    Io(#[from] std::io::Error),
}

impl MediaFetcher {
    pub fn new(
        store: Store,
        live: LiveHub,
        metrics: Arc<Metrics>,
        api_base: &str,
        max_bytes: u64,
        timeout: Duration,
    ) -> Result<Self, reqwest::Error> {
        let allowed = Arc::new(AllowedHosts::for_api_base(api_base));
        let policy_hosts = allowed.clone();
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                attempt.error("too many redirects")
            } else if policy_hosts.allows(attempt.url()) {
                attempt.follow()
            } else {
                attempt.error("redirect to a host that is not the provider's")
            }
        });
        let http = reqwest::Client::builder()
            .redirect(policy)
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
            allowed,
            dir,
        })
    }

    /// Fetches every pending item of `message` in the background.
    pub fn spawn(&self, message: Message, credentials: Option<Credentials>) {
        let this = self.clone();
        actix::spawn(async move { this.fetch_all(message, credentials).await });
    }

    async fn fetch_all(&self, message: Message, credentials: Option<Credentials>) {
        for (i, item) in message.media.iter().enumerate() {
            if item.state != MediaState::Pending {
                continue;
            }
            let state = self
                .fetch_until_settled(&message, i, &item.url, &item.content_type, &credentials)
                .await;
            if self.store_outcome(&message, i, state).await {
                self.live.publish(LiveEvent::MessageStored {
                    conversation: message.conversation_id,
                    seq: message.seq,
                });
            }
        }
    }

    /// Fetches one item until it is stored or fails for a reason of its own. A failure to write
    /// the file (a full or failing disk) is ours, not the media's: it is retried with backoff, and
    /// the item stays pending meanwhile (also across a restart).
    async fn fetch_until_settled(
        &self,
        message: &Message,
        index: usize,
        url: &str,
        content_type: &str,
        credentials: &Option<Credentials>,
    ) -> MediaState {
        let mut delay = RETRY_FIRST;
        loop {
            match self
                .fetch_one(message, index, url, content_type, credentials)
                .await
            {
                Ok((file, bytes)) => {
                    Metrics::inc(&self.metrics.media_fetched_total);
                    return MediaState::Stored { file, bytes };
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
                    return MediaState::Failed {
                        reason: e.to_string(),
                    };
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
        credentials: &Option<Credentials>,
    ) -> Result<(String, u64), FetchError> {
        let url = reqwest::Url::parse(url).map_err(|_| FetchError::HostNotAllowed)?;
        if !self.allowed.allows(&url) {
            return Err(FetchError::HostNotAllowed);
        }
        let mut req = self.http.get(url);
        if let Some(c) = credentials {
            req = req.basic_auth(&c.account_sid, Some(c.auth_token.expose()));
        }
        let mut resp = req
            .send()
            .await
            .map_err(|e| FetchError::Http(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(FetchError::Status(resp.status()));
        }
        if resp.content_length().is_some_and(|n| n > self.max_bytes) {
            return Err(FetchError::TooLarge(self.max_bytes));
        }
        let dir = self.dir.join(message.conversation_id.get().to_string());
        tokio::fs::create_dir_all(&dir).await?;
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
        let mut file = tokio::fs::File::create(tmp).await?;
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
}

/// A file extension for a media type; unknown types are stored as `.bin`.
fn extension(content_type: &str) -> &'static str {
    match content_type.split(';').next().unwrap_or("").trim() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "audio/mpeg" => "mp3",
        "audio/ogg" => "ogg",
        "audio/amr" => "amr",
        "video/mp4" => "mp4",
        "application/pdf" => "pdf",
        "text/csv" => "csv",
        "text/vcard" => "vcf",
        _ => "bin",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_provider_hosts_are_allowed() {
        let a = AllowedHosts::for_api_base("http://127.0.0.1:4000");
        let ok = [
            "https://api.twilio.com/x",
            "https://media.twiliocdn.com/y",
            "http://127.0.0.1:4000/m",
        ];
        for u in ok {
            assert!(a.allows(&reqwest::Url::parse(u).unwrap()), "{u}");
        }
        let bad = [
            "https://evil.example/x",
            "https://twilio.com.evil.example/",
            "file:///etc/passwd",
            "http://127.0.0.2:4000/m",
        ];
        for u in bad {
            assert!(!a.allows(&reqwest::Url::parse(u).unwrap()), "{u}");
        }
    }
}

/// Outbound attachments are served to the provider from signed URLs that expire: the provider
/// fetches them without a session, nobody else can guess them.
pub mod signed {
    use crate::domain::Timestamp;
    use hmac::{Hmac, Mac};
    use std::time::Duration;

    /// How long a provider may take to fetch an outbound attachment.
    pub const VALIDITY: Duration = Duration::from_secs(3600);
    pub const KEY_PURPOSE: &str = "omnidesk outbound media url";

    fn tag(key: &[u8; 32], file: &str, expires: i64) -> String {
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key");
        mac.update(format!("{file}|{expires}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// `{public_url}/media/out/{file}?expires=…&sig=…`
    pub fn url(public_url: &str, key: &[u8; 32], file: &str, now: Timestamp) -> String {
        let expires = now.saturating_add(VALIDITY).as_millis();
        format!(
            "{public_url}/media/out/{file}?expires={expires}&sig={}",
            tag(key, file, expires)
        )
    }

    /// Whether `sig` is valid for `file` and has not expired at `now`.
    pub fn verify(key: &[u8; 32], file: &str, expires: i64, sig: &str, now: Timestamp) -> bool {
        expires > now.as_millis() && crate::web::csrf::tokens_match(sig, &tag(key, file, expires))
    }

    /// Names we generate: letters, digits, `-`, `_`, one `.`; nothing that walks directories.
    pub fn safe_name(file: &str) -> bool {
        !file.is_empty()
            && file.len() <= 120
            && file
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && !file.starts_with('.')
            && !file.contains("..")
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn signed_urls_expire_and_cannot_be_altered() {
            let key = [7u8; 32];
            let now = Timestamp::from_millis(1_000);
            let u = url("https://desk.example", &key, "3-ab.pdf", now);
            let sig = u.split("sig=").nth(1).unwrap();
            let expires = now.saturating_add(VALIDITY).as_millis();
            assert!(verify(&key, "3-ab.pdf", expires, sig, now));
            assert!(!verify(&key, "3-ac.pdf", expires, sig, now), "another file");
            assert!(
                !verify(&key, "3-ab.pdf", expires + 1, sig, now),
                "another expiry"
            );
            assert!(
                !verify(
                    &key,
                    "3-ab.pdf",
                    expires,
                    sig,
                    Timestamp::from_millis(expires)
                ),
                "expired"
            );
            assert!(
                !verify(&[8u8; 32], "3-ab.pdf", expires, sig, now),
                "another key"
            );
            assert!(safe_name("3-ab.pdf"));
            for bad in ["../x", "a/b", ".hidden", "", "a..b"] {
                assert!(!safe_name(bad), "{bad}");
            }
        }
    }
}
