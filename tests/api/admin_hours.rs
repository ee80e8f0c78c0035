//! The operating-hours and automated-messages admin pages: happy paths, every kind of bad input
//! (422, the reason beside the field, the input kept, nothing stored) and in-use refusals.

use crate::helpers::*;
use crate::signin::Browser;
use omnidesk::domain::automated::{Locale, Source, Trigger};
use omnidesk::domain::hours::{DAYS, DayHours};
use omnidesk::domain::language::LanguageCode;
use omnidesk::domain::{Channel, HoursId, WorkstreamId};
use omnidesk::store::automated::remove_overrides_of;
use omnidesk::store::codec;
use omnidesk::store::records::Workstream;
use omnidesk::store::tables::WORKSTREAM_RECORD;
use redb::ReadableTable;
use reqwest::StatusCode;

/// A valid hours form: Monday–Friday 09:00–17:00 in Berlin, one holiday.
fn hours_form(name: &str) -> Vec<(String, String)> {
    let mut f = pairs(&[
        ("name", name),
        ("time_zone", "Europe/Berlin"),
        ("holiday0_date", "2026-12-25"),
        ("holiday0_reason", "Christmas Day"),
        ("holiday1_date", ""),
        ("holiday1_reason", ""),
    ]);
    for (i, (key, _)) in DAYS.iter().enumerate() {
        if i < 5 {
            f.push((format!("{key}_open"), "on".into()));
        }
        f.push((format!("{key}_from"), "09:00".into()));
        f.push((format!("{key}_to"), "17:00".into()));
    }
    f
}

async fn post(b: &mut Browser, path: &str, form: &[(String, String)]) -> crate::signin::Page {
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    b.post(path, &refs).await
}

/// Askama's escaping of a message, to find it in a page.
fn escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The error shown beside field `name`, if any.
fn error_beside<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    let start = body.find(&format!("id=\"e-{name}\">"))?;
    let rest = &body[start..];
    Some(&rest[..rest.find("</p>")?])
}

#[tokio::test]
async fn operating_hours_can_be_created_edited_and_deleted() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let new = admin.get("/admin/hours/new").await;
    assert_eq!(new.status, StatusCode::OK);
    assert!(
        new.body.contains("<select") && new.body.contains(">America/New York</option>"),
        "the time zone is chosen from the IANA list"
    );
    let created = post(&mut admin, "/admin/hours", &hours_form("Berlin office")).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert_eq!(
        created.location.as_deref(),
        Some("/admin/hours/1?created=1")
    );
    let store = app.desk().store();
    let h = store.hours(HoursId::new(1)).await.unwrap().expect("stored");
    assert_eq!(h.name, "Berlin office");
    assert_eq!(h.time_zone.as_str(), "Europe/Berlin");
    assert_eq!(h.week[0], DayHours::open(540, 1020).unwrap());
    assert!(!h.week[6].open);
    assert_eq!(h.holidays.len(), 1);
    let list = admin.get("/admin/hours").await;
    assert!(list.body.contains("Berlin office") && list.body.contains("Europe/Berlin"));

    let mut edit = with(hours_form("Berlin office"), "time_zone", "america/new_york");
    edit = with(edit, "sun_open", "on");
    edit = with(edit, "sun_to", "00:00");
    edit = with(edit, "holiday1_date", "2026-07-04");
    edit = with(edit, "holiday1_reason", "Independence Day");
    let saved = post(&mut admin, "/admin/hours/1", &edit).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert!(saved.body.contains("Saved."));
    let h = store.hours(HoursId::new(1)).await.unwrap().unwrap();
    assert_eq!(
        h.time_zone.as_str(),
        "America/New_York",
        "canonical spelling"
    );
    assert_eq!(
        h.week[6],
        DayHours::open(540, 24 * 60).unwrap(),
        "00:00 closes at midnight"
    );
    let dates: Vec<&str> = h.holidays.iter().map(|d| d.date.as_str()).collect();
    assert_eq!(dates, ["2026-07-04", "2026-12-25"], "in date order");

    let deleted = admin.post("/admin/hours/1/delete", &[]).await;
    assert_eq!(deleted.location.as_deref(), Some("/admin/hours?deleted=1"));
    assert!(store.hours_list().await.unwrap().is_empty());
    assert_eq!(
        admin.get("/admin/hours/1").await.status,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

/// An invalid hours form: the fields changed from `hours_form`, the field the error shows beside,
/// what it says, and why the input is invalid.
struct Bad<'a> {
    set: &'a [(&'a str, &'a str)],
    at: &'a str,
    says: &'a str,
    why: &'a str,
}

