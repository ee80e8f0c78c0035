//! Users in the configuration file: a user the file adds has no password (cannot sign in until
//! an admin sets one), a user it leaves out is disabled, and it never leaves no active admin.

use crate::helpers::*;
use crate::signin::{Browser, PASSWORD};
use reqwest::StatusCode;

const NEW_USER: &str = "[[users]]\nemail = \"new@example.com\"\nname = \"New Agent\"\n\
                        role = \"Agent\"\ncapacity = 3\n";

/// The current file with `users` replaced by the exported admin block plus `extra`.
async fn users_file(app: &TestApp, extra: &str) -> String {
    let text = app.desk().export_config().await.unwrap();
    let start = text.find("[[users]]").unwrap();
    let end = text[start..].find("[[workstreams]]").unwrap() + start;
    format!(
        "{}{}{extra}\n{}",
        &text[..start],
        &text[start..end],
        &text[end..]
    )
}

#[tokio::test]
async fn a_user_the_file_adds_cannot_sign_in_until_an_admin_sets_a_password() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let text = users_file(&app, NEW_USER).await;
    let report = app
        .desk()
        .import_config(&text, false, "", None)
        .await
        .unwrap()
        .unwrap()
        .to_string();
    assert!(
        report.contains("users:\n  add new@example.com (no password yet"),
        "{report}"
    );
    let user = app
        .desk()
        .store()
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.email.as_str() == "new@example.com")
        .expect("the user was added");
    assert!(!user.has_password());

    let mut b = Browser::new(&app.address);
    for guess in ["", PASSWORD, "a long password 1"] {
        let page = b.sign_in("new@example.com", guess).await;
        assert_ne!(page.status, StatusCode::SEE_OTHER, "{guess:?} signed in");
    }
    let list = admin.get("/admin/users").await;
    assert!(list.body.contains("No password yet"), "{}", list.body);
    let edit = admin.get(&format!("/admin/users/{}", user.id.get())).await;
    assert!(edit.body.contains("cannot sign in until a password is set"));
    let set = admin
        .post(
            &format!("/admin/users/{}/password", user.id.get()),
            &[("password", "a brand new password 9")],
        )
        .await;
    assert!(
        set.status.is_success() || set.status == StatusCode::SEE_OTHER,
        "{}",
        set.body
    );
    let page = b.sign_in("new@example.com", "a brand new password 9").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    // The password never reaches the file.
    let after = app.desk().export_config().await.unwrap();
    assert!(
        after.contains("new@example.com") && !after.contains("argon2"),
        "{after}"
    );
}

#[tokio::test]
async fn a_user_the_file_leaves_out_is_disabled_and_the_last_admin_stays() {
    let app = spawn_app().await;
    app.admin().await;
    let without = app.desk().export_config().await.unwrap();
    let with_new = users_file(&app, NEW_USER).await;
    app.desk()
        .import_config(&with_new, false, "", None)
        .await
        .unwrap()
        .unwrap();
    // The file without the new user disables them, once.
    let report = app
        .desk()
        .import_config(&without, false, "", None)
        .await
        .unwrap()
        .unwrap()
        .to_string();
    assert!(
        report.contains("remove new@example.com (disabled: users are never deleted)"),
        "{report}"
    );
    let users = app.desk().store().users().await.unwrap();
    let new = users
        .iter()
        .find(|u| u.email.as_str() == "new@example.com")
        .unwrap();
    assert!(new.disabled);
    let again = app
        .desk()
        .import_config(&without, true, "", None)
        .await
        .unwrap()
        .unwrap()
        .to_string();
    assert!(!again.contains("remove new@example.com"), "{again}");

    // Demoting the only admin is refused at its line, and nothing changes.
    let before = app.desk().export_config().await.unwrap();
    let demoted = before.replacen("role = \"Admin\"", "role = \"Agent\"", 1);
    let refused = app
        .desk()
        .import_config(&demoted, false, "", None)
        .await
        .unwrap()
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("the file leaves no active admin"),
        "{refused}"
    );
    let line = demoted.lines().position(|l| l == "[[users]]").unwrap() + 1;
    assert!(refused.contains(&format!("line {line},")), "{refused}");
    assert_eq!(app.desk().export_config().await.unwrap(), before);
}
