//! Storage faults: write, fsync and full-disk errors injected under redb (`omnidesk::store::Faults`)
//! and a real full filesystem (`disk_full`). While the store fails, webhooks answer 503 (Twilio
//! retries), agents get an error page and `/healthz` says why; nothing acknowledged is lost, and
//! the store reopens itself once the disk works again.

use crate::helpers::*;
use omnidesk::domain::presence::Presence;
use omnidesk::store::Faults;
use reqwest::StatusCode;
use std::io::ErrorKind;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

pub(crate) async fn faulty_app() -> (TestApp, Faults) {
    let faults = Faults::new();
    let switch = faults.clone();
    let app = spawn_app_with(wiremock::MockServer::start().await, move |s| {
        s.storage_faults = Some(switch)
    })
    .await;
    (app, faults)
}

pub(crate) async fn healthz(app: &TestApp) -> (StatusCode, String) {
    let resp = app
        .http
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .expect("healthz answers");
    (resp.status(), resp.text().await.unwrap_or_default())
}

/// Waits until `/healthz` answers `want`; returns its body.
pub(crate) async fn health_becomes(app: &TestApp, want: StatusCode) -> String {
    eventually(&format!("/healthz answers {want}"), || async {
        let (status, body) = healthz(app).await;
        (status == want).then_some(body)
    })
    .await
}

/// Posts `form` the way Twilio retries a webhook: again until it is answered 200.
pub(crate) async fn retried_until_taken(app: &TestApp, form: &[(String, String)]) {
    eventually("the retried webhook is taken", || async {
        (app.post_inbound_wa(form).await.status() == StatusCode::OK).then_some(())
    })
    .await;
}

/// How many stored messages carry the provider id `sid`, in the conversation of `CUSTOMER`.
pub(crate) async fn copies(app: &TestApp, sid: &str) -> usize {
    let Some(m) = app.message_by_sid(sid).await else {
        return 0;
    };
    app.exchanged(m.conversation_id)
        .await
        .iter()
        .filter(|x| x.provider_id.as_deref() == Some(sid))
        .count()
}

