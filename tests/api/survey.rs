//! omnidesk's built-in survey over HTTP: the End message carries a single-use, expiring link; the
//! public page asks a 1–5 rating and a comment in the workstream's language; the answer is stored
//! once with the conversation and shown to the agent; bad input, a missing CSRF token, unknown or
//! expired links and a flood from one address are refused with nothing stored; the WhatsApp
//! window decides whether the survey goes at all.

use crate::distribution::{agent, offered_to, wa_workstream};
use crate::helpers::*;
use crate::signin::{Browser, Page};
use omnidesk::domain::language::LanguageCode;
use omnidesk::domain::workstream::Survey;
use omnidesk::domain::{ConversationId, UserId, WorkstreamId};
use omnidesk::store::records::Conversation;
use omnidesk::store::surveys::SurveyRecord;
use omnidesk::store::workstreams::SetupChange;
use reqwest::StatusCode;
use std::time::Duration;

const NOT_SENT: &str = "Survey not sent: the WhatsApp window had closed.";

pub(crate) async fn use_built_in_survey(app: &TestApp, ws: WorkstreamId, message: &str, q: &str) {
    app.desk()
        .store()
        .save_workstream_setup(
            ws,
            SetupChange::Behaviors {
                operation_hours: None,
                survey: Some(Survey::BuiltIn {
                    message: message.into(),
                    question: q.into(),
                }),
            },
        )
        .await
        .unwrap()
        .unwrap();
}

/// The token of the survey link in `body`.
fn token_in(body: &str) -> String {
    let i = body.find("/survey/").expect("a survey link") + "/survey/".len();
    body[i..].chars().take(43).collect()
}

/// The first message the provider got that carries a survey link.
async fn survey_message(app: &TestApp) -> String {
    eventually("the survey link reaches the provider", || async {
        app.sent_messages()
            .await
            .iter()
            .filter_map(|r| field(&form_of(r), "Body"))
            .find(|b| b.contains("/survey/"))
    })
    .await
}

/// An agent who is the only member of `ws`.
async fn member(app: &TestApp, ws: WorkstreamId) -> (Browser, UserId) {
    let (b, a) = agent(app, "a@example.com", 3).await;
    app.desk().store().set_members(ws, vec![a]).await.unwrap();
    (b, a)
}

