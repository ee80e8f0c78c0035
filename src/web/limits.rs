//! Request bodies under a deadline, and a bound on unfinished bodies per client address: a client
//! that announces a body and sends it slowly (or never) is answered 408 and disconnected when its
//! route's deadline passes, and one address cannot hold more than `MAX_PENDING_PER_ADDRESS` such
//! connections open at once. Headers have their own timeout in the server (`client_request_timeout`).

use crate::app::Desk;
use crate::metrics::Metrics;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{ConnectionType, Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use futures_util::Stream;
use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

/// Most bodies still arriving from one address at once. A real client's body arrives within
/// milliseconds of its headers, so this many at once means someone is holding connections open.
pub const MAX_PENDING_PER_ADDRESS: usize = 64;
/// Slowest upload rate accepted: an attachment of the largest allowed size gets the base deadline
/// plus the time it takes at this rate.
const SLOWEST_UPLOAD_BYTES_PER_SEC: u64 = 64 * 1024;

/// Deadlines for receiving a request body, by route.
#[derive(Debug, Clone, Copy)]
pub struct BodyDeadlines {
    /// Every route that does not receive uploads.
    pub base: Duration,
    /// Largest upload accepted (bytes): uploads get `base` plus its time at the slowest rate.
    pub upload_bytes: u64,
}

impl BodyDeadlines {
    pub fn upload(&self) -> Duration {
        self.base + Duration::from_secs(self.upload_bytes / SLOWEST_UPLOAD_BYTES_PER_SEC)
    }

    fn for_request(&self, req: &ServiceRequest) -> Duration {
        if req.method() == Method::POST && is_upload_path(req.path()) {
            self.upload()
        } else {
            self.base
        }
    }
}

/// The routes that receive files (multipart forms), which get the longer upload deadline.
fn is_upload_path(path: &str) -> bool {
    path.starts_with("/agent/conversations/") && path.ends_with("/attachments")
}

/// Unfinished bodies, by client address and in arrival order, shared by every worker. Past the
/// total bound the oldest is cut short: a real body arrives within milliseconds, so the oldest
/// unfinished ones are the slow clients, and the connections they hold go back to everyone else.
#[derive(Debug, Clone)]
pub struct PendingBodies {
    total_max: usize,
    state: Arc<Mutex<Pending>>,
}

#[derive(Debug, Default)]
struct Pending {
    next_id: u64,
    by_address: HashMap<IpAddr, usize>,
    /// Every unfinished body, oldest first, with the switch that cuts it short.
    order: std::collections::BTreeMap<u64, Arc<CutShort>>,
}

/// Set when a body is cut short to make room; wakes its stream.
#[derive(Debug, Default)]
struct CutShort {
    cut: std::sync::atomic::AtomicBool,
    waker: futures_util::task::AtomicWaker,
}

impl CutShort {
    fn cut(&self) {
        self.cut.store(true, std::sync::atomic::Ordering::Release);
        self.waker.wake();
    }

    fn is_cut(&self, cx: &Context<'_>) -> bool {
        self.waker.register(cx.waker());
        self.cut.load(std::sync::atomic::Ordering::Acquire)
    }
}

impl PendingBodies {
    pub fn new(total_max: usize) -> Self {
        Self {
            total_max: total_max.max(1),
            state: Arc::default(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts one more unfinished body from `addr`, unless it already has `per_address` of them;
    /// at the total bound the oldest unfinished body is cut short to make room.
    fn admit(&self, addr: IpAddr, per_address: usize) -> Option<PendingGuard> {
        let mut state = self.state();
        if state.by_address.get(&addr).copied().unwrap_or(0) >= per_address {
            return None;
        }
        if state.order.len() >= self.total_max
            && let Some((_, oldest)) = state.order.pop_first()
        {
            oldest.cut();
        }
        *state.by_address.entry(addr).or_default() += 1;
        state.next_id += 1;
        let id = state.next_id;
        let cut = Arc::new(CutShort::default());
        state.order.insert(id, cut.clone());
        Some(PendingGuard {
            pending: self.clone(),
            addr,
            id,
            cut,
        })
    }

    /// Bodies from `addr` still arriving.
    pub fn of(&self, addr: IpAddr) -> usize {
        self.state().by_address.get(&addr).copied().unwrap_or(0)
    }

    /// Bodies still arriving, from every address.
    pub fn total(&self) -> usize {
        self.state().order.len()
    }
}

/// One unfinished body; dropping it (body complete, failed or abandoned) uncounts it.
struct PendingGuard {
    pending: PendingBodies,
    addr: IpAddr,
    id: u64,
    cut: Arc<CutShort>,
}

impl Drop for PendingGuard {
    fn drop(&mut self) {
        let mut state = self.pending.state();
        state.order.remove(&self.id);
        if let Some(count) = state.by_address.get_mut(&self.addr) {
            *count -= 1;
            if *count == 0 {
                state.by_address.remove(&self.addr);
            }
        }
    }
}

/// The settings of the middleware, as app data.
#[derive(Debug, Clone)]
pub struct BodyLimits {
    pub deadlines: BodyDeadlines,
    pub pending: PendingBodies,
    pub max_pending_per_address: usize,
}

/// Whether the request announces a body (a length above zero, or chunked).
fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    if headers.contains_key(header::TRANSFER_ENCODING) {
        return true;
    }
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > 0)
}

fn closing(status: StatusCode, reason: &str) -> HttpResponse {
    let mut res = HttpResponse::build(status)
        .content_type("text/plain; charset=utf-8")
        .body(format!("{reason}\n"));
    res.head_mut().set_connection_type(ConnectionType::Close);
    res
}

/// The middleware (`actix_web::middleware::from_fn`): wraps the body in its deadline, answers
/// 408 and closes the connection when it passes, and refuses a body beyond the address's bound.
pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(limits) = req.app_data::<web::Data<BodyLimits>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if !has_body(&req) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let addr = req.peer_addr().map(|a| a.ip());
    let held = match addr {
        Some(addr) => match limits.pending.admit(addr, limits.max_pending_per_address) {
            Some(held) => Some(held),
            None => {
                let res = closing(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too many unfinished requests from this address",
                );
                return Ok(req.into_response(res));
            }
        },
        None => None,
    };
    let expired = Rc::new(Cell::new(false));
    let deadline = limits.deadlines.for_request(&req);
    let inner = req.take_payload();
    let timed: Pin<Box<dyn Stream<Item = Result<web::Bytes, PayloadError>>>> = Box::pin(Timed {
        inner,
        sleep: Box::pin(tokio::time::sleep(deadline)),
        expired: expired.clone(),
        held,
        done: false,
    });
    req.set_payload(Payload::from(timed));
    let res = next.call(req).await?;
    if expired.get() {
        let (req, _) = res.into_parts();
        if let Some(desk) = req.app_data::<web::Data<Desk>>() {
            Metrics::inc(&desk.metrics().body_timeouts_total);
        }
        let res = closing(
            StatusCode::REQUEST_TIMEOUT,
            "the request body did not arrive in time",
        );
        return Ok(ServiceResponse::new(req, res));
    }
    Ok(res.map_into_boxed_body())
}

/// A body stream that fails once its deadline passes.
struct Timed {
    inner: Payload,
    sleep: Pin<Box<tokio::time::Sleep>>,
    expired: Rc<Cell<bool>>,
    held: Option<PendingGuard>,
    done: bool,
}

impl Stream for Timed {
    type Item = Result<web::Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(None) => {
                this.done = true;
                this.held = None;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(e))) => {
                this.done = true;
                this.held = None;
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(Some(Ok(bytes))) => Poll::Ready(Some(Ok(bytes))),
            Poll::Pending => match this.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => this.expire(),
                Poll::Pending if this.held.as_ref().is_some_and(|h| h.cut.is_cut(cx)) => {
                    this.expire()
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl Timed {
    fn expire(&mut self) -> Poll<Option<Result<web::Bytes, PayloadError>>> {
        self.done = true;
        self.held = None;
        self.expired.set(true);
        Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the request body did not arrive in time",
        )))))
    }
}

