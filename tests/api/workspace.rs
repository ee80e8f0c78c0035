//! The one-screen workspace over HTTP: the conversation page's list of the agent's conversations
//! (name, snippet, unread count, filters), reading marks them read, the page title counts what is
//! unread, the offer banner with Accept and Reject that returns to the page, and a long list kept
//! small by its window.

use crate::distribution::{agent, offered_to, wa_workstream};
use crate::helpers::*;
use crate::signin::Browser;
use omnidesk::domain::Channel;
use omnidesk::domain::workstream::WorkstreamName;
use omnidesk::store::records::{Conversation, DistributionMode};
use omnidesk::store::workstreams::WorkstreamDraft;
use reqwest::StatusCode;

/// WhatsApp customer `n` (+1415556nnnn) writes `body`.
pub(crate) async fn writes(app: &TestApp, n: u32, body: &str) -> Conversation {
    let sid = new_sid();
    let form = with(
        wa_form(&sid, body),
        "From",
        &format!("whatsapp:+1415556{n:04}"),
    );
    assert_eq!(app.post_inbound_wa(&form).await.status(), 200);
    let msg = app.message_by_sid(&sid).await.expect("stored");
    app.conversation(msg.conversation_id).await
}

async fn accepted(app: &TestApp, b: &mut Browser, who: omnidesk::domain::UserId, n: u32) -> u64 {
    let conv = writes(app, n, "Hello there").await;
    offered_to(app, who, conv.id).await;
    let page = b
        .post(&format!("/agent/offers/{}/accept", conv.id.get()), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    conv.id.get()
}

/// The `<li>` of the work list that links to conversation `id`.
fn list_item(body: &str, id: u64) -> String {
    let list = body
        .split("<ul class=\"wl-items\">")
        .nth(1)
        .and_then(|rest| rest.split("</ul>").next())
        .expect("the page has the work list");
    list.split("<li class=\"wl-item")
        .find(|item| item.contains(&format!("href=\"/agent/conversations/{id}\"")))
        .unwrap_or_else(|| panic!("no list item for {id} in {list}"))
        .to_owned()
}

fn title(body: &str) -> &str {
    body.split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_list_shows_snippets_and_unread_counts_until_the_agent_reads_them() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (mut b, a) = agent(&app, "a@example.com", 5).await;
    app.desk().store().set_members(ws, vec![a]).await.unwrap();
    let first = accepted(&app, &mut b, a, 1).await;
    let second = accepted(&app, &mut b, a, 2).await;
    writes(&app, 1, "Any news on <b>my</b> order?").await;
    writes(&app, 1, "Still waiting").await;

    let page = b.get(&format!("/agent/conversations/{second}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let item = list_item(&page.body, first);
    assert!(item.contains("Still waiting"), "the latest message: {item}");
    assert!(item.contains("+14155560001"), "the customer: {item}");
    assert!(
        item.contains("class=\"unread-count\" title=\"3 unread\">3<"),
        "three customer messages not read yet: {item}"
    );
    assert!(
        title(&page.body).starts_with("(3) "),
        "{}",
        title(&page.body)
    );
    let current = list_item(&page.body, second);
    assert!(current.contains("aria-current=\"page\""), "{current}");
    assert!(!current.contains("unread-count"), "the open one is read");
    assert!(page.body.contains("Mine (2)") && page.body.contains("Closed today (0)"));

    // Opening the first reads it; an earlier message with markup was escaped on the way.
    let read = b.get(&format!("/agent/conversations/{first}")).await;
    assert!(read.body.contains(&escaped("Any news on <b>my</b> order?")));
    assert!(!read.body.contains("<b>my</b>"));
    let back = b.get(&format!("/agent/conversations/{second}")).await;
    assert!(!list_item(&back.body, first).contains("unread-count"));
    assert!(!title(&back.body).starts_with('('), "{}", title(&back.body));

    // A reply is ours: "You: …" in the list, and it is not unread.
    app.reply(omnidesk::domain::ConversationId::new(first), "On its way")
        .await
        .unwrap();
    let after = b.get(&format!("/agent/conversations/{second}")).await;
    let item = list_item(&after.body, first);
    assert!(item.contains("You: On its way"), "{item}");
    assert!(!item.contains("unread-count"));
    app.stop().await;
}

#[tokio::test]
async fn an_offer_shows_on_the_conversation_page_and_reject_returns_there() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (mut b, a) = agent(&app, "a@example.com", 5).await;
    app.desk().store().set_members(ws, vec![a]).await.unwrap();
    let first = accepted(&app, &mut b, a, 1).await;
    let waiting = writes(&app, 2, "Is anyone there?").await;
    offered_to(&app, a, waiting.id).await;
    let path = format!("/agent/conversations/{first}");
    let page = b.get(&path).await;
    let banner = page
        .body
        .split("id=\"offers\"")
        .nth(1)
        .and_then(|r| r.split("</section>").next())
        .expect("the banner");
    assert!(banner.contains("Is anyone there?"), "{banner}");
    assert!(banner.contains(&format!("/agent/offers/{}/accept", waiting.id.get())));
    assert!(banner.contains("s left"));

    let bad = b
        .post(
            &format!("/agent/offers/{}/reject", waiting.id.get()),
            &[("back", "https://example.com/")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        crate::distribution::offers(&app, a)
            .await
            .contains(&waiting.id),
        "a refused reject changes nothing"
    );
    let rejected = b
        .post(
            &format!("/agent/offers/{}/reject", waiting.id.get()),
            &[("back", &path)],
        )
        .await;
    assert_eq!(rejected.status, StatusCode::SEE_OTHER, "{}", rejected.body);
    assert_eq!(rejected.location.as_deref(), Some(path.as_str()));
    app.stop().await;
}

#[tokio::test]
async fn a_list_of_two_thousand_open_conversations_renders_a_window_under_100_kb() {
    let app = spawn_app().await;
    let ws = app
        .desk()
        .store()
        .create_workstream(WorkstreamDraft {
            name: WorkstreamName::parse("SMS pick").unwrap(),
            channel: Channel::Sms,
            mode: DistributionMode::Pick,
            fallback_queue: None,
            numbers: vec![app.fx.sms_number.id],
        })
        .await
        .unwrap()
        .unwrap();
    let (mut b, a) = agent(&app, "a@example.com", 3).await;
    app.desk()
        .store()
        .set_members(ws.id, vec![a])
        .await
        .unwrap();
    const N: u32 = 2_000;
    for chunk in (0..N).collect::<Vec<_>>().chunks(25) {
        let posts = chunk.iter().map(|n| {
            let form = with(
                sms_form(&new_sid(), "Please call me back"),
                "From",
                &format!("+1415557{n:04}"),
            );
            let app = &app;
            async move { app.post_inbound_sms(&form).await.status() }
        });
        for status in futures_util::future::join_all(posts).await {
            assert_eq!(status, 200);
        }
    }
    let queued = eventually("all are queued", || async {
        let q = app.desk().queue_of(ws.id).await.unwrap();
        (q.len() == N as usize).then_some(q)
    })
    .await;
    let page = b
        .get(&format!(
            "/agent/conversations/{}?list=open",
            queued[0].get()
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Open (2000)"));
    let items = page.body.matches("<li class=\"wl-item").count();
    assert_eq!(items, 50, "a window of the newest");
    assert!(
        page.body.contains("?list=open&#38;more=50\">Show more</a>"),
        "the next window is a link away"
    );
    assert!(page.body.len() < 100 * 1024, "{} bytes", page.body.len());
    let more = b
        .get(&format!(
            "/agent/conversations/{}?list=open&more=50",
            queued[0].get()
        ))
        .await;
    assert_eq!(more.body.matches("<li class=\"wl-item").count(), 100);
    app.stop().await;
}

#[tokio::test]
async fn the_thread_shows_a_photo_inline_and_the_file_picker_offers_the_channel_s_types() {
    let app = spawn_app().await;
    let sid = crate::files_and_reads::receive_photo(&app).await;
    crate::attachments::allow_agent_files(&app).await;
    let msg = app.message_by_sid(&sid).await.unwrap();
    let mut admin = app.admin().await;
    let page = admin
        .get(&format!(
            "/agent/conversations/{}",
            msg.conversation_id.get()
        ))
        .await;
    let src = format!("/media/{}/{}/0", msg.conversation_id.get(), msg.seq);
    assert!(
        page.body.contains(&format!(
            "<img src=\"{src}\" alt=\"Photo (8 bytes)\" class=\"thumb\" loading=\"lazy\">"
        )),
        "a thumbnail that opens the photo"
    );
    assert!(
        page.body
            .contains(&format!("<a href=\"{src}\" target=\"_blank\""))
    );
    assert!(
        page.body
            .contains("accept=\".jpg,.jpeg,.png,.mp3,.oga,.ogg,.amr,.mp4,.pdf\"")
    );
    app.stop().await;
}

#[tokio::test]
async fn a_customer_s_document_is_a_link_named_by_what_it_is_and_its_size() {
    let app = spawn_app().await;
    let sid = crate::files_and_reads::receive_file(
        &app,
        "/m/invoice",
        "application/pdf",
        &vec![b'%'; 3 * 1024 + 1],
    )
    .await;
    let msg = app.message_by_sid(&sid).await.unwrap();
    let mut admin = app.admin().await;
    let page = admin
        .get(&format!(
            "/agent/conversations/{}",
            msg.conversation_id.get()
        ))
        .await;
    let src = format!("/media/{}/{}/0", msg.conversation_id.get(), msg.seq);
    assert!(
        page.body.contains(&format!(
            "<a href=\"{src}\" class=\"media-link\" download=\"pdf-document-{}-1.pdf\">PDF document (4 KB)</a>",
            msg.seq
        )),
        "{}",
        page.body
    );
    app.stop().await;
}

#[test]
fn an_svg_is_never_shown_inline() {
    use omnidesk::web::agent::conversation::MediaKind;
    assert!(MediaKind::of_type("image/png").is_image());
    assert!(!MediaKind::of_type("image/svg+xml").is_image());
    assert!(MediaKind::of_type("audio/ogg; codecs=opus").is_audio());
    assert!(MediaKind::of_type("video/mp4").is_video());
    assert!(!MediaKind::of_type("application/pdf").is_image());
}
