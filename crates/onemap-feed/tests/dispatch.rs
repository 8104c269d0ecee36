//! Dispatch commands end to end on 127.0.0.1: two real clients race to dispatch the same unit
//! (exactly one wins, the other is told why and both end with the same state), the incident
//! lifecycle by command with its times, and the audit log of all of it.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed set-up is a failed test

use std::path::PathBuf;
use std::time::{Duration, Instant};

use onemap_core::feed::{
    Category, ClientMessage, CommandResult, FeedState, Incident, IncidentStatus, Position, Posting,
    ServerEvent, ShownUnit, Unit, UnitKind, UnitStatus,
};
use onemap_feed::client::{ClientEvent, FeedClient};
use onemap_feed::log::audit_csv;
use onemap_feed::server::{ServerConfig, ServerHandle, start};

fn temp_db(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!(
        "onemap-dispatch-{name}-{}.sqlite",
        std::process::id()
    ));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
    }
    p
}

fn unit(id: &str) -> ServerEvent {
    ServerEvent::UnitJoined(Unit {
        id: id.into(),
        call_sign: id.into(),
        kind: UnitKind::PatrolCar,
        status: UnitStatus::Available,
        position: Position([13.26, 53.56]),
        heading_deg: 0.0,
        speed_kmh: 0.0,
        fix_at: 0,
        posted: None,
    })
}

fn incident(id: &str, reported_at: i64) -> ServerEvent {
    ServerEvent::IncidentCreated(Incident {
        id: id.into(),
        category: Category::Assault,
        priority: 1,
        location: Position([13.27, 53.55]),
        address: "Treptowstraße 1".into(),
        reported_at,
        status: IncidentStatus::New,
        assigned_units: vec![],
        times: Default::default(),
    })
}

struct Console {
    client: FeedClient,
    state: FeedState,
    results: Vec<CommandResult>,
    other: Vec<ServerEvent>,
}

impl Console {
    fn connect(server: &ServerHandle, name: &str) -> Console {
        let client =
            FeedClient::spawn(format!("ws://{}", server.addr), name.into(), 10_000, 0).unwrap();
        let mut c = Console {
            client,
            state: FeedState::default(),
            results: Vec::new(),
            other: Vec::new(),
        };
        c.pump_until(|c| c.state.last_seq > 0);
        c
    }

    fn pump_until(&mut self, mut done: impl FnMut(&Console) -> bool) {
        let end = Instant::now() + Duration::from_secs(10);
        while !done(self) {
            assert!(Instant::now() < end, "timed out");
            if let Ok(ClientEvent::Event(env)) =
                self.client.events.recv_timeout(Duration::from_millis(20))
            {
                match &env.event {
                    ServerEvent::CommandResult(r) => self.results.push(r.clone()),
                    e if !e.is_state() => self.other.push(e.clone()),
                    _ => {}
                }
                self.state.apply(&env);
            }
        }
    }

    fn command(&mut self, msg: ClientMessage) -> CommandResult {
        let id = request_id(&msg);
        self.client.send(msg);
        self.pump_until(|c| c.results.iter().any(|r| r.request_id == id));
        self.results
            .iter()
            .find(|r| r.request_id == id)
            .unwrap()
            .clone()
    }
}

fn request_id(msg: &ClientMessage) -> String {
    match msg {
        ClientMessage::AuditQuery { request_id, .. } => request_id.clone(),
        m => m.command_ids().map(|c| c.0.to_owned()).unwrap_or_default(),
    }
}

fn dispatch(request: &str, incident: &str, unit: &str) -> ClientMessage {
    ClientMessage::Dispatch {
        request_id: request.into(),
        incident_id: incident.into(),
        unit_id: unit.into(),
        rank: Some(1),
    }
}

fn set_incident(request: &str, incident: &str, status: IncidentStatus) -> ClientMessage {
    ClientMessage::SetIncidentStatus {
        request_id: request.into(),
        incident_id: incident.into(),
        status,
    }
}

