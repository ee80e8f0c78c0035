//! Each workstream's agent notification template (`domain::offer_card`): one byte of flags per
//! workstream, the default until an admin chooses.

use super::tables::WORKSTREAM_OFFERCARD;
use super::{Store, StoreError};
use crate::domain::WorkstreamId;
use crate::domain::offer_card::OfferCard;
use redb::{ReadableTable, WriteTransaction};

/// What `ws`'s offers show, inside a write transaction.
fn card_in(tx: &WriteTransaction, ws: WorkstreamId) -> Result<Option<OfferCard>, StoreError> {
    let table = tx.open_table(WORKSTREAM_OFFERCARD)?;
    let code = table.get(ws.get())?.map(|g| g.value());
    Ok(code.map(OfferCard::from_code))
}

/// Gives a copied workstream the original's notification template.
pub(crate) fn copy_card(
    tx: &WriteTransaction,
    from: WorkstreamId,
    to: WorkstreamId,
) -> Result<(), StoreError> {
    if let Some(card) = card_in(tx, from)? {
        tx.open_table(WORKSTREAM_OFFERCARD)?
            .insert(to.get(), card.code())?;
    }
    Ok(())
}

/// Removes a deleted workstream's notification template.
pub(crate) fn remove_card_of(tx: &WriteTransaction, ws: WorkstreamId) -> Result<(), StoreError> {
    tx.open_table(WORKSTREAM_OFFERCARD)?.remove(ws.get())?;
    Ok(())
}

impl Store {
    /// What the workstream's offers show (the default unless an admin chose).
    pub async fn offer_card(&self, ws: WorkstreamId) -> Result<OfferCard, StoreError> {
        self.read(move |rtx| {
            let code = rtx.open_table(WORKSTREAM_OFFERCARD)?.get(ws.get())?;
            Ok(code
                .map(|g| OfferCard::from_code(g.value()))
                .unwrap_or_default())
        })
        .await
    }

    pub async fn set_offer_card(
        &self,
        ws: WorkstreamId,
        card: OfferCard,
    ) -> Result<(), StoreError> {
        self.write(move |tx| {
            tx.open_table(WORKSTREAM_OFFERCARD)?
                .insert(ws.get(), card.code())?;
            Ok(())
        })
        .await
    }
}
