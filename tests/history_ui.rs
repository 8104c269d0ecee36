//! History in the real console against a real feed server on 127.0.0.1: replay shows the
//! moment asked for, marked "回放 · HH:MM:SS", and nothing the commander does while
//! replaying leaves the console (keys, buttons, commands), while the same keys act once L has
//! brought it back to live; the selected unit's track and the heat map come from the log.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed set-up is a failed test

mod common;

use common::floor::floor;
use common::step_until;
use egui_kittest::kittest::Queryable as _;
use onemap::live::NoticeText;
use onemap::model::{AnalysisSettings, Command, ReplayCommand, Selection, StatsExport};
use onemap::ui::i18n::{Lang, T, tr};
use onemap_core::feed::lifecycle::{ReportPosition, SetUnitStatus};
use onemap_core::feed::{Command as FeedCommand, IncidentStatus, UnitId, UnitStatus};

fn zh(key: T) -> &'static str {
    tr(Lang::Zh, key)
}

fn replay_refusals(h: &egui_kittest::Harness<'static, onemap::app::OneMapApp>) -> usize {
    h.state()
        .live
        .notices
        .iter()
        .filter(|n| matches!(n.text, NoticeText::Replaying { .. }))
        .count()
}

#[test]
fn replay_shows_the_past_marked_and_no_command_leaves_until_back_to_live() {
    let floor = floor("replay-ui", 3, 2);
    let mut h = floor.console("desk-r");
    let before_ms = floor.clock.now_ms();
    // The first call, as it stands now.
    h.key_press(egui::Key::J);
    step_until(&mut h, "a recommendation", |app| {
        app.recommendation()
            .is_some_and(|o| !o.assigned && !o.recommendation.ranked.is_empty())
    });
    let id = h.state().selected_incident().unwrap().id.clone();
    // Later a unit moves (so the past differs from now).
    floor.clock.advance(60_000);
    let unit = UnitId("U-00".into());
    let moved_to = floor.city.osm().addresses[9000].pos;
    floor.publish(FeedCommand::ReportPosition(ReportPosition {
        unit_id: unit.clone(),
        position: moved_to.into(),
        heading_deg: 0.0,
        speed_kmh: 20.0,
        fix_at_ms: floor.clock.now_ms(),
        stale_at_ms: None,
    }));
    step_until(&mut h, "the move", |app| {
        app.live.feed.units[&unit].position.lonlat() == moved_to
    });
    let audit_before = floor.server.audit_page(None, 500).unwrap().len();

    // Into replay, a moment before the move.
    h.state_mut()
        .push(Command::Replay(ReplayCommand::Open(before_ms + 1_000)));
    step_until(&mut h, "the replayed state", |app| {
        app.history
            .replay
            .as_ref()
            .is_some_and(|r| r.feed.is_some())
    });
    let shown = h.state().shown_feed().units[&unit].position.lonlat();
    assert_ne!(shown, moved_to, "the map shows the past, not now");
    assert_eq!(h.state().live.feed.units[&unit].position.lonlat(), moved_to);
    // Marked, in the band and the timeline.
    assert!(
        h.query_by_label_contains(zh(T::ReplayBand).split('{').next().unwrap())
            .is_some(),
        "the replay band"
    );
    assert!(
        h.query_all_by_label_contains(zh(T::BackToLive)).count() >= 2,
        "in the top bar and the timeline"
    );
    // The dispatch panel offers nothing to send.
    assert!(h.state().recommendation().is_none());
    assert!(h.query_by_label(zh(T::DispatchKey)).is_none());

    // Everything a commander might try while replaying.
    h.state_mut()
        .push(Command::Select(Some(Selection::Incident(id.clone()))));
    h.run_steps(2);
    for key in [egui::Key::D, egui::Key::A, egui::Key::R, egui::Key::C] {
        h.key_press(key);
        h.run_steps(2);
    }
    h.state_mut().push(Command::Acknowledge(id.clone()));
    h.state_mut().push(Command::DispatchChosen);
    h.state_mut()
        .push(Command::Send(FeedCommand::SetUnitStatus(SetUnitStatus {
            unit_id: unit.clone(),
            status: UnitStatus::OffDuty,
        })));
    h.run_steps(4);
    assert!(h.state().live.pending.is_empty(), "nothing is on its way");
    assert!(
        replay_refusals(&h) >= 4,
        "each refused at once, in words: {:?}",
        h.state().live.notices
    );
    assert!(
        h.query_all_by_label_contains("回放中只读").count() > 0,
        "the refusal is on screen"
    );
    // Give a leaked command time to arrive: the server saw nothing from this console.
    for _ in 0..20 {
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let server_state = floor.server.state().unwrap();
    assert_eq!(server_state.incidents[&id].status, IncidentStatus::New);
    assert!(server_state.incidents[&id].acknowledged.is_none());
    assert_eq!(server_state.units[&unit].status, UnitStatus::Available);
    assert_eq!(
        floor.server.audit_page(None, 500).unwrap().len(),
        audit_before,
        "no command reached the server"
    );

    // L: back to live; the same key now acts.
    h.key_press(egui::Key::L);
    h.run_steps(2);
    assert!(!h.state().replaying());
    assert_eq!(
        h.state().shown_feed().units[&unit].position.lonlat(),
        moved_to
    );
    h.state_mut()
        .push(Command::Select(Some(Selection::Incident(id.clone()))));
    h.run_steps(2);
    h.key_press(egui::Key::A);
    step_until(&mut h, "acknowledged live", |app| {
        app.live.feed.incidents[&id].acknowledged.is_some()
    });
    floor.server.stop();
}

#[test]
fn the_selected_unit_has_a_track_and_the_heat_map_counts_the_calls() {
    let floor = floor("track-ui", 2, 4);
    let mut h = floor.console("desk-t");
    let unit = UnitId("U-01".into());
    let addresses = &floor.city.osm().addresses;
    for k in 0..5 {
        floor.clock.advance(20_000);
        floor.publish(FeedCommand::ReportPosition(ReportPosition {
            unit_id: unit.clone(),
            position: addresses[1000 + 40 * k].pos.into(),
            heading_deg: 0.0,
            speed_kmh: 20.0,
            fix_at_ms: floor.clock.now_ms(),
            stale_at_ms: None,
        }));
    }
    step_until(&mut h, "the last fix", |app| {
        app.live.feed.units[&unit].position.lonlat() == addresses[1160].pos
    });
    h.state_mut()
        .push(Command::Select(Some(Selection::Unit(unit.clone()))));
    step_until(&mut h, "the track from the log", |app| {
        app.history
            .track
            .as_ref()
            .is_some_and(|t| t.fetched.is_some() && t.points.len() >= 5)
    });
    // A live fix extends it.
    floor.clock.advance(20_000);
    floor.publish(FeedCommand::ReportPosition(ReportPosition {
        unit_id: unit.clone(),
        position: addresses[2000].pos.into(),
        heading_deg: 0.0,
        speed_kmh: 20.0,
        fix_at_ms: floor.clock.now_ms(),
        stale_at_ms: None,
    }));
    step_until(&mut h, "the live fix on the track", |app| {
        app.history.track.as_ref().is_some_and(|t| {
            t.points
                .back()
                .is_some_and(|p| p.position().lonlat() == addresses[2000].pos)
        })
    });
    // The heat map: the four calls of the period, and the figures beside them.
    h.state_mut().push(Command::SetAnalysis(AnalysisSettings {
        heat_on: true,
        ..AnalysisSettings::default()
    }));
    h.state_mut().push(Command::OpenStats(true));
    step_until(&mut h, "the heat map and the figures", |app| {
        let a = &app.history.analysis;
        a.grid.is_some() && a.figures.is_some()
    });
    let a = &h.state().history.analysis;
    assert_eq!(a.grid.as_ref().unwrap().points, 4);
    assert_eq!(a.figures.as_ref().unwrap().current.incidents, 4);
    assert_eq!(a.hot_by_count.iter().map(|s| s.count).sum::<usize>(), 4);
    assert!(
        h.query_all_by_label(zh(T::Statistics)).count() >= 2,
        "the button and the window"
    );
    assert!(h.query_by_label_contains(zh(T::HeatLegend)).is_some());

    // The exports: CSV with the period's figures, the briefing as PNG and PDF.
    let dir = std::env::temp_dir().join(format!("onemap-stats-{}", std::process::id()));
    let base = dir.join("brief").display().to_string();
    h.state_mut()
        .push(Command::SetStatsExportPath(Some(base.clone())));
    for kind in [StatsExport::Csv, StatsExport::Png, StatsExport::Pdf] {
        h.state_mut().push(Command::ExportStats(kind));
        step_until(&mut h, "the export", |app| {
            app.history.analysis.exported.is_some()
        });
        let (text, failed) = h.state().history.analysis.exported.clone().unwrap();
        assert!(!failed, "{text}");
        h.state_mut().state.history.analysis.exported = None;
    }
    let csv = std::fs::read_to_string(format!("{base}.csv")).unwrap();
    assert!(csv.contains("\nincidents,4,0,,"), "{csv}");
    assert!(csv.lines().any(|l| l.starts_with("beat,name,count")));
    let png = image::open(format!("{base}.png")).unwrap();
    assert_eq!(
        (png.width(), png.height()),
        (onemap::briefing::PAGE_W, onemap::briefing::PAGE_H)
    );
    let pdf = std::fs::read(format!("{base}.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-") && pdf.len() > 10_000);
    let _ = std::fs::remove_dir_all(&dir);
    floor.server.stop();
}