/// Reads a body of at most `limit` bytes: a larger announced length is refused before reading.
pub async fn read_limited(
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::Bytes, BodyError> {
    use futures_util::StreamExt;
    let mut buf = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| match e {
            PayloadError::Io(ref io) if io.kind() == std::io::ErrorKind::TimedOut => {
                BodyError::TimedOut
            }
            _ => BodyError::Unreadable,
        })?;
        if buf.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge(limit));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// Why a body could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BodyError {
    #[error("the request body is larger than {0} bytes")]
    TooLarge(usize),
    #[error("the request body did not arrive in time")]
    TimedOut,
    #[error("the request body could not be read")]
    Unreadable,
}

/// The announced body length when it is above `limit`.
pub fn announced_over(req: &actix_web::HttpRequest, limit: usize) -> bool {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > limit as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_get_time_for_their_size() {
        let d = BodyDeadlines {
            base: Duration::from_secs(10),
            upload_bytes: 5 * 1024 * 1024,
        };
        assert_eq!(d.upload(), Duration::from_secs(10 + 80));
        assert!(is_upload_path("/agent/conversations/7/attachments"));
        assert!(!is_upload_path("/agent/conversations/7/reply"));
    }

    #[test]
    fn an_address_is_bounded_and_freed() {
        let pending = PendingBodies::new(100);
        let addr: IpAddr = "127.0.0.9".parse().unwrap();
        let a = pending.admit(addr, 2).unwrap();
        let b = pending.admit(addr, 2).unwrap();
        assert!(pending.admit(addr, 2).is_none());
        drop(a);
        assert_eq!(pending.of(addr), 1);
        drop(b);
        assert_eq!(pending.of(addr), 0);
        assert!(pending.admit(addr, 2).is_some());
    }

    #[test]
    fn past_the_total_bound_the_oldest_body_is_cut_short() {
        let pending = PendingBodies::new(2);
        let at = |i: u8| IpAddr::from([127, 0, 0, i]);
        let oldest = pending.admit(at(1), 64).unwrap();
        let second = pending.admit(at(2), 64).unwrap();
        let _third = pending.admit(at(3), 64).unwrap();
        let waker = futures_util::task::noop_waker();
        let cx = Context::from_waker(&waker);
        assert!(oldest.cut.is_cut(&cx));
        assert!(!second.cut.is_cut(&cx));
        assert_eq!(pending.total(), 2);
        drop(oldest);
        assert_eq!(pending.total(), 2);
        assert_eq!(pending.of(at(1)), 0);
    }
}
