//! Automated messages, actually sent: each trigger's text as the fake Twilio receives it, in the
//! workstream's language (an override, a built-in text, the fallback to the default locale), the
//! agent's system line for "outside allowed timeframe", the 24-hour window and opt-outs, and the
//! opt-out keywords per channel.

use crate::distribution::{agent, offered_to, wa_workstream};
use crate::fake_twilio::{outbox_settled, sends_settled};
use crate::helpers::*;
use omnidesk::app::automated::{Automated, Fill};
use omnidesk::domain::automated::{AutomatedText, Locale, OverrideKey, SwitchKey, Trigger};
use omnidesk::domain::language::LanguageCode;
use omnidesk::domain::workstream::Attachments;
use omnidesk::domain::{Channel, Direction, WorkstreamId};
use omnidesk::store::outbox::SendRefusal;
use omnidesk::store::records::MediaState;
use omnidesk::store::workstreams::SetupChange;
use reqwest::StatusCode;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

/// The bodies the fake Twilio was asked to send, once the outbox has nothing left to do.
async fn bodies_sent(app: &TestApp) -> Vec<String> {
    // Sends to one number are paced: move the clock on until every job is done.
    for _ in 0..20 {
        sends_settled(app).await;
        if app.desk().outbox_pending().await.unwrap() == 0 {
            break;
        }
        app.clock.advance(std::time::Duration::from_secs(1));
    }
    outbox_settled(app).await;
    app.sent_messages()
        .await
        .iter()
        .filter_map(|r| field(&form_of(r), "Body"))
        .collect()
}

async fn set_language(app: &TestApp, ws: WorkstreamId, code: &str) {
    app.desk()
        .store()
        .save_workstream_setup(
            ws,
            SetupChange::Language(LanguageCode::parse(code).unwrap()),
        )
        .await
        .unwrap()
        .unwrap();
}

async fn set_text(
    app: &TestApp,
    trigger: Trigger,
    channel: Channel,
    ws: Option<WorkstreamId>,
    locale: &str,
    text: &str,
) {
    let key = OverrideKey {
        trigger,
        channel,
        workstream: ws,
        locale: Locale::parse(locale).unwrap(),
    };
    app.desk()
        .set_automated_override(
            key,
            AutomatedText::parse(trigger, text).unwrap(),
            app.desk().now(),
        )
        .await
        .unwrap()
        .unwrap();
}

async fn turn_on(app: &TestApp, trigger: Trigger, channel: Channel) {
    switch(app, trigger, channel, true).await;
}

async fn switch(app: &TestApp, trigger: Trigger, channel: Channel, on: bool) {
    let key = SwitchKey {
        trigger,
        channel,
        workstream: None,
    };
    app.desk()
        .set_automated_switch(key, on)
        .await
        .unwrap()
        .unwrap();
}

fn automated_bodies(messages: &[omnidesk::store::records::Message]) -> Vec<String> {
    messages
        .iter()
        .filter(|m| m.direction == Direction::Automated)
        .map(|m| m.body.clone())
        .collect()
}

