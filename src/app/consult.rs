//! Consults from the workspace: the agent invites a colleague (any presence but Offline; no
//! capacity is used) to read the conversation live and exchange internal notes; either ends it.

use super::{Desk, DeskError};
use crate::domain::presence::Presence;
use crate::domain::{ConversationId, UserId};
use crate::live::LiveEvent;
use crate::store::consults::ConsultRefusal;

/// Why a consult could not start: the store's reasons, or the invitee is offline.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InviteRefusal {
    #[error(transparent)]
    Store(#[from] ConsultRefusal),
    #[error("{0} is offline: invite someone who is signed in.")]
    Offline(String),
}

impl Desk {
    /// `by` invites `consultant` to consult on `conv`.
    pub async fn invite_consultant(
        &self,
        by: UserId,
        conv: ConversationId,
        consultant: UserId,
    ) -> Result<Result<(), InviteRefusal>, DeskError> {
        if let Some(u) = self.store().user(consultant).await?
            && matches!(self.presence_of(consultant).await, Presence::Offline)
        {
            return Ok(Err(InviteRefusal::Offline(u.name)));
        }
        let done = self
            .store()
            .start_consult(conv, by, consultant, self.now())
            .await?;
        Ok(done
            .map(|line| self.announce_consult(conv, consultant, true, line.seq))
            .map_err(InviteRefusal::from))
    }

    /// Ends `consultant`'s consult on `conv`, as `by` (the agent or the consultant).
    pub async fn end_consult(
        &self,
        by: UserId,
        conv: ConversationId,
        consultant: UserId,
    ) -> Result<Result<(), ConsultRefusal>, DeskError> {
        let done = self
            .store()
            .end_consult(conv, consultant, by, self.now())
            .await?;
        Ok(done.map(|line| self.announce_consult(conv, consultant, false, line.seq)))
    }

    fn announce_consult(&self, conv: ConversationId, consultant: UserId, started: bool, seq: u64) {
        self.shared.live.publish(LiveEvent::ConsultChanged {
            conversation: conv,
            consultant,
            started,
        });
        self.shared.live.publish(LiveEvent::MessageStored {
            conversation: conv,
            seq,
        });
    }
}
