//! Routing rules, skills and context variables in the admin console: create, edit, reorder and
//! delete with CSRF and authorization, field errors that keep the input, "Try it", and the
//! diagnostics and required skills classification stores for a conversation.

use crate::helpers::*;
use crate::signin::Browser;
use omnidesk::domain::queue::AssignmentMethod;
use omnidesk::domain::routing::{ContextValue, VariableName};
use omnidesk::domain::user::Role;
use omnidesk::domain::workstream::QueueName;
use omnidesk::domain::{QueueId, RuleId, SkillId, WorkstreamId};
use omnidesk::store::queues::QueueDraft;
use reqwest::StatusCode;

const WS: &str = "/admin/workstreams/1";

fn ws() -> WorkstreamId {
    WorkstreamId::new(1)
}

async fn post(b: &mut Browser, path: &str, form: &[(&str, &str)]) -> crate::signin::Page {
    b.post(path, form).await
}

/// The error shown beside field `name`, if any.
fn error_beside<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    let start = body.find(&format!("id=\"e-{name}\">"))?;
    let rest = &body[start..];
    Some(&rest[..rest.find("</p>")?])
}

async fn billing_queue(app: &TestApp) -> QueueId {
    app.desk()
        .store()
        .create_queue(
            ws(),
            QueueDraft {
                name: QueueName::parse("Billing").unwrap(),
                priority: 1,
                method: AssignmentMethod::HighestCapacity,
                hours: None,
                overflow: vec![],
                members: vec![],
            },
        )
        .await
        .unwrap()
        .unwrap()
        .id
}

/// A signed-in admin holding the session's CSRF token.
async fn admin(app: &TestApp) -> Browser {
    let mut b = app.admin().await;
    assert_eq!(b.get(WS).await.status, StatusCode::OK);
    b
}

async fn rule_names(app: &TestApp) -> Vec<String> {
    let rules = app.desk().store().rules(ws()).await.unwrap();
    rules.iter().map(|r| r.name.to_string()).collect()
}

