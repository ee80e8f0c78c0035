//! `/admin/accounts` for Azure Communication Services: the wizard's ACS account details (checked
//! field by field, nothing stored on any error, the connection string never shown again), its
//! WhatsApp channel IDs in place of numbers, and its callback information.

use crate::helpers::*;
use crate::signin::{Browser, Page};
use omnidesk::domain::AccountId;
use omnidesk::domain::sender::SenderAddress;
use omnidesk::domain::user::Role;
use omnidesk::store::records::ProviderKind;
use reqwest::StatusCode;

const KEY: &str = "c2VjcmV0LWFjY2Vzcy1rZXktb2YtY29udG9zbw==";
const CONNECTION: &str = "endpoint=https://contoso.communication.azure.com/;accesskey=c2VjcmV0LWFjY2Vzcy1rZXktb2YtY29udG9zbw==";
const APP: &str = "api://omnidesk-events";
const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CHANNEL: &str = "0f0eb78e-a576-1dfc-b414-0f0756de3338";

/// The details step's fields for a WhatsApp ACS account, with `changes` applied (an empty value
/// removes the field).
fn details<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("name", "Azure WhatsApp"),
        ("channel", "whatsapp"),
        ("provider", "acs"),
        ("acs_resource", "contoso"),
        ("acs_connection_string", CONNECTION),
        ("event_grid_app_id", APP),
        ("event_grid_tenant_id", TENANT),
        ("acs_exclusive", "on"),
    ];
    for (k, v) in changes {
        fields.retain(|(name, _)| name != k);
        if !v.is_empty() {
            fields.push((k, v));
        }
    }
    fields
}

/// Fails if the page carries an access key the tests type (they all start with "secret" in
/// base64).
fn assert_no_secret(page: &Page, what: &str) {
    assert!(
        !page.body.contains("c2VjcmV0"),
        "{what} shows an access key"
    );
}

/// Fields of the details step to change (an empty value removes one).
type Changes = Vec<(&'static str, &'static str)>;

async fn account_count(app: &TestApp) -> usize {
    app.desk().store().accounts().await.unwrap().len()
}

async fn create(admin: &mut Browser) -> Page {
    admin.get("/admin/accounts/new").await;
    admin.post("/admin/accounts", &details(&[])).await
}

#[tokio::test]
async fn the_wizard_offers_acs_and_asks_for_its_details() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    admin.get("/admin/accounts/new").await;
    let name = [("name", "Azure WhatsApp"), ("channel", "whatsapp")];
    let provider = admin.post("/admin/accounts/new/provider", &name).await;
    assert!(provider.body.contains("Azure Communication Services"));
    let fields = [name[0], name[1], ("provider", "acs")];
    let page = admin.post("/admin/accounts/new/details", &fields).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for label in [
        "ACS resource name",
        "ACS connection string",
        "Event grid app ID",
        "Event grid app tenant ID",
        "connected to this omnidesk only",
    ] {
        assert!(page.body.contains(label), "the step asks for {label}");
    }
    assert!(
        page.body
            .contains("type=\"password\" name=\"acs_connection_string\""),
        "the connection string is typed like a password"
    );
    // Which Entra value is which, as omnidesk means them (the seed has them swapped).
    assert!(
        page.body
            .contains("Application (client) ID or its Application ID URI")
    );
    assert!(page.body.contains("Directory (tenant) ID"));
    app.stop().await;
}

