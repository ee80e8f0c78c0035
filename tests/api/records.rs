//! Stored records as the product meets them: a corrupt record is an error page and is never saved
//! over, the CLI creates through the admin console's rules, and automated messages speak the
//! workstream's language.

use crate::distribution::goodbye_after_ending;
use crate::helpers::*;
use crate::operations::omnidesk;
use omnidesk::domain::Channel;
use omnidesk::domain::WorkstreamId;
use omnidesk::domain::automated::{AutomatedText, Locale, OverrideKey, Trigger};
use omnidesk::domain::language::LanguageCode;
use omnidesk::store::StoreError;
use omnidesk::store::tables::{TEMPLATE_RECORD, WORKSTREAM_RECORD};
use omnidesk::store::workstreams::{SetupChange, WorkstreamRefusal};
use reqwest::StatusCode;
use std::path::Path;

/// A version-2 workstream record cut after its id: what a torn or hand-edited file could hold.
const CORRUPT: &[u8] = &[2, 1];

async fn raw_workstream(app: &TestApp, id: u64) -> Option<Vec<u8>> {
    app.desk()
        .store()
        .read(move |rtx| {
            let table = rtx.open_table(WORKSTREAM_RECORD)?;
            Ok(table.get(id)?.map(|g| g.value().to_vec()))
        })
        .await
        .unwrap()
}

