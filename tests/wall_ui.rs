//! The wall display on a real feed server (fake clock), signed in as a `wall` identity: every
//! text of every view at least the layout's smallest size at 1920×1080 and 3840×2160; the
//! data's age shown and the red band once it is lost; a new P1 over everything until a
//! console acknowledges it, then the rotation going on.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::floor::{Floor, floor};
use common::step_until;
use egui::epaint::Shape;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use onemap::app::{AppOptions, OneMapApp};
use onemap::live::FeedSource;
use onemap::ui::i18n::{Lang, T, tr};
use onemap::wall::{WallLayout, WallView};
use onemap_core::feed::lifecycle::Acknowledge;
use onemap_core::feed::{Command as FeedCommand, Role};

fn zh(key: T) -> &'static str {
    tr(Lang::Zh, key)
}

/// A wall on `floor`, `size` points, with `layout`.
fn wall(
    floor: &Floor,
    name: &str,
    layout: WallLayout,
    size: egui::Vec2,
) -> Harness<'static, OneMapApp> {
    let token = onemap_feed::identity::IdentityDb::open(floor.server.db())
        .unwrap()
        .create(name, Role::Wall, &[], 0, true)
        .unwrap();
    let mut h = common::harness_sized(
        floor.city.clone(),
        AppOptions {
            feed: FeedSource::External {
                url: floor.url.clone(),
                token: Some(token),
                tls: Default::default(),
            },
            clock: floor.clock.clone(),
            wall: Some(layout),
            // The demo's beats and stations (read only: a wall edits nothing).
            layers_dir: Some(common::repo_path("layers")),
            ..AppOptions::default()
        },
        size,
    );
    step_until(&mut h, "the feed", |app| {
        app.live.me.is_some() && app.live.feed.last_seq > 0
    });
    h
}

/// Every text shape's font sizes, with its text.
fn texts(shape: &Shape, out: &mut Vec<(f32, String)>) {
    match shape {
        Shape::Text(t) => {
            for s in &t.galley.job.sections {
                let text = t.galley.job.text[s.byte_range.start.0..s.byte_range.end.0].to_owned();
                if !text.trim().is_empty() {
                    out.push((s.format.font_id.size, text));
                }
            }
        }
        Shape::Vec(v) => v.iter().for_each(|s| texts(s, out)),
        _ => {}
    }
}

#[test]
fn every_view_is_legible_at_both_resolutions() {
    let floor = floor("wall-legible", 12, 8);
    for (w, h) in [(1920.0, 1080.0), (3840.0, 2160.0)] {
        let layout = WallLayout {
            resolution: [w as u32, h as u32],
            ..WallLayout::default()
        };
        let min = layout.min_text_pt(h);
        let mut wall = wall(
            &floor,
            &format!("wall-{w}"),
            layout.clone(),
            egui::vec2(w, h),
        );
        for view in WallView::ALL {
            let now = floor.clock.now_ms();
            wall.state_mut()
                .state
                .wall
                .as_mut()
                .unwrap()
                .rotation
                .show(view, true, &layout, now);
            wall.run_steps(3);
            let mut found = Vec::new();
            for s in &wall.output().shapes {
                texts(&s.shape, &mut found);
            }
            assert!(found.len() >= 5, "{view:?} at {w}: {found:?}");
            if view == WallView::Map {
                // Station districts, not hundreds of beat outlines.
                let drawn = wall.state().last_ops_drawn().clone();
                assert!(drawn.districts > 0 && drawn.beats == 0, "{drawn:?}");
            }
            let small: Vec<_> = found
                .iter()
                .filter(|(size, _)| *size < min - 0.01)
                .collect();
            assert!(
                small.is_empty(),
                "{view:?} at {w}×{h}: text under {min:.1} pt: {small:?}"
            );
        }
    }
}

