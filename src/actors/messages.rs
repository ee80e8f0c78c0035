//! Every message the actors exchange, one named struct each.

use super::conversation::ConversationActor;
use crate::domain::{ConversationId, JobId, Timestamp, UserId, WorkstreamId};
use crate::store::StoreError;
use crate::store::outbox::{OutboundRequest, SendRefusal};
use crate::store::records::{Conversation, Message, OutboxJob};
use actix::prelude::*;

/// Registry: make sure a live actor exists for this (not Closed) conversation and give it the
/// latest stored record.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Track {
    pub conversation: Conversation,
    /// The conversation was just opened: hand it to its workstream.
    pub opened: bool,
    /// It was transferred to this agent: offer it to them first.
    pub transfer_to: Option<UserId>,
}

/// Registry: the actor that serialises sends of a conversation (started if it was passivated).
#[derive(Message)]
#[rtype(result = "Addr<ConversationActor>")]
pub struct Lookup(pub ConversationId);

/// Registry, at start-up: a conversation recovered from the store, with its next idle step.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Recover {
    pub conversation: Conversation,
    pub idle_at: Option<Timestamp>,
    /// A bot holds it: its deadlines are armed, but it is not handed to the supervisor.
    pub held: bool,
}

/// Registry: how many conversation actors are alive (not passivated).
#[derive(Message)]
#[rtype(result = "usize")]
pub struct LiveCount;

/// Conversation: store an agent's or omnidesk's message and queue it for sending.
#[derive(Message)]
#[rtype(result = "Result<Result<Message, SendRefusal>, StoreError>")]
pub struct Send(pub OutboundRequest);

/// Workstream: a conversation waits for an agent.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Enqueue {
    pub conversation: ConversationId,
    /// The agent it had before it waited (offered first when the workstream keeps the agent).
    pub previous_agent: Option<UserId>,
    /// The agent it was transferred to (offered first).
    pub transfer_to: Option<UserId>,
}

/// Workstream: the agent may no longer take work; their offers go to others.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Withdraw(pub UserId);

/// Registry: `Withdraw` the agent's offers in every workstream.
#[derive(Message)]
#[rtype(result = "()")]
pub struct WithdrawAll(pub UserId);

/// Workstream: the conversations waiting in its queue, oldest first.
#[derive(Message)]
#[rtype(result = "Vec<ConversationId>")]
pub struct QueueSnapshot;

/// Workstream: whether a conversation is offered to this agent or waits in a pick queue they
/// belong to.
#[derive(Message)]
#[rtype(result = "bool")]
pub struct Visible {
    pub conversation: ConversationId,
    pub agent: UserId,
}

/// Registry → workstream: an offer's countdown may have ended (the scheduler's deadline); the
/// supervisor declines it for its agent if it has really expired.
#[derive(Message)]
#[rtype(result = "()")]
pub struct OfferDue {
    pub workstream: WorkstreamId,
    pub conversation: ConversationId,
}

/// Registry: `Pump` one workstream's supervisor.
#[derive(Message)]
#[rtype(result = "()")]
pub struct PumpOne(pub WorkstreamId);

/// Workstream: try to offer waiting conversations again (presence or capacity changed).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Pump;

/// Registry: `Pump` every workstream supervisor.
#[derive(Message)]
#[rtype(result = "()")]
pub struct PumpAll;

/// Workstream: the conversation no longer waits (assigned elsewhere, closed).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Dequeue(pub ConversationId);

/// Workstream: the agent accepts their offer.
#[derive(Message)]
#[rtype(result = "Result<Conversation, super::workstream::DistributionError>")]
pub struct Accept {
    pub conversation: ConversationId,
    pub agent: UserId,
}

/// Workstream: the agent rejects their offer.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Reject {
    pub conversation: ConversationId,
    pub agent: UserId,
}

/// Workstream: a member takes a waiting conversation (pick mode).
#[derive(Message)]
#[rtype(result = "Result<Conversation, super::workstream::DistributionError>")]
pub struct AssignToMe {
    pub conversation: ConversationId,
    pub agent: UserId,
}

/// Workstream: the offers an agent holds, with their expiry.
#[derive(Message)]
#[rtype(result = "Vec<(ConversationId, Timestamp)>")]
pub struct OffersOf(pub UserId);

/// Registry: the supervisor of a workstream's queue.
#[derive(Message)]
#[rtype(result = "Addr<super::workstream::WorkstreamSupervisor>")]
pub struct Supervisor(pub WorkstreamId);

/// Outbox: a job was committed; send it when pacing allows.
#[derive(Message)]
#[rtype(result = "()")]
pub struct JobQueued(pub OutboxJob);

/// Outbox: one attempt finished (sent to itself from the attempt's future).
#[derive(Message)]
#[rtype(result = "()")]
pub(super) struct AttemptDone {
    pub job: JobId,
    /// The job stays pending and is retried at this instant.
    pub retry_at: Option<Timestamp>,
}

/// Outbox: how many jobs are pending or in flight.
#[derive(Message)]
#[rtype(result = "usize")]
pub struct PendingCount;

/// Outbox: start whatever is due at the clock's now, then say how many sends whose slot has come
/// are in flight. Zero means every send due by now has been made and answered: tests on the
/// manual clock wait on it.
#[derive(Message)]
#[rtype(result = "usize")]
pub struct InFlightNow;
