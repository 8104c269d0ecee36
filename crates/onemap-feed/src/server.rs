//! Starting and stopping a feed server: the hub thread, the simulator's world built on a
//! thread of its own (so nobody waits for the road graph), and the accept loop on a small
//! tokio runtime whose sessions talk to the hub.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::thread::JoinHandle;

use anyhow::Context as _;
use onemap_core::feed::{AuditEntry, Command, FeedState, Refusal};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::clock::Clock;
use crate::hub::{Actor, HUB_CHANNEL, Hub, HubConfig, HubMsg};
use crate::session::{self, MAX_FRAME};
use crate::sim::{SimConfig, World};
use crate::store::SqliteStore;

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
        }
    }
}

/// A running server; [`ServerHandle::stop`] stops it (dropping the handle does too).
pub struct ServerHandle {
    pub addr: SocketAddr,
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

    /// The authoritative state, now.
    pub fn state(&self) -> anyhow::Result<FeedState> {
        self.ask(|reply| HubMsg::State { reply })
    }

    /// The newest audit entries (for tools and tests).
    pub fn audit_page(&self, before: Option<i64>, limit: u32) -> anyhow::Result<Vec<AuditEntry>> {
        self.ask(|reply| HubMsg::AuditPage {
            before,
            limit,
            reply,
        })?
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
    let store = SqliteStore::open(&config.db)?;
    let hub = Hub::open(Box::new(store), config.clock.clone(), config.hub.clone())?;
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
                rt.block_on(accept(std_listener, tx, stop_rx));
            })?,
    );
    Ok(ServerHandle {
        addr,
        hub: hub_tx,
        stop: stop_tx,
        threads,
    })
}

async fn accept(
    std_listener: std::net::TcpListener,
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
    let mut ws_config = WebSocketConfig::default();
    ws_config.max_message_size = Some(MAX_FRAME);
    ws_config.max_frame_size = Some(MAX_FRAME);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let (hub, stop) = (hub.clone(), stop.clone());
                tokio::spawn(async move {
                    if let Ok(ws) = tokio_tungstenite::accept_async_with_config(stream, Some(ws_config)).await {
                        session::run(ws, peer.to_string(), hub, stop).await;
                    }
                });
            }
            _ = stop.changed() => break,
        }
    }
}
