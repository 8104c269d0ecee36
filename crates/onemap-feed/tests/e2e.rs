//! End to end, on 127.0.0.1 with the real server and the real client code: a server killed
//! and restarted mid-stream, a client that drops and resumes, and every kind of bad input.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed set-up is a failed test

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command as Process, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{Console, call, commander, request, sign_on, temp_db};
use onemap_core::feed::lifecycle::{Dispatch, ReportPosition, SetIncidentStatus, SetUnitStatus};
use onemap_core::feed::{
    Command, Envelope, FeedState, IncidentId, IncidentStatus, Position, ServerEvent, UnitId,
    UnitStatus,
};
use onemap_feed::client::{ClientConfig, ClientEvent, ConnStatus, FeedClient, Unsent};

use onemap_feed::clock::system_now_ms;
use onemap_feed::server::{ServerConfig, start};
use onemap_feed::store::{EventStore, SqliteStore};

fn logged(db: &Path) -> FeedState {
    SqliteStore::open(db).unwrap().load(0).unwrap().state
}

/// The logged state as it stood after event `seq` (every event replayed from the start).
fn logged_upto(db: &Path, seq: u64) -> FeedState {
    let mut store = SqliteStore::open(db).unwrap();
    let mut state = FeedState::default();
    for env in store.events_after(0, usize::MAX / 2).unwrap() {
        if env.seq <= seq {
            state.apply(&env);
        }
    }
    state
}

