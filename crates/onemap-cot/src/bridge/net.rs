//! The bridge's IO: a CoT listener on TCP (XML or TAK protocol stream, decided by a
//! connection's first byte) and on UDP (unicast or a multicast group; XML or mesh protobuf per
//! datagram), a client link to a TAK server (what it relays to us is taken in as well), and
//! the feed, signed in with a `gateway` token. One task owns the [`Bridge`] and the feed's
//! picture; the others only move bytes. Every queue is bounded.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use onemap_core::feed::{ClientEnvelope, Command, FeedState, RequestId, ServerEvent};
use onemap_feed::client::{ClientConfig, ClientEvent, ConnStatus, FeedClient};
use onemap_feed::clock::system_now_ms;
use onemap_feed::tls::ClientTls;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::mpsc;

use super::{Bridge, BridgeConfig, Skip};
use crate::event::{CotEvent, parse_xml};
use crate::proto::{self, Frame, MESH_HEADER, StreamReader};
use crate::stream::{Piece, Splitter};

/// Events waiting for the bridge's task, at most (a TCP reader waits; UDP drops and counts).
const INBOUND_QUEUE: usize = 8_192;
/// Events waiting to be written to the TAK server, at most.
const OUTBOUND_QUEUE: usize = 16_384;
/// Devices connected to the listener at once, at most.
const MAX_CONNECTIONS: usize = 2_048;

/// How the bridge writes to the TAK server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Xml,
    /// TAK protocol version 1, stream framing.
    Proto,
}

#[derive(Clone, Debug)]
pub struct NetConfig {
    /// The feed server (`ws://…`, `wss://…`) and the gateway's token.
    pub feed_url: String,
    pub token: String,
    pub tls: ClientTls,
    /// Listen for CoT over TCP here.
    pub tcp: Option<SocketAddr>,
    /// Listen for CoT datagrams here; a multicast address joins its group.
    pub udp: Option<SocketAddr>,
    /// The TAK server to publish to (`host:port`).
    pub tak_server: Option<String>,
    pub format: Format,
    pub bridge: BridgeConfig,
    /// Backoff between attempts to reach the TAK server: from 200 ms doubling to this.
    pub max_backoff: Duration,
}

impl NetConfig {
    pub fn new(feed_url: impl Into<String>, token: impl Into<String>) -> NetConfig {
        NetConfig {
            feed_url: feed_url.into(),
            token: token.into(),
            tls: ClientTls::default(),
            tcp: None,
            udp: None,
            tak_server: None,
            format: Format::Xml,
            bridge: BridgeConfig::default(),
            max_backoff: Duration::from_secs(3),
        }
    }
}

/// Counters, readable while it runs.
#[derive(Debug, Default)]
pub struct Stats {
    /// CoT events read (any source).
    pub received: AtomicU64,
    /// Events refused by the parser, and bytes dropped by the framing.
    pub malformed: AtomicU64,
    pub dropped_bytes: AtomicU64,
    /// Our own events relayed back and not taken in.
    pub echoes: AtomicU64,
    pub not_units: AtomicU64,
    pub not_newer: AtomicU64,
    /// Inbound events lost because the queue was full (UDP) or the tracking table was.
    pub overflow: AtomicU64,
    pub commands_sent: AtomicU64,
    pub commands_accepted: AtomicU64,
    pub commands_refused: AtomicU64,
    pub commands_unsent: AtomicU64,
    /// Events written to the TAK server, deletes among them.
    pub published: AtomicU64,
    pub deletes: AtomicU64,
    /// Connections made to the TAK server.
    pub tak_connects: AtomicU64,
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// The running bridge.
pub struct Running {
    /// Where the listeners are (after binding port 0).
    pub tcp: Option<SocketAddr>,
    pub udp: Option<SocketAddr>,
    pub stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Block until stopped from elsewhere (the binary's main).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.halt();
    }
}

/// An event read from a device or the TAK server, for the core task.
struct Inbound(CotEvent);

/// Start the bridge: the listeners are bound before this returns.
pub fn start(config: NetConfig) -> anyhow::Result<Running> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("onemap-cot")
        .enable_all()
        .build()?;
    let stats = Arc::new(Stats::default());
    let stop = Arc::new(AtomicBool::new(false));
    let (in_tx, in_rx) = mpsc::channel::<Inbound>(INBOUND_QUEUE);
    let (tcp, udp) = rt.block_on(async {
        let tcp = match config.tcp {
            Some(a) => Some(
                TcpListener::bind(a)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot listen for CoT on tcp {a}: {e}"))?,
            ),
            None => None,
        };
        let udp = match config.udp {
            Some(a) => Some(bind_udp(a).await?),
            None => None,
        };
        anyhow::Ok((tcp, udp))
    })?;
    let tcp_addr = tcp.as_ref().and_then(|l| l.local_addr().ok());
    let udp_addr = udp.as_ref().and_then(|s| s.local_addr().ok());
    let feed = FeedClient::spawn(
        ClientConfig {
            token: Some(config.token.clone()),
            tls: config.tls.clone(),
            ..ClientConfig::new(&config.feed_url, "onemap-cot")
        },
        || {},
    )?;
    let (s, st) = (stats.clone(), stop.clone());
    let thread = std::thread::Builder::new()
        .name("onemap-cot".into())
        .spawn(move || {
            rt.block_on(async move {
                if let Some(l) = tcp {
                    tokio::spawn(accept(l, in_tx.clone(), s.clone()));
                }
                if let Some(u) = udp {
                    tokio::spawn(datagrams(u, in_tx.clone(), s.clone()));
                }
                let (out_tx, out_rx) = mpsc::channel::<CotEvent>(OUTBOUND_QUEUE);
                let link = Arc::new(TakLink::default());
                if let Some(server) = config.tak_server.clone() {
                    tokio::spawn(tak_client(
                        server,
                        config.format,
                        config.max_backoff,
                        out_rx,
                        in_tx.clone(),
                        link.clone(),
                        s.clone(),
                    ));
                }
                drop(in_tx);
                core(config.bridge, feed, in_rx, out_tx, link, s, st).await;
            });
        })?;
    Ok(Running {
        tcp: tcp_addr,
        udp: udp_addr,
        stats,
        stop,
        thread: Some(thread),
    })
}