async fn overwrite_workstream(app: &TestApp, id: u64, bytes: &'static [u8]) {
    app.desk()
        .store()
        .write(move |tx| {
            tx.open_table(WORKSTREAM_RECORD)?.insert(id, bytes)?;
            Ok(())
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_corrupt_workstream_is_an_error_page_and_a_save_does_not_overwrite_it() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let ws = app.fx_workstream().await;
    let shown = admin.get(&format!("/admin/workstreams/{}", ws.get())).await;
    assert_eq!(shown.status, StatusCode::OK);
    overwrite_workstream(&app, ws.get(), CORRUPT).await;

    let page = admin.get(&format!("/admin/workstreams/{}", ws.get())).await;
    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(page.body.contains("A stored record could not be read"));
    assert!(!page.body.contains("name=\"fallback_queue\""), "no form");

    let saved = admin
        .post(
            &format!("/admin/workstreams/{}", ws.get()),
            &[("name", "Renamed"), ("fallback_queue", "Main")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        raw_workstream(&app, ws.get()).await.as_deref(),
        Some(CORRUPT),
        "the corrupt record is still there to be repaired, not replaced by defaults"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_corrupt_record_is_an_error_naming_its_table_and_key() {
    let app = spawn_app().await;
    let id = app.fx.body_template;
    app.desk()
        .store()
        .write(move |tx| {
            tx.open_table(TEMPLATE_RECORD)?
                .insert(id.get(), &[2, 0xff, 0xff, 0xff][..])?;
            Ok(())
        })
        .await
        .unwrap();
    match app.desk().store().template(id).await {
        Err(StoreError::Corrupt { table, key, .. }) => {
            assert_eq!((table, key), ("template_record", id.get().to_string()));
        }
        other => panic!("expected a corrupt-record error, got {other:?}"),
    }
    let intact = app.desk().store().template(app.fx.content_template).await;
    assert!(intact.unwrap().is_some(), "the other templates still read");
    let err = app
        .desk()
        .store()
        .templates()
        .await
        .unwrap_err()
        .to_string();
    let named = format!(
        "stored record template_record/{} is corrupt: layout version 2 does not parse: ",
        id.get()
    );
    assert!(err.starts_with(&named), "{err}");
    app.stop().await;
}

#[tokio::test]
async fn ending_a_spanish_workstreams_conversation_sends_the_spanish_goodbye() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let ws = app.fx_workstream().await;
    let store = app.desk().store();
    let spanish = LanguageCode::parse("es").unwrap();
    store
        .save_workstream_setup(ws, SetupChange::Language(spanish))
        .await
        .unwrap()
        .unwrap();
    // The channel's Spanish text: the customer's own locale is not known, so only the
    // workstream's language can lead here.
    let key = OverrideKey {
        trigger: Trigger::AgentEnded,
        channel: Channel::WhatsApp,
        workstream: None,
        locale: Locale::parse("es").unwrap(),
    };
    let text = AutomatedText::parse(Trigger::AgentEnded, "Gracias por escribirnos.").unwrap();
    store
        .set_automated_override(key, text, app.clock.now())
        .await
        .unwrap()
        .unwrap();
    let (_, body) = goodbye_after_ending(&app, ws, "gracias, es todo").await;
    assert_eq!(body, "Gracias por escribirnos.");
    app.stop().await;
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let (ok, out, err) = omnidesk(dir, args, "");
    assert!(ok, "{args:?} failed: {err}");
    out
}

fn refused(dir: &Path, args: &[&str]) -> String {
    let (ok, _, err) = omnidesk(dir, args, "");
    assert!(!ok, "{args:?} was accepted");
    err
}

#[test]
fn the_cli_creates_through_the_admin_consoles_rules() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    ok(
        dir,
        &[
            "account",
            "add",
            "--name",
            "Support",
            "--channel",
            "whatsapp",
            "--simulator",
        ],
    );
    let unnamed = [
        "account",
        "add",
        "--name",
        " ",
        "--channel",
        "sms",
        "--simulator",
    ];
    assert!(refused(dir, &unnamed).contains("Enter the name."));
    let number = [
        "number",
        "add",
        "--account",
        "1",
        "--number",
        "+14155550199",
    ];
    ok(
        dir,
        &[&number[..], &["--kind", "whatsapp", "--name", "Support"]].concat(),
    );
    let ws = ["workstream", "add", "--channel", "whatsapp", "--name"];
    assert!(
        ok(
            dir,
            &[&ws[..], &["WhatsApp support", "--numbers", "1"]].concat()
        )
        .contains("workstream 1 added")
    );

    let duplicate = refused(dir, &[&ws[..], &["whatsapp SUPPORT"]].concat());
    let console = WorkstreamRefusal::DuplicateName("whatsapp SUPPORT".into()).to_string();
    assert_eq!(
        console,
        "A workstream named whatsapp SUPPORT already exists."
    );
    assert!(duplicate.contains(&console), "{duplicate}");
    let in_use = refused(dir, &[&ws[..], &["Sales", "--numbers", "1"]].concat());
    assert!(
        in_use.contains("+14155550199 already serves another workstream."),
        "{in_use}"
    );
    let blank = refused(dir, &[&ws[..], &["  "]].concat());
    assert!(blank.contains("Enter a name."), "{blank}");

    let template = [
        "template",
        "add",
        "--text",
        "Hi {{1}}",
        "--workstreams",
        "1",
        "--name",
    ];
    ok(dir, &[&template[..], &["order_update"]].concat());
    let again = refused(dir, &[&template[..], &["order_update"]].concat());
    assert!(
        again.contains("A template named order_update already exists for language en."),
        "{again}"
    );
    let bad = refused(dir, &[&template[..], &["Order Update"]].concat());
    assert!(
        bad.contains("Use only lowercase letters, digits and underscores"),
        "{bad}"
    );
    let language = refused(
        dir,
        &[
            "template",
            "add",
            "--name",
            "x",
            "--text",
            "Hi",
            "--language",
            "e",
        ],
    );
    assert!(
        language.contains("Use a language code like en"),
        "{language}"
    );
}

impl TestApp {
    /// The fixture's WhatsApp workstream.
    async fn fx_workstream(&self) -> WorkstreamId {
        let all = self.desk().store().workstreams().await.unwrap();
        all.into_iter()
            .find(|w| w.channel == Channel::WhatsApp)
            .expect("the fixture's workstream")
            .id
    }
}
