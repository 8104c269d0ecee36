//! The operational layers in the real console: legend, inspector, search, editing with undo,
//! saving and reloading, and the problems panel — driven through egui_kittest.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed set-up is a failed test

mod common;

use std::path::{Path, PathBuf};

use common::{demo_city, repo_path};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use onemap::app::{AppOptions, OneMapApp};
use onemap::model::{Command, Selection};
use onemap::ui::i18n::{Lang, T, tr};
use onemap_core::layers::CameraId;

fn zh(key: T) -> &'static str {
    tr(Lang::Zh, key)
}

fn harness_with_layers(dir: &Path) -> Harness<'static, OneMapApp> {
    common::harness_with(
        demo_city(),
        AppOptions {
            layers_dir: Some(dir.to_path_buf()),
            ..AppOptions::default()
        },
    )
}

/// A private copy of the committed demo layers.
fn copy_of_demo_layers(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("onemap-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["beats", "cameras", "posts", "stations"] {
        let file = format!("{f}.geojson");
        std::fs::copy(repo_path(&format!("layers/{file}")), dir.join(&file)).unwrap();
    }
    dir
}

#[test]
fn demo_layers_load_without_problems_and_the_legend_names_every_symbol() {
    let mut h = harness_with_layers(&repo_path("layers"));
    h.run_steps(3);
    let ops = &h.state().ops;
    assert!(ops.problems.is_empty(), "{:?}", ops.problems);
    assert!(ops.layers.generated);
    h.get_by_label(&format!("{} (0)", zh(T::Problems)));
    for key in [
        T::KindQuick,
        T::KindWorkstation,
        T::KindCheckpoint,
        T::KindPolice,
        T::KindFire,
        T::KindHospital,
        T::Online,
        T::Offline,
    ] {
        h.get_by_label(zh(key));
    }
}

#[test]
fn search_flies_to_a_camera_and_the_inspector_shows_its_beat() {
    let mut h = harness_with_layers(&repo_path("layers"));
    h.run_steps(3);
    let camera = h.state().ops.layers.cameras[10].clone();
    h.get_by_label(zh(T::Search)).click();
    h.run_steps(1);
    h.get_by_label(zh(T::Search)).type_text(camera.id.as_str());
    h.run_steps(3);
    assert!(!h.state().search_hits.is_empty(), "hits for {}", camera.id);
    h.get_by_label_contains(&format!("{} {}", camera.id, camera.name))
        .click();
    h.run_steps(3);
    assert_eq!(
        h.state().selection,
        Some(Selection::Camera(camera.id.clone()))
    );
    assert!(h.state().zoom() >= 16.0);
    let centre = h.state().centre();
    assert!(
        (centre.lon - camera.pos.lon).abs() < 1e-6 && (centre.lat - camera.pos.lat).abs() < 1e-6
    );
    // The inspector names the camera and its beat.
    h.get_by_label(zh(T::Inspector));
    h.get_by_label(zh(T::InBeat));
    let beat = h.state().related.beat.expect("the camera lies in a beat");
    let beat = &h.state().ops.layers.beats[beat];
    h.get_by_label(&format!("{} {}", beat.id, beat.name));
}

#[test]
fn search_finds_streets_and_addresses() {
    let mut h = harness_with_layers(&repo_path("layers"));
    h.run_steps(2);
    h.get_by_label(zh(T::Search)).click();
    h.get_by_label(zh(T::Search)).type_text("Friedrich-Engels");
    h.run_steps(3);
    h.get_by_label(&format!("Friedrich-Engels-Ring  ·  {}", zh(T::Street)))
        .click();
    h.run_steps(3);
    assert!(matches!(h.state().selection, Some(Selection::Point(_))));
}

