//! Accounts and numbers in the configuration file: a new account without its auth token is
//! added disabled until an admin sets it, the CLI asks for each token one line at a time, and
//! changes to existing accounts and numbers apply (an account's SID only while no token is
//! stored for it).

use crate::fake_twilio::{FakeAccount, twilio_knows};
use crate::helpers::*;
use crate::operations::omnidesk;
use omnidesk::domain::AccountId;
use reqwest::StatusCode;

const NEW_SID: &str = "AC33333333333333333333333333333333";
const NEW_TOKEN: &str = "backup-token-0123456789abcdef";
const NEW_NUMBER: &str = "+14155550188";

/// `text` with a new SMS account "Backup SMS" and a number of it.
fn with_backup_account(text: &str) -> String {
    text.replacen(
        "[[accounts]]",
        &format!(
            "[[accounts]]\nname = \"Backup SMS\"\nchannel = \"Sms\"\nprovider = \"Twilio\"\n\
             sid = \"{NEW_SID}\"\n\n[[accounts]]"
        ),
        1,
    )
    .replacen(
        "[[numbers]]",
        &format!(
            "[[numbers]]\nnumber = \"{NEW_NUMBER}\"\nchannel = \"Sms\"\nkind = \"LongCode\"\n\
             account = \"Backup SMS\"\n\n[[numbers]]"
        ),
        1,
    )
}

async fn backup_account(app: &TestApp) -> omnidesk::store::records::Account {
    let accounts = app.desk().store().accounts().await.unwrap();
    accounts
        .into_iter()
        .find(|a| a.name.as_str() == "Backup SMS")
        .expect("the account was added")
}

async fn post_to_backup(app: &TestApp, token: &str) -> reqwest::Response {
    let a = backup_account(app).await;
    let form = with(
        with(sms_form(&new_sid(), "hello"), "AccountSid", NEW_SID),
        "To",
        NEW_NUMBER,
    );
    app.post_signed(&app.inbound_url(&a), token, &form).await
}

#[tokio::test]
async fn a_new_account_imported_without_its_token_is_disabled_until_an_admin_sets_it() {
    let app = spawn_app().await;
    let text = with_backup_account(&app.desk().export_config().await.unwrap());
    let report = app
        .desk()
        .import_config(&text, false, "", None)
        .await
        .unwrap()
        .unwrap();
    let out = report.to_string();
    assert!(out.contains("accounts:\n  add Backup SMS"), "{out}");
    assert!(
        out.contains("the new account Backup SMS stays disabled until its auth token is set"),
        "{out}"
    );
    let a = backup_account(&app).await;
    assert!(a.awaits_token(), "{a:?}");

    let refused = post_to_backup(&app, "any-token").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let why = refused.text().await.unwrap();
    assert!(
        why.contains("disabled until its auth token is set"),
        "{why}"
    );

    let mut admin = app.admin().await;
    let list = admin.get("/admin/accounts").await;
    assert!(
        list.body.contains("Disabled: set its auth token"),
        "{}",
        list.body
    );
    let page = admin.get(&format!("/admin/accounts/{}", a.id.get())).await;
    let action = format!("/admin/accounts/{}/token", a.id.get());
    assert!(page.body.contains(&action), "{}", page.body);

    twilio_knows(
        &app.twilio,
        vec![FakeAccount::active(NEW_SID, NEW_TOKEN, &[NEW_NUMBER])],
    )
    .await;
    let wrong = admin
        .post(&action, &[("auth_token", "wrong-token-1234")])
        .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );
    assert!(wrong.body.contains("Twilio refused"), "{}", wrong.body);
    assert!(backup_account(&app).await.awaits_token());
    let forged = admin
        .post_raw(
            &action,
            &pairs(&[("csrf", "not-the-token"), ("auth_token", NEW_TOKEN)]),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.body);
    assert!(backup_account(&app).await.awaits_token());

    let set = admin.post(&action, &[("auth_token", NEW_TOKEN)]).await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    assert!(!backup_account(&app).await.awaits_token());
    let list = admin.get("/admin/accounts").await;
    assert!(
        !list.body.contains("Disabled: set its auth token"),
        "{}",
        list.body
    );
    let accepted = post_to_backup(&app, NEW_TOKEN).await;
    assert_ne!(accepted.status(), StatusCode::FORBIDDEN);
    assert!(accepted.status().is_success(), "{}", accepted.status());
    let exported = app.desk().export_config().await.unwrap();
    assert!(!exported.contains(NEW_TOKEN), "{exported}");
}

