//! `/simulator` (admins only): a phone-like page where the admin plays the customer of a Simulator
//! number. A message goes in through `Desk::take_inbound`, exactly as a webhook's would; the page
//! shows the chat from the customer's side with each reply's delivery status, can report `read`
//! for the delivered replies ("Read replies", a POST: showing the page changes nothing), and can
//! "skip ahead 24 h" by closing the WhatsApp reply window.
//!
//! Simulator accounts have no Account SID and nothing checks one on this path (the Twilio check
//! lives in the webhook handler), so the message carries the account's SID if it has one, or a
//! pseudo SID made from the account id (`AC` + the id as 32 hex digits).

use crate::app::Desk;
use crate::domain::inbound::{InboundMessage, MAX_BODY_CHARS, ProviderMessageId};
use crate::domain::user::Role;
use crate::domain::{Channel, Direction, NumberId, PhoneNumber};
use crate::store::ingest::Ingested;
use crate::store::records::{Conversation, Message, ProviderKind, SenderNumber};
use crate::store::simulator::Expired;
use crate::web::csrf::{CsrfForm, FormData};
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::{
    ADMIN_SECTIONS, Field, FieldErrors, FieldKind, FormModel, Nav, PageError, redirect, validate,
};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use std::time::Duration;

/// The customer number the page starts with.
pub const DEFAULT_CUSTOMER: &str = "+15550001234";
/// Most messages shown in the chat (the newest).
const THREAD_LIMIT: usize = 200;
/// How long "Skip ahead" waits for the conversation actor to flip the window before answering.
const FLIP_WAIT: Duration = Duration::from_secs(2);
const FLIP_POLL: Duration = Duration::from_millis(20);

const NO_WINDOW: &str = "SMS has no 24-hour reply window, so there is nothing to skip ahead.";
const NO_CONVERSATION: &str =
    "There is no open conversation with this customer yet: send a message first.";

mod read;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/simulator", web::get().to(show))
        .route("/simulator", web::post().to(send))
        .route("/simulator/read", web::post().to(read::read))
        .route("/simulator/skip", web::post().to(skip));
}

/// One message as the customer's phone shows it.
struct Bubble {
    from_customer: bool,
    body: String,
    time: String,
    /// "automated" for omnidesk's own messages.
    who: Option<&'static str>,
    status: Option<String>,
    failure: Option<String>,
}

struct Chat {
    business: String,
    channel: Channel,
    customer: String,
    window: String,
    messages: Vec<Bubble>,
}

#[derive(Template)]
#[template(path = "simulator.html")]
struct SimulatorPage {
    nav: Nav,
    notice: Option<String>,
    problem: Option<String>,
    no_numbers: bool,
    chat: Option<Chat>,
    compose: FormModel,
    skip: FormModel,
    read: FormModel,
    refresh_href: String,
}

impl SimulatorPage {
    fn admin_sections(&self) -> &'static [(&'static str, &'static str, &'static str)] {
        &ADMIN_SECTIONS
    }

    fn respond(&self, status: StatusCode) -> HttpResponse {
        match self.render() {
            Ok(html) => HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .insert_header(("Cache-Control", "no-store"))
                .body(html),
            Err(e) => {
                tracing::error!(error = %e, "simulator page render failed");
                actix_web::ResponseError::error_response(&PageError::Internal)
            }
        }
    }
}

/// What the page is about: a Simulator number and a customer.
struct Selection {
    number: SenderNumber,
    customer: PhoneNumber,
}

/// Every number of every Simulator account.
async fn simulator_numbers(desk: &Desk) -> Result<Vec<SenderNumber>, PageError> {
    let accounts = desk.store().accounts().await?;
    let simulated: Vec<_> = accounts
        .iter()
        .filter(|a| a.provider == ProviderKind::Simulator)
        .map(|a| a.id)
        .collect();
    let mut numbers = desk.store().numbers().await?;
    numbers.retain(|n| simulated.contains(&n.account_id));
    Ok(numbers)
}

