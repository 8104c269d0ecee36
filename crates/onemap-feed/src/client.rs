//! The feed client the console uses: a named background thread running tokio, bounded
//! channels both ways, reconnection with exponential backoff and jitter, resume by `seq`.
//!
//! Events: every event received is forwarded, in order, through a bounded channel; when the
//! channel is full the thread stops reading the socket until there is room (so the server,
//! not the UI, coalesces positions), waiting asynchronously, never blocking inside async code.
//!
//! Commands act now or not at all: [`FeedClient::send`] fails at once while disconnected, a
//! command is tagged with the connection it was sent on and is never written to a later one,
//! a command whose deadline passed before it could be written is not written, and whatever
//! is still queued when a connection drops is reported back as [`ClientEvent::Unsent`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError};
use futures_util::{SinkExt, StreamExt};
use onemap_core::feed::wire::Hello;
use onemap_core::feed::{
    ClientEnvelope, ClientMessage, Envelope, RequestId, ServerEvent, parse_server,
};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{Notify, mpsc};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::clock::Clock;
use crate::tls::{ClientTls, client_config};

/// Silence after which a connection is considered dead (the server beats every 2 s).
pub const SILENCE_LIMIT: Duration = Duration::from_secs(10);
/// How the server's `unauthorized` for a blocked address begins.
pub const BLOCKED: &str = "too many failed sign-ins";
/// Commands waiting to be written, at most.
pub const COMMAND_QUEUE: usize = 64;

#[derive(Clone, Debug, PartialEq)]
pub enum ConnStatus {
    Connecting {
        attempt: u32,
    },
    /// Signed in (the server's `welcome` follows as an event).
    Connected,
    /// The server turned the credentials away (missing, wrong, revoked): no more attempts,
    /// since retrying would only count as failed sign-ins.
    Refused {
        error: String,
    },
    /// Lost; the next attempt is in `retry_in`.
    Disconnected {
        error: String,
        attempt: u32,
        retry_in: Duration,
    },
}

/// Why a command never reached the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unsent {
    #[error("not connected to the feed server")]
    NotConnected,
    #[error("too many commands waiting to be sent")]
    Busy,
    #[error("its deadline passed before it could be sent")]
    Expired,
}

// Events are by far the most frequent variant; boxing them would allocate per event.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum ClientEvent {
    Status(ConnStatus),
    Event(Envelope),
    /// A message from the server that could not be used (skipped, connection kept).
    BadMessage(String),
    /// A command that was accepted by [`FeedClient::send`] but never written to the server.
    Unsent {
        request_id: Option<RequestId>,
        reason: Unsent,
    },
}

/// How to connect.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// `ws://host:port` or `wss://host:port`.
    pub url: String,
    /// A name for the server's logs (the audit records the identity the token names).
    pub name: String,
    /// The identity's token, sent as `Authorization: Bearer` on the upgrade.
    pub token: Option<String>,
    /// For `wss://`: the CA to trust and an optional client certificate.
    pub tls: ClientTls,
    /// Events buffered for the UI.
    pub capacity: usize,
    /// The last state `seq` already seen (0: start with a snapshot).
    pub resume_from: u64,
    /// The clock commands' deadlines are read against.
    pub clock: Clock,
}

impl ClientConfig {
    pub fn new(url: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            name: name.into(),
            token: None,
            tls: ClientTls::default(),
            capacity: 20_000,
            resume_from: 0,
            clock: Clock::system(),
        }
    }
}

struct Queued {
    connection: u64,
    env: ClientEnvelope,
}

/// What the UI and the thread share about the link.
#[derive(Default)]
struct Shared {
    connected: AtomicBool,
    /// Counts connections; a command carries the one it was sent on.
    connection: AtomicU64,
    stop: AtomicBool,
}

