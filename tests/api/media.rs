use crate::helpers::*;
use omnidesk::store::records::MediaState;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

fn media_form(sid: &str, urls: &[String]) -> Vec<(String, String)> {
    let mut form = with(wa_form(sid, ""), "NumMedia", &urls.len().to_string());
    for (i, u) in urls.iter().enumerate() {
        form.push((format!("MediaUrl{i}"), u.clone()));
        form.push((format!("MediaContentType{i}"), "image/jpeg".into()));
    }
    form
}

async fn media_states(app: &TestApp, sid: &str, n: usize) -> Vec<MediaState> {
    eventually("media fetches finish", || async {
        let m = app.message_by_sid(sid).await?;
        let done = m.media.len() == n && m.media.iter().all(|x| x.state != MediaState::Pending);
        done.then(|| m.media.iter().map(|x| x.state.clone()).collect())
    })
    .await
}

#[tokio::test]
async fn inbound_media_is_fetched_with_basic_auth_through_the_redirect_and_stored() {
    let app = spawn_app().await;
    let photo = vec![0xffu8, 0xd8, 0xff, 0xe0, 1, 2, 3, 4];
    // Basic base64("AC111…:wa-auth-token…")
    let auth = {
        use base64::Engine;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{WA_SID}:{WA_TOKEN}"))
        )
    };
    Mock::given(method("GET"))
        .and(path("/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"))
        .and(header("authorization", auth.as_str()))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/cdn/ME1", app.twilio.uri())),
        )
        .mount(&app.twilio)
        .await;
    Mock::given(method("GET"))
        .and(path("/cdn/ME1"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(photo.clone()))
        .mount(&app.twilio)
        .await;
    let sid = new_sid();
    let url = format!(
        "{}/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
        app.twilio.uri()
    );
    assert_eq!(
        app.post_inbound_wa(&media_form(&sid, &[url]))
            .await
            .status(),
        200
    );
    let states = media_states(&app, &sid, 1).await;
    let MediaState::Stored { file, bytes } = &states[0] else {
        panic!("not stored: {states:?}");
    };
    assert_eq!(*bytes, photo.len() as u64);
    let on_disk = std::fs::read(app.dir.path().join("media").join(file)).unwrap();
    assert_eq!(on_disk, photo);
    app.stop().await;
}

#[tokio::test]
async fn a_failed_media_fetch_is_visible_on_the_message() {
    let app = spawn_app_with(wiremock::MockServer::start().await, |s| {
        s.media_max_bytes = 1_000;
    })
    .await;
    Mock::given(method("GET"))
        .and(path("/big"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![7u8; 5_000]))
        .mount(&app.twilio)
        .await;
    Mock::given(method("GET"))
        .and(path("/elsewhere"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", "http://127.0.0.2:9/stolen"),
        )
        .mount(&app.twilio)
        .await;
    let base = app.twilio.uri();
    let urls = vec![
        format!("{base}/missing"),
        format!("{base}/big"),
        "https://evil.example/x.jpg".to_owned(),
        format!("{base}/elsewhere"),
    ];
    let sid = new_sid();
    assert_eq!(
        app.post_inbound_wa(&media_form(&sid, &urls)).await.status(),
        200
    );
    let states = media_states(&app, &sid, 4).await;
    let reasons: Vec<String> = states
        .iter()
        .map(|s| match s {
            MediaState::Failed { reason } => reason.clone(),
            other => panic!("expected a failure, got {other:?}"),
        })
        .collect();
    assert!(reasons[0].contains("404"), "{}", reasons[0]);
    assert!(reasons[1].contains("limit"), "{}", reasons[1]);
    assert!(reasons[2].contains("provider's hosts"), "{}", reasons[2]);
    assert!(reasons[3].contains("redirect"), "{}", reasons[3]);
    assert_eq!(app.metric("media_failed_total").await, 4);
    app.stop().await;
}

#[tokio::test]
async fn stored_media_is_served_only_to_signed_in_users_who_may_see_it() {
    use omnidesk::domain::user::Role;
    let app = spawn_app().await;
    Mock::given(method("GET"))
        .and(path("/m/1"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"PNGDATA".to_vec()))
        .mount(&app.twilio)
        .await;
    let sid = new_sid();
    let url = format!("{}/m/1", app.twilio.uri());
    assert_eq!(
        app.post_inbound_wa(&media_form(&sid, &[url]))
            .await
            .status(),
        200
    );
    media_states(&app, &sid, 1).await;
    let msg = app.message_by_sid(&sid).await.unwrap();
    let media_path = format!("/media/{}/{}/0", msg.conversation_id.get(), msg.seq);

    let mut anonymous = crate::signin::Browser::new(&app.address);
    assert_eq!(
        anonymous.get(&media_path).await.status,
        303,
        "sign-in required"
    );
    let mut agent = app.signed_in(Role::Agent, "agent@example.com").await;
    assert_eq!(
        agent.get(&media_path).await.status,
        404,
        "not the agent's conversation"
    );
    let mut sup = app.signed_in(Role::Supervisor, "sup@example.com").await;
    let page = sup.get(&media_path).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body, "PNGDATA");
    assert_eq!(
        sup.get(&format!(
            "/media/{}/{}/5",
            msg.conversation_id.get(),
            msg.seq
        ))
        .await
        .status,
        404
    );
    assert_eq!(sup.get("/media/999/1/0").await.status, 404);
    app.stop().await;
}
