//! Reports over HTTP: a scripted day of conversations driven through the webhooks and the agents'
//! own actions with the test clock, and every number of `/reports` and its CSV exports checked
//! against the values the definitions give; the facts rebuilt from the threads at start-up equal
//! the live ones; who may see reports; bad input; and the `/metrics` gauges.

use crate::distribution::{agent, offered_to, wa_workstream};
use crate::helpers::*;
use crate::signin::Browser;
use omnidesk::domain::user::Role;
use omnidesk::domain::{ConversationId, UserId};
use reqwest::StatusCode;
use std::time::Duration;

const CUSTOMERS: [&str; 3] = ["+14155550111", "+14155550112", "+14155550113"];

/// The test clock's current second since START.
fn secs(app: &TestApp) -> u64 {
    (app.desk().now().as_millis() - START.as_millis()) as u64 / 1000
}

/// Moves the clock to `at` seconds after START.
fn at(app: &TestApp, at: u64) {
    let now = secs(app);
    assert!(at >= now, "the script goes forward: {now} → {at}");
    app.clock.advance(Duration::from_secs(at - now));
}

async fn customer_writes(app: &TestApp, customer: &str, body: &str) -> ConversationId {
    let sid = new_sid();
    let form = with(wa_form(&sid, body), "From", &format!("whatsapp:{customer}"));
    let form = with(form, "WaId", &customer[1..]);
    let resp = app.post_inbound_wa(&form).await;
    assert_eq!(resp.status(), 200);
    app.message_by_sid(&sid)
        .await
        .expect("stored")
        .conversation_id
}

async fn ok(b: &mut Browser, path: &str, fields: &[(&str, &str)]) {
    let page = b.post(path, fields).await;
    assert!(
        page.status == StatusCode::SEE_OTHER || page.status == StatusCode::OK,
        "{path}: {} {}",
        page.status,
        page.body
    );
}

fn conv_path(c: ConversationId, action: &str) -> String {
    format!("/agent/conversations/{}/{action}", c.get())
}

struct Day {
    app: TestApp,
    ana: UserId,
    ben: UserId,
    a: ConversationId,
    b: ConversationId,
    c: ConversationId,
    d: ConversationId,
}

