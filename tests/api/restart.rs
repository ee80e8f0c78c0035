use crate::helpers::*;
use omnidesk::domain::MessageStatus;
use omnidesk::store::outbox::SendRefusal;
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn a_deadline_that_passed_while_stopped_flips_at_start_up() {
    let mut app = spawn_app().await;
    let conv = app.customer_writes_wa("hi").await;
    app.restart(|_| {}).await;
    let _ = app.conversation(conv.id).await;
    // Down for 25 hours.
    let mut app = {
        app.clock.advance(25 * HOUR);
        app.restart(|_| {}).await;
        app
    };
    let c = app.conversation(conv.id).await;
    assert!(c.template_only, "flipped during recovery, before serving");
    assert_eq!(
        app.reply(conv.id, "hello?").await.unwrap_err(),
        SendRefusal::WindowExpired
    );
    app.restart(|_| {}).await;
    assert!(
        app.conversation(conv.id).await.template_only,
        "the flip was stored"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_window_timer_is_rearmed_after_a_restart() {
    let mut app = spawn_app().await;
    let conv = app.customer_writes_wa("hi").await;
    app.clock.advance(HOUR);
    app.restart(|_| {}).await;
    assert!(!app.conversation(conv.id).await.template_only);
    app.clock.advance(23 * HOUR);
    eventually("the re-armed timer flips the window", || async {
        app.conversation(conv.id).await.template_only.then_some(())
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn an_outbox_job_accepted_before_a_stop_is_sent_after_the_restart() {
    // First run: the provider is unreachable, so the job stays pending.
    let mut app = spawn_app_with(wiremock::MockServer::start().await, |s| {
        s.twilio_api_base = "http://127.0.0.1:9".into();
    })
    .await;
    let conv = app.customer_writes_wa("hi").await;
    let msg = app.reply(conv.id, "this must arrive").await.unwrap();
    eventually("the first attempt fails", || async {
        (app.metric("outbound_retries_total").await == 1).then_some(())
    })
    .await;
    twilio_accepts(&app.twilio).await;
    app.restart(|_| {}).await;
    app.clock.advance(Duration::from_secs(60));
    let sent = eventually("the job is sent after the restart", || async {
        let s = app.sent_messages().await;
        (!s.is_empty()).then_some(s)
    })
    .await;
    assert_eq!(
        field(&form_of(&sent[0]), "Body").unwrap(),
        "this must arrive"
    );
    let m = eventually("the provider id is stored", || async {
        let m = app
            .desk()
            .store()
            .message(conv.id, msg.seq)
            .await
            .unwrap()?;
        m.provider_id.is_some().then_some(m)
    })
    .await;
    assert_eq!(m.status, MessageStatus::Queued);
    assert_eq!(sent.len(), 1, "sent exactly once");
    app.stop().await;
}

#[tokio::test]
async fn open_conversations_need_no_live_actor_and_one_is_revived_to_send() {
    let mut app = spawn_app().await;
    let conv = app.customer_writes_wa("hi").await;
    app.restart(|_| {}).await;
    assert_eq!(
        app.desk().conversation_actors().await.unwrap(),
        0,
        "recovery arms deadlines without starting conversation actors"
    );
    eventually("the window flip and the idle step are armed", || async {
        (app.desk().armed_deadlines().await.unwrap() >= 2).then_some(())
    })
    .await;
    let sent = app.reply(conv.id, "back after the restart").await;
    assert!(sent.is_ok(), "{sent:?}");
    assert_eq!(
        app.desk().conversation_actors().await.unwrap(),
        1,
        "revived on demand"
    );
    app.clock.advance(std::time::Duration::from_secs(24 * 3600));
    eventually("the window still flips", || async {
        app.conversation(conv.id).await.template_only.then_some(())
    })
    .await;
    app.stop().await;
}