const fn bad<'a>(
    set: &'a [(&'a str, &'a str)],
    at: &'a str,
    says: &'a str,
    why: &'a str,
) -> Bad<'a> {
    Bad { set, at, says, why }
}

impl Bad<'_> {
    fn form(&self, name: &str) -> Vec<(String, String)> {
        self.set
            .iter()
            .fold(hours_form(name), |f, (k, v)| with(f, k, v))
    }
}

#[tokio::test]
async fn bad_operating_hours_are_refused_beside_the_field_and_nothing_is_stored() {
    let long_reason = "r".repeat(201);
    let unknown_zone = "is not a time zone omnidesk knows";
    let order = "The closing time must be after the opening time";
    let not_a_time = "is not a time. Enter it as HH:MM";
    let long = [("holiday0_reason", long_reason.as_str())];
    let cases = [
        bad(
            &[("time_zone", "Mars/Olympus")],
            "time_zone",
            unknown_zone,
            "unknown zone",
        ),
        bad(
            &[("time_zone", "../../etc/passwd")],
            "time_zone",
            unknown_zone,
            "a path",
        ),
        bad(
            &[("time_zone", "")],
            "time_zone",
            "Enter the time zone",
            "no zone",
        ),
        bad(&[("name", "")], "name", "Enter the name", "no name"),
        bad(
            &[("mon_from", "17:00"), ("mon_to", "09:00")],
            "mon_to",
            order,
            "from after to",
        ),
        bad(
            &[("tue_from", "09:00"), ("tue_to", "09:00")],
            "tue_to",
            order,
            "from equals to",
        ),
        bad(&[("wed_from", "9am")], "wed_from", not_a_time, "bad time"),
        bad(
            &[("thu_to", "25:00")],
            "thu_to",
            not_a_time,
            "hour out of range",
        ),
        bad(
            &[("fri_from", "")],
            "fri_from",
            "Enter the time as HH:MM",
            "open day, no time",
        ),
        bad(
            &[("holiday0_date", "2026-02-30")],
            "holiday0_date",
            "is not a date",
            "bad date",
        ),
        bad(
            &[("holiday0_date", "25.12.2026")],
            "holiday0_date",
            "is not a date",
            "not ISO",
        ),
        bad(
            &[("holiday0_reason", "")],
            "holiday0_reason",
            "Enter the reason for this holiday",
            "empty reason",
        ),
        bad(
            &long,
            "holiday0_reason",
            "at most 200 characters",
            "reason too long",
        ),
        bad(
            &[
                ("holiday1_date", "2026-12-25"),
                ("holiday1_reason", "Again"),
            ],
            "holiday1_date",
            "2026-12-25 is already listed",
            "duplicate date",
        ),
        bad(
            &[("holiday1_reason", "No date")],
            "holiday1_date",
            "Enter the date as YYYY-MM-DD",
            "reason without a date",
        ),
    ];
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    admin.get("/admin/hours/new").await;
    for case in &cases {
        let why = case.why;
        let page = post(&mut admin, "/admin/hours", &case.form("Rejected")).await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{why}: {}",
            page.body
        );
        let error = error_beside(&page.body, case.at)
            .unwrap_or_else(|| panic!("{why}: no error beside {}", case.at));
        assert!(error.contains(&escaped(case.says)), "{why}: got {error:?}");
        if case.set.iter().all(|(field, _)| *field != "name") {
            assert!(page.body.contains("value=\"Rejected\""), "{why}: name kept");
        }
        for (_, value) in case.set {
            if !value.is_empty() && value.len() < 100 {
                assert!(page.body.contains(&escaped(value)), "{why}: {value:?} kept");
            }
        }
    }
    assert!(
        app.desk().store().hours_list().await.unwrap().is_empty(),
        "nothing stored"
    );

    // The same refusals apply to an edit, which changes nothing.
    post(&mut admin, "/admin/hours", &hours_form("Kept")).await;
    let before = app.desk().store().hours(HoursId::new(1)).await.unwrap();
    for case in &cases {
        let page = post(&mut admin, "/admin/hours/1", &case.form("Renamed")).await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "edit, {}",
            case.why
        );
        assert!(
            page.body.contains(&escaped(case.says)),
            "edit, {}",
            case.why
        );
    }
    assert_eq!(
        app.desk().store().hours(HoursId::new(1)).await.unwrap(),
        before
    );
    app.stop().await;
}

