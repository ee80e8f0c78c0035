//! The communication panel, its composer (text, templates, notes, quick replies), the customer
//! summary and transcript search, through HTTP as a browser uses them.

use crate::helpers::*;
use crate::signin::PASSWORD;
use omnidesk::domain::language::LanguageCode;
use omnidesk::domain::quick_reply::QuickReplyText;
use omnidesk::domain::user::Role;
use omnidesk::domain::window::WINDOW_EXPIRED_TEXT;
use omnidesk::domain::workstream::WorkstreamName;
use omnidesk::domain::{Channel, ConversationId, Direction, MessageStatus, UserId};
use omnidesk::store::quick_replies::QuickReplyDraft;
use omnidesk::store::records::DistributionMode;
use omnidesk::store::workstreams::WorkstreamDraft;
use reqwest::StatusCode;
use std::time::Duration;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, ResponseTemplate};

/// `s` as askama escapes text: numeric entities for the five HTML-special characters.
fn esc(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

fn panel(id: ConversationId) -> String {
    format!("/agent/conversations/{}", id.get())
}

/// The id of the user signed in with `email`.
async fn user_id(app: &TestApp, email: &str) -> UserId {
    let email = omnidesk::domain::user::Email::parse(email).unwrap();
    app.desk()
        .store()
        .user_by_email(email)
        .await
        .unwrap()
        .expect("user")
        .id
}

async fn assign(app: &TestApp, conv: ConversationId, agent: UserId) {
    app.desk()
        .store()
        .assign(conv, agent, 1, app.desk().now())
        .await
        .unwrap()
        .expect("assigned");
}

/// A message the provider accepted; returns its provider id.
async fn accepted(app: &TestApp, conv: ConversationId, seq: u64) -> String {
    eventually("the provider accepts", || async {
        app.desk()
            .store()
            .message(conv, seq)
            .await
            .unwrap()?
            .provider_id
    })
    .await
}

#[tokio::test]
async fn the_panel_shows_the_thread_with_statuses_and_a_failed_messages_code_and_text() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let conv = app.customer_writes_wa("Where is my order?").await;
    let first = app.reply(conv.id, "It left the warehouse.").await.unwrap();
    let sid = accepted(&app, conv.id, first.seq).await;
    let delivered = pairs(&[
        ("MessageSid", &sid),
        ("MessageStatus", "delivered"),
        ("AccountSid", WA_SID),
    ]);
    assert_eq!(app.post_status_wa(&delivered).await.status(), 200);

    app.twilio.reset().await;
    Mock::given(method("POST"))
        .and(path_regex(r"/Messages\.json$"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "code": 21211,
            "message": "The 'To' number is not a valid phone number.",
            "status": 400
        })))
        .mount(&app.twilio)
        .await;
    let second = app.reply(conv.id, "Tracking link follows.").await.unwrap();
    // The sender's pace holds the second message until the clock moves.
    app.clock.advance(Duration::from_secs(1));
    eventually("the send fails", || async {
        let m = app
            .desk()
            .store()
            .message(conv.id, second.seq)
            .await
            .unwrap()?;
        (m.status == MessageStatus::Failed).then_some(())
    })
    .await;

    let mut admin = app.admin().await;
    let page = admin.get(&panel(conv.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = page.body;
    for expected in [
        "Where is my order?",
        "It left the warehouse.",
        "Tracking link follows.",
        "msg-customer",
        "msg-agent",
        "status-delivered",
        "status-failed",
        // Ticks with the words beside them: hidden for a delivery, shown for a failure.
        "<span class=\"ticks\" aria-hidden=\"true\">✓✓</span> <span class=\"status-text visually-hidden\">Delivered</span>",
        "<span class=\"ticks\" aria-hidden=\"true\">!</span> <span class=\"status-text\">Failed</span>",
        "Error 21211",
        "is not a valid phone number.",
        WA_BUSINESS,
        "WhatsApp support",
        "New customer",
        "Ana",
    ] {
        assert!(body.contains(expected), "panel lacks {expected:?}:\n{body}");
    }
    assert!(
        body.find("Where is my order?") < body.find("It left the warehouse."),
        "the thread is in order"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_reply_from_the_composer_is_sent_to_the_customer() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let conv = app.customer_writes_wa("hi").await;
    let mut admin = app.admin().await;
    admin.get(&panel(conv.id)).await;
    let sent = admin
        .post(
            &format!("{}/messages", panel(conv.id)),
            &[("body", "Hello from the panel\r\nSecond line")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let req = eventually("Twilio receives the reply", || async {
        app.sent_messages().await.into_iter().next()
    })
    .await;
    let form = form_of(&req);
    assert_eq!(
        field(&form, "Body").as_deref(),
        Some("Hello from the panel\nSecond line")
    );
    assert_eq!(field(&form, "To"), Some(format!("whatsapp:{CUSTOMER}")));
    let stored = app.messages(conv.id).await;
    let me = user_id(&app, "admin@example.com").await;
    assert_eq!(stored.last().unwrap().author, Some(me));

    let empty = admin
        .post(&format!("{}/messages", panel(conv.id)), &[("body", "  ")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("The message is empty."));
    let long = "x".repeat(4_097);
    let too_long = admin
        .post(&format!("{}/messages", panel(conv.id)), &[("body", &long)])
        .await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_long.body.contains("longer than 4096 characters"));
    assert!(too_long.body.contains(&long), "the text is kept");
    app.stop().await;
}

#[tokio::test]
async fn after_24_hours_the_panel_offers_only_templates_and_refuses_free_text() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let conv = app.customer_writes_wa("hi").await;
    let mut admin = app.admin().await;
    let open = admin.get(&panel(conv.id)).await;
    assert!(!open.body.contains(WINDOW_EXPIRED_TEXT));
    assert!(open.body.contains("name=\"body\""));

    app.clock.advance(Duration::from_secs(24 * 3600));
    // The session went idle meanwhile: sign in again.
    admin.sign_in("admin@example.com", PASSWORD).await;
    let closed = admin.get(&panel(conv.id)).await;
    assert_eq!(closed.status, StatusCode::OK);
    assert!(closed.body.contains(WINDOW_EXPIRED_TEXT), "{}", closed.body);
    assert!(
        !closed.body.contains("name=\"body\""),
        "no free-text composer"
    );
    assert!(closed.body.contains("order_update") && closed.body.contains("follow_up"));
    assert!(
        closed.body.contains("name=\"value_2\""),
        "one field per placeholder"
    );

    let refused = admin
        .post(
            &format!("{}/messages", panel(conv.id)),
            &[("body", "Sorry for the wait")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains(WINDOW_EXPIRED_TEXT));
    assert!(
        refused.body.contains("Sorry for the wait"),
        "the text is kept"
    );

    let tpl = app.fx.content_template.get().to_string();
    let missing = admin
        .post(
            &format!("{}/template", panel(conv.id)),
            &[("template_id", &tpl), ("value_1", "Ana"), ("value_2", "")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing.body.contains("a value is missing"),
        "{}",
        missing.body
    );
    assert!(missing.body.contains("value=\"Ana\""), "values are kept");

    let sent = admin
        .post(
            &format!("{}/template", panel(conv.id)),
            &[
                ("template_id", &tpl),
                ("value_1", "Ana"),
                ("value_2", "#42"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let req = eventually("the template goes out", || async {
        app.sent_messages().await.into_iter().next()
    })
    .await;
    let form = form_of(&req);
    assert_eq!(
        field(&form, "ContentSid").as_deref(),
        Some("HXb5b62575e6e4ff6129ad7c8efe1f983e")
    );
    assert_eq!(
        field(&form, "ContentVariables").as_deref(),
        Some(r##"{"1":"Ana","2":"#42"}"##)
    );
    // Every send due by now has been made and answered: nothing more can arrive.
    crate::fake_twilio::sends_settled(&app).await;
    assert_eq!(app.sent_messages().await.len(), 1, "free text never left");
    app.stop().await;
}

#[tokio::test]
async fn notes_are_stored_shown_and_never_sent() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let conv = app.customer_writes_wa("hi").await;
    let mut admin = app.admin().await;
    admin.get(&panel(conv.id)).await;
    let added = admin
        .post(
            &format!("{}/notes", panel(conv.id)),
            &[("note", "VIP customer <b>call back</b>")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let stored = app.messages(conv.id).await;
    let note = stored.last().unwrap();
    assert_eq!(note.direction, Direction::Note);
    assert_eq!(note.body, "VIP customer <b>call back</b>");

    let page = admin.get(&panel(conv.id)).await;
    assert!(page.body.contains("msg-note"));
    assert!(page.body.contains("never sent to the customer"));
    assert!(page.body.contains(&esc("VIP customer <b>call back</b>")));
    assert!(page.body.contains("<dd class=\"notes-count\">1</dd>"));

    let long = "n".repeat(2_001);
    let refused = admin
        .post(&format!("{}/notes", panel(conv.id)), &[("note", &long)])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("at most 2,000 characters"));
    assert!(refused.body.contains(&long), "the note is kept");
    let empty = admin
        .post(&format!("{}/notes", panel(conv.id)), &[("note", " ")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Every send due by now has been made and answered: nothing more can arrive.
    crate::fake_twilio::sends_settled(&app).await;
    assert!(app.sent_messages().await.is_empty(), "a note is never sent");
    app.stop().await;
}

#[tokio::test]
async fn quick_replies_are_offered_with_slugs_filled_for_this_customer_and_agent() {
    let app = spawn_app().await;
    let conv = app.customer_writes_wa("hi").await;
    let reply = app
        .desk()
        .store()
        .create_quick_reply(QuickReplyDraft {
            title: "Greeting".into(),
            locale: LanguageCode::parse("en").unwrap(),
            message: QuickReplyText::parse("Hi {FirstName{Customer}}, this is {FullName{Agent}}.")
                .unwrap(),
            tags: vec![],
            workstreams: vec![],
        })
        .await
        .unwrap()
        .unwrap();
    let mut admin = app.admin().await;
    let page = admin.get(&panel(conv.id)).await;
    assert!(
        page.body
            .contains("data-text=\"Hi Ana, this is Admin user.\""),
        "{}",
        page.body
    );
    let id = reply.id.get().to_string();
    let filled = admin
        .post(
            &format!("{}/quick-reply", panel(conv.id)),
            &[("body", "Hello! /q"), ("quick_reply", &id)],
        )
        .await;
    assert_eq!(filled.status, StatusCode::OK);
    assert!(
        filled
            .body
            .contains(">Hello! Hi Ana, this is Admin user.</textarea>"),
        "{}",
        filled.body
    );
    let unknown = admin
        .post(
            &format!("{}/quick-reply", panel(conv.id)),
            &[("body", "kept"), ("quick_reply", "999")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains(">kept</textarea>"));
    app.stop().await;
}

#[tokio::test]
async fn quick_replies_of_this_workstream_come_in_the_agents_language_first() {
    let app = spawn_app().await;
    let conv = app.customer_writes_wa("hi").await;
    let store = app.desk().store();
    let elsewhere = store
        .create_workstream(WorkstreamDraft {
            name: WorkstreamName::parse("SMS sales").unwrap(),
            channel: Channel::Sms,
            mode: DistributionMode::Push,
            fallback_queue: None,
            numbers: vec![],
        })
        .await
        .unwrap()
        .unwrap();
    let add = |title: &str, locale: &str, text: &str, workstreams| QuickReplyDraft {
        title: title.into(),
        locale: LanguageCode::parse(locale).unwrap(),
        message: QuickReplyText::parse(text).unwrap(),
        tags: vec![],
        workstreams,
    };
    let here = conv
        .workstream_id
        .expect("the WhatsApp number has a workstream");
    for draft in [
        add("Adiós", "es", "Hasta luego", vec![]),
        add("Zulu", "en-GB", "Goodbye", vec![here]),
        add("Other desk", "en", "Not offered here", vec![elsewhere.id]),
    ] {
        store.create_quick_reply(draft).await.unwrap().unwrap();
    }
    let mut admin = app.admin().await;
    let page = admin.get(&panel(conv.id)).await.body;
    assert!(
        !page.contains("Not offered here"),
        "another workstream's reply"
    );
    let (en, es) = (page.find("Goodbye"), page.find("Hasta luego"));
    assert!(en.is_some() && es.is_some(), "{page}");
    assert!(
        en < es,
        "English before Spanish for an English-speaking agent"
    );
    app.stop().await;
}

/// Hits on a search page: the conversation links, in order.
fn hit_links(body: &str) -> Vec<String> {
    body.match_indices("<p class=\"hit-meta\"><a href=\"")
        .map(|(i, m)| {
            body[i + m.len()..]
                .split('"')
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn search_finds_text_across_conversations_newest_first_and_paginates() {
    let app = spawn_app().await;
    let wa = app.customer_writes_wa("I want a REFUND").await;
    app.clock.advance(Duration::from_secs(60));
    let sms = app.customer_writes_sms("refund for order 7, please").await;
    let mut admin = app.admin().await;
    let page = admin.get("/agent/search?q=refund").await;
    assert_eq!(page.status, StatusCode::OK);
    let links = hit_links(&page.body);
    assert_eq!(links.len(), 2, "{}", page.body);
    assert!(links[0].starts_with(&panel(sms.id)), "newest first");
    assert!(links[1].starts_with(&panel(wa.id)));
    assert!(page.body.contains("<mark>REFUND</mark>"));
    assert!(page.body.contains("<mark>refund</mark> for order 7"));
    assert!(page.body.contains(CUSTOMER));

    for i in 0..25 {
        app.clock.advance(Duration::from_secs(1));
        app.customer_writes_sms(&format!("paging test {i}")).await;
    }
    let first = admin.get("/agent/search?q=PAGING+test").await;
    assert_eq!(hit_links(&first.body).len(), 20);
    assert!(first.body.contains("paging test</mark> 24"));
    let next = format!("href=\"{}\"", esc("/agent/search?q=PAGING+test&page=2"));
    assert!(first.body.contains(&next), "{}", first.body);
    assert!(!first.body.contains("rel=\"prev\""));
    let second = admin.get("/agent/search?q=PAGING+test&page=2").await;
    assert_eq!(hit_links(&second.body).len(), 5);
    assert!(second.body.contains("paging test</mark> 0"));
    assert!(second.body.contains("rel=\"prev\""));
    assert!(!second.body.contains("rel=\"next\""));

    let nothing = admin.get("/agent/search?q=zebra").await;
    assert!(nothing.body.contains("No messages match"));
    let long = format!("/agent/search?q={}", "a".repeat(201));
    assert_eq!(
        admin.get(&long).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    app.stop().await;
}

#[tokio::test]
async fn an_agent_sees_and_finds_only_their_own_conversations() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let mine = app.customer_writes_wa("hello from WhatsApp").await;
    let other = app.customer_writes_sms("hello from SMS").await;
    let mut agent = app.signed_in(Role::Agent, "agent@example.com").await;
    let me = user_id(&app, "agent@example.com").await;
    assert_eq!(
        agent.get(&panel(mine.id)).await.status,
        StatusCode::NOT_FOUND
    );
    assign(&app, mine.id, me).await;

    let page = agent.get(&panel(mine.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    for action in ["end", "close-session", "transfer"] {
        let form = format!("action=\"{}/{action}\"", panel(mine.id));
        assert!(page.body.contains(&form), "the assigned agent can {action}");
    }
    assert!(
        !page.body.contains(&format!("href=\"{}\"", panel(other.id))),
        "the summary lists only conversations the agent may open"
    );
    assert_eq!(
        agent.get(&panel(other.id)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        agent.get("/agent/conversations/9999").await.status,
        StatusCode::NOT_FOUND
    );
    let post = agent
        .post(&format!("{}/messages", panel(other.id)), &[("body", "x")])
        .await;
    assert_eq!(post.status, StatusCode::NOT_FOUND);
    let note = agent
        .post(&format!("{}/notes", panel(other.id)), &[("note", "x")])
        .await;
    assert_eq!(note.status, StatusCode::NOT_FOUND);

    let found = agent.get("/agent/search?q=hello").await;
    let links = hit_links(&found.body);
    assert_eq!(links.len(), 1, "{}", found.body);
    assert!(links[0].starts_with(&panel(mine.id)));

    let sent = agent
        .post(
            &format!("{}/messages", panel(mine.id)),
            &[("body", "On it")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);

    let mut stranger = app.signed_in(Role::Agent, "other@example.com").await;
    assert_eq!(
        stranger.get(&panel(other.id)).await.status,
        StatusCode::NOT_FOUND
    );
    let none = stranger.get("/agent/search?q=hello").await;
    assert!(hit_links(&none.body).is_empty());
    assert_eq!(
        stranger
            .get(&format!("/agent/customers/{CUSTOMER}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

#[tokio::test]
async fn the_customer_summary_lists_previous_conversations_and_a_closed_one_is_read_only() {
    let app = spawn_app().await;
    let first = app.customer_writes_wa("first visit").await;
    let mut admin = app.admin().await;
    let me = user_id(&app, "admin@example.com").await;
    let store = app.desk().store();
    assign(&app, first.id, me).await;
    let now = app.desk().now();
    store
        .end_conversation(first.id, me, true, now)
        .await
        .unwrap()
        .unwrap();
    store
        .close_conversation(first.id, Some(me), now)
        .await
        .unwrap()
        .unwrap();
    let second = app.customer_writes_wa("back again").await;
    assert_ne!(first.id, second.id);

    let page = admin.get(&panel(second.id)).await;
    assert!(page.body.contains(&format!("href=\"{}\"", panel(first.id))));
    let summary = admin.get(&format!("/agent/customers/{CUSTOMER}")).await;
    assert_eq!(summary.status, StatusCode::OK);
    assert!(summary.body.contains(&panel(first.id)) && summary.body.contains(&panel(second.id)));
    assert_eq!(
        admin.get("/agent/customers/+19995550000").await.status,
        StatusCode::NOT_FOUND
    );

    let past = admin.get(&panel(first.id)).await;
    assert_eq!(past.status, StatusCode::OK);
    assert!(past.body.contains("first visit"));
    assert!(past.body.contains("This conversation is closed"));
    assert!(!past.body.contains("name=\"body\"") && !past.body.contains("name=\"note\""));
    let note = admin
        .post(&format!("{}/notes", panel(first.id)), &[("note", "late")])
        .await;
    assert_eq!(note.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}

#[tokio::test]
async fn markup_in_customer_messages_stays_inert_on_the_panel_and_in_search() {
    let app = spawn_app().await;
    let sid = new_sid();
    let form = with(
        wa_form(&sid, "<script>alert(1)</script>"),
        "ProfileName",
        "<svg onload=alert(1)>",
    );
    assert_eq!(app.post_inbound_wa(&form).await.status(), 200);
    let conv = app.customer_writes_wa("<img src=x onerror=alert(1)>").await;
    app.customer_writes_wa("see javascript:alert(1)").await;
    let mut admin = app.admin().await;

    let check = |body: &str, place: &str| {
        for raw in [
            "<script>alert",
            "<img src=x",
            "<svg onload",
            "href=\"javascript:",
        ] {
            assert!(!body.contains(raw), "{place} contains raw {raw:?}:\n{body}");
        }
    };
    let page = admin.get(&panel(conv.id)).await;
    check(&page.body, "the panel");
    for shown in [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        "see javascript:alert(1)",
    ] {
        assert!(
            page.body.contains(&esc(shown)),
            "{shown:?} is shown as text"
        );
    }

    let found = admin.get("/agent/search?q=alert").await;
    check(&found.body, "search results");
    assert_eq!(hit_links(&found.body).len(), 3);
    assert!(
        found
            .body
            .contains(&format!("{}<mark>alert</mark>(1)", esc("<script>")))
    );
    assert!(found.body.contains("javascript:<mark>alert</mark>(1)"));
    let markup = admin.get("/agent/search?q=%3Cscript%3E").await;
    check(&markup.body, "a search for markup");
    assert!(
        markup
            .body
            .contains(&format!("<mark>{}</mark>", esc("<script>")))
    );
    app.stop().await;
}

#[tokio::test]
async fn a_whatsapp_reply_to_our_message_is_quoted_in_the_thread() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let conv = app.customer_writes_wa("Where is my order?").await;
    let ours = app.reply(conv.id, "It left the warehouse.").await.unwrap();
    let sid = accepted(&app, conv.id, ours.seq).await;
    let reply = new_sid();
    let mut form = wa_form(&reply, "Thanks!");
    form.push(("OriginalRepliedMessageSid".into(), sid.clone()));
    assert_eq!(app.post_inbound_wa(&form).await.status(), 200);
    let stored = app.message_by_sid(&reply).await.expect("stored");
    assert_eq!(stored.extras.reply_to.as_deref(), Some(sid.as_str()));
    let mut admin = app.admin().await;
    let page = admin.get(&panel(conv.id)).await;
    assert!(
        page.body.contains(&format!(
            "<p class=\"msg-reply\">In reply to {}</p>",
            esc("“It left the warehouse.”")
        )),
        "{}",
        page.body
    );
    // A malformed SID is refused like any malformed field, and nothing is stored.
    let bad = new_sid();
    let mut form = wa_form(&bad, "x");
    form.push(("OriginalRepliedMessageSid".into(), "not a sid".into()));
    assert_eq!(app.post_inbound_wa(&form).await.status(), 400);
    assert!(app.message_by_sid(&bad).await.is_none());
    app.stop().await;
}
