//! `/admin/accounts`: the new-account wizard, numbers, the account page with its masked token and
//! "Validate", callback information, and deleting numbers and accounts.

use crate::fake_twilio::{FakeAccount, twilio_knows};
use crate::helpers::*;
use crate::signin::{Browser, Page};
use omnidesk::domain::{AccountId, MessageStatus, NumberId};
use omnidesk::store::records::{NumberKind, ProviderKind};
use omnidesk::store::setup::NUMBER_DELETED;
use reqwest::StatusCode;
use wiremock::matchers::{basic_auth, method, path, path_regex};
use wiremock::{Mock, ResponseTemplate};

const NEW_SID: &str = "AC0123456789abcdef0123456789abcdef";
const NEW_TOKEN: &str = "new-account-token-5f3e9c1d2b7a";
const NEW_WA_NUMBER: &str = "+14155550177";

/// Fails if the page carries any auth token the tests know.
fn assert_no_token(page: &Page, what: &str) {
    for token in [WA_TOKEN, SMS_TOKEN, NEW_TOKEN, "replacement-token-77aa"] {
        assert!(!page.body.contains(token), "{what} shows an auth token");
    }
}

fn assert_refused(page: &Page, status: StatusCode, message: &str, why: &str) {
    assert_eq!(page.status, status, "{why}: {}", page.body);
    assert!(
        page.body.contains(message),
        "{why}: expected {message:?} in the page"
    );
}

async fn account_count(app: &TestApp) -> usize {
    app.desk().store().accounts().await.unwrap().len()
}

async fn number_count(app: &TestApp) -> usize {
    app.desk().store().numbers().await.unwrap().len()
}

async fn token_of(app: &TestApp, id: AccountId) -> String {
    let a = app.desk().store().account_with_token(id).await.unwrap();
    a.and_then(|a| a.auth_token)
        .map(|t| t.expose().to_owned())
        .unwrap_or_default()
}

/// Twilio knows the fixture's accounts and the wizard's new one, with the numbers the tests add.
async fn twilio_knows_every_account(app: &TestApp) {
    twilio_knows(
        &app.twilio,
        vec![
            FakeAccount::active(WA_SID, WA_TOKEN, &[WA_BUSINESS]),
            FakeAccount {
                short_codes: vec!["55555".into()],
                ..FakeAccount::active(
                    SMS_SID,
                    SMS_TOKEN,
                    &[SMS_BUSINESS, WA_BUSINESS, "+14252306549", "+18005550100"],
                )
            },
            FakeAccount::active(NEW_SID, NEW_TOKEN, &[NEW_WA_NUMBER, "+447700900123"]),
        ],
    )
    .await;
}

/// Walks the wizard to the account-details step and submits it.
async fn create_via_wizard(b: &mut Browser, channel: &str, provider: &str) -> (Page, Vec<Page>) {
    let mut seen = vec![b.get("/admin/accounts/new").await];
    let name = [("name", "Support line"), ("channel", channel)];
    seen.push(b.post("/admin/accounts/new/provider", &name).await);
    let with_provider = [name[0], name[1], ("provider", provider)];
    seen.push(b.post("/admin/accounts/new/details", &with_provider).await);
    let mut fields = with_provider.to_vec();
    if provider == "twilio" {
        fields.extend([("account_sid", NEW_SID), ("auth_token", NEW_TOKEN)]);
    }
    let created = b.post("/admin/accounts", &fields).await;
    (created, seen)
}

/// The trimmed contents of every table cell of a page (cells carry their column's name).
fn cells(body: &str) -> Vec<&str> {
    body.split("<td data-label=\"")
        .skip(1)
        .filter_map(|c| c.split_once("\">").map(|(_, rest)| rest))
        .filter_map(|c| c.split("</td>").next())
        .map(str::trim)
        .collect()
}

