//! What omnidesk leaves on disk is owner-only (and is made so at start-up), authenticated media is
//! never cached, and forms refuse bad input before they change anything.

use crate::helpers::*;
use omnidesk::domain::presence::Presence;
use omnidesk::domain::user::Role;
use omnidesk::store::records::MediaState;
use reqwest::StatusCode;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

/// An inbound WhatsApp message whose one photo is fetched and stored; returns its SID.
pub(crate) async fn receive_photo(app: &TestApp) -> String {
    receive_file(app, "/m/photo", "image/jpeg", b"JPEGDATA").await
}

/// A customer's WhatsApp message carrying one file of `content_type`, fetched from the fake
/// Twilio at `at` and stored.
pub(crate) async fn receive_file(
    app: &TestApp,
    at: &str,
    content_type: &str,
    bytes: &[u8],
) -> String {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(bytes.to_vec()))
        .mount(&app.twilio)
        .await;
    let sid = new_sid();
    let mut form = with(wa_form(&sid, ""), "NumMedia", "1");
    form.push(("MediaUrl0".into(), format!("{}{at}", app.twilio.uri())));
    form.push(("MediaContentType0".into(), content_type.into()));
    assert_eq!(app.post_inbound_wa(&form).await.status(), 200);
    eventually("the file is stored", || async {
        let m = app.message_by_sid(&sid).await?;
        matches!(m.media.first()?.state, MediaState::Stored { .. }).then_some(())
    })
    .await;
    sid
}

#[cfg(unix)]
mod permissions {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::path::{Path, PathBuf};

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    fn set(p: &Path, m: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    }

    /// Every directory and file under `root`.
    fn tree(root: &Path, out: &mut Vec<PathBuf>) {
        out.push(root.to_owned());
        if root.is_dir() {
            for e in std::fs::read_dir(root).unwrap() {
                tree(&e.unwrap().path(), out);
            }
        }
    }

    fn assert_owner_only(data: &Path) {
        let mut all = Vec::new();
        tree(data, &mut all);
        let files: Vec<_> = all.iter().filter(|p| p.is_file()).collect();
        assert!(
            files.iter().any(|p| p.ends_with("omnidesk.redb")),
            "{all:?}"
        );
        assert!(files.iter().any(|p| p.ends_with("master.key")), "{all:?}");
        assert!(
            files
                .iter()
                .any(|p| p.extension().is_some_and(|e| e == "jpg")),
            "{all:?}"
        );
        for p in &all {
            let want = if p.is_dir() { 0o700 } else { 0o600 };
            assert_eq!(mode(p), want, "{} is {:o}", p.display(), mode(p));
        }
    }

    #[tokio::test]
    async fn the_data_directory_and_everything_in_it_are_owner_only() {
        let twilio = wiremock::MockServer::start().await;
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data");
        let app = spawn_app_with(twilio, |s| s.data_dir = data.clone()).await;
        receive_photo(&app).await;
        assert_owner_only(&data);
        app.stop().await;
    }

    #[tokio::test]
    async fn files_left_open_are_tightened_at_start_up() {
        let twilio = wiremock::MockServer::start().await;
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data");
        let mut app = spawn_app_with(twilio, |s| s.data_dir = data.clone()).await;
        receive_photo(&app).await;
        let mut all = Vec::new();
        tree(&data, &mut all);
        for p in &all {
            set(p, if p.is_dir() { 0o755 } else { 0o644 });
        }
        let again = data.clone();
        app.restart(move |s| s.data_dir = again).await;
        assert_owner_only(&data);
        app.stop().await;
    }
}

fn cache_control(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[tokio::test]
async fn authenticated_media_is_never_cached() {
    let app = spawn_app().await;
    let sid = receive_photo(&app).await;
    let msg = app.message_by_sid(&sid).await.unwrap();
    let sup = app.signed_in(Role::Supervisor, "sup@example.com").await;
    let inbound = sup
        .http
        .get(format!(
            "{}/media/{}/{}/0",
            app.address,
            msg.conversation_id.get(),
            msg.seq
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(inbound.status(), StatusCode::OK);
    assert_eq!(
        cache_control(&inbound).as_deref(),
        Some("private, no-store")
    );

    use omnidesk::media::signed;
    let file = "out-1-0011223344556677.pdf";
    std::fs::write(app.dir.path().join("media").join(file), b"%PDF-1.4").unwrap();
    let key = app.desk().store().master_key().derive(signed::KEY_PURPOSE);
    let url = signed::url(&app.address, &key, file, app.desk().now());
    let outbound = reqwest::get(url).await.unwrap();
    assert_eq!(outbound.status(), StatusCode::OK);
    assert_eq!(
        cache_control(&outbound).as_deref(),
        Some("private, no-store")
    );
    app.stop().await;
}

#[tokio::test]
async fn a_bad_return_path_on_the_presence_form_is_refused_before_the_presence_changes() {
    let app = spawn_app().await;
    let mut agent = app.signed_in(Role::Agent, "agent@example.com").await;
    agent.get("/agent").await;
    let user = app
        .desk()
        .store()
        .user_by_email(omnidesk::domain::user::Email::parse("agent@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(app.desk().presence_of(user.id).await, Presence::Available);
    for (back, why) in [
        ("https://evil.example/agent", "another site"),
        ("//evil.example/agent", "scheme-relative"),
        ("/agent\r\nSet-Cookie: x=1", "header injection"),
        ("/agentx", "not under /agent"),
        ("/agent/\\evil", "a backslash"),
    ] {
        let page = agent
            .post("/agent/presence", &[("presence", "away"), ("back", back)])
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{why}");
        assert!(
            page.body.contains("must be a path under /agent"),
            "{why}: {}",
            page.body
        );
        assert_eq!(
            app.desk().presence_of(user.id).await,
            Presence::Available,
            "{why}: the presence did not change"
        );
    }
    let ok = agent
        .post(
            "/agent/presence",
            &[("presence", "away"), ("back", "/agent/search")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.location.as_deref(), Some("/agent/search"));
    assert_eq!(app.desk().presence_of(user.id).await, Presence::Away);
    app.stop().await;
}
