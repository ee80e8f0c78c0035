//! `POST /simulator/read`: the customer reads the chat, so every delivered reply in it is
//! reported `read`, as the provider would; then the page again.

use super::{Selection, conversations, refresh_href, select, simulator_numbers};
use crate::app::Desk;
use crate::domain::user::Role;
use crate::domain::{Direction, MessageStatus};
use crate::store::status::StatusReport;
use crate::web::csrf::CsrfForm;
use crate::web::ui::{Field, FieldErrors, FormModel, PageError, redirect};
use actix_web::{HttpResponse, web};

pub(super) fn form(csrf: &str, number: &str, customer: &str) -> FormModel {
    FormModel::new("/simulator/read", csrf, "Read replies")
        .field(Field::hidden("number", number))
        .field(Field::hidden("customer", customer))
}

pub(super) async fn read(f: CsrfForm, desk: web::Data<Desk>) -> Result<HttpResponse, PageError> {
    f.user.require(Role::Admin)?;
    let numbers = simulator_numbers(&desk).await?;
    let (number, customer) = (f.form.get("number"), f.form.get("customer"));
    let mut errors = FieldErrors::default();
    let Some(sel) = select(&numbers, number, customer, &mut errors) else {
        return Err(PageError::BadRequest(
            "Choose a Simulator number and a customer number first.".into(),
        ));
    };
    read_delivered(&desk, &sel).await?;
    Ok(redirect(&refresh_href(number, customer)))
}

async fn read_delivered(desk: &Desk, sel: &Selection) -> Result<(), PageError> {
    for c in conversations(desk, sel).await? {
        for m in desk.store().messages(c.id).await? {
            let delivered_reply =
                m.direction != Direction::Inbound && m.status == MessageStatus::Delivered;
            if let Some(pid) = m.provider_id.filter(|_| delivered_reply) {
                desk.apply_status(StatusReport {
                    account: c.account_id,
                    key: None,
                    provider_id: pid,
                    status: MessageStatus::Read,
                    failure: None,
                })
                .await?;
            }
        }
    }
    Ok(())
}
