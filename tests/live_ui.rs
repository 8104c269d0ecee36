//! The live feed in the real console: the embedded simulator's units and incidents arrive,
//! the queue and the banner show them, and a server that disappears turns the banner to
//! "reconnecting" while the last known state stays on the map.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed set-up is a failed test

mod common;

use common::{demo_city, step_until};
use egui_kittest::kittest::Queryable as _;
use onemap::app::AppOptions;
use onemap::live::{FeedSource, Link};
use onemap::model::{Command, Selection};
use onemap::state::dispatch::queue_order;
use onemap::ui::i18n::{Lang, T, tr};
use onemap_feed::sim::SimConfig;

fn zh(key: T) -> &'static str {
    tr(Lang::Zh, key)
}

#[test]
fn live_units_and_incidents_arrive_and_a_lost_server_shows_reconnecting() {
    let db = std::env::temp_dir().join(format!("onemap-live-ui-{}.sqlite", std::process::id()));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    let mut h = common::harness_with(
        demo_city(),
        AppOptions {
            feed: FeedSource::Embedded {
                db: db.clone(),
                sim: SimConfig {
                    units: 8,
                    initial_incidents: 4,
                    ..SimConfig::default()
                },
                wall: false,
            },
            ..AppOptions::default()
        },
    );
    step_until(&mut h, "units and incidents", |app| {
        app.live.feed.units.len() == 8 && app.live.feed.incidents.len() >= 4
    });
    assert!(matches!(h.state().live.link, Some(Link::Connected { .. })));
    assert!(
        h.query_by_label_contains(zh(T::FeedConnected)).is_some(),
        "banner says connected"
    );
    let (count, first_address) = {
        let open = queue_order(h.state().live.feed.incidents.values());
        assert!(!open.is_empty());
        (open.len(), open[0].address.clone())
    };
    assert!(
        h.query_by_label(zh(T::IncidentQueue)).is_some(),
        "queue header"
    );
    let n = format!("({count})");
    assert!(h.query_by_label(&n).is_some(), "queue count {n}");
    // The most urgent open incident is listed first with its address.
    assert!(h.query_by_label_contains(&first_address).is_some());

    // Select a foot patrol: the inspector shows it; in planner mode its rings are on foot.
    let walker = h
        .state()
        .live
        .feed
        .units
        .values()
        .find(|u| u.kind == onemap_core::feed::UnitKind::FootPatrol)
        .cloned()
        .expect("the simulator has foot patrols");
    h.state_mut()
        .push(Command::Select(Some(Selection::Unit(walker.id.clone()))));
    let mut plan = h.state().plan.settings.clone();
    plan.enabled = true;
    h.state_mut().push(Command::SetPlan(plan));
    step_until(&mut h, "rings from the unit", |app| {
        app.plan.is_current()
            && app.plan.last_request.as_ref().is_some_and(|r| {
                r.ring_origins.len() == 1 && r.ring_origins[0].0 == walker.call_sign
            })
    });
    let request = h.state().plan.last_request.clone().unwrap();
    assert_eq!(request.ring_mode, onemap_core::routing::Mode::Foot);
    assert!(
        h.query_all_by_label_contains(&format!("{} {}", walker.call_sign, walker.id))
            .next()
            .is_some(),
        "inspector names the unit"
    );
    let rings = h.state().plan.output.clone().unwrap().rings.unwrap();
    assert!(
        rings.km[2] > 0.0 && rings.km[2] < 20.0,
        "5 minutes on foot: {:?}",
        rings.km
    );

    // The server goes away: the console says so and keeps what it knew.
    let incidents = h.state().live.feed.incidents.len();
    h.state_mut().stop_embedded_server();
    step_until(&mut h, "reconnecting", |app| {
        matches!(app.live.link, Some(Link::Reconnecting { .. }))
    });
    assert!(h.query_by_label_contains(zh(T::FeedReconnecting)).is_some());
    assert_eq!(
        h.state().live.feed.incidents.len(),
        incidents,
        "nothing valid is lost"
    );
    // A lost feed is unmistakable: the band over the map says since when, the queue keeps
    // the last known incidents and says so, and never claims there are none.
    let band = zh(T::BandLate).split("{t}").next().unwrap();
    assert!(h.query_by_label_contains(band).is_some(), "band: {band}");
    let last_known = zh(T::QueueLastKnown).split("{t}").next().unwrap();
    assert!(h.query_by_label_contains(last_known).is_some());
    assert!(h.query_by_label_contains(&first_address).is_some());
    assert!(h.query_by_label(zh(T::NoIncidents)).is_none());
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
}
