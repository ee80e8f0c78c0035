//! Onboarding as a new admin meets it: the account wizard checks the credentials and each
//! number with Twilio before it says the account is ready, numbers are typed as people write
//! them, the callback page says when Twilio cannot reach omnidesk, the admin home is a setup
//! checklist, and the demo workstream's channel setup can be finished.

use crate::fake_twilio::{FakeAccount, fixture_accounts, twilio_knows};
use crate::helpers::*;
use crate::signin::{Browser, Page};
use omnidesk::demo;
use omnidesk::domain::{AccountId, WorkstreamId};
use omnidesk::store::records::NumberKind;
use reqwest::StatusCode;

const NEW_SID: &str = "AC0123456789abcdef0123456789abcdef";
const NEW_TOKEN: &str = "new-account-token-5f3e9c1d2b7a";
const OWNED: &str = "+14155550177";
const OWNED_SHORT: &str = "55555";

async fn account_count(app: &TestApp) -> usize {
    app.desk().store().accounts().await.unwrap().len()
}

/// Adds an SMS number to the fixture's SMS account through its form.
async fn add_sms(b: &mut Browser, typed: &str, kind: &str) -> Page {
    b.post(
        "/admin/accounts/2/numbers",
        &[("number", typed), ("type", kind)],
    )
    .await
}

fn assert_shows(page: &Page, text: &str, why: &str) {
    assert!(
        page.body.contains(&escaped(text)),
        "{why}: expected {text:?} in\n{}",
        page.body
    );
}

/// Submits the wizard's account-details step for a new Twilio account.
async fn create_twilio(b: &mut Browser, channel: &str, sid: &str, token: &str) -> Page {
    b.get("/admin/accounts/new").await;
    b.post(
        "/admin/accounts",
        &[
            ("name", "Acme Support"),
            ("channel", channel),
            ("provider", "twilio"),
            ("account_sid", sid),
            ("auth_token", token),
        ],
    )
    .await
}

fn new_account(status: &'static str) -> FakeAccount {
    FakeAccount {
        status,
        short_codes: vec![OWNED_SHORT.into()],
        ..FakeAccount::active(NEW_SID, NEW_TOKEN, &[OWNED])
    }
}

#[tokio::test]
async fn the_wizard_refuses_credentials_twilio_does_not_accept_and_keeps_the_form() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    twilio_knows(&app.twilio, vec![new_account("active")]).await;
    let cases = [
        (
            NEW_SID,
            "wrong-token-0000",
            "Twilio refused the Account SID and Auth token",
            "a wrong token",
        ),
        (
            "AC99999999999999999999999999999999",
            NEW_TOKEN,
            "Twilio refused the Account SID and Auth token",
            "an Account SID of another account",
        ),
    ];
    for (sid, token, message, why) in cases {
        let page = create_twilio(&mut admin, "whatsapp", sid, token).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert_shows(&page, message, why);
        assert!(
            page.body.contains("aria-current=\"step\">Account details"),
            "{why}"
        );
        assert!(
            page.body.contains(&format!("value=\"{sid}\"")),
            "{why}: the SID is kept"
        );
        assert!(
            page.body.contains("value=\"Acme Support\""),
            "{why}: the name is kept"
        );
        assert!(
            !page.body.contains(token),
            "{why}: the token is never put back"
        );
        assert!(!page.body.contains("is ready"), "{why}");
    }
    assert_eq!(account_count(&app).await, 2, "nothing was stored");
    app.stop().await;
}

#[tokio::test]
async fn the_wizard_says_what_to_fix_when_the_account_is_suspended_or_twilio_fails() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    twilio_knows(&app.twilio, vec![new_account("suspended")]).await;
    let page = create_twilio(&mut admin, "sms", NEW_SID, NEW_TOKEN).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_shows(
        &page,
        "the account is not active (Status: suspended. Type: Full.): reactivate it",
        "suspended",
    );

    app.twilio.reset().await;
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .respond_with(wiremock::ResponseTemplate::new(503))
        .mount(&app.twilio)
        .await;
    let page = create_twilio(&mut admin, "sms", NEW_SID, NEW_TOKEN).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_shows(
        &page,
        "Twilio answered 503: Service Unavailable",
        "Twilio is down",
    );
    assert!(!page.body.contains(NEW_TOKEN));
    assert_eq!(account_count(&app).await, 2, "nothing was stored");
    app.stop().await;
}

