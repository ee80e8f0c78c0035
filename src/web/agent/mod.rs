//! `/agent/...`: the agent workspace.

pub mod access;
pub mod attachments;
pub mod composer;
pub mod consult;
pub mod contact;
pub mod conversation;
pub mod customer;
pub mod dashboard;
pub mod events;
mod frames;
pub mod knowledge;
pub mod retry;
pub mod routing_panel;
pub mod script;
pub mod search;
pub mod streams;
mod thread_media;
pub mod work;
pub mod worklist;
// (agent areas: declare modules above this line)

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.configure(events::routes);
    cfg.configure(conversation::routes);
    cfg.configure(customer::routes);
    cfg.configure(search::routes);
    cfg.configure(work::routes);
    cfg.configure(attachments::routes);
    cfg.configure(retry::routes);
    cfg.configure(knowledge::routes);
    cfg.configure(script::routes);
    cfg.configure(contact::routes);
    cfg.configure(consult::routes);
    // (agent areas: add `cfg.configure(area::routes);` lines above this one)
}
