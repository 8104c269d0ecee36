//! Identities, roles, redaction, revocation, limits and TLS, end to end against the real
//! server on loopback, with raw WebSocket clients (so what is checked is what travels).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{commander, sign_on, temp_db, token};
use onemap_core::feed::lifecycle::{
    Acknowledge, AddNote, CreateIncident, Dispatch, LinkCall, MoveUp, Reassign, ReportPosition,
    SetIncidentStatus, SetUnitStatus, SignOff, UpdateIncident,
};
use onemap_core::feed::{
    Category, ClientEnvelope, ClientMessage, Command, IncidentId, IncidentStatus, Position,
    Posting, Role, UnitId, UnitStatus,
};
use onemap_feed::clock::system_now_ms;
use onemap_feed::hub::HubConfig;
use onemap_feed::identity::IdentityDb;
use onemap_feed::server::{ServerConfig, ServerHandle, start};
use onemap_feed::store::SqliteStore;
use onemap_feed::store::sqlite::ChainCheck;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::stream::MaybeTlsStream;
use tokio_tungstenite::tungstenite::{Message, WebSocket};

type Ws = WebSocket<MaybeTlsStream<TcpStream>>;

fn serve(db: &std::path::Path, hub: HubConfig) -> ServerHandle {
    let config = ServerConfig {
        hub,
        ..ServerConfig::new("127.0.0.1:0".parse().unwrap(), db.to_path_buf())
    };
    start(config).unwrap()
}

/// Many failed sign-ins come from 127.0.0.1 in these tests; the block has its own test.
fn lenient() -> HubConfig {
    HubConfig {
        auth_failures: 1_000_000,
        ..HubConfig::default()
    }
}

/// A raw client; `bearer` goes in the upgrade's Authorization header.
fn open(server: &ServerHandle, bearer: Option<&str>) -> Ws {
    let mut request = format!("ws://{}", server.addr)
        .into_client_request()
        .unwrap();
    if let Some(t) = bearer {
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {t}").parse().unwrap());
    }
    let (ws, _) = tokio_tungstenite::tungstenite::connect(request).unwrap();
    if let MaybeTlsStream::Plain(s) = ws.get_ref() {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    }
    ws
}

fn hello(ws: &mut Ws) {
    let text = r#"{"v":2,"kind":"hello","body":{"last_seq":0}}"#;
    ws.send(Message::text(text)).unwrap();
}

/// Every text frame until the server closes (or 5 s of silence), as JSON.
fn until_closed(ws: &mut Ws) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    loop {
        match ws.read() {
            Ok(Message::Text(t)) => out.push(serde_json::from_str(&t).unwrap()),
            Ok(Message::Close(_)) | Err(_) => return out,
            Ok(_) => {}
        }
    }
}

/// The next frame of `kind` whose body has `request_id` (if given), skipping others.
fn next(ws: &mut Ws, kinds: &[&str], request_id: Option<&str>) -> serde_json::Value {
    loop {
        let Message::Text(t) = ws.read().expect("the server answers") else {
            continue;
        };
        let v: serde_json::Value = serde_json::from_str(&t).unwrap();
        let kind_ok = kinds.iter().any(|k| v["kind"] == *k);
        let id_ok = request_id.is_none_or(|r| v["body"]["request_id"] == r);
        if kind_ok && id_ok {
            return v;
        }
    }
}

fn send(ws: &mut Ws, env: &ClientEnvelope) {
    ws.send(Message::text(env.to_json())).unwrap();
}

fn request(id: &str, command: Command) -> ClientEnvelope {
    ClientEnvelope::request(id.into(), Some(system_now_ms() + 10_000), command.into())
}

fn place() -> Position {
    Position([13.26, 53.56])
}

fn new_call() -> Command {
    Command::CreateIncident(CreateIncident {
        category: Category::Theft,
        priority: 3,
        location: place(),
        address: "Markt 1".into(),
        reported_at_ms: None,
        callback: Some("13812341234".into()),
        notes: vec![],
    })
}

