//! The workstream's survey setting: chosen on the setup's Behaviors step (none, an external
//! link, omnidesk's built-in survey with its message and question), checked with the reason
//! beside the field, and carried by the configuration file.

use crate::config_file::{export, import};
use crate::distribution::wa_workstream;
use crate::helpers::*;
use crate::signin::Browser;
use omnidesk::domain::WorkstreamId;
use omnidesk::domain::workstream::Survey;
use reqwest::StatusCode;

/// Fields posted, the field the error is beside, the error, and why the fields are bad.
type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str, &'a str);

fn behaviors(ws: WorkstreamId) -> String {
    format!("/admin/workstreams/{}/setup/behaviors", ws.get())
}

async fn survey_of(app: &TestApp, ws: WorkstreamId) -> Option<Survey> {
    app.desk()
        .store()
        .workstream(ws)
        .await
        .unwrap()
        .unwrap()
        .survey
}

async fn save(
    admin: &mut Browser,
    ws: WorkstreamId,
    fields: &[(&str, &str)],
) -> crate::signin::Page {
    admin.get(&behaviors(ws)).await;
    admin.post(&behaviors(ws), fields).await
}

#[tokio::test]
async fn an_admin_chooses_the_built_in_survey_with_its_message_and_question() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let mut admin = app.admin().await;
    let form = admin.get(&behaviors(ws)).await;
    for shown in [
        "<select name=\"survey\" id=\"f-survey\">",
        "<option value=\"built-in\">",
        "<option value=\"none\" selected>",
        "name=\"survey_question\"",
    ] {
        assert!(form.body.contains(shown), "{shown} in {}", form.body);
    }
    let saved = save(
        &mut admin,
        ws,
        &[
            ("survey", "built-in"),
            // The built-in survey makes its own link: a leftover one is not used.
            ("survey_link", "not a link"),
            ("survey_message", "Rate us:"),
            ("survey_question", "Was it good?"),
        ],
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        survey_of(&app, ws).await,
        Some(Survey::BuiltIn {
            message: "Rate us:".into(),
            question: "Was it good?".into()
        })
    );
    let again = admin.get(&behaviors(ws)).await;
    assert!(again.body.contains("<option value=\"built-in\" selected>"));
    assert!(again.body.contains("value=\"Was it good?\""));
    let summary = admin
        .get(&format!("/admin/workstreams/{}/setup/summary", ws.get()))
        .await;
    assert!(
        summary
            .body
            .contains(&escaped("omnidesk's one-question survey — Was it good?")),
        "{}",
        summary.body
    );

    let link = save(
        &mut admin,
        ws,
        &[("survey", "link"), ("survey_link", "https://example.com/s")],
    )
    .await;
    assert_eq!(link.status, StatusCode::SEE_OTHER, "{}", link.body);
    assert!(matches!(
        survey_of(&app, ws).await,
        Some(Survey::Link { .. })
    ));
    let none = save(
        &mut admin,
        ws,
        &[("survey", "none"), ("survey_link", "https://example.com/s")],
    )
    .await;
    assert_eq!(none.status, StatusCode::SEE_OTHER);
    assert_eq!(survey_of(&app, ws).await, None, "none clears the survey");
    app.stop().await;
}

#[tokio::test]
async fn a_bad_survey_setting_is_refused_beside_its_field_and_changes_nothing() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let mut admin = app.admin().await;
    let long_question = "q".repeat(301);
    let cases: [Case; 5] = [
        (
            &[("survey", "email")],
            "survey",
            "Choose a survey from the list.",
            "an unknown choice",
        ),
        (
            &[("survey", "link")],
            "survey_link",
            "Enter the survey link, or choose another survey.",
            "an external survey without its link",
        ),
        (
            &[("survey", "link"), ("survey_link", "http://example.com")],
            "survey_link",
            "The survey link starts with https:// and names a host, like https://example.com/survey.",
            "not https",
        ),
        (
            &[("survey", "built-in"), ("survey_question", &long_question)],
            "survey_question",
            "The survey question is at most 300 characters.",
            "a question over 300 characters",
        ),
        (
            &[("survey", "built-in"), ("survey_question", "one\ntwo")],
            "survey_question",
            "The survey question is one line without control characters.",
            "a question of two lines",
        ),
    ];
    for (fields, field, msg, why) in cases {
        let page = save(&mut admin, ws, fields).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        let beside = format!("<p class=\"error\" id=\"e-{field}\">{}</p>", escaped(msg));
        assert!(page.body.contains(&beside), "{why}: {}", page.body);
        assert_eq!(survey_of(&app, ws).await, None, "{why}: nothing stored");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_configuration_file_carries_the_built_in_survey_and_reads_older_link_sections() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    crate::survey::use_built_in_survey(&app, ws, "Rate us:", "Was it good?").await;
    let dir = app.stop().await;
    let text = export(dir.path());
    for expected in [
        "[workstreams.survey]",
        "kind = \"built-in\"",
        "message = \"Rate us:\"",
        "question = \"Was it good?\"",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    let file = dir.path().join("config.toml");
    std::fs::write(&file, &text).unwrap();
    let (ok, out, err) = import(dir.path(), &file, false);
    assert!(ok, "{err}");
    assert!(out.contains("No changes."), "{out}");

    // A fresh store takes the survey from the file.
    let fresh = spawn_app().await.stop().await;
    let (ok, out, err) = import(fresh.path(), &file, false);
    assert!(ok, "{out}\n{err}");
    assert_eq!(export(fresh.path()), text);

    // A section written before the built-in survey has no kind: it is an external link.
    let old = text.replace(
        "kind = \"built-in\"\nmessage = \"Rate us:\"\nquestion = \"Was it good?\"",
        "link = \"https://example.com/s\"\nmessage = \"Rate us:\"",
    );
    assert_ne!(old, text);
    std::fs::write(&file, &old).unwrap();
    let (ok, out, err) = import(fresh.path(), &file, false);
    assert!(ok, "{out}\n{err}");
    let now = export(fresh.path());
    assert!(now.contains("kind = \"link\""), "{now}");
    assert!(now.contains("link = \"https://example.com/s\""), "{now}");

    // A built-in survey with a link, or a question of two lines, is refused whole.
    for (bad, reason) in [
        (
            text.replace(
                "kind = \"built-in\"",
                "kind = \"built-in\"\nlink = \"https://example.com/s\"",
            ),
            "makes its own link",
        ),
        (
            text.replace("question = \"Was it good?\"", "question = \"one\\ntwo\""),
            "one line",
        ),
        (
            text.replace("kind = \"built-in\"", "kind = \"email\""),
            "unknown variant",
        ),
    ] {
        assert_ne!(bad, text);
        std::fs::write(&file, &bad).unwrap();
        let before = export(fresh.path());
        let (ok, out, err) = import(fresh.path(), &file, false);
        assert!(!ok, "accepted: {out}");
        assert!(err.contains(reason), "{reason}: {err}");
        assert_eq!(export(fresh.path()), before, "nothing changed");
    }
}
