//! What admins say about each `{{n}}` of a template: a label and an example value, set in the
//! template form (checked, kept with the template, in the configuration file) and shown to the
//! agent beside each value to fill in.

use crate::admin_templates::{GOOD_TEMPLATE, create_template, with_fields};
use crate::helpers::*;
use reqwest::StatusCode;

#[tokio::test]
async fn labels_and_examples_are_set_by_admins_and_shown_to_agents() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let new = admin.get("/admin/templates/new").await;
    assert!(new.body.contains("{{1}}: label for agents"));

    // A label for a placeholder the text does not have, or one too long: refused, nothing stored.
    let before = app.desk().store().templates().await.unwrap().len();
    let long = "l".repeat(61);
    for (over, why) in [
        (
            vec![("var_label_3", "Tracking link")],
            "The text has no {{3}}",
        ),
        (
            vec![("var_label_1", long.as_str())],
            "A label is at most 60 characters.",
        ),
    ] {
        let fields = with_fields(GOOD_TEMPLATE, &over);
        let page = admin.post("/admin/templates", &fields).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert!(page.body.contains(why), "{why}");
    }
    assert_eq!(app.desk().store().templates().await.unwrap().len(), before);

    let fields = with_fields(
        GOOD_TEMPLATE,
        &[
            ("var_label_1", "First name"),
            ("var_example_1", "Ana"),
            ("var_label_2", "Parcel number"),
            ("var_example_2", "<PN-4417>"),
        ],
    );
    let id = create_template(&mut admin, &fields).await;
    let stored = app.desk().store().template(id).await.unwrap().unwrap();
    let hints: Vec<(&str, &str)> = stored
        .variables
        .iter()
        .map(|h| (h.label(), h.example()))
        .collect();
    assert_eq!(
        hints,
        [("First name", "Ana"), ("Parcel number", "<PN-4417>")]
    );
    let edit = admin.get(&format!("/admin/templates/{}", id.get())).await;
    assert!(edit.body.contains("value=\"First name\""));

    // The agent fills {{1}} knowing what it is, with the example in the empty field.
    let conv = app.customer_writes_wa("Where is my parcel?").await;
    let page = admin
        .get(&format!("/agent/conversations/{}", conv.id.get()))
        .await;
    assert!(page.body.contains("First name ({{1}})"), "the label");
    assert!(page.body.contains("placeholder=\"Ana\""), "the example");
    assert!(page.body.contains(&escaped("For example: <PN-4417>")));
    assert!(!page.body.contains("<PN-4417>"), "escaped");

    // The configuration file carries them.
    let exported = app.desk().export_config().await.unwrap();
    assert!(exported.contains("label = \"First name\""), "{exported}");
    assert!(exported.contains("example = \"<PN-4417>\""), "{exported}");
    app.stop().await;
}