#[tokio::test]
async fn the_wizard_creates_an_acs_account_with_channel_ids_and_its_whatsapp_inbound_url() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let created = create(&mut admin).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert_eq!(
        created.location.as_deref(),
        Some("/admin/accounts/3/setup/numbers")
    );
    let stored = app
        .desk()
        .store()
        .account_with_token(AccountId::new(3))
        .await
        .unwrap()
        .expect("the account is stored");
    assert_eq!(stored.account.provider, ProviderKind::Acs);
    let acs = stored.account.acs.clone().expect("its ACS settings");
    assert_eq!(acs.resource.as_str(), "contoso");
    assert_eq!(acs.endpoint, "https://contoso.communication.azure.com");
    assert_eq!(acs.event_grid_app.to_string(), APP);
    assert_eq!(acs.event_grid_tenant.to_string(), TENANT);
    assert_eq!(
        stored.auth_token.as_ref().map(|t| t.expose()),
        Some(CONNECTION),
        "the connection string is kept (sealed)"
    );

    let step = admin.get("/admin/accounts/3/setup/numbers").await;
    assert!(
        step.body.contains("name=\"channel_id\""),
        "channel IDs, not numbers"
    );
    assert!(!step.body.contains("name=\"number\""));
    let upper = CHANNEL.to_uppercase();
    let added = admin
        .post(
            "/admin/accounts/3/setup/numbers",
            &[("name", "Contoso care"), ("channel_id", upper.as_str())],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let senders = app
        .desk()
        .store()
        .numbers_of(AccountId::new(3))
        .await
        .unwrap();
    assert_eq!(senders.len(), 1);
    assert!(matches!(&senders[0].number, SenderAddress::AcsChannel(c) if c.as_str() == CHANNEL));
    assert_eq!(senders[0].name, "Contoso care");

    let callback = admin.get("/admin/accounts/3/setup/callback").await;
    let url = format!(
        "{}/webhooks/acs/{}",
        app.address,
        stored.account.webhook_key.as_str()
    );
    assert!(callback.body.contains("WhatsApp inbound URL"));
    assert!(callback.body.contains(&url), "the per-account inbound URL");
    assert!(
        callback
            .body
            .contains("Add the WhatsApp endpoint to Azure Communication Services resource")
    );
    let mut pages = vec![created, step, callback];
    pages.push(admin.get("/admin/accounts/3").await);
    pages.push(admin.get("/admin/accounts/3/callback").await);
    pages.push(admin.get("/admin/accounts").await);
    for (i, p) in pages.iter().enumerate() {
        assert_no_secret(p, &format!("page {i}"));
    }
    assert!(pages[3].body.contains("Azure Communication Services"));
    assert!(
        pages[3].body.contains(CHANNEL),
        "the account page lists its channel ID"
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_acs_details_are_refused_beside_their_fields_and_nothing_is_stored() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    admin.get("/admin/accounts/new").await;
    let cases: Vec<(Changes, &str, &str)> = vec![
        (
            vec![("acs_resource", "-contoso")],
            "An ACS resource name has 1 to 63 letters",
            "a resource name Azure does not allow",
        ),
        (
            vec![("acs_connection_string", "")],
            "Enter the ACS connection string.",
            "no connection string",
        ),
        (
            vec![("acs_connection_string", "accesskey=c2VjcmV0")],
            "no endpoint",
            "a connection string without its endpoint",
        ),
        (
            vec![(
                "acs_connection_string",
                "endpoint=https://contoso.communication.azure.com/;accesskey=not base64!",
            )],
            "accesskey is not base64",
            "a key that is not base64",
        ),
        (
            vec![(
                "acs_connection_string",
                "endpoint=https://fabrikam.communication.azure.com/;accesskey=c2VjcmV0",
            )],
            "fabrikam",
            "another resource's connection string",
        ),
        (
            vec![("event_grid_app_id", "omnidesk")],
            "The Event grid app ID is the Entra application",
            "an app ID that is neither a GUID nor a URI",
        ),
        (
            vec![("event_grid_tenant_id", "contoso.onmicrosoft.com")],
            "The Event grid app tenant ID is the Entra tenant",
            "a tenant that is not a GUID",
        ),
        (
            vec![(
                "event_grid_tenant_id",
                "72f988bf-86f1-41af-91ab-2d7cd011db4",
            )],
            "The Event grid app tenant ID is the Entra tenant",
            "a GUID one digit short",
        ),
        (
            vec![("acs_exclusive", "")],
            "connected to this omnidesk only",
            "the confirmation is missing",
        ),
    ];
    for (changes, message, why) in cases {
        let page = admin.post("/admin/accounts", &details(&changes)).await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{why}: {}",
            page.body
        );
        assert!(page.body.contains(message), "{why}: expected {message:?}");
        assert!(
            page.body.contains("aria-current=\"step\">Account details"),
            "{why}: back at the details"
        );
        assert!(page.body.contains("value=\"contoso\"") || why.contains("resource name"));
        assert_no_secret(&page, why);
        assert_eq!(account_count(&app).await, 2, "{why}: nothing stored");
    }
    // ACS serves WhatsApp only: the provider step says so.
    let sms = [
        ("name", "Azure SMS"),
        ("channel", "sms"),
        ("provider", "acs"),
    ];
    let page = admin.post("/admin/accounts/new/details", &sms).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body
            .contains("Azure Communication Services serves WhatsApp here")
    );
    let page = admin
        .post("/admin/accounts", &details(&[("channel", "sms")]))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_no_secret(&page, "the SMS attempt");
    assert_eq!(account_count(&app).await, 2, "nothing stored");
    app.stop().await;
}

