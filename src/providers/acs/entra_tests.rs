//! Unit tests of the token check against the fake tenant on 127.0.0.1, with the committed test
//! keys and a manual clock.

use super::*;
use crate::domain::Timestamp;
use crate::providers::acs::entra_keys::MIN_REFETCH;
use crate::providers::acs::fake::tenant::{FakeTenant, TestKey, TokenKind};

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const APP: &str = "6d4f6b56-2a3b-4c5d-8e9f-0a1b2c3d4e5f";

struct Setup {
    tenant: FakeTenant,
    clock: Clock,
    validator: EntraValidator,
    expected: Expected,
}

async fn setup() -> Setup {
    let tenant = FakeTenant::start(TENANT).await;
    let clock = Clock::manual(Timestamp::from_millis(1_764_000_000_000));
    let validator = EntraValidator::new(&tenant.authority(), clock.clone()).unwrap();
    let expected = Expected {
        tenant: TenantId::parse(TENANT).unwrap(),
        audience: Audience::parse(APP).unwrap(),
    };
    Setup {
        tenant,
        clock,
        validator,
        expected,
    }
}

impl Setup {
    fn bearer(&self, kind: TokenKind) -> String {
        format!("Bearer {}", self.tenant.token(kind, APP, self.clock.now()))
    }

    async fn check(&self, kind: TokenKind) -> TokenCheck {
        let b = self.bearer(kind);
        self.validator.check(Some(&b), &self.expected).await
    }
}

fn unauthorized(got: &TokenCheck, why: &str) {
    assert!(
        matches!(got, TokenCheck::Unauthorized(r) if r.contains(why)),
        "expected Unauthorized({why}), got {got:?}"
    );
}

#[tokio::test]
async fn valid_v1_and_v2_tokens_pass_and_the_keys_are_fetched_once() {
    let s = setup().await;
    assert_eq!(s.check(TokenKind::Valid).await, TokenCheck::Ok);
    assert_eq!(s.check(TokenKind::ValidV1).await, TokenCheck::Ok);
    assert_eq!(s.tenant.key_fetches(), 1, "cached");
}

#[tokio::test]
async fn an_app_id_uri_audience_is_accepted() {
    let mut s = setup().await;
    s.expected.audience = Audience::parse("api://omnidesk-webhook").unwrap();
    let token = s
        .tenant
        .token(TokenKind::ValidV1, "api://omnidesk-webhook", s.clock.now());
    let b = format!("Bearer {token}");
    assert_eq!(
        s.validator.check(Some(&b), &s.expected).await,
        TokenCheck::Ok
    );
}

#[tokio::test]
async fn bad_tokens_are_refused_with_the_reason() {
    let s = setup().await;
    for (kind, why) in [
        (TokenKind::Expired, "expired"),
        (TokenKind::NotYetValid, "not valid yet"),
        (TokenKind::WrongAudience, "app ID"),
        (TokenKind::WrongTenant, "tenant"),
        (TokenKind::WrongCaller, "not Event Grid"),
        (TokenKind::BadSignature, "signature"),
        (TokenKind::AlgNone, "not a JWT"),
        (TokenKind::Hs256, "only RS256"),
    ] {
        unauthorized(&s.check(kind).await, why);
    }
    unauthorized(&s.validator.check(None, &s.expected).await, "no bearer");
    unauthorized(
        &s.validator.check(Some("Basic abc"), &s.expected).await,
        "not a bearer",
    );
    unauthorized(
        &s.validator.check(Some("Bearer junk"), &s.expected).await,
        "not a JWT",
    );
}

#[tokio::test]
async fn the_skew_allowance_is_small() {
    let s = setup().await;
    let token = s.bearer(TokenKind::Valid);
    s.clock
        .advance(Duration::from_secs(3600) + LEEWAY - Duration::from_secs(1));
    assert_eq!(
        s.validator.check(Some(&token), &s.expected).await,
        TokenCheck::Ok
    );
    s.clock.advance(Duration::from_secs(2));
    unauthorized(
        &s.validator.check(Some(&token), &s.expected).await,
        "expired",
    );
}

#[tokio::test]
async fn a_rotated_key_is_found_after_a_refresh_and_junk_kids_do_not_refetch_in_a_loop() {
    let s = setup().await;
    assert_eq!(s.check(TokenKind::Valid).await, TokenCheck::Ok);
    // Key 2 is not published: a refresh right after the first fetch is not allowed yet.
    assert!(matches!(
        s.check(TokenKind::UnknownKid).await,
        TokenCheck::KeysUnavailable(_)
    ));
    for _ in 0..20 {
        let _ = s.check(TokenKind::UnknownKid).await;
    }
    assert_eq!(s.tenant.key_fetches(), 1, "junk kids fetch nothing more");
    // Later, a refresh happens and still does not find it: truly unknown.
    s.clock.advance(MIN_REFETCH);
    unauthorized(
        &s.check(TokenKind::UnknownKid).await,
        "not one of the tenant's keys",
    );
    assert_eq!(s.tenant.key_fetches(), 2);
    // The tenant rotates to key 2: after the refetch gap it is found.
    s.tenant.publish(TestKey::Two);
    s.clock.advance(MIN_REFETCH);
    assert_eq!(s.check(TokenKind::UnknownKid).await, TokenCheck::Ok);
    assert_eq!(s.tenant.key_fetches(), 3);
    assert_eq!(
        s.check(TokenKind::Valid).await,
        TokenCheck::Ok,
        "key 1 still"
    );
    assert_eq!(s.tenant.key_fetches(), 3);
}