#[tokio::test]
async fn the_greeting_is_sent_in_the_workstreams_language_from_its_override() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let ws = wa_workstream(&app).await;
    set_language(&app, ws, "de").await;
    set_text(
        &app,
        Trigger::Greeting,
        Channel::WhatsApp,
        Some(ws),
        "de",
        "Willkommen beim Support!",
    )
    .await;
    set_text(
        &app,
        Trigger::Greeting,
        Channel::WhatsApp,
        None,
        "de",
        "Kanal-Text",
    )
    .await;
    // Off until turned on: a new conversation before that gets no greeting.
    app.customer_writes_wa("Hallo").await;
    assert!(
        bodies_sent(&app).await.is_empty(),
        "the greeting is off by default"
    );

    turn_on(&app, Trigger::Greeting, Channel::WhatsApp).await;
    // The first conversation still waits: its customer's position is not what this test is about.
    switch(&app, Trigger::QueuePosition, Channel::WhatsApp, false).await;
    let sid = new_sid();
    let form = with(
        with(wa_form(&sid, "Hallo"), "From", "whatsapp:+14155550177"),
        "WaId",
        "14155550177",
    );
    assert_eq!(app.post_inbound_wa(&form).await.status(), 200);
    let conv = app.message_by_sid(&sid).await.unwrap().conversation_id;
    assert_eq!(bodies_sent(&app).await, ["Willkommen beim Support!"]);
    assert_eq!(
        automated_bodies(&app.messages(conv).await),
        ["Willkommen beim Support!"],
        "the thread shows it as automated"
    );
    // The customer's next message in the same conversation is not greeted again.
    let form = with(
        with(
            wa_form(&new_sid(), "Noch da?"),
            "From",
            "whatsapp:+14155550177",
        ),
        "WaId",
        "14155550177",
    );
    assert_eq!(app.post_inbound_wa(&form).await.status(), 200);
    assert_eq!(bodies_sent(&app).await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_language_without_texts_falls_back_to_the_default_locale() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let ws = wa_workstream(&app).await;
    set_language(&app, ws, "fr").await;
    turn_on(&app, Trigger::Greeting, Channel::WhatsApp).await;
    // No French text anywhere: the channel's English override, not the built-in English text.
    set_text(
        &app,
        Trigger::Greeting,
        Channel::WhatsApp,
        None,
        "en",
        "Hello from Acme.",
    )
    .await;
    app.customer_writes_wa("Bonjour").await;
    assert_eq!(bodies_sent(&app).await, ["Hello from Acme."]);
    app.stop().await;
}

#[tokio::test]
async fn the_agent_assigned_message_names_the_agent_in_the_workstreams_language() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let ws = wa_workstream(&app).await;
    set_language(&app, ws, "es").await;
    turn_on(&app, Trigger::AgentAssigned, Channel::WhatsApp).await;
    let (_b, ana) = agent(&app, "ana@example.com", 2).await;
    app.desk().store().set_members(ws, vec![ana]).await.unwrap();
    let conv = app.customer_writes_wa("Hola").await;
    offered_to(&app, ana, conv.id).await;
    assert!(
        bodies_sent(&app).await.is_empty(),
        "nothing before the agent accepts"
    );
    app.desk().accept_offer(ana, conv.id).await.unwrap();
    assert_eq!(
        bodies_sent(&app).await,
        ["Ahora está hablando con ana."],
        "the built-in Spanish text with {{AgentName}} filled"
    );
    app.stop().await;
}

#[tokio::test]
async fn whatsapp_stop_is_confirmed_and_then_nothing_else_reaches_the_customer() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let conv = app.customer_writes_wa("STOP").await;
    let sent = bodies_sent(&app).await;
    assert_eq!(
        sent,
        ["You won't receive more messages from us here. Write to us again at any time."],
        "the opt-out confirmation is exempt from the opt-out gate"
    );
    assert_eq!(
        app.reply(conv.id, "Are you sure?").await.err(),
        Some(SendRefusal::OptedOut)
    );
    let out = app
        .desk()
        .send_automated(&conv, Trigger::OutOfHours, &Fill::default())
        .await
        .unwrap();
    assert!(
        matches!(out, Automated::Refused(SendRefusal::OptedOut)),
        "{out:?}"
    );
    assert_eq!(bodies_sent(&app).await.len(), 1, "nothing more was sent");
    app.stop().await;
}

#[tokio::test]
async fn stop_on_an_sms_long_code_is_left_to_twilio_and_cancel_opts_out_on_sms_only() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    // SMS long code: Twilio answers STOP itself, omnidesk sends nothing.
    let conv = app.customer_writes_sms("STOP").await;
    assert!(
        bodies_sent(&app).await.is_empty(),
        "Twilio already answered"
    );
    assert_eq!(
        app.reply(conv.id, "hello?").await.err(),
        Some(SendRefusal::OptedOut)
    );
    app.customer_writes_sms("START").await;
    app.customer_writes_sms("cancel").await;
    assert_eq!(
        app.reply(conv.id, "hello?").await.err(),
        Some(SendRefusal::OptedOut),
        "CANCEL is one of Twilio's SMS keywords"
    );
    // WhatsApp: "cancel" is an answer, not an opt-out.
    let wa = app.customer_writes_wa("cancel").await;
    assert!(app.reply(wa.id, "Your order is cancelled.").await.is_ok());
    assert_eq!(bodies_sent(&app).await, ["Your order is cancelled."]);
    app.stop().await;
}

