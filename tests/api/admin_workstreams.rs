//! The workstream admin pages: create, the channel setup wizard, the work distribution settings,
//! rename, copy and delete. Every form's bad input is refused beside its field with the input
//! kept and nothing stored.

use crate::helpers::*;
use crate::signin::{Browser, Page};
use omnidesk::domain::hours::ZoneName;
use omnidesk::domain::workstream::{Attachments, Presence, SetupStep, WrapUp};
use omnidesk::domain::{Channel, NumberId, WorkstreamId};
use omnidesk::store::hours::{DayHours, HoursInput, OperatingHours};
use omnidesk::store::records::{DistributionMode, NumberKind, Workstream};
use omnidesk::store::setup::NewNumber;
use omnidesk::store::workstreams::{SetupChange, WorkstreamRefusal};
use reqwest::StatusCode;

/// The fixture's WhatsApp workstream, which serves `WA_BUSINESS`.
const WA_WS: u64 = 1;
const LANGUAGE_ERROR: &str = "Use a language code like en, es_MX or es-MX.";
const SURVEY_LINK_ERROR: &str =
    "The survey link starts with https:// and names a host, like https://example.com/survey.";
const HOURS_ERROR: &str =
    "Choose an operating-hours record from the list, or turn Channel operation hours off.";

/// Askama's escaping, to find a message in a page.
fn escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Asserts that `msg` is shown beside `field`, or above the form when `field` is "".
fn assert_error(page: &Page, field: &str, msg: &str, why: &str) {
    let shown = if field.is_empty() {
        format!("<p class=\"problem\" role=\"alert\">{}</p>", escaped(msg))
    } else {
        format!("<p class=\"error\" id=\"e-{field}\">{}</p>", escaped(msg))
    };
    assert!(
        page.body.contains(&shown),
        "{why}: expected {shown} in\n{}",
        page.body
    );
}

async fn post(b: &mut Browser, path: &str, form: &[(String, String)]) -> Page {
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    b.post(path, &refs).await
}

async fn all(app: &TestApp) -> Vec<Workstream> {
    app.desk().store().workstreams().await.unwrap()
}

async fn stored(app: &TestApp, id: u64) -> Workstream {
    app.desk()
        .store()
        .workstream(WorkstreamId::new(id))
        .await
        .unwrap()
        .expect("workstream")
}

/// Number id → the workstream serving it, as `NUMBER_WORKSTREAM` says.
async fn served(app: &TestApp) -> Vec<(NumberId, Option<WorkstreamId>)> {
    let rows = app.desk().store().numbers_with_workstreams().await;
    rows.unwrap().into_iter().map(|(n, w)| (n.id, w)).collect()
}

async fn served_by(app: &TestApp, number: NumberId) -> Option<WorkstreamId> {
    served(app)
        .await
        .into_iter()
        .find(|(n, _)| *n == number)
        .and_then(|(_, w)| w)
}

