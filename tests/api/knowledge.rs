//! Knowledge articles: admins and supervisors write them (field errors, nothing stored on a
//! refusal), agents may not, a published public article has a page at `/kb/{slug}` for anyone,
//! and their text is escaped everywhere; `knowledge_panel` has the conversation panel's part.
//! The helpers here build articles and conversations for both.

use crate::helpers::*;
use crate::signin::Browser;
use omnidesk::domain::ConversationId;
use omnidesk::domain::knowledge::{
    ArticleBody, ArticleSlug, ArticleState, ArticleTitle, parse_keywords,
};
use omnidesk::domain::language::LanguageCode;
use omnidesk::domain::user::{Email, Role};
use omnidesk::store::knowledge::{Article, ArticleContent};
use omnidesk::store::records::Conversation;
use reqwest::StatusCode;

fn good() -> Vec<(&'static str, &'static str)> {
    vec![
        ("title", "Returning an order"),
        (
            "body",
            "Send the parcel back within 30 days.\n\nPrint the label first.",
        ),
        ("keywords", "refund, return"),
        ("language", "en"),
        ("state", "published"),
        ("public", "on"),
        ("slug", ""),
    ]
}

fn replace<'a>(mut f: Vec<(&'a str, &'a str)>, k: &'a str, v: &'a str) -> Vec<(&'a str, &'a str)> {
    f.retain(|(key, _)| *key != k);
    f.push((k, v));
    f
}

/// Askama's escaping of `s` (the pages' text), to find it in a page.
pub fn html(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
}

/// Stores an article directly, as the form would.
pub async fn article(
    app: &TestApp,
    title: &str,
    keywords: &str,
    body: &str,
    state: ArticleState,
    public: bool,
) -> Article {
    let author = app.desk().store().users().await.unwrap()[0].id;
    app.desk()
        .create_article(
            ArticleContent {
                slug: ArticleSlug::from_title(title).unwrap(),
                title: ArticleTitle::parse(title).unwrap(),
                body: ArticleBody::parse(body).unwrap(),
                keywords: parse_keywords(keywords).unwrap(),
                language: LanguageCode::parse("en").unwrap(),
                state,
                public,
            },
            author,
        )
        .await
        .unwrap()
        .unwrap()
}

pub async fn stored(app: &TestApp) -> Vec<Article> {
    app.desk().articles().await.unwrap()
}

/// A conversation assigned to a newly signed-in agent, and their browser.
pub async fn assigned_conversation(app: &TestApp, first: &str) -> (Conversation, Browser) {
    twilio_accepts(&app.twilio).await;
    let conv = app.customer_writes_wa(first).await;
    let agent = app.signed_in(Role::Agent, "agent@example.com").await;
    let me = app
        .desk()
        .store()
        .user_by_email(Email::parse("agent@example.com").unwrap())
        .await
        .unwrap()
        .expect("agent")
        .id;
    let ws = conv.workstream_id.expect("the WhatsApp number is served");
    app.desk().store().set_members(ws, vec![me]).await.unwrap();
    app.desk()
        .store()
        .assign(conv.id, me, 1, app.desk().now())
        .await
        .unwrap()
        .expect("assigned");
    (conv, agent)
}

/// The panel's article search for `q`.
pub fn search(id: ConversationId, q: &str) -> String {
    format!("/agent/conversations/{}/knowledge?q={q}", id.get())
}

/// The error shown beside the form field `name`.
fn field_error(html: &str, name: &str) -> Option<String> {
    let marker = format!("<p class=\"error\" id=\"e-{name}\">");
    let rest = &html[html.find(&marker)? + marker.len()..];
    Some(rest[..rest.find("</p>")?].to_owned())
}

