//! A cookie-keeping HTTP client that signs in like a browser, and the sign-in tests.

use crate::helpers::*;
use omnidesk::domain::user::{Email, Role};
use omnidesk::store::users::NewUser;
use reqwest::StatusCode;

pub const PASSWORD: &str = "correct horse battery staple";

/// A signed-in (or not) browser: keeps cookies, never follows redirects, knows the last CSRF token.
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
    pub csrf: String,
}

pub struct Page {
    pub status: StatusCode,
    pub body: String,
    pub location: Option<String>,
}

/// The value of the first hidden `csrf` field in a page.
pub fn csrf_of(html: &str) -> Option<String> {
    let i = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[i..].split('"').next()?.to_owned())
}

impl Browser {
    pub fn new(base: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_owned(),
            csrf: String::new(),
        }
    }

    async fn page(&mut self, resp: reqwest::Response) -> Page {
        let status = resp.status();
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp.text().await.unwrap();
        if let Some(t) = csrf_of(&body) {
            self.csrf = t;
        }
        Page {
            status,
            body,
            location,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        self.page(resp).await
    }

    /// Posts `fields` plus the current CSRF token.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut form: Vec<(String, String)> = vec![("csrf".into(), self.csrf.clone())];
        form.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self.post_raw(path, &form).await
    }

    /// Posts exactly `form`, no CSRF token added.
    pub async fn post_raw(&mut self, path: &str, form: &[(String, String)]) -> Page {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        self.page(resp).await
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        self.get("/login").await;
        self.post("/login", &[("email", email), ("password", password)])
            .await
    }
}

impl TestApp {
    /// Creates a user with `role` and returns a browser signed in as them.
    pub async fn signed_in(&self, role: Role, email: &str) -> Browser {
        let hash = omnidesk::auth::password::hash_now(PASSWORD).unwrap();
        self.desk()
            .store()
            .add_user(
                NewUser {
                    email: Email::parse(email).unwrap(),
                    name: format!("{role} user"),
                    role,
                    password_hash: hash,
                    capacity: 10,
                    languages: vec!["en".into()],
                },
                self.desk().now(),
            )
            .await
            .unwrap()
            .unwrap();
        let mut b = Browser::new(&self.address);
        let page = b.sign_in(email, PASSWORD).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "sign-in failed: {}",
            page.body
        );
        b
    }

    pub async fn admin(&self) -> Browser {
        self.signed_in(Role::Admin, "admin@example.com").await
    }
}

