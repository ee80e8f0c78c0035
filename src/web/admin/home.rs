//! `/admin`: the admin home, a setup checklist in the order a new contact center is set up
//! (account → numbers → workstream → members → routing → a first try in the Simulator), each
//! item done or not with a link to the page that does it. `Desk::setup_state` reads the store.

use crate::app::Desk;
use crate::app::onboarding::SetupState;
use crate::domain::WorkstreamId;
use crate::web::session::Admin;
use crate::web::ui::{ChecklistItem, Link, Nav, Page, PageError, Section};
use actix_web::HttpResponse;
use actix_web::web;

fn item(label: &str, done: bool, detail: String, href: String, text: &str) -> ChecklistItem {
    ChecklistItem {
        label: label.into(),
        done,
        detail,
        link: Link {
            href,
            text: text.into(),
        },
    }
}

fn workstream_href(id: Option<WorkstreamId>, rest: &str) -> String {
    match id {
        Some(id) => format!("/admin/workstreams/{}{rest}", id.get()),
        None => "/admin/workstreams".into(),
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The checklist items for what is set up so far.
pub fn checklist(s: &SetupState) -> Vec<ChecklistItem> {
    let account = item(
        "Add a messaging account",
        s.accounts > 0,
        if s.accounts > 0 {
            format!("{} set up.", count(s.accounts, "account", "accounts"))
        } else {
            "A Twilio account (WhatsApp or SMS), or the Simulator to try omnidesk first.".into()
        },
        "/admin/accounts/new".into(),
        if s.accounts > 0 {
            "Accounts"
        } else {
            "New account"
        },
    );
    let numbers = item(
        "Add its numbers",
        s.numbers > 0,
        if s.numbers > 0 {
            format!("{} added.", count(s.numbers, "number", "numbers"))
        } else {
            "The numbers customers write to, on an account's page.".into()
        },
        "/admin/accounts".into(),
        "Accounts",
    );
    let workstream = item(
        "Set up a workstream",
        s.finished_workstream.is_some(),
        match (s.finished_workstream, s.unfinished_workstream) {
            (Some(_), _) => "A workstream's channel setup is finished.".into(),
            (None, Some(_)) => "Finish the channel setup of the workstream.".into(),
            (None, None) => {
                "A workstream serves numbers and hands their conversations to agents.".into()
            }
        },
        match (s.finished_workstream, s.unfinished_workstream) {
            (None, Some(id)) => workstream_href(Some(id), "/setup"),
            (None, None) => "/admin/workstreams/new".into(),
            (Some(_), _) => "/admin/workstreams".into(),
        },
        "Workstreams",
    );
    let members = item(
        "Add agents to it",
        s.staffed_workstream.is_some(),
        if s.staffed_workstream.is_some() {
            "A workstream has members who get its conversations.".into()
        } else {
            "Choose the agents of the workstream (add users first under Users).".into()
        },
        workstream_href(s.staffed_workstream.or(s.unstaffed_workstream), "/members"),
        "Members",
    );
    let routing = item(
        "Route its conversations",
        s.routed_workstream.is_some(),
        if s.routed_workstream.is_some() {
            "Conversations go to the workstream's fallback queue and its members.".into()
        } else {
            "A workstream needs members and a queue (its fallback queue) to route to.".into()
        },
        workstream_href(s.routed_workstream.or(s.unstaffed_workstream), ""),
        "Workstream",
    );
    let simulator = item(
        "Try it in the Simulator",
        s.simulator_tried,
        match (s.simulator_tried, s.has_simulator_account) {
            (true, _) => "A conversation came in through the Simulator.".into(),
            (false, true) => "Write as a customer and answer as an agent.".into(),
            (false, false) => {
                "Add a Simulator account and number, then write as a customer.".into()
            }
        },
        "/simulator".into(),
        "Simulator",
    );
    vec![account, numbers, workstream, members, routing, simulator]
}

pub async fn show(Admin(admin): Admin, desk: web::Data<Desk>) -> Result<HttpResponse, PageError> {
    let state = desk.setup_state().await?;
    let items = checklist(&state);
    let left = items.iter().filter(|i| !i.done).count();
    let summary = match left {
        0 => "Everything is set up. Open the Simulator or the agent workspace to see it work."
            .to_owned(),
        n => format!(
            "Set up omnidesk in this order; {} left.",
            count(n, "step is", "steps are")
        ),
    };
    Ok(Page::new("Setup", Some(Nav::for_user(&admin, "home")))
        .with(Section::Text(summary))
        .with(Section::Checklist(items))
        .ok())
}
