//! Conversations' sentiment for the workspace: each one's last customer messages read from the
//! store and scored (`domain::sentiment`), computed when a page shows them, so it follows every
//! new message without being stored.

use super::Desk;
use crate::domain::ConversationId;
use crate::domain::sentiment::{Sentiment, WINDOW};
use crate::store::StoreError;
use std::collections::HashMap;

impl Desk {
    /// The sentiment of each of `ids` (one read for all of them).
    pub async fn sentiments(
        &self,
        ids: Vec<ConversationId>,
    ) -> Result<HashMap<ConversationId, Sentiment>, StoreError> {
        let texts = self.store().recent_customer_texts(ids, WINDOW).await?;
        Ok(texts
            .into_iter()
            .map(|(id, texts)| (id, Sentiment::of_messages(texts.iter().map(String::as_str))))
            .collect())
    }
}