fn number_label(n: &SenderNumber) -> String {
    format!("{} · {} {}", n.name, n.channel, n.number)
}

fn compose_form(csrf: &str, numbers: &[SenderNumber], number: &str, customer: &str) -> FormModel {
    let options = numbers
        .iter()
        .map(|n| (n.id.get().to_string(), number_label(n)))
        .collect();
    FormModel::new("/simulator", csrf, "Send")
        .field(Field::new("number", "Business number", FieldKind::Select { options }).value(number))
        .field(
            Field::text("customer", "Your number (the customer)")
                .value(customer)
                .help("E.164, e.g. +15550001234.")
                .required(),
        )
        .field(Field::new("body", "Message", FieldKind::TextArea { rows: 3 }).required())
}

fn skip_form(csrf: &str, number: &str, customer: &str) -> FormModel {
    FormModel::new("/simulator/skip", csrf, "Skip ahead 24 h")
        .field(Field::hidden("number", number))
        .field(Field::hidden("customer", customer))
}

fn refresh_href(number: &str, customer: &str) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    format!(
        "/simulator?number={}&customer={}",
        utf8_percent_encode(number, NON_ALPHANUMERIC),
        utf8_percent_encode(customer, NON_ALPHANUMERIC)
    )
}

/// Reads the number and customer fields; errors go under their field names.
fn select(
    numbers: &[SenderNumber],
    number: &str,
    customer: &str,
    errors: &mut FieldErrors,
) -> Option<Selection> {
    let number = number
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|id| numbers.iter().find(|n| n.id == NumberId::new(id)));
    if number.is_none() {
        errors.add("number", "Choose one of the Simulator numbers.");
    }
    let customer = match PhoneNumber::parse(customer) {
        Ok(p) if !p.is_short_code() => Some(p),
        _ => {
            errors.add(
                "customer",
                "Enter the customer's number in E.164: \"+\" and 6 to 15 digits, e.g. +15550001234.",
            );
            None
        }
    };
    Some(Selection {
        number: number?.clone(),
        customer: customer?,
    })
}

/// The conversations of this customer with this number, oldest first.
async fn conversations(desk: &Desk, sel: &Selection) -> Result<Vec<Conversation>, PageError> {
    let mut convs = desk
        .store()
        .conversations_of(sel.customer.as_str().to_owned())
        .await?;
    convs.retain(|c| c.number_id == sel.number.id);
    convs.sort_by_key(|c| (c.created_at, c.id));
    Ok(convs)
}

fn time_of(m: &Message) -> String {
    jiff::Timestamp::from_millisecond(m.created_at.as_millis())
        .map(|t| t.strftime("%H:%M").to_string())
        .unwrap_or_default()
}

fn window_text(desk: &Desk, sel: &Selection, open: Option<&Conversation>) -> String {
    let Some(c) = open else {
        return "No open conversation: your next message starts one.".into();
    };
    match (sel.number.channel, c.window_expires_at) {
        (Channel::Sms, _) | (_, None) => "SMS: no reply window.".into(),
        (Channel::WhatsApp, Some(at)) if !c.template_only && desk.now() < at => {
            format!("Reply window open until {at}.")
        }
        _ => "Reply window closed: the business can only send a template until you write again."
            .into(),
    }
}

/// Loads the chat as the customer's phone shows it; nothing changes.
async fn load_chat(desk: &Desk, sel: &Selection) -> Result<Chat, PageError> {
    let convs = conversations(desk, sel).await?;
    let mut messages = Vec::new();
    for c in &convs {
        let of_conv = desk.store().messages(c.id).await?;
        messages.extend(of_conv);
    }
    messages.retain(|m| !matches!(m.direction, Direction::Note | Direction::System));
    let skip = messages.len().saturating_sub(THREAD_LIMIT);
    let mut bubbles = Vec::new();
    for m in messages.into_iter().skip(skip) {
        let from_customer = m.direction == Direction::Inbound;
        bubbles.push(Bubble {
            from_customer,
            time: time_of(&m),
            who: (m.direction == Direction::Automated).then_some("automated"),
            status: (!from_customer).then(|| m.status.to_string()),
            failure: m.failure.as_ref().map(|f| f.message.clone()),
            body: m.body,
        });
    }
    let open = convs.iter().rev().find(|c| !c.state.is_closed());
    Ok(Chat {
        business: number_label(&sel.number),
        channel: sel.number.channel,
        customer: sel.customer.to_string(),
        window: window_text(desk, sel, open),
        messages: bubbles,
    })
}

