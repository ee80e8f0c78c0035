//! Agent scripts: admins and supervisors build a workstream's ordered checklist under the
//! workstream's admin pages; agents see it in the conversation panel, tick steps off per
//! conversation, and "Use" a send-text step to fill the composer.

use crate::helpers::*;
use crate::knowledge::{assigned_conversation, html};
use crate::signin::Browser;
use omnidesk::domain::WorkstreamId;
use omnidesk::domain::knowledge::script::StepKind;
use omnidesk::domain::user::Role;
use reqwest::StatusCode;

const SCRIPT: &str = "/admin/workstreams/1/script";

fn ws() -> WorkstreamId {
    WorkstreamId::new(1)
}

/// (kind, text) of the stored steps, in order.
async fn steps(app: &TestApp) -> Vec<(StepKind, String)> {
    app.desk()
        .script(ws())
        .await
        .unwrap()
        .steps
        .into_iter()
        .map(|s| (s.kind, s.text.as_str().to_owned()))
        .collect()
}

async fn step_ids(app: &TestApp) -> Vec<u32> {
    let s = app.desk().script(ws()).await.unwrap();
    s.steps.iter().map(|s| s.id.get()).collect()
}

/// Two steps, stored directly: "Hello!" to send (id 1), then "Verify the address" (id 2).
async fn greet_and_verify(app: &TestApp) {
    for (kind, text) in [
        (StepKind::SendText, "Hello!"),
        (StepKind::Instruction, "Verify the address"),
    ] {
        let text = omnidesk::domain::knowledge::script::StepText::parse(text).unwrap();
        app.desk()
            .edit_script(ws(), omnidesk::store::scripts::ScriptEdit::Add(kind, text))
            .await
            .unwrap()
            .unwrap();
    }
}

async fn add(b: &mut Browser, kind: &str, text: &str) -> crate::signin::Page {
    b.post(
        &format!("{SCRIPT}/steps"),
        &[("kind", kind), ("text", text)],
    )
    .await
}

