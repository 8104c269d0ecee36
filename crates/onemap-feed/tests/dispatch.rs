//! Dispatch commands end to end on 127.0.0.1: two real clients race to dispatch the same unit
//! (exactly one wins, the other is told why and both end with the same state), the incident
//! lifecycle by command with its times, and the audit log of all of it.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed set-up is a failed test

mod common;

use common::{Console, call, commander, request, sign_on, temp_db};
use onemap_core::feed::lifecycle::{Dispatch, MoveUp, Reassign, SetIncidentStatus, SetUnitStatus};
use onemap_core::feed::wire::{AuditAction, AuditNote, AuditQuery};
use onemap_core::feed::{
    ClientEnvelope, ClientMessage, Command, IncidentId, IncidentStatus, Position, Posting,
    ServerEvent, ShownUnit, UnitId, UnitStatus,
};
use onemap_feed::clock::system_now_ms;
use onemap_feed::server::{ServerConfig, ServerHandle, start};
use onemap_feed::store::sqlite::audit_csv;

fn setup(server: &ServerHandle, commands: Vec<Command>) {
    for r in server.submit("test", commands).unwrap() {
        r.unwrap();
    }
}

fn connect(server: &ServerHandle, name: &str) -> Console {
    Console::connect(
        &format!("ws://{}", server.addr),
        &commander(server.db(), name),
    )
}

fn dispatch(incident: &str, unit: &str) -> Command {
    Command::Dispatch(Dispatch {
        incident_id: incident.into(),
        unit_id: unit.into(),
        rank: Some(1),
    })
}

fn set_incident(incident: &str, status: IncidentStatus) -> Command {
    Command::SetIncidentStatus(SetIncidentStatus {
        incident_id: incident.into(),
        status,
    })
}

fn u(id: &str) -> UnitId {
    UnitId::from(id)
}

fn i(id: &str) -> IncidentId {
    IncidentId::from(id)
}

const I1: &str = "I-000001";
const I2: &str = "I-000002";