#[test]
fn inspector_of_a_beat_lists_its_cameras_posts_and_station() {
    let mut h = harness_with_layers(&repo_path("layers"));
    h.run_steps(2);
    // The beat with the most cameras.
    let (beat_id, station_id) = {
        let s = h.state();
        let b = &s.ops.layers.beats[27];
        (b.id.clone(), b.station_id.clone())
    };
    h.state_mut()
        .push(Command::Select(Some(Selection::Beat(beat_id.clone()))));
    h.run_steps(3);
    let related = h.state().related.clone();
    assert_eq!(
        related
            .beat
            .map(|i| h.state().ops.layers.beats[i].id.clone()),
        Some(beat_id)
    );
    assert!(!related.cameras_in_beat.is_empty());
    h.get_by_label_contains(zh(T::CamerasInBeat));
    h.get_by_label_contains(&format!("→ {station_id}"));
    // Clicking a listed camera selects it.
    let first = h.state().ops.layers.cameras[related.cameras_in_beat[0]].clone();
    h.get_by_label(&format!("{} {}", first.id, first.name))
        .click();
    h.run_steps(3);
    assert_eq!(h.state().selection, Some(Selection::Camera(first.id)));
}

#[test]
fn clicking_the_map_selects_a_point_and_lists_cameras_that_see_it() {
    let mut h = harness_with_layers(&repo_path("layers"));
    h.run_steps(2);
    // A point just in front of a camera, well inside its wedge.
    let cam = h
        .state()
        .ops
        .layers
        .cameras
        .iter()
        .find(|c| c.is_online())
        .unwrap()
        .clone();
    let proj = h.state().ops.index.projection;
    let m = proj.to_m(cam.pos);
    let a = cam.heading_deg.to_radians();
    let target = proj.to_lonlat([m[0] + 20.0 * a.sin(), m[1] + 20.0 * a.cos()]);
    h.state_mut()
        .push(Command::Select(Some(Selection::Point(target))));
    h.run_steps(3);
    let seeing: Vec<CameraId> = h
        .state()
        .related
        .cameras_seeing
        .iter()
        .map(|&i| h.state().ops.layers.cameras[i].id.clone())
        .collect();
    assert!(
        seeing.contains(&cam.id),
        "{seeing:?} should contain {}",
        cam.id
    );
    h.get_by_label_contains(zh(T::CamerasSeeing));
}

