//! Dispatch in the real console against a real feed server on 127.0.0.1: the keyboard selects
//! an incident, the ranked units appear (exact network ETAs, the route drawn), the first one
//! is dispatched from the keyboard, the arrival is reported with a button, a second console
//! sees the same, and the server's audit log holds what was shown, chosen and done. Then the
//! server goes away: dispatching fails at once, in Chinese, and nothing is carried out when
//! it comes back.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed set-up is a failed test

mod common;

use common::{demo_city, fake_clock, step_until};
use egui_kittest::kittest::Queryable as _;
use onemap::app::AppOptions;
use onemap::live::{FeedSource, NoticeText};
use onemap::model::{Command, Selection};
use onemap::panels::notices::notice_text;
use onemap::ui::i18n::{Lang, T, tr};
use onemap_core::feed::lifecycle::{CreateIncident, Dispatch, SignOn};
use onemap_core::feed::{
    Category, Command as FeedCommand, IncidentId, IncidentStatus, UnitId, UnitKind, UnitStatus,
};
use onemap_feed::client::Unsent;
use onemap_feed::server::{ServerConfig, start};

fn zh(key: T) -> &'static str {
    tr(Lang::Zh, key)
}

#[test]
fn commander_dispatches_by_keyboard_and_a_second_console_agrees() {
    let city = demo_city();
    let clock = fake_clock();
    let db = std::env::temp_dir().join(format!("onemap-dispatch-ui-{}.sqlite", std::process::id()));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    // A still city (no simulator): units at real addresses, one urgent call.
    let config = ServerConfig {
        clock: clock.clone(),
        ..ServerConfig::new("127.0.0.1:0".parse().unwrap(), db.clone())
    };
    let server = start(config).unwrap();
    let addresses = &city.osm().addresses;
    let kinds = [
        UnitKind::PatrolCar,
        UnitKind::Motorbike,
        UnitKind::FootPatrol,
        UnitKind::EbikeVolunteer,
        UnitKind::PatrolCar,
        UnitKind::PatrolCar,
    ];
    let mut setup: Vec<FeedCommand> = kinds
        .iter()
        .enumerate()
        .map(|(k, &kind)| {
            FeedCommand::SignOn(SignOn {
                unit_id: UnitId(format!("U-{k}")),
                call_sign: format!("巡{k:02}"),
                kind,
                position: addresses[500 + 1500 * k].pos.into(),
                fix_at_ms: None,
                stale_at_ms: None,
            })
        })
        .collect();
    let at = &addresses[4000];
    setup.push(FeedCommand::CreateIncident(CreateIncident {
        category: Category::Robbery,
        priority: 1,
        location: at.pos.into(),
        address: at.label(),
        reported_at_ms: Some(clock.now_ms() - 40_000),
        callback: None,
        notes: vec![],
    }));
    for r in server.submit("test", setup).unwrap() {
        r.unwrap();
    }
    let url = format!("ws://{}", server.addr);
    let db = server.db().to_path_buf();
    let console = |url: &str, name: &str| {
        let token = onemap_feed::identity::IdentityDb::open(&db)
            .unwrap()
            .create(name, onemap_core::feed::Role::Commander, &[], 0, true)
            .unwrap();
        common::harness_with(
            city.clone(),
            AppOptions {
                feed: FeedSource::External {
                    url: url.to_owned(),
                    token: Some(token),
                    tls: Default::default(),
                },
                clock: clock.clone(),
                ..AppOptions::default()
            },
        )
    };
    let mut a = console(&url, "desk-a");
    let mut b = console(&url, "desk-b");
    for h in [&mut a, &mut b] {
        step_until(h, "the feed", |app| {
            app.live.feed.units.len() == 6 && app.plan.ready.is_some()
        });
    }
    let i1 = IncidentId::from("I-000001");

    // J selects the first incident in the queue; the recommendation arrives.
    a.key_press(egui::Key::J);
    step_until(&mut a, "a recommendation", |app| {
        app.recommendation()
            .is_some_and(|o| o.route.is_some() && o.impact.is_some())
    });
    assert_eq!(a.state().selection, Some(Selection::Incident(i1.clone())));
    let out = a.state().recommendation().unwrap().clone();
    let ranked = &out.recommendation.ranked;
    assert_eq!(ranked.len(), 6, "every available unit, all exact");
    assert!(ranked.windows(2).all(|w| w[0].eta_s <= w[1].eta_s));
    let first = UnitId(out.responders[ranked[0].index].id.clone());
    let route = out.route.as_ref().unwrap();
    assert_eq!(
        route.unit,
        first.as_str(),
        "the fastest unit's route is drawn"
    );
    assert!((route.eta_s - ranked[0].eta_s).abs() < 0.05);
    assert!(route.line.len() >= 2);
    let first_sign = a.state().live.feed.units[&first].call_sign.clone();
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
            let i = &app.live.feed.incidents[&i1];
            // The incident's and the unit's events may arrive a frame apart.
            i.status == IncidentStatus::Dispatched
                && i.assigned_units == [first.clone()]
                && app.live.feed.units[&first].status == UnitStatus::Dispatched
        });
    }
    assert_eq!(
        a.state().live.feed.units[&first].status,
        UnitStatus::Dispatched
    );
    step_until(&mut a, "the answer", |app| app.live.pending.is_empty());
    assert!(a.state().live.notices.back().is_some_and(|n| n.ok));

    // The commander reports the arrival with the button; the second console follows.
    a.get_by_label(&format!("{} (R)", zh(T::Arrived))).click();
    for h in [&mut a, &mut b] {
        step_until(h, "on scene", |app| {
            app.live.feed.incidents[&i1].status == IncidentStatus::OnScene
                && app.live.feed.units[&first].status == UnitStatus::OnScene
        });
    }
    assert_eq!(a.state().live.feed.incidents, b.state().live.feed.incidents);
    let times = &b.state().live.feed.incidents[&i1].times;
    assert!(times.dispatched_at_ms.is_some() && times.on_scene_at_ms.is_some());

    // B tries to send the same unit elsewhere: refused, worded in Chinese; its view stays the
    // server's.
    b.state_mut()
        .push(Command::Send(FeedCommand::Dispatch(Dispatch {
            incident_id: i1.clone(),
            unit_id: first.clone(),
            rank: None,
        })));
    step_until(&mut b, "the refusal", |app| {
        app.live.pending.is_empty() && !app.live.notices.is_empty()
    });
    let n = b.state().live.notices.back().unwrap().clone();
    assert!(!n.ok, "{n:?}");
    let text = notice_text(Lang::Zh, &n.text);
    assert!(
        text.contains("冲突") && text.contains(first.as_str()),
        "{text}"
    );
    assert!(b.query_by_label_contains(&text).is_some(), "shown: {text}");

    // The audit log: the list shown, the choice (rank 1), the commands and results.
    let entries = server.audit_page(None, 100).unwrap();
    let shown = entries
        .iter()
        .rev()
        .find(|e| e.action == "recommendation")
        .expect("shown list logged");
    assert!(shown.detail.contains(first.as_str()));
    let d = entries
        .iter()
        .rev()
        .find(|e| e.action == "dispatch" && e.client != "test")
        .unwrap();
    assert!(d.detail.contains("\"rank\":1") && d.client.starts_with("desk-a (127.0.0.1:"));
    assert!(entries.iter().any(|e| e.action == "set_incident_status"));
    let ok_results = entries
        .iter()
        .filter(|e| e.action == "result" && e.ok == Some(true) && e.client != "test")
        .count();
    assert_eq!(ok_results, 2, "the dispatch and the arrival");

    // The server goes away. Dispatch is refused at once, in the console's language; the
    // buttons say why they are disabled; nothing is carried out when the server comes back.
    let addr = server.addr;
    server.stop();
    step_until(&mut a, "the lost feed", |app| !app.live.is_connected());
    let before = a.state().live.notices.len();
    a.state_mut()
        .push(Command::Send(FeedCommand::Dispatch(Dispatch {
            incident_id: i1.clone(),
            unit_id: UnitId::from("U-5"),
            rank: None,
        })));
    a.run_steps(2);
    let n = a.state().live.notices.back().unwrap().clone();
    assert!(a.state().live.notices.len() > before, "told at once");
    assert!(matches!(
        n.text,
        NoticeText::Unsent {
            reason: Unsent::NotConnected,
            ..
        }
    ));
    let text = notice_text(Lang::Zh, &n.text);
    assert!(text.contains("未发送"), "{text}");
    assert!(a.query_by_label_contains(&text).is_some(), "shown: {text}");
    assert!(
        a.state().live.pending.is_empty(),
        "nothing waits to be sent"
    );
    let server = start(ServerConfig {
        clock: clock.clone(),
        ..ServerConfig::new(addr, db.clone())
    })
    .unwrap();
    step_until(&mut a, "the feed again", |app| app.live.is_connected());
    clock.advance(30_000);
    a.run_steps(3);
    let state = server.state().unwrap();
    assert_eq!(
        state.units[&UnitId::from("U-5")].status,
        UnitStatus::Available,
        "the offline dispatch never happened"
    );
    server.stop();
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
}

