//! `/agent`: the dashboard. Offers waiting for Accept/Reject with their countdown, My work items,
//! Open work items (pick queues the agent belongs to, with "Assign to me") and Closed work items
//! (today); sortable by created, modified, customer or workstream; kept fresh over the live stream.

use crate::app::Desk;
use crate::domain::offer_card::OfferField;
use crate::domain::sentiment::Sentiment;
use crate::domain::user::Role;
use crate::domain::{ConversationId, ConversationState, Timestamp, WorkstreamId};
use crate::store::records::{Conversation, Workstream};
use crate::web::session::SignedIn;
use crate::web::ui::{Cell, Nav, Page, PageError, Section, Table, When};
use actix_web::{HttpResponse, web};
use std::collections::HashMap;

#[derive(serde::Deserialize)]
pub struct SortQuery {
    sort: Option<String>,
}

/// The sort buttons: (query value, label, order), the default first.
const SORTS: [(&str, &str, Sort); 4] = [
    ("modified", "Modified", Sort::Modified),
    ("created", "Created", Sort::Created),
    ("customer", "Customer", Sort::Customer),
    ("workstream", "Workstream", Sort::Workstream),
];

#[derive(Clone, Copy, PartialEq)]
enum Sort {
    Created,
    Modified,
    Customer,
    Workstream,
}

impl Sort {
    fn parse(s: Option<&str>) -> Sort {
        match s {
            Some("created") => Sort::Created,
            Some("customer") => Sort::Customer,
            Some("workstream") => Sort::Workstream,
            _ => Sort::Modified,
        }
    }

    fn apply(self, items: &mut [Conversation], names: &HashMap<WorkstreamId, String>) {
        let ws = |c: &Conversation| {
            c.workstream_id
                .and_then(|w| names.get(&w))
                .cloned()
                .unwrap_or_default()
        };
        match self {
            Sort::Created => items.sort_by_key(|c| std::cmp::Reverse(c.created_at)),
            Sort::Modified => items.sort_by_key(|c| std::cmp::Reverse(c.updated_at)),
            Sort::Customer => items.sort_by(|a, b| a.customer.cmp(&b.customer)),
            Sort::Workstream => items.sort_by_key(ws),
        }
    }
}

fn time(t: Timestamp) -> String {
    When::of(t).text
}

struct Rows<'a> {
    names: &'a HashMap<WorkstreamId, String>,
    csrf: &'a str,
    sentiments: &'a HashMap<ConversationId, Sentiment>,
}

/// The columns every conversation table starts with (`Rows::base`).
const BASE_COLUMNS: [&str; 7] = [
    "Customer",
    "Channel",
    "Workstream",
    "State",
    "Sentiment",
    "Created",
    "Modified",
];

impl Rows<'_> {
    fn base(&self, c: &Conversation) -> Vec<Cell> {
        vec![
            Cell::Link {
                href: format!("/agent/conversations/{}", c.id.get()),
                text: c.customer.to_string(),
            },
            Cell::Text(c.channel.to_string()),
            Cell::Text(
                c.workstream_id
                    .and_then(|w| self.names.get(&w))
                    .cloned()
                    .unwrap_or_else(|| "—".into()),
            ),
            Cell::Text(c.state.to_string()),
            self.sentiment(c.id),
            Cell::Time(When::of(c.created_at)),
            Cell::Time(When::of(c.updated_at)),
        ]
    }

    fn sentiment(&self, id: ConversationId) -> Cell {
        let s = self
            .sentiments
            .get(&id)
            .copied()
            .unwrap_or(Sentiment::NotAvailable);
        Cell::Badge {
            text: s.label().to_owned(),
            class: s.css(),
        }
    }

    fn table(&self, items: &[Conversation], action: Option<(&str, &str)>, empty: &str) -> Section {
        let mut columns: Vec<String> = BASE_COLUMNS.map(String::from).to_vec();
        if action.is_some() {
            columns.push(String::new());
        }
        let rows = items
            .iter()
            .map(|c| {
                let mut row = self.base(c);
                if let Some((path, label)) = action {
                    row.push(Cell::Post {
                        action: format!("/agent/conversations/{}/{path}", c.id.get()),
                        label: label.into(),
                        csrf: self.csrf.to_owned(),
                    });
                }
                row
            })
            .collect();
        Section::Table(Table {
            columns,
            rows,
            empty: empty.into(),
        })
    }
}

