//! The feed server: authoritative state, the event log, WebSocket clients.
//!
//! One [`Hub`] behind a mutex owns the state, the `seq` counter, the log and every client's
//! outgoing queue. Publishing numbers the events, appends them to the log (committed: durable)
//! and only then applies them and queues them for every client, all under the lock, so every
//! client sees the same order and nothing is broadcast that a restart could lose.
//!
//! A client's queue is bounded: unit positions still waiting are replaced by newer ones for
//! the same unit (coalesced), other events are never dropped; a client whose queue still
//! overflows is sent an error saying why and disconnected.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use futures_util::{SinkExt, StreamExt};
use onemap_core::feed::{
    AuditEntry, AuditPage, ClientMessage, CommandResult, Envelope, ErrorBody, FeedState, Incident,
    IncidentStatus, ServerEvent, UnitStatus, UnitStatusChange, parse_client,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::log::{EventLog, snapshot_of};
use crate::sim::{Sim, SimConfig, World, dispatch_events};

/// Events kept in memory for replays; an older `last_seq` gets a snapshot.
pub const REPLAY_WINDOW: usize = 200_000;
/// Queued events (after coalescing) a client may fall behind before it is disconnected.
pub const MAX_QUEUE: usize = 50_000;
/// Client messages per second (sustained) and burst.
pub const RATE_PER_S: f64 = 20.0;
pub const RATE_BURST: f64 = 60.0;
/// Messages over the rate before the client is disconnected.
pub const MAX_REJECTED: u32 = 500;

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

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

/// A client's outgoing queue with coalescing of unit positions.
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
    /// Unit id → absolute index of its queued position.
    positions: HashMap<String, u64>,
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
            if let Some(&at) = q.positions.get(key) {
                let slot = (at - q.base) as usize;
                if q.items.get(slot).is_some_and(Option::is_some) {
                    q.items[slot] = None;
                    q.live -= 1;
                    q.coalesced += 1;
                }
            }
            let at = q.base + q.items.len() as u64;
            q.positions.insert(key.to_owned(), at);
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
                        if let Some(key) = out.env.event.coalesce_key()
                            && q.positions.get(key) == Some(&(q.base - 1))
                        {
                            q.positions.remove(key);
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

pub struct Hub {
    pub state: FeedState,
    seq: u64,
    log: EventLog,
    recent: VecDeque<Envelope>,
    clients: HashMap<u64, Arc<ClientQueue>>,
    next_client: u64,
    sim: Option<Sim>,
}

impl Hub {
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Number, log (durably), apply and broadcast state events. Returns their seqs.
    pub fn publish(&mut self, events: Vec<ServerEvent>) -> anyhow::Result<Vec<u64>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let ts = now_ms();
        // Stamp the incidents' transition times against their previous versions.
        let mut latest: HashMap<String, Incident> = HashMap::new();
        let mut events = events;
        for e in &mut events {
            if let ServerEvent::IncidentCreated(i) | ServerEvent::IncidentUpdated(i) = e {
                let prev = latest
                    .get(&i.id)
                    .or_else(|| self.state.incidents.get(&i.id))
                    .cloned();
                i.stamp(prev.as_ref(), ts);
                latest.insert(i.id.clone(), i.clone());
            }
        }
        let envs: Vec<Envelope> = events
            .into_iter()
            .map(|event| Envelope {
                seq: self.next_seq(),
                ts,
                event,
            })
            .collect();
        // Durable first; only then does anyone see it.
        self.log.append(&envs)?;
        for e in &envs {
            self.state.apply(e);
        }
        self.log.snapshot_if_due(&self.state)?;
        let seqs = envs.iter().map(|e| e.seq).collect();
        for e in envs {
            self.broadcast(&e);
            self.recent.push_back(e);
        }
        while self.recent.len() > REPLAY_WINDOW {
            self.recent.pop_front();
        }
        Ok(seqs)
    }

    fn broadcast(&mut self, env: &Envelope) {
        let out = Outgoing::new(env.clone());
        let mut slow = Vec::new();
        for (&id, q) in &self.clients {
            if !q.push_shared(out.clone()) {
                slow.push(id);
            }
        }
        for id in slow {
            if let Some(q) = self.clients.remove(&id) {
                let seq = self.next_seq();
                q.push(error_env(seq, "too_slow", format!(
                    "more than {MAX_QUEUE} events waiting for this client; reconnect with hello \
                     and last_seq to resume"
                )));
                q.close();
            }
        }
    }

    /// A per-client event (error, command result, heartbeat): numbered, not logged.
    fn direct(&mut self, queue: &ClientQueue, event: ServerEvent) {
        let seq = self.next_seq();
        queue.push(Envelope {
            seq,
            ts: now_ms(),
            event,
        });
    }

    /// Subscribe a client that has seen up to `last_seq`: queue what it missed (or a snapshot)
    /// and add it to the broadcast list, atomically with respect to publishing.
    fn subscribe(&mut self, queue: &Arc<ClientQueue>, last_seq: u64) -> u64 {
        let oldest = self.recent.front().map_or(self.seq + 1, |e| e.seq);
        let behind = self.state.last_seq.saturating_sub(last_seq);
        let from_log = || self.log.events_after(last_seq, REPLAY_WINDOW).ok();
        if last_seq > 0 && last_seq >= oldest.saturating_sub(1) && last_seq <= self.state.last_seq {
            // Everything it missed is in memory.
            for e in self.recent.iter().filter(|e| e.seq > last_seq) {
                queue.push(e.clone());
            }
        } else if last_seq > 0
            && last_seq <= self.state.last_seq
            && behind <= REPLAY_WINDOW as u64
            && let Some(events) = from_log()
        {
            // Older than memory (a restarted server): from the log.
            for e in events {
                queue.push(e);
            }
        } else {
            queue.push(snapshot_of(&self.state, now_ms()));
        }
        let id = self.next_client;
        self.next_client += 1;
        self.clients.insert(id, queue.clone());
        id
    }

    /// Record an audit entry; a failure to write it is reported, not fatal to the command.
    fn audit(
        &mut self,
        client: &str,
        action: &str,
        incident_id: Option<&str>,
        unit_id: Option<&str>,
        ok: Option<bool>,
        detail: String,
    ) {
        let entry = AuditEntry {
            id: 0,
            ts: now_ms(),
            client: client.to_owned(),
            action: action.to_owned(),
            incident_id: incident_id.map(str::to_owned),
            unit_id: unit_id.map(str::to_owned),
            ok,
            detail,
        };
        if let Err(e) = self.log.audit(&entry) {
            eprintln!("onemap-feed: {e:#}");
        }
    }

    /// The newest audit entries (for tools and tests).
    pub fn audit_page(&self, before: Option<i64>, limit: u32) -> anyhow::Result<Vec<AuditEntry>> {
        self.log.audit_page(before, limit)
    }

    /// Validate a command and turn it into state events, or say why not.
    fn command_events(&self, msg: &ClientMessage) -> Result<(Vec<ServerEvent>, String), String> {
        let incident = |id: &str| {
            self.state
                .incidents
                .get(id)
                .ok_or_else(|| format!("no incident {id}"))
        };
        let unit = |id: &str| {
            self.state
                .units
                .get(id)
                .ok_or_else(|| format!("no unit {id}"))
        };
        let available = |id: &str| {
            let u = unit(id)?;
            if u.status == UnitStatus::Available {
                Ok(u)
            } else {
                Err(format!(
                    "conflict: unit {id} is not available ({})",
                    status_name(u.status)
                ))
            }
        };
        let open = |id: &str| {
            let i = incident(id)?;
            if i.status.is_open() {
                Ok(i)
            } else {
                Err(format!(
                    "incident {id} is {}",
                    incident_status_name(i.status)
                ))
            }
        };
        let unit_event = |id: &str, status: UnitStatus, incident_id: Option<&str>| {
            ServerEvent::UnitStatus(UnitStatusChange {
                id: id.to_owned(),
                status,
                incident_id: incident_id.map(str::to_owned),
                post: None,
            })
        };
        match msg {
            ClientMessage::Dispatch {
                incident_id,
                unit_id,
                ..
            } => {
                let i = open(incident_id)?;
                available(unit_id)?;
                Ok((
                    dispatch_events(i, unit_id),
                    format!("{unit_id} dispatched to {incident_id}"),
                ))
            }
            ClientMessage::SetUnitStatus {
                unit_id, status, ..
            } => {
                unit(unit_id)?;
                let mut events = vec![unit_event(unit_id, *status, None)];
                // Standing a unit down releases it from its incidents.
                if matches!(status, UnitStatus::Available | UnitStatus::OffDuty) {
                    for i in self.state.incidents.values() {
                        if i.status.is_open() && i.assigned_units.contains(unit_id) {
                            let mut i = i.clone();
                            i.assigned_units.retain(|u| u != unit_id);
                            if i.assigned_units.is_empty() {
                                i.status = IncidentStatus::New;
                            }
                            events.push(ServerEvent::IncidentUpdated(i));
                        }
                    }
                }
                Ok((events, format!("{unit_id} is {}", status_name(*status))))
            }
            ClientMessage::SetIncidentStatus {
                incident_id,
                status,
                ..
            } => {
                let i = open(incident_id)?;
                let allowed = matches!(
                    status,
                    IncidentStatus::OnScene | IncidentStatus::Cleared | IncidentStatus::Cancelled
                );
                if !allowed || !i.status.can_become(*status) {
                    return Err(format!(
                        "incident {incident_id} cannot go from {} to {}{}",
                        incident_status_name(i.status),
                        incident_status_name(*status),
                        if allowed {
                            ""
                        } else {
                            " by command (dispatch a unit instead)"
                        }
                    ));
                }
                let mut events = vec![ServerEvent::IncidentUpdated(Incident {
                    status: *status,
                    ..i.clone()
                })];
                for u in &i.assigned_units {
                    if self.state.units.contains_key(u) {
                        events.push(if *status == IncidentStatus::OnScene {
                            unit_event(u, UnitStatus::OnScene, Some(incident_id))
                        } else {
                            unit_event(u, UnitStatus::Available, None)
                        });
                    }
                }
                Ok((
                    events,
                    format!("{incident_id} is {}", incident_status_name(*status)),
                ))
            }
            ClientMessage::Reassign {
                incident_id,
                from_unit,
                to_unit,
                ..
            } => {
                let i = open(incident_id)?;
                if !i.assigned_units.contains(from_unit) {
                    return Err(format!("{from_unit} is not assigned to {incident_id}"));
                }
                available(to_unit)?;
                let mut assigned: Vec<String> = i
                    .assigned_units
                    .iter()
                    .filter(|u| *u != from_unit)
                    .cloned()
                    .collect();
                assigned.push(to_unit.clone());
                Ok((
                    vec![
                        ServerEvent::IncidentUpdated(Incident {
                            status: IncidentStatus::Dispatched,
                            assigned_units: assigned,
                            ..i.clone()
                        }),
                        unit_event(from_unit, UnitStatus::Available, None),
                        unit_event(to_unit, UnitStatus::Dispatched, Some(incident_id)),
                    ],
                    format!("{to_unit} replaces {from_unit} on {incident_id}"),
                ))
            }
            ClientMessage::MoveUp { unit_id, post, .. } => {
                available(unit_id)?;
                Ok((
                    vec![ServerEvent::UnitStatus(UnitStatusChange {
                        id: unit_id.clone(),
                        status: UnitStatus::Available,
                        incident_id: None,
                        post: Some(post.clone()),
                    })],
                    format!("{unit_id} moves up to {}", post.post),
                ))
            }
            _ => Err(format!("{} is not a command", msg.kind())),
        }
    }

    fn handle_command(
        &mut self,
        queue: &ClientQueue,
        client: &str,
        msg: ClientMessage,
    ) -> anyhow::Result<()> {
        match msg {
            ClientMessage::Ping => self.direct(queue, ServerEvent::Heartbeat),
            ClientMessage::Hello { .. } => self.direct(
                queue,
                ServerEvent::Error(ErrorBody {
                    code: "bad_order".into(),
                    message: "hello was already received on this connection".into(),
                }),
            ),
            ClientMessage::Audit {
                action,
                incident_id,
                units,
            } => {
                let detail = serde_json::to_string(&units).unwrap_or_default();
                let unit = units.first().map(|u| u.unit_id.as_str());
                self.audit(client, &action, incident_id.as_deref(), unit, None, detail);
            }
            ClientMessage::AuditQuery {
                request_id,
                before_id,
                limit,
            } => {
                let entries = self.log.audit_page(before_id, limit.min(1000))?;
                self.direct(
                    queue,
                    ServerEvent::AuditPage(AuditPage {
                        request_id,
                        entries,
                    }),
                );
            }
            command => {
                let (request_id, incident_id, unit_id) = command
                    .command_ids()
                    .map(|(r, i, u)| (r.to_owned(), i.map(str::to_owned), u.map(str::to_owned)))
                    .unwrap_or_default();
                let body = onemap_core::feed::client_json(&command);
                let detail = serde_json::from_str::<serde_json::Value>(&body)
                    .map(|v| v["body"].to_string())
                    .unwrap_or(body);
                let action = command.kind();
                self.audit(
                    client,
                    action,
                    incident_id.as_deref(),
                    unit_id.as_deref(),
                    None,
                    detail,
                );
                let (ok, message) = match self.command_events(&command) {
                    Ok((events, message)) => {
                        self.publish(events)?;
                        (true, message)
                    }
                    Err(why) => (false, why),
                };
                self.audit(
                    client,
                    "result",
                    incident_id.as_deref(),
                    unit_id.as_deref(),
                    Some(ok),
                    format!("{action} {request_id}: {message}"),
                );
                self.direct(
                    queue,
                    ServerEvent::CommandResult(CommandResult {
                        request_id,
                        ok,
                        message,
                    }),
                );
            }
        }
        Ok(())
    }
}

/// Protocol names of statuses, for messages.
pub fn status_name(s: UnitStatus) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub fn incident_status_name(s: IncidentStatus) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn error_env(seq: u64, code: &str, message: String) -> Envelope {
    Envelope {
        seq,
        ts: now_ms(),
        event: ServerEvent::Error(ErrorBody {
            code: code.into(),
            message,
        }),
    }
}

/// How to run a server.
pub struct ServerConfig {
    pub addr: SocketAddr,
    pub db: PathBuf,
    /// Builds the simulator's world on the server thread (so callers never wait for it).
    pub world: Option<Box<dyn FnOnce() -> World + Send>>,
    pub sim: SimConfig,
    pub tick: Duration,
    pub heartbeat: Duration,
}

impl ServerConfig {
    pub fn new(addr: SocketAddr, db: PathBuf) -> Self {
        Self {
            addr,
            db,
            world: None,
            sim: SimConfig::default(),
            tick: Duration::from_millis(250),
            heartbeat: Duration::from_secs(2),
        }
    }
}

/// A running server; dropping it does not stop it, [`ServerHandle::stop`] does.
pub struct ServerHandle {
    pub addr: SocketAddr,
    pub hub: Arc<Mutex<Hub>>,
    stop: Arc<AtomicBool>,
    wake: Arc<Notify>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ServerHandle {
    /// Stop accepting, close every connection, and wait for the server thread.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake.notify_waiters();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, Hub> {
        self.hub.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Publish events from outside (load tests, tools).
    pub fn publish(&self, events: Vec<ServerEvent>) -> anyhow::Result<Vec<u64>> {
        self.lock().publish(events)
    }
}

/// Start a server on its own thread; returns once it listens.
pub fn start(config: ServerConfig) -> anyhow::Result<ServerHandle> {
    let log = EventLog::open(&config.db)?;
    let (state, seq) = log.load()?;
    let hub = Arc::new(Mutex::new(Hub {
        state,
        seq,
        log,
        recent: VecDeque::new(),
        clients: HashMap::new(),
        next_client: 0,
        sim: None,
    }));
    let std_listener = std::net::TcpListener::bind(config.addr)
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let stop = Arc::new(AtomicBool::new(false));
    let wake = Arc::new(Notify::new());
    let (h, s, w) = (hub.clone(), stop.clone(), wake.clone());
    let thread = std::thread::Builder::new()
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
            rt.block_on(serve(std_listener, h, s, w, config));
        })?;
    Ok(ServerHandle {
        addr,
        hub,
        stop,
        wake,
        thread: Some(thread),
    })
}

