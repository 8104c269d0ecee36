//! The dispatch floor in the real console against a real feed server on 127.0.0.1: ten calls
//! worked from the keyboard alone; an acknowledgement seen by every console and the alert a
//! new P1 raises; the queue that holds still under the pointer and colours a call by its
//! wait; the units sent with their ETA and route; the unit board; search for incidents and
//! units; the audit log in words, filtered and exported where the user says; the live layer
//! toggles; a server that cannot be reached said at once; every Chinese name drawn.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed set-up is a failed test

mod common;

use common::floor::floor;
use common::{demo_city, step_until};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use onemap::app::{AppOptions, OneMapApp};
use onemap::live::FeedSource;
use onemap::model::{AuditFilter, Command, Selection};
use onemap::ui::i18n::{Lang, T, tr};
use onemap_core::feed::lifecycle::CreateIncident;
use onemap_core::feed::{
    Category, Command as FeedCommand, IncidentId, IncidentStatus, UnitKind, UnitStatus,
};

fn zh(key: T) -> &'static str {
    tr(Lang::Zh, key)
}

/// The part of a template before its first placeholder.
fn stem(key: T) -> &'static str {
    zh(key).split('{').next().unwrap()
}

fn selected(h: &Harness<'static, OneMapApp>) -> Option<IncidentId> {
    match &h.state().selection {
        Some(Selection::Incident(id)) => Some(id.clone()),
        _ => None,
    }
}

/// Ten calls from arrival to dispatch to clear, by keys alone: J takes the next waiting call
/// (most urgent first), A acknowledges, D sends the fastest unit, R reports the arrival, C
/// clears; the queue empties and every call was worked in priority order.
#[test]
fn ten_calls_are_worked_from_the_keyboard_alone() {
    let floor = floor("keyboard", 12, 10);
    let mut h = floor.console("desk-k");
    let mut worked: Vec<(IncidentId, u8)> = Vec::new();
    for round in 0..10 {
        h.key_press(egui::Key::J);
        step_until(&mut h, "a waiting call selected", |app| {
            app.selected_incident()
                .is_some_and(|i| i.status == IncidentStatus::New)
        });
        let id = selected(&h).unwrap();
        let priority = h.state().live.feed.incidents[&id].priority;
        h.key_press(egui::Key::A);
        step_until(&mut h, "acknowledged", |app| {
            app.live.feed.incidents[&id].acknowledged.is_some()
        });
        step_until(&mut h, "a recommendation", |app| {
            app.recommendation()
                .is_some_and(|o| !o.assigned && !o.recommendation.ranked.is_empty())
        });
        let sent = h.state().chosen_unit().unwrap().0;
        h.key_press(egui::Key::D);
        step_until(&mut h, "dispatched", |app| {
            app.live.feed.incidents[&id].status == IncidentStatus::Dispatched
        });
        // The map shows where the unit comes from and where it goes.
        let view = h.state().last_map_frame().view.unwrap();
        let feed = &h.state().live.feed;
        assert!(view.contains(feed.incidents[&id].location.lonlat()));
        assert!(
            view.contains(feed.units[&sent].position.lonlat()),
            "round {round}"
        );
        // The panel now follows the unit sent: its ETA, not another dispatch button.
        step_until(&mut h, "the sent unit's ETA", |app| {
            app.recommendation()
                .is_some_and(|o| o.assigned && o.recommendation.ranked.len() == 1)
        });
        assert!(
            h.query_by_label_contains(stem(T::EtaLeft)).is_some(),
            "round {round}: ETA shown"
        );
        assert!(h.query_by_label(zh(T::DispatchKey)).is_none());
        h.key_press(egui::Key::R);
        step_until(&mut h, "on scene", |app| {
            app.live.feed.incidents[&id].status == IncidentStatus::OnScene
        });
        h.key_press(egui::Key::C);
        step_until(&mut h, "cleared", |app| {
            app.live.feed.incidents[&id].status == IncidentStatus::Cleared
        });
        // The route goes with the incident.
        assert!(h.state().recommendation().is_none());
        worked.push((id, priority));
    }
    let priorities: Vec<u8> = worked.iter().map(|w| w.1).collect();
    let mut sorted = priorities.clone();
    sorted.sort_unstable();
    assert_eq!(priorities, sorted, "most urgent first: {worked:?}");
    let state = floor.server.state().unwrap();
    assert!(
        state
            .incidents
            .values()
            .all(|i| i.status == IncidentStatus::Cleared)
    );
    assert!(
        state
            .units
            .values()
            .all(|u| u.status == UnitStatus::Available)
    );
    // Every step is the signed-in desk's in the audit log.
    let audit = floor.server.audit_page(None, 500).unwrap();
    let mine = |action: &str| {
        audit
            .iter()
            .filter(|e| e.action == action && e.client.starts_with("desk-k ("))
            .count()
    };
    assert_eq!(mine("dispatch"), 10);
    assert_eq!(mine("acknowledge"), 10);
    assert_eq!(mine("set_incident_status"), 20);
    floor.server.stop();
}