#[test]
fn planner_adds_a_camera_sets_its_heading_saves_and_reloads_with_unknown_properties_kept() {
    let dir = copy_of_demo_layers("edit");
    // An agency's file carries properties OneMap does not know.
    let cameras = dir.join("cameras.geojson");
    let text = std::fs::read_to_string(&cameras).unwrap();
    let text = text.replacen("\"status\": \"online\"", "\"status\": \"online\",\n        \"maintainer\": \"Stadtwerke\",\n        \"install_year\": 2014", 1);
    std::fs::write(&cameras, text).unwrap();

    let mut h = harness_with_layers(&dir);
    h.run_steps(2);
    let before = h.state().ops.layers.cameras.len();
    let keeper = h
        .state()
        .ops
        .layers
        .cameras
        .iter()
        .find(|c| c.extra.contains_key("maintainer"))
        .unwrap()
        .id
        .clone();

    h.get_by_label(zh(T::EditMode)).click();
    h.run_steps(2);
    h.get_by_label(zh(T::AddCamera)).click();
    h.run_steps(2);
    // Click the middle of the map.
    let map_centre = egui::pos2(270.0 + (1400.0 - 270.0) / 2.0, 450.0);
    h.hover_at(map_centre);
    h.run_steps(1);
    h.event(egui::Event::PointerButton {
        pos: map_centre,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: Default::default(),
    });
    h.event(egui::Event::PointerButton {
        pos: map_centre,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: Default::default(),
    });
    h.run_steps(3);
    assert_eq!(
        h.state().ops.layers.cameras.len(),
        before + 1,
        "camera added"
    );
    let Some(Selection::Camera(new_id)) = h.state().selection.clone() else {
        panic!("new camera selected")
    };

    // Turn it by dragging the handle at the tip of its wedge (visible from zoom 16).
    while h.state().zoom() < 16.0 {
        h.get_by_label("+").click();
        h.run_steps(1);
    }
    h.run_steps(3);
    let (Some(marker), Some(handle)) = h.state().handle_positions() else {
        panic!("marker and heading handle drawn at street zoom")
    };
    // Heading 0 points north: the handle is straight above the camera.
    assert!(
        (handle.x - marker.x).abs() < 1.0 && handle.y < marker.y,
        "{marker:?} {handle:?}"
    );
    let radius = marker.y - handle.y;
    // Drag it to the south-east: heading 135°.
    let diagonal = radius * std::f32::consts::FRAC_1_SQRT_2;
    let target = marker + egui::vec2(diagonal, diagonal);
    h.hover_at(handle);
    h.run_steps(1);
    h.event(egui::Event::PointerButton {
        pos: handle,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: Default::default(),
    });
    h.run_steps(1);
    for k in 1..=8 {
        h.hover_at(handle + (target - handle) * (k as f32 / 8.0));
        h.run_steps(1);
    }
    h.event(egui::Event::PointerButton {
        pos: target,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: Default::default(),
    });
    h.run_steps(3);
    let heading = h.state().ops.camera(&new_id).unwrap().heading_deg;
    assert!((heading - 135.0).abs() < 1.0, "heading {heading}");
    // Exactly, from the inspector's field (what a planner types).
    let mut exact = h.state().ops.camera(&new_id).unwrap().clone();
    exact.heading_deg = 137.0;
    h.state_mut()
        .push(Command::EditFeature(onemap::ops::Editable::Camera(exact)));
    h.run_steps(2);
    assert_eq!(h.state().ops.camera(&new_id).unwrap().heading_deg, 137.0);

    // Undo the typed heading (back to the dragged one), redo it.
    h.get_by_label(zh(T::Undo)).click();
    h.run_steps(2);
    let undone = h.state().ops.camera(&new_id).unwrap().heading_deg;
    assert!((undone - 135.0).abs() < 1.0, "{undone}");
    h.get_by_label(zh(T::Redo)).click();
    h.run_steps(2);
    assert_eq!(h.state().ops.camera(&new_id).unwrap().heading_deg, 137.0);

    h.get_by_label(zh(T::Save)).click();
    h.run_steps(2);
    h.get_by_label_contains(zh(T::Saved));
    assert!(
        !dir.join("cameras.geojson.tmp").exists(),
        "temporary file renamed away"
    );

    // Reload from disk in a fresh console.
    let mut again = harness_with_layers(&dir);
    again.run_steps(2);
    let reloaded = again
        .state()
        .ops
        .camera(&new_id)
        .expect("saved camera is there")
        .clone();
    assert_eq!(reloaded.heading_deg, 137.0);
    let kept = again.state().ops.camera(&keeper).unwrap();
    assert_eq!(
        kept.extra.get("maintainer").and_then(|v| v.as_str()),
        Some("Stadtwerke")
    );
    assert_eq!(
        kept.extra.get("install_year").and_then(|v| v.as_i64()),
        Some(2014)
    );
    assert!(again.state().ops.problems.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dragging_a_selected_camera_moves_it_in_one_undo_step() {
    let dir = copy_of_demo_layers("drag");
    let mut h = harness_with_layers(&dir);
    h.run_steps(2);
    let cam = h.state().ops.layers.cameras[5].clone();
    h.state_mut().push(Command::SetEditMode(true));
    h.state_mut()
        .push(Command::PickSearchHit(onemap_core::search::SearchHit {
            kind: onemap_core::search::HitKind::Camera,
            label: String::new(),
            pos: cam.pos,
            target: onemap_core::search::Target::Camera(cam.id.clone()),
        }));
    h.run_steps(4);
    // The camera is at the centre of the map now.
    let right = onemap::layouts::console::RIGHT_WIDTH;
    let map_rect_centre = egui::pos2(270.0 + (1400.0 - 270.0 - right) / 2.0, 450.0);
    let from = map_rect_centre;
    let to = from + egui::vec2(60.0, 30.0);
    common::drag(&mut h, from, to, 6, |_| {});
    h.run_steps(3);
    let moved = h.state().ops.camera(&cam.id).unwrap().pos;
    assert!(moved != cam.pos, "the camera moved");
    assert!(
        (h.state().centre().lon - cam.pos.lon).abs() < 1e-9,
        "the map did not pan"
    );
    h.state_mut().push(Command::Undo);
    h.run_steps(2);
    assert_eq!(
        h.state().ops.camera(&cam.id).unwrap().pos,
        cam.pos,
        "one undo restores it"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn broken_layer_files_still_start_and_the_problems_panel_lists_each_rejection() {
    let dir = repo_path("tests/fixtures/bad-layers");
    let mut h = harness_with_layers(&dir);
    h.run_steps(3);
    let ops = &h.state().ops;
    // Every valid feature is kept.
    assert_eq!(ops.layers.cameras.len(), 2);
    assert_eq!(ops.layers.beats.len(), 1);
    assert_eq!(ops.layers.posts.len(), 0, "posts.geojson is not JSON");
    assert_eq!(ops.layers.stations.len(), 1);
    let n = ops.problems.len();
    assert!(n >= 8, "{:?}", ops.problems);
    h.get_by_label(&format!("{} ({n})", zh(T::Problems)));
    for needle in [
        "not valid JSON",
        "not closed",
        "intersects itself",
        "outside WGS84",
        "expected Point",
        "missing property",
        "out of range",
    ] {
        h.get_by_label_contains(needle);
    }
}

#[test]
fn hovering_a_beat_shows_its_tooltip() {
    let mut h = harness_with_layers(&repo_path("layers"));
    h.run_steps(3);
    // Centre the map on a beat's label point at street zoom, then hover the middle of the map.
    let (id, name, at) = {
        let s = h.state();
        let b = &s.ops.layers.beats[27];
        (
            b.id.clone(),
            b.name.clone(),
            s.ops.centre_of_beat(27).unwrap(),
        )
    };
    h.state_mut()
        .push(Command::PickSearchHit(onemap_core::search::SearchHit {
            kind: onemap_core::search::HitKind::Place,
            label: String::new(),
            pos: at,
            target: onemap_core::search::Target::Location,
        }));
    h.state_mut().push(Command::SetLayerVisible(
        onemap_core::layers::LayerKind::Cameras,
        false,
    ));
    h.state_mut().push(Command::SetLayerVisible(
        onemap_core::layers::LayerKind::Posts,
        false,
    ));
    h.state_mut().push(Command::SetLayerVisible(
        onemap_core::layers::LayerKind::Stations,
        false,
    ));
    h.run_steps(3);
    // The inspector takes the right 300 px once something is selected.
    let right = onemap::layouts::console::RIGHT_WIDTH;
    let centre = egui::pos2(270.0 + (1400.0 - 270.0 - right) / 2.0, 450.0);
    for _ in 0..40 {
        h.hover_at(centre);
        h.step();
    }
    h.get_by_label_contains(&format!("{} {id} · {name}", zh(T::Beats)));
}

#[test]
fn deleting_a_camera_and_undoing_it() {
    let dir = copy_of_demo_layers("delete");
    let mut h = harness_with_layers(&dir);
    h.run_steps(2);
    let cam = h.state().ops.layers.cameras[3].clone();
    let n = h.state().ops.layers.cameras.len();
    h.state_mut().push(Command::SetEditMode(true));
    h.state_mut()
        .push(Command::Select(Some(Selection::Camera(cam.id.clone()))));
    h.run_steps(2);
    h.get_by_label(zh(T::DeleteSelected)).click();
    h.run_steps(2);
    assert_eq!(h.state().ops.layers.cameras.len(), n - 1);
    assert!(h.state().ops.camera(&cam.id).is_none());
    assert_eq!(h.state().selection, None);
    h.get_by_label(zh(T::Undo)).click();
    h.run_steps(2);
    assert_eq!(h.state().ops.camera(&cam.id), Some(&cam));
    let _ = std::fs::remove_dir_all(&dir);
}
