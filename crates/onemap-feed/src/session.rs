//! One WebSocket connection, over any stream (plain TCP now, TLS next): parse what the client
//! sends, rate-limit it, hand it to the hub, and write the client's queue to the socket.
//! Nothing here decides anything; the hub does.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use onemap_core::feed::{ClientMessage, ServerEvent, parse_client};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use crate::hub::{Actor, HubMsg};
use crate::queue::ClientQueue;

/// Client messages per second (sustained) and burst.
pub const RATE_PER_S: f64 = 20.0;
pub const RATE_BURST: f64 = 60.0;
/// Messages over the rate before the client is disconnected.
pub const MAX_REJECTED: u32 = 500;
/// Largest frame or message the WebSocket layer accepts; the application limit
/// (`MAX_CLIENT_MESSAGE`) is lower and answered with an error event.
pub const MAX_FRAME: usize = 256 << 10;

/// A token bucket.
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn new() -> Self {
        Self {
            tokens: RATE_BURST,
            last: Instant::now(),
        }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * RATE_PER_S)
            .min(RATE_BURST);
        self.last = now;
        if self.tokens < 1.0 {
            return false;
        }
        self.tokens -= 1.0;
        true
    }
}

/// What to do with a message under the rate limit.
enum Limit {
    Pass,
    /// Dropped; tell the client (at most once a second).
    Drop(Option<ServerEvent>),
    /// Too many over the limit: tell the client and close.
    Disconnect(ServerEvent),
}

/// The per-connection rate limit: a token bucket, and a count of messages over it.
struct Limiter {
    bucket: Bucket,
    rejected: u32,
    last_error: Option<Instant>,
}

impl Limiter {
    fn new() -> Self {
        Self {
            bucket: Bucket::new(),
            rejected: 0,
            last_error: None,
        }
    }

    fn check(&mut self) -> Limit {
        if self.bucket.take() {
            return Limit::Pass;
        }
        self.rejected += 1;
        if self.rejected > MAX_REJECTED {
            return Limit::Disconnect(ServerEvent::error(
                "rate_limited",
                format!(
                    "more than {MAX_REJECTED} messages over the limit of {RATE_PER_S}/s; \
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
        Limit::Drop(Some(ServerEvent::error(
            "rate_limited",
            format!("over {RATE_PER_S} messages/s; message dropped"),
        )))
    }
}

/// Serve one connection until it closes or the server stops.
pub async fn run<S>(
    ws: WebSocketStream<S>,
    peer: String,
    hub: mpsc::Sender<HubMsg>,
    mut stop: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sink, mut source) = ws.split();
    let queue = Arc::new(ClientQueue::default());
    let writer_queue = queue.clone();
    let writer = tokio::spawn(async move {
        while let Some(out) = writer_queue.pop().await {
            if sink.send(Message::text(out.json.as_str())).await.is_err() {
                return;
            }
        }
        let _ = sink.close().await;
    });
    let direct = |event: ServerEvent| HubMsg::Direct {
        queue: queue.clone(),
        event,
    };
    let mut client: Option<u64> = None;
    let mut actor = Arc::new(Actor {
        name: peer.clone(),
        shown: peer.clone(),
    });
    let mut limiter = Limiter::new();
    loop {
        let msg = tokio::select! {
            m = source.next() => m,
            _ = stop.changed() => None,
        };
        let Some(Ok(msg)) = msg else { break };
        let text = match msg {
            Message::Text(t) => t,
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
        match limiter.check() {
            Limit::Pass => {}
            Limit::Drop(None) => continue,
            Limit::Drop(Some(e)) => {
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
        let sent = match (parse_client(&text), client) {
            (Err(e), _) => {
                hub.send(direct(ServerEvent::error(e.code, e.message)))
                    .await
            }
            (Ok(env), None) => match env.message {
                ClientMessage::Hello(hello) => {
                    if !hello.client.is_empty() {
                        let name: String = hello.client.chars().take(64).collect();
                        actor = Arc::new(Actor {
                            shown: format!("{name} ({peer})"),
                            name,
                        });
                    }
                    let (reply, answer) = oneshot::channel();
                    let asked = hub
                        .send(HubMsg::Hello {
                            queue: queue.clone(),
                            hello,
                            reply,
                        })
                        .await;
                    if let Ok(id) = answer.await {
                        client = Some(id);
                    }
                    asked
                }
                other => {
                    let e = ServerEvent::error(
                        "bad_order",
                        format!("send hello first (got {})", other.kind()),
                    );
                    hub.send(direct(e)).await
                }
            },
            (Ok(env), Some(id)) => {
                hub.send(HubMsg::Client {
                    client: id,
                    actor: actor.clone(),
                    env,
                })
                .await
            }
        };
        if sent.is_err() {
            break;
        }
    }
    if let Some(id) = client {
        let _ = hub.send(HubMsg::Leave { client: id }).await;
    }
    queue.close();
    let _ = writer.await;
}