#[tokio::test]
async fn a_second_record_with_the_same_name_is_refused() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    admin.get("/admin/hours/new").await;
    post(&mut admin, "/admin/hours", &hours_form("Support")).await;
    let again = post(&mut admin, "/admin/hours", &hours_form("support")).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("already exist"));
    assert_eq!(app.desk().store().hours_list().await.unwrap().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn hours_a_workstream_uses_cannot_be_deleted() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    admin.get("/admin/hours/new").await;
    post(&mut admin, "/admin/hours", &hours_form("Used")).await;
    let store = app.desk().store();
    assert!(!store.hours_in_use(HoursId::new(1)).await.unwrap());
    change_workstream(&app, |ws| ws.operation_hours = Some(HoursId::new(1))).await;
    assert!(store.hours_in_use(HoursId::new(1)).await.unwrap());
    let refused = admin.post("/admin/hours/1/delete", &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.body.contains("used by workstream WhatsApp support"),
        "{}",
        refused.body
    );
    assert_eq!(store.hours_list().await.unwrap().len(), 1, "still there");
    app.stop().await;
}

#[tokio::test]
async fn an_automated_message_can_be_overridden_and_reset() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let list = admin.get("/admin/automated-messages").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("Thanks for contacting us."),
        "built-in greeting shown"
    );
    let path = "/admin/automated-messages/greeting/whatsapp/0/en";
    assert_eq!(admin.get(path).await.status, StatusCode::OK);
    let saved = admin
        .post(
            path,
            &[("text", "Welcome to {$Brand$}!\r\nHow can we help?")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let store = app.desk().store();
    let en = Locale::english();
    let text = move |ws, locale: Locale| {
        store.automated_text(Trigger::Greeting, Channel::WhatsApp, ws, locale)
    };
    let r = text(None, en.clone()).await.unwrap();
    assert_eq!(r.text, "Welcome to {$Brand$}!\nHow can we help?");
    assert!(matches!(r.source, Source::Override(_)));
    let list = admin.get(saved.location.as_deref().unwrap()).await;
    assert!(list.body.contains("Welcome to {$Brand$}!") && list.body.contains("Saved."));

    let reset = admin.post(&format!("{path}/reset"), &[]).await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER);
    assert_eq!(text(None, en).await.unwrap().source, Source::BuiltIn("en"));
    assert!(store.automated_overrides().await.unwrap().is_empty());
    app.stop().await;
}

