//! The signing keys of Entra ID tenants, for `entra`: read from the tenant's v2 OpenID metadata
//! (`{authority}/{tenant}/v2.0/.well-known/openid-configuration` → `jwks_uri`), cached per tenant,
//! refreshed after a day or when a token names an unknown `kid` — at most once per
//! `MIN_REFETCH`, so junk kids cannot make us fetch in a loop. One fetch per tenant at a time,
//! shared by every caller waiting on it; no lock is held across it.

use super::entra::TenantId;
use crate::clock::Clock;
use crate::domain::Timestamp;
use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};
use jsonwebtoken::DecodingKey;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Keys older than this are fetched again (Entra rotates keys; a day is its advice).
pub const KEYS_MAX_AGE: Duration = Duration::from_secs(24 * 3600);
/// Least time between two fetches of a tenant that has keys.
pub const MIN_REFETCH: Duration = Duration::from_secs(5 * 60);
/// Least time between two fetches of a tenant that has none yet (the last one failed).
pub const MIN_RETRY: Duration = Duration::from_secs(10);
/// Timeout of one metadata or key-set request.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// One tenant's keys and the v2 issuer its metadata names.
pub struct KeySet {
    /// The v2 metadata's `issuer`, with `{tenantid}` filled in.
    pub issuer: String,
    keys: HashMap<String, DecodingKey>,
}

impl KeySet {
    /// The key with this `kid`.
    pub fn get(&self, kid: &str) -> Option<&DecodingKey> {
        self.keys.get(kid)
    }
}

type Fetch = Shared<BoxFuture<'static, Result<Arc<KeySet>, String>>>;

#[derive(Default)]
struct TenantState {
    keys: Option<Arc<KeySet>>,
    fetched_at: Option<Timestamp>,
    last_attempt: Option<Timestamp>,
    inflight: Option<Fetch>,
}

/// Why no usable key set could be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeysError {
    /// The keys could not be fetched now (→ 503, Event Grid retries).
    Unavailable(String),
}

/// The key cache of every tenant (cheap to clone, shared by HTTP workers).
#[derive(Clone)]
pub struct KeyCache {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    authority: url::Url,
    clock: Clock,
    tenants: Mutex<HashMap<TenantId, TenantState>>,
}

#[derive(Deserialize)]
struct Metadata {
    issuer: String,
    jwks_uri: String,
}

#[derive(Deserialize)]
struct RawKeySet {
    keys: Vec<serde_json::Value>,
}

