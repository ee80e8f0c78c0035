//! What a notification says about a conversation: who is writing (the contact's name, else the
//! number) and the start of what they wrote last.

use super::Desk;
use crate::domain::ConversationId;
use crate::store::StoreError;

/// Longest snippet of the latest message, in characters.
const SNIPPET_CHARS: usize = 140;

#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub customer: String,
    pub snippet: String,
}

impl Desk {
    /// The preview of conversation `id`; `None` when it does not exist.
    pub async fn preview(&self, id: ConversationId) -> Result<Option<Preview>, StoreError> {
        let Some(conv) = self.store().conversation(id).await? else {
            return Ok(None);
        };
        let name = self
            .store()
            .shown_contact(&conv)
            .await?
            .into_contact()
            .and_then(|c| c.name);
        let latest = self
            .store()
            .recent_customer_texts(vec![id], 1)
            .await?
            .remove(&id)
            .and_then(|mut texts| texts.pop())
            .unwrap_or_default();
        let mut snippet: String = latest.chars().take(SNIPPET_CHARS).collect();
        if latest.chars().count() > SNIPPET_CHARS {
            snippet.push('…');
        }
        Ok(Some(Preview {
            customer: name.unwrap_or_else(|| conv.customer.to_string()),
            snippet,
        }))
    }
}