/// The member accepts the customer's conversation once it is offered.
async fn accept(app: &TestApp, b: &mut Browser, a: UserId, conv: &Conversation) {
    offered_to(app, a, conv.id).await;
    let page = b
        .post(&format!("/agent/offers/{}/accept", conv.id.get()), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

async fn end(b: &mut Browser, id: ConversationId) -> Page {
    let page = b
        .post(&format!("/agent/conversations/{}/end", id.get()), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    page
}

/// A WhatsApp conversation of the seeded workstream, with the built-in survey, ended by its
/// agent: the agent's browser, the conversation and the token its goodbye carried.
async fn ended_with_survey(app: &TestApp) -> (Browser, Conversation, String) {
    twilio_accepts(&app.twilio).await;
    let ws = wa_workstream(app).await;
    use_built_in_survey(app, ws, "", "").await;
    let (mut b, a) = member(app, ws).await;
    let conv = app.customer_writes_wa("thanks, that's all").await;
    accept(app, &mut b, a, &conv).await;
    end(&mut b, conv.id).await;
    let body = survey_message(app).await;
    (b, conv, token_in(&body))
}

async fn stored(app: &TestApp, id: ConversationId) -> SurveyRecord {
    app.desk()
        .store()
        .conversation_survey(id)
        .await
        .unwrap()
        .expect("a survey was stored")
}

/// A customer's phone: a fresh cookie jar.
async fn open(app: &TestApp, token: &str) -> (Browser, Page) {
    let mut phone = Browser::new(&app.address);
    let page = phone.get(&format!("/survey/{token}")).await;
    (phone, page)
}

async fn answer(phone: &mut Browser, token: &str, rating: &str, comment: &str) -> Page {
    phone
        .post(
            &format!("/survey/{token}"),
            &[("rating", rating), ("comment", comment)],
        )
        .await
}

#[tokio::test]
async fn the_end_message_carries_a_single_use_link_and_the_answer_is_shown_to_the_agent() {
    let app = spawn_app().await;
    let (mut agent_b, conv, token) = ended_with_survey(&app).await;
    let body = survey_message(&app).await;
    let public = app.desk().settings().public_url();
    assert!(
        body.contains(&format!(
            "How did we do? Tell us in one tap: {public}/survey/{token}"
        )),
        "{body}"
    );
    assert_eq!(token.len(), 43);
    let s = stored(&app, conv.id).await;
    assert_eq!(
        s.expires_at,
        START.saturating_add(Duration::from_secs(7 * 86_400))
    );
    assert!(s.answer.is_none());
    // The survey is kept under the token's hash; the agent's thread hides the token, so the
    // agent it rates cannot answer for the customer.
    let hash = omnidesk::auth::token_hash(&token);
    assert!(app.desk().store().survey(hash).await.unwrap().is_some());
    assert!(
        app.desk()
            .store()
            .survey(token.clone())
            .await
            .unwrap()
            .is_none()
    );
    let thread = agent_b
        .get(&format!("/agent/conversations/{}", conv.id.get()))
        .await;
    assert!(thread.body.contains("/survey/…"), "{}", thread.body);
    assert!(!thread.body.contains(&token), "the token is not shown");
    let list = agent_b.get("/agent").await;
    assert!(!list.body.contains(&token), "nor in the work list");

    let (mut phone, page) = open(&app, &token).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for shown in [
        "<html lang=\"en\">",
        "name=\"viewport\"",
        "<legend>How satisfied are you with the help you got?</legend>",
        "type=\"radio\" name=\"rating\" value=\"5\"",
        "Excellent",
        "<label for=\"f-comment\">Comment (optional)</label>",
        "name=\"csrf\"",
    ] {
        assert!(page.body.contains(shown), "{shown} in {}", page.body);
    }

    let done = answer(&mut phone, &token, "4", "Quick <b>help</b>").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("Thank you"), "{}", done.body);
    let s = stored(&app, conv.id).await;
    let a = s.answer.expect("answered");
    assert_eq!(a.answer.rating.get(), 4);
    assert_eq!(s.agent, app.conversation(conv.id).await.agent);
    let line = "Customer rated 4/5 — Quick <b>help</b>";
    assert!(
        app.system_lines(conv.id).await.contains(&line.to_owned()),
        "a line in the thread"
    );
    let panel = agent_b
        .get(&format!("/agent/conversations/{}", conv.id.get()))
        .await;
    assert!(panel.body.contains(&escaped(line)), "{}", panel.body);
    assert!(!panel.body.contains("<b>help</b>"), "escaped");

    // Single use: a second answer, even a fresh form, is refused and changes nothing.
    let again = answer(&mut phone, &token, "1", "changed my mind").await;
    assert_eq!(again.status, StatusCode::GONE, "{}", again.body);
    assert!(again.body.contains("already answered"), "{}", again.body);
    let (_, reopened) = open(&app, &token).await;
    assert_eq!(reopened.status, StatusCode::GONE);
    let after = stored(&app, conv.id).await;
    assert_eq!(after.answer.unwrap().answer.rating.get(), 4);
    app.stop().await;
}

#[tokio::test]
async fn two_answers_at_once_store_exactly_one() {
    let app = spawn_app().await;
    let (_agent, conv, token) = ended_with_survey(&app).await;
    let mut phones = Vec::new();
    for _ in 0..4 {
        phones.push(open(&app, &token).await.0);
    }
    let posts = phones.iter_mut().enumerate().map(|(i, p)| {
        let token = token.clone();
        async move { answer(p, &token, &(i + 1).to_string(), "").await.status }
    });
    let statuses = futures_util::future::join_all(posts).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::GONE)
    );
    let lines = app.system_lines(conv.id).await;
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("Customer rated"))
            .count(),
        1,
        "{lines:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_link_expires_after_seven_days_and_then_stores_nothing() {
    let app = spawn_app().await;
    let (_agent, conv, token) = ended_with_survey(&app).await;
    let (mut phone, page) = open(&app, &token).await;
    assert_eq!(page.status, StatusCode::OK);
    app.clock.advance(Duration::from_secs(7 * 86_400 - 1));
    assert_eq!(open(&app, &token).await.1.status, StatusCode::OK, "not yet");
    app.clock.advance(Duration::from_secs(1));
    let (_, late) = open(&app, &token).await;
    assert_eq!(late.status, StatusCode::GONE);
    assert!(
        late.body.contains("This survey link has expired."),
        "{}",
        late.body
    );
    let refused = answer(&mut phone, &token, "5", "late").await;
    assert_eq!(refused.status, StatusCode::GONE, "{}", refused.body);
    assert!(
        stored(&app, conv.id).await.answer.is_none(),
        "nothing stored"
    );
    assert!(
        !app.system_lines(conv.id)
            .await
            .iter()
            .any(|l| l.starts_with("Customer rated"))
    );
    app.stop().await;
}

