//! The console's side of the live feed: the embedded server (the demo city's simulator) or an
//! external one, the client thread, and the mirrored state `logic()` drains into within a
//! time budget. Drawing is in `map::live`, the queue panel in `app`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use onemap_core::feed::{AuditPage, ClientMessage, FeedState, ServerEvent};
use onemap_feed::client::{ClientEvent, ConnStatus, FeedClient};
use onemap_feed::server::{ServerConfig, ServerHandle, start};
use onemap_feed::sim::{SimConfig, World};

use crate::city::City;

/// Where the console's feed comes from.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum FeedSource {
    /// No live feed.
    #[default]
    Off,
    /// Start a server with the simulator in-process on loopback, logging to `db`.
    Embedded { db: PathBuf, sim: SimConfig },
    /// Connect to a server: `ws://host:port`.
    External(String),
}

/// A unit whose last fix is older than this is drawn grey.
pub const STALE_FIX: Duration = Duration::from_secs(30);
/// No message at all for this long while connected: the data is stale.
pub const STALE_DATA: Duration = Duration::from_secs(6);
/// A command unanswered this long is reported as lost.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a new incident pulses.
pub const PULSE: Duration = Duration::from_secs(30);

#[derive(Clone, Debug, PartialEq)]
pub enum Link {
    Off,
    Connecting,
    Connected {
        since: Instant,
    },
    Reconnecting {
        since: Instant,
        attempt: u32,
        error: String,
    },
}

pub struct LiveFeed {
    pub url: String,
    pub state: FeedState,
    pub link: Link,
    pub last_message: Option<Instant>,
    /// When each incident was first seen here (new ones pulse).
    pub first_seen: HashMap<String, Instant>,
    pub bad_messages: u64,
    pub last_error: Option<String>,
    /// Commands sent and not yet answered: request id → what it was (for the UI).
    pub pending: HashMap<String, Pending>,
    /// Answers to commands, newest last (the UI shows the recent ones).
    pub notices: Vec<Notice>,
    /// The last audit page received.
    pub audit: Option<AuditPage>,
    /// Incidents this console has acknowledged (they stop pulsing).
    pub acknowledged: std::collections::HashSet<String>,
    next_request: u64,
    client: Option<FeedClient>,
    server: Option<ServerHandle>,
}

/// A command on its way.
#[derive(Clone, Debug, PartialEq)]
pub struct Pending {
    pub kind: &'static str,
    pub unit_id: Option<String>,
    pub incident_id: Option<String>,
    pub sent: Instant,
}

/// A command's outcome, as the server reported it.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub ok: bool,
    pub message: String,
    pub at: Instant,
}

impl LiveFeed {
    pub fn off() -> Self {
        Self {
            url: String::new(),
            state: FeedState::default(),
            link: Link::Off,
            last_message: None,
            first_seen: HashMap::new(),
            bad_messages: 0,
            last_error: None,
            pending: HashMap::new(),
            notices: Vec::new(),
            audit: None,
            acknowledged: Default::default(),
            next_request: 0,
            client: None,
            server: None,
        }
    }

    /// Start the feed; an embedded server that cannot start is reported, not fatal.
    pub fn start(source: &FeedSource, city: &Arc<City>) -> Self {
        let mut feed = Self::off();
        let url = match source {
            FeedSource::Off => return feed,
            FeedSource::External(url) => url.clone(),
            FeedSource::Embedded { db, sim } => {
                let mut config = ServerConfig::new(([127, 0, 0, 1], 0).into(), db.clone());
                let c = city.clone();
                config.world = Some(Box::new(move || World::from_osm(&c.osm)));
                config.sim = sim.clone();
                match start(config) {
                    Ok(server) => {
                        let url = format!("ws://{}", server.addr);
                        eprintln!(
                            "onemap: live feed: embedded simulator at {url} (log {})",
                            db.display()
                        );
                        feed.server = Some(server);
                        url
                    }
                    Err(e) => {
                        eprintln!("onemap: live feed: cannot start the embedded server: {e:#}");
                        feed.last_error = Some(format!("{e:#}"));
                        return feed;
                    }
                }
            }
        };
        feed.link = Link::Connecting;
        let name = format!("onemap-console-{}", std::process::id());
        match FeedClient::spawn(url.clone(), name, 20_000, 0) {
            Ok(c) => feed.client = Some(c),
            Err(e) => feed.last_error = Some(e.to_string()),
        }
        feed.url = url;
        feed
    }

    pub fn is_on(&self) -> bool {
        self.client.is_some()
    }

