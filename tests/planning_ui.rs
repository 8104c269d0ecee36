//! Live planning in the real console: rings and coverage computed off the UI thread, updated
//! while a post is dragged, the coverage table and export — driven through egui_kittest.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed set-up is a failed test

mod common;

use std::time::Duration;

use common::{demo_city, repo_path};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use onemap::app::{AppOptions, OneMapApp};
use onemap::model::Command;
use onemap::model::CoverageSort;
use onemap::ui::i18n::{Lang, T, tr};

fn zh(key: T) -> &'static str {
    tr(Lang::Zh, key)
}

/// Step until the newest planning request has been answered.
fn run_until_planned(h: &mut Harness<'static, OneMapApp>) {
    for _ in 0..500 {
        h.step();
        if h.state().plan.is_current() {
            h.run_steps(1);
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("the planner never answered");
}

fn planning_harness(name: &str) -> (Harness<'static, OneMapApp>, std::path::PathBuf) {
    planning_harness_with(name, false)
}

/// With `plan_on_start`: as `onemap --plan` starts.
fn planning_harness_with(
    name: &str,
    plan_on_start: bool,
) -> (Harness<'static, OneMapApp>, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("onemap-plan-ui-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["beats", "cameras", "posts", "stations"] {
        let file = format!("{f}.geojson");
        std::fs::copy(repo_path(&format!("layers/{file}")), dir.join(&file)).unwrap();
    }
    let h = common::harness_with(
        demo_city(),
        AppOptions {
            layers_dir: Some(dir.clone()),
            plan_export_dir: dir.join("export"),
            plan_on_start,
            ..AppOptions::default()
        },
    );
    (h, dir)
}

#[test]
fn planner_mode_shows_city_coverage_table_and_exports() {
    let (mut h, dir) = planning_harness("table");
    h.run_steps(2);
    h.get_by_label(zh(T::PlannerOn)).click();
    h.run_steps(2);
    assert!(h.state().plan.settings.enabled);
    assert!(h.state().edit_mode, "planner mode lets posts be dragged");
    run_until_planned(&mut h);
    let out = h.state().plan.output.clone().unwrap();
    let rings = out.rings.as_ref().unwrap();
    assert_eq!(rings.polygons.len(), 3);
    let cov = out.coverage.as_ref().unwrap().as_ref().unwrap();
    // The city figures in the panel are the computed ones.
    let (_, addresses_3min, _) = cov.city.shares(1);
    let shown = format!("{:.1} %", addresses_3min * 100.0);
    assert!(
        h.query_all_by_label(&shown).next().is_some(),
        "panel shows {shown}"
    );
    assert!(h.query_by_label_contains(zh(T::GapKm)).is_some());

    // The table: sort by road share ascending, then descending.
    h.get_by_label(zh(T::CoverageTable)).click();
    h.run_steps(4); // a new window measures itself in its first frame
    assert!(h.state().plan.settings.table_open);
    // The table's header (the side panel's figures use the same word; the window is last).
    h.get_by_role_and_label(egui::accesskit::Role::Button, zh(T::AddressShare))
        .click();
    h.run_steps(2);
    assert_eq!(h.state().plan.settings.sort, CoverageSort::Addresses);
    assert!(!h.state().plan.settings.descending);
    // Clicking a beat in the table selects it: the first row, the least covered beat.
    let first = (0..cov.beats.len())
        .min_by(|&a, &b| {
            cov.beats[a]
                .shares(1)
                .1
                .total_cmp(&cov.beats[b].shares(1).1)
        })
        .unwrap();
    let beat = &h.state().ops.layers.beats[first];
    let label = format!("{} {}", beat.id, beat.name);
    let id = beat.id.clone();
    let corners = onemap_core::coord::BBox::from_points(beat.rings.iter().flatten().copied());
    // Somewhere else first, so the flight is seen.
    h.state_mut()
        .push(Command::FlyTo(onemap_core::coord::LonLat::new(13.0, 53.3)));
    h.run_steps(30);
    h.get_by_label(&label).click();
    h.run_steps(2);
    assert_eq!(
        h.state().selection,
        Some(onemap::model::Selection::Beat(id))
    );
    // And the map flies to the beat: all of it in view.
    h.run_steps(60);
    let view = h.state().last_map_frame().view.unwrap();
    assert!(
        view.contains(corners.min) && view.contains(corners.max),
        "{view:?} holds {corners:?}"
    );

    h.state_mut().push(Command::ExportPlan);
    h.run_steps(2);
    for f in ["rings.geojson", "coverage.csv", "gaps.geojson"] {
        assert!(dir.join("export").join(f).is_file(), "{f}");
    }
    let csv = std::fs::read_to_string(dir.join("export/coverage.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 119 + 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dragging_a_post_recomputes_its_rings_and_the_coverage_while_dragging() {
    // Started as `onemap --plan`: planning and editing on, so a drag moves a post (it used
    // to pan the map).
    let (mut h, dir) = planning_harness_with("drag", true);
    h.run_steps(2);
    assert!(h.state().plan.settings.enabled && h.state().edit_mode);
    let post = h.state().ops.layers.posts[0].clone();
    h.state_mut()
        .push(Command::PickSearchHit(onemap_core::search::SearchHit {
            kind: onemap_core::search::HitKind::Post,
            label: String::new(),
            pos: post.pos,
            target: onemap_core::search::Target::Post(post.id.clone()),
        }));
    h.run_steps(3);
    run_until_planned(&mut h);
    let before = h.state().plan.output.clone().unwrap();
    let request = h.state().plan.last_request.clone().unwrap();
    assert_eq!(
        request.ring_origins.len(),
        1,
        "rings for the selected post only"
    );
    let km_before = before.rings.as_ref().unwrap().km.clone();

    // Drag the post (at the centre of the map) 250 px east, step by step.
    let right = onemap::layouts::console::RIGHT_WIDTH;
    let from = egui::pos2(270.0 + (1400.0 - 270.0 - right) / 2.0, 450.0);
    let to = from + egui::vec2(250.0, 0.0);
    let mut answered_while_dragging = 0;
    let mut last_id = request.id;
    common::drag(&mut h, from, to, 8, |h| {
        // Give the worker a moment, as a person dragging would; frames keep running.
        for _ in 0..30 {
            std::thread::sleep(Duration::from_millis(5));
            h.step();
        }
        let out_id = h.state().plan.output.as_ref().unwrap().id;
        if out_id > last_id {
            answered_while_dragging += 1;
            last_id = out_id;
        }
    });
    h.run_steps(2);
    run_until_planned(&mut h);
    assert!(
        answered_while_dragging >= 4,
        "rings followed the drag: {answered_while_dragging} updates"
    );
    let moved = h.state().ops.post(&post.id).unwrap().pos;
    assert!(moved.lon > post.pos.lon, "the post moved east");
    let after = h.state().plan.output.clone().unwrap();
    let request = h.state().plan.last_request.clone().unwrap();
    assert_eq!(
        request.ring_origins[0].1, moved,
        "rings are from the new position"
    );
    let km_after = after.rings.as_ref().unwrap().km.clone();
    assert_ne!(km_before, km_after, "different roads within reach");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_suggested_post_is_accepted_with_a_click_and_coverage_is_compared_with_the_saved_posts() {
    let (mut h, dir) = planning_harness_with("suggest", true);
    h.run_steps(2);
    run_until_planned(&mut h);
    // The beats are shaded by coverage.
    assert!(h.state().last_ops_drawn().shaded_beats > 10);
    let saved = h
        .state()
        .plan
        .baseline
        .clone()
        .expect("the saved posts' coverage");
    let posts = h.state().ops.layers.posts.len();
    // Ask for two new posts.
    let mut s = h.state().plan.settings.clone();
    s.suggest = 2;
    h.state_mut().push(Command::SetPlan(s));
    h.run_steps(2);
    run_until_planned(&mut h);
    let view = h
        .state()
        .plan
        .output
        .as_ref()
        .unwrap()
        .suggested
        .clone()
        .unwrap();
    assert_eq!(view.sites.len(), 2);
    assert!(view.sites.iter().all(|(_, gain)| *gain > 0.0));
    assert!(view.after > view.before);
    let first = view.sites[0];
    let label = zh(T::SuggestedSite)
        .replace("{k}", "1")
        .replace("{n}", &format!("{:.0}", first.1));
    h.get_by_label(&label);
    // Accept the first: a post there, unsaved.
    h.query_all_by_label(zh(T::AcceptSite))
        .next()
        .unwrap()
        .click_accesskit();
    h.run_steps(2);
    assert_eq!(h.state().ops.layers.posts.len(), posts + 1);
    let added = h.state().ops.layers.posts.last().unwrap().pos;
    assert_eq!(added, first.0);
    assert_eq!(h.state().ops.unsaved, 1);
    run_until_planned(&mut h);
    // Coverage rose; the baseline is still the saved posts'; the panel shows the change.
    let out = h.state().plan.output.clone().unwrap();
    let cov = out.coverage.as_ref().unwrap().as_ref().unwrap();
    let base = h.state().plan.baseline.clone().unwrap();
    assert_eq!(base.city.shares(1), saved.city.shares(1));
    let (now, was) = (cov.city.shares(1).1, base.city.shares(1).1);
    assert!(now > was, "{now} > {was}");
    let delta = format!("+{:.1}", (now - was) * 100.0);
    assert!(
        h.query_all_by_label(&delta).next().is_some(),
        "the panel shows {delta}"
    );
    // The next suggestions count the accepted post as placed.
    let next = out.suggested.as_ref().unwrap();
    assert!((next.before - view.before).abs() > 1e-6);
    assert!(next.sites.iter().all(|(at, _)| *at != first.0));
    // Compare from here: no change shown.
    h.get_by_label(zh(T::SetBaseline)).click_accesskit();
    h.run_steps(2);
    assert_eq!(
        h.state().plan.baseline.as_ref().unwrap().city.shares(1),
        cov.city.shares(1)
    );
    assert!(h.query_all_by_label(&delta).next().is_none());
    // Saving makes the saved posts the baseline.
    h.state_mut().push(Command::AddPost(view.sites[1].0));
    h.run_steps(2);
    run_until_planned(&mut h);
    assert!(
        h.query_all_by_label("Δ").next().is_some(),
        "a change is shown"
    );
    h.state_mut().push(Command::Save);
    h.run_steps(2);
    run_until_planned(&mut h);
    assert_eq!(h.state().ops.unsaved, 0);
    assert!(
        h.query_all_by_label("Δ").next().is_none(),
        "no change from the saved posts"
    );
    // Export to a folder chosen in the panel: the files and a short report.
    let chosen = dir.join("chosen").join("here");
    h.state_mut()
        .push(Command::SetPlanExportDir(chosen.clone()));
    h.state_mut().push(Command::ExportPlan);
    h.run_steps(2);
    let report = std::fs::read_to_string(chosen.join("report.md")).unwrap();
    assert!(report.contains("Least covered beats"), "{report}");
    assert!(report.contains("Suggested posts"), "{report}");
    assert!(chosen.join("coverage.csv").is_file());
    let status = h.state().plan.status.clone().unwrap();
    assert!(!status.1, "{status:?}");
    // A folder that cannot be made is named.
    let file = dir.join("a-file");
    std::fs::write(&file, "x").unwrap();
    h.state_mut()
        .push(Command::SetPlanExportDir(file.join("sub")));
    h.state_mut().push(Command::ExportPlan);
    h.run_steps(2);
    let (text, failed) = h.state().plan.status.clone().unwrap();
    assert!(failed && text.contains("a-file"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_point_in_the_lake_is_explained_and_reverse_rings_work() {
    let (mut h, dir) = planning_harness("lake");
    h.run_steps(2);
    let mut settings = h.state().plan.settings.clone();
    settings.enabled = true;
    h.state_mut().push(Command::SetPlan(settings.clone()));
    // The middle of the Tollensesee.
    let lake = onemap_core::coord::LonLat::new(13.2145, 53.5);
    h.state_mut()
        .push(Command::Select(Some(onemap::model::Selection::Point(lake))));
    h.run_steps(2);
    run_until_planned(&mut h);
    let out = h.state().plan.output.clone().unwrap();
    let err = out.rings.as_ref().unwrap_err();
    assert!(
        matches!(err, onemap::workers::routing::PlanError::NotPlaced(s) if s.len() == 1),
        "{err:?}"
    );
    // In the UI's language.
    assert!(
        h.query_by_label_contains("300 米内没有警车可走的道路")
            .is_some(),
        "shown in the panel"
    );
    // Coverage still computed for the posts.
    assert!(matches!(out.coverage, Some(Ok(_))));

    // Reverse rings from a post: who can reach it.
    let post = h.state().ops.layers.posts[0].clone();
    h.state_mut()
        .push(Command::Select(Some(onemap::model::Selection::Post(
            post.id.clone(),
        ))));
    settings.reverse = true;
    h.state_mut().push(Command::SetPlan(settings));
    h.run_steps(2);
    run_until_planned(&mut h);
    let request = h.state().plan.last_request.clone().unwrap();
    assert_eq!(request.direction, onemap_core::routing::Direction::Reverse);
    let rings = h.state().plan.output.clone().unwrap().rings.unwrap();
    assert!(
        rings.km[2] > rings.km[0] && rings.km[0] > 0.0,
        "{:?}",
        rings.km
    );
    let _ = std::fs::remove_dir_all(&dir);
}