#[tokio::test]
async fn the_account_list_shows_each_account_with_its_channel_provider_and_numbers() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let page = admin.get("/admin/accounts").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        cells(&page.body),
        [
            "<a href=\"/admin/accounts/1\">WhatsApp</a>",
            "WhatsApp",
            "Twilio",
            "1",
            "<a href=\"/admin/accounts/2\">SMS</a>",
            "SMS",
            "Twilio",
            "1",
        ]
    );
    assert!(page.body.contains("href=\"/admin/accounts/new\""));
    assert_no_token(&page, "the list");
    app.stop().await;
}

#[tokio::test]
async fn the_wizard_creates_a_twilio_account_adds_numbers_and_shows_its_callback_urls() {
    let app = spawn_app().await;
    twilio_knows_every_account(&app).await;
    let mut admin = app.admin().await;
    let (created, mut pages) = create_via_wizard(&mut admin, "whatsapp", "twilio").await;
    assert!(
        pages[0]
            .body
            .contains("aria-current=\"step\">Channel details")
    );
    assert!(pages[1].body.contains("aria-current=\"step\">Provider"));
    assert!(
        pages[1]
            .body
            .contains("type=\"hidden\" name=\"name\" value=\"Support line\"")
    );
    assert!(
        pages[2]
            .body
            .contains("aria-current=\"step\">Account details")
    );
    assert!(pages[2].body.contains("name=\"account_sid\""));
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let numbers_step = created.location.clone().expect("redirect");
    assert_eq!(numbers_step, "/admin/accounts/3/setup/numbers");

    let account = app.desk().store().account(AccountId::new(3)).await.unwrap();
    let account = account.expect("account created");
    assert_eq!(account.name.as_str(), "Support line");
    assert_eq!(account.provider, ProviderKind::Twilio);
    assert_eq!(account.sid.as_ref().map(|s| s.as_str()), Some(NEW_SID));
    assert_eq!(token_of(&app, account.id).await, NEW_TOKEN);

    pages.push(admin.get(&numbers_step).await);
    assert!(pages[3].body.contains("aria-current=\"step\">Numbers"));
    for (name, number) in [("Sales", NEW_WA_NUMBER), ("Care", "+447700900123")] {
        let added = admin
            .post(&numbers_step, &[("name", name), ("number", number)])
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        let again = admin.get(added.location.as_deref().unwrap()).await;
        assert!(
            again.body.contains("Add another"),
            "the step offers another"
        );
        assert!(again.body.contains(number));
        pages.push(again);
    }
    let numbers = app.desk().store().numbers_of(account.id).await.unwrap();
    assert_eq!(numbers.len(), 2);
    assert!(numbers.iter().all(|n| n.kind == NumberKind::WhatsApp));

    let callback = admin.get("/admin/accounts/3/setup/callback").await;
    assert!(
        callback
            .body
            .contains("aria-current=\"step\">Callback information")
    );
    assert!(callback.body.contains(&app.inbound_url(&account)));
    assert!(callback.body.contains(&app.status_url(&account)));
    pages.push(callback);
    let done = admin.get("/admin/accounts/3/setup/done").await;
    assert!(done.body.contains("aria-current=\"step\">Done"));
    assert!(done.body.contains("ready with 2 number(s)"));
    pages.push(done);
    pages.push(admin.get("/admin/accounts/3").await);
    for (i, p) in pages.iter().enumerate() {
        assert_eq!(p.status, StatusCode::OK, "page {i}");
        assert_no_token(p, &format!("wizard page {i}"));
    }

    // The new account's webhook works with the credentials the wizard stored.
    let form = with(
        wa_form(&new_sid(), "Hi"),
        "To",
        &format!("whatsapp:{NEW_WA_NUMBER}"),
    );
    let form = with(form, "AccountSid", NEW_SID);
    let resp = app
        .post_signed(&app.inbound_url(&account), NEW_TOKEN, &form)
        .await;
    assert_eq!(resp.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn the_wizard_creates_a_simulator_account_without_credentials() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let (created, pages) = create_via_wizard(&mut admin, "sms", "simulator").await;
    assert!(!pages[2].body.contains("name=\"account_sid\""));
    assert!(pages[2].body.contains("needs no credentials"));
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let account = app.desk().store().account(AccountId::new(3)).await.unwrap();
    let account = account.expect("account created");
    assert_eq!(account.provider, ProviderKind::Simulator);
    assert!(account.sid.is_none() && account.auth_token.is_none());
    let page = admin.get("/admin/accounts/3").await;
    assert!(!page.body.contains("name=\"account_sid\""));
    assert!(!page.body.contains("/validate"));
    app.stop().await;
}

#[tokio::test]
async fn bad_channel_details_are_refused_beside_the_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    admin.get("/admin/accounts/new").await;
    let long = "x".repeat(101);
    let cases = [
        ("", "whatsapp", "Enter the name.", "the name is required"),
        ("   ", "sms", "Enter the name.", "a blank name is no name"),
        (
            &long[..],
            "sms",
            "at most 100 characters",
            "the name is too long",
        ),
        ("Bell\u{7}", "sms", "not allowed", "control characters"),
        ("Two\nlines", "sms", "on one line", "a name is one line"),
        (
            "Support",
            "fax",
            "Choose a channel.",
            "fax is not a channel",
        ),
        (
            "Support",
            "",
            "Choose a channel.",
            "the channel is required",
        ),
    ];
    for (name, channel, message, why) in cases {
        let fields = [("name", name), ("channel", channel)];
        for step in [
            "/admin/accounts/new/provider",
            "/admin/accounts/new/details",
        ] {
            let page = admin.post(step, &fields).await;
            assert_refused(&page, StatusCode::UNPROCESSABLE_ENTITY, message, why);
            assert!(
                page.body.contains("class=\"error\""),
                "{why}: error beside the field"
            );
            assert!(
                page.body.contains("aria-current=\"step\">Channel details"),
                "{why}"
            );
        }
        let mut all = fields.to_vec();
        all.extend([
            ("provider", "twilio"),
            ("account_sid", NEW_SID),
            ("auth_token", NEW_TOKEN),
        ]);
        let page = admin.post("/admin/accounts", &all).await;
        assert_refused(&page, StatusCode::UNPROCESSABLE_ENTITY, message, why);
        assert_no_token(&page, why);
    }
    let kept = admin
        .post(
            "/admin/accounts/new/provider",
            &[("name", "Kept name"), ("channel", "fax")],
        )
        .await;
    assert!(kept.body.contains("value=\"Kept name\""), "input is kept");
    assert_eq!(account_count(&app).await, 2, "nothing was stored");
    app.stop().await;
}