/// A acknowledges on one console; the other sees who and when; a new P1 raises the alert on
/// both, a P3 does not.
#[test]
fn an_acknowledgement_is_seen_by_every_console_and_a_new_p1_alerts() {
    let floor = floor("ack-ui", 3, 1);
    let (mut a, mut b) = (floor.console("desk-a"), floor.console("desk-b"));
    let i1 = IncidentId::from("I-000001");
    let before = (a.state().live.alerts_raised, b.state().live.alerts_raised);
    assert_eq!(
        before,
        (0, 0),
        "calls already there on connect do not alert"
    );
    a.state_mut().push(Command::Acknowledge(i1.clone()));
    a.run_steps(3);
    b.state_mut()
        .push(Command::Select(Some(Selection::Incident(i1.clone()))));
    step_until(&mut b, "the acknowledgement", |app| {
        app.live.feed.incidents[&i1].acknowledged.is_some()
    });
    let shown = zh(T::AckedBy).replace("{n}", "desk-a");
    let shown = shown.split('{').next().unwrap();
    assert!(b.query_by_label_contains(shown).is_some(), "{shown}");
    let at = floor.city.osm().addresses[5000].clone();
    let call = |priority| {
        FeedCommand::CreateIncident(CreateIncident {
            category: Category::Robbery,
            priority,
            location: at.pos.into(),
            address: at.label(),
            reported_at_ms: None,
            callback: None,
            notes: vec![],
        })
    };
    floor.publish(call(3));
    floor.publish(call(1));
    for h in [&mut a, &mut b] {
        step_until(h, "the new calls", |app| app.live.feed.incidents.len() == 3);
        assert_eq!(h.state().live.alerts_raised, 1, "one alert, for the P1");
    }
    floor.server.stop();
}

/// The queue holds still under the pointer: a new P1 joins at the end while the pointer is
/// over the rows, and takes its place at the top when the pointer leaves. A call waiting
/// past its target is flagged.
#[test]
fn the_queue_holds_still_under_the_pointer_and_flags_late_calls() {
    let floor = floor("queue-ui", 3, 3);
    let mut h = floor.console("desk-q");
    let first = h.get_by_label_contains("I-000001").rect();
    h.hover_at(first.center());
    h.run_steps(3);
    assert!(
        h.state().dispatch.queue_frozen.is_some(),
        "frozen while hovered"
    );
    let at = floor.city.osm().addresses[6000].clone();
    // A P1 that waited longer than every call shown (it sorts first).
    let reported = floor.clock.now_ms() - 50_000;
    floor.publish(FeedCommand::CreateIncident(CreateIncident {
        category: Category::Fire,
        priority: 1,
        location: at.pos.into(),
        address: at.label(),
        reported_at_ms: Some(reported),
        callback: None,
        notes: vec![],
    }));
    step_until(&mut h, "the new call", |app| {
        app.live.feed.incidents.len() == 4
    });
    let still = h.get_by_label_contains("I-000001").rect();
    assert_eq!(
        still.min, first.min,
        "the row under the pointer did not move"
    );
    let newest = h.get_by_label_contains("I-000004").rect();
    assert!(newest.min.y > still.min.y, "the new call joined at the end");
    h.hover_at(egui::pos2(700.0, 500.0));
    h.run_steps(3);
    assert!(h.state().dispatch.queue_frozen.is_none());
    let order = onemap::state::dispatch::queue_order(h.state().live.feed.incidents.values());
    assert_eq!(
        order[0].id.as_str(),
        "I-000004",
        "the longest-waiting P1 on top after"
    );
    let top = h.get_by_label_contains("I-000004").rect();
    assert!(top.min.y < h.get_by_label_contains("I-000001").rect().min.y);
    // Waiting past half the P1 target (60 s): amber; past all of it: red; a P4 of the same
    // age is within its 30 minutes.
    let targets = h.state().settings.targets_s;
    let inc = h.state().live.feed.incidents[&IncidentId::from("I-000004")].clone();
    let level = |ms| onemap::state::dispatch::wait_level(&inc, &targets, reported + ms);
    assert_eq!(level(20_000), Some(0));
    assert_eq!(level(31_000), Some(1));
    assert_eq!(level(61_000), Some(2));
    let p4 = onemap_core::feed::Incident {
        priority: 4,
        ..inc.clone()
    };
    let p4_level = onemap::state::dispatch::wait_level(&p4, &targets, reported + 61_000);
    assert_eq!(p4_level, Some(0));
    floor.server.stop();
}

