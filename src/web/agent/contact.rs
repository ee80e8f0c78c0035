//! The contact card of the customer panel: save the customer as a contact (name, notes), link the
//! conversation to the contact of another number, unlink it, or go back to its own number's
//! contact. `POST /agent/conversations/{id}/contact`, `…/contact/link`, `…/contact/unlink`; whoever
//! may open the conversation may do it; a refusal shows the panel again with the reason.

use super::access;
use super::composer::Draft;
use super::conversation::{panel, render};
use super::worklist::ListQuery;
use crate::app::Desk;
use crate::domain::contact::{ContactName, ContactNotes};
use crate::domain::{ConversationId, PhoneNumber};
use crate::store::contacts::ShownContact;
use crate::store::records::Conversation;
use crate::web::csrf::CsrfForm;
use crate::web::session::SignedIn;
use crate::web::ui::{PageError, When, redirect};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/conversations/{id}/contact", web::post().to(save))
        .route("/conversations/{id}/contact/link", web::post().to(link))
        .route("/conversations/{id}/contact/unlink", web::post().to(unlink));
}

/// The card as the panel shows it.
pub struct ContactCard {
    pub name: String,
    pub notes: String,
    /// "Saved by Agnes" and when; None for a customer known only from messages.
    pub saved: Option<(String, When)>,
    /// The other contact the conversation is linked to: "Ana Gómez (+1…)".
    pub linked: Option<String>,
    pub unlinked: bool,
    /// The conversation's own number, to link back to.
    pub own_phone: String,
    pub error: Option<String>,
    /// The number typed into "Link to", kept after a refusal.
    pub link_phone: String,
}

impl ContactCard {
    pub async fn load(
        desk: &Desk,
        conv: &Conversation,
        shown: &ShownContact,
    ) -> Result<Self, PageError> {
        let contact = shown.contact();
        let saved = match contact.and_then(|c| c.saved) {
            Some(s) => {
                let who = desk
                    .store()
                    .user(s.by)
                    .await?
                    .map_or_else(|| "a former user".to_owned(), |u| u.name);
                Some((format!("Saved as a contact by {who}"), When::of(s.at)))
            }
            None => None,
        };
        Ok(Self {
            name: contact.and_then(|c| c.name.clone()).unwrap_or_default(),
            notes: contact.map(|c| c.notes.clone()).unwrap_or_default(),
            saved,
            linked: match shown {
                ShownContact::Linked(c) => Some(match &c.name {
                    Some(n) => format!("{n} ({})", c.phone),
                    None => c.phone.to_string(),
                }),
                _ => None,
            },
            unlinked: matches!(shown, ShownContact::Unlinked),
            own_phone: conv.customer.to_string(),
            error: None,
            link_phone: String::new(),
        })
    }
}

fn back(conv: &Conversation) -> HttpResponse {
    redirect(&format!(
        "/agent/conversations/{}#contact-card",
        conv.id.get()
    ))
}

/// The panel again with the card holding what was typed and why it was refused.
async fn refused(
    desk: &Desk,
    user: &SignedIn,
    conv: &Conversation,
    fill: impl FnOnce(&mut ContactCard),
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let mut page = panel(desk, user, conv, Draft::default(), &ListQuery::default()).await?;
    fill(&mut page.contact);
    Ok(render(&page, status))
}

async fn save(
    CsrfForm { user, form }: CsrfForm,
    path: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let conv = access::open(&desk, &user, ConversationId::new(path.into_inner())).await?;
    let (name, notes) = (form.get("name").to_owned(), form.get("notes").to_owned());
    let parsed = ContactName::parse(&name).and_then(|n| Ok((n, ContactNotes::parse(&notes)?)));
    let (n, t) = match parsed {
        Ok(v) => v,
        Err(e) => {
            let why = e.to_string();
            return refused(
                &desk,
                &user,
                &conv,
                |c| {
                    c.name = name;
                    c.notes = notes;
                    c.error = Some(why);
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match desk.save_contact(user.user.id, conv.id, n, t).await? {
        Ok(_) => Ok(back(&conv)),
        Err(e) => {
            let why = e.to_string();
            refused(
                &desk,
                &user,
                &conv,
                |c| c.error = Some(why),
                StatusCode::CONFLICT,
            )
            .await
        }
    }
}

async fn link(
    CsrfForm { user, form }: CsrfForm,
    path: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let conv = access::open(&desk, &user, ConversationId::new(path.into_inner())).await?;
    let typed = form.get("phone").trim().to_owned();
    let phone = match PhoneNumber::parse(&typed) {
        Ok(p) => p,
        Err(_) => {
            return refused(
                &desk,
                &user,
                &conv,
                |c| {
                    c.error = Some(
                        "Enter the contact's number in international format, like +14155550123."
                            .into(),
                    );
                    c.link_phone = typed;
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    linked(&desk, &user, &conv, Some(phone), typed).await
}

async fn unlink(
    CsrfForm { user, .. }: CsrfForm,
    path: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let conv = access::open(&desk, &user, ConversationId::new(path.into_inner())).await?;
    linked(&desk, &user, &conv, None, String::new()).await
}

async fn linked(
    desk: &Desk,
    user: &SignedIn,
    conv: &Conversation,
    phone: Option<PhoneNumber>,
    typed: String,
) -> Result<HttpResponse, PageError> {
    match desk.link_contact(user.user.id, conv.id, phone).await? {
        Ok(_) => Ok(back(conv)),
        Err(e) => {
            let why = e.to_string();
            refused(
                desk,
                user,
                conv,
                |c| {
                    c.error = Some(why);
                    c.link_phone = typed;
                },
                StatusCode::CONFLICT,
            )
            .await
        }
    }
}