struct View {
    compose: FormModel,
    number: String,
    customer: String,
    notice: Option<String>,
    problem: Option<String>,
}

async fn render(
    desk: &Desk,
    user: &SignedIn,
    numbers: &[SenderNumber],
    sel: Option<&Selection>,
    view: View,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let chat = match sel {
        Some(s) => Some(load_chat(desk, s).await?),
        None => None,
    };
    let page = SimulatorPage {
        nav: Nav::for_user(user, "simulator"),
        notice: view.notice,
        problem: view.problem,
        no_numbers: numbers.is_empty(),
        chat,
        compose: view.compose,
        skip: skip_form(&user.csrf, &view.number, &view.customer),
        read: read::form(&user.csrf, &view.number, &view.customer),
        refresh_href: refresh_href(&view.number, &view.customer),
    };
    Ok(page.respond(status))
}

/// The page again with a refusal: the form's input kept, errors beside their fields.
async fn unprocessable(
    desk: &Desk,
    user: &SignedIn,
    numbers: &[SenderNumber],
    sel: Option<&Selection>,
    view: View,
) -> Result<HttpResponse, PageError> {
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    render(desk, user, numbers, sel, view, status).await
}

#[derive(serde::Deserialize)]
struct Query {
    number: Option<String>,
    customer: Option<String>,
    skipped: Option<String>,
}

async fn show(
    Admin(admin): Admin,
    q: web::Query<Query>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let numbers = simulator_numbers(&desk).await?;
    let number = q
        .number
        .clone()
        .or_else(|| numbers.first().map(|n| n.id.get().to_string()))
        .unwrap_or_default();
    let customer = q
        .customer
        .clone()
        .unwrap_or_else(|| DEFAULT_CUSTOMER.to_owned());
    let mut errors = FieldErrors::default();
    let sel = select(&numbers, &number, &customer, &mut errors);
    let mut compose = compose_form(&admin.csrf, &numbers, &number, &customer);
    let mut status = StatusCode::OK;
    if !errors.is_empty() && !numbers.is_empty() {
        let form = FormData(vec![
            ("number".into(), number.clone()),
            ("customer".into(), customer.clone()),
        ]);
        compose = compose.refill(&form, &errors);
        status = StatusCode::UNPROCESSABLE_ENTITY;
    }
    let notice = q.skipped.as_ref().map(|_| {
        "Skipped ahead 24 hours: the reply window is closed, so the business can only send a \
         template until you write again."
            .to_owned()
    });
    let view = View {
        compose,
        number,
        customer,
        notice,
        problem: None,
    };
    render(&desk, &admin, &numbers, sel.as_ref(), view, status).await
}

/// A fresh Twilio-shaped message id: `SM` and 32 random hex digits.
fn new_message_id() -> Result<ProviderMessageId, PageError> {
    let mut id = [0u8; 16];
    crate::secrets::fill_random(&mut id);
    ProviderMessageId::parse(&format!("SM{}", hex::encode(id))).map_err(|_| PageError::Internal)
}