#[tokio::test]
async fn bad_account_details_are_refused_and_the_token_is_never_shown_again() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    admin.get("/admin/accounts/new").await;
    let sid_rule = "Account SID must be AC followed by 32 hexadecimal digits";
    let cases = [
        (
            "",
            NEW_TOKEN,
            "Enter the Account SID",
            "the SID is required",
        ),
        (
            "SM0123456789abcdef0123456789abcdef",
            NEW_TOKEN,
            sid_rule,
            "a message SID is not an account SID",
        ),
        (
            "AC0123456789abcdef0123456789abcde",
            NEW_TOKEN,
            sid_rule,
            "31 hex digits",
        ),
        (
            "AC0123456789abcdef0123456789abcdeg",
            NEW_TOKEN,
            sid_rule,
            "g is not hex",
        ),
        (
            "AC 0123456789abcdef0123456789abcdef",
            NEW_TOKEN,
            sid_rule,
            "a space inside",
        ),
        (
            NEW_SID,
            "",
            "Enter the auth token.",
            "the token is required",
        ),
        (
            NEW_SID,
            "has space",
            "without spaces",
            "tokens have no spaces",
        ),
    ];
    for (sid, token, message, why) in cases {
        let fields = [
            ("name", "Support"),
            ("channel", "sms"),
            ("provider", "twilio"),
            ("account_sid", sid),
            ("auth_token", token),
        ];
        let page = admin.post("/admin/accounts", &fields).await;
        assert_refused(&page, StatusCode::UNPROCESSABLE_ENTITY, message, why);
        assert!(
            page.body.contains("aria-current=\"step\">Account details"),
            "{why}"
        );
        assert!(
            page.body.contains(&format!("value=\"{sid}\"")),
            "{why}: the SID is kept"
        );
        assert_no_token(&page, why);
        assert!(
            !page.body.contains("has space"),
            "{why}: the token is not put back"
        );
    }
    let tampered = [
        ("name", "Support"),
        ("channel", "sms"),
        ("provider", "azure"),
        ("account_sid", NEW_SID),
        ("auth_token", NEW_TOKEN),
    ];
    let page = admin.post("/admin/accounts", &tampered).await;
    assert_refused(
        &page,
        StatusCode::UNPROCESSABLE_ENTITY,
        "Choose a provider.",
        "unknown provider",
    );
    assert_no_token(&page, "the provider step");
    assert_eq!(account_count(&app).await, 2, "nothing was stored");
    app.stop().await;
}

