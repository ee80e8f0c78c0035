//! Knowledge in the conversation panel: ranked search (drafts for admins and supervisors only),
//! smart assist's top three for the customer's latest messages, and sharing an article's text or
//! link into the composer.

use crate::helpers::*;
use crate::knowledge::{article, assigned_conversation, html, search, stored};
use crate::signin::Browser;
use omnidesk::domain::knowledge::{ArticleState, parse_keywords};
use omnidesk::domain::user::Role;
use reqwest::StatusCode;

/// The titles listed under `list_id` (kb-results or kb-suggestions), in order.
fn titles(html: &str, list_id: &str) -> Vec<String> {
    let Some(start) = html.find(&format!("<ol id=\"{list_id}\">")) else {
        return Vec::new();
    };
    let list = &html[start..];
    let list = &list[..list.find("</ol>").unwrap_or(list.len())];
    list.split("<p class=\"kb-hit-title\" lang=\"en\">")
        .skip(1)
        .map(|s| {
            let end = s.find(['<']).unwrap_or(s.len());
            s[..end].trim().to_owned()
        })
        .collect()
}

/// The text in the composer's textarea.
fn composer_text(html: &str) -> String {
    let at = html.find("id=\"compose-body\"").expect("a composer");
    let rest = &html[at..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest.find("</textarea>").unwrap();
    rest[open..close].to_owned()
}

#[tokio::test]
async fn agents_find_published_articles_in_rank_order_and_editors_find_drafts_too() {
    let app = spawn_app().await;
    let (conv, mut agent) = assigned_conversation(&app, "Hello").await;
    article(
        &app,
        "Payment methods",
        "card, invoice",
        "We take cards. A refund goes back to the card that paid.",
        ArticleState::Published,
        false,
    )
    .await;
    article(
        &app,
        "Returning an order",
        "refund, return",
        "Send the parcel back within 30 days.",
        ArticleState::Published,
        true,
    )
    .await;
    article(
        &app,
        "Shipping times",
        "delivery, parcel",
        "Orders ship in two days.",
        ArticleState::Published,
        false,
    )
    .await;
    article(
        &app,
        "Refund policy draft",
        "refund",
        "Refunds take five days.",
        ArticleState::Draft,
        false,
    )
    .await;

    let page = agent.get(&search(conv.id, "refund")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        titles(&page.body, "kb-results"),
        ["Returning an order", "Payment methods"]
    );
    let page = agent.get(&search(conv.id, "Parcel+REFUND")).await;
    assert_eq!(
        titles(&page.body, "kb-results"),
        ["Returning an order", "Shipping times", "Payment methods"],
        "both words first, then the parcel keyword, then refund in the text"
    );
    let page = agent.get(&search(conv.id, "xylophone")).await;
    assert!(page.body.contains("No article matches."));
    // An edit shows in the next search, even one made in the same millisecond as the last.
    let shipping = stored(&app)
        .await
        .into_iter()
        .find(|a| a.content.title.as_str() == "Shipping times")
        .unwrap();
    let mut content = shipping.content.clone();
    content.keywords = parse_keywords("delivery, parcel, xylophone").unwrap();
    app.desk()
        .update_article(shipping.id, content)
        .await
        .unwrap()
        .unwrap();
    let page = agent.get(&search(conv.id, "xylophone")).await;
    assert_eq!(titles(&page.body, "kb-results"), ["Shipping times"]);
    // The fragment is the part alone, for the page's script to swap in.
    let fragment = agent
        .get(&format!("{}&fragment=1", search(conv.id, "refund")))
        .await;
    assert_eq!(fragment.status, StatusCode::OK);
    assert!(!fragment.body.contains("<html"));
    assert!(fragment.body.starts_with("<section class=\"knowledge\""));
    assert_eq!(
        titles(&fragment.body, "kb-results"),
        ["Returning an order", "Payment methods"]
    );
    let long = "x".repeat(201);
    assert_eq!(
        agent.get(&search(conv.id, &long)).await.status,
        StatusCode::BAD_REQUEST
    );

    let mut sup = app.signed_in(Role::Supervisor, "sup@example.com").await;
    let page = sup.get(&search(conv.id, "refund")).await;
    let found = titles(&page.body, "kb-results");
    assert!(
        found.contains(&"Refund policy draft".to_owned()),
        "{found:?}"
    );
    assert!(page.body.contains("<span class=\"badge\">Draft</span>"));

    // Only who may open the conversation may search from it.
    let mut other = app.signed_in(Role::Agent, "other@example.com").await;
    assert_eq!(
        other.get(&search(conv.id, "refund")).await.status,
        StatusCode::NOT_FOUND
    );
    let mut anonymous = Browser::new(&app.address);
    let page = anonymous.get(&search(conv.id, "refund")).await;
    assert_eq!(page.location.as_deref(), Some("/login"));
    app.stop().await;
}

#[tokio::test]
async fn smart_assist_suggests_the_top_three_articles_for_the_customers_latest_messages() {
    let app = spawn_app().await;
    let (conv, mut agent) = assigned_conversation(&app, "Hi there").await;
    article(
        &app,
        "Opening hours",
        "hours, open",
        "We open at nine.",
        ArticleState::Published,
        false,
    )
    .await;
    article(
        &app,
        "Returning an order",
        "refund, return",
        "Send the parcel back within 30 days.",
        ArticleState::Published,
        false,
    )
    .await;
    article(
        &app,
        "Damaged parcel",
        "broken, damaged",
        "Send a photo of the damaged parcel.",
        ArticleState::Published,
        false,
    )
    .await;
    article(
        &app,
        "Refund timing",
        "refund",
        "A refund takes five days to reach your card.",
        ArticleState::Published,
        false,
    )
    .await;
    article(
        &app,
        "Card payments",
        "card",
        "We take every card.",
        ArticleState::Published,
        false,
    )
    .await;
    article(
        &app,
        "Damaged refund draft",
        "refund, damaged",
        "Not ready.",
        ArticleState::Draft,
        false,
    )
    .await;

    let page = agent
        .get(&format!("/agent/conversations/{}", conv.id.get()))
        .await;
    assert!(
        page.body.contains("No suggestion for the customer"),
        "hi there matches nothing"
    );

    app.customer_writes_wa("My parcel arrived damaged, the box is broken")
        .await;
    app.customer_writes_wa("I want a refund please").await;
    let page = agent
        .get(&format!("/agent/conversations/{}", conv.id.get()))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        titles(&page.body, "kb-suggestions"),
        ["Damaged parcel", "Returning an order", "Refund timing"],
        "three at most, best first, no draft: {}",
        page.body
    );
    app.stop().await;
}

