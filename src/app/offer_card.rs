//! What an offer shows the agent: the workstream's notification template (`domain::offer_card`)
//! and the facts it chooses, read for one conversation.

use super::Desk;
use super::preview::Preview;
use crate::domain::offer_card::{OfferCard, OfferField};
use crate::domain::{ConversationId, WorkstreamId};
use crate::store::StoreError;
use crate::store::records::Conversation;

/// The facts of one offer beyond the customer and the message; each is read only when the card
/// shows it.
pub struct OfferFacts {
    pub card: OfferCard,
    pub queue: Option<String>,
    pub skills: Vec<String>,
    /// (name, value) of each context variable the conversation has a value for.
    pub context: Vec<(String, String)>,
}

impl Desk {
    pub async fn offer_card(&self, ws: WorkstreamId) -> Result<OfferCard, StoreError> {
        self.store().offer_card(ws).await
    }

    pub async fn set_offer_card(
        &self,
        ws: WorkstreamId,
        card: OfferCard,
    ) -> Result<(), StoreError> {
        self.store().set_offer_card(ws, card).await
    }

    /// The customer and latest message an offer's browser notification names, as far as the
    /// workstream's card shows them ("A customer" and nothing when it hides them).
    pub async fn offer_notice(&self, id: ConversationId) -> Result<Option<Preview>, StoreError> {
        let Some(conv) = self.store().conversation(id).await? else {
            return Ok(None);
        };
        let Some(p) = self.preview(id).await? else {
            return Ok(None);
        };
        let card = match conv.workstream_id {
            Some(ws) => self.offer_card(ws).await?,
            None => OfferCard::default(),
        };
        Ok(Some(Preview {
            customer: if card.shows(OfferField::Customer) {
                p.customer
            } else {
                "A customer".to_owned()
            },
            snippet: if card.shows(OfferField::LatestMessage) {
                p.snippet
            } else {
                String::new()
            },
        }))
    }

    /// The offer's facts for `conv`, as its workstream's card chooses them.
    pub async fn offer_facts(&self, conv: &Conversation) -> Result<OfferFacts, StoreError> {
        let card = match conv.workstream_id {
            Some(ws) => self.offer_card(ws).await?,
            None => OfferCard::default(),
        };
        let queue = if card.shows(OfferField::Queue) {
            self.waiting_queue_name(conv).await?
        } else {
            None
        };
        let skills = if card.shows(OfferField::Skills) {
            self.required_skills(conv.id).await?
        } else {
            Vec::new()
        };
        let context = match conv.workstream_id {
            Some(ws) if card.shows(OfferField::ContextVariables) => self
                .store()
                .conversation_context(conv.id, ws)
                .await?
                .into_iter()
                .filter_map(|(d, v)| v.map(|v| (d.name.as_str().to_owned(), v.to_string())))
                .collect(),
            _ => Vec::new(),
        };
        Ok(OfferFacts {
            card,
            queue,
            skills,
            context,
        })
    }
}
