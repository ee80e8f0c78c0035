//! The workspace's left column and offer banner: the agent's conversations (mine, open in pick
//! queues, closed today) with the customer's name, channel, last-message snippet, time, unread
//! count, state and sentiment, filtered and sorted; and the offers waiting for Accept or Reject.
//! The dashboard's tables read the same lists (`Lists`).

use crate::app::Desk;
use crate::domain::offer_card::OfferField;
use crate::domain::sentiment::Sentiment;
use crate::domain::{ConversationId, ConversationState, Direction, Timestamp, UserId};
use crate::store::reads::{Latest, UNREAD_CAP};
use crate::store::records::{Conversation, DistributionMode};
use crate::web::ui::{PageError, When};

const DAY_MS: i64 = 24 * 3600 * 1000;
/// Items shown at once; older ones are a "Show more" away, so a long list stays small.
pub const WINDOW: usize = 50;
/// Characters of the last message shown under the customer's name.
const SNIPPET_CHARS: usize = 90;

/// The list query: `?list=mine|open|closed&sort=recent|created|customer&more=N`.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct ListQuery {
    pub list: Option<String>,
    pub sort: Option<String>,
    pub more: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    Mine,
    Open,
    Consulting,
    Closed,
}

impl Filter {
    const ALL: [Filter; 4] = [
        Filter::Mine,
        Filter::Open,
        Filter::Consulting,
        Filter::Closed,
    ];

