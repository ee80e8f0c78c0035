//! kill -9 of a real `omnidesk` process in the middle of a webhook burst: every webhook that was
//! answered 200 must be in the store afterwards.

use crate::helpers::*;
use omnidesk::domain::account::AccountName;
use omnidesk::domain::{AccountSid, Channel, PhoneNumber};
use omnidesk::metrics::Metrics;
use omnidesk::secrets::{MasterKey, SecretString};
use omnidesk::store::Store;
use omnidesk::store::records::{NumberKind, ProviderKind};
use omnidesk::store::setup::{NewAccount, NewNumber};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn open_store(dir: &Path) -> Store {
    let key = MasterKey::load_or_create(dir, None).unwrap();
    Store::open(dir, key, Arc::new(Metrics::default())).unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_child(dir: &Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_omnidesk"))
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("omnidesk starts")
}

async fn wait_healthy(http: &reqwest::Client, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ok = http
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200);
        if ok {
            return;
        }
        assert!(Instant::now() < deadline, "omnidesk did not become healthy");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_webhook_burst_loses_no_acknowledged_message() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path());
    let account = store
        .create_account(
            NewAccount {
                name: AccountName::parse("crash").unwrap(),
                channel: Channel::WhatsApp,
                provider: ProviderKind::Twilio,
                sid: Some(AccountSid::parse(WA_SID).unwrap()),
                auth_token: Some(SecretString::new(WA_TOKEN)),
            },
            START,
        )
        .await
        .unwrap()
        .unwrap();
    store
        .add_number(NewNumber {
            account_id: account.id,
            number: PhoneNumber::parse(WA_BUSINESS).unwrap().into(),
            kind: NumberKind::WhatsApp,
            name: "n".into(),
            description: String::new(),
        })
        .await
        .unwrap()
        .unwrap();
    store.close();

    let port = free_port();
    let mut child = start_child(dir.path(), port);
    let http = reqwest::Client::new();
    wait_healthy(&http, port).await;

    let url = format!(
        "http://127.0.0.1:{port}/webhooks/twilio/{}",
        account.webhook_key.as_str()
    );
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut workers = Vec::new();
    for w in 0..32 {
        let (http, url, acked, stop) = (http.clone(), url.clone(), acked.clone(), stop.clone());
        workers.push(tokio::spawn(async move {
            for i in 0..400 {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let sid = format!("SM{w:016x}{i:016x}");
                let customer = format!("+1415555{:04}", w * 10 + i % 10);
                let form = pairs(&[
                    ("MessageSid", &sid),
                    ("AccountSid", WA_SID),
                    ("From", &format!("whatsapp:{customer}")),
                    ("To", &format!("whatsapp:{WA_BUSINESS}")),
                    ("Body", "burst"),
                ]);
                let sig = omnidesk::providers::twilio::signature::compute(WA_TOKEN, &url, &form);
                let resp = http
                    .post(&url)
                    .header("X-Twilio-Signature", sig)
                    .form(&form)
                    .timeout(Duration::from_secs(5))
                    .send()
                    .await;
                match resp {
                    Ok(r) if r.status() == 200 => acked.lock().unwrap().push(sid),
                    Ok(r) => panic!("unexpected status {}", r.status()),
                    Err(_) => break, // the server is gone
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while acked.lock().unwrap().len() < 300 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().expect("SIGKILL"); // std's kill is SIGKILL on Unix: no clean shutdown
    child.wait().unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in workers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 300,
        "the burst was under way when the process died"
    );

    // The process comes back and recovers from what it left behind.
    let mut child = start_child(dir.path(), port);
    wait_healthy(&http, port).await;
    child.kill().unwrap();
    child.wait().unwrap();

    let store = open_store(dir.path());
    let mut missing = Vec::new();
    for sid in &acked {
        if store
            .message_by_provider_id(sid.clone())
            .await
            .unwrap()
            .is_none()
        {
            missing.push(sid.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged messages lost: {:?}",
        missing.len(),
        acked.len(),
        &missing[..missing.len().min(5)]
    );
    store.close();
}

/// The process stops while Twilio's 201 is on its way: the attempt was marked begun before the
/// request went out, so after the restart the message is looked up, and adopted, not resent.
#[tokio::test]
async fn a_stop_between_twilios_201_and_our_commit_is_looked_up_after_the_restart_not_resent() {
    use crate::fake_twilio::*;
    use omnidesk::domain::MessageStatus;
    let mut app = spawn_app().await;
    let sid = new_sid();
    first_send_answers_after(&app.twilio, Duration::from_secs(5), &sid).await;
    let conv = app.customer_writes_wa("hi").await;
    let msg = app.reply(conv.id, "see you soon").await.unwrap();
    eventually("the send reaches Twilio", || async {
        (creates(&app).await == 1).then_some(())
    })
    .await;
    // Everything dies with the app; what is left is what the store committed.
    app.restart(|_| {}).await;
    twilio_lists(&app.twilio, &[(&sid, "see you soon", START)]).await;
    app.clock.advance(Duration::from_secs(30));
    outbox_settled(&app).await;
    let m = stored(&app, conv.id, msg.seq).await;
    assert_eq!(m.provider_id.as_deref(), Some(sid.as_str()));
    assert_eq!(m.status, MessageStatus::Sent);
    assert_eq!(creates(&app).await, 1, "sent once, whatever the crash");
    assert_eq!(lookups(&app).await, 1);
    app.stop().await;
}
