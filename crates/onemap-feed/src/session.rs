//! One WebSocket connection, over any stream (plain TCP or TLS): wait for a hello with
//! credentials, then parse what the client sends, rate-limit it per identity, hand it to the
//! hub, and write the client's queue to the socket. Nothing here decides anything; the hub
//! authenticates, authorises and applies.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use onemap_core::feed::{ClientMessage, Principal, ServerEvent, parse_client};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use crate::hub::{Actor, Credentials, HubMsg};
use crate::queue::ClientQueue;

/// Messages over the rate before the client is disconnected.
pub const MAX_REJECTED: u32 = 500;
/// Largest frame or message the WebSocket layer accepts (its defaults are 16 and 64 MiB); the
/// application limit (`MAX_CLIENT_MESSAGE`, 16 KiB) is lower and answered with an error event.
pub const MAX_FRAME: usize = 64 << 10;
/// A connection must have signed in this soon after it opened.
pub const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
/// At most this many identities' buckets are kept (the idle ones go first).
const MAX_BUCKETS: usize = 10_000;

/// A token bucket.
pub struct Bucket {
    tokens: f64,
    rate: f64,
    burst: f64,
    last: Instant,
}

impl Bucket {
    fn new((rate, burst): (f64, f64)) -> Self {
        Self {
            tokens: burst,
            rate,
            burst,
            last: Instant::now(),
        }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        self.tokens =
            (self.tokens + now.duration_since(self.last).as_secs_f64() * self.rate).min(self.burst);
        self.last = now;
        if self.tokens < 1.0 {
            return false;
        }
        self.tokens -= 1.0;
        true
    }
}

/// Every identity's bucket, shared by all its sessions: opening more connections does not
/// buy more commands, and one identity flooding is stopped before the hub.
#[derive(Default)]
pub struct RateBook {
    buckets: Mutex<HashMap<String, Arc<Mutex<Bucket>>>>,
}

impl RateBook {
    fn bucket(&self, who: &Principal) -> Arc<Mutex<Bucket>> {
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_BUCKETS && !map.contains_key(&who.name) {
            // Only the ones no session holds.
            map.retain(|_, b| Arc::strong_count(b) > 1);
        }
        map.entry(who.name.clone())
            .or_insert_with(|| Arc::new(Mutex::new(Bucket::new(who.role.rate()))))
            .clone()
    }
}

/// What to do with a message under the rate limit.
enum Limit {
    Pass,
    /// Dropped; tell the client and the audit log (at most once a second).
    Drop(Option<(ServerEvent, u32)>),
    /// Too many over the limit: tell the client and close.
    Disconnect(ServerEvent),
}

/// One connection's view of its identity's bucket, and a count of messages over it.
struct Limiter {
    bucket: Arc<Mutex<Bucket>>,
    rate: f64,
    rejected: u32,
    unreported: u32,
    last_error: Option<Instant>,
}

impl Limiter {
    fn new(bucket: Arc<Mutex<Bucket>>, rate: f64) -> Self {
        Self {
            bucket,
            rate,
            rejected: 0,
            unreported: 0,
            last_error: None,
        }
    }

    fn check(&mut self) -> Limit {
        if self.bucket.lock().unwrap_or_else(|e| e.into_inner()).take() {
            return Limit::Pass;
        }
        self.rejected += 1;
        self.unreported += 1;
        let rate = self.rate;
        if self.rejected > MAX_REJECTED {
            return Limit::Disconnect(ServerEvent::error(
                "rate_limited",
                format!(
                    "more than {MAX_REJECTED} messages over this identity's limit of {rate}/s; \
                     disconnecting"
                ),
            ));
        }
        if self
            .last_error
            .is_some_and(|t| t.elapsed() <= Duration::from_secs(1))
        {
            return Limit::Drop(None);
        }
        self.last_error = Some(Instant::now());
        let dropped = std::mem::take(&mut self.unreported);
        Limit::Drop(Some((
            ServerEvent::error(
                "rate_limited",
                format!("over this identity's {rate} messages/s; message dropped"),
            ),
            dropped,
        )))
    }
}

/// What the connection knows before and after signing in.
struct Signed {
    client: u64,
    actor: Arc<Actor>,
    limiter: Limiter,
}

/// What a connection needs to sign in.
struct Door<'a> {
    queue: &'a Arc<ClientQueue>,
    peer: SocketAddr,
    credentials: &'a Credentials,
    hub: &'a mpsc::Sender<HubMsg>,
    rates: &'a RateBook,
}