#[tokio::test]
async fn bad_numbers_are_refused_with_the_expected_format_and_the_input_kept() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    admin.get("/admin/accounts/1/numbers/new").await;
    let format = "Enter the country code and the number";
    let wa_cases = [
        ("Sales", "+1 415 555 01x1", format, "letters"),
        ("Sales", "1+4155550111", format, "a plus inside"),
        ("Sales", "12345", format, "WhatsApp has no short codes"),
        (
            "Sales",
            "+0123456789",
            format,
            "a country code never starts with 0",
        ),
        ("Sales", "+1415555011112345", format, "more than 15 digits"),
        ("Sales", "", "Enter the number", "the number is required"),
        (
            "",
            "+14155550111",
            "Enter the name.",
            "the name is required",
        ),
    ];
    for (name, number, message, why) in wa_cases {
        for path in [
            "/admin/accounts/1/numbers",
            "/admin/accounts/1/setup/numbers",
        ] {
            let page = admin
                .post(path, &[("name", name), ("number", number)])
                .await;
            assert_refused(&page, StatusCode::UNPROCESSABLE_ENTITY, message, why);
            assert!(
                page.body.contains(&format!("value=\"{number}\"")),
                "{why}: kept"
            );
            assert_no_token(&page, why);
        }
    }
    let digits = "Enter the country code and the number";
    let short = "A short code is 3 to 8 digits";
    let long_description = "d".repeat(201);
    let sms_cases = [
        ("+1 425 230 65x9", "long_code", "", digits, "letters"),
        ("425+2306549", "toll_free", "", digits, "a plus inside"),
        (
            "555",
            "long_code",
            "",
            digits,
            "a short code typed as a long code",
        ),
        (
            "0142523065",
            "long_code",
            "",
            digits,
            "a country code never starts with 0",
        ),
        (
            "1425230654912345",
            "long_code",
            "",
            digits,
            "more than 15 digits",
        ),
        (
            "123456789",
            "short_code",
            "",
            short,
            "a short code is at most 8 digits",
        ),
        (
            "12",
            "short_code",
            "",
            short,
            "a short code is at least 3 digits",
        ),
        ("5555a", "short_code", "", short, "letters"),
        (
            "",
            "long_code",
            "",
            "Enter the number",
            "the number is required",
        ),
        (
            "",
            "short_code",
            "",
            "Enter the short code",
            "the short code is required",
        ),
        (
            "14252306549",
            "premium",
            "",
            "Choose a type.",
            "unknown type",
        ),
        (
            "14252306549",
            "long_code",
            &long_description[..],
            "at most 200",
            "description too long",
        ),
    ];
    for (number, kind, description, message, why) in sms_cases {
        let fields = [
            ("number", number),
            ("type", kind),
            ("description", description),
        ];
        for path in [
            "/admin/accounts/2/numbers",
            "/admin/accounts/2/setup/numbers",
        ] {
            let page = admin.post(path, &fields).await;
            assert_refused(&page, StatusCode::UNPROCESSABLE_ENTITY, message, why);
            assert!(
                page.body.contains(&format!("value=\"{number}\"")),
                "{why}: kept"
            );
        }
    }
    assert_eq!(number_count(&app).await, 2, "nothing was stored");
    app.stop().await;
}

