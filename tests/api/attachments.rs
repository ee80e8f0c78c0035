//! Agents sending files: only when the workstream allows it, within 5 MB and the channel's types,
//! served to the provider from a signed, expiring URL.

use crate::helpers::*;
use crate::signin::Browser;
use omnidesk::domain::user::Role;
use omnidesk::domain::workstream::Attachments;
use omnidesk::store::workstreams::SetupChange;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use std::time::Duration;

async fn assigned_to_agent(app: &TestApp) -> (Browser, omnidesk::domain::ConversationId) {
    let mut agent = app.signed_in(Role::Agent, "agent@example.com").await;
    let id = app
        .desk()
        .store()
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.role == Role::Agent)
        .unwrap()
        .id;
    let conv = app.customer_writes_wa("can you send the invoice?").await;
    app.desk()
        .store()
        .assign(conv.id, id, 1, app.desk().now())
        .await
        .unwrap()
        .unwrap();
    agent
        .get(&format!("/agent/conversations/{}", conv.id.get()))
        .await;
    (agent, conv.id)
}

pub(crate) async fn allow_agent_files(app: &TestApp) {
    let ws = app.desk().store().workstreams().await.unwrap()[0].id;
    app.desk()
        .store()
        .save_workstream_setup(
            ws,
            SetupChange::Features(Attachments {
                customers: false,
                agents: true,
            }),
        )
        .await
        .unwrap()
        .unwrap();
}

async fn upload(
    b: &Browser,
    conv: omnidesk::domain::ConversationId,
    name: &str,
    data: Vec<u8>,
    csrf: &str,
) -> (StatusCode, String) {
    let form = Form::new()
        .text("csrf", csrf.to_owned())
        .text("caption", "Your invoice")
        .part("file", Part::bytes(data).file_name(name.to_owned()));
    let resp = b
        .http
        .post(format!(
            "{}/agent/conversations/{}/attachments",
            b.base,
            conv.get()
        ))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

#[tokio::test]
async fn an_agent_sends_a_pdf_that_the_provider_fetches_from_a_signed_url() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    allow_agent_files(&app).await;
    let (agent, conv) = assigned_to_agent(&app).await;
    let panel = agent
        .http
        .get(format!(
            "{}/agent/conversations/{}",
            app.address,
            conv.get()
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        panel.contains("enctype=\"multipart/form-data\""),
        "the composer offers a file"
    );
    let pdf = b"%PDF-1.4 invoice".to_vec();
    let (status, body) = upload(&agent, conv, "invoice.pdf", pdf.clone(), &agent.csrf).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let sent = eventually("the provider gets the message", || async {
        let s = app.sent_messages().await;
        (!s.is_empty()).then_some(s)
    })
    .await;
    let form = form_of(&sent[0]);
    assert_eq!(field(&form, "Body").as_deref(), Some("Your invoice"));
    let media_url = field(&form, "MediaUrl").expect("MediaUrl sent");
    assert!(
        media_url.starts_with(&format!("{}/media/out/", app.address)),
        "{media_url}"
    );
    let fetched = reqwest::get(&media_url).await.unwrap();
    assert_eq!(
        fetched.status(),
        StatusCode::OK,
        "the provider needs no session"
    );
    assert_eq!(fetched.headers()["content-type"], "application/pdf");
    assert_eq!(fetched.bytes().await.unwrap().to_vec(), pdf);
    let tampered = media_url.replace("sig=", "sig=0");
    assert_eq!(
        reqwest::get(&tampered).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    app.clock.advance(Duration::from_secs(3601));
    assert_eq!(
        reqwest::get(&media_url).await.unwrap().status(),
        StatusCode::NOT_FOUND,
        "expired"
    );
    app.stop().await;
}

#[tokio::test]
async fn files_are_refused_when_not_allowed_too_large_or_of_the_wrong_type() {
    let app = spawn_app().await;
    let (agent, conv) = assigned_to_agent(&app).await;
    let (status, body) = upload(&agent, conv, "a.pdf", b"x".to_vec(), &agent.csrf).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("cannot send file attachments"), "{body}");
    allow_agent_files(&app).await;
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str, &str)> = vec![
        (
            "big.pdf",
            vec![0u8; 5 * 1024 * 1024 + 1],
            StatusCode::PAYLOAD_TOO_LARGE,
            "larger than 5 MB",
            "over the limit",
        ),
        (
            "table.csv",
            b"a,b".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "WhatsApp accepts only",
            "CSV is SMS only",
        ),
        (
            "tool.exe",
            b"MZ".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ".pdf",
            "not a media type",
        ),
        (
            "empty.pdf",
            Vec::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose a file",
            "empty file",
        ),
    ];
    for (name, data, want, message, why) in cases {
        let (status, body) = upload(&agent, conv, name, data, &agent.csrf).await;
        assert_eq!(status, want, "{why}");
        assert!(body.contains(message), "{why}: {body}");
    }
    let (status, _) = upload(&agent, conv, "a.pdf", b"x".to_vec(), "wrong-token").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "CSRF");
    assert_eq!(app.exchanged(conv).await.len(), 1, "nothing was stored");
    // Every send due by now has been made and answered: nothing more can arrive.
    crate::fake_twilio::sends_settled(&app).await;
    assert!(app.sent_messages().await.is_empty());
    let files = std::fs::read_dir(app.dir.path().join("media"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(files, 0, "no file left behind");
    app.stop().await;
}
