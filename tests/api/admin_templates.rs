//! The admin pages for WhatsApp message templates and quick replies: every bad value is refused
//! beside its field with the input kept and nothing stored; create, edit and delete work; lists
//! filter by workstream; what admins type is escaped in the pages.

use crate::helpers::*;
use crate::signin::Browser;
use omnidesk::domain::workstream::WorkstreamName;
use omnidesk::domain::{Channel, QuickReplyId, TemplateId, WorkstreamId};
use omnidesk::store::outbox::OutboundContent;
use omnidesk::store::records::DistributionMode;
use omnidesk::store::workstreams::WorkstreamDraft;
use reqwest::StatusCode;

type Form<'a> = Vec<(&'a str, &'a str)>;

/// A refused form: the fields changed from a good one, the field the error sits beside, the
/// message shown there, and why the value is invalid.
type Refused<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str, &'a str);

/// `raw` appears in `body` only HTML-escaped (named or numeric entities), never as markup.
fn assert_escaped(body: &str, raw: &str) {
    assert!(!body.contains(raw), "{raw:?} was not escaped");
    let named = raw.replace('<', "&lt;").replace('>', "&gt;");
    let numeric = raw.replace('<', "&#60;").replace('>', "&#62;");
    assert!(
        body.contains(&named) || body.contains(&numeric),
        "{raw:?} is missing from the page"
    );
}

/// `base` with each field of `over` replaced (or added).
pub(crate) fn with_fields<'a>(
    base: &[(&'a str, &'a str)],
    over: &[(&'a str, &'a str)],
) -> Form<'a> {
    let mut out: Form<'a> = base
        .iter()
        .filter(|(k, _)| !over.iter().any(|(o, _)| o == k))
        .copied()
        .collect();
    out.extend_from_slice(over);
    out
}

/// A valid new template, listed for the fixture's WhatsApp workstream (id 1).
pub(crate) const GOOD_TEMPLATE: &[(&str, &str)] = &[
    ("name", "delivery_notice"),
    ("language", "en"),
    ("text", "Hi {{1}}, parcel {{2}} arrives today."),
    ("content_sid", ""),
    ("workstreams", "1"),
    ("variant_lang_1", "es_MX"),
    ("variant_text_1", "Hola {{1}}, el paquete {{2}} llega hoy."),
];

const GOOD_QUICK_REPLY: &[(&str, &str)] = &[
    ("title", "Greeting"),
    ("locale", "en"),
    (
        "message",
        "Hi {FirstName{Customer}}, this is {FirstName{Agent}}.",
    ),
    ("tags", "hello, start"),
];

