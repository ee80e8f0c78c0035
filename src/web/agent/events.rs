//! `GET /agent/events`: the signed-in user's Server-Sent Events stream. It subscribes to the
//! LiveHub and forwards what the user may see (admins and supervisors everything, agents the
//! conversations `access::can_open` lets them open) as `event: <kind>` / `data: <json>` frames, with
//! a `: keepalive` comment every `KEEPALIVE` and a `resync` event when it fell behind the hub.
//! `static/js/live.js` is the browser side. The stream is the response body itself: when the
//! browser goes away actix drops it and the subscription with it; no task is spawned.

use super::access;
use super::frames::{Frame, conversation_of};
use super::streams::{Slot, StreamSlots};
use crate::app::Desk;
use crate::domain::ConversationId;
use crate::domain::user::Role;
use crate::live::LiveEvent;
use crate::metrics::Metrics;
use crate::web::session::{self, SignedIn};
use actix_web::HttpResponse;
use actix_web::http::ConnectionType;
use actix_web::web::{self, Bytes};
use futures_util::Stream;
use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::{Instant, Interval, MissedTickBehavior};

/// A comment this often keeps proxies from closing an idle stream; it is also when the stream
/// checks that its session is still valid (signed out, expired or disabled ends it).
pub const KEEPALIVE: Duration = Duration::from_secs(15);
/// How long an agent's may-open decision about a conversation is reused: a busy conversation
/// costs one store read per stream and period, not one per event. `ConversationAssigned` drops it
/// at once.
pub const DECISION_TTL: Duration = Duration::from_secs(5);
/// Past this many remembered decisions the expired ones are dropped, so a stream open for days
/// does not grow without bound.
const DECISIONS_MAX: usize = 4_096;
const KEEPALIVE_LINE: &[u8] = b": keepalive\n\n";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/events", web::get().to(events));
}

async fn events(
    desk: web::Data<Desk>,
    slots: web::Data<StreamSlots>,
    user: SignedIn,
) -> HttpResponse {
    let slot = match slots.open(&user.token_hash) {
        Ok((slot, evicted)) => {
            if evicted {
                Metrics::inc(&desk.metrics().live_streams_evicted_total);
            }
            slot
        }
        Err(full) => {
            Metrics::inc(&desk.metrics().live_streams_refused_total);
            let mut res = HttpResponse::ServiceUnavailable()
                .insert_header(("Retry-After", "5"))
                .content_type("text/plain; charset=utf-8")
                .body(format!("{full}\n"));
            res.head_mut().set_connection_type(ConnectionType::Close);
            return res;
        }
    };
    let mut res = HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-store"))
        // nginx and similar proxies would otherwise buffer the stream.
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(Feed::new(desk, user, slot).into_stream());
    // A stream's connection is never reused: when the stream ends (closed as its session's
    // oldest, signed out) the connection goes too, instead of idling on a descriptor.
    res.head_mut().set_connection_type(ConnectionType::Close);
    res
}

impl Drop for Feed {
    /// The tab closed (or its stream ended): the roster counts it for Inactive.
    fn drop(&mut self) {
        self.desk.tab(self.user.user.id, false);
    }
}

/// What the stream does next.
#[derive(Debug, PartialEq)]
enum Next {
    Event(LiveEvent),
    Keepalive,
    /// The receiver lagged and this many events were lost.
    Resync(u64),
    Closed,
    /// The session opened more streams than it may hold and this is its oldest.
    Evicted,
}

/// Waits for the next event or keepalive tick. The tick is polled first: it is ready once per
/// period, so it cannot starve events, while a flood of events cannot starve it.
async fn next(
    rx: &mut broadcast::Receiver<LiveEvent>,
    keepalive: &mut Interval,
    slot: &Slot,
) -> Next {
    tokio::select! {
        biased;
        () = slot.closed() => Next::Evicted,
        _ = keepalive.tick() => Next::Keepalive,
        r = rx.recv() => match r {
            Ok(e) => Next::Event(e),
            Err(RecvError::Lagged(n)) => Next::Resync(n),
            Err(RecvError::Closed) => Next::Closed,
        },
    }
}