#[tokio::test]
async fn sms_numbers_are_stored_in_e164_and_short_codes_as_digits() {
    let app = spawn_app().await;
    twilio_knows_every_account(&app).await;
    let mut admin = app.admin().await;
    admin.get("/admin/accounts/2/numbers/new").await;
    let cases = [
        (
            "14252306549",
            "long_code",
            "+14252306549",
            NumberKind::LongCode,
        ),
        (
            "18005550100",
            "toll_free",
            "+18005550100",
            NumberKind::TollFree,
        ),
        ("55555", "short_code", "55555", NumberKind::ShortCode),
    ];
    for (typed, kind, stored, expected) in cases {
        let fields = [
            ("number", typed),
            ("type", kind),
            ("description", "Main line"),
        ];
        let page = admin.post("/admin/accounts/2/numbers", &fields).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{typed}: {}", page.body);
        let numbers = app
            .desk()
            .store()
            .numbers_of(AccountId::new(2))
            .await
            .unwrap();
        let n = numbers.iter().find(|n| n.number.as_str() == stored);
        let n = n.unwrap_or_else(|| panic!("{typed} stored as {stored}"));
        assert_eq!(n.kind, expected);
        assert_eq!(n.description, "Main line");
    }
    let page = admin.get("/admin/accounts/2?added=1").await;
    assert!(page.body.contains("Number added."));
    assert!(page.body.contains("Toll free") && page.body.contains("Short code"));
    app.stop().await;
}

