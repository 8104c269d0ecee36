//! Shared set-up for the console's integration tests.

#![allow(dead_code)]
#![allow(clippy::expect_used, clippy::unwrap_used)] // test helpers: a failure here is a test failure

pub mod floor;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use chrono::TimeZone as _;
use egui_kittest::Harness;
use onemap::app::{AppOptions, OneMapApp};
use onemap::city::{City, load_city};
use onemap_feed::clock::Clock;

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

/// A fake clock standing at 2026-11-23 08:30:00 local time (it moves only when a test moves
/// it; [`step_until`] moves it on as the frames go).
pub fn fake_clock() -> Clock {
    let t = chrono::Local
        .with_ymd_and_hms(2026, 11, 23, 8, 30, 0)
        .single()
        .expect("a valid local time");
    Clock::fake(t.timestamp_millis())
}

/// The real app in a kittest harness (no GPU, no window), tiles rendered in memory.
pub fn harness(city: Arc<City>) -> Harness<'static, OneMapApp> {
    harness_with(city, AppOptions::default())
}

/// Like [`harness`], with these options (on a fake clock: the given one if it is fake, so a
/// test's server and consoles can share one; else a fresh [`fake_clock`]).
pub fn harness_with(city: Arc<City>, options: AppOptions) -> Harness<'static, OneMapApp> {
    harness_sized(city, options, egui::vec2(1400.0, 900.0))
}

/// Like [`harness_with`], in a window of `size` points.
pub fn harness_sized(
    city: Arc<City>,
    options: AppOptions,
    size: egui::Vec2,
) -> Harness<'static, OneMapApp> {
    Harness::builder().with_size(size).build_eframe(move |cc| {
        let clock = if options.clock.is_fake() {
            options.clock.clone()
        } else {
            fake_clock()
        };
        let options = AppOptions { clock, ..options };
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

/// Step the console until `done` holds (feed and worker threads run meanwhile, the fake
/// clock moves on 20 ms a step); 40 s at most.
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
        h.state().clock().advance(20);
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out waiting for {what}");
}

/// A feed server on 127.0.0.1 on `clock`, logging to a fresh file named after `name`.
pub fn fresh_server(name: &str, clock: &Clock) -> onemap_feed::server::ServerHandle {
    use onemap_feed::server::{ServerConfig, start};
    let db = std::env::temp_dir().join(format!("onemap-{name}-{}.sqlite", std::process::id()));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    start(ServerConfig {
        clock: clock.clone(),
        ..ServerConfig::new("127.0.0.1:0".parse().expect("an address"), db)
    })
    .expect("the server starts")
}
