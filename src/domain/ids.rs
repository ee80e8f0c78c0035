//! Typed ids for stored records, so a conversation id can never be passed where a number id is
//! expected. They are allocated by the store's writer and are never reused.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub struct $name(u64);

        impl $name {
            pub fn new(raw: u64) -> Self {
                Self(raw)
            }
            pub fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}{}", $prefix, self.0)
            }
        }
    };
}

id_type!(/// A messaging account (one provider credential set).
    AccountId, "acct-");
id_type!(/// A business sender number.
    NumberId, "num-");
id_type!(/// A workstream.
    WorkstreamId, "ws-");
id_type!(/// A customer contact, matched by phone number.
    ContactId, "contact-");
id_type!(/// A conversation.
    ConversationId, "conv-");
id_type!(/// An outbox job.
    JobId, "job-");
id_type!(/// An operating-hours record.
    HoursId, "hours-");
id_type!(/// A quick reply.
    QuickReplyId, "qr-");
id_type!(/// A message template.
    TemplateId, "tpl-");
id_type!(/// A user: admin, supervisor or agent.
    UserId, "user-");
id_type!(/// A queue of a workstream.
    QueueId, "queue-");
id_type!(/// A skill agents have with a proficiency, that routing rules may require.
    SkillId, "skill-");
id_type!(/// A work classification (routing) rule of a workstream.
    RuleId, "rule-");
id_type!(/// A knowledge article.
    ArticleId, "article-");