/// A viewer's console: it says who it is signed in as, is never sent the caller's number, its
/// dispatch controls are disabled with the reason, and `D` is refused at once, in its words.
#[test]
fn a_viewer_console_shows_its_role_never_gets_the_number_and_cannot_dispatch() {
    let city = demo_city();
    let clock = fake_clock();
    let db = std::env::temp_dir().join(format!("onemap-viewer-ui-{}.sqlite", std::process::id()));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    let token = onemap_feed::identity::IdentityDb::open(&db)
        .unwrap()
        .create(
            "hall-screen",
            onemap_core::feed::Role::Viewer,
            &[],
            0,
            false,
        )
        .unwrap();
    let server = start(ServerConfig {
        clock: clock.clone(),
        ..ServerConfig::new("127.0.0.1:0".parse().unwrap(), db.clone())
    })
    .unwrap();
    let at = &city.osm().addresses[4000];
    let setup = vec![
        FeedCommand::SignOn(SignOn {
            unit_id: UnitId::from("U-1"),
            call_sign: "巡01".into(),
            kind: UnitKind::PatrolCar,
            position: city.osm().addresses[500].pos.into(),
            fix_at_ms: None,
            stale_at_ms: None,
        }),
        FeedCommand::CreateIncident(CreateIncident {
            category: Category::Robbery,
            priority: 1,
            location: at.pos.into(),
            address: at.label(),
            reported_at_ms: Some(clock.now_ms() - 40_000),
            callback: Some("13812341234".into()),
            notes: vec![],
        }),
    ];
    for r in server.submit("test", setup).unwrap() {
        r.unwrap();
    }
    let mut v = common::harness_with(
        city.clone(),
        AppOptions {
            feed: FeedSource::External {
                url: format!("ws://{}", server.addr),
                token: Some(token),
                tls: Default::default(),
            },
            clock: clock.clone(),
            ..AppOptions::default()
        },
    );
    step_until(&mut v, "signed in", |app| {
        app.live.me.is_some() && app.live.feed.incidents.len() == 1 && app.plan.ready.is_some()
    });
    let i1 = IncidentId::from("I-000001");
    assert_eq!(
        v.state().live.feed.incidents[&i1].callback,
        None,
        "redacted"
    );
    assert!(
        v.query_by_label_contains(&format!("hall-screen（{}）", zh(T::RoleViewer)))
            .is_some(),
        "the top bar says who this console is"
    );
    v.key_press(egui::Key::J);
    step_until(&mut v, "a recommendation", |app| {
        app.recommendation().is_some()
    });
    v.key_press(egui::Key::D);
    v.run_steps(3);
    let refused = v.state().live.notices.iter().any(|n| {
        matches!(
            &n.text,
            NoticeText::Refused {
                refusal: Some(onemap_core::feed::Refusal::Forbidden { .. }),
                ..
            }
        )
    });
    assert!(refused, "{:?}", v.state().live.notices);
    let text = notice_text(Lang::Zh, &v.state().live.notices.back().unwrap().text);
    assert!(text.contains(zh(T::RoleViewer)), "{text}");
    assert!(v.state().live.pending.is_empty(), "nothing was sent");
    let state = server.state().unwrap();
    assert_eq!(state.incidents[&i1].status, IncidentStatus::New);
    server.stop();
}
