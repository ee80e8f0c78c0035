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

/// A Twilio account the fake knows for onboarding checks: its credentials, its status and
/// type, and the phone numbers and short codes it has.
#[derive(Clone)]
pub struct FakeAccount {
    pub sid: String,
    pub token: String,
    pub status: &'static str,
    pub kind: &'static str,
    pub numbers: Vec<String>,
    pub short_codes: Vec<String>,
}

impl FakeAccount {
    /// An active Full account with `numbers` (E.164) and no short codes.
    pub fn active(sid: &str, token: &str, numbers: &[&str]) -> Self {
        Self {
            sid: sid.into(),
            token: token.into(),
            status: "active",
            kind: "Full",
            numbers: numbers.iter().map(|n| n.to_string()).collect(),
            short_codes: Vec::new(),
        }
    }
}

/// Answers the account fetch and the number lists the way Twilio does, checked strictly
/// against the spec (shared/twilio/twilio_api_v2010.json): only GET, Basic auth of a known
/// account (else 401, code 20003), the path's SID that account's (else 404, 20404), only the
/// query parameters the spec names (else 400), and Twilio's partial match on the filter.
struct KnownAccounts(Vec<FakeAccount>);

fn twilio_error(status: u16, code: u32, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(serde_json::json!({
        "code": code,
        "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": status,
    }))
}

fn list_page(uri: &str, key: &str, items: Vec<serde_json::Value>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "end": items.len().saturating_sub(1),
        "first_page_uri": format!("{uri}?PageSize=50&Page=0"),
        "next_page_uri": null,
        "page": 0,
        "page_size": 50,
        "previous_page_uri": null,
        "start": 0,
        "uri": format!("{uri}?PageSize=50&Page=0"),
        key: items,
    }))
}

impl KnownAccounts {
    fn authenticated(&self, req: &wiremock::Request) -> Option<&FakeAccount> {
        let auth = req.headers.get("authorization")?.to_str().ok()?;
        self.0
            .iter()
            .find(|a| auth == basic(&a.sid, &a.token).as_str())
    }
}

impl wiremock::Respond for KnownAccounts {
    fn respond(&self, req: &wiremock::Request) -> ResponseTemplate {
        let Some(account) = self.authenticated(req) else {
            return twilio_error(401, 20003, "Authenticate");
        };
        let path = req.url.path();
        let not_found = || twilio_error(404, 20404, "The requested resource was not found");
        let Some(rest) = path.strip_prefix("/2010-04-01/Accounts/") else {
            return not_found();
        };
        let (sid, resource) = rest
            .split_once('/')
            .unwrap_or((rest.trim_end_matches(".json"), ""));
        if sid != account.sid {
            return not_found();
        }
        let query: Vec<(String, String)> = req.url.query_pairs().into_owned().collect();
        let (allowed, filter): (&[&str], &str) = match resource {
            "" => (&[], ""),
            "IncomingPhoneNumbers.json" => (
                &[
                    "Beta",
                    "FriendlyName",
                    "PhoneNumber",
                    "Origin",
                    "PageSize",
                    "Page",
                    "PageToken",
                ],
                "PhoneNumber",
            ),
            "SMS/ShortCodes.json" => (
                &["FriendlyName", "ShortCode", "PageSize", "Page", "PageToken"],
                "ShortCode",
            ),
            _ => return not_found(),
        };
        if let Some((k, _)) = query.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
            return twilio_error(400, 20001, &format!("Unknown parameter {k}"));
        }
        let wanted = query
            .iter()
            .find(|(k, _)| k == filter)
            .map_or("", |(_, v)| v.as_str());
        let uri = path.to_owned();
        match resource {
            "" => ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "sid": account.sid,
                "auth_token": account.token,
                "friendly_name": "Acme",
                "status": account.status,
                "type": account.kind,
                "owner_account_sid": account.sid,
                "uri": uri,
            })),
            "IncomingPhoneNumbers.json" => {
                let items = account
                    .numbers
                    .iter()
                    .filter(|n| n.contains(wanted))
                    .map(|n| {
                        serde_json::json!({
                            "account_sid": account.sid,
                            "api_version": "2010-04-01",
                            "friendly_name": n,
                            "phone_number": n,
                            "sid": format!("PN{:032x}", n.len()),
                            "sms_method": "POST",
                            "sms_url": "",
                            "status": "in-use",
                            "capabilities": {"sms": true, "mms": true, "voice": true, "fax": false},
                        })
                    })
                    .collect();
                list_page(&uri, "incoming_phone_numbers", items)
            }
            _ => {
                let items = account
                    .short_codes
                    .iter()
                    .filter(|c| c.contains(wanted))
                    .map(|c| {
                        serde_json::json!({
                            "account_sid": account.sid,
                            "short_code": c,
                            "sid": format!("SC{:032x}", c.len()),
                            "sms_method": "POST",
                        })
                    })
                    .collect();
                list_page(&uri, "short_codes", items)
            }
        }
    }
}

/// Mounts the onboarding answers for `accounts` (account fetch, phone numbers, short codes).
pub async fn twilio_knows(server: &MockServer, accounts: Vec<FakeAccount>) {
    Mock::given(method("GET"))
        .and(path_regex(
            r"^/2010-04-01/Accounts/[^/]+(\.json|/IncomingPhoneNumbers\.json|/SMS/ShortCodes\.json)$",
        ))
        .respond_with(KnownAccounts(accounts))
        .mount(server)
        .await;
}

/// The fixture's two accounts as Twilio knows them, each with its business number.
pub fn fixture_accounts() -> Vec<FakeAccount> {
    vec![
        FakeAccount::active(WA_SID, WA_TOKEN, &[WA_BUSINESS]),
        FakeAccount::active(SMS_SID, SMS_TOKEN, &[SMS_BUSINESS]),
    ]
}
