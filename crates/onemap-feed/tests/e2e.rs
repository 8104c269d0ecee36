//! End to end, on 127.0.0.1 with the real server and the real client code: a server killed
//! and restarted mid-stream, a client that drops and resumes, and every kind of bad input.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed set-up is a failed test

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use onemap_core::feed::{
    Category, Envelope, FeedState, Incident, IncidentStatus, Position, ServerEvent,
};
use onemap_feed::client::{ClientEvent, ConnStatus, FeedClient};
use onemap_feed::log::EventLog;
use onemap_feed::server::{ServerConfig, start};

fn temp_db(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("onemap-feed-{name}-{}.sqlite", std::process::id()));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
    }
    p
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn serve(db: &Path, port: u16) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_onemap-feed"))
        .args([
            "serve",
            "--simulate",
            "--units",
            "12",
            "--incidents-per-hour",
            "7200",
            "--auto-dispatch-s",
            "2",
        ])
        .args(["--addr", &format!("127.0.0.1:{port}"), "--db"])
        .arg(db)
        .stderr(Stdio::piped())
        .spawn()
        .expect("server starts");
    // Wait until it listens.
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let line = lines.next().expect("a line").expect("readable");
    assert!(line.contains("serving ws://"), "{line}");
    std::thread::spawn(move || for _ in lines {});
    child
}

/// Drain the client into `state`, recording every state seq, for `for_` (or until `until`).
fn drain(
    client: &FeedClient,
    state: &mut FeedState,
    seqs: &mut Vec<u64>,
    for_: Duration,
    mut until: impl FnMut(&FeedState, &ClientEvent) -> bool,
) {
    let end = Instant::now() + for_;
    while Instant::now() < end {
        let Ok(e) = client.events.recv_timeout(Duration::from_millis(50)) else {
            continue;
        };
        if let ClientEvent::Event(env) = &e {
            if env.event.is_state() {
                seqs.push(env.seq);
            }
            state.apply(env);
        }
        if until(state, &e) {
            return;
        }
    }
}

#[test]
fn server_killed_and_restarted_mid_stream_loses_and_duplicates_nothing() {
    let db = temp_db("kill");
    let port = free_port();
    let url = format!("ws://127.0.0.1:{port}");
    let mut server = serve(&db, port);
    let client = FeedClient::spawn(url, "test".into(), 10_000, 0).unwrap();
    let mut state = FeedState::default();
    let mut seqs = Vec::new();
    drain(
        &client,
        &mut state,
        &mut seqs,
        Duration::from_secs(4),
        |_, _| false,
    );
    let before = state.incidents.len();
    assert!(before >= 2, "incidents arrive: {before}");
    assert!(!state.units.is_empty());

    // Kill -9 mid-stream, wait, restart on the same database and port.
    server.kill().unwrap();
    let _ = server.wait();
    let mut saw_reconnecting = false;
    drain(
        &client,
        &mut state,
        &mut seqs,
        Duration::from_millis(800),
        |_, e| {
            saw_reconnecting |= matches!(e, ClientEvent::Status(ConnStatus::Disconnected { .. }));
            false
        },
    );
    assert!(saw_reconnecting, "the client noticed");
    let mut server = serve(&db, port);
    let mut reconnected = false;
    drain(
        &client,
        &mut state,
        &mut seqs,
        Duration::from_secs(5),
        |_, e| {
            reconnected |= matches!(e, ClientEvent::Status(ConnStatus::Connected));
            false
        },
    );
    assert!(reconnected);
    server.kill().unwrap();
    let _ = server.wait();
    // Whatever was still in flight when it died.
    drain(
        &client,
        &mut state,
        &mut seqs,
        Duration::from_millis(500),
        |_, _| false,
    );
    client.stop();

    let (logged, _) = EventLog::open(&db).unwrap().load().unwrap();
    assert!(
        state.incidents.len() > before,
        "incidents kept coming after the restart"
    );
    assert_eq!(
        state.incidents.keys().collect::<Vec<_>>(),
        logged.incidents.keys().collect::<Vec<_>>(),
        "exactly the server's incident set"
    );
    assert_eq!(state.incidents, logged.incidents, "with the same contents");
    assert_eq!(state.last_seq, logged.last_seq);
    let unique: BTreeSet<u64> = seqs.iter().copied().collect();
    assert_eq!(unique.len(), seqs.len(), "no event twice");
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order");
}

