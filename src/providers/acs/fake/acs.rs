//! The strict fake ACS Messages data plane on 127.0.0.1. Every request must name api-version
//! 2024-08-30 and carry a valid HMAC signature and content hash (else 401 with ACS's error body);
//! sends are checked against the OpenAPI spec and honour `Repeatability-Request-ID` as ACS
//! documents it (a repeat within 5 minutes answers the first result and delivers nothing more; a
//! repeat with another body → 400 rejected; a first-sent older than 5 minutes → 412 rejected).
//! It records what it received, can fail the next sends, serves paged templates and media.

use super::schema::Spec;
use crate::clock::Clock;
use crate::providers::acs::client::{
    API_VERSION, REPEATABILITY_FIRST_SENT, REPEATABILITY_REQUEST_ID, REPEATABILITY_RESULT,
};
use crate::providers::acs::connection::{AccessKey, ConnectionString};
use crate::providers::acs::ids::is_guid;
use crate::providers::acs::signing::{self, ReceivedHeaders};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// How long ACS tracks a repeatable request (ACS's repeatable-requests page: 5 minutes).
pub const REPEATABILITY_WINDOW: Duration = Duration::from_secs(5 * 60);
/// The fake's access key (`pw==`, the SDK tests' key).
pub const FAKE_ACCESS_KEY: &str = "pw==";

/// What the next send gets instead of being delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// 429 with `Retry-After: secs`.
    /// 429 with `Retry-After`.
    TooManyRequests {
        /// The seconds `Retry-After` asks for.
        retry_after_secs: u64,
    },
    /// 500.
    ServerError,
    /// A refusal with ACS's error body.
    Permanent {
        /// The HTTP status.
        status: u16,
        /// ACS's error code.
        code: String,
        /// ACS's error message.
        message: String,
    },
    /// Delivered, but answered only after this delay (a client timeout makes it ambiguous).
    AnswerAfter(Duration),
}

/// A request the fake received.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// `GET` or `POST`.
    pub method: String,
    /// The path and query as received.
    pub path_and_query: String,
    /// `Repeatability-Request-ID`, when sent.
    pub repeatability_id: Option<String>,
    /// `Repeatability-First-Sent`, when sent.
    pub first_sent: Option<String>,
    /// The body's bytes.
    pub body: Vec<u8>,
    /// The status answered.
    pub status: u16,
}

/// A message the fake delivered (once per execution).
#[derive(Debug, Clone, PartialEq)]
pub struct Delivered {
    /// The message ID answered in the receipt.
    pub message_id: String,
    /// The request ID it was executed under.
    pub repeatability_id: Option<String>,
    /// The request body.
    pub body: Value,
}

struct Remembered {
    body: Vec<u8>,
    first_sent: String,
    status: u16,
    answer: Value,
}

#[derive(Default)]
struct State {
    received: Vec<Received>,
    delivered: Vec<Delivered>,
    remembered: HashMap<String, Remembered>,
    failures: VecDeque<Failure>,
    templates: HashMap<String, Vec<Value>>,
    page_size: usize,
    media: HashMap<String, (String, Vec<u8>)>,
    next_id: u64,
}

/// The fake ACS resource.
pub struct FakeAcs {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

struct Handler {
    key: AccessKey,
    authority: String,
    clock: Clock,
    spec: Spec,
    state: Arc<Mutex<State>>,
}

fn error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("x-ms-error-code", code)
        .set_body_json(json!({"error": {"code": code, "message": message}}))
}

fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

impl Respond for Handler {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let path = request.url.path().to_owned();
        let path_and_query = match request.url.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.clone(),
        };
        let answer = self.answer(request, &path, &path_and_query);
        let status = answer.0;
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.received.push(Received {
            method: request.method.to_string(),
            path_and_query,
            repeatability_id: header(request, REPEATABILITY_REQUEST_ID).map(str::to_owned),
            first_sent: header(request, REPEATABILITY_FIRST_SENT).map(str::to_owned),
            body: request.body.clone(),
            status,
        });
        answer.1
    }
}