/// Recent may-open decisions by conversation.
#[derive(Debug, Default)]
struct Decisions {
    by_conversation: HashMap<ConversationId, (bool, Instant)>,
}

impl Decisions {
    fn get(&self, id: ConversationId, now: Instant) -> Option<bool> {
        self.by_conversation
            .get(&id)
            .filter(|(_, at)| now.saturating_duration_since(*at) < DECISION_TTL)
            .map(|(allowed, _)| *allowed)
    }

    fn remember(&mut self, id: ConversationId, allowed: bool, now: Instant) {
        if self.by_conversation.len() >= DECISIONS_MAX {
            self.by_conversation
                .retain(|_, (_, at)| now.saturating_duration_since(*at) < DECISION_TTL);
            if self.by_conversation.len() >= DECISIONS_MAX {
                self.by_conversation.clear();
            }
        }
        self.by_conversation.insert(id, (allowed, now));
    }

    /// Drops the decision about `id`, returning it (expired or not).
    fn forget(&mut self, id: ConversationId) -> Option<bool> {
        self.by_conversation.remove(&id).map(|(allowed, _)| allowed)
    }

    fn clear(&mut self) {
        self.by_conversation.clear();
    }
}

/// One browser's stream: its subscription, its user and what it has decided about conversations.
struct Feed {
    desk: web::Data<Desk>,
    user: SignedIn,
    rx: broadcast::Receiver<LiveEvent>,
    keepalive: Interval,
    decisions: Decisions,
    greeted: bool,
    slot: Slot,
}

impl Feed {
    /// Subscribes at once, so every event published after the response starts is seen.
    fn new(desk: web::Data<Desk>, user: SignedIn, slot: Slot) -> Self {
        let rx = desk.live_events();
        desk.tab(user.user.id, true);
        let mut keepalive = tokio::time::interval_at(Instant::now() + KEEPALIVE, KEEPALIVE);
        keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Self {
            desk,
            user,
            rx,
            keepalive,
            decisions: Decisions::default(),
            greeted: false,
            slot,
        }
    }

    fn into_stream(self) -> impl Stream<Item = Result<Bytes, Infallible>> {
        futures_util::stream::unfold(self, |mut feed| async move {
            let bytes = feed.next_bytes().await?;
            Some((Ok(bytes), feed))
        })
    }

    /// The next chunk to write, or `None` to end the stream.
    async fn next_bytes(&mut self) -> Option<Bytes> {
        if !self.greeted {
            self.greeted = true;
            return Some(Frame::ready().bytes());
        }
        loop {
            match next(&mut self.rx, &mut self.keepalive, &self.slot).await {
                Next::Event(LiveEvent::UserChanged { user }) => {
                    // Disabled or signed out: the stream ends now, not at the next keepalive.
                    if user == self.user.user.id && !self.still_signed_in().await {
                        return None;
                    }
                }
                Next::Event(e) => {
                    if let Some(frame) = Frame::of(&e)
                        && self.may_see(&e).await
                    {
                        return Some(self.described(frame, &e).await.bytes());
                    }
                }
                Next::Keepalive => {
                    return self
                        .still_signed_in()
                        .await
                        .then(|| Bytes::from_static(KEEPALIVE_LINE));
                }
                Next::Resync(missed) => {
                    self.decisions.clear();
                    return Some(Frame::resync(missed).bytes());
                }
                Next::Closed | Next::Evicted => return None,
            }
        }
    }