/// The unit board lists every unit and sets a unit off duty; search finds incidents and
/// units; the live layer toggles hide what they say.
#[test]
fn the_unit_board_search_and_live_layers() {
    let floor = floor("board-ui", 4, 2);
    let mut h = floor.console("desk-b");
    h.state_mut().push(Command::OpenUnitBoard(true));
    h.run_steps(3);
    for k in 0..4 {
        assert!(
            h.query_by_label(&format!("巡{k:02}")).is_some(),
            "unit {k} on the board"
        );
    }
    let off = h.get_all_by_label(zh(T::SetOffDuty)).next().unwrap().rect();
    h.hover_at(off.center());
    h.run_steps(1);
    h.get_all_by_label(zh(T::SetOffDuty))
        .next()
        .unwrap()
        .click();
    step_until(&mut h, "a unit off duty", |app| {
        app.live
            .feed
            .units
            .values()
            .any(|u| u.status == UnitStatus::OffDuty)
    });
    let server_side = floor.server.state().unwrap();
    assert_eq!(
        server_side
            .units
            .values()
            .filter(|u| u.status == UnitStatus::OffDuty)
            .count(),
        1
    );
    h.state_mut().push(Command::OpenUnitBoard(false));

    // Search: an incident by its id, a unit by its call sign.
    h.state_mut().push(Command::SetSearch("I-000002".into()));
    h.run_steps(2);
    let hit = h.state().search_hits.first().cloned().unwrap();
    assert_eq!(
        hit.target,
        onemap_core::search::Target::Incident("I-000002".into())
    );
    h.state_mut().push(Command::PickSearchHit(hit));
    h.run_steps(2);
    assert_eq!(selected(&h), Some(IncidentId::from("I-000002")));
    h.state_mut().push(Command::SetSearch("巡03".into()));
    h.run_steps(2);
    assert_eq!(
        h.state().search_hits.first().map(|x| x.target.clone()),
        Some(onemap_core::search::Target::Unit("U-03".into()))
    );

    // The legend names the live symbols: units by status, incidents by priority.
    h.run_steps(2);
    for p in ["P1", "P2", "P3", "P4"] {
        assert!(h.query_by_label(p).is_some(), "legend {p}");
    }
    let off_duty = onemap::ui::labels::unit_status_label(Lang::Zh, UnitStatus::OffDuty);
    assert!(h.query_by_label(off_duty).is_some(), "legend {off_duty}");
    // Live layers: hiding patrol cars and P1 calls hides them on the map.
    h.state_mut().push(Command::SetSearch(String::new()));
    h.state_mut().push(Command::Home);
    h.run_steps(3);
    let drawn = h.state().last_ops_drawn().clone();
    assert_eq!(drawn.units, 4);
    assert_eq!(drawn.incidents, 2);
    h.state_mut()
        .push(Command::SetLiveKind(UnitKind::PatrolCar.index(), false));
    h.state_mut().push(Command::SetLivePriority(0, false));
    h.run_steps(3);
    let drawn = h.state().last_ops_drawn().clone();
    assert_eq!(drawn.units, 0);
    assert_eq!(drawn.incidents, 1, "the P2 stays");
    floor.server.stop();
}