#[test]
fn double_dispatch_race_has_exactly_one_winner_and_both_consoles_agree() {
    let db = temp_db("race");
    let server = start(ServerConfig::new("127.0.0.1:0".parse().unwrap(), db)).unwrap();
    let now = onemap_feed::server::now_ms();
    server
        .publish(vec![
            unit("U-1"),
            unit("U-2"),
            incident("I-1", now - 30_000),
            incident("I-2", now - 20_000),
        ])
        .unwrap();
    let mut a = Console::connect(&server, "console-a");
    let mut b = Console::connect(&server, "console-b");
    a.pump_until(|c| c.state.incidents.len() == 2);
    b.pump_until(|c| c.state.incidents.len() == 2);

    for round in 0..10 {
        // Both commanders send U-1 at once, each to their own incident.
        let (ra, rb) = (format!("a{round}"), format!("b{round}"));
        a.client.send(dispatch(&ra, "I-1", "U-1"));
        b.client.send(dispatch(&rb, "I-2", "U-1"));
        a.pump_until(|c| c.results.iter().any(|r| r.request_id == ra));
        b.pump_until(|c| c.results.iter().any(|r| r.request_id == rb));
        let result_a = a
            .results
            .iter()
            .find(|r| r.request_id == ra)
            .unwrap()
            .clone();
        let result_b = b
            .results
            .iter()
            .find(|r| r.request_id == rb)
            .unwrap()
            .clone();
        assert!(
            result_a.ok != result_b.ok,
            "exactly one wins: {result_a:?} {result_b:?}"
        );
        let loser = if result_a.ok { &result_b } else { &result_a };
        assert!(
            loser
                .message
                .contains("conflict: unit U-1 is not available (dispatched)"),
            "{}",
            loser.message
        );
        let winner_incident = if result_a.ok { "I-1" } else { "I-2" };
        // Both views converge on the winner's dispatch.
        for c in [&mut a, &mut b] {
            c.pump_until(|c| {
                c.state.units["U-1"].status == UnitStatus::Dispatched
                    && c.state.incidents[winner_incident].assigned_units == ["U-1"]
            });
        }
        assert_eq!(a.state.incidents, b.state.incidents);
        let other = if winner_incident == "I-1" {
            "I-2"
        } else {
            "I-1"
        };
        assert!(a.state.incidents[other].assigned_units.is_empty());
        assert_eq!(a.state.incidents[other].status, IncidentStatus::New);
        // Stand the unit down for the next round.
        let r = a.command(ClientMessage::SetUnitStatus {
            request_id: format!("free{round}"),
            unit_id: "U-1".into(),
            status: UnitStatus::Available,
        });
        assert!(r.ok, "{r:?}");
        for c in [&mut a, &mut b] {
            c.pump_until(|c| {
                c.state.units["U-1"].status == UnitStatus::Available
                    && c.state
                        .incidents
                        .values()
                        .all(|i| i.assigned_units.is_empty())
            });
        }
    }
    server.stop();
}

