//! Agent scripts: a workstream's checklist as admins and supervisors edit it, and as an agent
//! ticks it off in one conversation.

use super::Desk;
use crate::domain::knowledge::script::{Script, StepId};
use crate::domain::quick_reply::Context;
use crate::domain::{ConversationId, UserId, WorkstreamId};
use crate::store::StoreError;
use crate::store::records::{Conversation, Workstream};
use crate::store::scripts::{ScriptEdit, ScriptRefusal, Tick};
use std::collections::HashMap;

impl Desk {
    pub async fn script(&self, ws: WorkstreamId) -> Result<Script, StoreError> {
        self.store().script(ws).await
    }

    /// A workstream with its script, for the script page; None for an unknown workstream.
    pub async fn workstream_script(
        &self,
        ws: WorkstreamId,
    ) -> Result<Option<(Workstream, Script)>, StoreError> {
        match self.store().workstream(ws).await? {
            Some(w) => Ok(Some((w, self.store().script(ws).await?))),
            None => Ok(None),
        }
    }

    /// Every workstream with how many steps its script has.
    pub async fn scripts_overview(&self) -> Result<Vec<(Workstream, usize)>, StoreError> {
        let mut out = Vec::new();
        for w in self.store().workstreams().await? {
            let steps = self.store().script(w.id).await?.steps.len();
            out.push((w, steps));
        }
        Ok(out)
    }

    /// What a send-text step's slugs are filled from in `conv`, for `agent` (the viewer).
    pub async fn script_context(
        &self,
        conv: &Conversation,
        agent: &str,
    ) -> Result<Context, StoreError> {
        let contact = self.store().contact(conv.contact_id).await?;
        Ok(Context {
            customer_name: contact.and_then(|c| c.name),
            customer_phone: Some(conv.customer.to_string()),
            agent_name: Some(agent.to_owned()),
        })
    }

    /// The names of the users who ticked `ticks`.
    pub async fn tick_names(
        &self,
        ticks: &HashMap<StepId, Tick>,
    ) -> Result<HashMap<UserId, String>, StoreError> {
        if ticks.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(self
            .store()
            .users()
            .await?
            .into_iter()
            .filter(|u| ticks.values().any(|t| t.by == u.id))
            .map(|u| (u.id, u.name))
            .collect())
    }

    pub async fn edit_script(
        &self,
        ws: WorkstreamId,
        edit: ScriptEdit,
    ) -> Result<Result<Script, ScriptRefusal>, StoreError> {
        self.store().edit_script(ws, edit).await
    }

    /// The script of the conversation's workstream and the steps ticked in the conversation.
    pub async fn conversation_script(
        &self,
        conv: &Conversation,
    ) -> Result<(Script, HashMap<StepId, Tick>), StoreError> {
        let script = match conv.workstream_id {
            Some(ws) => self.store().script(ws).await?,
            None => Script::default(),
        };
        let ticks = if script.steps.is_empty() {
            HashMap::new()
        } else {
            self.store().script_ticks(conv.id).await?
        };
        Ok((script, ticks))
    }

    /// Ticks a step off in a conversation (`done`), or clears its tick.
    pub async fn tick_script_step(
        &self,
        conv: ConversationId,
        step: StepId,
        by: UserId,
        done: bool,
    ) -> Result<Result<(), ScriptRefusal>, StoreError> {
        let tick = done.then(|| Tick { by, at: self.now() });
        self.store().set_script_tick(conv, step, tick).await
    }
}
