//! `/admin/config`: export downloads the file; import previews the plan and applies exactly the
//! previewed file; a bad file shows its line and changes nothing; admins only.

use crate::helpers::*;
use crate::signin::Page;
use omnidesk::domain::user::Role;
use reqwest::StatusCode;

/// The value of the hidden `file` field, unescaped.
fn hidden_file(page: &Page) -> String {
    let marker = "name=\"file\" value=\"";
    let i = page
        .body
        .find(marker)
        .expect("the apply form carries the file")
        + marker.len();
    let raw = page.body[i..].split('"').next().unwrap();
    raw.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&#60;", "<")
        .replace("&gt;", ">")
        .replace("&#62;", ">")
        .replace("&#10;", "\n")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

async fn skill_names(app: &TestApp) -> Vec<String> {
    let skills = app.desk().store().skills().await.unwrap();
    skills.iter().map(|s| s.name.to_string()).collect()
}

#[tokio::test]
async fn an_admin_exports_previews_and_applies_the_configuration_file() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let home = admin.get("/admin/config").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("href=\"/admin/config\""), "nav link");

    let resp = admin
        .http
        .get(format!("{}/admin/config/export", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-disposition"],
        "attachment; filename=omnidesk-config.toml"
    );
    let text = resp.text().await.unwrap();
    assert_eq!(text, app.desk().export_config().await.unwrap());
    assert!(!text.contains(WA_TOKEN), "{text}");

    assert!(text.contains("skills = []\n"), "{text}");
    let wanted = text.replace("skills = []\n", "") + "\n[[skills]]\nname = \"French & <Creole>\"\n";
    let preview = admin
        .post("/admin/config/preview", &[("file", &wanted)])
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(
        preview.body.contains("add French &#38; &#60;Creole&#62;"),
        "{}",
        preview.body
    );
    assert!(preview.body.contains("action=\"/admin/config/apply\""));
    assert!(
        skill_names(&app).await.is_empty(),
        "a preview changed the store"
    );
    let carried = hidden_file(&preview);
    assert_eq!(carried, wanted);

    let forged = admin
        .post_raw(
            "/admin/config/apply",
            &pairs(&[("csrf", "forged"), ("file", &carried)]),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(skill_names(&app).await.is_empty());

    let applied = admin
        .post("/admin/config/apply", &[("file", &carried)])
        .await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    assert!(applied.body.contains("Applied"), "{}", applied.body);
    assert_eq!(
        skill_names(&app).await,
        vec!["French & <Creole>".to_string()]
    );
}

#[tokio::test]
async fn a_bad_file_on_the_admin_page_shows_its_line_and_changes_nothing() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    admin.get("/admin/config").await;
    let text = app.desk().export_config().await.unwrap();
    let bad = text.replacen("priority = ", "priority = 0 #", 1);
    assert_ne!(bad, text);
    let line = bad
        .lines()
        .position(|l| l.contains("priority = 0"))
        .unwrap()
        + 1;
    for path in ["/admin/config/preview", "/admin/config/apply"] {
        let page = admin.post(path, &[("file", &bad)]).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(
            page.body.contains(&format!("line {line}, column")),
            "{}",
            page.body
        );
        assert!(page.body.contains("from 1 to 1000"), "{}", page.body);
        assert!(page.body.contains("nothing was changed"), "{}", page.body);
        assert!(
            page.body.contains("priority = 0 #"),
            "the form keeps the file"
        );
        assert_eq!(app.desk().export_config().await.unwrap(), text);
    }
    let empty = admin.post("/admin/config/preview", &[("file", "  ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("Paste the configuration file."));
}

#[tokio::test]
async fn agents_and_supervisors_cannot_open_or_post_the_configuration_page() {
    let app = spawn_app().await;
    let text = app.desk().export_config().await.unwrap();
    for (role, email) in [
        (Role::Agent, "agent@example.com"),
        (Role::Supervisor, "sup@example.com"),
    ] {
        let mut b = app.signed_in(role, email).await;
        for path in ["/admin/config", "/admin/config/export"] {
            assert_eq!(
                b.get(path).await.status,
                StatusCode::FORBIDDEN,
                "{role} {path}"
            );
        }
        let with_french = text.replace("skills = []\n", "") + "\n[[skills]]\nname = \"French\"\n";
        for path in ["/admin/config/preview", "/admin/config/apply"] {
            let page = b.post(path, &[("file", &with_french)]).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{role} {path}");
        }
        assert!(skill_names(&app).await.is_empty());
    }
}

#[tokio::test]
async fn an_admin_cannot_import_a_file_that_disables_or_demotes_themselves() {
    let app = spawn_app().await;
    // A second admin, so the last-admin rule alone would let the file through.
    let _other = app.signed_in(Role::Admin, "other@example.com").await;
    let mut admin = app.admin().await;
    admin.get("/admin/config").await;
    let text = app.desk().export_config().await.unwrap();
    let me = "email = \"admin@example.com\"";
    assert!(text.contains(me), "{text}");
    // Left out of the file (which disables a user), and listed as disabled.
    // The admin's own [[users]] entry, up to its (empty) skills table.
    let start = text.find(&format!("[[users]]\n{me}")).unwrap();
    let end = start + text[start..].find("[users.skills]\n").unwrap() + "[users.skills]\n".len();
    let mine = &text[start..end];
    let with_mine = |entry: &str| format!("{}{entry}{}", &text[..start], &text[end..]);
    let left_out = with_mine("");
    let disabled = with_mine(&mine.replace("disabled = false", "disabled = true"));
    let demoted = with_mine(&mine.replace("role = \"Admin\"", "role = \"Agent\""));
    for file in [left_out, disabled, demoted] {
        assert_ne!(file, text);
        let page = admin
            .post("/admin/config/preview", &[("file", &file)])
            .await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            page.body
        );
        assert!(
            page.body
                .contains("the file would disable or demote you (admin@example.com)"),
            "{}",
            page.body
        );
        let applied = admin.post("/admin/config/apply", &[("file", &file)]).await;
        assert_eq!(applied.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let users = app.desk().store().users().await.unwrap();
    let me = users
        .iter()
        .find(|u| u.email.as_str() == "admin@example.com")
        .unwrap();
    assert!(!me.disabled, "nothing changed");
    app.stop().await;
}
