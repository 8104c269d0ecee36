//! The real console driven through egui_kittest: no window, no GPU, the real app state.
//! The harness panics on any character no font can draw, so every test here also checks that
//! the Chinese interface renders without tofu.

#![allow(clippy::expect_used)] // a failed set-up is a failed test

mod common;

use common::{demo_city, harness, run_until_map_complete};
use egui_kittest::kittest::Queryable as _;
use onemap::ui::i18n::{Lang, T, tr};

#[test]
fn starts_in_chinese_with_the_city_drawn() {
    let mut h = harness(demo_city());
    run_until_map_complete(&mut h);
    h.get_by_label("一张图 · OneMap");
    h.get_by_label("图层");
    h.get_by_label("Neubrandenburg"); // the city name from the OSM data (no name:zh there)
    h.get_by_label("2026-11-23 08:30:00");
    h.get_by_label_contains("实时数据");
    let drawn = &h.state().last_ops_drawn();
    assert!(drawn.stations >= 4, "police and fire stations: {drawn:?}");
    assert!(
        drawn.beats > 50 && drawn.clusters > 20 && drawn.posts > 5,
        "{drawn:?}"
    );
    assert!(h.state().last_map_frame().scale_bar_m.is_some());
    h.get_by_label(tr(Lang::Zh, T::GeneratedData));
}

#[test]
fn language_switch_changes_visible_labels() {
    let mut h = harness(demo_city());
    h.run_steps(3);
    h.get_by_label("English").click();
    h.run_steps(3);
    assert_eq!(h.state().settings.lang, Lang::En);
    h.get_by_label("Layers");
    h.get_by_label("Police, fire, hospitals");
    assert!(h.query_by_label("图层").is_none());
    h.get_by_label("中文").click();
    h.run_steps(3);
    h.get_by_label("图层");
}

#[test]
fn layer_toggles_hide_each_layer() {
    let mut h = harness(demo_city());
    h.run_steps(3);
    type Count = fn(&onemap::map::layer::Drawn) -> usize;
    let layers: [(T, Count); 4] = [
        (T::StationsLayer, |d| d.stations),
        (T::Posts, |d| d.posts),
        (T::Cameras, |d| d.clusters + d.wedges),
        (T::Beats, |d| d.beats),
    ];
    for (key, count) in layers {
        assert!(count(h.state().last_ops_drawn()) > 0, "{key:?} drawn");
        let checkbox = || egui::accesskit::Role::CheckBox;
        h.get_by_role_and_label(checkbox(), tr(Lang::Zh, key))
            .click();
        h.run_steps(3);
        assert_eq!(count(h.state().last_ops_drawn()), 0, "{key:?} hidden");
        h.get_by_role_and_label(checkbox(), tr(Lang::Zh, key))
            .click();
        h.run_steps(3);
        assert!(count(h.state().last_ops_drawn()) > 0, "{key:?} shown again");
    }
}

#[test]
fn buildings_toggle_switches_the_basemap_variant() {
    let mut h = harness(demo_city());
    h.run_steps(3);
    assert!(h.state().settings.render.buildings);
    h.get_by_label(tr(Lang::Zh, T::Buildings)).click();
    h.run_steps(3);
    assert!(!h.state().settings.render.buildings);
    // The new variant's tiles render and complete.
    run_until_map_complete(&mut h);
}

#[test]
fn zoom_buttons_and_whole_city() {
    let mut h = harness(demo_city());
    h.run_steps(3);
    let fit = h.state().zoom();
    h.get_by_label("+").click();
    h.run_steps(2);
    assert!(
        (h.state().zoom() - (fit + 1.0)).abs() < 1e-9,
        "{} vs {fit}",
        h.state().zoom()
    );
    h.get_by_label("-").click();
    h.get_by_label("-").click();
    h.run_steps(2);
    h.get_by_label(tr(Lang::Zh, T::Home)).click();
    h.run_steps(2);
    assert!((h.state().zoom() - fit).abs() < 1e-9);
}

#[test]
fn night_theme_switches_visuals() {
    let mut h = harness(demo_city());
    h.run_steps(3);
    h.get_by_label(tr(Lang::Zh, T::ThemeNight)).click();
    h.run_steps(3);
    assert_eq!(
        h.state().settings.theme,
        onemap::ui::theme::ThemeKind::Night
    );
    assert!(h.ctx.global_style().visuals.dark_mode);
}

#[test]
fn every_string_has_glyphs_in_the_embedded_font() {
    let h = harness(demo_city());
    for &key in T::ALL {
        for lang in [Lang::Zh, Lang::En] {
            let text = tr(lang, key);
            let covered = h
                .ctx
                .fonts_mut(|f| f.has_glyphs(&egui::FontId::proportional(14.0), text));
            assert!(covered, "no glyphs for {text:?}");
        }
    }
}

fn open_fixture(name: &str) -> std::sync::Arc<onemap::city::City> {
    let path = common::repo_path(&format!("tests/fixtures/{name}"));
    std::sync::Arc::new(onemap::city::load_city(&path).expect("extract loads"))
}

#[test]
fn opens_a_clipped_extract() {
    let city = open_fixture("clipped-centre.osm.pbf");
    assert!(city.osm().stats.missing_node_refs > 0, "the box cuts ways");
    assert!(!city.osm().roads.is_empty());
    let mut h = harness(city);
    run_until_map_complete(&mut h);
}

#[test]
fn opens_a_city_without_addresses_and_a_tiny_file() {
    let city = open_fixture("south-no-addresses.osm.pbf");
    assert_eq!(city.osm().addresses.len(), 0);
    let mut h = harness(city);
    run_until_map_complete(&mut h);
    h.get_by_label_contains("0 个门牌地址");

    let tiny = open_fixture("tiny.osm.pbf");
    assert!(tiny.osm().roads.len() < 40, "{}", tiny.osm().roads.len());
    let mut h = harness(tiny);
    run_until_map_complete(&mut h);
}

#[test]
fn an_xyz_url_template_fetches_tiles_from_a_tile_server() {
    use std::io::{BufRead as _, BufReader, Write as _};
    use std::sync::atomic::{AtomicUsize, Ordering};
    // A minimal tile server on loopback that answers every GET with one rendered PNG.
    let city = demo_city();
    let png = city
        .map
        .get()
        .render_tile(
            12,
            2196,
            1324,
            onemap::ui::theme::ThemeKind::Day,
            Default::default(),
        )
        .encode_png()
        .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let served = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = served.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(64) {
            let Ok(mut stream) = stream else { continue };
            let mut request_line = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let _ = reader.read_line(&mut request_line);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            if request_line.starts_with("GET /") {
                counter.fetch_add(1, Ordering::SeqCst);
            }
            let header = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                png.len()
            );
            let _ = stream.write_all(header.as_bytes());
            let _ = stream.write_all(&png);
        }
    });
    let template = format!("http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png");
    let mut h = common::harness_with(
        city,
        onemap::app::AppOptions {
            tiles: onemap::basemap::sources::TileSourceSpec::parse(&template).unwrap(),
            ..Default::default()
        },
    );
    for _ in 0..300 {
        h.step();
        if served.load(Ordering::SeqCst) >= 4 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(
        served.load(Ordering::SeqCst) >= 4,
        "tiles were requested from the server"
    );
    h.get_by_label(tr(Lang::Zh, T::SourceUser));
}
