//! The console's side of the live feed: the embedded server (the demo city's simulator) or an
//! external one, the client thread, and the mirrored state `logic()` drains into within a
//! time budget. Drawing is in `map::live`, the queue panel in `app`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use onemap_core::feed::{FeedState, ServerEvent};
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
    client: Option<FeedClient>,
    server: Option<ServerHandle>,
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
        match FeedClient::spawn(url.clone(), "onemap-console".into(), 20_000, 0) {
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
        let Some(client) = &self.client else {
            return false;
        };
        let start = Instant::now();
        let mut changed = false;
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
                        _ => {}
                    }
                    self.state.apply(&env);
                }
            }
        }
        changed
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