#[tokio::test]
async fn a_supervisor_writes_edits_and_deletes_an_article() {
    let app = spawn_app().await;
    let mut sup = app.signed_in(Role::Supervisor, "sup@example.com").await;
    let home = sup.get("/agent").await;
    assert!(
        home.body.contains("href=\"/admin/knowledge\""),
        "the supervisor's way in"
    );
    assert_eq!(sup.get("/admin/knowledge/new").await.status, StatusCode::OK);
    let created = sup.post("/admin/knowledge", &good()).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let all = stored(&app).await;
    assert_eq!(all.len(), 1);
    let a = &all[0];
    assert_eq!(
        a.content.slug.as_str(),
        "returning-an-order",
        "made from the title"
    );
    assert_eq!(
        a.content.body.as_str(),
        "Send the parcel back within 30 days.\n\nPrint the label first."
    );
    assert!(a.is_public());
    assert_eq!(
        created.location.as_deref(),
        Some(format!("/admin/knowledge/{}?created=1", a.id.get()).as_str())
    );
    let list = sup.get("/admin/knowledge").await;
    assert!(list.body.contains("Returning an order"), "{}", list.body);
    assert!(list.body.contains("href=\"/kb/returning-an-order\""));

    let edit = format!("/admin/knowledge/{}", a.id.get());
    sup.get(&edit).await;
    let saved = sup
        .post(
            &edit,
            &replace(replace(good(), "title", "Returns"), "state", "draft"),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let a2 = &stored(&app).await[0];
    assert_eq!(a2.content.title.as_str(), "Returns");
    assert_eq!(a2.content.state, ArticleState::Draft);
    assert_eq!(
        a2.content.slug.as_str(),
        "returns",
        "an empty address name follows the title"
    );
    assert_eq!(a2.created_at, a.created_at);

    let confirm = sup.get(&format!("{edit}/delete")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("Delete article"));
    let deleted = sup.post(&format!("{edit}/delete"), &[]).await;
    assert_eq!(
        deleted.location.as_deref(),
        Some("/admin/knowledge?deleted=1")
    );
    assert!(stored(&app).await.is_empty());
    assert_eq!(sup.get(&edit).await.status, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn bad_article_forms_are_refused_beside_the_field_and_store_nothing() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    admin.get("/admin/knowledge/new").await;
    let long_body = "x".repeat(20_001);
    let many = (0..21)
        .map(|i| format!("k{i}"))
        .collect::<Vec<_>>()
        .join(",");
    // (form, the field refused, what it says)
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (replace(good(), "title", " "), "title", "Enter the title."),
        (replace(good(), "title", "a\tb"), "title", "one line"),
        (replace(good(), "body", ""), "body", "Enter the article"),
        (
            replace(good(), "body", &long_body),
            "body",
            "at most 20000 characters",
        ),
        (
            replace(good(), "slug", "Not A Slug"),
            "slug",
            "lower-case letters",
        ),
        (
            replace(good(), "slug", "../etc"),
            "slug",
            "lower-case letters",
        ),
        (replace(good(), "language", "english!"), "language", ""),
        (
            replace(good(), "state", "archived"),
            "state",
            "Choose draft or published.",
        ),
        (
            replace(good(), "keywords", &many),
            "keywords",
            "at most 20 keywords",
        ),
        (
            replace(good(), "title", "!!!"),
            "slug",
            "no letters or digits",
        ),
    ];
    for (form, field, message) in cases {
        let page = admin.post("/admin/knowledge", &form).await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            page.body
        );
        assert_eq!(
            field_error(&page.body, field)
                .as_deref()
                .map(|e| e.contains(&html(message))),
            Some(true),
            "{field}: {message}"
        );
        assert!(stored(&app).await.is_empty(), "{field}: nothing stored");
    }
    // A second article cannot take the first one's address.
    assert_eq!(
        admin.post("/admin/knowledge", &good()).await.status,
        StatusCode::SEE_OTHER
    );
    let again = admin.post("/admin/knowledge", &good()).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again
            .body
            .contains("already uses the address /kb/returning-an-order")
    );
    assert_eq!(stored(&app).await.len(), 1);
    // Nor can an edit of another article.
    let other = admin
        .post("/admin/knowledge", &replace(good(), "slug", "other"))
        .await;
    let other_url = other.location.unwrap().replace("?created=1", "");
    admin.get(&other_url).await;
    let clash = admin
        .post(&other_url, &replace(good(), "slug", "returning-an-order"))
        .await;
    assert_eq!(clash.status, StatusCode::UNPROCESSABLE_ENTITY);
    let slugs: Vec<String> = stored(&app)
        .await
        .iter()
        .map(|a| a.content.slug.to_string())
        .collect();
    assert_eq!(slugs, ["returning-an-order", "other"]);
    app.stop().await;
}

