//! Sentiment in the workspace: the badge on the conversation page and in the agent's lists
//! follows the customer's latest messages, and says "Not available" for a language it cannot
//! score.

use crate::helpers::*;
use omnidesk::domain::ConversationId;
use omnidesk::domain::user::{Email, Role};
use reqwest::StatusCode;

fn panel(id: ConversationId) -> String {
    format!("/agent/conversations/{}", id.get())
}

fn badge(class: &str, label: &str) -> String {
    format!("<span class=\"badge {class}\" id=\"sentiment\">{label}</span>")
}

#[tokio::test]
async fn the_page_and_the_agents_list_show_the_customers_sentiment_and_follow_new_messages() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let conv = app.customer_writes_wa("When will the parcel arrive?").await;
    let mut agent = app.signed_in(Role::Agent, "agent@example.com").await;
    let me = app
        .desk()
        .store()
        .user_by_email(Email::parse("agent@example.com").unwrap())
        .await
        .unwrap()
        .expect("agent")
        .id;
    // A member of the conversation's workstream, so the new message stays with the agent.
    if let Some(ws) = conv.workstream_id {
        app.desk().store().set_members(ws, vec![me]).await.unwrap();
    }
    app.desk()
        .store()
        .assign(conv.id, me, 1, app.desk().now())
        .await
        .unwrap()
        .expect("assigned");

    let page = agent.get(&panel(conv.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<span class=\"badge sentiment-neutral\" id=\"sentiment\">Neutral</span>"),
        "{}",
        page.body
    );
    let list = agent.get("/agent").await;
    assert!(list.body.contains("<th>Sentiment</th>"), "{}", list.body);
    assert!(
        list.body
            .contains("<span class=\"badge sentiment-neutral\">Neutral</span>"),
        "{}",
        list.body
    );

    // The same customer writes again, angrily: both places follow.
    let again = app
        .customer_writes_wa("This is the worst service ever, I hate it and I am furious!!!")
        .await;
    assert_eq!(again.id, conv.id);
    let page = agent.get(&panel(conv.id)).await;
    assert!(
        page.body.contains(&badge("sentiment-neg2", "Negative")),
        "the mean of neutral and very negative is negative: {}",
        page.body
    );
    let list = agent.get("/agent").await;
    assert!(
        list.body
            .contains("<span class=\"badge sentiment-neg2\">Negative</span>"),
        "{}",
        list.body
    );
    app.stop().await;
}

#[tokio::test]
async fn a_conversation_in_a_language_vader_cannot_score_is_not_available() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let conv = app
        .customer_writes_sms(
            "El servicio es terrible, estoy muy enojado con ustedes y quiero una respuesta hoy",
        )
        .await;
    let mut admin = app.admin().await;
    let page = admin.get(&panel(conv.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<span class=\"badge sentiment-na\" id=\"sentiment\">Not available</span>"),
        "{}",
        page.body
    );
    app.stop().await;
}
