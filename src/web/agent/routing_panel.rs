//! The routing part of the communication panel: the skills the conversation requires and its
//! context variables (for everyone who may see the conversation), and for admins and
//! supervisors the routing diagnostics (rules evaluated, the match, the queue, later events).

use crate::app::Desk;
use crate::domain::user::Role;
use crate::store::records::Conversation;
use crate::web::session::SignedIn;
use crate::web::ui::{PageError, When};

/// How the conversation was routed, as shown.
pub struct Diagnostics {
    pub at: When,
    /// (rule name, "Matched" or "Did not match").
    pub evaluated: Vec<(String, &'static str)>,
    pub queue: String,
    /// (when, what): overflows and other later routing events.
    pub lines: Vec<(When, String)>,
}

pub struct RoutingPanel {
    /// "Spanish (5+)".
    pub skills: Vec<String>,
    /// (name, value or "—").
    pub context: Vec<(String, String)>,
    pub diagnostics: Option<Diagnostics>,
}

pub async fn load(
    desk: &Desk,
    user: &SignedIn,
    conv: &Conversation,
) -> Result<RoutingPanel, PageError> {
    let store = desk.store();
    let skills = desk.required_skills(conv.id).await?;
    let context = match conv.workstream_id {
        Some(ws) => store
            .conversation_context(conv.id, ws)
            .await?
            .into_iter()
            .map(|(d, v)| (d.name.to_string(), v.map_or("—".into(), |v| v.to_string())))
            .collect(),
        None => Vec::new(),
    };
    let sees = matches!(user.user.role, Role::Admin | Role::Supervisor);
    let diagnostics = match sees {
        true => store
            .routing_diagnostics(conv.id)
            .await?
            .map(|d| Diagnostics {
                at: When::of(d.at),
                evaluated: d
                    .evaluated
                    .into_iter()
                    .map(|o| (o.name, if o.held { "Matched" } else { "Did not match" }))
                    .collect(),
                queue: d.queue_name,
                lines: d
                    .lines
                    .into_iter()
                    .map(|l| (When::of(l.at), l.text))
                    .collect(),
            }),
        false => None,
    };
    Ok(RoutingPanel {
        skills,
        context,
        diagnostics,
    })
}
