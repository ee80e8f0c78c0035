//! `/agent/events`: who receives which live events, and how a stream starts and ends.

use crate::helpers::*;
use crate::signin::Browser;
use futures_util::{Stream, StreamExt};
use omnidesk::domain::user::{Email, Role};
use omnidesk::domain::{ConversationId, UserId};
use omnidesk::live::LiveEvent;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::pin::Pin;
use std::time::{Duration, Instant};

/// How long a test waits for an event it expects.
const PATIENCE: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub(crate) struct Event {
    kind: String,
    data: Value,
}

type Chunks = Pin<Box<dyn Stream<Item = reqwest::Result<actix_web::web::Bytes>> + Send>>;

/// An open `/agent/events` stream, parsed into events (comment lines are skipped).
pub(crate) struct Sse {
    chunks: Chunks,
    buf: String,
}

impl Sse {
    pub(crate) async fn open(browser: &Browser) -> Sse {
        let resp = browser
            .http
            .get(format!("{}/agent/events", browser.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(header("content-type"), "text/event-stream");
        assert_eq!(header("cache-control"), "no-store");
        let mut sse = Sse {
            chunks: Box::pin(resp.bytes_stream()),
            buf: String::new(),
        };
        let first = sse.next().await.expect("a ready event");
        assert_eq!(first.kind, "ready", "{first:?}");
        sse
    }

    /// The next event other than presence changes (sign-ins publish those whenever they like).
    pub(crate) async fn next(&mut self) -> Option<Event> {
        tokio::time::timeout(PATIENCE, async {
            loop {
                while let Some(end) = self.buf.find("\n\n") {
                    let frame: String = self.buf.drain(..end + 2).collect();
                    if let Some(e) = parse(&frame)
                        && e.kind != "presence"
                    {
                        return Some(e);
                    }
                }
                let chunk = self.chunks.next().await?.ok()?;
                self.buf.push_str(std::str::from_utf8(&chunk).ok()?);
            }
        })
        .await
        .ok()
        .flatten()
    }

    /// Whether the server ends the stream within `PATIENCE` (shorter than the keepalive, which
    /// would also notice an ended session).
    pub(crate) async fn ends(&mut self) -> bool {
        tokio::time::timeout(PATIENCE, async {
            while let Some(Ok(_)) = self.chunks.next().await {}
        })
        .await
        .is_ok()
    }

    /// The next event of `kind`, skipping others.
    async fn next_of(&mut self, kind: &str) -> Event {
        loop {
            let e = self
                .next()
                .await
                .unwrap_or_else(|| panic!("no {kind} event"));
            if e.kind == kind {
                return e;
            }
        }
    }
}

fn parse(frame: &str) -> Option<Event> {
    let mut kind = None;
    let mut data = None;
    for line in frame.lines() {
        if let Some(k) = line.strip_prefix("event: ") {
            kind = Some(k.to_owned());
        } else if let Some(d) = line.strip_prefix("data: ") {
            data = serde_json::from_str(d).ok();
        }
    }
    Some(Event {
        kind: kind?,
        data: data?,
    })
}

async fn user_id(app: &TestApp, email: &str) -> UserId {
    app.desk()
        .store()
        .user_by_email(Email::parse(email).unwrap())
        .await
        .unwrap()
        .expect("user exists")
        .id
}

/// Assigns the conversation through the store and announces it as the workstream does.
async fn assign(app: &TestApp, id: ConversationId, agent: UserId) {
    app.desk()
        .store()
        .assign(id, agent, 1, app.desk().now())
        .await
        .unwrap()
        .expect("assignable");
    app.desk()
        .live_hub()
        .publish(LiveEvent::ConversationAssigned {
            conversation: id,
            agent: Some(agent),
        });
}

#[tokio::test]
async fn an_admins_stream_receives_a_message_event_for_an_inbound_webhook() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let mut sse = Sse::open(&admin).await;

    let sid = new_sid();
    let resp = app.post_inbound_wa(&wa_form(&sid, "Hello")).await;
    assert_eq!(resp.status(), 200);
    let stored = app.message_by_sid(&sid).await.expect("stored");

    let opened = sse.next_of("conversation_opened").await;
    assert_eq!(
        opened.data["conversation"],
        json!(stored.conversation_id.get())
    );
    let message = sse.next_of("message").await;
    assert_eq!(
        message.data,
        json!({"conversation": stored.conversation_id.get(), "seq": stored.seq})
    );
}

/// Waits until `sse` has dealt with every event published so far. A stream decides who sees an
/// event when it reaches it, so a test must let it pass the events of a conversation before
/// changing who may open that conversation. The marker is an assignment of a conversation that
/// does not exist, which only its agent is told about.
async fn caught_up(app: &TestApp, sse: &mut Sse, agent: UserId) {
    let marker = ConversationId::new(u64::MAX);
    app.desk()
        .live_hub()
        .publish(LiveEvent::ConversationAssigned {
            conversation: marker,
            agent: Some(agent),
        });
    let e = sse.next().await.expect("the marker");
    assert_eq!(
        (e.kind.as_str(), &e.data["conversation"]),
        ("assigned", &json!(marker.get())),
        "nothing else came before the marker: {e:?}"
    );
}

#[tokio::test]
async fn an_agent_sees_a_conversation_only_once_they_may_open_it() {
    let app = spawn_app().await;
    let email = "agent@example.com";
    let agent = app.signed_in(Role::Agent, email).await;
    let agent_id = user_id(&app, email).await;
    let mut sse = Sse::open(&agent).await;

    // SMS is in no workstream here, so nobody is offered it: only its agent may open it.
    let conv = app.customer_writes_sms("Not yours yet").await;
    caught_up(&app, &mut sse, agent_id).await;

    assign(&app, conv.id, agent_id).await;
    let assigned = loop {
        let e = sse.next().await.expect("the assignment");
        assert_eq!(e.data["conversation"], json!(conv.id.get()), "{e:?}");
        if e.kind == "assigned" {
            break e;
        }
    };
    assert_eq!(
        assigned.data,
        json!({"conversation": conv.id.get(), "agent": agent_id.get()})
    );

    let sid = new_sid();
    let resp = app
        .post_inbound_sms(&sms_form(&sid, "Now it is yours"))
        .await;
    assert_eq!(resp.status(), 200);
    let stored = app.message_by_sid(&sid).await.expect("stored");
    loop {
        let e = sse.next().await.expect("the new message's event");
        assert_eq!(e.data["conversation"], json!(conv.id.get()), "{e:?}");
        if e.kind == "message" && e.data["seq"] == json!(stored.seq) {
            break;
        }
    }
}

#[tokio::test]
async fn an_agent_does_not_see_another_agents_conversation() {
    let app = spawn_app().await;
    let mine = app.signed_in(Role::Agent, "mine@example.com").await;
    let mine_id = user_id(&app, "mine@example.com").await;
    app.signed_in(Role::Agent, "other@example.com").await;
    let other_id = user_id(&app, "other@example.com").await;
    let mut sse = Sse::open(&mine).await;

    let conv = app.customer_writes_sms("For the other agent").await;
    assign(&app, conv.id, other_id).await;
    app.customer_writes_sms("Still theirs").await;
    caught_up(&app, &mut sse, mine_id).await;
}

#[tokio::test]
async fn an_anonymous_request_is_sent_to_sign_in() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app.address);
    let page = browser.get("/agent/events").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/login"));
}

