//! Connections per client address, bounded when they are accepted: a connection over its
//! address's bound is shut down before a byte is read, so one client (or a few) cannot hold the
//! descriptors every other client needs. Behind a reverse proxy every client shares its address;
//! the bound is a setting (`--max-connections-per-address`, 0 for none). The listener itself is
//! bound here too, with a deep accept backlog.

use actix_web::dev::Extensions;
use std::any::Any;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Open connections by client address, shared by every worker.
#[derive(Debug, Clone)]
pub struct PerAddress {
    max: usize,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One admitted connection; kept in the connection's data, so it goes when the connection does.
#[derive(Debug)]
pub struct Admitted {
    per_address: PerAddress,
    addr: IpAddr,
}

impl PerAddress {
    /// `max` connections per address; 0 admits every connection.
    pub fn new(max: usize) -> Self {
        Self {
            max,
            open: Arc::default(),
        }
    }

    fn open(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn admit(&self, addr: IpAddr) -> Option<Admitted> {
        let mut open = self.open();
        let count = open.entry(addr).or_default();
        if self.max > 0 && *count >= self.max {
            return None;
        }
        *count += 1;
        Some(Admitted {
            per_address: self.clone(),
            addr,
        })
    }

    /// Connections open now from `addr`.
    pub fn of(&self, addr: IpAddr) -> usize {
        self.open().get(&addr).copied().unwrap_or(0)
    }

    /// The server's `on_connect` hook: admits the connection or shuts its socket down at once
    /// (the dispatcher then sees it closed and drops it without reading).
    pub fn on_connect(&self, conn: &dyn Any, data: &mut Extensions) {
        let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() else {
            return;
        };
        let Ok(peer) = tcp.peer_addr() else {
            return;
        };
        match self.admit(peer.ip()) {
            Some(admitted) => {
                data.insert(admitted);
            }
            None => {
                tracing::debug!(address = %peer.ip(), "connection over the per-address bound");
                let _ = socket2::SockRef::from(tcp).shutdown(std::net::Shutdown::Both);
            }
        }
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self.per_address.open();
        if let Some(count) = open.get_mut(&self.addr) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.addr);
            }
        }
    }
}

/// Connections the kernel queues before they are accepted. std's `bind` asks for 128: a burst of
/// connects (or a flood of them) then drops SYNs, which clients retry only after a second.
const LISTEN_BACKLOG: i32 = 4_096;

/// Binds the listener with `LISTEN_BACKLOG` (the kernel caps it at `net.core.somaxconn`).
pub fn bind(addr: std::net::SocketAddr) -> std::io::Result<std::net::TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(LISTEN_BACKLOG)?;
    Ok(socket.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_bound_and_each_closed_connection_back() {
        let p = PerAddress::new(2);
        let addr: IpAddr = "127.0.0.5".parse().unwrap();
        let a = p.admit(addr).unwrap();
        let _b = p.admit(addr).unwrap();
        assert!(p.admit(addr).is_none());
        assert!(p.admit("127.0.0.6".parse().unwrap()).is_some());
        drop(a);
        assert_eq!(p.of(addr), 1);
        assert!(p.admit(addr).is_some());
        assert!(PerAddress::new(0).admit(addr).is_some());
    }
}