#[tokio::test]
async fn unknown_and_malformed_links_are_not_found() {
    let app = spawn_app().await;
    let (_agent, conv, token) = ended_with_survey(&app).await;
    let mut other = token.clone().into_bytes();
    other[0] = if other[0] == b'A' { b'B' } else { b'A' };
    let other = String::from_utf8(other).unwrap();
    for (path, why) in [
        (format!("/survey/{other}"), "a token never issued"),
        ("/survey/abc".to_owned(), "too short"),
        (format!("/survey/{token}x"), "too long"),
        (format!("/survey/{}%3C", &token[..42]), "not base64url"),
    ] {
        let mut phone = Browser::new(&app.address);
        let page = phone.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{why}");
        assert!(
            page.body.contains("This survey link is not known."),
            "{why}: {}",
            page.body
        );
        let posted = phone.post(&path, &[("rating", "5"), ("comment", "")]).await;
        assert_eq!(posted.status, StatusCode::NOT_FOUND, "{why}");
    }
    assert!(stored(&app, conv.id).await.answer.is_none());
    app.stop().await;
}

#[tokio::test]
async fn a_bad_rating_or_comment_is_refused_beside_its_field_and_stores_nothing() {
    let app = spawn_app().await;
    let (_agent, conv, token) = ended_with_survey(&app).await;
    let (mut phone, _) = open(&app, &token).await;
    let long = "é".repeat(1_001);
    let cases = [
        (
            "",
            "",
            "rating",
            "Choose a rating from 1 to 5.",
            "no rating",
        ),
        ("0", "", "rating", "Choose a rating from 1 to 5.", "below 1"),
        ("6", "", "rating", "Choose a rating from 1 to 5.", "above 5"),
        (
            "4.5",
            "",
            "rating",
            "Choose a rating from 1 to 5.",
            "not whole",
        ),
        (
            "3",
            &*long,
            "comment",
            "The comment is at most 1,000 characters.",
            "comment too long",
        ),
        (
            "3",
            "a\u{1}b",
            "comment",
            "The comment contains characters that are not allowed.",
            "control character",
        ),
    ];
    for (rating, comment, field, msg, why) in cases {
        let page = answer(&mut phone, &token, rating, comment).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{why}");
        let beside = format!("<p class=\"error\" id=\"e-{field}\">{}</p>", escaped(msg));
        assert!(page.body.contains(&beside), "{why}: {}", page.body);
        assert!(stored(&app, conv.id).await.answer.is_none(), "{why}");
    }
    // The typed comment is kept (escaped) for the next try.
    let page = answer(&mut phone, &token, "", "<i>kept</i>").await;
    assert!(page.body.contains(&escaped("<i>kept</i>")), "{}", page.body);
    // A comment of exactly 1,000 characters is fine.
    let ok = answer(&mut phone, &token, "5", &"é".repeat(1_000)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    app.stop().await;
}

#[tokio::test]
async fn an_answer_without_the_forms_csrf_token_is_refused() {
    let app = spawn_app().await;
    let (_agent, conv, token) = ended_with_survey(&app).await;
    let path = format!("/survey/{token}");
    let fields = |csrf: &str| {
        vec![
            ("csrf".to_owned(), csrf.to_owned()),
            ("rating".to_owned(), "5".to_owned()),
            ("comment".to_owned(), String::new()),
        ]
    };
    // No page was loaded: no cookie, and a made-up token.
    let mut stranger = Browser::new(&app.address);
    let page = stranger.post_raw(&path, &fields("forged")).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    assert!(page.body.contains("The form had expired."), "{}", page.body);
    // The page was loaded, but the field does not match its cookie.
    let (mut phone, _) = open(&app, &token).await;
    let page = phone.post_raw(&path, &fields("x.1.ab")).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        stored(&app, conv.id).await.answer.is_none(),
        "nothing stored"
    );
    // The refused page carries a fresh form that works.
    let ok = answer(&mut phone, &token, "5", "").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    app.stop().await;
}

