//! Producers end to end: a gateway reporting positions and a call-taker opening and updating
//! calls over the real socket, against the real server with a served area. Every bad field is
//! answered with a refusal that names it, and nothing of it reaches the log or the picture.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::TcpStream;
use std::time::Duration;

use common::{demo_osm, temp_db, token};
use onemap_core::feed::area::ServedArea;
use onemap_core::feed::lifecycle::{
    AddNote, CreateIncident, LinkCall, ReportPosition, SignOn, UpdateIncident,
};
use onemap_core::feed::{
    Category, ClientEnvelope, Command, IncidentId, Position, Role, UnitId, UnitKind,
};
use onemap_feed::clock::system_now_ms;
use onemap_feed::hub::HubConfig;
use onemap_feed::server::{ServerConfig, ServerHandle, start};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::stream::MaybeTlsStream;
use tokio_tungstenite::tungstenite::{Message, WebSocket};

type Ws = WebSocket<MaybeTlsStream<TcpStream>>;

fn open(server: &ServerHandle, bearer: &str) -> Ws {
    let mut request = format!("ws://{}", server.addr)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {bearer}").parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::tungstenite::connect(request).unwrap();
    if let MaybeTlsStream::Plain(s) = ws.get_ref() {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    }
    let text = r#"{"v":2,"kind":"hello","body":{"last_seq":0}}"#;
    ws.send(Message::text(text)).unwrap();
    next(&mut ws, &["welcome"], None);
    ws
}

/// The next frame of one of `kinds` (whose body has `request_id`, if given).
fn next(ws: &mut Ws, kinds: &[&str], request_id: Option<&str>) -> serde_json::Value {
    loop {
        let Message::Text(t) = ws.read().expect("the server answers") else {
            continue;
        };
        let v: serde_json::Value = serde_json::from_str(&t).unwrap();
        if kinds.iter().any(|k| v["kind"] == *k)
            && request_id.is_none_or(|r| v["body"]["request_id"] == r)
        {
            return v;
        }
    }
}

/// Send a command and return its answer's body.
fn ask(ws: &mut Ws, id: &str, command: Command) -> serde_json::Value {
    let env = ClientEnvelope::request(id.into(), Some(system_now_ms() + 10_000), command.into());
    ws.send(Message::text(env.to_json())).unwrap();
    next(ws, &["command_result"], Some(id))["body"].clone()
}

fn report(unit: &str, lon: f64, lat: f64, fix_at_ms: i64) -> ReportPosition {
    ReportPosition {
        unit_id: unit.into(),
        position: Position([lon, lat]),
        heading_deg: 45.0,
        speed_kmh: 30.0,
        fix_at_ms,
        stale_at_ms: None,
    }
}

fn call(lon: f64, lat: f64) -> CreateIncident {
    CreateIncident {
        category: Category::Dispute,
        priority: 2,
        location: Position([lon, lat]),
        address: "Friedrich-Engels-Ring 1".into(),
        reported_at_ms: None,
        callback: Some("+49 395 555 0101".into()),
        notes: vec![],
    }
}

/// A refusal of `field` (an `invalid` code), and the log not one event longer.
fn refused(server: &ServerHandle, answer: &serde_json::Value, code: &str, field: Option<&str>) {
    assert_eq!(answer["ok"], false, "{answer}");
    assert_eq!(answer["refusal"]["code"], code, "{answer}");
    if let Some(f) = field {
        assert_eq!(answer["refusal"]["field"], f, "{answer}");
        assert!(
            answer["refusal"]["reason"]
                .as_str()
                .is_some_and(|r| !r.is_empty()),
            "{answer}"
        );
    }
    let _ = server;
}