/// The command of `kind` for a cell, after setting up (as an internal tool) what it needs to
/// succeed; `unit` is the cell's own unit.
fn fixture(server: &ServerHandle, kind: &str, unit: &str) -> Command {
    let u = UnitId::from(unit);
    let second = UnitId::from(format!("{unit}-b").as_str());
    let run = |commands: Vec<Command>| {
        for r in server.submit("setup", commands).unwrap() {
            r.unwrap();
        }
    };
    let incident = |server: &ServerHandle| {
        run(vec![new_call()]);
        let n = server.state().unwrap().incident_counter;
        IncidentId(format!("I-{n:06}"))
    };
    match kind {
        "dispatch" => {
            run(vec![sign_on(unit)]);
            let i = incident(server);
            Command::Dispatch(Dispatch {
                incident_id: i,
                unit_id: u,
                rank: None,
            })
        }
        "set_unit_status" => {
            run(vec![sign_on(unit)]);
            Command::SetUnitStatus(SetUnitStatus {
                unit_id: u,
                status: UnitStatus::OffDuty,
            })
        }
        "set_incident_status" => Command::SetIncidentStatus(SetIncidentStatus {
            incident_id: incident(server),
            status: IncidentStatus::Cancelled,
        }),
        "reassign" => {
            // The cell's unit is the one sent instead.
            run(vec![sign_on(second.as_str()), sign_on(unit)]);
            let i = incident(server);
            run(vec![Command::Dispatch(Dispatch {
                incident_id: i.clone(),
                unit_id: second.clone(),
                rank: None,
            })]);
            Command::Reassign(Reassign {
                incident_id: i,
                from_unit: second,
                to_unit: u,
            })
        }
        "move_up" => {
            run(vec![sign_on(unit)]);
            Command::MoveUp(MoveUp {
                unit_id: u,
                post: Posting {
                    post: "P-1".into(),
                    position: place(),
                },
            })
        }
        "sign_on" => sign_on(unit),
        "sign_off" => {
            run(vec![sign_on(unit)]);
            Command::SignOff(SignOff { unit_id: u })
        }
        "report_position" => {
            run(vec![sign_on(unit)]);
            Command::ReportPosition(ReportPosition {
                unit_id: u,
                position: Position([13.261, 53.561]),
                heading_deg: 90.0,
                speed_kmh: 30.0,
                fix_at_ms: system_now_ms(),
                stale_at_ms: None,
            })
        }
        "create_incident" => new_call(),
        "acknowledge" => Command::Acknowledge(Acknowledge {
            incident_id: incident(server),
        }),
        "update_incident" => Command::UpdateIncident(UpdateIncident {
            incident_id: incident(server),
            priority: Some(1),
            ..UpdateIncident::default()
        }),
        "add_note" => Command::AddNote(AddNote {
            incident_id: incident(server),
            text: "caller called back".into(),
            private: false,
        }),
        "link_call" => Command::LinkCall(LinkCall {
            incident_id: incident(server),
            text: "a second caller".into(),
            callback: None,
        }),
        "assign_patrol" => {
            run(vec![sign_on(unit)]);
            Command::AssignPatrol(onemap_core::feed::patrol::AssignPatrol {
                unit_id: u,
                patrol: Some(onemap_core::feed::patrol::PatrolPlan {
                    route_id: "PATROL-1".into(),
                    name: "Innenstadt".into(),
                    mode: "car".into(),
                    closed: true,
                    stops: vec![onemap_core::feed::patrol::PatrolStop {
                        at: place(),
                        dwell_s: 720.0,
                    }],
                }),
            })
        }
        other => panic!("no fixture for {other}: add one when a command is added"),
    }
}

const COMMANDS: &[&str] = Command::KINDS;