/// The script (seconds after START, 2026-01-01 09:00 UTC, 04:00 in New York):
/// - A: writes at 0; Ana accepts at 60 and answers at 90; transfers it to Ben at 120, who accepts
///   at 180, ends at 300 and closes at 360. Rated 4.
/// - B: writes at 400; Ana accepts at 430, answers at 450, ends at 500, closes at 520. Surveyed,
///   no answer.
/// - C: writes at 600 while everyone is away; closes unassigned after inactivity at 900.
/// - D: an SMS at 1000 to a workstream nobody serves; still waiting.
async fn scripted_day() -> Day {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let ws = wa_workstream(&app).await;
    let (mut ana_b, ana) = agent(&app, "ana@example.com", 2).await;
    let (mut ben_b, ben) = agent(&app, "ben@example.com", 1).await;
    app.desk().set_members(ws, vec![ana, ben]).await.unwrap();

    let a = customer_writes(&app, CUSTOMERS[0], "my order is late").await;
    offered_to(&app, ana, a).await;
    at(&app, 60);
    ok(
        &mut ana_b,
        &format!("/agent/offers/{}/accept", a.get()),
        &[],
    )
    .await;
    at(&app, 90);
    ok(
        &mut ana_b,
        &conv_path(a, "messages"),
        &[("body", "Let me check.")],
    )
    .await;
    at(&app, 120);
    let ben_id = ben.get().to_string();
    ok(
        &mut ana_b,
        &conv_path(a, "transfer"),
        &[("to", &ben_id), ("note", "=refund")],
    )
    .await;
    offered_to(&app, ben, a).await;
    at(&app, 180);
    ok(
        &mut ben_b,
        &format!("/agent/offers/{}/accept", a.get()),
        &[],
    )
    .await;
    at(&app, 300);
    ok(&mut ben_b, &conv_path(a, "end"), &[]).await;
    at(&app, 360);
    ok(&mut ben_b, &conv_path(a, "close"), &[]).await;

    at(&app, 400);
    let b = customer_writes(&app, CUSTOMERS[1], "where is my parcel").await;
    offered_to(&app, ana, b).await;
    at(&app, 430);
    ok(
        &mut ana_b,
        &format!("/agent/offers/{}/accept", b.get()),
        &[],
    )
    .await;
    at(&app, 450);
    ok(
        &mut ana_b,
        &conv_path(b, "messages"),
        &[("body", "On its way.")],
    )
    .await;
    at(&app, 500);
    ok(&mut ana_b, &conv_path(b, "end"), &[]).await;
    at(&app, 520);
    ok(&mut ana_b, &conv_path(b, "close"), &[]).await;

    ok(&mut ana_b, "/agent/presence", &[("presence", "away")]).await;
    ok(&mut ben_b, "/agent/presence", &[("presence", "away")]).await;
    at(&app, 600);
    let c = customer_writes(&app, CUSTOMERS[2], "hello?").await;
    eventually("C waits in its queue", || async {
        app.desk().store().placement(c).await.unwrap().map(|_| ())
    })
    .await;
    at(&app, 900);
    // The close the scheduler makes after inactivity.
    app.desk()
        .store()
        .close_conversation(c, None, app.desk().now())
        .await
        .unwrap()
        .unwrap();

    app.sms_workstream().await;
    at(&app, 1000);
    let d = app.customer_writes_sms("sms here").await.id;

    let store = app.desk().store();
    store
        .record_survey_sent(a, app.desk().now())
        .await
        .unwrap()
        .unwrap();
    store
        .record_survey_answer(a, 4, app.desk().now())
        .await
        .unwrap()
        .unwrap();
    store
        .record_survey_sent(b, app.desk().now())
        .await
        .unwrap()
        .unwrap();
    Day {
        app,
        ana,
        ben,
        a,
        b,
        c,
        d,
    }
}

async fn supervisor_in_new_york(app: &TestApp) -> Browser {
    let mut sup = app.signed_in(Role::Supervisor, "sup@example.com").await;
    sup.get("/account/time-zone").await;
    ok(
        &mut sup,
        "/account/time-zone",
        &[("time_zone", "America/New_York")],
    )
    .await;
    sup
}

/// The rows of a CSV export (the header first), split naively: the cells checked hold no commas.
async fn csv(b: &mut Browser, path: &str) -> Vec<Vec<String>> {
    let page = b.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
    page.body
        .lines()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

fn row<'a>(rows: &'a [Vec<String>], first: &str) -> &'a [String] {
    rows.iter()
        .find(|r| r[0] == first)
        .unwrap_or_else(|| panic!("no row {first} in {rows:?}"))
}

const Q: &str = "from=2026-01-01&to=2026-01-01";

