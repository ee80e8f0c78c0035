//! The agent notification template: an admin chooses what a workstream's offers show, and the
//! banner, the dashboard and the configuration file follow it.

use crate::distribution::{agent, offered_to, wa_workstream};
use crate::helpers::*;
use omnidesk::domain::offer_card::{OfferCard, OfferField};
use omnidesk::domain::routing::{ContextValue, VariableName};
use reqwest::StatusCode;

const PAGE: &str = "/admin/workstreams/1/notification";

#[tokio::test]
async fn an_admin_chooses_what_offers_show_and_the_agent_sees_only_that() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (mut agent_b, a) = agent(&app, "a@example.com", 3).await;
    app.desk().store().set_members(ws, vec![a]).await.unwrap();
    let mut admin = app.admin().await;
    admin.get("/admin/workstreams/1/context-variables").await;
    let created = admin
        .post(
            "/admin/workstreams/1/context-variables",
            &[("name", "OrderId"), ("kind", "text"), ("default", "")],
        )
        .await;
    assert!(
        created.status.is_success() || created.status.is_redirection(),
        "{} {}",
        created.status,
        created.body
    );

    // The default: everything but the context variables.
    let page = admin.get(PAGE).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("value=\"latest_message\" checked"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("value=\"context_variables\" checked"));
    let conv = app.customer_writes_wa("My parcel <b>never</b> came").await;
    app.desk()
        .set_context_value(
            conv.id,
            VariableName::parse("OrderId").unwrap(),
            ContextValue::Text("A-<77>".into()),
        )
        .await
        .unwrap()
        .unwrap();
    offered_to(&app, a, conv.id).await;
    let dash = agent_b.get("/agent").await;
    assert!(dash.body.contains("Latest message"));
    assert!(dash.body.contains(&escaped("My parcel <b>never</b> came")));
    assert!(
        !dash.body.contains("A-&#60;77&#62;"),
        "context hidden by default"
    );

    // Refusals store nothing.
    for (fields, why) in [
        (vec![], "Choose at least one thing the offer shows."),
        (
            vec![("fields", "salary")],
            "is not something an offer can show.",
        ),
    ] {
        let refused = admin.post(PAGE, &fields).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains(&escaped(why)), "{}", refused.body);
        assert_eq!(
            app.desk().offer_card(ws).await.unwrap(),
            OfferCard::default()
        );
    }
    let forged = admin
        .post_raw(PAGE, &pairs(&[("csrf", "forged"), ("fields", "queue")]))
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        agent_b.post(PAGE, &[("fields", "queue")]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_ne!(agent_b.get(PAGE).await.status, StatusCode::OK);
    assert_eq!(
        app.desk().offer_card(ws).await.unwrap(),
        OfferCard::default()
    );

    let saved = admin
        .post(
            PAGE,
            &[("fields", "channel"), ("fields", "context_variables")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        app.desk().offer_card(ws).await.unwrap(),
        OfferCard::of(&[OfferField::Channel, OfferField::ContextVariables])
    );
    let dash = agent_b.get("/agent").await;
    assert!(dash.body.contains("Context variables"));
    assert!(
        dash.body.contains("OrderId: A-&#60;77&#62;"),
        "{}",
        dash.body
    );
    assert!(!dash.body.contains("Latest message"));
    assert!(!dash.body.contains(&escaped("My parcel <b>never</b> came")));
    let banner = agent_b
        .get(&format!("/agent/conversations/{}", conv.id.get()))
        .await;
    let offers = section(&banner.body, "id=\"offers\"");
    assert!(
        offers.contains("<strong>A customer</strong> · WhatsApp is waiting for you"),
        "{offers}"
    );
    assert!(
        offers.contains("<dt>OrderId</dt><dd>A-&#60;77&#62;</dd>"),
        "{offers}"
    );
    assert!(!offers.contains("offer-snippet"), "{offers}");
    app.stop().await;
}

#[tokio::test]
async fn the_notification_template_travels_in_the_configuration_file() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let exported = app.desk().export_config().await.unwrap();
    let at = exported.find("offer_card = [").expect("exported");
    let end = at + exported[at..].find(']').unwrap() + 1;
    let fields: Vec<&str> = exported[at + 14..end - 1]
        .split(',')
        .map(|f| f.trim().trim_matches('"'))
        .filter(|f| !f.is_empty())
        .collect();
    assert_eq!(
        fields,
        ["customer", "channel", "queue", "latest_message", "skills"]
    );
    let with_card = |card: &str| format!("{}{card}{}", &exported[..at], &exported[end..]);
    let wanted = with_card("offer_card = [\"queue\", \"skills\"]");
    let report = app
        .desk()
        .import_config(&wanted, false, "", None)
        .await
        .unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(
        app.desk().offer_card(ws).await.unwrap(),
        OfferCard::of(&[OfferField::Queue, OfferField::Skills])
    );
    let empty = with_card("offer_card = []");
    let refused = app
        .desk()
        .import_config(&empty, false, "", None)
        .await
        .unwrap();
    assert!(refused.is_err(), "an offer that shows nothing is refused");
    assert_eq!(
        app.desk().offer_card(ws).await.unwrap(),
        OfferCard::of(&[OfferField::Queue, OfferField::Skills])
    );
    app.stop().await;
}

/// The part of `body` from the element carrying `marker` to its section's end.
fn section<'a>(body: &'a str, marker: &str) -> &'a str {
    let start = body.find(marker).expect("marker on the page");
    let rest = &body[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}
