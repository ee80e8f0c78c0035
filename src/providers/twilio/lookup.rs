//! `GET /2010-04-01/Accounts/{Sid}/Messages.json`: after an ambiguous send, finds whether Twilio
//! has the message. Filtered by To and From (with the `whatsapp:` prefix where it applies), then
//! matched here on the body and on `date_created` since the first attempt began. `DateSent` is
//! not used: it is day-granular and empty until Twilio has handed the message to the carrier.

use super::address::parse_status;
use super::client::{phone_sender, twilio_address};
use crate::domain::{MessageStatus, Timestamp};
use crate::providers::{Credentials, SendError, SentMessage, SentQuery};
use serde::Deserialize;
use std::time::Duration;

/// Page size asked for; the newest messages come first.
const PAGE_SIZE: u32 = 50;
/// Pages read at most: a busy customer thread never makes a lookup unbounded.
const MAX_PAGES: usize = 5;
/// Twilio's clock and ours may disagree by this much (and `date_created` has whole seconds).
const CLOCK_SKEW: Duration = Duration::from_secs(5);

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    messages: Vec<Listed>,
    next_page_uri: Option<String>,
}

#[derive(Deserialize)]
struct Listed {
    sid: Option<String>,
    body: Option<String>,
    status: Option<String>,
    date_created: Option<String>,
}

fn lookup_failed(what: &str) -> SendError {
    SendError::Retryable {
        reason: format!("the provider lookup failed: {what}"),
        retry_after: None,
    }
}

/// `date_created` as RFC 2822 (`Fri, 24 May 2019 17:44:46 +0000`).
fn parse_date(s: &str) -> Option<Timestamp> {
    let t = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(s)
        .ok()?;
    Some(Timestamp::from_millis(t.as_millisecond()))
}

/// The listed messages that are ours: same body, created since the first attempt (less skew).
fn matching(listed: Vec<Listed>, query: &SentQuery) -> (Vec<SentMessage>, bool) {
    let since = query.created_since.as_millis() - CLOCK_SKEW.as_millis() as i64;
    let mut out = Vec::new();
    let mut older_seen = false;
    for m in listed {
        let Some(created_at) = m.date_created.as_deref().and_then(parse_date) else {
            continue;
        };
        if created_at.as_millis() < since {
            older_seen = true;
            continue;
        }
        let (Some(sid), Some(body)) = (m.sid, m.body) else {
            continue;
        };
        if body == query.body {
            out.push(SentMessage {
                provider_id: sid,
                status: m
                    .status
                    .as_deref()
                    .and_then(parse_status)
                    .unwrap_or(MessageStatus::Queued),
                created_at,
            });
        }
    }
    (out, older_seen)
}

impl super::TwilioClient {
    pub(super) async fn list_sent(
        &self,
        credentials: &Credentials,
        query: &SentQuery,
    ) -> Result<Vec<SentMessage>, SendError> {
        let mut url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.base_url(),
            credentials.account_sid
        );
        let from = phone_sender(&query.from)?;
        let mut params = vec![
            ("To", twilio_address(query.channel, &query.to)),
            ("From", twilio_address(query.channel, from)),
            ("PageSize", PAGE_SIZE.to_string()),
        ];
        let mut found = Vec::new();
        for _ in 0..MAX_PAGES {
            let resp = self
                .http()
                .get(&url)
                .query(&params)
                .basic_auth(
                    &credentials.account_sid,
                    Some(credentials.auth_token.expose()),
                )
                .send()
                .await
                .map_err(|e| lookup_failed(&e.to_string()))?;
            let status = resp.status();
            if !status.is_success() {
                return Err(lookup_failed(&format!("the provider answered {status}")));
            }
            let page: Page = resp
                .json()
                .await
                .map_err(|e| lookup_failed(&format!("unreadable answer: {e}")))?;
            let (mut ours, older_seen) = matching(page.messages, query);
            found.append(&mut ours);
            // Newest first: once a page reaches back before the first attempt, we are done.
            match page.next_page_uri {
                Some(next) if !older_seen && next.starts_with('/') => {
                    url = format!("{}{next}", self.base_url());
                    params.clear();
                }
                _ => break,
            }
        }
        found.sort_by_key(|m| m.created_at);
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Channel, PhoneNumber};

    fn listed(sid: &str, body: &str, date: &str) -> Listed {
        Listed {
            sid: Some(sid.into()),
            body: Some(body.into()),
            status: Some("sent".into()),
            date_created: Some(date.into()),
        }
    }

    #[test]
    fn only_the_same_body_created_since_the_first_attempt_matches() {
        let query = SentQuery {
            channel: Channel::WhatsApp,
            from: PhoneNumber::parse("+14155550199").unwrap().into(),
            to: PhoneNumber::parse("+14155550123").unwrap(),
            body: "hello".into(),
            // 2026-01-01T09:00:00Z
            created_since: Timestamp::from_millis(1_767_258_000_000),
        };
        let (found, older_seen) = matching(
            vec![
                listed("SM1", "hello", "Thu, 01 Jan 2026 09:00:02 +0000"),
                listed("SM2", "other", "Thu, 01 Jan 2026 09:00:01 +0000"),
                listed("SM3", "hello", "Thu, 01 Jan 2026 08:00:00 +0000"),
                listed("SM4", "hello", "not a date"),
            ],
            &query,
        );
        let sids: Vec<_> = found.iter().map(|m| m.provider_id.as_str()).collect();
        assert_eq!(sids, ["SM1"]);
        assert_eq!(found[0].status, MessageStatus::Sent);
        assert!(older_seen, "an hour-old message ends the paging");
    }
}
