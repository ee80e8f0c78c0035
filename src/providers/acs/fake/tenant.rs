//! A fake Entra ID tenant on 127.0.0.1: the v2 OpenID metadata and the JWKS of the committed
//! test keys (tests/data/acs/test_key_N.pem — test keys, never used anywhere else), and tokens
//! as Event Grid would present them, good ones and every kind of bad one.

use crate::domain::Timestamp;
use crate::providers::acs::entra::{EVENT_GRID_APP_ID, EVENT_GRID_ROLE};
use base64::Engine;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const KEY_1_PEM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/acs/test_key_1.pem"
));
const KEY_2_PEM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/acs/test_key_2.pem"
));
const KEY_1_JWKS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/acs/test_key_1.jwks.json"
));
const KEY_2_JWKS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/acs/test_key_2.jwks.json"
));

/// One of the two committed test keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestKey {
    /// `omnidesk-test-key-1`, published by the fake tenant from the start.
    One,
    /// `omnidesk-test-key-2`, published only after `FakeTenant::publish`.
    Two,
}

impl TestKey {
    /// The key's `kid`.
    pub fn kid(self) -> &'static str {
        match self {
            Self::One => "omnidesk-test-key-1",
            Self::Two => "omnidesk-test-key-2",
        }
    }

    fn pem(self) -> &'static str {
        match self {
            Self::One => KEY_1_PEM,
            Self::Two => KEY_2_PEM,
        }
    }

    /// The public key as a JWK.
    pub fn jwk(self) -> Value {
        let text = match self {
            Self::One => KEY_1_JWKS,
            Self::Two => KEY_2_JWKS,
        };
        let set: Value = serde_json::from_str(text).expect("the committed JWKS is JSON");
        set["keys"][0].clone()
    }
}

/// Which kind of token to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A v2 token (`iss` the v2 issuer, `azp` Event Grid).
    Valid,
    /// A v1 token (`iss` sts.windows.net, `appid` Event Grid).
    ValidV1,
    /// Expired ten minutes ago.
    Expired,
    /// Valid only from ten minutes on.
    NotYetValid,
    /// For another application.
    WrongAudience,
    /// Issued by another tenant.
    WrongTenant,
    /// Signed by test key 2, which the tenant does not publish (unless told to).
    UnknownKid,
    /// A caller other than Event Grid (no role, another app ID).
    WrongCaller,
    /// Names key 1 but is signed by key 2.
    BadSignature,
    /// `alg: none`, unsigned.
    AlgNone,
    /// HS256 with a shared secret.
    Hs256,
}

/// Another tenant's GUID, for `WrongTenant`.
pub const OTHER_TENANT: &str = "11111111-2222-4333-8444-555555555555";

#[derive(Default)]
struct State {
    keys: Vec<Value>,
    key_fetches: usize,
    failing: bool,
}

/// The fake tenant's server.
pub struct FakeTenant {
    server: MockServer,
    tenant: String,
    state: Arc<Mutex<State>>,
}

struct Responder {
    tenant: String,
    base: String,
    state: Arc<Mutex<State>>,
}

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.failing {
            return ResponseTemplate::new(503);
        }
        let path = request.url.path();
        let t = &self.tenant;
        if path == format!("/{t}/v2.0/.well-known/openid-configuration") {
            ResponseTemplate::new(200).set_body_json(json!({
                "issuer": format!("{}/{{tenantid}}/v2.0", self.base),
                "jwks_uri": format!("{}/{t}/discovery/v2.0/keys", self.base),
                "id_token_signing_alg_values_supported": ["RS256"],
            }))
        } else if path == format!("/{t}/discovery/v2.0/keys") {
            state.key_fetches += 1;
            ResponseTemplate::new(200).set_body_json(json!({ "keys": state.keys }))
        } else {
            ResponseTemplate::new(404)
        }
    }
}

