//! Who may open a conversation: admins and supervisors all of them; an agent only those assigned
//! to them, those they worked on before (its participants), offered to them, or waiting in a pick
//! queue they belong to. Everything else is 404 (not 403), so ids cannot be probed. Opening is
//! reading: writing needs the assignment (see `composer`).

use crate::app::Desk;
use crate::domain::ConversationId;
use crate::domain::user::Role;
use crate::store::records::Conversation;
use crate::web::session::SignedIn;
use crate::web::ui::PageError;

/// Whether `user` may see `conv`.
pub async fn can_open(desk: &Desk, user: &SignedIn, conv: &Conversation) -> bool {
    match user.user.role {
        Role::Admin | Role::Supervisor => true,
        Role::Agent => {
            conv.agent == Some(user.user.id)
                || desk
                    .store()
                    .participated(conv.id, user.user.id)
                    .await
                    .unwrap_or(false)
                || desk.is_offered_or_pickable(conv, user.user.id).await
        }
    }
}

/// The conversation if `user` may see it, else 404.
pub async fn open(
    desk: &Desk,
    user: &SignedIn,
    id: ConversationId,
) -> Result<Conversation, PageError> {
    let conv = desk
        .store()
        .conversation(id)
        .await?
        .ok_or(PageError::NotFound)?;
    if can_open(desk, user, &conv).await {
        Ok(conv)
    } else {
        Err(PageError::NotFound)
    }
}