/// The audit log speaks the UI's language, names the operator, filters by incident on the
/// server, and writes its CSV only where the user said.
#[test]
fn the_audit_log_is_readable_filtered_and_saved_where_asked() {
    let floor = floor("audit-ui", 3, 2);
    let mut h = floor.console("desk-au");
    h.key_press(egui::Key::J);
    step_until(&mut h, "a recommendation", |app| {
        app.recommendation().is_some_and(|o| !o.assigned)
    });
    h.key_press(egui::Key::D);
    step_until(&mut h, "dispatched", |app| {
        app.live.feed.incidents[&IncidentId::from("I-000001")].status == IncidentStatus::Dispatched
    });
    h.state_mut().push(Command::OpenAudit(true));
    h.state_mut().push(Command::RefreshAudit);
    step_until(&mut h, "the audit page", |app| {
        app.live
            .audit
            .as_ref()
            .is_some_and(|p| p.entries.iter().any(|e| e.action == "dispatch"))
    });
    let page = h.state().live.audit.clone().unwrap();
    let shown = page
        .entries
        .iter()
        .filter(|e| e.action == "recommendation")
        .count();
    assert_eq!(shown, 1, "one row per list shown, not per refresh");
    // Action names in Chinese, the operator named, details in words.
    assert!(h.query_by_label(zh(T::CmdDispatch)).is_some());
    assert!(h.query_by_label(zh(T::ActRecommendation)).is_some());
    assert!(
        h.query_all_by_label_contains("desk-au (127.0.0.1:")
            .next()
            .is_some()
    );
    assert!(h.query_by_label_contains(stem(T::DetailDispatch)).is_some());
    assert!(
        h.query_by_label_contains("\"incident_id\"").is_none(),
        "no raw JSON"
    );
    let ranked = format!("{}1 U-", stem(T::DetailRanked));
    assert!(h.query_by_label_contains(&ranked).is_some(), "{ranked}");
    let done = zh(T::CommandDone).replace("{c}", zh(T::CmdDispatch));
    assert!(
        h.query_all_by_label(&done).count() >= 2,
        "the notice and the row: {done}"
    );
    // Filter on the server: the other incident only.
    h.state_mut().push(Command::SetAuditFilter(AuditFilter {
        incident: "I-000002".into(),
        ..AuditFilter::default()
    }));
    h.state_mut().push(Command::RefreshAudit);
    step_until(&mut h, "the filtered page", |app| {
        app.live.audit.as_ref().is_some_and(|p| {
            p.entries.iter().all(|e| {
                e.incident_id
                    .as_ref()
                    .is_some_and(|i| i.as_str() == "I-000002")
            })
        })
    });
    // Export: nothing until a place is given; then exactly there.
    let cwd_before: Vec<_> = std::fs::read_dir(".").unwrap().flatten().collect();
    h.state_mut().push(Command::ExportAudit);
    h.run_steps(2);
    assert!(h.state().dispatch.audit_saved.is_none(), "no path, no file");
    let out = std::env::temp_dir().join(format!("onemap-audit-test-{}/a.csv", std::process::id()));
    h.state_mut()
        .push(Command::SetAuditExportPath(Some(out.display().to_string())));
    h.state_mut().push(Command::ExportAudit);
    h.run_steps(2);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("id,time_utc,"));
    assert_eq!(
        h.state().dispatch.audit_saved.as_ref().map(|s| s.1),
        Some(false)
    );
    let cwd_after: Vec<_> = std::fs::read_dir(".").unwrap().flatten().collect();
    assert_eq!(cwd_before.len(), cwd_after.len(), "nothing written here");
    let _ = std::fs::remove_dir_all(out.parent().unwrap());
    floor.server.stop();
}

/// Started against a server that is not there: the band says so at once, with the address.
#[test]
fn a_console_started_against_an_unreachable_server_says_so_at_once() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("ws://127.0.0.1:{port}");
    let mut h = common::harness_with(
        demo_city(),
        AppOptions {
            feed: FeedSource::External {
                url: url.clone(),
                token: Some("x".repeat(40)),
                tls: Default::default(),
            },
            planner: false,
            ..AppOptions::default()
        },
    );
    step_until(&mut h, "the failed connection", |app| {
        matches!(app.live.link, Some(onemap::live::Link::Reconnecting { .. }))
    });
    let said = zh(T::BandUnreachable).replace("{u}", &url);
    let said = said.split('{').next().unwrap();
    assert!(h.query_by_label_contains(said).is_some(), "{said}");
    assert!(h.query_by_label_contains(zh(T::QueueNoData)).is_some());
    assert!(h.query_by_label(zh(T::NoIncidents)).is_none());
}

/// Names outside GB2312 are drawn with a glyph, not a box, when a full CJK font is
/// installed (the README says how): 堃, 喆, 玥, 琇.
#[test]
fn every_chinese_name_has_a_glyph() {
    let h = common::harness_with(
        demo_city(),
        AppOptions {
            planner: false,
            ..AppOptions::default()
        },
    );
    let font = egui::FontId::proportional(14.0);
    let has = h.ctx.fonts_mut(|f| f.has_glyphs(&font, "堃喆玥琇"));
    if onemap::basemap::text::system_cjk_font().is_none() {
        eprintln!("no system CJK font (apt-get install fonts-noto-cjk): the subset lacks them");
        assert!(!has);
        return;
    }
    assert!(has, "the UI font draws 堃喆玥琇");
}