#[tokio::test]
async fn a_webhook_during_a_write_fault_gets_503_and_its_retry_is_stored_once_after_recovery() {
    let (app, faults) = faulty_app().await;
    app.customer_writes_wa("before the fault").await;
    faults.fail_writes(ErrorKind::Other);
    let sid = new_sid();
    let form = wa_form(&sid, "during the fault");
    assert_eq!(
        app.post_inbound_wa(&form).await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert!(faults.injected() > 0, "the write met the fault");
    let body = health_becomes(&app, StatusCode::SERVICE_UNAVAILABLE).await;
    assert!(body.starts_with("store failing: "), "{body}");
    assert!(body.contains("injected storage fault"), "{body}");
    assert_eq!(
        app.post_inbound_wa(&form).await.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "Twilio's retry while the disk still fails"
    );
    assert!(app.metric("store_failures_total").await >= 1);

    faults.heal();
    assert_eq!(health_becomes(&app, StatusCode::OK).await, "ok\n");
    retried_until_taken(&app, &form).await;
    assert_eq!(copies(&app, &sid).await, 1);
    assert!(app.metric("store_reopens_total").await >= 1);
    app.stop().await;
}

#[tokio::test]
async fn an_fsync_error_acknowledges_none_of_its_batch_and_loses_nothing_acknowledged() {
    let (mut app, faults) = faulty_app().await;
    app.customer_writes_wa("hello").await;
    let refused = AtomicUsize::new(0);
    let healed = AtomicBool::new(false);
    // Four senders post one webhook after another, until a few have been taken after the fault
    // is healed; the fsync fails while they are at it.
    let senders = futures_util::future::join_all((0..4).map(|_| {
        let (app, refused, healed) = (&app, &refused, &healed);
        async move {
            let mut outcomes = Vec::new();
            let mut after_heal = 0;
            while after_heal < 3 {
                assert!(outcomes.len() < 2_000, "the fault never ended");
                if healed.load(Ordering::SeqCst) {
                    after_heal += 1;
                }
                let sid = new_sid();
                let status = app.post_inbound_wa(&wa_form(&sid, &sid)).await.status();
                if status != StatusCode::OK {
                    refused.fetch_add(1, Ordering::SeqCst);
                }
                outcomes.push((sid, status));
            }
            outcomes
        }
    }));
    let switch = async {
        eventually("some webhooks are stored", || async {
            (app.metric("inbound_stored_total").await >= 8).then_some(())
        })
        .await;
        faults.fail_syncs(ErrorKind::Other);
        eventually("webhooks are refused during the fault", || async {
            (refused.load(Ordering::SeqCst) >= 4).then_some(())
        })
        .await;
        faults.heal();
        healed.store(true, Ordering::SeqCst);
    };
    let (outcomes, ()) = tokio::join!(senders, switch);
    let outcomes: Vec<_> = outcomes.into_iter().flatten().collect();
    assert!(faults.injected() > 0);
    assert!(
        outcomes
            .iter()
            .all(|(_, s)| *s == StatusCode::OK || *s == StatusCode::SERVICE_UNAVAILABLE),
        "{outcomes:?}"
    );
    health_becomes(&app, StatusCode::OK).await;
    for (sid, status) in &outcomes {
        if *status == StatusCode::OK {
            assert_eq!(
                copies(&app, sid).await,
                1,
                "acknowledged {sid} is stored once"
            );
        } else {
            // The commit may or may not have reached the disk; Twilio's retry settles it.
            retried_until_taken(&app, &wa_form(sid, sid)).await;
        }
    }
    app.restart(|_| {}).await;
    for (sid, _) in &outcomes {
        assert_eq!(copies(&app, sid).await, 1, "{sid} after a restart");
    }
    app.stop().await;
}

#[tokio::test]
async fn an_agent_action_during_a_fault_gets_a_clear_503_page_and_works_after_recovery() {
    let (app, faults) = faulty_app().await;
    let (mut agent, id) = crate::distribution::agent(&app, "ana@example.com", 2).await;
    faults.fail_writes(ErrorKind::Other);
    let page = agent
        .post(
            "/agent/presence",
            &[("presence", "away"), ("back", "/agent")],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        page.body
    );
    assert!(page.body.contains("storage is failing"), "{}", page.body);
    assert!(page.body.contains("<html"), "a whole page: {}", page.body);
    health_becomes(&app, StatusCode::SERVICE_UNAVAILABLE).await;
    let page = agent.get("/agent").await;
    assert!(
        page.status == StatusCode::OK || page.status == StatusCode::SERVICE_UNAVAILABLE,
        "reading goes on or fails cleanly while the store reopens: {}",
        page.status
    );

    faults.heal();
    health_becomes(&app, StatusCode::OK).await;
    let page = agent
        .post(
            "/agent/presence",
            &[("presence", "away"), ("back", "/agent")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let stored = app.desk().store().presences_now().unwrap();
    assert!(stored.contains(&(id, Presence::Away)), "{stored:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_full_disk_under_redb_gets_503_and_service_resumes_when_space_is_back() {
    let (app, faults) = faulty_app().await;
    let before = new_sid();
    assert_eq!(
        app.post_inbound_wa(&wa_form(&before, "fits"))
            .await
            .status(),
        StatusCode::OK
    );
    faults.fail_writes(ErrorKind::StorageFull);
    let sid = new_sid();
    let form = wa_form(&sid, "no room for this yet");
    assert_eq!(
        app.post_inbound_wa(&form).await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    let body = health_becomes(&app, StatusCode::SERVICE_UNAVAILABLE).await;
    assert!(
        body.contains("storage space"),
        "the reason names it: {body}"
    );

    faults.heal();
    health_becomes(&app, StatusCode::OK).await;
    retried_until_taken(&app, &form).await;
    assert_eq!(copies(&app, &before).await, 1);
    assert_eq!(copies(&app, &sid).await, 1);
    app.stop().await;
}