/// Creates a workstream through the page; returns its id.
async fn create(b: &mut Browser, name: &str, channel: &str, mode: &str) -> u64 {
    b.get("/admin/workstreams/new").await;
    let fields = [("name", name), ("channel", channel), ("mode", mode)];
    let page = b.post("/admin/workstreams", &fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let to = page.location.expect("redirect");
    let id = to
        .strip_prefix("/admin/workstreams/")
        .and_then(|r| r.strip_suffix("/setup"))
        .expect("redirect to the setup");
    id.parse().unwrap()
}

async fn office_hours(app: &TestApp, name: &str) -> OperatingHours {
    let input = HoursInput {
        name: name.into(),
        time_zone: ZoneName::parse("Europe/Berlin").unwrap(),
        week: std::array::from_fn(|day| DayHours::office(day < 5)),
        holidays: vec![],
    };
    let created = app.desk().store().create_hours(input).await.unwrap();
    created.unwrap()
}

async fn second_sms_number(app: &TestApp) -> NumberId {
    let new = NewNumber {
        account_id: app.fx.sms_account.id,
        number: omnidesk::domain::PhoneNumber::parse("+14155550177")
            .unwrap()
            .into(),
        kind: NumberKind::LongCode,
        name: "Billing".into(),
        description: String::new(),
    };
    app.desk()
        .store()
        .add_number(new)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn a_new_workstream_gets_the_default_settings_and_opens_its_channel_setup() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let id = create(&mut admin, "Texts", "sms", "pick").await;
    let ws = stored(&app, id).await;
    assert_eq!(ws.name.as_str(), "Texts");
    assert_eq!(ws.channel, Channel::Sms);
    assert_eq!(ws.mode, DistributionMode::Pick);
    assert_eq!(ws.fallback_queue.as_str(), "Texts (default)");
    assert!(ws.numbers.is_empty());
    let d = &ws.distribution;
    assert_eq!(d.capacity, 1);
    assert_eq!(d.allowed_presences, [Presence::Available, Presence::Busy]);
    assert_eq!(d.auto_close_minutes, 1_440);
    assert_eq!(d.screen_pop_secs, 120);
    let setup = admin.get(&format!("/admin/workstreams/{id}/setup")).await;
    assert_eq!(
        setup.location,
        Some(format!("/admin/workstreams/{id}/setup/numbers"))
    );
    let list = admin.get("/admin/workstreams").await;
    assert_eq!(list.status, StatusCode::OK);
    for shown in ["Texts", "Pick", "WhatsApp support", "Push", WA_BUSINESS] {
        assert!(list.body.contains(shown), "{shown} listed");
    }
    admin.get("/admin/workstreams/new").await;
    let queued = admin
        .post(
            "/admin/workstreams",
            &[
                ("name", "Sales"),
                ("channel", "whatsapp"),
                ("mode", "push"),
                ("fallback_queue", "Sales leads"),
            ],
        )
        .await;
    assert_eq!(queued.status, StatusCode::SEE_OTHER);
    let sales = all(&app)
        .await
        .into_iter()
        .find(|w| w.name.as_str() == "Sales");
    assert_eq!(
        sales.expect("created").fallback_queue.as_str(),
        "Sales leads"
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_create_forms_are_refused_beside_the_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let good = pairs(&[
        ("name", "Sales"),
        ("channel", "whatsapp"),
        ("mode", "push"),
        ("fallback_queue", "Sales queue"),
    ]);
    let long = "x".repeat(101);
    let cases: &[(&str, &str, &str, &str)] = &[
        ("name", "", "Enter a name.", "the name is required"),
        ("name", "   ", "Enter a name.", "spaces are no name"),
        (
            "name",
            &long,
            "Use at most 100 characters.",
            "101 characters",
        ),
        (
            "name",
            "Sa\nles",
            "Use one line of text without control characters.",
            "a line break",
        ),
        ("channel", "fax", "Choose WhatsApp or SMS.", "not a channel"),
        ("channel", "", "Choose WhatsApp or SMS.", "no channel"),
        ("mode", "round-robin", "Choose Push or Pick.", "not a mode"),
        (
            "fallback_queue",
            &long,
            "Use at most 100 characters.",
            "queue name of 101 characters",
        ),
    ];
    let before = all(&app).await;
    for (field, value, msg, why) in cases {
        admin.get("/admin/workstreams/new").await;
        let page = post(
            &mut admin,
            "/admin/workstreams",
            &with(good.clone(), field, value),
        )
        .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert_error(&page, field, msg, why);
        if *field != "fallback_queue" {
            assert!(page.body.contains("Sales queue"), "{why}: input kept");
        }
        assert_eq!(all(&app).await, before, "{why}: nothing stored");
    }
    let taken = post(
        &mut admin,
        "/admin/workstreams",
        &with(good.clone(), "name", "whatsapp SUPPORT"),
    )
    .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "names ignore case");
    assert_error(
        &taken,
        "name",
        "A workstream named whatsapp SUPPORT already exists.",
        "duplicate",
    );
    assert_eq!(all(&app).await, before);
    app.stop().await;
}

#[tokio::test]
async fn the_channel_setup_saves_each_step_resumes_where_it_stopped_and_finishes() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let hours = office_hours(&app, "Office").await;
    let id = create(&mut admin, "Texts", "sms", "push").await;
    let base = format!("/admin/workstreams/{id}/setup");
    let sms = app.fx.sms_number.id.get().to_string();

    let numbers = admin.get(&format!("{base}/numbers")).await;
    assert!(numbers.body.contains("aria-current=\"step\">Numbers"));
    assert!(
        numbers.body.contains(SMS_BUSINESS),
        "free SMS number offered"
    );
    assert!(
        !numbers.body.contains(WA_BUSINESS),
        "other channel not offered"
    );
    let saved = admin
        .post(&format!("{base}/numbers"), &[("numbers", &sms)])
        .await;
    assert_eq!(saved.location, Some(format!("{base}/language")));
    assert_eq!(stored(&app, id).await.numbers, [app.fx.sms_number.id]);
    assert_eq!(
        served_by(&app, app.fx.sms_number.id).await,
        Some(WorkstreamId::new(id))
    );

    let saved = admin
        .post(&format!("{base}/language"), &[("language", "es-MX")])
        .await;
    assert_eq!(saved.location, Some(format!("{base}/behaviors")));
    // Left half-way: the setup opens again at the first step not saved, with what was saved.
    let resumed = admin.get(&base).await;
    assert_eq!(resumed.location, Some(format!("{base}/behaviors")));
    let language = admin.get(&format!("{base}/language")).await;
    assert!(language.body.contains("value=\"es-MX\""));

    let behaviors = admin.get(&format!("{base}/behaviors")).await;
    assert!(
        behaviors
            .body
            .contains("href=\"/admin/automated-messages\"")
    );
    assert!(behaviors.body.contains("Office"), "hours records offered");
    assert!(
        !behaviors.body.contains("/admin/templates?workstream="),
        "no WhatsApp templates on SMS"
    );
    let hours_id = hours.id.get().to_string();
    let saved = admin
        .post(
            &format!("{base}/behaviors"),
            &[
                ("hours_on", "on"),
                ("hours", &hours_id),
                ("survey_link", "https://example.com/survey?c=1"),
                ("survey_message", "How did we do?"),
            ],
        )
        .await;
    assert_eq!(
        saved.location,
        Some(format!("{base}/features")),
        "{}",
        saved.body
    );

    let saved = admin
        .post(&format!("{base}/features"), &[("attachments", "customers")])
        .await;
    assert_eq!(saved.location, Some(format!("{base}/summary")));

    let summary = admin.get(&format!("{base}/summary")).await;
    for shown in [
        SMS_BUSINESS,
        "es-MX",
        "On: Office",
        "https://example.com/survey?c=1 — How did we do?",
        "Texts (default)",
        "Available, Busy",
        "2 minutes",
        "1 day",
    ] {
        assert!(
            summary.body.contains(&escaped(shown)),
            "summary shows {shown}"
        );
    }
    assert!(
        !summary.body.contains("1440 minutes") && !summary.body.contains("120 seconds"),
        "the summary speaks in human units"
    );
    let done = admin.post(&format!("{base}/summary"), &[]).await;
    assert_eq!(
        done.location,
        Some(format!("/admin/workstreams/{id}?done=setup"))
    );

    let ws = stored(&app, id).await;
    assert_eq!(ws.language.map(|l| l.to_string()), Some("es-MX".into()));
    assert_eq!(ws.operation_hours, Some(hours.id));
    let Some(omnidesk::domain::workstream::Survey::Link { link, message }) = ws.survey else {
        panic!("an external survey: {:?}", ws.survey);
    };
    assert_eq!(link.as_str(), "https://example.com/survey?c=1");
    assert_eq!(message, "How did we do?");
    assert_eq!(
        ws.attachments,
        Attachments {
            customers: true,
            agents: false
        }
    );
    assert!(ws.setup.finished);
    assert_eq!(ws.setup.reached, SetupStep::Summary);
    let page = admin
        .get(&format!("/admin/workstreams/{id}?done=setup"))
        .await;
    assert!(page.body.contains("The channel is set up."));
    app.stop().await;
}

