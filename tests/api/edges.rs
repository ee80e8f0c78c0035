//! Slow and flooding clients: body deadlines over a real socket, the webhook key checked before
//! the body, form caps before signature work, unfinished bodies bounded per address, and live
//! streams bounded per session and in total.

use crate::helpers::*;
use crate::live_events::Sse;
use omnidesk::domain::user::Role;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Longest a test waits for the server to answer a raw request: far above every deadline used
/// here, so only a server that never answers fails by it.
const PATIENCE: Duration = Duration::from_secs(60);

/// Sends request headers announcing `length` body bytes and then only `sent`.
async fn partial_post(address: &str, path: &str, length: usize, sent: &[u8]) -> TcpStream {
    let host = address.trim_start_matches("http://");
    let mut socket = TcpStream::connect(host).await.expect("connects");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\r\n"
    );
    socket
        .write_all(head.as_bytes())
        .await
        .expect("headers sent");
    socket.write_all(sent).await.expect("body start sent");
    socket
}

/// The status line of the answer, and whether the server then closed the connection.
async fn answer(socket: &mut TcpStream) -> (String, bool) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let closed = tokio::time::timeout(PATIENCE, async {
        loop {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => return true,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .unwrap_or(false);
    let text = String::from_utf8_lossy(&got).into_owned();
    let status = text.lines().next().unwrap_or_default().to_owned();
    (status, closed)
}

#[tokio::test]
async fn a_body_that_never_arrives_is_answered_408_and_the_connection_closed() {
    let app = spawn_app_with(fake_twilio_server().await, |s| s.body_deadline_secs = 1).await;
    let url = app.inbound_url(&app.fx.wa_account);
    let path = url.trim_start_matches(&app.address).to_owned();
    let mut socket = partial_post(&app.address, &path, 100_000, b"Body=hi").await;
    let (status, closed) = answer(&mut socket).await;
    assert!(status.starts_with("HTTP/1.1 408"), "{status}");
    assert!(closed, "the connection stays open after the deadline");
    assert_eq!(app.metric("body_timeouts_total").await, 1);
    assert_eq!(app.message_count().await, 0);
    // The server is still there for everyone else.
    let resp = app.post_inbound_wa(&wa_form(&new_sid(), "Hello")).await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn the_same_deadline_holds_for_forms_of_the_pages() {
    let app = spawn_app_with(fake_twilio_server().await, |s| s.body_deadline_secs = 1).await;
    let mut socket = partial_post(&app.address, "/login", 5_000, b"email=a").await;
    let (status, closed) = answer(&mut socket).await;
    assert!(status.starts_with("HTTP/1.1 408"), "{status}");
    assert!(closed);
}

/// An unknown account key is refused from the headers: the body is never waited for. With a
/// deadline far away, a server that read the body first would answer 408, not 404.
#[tokio::test]
async fn an_unknown_webhook_key_is_404_before_the_body_is_read() {
    let app = spawn_app_with(fake_twilio_server().await, |s| s.body_deadline_secs = 30).await;
    let path = format!("/webhooks/twilio/{}", "k".repeat(43));
    let mut socket = partial_post(&app.address, &path, 100_000, b"Body=hi").await;
    let (status, _) = answer(&mut socket).await;
    assert!(status.starts_with("HTTP/1.1 404"), "{status}");
    assert_eq!(app.metric("body_timeouts_total").await, 0);
}

#[tokio::test]
async fn an_announced_body_over_the_webhook_limit_is_413_before_it_is_sent() {
    let app = spawn_app_with(fake_twilio_server().await, |s| s.body_deadline_secs = 30).await;
    let url = app.inbound_url(&app.fx.wa_account);
    let path = url.trim_start_matches(&app.address).to_owned();
    let mut socket = partial_post(&app.address, &path, 200 * 1024, b"Body=hi").await;
    let (status, _) = answer(&mut socket).await;
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
}

/// An unsigned form of `fields` distinct keys, posted to the WhatsApp account's webhook.
async fn post_unsigned_fields(app: &TestApp, fields: usize) -> reqwest::Response {
    let body: String = (0..fields)
        .map(|i| format!("{i:x}="))
        .collect::<Vec<_>>()
        .join("&");
    assert!(body.len() < 128 * 1024);
    app.http
        .post(app.inbound_url(&app.fx.wa_account))
        .header("X-Twilio-Signature", "AAAA")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

/// 17,600 keys in 127 KiB, unsigned: refused by the field cap before any signature is computed.
#[tokio::test]
async fn a_form_with_too_many_fields_costs_no_signature_work() {
    let app = spawn_app().await;
    let resp = post_unsigned_fields(&app, 17_600).await;
    assert_eq!(resp.status(), 413);
    assert!(resp.text().await.unwrap().contains("more than 1000 fields"));
    assert_eq!(app.metric("signature_checks_total").await, 0);

    // A form within the cap is checked (and this one refused for its signature).
    let resp = post_unsigned_fields(&app, 1_000).await;
    assert_eq!(resp.status(), 403);
    assert_eq!(app.metric("signature_checks_total").await, 1);
}

/// One address holds at most 64 unfinished bodies: of 70 slow clients, exactly 6 are refused at
/// once (whichever arrive last), and the 64 others get 408 at the deadline.
#[tokio::test]
async fn one_address_cannot_hold_more_than_its_share_of_unfinished_bodies() {
    let app = spawn_app_with(fake_twilio_server().await, |s| s.body_deadline_secs = 3).await;
    let limit = omnidesk::web::limits::MAX_PENDING_PER_ADDRESS;
    let mut sockets = Vec::new();
    for _ in 0..limit + 6 {
        sockets.push(partial_post(&app.address, "/login", 5_000, b"email=a").await);
    }
    let answers = futures_util::future::join_all(sockets.iter_mut().map(answer)).await;
    let count = |code: &str| {
        answers
            .iter()
            .filter(|(status, _)| status.starts_with(&format!("HTTP/1.1 {code}")))
            .count()
    };
    assert_eq!(count("429"), 6, "{answers:?}");
    assert_eq!(count("408"), limit, "{answers:?}");
    assert!(answers.iter().all(|(_, closed)| *closed));
}

#[tokio::test]
async fn a_session_holds_at_most_eight_streams_and_its_oldest_is_closed() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let mut streams = Vec::new();
    for _ in 0..omnidesk::web::agent::streams::PER_SESSION {
        streams.push(Sse::open(&admin).await);
    }
    let mut newest = Sse::open(&admin).await;
    assert!(streams[0].ends().await, "the oldest stream stays open");
    assert_eq!(app.metric("live_streams_evicted_total").await, 1);
    // The others, and the new one, still receive events.
    let resp = app.post_inbound_wa(&wa_form(&new_sid(), "Hello")).await;
    assert_eq!(resp.status(), 200);
    assert!(newest.next().await.is_some());
    assert!(streams[1].next().await.is_some());
}

#[tokio::test]
async fn streams_past_the_total_bound_are_refused_with_503() {
    let app = spawn_app_with(fake_twilio_server().await, |s| s.live_streams_max = Some(2)).await;
    let admin = app.admin().await;
    let _a = Sse::open(&admin).await;
    let first = Sse::open(&admin).await;
    let other = app.signed_in(Role::Supervisor, "sup@example.com").await;
    let refused = other
        .http
        .get(format!("{}/agent/events", other.base))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "5");
    assert_eq!(app.metric("live_streams_refused_total").await, 1);
    // A stream that ends gives its place back.
    drop(first);
    let mut reopened = None;
    for _ in 0..200 {
        let resp = other
            .http
            .get(format!("{}/agent/events", other.base))
            .send()
            .await
            .unwrap();
        if resp.status() == 200 {
            reopened = Some(resp);
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(reopened.is_some(), "the freed place is never given back");
}

async fn fake_twilio_server() -> wiremock::MockServer {
    wiremock::MockServer::start().await
}

/// A connection that has been answered once is certainly admitted (and kept alive).
async fn admitted_connection(address: &str) -> TcpStream {
    let host = address.trim_start_matches("http://");
    let mut socket = TcpStream::connect(host).await.expect("connects");
    let req = format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n");
    socket.write_all(req.as_bytes()).await.expect("sent");
    let mut buf = [0u8; 1024];
    let n = tokio::time::timeout(PATIENCE, socket.read(&mut buf))
        .await
        .expect("answered")
        .expect("read");
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{:?}", &buf[..n]);
    socket
}

#[tokio::test]
async fn connections_over_the_per_address_bound_are_closed_before_anything_is_read() {
    let app = spawn_app_with(fake_twilio_server().await, |s| {
        s.max_connections_per_address = 3
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(admitted_connection(&app.address).await);
    }
    let host = app.address.trim_start_matches("http://");
    let mut over = TcpStream::connect(host).await.expect("the kernel accepts");
    let _ = over
        .write_all(format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes())
        .await;
    let (status, closed) = answer(&mut over).await;
    assert_eq!(
        status, "",
        "the server answered a connection over the bound"
    );
    assert!(closed);
    // A closed connection gives its place back.
    drop(held.pop());
    let again = eventually("a place is given back", || async {
        let mut s = TcpStream::connect(host).await.ok()?;
        s.write_all(
            format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .ok()?;
        let (status, _) = answer(&mut s).await;
        status.starts_with("HTTP/1.1 200").then_some(())
    })
    .await;
    let () = again;
}

/// An address that keeps failing webhook checks is refused from its headers for the rest of the
/// window, even with a good signature; other addresses are not affected.
#[tokio::test]
async fn an_address_flooding_bad_webhooks_is_throttled_and_others_are_not() {
    let app = spawn_app().await;
    let url = app.inbound_url(&app.fx.wa_account);
    for _ in 0..omnidesk::web::webhooks::throttle::MAX_FAILURES {
        let resp = app
            .http
            .post(&url)
            .header("X-Twilio-Signature", "AAAA")
            .form(&wa_form(&new_sid(), "junk"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403);
    }
    let resp = app.post_inbound_wa(&wa_form(&new_sid(), "Hello")).await;
    assert_eq!(resp.status(), 429);
    assert_eq!(app.message_count().await, 0);

    let elsewhere = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let form = wa_form(&new_sid(), "Hello");
    let sig = omnidesk::providers::twilio::signature::compute(WA_TOKEN, &url, &form);
    let resp = elsewhere
        .post(&url)
        .header("X-Twilio-Signature", sig)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(app.message_count().await, 1);
}