#[tokio::test]
async fn an_admin_adds_edits_moves_and_deletes_script_steps() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    let ws_page = admin.get("/admin/workstreams/1").await;
    assert!(
        ws_page.body.contains(&format!("href=\"{SCRIPT}\"")),
        "linked from the workstream"
    );
    assert_eq!(admin.get(SCRIPT).await.status, StatusCode::OK);
    let added = add(&mut admin, "send_text", "Hello, I am here to help.").await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert_eq!(added.location.as_deref(), Some(SCRIPT));
    add(&mut admin, "instruction", "Check the order number.").await;
    add(&mut admin, "send_text", "Anything else?").await;
    let ids = step_ids(&app).await;
    assert_eq!(ids, [1, 2, 3]);

    let page = admin.get(SCRIPT).await;
    assert!(page.body.contains("Check the order number."));
    admin.post(&format!("{SCRIPT}/steps/3/up"), &[]).await;
    assert_eq!(step_ids(&app).await, [1, 3, 2]);
    admin.post(&format!("{SCRIPT}/steps/1/down"), &[]).await;
    assert_eq!(step_ids(&app).await, [3, 1, 2]);

    admin.get(&format!("{SCRIPT}/steps/2")).await;
    let saved = admin
        .post(
            &format!("{SCRIPT}/steps/2"),
            &[
                ("kind", "send_text"),
                ("text", "What is your order number?"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let confirm = admin.get(&format!("{SCRIPT}/steps/1/delete")).await;
    assert!(confirm.body.contains("Delete step"));
    admin.post(&format!("{SCRIPT}/steps/1/delete"), &[]).await;
    assert_eq!(
        steps(&app).await,
        [
            (StepKind::SendText, "Anything else?".to_owned()),
            (StepKind::SendText, "What is your order number?".to_owned()),
        ]
    );
    assert_eq!(
        admin.get(&format!("{SCRIPT}/steps/1")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin
            .post(&format!("{SCRIPT}/steps/1/up"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin.get("/admin/workstreams/99/script").await.status,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_steps_are_refused_beside_the_field_and_store_nothing() {
    let app = spawn_app().await;
    let mut admin = app.admin().await;
    admin.get(SCRIPT).await;
    let long = "x".repeat(2_001);
    for (kind, text, field, why) in [
        ("send_text", "  ", "text", "Enter the step"),
        (
            "send_text",
            long.as_str(),
            "text",
            "at most 2000 characters",
        ),
        ("send_text", "bell \u{7}", "text", "control characters"),
        ("poem", "Hello", "kind", "Choose send text or instruction."),
        (
            "send_text",
            "Hi {Nickname{Customer}}",
            "text",
            "is not a slug omnidesk knows",
        ),
        (
            "send_text",
            "Hi {FirstName{Customer}",
            "text",
            "The braces do not balance.",
        ),
    ] {
        let page = add(&mut admin, kind, text).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        let marker = format!("<p class=\"error\" id=\"e-{field}\">");
        let at = page
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("{why}: {}", page.body));
        let shown = &page.body[at + marker.len()..];
        let shown = &shown[..shown.find("</p>").unwrap()];
        assert!(shown.contains(&html(why)), "{why}: {shown}");
        assert!(steps(&app).await.is_empty(), "{why}: nothing stored");
    }
    add(&mut admin, "instruction", "Greet").await;
    admin.get(&format!("{SCRIPT}/steps/1")).await;
    let page = admin
        .post(
            &format!("{SCRIPT}/steps/1"),
            &[("kind", "instruction"), ("text", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        steps(&app).await,
        [(StepKind::Instruction, "Greet".to_owned())]
    );
    app.stop().await;
}

#[tokio::test]
async fn supervisors_edit_scripts_and_agents_are_refused() {
    let app = spawn_app().await;
    let mut sup = app.signed_in(Role::Supervisor, "sup@example.com").await;
    let list = sup.get("/admin/knowledge").await;
    assert!(
        list.body
            .contains(&format!("href=\"{SCRIPT}\">WhatsApp support</a>")),
        "the supervisor's way to the scripts"
    );
    sup.get(SCRIPT).await;
    assert_eq!(
        add(&mut sup, "instruction", "Greet").await.status,
        StatusCode::SEE_OTHER
    );
    let mut agent = app.signed_in(Role::Agent, "agent@example.com").await;
    for path in [
        SCRIPT.to_owned(),
        format!("{SCRIPT}/steps/1"),
        format!("{SCRIPT}/steps/1/delete"),
    ] {
        assert_eq!(
            agent.get(&path).await.status,
            StatusCode::FORBIDDEN,
            "GET {path}"
        );
    }
    for path in [
        "steps",
        "steps/1",
        "steps/1/up",
        "steps/1/down",
        "steps/1/delete",
    ] {
        let page = agent
            .post(
                &format!("{SCRIPT}/{path}"),
                &[("kind", "instruction"), ("text", "x")],
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "POST {path}");
    }
    let mut anonymous = Browser::new(&app.address);
    assert_eq!(
        anonymous.get(SCRIPT).await.location.as_deref(),
        Some("/login")
    );
    // The workstream's other admin pages stay admin-only.
    assert_eq!(
        sup.get("/admin/workstreams/1").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        steps(&app).await,
        [(StepKind::Instruction, "Greet".to_owned())]
    );
    app.stop().await;
}

#[tokio::test]
async fn steps_are_ticked_off_per_conversation() {
    let app = spawn_app().await;
    let (conv, mut agent) = assigned_conversation(&app, "Hello").await;
    // Another customer of the same workstream.
    let form = with(
        with(wa_form(&new_sid(), "Hi"), "From", "whatsapp:+14155550177"),
        "WaId",
        "14155550177",
    );
    assert_eq!(app.post_inbound_wa(&form).await.status(), 200);
    let convs = app
        .desk()
        .store()
        .conversations_of("+14155550177".to_owned())
        .await
        .unwrap();
    let other = convs[0].clone();
    assert_ne!(other.id, conv.id);
    assert_eq!(other.workstream_id, conv.workstream_id);
    greet_and_verify(&app).await;
    let panel = format!("/agent/conversations/{}", conv.id.get());
    let page = agent.get(&panel).await;
    assert!(page.body.contains("<section class=\"script\""));
    let first = page.body.find("Hello!").unwrap();
    let second = page.body.find("Verify the address").unwrap();
    assert!(first < second, "in order");
    assert!(!page.body.contains("script-step done"));

    let tick = format!("/agent/conversations/{}/script/2", conv.id.get());
    let done = agent.post(&tick, &[("done", "1")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location, Some(format!("{panel}#script-step-2")));
    let page = agent.get(&panel).await;
    assert!(
        page.body
            .contains("<li class=\"script-step done\" id=\"script-step-2\">"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<li class=\"script-step\" id=\"script-step-1\">")
    );
    assert!(page.body.contains("Done by Agent user"));
    let ticks = app.desk().store().script_ticks(conv.id).await.unwrap();
    assert_eq!(ticks.len(), 1);
    assert!(
        app.desk()
            .store()
            .script_ticks(other.id)
            .await
            .unwrap()
            .is_empty(),
        "per conversation"
    );

    let mut admin = app.admin().await;
    let page = admin
        .get(&format!("/agent/conversations/{}", other.id.get()))
        .await;
    assert!(
        !page.body.contains("script-step done"),
        "the other conversation is untouched"
    );

    agent.get(&panel).await;
    agent.post(&tick, &[("done", "0")]).await;
    assert!(
        app.desk()
            .store()
            .script_ticks(conv.id)
            .await
            .unwrap()
            .is_empty()
    );

    for (path, done, status) in [
        (
            format!("/agent/conversations/{}/script/9", conv.id.get()),
            "1",
            StatusCode::BAD_REQUEST,
        ),
        (tick.clone(), "maybe", StatusCode::BAD_REQUEST),
    ] {
        let page = agent.post(&path, &[("done", done)]).await;
        assert_eq!(page.status, status, "{path} done={done}");
    }
    // Not the agent's conversation: hidden (404), or read-only if it is offered to them (403).
    let theirs_not = format!("/agent/conversations/{}/script/1", other.id.get());
    let page = agent.post(&theirs_not, &[("done", "1")]).await;
    assert!(
        matches!(page.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
        "{}",
        page.status
    );
    assert!(
        app.desk()
            .store()
            .script_ticks(other.id)
            .await
            .unwrap()
            .is_empty()
    );
    let forged = agent.post_raw(&tick, &pairs(&[("done", "1")])).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let mut anonymous = Browser::new(&app.address);
    let page = anonymous.post_raw(&tick, &pairs(&[("done", "1")])).await;
    assert_eq!(
        page.location.as_deref(),
        Some("/login"),
        "anonymous: sign in first"
    );
    assert!(
        app.desk()
            .store()
            .script_ticks(conv.id)
            .await
            .unwrap()
            .is_empty(),
        "nothing ticked"
    );
    app.stop().await;
}

#[tokio::test]
async fn use_puts_a_send_text_step_in_the_composer() {
    let app = spawn_app().await;
    let (conv, mut agent) = assigned_conversation(&app, "Hello").await;
    let mut admin = app.admin().await;
    admin.get(SCRIPT).await;
    add(&mut admin, "send_text", "Thanks for waiting <3 & welcome").await;
    add(&mut admin, "instruction", "Look up the order").await;
    add(
        &mut admin,
        "send_text",
        "Hi {FirstName{Customer}}, this is {FirstName{Agent}}.",
    )
    .await;
    let panel = format!("/agent/conversations/{}", conv.id.get());
    let before = app.messages(conv.id).await.len();
    let page = agent.get(&panel).await;
    assert!(page.body.contains(&format!(
        "data-fill=\"{}\"",
        html("Thanks for waiting <3 & welcome")
    )));
    let used = agent.post(&format!("{panel}/script/1/use"), &[]).await;
    assert_eq!(used.status, StatusCode::OK);
    assert!(
        used.body.contains(&format!(
            "\">{}</textarea>",
            html("Thanks for waiting <3 & welcome")
        )),
        "{}",
        used.body
    );
    // Slugs are filled for the conversation and the agent, in the panel and by Use.
    let page = agent.get(&panel).await;
    assert!(
        page.body.contains("data-fill=\"Hi Ana, this is Agent.\""),
        "{}",
        page.body
    );
    let used = agent.post(&format!("{panel}/script/3/use"), &[]).await;
    assert!(used.body.contains("\">Hi Ana, this is Agent.</textarea>"));
    // Without JavaScript, Use posts the reply form: the text goes after what was typed.
    assert!(page.body.contains(&format!(
        "form=\"compose-form\" formaction=\"{panel}/script/3/use\""
    )));
    let used = agent
        .post(&format!("{panel}/script/3/use"), &[("body", "Hello.\n")])
        .await;
    assert!(
        used.body
            .contains("\">Hello.\nHi Ana, this is Agent.</textarea>"),
        "{}",
        used.body
    );
    let page = agent.post(&format!("{panel}/script/2/use"), &[]).await;
    assert_eq!(
        page.status,
        StatusCode::BAD_REQUEST,
        "an instruction is never sent"
    );
    assert_eq!(
        app.messages(conv.id).await.len(),
        before,
        "using a step sends nothing"
    );
    app.stop().await;
}

/// `omnidesk` against the running app's data directory (through its control socket).
async fn cli(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let dir = app.dir.path().to_owned();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        crate::operations::omnidesk(&dir, &args, "")
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_script_travels_in_the_configuration_file_and_keeps_its_ticks() {
    let app = spawn_app().await;
    let (conv, _agent) = assigned_conversation(&app, "Hello").await;
    greet_and_verify(&app).await;
    let someone = app.desk().store().users().await.unwrap()[0].id;
    let hello = omnidesk::domain::knowledge::script::StepId::new(1);
    app.desk()
        .tick_script_step(conv.id, hello, someone, true)
        .await
        .unwrap()
        .unwrap();

    let (ok, text, err) = cli(&app, &["config", "export"]).await;
    assert!(ok, "{err}");
    for expected in [
        "[[workstreams.script]]",
        "kind = \"send_text\"",
        "text = \"Hello!\"",
        "kind = \"instruction\"",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    let file = app.dir.path().join("script.toml");
    let path = file.to_str().unwrap().to_owned();
    let block = "[[workstreams.script]]\nkind = \"instruction\"\ntext = \"Verify the address\"\n";
    assert!(text.contains(block), "{text}");
    let changed = text.replace(
        block,
        "[[workstreams.script]]\nkind = \"instruction\"\ntext = \"Verify the address and the order\"\n",
    );
    std::fs::write(&file, &changed).unwrap();
    let (ok, out, err) = cli(&app, &["config", "import", &path, "--dry-run"]).await;
    assert!(ok, "{err}");
    for expected in [
        "script of WhatsApp support:",
        "add the step \"Verify the address and the order\"",
        "remove the step \"Verify the address\"",
    ] {
        assert!(out.contains(expected), "{expected}: {out}");
    }
    let (ok, out, err) = cli(&app, &["config", "import", &path]).await;
    assert!(ok, "{out}\n{err}");
    assert_eq!(
        steps(&app).await,
        [
            (StepKind::SendText, "Hello!".to_owned()),
            (
                StepKind::Instruction,
                "Verify the address and the order".to_owned()
            ),
        ]
    );
    assert_eq!(
        step_ids(&app).await,
        [1, 3],
        "the unchanged step kept its id"
    );
    let ticks = app.desk().store().script_ticks(conv.id).await.unwrap();
    assert!(ticks.contains_key(&hello), "and its tick");
    let (_, out, _) = cli(&app, &["config", "import", &path]).await;
    assert!(
        out.contains("script of WhatsApp support: no changes"),
        "{out}"
    );

    // More steps than a script holds: the file is refused and nothing changes.
    let many = changed.replace(block.replace("Verify the address", "Verify the address and the order").as_str(), &"[[workstreams.script]]\nkind = \"instruction\"\ntext = \"Verify the address and the order\"\n".repeat(51));
    std::fs::write(&file, &many).unwrap();
    let (ok, out, err) = cli(&app, &["config", "import", &path]).await;
    assert!(!ok, "{out}");
    assert!(
        err.contains("a script has at most 50 steps")
            || out.contains("a script has at most 50 steps"),
        "{out}{err}"
    );
    assert_eq!(step_ids(&app).await, [1, 3]);
    app.stop().await;
}