    /// An offer's frame also names the customer and what they wrote last, for the browser
    /// notification; read when the stream sends it (the user may see the conversation).
    async fn described(&self, mut frame: Frame, event: &LiveEvent) -> Frame {
        if let LiveEvent::OfferMade { conversation, .. } = event {
            match self.desk.offer_notice(*conversation).await {
                Ok(Some(p)) => frame.describe(&p.customer, &p.snippet),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(conversation = %conversation, error = %e, "reading an offer's preview failed")
                }
            }
        }
        frame
    }

    /// Whether this user may see `event`, judged when the stream reaches it (by then the
    /// conversation may have changed hands; what counts is who may open it now).
    async fn may_see(&mut self, event: &LiveEvent) -> bool {
        if matches!(self.user.user.role, Role::Admin | Role::Supervisor) {
            return true;
        }
        let me = self.user.user.id;
        let now = Instant::now();
        match event {
            LiveEvent::ConversationAssigned {
                conversation,
                agent,
            } => {
                // The agent who had it learns too, so their page can drop it.
                let had = self.decisions.forget(*conversation) == Some(true);
                let has = self.decide(*conversation, now).await;
                had || has || *agent == Some(me)
            }
            // An offer opens the conversation to its agent and its end closes it again.
            LiveEvent::OfferMade {
                conversation,
                agent,
                ..
            }
            | LiveEvent::OfferWithdrawn {
                conversation,
                agent,
            } => {
                self.decisions.forget(*conversation);
                *agent == me
            }
            // The consultant is told (who may open it changed); so is everyone who may open it.
            LiveEvent::ConsultChanged {
                conversation,
                consultant,
                ..
            } => {
                self.decisions.forget(*conversation);
                *consultant == me || self.decide(*conversation, now).await
            }
            LiveEvent::PresenceChanged { agent, .. } => *agent == me,
            // Members of the queue are told that nobody takes it.
            LiveEvent::ConversationFlagged { workstream, .. } => self
                .desk
                .store()
                .members(*workstream)
                .await
                .is_ok_and(|m| m.contains(&me)),
            _ => match conversation_of(event) {
                Some(id) => match self.decisions.get(id, now) {
                    Some(allowed) => allowed,
                    None => self.decide(id, now).await,
                },
                None => false,
            },
        }
    }

    async fn decide(&mut self, id: ConversationId, now: Instant) -> bool {
        let allowed = match self.desk.store().conversation(id).await {
            Ok(Some(conv)) => access::can_open(&self.desk, &self.user, &conv).await,
            Ok(None) => false,
            Err(e) => {
                // Not remembered: the next event asks again.
                tracing::warn!(error = %e, conversation = %id, "live stream could not check access");
                return false;
            }
        };
        self.decisions.remember(id, allowed, now);
        allowed
    }

    /// Re-reads the session: a stream outlives no sign-out, and follows role changes.
    async fn still_signed_in(&mut self) -> bool {
        match self
            .desk
            .store()
            .session(self.user.token_hash.clone())
            .await
        {
            Ok(Some((s, user))) if !session::expired(&s, self.desk.now()) && !user.disabled => {
                if user.role != self.user.user.role {
                    self.decisions.clear();
                }
                self.user.user = user;
                true
            }
            Ok(_) => false,
            Err(e) => {
                // A store hiccup should not drop every open page at once; the next tick retries.
                tracing::warn!(error = %e, "live stream could not check its session");
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::presence::Presence;
    use crate::domain::{MessageStatus, Timestamp, UserId, WorkstreamId};

    fn conv(n: u64) -> ConversationId {
        ConversationId::new(n)
    }

    /// `kind data` of the frame for `event`.
    fn described(event: LiveEvent) -> String {
        Frame::of(&event).map_or_else(String::new, |f| format!("{} {}", f.kind, f.data))
    }

    #[test]
    fn a_frame_is_one_event_line_and_one_data_line() {
        let wire = Frame::of(&message(3)).map(|f| f.bytes());
        assert_eq!(
            wire.as_deref(),
            Some(&b"event: message\ndata: {\"conversation\":1,\"seq\":3}\n\n"[..])
        );
    }

    #[test]
    fn every_event_has_a_kind_and_a_json_payload() {
        use LiveEvent::*;
        let (c, a) = (conv(1), UserId::new(5));
        let status = MessageStatus::Delivered;
        #[rustfmt::skip]
        let cases = [
            (StatusChanged { conversation: c, seq: 2, status },
                r#"status {"conversation":1,"seq":2,"status":"delivered"}"#),
            (WindowExpired { conversation: c }, r#"window_expired {"conversation":1}"#),
            (ConversationOpened { conversation: c, workstream: Some(WorkstreamId::new(4)) },
                r#"conversation_opened {"conversation":1,"workstream":4}"#),
            (ConversationAssigned { conversation: c, agent: None },
                r#"assigned {"agent":null,"conversation":1}"#),
            (OfferMade { conversation: c, agent: a, expires_at: Timestamp::from_millis(9) },
                r#"offer {"agent":5,"conversation":1,"expires_at":9}"#),
            (OfferWithdrawn { conversation: c, agent: a },
                r#"offer_withdrawn {"agent":5,"conversation":1}"#),
            (ConsultChanged { conversation: c, consultant: a, started: true },
                r#"consult {"consultant":5,"conversation":1,"started":true}"#),
            (PresenceChanged { agent: a, presence: Presence::BusyDnd },
                r#"presence {"agent":5,"presence":"busy-dnd"}"#),
        ];
        for (event, expected) in cases {
            assert_eq!(described(event), expected);
        }
    }

    #[test]
    fn only_conversation_events_go_to_whoever_may_open_the_conversation() {
        let c = conv(1);
        let seen = LiveEvent::MessageStored {
            conversation: c,
            seq: 1,
        };
        assert_eq!(conversation_of(&seen), Some(c));
        let personal = LiveEvent::OfferWithdrawn {
            conversation: c,
            agent: UserId::new(5),
        };
        assert_eq!(
            conversation_of(&personal),
            None,
            "only its agent sees an offer"
        );
    }

    #[test]
    fn a_decision_is_reused_only_within_its_ttl() {
        let mut d = Decisions::default();
        let t0 = Instant::now();
        d.remember(conv(1), false, t0);
        assert_eq!(d.get(conv(1), t0 + DECISION_TTL / 2), Some(false));
        assert_eq!(d.get(conv(1), t0 + DECISION_TTL), None);
        assert_eq!(d.get(conv(2), t0), None);
        assert_eq!(d.forget(conv(1)), Some(false));
        assert_eq!(d.get(conv(1), t0), None);
    }

    #[test]
    fn remembered_decisions_stay_bounded() {
        let mut d = Decisions::default();
        let t0 = Instant::now();
        for n in 0..(DECISIONS_MAX as u64 * 2) {
            d.remember(conv(n), true, t0);
        }
        assert!(d.by_conversation.len() <= DECISIONS_MAX);
        assert_eq!(d.get(conv(DECISIONS_MAX as u64 * 2 - 1), t0), Some(true));
    }

    fn message(seq: u64) -> LiveEvent {
        LiveEvent::MessageStored {
            conversation: conv(1),
            seq,
        }
    }

    #[tokio::test]
    async fn events_come_as_they_are_published_and_an_idle_stream_gets_a_keepalive() {
        let (tx, mut rx) = broadcast::channel(4);
        let (slot, _) = StreamSlots::new(1, 1).open("s").unwrap();
        let period = Duration::from_millis(20);
        let mut tick = tokio::time::interval_at(Instant::now() + period, period);
        let _ = tx.send(message(1));
        assert_eq!(
            next(&mut rx, &mut tick, &slot).await,
            Next::Event(message(1))
        );
        assert_eq!(next(&mut rx, &mut tick, &slot).await, Next::Keepalive);
        // A comment line: EventSource ignores it.
        assert_eq!(KEEPALIVE_LINE, b": keepalive\n\n");
    }

    #[tokio::test]
    async fn a_lagging_stream_is_told_to_resync_then_continues_until_the_hub_is_gone() {
        let (tx, mut rx) = broadcast::channel(2);
        let (slot, _) = StreamSlots::new(1, 1).open("s").unwrap();
        let mut tick = tokio::time::interval_at(Instant::now() + KEEPALIVE, KEEPALIVE);
        for seq in 1..=5 {
            let _ = tx.send(message(seq));
        }
        drop(tx);
        assert_eq!(next(&mut rx, &mut tick, &slot).await, Next::Resync(3));
        assert_eq!(
            Frame::resync(3).bytes(),
            Bytes::from_static(b"event: resync\ndata: {\"missed\":3}\n\n")
        );
        assert_eq!(
            next(&mut rx, &mut tick, &slot).await,
            Next::Event(message(4))
        );
        assert_eq!(
            next(&mut rx, &mut tick, &slot).await,
            Next::Event(message(5))
        );
        assert_eq!(next(&mut rx, &mut tick, &slot).await, Next::Closed);
    }
}
