//! Drawing a patrol route in the real console: clicks on the map add waypoints that the
//! routing worker lays on the roads and scores; dragging a waypoint changes the route and its
//! score; undo brings it back; the route is saved to patrols.geojson and read back.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed set-up is a failed test

mod common;

use std::time::Duration;

use common::{demo_city, repo_path};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use onemap::app::{AppOptions, OneMapApp};
use onemap::model::Tool;
use onemap::ui::i18n::{Lang, T, tr};

fn zh(key: T) -> &'static str {
    tr(Lang::Zh, key)
}

fn click_map(h: &mut Harness<'static, OneMapApp>, at: egui::Pos2) {
    h.hover_at(at);
    h.run_steps(1);
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos: at,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: Default::default(),
        });
        h.run_steps(1);
    }
    // Far enough apart in time not to be a double click (which zooms).
    h.run_steps(30);
}

/// Step until the worker has laid the route as it is now; its length, metres.
fn laid_length(h: &mut Harness<'static, OneMapApp>) -> f64 {
    for _ in 0..600 {
        h.step();
        if let Some(laid) = h.state().patrol.laid_now() {
            let (_, score) = laid
                .result
                .as_ref()
                .expect("the route is laid on the roads");
            let m = score.length_m;
            h.run_steps(1);
            return m;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("the worker never laid the route");
}

/// The console on the layers in `dir` (exports there too), in planner mode or not.
fn editor(dir: &std::path::Path, plan_on_start: bool) -> Harness<'static, OneMapApp> {
    common::harness_with(
        demo_city(),
        AppOptions {
            layers_dir: Some(dir.to_path_buf()),
            plan_export_dir: dir.join("export"),
            plan_on_start,
            ..AppOptions::default()
        },
    )
}

/// A fresh folder holding a copy of the demo layers.
fn layers_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("onemap-patrol-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["beats", "cameras", "posts", "stations"] {
        let file = format!("{f}.geojson");
        std::fs::copy(repo_path(&format!("layers/{file}")), dir.join(&file)).unwrap();
    }
    dir
}

