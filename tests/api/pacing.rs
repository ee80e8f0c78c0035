//! Pacing on the manual clock: WhatsApp's 12.5 ms slots counted exactly, and rates that cannot
//! be scheduled refused at start. (The schedule itself is unit-tested in `actors::pacing` for
//! every default rate; `cargo bench --bench pacing` measures it on the real clock.)

use crate::fake_twilio::*;
use crate::helpers::*;
use std::time::Duration;

/// A WhatsApp conversation with customer `n`.
async fn wa_conversation(app: &TestApp, n: usize) -> omnidesk::domain::ConversationId {
    let sid = new_sid();
    let customer = format!("+1415555{:04}", 2000 + n);
    let form = with(
        with(wa_form(&sid, "hi"), "From", &format!("whatsapp:{customer}")),
        "WaId",
        &customer[1..],
    );
    assert_eq!(app.post_inbound_wa(&form).await.status(), 200);
    app.message_by_sid(&sid)
        .await
        .expect("stored")
        .conversation_id
}

#[tokio::test]
async fn whatsapp_sends_exactly_80_a_second_on_the_manual_clock() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let mut convs = Vec::new();
    for n in 0..8 {
        convs.push(wa_conversation(&app, n).await);
    }
    const TOTAL: usize = 200;
    for i in 0..TOTAL {
        app.reply(convs[i % convs.len()], &format!("m{i}"))
            .await
            .unwrap();
    }
    // The first send goes at once; then one every 12.5 ms. Each simulated millisecond, once the
    // sends due by then are done, the fake has seen exactly those whose slots have come.
    let expected = |ms: u64| (ms * 2 / 25 + 1).min(TOTAL as u64) as usize;
    let mut per_second = Vec::new();
    let mut ms = 0u64;
    loop {
        sends_settled(&app).await;
        let got = app.sent_messages().await.len();
        assert_eq!(got, expected(ms), "sends after {ms} simulated ms");
        if ms % 1_000 == 999 {
            per_second.push(got - per_second.iter().sum::<usize>());
        }
        if got == TOTAL {
            break;
        }
        app.clock.advance(Duration::from_millis(1));
        ms += 1;
    }
    assert_eq!(per_second, [80, 80], "two full simulated seconds at 80/s");
    app.stop().await;
}

#[tokio::test]
async fn unusable_pacing_rates_are_refused_at_start_with_the_flag_named() {
    let twilio = wiremock::MockServer::start().await;
    for (rate, why) in [
        (0.0, "zero"),
        (-3.0, "negative"),
        (f64::NAN, "not a number"),
        (1e-300, "the interval overflows"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut s = settings(dir.path().to_owned(), &twilio);
        s.pacing.whatsapp = rate;
        let err = omnidesk::startup::RunningApp::start(s, omnidesk::clock::Clock::manual(START))
            .err()
            .unwrap_or_else(|| panic!("{why}: the app started"));
        assert!(err.to_string().contains("--pace-whatsapp"), "{why}: {err}");
    }
}
