//! The window while the city opens: its phase and percentage in the user's language, then the
//! console itself once the city is there; a failure is kept for the terminal.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed set-up is a failed test

mod common;

use std::sync::{Arc, Mutex, mpsc};
use std::time::Instant;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use onemap::app::opening::{BuildApp, Opening, Progress};
use onemap::app::{AppOptions, OneMapApp};
use onemap::city::{City, Phase};
use onemap::ui::i18n::Lang;
use onemap::ui::theme::ThemeKind;

type CityResult = anyhow::Result<Arc<City>>;

fn opening(
    lang: Lang,
) -> (
    Harness<'static, Opening>,
    Arc<Mutex<Progress>>,
    mpsc::SyncSender<CityResult>,
) {
    let progress = Arc::new(Mutex::new(Progress::default()));
    let (tx, rx) = mpsc::sync_channel(1);
    let shared = progress.clone();
    let harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(move |cc| {
            let build: BuildApp = Box::new(|ctx, city| {
                let options = AppOptions {
                    clock: common::fake_clock(),
                    ..AppOptions::default()
                };
                OneMapApp::new(ctx, city, options)
            });
            Opening::new(
                &cc.egui_ctx,
                ThemeKind::Day,
                lang,
                "city-100x.osm.pbf".into(),
                Instant::now(),
                shared,
                rx,
                build,
            )
        });
    (harness, progress, tx)
}

#[test]
fn shows_phase_and_percentage_then_the_console() {
    let (mut h, progress, tx) = opening(Lang::En);
    h.step();
    h.get_by_label("Opening the city");
    *progress.lock().unwrap() = Progress {
        phase: Some(Phase::Importing),
        done: 0.42,
    };
    h.step();
    h.get_by_label("Importing the extract");
    h.get_by_label("42 %");
    h.get_by_label("city-100x.osm.pbf");
    assert!(h.state().app().is_none());
    tx.send(Ok(common::demo_city())).unwrap();
    h.step();
    h.step();
    assert!(h.state().app().is_some(), "the console takes over");
    assert!(h.query_by_label("Importing the extract").is_none());
}

#[test]
fn chinese_labels_and_a_failure_kept_for_the_terminal() {
    let (mut h, progress, tx) = opening(Lang::Zh);
    *progress.lock().unwrap() = Progress {
        phase: Some(Phase::Layers),
        done: 1.0,
    };
    h.step();
    h.get_by_label("生成示例图层");
    h.get_by_label("100 %");
    let failure = h.state().failure();
    tx.send(Err(anyhow::anyhow!(
        "x.osm.pbf: not a readable OpenStreetMap PBF file"
    )))
    .unwrap();
    h.step();
    let err = failure.lock().unwrap().take().expect("the failure is kept");
    assert!(err.to_string().contains("x.osm.pbf"), "{err}");
    assert!(h.state().app().is_none());
}
