//! Shared set-up for the feed's end-to-end tests: temporary logs, the demo city parsed once
//! per test binary, commands in their envelopes, and a console-like client that keeps the
//! state it is sent.

#![allow(dead_code)]
#![allow(clippy::expect_used, clippy::unwrap_used)] // test helpers: a failure here is a test failure

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use onemap_core::feed::Role;
use onemap_core::feed::lifecycle::{CreateIncident, SignOn};
use onemap_core::feed::{
    Category, ClientEnvelope, ClientMessage, Command, CommandResult, FeedState, Position,
    RequestId, ServerEvent, UnitKind,
};
use onemap_core::osm::OsmData;
use onemap_feed::client::{ClientConfig, ClientEvent, FeedClient};
use onemap_feed::clock::system_now_ms;
use onemap_feed::identity::IdentityDb;
use onemap_feed::sim::World;

/// A fresh SQLite path (on tmpfs when there is one: the tests measure logic, not the disk).
pub fn temp_db(name: &str) -> PathBuf {
    let dir = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let p = dir.join(format!(
        "onemap-feed-test-{name}-{}.sqlite",
        std::process::id()
    ));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
    }
    p
}

pub fn demo_osm() -> &'static OsmData {
    static OSM: OnceLock<OsmData> = OnceLock::new();
    OSM.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../layers/neubrandenburg-2016.osm.pbf"
        );
        onemap_core::osm::import_pbf(&std::fs::read(path).unwrap()).unwrap()
    })
}

/// The simulator's world on the demo city (the extract is parsed once per binary).
pub fn world() -> World {
    World::from_osm(demo_osm())
}

/// A fresh token for identity `name` in the feed file `db` (replacing one of that name).
pub fn token(db: &Path, name: &str, role: Role) -> String {
    IdentityDb::open(db)
        .unwrap()
        .create(name, role, &[], system_now_ms(), true)
        .unwrap()
}

pub fn commander(db: &Path, name: &str) -> String {
    token(db, name, Role::Commander)
}

/// Client settings with a token.
pub fn config(url: &str, token: &str) -> ClientConfig {
    ClientConfig {
        token: Some(token.to_owned()),
        ..ClientConfig::new(url, "test")
    }
}

pub fn sign_on(id: &str) -> Command {
    Command::SignOn(SignOn {
        unit_id: id.into(),
        call_sign: id.into(),
        kind: UnitKind::PatrolCar,
        position: Position([13.26, 53.56]),
        fix_at_ms: None,
        stale_at_ms: None,
    })
}

pub fn call(address: &str, reported_at_ms: i64) -> Command {
    Command::CreateIncident(CreateIncident {
        category: Category::Assault,
        priority: 1,
        location: Position([13.27, 53.55]),
        address: address.into(),
        reported_at_ms: Some(reported_at_ms),
        callback: None,
        notes: vec![],
    })
}

/// A command in its envelope, due within 10 s.
pub fn request(id: &str, command: Command) -> ClientEnvelope {
    ClientEnvelope::request(
        RequestId::from(id),
        Some(system_now_ms() + 10_000),
        command.into(),
    )
}

/// A real client with the state it was sent, the answers, and everything else.
pub struct Console {
    pub client: FeedClient,
    pub state: FeedState,
    pub results: Vec<CommandResult>,
    pub other: Vec<ServerEvent>,
    pub unsent: Vec<ClientEvent>,
}

impl Console {
    /// A client signed in with `token`.
    pub fn connect(url: &str, token: &str) -> Console {
        let client = FeedClient::spawn(config(url, token), || {}).unwrap();
        let mut c = Console {
            client,
            state: FeedState::default(),
            results: Vec::new(),
            other: Vec::new(),
            unsent: Vec::new(),
        };
        c.pump_until(|c| c.client.is_connected() && c.state.last_seq > 0);
        c
    }

    /// Apply what arrives until `done` holds (10 s at most).
    pub fn pump_until(&mut self, mut done: impl FnMut(&Console) -> bool) {
        let end = Instant::now() + Duration::from_secs(10);
        while !done(self) {
            assert!(Instant::now() < end, "timed out");
            match self.client.recv_timeout(Duration::from_millis(20)) {
                Some(ClientEvent::Event(env)) => {
                    match &env.event {
                        ServerEvent::CommandResult(r) => self.results.push(r.clone()),
                        e if !e.is_state() => self.other.push(e.clone()),
                        _ => {}
                    }
                    self.state.apply(&env);
                }
                Some(e @ ClientEvent::Unsent { .. }) => self.unsent.push(e),
                _ => {}
            }
        }
    }

    pub fn result(&self, id: &str) -> Option<CommandResult> {
        self.results
            .iter()
            .find(|r| r.request_id.as_str() == id)
            .cloned()
    }

    /// Send a command and wait for its answer.
    pub fn command(&mut self, id: &str, command: Command) -> CommandResult {
        self.client.send(request(id, command)).unwrap();
        self.pump_until(|c| c.result(id).is_some());
        self.result(id).unwrap()
    }

    pub fn send(&self, message: ClientMessage) {
        self.client.send(ClientEnvelope::plain(message)).unwrap();
    }
}