#[tokio::test]
async fn agents_are_refused_on_the_knowledge_pages_and_anonymous_users_sent_to_sign_in() {
    let app = spawn_app().await;
    let mut agent = app.signed_in(Role::Agent, "agent@example.com").await;
    let a = article(
        &app,
        "Shipping",
        "parcel",
        "Two days.",
        ArticleState::Published,
        true,
    )
    .await;
    let id = a.id.get();
    let gets = [
        "/admin/knowledge".to_owned(),
        "/admin/knowledge/new".to_owned(),
        format!("/admin/knowledge/{id}"),
        format!("/admin/knowledge/{id}/delete"),
    ];
    let posts = [
        "/admin/knowledge".to_owned(),
        format!("/admin/knowledge/{id}"),
        format!("/admin/knowledge/{id}/delete"),
    ];
    for path in &gets {
        assert_eq!(
            agent.get(path).await.status,
            StatusCode::FORBIDDEN,
            "GET {path}"
        );
    }
    for path in &posts {
        let page = agent.post(path, &good()).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "POST {path}");
    }
    let mut anonymous = Browser::new(&app.address);
    for path in &gets {
        let page = anonymous.get(path).await;
        assert_eq!(page.location.as_deref(), Some("/login"), "GET {path}");
    }
    // A form without its CSRF token changes nothing, even from an admin.
    let mut admin = app.admin().await;
    admin.get("/admin/knowledge").await;
    let forged = admin
        .post_raw(&format!("/admin/knowledge/{id}/delete"), &pairs(&[]))
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        stored(&app).await.len(),
        1,
        "an agent or a forged form deleted nothing"
    );
    assert_eq!(stored(&app).await[0], a);
    app.stop().await;
}