pub async fn show(
    user: SignedIn,
    q: web::Query<SortQuery>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let me = user.user.id;
    let sort = Sort::parse(q.sort.as_deref());
    let now = desk.now();
    let workstreams: Vec<Workstream> = desk.store().workstreams().await?;
    let names: HashMap<WorkstreamId, String> = workstreams
        .iter()
        .map(|w| (w.id, w.name.to_string()))
        .collect();

    let super::worklist::Lists {
        mut mine,
        mut open,
        mut closed,
        ..
    } = super::worklist::Lists::load(&desk, me).await?;
    let offers = desk.offers_of(me).await?;
    let mut offered = Vec::new();
    for (id, expires) in &offers {
        if let Some(c) = desk.store().conversation(*id).await? {
            offered.push((c, *expires));
        }
    }

    for list in [&mut mine, &mut closed, &mut open] {
        sort.apply(list, &names);
    }

    let ids = mine
        .iter()
        .chain(&closed)
        .chain(&open)
        .map(|c| c.id)
        .collect();
    let sentiments = desk.sentiments(ids).await?;
    let rows = Rows {
        names: &names,
        csrf: &user.csrf,
        sentiments: &sentiments,
    };
    let presence = desk.presence_view(me).await;
    let mut page = Page::new(
        "My work",
        Some(Nav::for_user(&user, "workspace").with_presence(presence)),
    )
    .live();
    page = page.with(Section::Choice {
        label: "Sort by".into(),
        options: SORTS
            .iter()
            .map(|(k, l, _)| crate::web::ui::Link {
                href: format!("/agent?sort={k}"),
                text: (*l).into(),
            })
            .collect(),
        current: SORTS.iter().position(|(_, _, s)| *s == sort).unwrap_or(0),
    });
    if !offered.is_empty() {
        page = page.with(Section::Heading("Incoming".into()));
        for (c, expires) in &offered {
            page = page.with(offer_section(&desk, c, *expires, &names, &user.csrf, now).await?);
        }
    }
    let attention = attention(&desk, &user, &rows).await?;
    if let Some(table) = attention {
        page = page
            .with(Section::Heading("Needs attention".into()))
            .with(table);
    }
    Ok(page
        .with(Section::Heading("My work items".into()))
        .with(rows.table(&mine, None, "Nothing assigned to you right now."))
        .with(Section::Heading("Open work items".into()))
        .with(rows.table(
            &open,
            Some(("assign", "Assign to me")),
            "No conversation is waiting in your pick queues.",
        ))
        .with(Section::Heading("Closed work items (today)".into()))
        .with(rows.table(&closed, None, "None closed today."))
        .ok())
}

/// Waiting conversations flagged for supervisors (declined by everyone, or their agent was
/// away): supervisors and admins see them all, agents those of the queues they belong to, so
/// they know nobody has taken them. None when there is nothing to show.
async fn attention(
    desk: &Desk,
    user: &SignedIn,
    rows: &Rows<'_>,
) -> Result<Option<Section>, PageError> {
    let oversees = matches!(user.user.role, Role::Admin | Role::Supervisor);
    let mut flagged = Vec::new();
    for (id, flag) in desk.store().flags().await? {
        let Some(c) = desk.store().conversation(id).await? else {
            continue;
        };
        let member = match c.workstream_id {
            Some(ws) => desk.store().members(ws).await?.contains(&user.user.id),
            None => false,
        };
        // A flag stored just as the conversation was taken may outlive the wait it was about.
        if c.state != ConversationState::Open || !(oversees || member) {
            continue;
        }
        flagged.push((c, flag));
    }
    let sentiments = desk
        .sentiments(flagged.iter().map(|(c, _)| c.id).collect())
        .await?;
    let rows = Rows {
        sentiments: &sentiments,
        ..*rows
    };
    let mut out = Vec::new();
    for (c, flag) in flagged {
        let mut row = rows.base(&c);
        if !oversees {
            // Agents may not open a queued push conversation: name it without a link.
            row[0] = Cell::Text(c.customer.to_string());
        }
        row.push(Cell::Text(format!(
            "{} (since {})",
            flag.reason.text(),
            time(flag.at)
        )));
        out.push(row);
    }
    if out.is_empty() {
        return Ok(None);
    }
    let mut columns: Vec<String> = BASE_COLUMNS.map(String::from).to_vec();
    columns.push("Why".into());
    Ok(Some(Section::Table(Table {
        columns,
        rows: out,
        empty: String::new(),
    })))
}