fn lock(hub: &Mutex<Hub>) -> MutexGuard<'_, Hub> {
    hub.lock().unwrap_or_else(|e| e.into_inner())
}

async fn serve(
    std_listener: std::net::TcpListener,
    hub: Arc<Mutex<Hub>>,
    stop: Arc<AtomicBool>,
    wake: Arc<Notify>,
    mut config: ServerConfig,
) {
    let listener = match TcpListener::from_std(std_listener) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("onemap-feed: {e}");
            return;
        }
    };
    // The simulator, built here so the caller never waits for the road graph.
    if let Some(build) = config.world.take() {
        let sim_cfg = config.sim.clone();
        let hub2 = hub.clone();
        let built = tokio::task::spawn_blocking(move || {
            let world = build();
            let mut h = lock(&hub2);
            let (sim, events) = Sim::new(sim_cfg, world, &h.state, now_ms());
            if let Err(e) = h.publish(events) {
                eprintln!("onemap-feed: cannot log the units: {e:#}");
            }
            h.sim = Some(sim);
        });
        let _ = built.await;
    }
    let tick_hub = hub.clone();
    let tick_stop = stop.clone();
    let (tick, heartbeat) = (config.tick, config.heartbeat);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(tick);
        let mut last_beat = Instant::now();
        while !tick_stop.load(Ordering::SeqCst) {
            ticks.tick().await;
            let mut h = lock(&tick_hub);
            if let Some(mut sim) = h.sim.take() {
                let events = sim.step(now_ms(), &h.state);
                if let Err(e) = h.publish(events) {
                    eprintln!("onemap-feed: cannot log: {e:#}");
                }
                h.sim = Some(sim);
            }
            if last_beat.elapsed() >= heartbeat {
                last_beat = Instant::now();
                let queues: Vec<Arc<ClientQueue>> = h.clients.values().cloned().collect();
                for q in queues {
                    h.direct(&q, ServerEvent::Heartbeat);
                }
            }
        }
    });
    let mut connections = Vec::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, peer)) = accepted {
                    let _ = stream.set_nodelay(true);
                    connections.push(tokio::spawn(connection(stream, peer, hub.clone(), stop.clone(), wake.clone())));
                }
            }
            _ = wake.notified() => {}
        }
        if stop.load(Ordering::SeqCst) {
            break;
        }
        connections.retain(|c| !c.is_finished());
    }
    for c in connections {
        c.abort();
    }
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    hub: Arc<Mutex<Hub>>,
    stop: Arc<AtomicBool>,
    wake: Arc<Notify>,
) {
    let mut ws_config = WebSocketConfig::default();
    // Frames above this are refused by the WebSocket layer itself; the application limit
    // (MAX_CLIENT_MESSAGE) is lower and answered with an error event.
    ws_config.max_message_size = Some(4 << 20);
    ws_config.max_frame_size = Some(4 << 20);
    let ws = match tokio_tungstenite::accept_async_with_config(stream, Some(ws_config)).await {
        Ok(ws) => ws,
        Err(_) => return,
    };
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
    let mut client_id: Option<u64> = None;
    let mut client_name = peer.to_string();
    let (mut tokens, mut last_refill) = (RATE_BURST, Instant::now());
    let mut rejected = 0u32;
    let mut last_rate_error: Option<Instant> = None;
    loop {
        let msg = tokio::select! {
            m = source.next() => m,
            _ = wake.notified() => None,
        };
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Some(Ok(msg)) = msg else { break };
        let text = match msg {
            Message::Text(t) => t.to_string(),
            Message::Binary(_) => {
                lock(&hub).direct(
                    &queue,
                    ServerEvent::Error(ErrorBody {
                        code: "binary".into(),
                        message: "binary frames are not supported; send JSON text".into(),
                    }),
                );
                continue;
            }
            Message::Close(_) => break,
            _ => continue,
        };
        // Rate limit: a token bucket per connection.
        let now = Instant::now();
        tokens =
            (tokens + now.duration_since(last_refill).as_secs_f64() * RATE_PER_S).min(RATE_BURST);
        last_refill = now;
        if tokens < 1.0 {
            rejected += 1;
            if rejected > MAX_REJECTED {
                let mut h = lock(&hub);
                let seq = h.next_seq();
                queue.push(error_env(seq, "rate_limited", format!(
                    "more than {MAX_REJECTED} messages over the limit of {RATE_PER_S}/s; disconnecting"
                )));
                break;
            }
            if last_rate_error.is_none_or(|t| t.elapsed() > Duration::from_secs(1)) {
                last_rate_error = Some(now);
                lock(&hub).direct(
                    &queue,
                    ServerEvent::Error(ErrorBody {
                        code: "rate_limited".into(),
                        message: format!("over {RATE_PER_S} messages/s; message dropped"),
                    }),
                );
            }
            continue;
        }
        tokens -= 1.0;
        match parse_client(&text) {
            Err(e) => {
                lock(&hub).direct(
                    &queue,
                    ServerEvent::Error(ErrorBody {
                        code: e.code.into(),
                        message: e.message,
                    }),
                );
            }
            Ok(ClientMessage::Hello { last_seq, client }) if client_id.is_none() => {
                if !client.is_empty() {
                    client_name =
                        format!("{} ({peer})", client.chars().take(64).collect::<String>());
                }
                client_id = Some(lock(&hub).subscribe(&queue, last_seq));
            }
            Ok(msg) if client_id.is_none() => {
                lock(&hub).direct(
                    &queue,
                    ServerEvent::Error(ErrorBody {
                        code: "bad_order".into(),
                        message: format!("send hello first (got {})", msg.kind()),
                    }),
                );
            }
            Ok(msg) => {
                let mut h = lock(&hub);
                if let Err(e) = h.handle_command(&queue, &client_name, msg) {
                    eprintln!("onemap-feed: {peer}: {e:#}");
                }
            }
        }
    }
    if let Some(id) = client_id {
        lock(&hub).clients.remove(&id);
    }
    queue.close();
    let _ = writer.await;
}