#[test]
fn only_the_allowed_cells_of_the_matrix_act_and_rejected_clients_receive_nothing() {
    let db = temp_db("matrix");
    let mut tokens = Vec::new();
    let mut revoked = Vec::new();
    {
        let mut ids = IdentityDb::open(&db).unwrap();
        for (r, role) in Role::ALL.into_iter().enumerate() {
            let units: Vec<UnitId> = if role == Role::Device {
                COMMANDS
                    .iter()
                    .enumerate()
                    .map(|(k, _)| UnitId::from(format!("U-{r}-{k}").as_str()))
                    .collect()
            } else {
                vec![]
            };
            let name = format!("id-{}", role.name());
            tokens.push(ids.create(&name, role, &units, 0, false).unwrap());
            let gone = format!("gone-{}", role.name());
            revoked.push(ids.create(&gone, role, &units, 0, false).unwrap());
            ids.revoke(&gone, 1).unwrap();
        }
    }
    let server = serve(&db, lenient());

    // No token, a wrong one, a revoked one: one `unauthorized` error and the close, nothing
    // else at all, and nothing changes.
    let seq = server.state().unwrap().last_seq;
    for (r, role) in Role::ALL.into_iter().enumerate() {
        for (k, kind) in COMMANDS.iter().enumerate() {
            let unit = format!("U-{r}-{k}");
            let command = match *kind {
                "create_incident" => new_call(),
                _ => sign_on(&unit),
            };
            let cases: [(&str, Option<&str>); 3] = [
                ("none", None),
                ("wrong", Some("om_not-a-token")),
                ("revoked", Some(revoked[r].as_str())),
            ];
            for (what, bearer) in cases {
                let mut ws = open(&server, bearer);
                hello(&mut ws);
                send(&mut ws, &request("x", command.clone()));
                let frames = until_closed(&mut ws);
                assert_eq!(frames.len(), 1, "{what} × {role} × {kind}: {frames:?}");
                assert_eq!(frames[0]["kind"], "error", "{what} × {role} × {kind}");
                assert_eq!(frames[0]["body"]["code"], "unauthorized");
            }
        }
    }
    assert_eq!(server.state().unwrap().last_seq, seq, "nothing acted");

    // Valid tokens: exactly the cells the policy allows act; the others are `forbidden`,
    // naming the role and the command, and change nothing.
    for (r, role) in Role::ALL.into_iter().enumerate() {
        let mut ws = open(&server, Some(&tokens[r]));
        hello(&mut ws);
        let welcome = next(&mut ws, &["welcome"], None);
        assert_eq!(welcome["body"]["role"], role.name());
        for (k, kind) in COMMANDS.iter().enumerate() {
            let command = fixture(&server, kind, &format!("U-{r}-{k}"));
            let before = server.state().unwrap();
            let id = format!("{r}-{k}");
            send(&mut ws, &request(&id, command));
            let answer = next(&mut ws, &["command_result"], Some(&id));
            let allowed = onemap_core::feed::policy::grant(role, kind)
                != onemap_core::feed::policy::Grant::No;
            let body = &answer["body"];
            assert_eq!(body["ok"], allowed, "{role} × {kind}: {answer}");
            if !allowed {
                assert_eq!(body["refusal"]["code"], "forbidden", "{role} × {kind}");
                let message = body["message"].as_str().unwrap();
                assert!(
                    message.contains(role.name()) && message.contains(kind),
                    "{message}"
                );
                assert_eq!(
                    server.state().unwrap(),
                    before,
                    "{role} × {kind} changed nothing"
                );
            }
        }
        // Queries and notes are in the table too.
        let query = ClientEnvelope::request(
            "q".into(),
            None,
            ClientMessage::AuditQuery(onemap_core::feed::wire::AuditQuery {
                before_id: None,
                limit: 5,
                ..Default::default()
            }),
        );
        send(&mut ws, &query);
        let got = next(&mut ws, &["audit_page", "error"], None);
        let may_query = matches!(role, Role::Admin | Role::Commander);
        assert_eq!(got["kind"] == "audit_page", may_query, "{role}: {got}");
        if !may_query {
            assert_eq!(got["body"]["code"], "forbidden");
        }
    }
    // A device may speak only for its own units.
    let device = Role::ALL.iter().position(|r| *r == Role::Device).unwrap();
    let mut ws = open(&server, Some(&tokens[device]));
    hello(&mut ws);
    send(&mut ws, &request("theirs", sign_on("U-0-0-x")));
    let answer = next(&mut ws, &["command_result"], Some("theirs"));
    assert_eq!(answer["body"]["refusal"]["code"], "forbidden");

    // Every denial is in the audit log, with the identity and the peer address, and the log's
    // chain is intact.
    let audit = server.audit_page(None, 5000).unwrap();
    let denied_sign_ins = audit.iter().filter(|e| e.action == "sign_in").count();
    assert_eq!(denied_sign_ins, 3 * Role::ALL.len() * COMMANDS.len());
    let forbidden = audit
        .iter()
        .filter(|e| e.ok == Some(false) && e.detail.starts_with("forbidden:"))
        .collect::<Vec<_>>();
    assert!(
        forbidden
            .iter()
            .any(|e| e.client.starts_with("id-wall (127.0.0.1:") && e.action == "dispatch"),
        "{forbidden:?}"
    );
    server.stop();
    assert!(matches!(
        SqliteStore::open(&db).unwrap().verify_audit().unwrap(),
        ChainCheck::Intact { .. }
    ));
}