impl Handler {
    fn answer(&self, request: &Request, path: &str, pq: &str) -> (u16, ResponseTemplate) {
        let version = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "api-version")
            .map(|(_, v)| v.into_owned());
        if version.as_deref() != Some(API_VERSION) {
            let msg = format!("api-version must be {API_VERSION}");
            return (400, error(400, "UnsupportedApiVersion", &msg));
        }
        let headers = ReceivedHeaders {
            date: header(request, signing::DATE_HEADER),
            content_hash: header(request, signing::CONTENT_HASH_HEADER),
            authorization: header(request, "authorization"),
        };
        let method = request.method.as_str();
        if let Err(e) = signing::verify(
            &self.key,
            method,
            &self.authority,
            pq,
            &headers,
            &request.body,
        ) {
            return (401, error(401, "Denied", &e.to_string()));
        }
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match (method, segments.as_slice()) {
            ("POST", ["messages", "notifications:send"]) => self.send(request),
            ("GET", ["messages", "channels", channel, "templates"]) => {
                self.templates(request, channel)
            }
            ("GET", ["messages", "streams", id]) => self.media(id),
            _ => (404, error(404, "NotFound", "No such operation.")),
        }
    }

    fn send(&self, request: &Request) -> (u16, ResponseTemplate) {
        let content_type = header(request, "content-type").unwrap_or_default();
        if !content_type.starts_with("application/json") {
            return (
                415,
                error(415, "UnsupportedMediaType", "Send application/json."),
            );
        }
        let body: Value = match serde_json::from_slice(&request.body) {
            Ok(v) => v,
            Err(_) => return (400, error(400, "BadRequest", "The body is not JSON.")),
        };
        if let Err(e) = self.spec.check("NotificationContent", &body) {
            return (400, error(400, "BadRequest", &e));
        }
        let to_ok = body["to"].as_array().is_some_and(|to| {
            !to.is_empty()
                && to.iter().filter_map(Value::as_str).all(|t| {
                    let d = t.strip_prefix('+').unwrap_or(t);
                    (6..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit())
                })
        });
        if !to_ok {
            let msg = "to must be WhatsApp IDs: the number's digits with the country code.";
            return (400, error(400, "BadRequest", msg));
        }
        let id = header(request, REPEATABILITY_REQUEST_ID);
        let first = header(request, REPEATABILITY_FIRST_SENT);
        let rejected = |status: u16, msg: &str| {
            (
                status,
                error(status, "BadRequest", msg).insert_header(REPEATABILITY_RESULT, "rejected"),
            )
        };
        let repeat = match (id, first) {
            (None, None) => None,
            (Some(id), Some(first)) => {
                let Some(sent_at) = signing::parse_rfc1123(first).filter(|_| is_guid(id)) else {
                    return rejected(
                        400,
                        "Repeatability headers are not a GUID and an IMF-fixdate.",
                    );
                };
                if sent_at.saturating_add(REPEATABILITY_WINDOW) < self.clock.now() {
                    return rejected(
                        412,
                        "Repeatability-First-Sent header is not within 5 minutes window.",
                    );
                }
                Some((id.to_ascii_lowercase(), first.to_owned()))
            }
            _ => return rejected(400, "Both repeatability headers are needed."),
        };
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((id, first)) = &repeat
            && let Some(seen) = state.remembered.get(id)
        {
            if seen.body != request.body || &seen.first_sent != first {
                return rejected(400, "The repeated request does not match the first one.");
            }
            let answer = ResponseTemplate::new(seen.status)
                .insert_header(REPEATABILITY_RESULT, "accepted")
                .set_body_json(seen.answer.clone());
            return (seen.status, answer);
        }
        let mut delay = None;
        match state.failures.pop_front() {
            Some(Failure::TooManyRequests { retry_after_secs }) => {
                let t = error(429, "TooManyRequests", "Rate limit exceeded.")
                    .insert_header("retry-after", retry_after_secs.to_string().as_str());
                return (429, t);
            }
            Some(Failure::ServerError) => {
                return (500, error(500, "InternalServerError", "Try again later."));
            }
            Some(Failure::Permanent {
                status,
                code,
                message,
            }) => return (status, error(status, &code, &message)),
            Some(Failure::AnswerAfter(d)) => delay = Some(d),
            None => {}
        }
        state.next_id += 1;
        let message_id = format!("00000000-0000-4000-8000-{:012x}", state.next_id);
        let answer = json!({"receipts": [{"messageId": message_id, "to": body["to"][0]}]});
        state.delivered.push(Delivered {
            message_id,
            repeatability_id: repeat.as_ref().map(|(id, _)| id.clone()),
            body,
        });
        let mut t = ResponseTemplate::new(202).set_body_json(answer.clone());
        if let Some((id, first_sent)) = repeat {
            t = t.insert_header(REPEATABILITY_RESULT, "accepted");
            state.remembered.insert(
                id,
                Remembered {
                    body: request.body.clone(),
                    first_sent,
                    status: 202,
                    answer,
                },
            );
        }
        if let Some(d) = delay {
            t = t.set_delay(d);
        }
        (202, t)
    }

    fn templates(&self, request: &Request, channel: &str) -> (u16, ResponseTemplate) {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let Some(all) = state.templates.get(&channel.to_ascii_lowercase()) else {
            return (404, error(404, "NotFound", "Channel not found."));
        };
        let query: HashMap<String, String> = request.url.query_pairs().into_owned().collect();
        let asked = query
            .get("maxpagesize")
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(state.page_size);
        let size = asked.clamp(1, state.page_size.max(1));
        let skip = query
            .get("skipToken")
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
        let page: Vec<Value> = all.iter().skip(skip).take(size).cloned().collect();
        let mut body = json!({ "value": page });
        if skip + size < all.len() {
            body["nextLink"] = json!(format!(
                "http://{}/messages/channels/{channel}/templates?api-version={API_VERSION}&maxpagesize={size}&skipToken={}",
                self.authority,
                skip + size
            ));
        }
        (200, ResponseTemplate::new(200).set_body_json(body))
    }

    fn media(&self, id: &str) -> (u16, ResponseTemplate) {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match state.media.get(id) {
            Some((content_type, bytes)) => (
                200,
                ResponseTemplate::new(200).set_body_raw(bytes.clone(), content_type),
            ),
            None => (404, error(404, "NotFound", "Media not found.")),
        }
    }
}