#[tokio::test]
async fn every_metric_of_a_scripted_day_has_the_value_its_definition_gives() {
    let day = scripted_day().await;
    let app = &day.app;
    let mut sup = supervisor_in_new_york(app).await;

    let summary = csv(&mut sup, &format!("/reports/summary.csv?{Q}")).await;
    assert_eq!(row(&summary, "Opened")[1], "4");
    assert_eq!(row(&summary, "Handled")[1], "2");
    assert_eq!(row(&summary, "Abandoned")[1], "1");
    assert_eq!(row(&summary, "Abandoned after bot hand-off")[1], "0");
    assert_eq!(row(&summary, "Transferred")[1], "1");
    // (measure, count, median s, 90th percentile s)
    for (measure, count, median, p90) in [
        ("First response time", "2", "70.0", "90.0"), // 90 s and 50 s
        ("Handle time", "2", "195.0", "300.0"),       // 60→360 and 430→520
        ("Wrap-up", "2", "40.0", "60.0"),             // 300→360 and 500→520
        ("Time in queue", "3", "120.0", "300.0"),     // A 60+60 across the transfer, B 30, C 300
    ] {
        let r = row(&summary, measure);
        assert_eq!(
            (r[1].as_str(), r[5].as_str(), r[6].as_str()),
            (count, median, p90),
            "{measure}"
        );
    }

    let csat = csv(&mut sup, &format!("/reports/csat.csv?{Q}")).await;
    assert_eq!(row(&csat, "Rated 4")[1], "1");
    assert_eq!(row(&csat, "Rated 5")[1], "0");
    assert_eq!(row(&csat, "Surveys sent")[1], "2");
    assert_eq!(row(&csat, "Average rating")[1], "4.00");
    assert_eq!(row(&csat, "Response rate")[1], "50 %");

    let agents = csv(&mut sup, &format!("/reports/agents.csv?{Q}")).await;
    // Agent, Assigned, Closed, Transferred on, Handle median, Handle 90th, Wrap-up, FRT, CSAT, answers
    let ana = row(&agents, "ana");
    assert_eq!(&ana[1..4], ["2", "1", "1"]);
    assert_eq!(ana[4], "1 min 30 s", "B only: A was Ben's at its close");
    assert_eq!(ana[7], "50 s");
    let ben = row(&agents, "ben");
    assert_eq!(&ben[1..4], ["1", "1", "0"]);
    assert_eq!(ben[4], "5 min 00 s");
    assert_eq!((ben[8].as_str(), ben[9].as_str()), ("4.00", "1"));

    let hours = csv(&mut sup, &format!("/reports/hours.csv?{Q}")).await;
    assert_eq!(
        row(&hours, "04:00")[1],
        "4",
        "09:00 UTC is 04:00 in New York"
    );
    assert_eq!(row(&hours, "09:00")[1], "0");

    let sms = csv(&mut sup, &format!("/reports/summary.csv?{Q}&channel=sms")).await;
    assert_eq!(row(&sms, "Opened")[1], "1");
    let ana_only = csv(
        &mut sup,
        &format!("/reports/summary.csv?{Q}&agent={}", day.ana.get()),
    )
    .await;
    assert_eq!(row(&ana_only, "Opened")[1], "2");
    let next_day = csv(
        &mut sup,
        "/reports/summary.csv?from=2026-01-02&to=2026-01-02",
    )
    .await;
    assert_eq!(row(&next_day, "Opened")[1], "0");

    let convs = sup.get(&format!("/reports/conversations.csv?{Q}")).await;
    assert_eq!(
        convs.body.lines().count(),
        5,
        "a header and the 4 conversations"
    );
    let a_line = convs
        .body
        .lines()
        .find(|l| l.starts_with(&format!("{},", day.a.get())))
        .unwrap();
    assert!(a_line.contains("ana; ben"), "{a_line}");
    assert!(a_line.contains(",120.0,1,no,no,4"), "{a_line}");
    let c_line = convs
        .body
        .lines()
        .find(|l| l.starts_with(&format!("{},", day.c.get())))
        .unwrap();
    assert!(c_line.ends_with(",0,no,yes,"), "{c_line}");
    assert!(
        convs
            .body
            .lines()
            .any(|l| l.starts_with(&format!("{},", day.d.get())))
    );
    assert!(
        convs.body.contains("2026-01-01 04:00 EST"),
        "times in the viewer's zone"
    );

    let page = sup.get(&format!("/reports?{Q}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "role=\"img\"",
        "Conversations opened by hour of day (America/New_York)",
        "<dt>First response time</dt>",
        "1 min 10 s",
        "4.00 / 5",
    ] {
        assert!(page.body.contains(text), "{text} missing");
    }
    let export = escaped("/reports/conversations.csv?from=2026-01-01&to=2026-01-01&workstream=");
    assert!(page.body.contains(&export), "the exports carry the query");
    let _ = (day.ben, day.b);
    day.app.stop().await;
}

#[tokio::test]
async fn facts_rebuilt_from_the_threads_at_start_up_equal_the_live_ones() {
    let day = scripted_day().await;
    let mut app = day.app;
    let mut sup = supervisor_in_new_york(&app).await;
    let mut before = Vec::new();
    for t in ["summary", "agents", "hours", "csat", "conversations"] {
        before.push(sup.get(&format!("/reports/{t}.csv?{Q}")).await.body);
    }
    let live: Vec<_> = app
        .desk()
        .store()
        .facts_opened_between(
            START,
            app.desk().now().saturating_add(Duration::from_secs(1)),
        )
        .await
        .unwrap();
    assert_eq!(live.len(), 4);
    app.restart(|s| {
        // A store from before facts were kept: the table and its marker gone.
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
    let rebuilt = app
        .desk()
        .store()
        .facts_opened_between(
            START,
            app.desk().now().saturating_add(Duration::from_secs(1)),
        )
        .await
        .unwrap();
    let mut expected = live.clone();
    for f in &mut expected {
        // The survey results live only in the facts (the survey keeps its own answers).
        f.survey_sent_at = None;
        f.csat = None;
    }
    assert_eq!(rebuilt, expected);
    let mut sup = supervisor_in_new_york_again(&app, &mut sup).await;
    let hours = sup.get(&format!("/reports/hours.csv?{Q}")).await.body;
    assert_eq!(hours, before[2]);
    let summary = sup.get(&format!("/reports/summary.csv?{Q}")).await.body;
    assert_eq!(summary, before[0]);
    app.stop().await;
}

/// The same supervisor after a restart: sessions survive it.
async fn supervisor_in_new_york_again(app: &TestApp, old: &mut Browser) -> Browser {
    let mut b = Browser {
        http: old.http.clone(),
        base: app.address.clone(),
        csrf: old.csrf.clone(),
    };
    assert_eq!(b.get("/reports").await.status, StatusCode::OK);
    b
}

#[tokio::test]
async fn a_facts_update_keeps_survey_results_when_the_facts_are_rebuilt() {
    let app = spawn_app().await;
    let conv = app.customer_writes_wa("hi").await;
    let store = app.desk().store();
    assert!(
        store
            .record_survey_answer(conv.id, 6, app.desk().now())
            .await
            .unwrap()
            .is_err()
    );
    assert!(
        store
            .record_survey_answer(ConversationId::new(999), 3, app.desk().now())
            .await
            .unwrap()
            .is_err()
    );
    store
        .record_survey_answer(conv.id, 5, app.desk().now())
        .await
        .unwrap()
        .unwrap();
    let mut app = app;
    app.restart(|s| {
        let db = redb::Database::open(s.data_dir.join("omnidesk.redb")).unwrap();
        let tx = db.begin_write().unwrap();
        tx.delete_table(omnidesk::store::tables::META_FACTS)
            .unwrap();
        tx.commit().unwrap();
    })
    .await;
    let f = app
        .desk()
        .store()
        .conversation_fact(conv.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(f.csat.map(|c| c.get()), Some(5), "kept through the rebuild");
    assert!(f.first_customer_at.is_some());
    app.stop().await;
}

#[tokio::test]
async fn only_supervisors_and_admins_see_reports() {
    let app = spawn_app().await;
    let mut anon = Browser::new(&app.address);
    for path in [
        "/reports",
        "/reports/summary.csv",
        "/reports/conversations.csv",
    ] {
        let p = anon.get(path).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(p.location.as_deref(), Some("/login"));
    }
    let (mut agent_b, _) = agent(&app, "ana@example.com", 1).await;
    for path in [
        "/reports",
        "/reports/agents.csv",
        "/reports/conversations.csv",
    ] {
        assert_eq!(
            agent_b.get(path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert!(
        !agent_b
            .get("/agent")
            .await
            .body
            .contains("href=\"/reports\"")
    );
    let mut admin = app.admin().await;
    let page = admin.get("/reports").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("href=\"/reports\""), "in the navigation");
    let mut sup = app.signed_in(Role::Supervisor, "sup@example.com").await;
    assert_eq!(sup.get("/reports/days.csv").await.status, StatusCode::OK);
    assert_eq!(
        sup.get("/reports/secrets.csv").await.status,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_dates_and_filters_get_a_400_with_the_reason() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    for (query, reason) in [
        (
            "from=2026-13-01",
            "“From” must be a date written YYYY-MM-DD",
        ),
        (
            "from=01/02/2026",
            "“From” must be a date written YYYY-MM-DD",
        ),
        ("from=2026-02-01&to=2026-01-01", "ends before it starts"),
        ("from=2020-01-01&to=2026-01-01", "at most 366 days"),
        ("workstream=abc", "“Workstream” is not one of the choices"),
        ("channel=fax", "“Channel” is not one of the choices"),
    ] {
        let page = admin.get(&format!("/reports?{query}")).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(page.body.contains(&escaped(reason)), "{query}: {reason}");
        assert!(
            page.body.contains("name=\"from\""),
            "the form is shown again"
        );
        let export = admin.get(&format!("/reports/summary.csv?{query}")).await;
        assert_eq!(export.status, StatusCode::BAD_REQUEST, "{query}");
    }
    app.stop().await;
}

#[tokio::test]
async fn csv_exports_escape_cells_and_neutralise_formulas() {
    let app = spawn_app().await;
    let hash = omnidesk::auth::password::hash_now(crate::signin::PASSWORD).unwrap();
    let ws = wa_workstream(&app).await;
    let evil = app
        .desk()
        .store()
        .add_user(
            omnidesk::store::users::NewUser {
                email: omnidesk::domain::user::Email::parse("evil@example.com").unwrap(),
                name: "=HYPERLINK(\"http://x\",\"a, b\")".into(),
                role: Role::Agent,
                password_hash: hash,
                capacity: 1,
                languages: vec!["en".into()],
            },
            app.desk().now(),
        )
        .await
        .unwrap()
        .unwrap();
    app.desk().set_members(ws, vec![evil.id]).await.unwrap();
    let mut b = Browser::new(&app.address);
    b.sign_in("evil@example.com", crate::signin::PASSWORD).await;
    b.get("/agent").await;
    let conv = app.customer_writes_wa("hi").await;
    offered_to(&app, evil.id, conv.id).await;
    ok(
        &mut b,
        &format!("/agent/offers/{}/accept", conv.id.get()),
        &[],
    )
    .await;
    let mut admin = app.admin().await;
    let body = admin.get(&format!("/reports/agents.csv?{Q}")).await.body;
    assert!(
        body.contains("\"'=HYPERLINK(\"\"http://x\"\",\"\"a, b\"\")\",1,"),
        "{body}"
    );
    app.stop().await;
}

#[tokio::test]
async fn metrics_gauge_each_queue_and_the_agents_by_presence_as_they_are_now() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (mut ana_b, ana) = agent(&app, "ana@example.com", 1).await;
    app.desk().set_members(ws, vec![ana]).await.unwrap();
    let first = customer_writes(&app, CUSTOMERS[0], "one").await;
    offered_to(&app, ana, first).await;
    ok(
        &mut ana_b,
        &format!("/agent/offers/{}/accept", first.get()),
        &[],
    )
    .await;
    let second = customer_writes(&app, CUSTOMERS[1], "two").await;
    eventually("the second waits in the queue", || async {
        app.desk()
            .store()
            .placement(second)
            .await
            .unwrap()
            .map(|_| ())
    })
    .await;
    app.clock.advance(Duration::from_secs(75));
    let text = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name) && l.contains("workstream=\"WhatsApp support\""))
            .unwrap_or_else(|| panic!("{name} missing:\n{text}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(line("omnidesk_queue_waiting{"), "1");
    assert_eq!(line("omnidesk_queue_active{"), "1");
    assert_eq!(line("omnidesk_queue_longest_wait_seconds{"), "75");
    assert!(text.contains("# TYPE omnidesk_agents gauge"));
    assert!(
        text.contains("omnidesk_agents{presence=\"busy-dnd\"} 1"),
        "{text}"
    );
    app.stop().await;
}
