//! Sends whose outcome is unknown (a 201 after our timeout, an unreadable 201): after the settle
//! time Twilio's message list is asked, the message adopted if Twilio has it, sent again only if
//! not. (A stop between the 201 and our commit is in `crash`.)

use crate::fake_twilio::*;
use crate::helpers::*;
use omnidesk::domain::MessageStatus;
use omnidesk::store::records::Message;
use std::time::Duration;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, ResponseTemplate};

fn messages_path() -> wiremock::matchers::PathRegexMatcher {
    path_regex(r"/Messages\.json$")
}

/// A reply whose first send ends without a clear answer; returns it once the outbox is done with
/// it, 30 s later, when a request still in flight at Twilio has surely settled.
async fn reply_times_out_and_settles(app: &TestApp, text: &str) -> Message {
    let conv = app.customer_writes_wa("hi").await;
    let msg = app.reply(conv.id, text).await.unwrap();
    eventually("the unknown outcome is recorded", || async {
        (app.metric("outbound_retries_total").await == 1).then_some(())
    })
    .await;
    app.clock.advance(Duration::from_secs(30));
    outbox_settled(app).await;
    stored(app, conv.id, msg.seq).await
}

#[tokio::test]
async fn a_send_whose_outcome_is_unknown_but_that_twilio_took_is_adopted_not_sent_twice() {
    for case in ["a 201 after our timeout", "an unreadable 201"] {
        let twilio = wiremock::MockServer::start().await;
        let app = spawn_app_with(twilio, |s| s.provider_timeout_ms = 300).await;
        let sid = new_sid();
        if case == "an unreadable 201" {
            Mock::given(method("POST"))
                .and(messages_path())
                .respond_with(ResponseTemplate::new(201).set_body_string("<html>proxy</html>"))
                .up_to_n_times(1)
                .with_priority(1)
                .mount(&app.twilio)
                .await;
            twilio_accepts(&app.twilio).await;
        } else {
            first_send_answers_after(&app.twilio, Duration::from_secs(2), &sid).await;
        }
        twilio_lists(&app.twilio, &[(&sid, "slow network", START)]).await;
        let m = reply_times_out_and_settles(&app, "slow network").await;
        assert_eq!(
            m.provider_id.as_deref(),
            Some(sid.as_str()),
            "{case}: Twilio's sid"
        );
        assert_eq!(
            m.status,
            MessageStatus::Sent,
            "{case}: as Twilio reported it"
        );
        assert_eq!(creates(&app).await, 1, "{case}: sent once");
        assert_eq!(lookups(&app).await, 1, "{case}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_timed_out_send_that_twilio_does_not_have_is_sent_again_after_the_lookup() {
    let twilio = wiremock::MockServer::start().await;
    let app = spawn_app_with(twilio, |s| s.provider_timeout_ms = 300).await;
    Mock::given(method("POST"))
        .and(messages_path())
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(3)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&app.twilio)
        .await;
    twilio_accepts(&app.twilio).await;
    // The same text an hour earlier, and another text since: neither is this attempt.
    let earlier = omnidesk::domain::Timestamp::from_millis(START.as_millis() - 3_600_000);
    twilio_lists(
        &app.twilio,
        &[
            (&new_sid(), "slow network", earlier),
            (&new_sid(), "something else", START),
        ],
    )
    .await;
    let m = reply_times_out_and_settles(&app, "slow network").await;
    assert_eq!(
        m.provider_id.as_deref(),
        Some("SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        "the second send's sid"
    );
    let calls: Vec<String> = twilio_calls(&app)
        .await
        .into_iter()
        .map(|(m, _)| m)
        .collect();
    assert_eq!(
        calls,
        ["POST", "GET", "POST"],
        "looked up before sending again"
    );
    app.stop().await;
}
