//! One client's outgoing queue: bounded, with unit positions coalesced.
//!
//! While a unit's position is still waiting to be sent, a newer one for the same unit replaces
//! it; every other event is always delivered, in order. A client whose queue still grows past
//! [`MAX_QUEUE`] is too slow: the hub tells it why and disconnects it.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use onemap_core::feed::Envelope;
use tokio::sync::Notify;

/// Queued events (after coalescing) a client may fall behind before it is disconnected.
pub const MAX_QUEUE: usize = 50_000;

/// An event and its JSON text, serialised once for every client.
#[derive(Debug)]
pub struct Outgoing {
    pub env: Envelope,
    pub json: String,
}

impl Outgoing {
    pub fn new(env: Envelope) -> Arc<Outgoing> {
        let json = env.to_json();
        Arc::new(Outgoing { env, json })
    }
}

/// FNV-1a of a coalescing key: cheap, and a collision is harmless (see `positions`).
fn key_hash(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[derive(Default)]
pub struct ClientQueue {
    inner: Mutex<QueueInner>,
    notify: Notify,
}

#[derive(Default)]
struct QueueInner {
    items: VecDeque<Option<Arc<Outgoing>>>,
    /// Absolute index of the first item in `items`.
    base: u64,
    /// Hash of a unit id → absolute index of its queued position (the id itself is checked
    /// on a hit, so a collision only means no coalescing).
    positions: HashMap<u64, u64>,
    live: usize,
    closed: bool,
    coalesced: u64,
}

impl ClientQueue {
    fn lock(&self) -> MutexGuard<'_, QueueInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queue an event; `false` if the client is too slow and must go.
    pub fn push(&self, env: Envelope) -> bool {
        self.push_shared(Outgoing::new(env))
    }

    pub fn push_shared(&self, out: Arc<Outgoing>) -> bool {
        let mut q = self.lock();
        if q.closed {
            return true;
        }
        if let Some(key) = out.env.event.coalesce_key() {
            let h = key_hash(key);
            if let Some(&at) = q.positions.get(&h) {
                let slot = (at - q.base) as usize;
                let same = q
                    .items
                    .get(slot)
                    .and_then(Option::as_ref)
                    .is_some_and(|old| old.env.event.coalesce_key() == Some(key));
                if same {
                    q.items[slot] = None;
                    q.live -= 1;
                    q.coalesced += 1;
                }
            }
            let at = q.base + q.items.len() as u64;
            q.positions.insert(h, at);
        }
        q.items.push_back(Some(out));
        q.live += 1;
        let ok = q.live <= MAX_QUEUE;
        drop(q);
        self.notify.notify_one();
        ok
    }

    /// The next event to send, waiting for one; `None` once closed and drained.
    pub async fn pop(&self) -> Option<Arc<Outgoing>> {
        loop {
            {
                let mut q = self.lock();
                while let Some(item) = q.items.pop_front() {
                    q.base += 1;
                    if let Some(out) = item {
                        q.live -= 1;
                        if let Some(key) = out.env.event.coalesce_key() {
                            let h = key_hash(key);
                            if q.positions.get(&h) == Some(&(q.base - 1)) {
                                q.positions.remove(&h);
                            }
                        }
                        return Some(out);
                    }
                }
                if q.closed {
                    return None;
                }
            }
            self.notify.notified().await;
        }
    }

    /// Send what is queued, then stop.
    pub fn close(&self) {
        self.lock().closed = true;
        self.notify.notify_one();
    }

    pub fn coalesced(&self) -> u64 {
        self.lock().coalesced
    }
}