#[tokio::test]
async fn a_number_already_configured_is_refused() {
    let app = spawn_app().await;
    twilio_knows_every_account(&app).await;
    let mut admin = app.admin().await;
    let (created, _) = create_via_wizard(&mut admin, "whatsapp", "twilio").await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let cases = [
        (
            "/admin/accounts/1/numbers",
            WA_BUSINESS,
            "already on this account",
        ),
        (
            "/admin/accounts/3/setup/numbers",
            WA_BUSINESS,
            "on another WhatsApp account",
        ),
    ];
    for (path, number, why) in cases {
        let page = admin
            .post(path, &[("name", "Again"), ("number", number)])
            .await;
        assert_refused(&page, StatusCode::CONFLICT, "is already configured", why);
        assert!(
            page.body.contains(&format!("value=\"{number}\"")),
            "{why}: kept"
        );
    }
    let page = admin
        .post(
            "/admin/accounts/2/numbers",
            &[("number", "14155550100"), ("type", "long_code")],
        )
        .await;
    assert_refused(
        &page,
        StatusCode::CONFLICT,
        "is already configured",
        "the SMS number exists",
    );
    assert_eq!(number_count(&app).await, 2, "nothing was stored");
    let sms_twin = [("number", "14155550199"), ("type", "long_code")];
    let page = admin.post("/admin/accounts/2/numbers", &sms_twin).await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "the WhatsApp number may also be an SMS number"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_account_page_masks_the_token_and_an_empty_replacement_keeps_it() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let page = admin.get("/admin/accounts/1").await;
    assert!(page.body.contains("•••• stored"));
    assert!(page.body.contains("Replace auth token"));
    assert!(page.body.contains(&format!("value=\"{WA_SID}\"")));
    assert_no_token(&page, "the account page");

    let keep = [
        ("name", "Renamed"),
        ("account_sid", WA_SID),
        ("auth_token", ""),
    ];
    let saved = admin.post("/admin/accounts/1", &keep).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let a = app
        .desk()
        .store()
        .account(AccountId::new(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.name.as_str(), "Renamed");
    assert_eq!(
        token_of(&app, a.id).await,
        WA_TOKEN,
        "empty keeps the secret"
    );
    assert_eq!(
        app.post_inbound_wa(&wa_form(&new_sid(), "Hi"))
            .await
            .status(),
        200
    );

    // A new token is saved once Twilio accepts it.
    twilio_knows(
        &app.twilio,
        vec![FakeAccount::active(
            WA_SID,
            "replacement-token-77aa",
            &[WA_BUSINESS],
        )],
    )
    .await;
    let replace = [
        ("name", "Renamed"),
        ("account_sid", WA_SID),
        ("auth_token", "replacement-token-77aa"),
    ];
    let saved = admin.post("/admin/accounts/1", &replace).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = admin.get(saved.location.as_deref().unwrap()).await;
    assert!(page.body.contains("Saved."));
    assert_no_token(&page, "the saved page");
    let old = app.post_inbound_wa(&wa_form(&new_sid(), "Hi")).await;
    assert_eq!(old.status(), 403, "webhooks forget the old token at once");
    let url = app.inbound_url(&a);
    let new = app
        .post_signed(&url, "replacement-token-77aa", &wa_form(&new_sid(), "Hi"))
        .await;
    assert_eq!(new.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn bad_account_edits_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    admin.get("/admin/accounts/1").await;
    let cases = [
        ("", WA_SID, "", "Enter the name.", "the name is required"),
        (
            "Name",
            "",
            "",
            "Enter the Account SID",
            "a Twilio account keeps its SID",
        ),
        (
            "Name",
            "AC123",
            "",
            "32 hexadecimal digits",
            "the SID is too short",
        ),
        (
            "Name",
            WA_SID,
            "two words",
            "without spaces",
            "tokens have no spaces",
        ),
    ];
    for (name, sid, token, message, why) in cases {
        let fields = [("name", name), ("account_sid", sid), ("auth_token", token)];
        let page = admin.post("/admin/accounts/1", &fields).await;
        assert_refused(&page, StatusCode::UNPROCESSABLE_ENTITY, message, why);
        assert!(
            page.body.contains(&format!("value=\"{sid}\"")),
            "{why}: kept"
        );
        assert!(
            !page.body.contains("two words"),
            "{why}: the token is not put back"
        );
        assert_no_token(&page, why);
    }
    let a = app
        .desk()
        .store()
        .account(AccountId::new(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.name.as_str(), "WhatsApp");
    assert_eq!(a.sid.as_ref().map(|s| s.as_str()), Some(WA_SID));
    assert_eq!(token_of(&app, a.id).await, WA_TOKEN);
    app.stop().await;
}

async fn twilio_answers(app: &TestApp, status: u16, body: serde_json::Value) {
    Mock::given(method("GET"))
        .and(path(format!("/2010-04-01/Accounts/{WA_SID}.json")))
        .and(basic_auth(WA_SID, WA_TOKEN))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&app.twilio)
        .await;
}

fn account_resource(status: &str, kind: &str) -> serde_json::Value {
    serde_json::json!({
        "sid": WA_SID,
        "auth_token": WA_TOKEN,
        "friendly_name": "Acme",
        "status": status,
        "type": kind,
    })
}

#[tokio::test]
async fn validate_shows_an_active_full_account() {
    let app = spawn_app().await;
    twilio_answers(&app, 200, account_resource("active", "Full")).await;
    let mut admin = app.admin().await;
    admin.get("/admin/accounts/1").await;
    let page = admin.post("/admin/accounts/1/validate", &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Status: active. Type: Full."),
        "{}",
        page.body
    );
    assert_no_token(&page, "the validate page");
    app.stop().await;
}

#[tokio::test]
async fn validate_shows_a_suspended_trial_account() {
    let app = spawn_app().await;
    twilio_answers(&app, 200, account_resource("suspended", "Trial")).await;
    let mut admin = app.admin().await;
    admin.get("/admin/accounts/1").await;
    let page = admin.post("/admin/accounts/1/validate", &[]).await;
    assert!(
        page.body.contains("Status: suspended. Type: Trial.")
            && page.body.contains("reactivate it in the Twilio console"),
        "{}",
        page.body
    );
    assert_no_token(&page, "the validate page");
    app.stop().await;
}

#[tokio::test]
async fn validate_says_when_twilio_refuses_the_credentials_or_fails() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    admin.get("/admin/accounts/1").await;
    let cases = [
        (
            401,
            serde_json::json!({"code": 20003, "message": "Authenticate"}),
            "Twilio refused the Account SID and Auth token",
        ),
        (
            404,
            serde_json::json!({"code": 20404, "message": "The requested resource was not found"}),
            "Twilio does not know the account AC11111111111111111111111111111111",
        ),
        (
            500,
            serde_json::json!({}),
            "Twilio answered 500: Internal Server Error",
        ),
    ];
    for (status, body, message) in cases {
        app.twilio.reset().await;
        Mock::given(method("GET"))
            .and(path_regex(r"^/2010-04-01/Accounts/AC[0-9a-f]{32}\.json$"))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .mount(&app.twilio)
            .await;
        let page = admin.post("/admin/accounts/1/validate", &[]).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(message), "{status}: {}", page.body);
        assert_no_token(&page, "the validate page");
    }
    app.stop().await;
}