#[test]
fn double_dispatch_race_has_exactly_one_winner_and_both_consoles_agree() {
    let db = temp_db("race");
    let server = start(ServerConfig::new("127.0.0.1:0".parse().unwrap(), db)).unwrap();
    let now = system_now_ms();
    setup(
        &server,
        vec![
            sign_on("U-1"),
            sign_on("U-2"),
            call("Treptowstraße 1", now - 30_000),
            call("Treptowstraße 2", now - 20_000),
        ],
    );
    let mut a = connect(&server, "console-a");
    let mut b = connect(&server, "console-b");
    a.pump_until(|c| c.state.incidents.len() == 2);
    b.pump_until(|c| c.state.incidents.len() == 2);

    for round in 0..10 {
        // Both commanders send U-1 at once, each to their own incident.
        let (ra, rb) = (format!("a{round}"), format!("b{round}"));
        a.client.send(request(&ra, dispatch(I1, "U-1"))).unwrap();
        b.client.send(request(&rb, dispatch(I2, "U-1"))).unwrap();
        a.pump_until(|c| c.result(&ra).is_some());
        b.pump_until(|c| c.result(&rb).is_some());
        let result_a = a.result(&ra).unwrap();
        let result_b = b.result(&rb).unwrap();
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
        let winner_incident = i(if result_a.ok { I1 } else { I2 });
        // Both views converge on the winner's dispatch.
        for c in [&mut a, &mut b] {
            c.pump_until(|c| {
                c.state.units[&u("U-1")].status == UnitStatus::Dispatched
                    && c.state.incidents[&winner_incident].assigned_units == [u("U-1")]
            });
        }
        assert_eq!(a.state.incidents, b.state.incidents);
        let other = i(if winner_incident.as_str() == I1 {
            I2
        } else {
            I1
        });
        assert!(a.state.incidents[&other].assigned_units.is_empty());
        assert_eq!(a.state.incidents[&other].status, IncidentStatus::New);
        // Stand the unit down for the next round.
        let r = a.command(
            &format!("free{round}"),
            Command::SetUnitStatus(SetUnitStatus {
                unit_id: "U-1".into(),
                status: UnitStatus::Available,
            }),
        );
        assert!(r.ok, "{r:?}");
        for c in [&mut a, &mut b] {
            c.pump_until(|c| {
                c.state.units[&u("U-1")].status == UnitStatus::Available
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
    let now = system_now_ms();
    setup(
        &server,
        vec![
            sign_on("U-1"),
            sign_on("U-2"),
            sign_on("U-3"),
            call("Treptowstraße 1", now - 45_000),
            call("Treptowstraße 2", now - 10_000),
        ],
    );
    let mut c = connect(&server, "desk-1");
    c.pump_until(|c| c.state.incidents.len() == 2 && c.state.units.len() == 3);

    // What the commander saw, then the choice.
    c.send(ClientMessage::Audit(AuditNote {
        action: AuditAction::Recommendation,
        incident_id: Some(i(I1)),
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
    }));
    assert!(c.command("d1", dispatch(I1, "U-1")).ok);
    c.pump_until(|c| c.state.incidents[&i(I1)].status == IncidentStatus::Dispatched);
    let i1 = &c.state.incidents[&i(I1)];
    let c2d = i1.call_to_dispatch_s().unwrap();
    assert!((44.0..60.0).contains(&c2d), "call to dispatch {c2d} s");

    // Illegal steps are refused with the reason; nothing changes.
    let r = c.command("bad1", set_incident(I2, IncidentStatus::OnScene));
    assert!(
        !r.ok && r.message.contains("cannot go from new to on_scene"),
        "{r:?}"
    );
    let r = c.command("bad2", set_incident(I1, IncidentStatus::Dispatched));
    assert!(
        !r.ok
            && r.message
                .contains("cannot go from dispatched to dispatched"),
        "{r:?}"
    );
    let r = c.command("bad3", dispatch("I-9", "U-2"));
    assert!(!r.ok && r.message == "no incident I-9", "{r:?}");

    // Reassign: U-2 replaces U-1, who is free again.
    let r = c.command(
        "re",
        Command::Reassign(Reassign {
            incident_id: i(I1),
            from_unit: u("U-1"),
            to_unit: u("U-2"),
        }),
    );
    assert!(r.ok, "{r:?}");
    c.pump_until(|c| {
        c.state.incidents[&i(I1)].assigned_units == [u("U-2")]
            && c.state.units[&u("U-1")].status == UnitStatus::Available
            && c.state.units[&u("U-2")].status == UnitStatus::Dispatched
    });
    // Arrived, then cleared: the unit is free, the times are stamped.
    assert!(
        c.command("arr", set_incident(I1, IncidentStatus::OnScene))
            .ok
    );
    c.pump_until(|c| c.state.units[&u("U-2")].status == UnitStatus::OnScene);
    assert!(
        c.command("clr", set_incident(I1, IncidentStatus::Cleared))
            .ok
    );
    c.pump_until(|c| c.state.units[&u("U-2")].status == UnitStatus::Available);
    let i1 = c.state.incidents[&i(I1)].clone();
    assert_eq!(i1.status, IncidentStatus::Cleared);
    let t = &i1.times;
    assert!(t.dispatched_at_ms.unwrap() <= t.on_scene_at_ms.unwrap());
    assert!(t.on_scene_at_ms.unwrap() <= t.cleared_at_ms.unwrap());
    assert!(
        (c2d - i1.call_to_dispatch_s().unwrap()).abs() < 1e-9,
        "first dispatch kept"
    );
    assert!(i1.dispatch_to_arrival_s().unwrap() >= 0.0);
    let r = c.command("again", set_incident(I1, IncidentStatus::Cleared));
    assert!(
        !r.ok && r.message == "incident I-000001 is cleared",
        "{r:?}"
    );
    // Cancel the other call.
    assert!(c.command("d2", dispatch(I2, "U-3")).ok);
    assert!(
        c.command("can", set_incident(I2, IncidentStatus::Cancelled))
            .ok
    );
    c.pump_until(|c| {
        c.state.incidents[&i(I2)].status == IncidentStatus::Cancelled
            && c.state.units[&u("U-3")].status == UnitStatus::Available
    });
    assert!(c.state.incidents[&i(I2)].times.cancelled_at_ms.is_some());
    // Move-up: U-1 goes to stand by at a post; every console sees the posting.
    let r = c.command(
        "mu",
        Command::MoveUp(MoveUp {
            unit_id: u("U-1"),
            post: Posting {
                post: "P-03".into(),
                position: Position([13.28, 53.57]),
            },
        }),
    );
    assert!(r.ok, "{r:?}");
    c.pump_until(|c| {
        c.state.units[&u("U-1")]
            .posted
            .as_ref()
            .is_some_and(|p| p.post == "P-03")
    });

    // The audit log has all of it, with who and when; it survives in SQLite.
    let page = {
        c.client
            .send(ClientEnvelope::request(
                "q".into(),
                None,
                ClientMessage::AuditQuery(AuditQuery {
                    before_id: None,
                    limit: 200,
                    ..Default::default()
                }),
            ))
            .unwrap();
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
    let mine: Vec<_> = entries.iter().filter(|e| e.client != "test").collect();
    assert!(
        mine.iter()
            .all(|e| e.client.starts_with("desk-1 (127.0.0.1:")),
        "{mine:?}"
    );
    let shown = entries
        .iter()
        .find(|e| e.action == "recommendation")
        .unwrap();
    assert!(shown.detail.contains("\"eta_s\":95.5"), "{}", shown.detail);
    let d = entries
        .iter()
        .find(|e| e.action == "dispatch" && e.incident_id == Some(i(I1)))
        .unwrap();
    assert!(d.detail.contains("\"rank\":1"), "{}", d.detail);
    let refused: Vec<_> = mine
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
    let from_db = server.audit_page(None, 1000).unwrap();
    assert_eq!(&from_db, entries);
    let csv = audit_csv(entries);
    assert!(csv.starts_with("id,time_utc,ts_ms,client,action,incident_id,unit_id,ok,detail\n"));
    assert_eq!(csv.lines().count(), entries.len() + 1);
    assert!(csv.contains(",result,I-9,U-2,false,"), "{csv}");
    server.stop();
}