#[test]
fn bad_producer_input_is_refused_by_field_and_nothing_of_it_is_stored() {
    let db = temp_db("producers");
    let osm = demo_osm();
    let (lo, hi) = (osm.bounds.min, osm.bounds.max);
    let (lon, lat) = ((lo.lon + hi.lon) / 2.0, (lo.lat + hi.lat) / 2.0);
    let hub = HubConfig {
        served: Some(ServedArea::around(osm.bounds, 2_000.0)),
        ..HubConfig::default()
    };
    let server = start(ServerConfig {
        hub,
        ..ServerConfig::new("127.0.0.1:0".parse().unwrap(), db.clone())
    })
    .unwrap();
    let mut gateway = open(&server, &token(&db, "avl-gw", Role::Gateway));
    let mut desk = open(&server, &token(&db, "ct-1", Role::CallTaker));
    let mut commander = open(&server, &token(&db, "cmd-1", Role::Commander));

    let sign_on = |id: &str, lon: f64| {
        Command::SignOn(SignOn {
            unit_id: id.into(),
            call_sign: format!("Funk {id}"),
            kind: UnitKind::PatrolCar,
            position: Position([lon, lat]),
            fix_at_ms: None,
            stale_at_ms: None,
        })
    };
    assert_eq!(ask(&mut gateway, "s1", sign_on("car-7", lon))["ok"], true);
    let seq = |s: &ServerHandle| s.state().unwrap().last_seq;

    // Every bad field of the unit commands: refused, the log unchanged.
    let t = system_now_ms();
    let before = seq(&server);
    let far = sign_on("car-8", lon + 5.0);
    refused(
        &server,
        &ask(&mut gateway, "b1", far),
        "invalid",
        Some("position"),
    );
    let cases: Vec<(Command, &str)> = vec![
        (
            Command::ReportPosition(report("car-7", lon + 5.0, lat, t)),
            "position",
        ),
        (
            Command::ReportPosition(report("car-7", 181.0, lat, t)),
            "position",
        ),
        (
            Command::ReportPosition(report("car-7", lon, lat, t + 60_000)),
            "fix_at_ms",
        ),
        (
            Command::ReportPosition(ReportPosition {
                heading_deg: 400.0,
                ..report("car-7", lon, lat, t)
            }),
            "heading_deg",
        ),
        (
            Command::ReportPosition(ReportPosition {
                speed_kmh: -3.0,
                ..report("car-7", lon, lat, t)
            }),
            "speed_kmh",
        ),
    ];
    for (k, (cmd, field)) in cases.into_iter().enumerate() {
        let answer = ask(&mut gateway, &format!("bad-{k}"), cmd);
        refused(&server, &answer, "invalid", Some(field));
    }
    assert_eq!(seq(&server), before, "nothing refused reached the log");
    let unit = server.state().unwrap().units[&UnitId::from("car-7")].clone();
    assert_eq!(unit.position, Position([lon, lat]), "the unit did not move");

    // A good fix, then one older than it.
    let ok = ask(
        &mut gateway,
        "g1",
        Command::ReportPosition(report("car-7", lon + 0.001, lat, t)),
    );
    assert_eq!(ok["ok"], true, "{ok}");
    let old = Command::ReportPosition(report("car-7", lon, lat, t - 5_000));
    refused(
        &server,
        &ask(&mut gateway, "o1", old),
        "invalid",
        Some("fix_at_ms"),
    );

    // Five reports a second per unit; the sixth in the same second is refused. The first
    // report of a fresh second starts the count.
    let start = system_now_ms();
    let wait = 1_000 - start.rem_euclid(1_000);
    std::thread::sleep(Duration::from_millis(wait as u64 + 20));
    let mut answers = Vec::new();
    let first = system_now_ms();
    for k in 0..7 {
        let fix = system_now_ms();
        let cmd = Command::ReportPosition(report("car-7", lon + 0.0001 * k as f64, lat, fix));
        answers.push(ask(&mut gateway, &format!("r{k}"), cmd));
    }
    let last = system_now_ms();
    let accepted = answers.iter().filter(|a| a["ok"] == true).count();
    let too_fast: Vec<_> = answers.iter().filter(|a| a["ok"] == false).collect();
    for a in &too_fast {
        assert_eq!(a["refusal"]["code"], "too_frequent", "{a}");
    }
    if first.div_euclid(1000) == last.div_euclid(1000) {
        assert_eq!((accepted, too_fast.len()), (5, 2), "{answers:?}");
    } else {
        // A very slow machine crossed into the next second: no more than 5 in either.
        assert!((5..=7).contains(&accepted), "{answers:?}");
    }

    // Calls: bad fields refused and nothing stored.
    let before = seq(&server);
    let bad_calls: Vec<(CreateIncident, &str)> = vec![
        (call(lon + 3.0, lat), "location"),
        (
            CreateIncident {
                priority: 7,
                ..call(lon, lat)
            },
            "priority",
        ),
        (
            CreateIncident {
                callback: Some("ring me".into()),
                ..call(lon, lat)
            },
            "callback",
        ),
        (
            CreateIncident {
                address: "x".repeat(300),
                ..call(lon, lat)
            },
            "address",
        ),
    ];
    for (k, (c, field)) in bad_calls.into_iter().enumerate() {
        let answer = ask(&mut desk, &format!("c{k}"), Command::CreateIncident(c));
        refused(&server, &answer, "invalid", Some(field));
    }
    assert_eq!(seq(&server), before);

    // A good call, corrected, annotated and called again: every console sees each step.
    assert_eq!(
        ask(&mut desk, "call", Command::CreateIncident(call(lon, lat)))["ok"],
        true
    );
    let created = next(&mut commander, &["incident_created"], None);
    let id = IncidentId::from(created["body"]["id"].as_str().unwrap());
    let upd = Command::UpdateIncident(UpdateIncident {
        incident_id: id.clone(),
        priority: Some(1),
        ..UpdateIncident::default()
    });
    assert_eq!(ask(&mut desk, "u1", upd)["ok"], true);
    let seen = next(&mut commander, &["incident_updated"], None);
    assert_eq!(seen["body"]["priority"], 1);
    let note = Command::AddNote(AddNote {
        incident_id: id.clone(),
        text: "caller says two people".into(),
        private: true,
    });
    assert_eq!(ask(&mut desk, "n1", note)["ok"], true);
    let seen = next(&mut commander, &["incident_updated"], None);
    let last = seen["body"]["notes"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["by"], "ct-1");
    assert_eq!(last["private"], true);
    let link = Command::LinkCall(LinkCall {
        incident_id: id.clone(),
        text: "second caller, same address".into(),
        callback: None,
    });
    assert_eq!(ask(&mut desk, "l1", link)["ok"], true);
    let seen = next(&mut commander, &["incident_updated"], None);
    assert_eq!(seen["body"]["calls"], 2);
    let before = seq(&server);
    let empty = Command::AddNote(AddNote {
        incident_id: id.clone(),
        text: " ".into(),
        private: false,
    });
    refused(
        &server,
        &ask(&mut desk, "n2", empty),
        "invalid",
        Some("text"),
    );
    assert_eq!(seq(&server), before);

    // The incident's timeline, from the server: each step with who and whether it was done.
    let ask_timeline = |ws: &mut Ws, id: &IncidentId, rid: &str| {
        let q = format!(
            r#"{{"v":2,"kind":"timeline","request_id":"{rid}","body":{{"incident_id":"{id}"}}}}"#
        );
        ws.send(Message::text(q)).unwrap();
        next(ws, &["timeline", "error"], None)
    };
    let page = ask_timeline(&mut desk, &id, "t1");
    assert_eq!(page["kind"], "timeline", "{page}");
    let steps: Vec<(String, String, bool)> = page["body"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["by"].as_str().unwrap().to_owned(),
                e["ok"].as_bool().unwrap(),
            )
        })
        .collect();
    let want: Vec<(String, String, bool)> = [
        ("create_incident", true),
        ("update_incident", true),
        ("add_note", true),
        ("link_call", true),
        ("add_note", false),
    ]
    .iter()
    .map(|(k, ok)| ((*k).to_owned(), "ct-1".to_owned(), *ok))
    .collect();
    assert_eq!(steps, want);
    // Not for a gateway (nor a wall: it is not redacted).
    let denied = ask_timeline(&mut gateway, &id, "t2");
    assert_eq!(denied["kind"], "error", "{denied}");
    assert_eq!(denied["body"]["code"], "forbidden", "{denied}");

    // The gateway may not open calls, the call-taker may not move units.
    let forbidden = ask(&mut gateway, "f1", Command::CreateIncident(call(lon, lat)));
    refused(&server, &forbidden, "forbidden", None);
    let forbidden = ask(
        &mut desk,
        "f2",
        Command::ReportPosition(report("car-7", lon, lat, system_now_ms())),
    );
    refused(&server, &forbidden, "forbidden", None);
}