#[tokio::test]
async fn keys_that_cannot_be_fetched_are_a_503_and_cached_keys_outlive_an_outage() {
    let s = setup().await;
    s.tenant.set_failing(true);
    assert!(matches!(
        s.check(TokenKind::Valid).await,
        TokenCheck::KeysUnavailable(_)
    ));
    s.tenant.set_failing(false);
    s.clock.advance(Duration::from_secs(10));
    assert_eq!(s.check(TokenKind::Valid).await, TokenCheck::Ok);
    // A day later the keys are old; the tenant is down, the cached key still serves.
    s.tenant.set_failing(true);
    s.clock.advance(Duration::from_secs(25 * 3600));
    assert_eq!(s.check(TokenKind::Valid).await, TokenCheck::Ok);
}

#[tokio::test]
async fn concurrent_checks_share_one_fetch() {
    let s = setup().await;
    let tokens: Vec<String> = (0..8).map(|_| s.bearer(TokenKind::Valid)).collect();
    let checks = tokens.iter().map(|t| {
        let v = s.validator.clone();
        let e = s.expected.clone();
        async move { v.check(Some(t), &e).await }
    });
    let results = futures_util::future::join_all(checks).await;
    assert!(results.iter().all(|r| *r == TokenCheck::Ok), "{results:?}");
    assert_eq!(s.tenant.key_fetches(), 1);
}

#[test]
fn tenant_ids_and_audiences_are_checked() {
    assert!(TenantId::parse("contoso.onmicrosoft.com").is_err());
    assert_eq!(TenantId::parse(TENANT).unwrap().as_str(), TENANT);
    assert!(Audience::parse(APP).is_ok());
    assert!(Audience::parse("api://omnidesk").is_ok());
    assert!(Audience::parse("https://contoso.com/desk").is_ok());
    for bad in ["", "omnidesk", "http://contoso.com", "javascript:alert(1)"] {
        assert_eq!(Audience::parse(bad), Err(EntraIdError::Audience), "{bad:?}");
    }
}

fn claims(now_s: i64) -> Claims {
    Claims {
        iss: Some(format!("https://sts.windows.net/{TENANT}/")),
        aud: Some(OneOrMany::Many(vec!["other".into(), APP.into()])),
        exp: Some(now_s + 600),
        nbf: None,
        ver: Some("1.0".into()),
        tid: None,
        roles: vec![],
        appid: None,
        azp: None,
    }
}

#[tokio::test]
async fn event_grid_is_known_by_its_role_or_by_its_app_id() {
    let s = setup().await;
    let now_s = s.clock.now().as_millis() / 1000;
    let v2 = format!("{}/{TENANT}/v2.0", s.tenant.authority());
    let passes = |c: &Claims| s.validator.check_claims(c, &s.expected, &v2).is_ok();
    let mut c = claims(now_s);
    assert!(!passes(&c), "neither role nor app ID");
    c.roles = vec!["Reader".into(), EVENT_GRID_ROLE.into()];
    assert!(passes(&c), "the role alone");
    c.roles.clear();
    c.appid = Some(EVENT_GRID_APP_ID.to_ascii_uppercase());
    assert!(passes(&c), "appid alone, in any case");
    c.appid = None;
    c.azp = Some(EVENT_GRID_APP_ID.into());
    assert!(passes(&c), "azp alone");
    c.aud = Some(OneOrMany::One("other".into()));
    assert!(!passes(&c), "an audience list without ours");
}

#[tokio::test]
async fn each_token_version_needs_its_own_issuer() {
    let s = setup().await;
    let now_s = s.clock.now().as_millis() / 1000;
    let v2 = format!("{}/{TENANT}/v2.0", s.tenant.authority());
    let mut c = claims(now_s);
    c.roles = vec![EVENT_GRID_ROLE.into()];
    let passes = |c: &Claims| s.validator.check_claims(c, &s.expected, &v2).is_ok();
    assert!(passes(&c), "v1 with the v1 issuer");
    c.ver = Some("2.0".into());
    assert!(!passes(&c), "v2 with the v1 issuer");
    c.iss = Some(v2.clone());
    assert!(passes(&c), "v2 with the metadata's issuer");
    c.ver = Some("1.0".into());
    assert!(!passes(&c), "v1 with the v2 issuer");
    c.ver = None;
    assert!(passes(&c), "no ver: either issuer of the tenant");
    c.tid = Some(crate::providers::acs::fake::tenant::OTHER_TENANT.into());
    assert!(!passes(&c), "another tenant's tid");
    c.tid = Some(TENANT.to_ascii_uppercase());
    c.exp = None;
    assert!(!passes(&c), "no expiry");
}