fn incident(n: u32) -> Incident {
    Incident {
        id: format!("T-{n:04}"),
        category: Category::Theft,
        priority: 3,
        location: Position([13.26, 53.55]),
        address: format!("Teststraße {n}"),
        reported_at: 0,
        status: IncidentStatus::New,
        assigned_units: vec![],
        times: Default::default(),
    }
}

#[test]
fn a_client_that_resumes_gets_exactly_the_missed_events() {
    let db = temp_db("resume");
    let server = start(ServerConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        db.clone(),
    ))
    .unwrap();
    let url = format!("ws://{}", server.addr);
    let first: Vec<u64> = (0..20)
        .flat_map(|n| {
            server
                .publish(vec![ServerEvent::IncidentCreated(incident(n))])
                .unwrap()
        })
        .collect();
    let client = FeedClient::spawn(url.clone(), "a".into(), 1000, 0).unwrap();
    let mut state = FeedState::default();
    let mut seqs = Vec::new();
    drain(
        &client,
        &mut state,
        &mut seqs,
        Duration::from_secs(5),
        |s, _| s.incidents.len() == 20,
    );
    assert_eq!(
        state.last_seq,
        *first.last().unwrap(),
        "a snapshot at the newest seq"
    );
    client.stop();
    let seen = state.last_seq;

    // While it is away: new incidents and an update.
    let mut missed = Vec::new();
    for n in 20..35 {
        missed.extend(
            server
                .publish(vec![ServerEvent::IncidentCreated(incident(n))])
                .unwrap(),
        );
    }
    let mut updated = incident(3);
    updated.status = IncidentStatus::Cancelled;
    missed.extend(
        server
            .publish(vec![ServerEvent::IncidentUpdated(updated)])
            .unwrap(),
    );

    let client = FeedClient::spawn(url, "a".into(), 1000, seen).unwrap();
    let mut resumed = Vec::new();
    let mut got: Vec<Envelope> = Vec::new();
    let end = Instant::now() + Duration::from_secs(5);
    while Instant::now() < end && resumed.len() < missed.len() {
        if let Ok(ClientEvent::Event(env)) = client.events.recv_timeout(Duration::from_millis(50)) {
            if env.event.is_state() || matches!(env.event, ServerEvent::Snapshot(_)) {
                resumed.push(env.seq);
            }
            got.push(env);
        }
    }
    assert_eq!(
        resumed, missed,
        "exactly the missed events, no snapshot, no repeats"
    );
    for env in &got {
        state.apply(env);
    }
    assert_eq!(state.incidents.len(), 35);
    assert_eq!(state.incidents["T-0003"].status, IncidentStatus::Cancelled);
    client.stop();
    server.stop();
}

mod raw {
    //! A deliberately misbehaving client, straight on tungstenite.
    use std::net::TcpStream;
    use std::time::Duration;

    use tokio_tungstenite::tungstenite::{Message, WebSocket, connect, stream::MaybeTlsStream};

    pub type Ws = WebSocket<MaybeTlsStream<TcpStream>>;

    pub fn open(url: &str) -> Ws {
        let (ws, _) = connect(url).expect("connects");
        if let MaybeTlsStream::Plain(s) = ws.get_ref() {
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        }
        ws
    }

    /// The next error event's code (skipping other events).
    pub fn next_error(ws: &mut Ws) -> String {
        loop {
            match ws.read().expect("the server answers") {
                Message::Text(t) => {
                    let v: serde_json::Value = serde_json::from_str(&t).unwrap();
                    if v["kind"] == "error" {
                        return v["body"]["code"].as_str().unwrap().to_owned();
                    }
                }
                Message::Close(_) => panic!("closed instead of answering"),
                _ => {}
            }
        }
    }
}