#[test]
fn a_revoked_identity_is_disconnected_within_five_seconds() {
    let db = temp_db("revoke");
    let desk = commander(&db, "desk-9");
    let server = serve(&db, HubConfig::default());
    let mut ws = open(&server, Some(&desk));
    hello(&mut ws);
    next(&mut ws, &["welcome"], None);
    // The token tool, as a separate connection to the file, as an operator would run it.
    let t = Instant::now();
    IdentityDb::open(&db)
        .unwrap()
        .revoke("desk-9", system_now_ms())
        .unwrap();
    let frames = until_closed(&mut ws);
    let took = t.elapsed();
    assert!(took < Duration::from_secs(5), "ended after {took:?}");
    let last = frames.last().unwrap();
    assert_eq!(last["body"]["code"], "unauthorized", "{frames:?}");
    assert!(
        last["body"]["message"]
            .as_str()
            .unwrap()
            .contains("revoked")
    );
    // And it cannot come back.
    let mut again = open(&server, Some(&desk));
    hello(&mut again);
    let frames = until_closed(&mut again);
    assert_eq!(frames.len(), 1);
    let audit = server.audit_page(None, 100).unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "identity_revoked" && e.detail == "desk-9")
    );
    assert!(audit.iter().any(|e| e.action == "session_ended"));
    server.stop();
}

#[test]
fn five_failed_sign_ins_block_the_address_for_a_while_audited_once() {
    let db = temp_db("block");
    let good = commander(&db, "desk-1");
    let server = serve(&db, HubConfig::default());
    for _ in 0..5 {
        let mut ws = open(&server, Some("om_guess"));
        hello(&mut ws);
        assert_eq!(until_closed(&mut ws).len(), 1);
    }
    // Now even the right token is turned away from this address.
    let mut ws = open(&server, Some(&good));
    hello(&mut ws);
    let frames = until_closed(&mut ws);
    assert_eq!(frames.len(), 1);
    let message = frames[0]["body"]["message"].as_str().unwrap();
    assert!(message.contains("too many failed sign-ins"), "{message}");
    let audit = server.audit_page(None, 100).unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "sign_in").count(), 5);
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "sign_in_blocked")
            .count(),
        1
    );
    server.stop();
}