async fn add_workstream(app: &TestApp, name: &str, channel: Channel) -> WorkstreamId {
    app.desk()
        .store()
        .create_workstream(WorkstreamDraft {
            name: WorkstreamName::parse(name).unwrap(),
            channel,
            mode: DistributionMode::Push,
            fallback_queue: None,
            numbers: vec![],
        })
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn template_count(app: &TestApp) -> usize {
    app.desk().store().templates().await.unwrap().len()
}

/// Creates a template through the form and returns its id.
pub(crate) async fn create_template(b: &mut Browser, fields: &[(&str, &str)]) -> TemplateId {
    b.get("/admin/templates/new").await;
    let page = b.post("/admin/templates", fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = page.location.expect("redirect");
    let id = location
        .trim_start_matches("/admin/templates/")
        .trim_end_matches("?created=1");
    TemplateId::new(id.parse().expect("template id in the redirect"))
}

#[tokio::test]
async fn a_template_is_created_edited_and_deleted_through_the_forms() {
    let app = spawn_app().await;
    let mut b = app.admin().await;
    let sid = "HX0123456789abcdef0123456789abcdef";
    let fields = with_fields(
        GOOD_TEMPLATE,
        &[
            ("content_sid", sid),
            ("variant_lang_4", "pt-BR"),
            ("variant_text_4", "Olá {{1}}, o pacote {{2}} chega hoje."),
        ],
    );
    let id = create_template(&mut b, &fields).await;
    let t = app.desk().store().template(id).await.unwrap().unwrap();
    assert_eq!(t.name.as_str(), "delivery_notice");
    assert_eq!(t.language.as_str(), "en");
    assert_eq!(t.text.placeholders(), 2);
    assert_eq!(t.content_sid.map(|s| s.to_string()).as_deref(), Some(sid));
    assert_eq!(t.workstreams, vec![WorkstreamId::new(1)]);
    let langs: Vec<&str> = t.variants.iter().map(|v| v.language.as_str()).collect();
    assert_eq!(langs, ["es_MX", "pt-BR"]);

    let path = format!("/admin/templates/{}", id.get());
    let shown = b.get(&format!("{path}?created=1")).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains("Template created."));
    assert!(shown.body.contains("Olá {{1}}, o pacote {{2}} chega hoje."));

    let edited = [
        ("name", "delivery_notice"),
        ("language", "en"),
        ("text", "Hello {{1}}, your parcel arrives today."),
        ("content_sid", ""),
    ];
    let saved = b.post(&path, &edited).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location, Some(format!("{path}?saved=1")));
    let t = app.desk().store().template(id).await.unwrap().unwrap();
    assert_eq!(t.text.as_str(), "Hello {{1}}, your parcel arrives today.");
    assert_eq!(t.content_sid, None);
    assert!(t.workstreams.is_empty() && t.variants.is_empty());

    let confirm = b.get(&format!("{path}/delete")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("Delete template delivery_notice?"));
    let deleted = b.post(&format!("{path}/delete"), &[]).await;
    assert_eq!(
        deleted.location.as_deref(),
        Some("/admin/templates?deleted=1")
    );
    assert!(app.desk().store().template(id).await.unwrap().is_none());
    let list = b.get("/admin/templates?deleted=1").await;
    assert!(list.body.contains("Template deleted."));
    assert!(!list.body.contains("delivery_notice"));
    app.stop().await;
}