#[test]
fn lifecycle_by_command_with_times_move_up_and_audit() {
    let db = temp_db("lifecycle");
    let server = start(ServerConfig::new("127.0.0.1:0".parse().unwrap(), db)).unwrap();
    let now = onemap_feed::server::now_ms();
    server
        .publish(vec![
            unit("U-1"),
            unit("U-2"),
            unit("U-3"),
            incident("I-1", now - 45_000),
            incident("I-2", now - 10_000),
        ])
        .unwrap();
    let mut c = Console::connect(&server, "desk-1");
    c.pump_until(|c| c.state.incidents.len() == 2 && c.state.units.len() == 3);

    // What the commander saw, then the choice.
    c.client.send(ClientMessage::Audit {
        action: "recommendation".into(),
        incident_id: Some("I-1".into()),
        units: vec![
            ShownUnit {
                unit_id: "U-1".into(),
                eta_s: 95.5,
            },
            ShownUnit {
                unit_id: "U-2".into(),
                eta_s: 140.0,
            },
        ],
    });
    assert!(c.command(dispatch("d1", "I-1", "U-1")).ok);
    c.pump_until(|c| c.state.incidents["I-1"].status == IncidentStatus::Dispatched);
    let i1 = &c.state.incidents["I-1"];
    let c2d = i1.call_to_dispatch_s().unwrap();
    assert!((44.0..60.0).contains(&c2d), "call to dispatch {c2d} s");

    // Illegal steps are refused with the reason; nothing changes.
    let r = c.command(set_incident("bad1", "I-2", IncidentStatus::OnScene));
    assert!(
        !r.ok && r.message.contains("cannot go from new to on_scene"),
        "{r:?}"
    );
    let r = c.command(set_incident("bad2", "I-1", IncidentStatus::Dispatched));
    assert!(!r.ok && r.message.contains("by command"), "{r:?}");
    let r = c.command(dispatch("bad3", "I-9", "U-2"));
    assert!(!r.ok && r.message == "no incident I-9", "{r:?}");

    // Reassign: U-2 replaces U-1, who is free again.
    let r = c.command(ClientMessage::Reassign {
        request_id: "re".into(),
        incident_id: "I-1".into(),
        from_unit: "U-1".into(),
        to_unit: "U-2".into(),
    });
    assert!(r.ok, "{r:?}");
    c.pump_until(|c| {
        c.state.incidents["I-1"].assigned_units == ["U-2"]
            && c.state.units["U-1"].status == UnitStatus::Available
            && c.state.units["U-2"].status == UnitStatus::Dispatched
    });
    // Arrived, then cleared: the unit is free, the times are stamped.
    assert!(
        c.command(set_incident("arr", "I-1", IncidentStatus::OnScene))
            .ok
    );
    c.pump_until(|c| c.state.units["U-2"].status == UnitStatus::OnScene);
    assert!(
        c.command(set_incident("clr", "I-1", IncidentStatus::Cleared))
            .ok
    );
    c.pump_until(|c| c.state.units["U-2"].status == UnitStatus::Available);
    let i1 = c.state.incidents["I-1"].clone();
    assert_eq!(i1.status, IncidentStatus::Cleared);
    let t = &i1.times;
    assert!(t.dispatched_at.unwrap() <= t.on_scene_at.unwrap());
    assert!(t.on_scene_at.unwrap() <= t.cleared_at.unwrap());
    assert!(
        (c2d - i1.call_to_dispatch_s().unwrap()).abs() < 1e-9,
        "first dispatch kept"
    );
    assert!(i1.dispatch_to_arrival_s().unwrap() >= 0.0);
    let r = c.command(set_incident("again", "I-1", IncidentStatus::Cleared));
    assert!(!r.ok && r.message == "incident I-1 is cleared", "{r:?}");
    // Cancel the other call.
    assert!(c.command(dispatch("d2", "I-2", "U-3")).ok);
    assert!(
        c.command(set_incident("can", "I-2", IncidentStatus::Cancelled))
            .ok
    );
    c.pump_until(|c| {
        c.state.incidents["I-2"].status == IncidentStatus::Cancelled
            && c.state.units["U-3"].status == UnitStatus::Available
    });
    assert!(c.state.incidents["I-2"].times.cancelled_at.is_some());
    // Move-up: U-1 goes to stand by at a post; every console sees the posting.
    let r = c.command(ClientMessage::MoveUp {
        request_id: "mu".into(),
        unit_id: "U-1".into(),
        post: Posting {
            post: "P-03".into(),
            position: Position([13.28, 53.57]),
        },
    });
    assert!(r.ok, "{r:?}");
    c.pump_until(|c| {
        c.state.units["U-1"]
            .posted
            .as_ref()
            .is_some_and(|p| p.post == "P-03")
    });

    // The audit log has all of it, with who and when; it survives in SQLite.
    let page = {
        c.client.send(ClientMessage::AuditQuery {
            request_id: "q".into(),
            before_id: None,
            limit: 200,
        });
        c.pump_until(|c| {
            c.other
                .iter()
                .any(|e| matches!(e, ServerEvent::AuditPage(_)))
        });
        match c
            .other
            .iter()
            .find(|e| matches!(e, ServerEvent::AuditPage(_)))
        {
            Some(ServerEvent::AuditPage(p)) => p.clone(),
            _ => unreachable!(),
        }
    };
    let entries = &page.entries;
    assert!(
        entries.windows(2).all(|w| w[0].id > w[1].id),
        "newest first"
    );
    assert!(entries.iter().all(|e| e.client.starts_with("desk-1")));
    let shown = entries
        .iter()
        .find(|e| e.action == "recommendation")
        .unwrap();
    assert!(shown.detail.contains("\"eta_s\":95.5"), "{}", shown.detail);
    let d = entries
        .iter()
        .find(|e| e.action == "dispatch" && e.incident_id.as_deref() == Some("I-1"))
        .unwrap();
    assert!(d.detail.contains("\"rank\":1"), "{}", d.detail);
    let refused: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "result" && e.ok == Some(false))
        .collect();
    assert_eq!(refused.len(), 4, "{refused:?}");
    assert!(refused.iter().any(|e| e.detail.contains("no incident I-9")));
    let commands = entries
        .iter()
        .filter(|e| e.action != "result" && e.action != "recommendation")
        .count();
    let results = entries.iter().filter(|e| e.action == "result").count();
    assert_eq!(commands, results, "every command has its result");
    let from_db = server.lock().audit_page(None, 1000).unwrap();
    assert_eq!(&from_db, entries);
    let csv = audit_csv(entries);
    assert!(csv.starts_with("id,time_utc,ts_ms,client,action,incident_id,unit_id,ok,detail\n"));
    assert_eq!(csv.lines().count(), entries.len() + 1);
    assert!(csv.contains(",result,I-9,U-2,false,"), "{csv}");
    server.stop();
}
