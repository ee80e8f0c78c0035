//! Transcript search: a case-insensitive substring scan over the message bodies of the
//! conversations a user may see, on one read snapshot. The scan is bounded (`MAX_SCANNED`
//! messages, newest conversations first) so one search cannot hold a blocking thread for long;
//! an index can replace it behind the same call.

use super::records::{Conversation, Message};
use super::tables::{CONVERSATION_MESSAGES, CONVERSATION_PARTICIPANTS, CONVERSATION_RECORD};
use super::{Store, StoreError, codec};
use crate::domain::{Timestamp, UserId};
use redb::ReadableTable;

/// Hits per page.
pub const PAGE_SIZE: usize = 20;
/// Most messages one search reads; past this the results say they are incomplete.
pub const MAX_SCANNED: usize = 200_000;

/// Whose conversations a search covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchScope {
    /// Admins and supervisors.
    All,
    /// Agents: the conversations assigned to them, and those they worked on before (their
    /// participants, as the access rule reads them).
    AssignedTo(UserId),
}

impl SearchScope {
    fn covers(
        self,
        c: &Conversation,
        participants: &impl ReadableTable<(u64, u64), u8>,
    ) -> Result<bool, StoreError> {
        Ok(match self {
            SearchScope::All => true,
            SearchScope::AssignedTo(agent) => {
                c.agent == Some(agent) || participants.get((c.id.get(), agent.get()))?.is_some()
            }
        })
    }
}

#[derive(Debug, Clone)]
pub struct SearchHit {
    pub conversation: Conversation,
    pub message: Message,
}

#[derive(Debug, Clone)]
pub struct SearchResults {
    /// Newest first.
    pub hits: Vec<SearchHit>,
    /// More hits follow this page.
    pub has_more: bool,
    /// The scan stopped at `MAX_SCANNED`: older messages were not searched.
    pub truncated: bool,
}

impl Store {
    /// Page `page` (from 0) of the messages in `scope` whose body contains `query`, ignoring case.
    pub async fn search_messages(
        &self,
        scope: SearchScope,
        query: String,
        page: usize,
    ) -> Result<SearchResults, StoreError> {
        self.read(move |rtx| {
            let convs = rtx.open_table(CONVERSATION_RECORD)?;
            let msgs = rtx.open_table(CONVERSATION_MESSAGES)?;
            let participants = rtx.open_table(CONVERSATION_PARTICIPANTS)?;
            let mut visible = Vec::new();
            for row in convs.iter()?.rev() {
                let (k, v) = row?;
                let c: Conversation = codec::decode_at(k.value(), v.value())?;
                if scope.covers(&c, &participants)? {
                    visible.push(c);
                }
            }
            let mut found: Vec<(Timestamp, usize, u64)> = Vec::new();
            let mut scanned = 0;
            let mut truncated = false;
            'scan: for (i, c) in visible.iter().enumerate() {
                let id = c.id.get();
                for row in msgs.range((id, 0)..=(id, u64::MAX))?.rev() {
                    scanned += 1;
                    if scanned > MAX_SCANNED {
                        truncated = true;
                        break 'scan;
                    }
                    let (k, v) = row?;
                    let m: Message = codec::decode_at(format!("{:?}", k.value()), v.value())?;
                    if find_ci(&m.body, &query).is_some() {
                        found.push((m.created_at, i, k.value().1));
                    }
                }
            }
            // Newest first; ties by conversation (newest first) then seq.
            found.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(b.2.cmp(&a.2)));
            let start = page.saturating_mul(PAGE_SIZE);
            let mut hits = Vec::new();
            for &(_, i, seq) in found.iter().skip(start).take(PAGE_SIZE) {
                let conversation = visible[i].clone();
                let Some(g) = msgs.get((conversation.id.get(), seq))? else {
                    continue;
                };
                let message =
                    codec::decode_at(format!("({}, {seq})", conversation.id.get()), g.value())?;
                hits.push(SearchHit {
                    conversation,
                    message,
                });
            }
            Ok(SearchResults {
                hits,
                has_more: found.len() > start.saturating_add(PAGE_SIZE),
                truncated,
            })
        })
        .await
    }
}

/// The byte range of the first occurrence of `needle` in `haystack`, ignoring case (Unicode
/// lower-casing, character by character, so the range always falls on character boundaries).
pub fn find_ci(haystack: &str, needle: &str) -> Option<(usize, usize)> {
    if needle.is_empty() {
        return None;
    }
    if haystack.is_ascii() && needle.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        return h
            .windows(n.len())
            .position(|w| w.eq_ignore_ascii_case(n))
            .map(|i| (i, i + n.len()));
    }
    let folded: Vec<char> = needle.chars().flat_map(char::to_lowercase).collect();
    'starts: for (start, _) in haystack.char_indices() {
        let mut k = 0;
        for (off, c) in haystack[start..].char_indices() {
            for lc in c.to_lowercase() {
                if folded.get(k) == Some(&lc) {
                    k += 1;
                } else {
                    continue 'starts;
                }
            }
            if k == folded.len() {
                return Some((start, start + off + c.len_utf8()));
            }
        }
        // The haystack ran out: later starts are shorter still.
        return None;
    }
    None
}

/// Every non-overlapping occurrence of `needle` in `haystack`, ignoring case, in order.
pub fn find_all_ci(haystack: &str, needle: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some((s, e)) = find_ci(&haystack[from..], needle) {
        out.push((from + s, from + e));
        from += e;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_ignores_case_and_returns_the_original_range() {
        assert_eq!(find_ci("Where is my ORDER?", "order"), Some((12, 17)));
        assert_eq!(find_ci("Ünïcode ÄPFEL", "äpfel"), Some((10, 16)));
        assert_eq!(find_ci("abc", "abcd"), None);
        assert_eq!(find_ci("abc", ""), None, "an empty query matches nothing");
        assert_eq!(find_ci("", "a"), None);
    }

    #[test]
    fn every_occurrence_is_found_without_overlap() {
        assert_eq!(find_all_ci("aAaA", "aa"), vec![(0, 2), (2, 4)]);
        let text = "Café, CAFÉ and café";
        let hits = find_all_ci(text, "café");
        assert_eq!(hits.len(), 3);
        for (s, e) in hits {
            assert!(text.is_char_boundary(s) && text.is_char_boundary(e));
        }
    }

    #[test]
    fn odd_unicode_never_panics() {
        for (h, n) in [("İstanbul", "i"), ("ß", "ss"), ("😀x😀", "X"), ("ǅ", "ǆ")] {
            let _ = find_all_ci(h, n);
        }
    }
}