impl KeyCache {
    /// A cache fetching from `authority` (e.g. `https://login.microsoftonline.com`).
    pub fn new(authority: url::Url, clock: Clock) -> Result<Self, reqwest::Error> {
        Ok(Self {
            inner: Arc::new(Inner {
                http: super::client::http_client(FETCH_TIMEOUT)?,
                authority,
                clock,
                tenants: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The authority keys come from.
    pub fn authority(&self) -> &url::Url {
        &self.inner.authority
    }

    /// The clock of the cache (also the token checks' clock).
    pub fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    /// The tenant's keys, fetched when there are none, when they are old, or when `kid` is not
    /// among them (as often as the refetch limits allow). `Ok` may still lack `kid`: then it is
    /// unknown to a key set fetched just now.
    pub async fn keys_for(&self, tenant: &TenantId, kid: &str) -> Result<Arc<KeySet>, KeysError> {
        let now = self.now();
        let fetch = {
            let mut tenants = self.inner.tenants.lock().unwrap_or_else(|p| p.into_inner());
            let state = tenants.entry(tenant.clone()).or_default();
            let fresh = state
                .fetched_at
                .is_some_and(|at| at.saturating_add(KEYS_MAX_AGE) > now);
            let holding = state.keys.as_ref().filter(|k| k.get(kid).is_some());
            let has_kid = holding.is_some();
            if let Some(keys) = holding.filter(|_| fresh) {
                return Ok(keys.clone());
            }
            match &state.inflight {
                Some(f) => f.clone(),
                None => {
                    let gap = if state.keys.is_some() {
                        MIN_REFETCH
                    } else {
                        MIN_RETRY
                    };
                    let may_fetch = state
                        .last_attempt
                        .is_none_or(|at| at.saturating_add(gap) <= now);
                    if !may_fetch {
                        return match (&state.keys, has_kid) {
                            // Stale but holding the key: keep using it until a refetch works.
                            (Some(keys), true) => Ok(keys.clone()),
                            _ => Err(KeysError::Unavailable(format!(
                                "the tenant's keys were fetched moments ago; key {kid:?} is not \
                                 among them yet"
                            ))),
                        };
                    }
                    state.last_attempt = Some(now);
                    let f = self.clone().fetch(tenant.clone()).boxed().shared();
                    state.inflight = Some(f.clone());
                    f
                }
            }
        };
        match fetch.await {
            Ok(keys) => Ok(keys),
            Err(e) => {
                let tenants = self.inner.tenants.lock().unwrap_or_else(|p| p.into_inner());
                match tenants.get(tenant).and_then(|s| s.keys.clone()) {
                    Some(keys) if keys.get(kid).is_some() => Ok(keys),
                    _ => Err(KeysError::Unavailable(e)),
                }
            }
        }
    }

    /// Fetches the tenant's metadata and keys, stores them, and clears the in-flight mark.
    async fn fetch(self, tenant: TenantId) -> Result<Arc<KeySet>, String> {
        let result = self.fetch_keys(&tenant).await;
        let mut tenants = self.inner.tenants.lock().unwrap_or_else(|p| p.into_inner());
        let state = tenants.entry(tenant).or_default();
        state.inflight = None;
        if let Ok(keys) = &result {
            state.keys = Some(keys.clone());
            state.fetched_at = Some(self.inner.clock.now());
        }
        result
    }

    async fn fetch_keys(&self, tenant: &TenantId) -> Result<Arc<KeySet>, String> {
        let base = self.inner.authority.as_str().trim_end_matches('/');
        let metadata_url = format!("{base}/{tenant}/v2.0/.well-known/openid-configuration");
        let metadata: Metadata = self.get_json(&metadata_url).await?;
        let jwks = url::Url::parse(&metadata.jwks_uri)
            .map_err(|_| "the tenant metadata's jwks_uri is not a URL".to_owned())?;
        let same_origin = jwks.scheme() == self.inner.authority.scheme()
            && jwks.host_str() == self.inner.authority.host_str()
            && jwks.port_or_known_default() == self.inner.authority.port_or_known_default();
        if !same_origin {
            return Err("the tenant metadata's jwks_uri is not on the authority".into());
        }
        let raw: RawKeySet = self.get_json(jwks.as_str()).await?;
        let keys: HashMap<String, DecodingKey> = raw
            .keys
            .into_iter()
            .filter_map(|v| serde_json::from_value::<jsonwebtoken::jwk::Jwk>(v).ok())
            .filter(|jwk| {
                matches!(
                    jwk.algorithm,
                    jsonwebtoken::jwk::AlgorithmParameters::RSA(_)
                )
            })
            .filter_map(|jwk| {
                let kid = jwk.common.key_id.clone()?;
                Some((kid, DecodingKey::from_jwk(&jwk).ok()?))
            })
            .collect();
        if keys.is_empty() {
            return Err("the tenant's key set holds no RSA key".into());
        }
        Ok(Arc::new(KeySet {
            issuer: metadata.issuer.replace("{tenantid}", tenant.as_str()),
            keys,
        }))
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, String> {
        let resp = self
            .inner
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| format!("could not reach the Entra authority: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!("the Entra authority answered {}", resp.status()));
        }
        resp.json()
            .await
            .map_err(|_| "the Entra authority's answer could not be read".to_owned())
    }
}
