//! Contacts as records from the customer panel: saving the customer as a contact (name, notes;
//! refused input changes nothing), linking the conversation to another number's contact,
//! unlinking it and going back, each with its line in the thread, and who may do it.

use crate::distribution::{agent, offered_to, wa_workstream};
use crate::helpers::*;
use crate::signin::Browser;
use omnidesk::domain::{ConversationId, UserId};
use reqwest::StatusCode;

/// Agent `a` holds the conversation of customer `n`.
async fn holds(app: &TestApp, b: &mut Browser, a: UserId, n: u32) -> ConversationId {
    let conv = crate::workspace::writes(app, n, "Hi").await.id;
    offered_to(app, a, conv).await;
    let accepted = b
        .post(&format!("/agent/offers/{}/accept", conv.get()), &[])
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER);
    conv
}

async fn contact_of(app: &TestApp, conv: ConversationId) -> omnidesk::store::records::Contact {
    let c = app.conversation(conv).await;
    app.desk()
        .store()
        .contact(c.contact_id)
        .await
        .unwrap()
        .expect("the customer's contact")
}

#[tokio::test]
async fn an_agent_saves_the_customer_as_a_contact_and_bad_input_changes_nothing() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (mut b, a) = agent(&app, "agnes@example.com", 5).await;
    app.desk().store().set_members(ws, vec![a]).await.unwrap();
    let conv = holds(&app, &mut b, a, 1).await;
    let path = format!("/agent/conversations/{}", conv.get());
    let page = b.get(&path).await;
    // A WhatsApp profile name makes no one known: only a saved contact is.
    assert!(
        contact_of(&app, conv).await.name.is_some() || contact_of(&app, conv).await.wa_id.is_some()
    );
    assert!(
        page.body
            .contains("<span class=\"badge badge-unauth\">New customer</span>")
    );
    assert!(!page.body.contains("Known contact"));

    for (fields, why) in [
        (
            vec![("name", "  "), ("notes", "")],
            "Enter the contact's name.",
        ),
        (
            vec![("name", "Ana"), ("notes", "bell\u{7}")],
            "Notes may not hold control characters",
        ),
    ] {
        let refused = b.post(&format!("{path}/contact"), &fields).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains(&escaped(why)), "{why}");
        assert_eq!(contact_of(&app, conv).await.saved, None, "nothing stored");
    }
    let long = "n".repeat(2_001);
    let refused = b
        .post(
            &format!("{path}/contact"),
            &[("name", "Ana"), ("notes", &long)],
        )
        .await;
    assert!(refused.body.contains("Notes are at most 2,000 characters."));
    assert!(refused.body.contains(&long), "what was typed is kept");

    let saved = b
        .post(
            &format!("{path}/contact"),
            &[
                ("name", " Ana Gómez <VIP> "),
                ("notes", "Prefers mornings.\r\nOrder #4417"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let contact = contact_of(&app, conv).await;
    assert_eq!(contact.name.as_deref(), Some("Ana Gómez <VIP>"));
    assert_eq!(contact.notes, "Prefers mornings.\nOrder #4417");
    assert_eq!(contact.saved.map(|s| s.by), Some(a));
    let page = b.get(&path).await;
    assert!(page.body.contains("Saved as a contact by agnes"));
    assert!(
        page.body
            .contains("<span class=\"badge badge-auth\">Known contact</span>")
    );
    assert!(!page.body.contains("New customer"));
    assert!(page.body.contains(&escaped("Ana Gómez <VIP>")));
    assert!(!page.body.contains("<VIP>"), "escaped");
    assert!(
        page.body
            .contains("Prefers mornings.\nOrder #4417</textarea>")
    );

    // The customer's WhatsApp profile name never overwrites the saved one.
    let sid = new_sid();
    let form = with(
        with(wa_form(&sid, "Me again"), "From", "whatsapp:+14155560001"),
        "ProfileName",
        "ana.g",
    );
    assert_eq!(app.post_inbound_wa(&form).await.status(), 200);
    assert_eq!(
        contact_of(&app, conv).await.name.as_deref(),
        Some("Ana Gómez <VIP>")
    );
    app.stop().await;
}

#[tokio::test]
async fn a_conversation_is_linked_to_another_contact_unlinked_and_linked_back() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (mut b, a) = agent(&app, "agnes@example.com", 5).await;
    app.desk().store().set_members(ws, vec![a]).await.unwrap();
    let conv = holds(&app, &mut b, a, 1).await;
    // The same person wrote from another number before and was saved there.
    let other = holds(&app, &mut b, a, 2).await;
    let other_path = format!("/agent/conversations/{}", other.get());
    b.get(&other_path).await;
    b.post(
        &format!("{other_path}/contact"),
        &[("name", "Ana Gómez"), ("notes", "")],
    )
    .await;
    let path = format!("/agent/conversations/{}", conv.get());
    b.get(&path).await;

    let bad = b
        .post(
            &format!("{path}/contact/link"),
            &[("phone", "not a number")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("international format"));
    let unknown = b
        .post(
            &format!("{path}/contact/link"),
            &[("phone", "+14155569999")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::CONFLICT);
    assert!(
        unknown
            .body
            .contains("No contact has the number +14155569999")
    );
    assert!(
        app.system_lines(conv).await.is_empty()
            || !app
                .system_lines(conv)
                .await
                .iter()
                .any(|l| l.contains("linked"))
    );

    let linked = b
        .post(
            &format!("{path}/contact/link"),
            &[("phone", "+14155560002")],
        )
        .await;
    assert_eq!(linked.status, StatusCode::SEE_OTHER, "{}", linked.body);
    let page = b.get(&path).await;
    assert!(page.body.contains("Linked to Ana Gómez (+14155560002)."));
    assert!(
        page.body.contains("+14155560001 · Ana Gómez"),
        "the head names the contact"
    );
    let lines = app.system_lines(conv).await;
    assert!(
        lines
            .iter()
            .any(|l| l == "agnes linked the conversation to the contact Ana Gómez (+14155560002)."),
        "{lines:?}"
    );
    let again = b
        .post(
            &format!("{path}/contact/link"),
            &[("phone", "+14155560002")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    // Opt-outs stay with the conversation's own number.
    assert_eq!(
        app.conversation(conv).await.contact_id,
        contact_of(&app, conv).await.id
    );

    let unlinked = b.post(&format!("{path}/contact/unlink"), &[]).await;
    assert_eq!(unlinked.status, StatusCode::SEE_OTHER);
    let page = b.get(&path).await;
    assert!(page.body.contains("Not linked to any contact."));
    assert!(
        !page.body.contains("class=\"contact-form\""),
        "nothing to save"
    );
    let save = b
        .post(
            &format!("{path}/contact"),
            &[("name", "Someone"), ("notes", "")],
        )
        .await;
    assert_eq!(save.status, StatusCode::CONFLICT);
    assert!(
        save.body
            .contains("The conversation has no contact to save")
    );

    let own = b
        .post(
            &format!("{path}/contact/link"),
            &[("phone", "+14155560001")],
        )
        .await;
    assert_eq!(own.status, StatusCode::SEE_OTHER);
    let page = b.get(&path).await;
    assert!(!page.body.contains("Linked to") && !page.body.contains("Not linked"));
    let lines = app.system_lines(conv).await;
    assert!(
        lines
            .iter()
            .any(|l| l == "agnes unlinked the conversation from its contact.")
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("linked the conversation to the contact")
                && l.contains("+14155560001")),
        "{lines:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn only_who_may_open_the_conversation_changes_its_contact() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (mut b, a) = agent(&app, "agnes@example.com", 5).await;
    let (mut other, _) = agent(&app, "otto@example.com", 5).await;
    app.desk().store().set_members(ws, vec![a]).await.unwrap();
    let conv = holds(&app, &mut b, a, 1).await;
    let path = format!("/agent/conversations/{}/contact", conv.get());
    other.get("/agent").await;
    let page = other
        .post(&path, &[("name", "Mallory"), ("notes", "")])
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let page = other.post(&format!("{path}/unlink"), &[]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    // Without the form's token nothing happens either.
    let raw = b
        .http
        .post(format!("{}{path}", app.address))
        .form(&[("name", "Mallory"), ("notes", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::FORBIDDEN);
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}{path}", app.address))
        .form(&[("name", "Mallory"), ("notes", "")])
        .send()
        .await
        .unwrap();
    assert!(
        anonymous.status() == StatusCode::SEE_OTHER || anonymous.status() == StatusCode::FORBIDDEN,
        "{}",
        anonymous.status()
    );
    assert_eq!(contact_of(&app, conv).await.saved, None);
    app.stop().await;
}
