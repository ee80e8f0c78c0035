//! Queues as the services see them: the admin's queue changes (which tell the supervisor), and the
//! notices supervisors post — the out-of-hours or holiday message (once per conversation), the
//! customer's position in the queue, the message of a conversation an overflow rule ended.

use super::Desk;
use super::automated::Fill;
use crate::actors::messages::{PumpOne, Track};
use crate::actors::notices::QueueNotice;
use crate::domain::automated::Trigger;
use crate::domain::{ConversationId, QueueId, WorkstreamId};
use crate::live::LiveEvent;
use crate::store::StoreError;
use crate::store::queues::{Notice, Queue, QueueDraft, QueueRefusable};
use tokio::sync::mpsc::UnboundedReceiver;

impl Desk {
    pub async fn create_queue(&self, ws: WorkstreamId, draft: QueueDraft) -> QueueRefusable<Queue> {
        let out = self.store().create_queue(ws, draft).await?;
        self.registry.do_send(PumpOne(ws));
        Ok(out)
    }

    /// Changes a queue; its supervisor serves it anew at once (offers to agents no longer in it
    /// are withdrawn there).
    pub async fn update_queue(&self, id: QueueId, draft: QueueDraft) -> QueueRefusable<Queue> {
        let out = self.store().update_queue(id, draft).await?;
        if let Ok(q) = &out {
            self.registry.do_send(PumpOne(q.workstream_id));
        }
        Ok(out)
    }

    pub async fn delete_queue(&self, id: QueueId) -> QueueRefusable<Queue> {
        let out = self.store().delete_queue(id).await?;
        if let Ok(q) = &out {
            self.registry.do_send(PumpOne(q.workstream_id));
        }
        Ok(out)
    }

    /// Sets how often, at most, a waiting customer hears their improved place in the queue.
    pub async fn set_position_minutes(
        &self,
        ws: WorkstreamId,
        minutes: u32,
    ) -> Result<(), StoreError> {
        self.store().set_position_minutes(ws, minutes).await?;
        self.registry.do_send(PumpOne(ws));
        Ok(())
    }

    /// Starts the task that acts on the supervisors' notices; it ends with the process.
    pub fn serve_queue_notices(self, mut notices: UnboundedReceiver<QueueNotice>) {
        actix::spawn(async move {
            while let Some(n) = notices.recv().await {
                if let Err(e) = self.on_queue_notice(n).await {
                    tracing::warn!(error = %e, "a queue notice was not acted on");
                }
            }
        });
    }

    async fn on_queue_notice(&self, notice: QueueNotice) -> Result<(), StoreError> {
        match notice {
            QueueNotice::Closed {
                conversation,
                holiday,
            } => {
                let (trigger, notice) = match holiday {
                    Some(_) => (Trigger::Holiday, Notice::Holiday),
                    None => (Trigger::OutOfHours, Notice::OutOfHours),
                };
                self.tell_once(conversation, trigger, notice, None).await?;
            }
            QueueNotice::Position {
                conversation,
                position,
                queue,
            } => {
                self.tell_customer(
                    conversation,
                    Trigger::QueuePosition,
                    Some(&queue),
                    Some(position),
                )
                .await?;
            }
            QueueNotice::End {
                conversation,
                out_of_hours,
                queue,
                line,
            } => {
                // Out of hours the customer hears the out-of-hours message (once); otherwise that
                // the queue could not take them. Sent before the close, which ends sending.
                if !out_of_hours {
                    self.tell_customer(conversation, Trigger::OverflowEnded, Some(&queue), None)
                        .await?;
                } else {
                    self.tell_once(
                        conversation,
                        Trigger::OutOfHours,
                        Notice::OutOfHours,
                        Some(&queue),
                    )
                    .await?;
                }
                if let Ok(closed) = self
                    .store()
                    .end_by_overflow(conversation, line, self.now())
                    .await?
                {
                    self.registry.do_send(Track {
                        conversation: closed.clone(),
                        opened: false,
                        transfer_to: None,
                    });
                    self.shared.live.publish(LiveEvent::ConversationAssigned {
                        conversation,
                        agent: None,
                    });
                }
            }
        }
        Ok(())
    }

    /// `tell_customer`, once per conversation whatever the restarts and re-queues.
    async fn tell_once(
        &self,
        conversation: ConversationId,
        trigger: Trigger,
        notice: Notice,
        queue: Option<&str>,
    ) -> Result<(), StoreError> {
        if self
            .store()
            .note_notice(conversation, notice, self.now())
            .await?
        {
            self.tell_customer(conversation, trigger, queue, None)
                .await?;
        }
        Ok(())
    }

    /// Sends a queue trigger's automated message to the customer, in the workstream's language.
    /// A refusal (the window closed, the customer opted out) only skips it.
    async fn tell_customer(
        &self,
        conversation: ConversationId,
        trigger: Trigger,
        queue: Option<&str>,
        position: Option<usize>,
    ) -> Result<(), StoreError> {
        let Some(conv) = self.store().conversation(conversation).await? else {
            return Ok(());
        };
        let fill = Fill {
            queue_name: queue.map(str::to_owned),
            queue_position: position,
            ..Fill::default()
        };
        self.automated_or_log(&conv, trigger, &fill).await;
        Ok(())
    }
}