#[test]
fn a_planner_draws_a_patrol_drags_a_waypoint_and_the_score_follows() {
    let dir = layers_dir("ui");
    let mut h = editor(&dir, true);
    h.run_steps(3);
    // The map on the town centre at street level (the first post's place).
    let post = h.state().ops.layers.posts[0].pos;
    h.state_mut().push(onemap::model::Command::FlyTo(post));
    h.run_steps(3);
    h.get_by_label(zh(T::PatrolDraw)).click();
    h.run_steps(2);
    assert_eq!(h.state().tool, Some(Tool::Patrol));

    // Three clicks around the middle of the map: a loop of three stops.
    let right = onemap::layouts::console::RIGHT_WIDTH;
    let centre = egui::pos2(270.0 + (1400.0 - 270.0 - right) / 2.0, 450.0);
    let points = [
        centre + egui::vec2(-150.0, -90.0),
        centre + egui::vec2(140.0, -110.0),
        centre + egui::vec2(0.0, 150.0),
    ];
    for p in points {
        click_map(&mut h, p);
    }
    let route = h
        .state()
        .patrol
        .route()
        .cloned()
        .expect("a route was started");
    assert_eq!(route.waypoints.len(), 3, "one waypoint per click");
    assert!(route.closed, "a new route is a loop");
    let first = laid_length(&mut h);
    assert!(first > 100.0, "the loop runs along the roads: {first} m");
    let legs = h.state().patrol.laid_any().unwrap().0.legs.len();
    assert_eq!(legs, 3, "three legs, the last back to the start");
    // The score is in the side panel.
    h.get_by_label(zh(T::PatrolScore));
    h.get_by_label(zh(T::ScoreLength));
    h.get_by_label(zh(T::ScoreSites));
    h.get_by_label(zh(T::ScorePai));
    // The loop in the city centre passes within 3 minutes of a post: the time near each is
    // scored, against the posts layer.
    let (_, score) = h.state().patrol.laid_any().unwrap();
    assert!(
        !score.sites.is_empty(),
        "no post within 3 minutes of the loop"
    );
    let posts = h.state().ops.layers.posts.len();
    assert!(
        score
            .sites
            .iter()
            .all(|s| s.site < posts && s.within_s[1] >= s.within_s[0])
    );

    // Drag the second waypoint 160 px east: the route and its score change.
    common::drag(
        &mut h,
        points[1],
        points[1] + egui::vec2(160.0, 60.0),
        6,
        |h| {
            std::thread::sleep(Duration::from_millis(5));
            h.step();
        },
    );
    h.run_steps(2);
    let moved = h.state().patrol.route().unwrap().waypoints[1].at;
    assert!(
        moved.lon > route.waypoints[1].at.lon,
        "the waypoint moved east"
    );
    let second = laid_length(&mut h);
    assert!(
        (second - first).abs() > 50.0,
        "the score follows: {first} m → {second} m"
    );
    assert_eq!(
        h.state().patrol.waypoint,
        Some(1),
        "the dragged waypoint is selected"
    );
    // The figures before the drag are shown beside the new ones.
    let before = h.state().patrol.before.as_ref().map(|s| s.length_m);
    assert_eq!(before, Some(first));

    // One undo (Ctrl+Z while drawing) takes the whole drag back.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run_steps(2);
    assert_eq!(
        h.state().patrol.route().unwrap().waypoints[1].at,
        route.waypoints[1].at
    );
    let undone = laid_length(&mut h);
    assert!(
        (undone - first).abs() < 1e-6,
        "{undone} m after undo, {first} m before the drag"
    );

    // Saved (Ctrl+S while drawing), and read back as it was.
    assert!(h.state().patrol.dirty);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    h.run_steps(2);
    let text = std::fs::read_to_string(dir.join("patrols.geojson")).unwrap();
    let parsed = onemap_core::patrol::file::parse_patrols("patrols.geojson", &text);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.items.len(), 1);
    assert_eq!(parsed.items[0].waypoints.len(), 3);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A commander assigns the drawn route to a unit over the real feed; the unit's reports