impl FakeAcs {
    /// Starts a fake resource keyed with `FAKE_ACCESS_KEY`; `clock` judges repeatability windows.
    pub async fn start(clock: Clock) -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State {
            page_size: 100,
            ..State::default()
        }));
        let handler = Handler {
            key: AccessKey::from_base64(FAKE_ACCESS_KEY).expect("the fake key is base64"),
            authority: server.address().to_string(),
            clock,
            spec: Spec::messages(),
            state: state.clone(),
        };
        Mock::given(wiremock::matchers::any())
            .respond_with(handler)
            .mount(&server)
            .await;
        Self { server, state }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `http://127.0.0.1:port`.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// The connection string of this resource.
    pub fn connection_string(&self) -> ConnectionString {
        ConnectionString::parse(&self.connection_string_text()).expect("the fake's is valid")
    }

    /// The connection string as an admin would paste it.
    pub fn connection_string_text(&self) -> String {
        format!("endpoint={}/;accesskey={FAKE_ACCESS_KEY}", self.uri())
    }

    /// Makes `channel` known with these templates (`{name, language, status, kind, content}`).
    pub fn add_channel(&self, channel: &str, templates: Vec<Value>) {
        self.state()
            .templates
            .insert(channel.to_ascii_lowercase(), templates);
    }

    /// Largest page of templates served.
    pub fn set_page_size(&self, n: usize) {
        self.state().page_size = n;
    }

    /// Serves `bytes` as media `id`.
    pub fn add_media(&self, id: &str, content_type: &str, bytes: Vec<u8>) {
        self.state()
            .media
            .insert(id.to_owned(), (content_type.to_owned(), bytes));
    }

    /// The next sends fail, in this order.
    pub fn fail_next(&self, failures: impl IntoIterator<Item = Failure>) {
        self.state().failures.extend(failures);
    }

    /// Every request received, in order.
    pub fn received(&self) -> Vec<Received> {
        self.state().received.clone()
    }

    /// The messages delivered (each execution once).
    pub fn delivered(&self) -> Vec<Delivered> {
        self.state().delivered.clone()
    }
}