/// Changes the fixture's WhatsApp workstream (id 1) as its setup pages would.
async fn change_workstream(app: &TestApp, change: impl Fn(&mut Workstream) + Send + 'static) {
    app.desk()
        .store()
        .write(move |tx| {
            let mut t = tx.open_table(WORKSTREAM_RECORD)?;
            let bytes = t
                .get(1)?
                .map(|g| g.value().to_vec())
                .expect("fixture workstream");
            let mut ws: Workstream = codec::decode(&bytes)?;
            change(&mut ws);
            t.insert(1, codec::encode(&ws)?.as_slice())?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn workstream(app: &TestApp) -> Workstream {
    let all = app.desk().store().workstreams().await.unwrap();
    all.into_iter()
        .find(|w| w.id == WorkstreamId::new(1))
        .expect("fixture workstream")
}

#[tokio::test]
async fn a_workstream_override_applies_to_that_workstream_before_the_channel_default() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    admin.get("/admin/automated-messages").await;
    let base = "/admin/automated-messages/agent-assigned/whatsapp";
    for (path, text) in [
        ("0/en", "Channel: {AgentName}"),
        ("0/de", "Kanal: {AgentName}"),
        ("1/es", "Equipo: {AgentName} de {QueueName}"),
    ] {
        let p = admin
            .post(&format!("{base}/{path}"), &[("text", text)])
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    }
    let store = app.desk().store();
    let text = async |ws: Option<&Workstream>, l: &str| {
        let locale = Locale::parse(l).unwrap();
        store
            .automated_text(Trigger::AgentAssigned, Channel::WhatsApp, ws, locale)
            .await
            .unwrap()
            .text
    };
    let team = "Equipo: {AgentName} de {QueueName}";
    let ws = workstream(&app).await;
    assert_eq!(text(Some(&ws), "es").await, team, "workstream + locale");
    assert_eq!(
        text(Some(&ws), "es-MX").await,
        team,
        "workstream + the locale's language"
    );
    assert_eq!(
        text(Some(&ws), "de").await,
        "Kanal: {AgentName}",
        "channel default"
    );
    assert_eq!(text(Some(&ws), "en").await, "Channel: {AgentName}");
    assert_eq!(
        text(Some(&ws), "fr").await,
        "Channel: {AgentName}",
        "no French text: the default locale's override before the built-in English one"
    );
    assert_eq!(
        text(None, "es").await,
        "Ahora está hablando con {AgentName}.",
        "other workstreams"
    );
    let sms = store.automated_text(
        Trigger::AgentAssigned,
        Channel::Sms,
        None,
        Locale::english(),
    );
    assert_eq!(
        sms.await.unwrap().source,
        Source::BuiltIn("en"),
        "other channel untouched"
    );
    let page = admin
        .get("/admin/automated-messages?channel=whatsapp&workstream=1&locale=es")
        .await;
    assert!(page.body.contains(team) && page.body.contains("This workstream (es)"));
    let de = admin
        .get("/admin/automated-messages?channel=whatsapp&workstream=1&locale=de")
        .await;
    assert!(de.body.contains("Kanal: {AgentName}") && de.body.contains("Channel default (de)"));

    // Once the workstream's language is Spanish, its Spanish text comes before channel defaults.
    change_workstream(&app, |ws| {
        ws.language = Some(LanguageCode::parse("es").unwrap())
    })
    .await;
    let ws = workstream(&app).await;
    assert_eq!(
        text(Some(&ws), "fr").await,
        team,
        "the workstream's default locale"
    );
    assert_eq!(
        text(Some(&ws), "de").await,
        team,
        "before the channel default"
    );

    // Deleting a workstream takes its overrides with it (inside the delete's write).
    let removed = store
        .write(|tx| remove_overrides_of(tx, WorkstreamId::new(1)))
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert_eq!(
        store.automated_overrides().await.unwrap().len(),
        2,
        "channel defaults stay"
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_automated_texts_are_refused_with_the_reason_and_nothing_is_stored() {
    let long = "x".repeat(2_001);
    // (trigger, text, message, why it is invalid)
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "greeting",
            &long,
            "at most 2,000 characters; this one has 2001",
            "over 2,000 characters",
        ),
        ("greeting", "   ", "Enter the message text", "empty"),
        (
            "greeting",
            "Hi {Foo}",
            "{Foo} is not a placeholder omnidesk knows",
            "unknown placeholder",
        ),
        (
            "greeting",
            "Hi {{1}}",
            "{{1}} is a template placeholder",
            "template-style placeholder",
        ),
        (
            "greeting",
            "Hi {AgentName",
            "{AgentName opens a placeholder without closing it",
            "unclosed",
        ),
        (
            "greeting",
            "Hi {$Order-Id$}",
            "{$Order-Id$} is not a context variable",
            "bad context variable",
        ),
        (
            "greeting",
            "Hi {AgentName}",
            "{AgentName} can't be used in the Greeting message",
            "no agent at greeting",
        ),
        (
            "opted-out",
            "Bye from {QueueName}",
            "{QueueName} can't be used in the Customer opted out message",
            "no queue at opt-out",
        ),
        (
            "holiday",
            "Closed, {AgentName}",
            "{AgentName} can't be used in the Holiday message",
            "no agent on a holiday",
        ),
    ];
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    admin.get("/admin/automated-messages").await;
    for (trigger, text, message, why) in cases {
        let page = admin
            .post(
                &format!("/admin/automated-messages/{trigger}/whatsapp/1/en"),
                &[("text", text)],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        let error = error_beside(&page.body, "text")
            .unwrap_or_else(|| panic!("{why}: no error beside the text"));
        assert!(
            error.contains(&escaped(message)),
            "{why}: {message:?} missing, got {error:?}"
        );
        if text.trim().len() < 100 && !text.trim().is_empty() {
            assert!(
                page.body
                    .contains(&format!(">{}</textarea>", escaped(text))),
                "{why}: text kept"
            );
        }
    }
    assert!(
        app.desk()
            .store()
            .automated_overrides()
            .await
            .unwrap()
            .is_empty()
    );
    app.stop().await;
}

#[tokio::test]
async fn unknown_triggers_channels_workstreams_and_locales_are_not_found() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    admin.get("/admin/automated-messages").await;
    for (path, why) in [
        (
            "/admin/automated-messages/farewell/whatsapp/0/en",
            "unknown trigger",
        ),
        (
            "/admin/automated-messages/greeting/fax/0/en",
            "unknown channel",
        ),
        (
            "/admin/automated-messages/greeting/whatsapp/99/en",
            "unknown workstream",
        ),
        (
            "/admin/automated-messages/greeting/sms/1/en",
            "workstream 1 is WhatsApp",
        ),
        (
            "/admin/automated-messages/greeting/whatsapp/x/en",
            "workstream not a number",
        ),
        (
            "/admin/automated-messages/greeting/whatsapp/0/english",
            "not a locale",
        ),
        (
            "/admin/automated-messages?channel=fax",
            "unknown channel in the list",
        ),
        (
            "/admin/automated-messages?workstream=-1",
            "bad workstream in the list",
        ),
    ] {
        assert_eq!(
            admin.get(path).await.status,
            StatusCode::NOT_FOUND,
            "GET: {why}"
        );
        if !path.contains('?') {
            let p = admin.post(path, &[("text", "Hello")]).await;
            assert_eq!(p.status, StatusCode::NOT_FOUND, "POST: {why}");
        }
    }
    assert!(
        app.desk()
            .store()
            .automated_overrides()
            .await
            .unwrap()
            .is_empty()
    );
    app.stop().await;
}

#[tokio::test]
async fn another_language_is_checked_before_it_is_shown() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    admin.get("/admin/automated-messages").await;
    let fields = |l| [("channel", "whatsapp"), ("workstream", "1"), ("locale", l)];
    let bad = admin
        .post("/admin/automated-messages/locale", &fields("klingon!"))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body
            .contains("id=\"e-locale\">Use a language code like en")
    );
    assert!(bad.body.contains("value=\"klingon!\""), "input kept");
    let good = admin
        .post("/admin/automated-messages/locale", &fields("pt-BR"))
        .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER);
    assert_eq!(
        good.location.as_deref(),
        Some("/admin/automated-messages?channel=whatsapp&workstream=1&locale=pt-br")
    );
    let page = admin.get(good.location.as_deref().unwrap()).await;
    assert!(
        page.body.contains("Thanks for contacting us."),
        "English when no Portuguese text exists"
    );
    app.stop().await;
}