async fn send(f: CsrfForm, desk: web::Data<Desk>) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let numbers = simulator_numbers(&desk).await?;
    let (number, customer) = (f.form.get("number"), f.form.get("customer"));
    let mut errors = FieldErrors::default();
    let sel = select(&numbers, number, customer, &mut errors);
    let body = validate::text(
        &f.form,
        "body",
        "Message",
        MAX_BODY_CHARS,
        true,
        &mut errors,
    );
    let refuse = |errors: &FieldErrors| View {
        compose: compose_form(&f.user.csrf, &numbers, number, customer).refill(&f.form, errors),
        number: number.to_owned(),
        customer: customer.to_owned(),
        notice: None,
        problem: None,
    };
    if !errors.is_empty() {
        return unprocessable(&desk, &f.user, &numbers, sel.as_ref(), refuse(&errors)).await;
    }
    let Some(sel) = sel else {
        return Err(PageError::Internal);
    };
    let account = desk
        .store()
        .account_with_token(sel.number.account_id)
        .await?
        .ok_or(PageError::NotFound)?;
    let channel = sel.number.channel;
    let inbound = InboundMessage {
        provider_id: new_message_id()?,
        channel,
        from: sel.customer.clone(),
        to: sel.number.number.clone(),
        body,
        media: Vec::new(),
        profile_name: (channel == Channel::WhatsApp).then(|| "Simulated customer".to_owned()),
        wa_id: (channel == Channel::WhatsApp)
            .then(|| sel.customer.as_str().trim_start_matches('+').to_owned()),
        message_type: None,
        location: None,
        button: None,
        reply_to: None,
    };
    match desk.take_inbound(&account, inbound).await? {
        Ingested::Stored(_) | Ingested::Duplicate => Ok(redirect(&refresh_href(number, customer))),
        Ingested::UnknownNumber => {
            let errors = FieldErrors::one("number", "This number is no longer configured.");
            unprocessable(&desk, &f.user, &numbers, None, refuse(&errors)).await
        }
    }
}

async fn skip(f: CsrfForm, desk: web::Data<Desk>) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let numbers = simulator_numbers(&desk).await?;
    let (number, customer) = (f.form.get("number"), f.form.get("customer"));
    let mut errors = FieldErrors::default();
    let sel = select(&numbers, number, customer, &mut errors);
    let refuse = |problem: String| View {
        compose: compose_form(&f.user.csrf, &numbers, number, customer).refill(&f.form, &errors),
        number: number.to_owned(),
        customer: customer.to_owned(),
        notice: None,
        problem: Some(problem),
    };
    let Some(sel) = sel else {
        let view = refuse("Choose a Simulator number and a customer number first.".into());
        return unprocessable(&desk, &f.user, &numbers, None, view).await;
    };
    if sel.number.channel == Channel::Sms {
        return unprocessable(
            &desk,
            &f.user,
            &numbers,
            Some(&sel),
            refuse(NO_WINDOW.into()),
        )
        .await;
    }
    let open = conversations(&desk, &sel)
        .await?
        .into_iter()
        .rev()
        .find(|c| !c.state.is_closed());
    let expired = match open {
        Some(c) => desk.expire_window_now(c.id, desk.now()).await?,
        None => Expired::NoWindow,
    };
    let Expired::Moved(conversation) = expired else {
        let view = refuse(NO_CONVERSATION.into());
        return unprocessable(&desk, &f.user, &numbers, Some(&sel), view).await;
    };
    let id = conversation.id;
    // The scheduler re-arms the window on the new deadline and flips at once.
    desk.rearm(conversation);
    wait_for_flip(&desk, id).await?;
    Ok(redirect(&format!(
        "{}&skipped=1",
        refresh_href(number, customer)
    )))
}

/// Waits (briefly) until the actor has stored the flip, so the page that follows shows it.
async fn wait_for_flip(desk: &Desk, id: crate::domain::ConversationId) -> Result<(), PageError> {
    let deadline = tokio::time::Instant::now() + FLIP_WAIT;
    while tokio::time::Instant::now() < deadline {
        match desk.store().conversation(id).await? {
            Some(c) if !c.template_only && !c.state.is_closed() => {
                tokio::time::sleep(FLIP_POLL).await;
            }
            _ => return Ok(()),
        }
    }
    tracing::warn!(conversation = %id, "the window flip did not show within the wait");
    Ok(())
}