#[tokio::test]
async fn a_channel_id_must_be_a_guid_and_is_configured_once() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    create(&mut admin).await;
    let add = "/admin/accounts/3/numbers";
    for (id, message, why) in [
        ("", "Enter the Channel ID.", "empty"),
        ("0f0eb78e-a576-1dfc-b414", "is not a GUID", "too short"),
        ("+14155550100", "is not a GUID", "a phone number"),
    ] {
        let page = admin
            .post(add, &[("name", "Care"), ("channel_id", id)])
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert!(page.body.contains(message), "{why}: {message:?}");
    }
    let ok = admin
        .post(add, &[("name", "Care"), ("channel_id", CHANNEL)])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let again = admin
        .post(add, &[("name", "Again"), ("channel_id", CHANNEL)])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("is already configured"));
    let senders = app
        .desk()
        .store()
        .numbers_of(AccountId::new(3))
        .await
        .unwrap();
    assert_eq!(senders.len(), 1, "one channel ID stored");
    app.stop().await;
}

#[tokio::test]
async fn acs_account_pages_are_for_admins_only() {
    let app = spawn_app().await;
    for (role, email) in [
        (Role::Agent, "agent@example.com"),
        (Role::Supervisor, "sup@example.com"),
    ] {
        let mut b = app.signed_in(role, email).await;
        let page = b.post("/admin/accounts", &details(&[])).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{role}");
    }
    // Without the form's CSRF token even an admin's post is refused.
    let mut admin = app.admin().await;
    let mut form: Vec<(String, String)> = details(&[])
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    form.push(("csrf".into(), "forged".into()));
    let page = admin.post_raw("/admin/accounts", &form).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(account_count(&app).await, 2);
    app.stop().await;
}

#[test]
fn the_cli_adds_an_acs_account_with_its_channel_ids_and_lists_its_inbound_url() {
    use crate::operations::omnidesk;
    let dir = tempfile::tempdir().unwrap();
    let second = "5d8f3a2e-1b4c-4e6f-9a0b-7c2d1e3f4a5b";
    let args = |extra: &[&'static str]| {
        let mut a = vec![
            "account",
            "add",
            "--provider",
            "acs",
            "--name",
            "Azure",
            "--resource",
            "contoso",
            "--event-grid-app-id",
            APP,
            "--event-grid-tenant-id",
            TENANT,
        ];
        a.extend_from_slice(extra);
        a
    };
    for (extra, stdin, reason, why) in [
        (
            vec!["--channel", "Care=not-a-guid"],
            CONNECTION,
            "is not a GUID",
            "a bad channel ID",
        ),
        (
            vec!["--channel", "Care=0f0eb78e-a576-1dfc-b414-0f0756de3338"],
            "endpoint=https://contoso.communication.azure.com/",
            "accesskey",
            "a connection string without its key",
        ),
        (vec![], CONNECTION, "--channel", "no channel ID"),
    ] {
        let mut a = args(&[]);
        a.extend(extra);
        let (ok, _, err) = omnidesk(dir.path(), &a, stdin);
        assert!(!ok, "{why}: accepted");
        assert!(err.contains(reason), "{why}: {err}");
        assert!(!err.contains(KEY), "{why}: the key is not repeated");
    }
    let (ok, out, err) = omnidesk(
        dir.path(),
        &args(&[
            "--channel",
            "Care=0F0EB78E-A576-1DFC-B414-0F0756DE3338",
            "--channel",
            "Sales=5d8f3a2e-1b4c-4e6f-9a0b-7c2d1e3f4a5b",
        ]),
        &format!("{CONNECTION}\n"),
    );
    assert!(ok, "{err}");
    assert!(out.contains("account 1 created"), "{out}");
    assert!(out.contains(&format!("Care: {CHANNEL}")), "{out}");
    assert!(out.contains(&format!("Sales: {second}")), "{out}");
    let (ok, out, _) = omnidesk(dir.path(), &["account", "list"], "");
    assert!(ok);
    assert!(
        out.contains("WhatsApp inbound URL: https://desk.example.org/webhooks/acs/"),
        "{out}"
    );
    assert!(!out.contains(KEY));
    let raw = std::fs::read(dir.path().join("omnidesk.redb")).unwrap();
    assert!(
        !raw.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
        "the connection string is sealed at rest"
    );
}

/// `text` with an ACS account "Azure" and a channel ID of it (`acs` overrides its settings).
fn with_acs_account(text: &str, tenant: &str) -> String {
    text.replacen(
        "[[accounts]]",
        &format!(
            "[[accounts]]\nname = \"Azure\"\nchannel = \"WhatsApp\"\nprovider = \"Acs\"\n\n\
             [accounts.acs]\nresource = \"contoso\"\n\
             endpoint = \"https://contoso.communication.azure.com\"\n\
             event_grid_app_id = \"{APP}\"\nevent_grid_tenant_id = \"{tenant}\"\n\n[[accounts]]"
        ),
        1,
    )
    .replacen(
        "[[numbers]]",
        &format!(
            "[[numbers]]\nnumber = \"{CHANNEL}\"\nchannel = \"WhatsApp\"\nkind = \"WhatsApp\"\n\
             account = \"Azure\"\nname = \"Care\"\n\n[[numbers]]"
        ),
        1,
    )
}

