//! Automated-message switches: where a trigger is turned on or off (a channel's default or one
//! workstream), and whether it is on for a conversation.

use super::Trigger;
use crate::domain::{Channel, WorkstreamId};

/// Where a trigger is turned on or off: a channel's default (no workstream) or one workstream.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SwitchKey {
    pub trigger: Trigger,
    pub channel: Channel,
    pub workstream: Option<WorkstreamId>,
}

impl SwitchKey {
    /// `trigger|channel|workstream-or-0`, the key of the switch table.
    pub fn storage_key(&self) -> String {
        format!(
            "{}|{}|{}",
            self.trigger.key(),
            self.channel.as_str(),
            self.workstream.map_or(0, WorkstreamId::get)
        )
    }

    /// The switches to look at, most specific first: the workstream's, then the channel's.
    pub fn candidates(
        trigger: Trigger,
        channel: Channel,
        workstream: Option<WorkstreamId>,
    ) -> Vec<SwitchKey> {
        let key = |workstream| SwitchKey {
            trigger,
            channel,
            workstream,
        };
        match workstream {
            Some(ws) => vec![key(Some(ws)), key(None)],
            None => vec![key(None)],
        }
    }
}

/// Whether `trigger` is on: the first switch `lookup` finds, else the trigger's default.
pub fn is_on(
    trigger: Trigger,
    channel: Channel,
    workstream: Option<WorkstreamId>,
    lookup: impl Fn(&SwitchKey) -> Option<bool>,
) -> bool {
    SwitchKey::candidates(trigger, channel, workstream)
        .iter()
        .find_map(lookup)
        .unwrap_or(trigger.on_by_default())
}

#[cfg(test)]
mod tests {
    use super::super::Audience;
    use super::*;

    #[test]
    fn switches_go_from_workstream_to_channel_to_the_default() {
        let ws = Some(WorkstreamId::new(4));
        let on = |t, stored: &[(Option<WorkstreamId>, bool)]| {
            is_on(t, Channel::Sms, ws, |k| {
                stored
                    .iter()
                    .find(|(w, _)| *w == k.workstream)
                    .map(|(_, v)| *v)
            })
        };
        assert!(
            !on(Trigger::Greeting, &[]),
            "the greeting waits to be turned on"
        );
        assert!(
            on(Trigger::AgentEnded, &[]),
            "agent ended is on from the start"
        );
        assert!(on(Trigger::Greeting, &[(None, true)]));
        assert!(!on(Trigger::Greeting, &[(None, true), (ws, false)]));
        assert_eq!(Trigger::OutsideTimeframe.audience(), Audience::Agent);
        assert_eq!(Trigger::OptedOut.audience(), Audience::Customer);
    }
}
