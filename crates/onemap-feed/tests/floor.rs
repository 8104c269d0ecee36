//! The dispatch floor on a real server: an acknowledgement is the server's (who and when,
//! seen by every console, in the audit log); the audit log answers filtered queries; the
//! demo's own desk stands back while a commander is signed in, and what it does is audited
//! as the simulator's.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Console, call, commander, sign_on, temp_db, world};
use onemap_core::feed::lifecycle::{Acknowledge, Dispatch};
use onemap_core::feed::wire::AuditQuery;
use onemap_core::feed::{
    AuditEntry, ClientEnvelope, ClientMessage, Command, IncidentId, IncidentStatus, ServerEvent,
};
use onemap_feed::clock::system_now_ms;
use onemap_feed::server::{ServerConfig, ServerHandle, start};
use onemap_feed::sim::SimConfig;

fn query(c: &mut Console, id: &str, q: AuditQuery) -> Vec<AuditEntry> {
    c.other.clear();
    c.client
        .send(ClientEnvelope::request(
            id.into(),
            None,
            ClientMessage::AuditQuery(q),
        ))
        .unwrap();
    c.pump_until(|c| {
        c.other
            .iter()
            .any(|e| matches!(e, ServerEvent::AuditPage(p) if p.request_id.as_str() == id))
    });
    c.other
        .iter()
        .find_map(|e| match e {
            ServerEvent::AuditPage(p) if p.request_id.as_str() == id => Some(p.entries.clone()),
            _ => None,
        })
        .unwrap()
}

fn publish(server: &ServerHandle, command: Command) {
    server.submit("test", vec![command]).unwrap();
}

#[test]
fn an_acknowledgement_is_shared_and_audited_and_the_audit_log_filters() {
    let db = temp_db("ack");
    let (t1, t2) = (commander(&db, "desk-1"), commander(&db, "desk-2"));
    let server = start(ServerConfig::new("127.0.0.1:0".parse().unwrap(), db)).unwrap();
    for c in [
        sign_on("U-1"),
        sign_on("U-2"),
        call("Marktplatz 1", system_now_ms()),
        call("Treptower Straße 4", system_now_ms()),
    ] {
        publish(&server, c);
    }
    let url = format!("ws://{}", server.addr);
    let (mut a, mut b) = (Console::connect(&url, &t1), Console::connect(&url, &t2));
    let i1 = IncidentId::from("I-000001");
    let ack = |id: &IncidentId| {
        Command::Acknowledge(Acknowledge {
            incident_id: id.clone(),
        })
    };
    assert!(a.command("ack-1", ack(&i1)).ok);
    // The other console sees who acknowledged it, and when.
    b.pump_until(|c| c.state.incidents[&i1].acknowledged.is_some());
    let seen = b.state.incidents[&i1].acknowledged.clone().unwrap();
    assert_eq!(seen.by, "desk-1");
    assert!((system_now_ms() - seen.at_ms).abs() < 10_000);
    // Acknowledging again (from the other desk) keeps the first.
    assert!(b.command("ack-2", ack(&i1)).ok);
    assert_eq!(
        server.state().unwrap().incidents[&i1].acknowledged,
        Some(seen)
    );
    let dispatch = Command::Dispatch(Dispatch {
        incident_id: "I-000002".into(),
        unit_id: "U-2".into(),
        rank: Some(1),
    });
    assert!(b.command("d-1", dispatch).ok);

    // Filters: by incident, by unit, by action, by time; each row names the identity.
    let by_incident = query(
        &mut a,
        "q1",
        AuditQuery {
            incident_id: Some(i1.clone()),
            ..AuditQuery::newest(100)
        },
    );
    assert!(
        by_incident
            .iter()
            .all(|e| e.incident_id == Some(i1.clone()))
    );
    let acks: Vec<_> = by_incident
        .iter()
        .filter(|e| e.action == "acknowledge")
        .collect();
    assert_eq!(acks.len(), 2, "{by_incident:?}");
    assert!(
        acks.iter()
            .any(|e| e.client.starts_with("desk-1 (127.0.0.1:"))
    );
    assert!(
        acks.iter()
            .any(|e| e.client.starts_with("desk-2 (127.0.0.1:"))
    );
    let by_unit = query(
        &mut a,
        "q2",
        AuditQuery {
            unit_id: Some("U-2".into()),
            action: Some("dispatch".into()),
            ..AuditQuery::newest(100)
        },
    );
    assert_eq!(by_unit.len(), 1, "{by_unit:?}");
    assert!(by_unit[0].client.starts_with("desk-2 ("));
    let future = query(
        &mut a,
        "q3",
        AuditQuery {
            since_ms: Some(system_now_ms() + 60_000),
            ..AuditQuery::newest(100)
        },
    );
    assert!(future.is_empty(), "{future:?}");
    let past = query(
        &mut a,
        "q4",
        AuditQuery {
            until_ms: Some(system_now_ms() + 60_000),
            since_ms: Some(system_now_ms() - 60_000),
            ..AuditQuery::newest(100)
        },
    );
    assert!(past.len() >= 6, "{past:?}");
    server.stop();
}

#[test]
fn the_demo_desk_stands_back_while_a_commander_is_signed_in() {
    let db = temp_db("staffed");
    let token = commander(&db, "desk-1");
    let mut config = ServerConfig::new("127.0.0.1:0".parse().unwrap(), db);
    config.world = Some(Box::new(world));
    config.sim = SimConfig {
        seed: 5,
        units: 6,
        incidents_per_hour: 0.0,
        initial_incidents: 3,
        auto_dispatch_after_ms: Some(500),
        ..SimConfig::default()
    };
    let server = start(config).unwrap();
    let url = format!("ws://{}", server.addr);
    let mut desk = Console::connect(&url, &token);
    desk.pump_until(|c| c.state.incidents.len() == 3 && c.state.units.len() == 6);
    // Three seconds with a commander on duty: the calls wait for the commander.
    let until = Instant::now() + Duration::from_secs(3);
    desk.pump_until(|_| Instant::now() >= until);
    let waiting = |s: &onemap_core::feed::FeedState| {
        s.incidents
            .values()
            .filter(|i| i.status == IncidentStatus::New)
            .count()
    };
    assert_eq!(
        waiting(&desk.state),
        3,
        "nothing dispatched by the simulator"
    );
    drop(desk);
    // Nobody on duty: the demo's desk dispatches, and the log says it was the simulator.
    let end = Instant::now() + Duration::from_secs(15);
    while waiting(&server.state().unwrap()) > 0 {
        assert!(Instant::now() < end, "the simulator did not dispatch");
        std::thread::sleep(Duration::from_millis(100));
    }
    let audit = server.audit_page(None, 200).unwrap();
    let dispatches: Vec<_> = audit.iter().filter(|e| e.action == "dispatch").collect();
    assert_eq!(dispatches.len(), 3, "{audit:?}");
    assert!(dispatches.iter().all(|e| e.client == "simulator"));
    server.stop();
}
