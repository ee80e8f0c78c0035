//! `/admin/workstreams/{id}/notification`: the agent notification template, the facts an offer
//! of this workstream shows the agent beside Accept and Reject.

use super::workstreams::{href, load, page};
use crate::app::Desk;
use crate::domain::offer_card::{OfferCard, OfferField};
use crate::store::records::Workstream;
use crate::web::csrf::CsrfForm;
use crate::web::session::{Admin, SignedIn};
use crate::web::ui::{
    Field, FieldErrors, FieldKind, FormModel, Link, Page, PageError, Section, redirect,
};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/workstreams/{id}/notification", web::get().to(show))
        .route("/workstreams/{id}/notification", web::post().to(save));
}

#[derive(serde::Deserialize)]
struct Shown {
    saved: Option<String>,
}

fn form(admin: &SignedIn, ws: &Workstream, card: OfferCard) -> FormModel {
    let options = OfferField::ALL
        .into_iter()
        .map(|f| (f.slug().to_owned(), f.label().to_owned(), card.shows(f)))
        .collect();
    FormModel::new(href(ws.id, "/notification"), &admin.csrf, "Save")
        .field(
            Field::new("fields", "The offer shows", FieldKind::Choices { options }).help(
                "Accept, Reject and the countdown are always shown. Context variables show \
                 only those the conversation has a value for.",
            ),
        )
        .cancel(&href(ws.id, ""))
}

fn notification_page(admin: &SignedIn, ws: &Workstream, form: FormModel) -> Page {
    page(admin, &format!("Agent notification: {}", ws.name))
        .with(Section::Text(
            "Choose what an agent sees when a conversation of this workstream is offered to \
             them: on the banner of every workspace page, on the dashboard and in the browser \
             notification (which names the customer and the latest message only if they are \
             chosen here)."
                .into(),
        ))
        .with(Section::Form(form))
        .with(Section::Links(vec![Link {
            href: href(ws.id, ""),
            text: "Back to the workstream".into(),
        }]))
}

async fn show(
    Admin(admin): Admin,
    id: web::Path<u64>,
    query: web::Query<Shown>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let ws = load(&desk, *id).await?;
    let card = desk.offer_card(ws.id).await?;
    let mut p = notification_page(&admin, &ws, form(&admin, &ws, card));
    if query.saved.is_some() {
        p = p.with(Section::Notice("Saved.".into()));
    }
    Ok(p.respond(StatusCode::OK))
}

async fn save(
    f: CsrfForm,
    id: web::Path<u64>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    f.user.require(crate::domain::user::Role::Admin)?;
    let ws = load(&desk, *id).await?;
    match OfferCard::parse(f.form.all("fields")) {
        Ok(card) => {
            desk.set_offer_card(ws.id, card).await?;
            Ok(redirect(&href(ws.id, "/notification?saved=1")))
        }
        Err(e) => {
            let errors = FieldErrors::one("fields", e.to_string());
            let refilled = form(&f.user, &ws, OfferCard::default()).refill(&f.form, &errors);
            Ok(notification_page(&f.user, &ws, refilled).respond(StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}
