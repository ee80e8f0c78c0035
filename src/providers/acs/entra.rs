//! Entra ID protected delivery: the bearer token Event Grid sends with every notification,
//! checked before anything is parsed or stored (issue 10). RS256 only, signed by a key of the
//! configured tenant (`entra_keys`); `iss` the tenant's v2 issuer for v2 tokens or
//! `https://sts.windows.net/{tenant}/` for v1; `aud` the configured app ID or App ID URI;
//! `exp`/`nbf` with `LEEWAY`; and the caller Event Grid (its role, or its app ID).

use super::entra_keys::{KeyCache, KeysError};
use super::ids::is_guid;
use crate::clock::Clock;
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;
use std::fmt;
use std::time::Duration;

/// The public Entra authority.
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";
/// Event Grid's application ID (public cloud).
pub const EVENT_GRID_APP_ID: &str = "4962773b-9cdb-44cf-a8bf-237846a00ab7";
/// The app role the webhook's app registration grants Event Grid.
pub const EVENT_GRID_ROLE: &str = "AzureEventGridSecureWebhookSubscriber";
/// Clock skew allowed on `exp` and `nbf`.
pub const LEEWAY: Duration = Duration::from_secs(120);

/// Why a tenant ID or audience was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntraIdError {
    #[error("The tenant ID must be a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47.")]
    /// The tenant ID is not a GUID.
    Tenant,
    #[error(
        "The app ID must be a GUID, or an App ID URI such as api://<guid> or https://contoso.com/desk."
    )]
    /// The app ID is neither a GUID nor an App ID URI.
    Audience,
}

/// An Entra tenant (directory) ID: the GUID tokens are issued by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TenantId(String);

impl TenantId {
    /// Parses a tenant GUID (kept lower-case).
    pub fn parse(s: &str) -> Result<Self, EntraIdError> {
        let s = s.trim();
        if is_guid(s) {
            Ok(Self(s.to_ascii_lowercase()))
        } else {
            Err(EntraIdError::Tenant)
        }
    }

    /// The GUID text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The application tokens must be issued for (`aud`): its app (client) ID or its App ID URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience(String);

impl Audience {
    /// Parses an app ID (GUID) or an App ID URI (`api://…`, `https://…`).
    pub fn parse(s: &str) -> Result<Self, EntraIdError> {
        let s = s.trim();
        if is_guid(s) {
            return Ok(Self(s.to_ascii_lowercase()));
        }
        let uri_ok = s.len() <= 512
            && url::Url::parse(s)
                .is_ok_and(|u| matches!(u.scheme(), "api" | "https") && !u.cannot_be_a_base());
        if uri_ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(EntraIdError::Audience)
        }
    }

    /// The ID or URI text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn matches(&self, aud: &str) -> bool {
        if is_guid(&self.0) {
            aud.eq_ignore_ascii_case(&self.0)
        } else {
            aud == self.0
        }
    }
}

/// What an account expects of its tokens: the "Event grid app tenant ID" and "Event grid app
/// ID" of its setup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// The tenant tokens must come from (`iss`, `tid`).
    pub tenant: TenantId,
    /// The application tokens must be for (`aud`).
    pub audience: Audience,
}

/// The outcome of a token check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenCheck {
    /// Event Grid, for this account: go on.
    Ok,
    /// No token, or not a good one: answer 401, store nothing.
    Unauthorized(String),
    /// The tenant's keys cannot be had now: answer 503 so Event Grid retries.
    KeysUnavailable(String),
}

#[derive(Deserialize)]
struct Claims {
    iss: Option<String>,
    aud: Option<OneOrMany>,
    exp: Option<i64>,
    nbf: Option<i64>,
    ver: Option<String>,
    tid: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
    appid: Option<String>,
    azp: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// Checks Event Grid's bearer tokens. Clones share one key cache; safe to use from every HTTP
/// worker at once.
#[derive(Clone)]
pub struct EntraValidator {
    keys: KeyCache,
}

impl EntraValidator {
    /// A validator fetching keys from `authority` (`DEFAULT_AUTHORITY` in production, a local
    /// fake in tests); `clock` judges `exp` and `nbf`.
    pub fn new(authority: &str, clock: Clock) -> Result<Self, String> {
        let url = url::Url::parse(authority.trim().trim_end_matches('/'))
            .map_err(|e| format!("the Entra authority is not a URL: {e}"))?;
        if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
            return Err("the Entra authority must be an http(s) URL".into());
        }
        let keys = KeyCache::new(url, clock).map_err(|e| e.to_string())?;
        Ok(Self { keys })
    }