#[tokio::test]
async fn rules_can_be_created_edited_reordered_and_deleted() {
    let app = spawn_app().await;
    let queue = billing_queue(&app).await;
    let mut admin = admin(&app).await;
    let skill = post(&mut admin, "/admin/skills", &[("name", "Billing")]).await;
    assert_eq!(skill.status, StatusCode::SEE_OTHER, "{}", skill.body);
    assert_eq!(
        admin.get(&format!("{WS}/routing/new")).await.status,
        StatusCode::OK
    );
    let q = queue.get().to_string();
    let created = post(
        &mut admin,
        &format!("{WS}/routing"),
        &[
            ("name", "Money"),
            ("queue", &q),
            ("keywords", "refund, invoice"),
            ("customer_test", "starts_with"),
            ("customer_number", "+1 415"),
            ("skill0", "1"),
            ("skill0_min", "4"),
        ],
    )
    .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    post(
        &mut admin,
        &format!("{WS}/routing"),
        &[("name", "Everyone else")],
    )
    .await;
    assert_eq!(rule_names(&app).await, ["Money", "Everyone else"]);
    let stored = app
        .desk()
        .store()
        .rule(RuleId::new(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.rule.queue, Some(queue));
    assert_eq!(stored.rule.conditions.len(), 2);
    assert_eq!(stored.rule.skills[0].skill, SkillId::new(1));

    let list = admin.get(&format!("{WS}/routing")).await;
    assert!(
        list.body.contains("first message mentions refund, invoice"),
        "{}",
        list.body
    );
    assert!(list.body.contains("Billing ≥ 4"));

    let moved = post(&mut admin, &format!("{WS}/routing/2/up"), &[]).await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    assert_eq!(rule_names(&app).await, ["Everyone else", "Money"]);
    post(&mut admin, &format!("{WS}/routing/2/up"), &[]).await;
    assert_eq!(
        rule_names(&app).await,
        ["Everyone else", "Money"],
        "the top rule stays on top"
    );
    post(&mut admin, &format!("{WS}/routing/2/down"), &[]).await;
    assert_eq!(rule_names(&app).await, ["Money", "Everyone else"]);

    let edit = admin.get(&format!("{WS}/routing/1")).await;
    assert!(
        edit.body.contains("value=\"refund, invoice\""),
        "the form shows the rule"
    );
    let saved = post(
        &mut admin,
        &format!("{WS}/routing/1"),
        &[("name", "Money matters"), ("channel", "whatsapp")],
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let stored = app
        .desk()
        .store()
        .rule(RuleId::new(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.rule.name.as_str(), "Money matters");
    assert_eq!(
        stored.rule.queue, None,
        "no queue chosen: the fallback queue"
    );
    assert!(stored.rule.skills.is_empty());

    let refused = post(&mut admin, "/admin/skills/1/delete", &[]).await;
    assert_eq!(
        refused.status,
        StatusCode::SEE_OTHER,
        "no rule requires the skill any more"
    );

    let confirm = admin.get(&format!("{WS}/routing/1/delete")).await;
    assert!(confirm.body.contains("class=\"danger\"") || confirm.body.contains("danger"));
    let deleted = post(&mut admin, &format!("{WS}/routing/1/delete"), &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(rule_names(&app).await, ["Everyone else"]);
    let gone = admin.get(&format!("{WS}/routing/1")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn agents_and_forms_without_the_token_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let mut agent = app.signed_in(Role::Agent, "agent@example.com").await;
    for path in [
        format!("{WS}/routing"),
        format!("{WS}/routing/new"),
        format!("{WS}/context-variables"),
        "/admin/skills".into(),
    ] {
        assert_eq!(
            agent.get(&path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let tried = post(&mut agent, &format!("{WS}/routing"), &[("name", "Sneaky")]).await;
    assert_eq!(tried.status, StatusCode::FORBIDDEN);
    let tried = post(&mut agent, "/admin/skills", &[("name", "Sneaky")]).await;
    assert_eq!(tried.status, StatusCode::FORBIDDEN);

    let mut admin = admin(&app).await;
    admin.get(&format!("{WS}/routing")).await;
    let forged = admin
        .post_raw(
            &format!("{WS}/routing"),
            &[
                ("csrf".into(), "forged".into()),
                ("name".into(), "Forged".into()),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    post(&mut admin, &format!("{WS}/routing"), &[("name", "Real")]).await;
    let no_token = admin.post_raw(&format!("{WS}/routing/1/delete"), &[]).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert_eq!(rule_names(&app).await, ["Real"]);
    assert!(app.desk().store().skills().await.unwrap().is_empty());
}

#[tokio::test]
async fn bad_rule_input_is_refused_beside_each_field_and_the_input_is_kept() {
    let app = spawn_app().await;
    let mut admin = admin(&app).await;
    post(
        &mut admin,
        &format!("{WS}/context-variables"),
        &[("name", "Tier"), ("kind", "text")],
    )
    .await;
    // (field, value, why it is refused)
    let cases = [
        ("name", "", "a rule needs a name"),
        ("customer_number", "call me", "not digits"),
        ("keywords", " , ", "no word in the list"),
        ("language", "english please", "not a language code"),
        ("queue", "999", "not a queue of the workstream"),
        ("ctx0_value", "9", "a value without a variable"),
        ("skill0", "42", "no such skill"),
    ];
    for (field, value, why) in cases {
        let mut form = vec![
            ("name", "Kept name"),
            ("customer_test", "starts_with"),
            ("customer_number", "+44"),
            ("keywords", "kept words"),
        ];
        form.retain(|(k, _)| *k != field);
        form.push((field, value));
        let page = post(&mut admin, &format!("{WS}/routing"), &form).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert!(
            error_beside(&page.body, field).is_some(),
            "{why}: {}",
            page.body
        );
        if field != "keywords" {
            assert!(
                page.body.contains("value=\"kept words\""),
                "{why}: input kept"
            );
        }
    }
    let greater = post(
        &mut admin,
        &format!("{WS}/routing"),
        &[
            ("name", "Rich"),
            ("ctx0_name", "tier"),
            ("ctx0_test", "gt"),
            ("ctx0_value", "5"),
        ],
    )
    .await;
    assert_eq!(greater.status, StatusCode::UNPROCESSABLE_ENTITY);
    let why = error_beside(&greater.body, "ctx0_test").expect("beside the test");
    assert!(why.contains("compare numbers"), "{why}");
    assert!(rule_names(&app).await.is_empty(), "nothing stored");
}

#[tokio::test]
async fn try_it_shows_which_rule_matches_and_which_queue() {
    let app = spawn_app().await;
    let queue = billing_queue(&app).await;
    let mut admin = admin(&app).await;
    let q = queue.get().to_string();
    post(
        &mut admin,
        &format!("{WS}/routing"),
        &[
            ("name", "UK"),
            ("customer_test", "starts_with"),
            ("customer_number", "+44"),
        ],
    )
    .await;
    post(
        &mut admin,
        &format!("{WS}/routing"),
        &[
            ("name", "Money"),
            ("queue", &q),
            ("keywords", "refund, invoice"),
        ],
    )
    .await;
    post(&mut admin, &format!("{WS}/routing"), &[("name", "Last")]).await;

    let tried = post(
        &mut admin,
        &format!("{WS}/routing/try"),
        &[
            ("customer", "+14155550123"),
            ("message", "Where is my INVOICE?"),
        ],
    )
    .await;
    assert_eq!(tried.status, StatusCode::OK, "{}", tried.body);
    assert!(
        tried.body.contains("Rule “Money” matches: queue Billing."),
        "{}",
        tried.body
    );
    let at = |s: &str| tried.body.find(s).unwrap_or_else(|| panic!("{s} shown"));
    assert!(at("Did not match") < at("Matched") && at("Matched") < at("Not evaluated"));
    assert!(
        tried.body.contains("Where is my INVOICE?"),
        "the sample is kept"
    );

    let fallback = post(
        &mut admin,
        &format!("{WS}/routing/try"),
        &[
            ("customer", "+14155550123"),
            ("message", "hello"),
            ("channel", "sms"),
        ],
    )
    .await;
    assert!(
        fallback.body.contains("Rule “Last” matches"),
        "{}",
        fallback.body
    );

    let bad = post(
        &mut admin,
        &format!("{WS}/routing/try"),
        &[("customer", "nobody"), ("message", "")],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_beside(&bad.body, "customer").is_some());
    assert!(error_beside(&bad.body, "message").is_some());
}

#[tokio::test]
async fn a_conversation_records_its_routing_and_admins_see_it_on_the_conversation_page() {
    let app = spawn_app().await;
    let queue = billing_queue(&app).await;
    let mut admin = admin(&app).await;
    post(&mut admin, "/admin/skills", &[("name", "Español")]).await;
    post(
        &mut admin,
        &format!("{WS}/context-variables"),
        &[("name", "Orders"), ("kind", "number"), ("default", "3")],
    )
    .await;
    let q = queue.get().to_string();
    post(
        &mut admin,
        &format!("{WS}/routing"),
        &[
            ("name", "Frequent buyers"),
            ("ctx0_name", "orders"),
            ("ctx0_test", "gt"),
            ("ctx0_value", "10"),
        ],
    )
    .await;
    post(
        &mut admin,
        &format!("{WS}/routing"),
        &[
            ("name", "Reembolsos"),
            ("queue", &q),
            ("keywords", "reembolso"),
            ("skill0", "1"),
            ("skill0_min", "6"),
        ],
    )
    .await;

    let conv = app
        .customer_writes_wa("Quiero un REEMBOLSO, por favor")
        .await;
    let decision = app
        .desk()
        .classify_conversation(conv.id, "Quiero un REEMBOLSO, por favor")
        .await
        .unwrap();
    assert_eq!(decision.queue, Some(queue));
    assert_eq!(decision.queue_name, "Billing");
    assert_eq!(decision.matched, Some(RuleId::new(2)));
    let store = app.desk().store();
    let d = store
        .routing_diagnostics(conv.id)
        .await
        .unwrap()
        .expect("stored");
    let evaluated: Vec<(String, bool)> = d
        .evaluated
        .iter()
        .map(|o| (o.name.clone(), o.held))
        .collect();
    assert_eq!(
        evaluated,
        [
            ("Frequent buyers".to_owned(), false),
            ("Reembolsos".to_owned(), true)
        ],
        "the default of Orders (3) is not above 10"
    );
    let skills = store.conversation_skills(conv.id).await.unwrap();
    assert_eq!(skills.len(), 1);
    assert_eq!(skills[0].min.get(), 6);

    // The bot sets Orders: classifying again now matches the first rule.
    let name = VariableName::parse("Orders").unwrap();
    app.desk()
        .set_context_value(conv.id, name, ContextValue::Number(12.0))
        .await
        .unwrap()
        .unwrap();
    let again = app
        .desk()
        .classify_conversation(conv.id, "hola")
        .await
        .unwrap();
    assert_eq!(again.matched, Some(RuleId::new(1)));
    assert_eq!(again.queue, None, "the fallback queue");
    assert!(store.conversation_skills(conv.id).await.unwrap().is_empty());

    let page = admin
        .get(&format!("/agent/conversations/{}", conv.id.get()))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Routing diagnostics"), "{}", page.body);
    assert!(page.body.contains("Frequent buyers: Matched"));
    assert!(
        page.body.contains("<dt>Orders</dt><dd>12</dd>"),
        "context shown"
    );
}

#[tokio::test]
async fn skills_and_agent_proficiencies_are_kept_and_checked() {
    let app = spawn_app().await;
    let mut admin = admin(&app).await;
    let agent = app.signed_in(Role::Agent, "ana@example.com").await;
    drop(agent);
    let users = app.desk().store().users().await.unwrap();
    let ana = users.iter().find(|u| u.role == Role::Agent).unwrap().id;
    post(&mut admin, "/admin/skills", &[("name", "Spanish")]).await;
    let dup = post(&mut admin, "/admin/skills", &[("name", "SPANISH")]).await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error_beside(&dup.body, "name")
            .unwrap()
            .contains("already exists")
    );
    assert!(dup.body.contains("value=\"SPANISH\""), "input kept");

    let field = format!("user{}", ana.get());
    let bad = post(
        &mut admin,
        "/admin/skills/1",
        &[("name", "Spanish"), (&field, "11")],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_beside(&bad.body, &field).is_some());
    assert!(
        app.desk()
            .store()
            .agent_skills(ana)
            .await
            .unwrap()
            .is_empty()
    );

    let ok = post(
        &mut admin,
        "/admin/skills/1",
        &[("name", "Spanish"), (&field, "7")],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let held = app.desk().store().agent_skills(ana).await.unwrap();
    assert_eq!(
        held,
        [(
            SkillId::new(1),
            omnidesk::domain::routing::Proficiency::new(7).unwrap()
        )]
    );
    let shown = admin.get("/admin/skills/1").await;
    assert!(shown.body.contains("value=\"7\""));

    let mode = post(
        &mut admin,
        &format!("{WS}/routing/skill-match"),
        &[("mode", "closest")],
    )
    .await;
    assert_eq!(mode.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.desk().store().skill_match_mode(ws()).await.unwrap(),
        omnidesk::domain::routing::MatchMode::Closest
    );
}

#[tokio::test]
async fn context_variables_are_named_as_placeholders_and_typed() {
    let app = spawn_app().await;
    let mut admin = admin(&app).await;
    let path = format!("{WS}/context-variables");
    // (name, kind, default, field refused, why)
    let cases = [
        (
            "order id",
            "text",
            "",
            "name",
            "a space cannot be in {$Name$}",
        ),
        ("Orders", "number", "many", "default", "not a number"),
        ("VIP", "yes_no", "perhaps", "default", "not yes or no"),
        ("Tier", "colour", "", "kind", "no such type"),
    ];
    for (name, kind, default, field, why) in cases {
        let page = post(
            &mut admin,
            &path,
            &[("name", name), ("kind", kind), ("default", default)],
        )
        .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert!(error_beside(&page.body, field).is_some(), "{why}");
    }
    let ok = post(
        &mut admin,
        &path,
        &[("name", "VIP"), ("kind", "yes_no"), ("default", "no")],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let dup = post(&mut admin, &path, &[("name", "vip"), ("kind", "text")]).await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    let list = admin.get(&path).await;
    assert!(list.body.contains("{$VIP$}"));
    let renamed = post(
        &mut admin,
        &format!("{path}/vip"),
        &[("name", "Premium"), ("kind", "yes_no"), ("default", "yes")],
    )
    .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER, "{}", renamed.body);
    let vars = app.desk().store().context_variables(ws()).await.unwrap();
    assert_eq!(vars.len(), 1);
    assert_eq!(vars[0].name.as_str(), "Premium");
    assert_eq!(vars[0].default, Some(ContextValue::YesNo(true)));
    let deleted = post(&mut admin, &format!("{path}/premium/delete"), &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert!(
        app.desk()
            .store()
            .context_variables(ws())
            .await
            .unwrap()
            .is_empty()
    );
}