#[tokio::test]
async fn the_configuration_file_carries_acs_accounts_without_their_connection_string() {
    let app = spawn_app().await;
    let text = app.desk().export_config().await.unwrap();

    let bad = with_acs_account(&text, "contoso.onmicrosoft.com");
    let refused = app
        .desk()
        .import_config(&bad, false, "", None)
        .await
        .unwrap();
    let why = refused
        .expect_err("a tenant that is no GUID is refused")
        .to_string();
    assert!(why.contains("Event grid app tenant ID"), "{why}");
    assert_eq!(account_count(&app).await, 2, "nothing was added");

    let good = with_acs_account(&text, TENANT);
    let report = app
        .desk()
        .import_config(&good, false, "", None)
        .await
        .unwrap()
        .unwrap()
        .to_string();
    assert!(
        report.contains("the new account Azure stays disabled until its connection string is set"),
        "{report}"
    );
    let accounts = app.desk().store().accounts().await.unwrap();
    let azure = accounts
        .iter()
        .find(|a| a.name.as_str() == "Azure")
        .unwrap();
    assert!(azure.awaits_token(), "it waits for its connection string");
    let senders = app.desk().store().numbers_of(azure.id).await.unwrap();
    assert_eq!(senders[0].number.as_str(), CHANNEL);
    let exported = app.desk().export_config().await.unwrap();
    assert!(
        exported.contains("endpoint = \"https://contoso.communication.azure.com\"")
            && exported.contains(&format!("event_grid_tenant_id = \"{TENANT}\"")),
        "{exported}"
    );
    let again = app
        .desk()
        .import_config(&exported, true, "", None)
        .await
        .unwrap()
        .unwrap()
        .to_string();
    assert!(
        !again.contains("Azure"),
        "the export imports as no change: {again}"
    );

    // The admin sets the connection string; one for another endpoint is refused.
    let mut admin = app.admin().await;
    let page = admin
        .get(&format!("/admin/accounts/{}", azure.id.get()))
        .await;
    assert!(
        page.body.contains("Disabled: set its connection string"),
        "{}",
        page.body
    );
    let action = format!("/admin/accounts/{}/token", azure.id.get());
    let other = "endpoint=https://contoso-eu.communication.azure.com/;accesskey=c2VjcmV0";
    let wrong = admin
        .post(&action, &[("acs_connection_string", other)])
        .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );
    assert_no_secret(&wrong, "the refusal");
    let set = admin
        .post(&action, &[("acs_connection_string", CONNECTION)])
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let stored = app
        .desk()
        .store()
        .account_with_token(azure.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.auth_token.as_ref().map(|t| t.expose()),
        Some(CONNECTION)
    );
    let exported = app.desk().export_config().await.unwrap();
    assert!(!exported.contains(KEY), "the secret is never in the file");
    app.stop().await;
}

#[tokio::test]
async fn the_account_page_replaces_the_connection_string_only_with_one_for_its_endpoint() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    create(&mut admin).await;
    let page = admin.get("/admin/accounts/3").await;
    assert!(page.body.contains("Replace ACS connection string"));
    assert!(page.body.contains("•••• stored"), "masked");
    assert_no_secret(&page, "the account page");
    let secret = || async {
        let a = app
            .desk()
            .store()
            .account_with_token(AccountId::new(3))
            .await;
        a.unwrap().unwrap().auth_token.unwrap().expose().to_owned()
    };
    let other = "endpoint=https://contoso-eu.communication.azure.com/;accesskey=c2VjcmV0";
    for (value, message, why) in [
        (other, "for the resource", "another resource's endpoint"),
        ("accesskey=c2VjcmV0", "no endpoint", "no endpoint"),
    ] {
        let page = admin
            .post(
                "/admin/accounts/3",
                &[("name", "Azure WhatsApp"), ("acs_connection_string", value)],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert!(page.body.contains(message), "{why}: {message:?}");
        assert_no_secret(&page, why);
        assert_eq!(secret().await, CONNECTION, "{why}: unchanged");
    }
    let rotated =
        "endpoint=https://contoso.communication.azure.com/;accesskey=c2VjcmV0LXJvdGF0ZWQ=";
    let saved = admin
        .post(
            "/admin/accounts/3",
            &[
                ("name", "Azure WhatsApp"),
                ("acs_connection_string", rotated),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(secret().await, rotated);
    let renamed = admin
        .post("/admin/accounts/3", &[("name", "Azure care")])
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        secret().await,
        rotated,
        "an empty field keeps the stored one"
    );
    assert_no_secret(&admin.get("/admin/accounts/3").await, "after the change");
    app.stop().await;
}