#[tokio::test]
async fn closing_the_stream_ends_its_subscription() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let live = app.desk().live_hub().clone();
    let before = live.subscribers();
    let sse = Sse::open(&admin).await;
    assert_eq!(live.subscribers(), before + 1);

    drop(sse);
    // The server notices a closed connection when it reads or writes; events make it write.
    let deadline = Instant::now() + PATIENCE;
    while live.subscribers() > before {
        assert!(
            Instant::now() < deadline,
            "the stream's subscription outlived its client"
        );
        live.publish(LiveEvent::WindowExpired {
            conversation: ConversationId::new(0),
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn disabling_an_agent_ends_their_stream_at_once() {
    assert!(
        PATIENCE < omnidesk::web::agent::events::KEEPALIVE,
        "the test must not wait for the keepalive's session check"
    );
    let app = spawn_app().await;
    let agent = app.signed_in(Role::Agent, "gone@example.com").await;
    let mut sse = Sse::open(&agent).await;
    let user = app
        .desk()
        .store()
        .user_by_email(omnidesk::domain::user::Email::parse("gone@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    app.desk()
        .update_user(
            user.id,
            omnidesk::store::users::UserUpdate {
                name: user.name.clone(),
                role: user.role,
                capacity: user.capacity,
                languages: user.languages.clone(),
                disabled: true,
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert!(sse.ends().await, "the disabled agent's stream ended");
    app.stop().await;
}

#[tokio::test]
async fn an_offer_event_names_the_customer_and_their_latest_message_for_the_notification() {
    use crate::distribution::{agent, wa_workstream};
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (browser, a) = agent(&app, "a@example.com", 3).await;
    app.desk().store().set_members(ws, vec![a]).await.unwrap();
    let mut sse = Sse::open(&browser).await;
    let conv = app.customer_writes_wa("My parcel <b>never</b> came").await;
    let offer = sse.next_of("offer").await;
    assert_eq!(
        offer.data["conversation"],
        json!(conv.id.get()),
        "{offer:?}"
    );
    assert_eq!(offer.data["agent"], json!(a.get()));
    // The WhatsApp profile name, and the text as the customer wrote it (JSON, not HTML: the
    // browser shows it as a notification's plain text).
    assert_eq!(offer.data["customer"], json!("Ana"), "{offer:?}");
    assert_eq!(offer.data["snippet"], json!("My parcel <b>never</b> came"));
}
