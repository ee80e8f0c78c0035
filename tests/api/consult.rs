//! Consult: the agent of an active conversation invites a signed-in colleague, who reads it,
//! lists it under Consulting and writes internal notes but never to the customer; either ends it;
//! every change has its line in the thread; refusals change nothing.

use crate::distribution::{agent, offered_to, wa_workstream};
use crate::helpers::*;
use omnidesk::domain::participant::Participation;
use omnidesk::domain::user::{Email, Role};
use omnidesk::domain::{ConversationId, Direction};
use omnidesk::store::users::NewUser;
use reqwest::StatusCode;

async fn lines_with(app: &TestApp, conv: ConversationId, text: &str) -> usize {
    app.system_lines(conv)
        .await
        .iter()
        .filter(|l| l.contains(text))
        .count()
}

#[tokio::test]
async fn an_agent_consults_a_colleague_who_writes_notes_only_and_either_ends_it() {
    let app = spawn_app().await;
    let ws = wa_workstream(&app).await;
    let (mut agnes, a) = agent(&app, "agnes@example.com", 5).await;
    let (mut otto, o) = agent(&app, "otto@example.com", 5).await;
    let (mut dora, _) = agent(&app, "dora@example.com", 5).await;
    // Signed up but never signed in: offline.
    let offline = app
        .desk()
        .store()
        .add_user(
            NewUser {
                email: Email::parse("olga@example.com").unwrap(),
                name: "olga".into(),
                role: Role::Supervisor,
                password_hash: omnidesk::auth::password::hash_now("x".repeat(12).as_str()).unwrap(),
                capacity: 1,
                languages: vec!["en".into()],
            },
            app.desk().now(),
        )
        .await
        .unwrap()
        .unwrap();
    app.desk().store().set_members(ws, vec![a]).await.unwrap();
    let conv = app.customer_writes_wa("My order never came").await;
    offered_to(&app, a, conv.id).await;
    agnes
        .post(&format!("/agent/offers/{}/accept", conv.id.get()), &[])
        .await;
    let path = format!("/agent/conversations/{}", conv.id.get());

    // Before: Otto may not even see it.
    assert_eq!(otto.get(&path).await.status, StatusCode::NOT_FOUND);
    let page = agnes.get(&path).await;
    assert!(page.body.contains("Invite to consult"));
    assert!(page.body.contains("otto (agent, Available)"));
    assert!(
        !page.body.contains("olga (supervisor"),
        "offline people are not offered"
    );

    let invite = |who: u64| vec![("user", who.to_string())];
    for (who, status, why) in [
        (
            a.get(),
            StatusCode::CONFLICT,
            "Choose someone other than yourself.",
        ),
        (offline.id.get(), StatusCode::CONFLICT, "olga is offline"),
        (999, StatusCode::CONFLICT, "No such user."),
    ] {
        let form = invite(who);
        let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let refused = agnes.post(&format!("{path}/consult"), &fields).await;
        assert_eq!(refused.status, status, "{why}");
        assert!(refused.body.contains(why), "{why}: {}", refused.body);
    }
    let garbled = agnes
        .post(&format!("{path}/consult"), &[("user", "otto")])
        .await;
    assert_eq!(garbled.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        app.desk()
            .store()
            .consultants(conv.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        lines_with(&app, conv.id, "consult").await,
        0,
        "refusals write nothing"
    );

    let otto_id = o.get().to_string();
    let invited = agnes
        .post(&format!("{path}/consult"), &[("user", &otto_id)])
        .await;
    assert_eq!(invited.status, StatusCode::SEE_OTHER, "{}", invited.body);
    assert_eq!(
        lines_with(&app, conv.id, "agnes invited otto to consult").await,
        1
    );
    let again = agnes
        .post(&format!("{path}/consult"), &[("user", &otto_id)])
        .await;
    assert!(again.body.contains("otto is already consulting"));

    // Otto reads it, finds it under Consulting, writes a note, and cannot write to the customer.
    let page = otto.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("You are consulting"));
    assert!(!page.body.contains("class=\"compose-form\""));
    assert!(page.body.contains("Leave the consult"));
    let list = otto.get(&format!("{path}?list=consulting")).await;
    assert!(list.body.contains("Consulting (1)"));
    let note = otto
        .post(
            &format!("{path}/notes"),
            &[("note", "Offer a refund, it is the second time.")],
        )
        .await;
    assert_eq!(note.status, StatusCode::SEE_OTHER, "{}", note.body);
    let reply = otto
        .post(&format!("{path}/messages"), &[("body", "Hello from Otto")])
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let messages = app.messages(conv.id).await;
    assert!(messages.iter().any(|m| m.direction == Direction::Note
        && m.author == Some(o)
        && m.body == "Offer a refund, it is the second time."));
    assert!(!messages.iter().any(|m| m.body == "Hello from Otto"));
    // Otto cannot invite others, nor can Dora, who has nothing to do with it, end anything.
    let not_agent = otto
        .post(
            &format!("{path}/consult"),
            &[("user", &a.get().to_string())],
        )
        .await;
    assert_eq!(not_agent.status, StatusCode::CONFLICT);
    dora.get("/agent").await;
    let outsider = dora
        .post(&format!("{path}/consult/{}/end", o.get()), &[])
        .await;
    assert_eq!(outsider.status, StatusCode::NOT_FOUND);

    // Otto leaves; his notes end with it, but he keeps reading access as a participant.
    let left = otto
        .post(&format!("{path}/consult/{}/end", o.get()), &[])
        .await;
    assert_eq!(left.status, StatusCode::SEE_OTHER);
    assert_eq!(lines_with(&app, conv.id, "otto left the consult.").await, 1);
    let late = otto
        .post(&format!("{path}/notes"), &[("note", "One more thing")])
        .await;
    assert_eq!(late.status, StatusCode::FORBIDDEN);
    assert_eq!(otto.get(&path).await.status, StatusCode::OK);
    let participants = app.desk().store().participants(conv.id).await.unwrap();
    assert!(participants.contains(&(o, Participation::Consultant)));

    // Invited again, this time the agent ends it; ending twice is refused.
    agnes
        .post(&format!("{path}/consult"), &[("user", &otto_id)])
        .await;
    let ended = agnes
        .post(&format!("{path}/consult/{}/end", o.get()), &[])
        .await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);
    assert_eq!(
        lines_with(&app, conv.id, "agnes ended otto's consult.").await,
        1
    );
    let twice = agnes
        .post(&format!("{path}/consult/{}/end", o.get()), &[])
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(twice.body.contains("That consult has already ended."));
    app.stop().await;
}
