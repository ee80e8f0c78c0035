//! Delivery test support: Twilio's answers for slow, stalled and looked-up sends (checked
//! strictly: path, Basic auth, query parameters as the spec names them), and a barrier that
//! waits for the outbox to have nothing pending.

use crate::helpers::*;
use omnidesk::domain::{ConversationId, Timestamp};
use omnidesk::store::records::Message;
use std::time::Duration;
use wiremock::matchers::{header, method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// `Basic base64(sid:token)`.
pub fn basic(sid: &str, token: &str) -> String {
    use base64::Engine;
    let raw = format!("{sid}:{token}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// `t` as Twilio writes `date_created` (RFC 2822, GMT).
pub fn rfc2822(t: Timestamp) -> String {
    let z = jiff::Timestamp::from_millisecond(t.as_millis())
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::UTC);
    jiff::fmt::rfc2822::to_string(&z).unwrap()
}

/// The first message-create POST is answered 201 with `sid` only after `delay`; later ones at once
/// (with the helpers' default sid), so a resend shows up as a second request.
pub async fn first_send_answers_after(server: &MockServer, delay: Duration, sid: &str) {
    Mock::given(method("POST"))
        .and(path_regex(r"/Messages\.json$"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(serde_json::json!({"sid": sid, "status": "queued"}))
                .set_delay(delay),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    twilio_accepts(server).await;
}

/// Answers the WhatsApp account's list of messages from `WA_BUSINESS` to `CUSTOMER` with
/// `messages` (sid, body, date_created), only when asked exactly as the spec says.
pub async fn twilio_lists(server: &MockServer, messages: &[(&str, &str, Timestamp)]) {
    let listed: Vec<serde_json::Value> = messages
        .iter()
        .map(|(sid, body, created)| {
            serde_json::json!({
                "account_sid": WA_SID,
                "api_version": "2010-04-01",
                "body": body,
                "date_created": rfc2822(*created),
                "date_sent": null,
                "direction": "outbound-api",
                "from": format!("whatsapp:{WA_BUSINESS}"),
                "to": format!("whatsapp:{CUSTOMER}"),
                "sid": sid,
                "status": "sent",
            })
        })
        .collect();
    Mock::given(method("GET"))
        .and(path(format!("/2010-04-01/Accounts/{WA_SID}/Messages.json")))
        .and(header("authorization", basic(WA_SID, WA_TOKEN).as_str()))
        .and(query_param("To", format!("whatsapp:{CUSTOMER}")))
        .and(query_param("From", format!("whatsapp:{WA_BUSINESS}")))
        .and(query_param("PageSize", "50"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "messages": listed,
            "end": messages.len().saturating_sub(1),
            "first_page_uri": format!("/2010-04-01/Accounts/{WA_SID}/Messages.json?PageSize=50&Page=0"),
            "next_page_uri": null,
            "previous_page_uri": null,
            "page": 0,
            "page_size": 50,
            "start": 0,
            "uri": format!("/2010-04-01/Accounts/{WA_SID}/Messages.json?PageSize=50&Page=0"),
        })))
        .mount(server)
        .await;
}

/// Requests the fake Twilio received, as (method, path) in order.
pub async fn twilio_calls(app: &TestApp) -> Vec<(String, String)> {
    app.twilio
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| (r.method.to_string(), r.url.path().to_owned()))
        .collect()
}

pub async fn creates(app: &TestApp) -> usize {
    let calls = twilio_calls(app).await;
    calls.iter().filter(|(m, _)| m == "POST").count()
}

pub async fn lookups(app: &TestApp) -> usize {
    let calls = twilio_calls(app).await;
    calls.iter().filter(|(m, _)| m == "GET").count()
}

/// Waits until the outbox has no job pending or in flight.
pub async fn outbox_settled(app: &TestApp) {
    eventually("the outbox has nothing pending", || async {
        let n = app.desk().outbox_pending().await.unwrap();
        (n == 0).then_some(())
    })
    .await;
}

/// Waits until every send due at the clock's now has been made and answered.
pub async fn sends_settled(app: &TestApp) {
    eventually("the due sends are done", || async {
        let n = app.desk().outbox_due_in_flight().await.unwrap();
        (n == 0).then_some(())
    })
    .await;
}

/// Message `seq` of `conv` as stored now.
pub async fn stored(app: &TestApp, conv: ConversationId, seq: u64) -> Message {
    app.desk()
        .store()
        .message(conv, seq)
        .await
        .unwrap()
        .expect("message stored")
}