/// One incoming offer: who is writing (known contact or not), where, the skills it requires,
/// the customer's latest message, the countdown, Accept and Reject.
async fn offer_section(
    desk: &Desk,
    c: &Conversation,
    expires: Timestamp,
    names: &HashMap<WorkstreamId, String>,
    csrf: &str,
    now: Timestamp,
) -> Result<Section, PageError> {
    let contact = desk.store().contact(c.contact_id).await?;
    let who = match contact.as_ref() {
        Some(k) if k.is_known() => format!(
            "{} (known contact)",
            k.name.as_deref().unwrap_or(k.phone.as_str())
        ),
        Some(k) => match &k.name {
            Some(name) => format!("{name} (new customer)"),
            None => "New customer".to_owned(),
        },
        None => "New customer".to_owned(),
    };
    // The customer may have written more while the conversation waited: the latest counts.
    let latest = desk
        .store()
        .recent_customer_texts(vec![c.id], 1)
        .await?
        .remove(&c.id)
        .and_then(|mut texts| texts.pop())
        .map(|body| body.chars().take(280).collect::<String>())
        .unwrap_or_default();
    let number = match desk.store().number(c.number_id).await? {
        Some(n) => n.number.to_string(),
        None => "—".into(),
    };
    let workstream = c
        .workstream_id
        .and_then(|w| names.get(&w))
        .cloned()
        .unwrap_or_default();
    let facts = desk.offer_facts(c).await?;
    let seconds = now.until(expires).as_secs();
    // The workstream's notification template chooses the columns; Accept and Reject are always.
    let mut columns = Vec::new();
    let mut cells = Vec::new();
    for field in facts.card.fields() {
        let text = match field {
            OfferField::Customer => who.clone(),
            OfferField::Channel => format!("{} · {} · {}", c.customer, c.channel, number),
            OfferField::Queue => match &facts.queue {
                Some(q) => format!("{q} ({workstream})"),
                None => workstream.clone(),
            },
            OfferField::LatestMessage => latest.clone(),
            OfferField::Skills => dash_if_empty(facts.skills.join(", ")),
            OfferField::ContextVariables => dash_if_empty(
                facts
                    .context
                    .iter()
                    .map(|(name, value)| format!("{name}: {value}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        };
        columns.push(field.label().to_owned());
        cells.push(Cell::Text(text));
    }
    columns.extend(["Countdown", "", ""].map(String::from));
    cells.extend([
        Cell::Countdown(seconds),
        Cell::Post {
            action: format!("/agent/offers/{}/accept", c.id.get()),
            label: "Accept".into(),
            csrf: csrf.to_owned(),
        },
        Cell::Post {
            action: format!("/agent/offers/{}/reject", c.id.get()),
            label: "Reject".into(),
            csrf: csrf.to_owned(),
        },
    ]);
    Ok(Section::Table(Table {
        columns,
        rows: vec![cells],
        empty: String::new(),
    }))
}

fn dash_if_empty(text: String) -> String {
    if text.is_empty() {
        "—".to_owned()
    } else {
        text
    }
}