    /// Checks the `Authorization` header's value of a delivery against `expected`.
    pub async fn check(&self, authorization: Option<&str>, expected: &Expected) -> TokenCheck {
        match self.verify(authorization, expected).await {
            Ok(()) => TokenCheck::Ok,
            Err(Failure::Token(reason)) => TokenCheck::Unauthorized(reason),
            Err(Failure::Keys(reason)) => TokenCheck::KeysUnavailable(reason),
        }
    }

    async fn verify(
        &self,
        authorization: Option<&str>,
        expected: &Expected,
    ) -> Result<(), Failure> {
        let bad = |s: &str| Failure::Token(s.to_owned());
        let value = authorization.ok_or_else(|| bad("no bearer token"))?.trim();
        let token = match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => return Err(bad("the Authorization header is not a bearer token")),
        };
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| bad("the token is not a JWT"))?;
        if header.alg != Algorithm::RS256 {
            return Err(Failure::Token(format!(
                "the token is signed with {:?}, only RS256 is accepted",
                header.alg
            )));
        }
        let kid = header
            .kid
            .ok_or_else(|| bad("the token names no key (kid)"))?;
        let keys = self
            .keys
            .keys_for(&expected.tenant, &kid)
            .await
            .map_err(|KeysError::Unavailable(e)| Failure::Keys(e))?;
        let key = keys
            .get(&kid)
            .ok_or_else(|| bad("the token's key is not one of the tenant's keys"))?;
        let mut validation = Validation::new(Algorithm::RS256);
        // Times, audience and issuer are checked below, against our clock and per token version.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let claims = jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                    bad("the token's signature is not valid")
                }
                _ => bad("the token could not be read"),
            })?
            .claims;
        self.check_claims(&claims, expected, &keys.issuer)
    }

    fn check_claims(
        &self,
        c: &Claims,
        expected: &Expected,
        v2_issuer: &str,
    ) -> Result<(), Failure> {
        let bad = |s: &str| Failure::Token(s.to_owned());
        let now_s = self.keys.now().as_millis().div_euclid(1000);
        let leeway = LEEWAY.as_secs() as i64;
        let exp = c.exp.ok_or_else(|| bad("the token has no expiry"))?;
        if now_s > exp.saturating_add(leeway) {
            return Err(bad("the token has expired"));
        }
        if c.nbf.is_some_and(|nbf| now_s < nbf.saturating_sub(leeway)) {
            return Err(bad("the token is not valid yet"));
        }
        let v1_issuer = format!("https://sts.windows.net/{}/", expected.tenant);
        let iss = c
            .iss
            .as_deref()
            .ok_or_else(|| bad("the token has no issuer"))?;
        let issuer_ok = match c.ver.as_deref() {
            Some("2.0") => iss == v2_issuer,
            Some("1.0") => iss == v1_issuer,
            _ => iss == v2_issuer || iss == v1_issuer,
        };
        if !issuer_ok {
            return Err(bad("the token was not issued by the configured tenant"));
        }
        if c.tid
            .as_deref()
            .is_some_and(|t| !t.eq_ignore_ascii_case(expected.tenant.as_str()))
        {
            return Err(bad("the token belongs to another tenant"));
        }
        let aud_ok = match &c.aud {
            Some(OneOrMany::One(a)) => expected.audience.matches(a),
            Some(OneOrMany::Many(all)) => all.iter().any(|a| expected.audience.matches(a)),
            None => false,
        };
        if !aud_ok {
            return Err(bad("the token is not for the configured app ID"));
        }
        let event_grid = c.roles.iter().any(|r| r == EVENT_GRID_ROLE)
            || [&c.appid, &c.azp].iter().any(|id| {
                id.as_deref()
                    .is_some_and(|id| id.eq_ignore_ascii_case(EVENT_GRID_APP_ID))
            });
        if !event_grid {
            return Err(bad("the token's caller is not Event Grid"));
        }
        Ok(())
    }
}

enum Failure {
    Token(String),
    Keys(String),
}

#[cfg(test)]
#[path = "entra_tests.rs"]
mod tests;
