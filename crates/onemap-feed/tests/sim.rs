//! The simulator on the demo city: deterministic for a seed, units on roads, incidents at
//! addresses, dispatched units arriving and clearing; and a client that survives a
//! misbehaving server.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed set-up is a failed test

use std::time::Duration;

mod common;

use common::world;
use onemap_core::feed::lifecycle::MoveUp;
use onemap_core::feed::{
    Command, Envelope, FeedState, IncidentStatus, ServerEvent, UnitStatus, decide,
};
use onemap_feed::client::{ClientConfig, ClientEvent, FeedClient};
use onemap_feed::sim::{Sim, SimConfig};

/// Carries out commands as the hub does: the rules decide, the events are applied in order.
/// Refused commands (a race with the state) are skipped, as the hub skips them.
#[derive(Default)]
struct Applier {
    seq: u64,
    json: Vec<String>,
}

impl Applier {
    fn run(&mut self, commands: Vec<Command>, state: &mut FeedState, now: i64) {
        for c in commands {
            let Ok(events) = decide(state, &c, now, "simulator") else {
                continue;
            };
            for event in events {
                self.seq += 1;
                let env = Envelope::new(self.seq, now, event);
                self.json.push(env.to_json());
                state.apply(&env);
            }
        }
    }
}

/// Run a simulator for `steps` of one second, carrying out its commands; all events as JSON.
fn run(cfg: SimConfig, steps: i64) -> (Vec<String>, FeedState) {
    let t0 = 1_795_400_000_000;
    let mut state = FeedState::default();
    let (mut sim, first) = Sim::new(cfg, world(), &state, t0);
    let mut applier = Applier::default();
    applier.run(first, &mut state, t0);
    for k in 1..=steps {
        let now = t0 + k * 1000;
        let commands = sim.step(now, &state);
        applier.run(commands, &mut state, now);
    }
    (applier.json, state)
}