#[tokio::test]
async fn numbers_twilio_does_not_list_are_refused_and_whatsapp_senders_only_warned() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    twilio_knows(&app.twilio, vec![new_account("active")]).await;
    let created = create_twilio(&mut admin, "sms", NEW_SID, NEW_TOKEN).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let step = created.location.expect("to the numbers step");
    admin.get(&step).await;

    let refused = admin
        .post(
            &step,
            &[("number", "+1 415 555 0188"), ("type", "long_code")],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_shows(
        &refused,
        "Twilio does not list +14155550188 among this account's numbers",
        "not owned",
    );
    assert!(
        refused.body.contains("value=\"+1 415 555 0188\""),
        "the input is kept"
    );
    let toll_free = admin
        .post(&step, &[("number", "18005550100"), ("type", "toll_free")])
        .await;
    assert_eq!(
        toll_free.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "toll-free is checked too"
    );

    for (typed, kind) in [
        ("1 (415) 555-0177", "long_code"),
        (OWNED_SHORT, "short_code"),
    ] {
        let added = admin
            .post(&step, &[("number", typed), ("type", kind)])
            .await;
        assert_eq!(
            added.status,
            StatusCode::SEE_OTHER,
            "{typed}: {}",
            added.body
        );
    }
    let numbers = app
        .desk()
        .store()
        .numbers_of(AccountId::new(3))
        .await
        .unwrap();
    let stored: Vec<(&str, NumberKind)> = numbers
        .iter()
        .map(|n| (n.number.as_str(), n.kind))
        .collect();
    assert_eq!(
        stored,
        [
            (OWNED, NumberKind::LongCode),
            (OWNED_SHORT, NumberKind::ShortCode)
        ]
    );

    let done = admin.get("/admin/accounts/3/setup/done").await;
    assert_shows(
        &done,
        "Acme Support is ready with 2 number(s).",
        "all checks pass",
    );

    // Twilio's calls carried the filters the spec names.
    let asked: Vec<String> = app
        .twilio
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter_map(|r| r.url.query().map(str::to_owned))
        .collect();
    assert!(
        asked.contains(&"PhoneNumber=%2B14155550177".to_owned()),
        "{asked:?}"
    );
    assert!(asked.contains(&"ShortCode=55555".to_owned()), "{asked:?}");

    // A WhatsApp sender Twilio does not list is added, with a warning.
    let wa = create_twilio(&mut admin, "whatsapp", NEW_SID, NEW_TOKEN).await;
    let wa_step = wa.location.expect("to the numbers step");
    admin.get(&wa_step).await;
    let added = admin
        .post(
            &wa_step,
            &[("name", "Sales"), ("number", "+44 7700 900123")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let next = admin.get(added.location.as_deref().unwrap()).await;
    assert!(next.body.contains("class=\"warning\""), "{}", next.body);
    assert_shows(
        &next,
        "Twilio does not list +447700900123 among this account's phone numbers",
        "warned",
    );
    let done = admin.get("/admin/accounts/4/setup/done").await;
    assert_shows(
        &done,
        "Acme Support is ready with 1 number(s).",
        "a warning is no refusal",
    );
    assert_shows(
        &done,
        "approved WhatsApp sender",
        "the warning stays visible",
    );
    app.stop().await;
}

#[tokio::test]
async fn the_done_step_is_not_ready_when_a_number_is_no_longer_on_the_account() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    twilio_knows(
        &app.twilio,
        vec![FakeAccount::active(SMS_SID, SMS_TOKEN, &[])],
    )
    .await;
    let done = admin.get("/admin/accounts/2/setup/done").await;
    assert_eq!(done.status, StatusCode::OK);
    assert_shows(&done, "SMS is not ready yet", "a number was released");
    assert_shows(
        &done,
        &format!("Twilio does not list {SMS_BUSINESS}"),
        "says which",
    );
    assert!(!done.body.contains("is ready with"));
    app.stop().await;
}

#[tokio::test]
async fn validate_checks_the_credentials_and_every_number_of_the_account() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    twilio_knows(&app.twilio, fixture_accounts()).await;
    admin.get("/admin/accounts/2").await;
    let page = admin.post("/admin/accounts/2/validate", &[]).await;
    assert_shows(&page, "Status: active. Type: Full.", "credentials");
    assert_shows(
        &page,
        &format!("Listed on the Twilio account: {SMS_BUSINESS}."),
        "the number",
    );

    app.twilio.reset().await;
    twilio_knows(
        &app.twilio,
        vec![
            FakeAccount::active(WA_SID, WA_TOKEN, &[]),
            FakeAccount::active(SMS_SID, SMS_TOKEN, &[]),
        ],
    )
    .await;
    let wa = admin.post("/admin/accounts/1/validate", &[]).await;
    assert!(
        wa.body.contains("class=\"warning\""),
        "a WhatsApp sender is only warned about"
    );
    let sms = admin.post("/admin/accounts/2/validate", &[]).await;
    assert_shows(
        &sms,
        &format!("Twilio does not list {SMS_BUSINESS} among this account's numbers"),
        "refused",
    );
    assert!(!sms.body.contains(SMS_TOKEN));

    app.twilio.reset().await;
    twilio_knows(
        &app.twilio,
        vec![FakeAccount::active(SMS_SID, "rotated", &[])],
    )
    .await;
    let stale = admin.post("/admin/accounts/2/validate", &[]).await;
    assert_shows(
        &stale,
        "Twilio refused the Account SID and Auth token",
        "a rotated token",
    );
    app.stop().await;
}