fn client(url: &str, token: &str, resume_from: u64) -> FeedClient {
    let config = ClientConfig {
        resume_from,
        ..common::config(url, token)
    };
    FeedClient::spawn(config, || {}).unwrap()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn serve(db: &Path, port: u16) -> Child {
    let mut child = Process::new(env!("CARGO_BIN_EXE_onemap-feed"))
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
    client: &mut FeedClient,
    state: &mut FeedState,
    seqs: &mut Vec<u64>,
    for_: Duration,
    mut until: impl FnMut(&FeedState, &ClientEvent) -> bool,
) {
    let end = Instant::now() + for_;
    while Instant::now() < end {
        let Some(e) = client.recv_timeout(Duration::from_millis(50)) else {
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
    let tok = commander(&db, "test");
    let mut server = serve(&db, port);
    let mut client = client(&url, &tok, 0);
    let mut state = FeedState::default();
    let mut seqs = Vec::new();
    let lost = |e: &ClientEvent| matches!(e, ClientEvent::Status(ConnStatus::Disconnected { .. }));
    drain(
        &mut client,
        &mut state,
        &mut seqs,
        Duration::from_secs(20),
        |s, _| s.incidents.len() >= 8 && !s.units.is_empty(),
    );
    let before = state.incidents.len();
    assert!(before >= 8, "incidents arrive: {before}");
    assert!(!state.units.is_empty());

    // Kill -9 mid-stream, restart on the same database and port.
    server.kill().unwrap();
    let _ = server.wait();
    let mut saw_reconnecting = false;
    drain(
        &mut client,
        &mut state,
        &mut seqs,
        Duration::from_secs(5),
        |_, e| {
            saw_reconnecting |= lost(e);
            saw_reconnecting
        },
    );
    assert!(saw_reconnecting, "the client noticed");
    let mut server = serve(&db, port);
    let mut reconnected = false;
    drain(
        &mut client,
        &mut state,
        &mut seqs,
        Duration::from_secs(20),
        |s, e| {
            reconnected |= matches!(e, ClientEvent::Status(ConnStatus::Connected));
            reconnected && s.incidents.len() >= before + 3
        },
    );
    assert!(reconnected);
    server.kill().unwrap();
    let _ = server.wait();
    // Whatever was still in flight when it died: everything before the connection's end.
    drain(
        &mut client,
        &mut state,
        &mut seqs,
        Duration::from_secs(5),
        |_, e| lost(e),
    );
    client.stop();

    // A kill -9 may land between logging events and sending them: the client then holds a
    // prefix of the log (it would get the rest on its next resume). That prefix must be
    // exact.
    let all = logged(&db);
    assert!(state.last_seq <= all.last_seq);
    let logged = logged_upto(&db, state.last_seq);
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

fn incident(n: u32) -> Command {
    call(&format!("Teststraße {n}"), 0)
}

fn publish(server: &onemap_feed::server::ServerHandle, command: Command) -> Vec<u64> {
    server
        .submit("test", vec![command])
        .unwrap()
        .remove(0)
        .unwrap()
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
        .flat_map(|n| publish(&server, incident(n)))
        .collect();
    let tok = commander(&db, "a");
    let mut a = client(&url, &tok, 0);
    let mut state = FeedState::default();
    let mut seqs = Vec::new();
    drain(
        &mut a,
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
    a.stop();
    let seen = state.last_seq;

    // While it is away: new incidents and an update.
    let mut missed = Vec::new();
    for n in 20..35 {
        missed.extend(publish(&server, incident(n)));
    }
    missed.extend(publish(
        &server,
        Command::SetIncidentStatus(SetIncidentStatus {
            incident_id: "I-000004".into(),
            status: IncidentStatus::Cancelled,
        }),
    ));

    let mut a = client(&url, &tok, seen);
    let mut resumed = Vec::new();
    let mut got: Vec<Envelope> = Vec::new();
    let end = Instant::now() + Duration::from_secs(5);
    while Instant::now() < end && resumed.len() < missed.len() {
        if let Some(ClientEvent::Event(env)) = a.recv_timeout(Duration::from_millis(50)) {
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
    assert_eq!(
        state.incidents[&IncidentId::from("I-000004")].status,
        IncidentStatus::Cancelled
    );
    a.stop();
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

    /// The next event of `kind` (skipping others), as JSON.
    pub fn next(ws: &mut Ws, kind: &str) -> serde_json::Value {
        loop {
            match ws.read().expect("the server answers") {
                Message::Text(t) => {
                    let v: serde_json::Value = serde_json::from_str(&t).unwrap();
                    if v["kind"] == kind {
                        return v;
                    }
                }
                Message::Close(_) => panic!("closed instead of answering"),
                _ => {}
            }
        }
    }

    /// The next error event's code (skipping other events).
    pub fn next_error(ws: &mut Ws) -> String {
        next(ws, "error")["body"]["code"]
            .as_str()
            .unwrap()
            .to_owned()
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
    let mut good = client(&url, &commander(&db, "good"), 0);

    let mut bad = raw::open(&url);
    use tokio_tungstenite::tungstenite::Message;
    let hello = format!(
        r#"{{"v":2,"kind":"hello","body":{{"last_seq":0,"token":"{}"}}}}"#,
        commander(&db, "bad")
    );
    bad.send(Message::text(hello.as_str())).unwrap();
    raw::next(&mut bad, "welcome");
    let cases: Vec<(Message, &str)> = vec![
        (Message::text(r#"{"v":2,"kind":"dispatch""#), "malformed"),
        (Message::text("null"), "malformed"),
        (Message::text(hello.as_str()), "bad_order"),
        (
            Message::text(r#"{"v":2,"kind":"launch","body":{}}"#),
            "unknown_kind",
        ),
        (
            Message::text(
                r#"{"v":2,"request_id":"r","not_after":1,"kind":"dispatch","body":{"incident_id":7,"unit_id":"y"}}"#,
            ),
            "bad_body",
        ),
        (
            Message::text(r#"{"v":2,"kind":"dispatch","body":{"incident_id":"x","unit_id":"y"}}"#),
            "bad_envelope",
        ),
        (
            Message::text(r#"{"v":9,"kind":"ping","body":{}}"#),
            "unsupported_version",
        ),
        (
            Message::text(format!(
                r#"{{"v":2,"kind":"ping","body":{{"x":"{}"}}}}"#,
                "a".repeat(30_000)
            )),
            "too_large",
        ),
        (Message::binary(vec![0u8, 159, 146, 150]), "binary"),
    ];
    for (k, (msg, code)) in cases.into_iter().enumerate() {
        bad.send(msg).unwrap();
        if !code.is_empty() {
            assert_eq!(raw::next_error(&mut bad), code);
        }
        publish(&server, incident(k as u32));
    }
    // A flood: far over the rate; answered with rate_limited, the others still served.
    for _ in 0..200 {
        bad.send(Message::text(r#"{"v":2,"kind":"ping","body":{}}"#))
            .unwrap();
    }
    assert_eq!(raw::next_error(&mut bad), "rate_limited");
    for n in 100..110 {
        publish(&server, incident(n));
    }
    let mut state = FeedState::default();
    let mut seqs = Vec::new();
    drain(
        &mut good,
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
    assert_eq!(logged(&db).incidents.len(), 19);
}

#[test]
fn a_slow_client_gets_positions_coalesced_and_incidents_complete() {
    let db = temp_db("slow");
    let server = start(ServerConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        db.clone(),
    ))
    .unwrap();
    let url = format!("ws://{}", server.addr);
    // A tiny channel that nobody drains for a while: the client thread stops reading, the
    // socket backs up, the server's queue for it fills.
    let mut slow = FeedClient::spawn(
        ClientConfig {
            capacity: 4,
            ..common::config(&url, &commander(&db, "slow"))
        },
        || {},
    )
    .unwrap();
    // Subscribed once its first event (the snapshot) is here.
    while !matches!(
        slow.recv_timeout(Duration::from_secs(5)),
        Some(ClientEvent::Event(_))
    ) {}
    publish(&server, sign_on("U-1"));
    let t0 = system_now_ms();
    for k in 0..20_000 {
        let mut batch = vec![Command::ReportPosition(ReportPosition {
            unit_id: "U-1".into(),
            position: Position([13.0 + f64::from(k) * 1e-6, 53.0]),
            heading_deg: 90.0,
            speed_kmh: 30.0,
            fix_at_ms: t0 + i64::from(k),
            stale_at_ms: None,
        })];
        if k % 1000 == 0 {
            batch.push(incident(k as u32 / 1000));
        }
        server.submit("test", batch).unwrap();
    }
    let mut state = FeedState::default();
    let mut seqs = Vec::new();
    let unit = UnitId::from("U-1");
    drain(
        &mut slow,
        &mut state,
        &mut seqs,
        Duration::from_secs(10),
        |s, _| {
            s.incidents.len() == 20
                && s.units
                    .get(&unit)
                    .is_some_and(|u| u.fix_at_ms == t0 + 19_999)
        },
    );
    assert_eq!(state.incidents.len(), 20, "no incident dropped");
    assert_eq!(
        state.units[&unit].fix_at_ms,
        t0 + 19_999,
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

/// Two units and a call, as a fresh city.
fn city(server: &onemap_feed::server::ServerHandle) {
    for c in [
        sign_on("U-1"),
        sign_on("U-2"),
        call("Marktplatz 1", system_now_ms()),
    ] {
        publish(server, c);
    }
}

fn dispatch(unit: &str) -> Command {
    Command::Dispatch(Dispatch {
        incident_id: "I-000001".into(),
        unit_id: unit.into(),
        rank: Some(1),
    })
}

#[test]
fn an_expired_command_is_refused_and_changes_nothing() {
    let db = temp_db("expired");
    let token = commander(&db, "desk-1");
    let server = start(ServerConfig::new("127.0.0.1:0".parse().unwrap(), db)).unwrap();
    city(&server);
    let url = format!("ws://{}", server.addr);
    let mut ws = raw::open(&url);
    use tokio_tungstenite::tungstenite::Message;
    ws.send(Message::text(format!(
        r#"{{"v":2,"kind":"hello","body":{{"last_seq":0,"token":"{token}"}}}}"#
    )))
    .unwrap();
    let late = format!(
        r#"{{"v":2,"request_id":"late-1","not_after":{},"kind":"dispatch","body":{{"incident_id":"I-000001","unit_id":"U-1"}}}}"#,
        system_now_ms() - 80_000
    );
    ws.send(Message::text(late)).unwrap();
    let answer = raw::next(&mut ws, "command_result");
    let body = &answer["body"];
    assert_eq!(body["request_id"], "late-1");
    assert_eq!(body["ok"], false);
    let message = body["message"].as_str().unwrap();
    assert!(message.starts_with("expired:"), "{message}");
    assert_eq!(body["refusal"]["code"], "expired");
    let state = server.state().unwrap();
    assert_eq!(
        state.units[&UnitId::from("U-1")].status,
        UnitStatus::Available
    );
    assert_eq!(
        state.incidents[&IncidentId::from("I-000001")].status,
        IncidentStatus::New,
        "nothing was applied"
    );
    // A command without a deadline is refused too; the refusal is in the audit log.
    let audit = server.audit_page(None, 10).unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "result" && e.ok == Some(false) && e.detail.contains("expired:")),
        "{audit:?}"
    );
    server.stop();
}

#[test]
fn a_repeated_request_id_is_answered_again_and_not_applied_again_even_after_a_restart() {
    let db = temp_db("repeat");
    let addr = "127.0.0.1:0".parse().unwrap();
    let server = start(ServerConfig::new(addr, db.clone())).unwrap();
    city(&server);
    let url = format!("ws://{}", server.addr);
    let desk1 = commander(&db, "desk-1");
    let mut c = Console::connect(&url, &desk1);
    let first = c.command("d-1", dispatch("U-1"));
    assert!(first.ok, "{first:?}");
    let stand_down = Command::SetUnitStatus(SetUnitStatus {
        unit_id: "U-1".into(),
        status: UnitStatus::Available,
    });
    assert!(c.command("free-1", stand_down).ok);
    c.pump_until(|c| c.state.units[&UnitId::from("U-1")].status == UnitStatus::Available);
    // The retry: the first answer again, and U-1 stays where it is.
    c.results.clear();
    let again = c.command("d-1", dispatch("U-1"));
    assert_eq!(again, first);
    // The hub answers in order: its state after the answer is final.
    let state = server.state().unwrap();
    assert_eq!(
        state.units[&UnitId::from("U-1")].status,
        UnitStatus::Available
    );
    // Another client may not use the same id.
    let mut other = Console::connect(&url, &commander(&db, "desk-2"));
    let stolen = other.command("d-1", dispatch("U-2"));
    assert!(
        !stolen.ok && stolen.message.contains("another client"),
        "{stolen:?}"
    );
    c.client.stop();
    other.client.stop();
    let port = server.addr;
    server.stop();
    // After a restart on the same log, still remembered.
    let server = start(ServerConfig::new(port, db)).unwrap();
    let mut c = Console::connect(&url, &desk1);
    let after = c.command("d-1", dispatch("U-1"));
    assert_eq!(after, first);
    let state = server.state().unwrap();
    assert_eq!(
        state.units[&UnitId::from("U-1")].status,
        UnitStatus::Available
    );
    assert_eq!(
        state.incidents[&IncidentId::from("I-000001")].status,
        IncidentStatus::New,
        "applied once only"
    );
    server.stop();
}

#[test]
fn nothing_is_sent_while_disconnected_and_nothing_acts_later() {
    let db = temp_db("offline");
    let server = start(ServerConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        db.clone(),
    ))
    .unwrap();
    city(&server);
    let addr = server.addr;
    let url = format!("ws://{addr}");
    let mut c = Console::connect(&url, &commander(&db, "desk-1"));
    server.stop();
    c.pump_until(|c| !c.client.is_connected());
    // Pressing dispatch now fails at once; nothing is kept for later.
    let t = Instant::now();
    let sent = c.client.send(request("d-off", dispatch("U-1")));
    assert_eq!(sent, Err(Unsent::NotConnected));
    assert!(t.elapsed() < Duration::from_millis(50), "told at once");
    let server = start(ServerConfig::new(addr, db)).unwrap();
    c.pump_until(|c| c.client.is_connected());
    // A command sent now is answered after anything that was waiting to be sent.
    let probe = Command::SetUnitStatus(SetUnitStatus {
        unit_id: "U-2".into(),
        status: UnitStatus::OffDuty,
    });
    assert!(c.command("probe", probe).ok);
    let state = server.state().unwrap();
    assert_eq!(
        state.units[&UnitId::from("U-1")].status,
        UnitStatus::Available
    );
    assert!(
        server
            .audit_page(None, 100)
            .unwrap()
            .iter()
            .all(|e| e.action != "dispatch"),
        "no dispatch reached the server"
    );
    assert!(c.result("d-off").is_none());
    server.stop();
}
