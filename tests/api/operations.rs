//! Health, metrics, secrets at rest, the operator CLI and the workstream queue.

use crate::helpers::*;
use std::process::{Command, Stdio};

#[tokio::test]
async fn healthz_is_200_after_recovery_and_metrics_are_prometheus_text() {
    let app = spawn_app().await;
    let health = app
        .http
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    app.customer_writes_wa("hi").await;
    let resp = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = resp.text().await.unwrap();
    assert!(text.contains("# TYPE omnidesk_inbound_stored_total counter"));
    assert_eq!(app.metric("inbound_stored_total").await, 1);
    app.stop().await;
}

#[tokio::test]
async fn the_auth_token_never_appears_in_clear_in_the_store_file_or_responses() {
    let app = spawn_app().await;
    let conv = app.customer_writes_wa("hi").await;
    let metrics = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert!(!metrics.text().await.unwrap().contains(WA_TOKEN));
    let bad = app
        .post_inbound_wa(&with(wa_form(&new_sid(), "x"), "From", "nope"))
        .await;
    assert!(!bad.text().await.unwrap().contains(WA_TOKEN));
    assert!(app.message_by_sid("none").await.is_none());
    let _ = conv;
    let kept = app.stop().await;
    let dir = kept.path();
    let raw = std::fs::read(dir.join("omnidesk.redb")).unwrap();
    for token in [WA_TOKEN, SMS_TOKEN] {
        let found = raw.windows(token.len()).any(|w| w == token.as_bytes());
        assert!(!found, "the auth token is stored in clear");
    }
    let key = std::fs::read_to_string(dir.join("master.key")).unwrap();
    let key_bytes = key.trim().as_bytes();
    assert!(
        !raw.windows(key_bytes.len()).any(|w| w == key_bytes),
        "the master key entered the store"
    );
}

#[tokio::test]
async fn a_new_conversation_waits_in_its_workstream_queue() {
    let app = spawn_app().await;
    let conv = app.customer_writes_wa("hi").await;
    let ws = conv
        .workstream_id
        .expect("the WhatsApp number serves a workstream");
    let queue = eventually("the conversation is queued", || async {
        let q = app.desk().queue_of(ws).await.unwrap();
        (!q.is_empty()).then_some(q)
    })
    .await;
    assert_eq!(queue, vec![conv.id]);
    app.customer_writes_wa("hello again").await;
    assert_eq!(
        app.desk().queue_of(ws).await.unwrap(),
        vec![conv.id],
        "queued once"
    );
    app.stop().await;
}

/// Runs the real binary on `dir` as an operator would: (succeeded, stdout, stderr).
pub fn omnidesk(dir: &std::path::Path, args: &[&str], stdin: &str) -> (bool, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_omnidesk"))
        .arg("--data-dir")
        .arg(dir)
        .args(["--public-url", "https://desk.example.org"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_cli_sets_up_an_account_number_and_workstream() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = omnidesk(
        dir.path(),
        &[
            "account",
            "add",
            "--name",
            "Support",
            "--channel",
            "whatsapp",
            "--sid",
            WA_SID,
        ],
        "secret-token-from-stdin\n",
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("https://desk.example.org/webhooks/twilio/"),
        "{out}"
    );
    let (ok, out, err) = omnidesk(
        dir.path(),
        &[
            "number",
            "add",
            "--account",
            "1",
            "--number",
            WA_BUSINESS,
            "--kind",
            "whatsapp",
        ],
        "",
    );
    assert!(ok, "{err}");
    assert!(out.contains(WA_BUSINESS));
    let (ok, _, err) = omnidesk(
        dir.path(),
        &[
            "workstream",
            "add",
            "--name",
            "WA",
            "--channel",
            "whatsapp",
            "--numbers",
            "1",
        ],
        "",
    );
    assert!(ok, "{err}");
    let (ok, out, _) = omnidesk(dir.path(), &["account", "list"], "");
    assert!(ok);
    assert!(out.contains("/status"), "{out}");
    assert!(!out.contains("secret-token-from-stdin"));
    let raw = std::fs::read(dir.path().join("omnidesk.redb")).unwrap();
    assert!(!raw.windows(23).any(|w| w == b"secret-token-from-stdin"));
}

#[test]
fn the_cli_refuses_bad_input_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str, &str); 4] = [
        (
            &[
                "account",
                "add",
                "--name",
                "x",
                "--channel",
                "sms",
                "--sid",
                "AC12",
            ],
            "tok",
            "Account SID",
        ),
        (
            &[
                "account",
                "add",
                "--name",
                "x",
                "--channel",
                "sms",
                "--sid",
                WA_SID,
            ],
            "",
            "auth token",
        ),
        (
            &[
                "number",
                "add",
                "--account",
                "9",
                "--number",
                "+14155550100",
                "--kind",
                "long-code",
            ],
            "",
            "no such account",
        ),
        (
            &[
                "number",
                "add",
                "--account",
                "1",
                "--number",
                "call me",
                "--kind",
                "long-code",
            ],
            "",
            "Enter the country code and the number",
        ),
    ];
    for (args, stdin, reason) in cases {
        let (ok, _, err) = omnidesk(dir.path(), args, stdin);
        assert!(!ok, "{args:?} succeeded");
        assert!(err.contains(reason), "{args:?}: {err}");
    }
}