#[test]
fn a_wall_never_receives_a_callback_number_over_ten_thousand_events() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let db = temp_db("redact");
    let wall = token(&db, "wall-1", Role::Wall);
    let desk = commander(&db, "desk-1");
    let server = serve(&db, HubConfig::default());
    let number = regex::Regex::new(r"\b1[3-9]\d{9}\b").unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let wall_frames = Arc::new(AtomicUsize::new(0));
    // Readers on their own threads, so they keep up; each counts frames and what it saw.
    let reader = |token: String, counter: Arc<AtomicUsize>| {
        let mut ws = open(&server, Some(&token));
        hello(&mut ws);
        let (number, done) = (number.clone(), done.clone());
        std::thread::spawn(move || {
            let (mut hits, mut private) = (0usize, 0usize);
            while !done.load(Ordering::SeqCst) {
                let Ok(Message::Text(t)) = ws.read() else {
                    continue;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                hits += number.find_iter(&t).count();
                private += t.matches("private detail").count();
            }
            (hits, private)
        })
    };
    let wall_reader = reader(wall.clone(), wall_frames.clone());
    let desk_reader = reader(desk, Arc::new(AtomicUsize::new(0)));
    let units: Vec<Command> = (0..50).map(|k| sign_on(&format!("U-{k}"))).collect();
    for r in server.submit("setup", units).unwrap() {
        r.unwrap();
    }
    // Calls with callback numbers and private notes, and positions, until the wall has had
    // 10,000 events.
    let end = Instant::now() + Duration::from_secs(60);
    let mut n = 0u64;
    while wall_frames.load(Ordering::SeqCst) < 10_000 {
        assert!(Instant::now() < end, "the wall got {wall_frames:?} events");
        let mut batch = Vec::new();
        for _ in 0..4 {
            n += 1;
            batch.push(Command::CreateIncident(CreateIncident {
                category: Category::Dispute,
                priority: 2,
                location: place(),
                address: format!("Straße {n}"),
                reported_at_ms: None,
                callback: Some(format!("13{}{:08}", n % 10, n * 7919 % 100_000_000)),
                notes: vec![onemap_core::feed::Note::new(
                    format!("private detail {n}"),
                    true,
                )],
            }));
        }
        for k in 0..50 {
            batch.push(Command::ReportPosition(ReportPosition {
                unit_id: format!("U-{k}").as_str().into(),
                position: Position([13.26 + (n as f64) * 1e-6, 53.56]),
                heading_deg: 0.0,
                speed_kmh: 20.0,
                fix_at_ms: system_now_ms(),
                stale_at_ms: None,
            }));
        }
        for r in server.submit("call-taker", batch).unwrap() {
            r.unwrap();
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    // A wall that connects now gets a snapshot of all of it, through the same redaction.
    let mut late = open(&server, Some(&wall));
    hello(&mut late);
    let snapshot = next(&mut late, &["snapshot"], None);
    let text = snapshot.to_string();
    assert!(text.contains("Straße 1"), "the snapshot has the calls");
    assert_eq!(
        number.find_iter(&text).count(),
        0,
        "the snapshot is redacted"
    );
    std::thread::sleep(Duration::from_millis(300));
    done.store(true, Ordering::SeqCst);
    let (hits, private) = wall_reader.join().unwrap();
    assert_eq!(
        (hits, private),
        (0, 0),
        "the wall saw callback numbers or private notes"
    );
    // The test can fail: the commander's frames do carry them.
    let (hits, private) = desk_reader.join().unwrap();
    assert!(
        hits as u64 >= n && private as u64 >= n,
        "{hits} {private} of {n}"
    );
    server.stop();
}

#[test]
fn the_token_and_audit_tools_never_show_a_token_twice_and_find_tampering() {
    let db = temp_db("tools");
    let dir = db.with_extension("d");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let tool = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_onemap-feed"))
            .args(args)
            .arg("--db")
            .arg(&db)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let file = dir.join("desk.token");
    let file_arg = file.to_str().unwrap();
    let (ok, _, err) = tool(&[
        "token",
        "create",
        "--name",
        "desk-1",
        "--role",
        "commander",
        "--out",
        file_arg,
    ]);
    assert!(ok, "{err}");
    let token = std::fs::read_to_string(&file).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let (ok, _, err) = tool(&["token", "create", "--name", "car", "--role", "device"]);
    assert!(!ok && err.contains("--units"), "{err}");
    let (ok, _, err) = tool(&["token", "create", "--name", "x", "--role", "root"]);
    assert!(!ok && err.contains("unknown role \"root\""), "{err}");
    let (ok, list, _) = tool(&["token", "list"]);
    assert!(ok && list.contains("desk-1") && list.contains("commander"));
    assert!(!list.contains(token.trim()), "list never shows a token");
    let (ok, _, _) = tool(&["token", "revoke", "desk-1"]);
    assert!(ok);
    let (ok, _, err) = tool(&["token", "revoke", "desk-1"]);
    assert!(!ok && err.contains("no live identity"), "{err}");

    // A server writes some audit rows; verify finds them intact, then an edit.
    let server = serve(&db, lenient());
    let mut ws = open(&server, Some("om_wrong"));
    hello(&mut ws);
    until_closed(&mut ws);
    server.stop();
    let (ok, out, err) = tool(&["audit", "verify"]);
    assert!(ok && out.contains("intact"), "{out} {err}");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("UPDATE audit SET client = 'someone else' WHERE id = 1", [])
        .unwrap();
    let (ok, _, err) = tool(&["audit", "verify"]);
    assert!(!ok && err.contains("breaks at row 1"), "{err}");
}