#[tokio::test]
async fn validate_says_when_twilio_does_not_answer_in_time() {
    let app = spawn_app().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(3)))
        .mount(&app.twilio)
        .await;
    let mut admin = app.admin().await;
    admin.get("/admin/accounts/1").await;
    let page = admin.post("/admin/accounts/1/validate", &[]).await;
    assert!(
        page.body.contains("Twilio did not answer in time."),
        "{}",
        page.body
    );
    app.stop().await;
}

#[tokio::test]
async fn the_callback_page_shows_both_urls_with_copy_buttons() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let page = admin.get("/admin/accounts/2/callback").await;
    assert_eq!(page.status, StatusCode::OK);
    let inbound = app.inbound_url(&app.fx.sms_account);
    let status = app.status_url(&app.fx.sms_account);
    assert!(page.body.contains(&format!("data-copy=\"{inbound}\"")));
    assert!(page.body.contains(&format!("data-copy=\"{status}\"")));
    assert_eq!(page.body.matches("class=\"copy\"").count(), 2);
    assert_no_token(&page, "the callback page");
    app.stop().await;
}

#[tokio::test]
async fn unknown_or_mismatched_ids_answer_404() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    for path in [
        "/admin/accounts/99",
        "/admin/accounts/abc",
        "/admin/accounts/99/callback",
        "/admin/accounts/99/delete",
        "/admin/accounts/99/setup/numbers",
        "/admin/accounts/1/numbers/2/delete",
        "/admin/accounts/1/numbers/99/delete",
    ] {
        assert_eq!(
            admin.get(path).await.status,
            StatusCode::NOT_FOUND,
            "GET {path}"
        );
    }
    admin.get("/admin/accounts").await;
    for path in [
        "/admin/accounts/99",
        "/admin/accounts/99/validate",
        "/admin/accounts/99/delete",
        "/admin/accounts/99/numbers",
        "/admin/accounts/1/numbers/2/delete",
    ] {
        assert_eq!(
            admin.post(path, &[]).await.status,
            StatusCode::NOT_FOUND,
            "POST {path}"
        );
    }
    assert_eq!(number_count(&app).await, 2);
    app.stop().await;
}