pub struct FeedClient {
    events: Receiver<ClientEvent>,
    /// Signalled when an event is taken from a full channel (the thread waits for room).
    space: Arc<Notify>,
    commands: mpsc::Sender<Queued>,
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FeedClient {
    /// Connect in the background; take events with [`Self::try_recv`]. `wake` is called after events
    /// were forwarded (the console asks egui for a repaint).
    pub fn spawn(
        config: ClientConfig,
        wake: impl Fn() + Send + 'static,
    ) -> std::io::Result<FeedClient> {
        let (tx, rx) = crossbeam_channel::bounded(config.capacity.max(1));
        let space = Arc::new(Notify::new());
        let (cmd_tx, cmd_rx) = mpsc::channel(COMMAND_QUEUE);
        let shared = Arc::new(Shared::default());
        let s = shared.clone();
        let room = space.clone();
        let thread = std::thread::Builder::new()
            .name("feed-client".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.try_send(ClientEvent::Status(ConnStatus::Disconnected {
                            error: format!("cannot start: {e}"),
                            attempt: 0,
                            retry_in: Duration::MAX,
                        }));
                        return;
                    }
                };
                let link = Link {
                    config,
                    tx,
                    space: room,
                    shared: s,
                    wake: Box::new(wake),
                };
                rt.block_on(link.run(cmd_rx));
            })?;
        Ok(FeedClient {
            events: rx,
            space,
            commands: cmd_tx,
            shared,
            thread: Some(thread),
        })
    }

    /// The next event, if one has arrived (never waits).
    pub fn try_recv(&mut self) -> Option<ClientEvent> {
        let e = self.events.try_recv().ok();
        if e.is_some() {
            // There is room now; a thread waiting for it goes on (a permit if none waits).
            self.space.notify_one();
        }
        e
    }

    /// The next event, waiting up to `timeout` (tests and tools; the console never waits).
    pub fn recv_timeout(&mut self, timeout: Duration) -> Option<ClientEvent> {
        let e = self.events.recv_timeout(timeout).ok();
        if e.is_some() {
            self.space.notify_one();
        }
        e
    }

    /// Events waiting to be taken.
    pub fn backlog(&self) -> usize {
        self.events.len()
    }

    pub fn is_connected(&self) -> bool {
        self.shared.connected.load(Ordering::SeqCst)
    }

    /// Send a message now, or fail now: `NotConnected` while there is no connection, `Busy`
    /// when [`COMMAND_QUEUE`] commands are already waiting. Nothing is kept for later.
    pub fn send(&self, env: ClientEnvelope) -> Result<(), Unsent> {
        let connection = self.shared.connection.load(Ordering::SeqCst);
        if !self.shared.connected.load(Ordering::SeqCst) {
            return Err(Unsent::NotConnected);
        }
        self.commands
            .try_send(Queued { connection, env })
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => Unsent::Busy,
                mpsc::error::TrySendError::Closed(_) => Unsent::NotConnected,
            })
    }

    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            // The thread notices within its polling interval.
            let deadline = Instant::now() + Duration::from_secs(2);
            while !t.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }
}

impl Drop for FeedClient {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
    }
}

/// Backoff before attempt `attempt` (1-based): 250 ms doubling to 10 s, ±20 % jitter.
pub fn backoff(attempt: u32, jitter_seed: u64) -> Duration {
    let base = 250.0 * 2f64.powi(attempt.saturating_sub(1).min(10) as i32);
    let capped = base.min(10_000.0);
    let mut z = jitter_seed
        .wrapping_add(u64::from(attempt))
        .wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z ^= z >> 29;
    let jitter = 0.8 + 0.4 * ((z % 10_000) as f64 / 10_000.0);
    Duration::from_millis((capped * jitter) as u64)
}

struct Link {
    config: ClientConfig,
    tx: Sender<ClientEvent>,
    space: Arc<Notify>,
    shared: Arc<Shared>,
    wake: Box<dyn Fn() + Send>,
}

/// Why a connection ended.
enum End {
    Lost(String),
    /// `unauthorized` from the server.
    Refused(String),
    Stopped,
}

/// Host and port of a `ws://` or `wss://` URL, and whether it is TLS.
fn endpoint(url: &str) -> Result<(bool, String, u16), String> {
    let (tls, rest) = if let Some(r) = url.strip_prefix("wss://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("ws://") {
        (false, r)
    } else {
        return Err(format!("{url}: expected ws://host:port or wss://host:port"));
    };
    let authority = rest.split('/').next().unwrap_or("");
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (
            h,
            p.parse::<u16>()
                .map_err(|_| format!("{url}: bad port \"{p}\""))?,
        ),
        _ => (authority, if tls { 443 } else { 80 }),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(format!("{url}: no host"));
    }
    Ok((tls, host.to_owned(), port))
}

impl Link {
    fn stopped(&self) -> bool {
        self.shared.stop.load(Ordering::SeqCst)
    }