/// (as its device sends them) move the patrol on, and the console shows where it has got.
#[test]
fn a_route_assigned_to_a_unit_is_followed_and_its_progress_shown() {
    use onemap::model::{Command, Selection};
    use onemap::state::patrol::PatrolEdit;
    use onemap_core::feed::lifecycle::ReportPosition;
    use onemap_core::feed::{Command as FeedCommand, UnitId};

    let dir = layers_dir("assign");
    let floor = common::floor::floor("patrol-assign", 2, 0);
    let mut h = floor.console_with_layers("commander", Some(dir.clone()));
    let post = h.state().ops.layers.posts[0].pos;
    h.state_mut().push(Command::FlyTo(post));
    h.run_steps(3);
    h.get_by_label(zh(T::PatrolDraw)).click();
    h.run_steps(2);
    let right = onemap::layouts::console::RIGHT_WIDTH;
    let centre = egui::pos2(270.0 + (1400.0 - 270.0 - right) / 2.0, 450.0);
    for p in [
        centre + egui::vec2(-150.0, -90.0),
        centre + egui::vec2(140.0, 100.0),
    ] {
        click_map(&mut h, p);
    }
    laid_length(&mut h);
    let unit = UnitId("U-00".into());
    h.state_mut()
        .push(Command::Patrol(PatrolEdit::AssignTo(Some(unit.clone()))));
    h.run_steps(2);
    h.get_by_label(zh(T::PatrolAssign)).click_accesskit();
    common::step_until(&mut h, "the server's patrol", |app| {
        app.live.feed.units[&unit].patrol.is_some()
    });
    let patrol = h.state().live.feed.units[&unit].patrol.clone().unwrap();
    assert_eq!(patrol.plan.stops.len(), 2);
    assert_eq!(patrol.by, "commander");

    // The unit's device reports from the first stop, stays its 12 minutes, reports again.
    let report = |at: onemap_core::feed::Position| {
        FeedCommand::ReportPosition(ReportPosition {
            unit_id: unit.clone(),
            position: at,
            heading_deg: 0.0,
            speed_kmh: 0.0,
            fix_at_ms: floor.clock.now_ms(),
            stale_at_ms: None,
        })
    };
    floor.publish(report(patrol.plan.stops[0].at));
    floor.clock.advance(721_000);
    floor.publish(report(patrol.plan.stops[0].at));
    common::step_until(&mut h, "the patrol moved on", |app| {
        app.live.feed.units[&unit]
            .patrol
            .as_ref()
            .is_some_and(|p| p.next == 1)
    });
    h.state_mut()
        .push(Command::Select(Some(Selection::Unit(unit.clone()))));
    h.run_steps(3);
    let progress = {
        let app = h.state();
        onemap::state::patrol::progress(
            &app.state,
            &app.live.feed.units[&unit],
            floor.clock.now_ms(),
        )
        .unwrap()
    };
    assert_eq!(progress.next, Some((2, 2)));
    assert_eq!(progress.missed, 0);
    let off = progress.off_route_m.expect("the route is laid here");
    assert!(off < 5.0, "at a stop, on the route: {off} m");
    h.get_by_label(&zh(T::PatrolNext).replace("{k}", "2").replace("{n}", "2"));
    // The selected unit's patrol is laid from its stops as assigned and drawn.
    let laid = &h.state().state.patrol.assigned;
    let ((id, plan), legs) = laid.as_ref().expect("the assigned patrol laid");
    assert_eq!((id, plan), (&unit, &patrol.plan));
    assert_eq!(legs.as_ref().unwrap().legs.len(), 2, "a loop of two stops");

    // Another console, which never saw the route drawn: selecting the unit lays its patrol
    // from the stops, so it shows lateness and distance off the route too.
    let mut other = floor.console("second");
    common::step_until(&mut other, "the patrol on the second console", |app| {
        app.live
            .feed
            .units
            .get(&unit)
            .is_some_and(|u| u.patrol.is_some())
    });
    assert!(other.state().state.patrol.routes.is_empty());
    other
        .state_mut()
        .push(Command::Select(Some(Selection::Unit(unit.clone()))));
    common::step_until(&mut other, "the assigned patrol laid", |app| {
        app.state.patrol.assigned.is_some()
    });
    other.run_steps(2);
    let theirs = {
        let app = other.state();
        onemap::state::patrol::progress(
            &app.state,
            &app.live.feed.units[&unit],
            floor.clock.now_ms(),
        )
        .unwrap()
    };
    assert_eq!(theirs.next, progress.next);
    assert!(theirs.late_s.is_some(), "lateness from the stops as laid");
    let off = theirs.off_route_m.expect("the route is laid there too");
    assert!(off < 5.0, "{off} m");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Loops planned in the console for three units (the default) from hot spots, each set
/// offered with its weight against the best; a set adopted as routes (one undo step); a unit
/// lost and the adopted set re-planned with the others' order kept.
#[test]
fn loops_planned_for_three_units_are_adopted_and_replanned_when_one_is_lost() {
    use onemap::model::Command;
    use onemap_core::patrol::score::HotSpot;

    let dir = layers_dir("auto");
    let mut h = editor(&dir, false);
    h.run_steps(3);
    h.get_by_label(zh(T::PatrolDraw)).click();
    h.run_steps(2);
    // The hot spots the editor scores against (from the history's clusters in use; here
    // 40 addresses near the first station, weighted 1 to 5).
    let city = demo_city();
    let station = h.state().ops.layers.stations[0].pos;
    let mut near: Vec<_> = city
        .osm()
        .addresses
        .iter()
        .map(|a| (onemap_core::coord::haversine_m(station, a.pos), a.pos))
        .filter(|(d, _)| *d < 4000.0)
        .collect();
    near.sort_by(|a, b| a.0.total_cmp(&b.0));
    let spots: Vec<HotSpot> = near
        .iter()
        .step_by((near.len() / 40).max(1))
        .take(40)
        .enumerate()
        .map(|(k, (_, at))| HotSpot {
            at: *at,
            weight: 1.0 + (k % 5) as f64,
        })
        .collect();
    h.state_mut().state.patrol.hot_spots = std::sync::Arc::new(spots);
    h.run_steps(2);
    h.get_by_label(zh(T::PatrolAutoPlan)).click_accesskit();
    common::step_until(&mut h, "the plan", |app| {
        app.state.patrol.auto.answer.is_some()
    });
    h.run_steps(2);
    let answer = h.state().patrol.auto.answer.clone().unwrap();
    let sets = answer.result.clone().expect("a plan");
    assert!(!sets.is_empty() && sets.len() <= 3);
    assert_eq!(sets[0].routes.len(), 3, "a loop for each unit");
    for set in &sets {
        assert!(set.of_best >= 0.95 - 1e-9, "{}", set.of_best);
        for r in &set.routes {
            assert!(r.closed && r.waypoints.len() >= 2);
        }
    }
    // Adopt the best set: three routes, the first edited; undo takes them away again.
    let routes_before = h.state().patrol.routes.len();
    h.get_by_label(&zh(T::PatrolAutoAdopt).replace("{k}", "1"))
        .click_accesskit();
    h.run_steps(2);
    let ids: Vec<String> = h
        .state()
        .patrol
        .routes
        .iter()
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(ids[routes_before..], ["AUTO-1", "AUTO-2", "AUTO-3"]);
    assert_eq!(h.state().patrol.route().unwrap().id, "AUTO-1");
    h.state_mut()
        .push(Command::Patrol(onemap::state::patrol::PatrolEdit::Undo));
    h.run_steps(1);
    assert_eq!(h.state().patrol.routes.len(), routes_before);
    h.state_mut()
        .push(Command::Patrol(onemap::state::patrol::PatrolEdit::Redo));
    h.run_steps(1);
    assert_eq!(h.state().patrol.routes.len(), routes_before + 3);
    // Unit 1 is lost: the re-plan keeps the others' stops in their order and takes over
    // what of unit 1's it can.
    h.get_by_label(zh(T::PatrolAutoReplan)).click_accesskit();
    common::step_until(&mut h, "the re-plan", |app| {
        app.state
            .patrol
            .auto
            .answer
            .as_ref()
            .is_some_and(|a| a.id != answer.id)
    });
    h.run_steps(2);
    let replanned = h.state().patrol.auto.answer.clone().unwrap();
    let set = &replanned.result.as_ref().unwrap()[0];
    assert!(set.order_kept.unwrap() >= 0.5, "{:?}", set.order_kept);
    assert!(set.plan.routes[0].is_empty(), "no stops for the lost unit");
    // The stops the others keep (a lighter one may give way to an orphaned heavier one)
    // are in the order they were.
    for u in 1..3 {
        let (was, now) = (&sets[0].plan.routes[u], &set.plan.routes[u]);
        let at: Vec<usize> = was
            .iter()
            .filter_map(|s| now.iter().position(|x| x == s))
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{was:?} → {now:?}");
        assert!(
            at.len() * 2 >= was.len(),
            "most stops kept: {was:?} → {now:?}"
        );
    }
    h.get_by_label(&zh(T::PatrolAutoAdopt).replace("{k}", "1"))
        .click_accesskit();
    h.run_steps(2);
    let ids: Vec<String> = h
        .state()
        .patrol
        .routes
        .iter()
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(ids[routes_before..], ["AUTO-2", "AUTO-3"], "two loops left");
    let _ = std::fs::remove_dir_all(&dir);
}