    /// Apply what arrived, for at most `budget`; whether anything changed.
    pub fn drain(&mut self, budget: Duration) -> bool {
        let start = Instant::now();
        let expired = self.expire_pending(start);
        let Some(client) = &self.client else {
            return false;
        };
        let mut changed = expired;
        while start.elapsed() < budget {
            let Ok(event) = client.events.try_recv() else {
                break;
            };
            changed = true;
            let now = Instant::now();
            match event {
                ClientEvent::Status(ConnStatus::Connected) => {
                    self.link = Link::Connected { since: now };
                    self.last_message = Some(now);
                }
                ClientEvent::Status(ConnStatus::Connecting { .. }) => {}
                ClientEvent::Status(ConnStatus::Disconnected { error, attempt, .. }) => {
                    let since = match &self.link {
                        Link::Reconnecting { since, .. } => *since,
                        _ => now,
                    };
                    self.link = Link::Reconnecting {
                        since,
                        attempt,
                        error,
                    };
                }
                ClientEvent::BadMessage(why) => {
                    self.bad_messages += 1;
                    self.last_error = Some(why);
                }
                ClientEvent::Event(env) => {
                    self.last_message = Some(now);
                    match &env.event {
                        ServerEvent::IncidentCreated(i) => {
                            self.first_seen.entry(i.id.clone()).or_insert(now);
                        }
                        ServerEvent::Snapshot(s) => {
                            // Incidents already known on connect do not pulse.
                            let long_ago = now.checked_sub(PULSE).unwrap_or(now);
                            for i in &s.incidents {
                                self.first_seen.entry(i.id.clone()).or_insert(long_ago);
                            }
                        }
                        ServerEvent::Error(e) => {
                            self.last_error = Some(format!("{}: {}", e.code, e.message));
                        }
                        ServerEvent::CommandResult(r) => {
                            self.pending.remove(&r.request_id);
                            self.notices.push(Notice {
                                ok: r.ok,
                                message: r.message.clone(),
                                at: now,
                            });
                            if self.notices.len() > 50 {
                                self.notices.remove(0);
                            }
                        }
                        ServerEvent::AuditPage(p) => self.audit = Some(p.clone()),
                        _ => {}
                    }
                    self.state.apply(&env);
                }
            }
        }
        changed
    }

    /// A fresh request id for a command from this console.
    pub fn request_id(&mut self) -> String {
        self.next_request += 1;
        format!("c{}-{}", std::process::id(), self.next_request)
    }

    /// Send a command (its request id must come from [`Self::request_id`]); it is pending
    /// until the server answers. Nothing changes here until the server's events arrive, so
    /// a refused command (a unit someone else just sent) leaves the view as the server has it.
    pub fn command(&mut self, msg: ClientMessage) {
        let Some((request_id, incident_id, unit_id)) = msg.command_ids() else {
            self.send(msg);
            return;
        };
        let (request_id, kind) = (request_id.to_owned(), msg.kind());
        let (unit_id, incident_id) = (unit_id.map(str::to_owned), incident_id.map(str::to_owned));
        self.pending.insert(
            request_id,
            Pending {
                kind,
                unit_id,
                incident_id,
                sent: Instant::now(),
            },
        );
        self.send(msg);
    }

    /// Send a message that expects no answer (audit notes, queries).
    pub fn send(&self, msg: ClientMessage) {
        if let Some(c) = &self.client {
            c.send(msg);
        }
    }

    /// Whether a command for this unit is on its way.
    pub fn is_pending(&self, unit_id: &str) -> bool {
        self.pending
            .values()
            .any(|p| p.unit_id.as_deref() == Some(unit_id))
    }

    /// Commands the server has not answered in [`COMMAND_TIMEOUT`] are reported as such (the
    /// connection dropped with them, or the server is gone); the state stays the server's.
    fn expire_pending(&mut self, now: Instant) -> bool {
        let before = self.pending.len();
        let mut expired = Vec::new();
        self.pending.retain(|_, p| {
            let alive = now.duration_since(p.sent) < COMMAND_TIMEOUT;
            if !alive {
                expired.push(p.clone());
            }
            alive
        });
        for p in expired {
            self.notices.push(Notice {
                ok: false,
                message: format!(
                    "{} {}: no answer from the server in {} s",
                    p.kind,
                    p.unit_id.or(p.incident_id).unwrap_or_default(),
                    COMMAND_TIMEOUT.as_secs()
                ),
                at: now,
            });
        }
        self.pending.len() != before
    }

    /// Whether the data is stale: connected but silent.
    pub fn is_stale(&self, now: Instant) -> bool {
        matches!(self.link, Link::Connected { .. })
            && self
                .last_message
                .is_some_and(|t| now.duration_since(t) > STALE_DATA)
    }

    /// Stop the embedded server (tests: a server that disappears).
    pub fn stop_embedded_server(&mut self) {
        if let Some(s) = self.server.take() {
            s.stop();
        }
    }
}
