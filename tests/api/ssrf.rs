//! Inbound media is fetched only from the provider's media origin, credentials go only there and
//! never along a redirect, redirects lead only to allowed https hosts, and a media type that could
//! break a header is refused with the webhook.

use crate::helpers::*;
use omnidesk::store::records::MediaState;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn media_form(sid: &str, url: &str, content_type: &str) -> Vec<(String, String)> {
    let mut form = with(wa_form(sid, ""), "NumMedia", "1");
    form.push(("MediaUrl0".into(), url.into()));
    form.push(("MediaContentType0".into(), content_type.into()));
    form
}

/// A server inside the network that must never be reached: it answers everything.
async fn internal_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"SECRET".to_vec()))
        .mount(&server)
        .await;
    server
}

/// Waits until the message's only media item is no longer pending: the fetch is over.
async fn media_outcome(app: &TestApp, sid: &str) -> MediaState {
    eventually("the media fetch finishes", || async {
        let m = app.message_by_sid(sid).await?;
        m.media
            .first()
            .filter(|x| x.state != MediaState::Pending)
            .map(|x| x.state.clone())
    })
    .await
}

fn failure(state: &MediaState) -> &str {
    match state {
        MediaState::Failed { reason } => reason,
        other => panic!("expected a failure, got {other:?}"),
    }
}

async fn assert_untouched(server: &MockServer) {
    let seen = server.received_requests().await.unwrap_or_default();
    assert!(
        seen.iter()
            .all(|r| !r.headers.contains_key("authorization")),
        "the internal server saw the credentials"
    );
    assert!(seen.is_empty(), "the internal server was reached: {seen:?}");
}

/// Posts a message whose media is at `url`; the webhook is accepted and the fetch refused
/// before any request goes out.
async fn media_url_is_refused(url_of: impl Fn(u16) -> String) {
    let app = spawn_app().await;
    let internal = internal_server().await;
    let url = url_of(internal.address().port());
    let sid = new_sid();
    let resp = app
        .post_inbound_wa(&media_form(&sid, &url, "image/jpeg"))
        .await;
    assert_eq!(resp.status(), 200, "{url}");
    let state = media_outcome(&app, &sid).await;
    assert!(
        failure(&state).contains("not on the provider's hosts"),
        "{url}: {state:?}"
    );
    assert_untouched(&internal).await;
    app.stop().await;
}

#[tokio::test]
async fn media_on_another_loopback_port_is_not_fetched() {
    media_url_is_refused(|port| format!("http://127.0.0.1:{port}/secret")).await;
}

#[tokio::test]
async fn media_at_a_decimal_ip_is_not_fetched() {
    media_url_is_refused(|port| format!("http://2130706433:{port}/secret")).await;
}

#[tokio::test]
async fn media_at_a_host_with_a_trailing_dot_is_not_fetched() {
    media_url_is_refused(|port| format!("http://127.0.0.1.:{port}/secret")).await;
}

#[tokio::test]
async fn media_over_plain_http_from_the_providers_host_is_not_fetched() {
    media_url_is_refused(|_| "http://api.twilio.com:80/2010-04-01/Accounts/AC1/Media/ME1".into())
        .await;
}

#[tokio::test]
async fn a_redirect_to_a_host_that_is_not_allowed_is_not_followed() {
    let app = spawn_app().await;
    let internal = internal_server().await;
    let targets = [
        format!("http://127.0.0.1:{}/stolen", internal.address().port()),
        format!("https://127.0.0.1:{}/stolen", internal.address().port()),
        format!("http://localhost:{}/stolen", internal.address().port()),
        "https://evil.example/stolen".to_owned(),
    ];
    for (i, target) in targets.iter().enumerate() {
        Mock::given(method("GET"))
            .and(path(format!("/media/{i}")))
            .respond_with(ResponseTemplate::new(302).insert_header("location", target.as_str()))
            .mount(&app.twilio)
            .await;
        let sid = new_sid();
        let url = format!("{}/media/{i}", app.twilio.uri());
        let resp = app
            .post_inbound_wa(&media_form(&sid, &url, "image/jpeg"))
            .await;
        assert_eq!(resp.status(), 200);
        let state = media_outcome(&app, &sid).await;
        assert!(failure(&state).contains("redirect"), "{target}: {state:?}");
    }
    assert_untouched(&internal).await;
    app.stop().await;
}

#[tokio::test]
async fn credentials_go_to_the_provider_but_never_along_a_redirect() {
    let app = spawn_app().await;
    let auth = crate::fake_twilio::basic(WA_SID, WA_TOKEN);
    Mock::given(method("GET"))
        .and(path("/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"))
        .and(wiremock::matchers::header("authorization", auth.as_str()))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/cdn/ME1", app.twilio.uri())),
        )
        .mount(&app.twilio)
        .await;
    Mock::given(method("GET"))
        .and(path("/cdn/ME1"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"JPEG".to_vec()))
        .mount(&app.twilio)
        .await;
    let sid = new_sid();
    let url = format!(
        "{}/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
        app.twilio.uri()
    );
    let resp = app
        .post_inbound_wa(&media_form(&sid, &url, "image/jpeg"))
        .await;
    assert_eq!(resp.status(), 200);
    let state = media_outcome(&app, &sid).await;
    assert!(matches!(state, MediaState::Stored { .. }), "{state:?}");
    let requests = app.twilio.received_requests().await.unwrap_or_default();
    let first = requests
        .iter()
        .find(|r| r.url.path().ends_with("/Media/ME1"))
        .expect("the media URL was fetched");
    assert!(first.headers.contains_key("authorization"));
    let cdn = requests
        .iter()
        .find(|r| r.url.path() == "/cdn/ME1")
        .expect("the redirect was followed");
    assert!(
        !cdn.headers.contains_key("authorization"),
        "credentials went along the redirect"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_media_type_with_control_characters_is_refused_with_the_webhook() {
    let app = spawn_app().await;
    for (content_type, why) in [
        ("image/jpeg\r\nX-Injected: 1", "CR/LF"),
        ("image/jpeg\n", "LF"),
        ("image/jp\u{1}eg", "a control character"),
        ("text/plain; name=\"a\rb\"", "CR in a parameter"),
    ] {
        let sid = new_sid();
        let url = format!("{}/media/x", app.twilio.uri());
        let resp = app
            .post_inbound_wa(&media_form(&sid, &url, content_type))
            .await;
        assert_eq!(resp.status(), 400, "{why}");
        assert!(app.message_by_sid(&sid).await.is_none(), "{why}: stored");
    }
    assert!(
        app.twilio
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty(),
        "nothing was fetched"
    );
    app.stop().await;
}