    fn parse(s: Option<&str>) -> Filter {
        match s {
            Some("open") => Filter::Open,
            Some("consulting") => Filter::Consulting,
            Some("closed") => Filter::Closed,
            _ => Filter::Mine,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Filter::Mine => "mine",
            Filter::Open => "open",
            Filter::Consulting => "consulting",
            Filter::Closed => "closed",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Filter::Mine => "Mine",
            Filter::Open => "Open",
            Filter::Consulting => "Consulting",
            Filter::Closed => "Closed today",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sort {
    Recent,
    Created,
    Customer,
}

impl Sort {
    const ALL: [Sort; 3] = [Sort::Recent, Sort::Created, Sort::Customer];

    fn parse(s: Option<&str>) -> Sort {
        match s {
            Some("created") => Sort::Created,
            Some("customer") => Sort::Customer,
            _ => Sort::Recent,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Sort::Recent => "recent",
            Sort::Created => "created",
            Sort::Customer => "customer",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Sort::Recent => "Latest activity",
            Sort::Created => "Newest first",
            Sort::Customer => "Customer",
        }
    }
}

/// The conversations an agent works on, by list.
pub struct Lists {
    /// Assigned to the agent and not closed: Active, Waiting, Wrap-up.
    pub mine: Vec<Conversation>,
    /// Waiting in the pick queues the agent belongs to.
    pub open: Vec<Conversation>,
    /// The agent's, closed since midnight (UTC).
    pub closed: Vec<Conversation>,
    /// Others' conversations the agent was invited to consult on (not closed).
    pub consulting: Vec<Conversation>,
}

impl Lists {
    pub async fn load(desk: &Desk, me: UserId) -> Result<Self, PageError> {
        let now = desk.now();
        let today = Timestamp::from_millis(now.as_millis() - now.as_millis().rem_euclid(DAY_MS));
        let store = desk.store();
        let mine = store
            .conversations_matching(move |c| {
                c.agent == Some(me)
                    && matches!(
                        c.state,
                        ConversationState::Active
                            | ConversationState::Waiting
                            | ConversationState::WrapUp
                    )
            })
            .await?;
        let closed = store
            .conversations_matching(move |c| {
                c.agent == Some(me)
                    && c.state.is_closed()
                    && c.closed_at.is_some_and(|t| t >= today)
            })
            .await?;
        let mut open = Vec::new();
        for ws in store.workstreams().await? {
            if ws.mode != DistributionMode::Pick || !store.members(ws.id).await?.contains(&me) {
                continue;
            }
            for id in desk.queue_of(ws.id).await? {
                if let Some(c) = store.conversation(id).await? {
                    open.push(c);
                }
            }
        }
        let mut consulting = Vec::new();
        for id in store.consulting(me).await? {
            if let Some(c) = store.conversation(id).await?
                && !c.state.is_closed()
            {
                consulting.push(c);
            }
        }
        Ok(Self {
            mine,
            open,
            closed,
            consulting,
        })
    }

    fn of(&self, f: Filter) -> &[Conversation] {
        match f {
            Filter::Mine => &self.mine,
            Filter::Open => &self.open,
            Filter::Consulting => &self.consulting,
            Filter::Closed => &self.closed,
        }
    }
}

/// A link of the filter or sort bar.
pub struct Choice {
    pub href: String,
    pub label: String,
    pub current: bool,
}

pub struct WorkItem {
    pub href: String,
    pub name: String,
    /// The phone number when a name is shown (else empty).
    pub number: String,
    pub channel: String,
    pub snippet: String,
    pub time: When,
    pub unread: u32,
    pub state: String,
    pub sentiment: Sentiment,
    pub current: bool,
}

impl WorkItem {
    /// "3" or "99+".
    pub fn unread_text(&self) -> String {
        if self.unread >= UNREAD_CAP {
            format!("{}+", UNREAD_CAP - 1)
        } else {
            self.unread.to_string()
        }
    }
}

/// The left column.
pub struct WorkList {
    pub filters: Vec<Choice>,
    pub sorts: Vec<Choice>,
    pub items: Vec<WorkItem>,
    pub empty: &'static str,
    /// "Show more", when older items are left out.
    pub more: Option<String>,
    /// Unread customer messages over every list item (for the page title).
    pub unread_total: u32,
    /// This list's query, to keep on the conversation links (`?list=open`).
    pub query: String,
}

fn query_string(filter: Filter, sort: Sort, more: usize) -> String {
    let mut parts = Vec::new();
    if filter != Filter::Mine {
        parts.push(format!("list={}", filter.key()));
    }
    if sort != Sort::Recent {
        parts.push(format!("sort={}", sort.key()));
    }
    if more > 0 {
        parts.push(format!("more={more}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// The snippet for the latest message: its text, or what it carried; "You: " for ours.
fn snippet(latest: Option<&Latest>) -> String {
    let Some(l) = latest else {
        return "No messages yet.".into();
    };
    let mut text: String = l.body.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() && l.files > 0 {
        text = if l.files == 1 {
            "A file".into()
        } else {
            format!("{} files", l.files)
        };
    }
    if text.chars().count() > SNIPPET_CHARS {
        text = text.chars().take(SNIPPET_CHARS - 1).collect::<String>() + "…";
    }
    match l.direction {
        Direction::Outbound => format!("You: {text}"),
        Direction::Automated => format!("Automated: {text}"),
        _ => text,
    }
}

/// Each conversation with the name of the contact it is about, if known.
async fn with_names(
    desk: &Desk,
    convs: Vec<Conversation>,
) -> Result<Vec<(Conversation, Option<String>)>, PageError> {
    let mut named = Vec::with_capacity(convs.len());
    for c in convs {
        let contact = desk.shown_contact(&c).await?.into_contact();
        named.push((c, contact.and_then(|k| k.name)));
    }
    Ok(named)
}

/// The list for `user`, with `current` marked, as `q` asks.
pub async fn load(
    desk: &Desk,
    me: UserId,
    current: Option<ConversationId>,
    q: &ListQuery,
) -> Result<WorkList, PageError> {
    let filter = Filter::parse(q.list.as_deref());
    let sort = Sort::parse(q.sort.as_deref());
    let more = q.more.unwrap_or(0).min(10_000);
    let lists = Lists::load(desk, me).await?;
    let mut convs = lists.of(filter).to_vec();
    let store = desk.store();
    let shown = WINDOW + more;
    let left_out = convs.len().saturating_sub(shown);
    // Names are read for the window only, except when they are the sort order.
    let named = match sort {
        Sort::Recent | Sort::Created => {
            match sort {
                Sort::Created => convs.sort_by_key(|c| std::cmp::Reverse(c.created_at)),
                _ => convs.sort_by_key(|c| std::cmp::Reverse(c.updated_at)),
            }
            convs.truncate(shown);
            with_names(desk, convs).await?
        }
        Sort::Customer => {
            let mut named = with_names(desk, convs).await?;
            named.sort_by_cached_key(|(c, n)| {
                n.clone()
                    .unwrap_or_else(|| c.customer.to_string())
                    .to_lowercase()
            });
            named.truncate(shown);
            named
        }
    };
    let ids: Vec<ConversationId> = named.iter().map(|(c, _)| c.id).collect();
    let mut summaries = store.read_summaries(me, ids.clone()).await?;
    let sentiments = desk.sentiments(ids).await?;
    let query = query_string(filter, sort, more);
    let items: Vec<WorkItem> = named
        .into_iter()
        .map(|(c, name)| {
            let summary = summaries.remove(&c.id);
            let latest = summary.as_ref().and_then(|s| s.latest.as_ref());
            let at = latest.map_or(c.updated_at, |l| l.at.max(c.created_at));
            let (name, number) = match name {
                Some(n) => (n, c.customer.to_string()),
                None => (c.customer.to_string(), String::new()),
            };
            let current = Some(c.id) == current;
            WorkItem {
                href: format!("/agent/conversations/{}{query}", c.id.get()),
                name,
                number,
                channel: c.channel.to_string(),
                snippet: snippet(latest),
                time: When::of(at),
                // The open conversation is being read right now.
                unread: if current {
                    0
                } else {
                    summary.map_or(0, |s| s.unread)
                },
                state: c.state.to_string(),
                sentiment: sentiments
                    .get(&c.id)
                    .copied()
                    .unwrap_or(Sentiment::NotAvailable),
                current,
            }
        })
        .collect();
    let base = match current {
        Some(id) => format!("/agent/conversations/{}", id.get()),
        None => "/agent".to_owned(),
    };
    Ok(WorkList {
        filters: Filter::ALL
            .iter()
            .map(|f| Choice {
                href: format!("{base}{}", query_string(*f, sort, 0)),
                label: format!("{} ({})", f.label(), lists.of(*f).len()),
                current: *f == filter,
            })
            .collect(),
        sorts: Sort::ALL
            .iter()
            .map(|s| Choice {
                href: format!("{base}{}", query_string(filter, *s, 0)),
                label: s.label().to_owned(),
                current: *s == sort,
            })
            .collect(),
        unread_total: items.iter().map(|i| i.unread).sum(),
        items,
        empty: match filter {
            Filter::Mine => "Nothing assigned to you right now.",
            Filter::Open => "No conversation is waiting in your pick queues.",
            Filter::Consulting => "Nobody has asked you to consult.",
            Filter::Closed => "None closed today.",
        },
        more: (left_out > 0)
            .then(|| format!("{base}{}", query_string(filter, sort, more + WINDOW))),
        query,
    })
}

/// An offer in the banner.
pub struct OfferItem {
    pub id: u64,
    /// Each of these is None (or empty) when the workstream's notification template hides it.
    pub customer: Option<String>,
    pub channel: Option<String>,
    pub queue: Option<String>,
    pub snippet: Option<String>,
    pub skills: String,
    pub context: Vec<(String, String)>,
    pub seconds: u64,
}

/// The offers `me` holds, newest expiry last, showing what each workstream's template chooses.
pub async fn offers(desk: &Desk, me: UserId) -> Result<Vec<OfferItem>, PageError> {
    let now = desk.now();
    let mut out = Vec::new();
    for (id, expires) in desk.offers_of(me).await? {
        let Some(c) = desk.store().conversation(id).await? else {
            continue;
        };
        let Some(preview) = desk.preview(id).await? else {
            continue;
        };
        let facts = desk.offer_facts(&c).await?;
        let shows = |f: OfferField| facts.card.shows(f);
        out.push(OfferItem {
            id: id.get(),
            customer: shows(OfferField::Customer).then_some(preview.customer),
            channel: shows(OfferField::Channel).then(|| c.channel.to_string()),
            queue: facts.queue,
            snippet: shows(OfferField::LatestMessage)
                .then_some(preview.snippet)
                .filter(|s| !s.is_empty()),
            skills: facts.skills.join(", "),
            context: facts.context,
            seconds: now.until(expires).as_secs(),
        });
    }
    Ok(out)
}