impl FakeTenant {
    /// Starts a tenant `tenant` (a GUID) publishing test key 1.
    pub async fn start(tenant: &str) -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State {
            keys: vec![TestKey::One.jwk()],
            ..State::default()
        }));
        Mock::given(wiremock::matchers::method("GET"))
            .respond_with(Responder {
                tenant: tenant.to_owned(),
                base: server.uri(),
                state: state.clone(),
            })
            .mount(&server)
            .await;
        Self {
            server,
            tenant: tenant.to_owned(),
            state,
        }
    }

    /// The authority to configure (`http://127.0.0.1:port`).
    pub fn authority(&self) -> String {
        self.server.uri()
    }

    /// The tenant's GUID.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The v2 issuer its metadata names.
    pub fn v2_issuer(&self) -> String {
        format!("{}/{}/v2.0", self.server.uri(), self.tenant)
    }

    /// Publishes `key` too (a key rotation).
    pub fn publish(&self, key: TestKey) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.keys.push(key.jwk());
    }

    /// Makes the tenant answer 503 to everything (or stop doing so).
    pub fn set_failing(&self, failing: bool) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).failing = failing;
    }

    /// How often the key set was fetched.
    pub fn key_fetches(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .key_fetches
    }

    /// A token of `kind` for `audience`, issued at `now`, lasting an hour.
    pub fn token(&self, kind: TokenKind, audience: &str, now: Timestamp) -> String {
        let secs = now.as_millis().div_euclid(1000);
        let hour = Duration::from_secs(3600).as_secs() as i64;
        let (iat, exp) = match kind {
            TokenKind::Expired => (secs - 2 * hour, secs - 600),
            TokenKind::NotYetValid => (secs + 600, secs + hour),
            _ => (secs, secs + hour),
        };
        let v1 = kind == TokenKind::ValidV1;
        let tenant = if kind == TokenKind::WrongTenant {
            OTHER_TENANT.to_owned()
        } else {
            self.tenant.clone()
        };
        let iss = if v1 {
            format!("https://sts.windows.net/{tenant}/")
        } else {
            format!("{}/{tenant}/v2.0", self.server.uri())
        };
        let caller = if kind == TokenKind::WrongCaller {
            "99999999-8888-4777-8666-555555555555"
        } else {
            EVENT_GRID_APP_ID
        };
        let mut claims = json!({
            "aud": if kind == TokenKind::WrongAudience { "api://someone-else" } else { audience },
            "iss": iss,
            "iat": iat,
            "nbf": iat,
            "exp": exp,
            "tid": tenant,
            "ver": if v1 { "1.0" } else { "2.0" },
            "roles": if kind == TokenKind::WrongCaller { vec![] } else { vec![EVENT_GRID_ROLE] },
            "sub": caller,
            "oid": caller,
        });
        claims[if v1 { "appid" } else { "azp" }] = json!(caller);
        let (kid, key) = match kind {
            TokenKind::UnknownKid => (TestKey::Two.kid(), TestKey::Two),
            TokenKind::BadSignature => (TestKey::One.kid(), TestKey::Two),
            _ => (TestKey::One.kid(), TestKey::One),
        };
        match kind {
            TokenKind::AlgNone => {
                let b64 = |v: &Value| {
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
                };
                format!(
                    "{}.{}.",
                    b64(&json!({"alg": "none", "typ": "JWT", "kid": kid})),
                    b64(&claims)
                )
            }
            TokenKind::Hs256 => {
                let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
                header.kid = Some(kid.to_owned());
                jsonwebtoken::encode(
                    &header,
                    &claims,
                    &jsonwebtoken::EncodingKey::from_secret(b"shared secret"),
                )
                .expect("HS256 signs")
            }
            _ => {
                let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
                header.kid = Some(kid.to_owned());
                let key = jsonwebtoken::EncodingKey::from_rsa_pem(key.pem().as_bytes())
                    .expect("the committed test key is an RSA PEM");
                jsonwebtoken::encode(&header, &claims, &key).expect("RS256 signs")
            }
        }
    }
}
