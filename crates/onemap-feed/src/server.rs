//! Starting and stopping a feed server: the hub thread, the simulator's world built on a
//! thread of its own (so nobody waits for the road graph), and the accept loop on a small
//! tokio runtime: TLS (optional), the WebSocket upgrade (where a bearer token is read), and a
//! session per connection that talks to the hub.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Context as _;
use onemap_core::feed::wire::AuditQuery;
use onemap_core::feed::{AuditEntry, Command, FeedState, Refusal};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc, oneshot, watch};
use tokio_rustls::TlsAcceptor;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::clock::Clock;
use crate::hub::{Actor, Credentials, HUB_CHANNEL, Hub, HubConfig, HubMsg};
use crate::identity::Identities;
use crate::session::{self, MAX_FRAME, RateBook};
use crate::sim::{SimConfig, World};
use crate::store::SqliteStore;
use crate::tls::{self, TlsFiles};

/// TLS and WebSocket handshakes must finish this soon.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections served at once; more are closed as they arrive.
pub const MAX_CONNECTIONS: usize = 4096;

/// How to run a server.
pub struct ServerConfig {
    pub addr: SocketAddr,
    /// The SQLite event log; created if missing, continued if present.
    pub db: PathBuf,
    /// Builds the simulator's world (on its own thread; the server serves meanwhile).
    pub world: Option<Box<dyn FnOnce() -> World + Send>>,
    pub sim: SimConfig,
    pub hub: HubConfig,
    pub clock: Clock,
    /// TLS; required on any address but loopback unless `insecure`.
    pub tls: Option<TlsFiles>,
    /// Allow plain WebSocket on a non-loopback address (`--insecure`).
    pub insecure: bool,
}

impl ServerConfig {
    pub fn new(addr: SocketAddr, db: PathBuf) -> Self {
        Self {
            addr,
            db,
            world: None,
            sim: SimConfig::default(),
            hub: HubConfig::default(),
            clock: Clock::system(),
            tls: None,
            insecure: false,
        }
    }
}

/// A running server; [`ServerHandle::stop`] stops it (dropping the handle does too).
pub struct ServerHandle {
    pub addr: SocketAddr,
    db: PathBuf,
    hub: mpsc::Sender<HubMsg>,
    stop: watch::Sender<bool>,
    threads: Vec<JoinHandle<()>>,
}

impl ServerHandle {
    fn ask<T>(&self, msg: impl FnOnce(oneshot::Sender<T>) -> HubMsg) -> anyhow::Result<T> {
        let (tx, rx) = oneshot::channel();
        self.hub
            .blocking_send(msg(tx))
            .map_err(|_| anyhow::anyhow!("the feed server has stopped"))?;
        rx.blocking_recv()
            .map_err(|_| anyhow::anyhow!("the feed server has stopped"))
    }

    /// Run commands as `actor` (a tool, a test, a load generator) through the same rules as
    /// every client, without deadlines. Not from inside an async runtime.
    pub fn submit(
        &self,
        actor: &str,
        commands: Vec<Command>,
    ) -> anyhow::Result<Vec<Result<Vec<u64>, Refusal>>> {
        self.ask(|reply| HubMsg::Submit {
            actor: Actor::internal(actor),
            commands,
            reply,
        })
    }

    /// The feed file (event log and identities).
    pub fn db(&self) -> &std::path::Path {
        &self.db
    }

    /// The authoritative state, now.
    pub fn state(&self) -> anyhow::Result<FeedState> {
        self.ask(|reply| HubMsg::State { reply })
    }

    /// The newest audit entries (for tools and tests).
    pub fn audit_page(&self, before: Option<i64>, limit: u32) -> anyhow::Result<Vec<AuditEntry>> {
        let query = AuditQuery {
            before_id: before,
            ..AuditQuery::newest(limit)
        };
        self.ask(|reply| HubMsg::AuditPage { query, reply })?
            .map_err(|e| anyhow::anyhow!(e))
    }

    /// Stop accepting, close every connection, and wait for the server's threads.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        let _ = self.stop.send(true);
        let _ = self.hub.try_send(HubMsg::Stop);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if !self.threads.is_empty() {
            self.shut_down();
        }
    }
}

