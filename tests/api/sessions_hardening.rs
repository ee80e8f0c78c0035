//! Sessions and sign-in under attack: a new sign-in ends the browser's old session, each browser
//! has its own known-device token that a password change or "sign out everywhere" forgets, the
//! pre-session CSRF token is the server's own and expires, and https brings HSTS and Secure.

use crate::helpers::*;
use crate::signin::{Browser, PASSWORD};
use omnidesk::auth::throttle::MAX_PER_ACCOUNT;
use omnidesk::domain::user::Role;
use reqwest::StatusCode;
use std::time::Duration;

const EMAIL: &str = "ana@example.com";

/// The value of cookie `name` set by `resp`, if any.
fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

fn cookie_value(set_cookie: &str) -> String {
    let pair = set_cookie.split(';').next().unwrap_or_default();
    pair.split_once('=')
        .map(|(_, v)| v.to_owned())
        .unwrap_or_default()
}

/// Signs `b` in and returns the response (its cookies are kept by `b` as well).
async fn log_in(b: &mut Browser, email: &str, password: &str) -> reqwest::Response {
    b.get("/login").await;
    b.http
        .post(format!("{}/login", b.base))
        .form(&[
            ("csrf", b.csrf.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

/// GET `path` with only the session cookie `token`.
async fn status_with_session(app: &TestApp, path: &str, token: &str) -> StatusCode {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}{path}", app.address))
        .header("cookie", format!("omnidesk_session={token}"))
        .send()
        .await
        .unwrap()
        .status()
}

/// Another browser fails to sign in to `email` until the account is throttled for strangers.
async fn lock_out_strangers(app: &TestApp, email: &str) {
    let mut attacker = Browser::new(&app.address);
    for _ in 0..MAX_PER_ACCOUNT {
        let p = attacker.sign_in(email, "wrong password, again").await;
        assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    }
    let p = attacker.sign_in(email, PASSWORD).await;
    assert_eq!(
        p.status,
        StatusCode::TOO_MANY_REQUESTS,
        "strangers are throttled"
    );
}

#[tokio::test]
async fn signing_in_again_ends_the_browsers_previous_session() {
    let app = spawn_app().await;
    let mut b = app.signed_in(Role::Agent, EMAIL).await;
    let first = log_in(&mut b, EMAIL, PASSWORD).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let old = cookie_value(&set_cookie(&first, "omnidesk_session").expect("session cookie"));
    assert_eq!(
        status_with_session(&app, "/agent", &old).await,
        StatusCode::OK
    );

    let second = log_in(&mut b, EMAIL, PASSWORD).await;
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    let new = cookie_value(&set_cookie(&second, "omnidesk_session").expect("session cookie"));
    assert_ne!(old, new);
    assert_eq!(
        status_with_session(&app, "/agent", &old).await,
        StatusCode::SEE_OTHER,
        "the old token no longer signs in"
    );
    assert_eq!(
        status_with_session(&app, "/agent", &new).await,
        StatusCode::OK
    );
    app.stop().await;
}

#[tokio::test]
async fn each_browser_gets_its_own_known_device_token() {
    let app = spawn_app().await;
    let mut a = app.signed_in(Role::Agent, EMAIL).await;
    let mut b = Browser::new(&app.address);
    let from_a = log_in(&mut a, EMAIL, PASSWORD).await;
    let from_b = log_in(&mut b, EMAIL, PASSWORD).await;
    let device_a = set_cookie(&from_a, "omnidesk_device").expect("device cookie");
    let device_b = set_cookie(&from_b, "omnidesk_device").expect("device cookie");
    assert!(
        device_a.contains("HttpOnly") && device_a.contains("Path=/login"),
        "{device_a}"
    );
    let (a, b) = (cookie_value(&device_a), cookie_value(&device_b));
    assert_eq!(a.len(), 43, "256 random bits");
    assert_ne!(a, b, "not the same value in every browser");
    app.stop().await;
}

#[tokio::test]
async fn a_password_change_forgets_every_known_browser() {
    let app = spawn_app().await;
    let mut own = app.signed_in(Role::Agent, EMAIL).await;
    let new_password = "a brand new long password";
    own.get("/account/password").await;
    let changed = own
        .post(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("password", new_password),
                ("confirm", new_password),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(own.post("/logout", &[]).await.status, StatusCode::SEE_OTHER);
    lock_out_strangers(&app, EMAIL).await;
    let again = own.sign_in(EMAIL, new_password).await;
    assert_eq!(
        again.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the browser's device token went with the old password"
    );
    app.stop().await;
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_and_forgets_every_browser() {
    let app = spawn_app().await;
    let mut here = app.signed_in(Role::Agent, EMAIL).await;
    let mut there = Browser::new(&app.address);
    assert_eq!(
        there.sign_in(EMAIL, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );

    let page = here.get("/account/password").await;
    assert!(
        page.body
            .contains("action=\"/account/sign-out-everywhere\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("Sign out everywhere"));
    let forged = here
        .post_raw(
            "/account/sign-out-everywhere",
            &[("csrf".into(), "x".repeat(43))],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "CSRF is checked");
    assert_eq!(there.get("/agent").await.status, StatusCode::OK);

    let out = here.post("/account/sign-out-everywhere", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.body);
    assert_eq!(out.location.as_deref(), Some("/login"));
    assert_eq!(here.get("/agent").await.status, StatusCode::SEE_OTHER);
    assert_eq!(there.get("/agent").await.status, StatusCode::SEE_OTHER);

    lock_out_strangers(&app, EMAIL).await;
    assert_eq!(
        there.sign_in(EMAIL, PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the other browser is a stranger now"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_admin_signing_a_user_out_everywhere_forgets_their_browsers_too() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let mut agent = app.signed_in(Role::Agent, EMAIL).await;
    let id = app.desk().store().users().await.unwrap()[1].id.get();
    admin.get(&format!("/admin/users/{id}")).await;
    let page = admin
        .post(&format!("/admin/users/{id}/sign-out"), &[])
        .await;
    assert!(
        page.body.contains("1 session(s) signed out."),
        "{}",
        page.body
    );
    lock_out_strangers(&app, EMAIL).await;
    assert_eq!(
        agent.sign_in(EMAIL, PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the agent's browser is a stranger now"
    );
    app.stop().await;
}

/// Posts `form` to `path` with only the pre-session cookie `csrf`, as a client that made it up.
async fn post_with_invented_csrf(app: &TestApp, path: &str, form: &[(&str, &str)]) -> StatusCode {
    let csrf = "Q".repeat(43);
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend_from_slice(form);
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}{path}", app.address))
        .header("cookie", format!("omnidesk_csrf={csrf}"))
        .form(&fields)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_pre_session_token_the_client_made_up_is_refused() {
    let app = spawn_app().await;
    let token = app.app_auth().issue_setup_token();
    let setup = [
        ("token", token.as_str()),
        ("email", "boss@example.com"),
        ("name", "Boss"),
        ("password", "a long enough password"),
        ("confirm", "a long enough password"),
    ];
    assert_eq!(
        post_with_invented_csrf(&app, "/setup", &setup).await,
        StatusCode::FORBIDDEN
    );
    assert!(
        !app.desk().store().has_admin().await.unwrap(),
        "no admin made"
    );
    app.signed_in(Role::Agent, EMAIL).await;
    let login = [("email", EMAIL), ("password", PASSWORD)];
    assert_eq!(
        post_with_invented_csrf(&app, "/login", &login).await,
        StatusCode::FORBIDDEN
    );
    app.stop().await;
}

#[tokio::test]
async fn a_pre_session_token_expires() {
    let app = spawn_app().await;
    app.signed_in(Role::Agent, EMAIL).await;
    let mut b = Browser::new(&app.address);
    b.get("/login").await;
    app.clock.advance(Duration::from_secs(3 * 3600));
    let stale = b
        .post("/login", &[("email", EMAIL), ("password", PASSWORD)])
        .await;
    assert_eq!(
        stale.status,
        StatusCode::FORBIDDEN,
        "an expired form is refused"
    );
    let fresh = b.sign_in(EMAIL, PASSWORD).await;
    assert_eq!(
        fresh.status,
        StatusCode::SEE_OTHER,
        "a new form works: {}",
        fresh.body
    );
    app.stop().await;
}

#[tokio::test]
async fn over_https_cookies_are_secure_and_every_response_has_hsts() {
    let twilio = wiremock::MockServer::start().await;
    let app = spawn_app_with(twilio, |s| {
        s.public_url = Some("https://desk.example.com".into())
    })
    .await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = http
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap();
    let csrf = set_cookie(&login, "omnidesk_csrf").expect("pre-session cookie");
    assert!(csrf.contains("Secure"), "{csrf}");
    for path in ["/login", "/healthz", "/agent", "/no-such-page"] {
        let resp = http
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        let hsts = resp.headers().get("strict-transport-security");
        assert_eq!(
            hsts.and_then(|v| v.to_str().ok()),
            Some("max-age=31536000"),
            "{path}"
        );
    }
    app.stop().await;

    let plain = spawn_app().await;
    let resp = http
        .get(format!("{}/login", plain.address))
        .send()
        .await
        .unwrap();
    assert!(
        resp.headers().get("strict-transport-security").is_none(),
        "not over http"
    );
    plain.stop().await;
}
