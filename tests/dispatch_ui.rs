//! Dispatch in the real console against a real feed server on 127.0.0.1: the keyboard selects
//! an incident, the ranked units appear (exact network ETAs, the route drawn), the first one
//! is dispatched from the keyboard, the arrival is reported with a button, a second console
//! sees the same, and the server's audit log holds what was shown, chosen and done.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed set-up is a failed test

mod common;

use common::{demo_city, step_until};
use egui_kittest::kittest::Queryable as _;
use onemap::app::{AppOptions, Selection};
use onemap::feed::FeedSource;
use onemap::ui::i18n::{Lang, T, tr};
use onemap_core::feed::{
    Category, Incident, IncidentStatus, Position, ServerEvent, Unit, UnitKind, UnitStatus,
};
use onemap_feed::server::{ServerConfig, now_ms, start};

fn zh(key: T) -> &'static str {
    tr(Lang::Zh, key)
}

#[test]
fn commander_dispatches_by_keyboard_and_a_second_console_agrees() {
    let city = demo_city();
    let db = std::env::temp_dir().join(format!("onemap-dispatch-ui-{}.sqlite", std::process::id()));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    // A still city (no simulator): units at real addresses, one urgent call.
    let server = start(ServerConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        db.clone(),
    ))
    .unwrap();
    let addresses = &city.osm.addresses;
    let kinds = [
        UnitKind::PatrolCar,
        UnitKind::Motorbike,
        UnitKind::FootPatrol,
        UnitKind::EbikeVolunteer,
        UnitKind::PatrolCar,
        UnitKind::PatrolCar,
    ];
    let mut events: Vec<ServerEvent> = kinds
        .iter()
        .enumerate()
        .map(|(k, &kind)| {
            ServerEvent::UnitJoined(Unit {
                id: format!("U-{k}"),
                call_sign: format!("巡{k:02}"),
                kind,
                status: UnitStatus::Available,
                position: addresses[500 + 1500 * k].pos.into(),
                heading_deg: 0.0,
                speed_kmh: 0.0,
                fix_at: now_ms(),
                posted: None,
            })
        })
        .collect();
    let at = &addresses[4000];
    events.push(ServerEvent::IncidentCreated(Incident {
        id: "I-1".into(),
        category: Category::Robbery,
        priority: 1,
        location: Position::from(at.pos),
        address: at.label(),
        reported_at: now_ms() - 40_000,
        status: IncidentStatus::New,
        assigned_units: vec![],
        times: Default::default(),
    }));
    server.publish(events).unwrap();
    let url = format!("ws://{}", server.addr);
    let console = |url: &str| {
        common::harness_with(
            city.clone(),
            AppOptions {
                feed: FeedSource::External(url.to_owned()),
                ..AppOptions::default()
            },
        )
    };
    let mut a = console(&url);
    let mut b = console(&url);
    for h in [&mut a, &mut b] {
        step_until(h, "the feed", |app| {
            app.feed.state.units.len() == 6 && app.plan.ready.is_some()
        });
    }

    // J selects the first incident in the queue; the recommendation arrives.
    a.key_press(egui::Key::J);
    step_until(&mut a, "a recommendation", |app| {
        app.recommendation()
            .is_some_and(|o| o.route.is_some() && o.impact.is_some())
    });
    assert_eq!(a.state().selection, Some(Selection::Incident("I-1".into())));
    let out = a.state().recommendation().unwrap().clone();
    let ranked = &out.recommendation.ranked;
    assert_eq!(ranked.len(), 6, "every available unit, all exact");
    assert!(ranked.windows(2).all(|w| w[0].eta_s <= w[1].eta_s));
    let first = out.responders[ranked[0].index].id.clone();
    let route = out.route.as_ref().unwrap();
    assert_eq!(route.unit, first, "the fastest unit's route is drawn");
    assert!((route.eta_s - ranked[0].eta_s).abs() < 0.05);
    assert!(route.line.len() >= 2);
    let first_sign = a.state().feed.state.units[&first].call_sign.clone();
    assert!(
        a.query_all_by_label_contains(&first_sign).next().is_some(),
        "{first_sign} listed"
    );
    assert!(
        a.query_by_label_contains(&zh(T::CoverageImpact).replace("{u}", &first_sign))
            .is_some()
    );

    // D dispatches the top unit; both consoles see it.
    a.key_press(egui::Key::D);
    for h in [&mut a, &mut b] {
        step_until(h, "the dispatch", |app| {
            let i = &app.feed.state.incidents["I-1"];
            i.status == IncidentStatus::Dispatched && i.assigned_units == [first.clone()]
        });
    }
    assert_eq!(
        a.state().feed.state.units[&first].status,
        UnitStatus::Dispatched
    );
    assert!(a.state().feed.notices.last().is_some_and(|n| n.ok));

    // The commander reports the arrival with the button; the second console follows.
    a.get_by_label(zh(T::Arrived)).click();
    for h in [&mut a, &mut b] {
        step_until(h, "on scene", |app| {
            app.feed.state.incidents["I-1"].status == IncidentStatus::OnScene
                && app.feed.state.units[&first].status == UnitStatus::OnScene
        });
    }
    assert_eq!(
        a.state().feed.state.incidents,
        b.state().feed.state.incidents
    );
    let times = &b.state().feed.state.incidents["I-1"].times;
    assert!(times.dispatched_at.is_some() && times.on_scene_at.is_some());

    // B tries to send the same unit elsewhere: refused, and its view stays the server's.
    b.state_mut()
        .feed
        .command(onemap_core::feed::ClientMessage::Dispatch {
            request_id: "b-late".into(),
            incident_id: "I-1".into(),
            unit_id: first.clone(),
            rank: None,
        });
    step_until(&mut b, "the refusal", |app| {
        app.feed.pending.is_empty() && !app.feed.notices.is_empty()
    });
    let n = b.state().feed.notices.last().unwrap().clone();
    assert!(!n.ok && n.message.contains("not available"), "{n:?}");

    // The audit log: the list shown, the choice (rank 1), the commands and results.
    let entries = server.lock().audit_page(None, 100).unwrap();
    // The first list shown (later ones, after the dispatch, no longer hold the unit).
    let shown = entries
        .iter()
        .rev()
        .find(|e| e.action == "recommendation")
        .expect("shown list logged");
    assert!(shown.detail.contains(&first));
    let d = entries
        .iter()
        .rev()
        .find(|e| e.action == "dispatch")
        .unwrap();
    assert!(d.detail.contains("\"rank\":1") && d.client.starts_with("onemap-console"));
    assert!(entries.iter().any(|e| e.action == "set_incident_status"));
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.action == "result" && e.ok == Some(true))
            .count(),
        2
    );
    server.stop();
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
}