async fn bind_udp(a: SocketAddr) -> anyhow::Result<UdpSocket> {
    let multicast = a.ip().is_multicast();
    let bind: SocketAddr = if multicast {
        SocketAddr::new([0, 0, 0, 0].into(), a.port())
    } else {
        a
    };
    let socket = UdpSocket::bind(bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen for CoT on udp {a}: {e}"))?;
    if let (true, std::net::IpAddr::V4(group)) = (multicast, a.ip()) {
        socket
            .join_multicast_v4(group, std::net::Ipv4Addr::UNSPECIFIED)
            .map_err(|e| anyhow::anyhow!("cannot join the multicast group {group}: {e}"))?;
    }
    Ok(socket)
}

/// The state of the link to the TAK server, shared with the core task.
#[derive(Default)]
struct TakLink {
    connected: AtomicBool,
    /// Counts connections: a new one means the whole picture is to be sent again.
    generation: AtomicU64,
}

/// The one task that owns the bridge and the feed's picture.
async fn core(
    cfg: BridgeConfig,
    mut feed: FeedClient,
    mut inbound: mpsc::Receiver<Inbound>,
    outbound: mpsc::Sender<CotEvent>,
    link: Arc<TakLink>,
    stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
) {
    let mut bridge = Bridge::new(cfg);
    let mut state = FeedState::default();
    let mut synced = false;
    let mut generation = 0;
    let mut next_id = 0u64;
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !stop.load(Ordering::SeqCst) {
        tokio::select! {
            Some(Inbound(e)) = inbound.recv() => {
                bump(&stats.received);
                match bridge.inbound(&e, &state) {
                    Ok(command) => send(&feed, command, &mut next_id, &stats),
                    Err(Skip::Echo) => bump(&stats.echoes),
                    Err(Skip::NotAUnit) => bump(&stats.not_units),
                    Err(Skip::NotNewer) => bump(&stats.not_newer),
                    Err(Skip::Full) => bump(&stats.overflow),
                }
            }
            _ = tick.tick() => {
                synced |= drain_feed(&mut feed, &mut state, &stats);
                if !synced {
                    continue;
                }
                let now = system_now_ms();
                for command in bridge.expire(now, &state) {
                    send(&feed, command, &mut next_id, &stats);
                }
                let g = link.generation.load(Ordering::SeqCst);
                if g != generation {
                    generation = g;
                    bridge.republish();
                }
                if link.connected.load(Ordering::SeqCst) {
                    publish(&mut bridge, now, &state, &outbound, &stats);
                }
            }
        }
    }
    feed.stop();
}

/// A command to the feed, due within 5 s; counted sent or unsent (never kept for later).
fn send(feed: &FeedClient, command: Command, next_id: &mut u64, stats: &Stats) {
    *next_id += 1;
    let env = ClientEnvelope::request(
        RequestId::from(format!("cot-{next_id}").as_str()),
        Some(system_now_ms() + 5_000),
        command.into(),
    );
    match feed.send(env) {
        Ok(()) => bump(&stats.commands_sent),
        Err(_) => bump(&stats.commands_unsent),
    }
}

/// The picture's changes to the TAK writer; if it cannot take them all, everything is sent
/// again on the next tick rather than some of it lost.
fn publish(
    bridge: &mut Bridge,
    now: i64,
    state: &FeedState,
    outbound: &mpsc::Sender<CotEvent>,
    stats: &Stats,
) {
    for e in bridge.outbound(now, state) {
        let delete = e.cot_type == "t-x-d-d";
        if outbound.try_send(e).is_err() {
            bridge.republish();
            return;
        }
        if delete {
            bump(&stats.deletes);
        }
    }
}

/// Applies what the feed sent; whether its picture arrived.
fn drain_feed(feed: &mut FeedClient, state: &mut FeedState, stats: &Stats) -> bool {
    let mut snapshot = false;
    for _ in 0..50_000 {
        let Some(event) = feed.try_recv() else {
            break;
        };
        match event {
            ClientEvent::Event(env) => {
                match &env.event {
                    ServerEvent::CommandResult(r) if r.ok => bump(&stats.commands_accepted),
                    ServerEvent::CommandResult(r) => {
                        count_and_log(&stats.commands_refused, || {
                            format!("the feed refused {}: {}", r.request_id, r.message)
                        });
                    }
                    ServerEvent::Snapshot(_) => snapshot = true,
                    _ => {}
                }
                state.apply(&env);
            }
            ClientEvent::Status(ConnStatus::Refused { error }) => {
                eprintln!("onemap-cot: the feed refused the gateway token: {error}");
            }
            ClientEvent::Status(ConnStatus::Disconnected {
                error, retry_in, ..
            }) => {
                eprintln!("onemap-cot: feed lost ({error}); again in {retry_in:?}");
            }
            ClientEvent::Unsent { .. } => bump(&stats.commands_unsent),
            ClientEvent::Status(_) | ClientEvent::BadMessage(_) => {}
        }
    }
    snapshot
}

async fn accept(listener: TcpListener, tx: mpsc::Sender<Inbound>, stats: Arc<Stats>) {
    let open = Arc::new(AtomicU64::new(0));
    loop {
        let Ok((socket, peer)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        if open.load(Ordering::SeqCst) as usize >= MAX_CONNECTIONS {
            eprintln!("onemap-cot: {peer} turned away: {MAX_CONNECTIONS} connections open");
            continue;
        }
        open.fetch_add(1, Ordering::SeqCst);
        let (tx, stats, open) = (tx.clone(), stats.clone(), open.clone());
        tokio::spawn(async move {
            let (read, _write) = socket.into_split();
            read_stream(read, &tx, &stats, &peer.to_string()).await;
            open.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

/// Reads CoT from a stream until it ends: XML or TAK protocol, by the first byte.
async fn read_stream(
    mut read: impl tokio::io::AsyncRead + Unpin,
    tx: &mpsc::Sender<Inbound>,
    stats: &Stats,
    from: &str,
) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut xml = Splitter::new();
    let mut pb = StreamReader::new();
    let mut protobuf = None;
    loop {
        let n = match read.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let bytes = &buf[..n];
        let is_pb = *protobuf.get_or_insert_with(|| {
            bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&proto::MAGIC)
        });
        let mut events = Vec::new();
        if is_pb {
            for f in pb.push(bytes) {
                match f {
                    Frame::Message(m) => events.push(proto::decode(&m)),
                    Frame::Dropped(n, why) => dropped(stats, from, n, why),
                }
            }
        } else {
            for p in xml.push(bytes) {
                match p {
                    Piece::Event(text) => events.push(parse_xml(&text)),
                    Piece::Dropped(n, why) => dropped(stats, from, n, why),
                }
            }
        }
        for e in events {
            match e {
                Ok(e) => {
                    if tx.send(Inbound(e)).await.is_err() {
                        return;
                    }
                }
                Err(e) => malformed(stats, from, &e.to_string()),
            }
        }
    }
}

fn dropped(stats: &Stats, from: &str, n: usize, why: &str) {
    stats.dropped_bytes.fetch_add(n as u64, Ordering::Relaxed);
    eprintln!("onemap-cot: {from}: {n} bytes dropped: {why}");
}

fn malformed(stats: &Stats, from: &str, why: &str) {
    count_and_log(&stats.malformed, || format!("{from}: event refused: {why}"));
}

/// Count one more, and log it without ever flooding: the first 100, then every 1,000th.
fn count_and_log(counter: &AtomicU64, line: impl FnOnce() -> String) {
    let n = counter.fetch_add(1, Ordering::Relaxed);
    if n < 100 || n.is_multiple_of(1_000) {
        eprintln!("onemap-cot: {}", line());
    }
}

async fn datagrams(socket: UdpSocket, tx: mpsc::Sender<Inbound>, stats: Arc<Stats>) {
    let mut buf = vec![0u8; 65_536];
    loop {
        let Ok((n, peer)) = socket.recv_from(&mut buf).await else {
            continue;
        };
        let d = &buf[..n];
        let from = format!("udp {peer}");
        let event = if d.starts_with(&MESH_HEADER) {
            proto::decode(&d[MESH_HEADER.len()..])
        } else if d.first() == Some(&proto::MAGIC) {
            // The stream framing in a datagram (pytak's unicast UDP): one message.
            match StreamReader::new().push(d).into_iter().next() {
                Some(Frame::Message(m)) => proto::decode(&m),
                _ => {
                    malformed(
                        &stats,
                        &from,
                        "a TAK protocol datagram without a whole message",
                    );
                    continue;
                }
            }
        } else {
            match std::str::from_utf8(d) {
                Ok(text) => parse_xml(text.trim()),
                Err(_) => {
                    malformed(
                        &stats,
                        &from,
                        "a datagram that is neither XML nor TAK protocol",
                    );
                    continue;
                }
            }
        };
        match event {
            Ok(e) => {
                if tx.try_send(Inbound(e)).is_err() {
                    bump(&stats.overflow);
                }
            }
            Err(e) => malformed(&stats, &from, &e.to_string()),
        }
    }
}

/// The link to the TAK server: connect, write what the core publishes, take in what the
/// server relays; on any failure, back off and connect again.
async fn tak_client(
    server: String,
    format: Format,
    max_backoff: Duration,
    mut out: mpsc::Receiver<CotEvent>,
    tx: mpsc::Sender<Inbound>,
    link: Arc<TakLink>,
    stats: Arc<Stats>,
) {
    let mut attempt = 0u32;
    loop {
        let socket = match TcpStream::connect(&server).await {
            Ok(s) => s,
            Err(e) => {
                attempt += 1;
                let wait = backoff(attempt, max_backoff);
                if attempt <= 3 || attempt.is_multiple_of(20) {
                    eprintln!("onemap-cot: TAK server {server}: {e}; again in {wait:?}");
                }
                tokio::time::sleep(wait).await;
                continue;
            }
        };
        attempt = 0;
        let _ = socket.set_nodelay(true);
        // What was queued for the last connection is stale: the new one gets the picture.
        while out.try_recv().is_ok() {}
        bump(&stats.tak_connects);
        link.generation.fetch_add(1, Ordering::SeqCst);
        link.connected.store(true, Ordering::SeqCst);
        eprintln!("onemap-cot: connected to the TAK server {server}");
        let (read, mut write) = socket.into_split();
        let from = format!("TAK server {server}");
        let reader = read_stream(read, &tx, &stats, &from);
        tokio::pin!(reader);
        let mut batch = Vec::with_capacity(64 * 1024);
        let failed = loop {
            tokio::select! {
                () = &mut reader => break "closed by the server".to_owned(),
                e = out.recv() => {
                    let Some(e) = e else { return };
                    batch.clear();
                    append(&mut batch, &e, format);
                    let mut n = 1;
                    while batch.len() < 60 * 1024 {
                        let Ok(e) = out.try_recv() else { break };
                        append(&mut batch, &e, format);
                        n += 1;
                    }
                    if let Err(e) = write.write_all(&batch).await {
                        break e.to_string();
                    }
                    stats.published.fetch_add(n, Ordering::Relaxed);
                }
            }
        };
        link.connected.store(false, Ordering::SeqCst);
        eprintln!("onemap-cot: TAK server {server} lost: {failed}");
        attempt += 1;
        tokio::time::sleep(backoff(attempt, max_backoff)).await;
    }
}

fn append(batch: &mut Vec<u8>, e: &CotEvent, format: Format) {
    match format {
        Format::Xml => batch.extend_from_slice(e.to_xml().as_bytes()),
        Format::Proto => batch.extend_from_slice(&proto::encode_stream(e)),
    }
}

/// 200 ms doubling to `max`, ±20 %.
fn backoff(attempt: u32, max: Duration) -> Duration {
    let base = 200.0 * 2f64.powi(attempt.saturating_sub(1).min(10) as i32);
    let capped = base.min(max.as_millis() as f64);
    let jitter = 0.8 + 0.4 * ((system_now_ms() % 1000) as f64 / 1000.0);
    Duration::from_millis((capped * jitter / 1.2) as u64)
}