#[tokio::test]
async fn every_number_form_takes_numbers_as_people_write_them_and_stores_e164() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    twilio_knows(
        &app.twilio,
        vec![
            FakeAccount::active(WA_SID, WA_TOKEN, &[WA_BUSINESS, "+14155550111"]),
            FakeAccount {
                short_codes: vec!["12345".into()],
                ..FakeAccount::active(
                    SMS_SID,
                    SMS_TOKEN,
                    &[SMS_BUSINESS, "+14252306549", "+18005550100"],
                )
            },
        ],
    )
    .await;
    admin.get("/admin/accounts/1/numbers/new").await;
    let wa = admin
        .post(
            "/admin/accounts/1/numbers",
            &[("name", "Sales"), ("number", "1-415-555-0111")],
        )
        .await;
    assert_eq!(wa.status, StatusCode::SEE_OTHER, "{}", wa.body);
    let cases = [
        ("14252306549", "long_code", "+14252306549"),
        ("+1 800 555 0100", "toll_free", "+18005550100"),
        ("12345", "short_code", "12345"),
    ];
    for (typed, kind, stored) in cases {
        let page = add_sms(&mut admin, typed, kind).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{typed}: {}", page.body);
        let numbers = app.desk().store().numbers().await.unwrap();
        assert!(
            numbers.iter().any(|n| n.number.as_str() == stored),
            "{typed} stored as {stored}"
        );
    }
    let again = add_sms(&mut admin, "(425) 230-6549 ", "long_code").await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "10 digits are not this number"
    );
    let same = add_sms(&mut admin, "1 425 230 6549", "long_code").await;
    assert_eq!(
        same.status,
        StatusCode::CONFLICT,
        "the same number, written otherwise"
    );
    let page = admin.get("/admin/accounts/2").await;
    assert!(page.body.contains("+14252306549") && !page.body.contains(">14252306549<"));
    app.stop().await;
}

#[tokio::test]
async fn ten_digits_without_a_country_code_are_refused_with_the_likely_form() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    twilio_knows(&app.twilio, fixture_accounts()).await;
    admin.get("/admin/accounts/1/numbers/new").await;
    let before = app.desk().store().numbers().await.unwrap().len();
    for typed in ["4155550100", "(415) 555-0100"] {
        let sms = add_sms(&mut admin, typed, "long_code").await;
        let wa = admin
            .post(
                "/admin/accounts/1/numbers",
                &[("name", "Sales"), ("number", typed)],
            )
            .await;
        for (page, form) in [(sms, "SMS"), (wa, "WhatsApp")] {
            assert_eq!(
                page.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{typed} on the {form} form"
            );
            assert_shows(
                &page,
                "Add the country code, e.g. +1 415 555 0100",
                "the likely form is suggested",
            );
            assert!(
                page.body.contains(&format!("value=\"{}\"", escaped(typed))),
                "{typed}: the entered value is kept on the {form} form"
            );
        }
    }
    assert_eq!(
        app.desk().store().numbers().await.unwrap().len(),
        before,
        "nothing was stored"
    );
    let asked = app.twilio.received_requests().await.unwrap();
    assert!(
        asked.iter().all(|r| !r.url.as_str().contains("4155550100")),
        "Twilio was never asked about the national form"
    );
    app.stop().await;
}

