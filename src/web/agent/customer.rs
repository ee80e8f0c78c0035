//! The customer summary: the contact matched by phone number, the customer's other conversations
//! that the user may open (links to their transcripts) and how many notes they hold. Shown on the
//! communication panel and at `GET /agent/customers/{phone}`; a customer none of whose
//! conversations the user may open is 404, so numbers cannot be probed.

use super::access;
use crate::app::Desk;
use crate::domain::{ConversationId, PhoneNumber};
use crate::store::records::{Contact, Conversation};
use crate::web::session::SignedIn;
use crate::web::ui::{Cell, InfoRow, Nav, Page, PageError, Section, Table, When};
use actix_web::{HttpResponse, web};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/customers/{phone}", web::get().to(show));
}

pub struct Summary {
    pub phone: String,
    pub href: String,
    pub name: Option<String>,
    /// The customer is a saved contact ("Known contact"), else "New customer".
    pub known: bool,
    /// The channels the customer opted out of, as a sentence.
    pub opted_out: Option<String>,
    /// Newest first, without the conversation on screen.
    pub previous: Vec<PastConversation>,
    pub notes: u64,
}

pub struct PastConversation {
    pub href: String,
    pub started: When,
    pub channel: String,
    pub state: String,
}

/// The conversations of `phone` that `user` may open, newest first.
async fn visible_conversations(
    desk: &Desk,
    user: &SignedIn,
    phone: &PhoneNumber,
) -> Result<Vec<Conversation>, PageError> {
    let all = desk.store().conversations_of(phone.to_string()).await?;
    let mut out = Vec::new();
    for c in all.into_iter().rev() {
        if access::can_open(desk, user, &c).await {
            out.push(c);
        }
    }
    Ok(out)
}

pub async fn summary(
    desk: &Desk,
    user: &SignedIn,
    phone: &PhoneNumber,
    contact: Option<Contact>,
    current: Option<ConversationId>,
) -> Result<Summary, PageError> {
    let visible = visible_conversations(desk, user, phone).await?;
    summarise(desk, phone, contact, current, visible).await
}

async fn summarise(
    desk: &Desk,
    phone: &PhoneNumber,
    contact: Option<Contact>,
    current: Option<ConversationId>,
    visible: Vec<Conversation>,
) -> Result<Summary, PageError> {
    let notes = desk
        .store()
        .note_count(visible.iter().map(|c| c.id).collect())
        .await?;
    let previous = visible
        .iter()
        .filter(|c| Some(c.id) != current)
        .map(|c| PastConversation {
            href: format!("/agent/conversations/{}", c.id.get()),
            started: When::of(c.created_at),
            channel: c.channel.to_string(),
            state: c.state.to_string(),
        })
        .collect();
    let opted_out: Vec<&str> = contact
        .iter()
        .flat_map(|c| {
            [
                c.opted_out_sms.then_some("SMS"),
                c.opted_out_whatsapp.then_some("WhatsApp"),
            ]
        })
        .flatten()
        .collect();
    Ok(Summary {
        phone: phone.to_string(),
        href: format!("/agent/customers/{phone}"),
        name: contact.as_ref().and_then(|c| c.name.clone()),
        known: contact.as_ref().is_some_and(Contact::is_known),
        opted_out: (!opted_out.is_empty())
            .then(|| format!("Opted out of {}.", opted_out.join(" and "))),
        previous,
        notes,
    })
}

async fn show(
    user: SignedIn,
    path: web::Path<String>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let phone = PhoneNumber::parse(&path).map_err(|_| PageError::NotFound)?;
    let visible = visible_conversations(&desk, &user, &phone).await?;
    let Some(newest) = visible.first() else {
        return Err(PageError::NotFound);
    };
    let contact = desk.store().contact(newest.contact_id).await?;
    let s = summarise(&desk, &phone, contact, None, visible).await?;
    let status = if s.known {
        "Known contact"
    } else {
        "New customer"
    };
    let mut info = vec![
        row("Phone number", &s.phone),
        row("Name", s.name.as_deref().unwrap_or("Unknown")),
        row("Contact", status),
        row("Notes", &s.notes.to_string()),
    ];
    if let Some(o) = &s.opted_out {
        info.push(row("Opt-out", o));
    }
    let rows = s
        .previous
        .iter()
        .map(|p| {
            vec![
                Cell::Link {
                    href: p.href.clone(),
                    text: p.started.text.clone(),
                },
                Cell::Text(p.channel.clone()),
                Cell::Text(p.state.clone()),
            ]
        })
        .collect();
    Ok(Page::new(
        format!("Customer {}", s.phone),
        Some(Nav::for_user(&user, "")),
    )
    .with(Section::Info(info))
    .with(Section::Heading("Conversations".into()))
    .with(Section::Table(Table {
        columns: ["Started", "Channel", "State"].map(String::from).to_vec(),
        rows,
        empty: "No conversations.".into(),
    }))
    .ok())
}

fn row(label: &str, value: &str) -> InfoRow {
    InfoRow {
        label: label.into(),
        value: value.into(),
        copy: false,
    }
}