impl Door<'_> {
    /// The first message: a hello the hub accepts, or `None` (the hub has sent
    /// `unauthorized` and closed the queue).
    async fn sign_in(&self, text: &str) -> Option<Signed> {
        let refuse = |reason: String| HubMsg::Refuse {
            queue: self.queue.clone(),
            peer: self.peer,
            reason,
        };
        let hello = match parse_client(text).map(|env| env.message) {
            Ok(ClientMessage::Hello(hello)) => hello,
            Ok(other) => {
                let why = format!("send hello with credentials first (got {})", other.kind());
                let _ = self.hub.send(refuse(why)).await;
                return None;
            }
            Err(e) => {
                let _ = self.hub.send(refuse(format!("before hello: {e}"))).await;
                return None;
            }
        };
        let (reply, answer) = oneshot::channel();
        self.hub
            .send(HubMsg::Hello {
                queue: self.queue.clone(),
                hello,
                credentials: self.credentials.clone(),
                peer: self.peer,
                reply,
            })
            .await
            .ok()?;
        let admitted = answer.await.ok()??;
        let p = &admitted.principal;
        let peer = self.peer;
        Some(Signed {
            client: admitted.client,
            actor: Arc::new(Actor {
                name: p.name.clone(),
                shown: format!("{} ({peer})", p.name),
            }),
            limiter: Limiter::new(self.rates.bucket(p), p.role.rate().0),
        })
    }
}

/// Serve one connection until it closes, the hub ends it, or the server stops.
pub async fn run<S>(
    ws: WebSocketStream<S>,
    peer: SocketAddr,
    credentials: Credentials,
    hub: mpsc::Sender<HubMsg>,
    rates: Arc<RateBook>,
    mut stop: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sink, mut source) = ws.split();
    let queue = Arc::new(ClientQueue::default());
    let writer_queue = queue.clone();
    let mut writer = tokio::spawn(async move {
        while let Some(out) = writer_queue.pop().await {
            if sink.send(Message::text(out.json.as_str())).await.is_err() {
                return;
            }
        }
        let _ = sink.close().await;
    });
    let mut writer_done = false;
    let direct = |event: ServerEvent| HubMsg::Direct {
        queue: queue.clone(),
        event,
    };
    let refuse = |reason: String| HubMsg::Refuse {
        queue: queue.clone(),
        peer,
        reason,
    };
    let mut signed: Option<Signed> = None;
    let deadline = tokio::time::Instant::now() + AUTH_TIMEOUT;
    loop {
        let msg = tokio::select! {
            m = source.next() => m,
            _ = stop.changed() => None,
            // The hub closed the queue (revoked, too slow) and the writer has sent the rest.
            _ = &mut writer, if !writer_done => {
                writer_done = true;
                None
            }
            _ = tokio::time::sleep_until(deadline), if signed.is_none() => {
                let _ = hub.send(refuse(format!("no hello within {} s", AUTH_TIMEOUT.as_secs()))).await;
                break;
            }
        };
        let Some(Ok(msg)) = msg else { break };
        let text = match msg {
            Message::Text(t) => t,
            Message::Binary(_) if signed.is_none() => {
                let _ = hub.send(refuse("a binary frame before hello".into())).await;
                break;
            }
            Message::Binary(_) => {
                let e =
                    ServerEvent::error("binary", "binary frames are not supported; send JSON text");
                if hub.send(direct(e)).await.is_err() {
                    break;
                }
                continue;
            }
            Message::Close(_) => break,
            _ => continue,
        };
        let Some(me) = &mut signed else {
            // Not signed in: the only thing that may come is a hello with credentials.
            let door = Door {
                queue: &queue,
                peer,
                credentials: &credentials,
                hub: &hub,
                rates: &rates,
            };
            match door.sign_in(&text).await {
                Some(s) => signed = Some(s),
                None => break,
            }
            continue;
        };
        match me.limiter.check() {
            Limit::Pass => {}
            Limit::Drop(None) => continue,
            Limit::Drop(Some((e, dropped))) => {
                let _ = hub
                    .send(HubMsg::Denied {
                        actor: me.actor.clone(),
                        action: "rate_limited".into(),
                        detail: format!("{dropped} message(s) over the limit dropped"),
                    })
                    .await;
                if hub.send(direct(e)).await.is_err() {
                    break;
                }
                continue;
            }
            Limit::Disconnect(e) => {
                let _ = hub.send(direct(e)).await;
                break;
            }
        }
        let sent = match parse_client(&text) {
            Err(e) => {
                hub.send(direct(ServerEvent::error(e.code, e.message)))
                    .await
            }
            Ok(env) => {
                hub.send(HubMsg::Client {
                    client: me.client,
                    actor: me.actor.clone(),
                    env,
                })
                .await
            }
        };
        if sent.is_err() {
            break;
        }
    }
    if let Some(me) = signed {
        let _ = hub.send(HubMsg::Leave { client: me.client }).await;
    }
    queue.close();
    if !writer_done {
        let _ = writer.await;
    }
}