#[tokio::test]
async fn deleting_a_number_asks_first_counts_its_open_conversations_and_keeps_them() {
    let app = spawn_app().await;
    twilio_knows_every_account(&app).await;
    let conversation = app.customer_writes_wa("Hello").await;
    let mut admin = app.admin().await;
    let confirm = admin.get("/admin/accounts/1/numbers/1/delete").await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(
        confirm
            .body
            .contains("1 open conversation uses this number"),
        "{}",
        confirm.body
    );
    assert!(confirm.body.contains("class=\"danger\""));
    assert_eq!(number_count(&app).await, 2, "GET deletes nothing");
    let sms = admin.get("/admin/accounts/2/numbers/2/delete").await;
    assert!(
        sms.body
            .contains("0 open conversations use this number; their conversations stay readable.")
    );

    let deleted = admin.post("/admin/accounts/1/numbers/1/delete", &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(
        deleted.location.as_deref(),
        Some("/admin/accounts/1?number_deleted=1")
    );
    let store = app.desk().store();
    assert!(store.number(NumberId::new(1)).await.unwrap().is_none());
    let ws = store.workstreams().await.unwrap();
    assert!(
        ws[0].numbers.is_empty(),
        "the workstream no longer lists it"
    );
    assert_eq!(app.conversation(conversation.id).await.id, conversation.id);
    assert_eq!(
        app.messages(conversation.id).await.len(),
        1,
        "messages stay"
    );
    let resp = app.post_inbound_wa(&wa_form(&new_sid(), "Anyone?")).await;
    assert_eq!(resp.status(), 404, "the number is no longer taken in");

    let again = admin
        .post(
            "/admin/accounts/1/numbers",
            &[("name", "Back"), ("number", WA_BUSINESS)],
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::SEE_OTHER,
        "the address is free again"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_reply_waiting_on_a_deleted_number_ends_failed_with_the_reason() {
    let app = spawn_app().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&app.twilio)
        .await;
    let conversation = app.customer_writes_wa("Hello").await;
    let reply = app
        .reply(conversation.id, "We are on it")
        .await
        .expect("queued");
    eventually("the first attempt failed and will be retried", || async {
        let jobs = app.desk().store().pending_jobs_now().unwrap();
        jobs.iter().any(|j| j.attempts == 1).then_some(())
    })
    .await;
    let mut admin = app.admin().await;
    admin.get("/admin/accounts/1/numbers/1/delete").await;
    let deleted = admin.post("/admin/accounts/1/numbers/1/delete", &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    let msg = app
        .desk()
        .store()
        .message(conversation.id, reply.seq)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(msg.status, MessageStatus::Failed);
    assert_eq!(
        msg.failure.map(|f| f.message).as_deref(),
        Some(NUMBER_DELETED)
    );
    assert!(app.desk().store().pending_jobs_now().unwrap().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn deleting_an_account_removes_its_webhook_and_keeps_its_conversations() {
    let app = spawn_app().await;
    let conversation = app.customer_writes_wa("Hello").await;
    let mut admin = app.admin().await;
    let confirm = admin.get("/admin/accounts/1/delete").await;
    assert!(
        confirm
            .body
            .contains("1 open conversation uses this account"),
        "{}",
        confirm.body
    );
    assert!(confirm.body.contains("class=\"danger\""));
    assert_no_token(&confirm, "the delete page");
    let sms = admin.get("/admin/accounts/2/delete").await;
    assert!(
        sms.body
            .contains("0 open conversations use this account; their conversations stay readable.")
    );
    assert_eq!(account_count(&app).await, 2, "GET deletes nothing");

    let deleted = admin.post("/admin/accounts/1/delete", &[]).await;
    assert_eq!(
        deleted.location.as_deref(),
        Some("/admin/accounts?deleted=1")
    );
    let list = admin.get("/admin/accounts?deleted=1").await;
    assert!(list.body.contains("Account deleted."));
    assert!(!list.body.contains("href=\"/admin/accounts/1\""));
    assert_eq!(
        admin.get("/admin/accounts/1").await.status,
        StatusCode::NOT_FOUND
    );

    assert_eq!(
        app.post_inbound_wa(&wa_form(&new_sid(), "Hi"))
            .await
            .status(),
        404
    );
    let status = pairs(&[("MessageSid", &new_sid()), ("MessageStatus", "delivered")]);
    assert_eq!(app.post_status_wa(&status).await.status(), 404);
    let store = app.desk().store();
    assert!(store.number(app.fx.wa_number.id).await.unwrap().is_none());
    assert!(store.workstreams().await.unwrap()[0].numbers.is_empty());
    assert_eq!(
        app.messages(conversation.id).await.len(),
        1,
        "messages stay"
    );
    assert_eq!(
        app.conversation(conversation.id).await.account_id,
        AccountId::new(1)
    );
    assert_eq!(
        number_count(&app).await,
        1,
        "the SMS account keeps its number"
    );
    app.stop().await;
}