#[tokio::test]
async fn signing_in_sets_a_hardened_session_cookie_and_lands_on_the_role_home() {
    let app = spawn_app().await;
    let hash = omnidesk::auth::password::hash_now(PASSWORD).unwrap();
    app.desk()
        .store()
        .add_user(
            NewUser {
                email: Email::parse("ana@example.com").unwrap(),
                name: "Ana".into(),
                role: Role::Agent,
                password_hash: hash,
                capacity: 3,
                languages: vec![],
            },
            app.desk().now(),
        )
        .await
        .unwrap()
        .unwrap();
    let mut b = Browser::new(&app.address);
    b.get("/login").await;
    let resp = b
        .http
        .post(format!("{}/login", app.address))
        .form(&[
            ("csrf", b.csrf.as_str()),
            ("email", "ANA@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("omnidesk_session="))
        .expect("session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    let token = cookie.split(';').next().unwrap().split('=').nth(1).unwrap();
    assert_eq!(token.len(), 43, "256-bit token");
    let home = b.get("/").await;
    assert_eq!(home.location.as_deref(), Some("/agent"));
    let agent = b.get("/agent").await;
    assert!(agent.body.contains("Ana"));
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_password_is_refused_without_saying_which_part_was_wrong() {
    let app = spawn_app().await;
    app.admin().await;
    let mut b = Browser::new(&app.address);
    let wrong = b
        .sign_in("admin@example.com", "not the password at all")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let unknown = b.sign_in("nobody@example.com", PASSWORD).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("The e-mail or password is not right."));
    assert!(
        unknown
            .body
            .contains("The e-mail or password is not right.")
    );
    assert!(
        wrong.body.contains("admin@example.com"),
        "the e-mail is kept"
    );
    assert!(
        !wrong.body.contains("not the password at all"),
        "the password is not echoed"
    );
    app.stop().await;
}

#[tokio::test]
async fn login_without_the_csrf_cookie_token_is_refused() {
    let app = spawn_app().await;
    app.admin().await;
    let mut b = Browser::new(&app.address);
    let page = b
        .post_raw(
            "/login",
            &pairs(&[("email", "admin@example.com"), ("password", PASSWORD)]),
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    app.stop().await;
}

#[tokio::test]
async fn repeated_failures_throttle_strangers_but_not_the_users_own_browser() {
    let app = spawn_app().await;
    let mut own = app.admin().await;
    // A second browser that already signed in successfully keeps its device cookie.
    let mut known = Browser::new(&app.address);
    assert_eq!(
        known.sign_in("admin@example.com", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    known.get("/agent").await;
    known.post("/logout", &[]).await;
    let mut attacker = Browser::new(&app.address);
    for _ in 0..5 {
        let p = attacker
            .sign_in("admin@example.com", "guessing wrongly 123")
            .await;
        assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    }
    let blocked = attacker.sign_in("admin@example.com", PASSWORD).await;
    assert_eq!(
        blocked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let mut fresh = Browser::new(&app.address);
    assert_eq!(
        fresh.sign_in("admin@example.com", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        known.sign_in("admin@example.com", PASSWORD).await.status,
        StatusCode::SEE_OTHER,
        "the user's own browser is not locked out"
    );
    let _ = own.get("/").await;
    app.stop().await;
}

#[tokio::test]
async fn an_agent_gets_403_on_every_admin_route() {
    let app = spawn_app().await;
    let mut agent = app.signed_in(Role::Agent, "agent@example.com").await;
    let mut supervisor = app.signed_in(Role::Supervisor, "sup@example.com").await;
    for b in [&mut agent, &mut supervisor] {
        for path in crate::admin_routes::GET_ROUTES {
            let page = b.get(path).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "GET {path}");
        }
        for path in crate::admin_routes::POST_ROUTES {
            let page = b.post(path, &[("name", "x")]).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "POST {path}");
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn anonymous_requests_to_pages_are_sent_to_sign_in() {
    let app = spawn_app().await;
    let mut b = Browser::new(&app.address);
    for path in ["/", "/agent", "/account/password"]
        .iter()
        .chain(crate::admin_routes::GET_ROUTES)
    {
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.location.as_deref(), Some("/login"), "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_forged_session_cookie_is_refused() {
    let app = spawn_app().await;
    app.admin().await;
    let http = Browser::new(&app.address).http;
    for forged in [
        "x",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "../../etc/passwd",
        "",
    ] {
        let resp = http
            .get(format!("{}/admin/users", app.address))
            .header("cookie", format!("omnidesk_session={forged}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{forged:?}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_post_without_or_with_a_wrong_csrf_token_is_refused() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    admin.get("/admin/users/new").await;
    let fields = [
        ("email", "new@example.com"),
        ("name", "New"),
        ("role", "agent"),
        ("password", "a long enough password"),
        ("capacity", "5"),
        ("languages", "en"),
    ];
    let without = admin.post_raw("/admin/users", &pairs(&fields)).await;
    assert_eq!(without.status, StatusCode::FORBIDDEN);
    let mut wrong = pairs(&fields);
    wrong.push(("csrf".into(), "A".repeat(43)));
    assert_eq!(
        admin.post_raw("/admin/users", &wrong).await.status,
        StatusCode::FORBIDDEN
    );
    let users = app.desk().store().users().await.unwrap();
    assert_eq!(users.len(), 1, "nothing was created");
    admin.get("/admin/users/new").await;
    let ok = admin.post("/admin/users", &fields).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    app.stop().await;
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    admin.get("/admin/users").await;
    let out = admin.post("/logout", &[]).await;
    assert_eq!(out.location.as_deref(), Some("/login"));
    assert_eq!(
        admin.get("/admin/users").await.status,
        StatusCode::SEE_OTHER
    );
    app.stop().await;
}

#[tokio::test]
async fn changing_the_password_ends_every_other_session() {
    let app = spawn_app().await;
    let mut first = app.signed_in(Role::Agent, "ana@example.com").await;
    let mut second = Browser::new(&app.address);
    second.sign_in("ana@example.com", PASSWORD).await;
    assert_eq!(second.get("/agent").await.status, StatusCode::OK);
    first.get("/account/password").await;
    let short = first
        .post(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("password", "short"),
                ("confirm", "short"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.body.contains("at least 12"));
    let changed = first
        .post(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("password", "a brand new passphrase"),
                ("confirm", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(
        first.get("/agent").await.status,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        second.get("/agent").await.status,
        StatusCode::SEE_OTHER,
        "the other one ended"
    );
    let mut third = Browser::new(&app.address);
    assert_eq!(
        third.sign_in("ana@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        third
            .sign_in("ana@example.com", "a brand new passphrase")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    app.stop().await;
}

#[tokio::test]
async fn sessions_expire_after_12_idle_hours() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    app.clock.advance(std::time::Duration::from_secs(11 * 3600));
    assert_eq!(admin.get("/admin/users").await.status, StatusCode::OK);
    app.clock.advance(std::time::Duration::from_secs(11 * 3600));
    assert_eq!(
        admin.get("/admin/users").await.status,
        StatusCode::OK,
        "use keeps it alive"
    );
    app.clock
        .advance(std::time::Duration::from_secs(12 * 3600 + 1));
    assert_eq!(
        admin.get("/admin/users").await.status,
        StatusCode::SEE_OTHER
    );
    app.stop().await;
}

#[tokio::test]
async fn the_setup_link_creates_the_first_admin_once() {
    let app = spawn_app().await;
    let token = app.app_auth().issue_setup_token();
    let mut b = Browser::new(&app.address);
    assert_eq!(
        b.get("/setup?token=wrong").await.status,
        StatusCode::NOT_FOUND
    );
    let form = b.get(&format!("/setup?token={token}")).await;
    assert_eq!(form.status, StatusCode::OK);
    let mismatch = b
        .post(
            "/setup",
            &[
                ("token", &token),
                ("email", "boss@example.com"),
                ("name", "Boss"),
                ("password", "a long enough password"),
                ("confirm", "something else entirely"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.body.contains("do not match"));
    assert!(mismatch.body.contains("boss@example.com"), "input kept");
    let done = b
        .post(
            "/setup",
            &[
                ("token", &token),
                ("email", "boss@example.com"),
                ("name", "Boss"),
                ("password", "a long enough password"),
                ("confirm", "a long enough password"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(
        b.get("/admin/users").await.status,
        StatusCode::OK,
        "signed in as the new admin"
    );
    let mut other = Browser::new(&app.address);
    assert_eq!(
        other.get(&format!("/setup?token={token}")).await.status,
        StatusCode::NOT_FOUND,
        "used once"
    );
    app.stop().await;
}