#[test]
fn bad_input_is_answered_and_the_server_keeps_serving_others() {
    let db = temp_db("bad");
    let server = start(ServerConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        db.clone(),
    ))
    .unwrap();
    let url = format!("ws://{}", server.addr);
    // A well-behaved client throughout.
    let good = FeedClient::spawn(url.clone(), "good".into(), 10_000, 0).unwrap();

    let mut bad = raw::open(&url);
    use tokio_tungstenite::tungstenite::Message;
    let hello = r#"{"v":1,"seq":0,"ts":0,"kind":"hello","body":{"last_seq":0}}"#;
    let cases: Vec<(Message, &str)> = vec![
        (Message::text(r#"{"v":1,"kind":"dispatch""#), "malformed"),
        (Message::text("null"), "malformed"),
        (
            Message::text(r#"{"v":1,"seq":0,"ts":0,"kind":"ping","body":{}}"#),
            "bad_order",
        ),
        (Message::text(hello), ""),
        (
            Message::text(r#"{"v":1,"seq":0,"ts":0,"kind":"launch","body":{}}"#),
            "unknown_kind",
        ),
        (
            Message::text(
                r#"{"v":1,"seq":0,"ts":0,"kind":"dispatch","body":{"request_id":7,"incident_id":"x","unit_id":"y"}}"#,
            ),
            "bad_body",
        ),
        (
            Message::text(r#"{"v":9,"seq":0,"ts":0,"kind":"ping","body":{}}"#),
            "unsupported_version",
        ),
        (
            Message::text(format!(
                r#"{{"v":1,"kind":"ping","body":{{"x":"{}"}}}}"#,
                "a".repeat(100_000)
            )),
            "too_large",
        ),
        (Message::binary(vec![0u8, 159, 146, 150]), "binary"),
    ];
    for (msg, code) in cases {
        bad.send(msg).unwrap();
        if !code.is_empty() {
            assert_eq!(raw::next_error(&mut bad), code);
        }
        let n = server.lock().state.incidents.len() as u32;
        server
            .publish(vec![ServerEvent::IncidentCreated(incident(n))])
            .unwrap();
    }
    // A flood: far over the rate; answered with rate_limited, the others still served.
    for _ in 0..200 {
        bad.send(Message::text(
            r#"{"v":1,"seq":0,"ts":0,"kind":"ping","body":{}}"#,
        ))
        .unwrap();
    }
    assert_eq!(raw::next_error(&mut bad), "rate_limited");
    for n in 100..110 {
        server
            .publish(vec![ServerEvent::IncidentCreated(incident(n))])
            .unwrap();
    }
    let mut state = FeedState::default();
    let mut seqs = Vec::new();
    drain(
        &good,
        &mut state,
        &mut seqs,
        Duration::from_secs(5),
        |s, _| s.incidents.len() == 19,
    );
    assert_eq!(
        state.incidents.len(),
        19,
        "the good client got every incident"
    );
    good.stop();
    server.stop();
    // The log is intact: it loads, with every incident.
    let (logged, _) = EventLog::open(&db).unwrap().load().unwrap();
    assert_eq!(logged.incidents.len(), 19);
}

#[test]
fn a_slow_client_gets_positions_coalesced_and_incidents_complete() {
    use onemap_core::feed::{Unit, UnitKind, UnitPosition, UnitStatus};
    let db = temp_db("slow");
    let server = start(ServerConfig::new("127.0.0.1:0".parse().unwrap(), db)).unwrap();
    let url = format!("ws://{}", server.addr);
    // A tiny channel that nobody drains for a while: the client thread blocks, the socket
    // backs up, the server's queue for it fills.
    let slow = FeedClient::spawn(url, "slow".into(), 4, 0).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    server
        .publish(vec![ServerEvent::UnitJoined(Unit {
            id: "U-1".into(),
            call_sign: "巡01".into(),
            kind: UnitKind::PatrolCar,
            status: UnitStatus::Available,
            position: Position([13.0, 53.0]),
            heading_deg: 0.0,
            speed_kmh: 0.0,
            fix_at: 0,
            posted: None,
        })])
        .unwrap();
    for k in 0..20_000 {
        let mut batch = vec![ServerEvent::UnitPosition(UnitPosition {
            id: "U-1".into(),
            position: Position([13.0 + f64::from(k) * 1e-6, 53.0]),
            heading_deg: 90.0,
            speed_kmh: 30.0,
            fix_at: i64::from(k),
        })];
        if k % 1000 == 0 {
            batch.push(ServerEvent::IncidentCreated(incident(k / 1000)));
        }
        server.publish(batch).unwrap();
    }
    let mut state = FeedState::default();
    let mut seqs = Vec::new();
    drain(
        &slow,
        &mut state,
        &mut seqs,
        Duration::from_secs(10),
        |s, _| s.incidents.len() == 20 && s.units.get("U-1").is_some_and(|u| u.fix_at == 19_999),
    );
    assert_eq!(state.incidents.len(), 20, "no incident dropped");
    assert_eq!(
        state.units["U-1"].fix_at, 19_999,
        "the newest position arrives"
    );
    let positions = seqs.len() - 21;
    assert!(
        positions < 20_000,
        "positions were coalesced: {positions} of 20000 delivered"
    );
    slow.stop();
    server.stop();
}