#[test]
fn stale_data_is_obvious_and_a_p1_holds_the_screen_until_acknowledged() {
    let floor = floor("wall-stale", 6, 4);
    let layout = WallLayout::default();
    let mut wall = wall(&floor, "wall-1", layout.clone(), egui::vec2(1920.0, 1080.0));
    wall.run_steps(3);
    assert!(
        wall.query_by_label(zh(T::WallFresh)).is_some(),
        "live at first"
    );
    // The floor's first call is a P1 nobody acknowledged: it holds the screen.
    let rotation = &wall.state().state.wall.as_ref().unwrap().rotation;
    let p1 = rotation.takeover.clone().expect("a P1 takes the screen");
    assert!(wall.query_by_label(zh(T::WallAwaitAck)).is_some());
    let view = rotation.view(&layout);
    floor.clock.advance(200_000);
    wall.run_steps(3);
    assert_eq!(
        wall.state()
            .state
            .wall
            .as_ref()
            .unwrap()
            .rotation
            .view(&layout),
        view,
        "no rotation under a takeover"
    );
    // A console acknowledges it: the card goes, the rotation goes on after its dwell.
    floor.publish(FeedCommand::Acknowledge(Acknowledge {
        incident_id: p1.clone(),
    }));
    step_until(&mut wall, "the acknowledgement", |app| {
        app.state.wall.as_ref().unwrap().rotation.takeover.is_none()
    });
    assert!(wall.query_by_label(zh(T::WallAwaitAck)).is_none());
    floor.clock.advance(61_000);
    wall.run_steps(3);
    assert_ne!(
        wall.state()
            .state
            .wall
            .as_ref()
            .unwrap()
            .rotation
            .view(&layout),
        view,
        "the rotation resumed"
    );

    // The server goes away: the age, then the red band with the time of the last data.
    let clock = floor.clock.clone();
    let Floor { server, .. } = floor;
    server.stop();
    wall.run_steps(3);
    let as_of = wall.state().live.last_message_ms.unwrap();
    for (s, band) in [(9, false), (11, false), (31, true)] {
        clock.set(as_of + s * 1000);
        wall.run_steps(3);
        let age = zh(T::WallAge).replace("{s}", &s.to_string());
        let lost = zh(T::WallLost).split('{').next().unwrap().to_owned();
        assert!(wall.query_by_label(&age).is_some(), "{s} s: {age}");
        assert_eq!(
            wall.query_by_label_contains(&lost).is_some(),
            band,
            "{s} s: the red band"
        );
    }
}

/// A commander switches the wall's view from a console: it holds that view, and goes back to
/// its rotation when asked; the console is told on how many walls it was shown.
#[test]
fn a_commander_switches_the_walls_view_from_a_console() {
    let floor = floor("wall-switch", 4, 2);
    let layout = WallLayout::default();
    let mut wall = wall(&floor, "wall-1", layout.clone(), egui::vec2(1920.0, 1080.0));
    let mut desk = floor.console("desk-1");
    let rotation =
        |w: &Harness<'static, OneMapApp>| w.state().state.wall.as_ref().unwrap().rotation.clone();
    // The floor's P1, acknowledged: nothing holds the screen but the commander's choice.
    wall.run_steps(2);
    if let Some(p1) = rotation(&wall).takeover {
        floor.publish(FeedCommand::Acknowledge(Acknowledge { incident_id: p1 }));
        step_until(&mut wall, "no takeover", |app| {
            app.state.wall.as_ref().unwrap().rotation.takeover.is_none()
        });
    }
    assert_eq!(rotation(&wall).view(&layout), WallView::Map);
    desk.get_by_label(zh(T::WallViewTicker)).click();
    desk.run_steps(3);
    step_until(&mut wall, "the wall to show the ticker", |app| {
        let r = &app.state.wall.as_ref().unwrap().rotation;
        r.view(&layout) == WallView::Ticker && r.pinned
    });
    step_until(&mut desk, "the answer", |app| {
        app.live.notices.iter().any(|n| n.ok)
    });
    // Held: a rotation's worth of time later it is still the ticker.
    floor.clock.advance(300_000);
    wall.run_steps(3);
    assert_eq!(rotation(&wall).view(&layout), WallView::Ticker);
    // Calls still unassigned five minutes on are past their targets (P2: 3 min): flagged.
    let flag = zh(T::WallOverdue).split(' ').next().unwrap().to_owned();
    assert!(
        wall.query_all_by_label_contains(&flag).count() >= 1,
        "an overdue call is flagged"
    );
    // Back to the rotation.
    desk.get_by_label(zh(T::WallRotation)).click();
    desk.run_steps(3);
    step_until(&mut wall, "the rotation", |app| {
        !app.state.wall.as_ref().unwrap().rotation.pinned
    });
    floor.clock.advance(61_000);
    wall.run_steps(3);
    assert_ne!(rotation(&wall).view(&layout), WallView::Ticker);
}