#[tokio::test]
async fn one_address_is_refused_with_429_past_its_limit_until_the_window_passes() {
    let app = spawn_app().await;
    let (_agent, conv, token) = ended_with_survey(&app).await;
    let mut guesser = Browser::new(&app.address);
    for i in 0..30 {
        let page = guesser
            .get(&format!("/survey/{}{i:02}", "A".repeat(41)))
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "request {i}");
    }
    let resp = app
        .http
        .get(format!("{}/survey/{token}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "600");
    let body = resp.text().await.unwrap();
    assert!(
        body.contains("Too many requests from your network."),
        "{body}"
    );
    let (mut phone, page) = open(&app, &token).await;
    assert_eq!(
        page.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even a real link"
    );
    let refused = answer(&mut phone, &token, "5", "").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(stored(&app, conv.id).await.answer.is_none());

    app.clock.advance(Duration::from_secs(600));
    let (mut phone, page) = open(&app, &token).await;
    assert_eq!(page.status, StatusCode::OK, "a new window");
    assert_eq!(
        answer(&mut phone, &token, "5", "").await.status,
        StatusCode::OK
    );
    app.stop().await;
}

#[tokio::test]
async fn after_the_whatsapp_window_no_survey_is_made_and_the_agent_is_told() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let ws = wa_workstream(&app).await;
    use_built_in_survey(&app, ws, "", "").await;
    let (mut b, a) = member(&app, ws).await;
    let conv = app.customer_writes_wa("help").await;
    accept(&app, &mut b, a, &conv).await;
    app.clock.advance(Duration::from_secs(25 * 3600));
    eventually("the window closes", || async {
        app.conversation(conv.id).await.template_only.then_some(())
    })
    .await;
    // Past the session's idle limit: the agent signs in again.
    b.sign_in("a@example.com", crate::signin::PASSWORD).await;
    b.get("/agent").await;
    let ended = end(&mut b, conv.id).await;
    let location = ended.location.unwrap();
    let page = b.get(&location).await;
    assert!(
        page.body.contains(&format!(
            "<p class=\"notice\" role=\"status\" id=\"notice\">{NOT_SENT}</p>"
        )),
        "the flash: {}",
        page.body
    );
    assert!(
        app.system_lines(conv.id)
            .await
            .contains(&NOT_SENT.to_owned())
    );
    assert!(
        app.desk()
            .store()
            .conversation_survey(conv.id)
            .await
            .unwrap()
            .is_none(),
        "no survey"
    );
    // The flash is said once: the plain address shows the thread's line only.
    let plain = b
        .get(&format!("/agent/conversations/{}", conv.id.get()))
        .await;
    assert!(!plain.body.contains("id=\"notice\""));
    let sent: Vec<String> = app
        .sent_messages()
        .await
        .iter()
        .filter_map(|r| field(&form_of(r), "Body"))
        .collect();
    assert!(
        !sent.iter().any(|b| b.contains("/survey/")),
        "nothing reached the provider: {sent:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn sms_has_no_window_so_the_survey_goes_a_day_later() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let ws = app.sms_workstream().await;
    use_built_in_survey(&app, ws, "Rate us:", "Was it good?").await;
    let (mut b, a) = member(&app, ws).await;
    let conv = app.customer_writes_sms("help").await;
    accept(&app, &mut b, a, &conv).await;
    app.clock.advance(Duration::from_secs(25 * 3600));
    b.sign_in("a@example.com", crate::signin::PASSWORD).await;
    b.get("/agent").await;
    let ended = end(&mut b, conv.id).await;
    assert!(
        !ended.location.unwrap().contains("notice"),
        "nothing to tell"
    );
    let body = survey_message(&app).await;
    assert!(body.contains("Rate us: "), "{body}");
    let token = token_in(&body);
    let (_, page) = open(&app, &token).await;
    assert!(
        page.body.contains("<legend>Was it good?</legend>"),
        "{}",
        page.body
    );
    app.stop().await;
}

#[tokio::test]
async fn the_page_speaks_the_workstreams_language() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let ws = wa_workstream(&app).await;
    app.desk()
        .store()
        .save_workstream_setup(
            ws,
            SetupChange::Language(LanguageCode::parse("es_MX").unwrap()),
        )
        .await
        .unwrap()
        .unwrap();
    use_built_in_survey(&app, ws, "", "").await;
    let (mut b, a) = member(&app, ws).await;
    let conv = app.customer_writes_wa("gracias").await;
    accept(&app, &mut b, a, &conv).await;
    end(&mut b, conv.id).await;
    let body = survey_message(&app).await;
    assert!(
        body.contains("¿Cómo lo hicimos? Cuéntenos con un toque: "),
        "{body}"
    );
    let token = token_in(&body);
    let (mut phone, page) = open(&app, &token).await;
    for shown in [
        "<html lang=\"es\">",
        "¿Qué tan satisfecho está con la ayuda que recibió?",
        "Excelente",
        "Comentario (opcional)",
    ] {
        assert!(
            page.body.contains(&escaped(shown)) || page.body.contains(shown),
            "{shown}"
        );
    }
    let bad = answer(&mut phone, &token, "9", "").await;
    assert!(
        bad.body.contains("Elija una calificación del 1 al 5."),
        "{}",
        bad.body
    );
    let done = answer(&mut phone, &token, "5", "").await;
    assert!(done.body.contains("Gracias"), "{}", done.body);
    app.stop().await;
}