#[tokio::test]
async fn the_admin_sets_the_whatsapp_keywords_and_a_bad_list_is_refused_with_the_reason() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let mut admin = app.admin().await;
    let page = admin.get("/admin/automated-messages").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("STOP, UNSUBSCRIBE"),
        "the defaults are shown"
    );
    let bad = admin
        .post(
            "/admin/automated-messages/whatsapp-keywords",
            &[
                ("channel", "whatsapp"),
                ("workstream", "0"),
                ("locale", "en"),
                ("keywords", "stop, start"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("START opts a customer back in"),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains("stop, start"),
        "the entered value is kept"
    );
    let ok = admin
        .post(
            "/admin/automated-messages/whatsapp-keywords",
            &[
                ("channel", "whatsapp"),
                ("workstream", "0"),
                ("locale", "en"),
                ("keywords", "baja, stop"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let conv = app.customer_writes_wa("Baja").await;
    assert_eq!(
        app.reply(conv.id, "hello?").await.err(),
        Some(SendRefusal::OptedOut),
        "the admin's keyword opts out"
    );
    app.customer_writes_wa("START").await;
    app.customer_writes_wa("unsubscribe").await;
    assert!(
        app.reply(conv.id, "still here").await.is_ok(),
        "a keyword no longer listed does not opt out"
    );
    // Without a CSRF token nothing changes.
    let forged = admin
        .post_raw(
            "/admin/automated-messages/whatsapp-keywords",
            &pairs(&[
                ("channel", "whatsapp"),
                ("workstream", "0"),
                ("locale", "en"),
                ("keywords", "x"),
            ]),
        )
        .await;
    assert!(forged.status.is_client_error(), "{}", forged.status);
    let words = app.desk().store().whatsapp_optout_keywords().await.unwrap();
    assert_eq!(
        words.iter().map(|w| w.as_str()).collect::<Vec<_>>(),
        ["BAJA", "STOP"]
    );
    app.stop().await;
}

#[tokio::test]
async fn the_admin_turns_a_trigger_on_and_unknown_placeholders_are_refused() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let mut admin = app.admin().await;
    admin.get("/admin/automated-messages").await;
    let on = admin
        .post(
            "/admin/automated-messages/switch/greeting/whatsapp/0/on",
            &[],
        )
        .await;
    assert_eq!(on.status, StatusCode::SEE_OTHER);
    let page = admin
        .get("/admin/automated-messages?channel=whatsapp&workstream=0&locale=en")
        .await;
    assert!(
        page.body.contains("Turn off"),
        "the greeting now shows as on"
    );
    let agent_page = admin.get("/admin/automated-messages").await;
    assert!(agent_page.body.contains("Agent (a line in the thread)"));
    app.customer_writes_wa("hi").await;
    assert_eq!(
        bodies_sent(&app).await,
        ["Thanks for contacting us. An agent will be with you shortly."]
    );
    admin
        .get("/admin/automated-messages/greeting/whatsapp/0/en")
        .await;
    let bad = admin
        .post(
            "/admin/automated-messages/greeting/whatsapp/0/en",
            &[("text", "Hi {{1}}, welcome")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("{{1}} is a template placeholder"),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains("Hi {{1}}, welcome"),
        "the entered text is kept"
    );
    let nope = admin
        .post(
            "/admin/automated-messages/switch/greeting/whatsapp/0/maybe",
            &[],
        )
        .await;
    assert_eq!(nope.status, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn a_switch_pressed_in_another_language_comes_back_to_that_language() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let list = admin
        .get("/admin/automated-messages?channel=whatsapp&workstream=0&locale=es")
        .await;
    let action = "/admin/automated-messages/switch/greeting/whatsapp/0/on?locale=es";
    assert!(
        list.body.contains(&escaped(action)),
        "the switch carries the language: {}",
        list.body
    );
    let on = admin.post(action, &[]).await;
    assert_eq!(on.status, StatusCode::SEE_OTHER);
    let back = on.location.expect("back to the list");
    assert!(back.contains("locale=es"), "{back}");
    let page = admin.get(&back).await;
    assert!(
        page.body.contains(&escaped("Gracias por escribirnos")),
        "the Spanish texts are shown"
    );
    assert!(page.body.contains("Turn off"), "the greeting is now on");
    let key = SwitchKey {
        trigger: Trigger::Greeting,
        channel: Channel::WhatsApp,
        workstream: None,
    };
    let switches = app.desk().store().automated_switches().await.unwrap();
    assert_eq!(switches.get(&key.storage_key()), Some(&true));
    app.stop().await;
}

#[tokio::test]
async fn outside_the_window_the_agent_gets_a_line_and_the_customer_gets_nothing() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let conv = app.customer_writes_wa("hello").await;
    app.clock.advance(std::time::Duration::from_secs(25 * 3600));
    assert_eq!(
        app.reply(conv.id, "sorry for the wait").await.err(),
        Some(SendRefusal::WindowExpired)
    );
    let lines = app.system_lines(conv.id).await;
    assert!(
        lines
            .iter()
            .any(|l| l.contains("exceeded the 24 hour limit")
                && l.contains("Send an approved template")),
        "{lines:?}"
    );
    // Customer-audience messages are never free-form after the window: e.g. out of hours.
    let out = app
        .desk()
        .send_automated(&conv, Trigger::OutOfHours, &Fill::default())
        .await
        .unwrap();
    assert!(
        matches!(out, Automated::Refused(SendRefusal::WindowExpired)),
        "{out:?}"
    );
    assert!(
        bodies_sent(&app).await.is_empty(),
        "nothing reached the customer"
    );
    assert!(automated_bodies(&app.messages(conv.id).await).is_empty());
    app.stop().await;
}

#[tokio::test]
async fn out_of_hours_holiday_and_queue_position_go_through_the_same_call() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let conv = app.customer_writes_sms("hello").await;
    let desk = app.desk();
    for (trigger, fill) in [
        (Trigger::OutOfHours, Fill::default()),
        (Trigger::Holiday, Fill::default()),
        (
            Trigger::QueuePosition,
            Fill {
                queue_position: Some(3),
                ..Fill::default()
            },
        ),
    ] {
        if trigger == Trigger::QueuePosition {
            switch(&app, trigger, Channel::Sms, false).await;
            let out = desk.send_automated(&conv, trigger, &fill).await.unwrap();
            assert!(matches!(out, Automated::Off), "turned off: {out:?}");
            switch(&app, trigger, Channel::Sms, true).await;
        }
        let out = desk.send_automated(&conv, trigger, &fill).await.unwrap();
        assert!(matches!(out, Automated::Sent(_)), "{trigger:?}: {out:?}");
    }
    assert_eq!(
        bodies_sent(&app).await,
        [
            "We're closed right now. We'll reply during our opening hours.",
            "We're closed today for a holiday. We'll reply when we're back.",
            "Thanks for waiting. You are number 3 in the queue.",
        ]
    );
    app.stop().await;
}

fn media_form(sid: &str, url: &str, content_type: &str) -> Vec<(String, String)> {
    let mut form = with(wa_form(sid, ""), "NumMedia", "1");
    form.push(("MediaUrl0".into(), url.into()));
    form.push(("MediaContentType0".into(), content_type.into()));
    form
}

async fn media_failed(app: &TestApp, sid: &str) -> String {
    eventually("the media is refused", || async {
        let m = app.message_by_sid(sid).await?;
        match &m.media.first()?.state {
            MediaState::Failed { reason } => Some(reason.clone()),
            _ => None,
        }
    })
    .await
}

/// Turns "Customers can send file attachments" on or off in the fixture's WhatsApp workstream.
async fn customers_send_files(app: &TestApp, on: bool) {
    let ws = wa_workstream(app).await;
    app.desk()
        .store()
        .save_workstream_setup(
            ws,
            SetupChange::Features(Attachments {
                customers: on,
                agents: false,
            }),
        )
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_file_where_customers_cannot_send_files_is_not_fetched_and_answered() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    Mock::given(method("GET"))
        .and(path("/receipt"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![7u8; 100]))
        .mount(&app.twilio)
        .await;
    customers_send_files(&app, false).await;
    let sid = new_sid();
    let url = format!("{}/receipt", app.twilio.uri());
    let form = with(
        media_form(&sid, &url, "image/jpeg"),
        "Body",
        "here is my receipt",
    );
    assert_eq!(app.post_inbound_wa(&form).await.status(), 200);
    let m = app
        .message_by_sid(&sid)
        .await
        .expect("the message is stored");
    assert_eq!(m.body, "here is my receipt", "the text is kept");
    assert!(
        matches!(&m.media[0].state, MediaState::Failed { reason } if reason.contains("attachments are off")),
        "{:?}",
        m.media[0].state
    );
    assert_eq!(
        bodies_sent(&app).await,
        [
            "Message couldn't be sent: we can't accept attachments here. Please write your message as text."
        ]
    );
    assert_eq!(
        app.system_lines(m.conversation_id).await,
        ["The customer sent an attachment; attachments are off for this workstream."]
    );
    let fetched =
        |requests: Vec<wiremock::Request>| requests.iter().any(|r| r.url.path() == "/receipt");
    let requests = app.twilio.received_requests().await.unwrap_or_default();
    assert!(!fetched(requests), "the file is never downloaded");

    // Turned on, the same file is taken in.
    customers_send_files(&app, true).await;
    let sid = new_sid();
    assert_eq!(
        app.post_inbound_wa(&media_form(&sid, &url, "image/jpeg"))
            .await
            .status(),
        200
    );
    eventually("the file is stored", || async {
        let m = app.message_by_sid(&sid).await?;
        matches!(m.media.first()?.state, MediaState::Stored { .. }).then_some(())
    })
    .await;
    assert_eq!(bodies_sent(&app).await.len(), 1, "nothing more is sent");
    app.stop().await;
}

#[tokio::test]
async fn a_refused_customer_file_is_answered_with_the_reason() {
    let app = spawn_app_with(wiremock::MockServer::start().await, |s| {
        s.media_max_bytes = 1_000;
    })
    .await;
    twilio_accepts(&app.twilio).await;
    customers_send_files(&app, true).await;
    Mock::given(method("GET"))
        .and(path("/big"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![7u8; 5_000]))
        .mount(&app.twilio)
        .await;
    let big = new_sid();
    let url = format!("{}/big", app.twilio.uri());
    assert_eq!(
        app.post_inbound_wa(&media_form(&big, &url, "image/jpeg"))
            .await
            .status(),
        200
    );
    media_failed(&app, &big).await;
    let conv = app.message_by_sid(&big).await.unwrap().conversation_id;
    eventually("the too-big answer is queued", || async {
        (automated_bodies(&app.messages(conv).await).len() == 1).then_some(())
    })
    .await;
    let gif = new_sid();
    let url = format!("{}/anim.gif", app.twilio.uri());
    assert_eq!(
        app.post_inbound_wa(&media_form(&gif, &url, "image/gif"))
            .await
            .status(),
        200
    );
    let reason = media_failed(&app, &gif).await;
    assert!(reason.contains("image/gif"), "{reason}");
    eventually("the unsupported-type answer is queued", || async {
        (automated_bodies(&app.messages(conv).await).len() == 2).then_some(())
    })
    .await;
    assert_eq!(
        bodies_sent(&app).await,
        [
            "Message couldn't be sent: the file is larger than the allowed size.",
            "Message couldn't be sent: this file type isn't supported.",
        ]
    );
    let fetched = app
        .twilio
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .any(|r| r.url.path() == "/anim.gif");
    assert!(!fetched, "a type the channel refuses is not downloaded");
    app.stop().await;
}