/// Every text shape on screen now.
fn screen_texts(h: &Harness<'static, OneMapApp>) -> Vec<String> {
    let mut found = Vec::new();
    for s in &h.output().shapes {
        texts(&s.shape, &mut found);
    }
    found.into_iter().map(|(_, t)| t).collect()
}

#[test]
fn the_figure_cards_show_the_days_medians_and_comparisons_from_the_log() {
    use onemap_core::feed::lifecycle::{CreateIncident, Dispatch, SetUnitStatus};
    use onemap_core::feed::{Category, UnitId, UnitStatus};
    let floor = floor("wall-figures", 4, 0);
    let addresses = &floor.city.osm().addresses;
    let create = |k: usize, priority: u8, reported_at_ms: i64| {
        let at = &addresses[5000 + 300 * k];
        FeedCommand::CreateIncident(CreateIncident {
            category: Category::Theft,
            priority,
            location: at.pos.into(),
            address: at.label(),
            reported_at_ms: Some(reported_at_ms),
            callback: None,
            notes: vec![],
        })
    };
    const H: i64 = 3_600_000;
    let t0 = floor.clock.now_ms();
    // The fixture: before midnight, in the window as long as today's so far, one incident
    // (环比); a week earlier, two (同比); a year earlier, none.
    floor.publish(create(0, 3, t0 - 10 * H));
    floor.publish(create(1, 4, t0 - 7 * 24 * H - H));
    floor.publish(create(2, 4, t0 - 7 * 24 * H - 2 * H));
    // Today: P1 three times (call → dispatch 30, 70, 50 s; dispatch → arrival 200, 240,
    // 400 s), P2 once (100 s, 500 s). Medians: P1 0:50 and 4:00, P2 1:40 and 8:20.
    let today = [(1, 30, 200), (1, 70, 240), (1, 50, 400), (2, 100, 500)];
    for (k, &(priority, c2d_s, d2a_s)) in today.iter().enumerate() {
        let now = floor.clock.now_ms();
        floor.publish(create(3 + k, priority, now - c2d_s * 1000));
        let incident_id = format!("I-{:06}", 4 + k).as_str().into();
        let unit_id = UnitId(format!("U-{k:02}"));
        floor.publish(FeedCommand::Dispatch(Dispatch {
            incident_id,
            unit_id: unit_id.clone(),
            rank: None,
        }));
        floor.clock.advance(d2a_s * 1000);
        floor.publish(FeedCommand::SetUnitStatus(SetUnitStatus {
            unit_id,
            status: UnitStatus::OnScene,
        }));
    }
    let layout = WallLayout::default();
    let mut wall = wall(
        &floor,
        "wall-fig",
        layout.clone(),
        egui::vec2(1920.0, 1080.0),
    );
    let now = floor.clock.now_ms();
    wall.state_mut().state.wall.as_mut().unwrap().rotation.show(
        WallView::Figures,
        true,
        &layout,
        now,
    );
    step_until(&mut wall, "today's figures", |app| {
        app.history.today.figures.is_some()
    });
    wall.run_steps(3);
    let shown = screen_texts(&wall);
    let has = |s: &str| shown.iter().any(|t| t == s);
    for expected in [
        "4 起警情",
        "+300%",
        "+100%",
        "—",
        "0:50 / 1:00",
        "4:00 / 5:00",
        "1:40 / 3:00",
        "8:20 / 10:00",
        "— / 10:00",
        "— / 30:00",
    ] {
        assert!(has(expected), "{expected:?} not among {shown:?}");
    }
    // The heat view: the period's incidents from the log, kept fresh whatever view is up.
    step_until(&mut wall, "the heat map of the period", |app| {
        app.history.analysis.grid.is_some()
    });
    // Seven days back: today's four and the one before midnight, not the week-old two.
    assert_eq!(
        wall.state().history.analysis.grid.as_ref().unwrap().points,
        5
    );
    // The figures are the log's: the same answer as the history query's own computation.
    let f = &wall.state().history.today.figures.as_ref().unwrap().current;
    assert_eq!(f.call_to_dispatch[0].median_s, 50.0);
    assert_eq!(f.dispatch_to_arrival[1].median_s, 500.0);
    floor.server.stop();
}