#[tokio::test]
async fn the_behaviors_step_of_a_whatsapp_workstream_shows_its_templates() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let page = admin
        .get(&format!("/admin/workstreams/{WA_WS}/setup/behaviors"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("order_update (en)"));
    assert!(page.body.contains("follow_up (en)"));
    assert!(
        page.body
            .contains(&format!("href=\"/admin/templates?workstream={WA_WS}\""))
    );
    app.stop().await;
}

/// A wizard step, what is posted to it, the field the error is shown beside ("" for the whole
/// form), the error, and why the input is invalid.
type StepCase<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str, &'a str, &'a str);

#[tokio::test]
async fn bad_setup_steps_are_refused_beside_the_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let id = create(&mut admin, "Texts", "sms", "push").await;
    let wa = app.fx.wa_number.id.get().to_string();
    let long_link = format!("https://example.com/{}", "a".repeat(2_000));
    let long_message = "m".repeat(1_001);
    let cases: &[StepCase] = &[
        (
            "numbers",
            &[],
            "numbers",
            "Choose at least one number.",
            "none chosen",
        ),
        (
            "numbers",
            &[("numbers", "abc")],
            "numbers",
            "Choose numbers from the list.",
            "not a number id",
        ),
        (
            "numbers",
            &[("numbers", &wa)],
            "numbers",
            "Choose numbers from the list.",
            "a WhatsApp number served by another workstream, on an SMS workstream",
        ),
        (
            "numbers",
            &[("numbers", "999")],
            "numbers",
            "Choose numbers from the list.",
            "no such number",
        ),
        (
            "language",
            &[("language", "")],
            "language",
            LANGUAGE_ERROR,
            "empty",
        ),
        (
            "language",
            &[("language", "en, es")],
            "language",
            LANGUAGE_ERROR,
            "two languages",
        ),
        (
            "language",
            &[("language", "english")],
            "language",
            LANGUAGE_ERROR,
            "a name, not a code",
        ),
        (
            "behaviors",
            &[("hours_on", "on"), ("hours", "")],
            "hours",
            HOURS_ERROR,
            "operation hours on without a record",
        ),
        (
            "behaviors",
            &[("hours_on", "on"), ("hours", "999")],
            "hours",
            HOURS_ERROR,
            "no such record",
        ),
        (
            "behaviors",
            &[("hours_on", "on"), ("hours", "x")],
            "hours",
            HOURS_ERROR,
            "not a record id",
        ),
        (
            "behaviors",
            &[("survey_link", "http://example.com/survey")],
            "survey_link",
            SURVEY_LINK_ERROR,
            "not https",
        ),
        (
            "behaviors",
            &[("survey_link", "https://")],
            "survey_link",
            SURVEY_LINK_ERROR,
            "no host",
        ),
        (
            "behaviors",
            &[("survey_link", "https://bank.example@evil.example/")],
            "survey_link",
            SURVEY_LINK_ERROR,
            "a user part that hides the real host",
        ),
        (
            "behaviors",
            &[("survey_link", &long_link)],
            "survey_link",
            "The survey link is at most 2,000 characters.",
            "link too long",
        ),
        (
            "behaviors",
            &[("survey_message", "Rate us")],
            "survey_link",
            "Enter the survey link, or clear the survey message.",
            "a message without a link",
        ),
        (
            "behaviors",
            &[
                ("survey_link", "https://example.com/s"),
                ("survey_message", &long_message),
            ],
            "survey_message",
            "The survey message is at most 1,000 characters.",
            "message too long",
        ),
        (
            "features",
            &[("attachments", "everyone")],
            "attachments",
            "Choose options from the list.",
            "not an option",
        ),
        (
            "summary",
            &[],
            "",
            "Choose the workstream's numbers before finishing.",
            "finish before any number is chosen",
        ),
    ];
    let before = all(&app).await;
    let served_before = served(&app).await;
    for (step, fields, field, msg, why) in cases {
        let path = format!("/admin/workstreams/{id}/setup/{step}");
        admin.get(&path).await;
        let page = admin.post(&path, fields).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert_error(&page, field, msg, why);
        for (name, value) in *fields {
            if ["language", "survey_link", "survey_message"].contains(name) {
                assert!(page.body.contains(&escaped(value)), "{why}: {name} kept");
            }
        }
        assert_eq!(all(&app).await, before, "{why}: nothing stored");
        assert_eq!(
            served(&app).await,
            served_before,
            "{why}: numbers unchanged"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn a_number_cannot_be_given_to_two_workstreams() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let wa = app.fx.wa_number.id;
    let other = create(&mut admin, "More WhatsApp", "whatsapp", "push").await;
    let page = admin
        .get(&format!("/admin/workstreams/{other}/setup/numbers"))
        .await;
    assert!(
        !page.body.contains(WA_BUSINESS),
        "a served number is not offered"
    );
    assert!(page.body.contains("No WhatsApp number is free."));
    let wa_id = wa.get().to_string();
    let refused = admin
        .post(
            &format!("/admin/workstreams/{other}/setup/numbers"),
            &[("numbers", &wa_id)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(served_by(&app, wa).await, Some(WorkstreamId::new(WA_WS)));
    // The store refuses it too, whoever asks.
    let store = app.desk().store();
    let asked = store
        .save_workstream_setup(WorkstreamId::new(other), SetupChange::Numbers(vec![wa]))
        .await
        .unwrap();
    assert_eq!(
        asked.map(|_| ()),
        Err(WorkstreamRefusal::NumberInUse(WA_BUSINESS.into()))
    );
    assert!(stored(&app, other).await.numbers.is_empty());
    assert_eq!(stored(&app, WA_WS).await.numbers, [wa]);

    // Moving a number: once its workstream lets it go, another may take it.
    let second = second_sms_number(&app).await;
    let sms = app.fx.sms_number.id;
    let a = create(&mut admin, "Texts A", "sms", "push").await;
    let b = create(&mut admin, "Texts B", "sms", "push").await;
    let (sms_id, second_id) = (sms.get().to_string(), second.get().to_string());
    let both = [
        ("numbers", sms_id.as_str()),
        ("numbers", second_id.as_str()),
    ];
    let path = |id: u64| format!("/admin/workstreams/{id}/setup/numbers");
    assert_eq!(
        admin.post(&path(a), &both).await.status,
        StatusCode::SEE_OTHER
    );
    let taken = admin.post(&path(b), &[("numbers", &sms_id)]).await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    let kept = admin.post(&path(a), &[("numbers", &second_id)]).await;
    assert_eq!(kept.status, StatusCode::SEE_OTHER);
    assert_eq!(served_by(&app, sms).await, None, "let go");
    let moved = admin.post(&path(b), &[("numbers", &sms_id)]).await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    assert_eq!(served_by(&app, sms).await, Some(WorkstreamId::new(b)));
    assert_eq!(served_by(&app, second).await, Some(WorkstreamId::new(a)));
    assert_eq!(stored(&app, a).await.numbers, [second]);
    assert_eq!(stored(&app, b).await.numbers, [sms]);
    app.stop().await;
}

fn distribution_form() -> Vec<(String, String)> {
    pairs(&[
        ("capacity", "3"),
        ("presences", "available"),
        ("presences", "away"),
        ("keep_same_agent", "on"),
        ("auto_close", "60"),
        ("wrap_up", "minutes"),
        ("wrap_up_minutes", "15"),
        ("screen_pop", "90"),
    ])
}

#[tokio::test]
async fn the_work_distribution_settings_are_saved() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let path = format!("/admin/workstreams/{WA_WS}/distribution");
    let page = admin.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Push (fixed after creation)"));
    let saved = post(&mut admin, &path, &distribution_form()).await;
    assert_eq!(
        saved.location,
        Some(format!("/admin/workstreams/{WA_WS}?done=saved"))
    );
    let d = stored(&app, WA_WS).await.distribution;
    assert_eq!(d.capacity, 3);
    assert_eq!(d.allowed_presences, [Presence::Available, Presence::Away]);
    assert!(d.keep_same_agent);
    assert_eq!(d.auto_close_minutes, 60);
    assert_eq!(d.wrap_up, WrapUp::Minutes(15));
    assert_eq!(d.screen_pop_secs, 90);
    let mut always = with(distribution_form(), "wrap_up", "always");
    always.retain(|(k, _)| k != "keep_same_agent");
    post(&mut admin, &path, &always).await;
    let d = stored(&app, WA_WS).await.distribution;
    assert_eq!(d.wrap_up, WrapUp::Always);
    assert!(!d.keep_same_agent, "an unchecked box turns it off");
    app.stop().await;
}

#[tokio::test]
async fn bad_work_distribution_settings_are_refused_beside_the_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let path = format!("/admin/workstreams/{WA_WS}/distribution");
    let capacity = "Capacity must be a whole number from 1 to 100.";
    let auto_close =
        "Auto-close after inactivity must be a whole number of minutes from 1 to 43,200.";
    let wrap_up = "Enter the wrap-up duration: a whole number of minutes from 1 to 1,440.";
    let screen_pop = "Screen pop timeout must be a whole number of seconds from 30 to 300.";
    let cases: &[(&str, &[&str], &str, &str)] = &[
        ("capacity", &["0"], capacity, "below 1"),
        ("capacity", &["101"], capacity, "above 100"),
        ("capacity", &["two"], capacity, "not a number"),
        ("capacity", &[""], capacity, "empty"),
        (
            "capacity",
            &["99999999999999999999999"],
            capacity,
            "overflows",
        ),
        (
            "presences",
            &[],
            "Choose at least one presence.",
            "no presence allowed",
        ),
        (
            "presences",
            &["available", "offline"],
            "Choose presences from the list.",
            "Offline never receives work",
        ),
        ("auto_close", &["0"], auto_close, "zero minutes"),
        ("auto_close", &["43201"], auto_close, "over 30 days"),
        ("auto_close", &["1.5"], auto_close, "not whole"),
        (
            "wrap_up",
            &["sometimes"],
            "Choose how capacity is blocked for wrap up.",
            "not a choice",
        ),
        (
            "wrap_up_minutes",
            &[""],
            wrap_up,
            "a duration without minutes",
        ),
        ("wrap_up_minutes", &["0"], wrap_up, "zero minutes"),
        ("wrap_up_minutes", &["1441"], wrap_up, "over a day"),
        ("screen_pop", &["29"], screen_pop, "below 30 seconds"),
        ("screen_pop", &["301"], screen_pop, "above 300 seconds"),
        ("screen_pop", &["-120"], screen_pop, "negative"),
    ];
    let before = all(&app).await;
    for (field, values, msg, why) in cases {
        let mut form = distribution_form();
        form.retain(|(k, _)| k != field);
        form.extend(values.iter().map(|v| (field.to_string(), v.to_string())));
        admin.get(&path).await;
        let page = post(&mut admin, &path, &form).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert_error(&page, field, msg, why);
        let kept = if *field == "screen_pop" {
            "value=\"60\""
        } else {
            "value=\"90\""
        };
        assert!(page.body.contains(kept), "{why}: input kept");
        assert_eq!(all(&app).await, before, "{why}: nothing stored");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_distribution_mode_cannot_be_changed_after_creation() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let path = format!("/admin/workstreams/{WA_WS}");
    let page = admin.get(&path).await;
    assert!(
        page.body
            .contains("work distribution mode (Push) are fixed")
    );
    assert!(
        !page.body.contains("name=\"mode\""),
        "no mode input to change"
    );
    let before = all(&app).await;
    let changed = admin
        .post(
            &path,
            &[
                ("name", "WhatsApp support"),
                ("fallback_queue", "Main queue"),
                ("mode", "pick"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_error(
        &changed,
        "",
        "The work distribution mode is fixed after creation. \
         Create a new workstream to use another mode.",
        "mode changed",
    );
    assert_eq!(all(&app).await, before, "nothing stored");
    let renamed = admin
        .post(
            &path,
            &[
                ("name", "WhatsApp care"),
                ("fallback_queue", "Main queue"),
                ("mode", "push"),
            ],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER, "{}", renamed.body);
    let ws = stored(&app, WA_WS).await;
    assert_eq!(ws.name.as_str(), "WhatsApp care");
    assert_eq!(ws.fallback_queue.as_str(), "Main queue");
    assert_eq!(ws.mode, DistributionMode::Push);
    app.stop().await;
}

#[tokio::test]
async fn bad_renames_are_refused_beside_the_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    create(&mut admin, "Texts", "sms", "push").await;
    let path = format!("/admin/workstreams/{WA_WS}");
    let good = pairs(&[("name", "WhatsApp care"), ("fallback_queue", "Main queue")]);
    let long = "q".repeat(101);
    let cases: &[(&str, &str, &str, StatusCode, &str)] = &[
        (
            "name",
            "",
            "Enter a name.",
            StatusCode::UNPROCESSABLE_ENTITY,
            "no name",
        ),
        (
            "fallback_queue",
            "",
            "Enter a name.",
            StatusCode::UNPROCESSABLE_ENTITY,
            "the queue keeps a name",
        ),
        (
            "fallback_queue",
            &long,
            "Use at most 100 characters.",
            StatusCode::UNPROCESSABLE_ENTITY,
            "queue name too long",
        ),
        (
            "name",
            "TEXTS",
            "A workstream named TEXTS already exists.",
            StatusCode::CONFLICT,
            "another workstream's name",
        ),
    ];
    let before = all(&app).await;
    for (field, value, msg, status, why) in cases {
        admin.get(&path).await;
        let page = post(&mut admin, &path, &with(good.clone(), field, value)).await;
        assert_eq!(page.status, *status, "{why}");
        assert_error(&page, field, msg, why);
        assert_eq!(all(&app).await, before, "{why}: nothing stored");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_copy_has_every_setting_but_the_numbers() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let path = format!("/admin/workstreams/{WA_WS}/distribution");
    admin.get(&path).await;
    post(&mut admin, &path, &distribution_form()).await;
    let setup = format!("/admin/workstreams/{WA_WS}/setup");
    admin
        .post(&format!("{setup}/language"), &[("language", "pt_BR")])
        .await;
    admin
        .post(&format!("{setup}/features"), &[("attachments", "agents")])
        .await;
    let original = stored(&app, WA_WS).await;

    let copied = admin
        .post(&format!("/admin/workstreams/{WA_WS}/copy"), &[])
        .await;
    assert_eq!(copied.status, StatusCode::SEE_OTHER);
    let to = copied.location.expect("redirect");
    let copy = all(&app).await.into_iter().last().expect("copy");
    assert_eq!(
        to,
        format!("/admin/workstreams/{}?done=copied", copy.id.get())
    );
    assert_eq!(copy.name.as_str(), "Copy of WhatsApp support");
    assert!(copy.numbers.is_empty(), "a number serves one workstream");
    assert!(!copy.setup.finished);
    assert_eq!(copy.channel, original.channel);
    assert_eq!(copy.mode, original.mode);
    assert_eq!(copy.fallback_queue, original.fallback_queue);
    assert_eq!(copy.language, original.language);
    assert_eq!(copy.attachments, original.attachments);
    assert_eq!(copy.distribution, original.distribution);
    assert_eq!(
        served_by(&app, app.fx.wa_number.id).await,
        Some(WorkstreamId::new(WA_WS))
    );
    let page = admin.get(&to).await;
    assert!(page.body.contains("Copy created."));

    admin
        .post(&format!("/admin/workstreams/{WA_WS}/copy"), &[])
        .await;
    let names: Vec<String> = all(&app)
        .await
        .into_iter()
        .map(|w| w.name.to_string())
        .collect();
    assert!(
        names.contains(&"Copy of WhatsApp support (2)".to_owned()),
        "{names:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_workstream_in_use_is_not_deleted_and_an_unused_one_is() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    app.customer_writes_wa("hi").await;
    let path = format!("/admin/workstreams/{WA_WS}/delete");
    let in_use =
        "1 open conversation(s) use this workstream. It can be deleted once they are closed.";
    let confirm = admin.get(&path).await;
    assert!(confirm.body.contains(in_use), "{}", confirm.body);
    assert!(!confirm.body.contains("Delete workstream</button>"));
    let refused = admin.post(&path, &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains(in_use));
    assert!(
        app.desk()
            .store()
            .workstream(WorkstreamId::new(WA_WS))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        served_by(&app, app.fx.wa_number.id).await,
        Some(WorkstreamId::new(WA_WS))
    );

    let id = create(&mut admin, "Texts", "sms", "push").await;
    let sms = app.fx.sms_number.id.get().to_string();
    admin
        .post(
            &format!("/admin/workstreams/{id}/setup/numbers"),
            &[("numbers", &sms)],
        )
        .await;
    let path = format!("/admin/workstreams/{id}/delete");
    let confirm = admin.get(&path).await;
    assert!(confirm.body.contains("Delete workstream</button>"));
    let deleted = admin.post(&path, &[]).await;
    assert_eq!(
        deleted.location.as_deref(),
        Some("/admin/workstreams?done=deleted")
    );
    assert!(
        app.desk()
            .store()
            .workstream(WorkstreamId::new(id))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        served_by(&app, app.fx.sms_number.id).await,
        None,
        "number freed"
    );
    assert_eq!(
        admin.get(&format!("/admin/workstreams/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

#[tokio::test]
async fn unknown_workstreams_and_steps_are_not_found() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    for path in [
        "/admin/workstreams/99",
        "/admin/workstreams/abc",
        "/admin/workstreams/99/setup",
        "/admin/workstreams/1/setup/finish",
        "/admin/workstreams/99/distribution",
        "/admin/workstreams/99/delete",
    ] {
        assert_eq!(
            admin.get(path).await.status,
            StatusCode::NOT_FOUND,
            "GET {path}"
        );
    }
    admin.get("/admin/workstreams").await;
    for path in [
        "/admin/workstreams/99",
        "/admin/workstreams/99/copy",
        "/admin/workstreams/99/delete",
        "/admin/workstreams/99/distribution",
        "/admin/workstreams/99/setup/language",
        "/admin/workstreams/1/setup/nope",
    ] {
        let page = admin.post(path, &[("language", "en")]).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "POST {path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn no_input_makes_the_workstream_forms_fail_with_a_server_error() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let id = create(&mut admin, "Junk target", "sms", "push").await;
    let huge = "9".repeat(5_000);
    let junk: &[&[(&str, &str)]] = &[
        &[],
        &[
            ("name", "\u{0}\u{202e}"),
            ("channel", "WHATSAPP"),
            ("mode", "PUSH"),
        ],
        &[
            ("numbers", "-1"),
            ("numbers", "18446744073709551616"),
            ("numbers", ""),
        ],
        &[
            ("hours_on", "on"),
            ("hours", "-5"),
            ("survey_link", "https://[::1]:0/"),
        ],
        &[
            ("survey_link", "https://é.example/"),
            ("survey_message", "\u{7}"),
        ],
        &[
            ("capacity", &huge),
            ("presences", ""),
            ("wrap_up", "minutes"),
            ("wrap_up_minutes", "-0"),
        ],
        &[
            ("language", "'\"<script>"),
            ("attachments", ""),
            ("fallback_queue", &huge),
        ],
    ];
    let paths = [
        "/admin/workstreams".to_owned(),
        format!("/admin/workstreams/{id}"),
        format!("/admin/workstreams/{id}/distribution"),
        format!("/admin/workstreams/{id}/setup/numbers"),
        format!("/admin/workstreams/{id}/setup/language"),
        format!("/admin/workstreams/{id}/setup/behaviors"),
        format!("/admin/workstreams/{id}/setup/features"),
        format!("/admin/workstreams/{id}/setup/summary"),
        format!("/admin/workstreams/{id}/copy"),
    ];
    admin.get("/admin/workstreams").await;
    for path in &paths {
        for fields in junk {
            let page = admin.post(path, fields).await;
            assert!(
                !page.status.is_server_error(),
                "POST {path} {fields:?}: {}",
                page.status
            );
        }
    }
    app.stop().await;
}