#[tokio::test]
async fn the_cli_asks_for_each_new_account_s_token_one_line_at_a_time() {
    let app = spawn_app().await;
    let dir = app.stop().await;
    let (ok, text, err) = omnidesk(dir.path(), &["config", "export"], "");
    assert!(ok, "{err}");
    let text = with_backup_account(&text).replacen(
        "[[accounts]]",
        "[[accounts]]\nname = \"Spare SMS\"\nchannel = \"Sms\"\nprovider = \"Twilio\"\n\
         sid = \"AC44444444444444444444444444444444\"\n\n[[accounts]]",
        1,
    );
    let file = dir.path().join("config.toml");
    std::fs::write(&file, &text).unwrap();
    let path = file.to_str().unwrap();
    // One line per new account, in file order: a token for Spare SMS, none for Backup SMS.
    let (ok, out, err) = omnidesk(
        dir.path(),
        &["config", "import", path, "--secrets-from-stdin"],
        "spare-token-0123456789\n\n",
    );
    assert!(ok, "{out}\n{err}");
    assert!(err.contains("Auth token for Spare SMS: "), "{err}");
    assert!(err.contains("Auth token for Backup SMS: "), "{err}");
    assert!(out.contains("add Spare SMS"), "{out}");
    assert!(
        out.contains("the new account Backup SMS stays disabled"),
        "{out}"
    );
    assert!(!out.contains("Spare SMS stays disabled"), "{out}");
    let (ok, after, _) = omnidesk(dir.path(), &["config", "export"], "");
    assert!(ok && after.contains("name = \"Spare SMS\""), "{after}");
    assert!(!after.contains("spare-token"), "{after}");
}

#[tokio::test]
async fn changed_accounts_and_numbers_apply_and_a_stored_token_keeps_its_sid() {
    let app = spawn_app().await;
    let text = app.desk().export_config().await.unwrap();
    let wa = app.fx.wa_account.clone();
    // A renamed account (same SID) and a relabelled number.
    let changed = text
        .replacen(
            &format!("name = \"{}\"", wa.name),
            "name = \"WhatsApp main\"",
            1,
        )
        .replacen(
            &format!("account = \"{}\"\nname = \"Support\"", wa.name),
            "account = \"WhatsApp main\"\nname = \"Front desk\"",
            1,
        );
    assert_ne!(changed, text);
    let dry = app
        .desk()
        .import_config(&changed, true, "", None)
        .await
        .unwrap()
        .unwrap()
        .to_string();
    assert!(
        dry.contains(&format!(
            "accounts:\n  change {} (renamed WhatsApp main)",
            wa.name
        )),
        "{dry}"
    );
    assert!(
        dry.contains(&format!("numbers:\n  change {WA_BUSINESS}")),
        "{dry}"
    );
    app.desk()
        .import_config(&changed, false, "", None)
        .await
        .unwrap()
        .unwrap();
    let store = app.desk().store();
    let renamed = store.account(wa.id).await.unwrap().unwrap();
    assert_eq!(renamed.name.as_str(), "WhatsApp main");
    let n = store.number(app.fx.wa_number.id).await.unwrap().unwrap();
    assert_eq!(n.name, "Front desk");
    // The token stays with the account, and the webhook still takes its messages.
    let resp = app
        .post_inbound_wa(&wa_form(&new_sid(), "still here"))
        .await;
    assert!(resp.status().is_success(), "{}", resp.status());

    // Its SID cannot change while the token is stored.
    let now = app.desk().export_config().await.unwrap();
    let other_sid = now.replacen(WA_SID, "AC99999999999999999999999999999999", 1);
    let refused = app
        .desk()
        .import_config(&other_sid, false, "", None)
        .await
        .unwrap()
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains(
            "the SID of the account WhatsApp main cannot change while its auth token is stored"
        ),
        "{refused}"
    );
    let line = other_sid
        .lines()
        .position(|l| l.contains("AC99999999"))
        .unwrap()
        + 1;
    assert!(refused.contains(&format!("line {line},")), "{refused}");
    assert_eq!(app.desk().export_config().await.unwrap(), now);
    let kept = store
        .account(AccountId::new(wa.id.get()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.sid, wa.sid);
}