/// The SMS account's stored SID and auth token.
async fn sms_credentials(app: &TestApp) -> (String, String) {
    let a = app
        .desk()
        .store()
        .account_with_token(AccountId::new(2))
        .await
        .unwrap()
        .unwrap();
    let sid = a.account.sid.map(|s| s.to_string()).unwrap_or_default();
    let token = a
        .auth_token
        .map(|t| t.expose().to_owned())
        .unwrap_or_default();
    (sid, token)
}

#[tokio::test]
async fn editing_an_account_checks_new_credentials_with_twilio_before_saving() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    const ROTATED: &str = "rotated-token-7a6b5c4d3e2f1a0b";
    twilio_knows(
        &app.twilio,
        vec![FakeAccount::active(SMS_SID, ROTATED, &[SMS_BUSINESS])],
    )
    .await;
    admin.get("/admin/accounts/2").await;
    let cases = [
        (SMS_SID, "wrong-token-0000", "a wrong new token"),
        (NEW_SID, "", "another SID with the stored token"),
        (NEW_SID, ROTATED, "another SID with a token of this one"),
    ];
    for (sid, token, why) in cases {
        let page = admin
            .post(
                "/admin/accounts/2",
                &[
                    ("name", "SMS renamed"),
                    ("account_sid", sid),
                    ("auth_token", token),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert_shows(&page, "Twilio refused the Account SID and Auth token", why);
        assert!(
            page.body.contains(&format!("value=\"{sid}\"")),
            "{why}: the SID is kept"
        );
        assert!(
            page.body.contains("value=\"SMS renamed\""),
            "{why}: the name is kept"
        );
        for secret in [token, SMS_TOKEN, ROTATED] {
            assert!(
                secret.is_empty() || !page.body.contains(secret),
                "{why}: no secret is rendered"
            );
        }
        assert_eq!(
            sms_credentials(&app).await,
            (SMS_SID.to_owned(), SMS_TOKEN.to_owned()),
            "{why}: nothing changed"
        );
        let a = app.desk().store().account(AccountId::new(2)).await.unwrap();
        assert_eq!(a.unwrap().name.to_string(), "SMS", "{why}: not renamed");
    }

    let saved = admin
        .post(
            "/admin/accounts/2",
            &[
                ("name", "SMS renamed"),
                ("account_sid", SMS_SID),
                ("auth_token", ROTATED),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        sms_credentials(&app).await,
        (SMS_SID.to_owned(), ROTATED.to_owned()),
        "the right token is saved"
    );
    let page = admin.get("/admin/accounts/2").await;
    assert!(
        !page.body.contains(ROTATED),
        "the stored secret is not shown"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_callback_page_says_plainly_when_twilio_cannot_reach_the_public_url() {
    let cases = [
        (
            None,
            Some("is a loopback address"),
            "the default public URL",
        ),
        (
            Some("http://192.168.1.20:8080"),
            Some("is a private network address"),
            "a LAN address",
        ),
        (
            Some("http://desk.example.com"),
            Some("is plain http"),
            "public over http",
        ),
        (Some("https://desk.example.com"), None, "public over https"),
    ];
    for (url, problem, why) in cases {
        let app = spawn_app_with(wiremock::MockServer::start().await, |s| {
            s.public_url = url.map(str::to_owned);
        })
        .await;
        let mut admin = app.admin().await;
        for path in [
            "/admin/accounts/1/callback",
            "/admin/accounts/1/setup/callback",
        ] {
            let page = admin.get(path).await;
            assert_eq!(page.status, StatusCode::OK);
            match problem {
                Some(p) => {
                    assert_shows(&page, p, why);
                    if p.contains("address") {
                        assert_shows(&page, "cannot reach these URLs", why);
                        assert_shows(&page, "--public-url https://", why);
                    }
                    assert_shows(
                        &page,
                        "Twilio does call plain http:// URLs, but https is recommended",
                        why,
                    );
                }
                None => assert!(
                    !page.body.contains("cannot reach") && !page.body.contains("plain http."),
                    "{why}"
                ),
            }
            assert_shows(&page, "The status callback URL needs no setting", why);
            assert!(
                !page.body.contains("paste it where Twilio asks"),
                "{why}: no contradiction"
            );
        }
        app.stop().await;
    }
}

/// (state, label) of each checklist item on the admin home.
fn checklist(page: &Page) -> Vec<(bool, String)> {
    page.body
        .split("<li class=\"")
        .skip(1)
        .map(|li| {
            let done = li.starts_with("done");
            let label = li
                .split("class=\"check-label\">")
                .nth(1)
                .and_then(|l| l.split('<').next())
                .unwrap_or_default();
            (done, label.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn the_admin_home_is_a_setup_checklist_that_follows_the_setup() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let home = admin.get("/admin").await;
    assert_eq!(home.status, StatusCode::OK);
    let labels: Vec<String> = checklist(&home).into_iter().map(|(_, l)| l).collect();
    assert_eq!(
        labels,
        [
            "Add a messaging account",
            "Add its numbers",
            "Set up a workstream",
            "Add agents to it",
            "Route its conversations",
            "Try it in the Simulator",
        ]
    );
    let done: Vec<bool> = checklist(&home).into_iter().map(|(d, _)| d).collect();
    assert_eq!(
        done,
        [true, true, false, false, false, false],
        "the fixture has accounts and numbers"
    );
    assert!(
        home.body.contains("href=\"/admin/workstreams/1/setup\""),
        "links to the unfinished setup"
    );
    assert!(home.body.contains("href=\"/simulator\""));

    let agent = app.desk().store().users().await.unwrap()[0].id;
    app.desk()
        .store()
        .set_members(WorkstreamId::new(1), vec![agent])
        .await
        .unwrap();
    let home = admin.get("/admin").await;
    let done: Vec<bool> = checklist(&home).into_iter().map(|(d, _)| d).collect();
    assert_eq!(
        done,
        [true, true, false, true, true, false],
        "members make the routing work"
    );
    app.stop().await;
}

#[tokio::test]
async fn finish_works_on_the_demo_workstream() {
    let app = spawn_app().await;
    // The demo seeds a store without users, as `--demo` does on a first start.
    let store = app.desk().store();
    let seeded = demo::seed(store, app.desk().now())
        .await
        .unwrap()
        .expect("seeded");
    let mut admin = Browser::new(&app.address);
    admin
        .sign_in(&seeded.admin.email, &seeded.admin.password)
        .await;
    for ws in &seeded.workstreams {
        let base = format!("/admin/workstreams/{}/setup", ws.get());
        let language = admin.get(&format!("{base}/language")).await;
        assert!(language.body.contains("value=\"en\""), "en is filled in");
        let summary = admin.get(&format!("{base}/summary")).await;
        assert_eq!(summary.status, StatusCode::OK);
        let done = admin.post(&format!("{base}/summary"), &[]).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let w = store.workstream(*ws).await.unwrap().unwrap();
        assert!(w.setup.finished);
        assert_eq!(w.language.map(|l| l.to_string()), Some("en".into()));
    }
    let home = admin.get("/admin").await;
    let done: Vec<bool> = checklist(&home).into_iter().map(|(d, _)| d).collect();
    assert_eq!(done[..5], [true, true, true, true, true], "{}", home.body);
    app.stop().await;
}

#[tokio::test]
async fn destructive_buttons_look_destructive_and_filters_show_the_selected_one() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let account = admin.get("/admin/accounts/1").await;
    assert!(
        account
            .body
            .contains("class=\"button danger\" href=\"/admin/accounts/1/delete\""),
        "the delete button is red"
    );
    assert!(
        account
            .body
            .contains("href=\"/admin/accounts/1/numbers/1/delete\" class=\"danger\""),
        "the delete link in the table is red"
    );
    let all = admin.get("/admin/templates").await;
    assert!(
        all.body
            .contains("href=\"/admin/templates\" aria-current=\"true\">All</a>"),
        "All is selected"
    );
    let one = admin.get("/admin/templates?workstream=1").await;
    assert!(
        one.body
            .contains("href=\"/admin/templates?workstream=1\" aria-current=\"true\">"),
        "the workstream filter is selected"
    );
    assert!(!one.body.contains("href=\"/admin/templates\" aria-current"));
    let hours = admin.get("/admin/hours/new").await;
    assert_eq!(
        hours.body.matches("<th scope=\"row\">").count(),
        7,
        "one row per day"
    );
    app.stop().await;
}
