//! `OutboxJob` layouts. Layout 2 adds the request id every attempt at the job repeats (ACS's
//! `Repeatability-Request-ID`). A layout-1 job (pending across the upgrade) gets one derived from
//! its id and message, so every read of it gives the same id.

use crate::domain::guid::Guid;
use crate::domain::{ConversationId, JobId, NumberId, Timestamp};
use crate::store::codec::{DecodeError, Record, exact, unknown};
use crate::store::records::{NumberKind, OutboxJob};
use serde::Deserialize;
use sha2::{Digest, Sha256};

impl Record for OutboxJob {
    const TABLE: &'static str = "outbox_job";
    const VERSION: u8 = 2;

    fn decode_earlier(version: u8, body: &[u8]) -> Result<Self, DecodeError> {
        match version {
            1 => Ok(exact::<V1>(1, body)?.into()),
            _ => Err(unknown::<Self>(version)),
        }
    }
}

#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct V1 {
    id: JobId,
    conversation_id: ConversationId,
    seq: u64,
    number_id: NumberId,
    number_kind: NumberKind,
    attempts: u32,
    not_before: Timestamp,
    last_error: Option<String>,
}

/// The request id of a job written before jobs carried one.
fn derived_request_id(job: JobId, conversation: ConversationId, seq: u64) -> Guid {
    let mut h = Sha256::new();
    h.update(b"omnidesk outbox request id\0");
    h.update(job.get().to_be_bytes());
    h.update(conversation.get().to_be_bytes());
    h.update(seq.to_be_bytes());
    Guid::derived(&h.finalize().into())
}

impl From<V1> for OutboxJob {
    fn from(v: V1) -> Self {
        Self {
            request_id: derived_request_id(v.id, v.conversation_id, v.seq),
            id: v.id,
            conversation_id: v.conversation_id,
            seq: v.seq,
            number_id: v.number_id,
            number_kind: v.number_kind,
            attempts: v.attempts,
            not_before: v.not_before,
            last_error: v.last_error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::codec::{decode_at, encode};

    fn v1_bytes(id: u64) -> Vec<u8> {
        let mut bytes = vec![1];
        bytes.extend(
            postcard::to_allocvec(&V1 {
                id: JobId::new(id),
                conversation_id: ConversationId::new(7),
                seq: 3,
                number_id: NumberId::new(2),
                number_kind: NumberKind::WhatsApp,
                attempts: 1,
                not_before: Timestamp::from_millis(1_700_000_000_000),
                last_error: Some("timed out".into()),
            })
            .unwrap(),
        );
        bytes
    }

    #[test]
    fn a_job_of_layout_1_reads_with_a_request_id_that_stays_the_same() {
        let bytes = v1_bytes(5);
        let job: OutboxJob = decode_at(5, &bytes).unwrap();
        assert_eq!((job.seq, job.attempts), (3, 1));
        assert_eq!(job.last_error.as_deref(), Some("timed out"));
        let again: OutboxJob = decode_at(5, &bytes).unwrap();
        assert_eq!(job.request_id, again.request_id, "stable across reads");
        let other: OutboxJob = decode_at(6, &v1_bytes(6)).unwrap();
        assert_ne!(job.request_id, other.request_id, "one id per job");
        // Written back, it is layout 2 and keeps its id.
        let written = encode(&job).unwrap();
        assert_eq!(written[0], 2);
        let reread: OutboxJob = decode_at(5, &written).unwrap();
        assert_eq!(reread, job);
    }
}
