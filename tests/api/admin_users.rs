//! The users admin: creating, editing, disabling, password resets, and refusing bad input.

use crate::helpers::*;
use crate::signin::{Browser, PASSWORD};
use omnidesk::domain::user::Role;
use reqwest::StatusCode;

fn good() -> Vec<(&'static str, &'static str)> {
    vec![
        ("email", "agnes@example.com"),
        ("name", "Agnes"),
        ("role", "agent"),
        ("password", "a long enough password"),
        ("capacity", "5"),
        ("languages", "en, es-MX"),
    ]
}

fn replace<'a>(mut f: Vec<(&'a str, &'a str)>, k: &'a str, v: &'a str) -> Vec<(&'a str, &'a str)> {
    f.retain(|(key, _)| *key != k);
    f.push((k, v));
    f
}

#[tokio::test]
async fn bad_new_user_forms_are_refused_next_to_the_field_and_store_nothing() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let long_name = "n".repeat(101);
    let cases: Vec<(&str, &str, &str, &str)> = vec![
        ("email", "not-an-email", "name@example.com", "no @"),
        ("email", "", "Enter an e-mail", "empty e-mail"),
        ("name", "", "Enter the name", "empty name"),
        ("name", &long_name, "at most 100", "name too long"),
        ("name", "Ada\u{7}", "not allowed", "control character"),
        ("role", "root", "Choose a role", "unknown role"),
        ("password", "short", "at least 12", "password too short"),
        ("capacity", "0", "from 1 to 1000", "capacity below 1"),
        (
            "capacity",
            "lots",
            "from 1 to 1000",
            "capacity not a number",
        ),
        (
            "capacity",
            "99999999999999999999999",
            "from 1 to 1000",
            "capacity overflows",
        ),
        (
            "languages",
            "english!",
            "not a language code",
            "bad language tag",
        ),
    ];
    for (field, value, message, why) in cases {
        admin.get("/admin/users/new").await;
        let page = admin
            .post("/admin/users", &replace(good(), field, value))
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert!(page.body.contains(message), "{why}: {message:?} missing");
        assert!(
            page.body.contains("class=\"error\""),
            "{why}: error shown by the field"
        );
        if field != "email" {
            assert!(page.body.contains("agnes@example.com"), "{why}: input kept");
        }
        assert!(
            !page.body.contains("a long enough password"),
            "{why}: password not echoed"
        );
    }
    assert_eq!(
        app.desk().store().users().await.unwrap().len(),
        1,
        "only the admin exists"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_duplicate_email_is_refused() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    admin.get("/admin/users/new").await;
    assert_eq!(
        admin.post("/admin/users", &good()).await.status,
        StatusCode::SEE_OTHER
    );
    admin.get("/admin/users/new").await;
    let again = admin
        .post(
            "/admin/users",
            &replace(good(), "email", "AGNES@example.com"),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("already exists"));
    app.stop().await;
}

#[tokio::test]
async fn user_text_is_escaped_in_pages() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    admin.get("/admin/users/new").await;
    let created = admin
        .post(
            "/admin/users",
            &replace(good(), "name", "<script>alert(1)</script>"),
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let list = admin.get("/admin/users").await;
    assert!(!list.body.contains("<script>alert(1)</script>"));
    assert!(
        list.body.contains("&#60;script&#62;"),
        "escaped, not dropped"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_admin_edits_disables_and_resets_a_user() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let mut agent = app.signed_in(Role::Agent, "ana@example.com").await;
    let id = app
        .desk()
        .store()
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.email.as_str() == "ana@example.com")
        .unwrap()
        .id
        .get();
    let path = format!("/admin/users/{id}");
    admin.get(&path).await;
    let saved = admin
        .post(
            &path,
            &[
                ("name", "Ana B"),
                ("role", "supervisor"),
                ("capacity", "7"),
                ("languages", "pt-BR"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let u = app
        .desk()
        .store()
        .user(omnidesk::domain::UserId::new(id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (u.name.as_str(), u.role, u.capacity),
        ("Ana B", Role::Supervisor, 7)
    );
    assert_eq!(u.languages, ["pt-BR"]);

    let reset = admin
        .post(&format!("{path}/password"), &[("password", "tiny")])
        .await;
    assert_eq!(reset.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reset = admin
        .post(
            &format!("{path}/password"),
            &[("password", "a fresh new password")],
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK);
    assert_eq!(
        agent.get("/agent").await.status,
        StatusCode::SEE_OTHER,
        "reset signs the user out"
    );
    let mut b = Browser::new(&app.address);
    assert_eq!(
        b.sign_in("ana@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        b.sign_in("ana@example.com", "a fresh new password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    admin.get(&path).await;
    let disabled = admin
        .post(
            &path,
            &[
                ("name", "Ana B"),
                ("role", "agent"),
                ("capacity", "7"),
                ("languages", ""),
                ("disabled", "on"),
            ],
        )
        .await;
    assert_eq!(disabled.status, StatusCode::OK);
    assert_eq!(
        b.get("/agent").await.status,
        StatusCode::SEE_OTHER,
        "disabling signs out"
    );
    let mut c = Browser::new(&app.address);
    assert_eq!(
        c.sign_in("ana@example.com", "a fresh new password")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    app.stop().await;
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted_or_disabled() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let id = app.desk().store().users().await.unwrap()[0].id.get();
    let path = format!("/admin/users/{id}");
    admin.get(&path).await;
    let page = admin
        .post(
            &path,
            &[
                ("name", "Admin"),
                ("role", "agent"),
                ("capacity", "1"),
                ("languages", "en"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.body.contains("last active admin"));
    assert_eq!(
        app.desk().store().users().await.unwrap()[0].role,
        Role::Admin
    );
    app.stop().await;
}

#[tokio::test]
async fn sign_out_everywhere_ends_the_users_sessions() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let mut agent = app.signed_in(Role::Agent, "ana@example.com").await;
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
    assert_eq!(agent.get("/agent").await.status, StatusCode::SEE_OTHER);
    assert_eq!(admin.get("/admin/users").await.status, StatusCode::OK);
    app.stop().await;
}
