//! Shared set-up for the console's integration tests.

#![allow(dead_code)]
#![allow(clippy::expect_used, clippy::unwrap_used)] // test helpers: a failure here is a test failure

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use onemap::app::{AppOptions, Clock, OneMapApp};
use onemap::city::{City, load_city};

pub fn repo_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The demo city, imported once per test binary.
pub fn demo_city() -> Arc<City> {
    static CITY: OnceLock<Arc<City>> = OnceLock::new();
    CITY.get_or_init(|| {
        Arc::new(load_city(&repo_path("layers/neubrandenburg-2016.osm.pbf")).expect("demo city"))
    })
    .clone()
}

pub fn fixed_clock() -> Clock {
    Clock::Fixed(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
            .and_then(|d| d.and_hms_opt(8, 30, 0))
            .expect("valid date"),
    )
}

/// The real app in a kittest harness (no GPU, no window), tiles rendered in memory.
pub fn harness(city: Arc<City>) -> Harness<'static, OneMapApp> {
    harness_with(city, AppOptions::default())
}

/// Like [`harness`], with these options (the clock is always fixed).
pub fn harness_with(city: Arc<City>, options: AppOptions) -> Harness<'static, OneMapApp> {
    Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |cc| {
            let options = AppOptions {
                clock: fixed_clock(),
                ..options
            };
            OneMapApp::new(&cc.egui_ctx, city, options).expect("app starts")
        })
}

/// Step frames until the first view's tiles are all there (tile workers run on threads).
pub fn run_until_map_complete(harness: &mut Harness<'static, OneMapApp>) {
    for _ in 0..600 {
        harness.step();
        if harness.state().first_complete_frame.is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the map never completed its first view");
}

/// Press at `from`, move to `to` in `steps` frames (calling `each` after every move), release.
pub fn drag(
    h: &mut Harness<'static, OneMapApp>,
    from: egui::Pos2,
    to: egui::Pos2,
    steps: u32,
    mut each: impl FnMut(&mut Harness<'static, OneMapApp>),
) {
    h.hover_at(from);
    h.run_steps(1);
    h.event(egui::Event::PointerButton {
        pos: from,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: Default::default(),
    });
    h.run_steps(1);
    for k in 1..=steps {
        h.hover_at(from + (to - from) * (k as f32 / steps as f32));
        h.run_steps(1);
        each(h);
    }
    h.event(egui::Event::PointerButton {
        pos: to,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: Default::default(),
    });
}

/// Step the console until `done` holds (feed and worker threads run meanwhile); 40 s at most.
pub fn step_until(
    h: &mut Harness<'static, OneMapApp>,
    what: &str,
    mut done: impl FnMut(&OneMapApp) -> bool,
) {
    let end = Instant::now() + Duration::from_secs(40);
    while Instant::now() < end {
        h.step();
        if done(h.state()) {
            h.run_steps(2);
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out waiting for {what}");
}