    /// Hand an event to the UI, waiting (asynchronously: woken as soon as the UI takes one
    /// from the full channel) while there is no room; `false` once the UI is gone or the
    /// client stops.
    async fn forward(&self, mut event: ClientEvent) -> bool {
        loop {
            match self.tx.try_send(event) {
                Ok(()) => {
                    (self.wake)();
                    return true;
                }
                Err(TrySendError::Disconnected(_)) => return false,
                Err(TrySendError::Full(back)) => event = back,
            }
            if self.stopped() {
                return false;
            }
            let _ = tokio::time::timeout(Duration::from_millis(100), self.space.notified()).await;
        }
    }

    async fn run(self, mut commands: mpsc::Receiver<Queued>) {
        let mut last_seq = self.config.resume_from;
        let mut attempt = 0u32;
        let seed = std::process::id() as u64 ^ crate::clock::system_now_ms() as u64;
        while !self.stopped() {
            attempt += 1;
            if !self
                .forward(ClientEvent::Status(ConnStatus::Connecting { attempt }))
                .await
            {
                return;
            }
            let error = match self
                .connection(&mut commands, &mut last_seq, &mut attempt)
                .await
            {
                End::Stopped => return,
                End::Refused(error) => {
                    self.shared.connected.store(false, Ordering::SeqCst);
                    self.report_unsent(&mut commands).await;
                    let _ = self
                        .forward(ClientEvent::Status(ConnStatus::Refused { error }))
                        .await;
                    // Wait to be stopped; nothing more is tried.
                    while !self.stopped() {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    return;
                }
                End::Lost(e) => e,
            };
            self.shared.connected.store(false, Ordering::SeqCst);
            // Nothing waits for the next connection: whatever is queued is reported unsent.
            if !self.report_unsent(&mut commands).await {
                return;
            }
            if self.stopped() {
                return;
            }
            let retry_in = backoff(attempt.max(1), seed);
            let status = ConnStatus::Disconnected {
                error,
                attempt: attempt.max(1),
                retry_in,
            };
            if !self.forward(ClientEvent::Status(status)).await {
                return;
            }
            let until = Instant::now() + retry_in;
            while Instant::now() < until && !self.stopped() {
                tokio::time::sleep(Duration::from_millis(20).min(retry_in)).await;
            }
        }
    }

    /// Report every queued command as never sent; `false` once the UI is gone.
    async fn report_unsent(&self, commands: &mut mpsc::Receiver<Queued>) -> bool {
        while let Ok(q) = commands.try_recv() {
            let event = ClientEvent::Unsent {
                request_id: q.env.request_id,
                reason: Unsent::NotConnected,
            };
            if !self.forward(event).await {
                return false;
            }
        }
        true
    }

    /// One connection, from connecting to its end: TCP, TLS for `wss://`, the upgrade with
    /// the token, then [`Self::session`].
    async fn connection(
        &self,
        commands: &mut mpsc::Receiver<Queued>,
        last_seq: &mut u64,
        attempt: &mut u32,
    ) -> End {
        let (tls, host, port) = match endpoint(&self.config.url) {
            Ok(e) => e,
            Err(e) => return End::Refused(e),
        };
        let mut request = match self.config.url.as_str().into_client_request() {
            Ok(r) => r,
            Err(e) => return End::Refused(format!("{}: {e}", self.config.url)),
        };
        if let Some(token) = &self.config.token {
            match HeaderValue::from_str(&format!("Bearer {}", token.trim())) {
                Ok(v) => {
                    request.headers_mut().insert("authorization", v);
                }
                Err(_) => {
                    return End::Refused("the token has characters a header cannot carry".into());
                }
            }
        }
        let connect = async {
            let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
                .await
                .map_err(|e| e.to_string())?;
            let _ = tcp.set_nodelay(true);
            Ok::<_, String>(tcp)
        };
        let tcp = match tokio::time::timeout(Duration::from_secs(5), connect).await {
            Err(_) => return End::Lost("connection timed out".to_owned()),
            Ok(Err(e)) => return End::Lost(e),
            Ok(Ok(tcp)) => tcp,
        };
        if !tls {
            let upgrade = tokio_tungstenite::client_async(request, tcp);
            return match tokio::time::timeout(Duration::from_secs(5), upgrade).await {
                Err(_) => End::Lost("the WebSocket upgrade timed out".to_owned()),
                Ok(Err(e)) => End::Lost(e.to_string()),
                Ok(Ok((ws, _))) => self.session(ws, commands, last_seq, attempt).await,
            };
        }
        let config = match client_config(&self.config.tls) {
            Ok(c) => c,
            Err(e) => return End::Refused(format!("{e:#}")),
        };
        let name = match rustls::pki_types::ServerName::try_from(host.clone()) {
            Ok(n) => n,
            Err(e) => return End::Refused(format!("{host}: {e}")),
        };
        let handshake = async {
            let stream = tokio_rustls::TlsConnector::from(config)
                .connect(name, tcp)
                .await
                .map_err(|e| format!("TLS: {e}"))?;
            tokio_tungstenite::client_async(request, stream)
                .await
                .map_err(|e| e.to_string())
        };
        match tokio::time::timeout(Duration::from_secs(5), handshake).await {
            Err(_) => End::Lost("the TLS handshake timed out".to_owned()),
            Ok(Err(e)) => End::Lost(e),
            Ok(Ok((ws, _))) => self.session(ws, commands, last_seq, attempt).await,
        }
    }

    /// A connection's life after the upgrade: hello, then events in and commands out.
    async fn session<S>(
        &self,
        ws: WebSocketStream<S>,
        commands: &mut mpsc::Receiver<Queued>,
        last_seq: &mut u64,
        attempt: &mut u32,
    ) -> End
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let (mut sink, mut source) = ws.split();
        let hello = ClientEnvelope::plain(ClientMessage::Hello(Hello {
            last_seq: *last_seq,
            client: self.config.name.clone(),
            token: None,
        }));
        if let Err(e) = sink.send(Message::text(hello.to_json())).await {
            return End::Lost(e.to_string());
        }
        // Commands may go once the server has said who we are (`welcome`).
        let mut connection = 0;
        let mut poll = tokio::time::interval(Duration::from_millis(50));
        let mut last_heard = Instant::now();
        loop {
            if self.stopped() {
                let _ = sink.close().await;
                return End::Stopped;
            }
            tokio::select! {
                msg = source.next() => {
                    last_heard = Instant::now();
                    let event = match msg {
                        None => return End::Lost("the server closed the connection".to_owned()),
                        Some(Err(e)) => return End::Lost(e.to_string()),
                        Some(Ok(Message::Close(_))) => return End::Lost("the server closed the connection".to_owned()),
                        Some(Ok(Message::Text(text))) => match parse_server(&text) {
                            Ok(env) => {
                                match &env.event {
                                    // A blocked address is tried again later (those
                                    // tries do not count); other refusals are final.
                                    ServerEvent::Error(e) if e.code == "unauthorized" => {
                                        return if e.message.starts_with(BLOCKED) {
                                            End::Lost(e.message.clone())
                                        } else {
                                            End::Refused(e.message.clone())
                                        };
                                    }
                                    ServerEvent::Welcome(_) if connection == 0 => {
                                        *attempt = 0;
                                        connection = self.shared.connection.fetch_add(1, Ordering::SeqCst) + 1;
                                        self.shared.connected.store(true, Ordering::SeqCst);
                                        if !self.forward(ClientEvent::Status(ConnStatus::Connected)).await {
                                            return End::Stopped;
                                        }
                                    }
                                    _ => {}
                                }
                                if env.event.is_state() {
                                    *last_seq = (*last_seq).max(env.seq);
                                } else if matches!(env.event, ServerEvent::Snapshot(_)) {
                                    *last_seq = env.seq;
                                }
                                ClientEvent::Event(env)
                            }
                            Err(e) => ClientEvent::BadMessage(e.to_string()),
                        },
                        Some(Ok(Message::Binary(_))) => ClientEvent::BadMessage("a binary frame".into()),
                        Some(Ok(_)) => continue,
                    };
                    if !self.forward(event).await {
                        return End::Stopped;
                    }
                }
                queued = commands.recv() => {
                    let Some(q) = queued else { return End::Stopped };
                    let late = q.env.not_after_ms.is_some_and(|t| t < self.config.clock.now_ms());
                    let reason = if q.connection != connection {
                        Some(Unsent::NotConnected)
                    } else if late {
                        Some(Unsent::Expired)
                    } else {
                        None
                    };
                    if let Some(reason) = reason {
                        let event = ClientEvent::Unsent { request_id: q.env.request_id, reason };
                        if !self.forward(event).await {
                            return End::Stopped;
                        }
                        continue;
                    }
                    if let Err(e) = sink.send(Message::text(q.env.to_json())).await {
                        return End::Lost(e.to_string());
                    }
                }
                _ = poll.tick() => {
                    if last_heard.elapsed() > SILENCE_LIMIT {
                        return End::Lost(format!("no message for {} s", SILENCE_LIMIT.as_secs()));
                    }
                }
            }
        }
    }
}