#[test]
fn deterministic_for_a_seed_and_units_work_their_incidents() {
    let cfg = SimConfig {
        seed: 7,
        units: 10,
        incidents_per_hour: 600.0,
        auto_dispatch_after_ms: Some(5_000),
        on_scene_ms: (20_000, 40_000),
        ..SimConfig::default()
    };
    let (a, state) = run(cfg.clone(), 400);
    let (b, _) = run(cfg.clone(), 400);
    assert_eq!(a, b, "same seed, same steps: same events");
    let (c, _) = run(SimConfig { seed: 8, ..cfg }, 400);
    assert_ne!(a, c, "another seed, another city day");

    assert_eq!(state.units.len(), 10);
    let cleared = state
        .incidents
        .values()
        .filter(|i| i.status == IncidentStatus::Cleared)
        .count();
    assert!(
        cleared >= 3,
        "dispatched units drove there, stayed and cleared: {cleared}"
    );
    assert!(
        a.iter().any(|e| e.contains(r#""status":"on_scene""#)),
        "units arrive on scene"
    );
    // Every unit reported its position at 1 Hz (except while standing on scene).
    let positions = a
        .iter()
        .filter(|e| e.contains(r#""kind":"unit_position""#))
        .count();
    assert!(positions >= 10 * 350, "{positions}");
    assert!(
        state
            .units
            .values()
            .all(|u| u.status != UnitStatus::OffDuty)
    );
}

#[test]
fn the_client_survives_a_misbehaving_server() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(stream).await.unwrap();
        let _hello = ws.next().await;
        for bad in [
            Message::text("garbage"),
            Message::text(r#"{"v":2,"seq":1,"ts":0,"kind":"incident_created","body":{"id":5}}"#),
            Message::text(r#"{"v":2,"seq":2,"ts":0,"kind":"weather","body":{}}"#),
            Message::binary(vec![1u8, 2, 3]),
            Message::text(
                r#"{"v":2,"seq":3,"ts":0,"kind":"snapshot","body":{"incidents":[],"units":[]}}"#,
            ),
        ] {
            ws.send(bad).await.unwrap();
        }
        // Then it vanishes without a close frame.
        drop(ws);
    });
    let mut client = FeedClient::spawn(
        ClientConfig {
            capacity: 100,
            ..ClientConfig::new(format!("ws://{addr}"), "t")
        },
        || {},
    )
    .unwrap();
    let mut bad = 0;
    let mut snapshot = false;
    let mut disconnected = false;
    let end = std::time::Instant::now() + Duration::from_secs(10);
    while std::time::Instant::now() < end && !(snapshot && disconnected) {
        match client.recv_timeout(Duration::from_millis(100)) {
            Some(ClientEvent::BadMessage(_)) => bad += 1,
            Some(ClientEvent::Event(env)) => {
                snapshot |= matches!(env.event, ServerEvent::Snapshot(_))
            }
            Some(ClientEvent::Status(onemap_feed::client::ConnStatus::Disconnected { .. })) => {
                disconnected = true;
            }
            _ => {}
        }
    }
    assert_eq!(bad, 4, "each bad message reported and skipped");
    assert!(snapshot, "the good message after them still arrives");
    assert!(
        disconnected,
        "the vanished server is noticed; the client goes on retrying"
    );
    client.stop();
}

#[test]
fn a_restarted_simulator_finishes_the_responses_under_way() {
    let cfg = SimConfig {
        seed: 3,
        units: 6,
        incidents_per_hour: 0.0,
        initial_incidents: 4,
        auto_dispatch_after_ms: Some(1_000),
        on_scene_ms: (10_000, 20_000),
        ..SimConfig::default()
    };
    // Run until units are en route, then start a new simulator on that state (a restart).
    let t0 = 1_795_400_000_000;
    let mut state = FeedState::default();
    let (mut sim, first) = Sim::new(cfg.clone(), world(), &state, t0);
    let mut applier = Applier::default();
    applier.run(first, &mut state, t0);
    for k in 1..=5 {
        let commands = sim.step(t0 + k * 1000, &state);
        applier.run(commands, &mut state, t0 + k * 1000);
    }
    let busy = state
        .units
        .values()
        .filter(|u| u.status == UnitStatus::EnRoute)
        .count();
    assert!(busy >= 1, "units en route before the restart");
    let (mut again, _) = Sim::new(cfg, world(), &state, t0 + 5000);
    // An hour: long enough for a foot patrol sent across town.
    for k in 6..=3600 {
        let commands = again.step(t0 + k * 1000, &state);
        applier.run(commands, &mut state, t0 + k * 1000);
    }
    assert!(
        state
            .incidents
            .values()
            .all(|i| i.status == IncidentStatus::Cleared),
        "every response finished after the restart: {:?}",
        state
            .incidents
            .values()
            .map(|i| i.status)
            .collect::<Vec<_>>()
    );
    assert!(
        state
            .units
            .values()
            .all(|u| u.status == UnitStatus::Available)
    );
}

#[test]
fn a_unit_moved_up_drives_to_its_post_and_stands_by_there() {
    let cfg = SimConfig {
        seed: 5,
        units: 4,
        incidents_per_hour: 0.0,
        initial_incidents: 0,
        auto_dispatch_after_ms: None,
        ..SimConfig::default()
    };
    let t0 = 1_795_400_000_000;
    let mut state = FeedState::default();
    let (mut sim, first) = Sim::new(cfg, world(), &state, t0);
    let mut applier = Applier::default();
    applier.run(first, &mut state, t0);
    let unit = state.units.values().next().unwrap().id.clone();
    // The Marktplatz in the centre of Neubrandenburg.
    let post = onemap_core::coord::LonLat::new(13.2615, 53.5575);
    applier.run(
        vec![Command::MoveUp(MoveUp {
            unit_id: unit.clone(),
            post: onemap_core::feed::Posting {
                post: "P-test".into(),
                position: post.into(),
            },
        })],
        &mut state,
        t0,
    );
    let dist =
        |s: &FeedState| onemap_core::coord::haversine_m(s.units[&unit].position.lonlat(), post);
    let start = dist(&state);
    let mut arrived_at = None;
    for k in 1..=1800 {
        let commands = sim.step(t0 + k * 1000, &state);
        applier.run(commands, &mut state, t0 + k * 1000);
        if arrived_at.is_none() && dist(&state) < 150.0 {
            arrived_at = Some(k);
        }
    }
    let k = arrived_at.unwrap_or_else(|| panic!("never reached the post ({start:.0} m away)"));
    assert!(
        dist(&state) < 150.0,
        "stays at the post: {:.0} m",
        dist(&state)
    );
    assert_eq!(
        state.units[&unit].status,
        UnitStatus::Available,
        "available throughout"
    );
    assert!(state.units[&unit].posted.is_some());
    eprintln!("moved up {start:.0} m in {k} s");
}

/// `simulate --feed`: the simulator signs in with ordinary tokens and drives a live city over
/// the socket. Each command goes through an identity whose role may send it, and a second
/// console sees the units move and the calls arrive. With a gateway token alone, units move
/// and no call is made.
#[test]
fn the_remote_simulator_is_an_ordinary_producer() {
    use common::{Console, temp_db, token};
    use onemap_core::feed::Role;
    use onemap_feed::server::{ServerConfig, start};
    use onemap_feed::sim::remote::{RemoteConfig, run as run_remote};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let db = temp_db("remote-sim");
    let server = start(ServerConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        db.clone(),
    ))
    .unwrap();
    let url = format!("ws://{}", server.addr);
    let tokens = vec![
        token(&db, "avl-sim", Role::Gateway),
        token(&db, "calls-sim", Role::CallTaker),
        token(&db, "desk-sim", Role::Commander),
    ];
    let watch = token(&db, "watch", Role::Viewer);
    let cfg = SimConfig {
        units: 6,
        incidents_per_hour: 1800.0,
        auto_dispatch_after_ms: Some(1_000),
        initial_incidents: 3,
        ..SimConfig::default()
    };
    let drive = |tokens: Vec<String>, cfg: SimConfig| {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let url = url.clone();
        let thread = std::thread::spawn(move || {
            run_remote(&RemoteConfig::new(url, tokens), world(), cfg, &flag, |_| {}).unwrap()
        });
        (stop, thread)
    };

    let (stop, thread) = drive(tokens.clone(), cfg.clone());
    let mut console = Console::connect(&url, &watch);
    console.pump_until(|c| {
        c.state.units.len() == 6
            && c.state.incidents.len() >= 3
            && c.state.units.values().any(|u| u.incident_id.is_some())
    });
    let start: Vec<_> = console.state.units.values().map(|u| u.position).collect();
    console.pump_until(|c| {
        c.state
            .units
            .values()
            .zip(&start)
            .filter(|(u, p)| u.position != **p)
            .count()
            >= 3
    });
    stop.store(true, Ordering::SeqCst);
    let report = thread.join().unwrap();
    let mut names: Vec<_> = report.identities.clone();
    names.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        names,
        vec![
            ("avl-sim".to_owned(), Role::Gateway),
            ("calls-sim".to_owned(), Role::CallTaker),
            ("desk-sim".to_owned(), Role::Commander),
        ]
    );
    assert!(report.no_sender.is_empty(), "{report}");
    assert!(report.accepted > 6 + 3, "{report}");
    // Nothing is sent that its identity may not send.
    assert_eq!(report.refused.get("forbidden"), None, "{report}");

    // A gateway alone: units move (they are the same units, continued), no call is made.
    let calls = console.state.incident_counter;
    let (stop, thread) = drive(tokens[..1].to_vec(), cfg);
    let before: Vec<_> = console.state.units.values().map(|u| u.fix_at_ms).collect();
    console.pump_until(|c| {
        c.state
            .units
            .values()
            .zip(&before)
            .filter(|(u, t)| u.fix_at_ms > **t)
            .count()
            >= 3
    });
    std::thread::sleep(Duration::from_millis(1500));
    stop.store(true, Ordering::SeqCst);
    let report = thread.join().unwrap();
    console.pump_until(|_| true);
    assert_eq!(console.state.units.len(), 6);
    assert_eq!(
        console.state.incident_counter, calls,
        "no call without a call-taker"
    );
    assert!(report.no_sender.contains_key("create_incident"), "{report}");
    assert!(report.accepted > 0, "{report}");
    server.stop();
}

#[test]
fn a_unit_given_a_patrol_drives_it_and_stops_at_each_stop() {
    use onemap_core::feed::patrol::{AssignPatrol, PatrolPlan, PatrolStop};
    let cfg = SimConfig {
        seed: 7,
        units: 3,
        incidents_per_hour: 0.0,
        initial_incidents: 0,
        auto_dispatch_after_ms: None,
        ..SimConfig::default()
    };
    let t0 = 1_795_400_000_000;
    let mut state = FeedState::default();
    let w = world();
    let graph = w.graph.clone();
    let (mut sim, first) = Sim::new(cfg, w, &state, t0);
    let mut applier = Applier::default();
    applier.run(first, &mut state, t0);
    let unit = state
        .units
        .values()
        .find(|u| u.kind == onemap_core::feed::UnitKind::PatrolCar)
        .unwrap()
        .id
        .clone();
    // Three stops in the town centre, on the roads (as a console sends them): 2 minutes at
    // the first, a point passed through, 1 minute at the third.
    let stop = |lon: f64, lat: f64, dwell_s: f64| {
        let at = onemap_core::coord::LonLat::new(lon, lat);
        let on_road = graph
            .snap(at, onemap_core::routing::Mode::Car, 300.0)
            .unwrap()
            .point;
        PatrolStop {
            at: on_road.into(),
            dwell_s,
        }
    };
    let plan = PatrolPlan {
        route_id: "PATROL-1".into(),
        name: "Innenstadt".into(),
        mode: "car".into(),
        closed: true,
        stops: vec![
            stop(13.2615, 53.5575, 120.0),
            stop(13.2700, 53.5560, 0.0),
            stop(13.2560, 53.5530, 60.0),
        ],
    };
    let assign = Command::AssignPatrol(AssignPatrol {
        unit_id: unit.clone(),
        patrol: Some(plan),
    });
    // A device may not assign patrols; the rules accept a well-formed one.
    assert!(decide(&state, &assign, t0, "planner").is_ok());
    applier.run(vec![assign], &mut state, t0);
    assert_eq!(state.units[&unit].patrol.as_ref().unwrap().next, 0);
    let mut seen_next = vec![0usize];
    let mut dwell_start = None;
    let mut dwelt_ms = 0;
    for k in 1..=3600 {
        let now = t0 + k * 1000;
        let commands = sim.step(now, &state);
        applier.run(commands, &mut state, now);
        let p = state.units[&unit].patrol.as_ref().unwrap();
        if *seen_next.last().unwrap() != p.next {
            seen_next.push(p.next);
        }
        // The dwell at the first stop: from the arrival it ended with to the step on.
        match (p.next, p.arrived_at_ms, dwell_start) {
            (0, Some(at), _) if p.laps == 0 => dwell_start = Some(at),
            (1 | 2, _, Some(at)) if dwelt_ms == 0 => dwelt_ms = now - at,
            _ => {}
        }
        if p.laps >= 1 && p.next == 1 {
            break;
        }
    }
    let p = state.units[&unit].patrol.as_ref().unwrap();
    assert!(p.laps >= 1, "a lap done: stops in order {seen_next:?}");
    assert_eq!(&seen_next[..4], &[0, 1, 2, 0], "the stops in order");
    assert_eq!(p.missed, 0, "no stop missed");
    assert!(
        (120_000..=122_000).contains(&dwelt_ms),
        "stayed 2 minutes at the first stop: {dwelt_ms} ms"
    );
    assert_eq!(state.units[&unit].status, UnitStatus::Available);
    // Ended: the unit patrols freely again.
    let end = Command::AssignPatrol(AssignPatrol {
        unit_id: unit.clone(),
        patrol: None,
    });
    applier.run(vec![end], &mut state, t0 + 3_700_000);
    assert!(state.units[&unit].patrol.is_none());
}