#[tokio::test]
async fn no_input_makes_these_forms_fail_with_a_server_error() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    admin.get("/admin/hours/new").await;
    post(&mut admin, "/admin/hours", &hours_form("Target")).await;
    let huge = "9".repeat(50_000);
    let junk: &[&[(&str, &str)]] = &[
        &[],
        &[("name", "\u{0}"), ("time_zone", "\u{202e}UTC")],
        &[
            ("mon_open", "on"),
            ("mon_from", &huge),
            ("mon_to", "99999999999999999999:00"),
        ],
        &[
            ("holiday49_date", "9999-12-31"),
            ("holiday49_reason", "x"),
            ("holiday50_date", "x"),
        ],
        &[
            ("holiday0_date", "-002026-01-01"),
            ("holiday0_reason", "🎉"),
        ],
        &[
            ("text", "{"),
            ("locale", &huge),
            ("channel", "sms"),
            ("workstream", "18446744073709551616"),
        ],
        &[("text", "{$"), ("workstream", "1"), ("channel", "")],
        &[("text", "}{}{$}$}{$ $}")],
    ];
    for path in [
        "/admin/hours",
        "/admin/hours/1",
        "/admin/automated-messages/locale",
        "/admin/automated-messages/queue-position/whatsapp/0/en",
        "/admin/automated-messages/queue-position/whatsapp/0/en/reset",
    ] {
        for fields in junk {
            let p = admin.post(path, fields).await;
            assert!(
                p.status.as_u16() < 500,
                "POST {path} {fields:?}: {}",
                p.status
            );
        }
    }
    assert_eq!(app.desk().store().hours_list().await.unwrap().len(), 1);
    app.stop().await;
}