#[tokio::test]
async fn only_a_published_public_article_has_a_public_page() {
    let app = spawn_app().await;
    app.admin().await;
    article(
        &app,
        "Public and published",
        "",
        "Open to all.\nSecond line.",
        ArticleState::Published,
        true,
    )
    .await;
    article(
        &app,
        "Public draft",
        "",
        "Not yet.",
        ArticleState::Draft,
        true,
    )
    .await;
    article(
        &app,
        "Internal only",
        "",
        "Agents only.",
        ArticleState::Published,
        false,
    )
    .await;
    let mut anyone = Browser::new(&app.address);
    let page = anyone.get("/kb/public-and-published").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h1>Public and published</h1>"));
    assert!(
        page.body.contains("<p>Open to all.<br>Second line.</p>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("name=\"viewport\""), "phone-friendly");
    assert!(
        page.body.contains(">2026-01-01</time>"),
        "the day it changed: {}",
        page.body
    );
    for path in [
        "/kb/public-draft",
        "/kb/internal-only",
        "/kb/nothing-here",
        "/kb/..%2Fetc",
        "/kb/UPPER",
    ] {
        assert_eq!(
            anyone.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn article_text_is_escaped_on_every_page() {
    let app = spawn_app().await;
    let (conv, mut agent) = assigned_conversation(&app, "script alert").await;
    let evil = "<script>alert(1)</script>";
    article(
        &app,
        &format!("Alert {evil}"),
        "script, alert",
        &format!("Body {evil} <img src=x onerror=alert(2)>"),
        ArticleState::Published,
        true,
    )
    .await;
    let mut admin = app.admin().await;
    let mut anyone = Browser::new(&app.address);
    let pages = [
        admin.get("/admin/knowledge").await.body,
        admin.get("/admin/knowledge/1").await.body,
        agent
            .get(&format!("/agent/conversations/{}", conv.id.get()))
            .await
            .body,
        agent.get(&search(conv.id, "alert")).await.body,
        anyone.get("/kb/alert-script-alert-1-script").await.body,
    ];
    for (i, body) in pages.iter().enumerate() {
        assert!(!body.contains(evil), "page {i}");
        assert!(!body.contains("<img src=x"), "page {i}");
        assert!(body.contains(&html(evil)), "page {i}: {body}");
    }
    app.stop().await;
}

const KNOWLEDGE_FILE: &str = r#"
[[knowledge]]
slug = "returns"
title = "Returns and refunds"
body = "Thirty days."
keywords = ["refund"]
language = "en"
state = "published"
public = true

[[knowledge]]
slug = "shipping"
title = "Shipping"
body = "Two days."
language = "en"
state = "draft"
"#;

#[tokio::test]
async fn articles_travel_in_the_configuration_file() {
    use crate::operations::omnidesk;
    let app = spawn_app().await;
    app.admin().await;
    article(
        &app,
        "Returns",
        "refund",
        "Thirty days.",
        ArticleState::Published,
        true,
    )
    .await;
    article(
        &app,
        "Old news",
        "",
        "Gone soon.",
        ArticleState::Draft,
        false,
    )
    .await;
    let dir = app.stop().await;
    let (ok, text, err) = omnidesk(dir.path(), &["config", "export"], "");
    assert!(ok, "{err}");
    for expected in [
        "[[knowledge]]",
        "slug = \"returns\"",
        "state = \"published\"",
        "public = true",
        "slug = \"old-news\"",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    let file = dir.path().join("knowledge.toml");
    std::fs::write(&file, &text).unwrap();
    let path = file.to_str().unwrap();
    let (ok, out, err) = omnidesk(dir.path(), &["config", "import", path], "");
    assert!(ok, "{err}");
    assert!(out.contains("knowledge articles: no changes"), "{out}");

    std::fs::write(&file, KNOWLEDGE_FILE).unwrap();
    let (ok, out, err) = omnidesk(dir.path(), &["config", "import", path, "--dry-run"], "");
    assert!(ok, "{err}");
    for expected in [
        "add Shipping (/kb/shipping)",
        "change Returns and refunds (/kb/returns)",
        "remove Old news (/kb/old-news)",
    ] {
        assert!(out.contains(expected), "{expected}: {out}");
    }
    let (ok, out, err) = omnidesk(dir.path(), &["config", "import", path], "");
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("Applied."), "{out}");
    let (_, text, _) = omnidesk(dir.path(), &["config", "export"], "");
    assert!(text.contains("title = \"Returns and refunds\""), "{text}");
    assert!(text.contains("slug = \"shipping\""));
    assert!(!text.contains("old-news"));

    // One slug twice, or one today's rules refuse: nothing changes.
    let twice = format!(
        "{KNOWLEDGE_FILE}{}",
        &KNOWLEDGE_FILE[KNOWLEDGE_FILE
            .find("[[knowledge]]\nslug = \"shipping\"")
            .unwrap()..]
    );
    for (bad, says) in [
        (twice.as_str(), "this article appears twice"),
        (
            &*KNOWLEDGE_FILE.replace("\"shipping\"", "\"Not A Slug\""),
            "address name",
        ),
    ] {
        std::fs::write(&file, bad).unwrap();
        let (ok, out, err) = omnidesk(dir.path(), &["config", "import", path], "");
        assert!(!ok, "{out}");
        assert!(
            err.contains(says) || out.contains(says),
            "{says}: {out}{err}"
        );
    }
    let (_, after, _) = omnidesk(dir.path(), &["config", "export"], "");
    assert_eq!(after, text, "a refused file changed nothing");
}