/// Start a server on its own threads; returns once it listens.
pub fn start(config: ServerConfig) -> anyhow::Result<ServerHandle> {
    if !config.addr.ip().is_loopback() && config.tls.is_none() && !config.insecure {
        anyhow::bail!(
            "refusing to serve {} without TLS: tokens would cross the network in the clear. \
             Give --tls-cert and --tls-key, listen on 127.0.0.1, or (on a network you trust) \
             --insecure",
            config.addr
        );
    }
    let acceptor = match &config.tls {
        Some(files) => Some(TlsAcceptor::from(tls::server_config(files)?)),
        None => None,
    };
    let store = SqliteStore::open(&config.db)?;
    let identities = Identities::open(&config.db)?;
    let hub = Hub::open(
        Box::new(store),
        identities,
        config.clock.clone(),
        config.hub.clone(),
    )?;
    let std_listener = std::net::TcpListener::bind(config.addr)
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let (hub_tx, hub_rx) = mpsc::channel(HUB_CHANNEL);
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut threads = Vec::new();
    threads.push(
        std::thread::Builder::new()
            .name("feed-hub".into())
            .spawn(move || crate::hub::run(hub, hub_rx))?,
    );
    if let Some(build) = config.world {
        let (tx, sim) = (hub_tx.clone(), config.sim.clone());
        // Not joined: a world that takes long to build must not hold up stopping.
        std::thread::Builder::new()
            .name("feed-world".into())
            .spawn(move || {
                let world = build();
                let _ = tx.blocking_send(HubMsg::World(Box::new(world), sim));
            })?;
    }
    let tx = hub_tx.clone();
    threads.push(
        std::thread::Builder::new()
            .name("feed-server".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("feed-server-io")
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        eprintln!("onemap-feed: cannot start the runtime: {e}");
                        return;
                    }
                };
                rt.block_on(accept(std_listener, acceptor, tx, stop_rx));
            })?,
    );
    Ok(ServerHandle {
        addr,
        db: config.db.clone(),
        hub: hub_tx,
        stop: stop_tx,
        threads,
    })
}

async fn accept(
    std_listener: std::net::TcpListener,
    acceptor: Option<TlsAcceptor>,
    hub: mpsc::Sender<HubMsg>,
    mut stop: watch::Receiver<bool>,
) {
    let listener = match TcpListener::from_std(std_listener) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("onemap-feed: {e}");
            return;
        }
    };
    let rates = Arc::new(RateBook::default());
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let Ok(slot) = slots.clone().try_acquire_owned() else {
                    drop(stream);
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let conn = Connection {
                    peer,
                    hub: hub.clone(),
                    rates: rates.clone(),
                    stop: stop.clone(),
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    conn.serve(stream, acceptor).await;
                    drop(slot);
                });
            }
            _ = stop.changed() => break,
        }
    }
}

/// The WebSocket settings of every connection (and of the conformance echo).
pub fn ws_config() -> WebSocketConfig {
    let mut config = WebSocketConfig::default();
    config.max_message_size = Some(MAX_FRAME);
    config.max_frame_size = Some(MAX_FRAME);
    config
}

/// An echo server with the feed's WebSocket settings, for the Autobahn conformance cases
/// (`scripts/autobahn.sh`): every text or binary message is sent back. Runs until killed.
pub fn run_echo(addr: SocketAddr) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        eprintln!("onemap-feed: echo on ws://{}", listener.local_addr()?);
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                use futures_util::{SinkExt as _, StreamExt as _};
                let Ok(mut ws) =
                    tokio_tungstenite::accept_async_with_config(stream, Some(ws_config())).await
                else {
                    return;
                };
                while let Some(Ok(msg)) = ws.next().await {
                    if (msg.is_text() || msg.is_binary()) && ws.send(msg).await.is_err() {
                        return;
                    }
                }
            });
        }
    })
}

/// One accepted TCP connection on its way to a session.
struct Connection {
    peer: SocketAddr,
    hub: mpsc::Sender<HubMsg>,
    rates: Arc<RateBook>,
    stop: watch::Receiver<bool>,
}

impl Connection {
    async fn serve(self, stream: TcpStream, acceptor: Option<TlsAcceptor>) {
        let Some(acceptor) = acceptor else {
            self.upgrade(stream, None).await;
            return;
        };
        let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await
        else {
            return;
        };
        // Verified against --client-ca by rustls; the subject names the identity.
        let certificate = tls
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|chain| chain.first())
            .and_then(|leaf| tls::common_name(leaf));
        self.upgrade(tls, certificate).await;
    }

    async fn upgrade<S>(self, stream: S, certificate: Option<String>)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let ws_config = ws_config();
        let bearer = Arc::new(Mutex::new(None));
        let slot = bearer.clone();
        // The callback's type is tungstenite's.
        #[allow(clippy::result_large_err)]
        let read_token = move |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
            if let Some(value) = req.headers().get("authorization") {
                let text = value.to_str().unwrap_or("");
                let token = match text.split_once(' ') {
                    Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => t.trim(),
                    // Malformed: a credential that cannot verify (and is counted as failed).
                    _ => "",
                };
                *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(token.to_owned());
            }
            Ok(resp)
        };
        let handshake =
            tokio_tungstenite::accept_hdr_async_with_config(stream, read_token, Some(ws_config));
        let Ok(Ok(ws)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await else {
            return;
        };
        let bearer = bearer.lock().unwrap_or_else(|e| e.into_inner()).take();
        let credentials = Credentials {
            bearer,
            certificate,
        };
        session::run(ws, self.peer, credentials, self.hub, self.rates, self.stop).await;
    }
}