#[tokio::test]
async fn a_survey_whose_message_is_refused_is_discarded() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let ws = wa_workstream(&app).await;
    use_built_in_survey(&app, ws, "", "").await;
    let (mut b, a) = member(&app, ws).await;
    let conv = app.customer_writes_wa("hello").await;
    accept(&app, &mut b, a, &conv).await;
    // The customer opts out: nothing free-form may reach them, the goodbye included.
    let stop = app.customer_writes_wa("STOP").await;
    assert_eq!(stop.id, conv.id);
    let ended = end(&mut b, conv.id).await;
    assert!(
        !ended.location.unwrap().contains("notice"),
        "not a window matter"
    );
    assert!(
        app.desk()
            .store()
            .conversation_survey(conv.id)
            .await
            .unwrap()
            .is_none(),
        "no survey is left behind"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_survey_sent_and_answered_counts_in_the_reports_even_after_the_facts_are_rebuilt() {
    let mut app = spawn_app().await;
    let (_agent, conv, token) = ended_with_survey(&app).await;
    let fact = |app: &TestApp| {
        let store = app.desk().store().clone();
        async move { store.conversation_fact(conv.id).await.unwrap().unwrap() }
    };
    let sent = fact(&app).await;
    assert!(sent.survey_sent_at.is_some(), "{sent:?}");
    assert_eq!(sent.csat, None);
    let (mut phone, _) = open(&app, &token).await;
    answer(&mut phone, &token, "4", "").await;
    let answered = fact(&app).await;
    assert_eq!(answered.csat.map(|c| c.get()), Some(4));
    app.restart(|s| {
        // The facts lost: they are rebuilt from the threads, and the survey from its record.
        let db = redb::Database::open(s.data_dir.join("omnidesk.redb")).unwrap();
        let tx = db.begin_write().unwrap();
        assert!(
            tx.delete_table(omnidesk::store::tables::CONVERSATION_FACTS)
                .unwrap()
        );
        assert!(
            tx.delete_table(omnidesk::store::tables::META_FACTS)
                .unwrap()
        );
        tx.commit().unwrap();
    })
    .await;
    let rebuilt = fact(&app).await;
    assert_eq!(rebuilt.csat.map(|c| c.get()), Some(4));
    assert_eq!(
        rebuilt.survey_sent_at,
        Some(stored(&app, conv.id).await.sent_at)
    );
    app.stop().await;
}