#[tokio::test]
async fn sharing_puts_the_articles_text_or_link_in_the_composer_and_sends_nothing() {
    let app = spawn_app().await;
    let (conv, mut agent) = assigned_conversation(&app, "How do returns work?").await;
    let public = article(
        &app,
        "Returns",
        "return",
        "Send it back within 30 days & keep the label.",
        ArticleState::Published,
        true,
    )
    .await;
    let internal = article(
        &app,
        "Internal returns",
        "return",
        "Check the order first.",
        ArticleState::Published,
        false,
    )
    .await;
    let draft = article(
        &app,
        "Draft returns",
        "return",
        "Soon.",
        ArticleState::Draft,
        true,
    )
    .await;
    let messages = app.messages(conv.id).await.len();
    let share = |id: u64| {
        format!(
            "/agent/conversations/{}/knowledge/{id}/share",
            conv.id.get()
        )
    };

    let page = agent
        .get(&format!("/agent/conversations/{}", conv.id.get()))
        .await;
    assert!(
        page.body.contains(&format!(
            "data-fill=\"{}\"",
            html(public.content.body.as_str())
        )),
        "the script's copy"
    );

    let page = agent.post(&share(public.id.get()), &[("as", "text")]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(
        composer_text(&page.body),
        html(public.content.body.as_str())
    );
    // Without JavaScript, Share posts the reply form: what the agent had typed stays in front.
    assert!(
        page.body.contains(&format!(
            "form=\"compose-form\" formaction=\"{}\"",
            share(public.id.get())
        )),
        "Share posts the reply form"
    );
    let page = agent
        .post(
            &share(public.id.get()),
            &[("as", "text"), ("body", "Hello <b>Ana</b>,")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(
        composer_text(&page.body),
        html(&format!(
            "Hello <b>Ana</b>, {}",
            public.content.body.as_str()
        ))
    );
    let page = agent
        .post(
            &share(internal.id.get()),
            &[("as", "link"), ("body", "Kept")],
        )
        .await;
    assert_eq!(
        composer_text(&page.body),
        "Kept",
        "a refusal keeps what was typed"
    );
    let page = agent.post(&share(public.id.get()), &[("as", "link")]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        composer_text(&page.body),
        format!(
            "{}/kb/returns",
            app.desk().settings().public_url().trim_end_matches('/')
        )
    );

    let page = agent
        .post(&share(internal.id.get()), &[("as", "link")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("has no public page"));
    let page = agent
        .post(&share(internal.id.get()), &[("as", "text")])
        .await;
    assert_eq!(composer_text(&page.body), "Check the order first.");
    // A text longer than one message can be is shared by its link only.
    let long = article(
        &app,
        "Returns in full",
        "return",
        &"All the details. ".repeat(300),
        ArticleState::Published,
        true,
    )
    .await;
    let page = agent.get(&search(conv.id, "details")).await;
    assert!(
        !page
            .body
            .contains("aria-label=\"Share the text of Returns in full\"")
    );
    assert!(
        page.body
            .contains("Too long for one message: share the link.")
    );
    let page = agent.post(&share(long.id.get()), &[("as", "text")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("longer than one message can be"));
    let page = agent.post(&share(long.id.get()), &[("as", "link")]).await;
    assert_eq!(page.status, StatusCode::OK);
    let page = agent.post(&share(draft.id.get()), &[("as", "text")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("not published"));
    assert_eq!(
        agent.post(&share(999), &[("as", "text")]).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        agent
            .post(&share(public.id.get()), &[("as", "pdf")])
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let forged = agent
        .post_raw(&share(public.id.get()), &pairs(&[("as", "text")]))
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "no CSRF token");

    // Another agent may not share into a conversation that is not theirs.
    let mut other = app.signed_in(Role::Agent, "other@example.com").await;
    other.get("/agent").await;
    let page = other.post(&share(public.id.get()), &[("as", "text")]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.messages(conv.id).await.len(),
        messages,
        "sharing sends nothing"
    );
    app.stop().await;
}