#[tokio::test]
async fn bad_template_values_are_refused_beside_the_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let sms = add_workstream(&app, "SMS support", Channel::Sms).await;
    let sms = sms.get().to_string();
    let mut b = app.admin().await;
    let long_name = "a".repeat(513);
    let long_text = format!("{{{{1}}}}{}", "x".repeat(1_020));
    let cases: &[Refused] = &[
        (
            &[("name", "")],
            "name",
            "Enter the template name.",
            "name missing",
        ),
        (
            &[("name", "Delivery_Notice")],
            "name",
            "Use only lowercase letters, digits and underscores",
            "uppercase letters",
        ),
        (
            &[("name", "delivery notice")],
            "name",
            "Use only lowercase letters, digits and underscores",
            "a space",
        ),
        (
            &[("name", &long_name)],
            "name",
            "The name is at most 512 characters.",
            "513 characters",
        ),
        (
            &[("language", "")],
            "language",
            "Use a language code like en, es_MX or es-MX.",
            "language missing",
        ),
        (
            &[("language", "english")],
            "language",
            "Use a language code like en, es_MX or es-MX.",
            "a word, not a code",
        ),
        (
            &[("text", "  ")],
            "text",
            "Enter the approved text.",
            "text blank",
        ),
        (
            &[("text", "Hi {{2}}")],
            "text",
            "Placeholders must be numbered from {{1}} without gaps; {{1}} is missing.",
            "does not start at {{1}}",
        ),
        (
            &[("text", "Hi {{1}} and {{3}}")],
            "text",
            "Placeholders must be numbered from {{1}} without gaps; {{2}} is missing.",
            "a gap",
        ),
        (
            &[("text", "Hi {{name}}")],
            "text",
            "Placeholder {{name}} is not a number from 1 to 99.",
            "a named placeholder",
        ),
        (
            &[("text", &long_text)],
            "text",
            "Approved text is at most 1024 characters.",
            "1,025 characters",
        ),
        (
            &[("text", "Hi {{1}}\u{1}")],
            "text",
            "Approved text contains characters that are not allowed.",
            "a control character",
        ),
        (
            &[("content_sid", "HX123")],
            "content_sid",
            "Content SID must be HX followed by 32 hexadecimal digits.",
            "too short",
        ),
        (
            &[("content_sid", "AC0123456789abcdef0123456789abcdef")],
            "content_sid",
            "Content SID must be HX followed by 32 hexadecimal digits.",
            "an Account SID",
        ),
        (
            &[("workstreams", "999")],
            "workstreams",
            "Choose workstreams from the list.",
            "no such workstream",
        ),
        (
            &[("workstreams", &sms)],
            "workstreams",
            "Choose workstreams from the list.",
            "an SMS workstream cannot list WhatsApp templates",
        ),
        (
            &[("workstreams", "one")],
            "workstreams",
            "Choose workstreams from the list.",
            "not an id",
        ),
        (
            &[("variant_text_1", "")],
            "variant_text_1",
            "Enter the approved text.",
            "a variant language without text",
        ),
        (
            &[("variant_lang_1", "")],
            "variant_lang_1",
            "Use a language code like en, es_MX or es-MX.",
            "a variant text without language",
        ),
        (
            &[("variant_lang_1", "EN")],
            "variant_lang_1",
            "EN is already given above.",
            "the default language again",
        ),
        (
            &[
                ("variant_lang_2", "es-mx"),
                ("variant_text_2", "Hola {{1}}, paquete {{2}}."),
            ],
            "variant_lang_2",
            "es-mx is already given above.",
            "the same variant language twice",
        ),
        (
            &[("variant_text_1", "Hola")],
            "variant_text_1",
            "This text has no placeholders; the default text has 2 placeholders.",
            "placeholder count differs from the default text",
        ),
        (
            &[("variant_text_1", "Hola {{1}} {{x}}")],
            "variant_text_1",
            "Placeholder {{x}} is not a number from 1 to 99.",
            "a bad placeholder in a variant",
        ),
        (
            &[
                ("variant_lang_5", "x"),
                ("variant_text_5", "Hi {{1}} {{2}}"),
            ],
            "variant_lang_5",
            "Use a language code like en, es_MX or es-MX.",
            "a bad code in a row beyond the three shown",
        ),
    ];
    b.get("/admin/templates/new").await;
    for (over, field, message, why) in cases {
        let page = b
            .post("/admin/templates", &with_fields(GOOD_TEMPLATE, over))
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert!(
            page.body
                .contains(&format!("<p class=\"error\" id=\"e-{field}\">{message}")),
            "{why}: no {message:?} beside {field}\n{}",
            page.body
        );
        assert!(
            page.body.contains("name=\"variant_text_1\"")
                && page
                    .body
                    .contains("Hola {{1}}, el paquete {{2}} llega hoy.")
                || *field == "variant_text_1",
            "{why}: the input was not kept"
        );
        assert_eq!(template_count(&app).await, 2, "{why}: something was stored");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_name_is_unique_per_language_only() {
    let app = spawn_app().await;
    let mut b = app.admin().await;
    b.get("/admin/templates/new").await;
    let same = with_fields(
        GOOD_TEMPLATE,
        &[("name", "order_update"), ("language", "EN")],
    );
    let page = b.post("/admin/templates", &same).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(
        page.body
            .contains("A template named order_update already exists for language EN.")
    );
    assert_eq!(template_count(&app).await, 2);

    let other = with_fields(
        GOOD_TEMPLATE,
        &[("name", "order_update"), ("language", "de")],
    );
    let id = create_template(&mut b, &other).await;
    let path = format!("/admin/templates/{}", id.get());
    let rename = with_fields(GOOD_TEMPLATE, &[("name", "follow_up"), ("language", "de")]);
    let page = b.post(&path, &rename).await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "follow_up exists only in en"
    );
    let own = with_fields(GOOD_TEMPLATE, &[("name", "follow_up"), ("language", "en")]);
    let page = b.post("/admin/templates/2", &own).await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "a template keeps its own name"
    );
    let page = b.post(&path, &own).await;
    assert_eq!(
        page.status,
        StatusCode::CONFLICT,
        "template 2 is follow_up in en"
    );
    let stored = app.desk().store().template(id).await.unwrap().unwrap();
    assert_eq!(
        stored.language.as_str(),
        "de",
        "the refused change was not stored"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_template_list_can_show_one_workstreams_templates() {
    let app = spawn_app().await;
    let sales = add_workstream(&app, "Sales", Channel::WhatsApp).await;
    let sales_id = sales.get().to_string();
    let mut b = app.admin().await;
    let fields = with_fields(
        GOOD_TEMPLATE,
        &[("name", "sales_offer"), ("workstreams", &sales_id)],
    );
    create_template(&mut b, &fields).await;

    let all = b.get("/admin/templates").await;
    for name in ["order_update", "follow_up", "sales_offer"] {
        assert!(all.body.contains(name), "{name} missing from the full list");
    }
    let only_sales = b
        .get(&format!("/admin/templates?workstream={sales_id}"))
        .await;
    assert_eq!(only_sales.status, StatusCode::OK);
    assert!(only_sales.body.contains("sales_offer"));
    assert!(!only_sales.body.contains("order_update"));
    assert!(!only_sales.body.contains("follow_up"));
    let only_support = b.get("/admin/templates?workstream=1").await;
    assert!(only_support.body.contains("order_update"));
    assert!(!only_support.body.contains("sales_offer"));
    for bad in ["999", "abc", "-1"] {
        let page = b.get(&format!("/admin/templates?workstream={bad}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "workstream={bad}");
    }
    let store = app.desk().store();
    assert_eq!(store.templates_for(sales).await.unwrap().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn unknown_templates_are_404_on_every_page() {
    let app = spawn_app().await;
    let mut b = app.admin().await;
    b.get("/admin/templates/new").await;
    for path in [
        "/admin/templates/999",
        "/admin/templates/abc",
        "/admin/templates/999/delete",
    ] {
        assert_eq!(
            b.get(path).await.status,
            StatusCode::NOT_FOUND,
            "GET {path}"
        );
        let page = b.post(path, GOOD_TEMPLATE).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "POST {path}");
    }
    assert_eq!(template_count(&app).await, 2);
    app.stop().await;
}

#[tokio::test]
async fn template_pages_escape_what_admins_typed() {
    let app = spawn_app().await;
    let mut b = app.admin().await;
    let fields = with_fields(
        GOOD_TEMPLATE,
        &[
            ("text", "<script>alert(1)</script> {{1}} {{2}}"),
            ("variant_lang_1", ""),
            ("variant_text_1", ""),
        ],
    );
    let id = create_template(&mut b, &fields).await;
    let page = b.get(&format!("/admin/templates/{}", id.get())).await;
    assert_escaped(&page.body, "<script>alert(1)</script>");
    let bad = with_fields(GOOD_TEMPLATE, &[("name", "<b>x</b>")]);
    let refused = b.post("/admin/templates", &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_escaped(&refused.body, "<b>x</b>");
    app.stop().await;
}

#[tokio::test]
async fn an_edited_template_is_what_the_outbox_sends() {
    let app = spawn_app().await;
    twilio_accepts(&app.twilio).await;
    let mut b = app.admin().await;
    b.get("/admin/templates/2").await;
    let edited = [
        ("name", "follow_up"),
        ("language", "en"),
        ("text", "Hello {{1}}, is there anything else?"),
        ("workstreams", "1"),
        ("variant_lang_1", "es"),
        ("variant_text_1", "Hola {{1}}, ¿algo más?"),
    ];
    let page = b.post("/admin/templates/2", &edited).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let conv = app.customer_writes_wa("hi").await;
    let sent = app
        .send(
            conv.id,
            OutboundContent::Template {
                template_id: app.fx.body_template,
                values: vec!["Ana".into()],
            },
        )
        .await
        .expect("template accepted");
    assert_eq!(sent.body, "Hello Ana, is there anything else?");
    app.stop().await;
}

async fn quick_reply_count(app: &TestApp) -> usize {
    app.desk().store().quick_replies().await.unwrap().len()
}

async fn create_quick_reply(b: &mut Browser, fields: &[(&str, &str)]) -> QuickReplyId {
    b.get("/admin/quick-replies/new").await;
    let page = b.post("/admin/quick-replies", fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = page.location.expect("redirect");
    let id = location
        .trim_start_matches("/admin/quick-replies/")
        .trim_end_matches("?created=1");
    QuickReplyId::new(id.parse().expect("quick reply id in the redirect"))
}

#[tokio::test]
async fn a_quick_reply_is_created_edited_and_deleted_through_the_forms() {
    let app = spawn_app().await;
    let mut b = app.admin().await;
    let id = create_quick_reply(&mut b, GOOD_QUICK_REPLY).await;
    let q = app.desk().store().quick_reply(id).await.unwrap().unwrap();
    assert_eq!(q.title, "Greeting");
    assert_eq!(q.locale.as_str(), "en");
    assert_eq!(q.tags, ["hello", "start"]);
    assert!(q.is_global());

    let path = format!("/admin/quick-replies/{}", id.get());
    let shown = b.get(&format!("{path}?created=1")).await;
    assert!(shown.body.contains("Quick reply created."));
    assert!(
        shown
            .body
            .contains("Hi {FirstName{Customer}}, this is {FirstName{Agent}}.")
    );

    let edited = with_fields(
        GOOD_QUICK_REPLY,
        &[
            ("title", "Bienvenida"),
            ("locale", "es-MX"),
            (
                "message",
                "Hola {FullName{Customer}} ({PhoneNumber{Customer}})",
            ),
            ("tags", ""),
            ("workstreams", "1"),
        ],
    );
    let saved = b.post(&path, &edited).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location, Some(format!("{path}?saved=1")));
    let q = app.desk().store().quick_reply(id).await.unwrap().unwrap();
    assert_eq!(
        (q.title.as_str(), q.locale.as_str()),
        ("Bienvenida", "es-MX")
    );
    assert!(q.tags.is_empty());
    assert_eq!(q.workstreams, [WorkstreamId::new(1)]);
    let ctx = omnidesk::domain::quick_reply::Context {
        customer_name: Some("Ana López".into()),
        customer_phone: Some(CUSTOMER.into()),
        agent_name: None,
    };
    assert_eq!(q.message.fill(&ctx), format!("Hola Ana López ({CUSTOMER})"));

    let confirm = b.get(&format!("{path}/delete")).await;
    assert!(confirm.body.contains("Delete quick reply Bienvenida?"));
    let deleted = b.post(&format!("{path}/delete"), &[]).await;
    assert_eq!(
        deleted.location.as_deref(),
        Some("/admin/quick-replies?deleted=1")
    );
    assert_eq!(quick_reply_count(&app).await, 0);
    let gone = b.post(&format!("{path}/delete"), &[]).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(b.get(&path).await.status, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn bad_quick_reply_values_are_refused_beside_the_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let mut b = app.admin().await;
    let long_title = "t".repeat(101);
    let long_message = "m".repeat(2_001);
    let long_tag = "g".repeat(41);
    let many_tags = (0..21)
        .map(|i| format!("t{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let cases: &[Refused] = &[
        (
            &[("title", "")],
            "title",
            "Enter the title.",
            "title missing",
        ),
        (
            &[("title", &long_title)],
            "title",
            "Title is at most 100 characters.",
            "101 characters",
        ),
        (
            &[("title", "two\nlines")],
            "title",
            "Title must be on one line.",
            "a line break",
        ),
        (
            &[("locale", "")],
            "locale",
            "Use a language code like en, es_MX or es-MX.",
            "locale missing",
        ),
        (
            &[("locale", "en US")],
            "locale",
            "Use a language code like en, es_MX or es-MX.",
            "a space in the code",
        ),
        (
            &[("message", " ")],
            "message",
            "Enter the message.",
            "message blank",
        ),
        (
            &[("message", &long_message)],
            "message",
            "Message is at most 2000 characters.",
            "2,001 characters",
        ),
        (
            &[("message", "Hi {Name{Customer}}")],
            "message",
            "{Name{Customer}} is not a slug omnidesk knows.",
            "an unknown slug",
        ),
        (
            &[("message", "Hi {FirstName{Customer}")],
            "message",
            "The braces do not balance.",
            "a slug not closed",
        ),
        (
            &[("message", "Hi } there")],
            "message",
            "The braces do not balance.",
            "a stray closing brace",
        ),
        (
            &[("tags", &long_tag)],
            "tags",
            "Each tag is at most 40 characters.",
            "a 41-character tag",
        ),
        (
            &[("tags", &many_tags)],
            "tags",
            "List at most 20 tags.",
            "21 tags",
        ),
        (
            &[("workstreams", "999")],
            "workstreams",
            "Choose workstreams from the list.",
            "no such workstream",
        ),
    ];
    b.get("/admin/quick-replies/new").await;
    for (over, field, message, why) in cases {
        let page = b
            .post("/admin/quick-replies", &with_fields(GOOD_QUICK_REPLY, over))
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert!(
            page.body
                .contains(&format!("<p class=\"error\" id=\"e-{field}\">{message}")),
            "{why}: no {message:?} beside {field}\n{}",
            page.body
        );
        assert!(
            page.body.contains("value=\"hello, start\"") || *field == "tags",
            "{why}: the input was not kept"
        );
        assert_eq!(
            quick_reply_count(&app).await,
            0,
            "{why}: something was stored"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn a_workstreams_quick_replies_are_its_own_and_the_global_ones() {
    let app = spawn_app().await;
    let sales = add_workstream(&app, "Sales", Channel::Sms).await;
    let sales_id = sales.get().to_string();
    let mut b = app.admin().await;
    create_quick_reply(
        &mut b,
        &with_fields(GOOD_QUICK_REPLY, &[("title", "Everyone")]),
    )
    .await;
    let support = [("title", "Support only"), ("workstreams", "1")];
    create_quick_reply(&mut b, &with_fields(GOOD_QUICK_REPLY, &support)).await;
    let sales_only = [("title", "Sales only"), ("workstreams", sales_id.as_str())];
    create_quick_reply(&mut b, &with_fields(GOOD_QUICK_REPLY, &sales_only)).await;

    let page = b.get("/admin/quick-replies?workstream=1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Everyone") && page.body.contains("Support only"));
    assert!(!page.body.contains("Sales only"));
    let page = b
        .get(&format!("/admin/quick-replies?workstream={sales_id}"))
        .await;
    assert!(page.body.contains("Everyone") && page.body.contains("Sales only"));
    assert!(!page.body.contains("Support only"));
    let all = b.get("/admin/quick-replies").await;
    assert!(all.body.contains("All workstreams"));
    let missing = b.get("/admin/quick-replies?workstream=42").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let store = app.desk().store();
    assert_eq!(store.quick_replies_for(sales).await.unwrap().len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn quick_reply_pages_escape_what_admins_typed() {
    let app = spawn_app().await;
    let mut b = app.admin().await;
    let evil = [
        ("title", "<script>alert(1)</script>"),
        ("tags", "<i>vip</i>"),
        ("message", "Use <b>bold</b> & more"),
    ];
    let id = create_quick_reply(&mut b, &with_fields(GOOD_QUICK_REPLY, &evil)).await;
    for path in [
        "/admin/quick-replies".to_owned(),
        format!("/admin/quick-replies/{}", id.get()),
        format!("/admin/quick-replies/{}/delete", id.get()),
    ] {
        let page = b.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        for raw in ["<script>alert(1)</script>", "<i>vip</i>", "<b>bold</b>"] {
            if path.ends_with("delete") && raw != "<script>alert(1)</script>" {
                continue;
            }
            assert_escaped(&page.body, raw);
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn the_store_refuses_what_the_forms_never_send_and_writes_nothing() {
    use omnidesk::domain::language::LanguageCode;
    use omnidesk::domain::quick_reply::QuickReplyText;
    use omnidesk::domain::template::TemplateText;
    use omnidesk::domain::template_name::TemplateName;
    use omnidesk::store::quick_replies::{QuickReplyDraft, QuickReplyRefusal};
    use omnidesk::store::templates::{TemplateDraft, TemplateRefusal};

    let app = spawn_app().await;
    let sms = add_workstream(&app, "SMS support", Channel::Sms).await;
    let store = app.desk().store();
    let lang = |s: &str| LanguageCode::parse(s).unwrap();
    let draft = |workstreams: Vec<WorkstreamId>, variants| TemplateDraft {
        name: TemplateName::parse("store_check").unwrap(),
        language: lang("en"),
        text: TemplateText::parse("Hi {{1}}").unwrap(),
        content_sid: None,
        variants,
        workstreams,
        variables: vec![],
    };
    let hola = |s: &str| TemplateText::parse(s).unwrap();
    let cases = [
        (
            draft(vec![WorkstreamId::new(99)], vec![]),
            TemplateRefusal::UnknownWorkstream,
            "no such workstream",
        ),
        (
            draft(vec![sms], vec![]),
            TemplateRefusal::NotWhatsApp("SMS support".into()),
            "an SMS workstream",
        ),
        (
            draft(
                vec![],
                vec![
                    (lang("en_US"), hola("Hi {{1}}")),
                    (lang("en-us"), hola("Yo {{1}}")),
                ],
            ),
            TemplateRefusal::RepeatedLanguage("en-us".into()),
            "one variant language twice",
        ),
        (
            draft(vec![], vec![(lang("es"), hola("Hola"))]),
            TemplateRefusal::PlaceholderCount {
                language: "es".into(),
                expected: 1,
                given: 0,
            },
            "a variant without the placeholder",
        ),
    ];
    for (d, refusal, why) in cases {
        assert_eq!(
            store.create_template(d).await.unwrap().unwrap_err(),
            refusal,
            "{why}"
        );
        assert_eq!(template_count(&app).await, 2, "{why}: something was stored");
    }
    let unknown = store
        .update_template(TemplateId::new(99), draft(vec![], vec![]))
        .await;
    assert_eq!(unknown.unwrap().unwrap_err(), TemplateRefusal::Unknown);
    assert!(store.template(TemplateId::new(99)).await.unwrap().is_none());

    let reply = QuickReplyDraft {
        title: "Hi".into(),
        locale: lang("en"),
        message: QuickReplyText::parse("Hi {FirstName{Customer}}").unwrap(),
        tags: vec![],
        workstreams: vec![WorkstreamId::new(99)],
    };
    let refused = store.create_quick_reply(reply.clone()).await.unwrap();
    assert_eq!(refused.unwrap_err(), QuickReplyRefusal::UnknownWorkstream);
    let refused = store
        .update_quick_reply(QuickReplyId::new(1), reply)
        .await
        .unwrap();
    assert_eq!(refused.unwrap_err(), QuickReplyRefusal::Unknown);
    assert_eq!(quick_reply_count(&app).await, 0);
    app.stop().await;
}
