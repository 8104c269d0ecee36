//! The wall unattended for a week, time-accelerated: a real feed server with the simulator on
//! a fake clock, the real wall app signed in as a `wall` identity, stepped a few simulated
//! minutes at a time for 7 days through every view of its rotation (live coverage every 5 s of
//! its clock, today's figures every minute, the week's heat map every 5 minutes). What it
//! holds must stay bounded: the live picture, the history it asked for, its notices, the
//! shading, and the process's memory once the first day has filled the windows.
//!
//! Prints a line a day. Three minutes on two cores, so not in every test run:
//! `cargo test --release --test wall_week -- --ignored --nocapture` (`ONEMAP_WALL_DAYS=14` for
//! two weeks, `ONEMAP_WALL_STEP_S` for the step, default 600).

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::time::Duration;

use onemap::app::AppOptions;
use onemap::live::FeedSource;
use onemap::wall::WallLayout;
use onemap_core::feed::Role;
use onemap_feed::server::{ServerConfig, start};
use onemap_feed::sim::{SimConfig, World};

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[test]
#[ignore = "three minutes: cargo test --release --test wall_week -- --ignored --nocapture"]
fn a_week_on_the_wall_stays_bounded() {
    const DAY_MS: i64 = 86_400_000;
    let step_ms: i64 = std::env::var("ONEMAP_WALL_STEP_S")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(600)
        * 1000;
    let days: usize = std::env::var("ONEMAP_WALL_DAYS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7)
        .max(3);
    let city = common::demo_city();
    let clock = common::fake_clock();
    let db = std::env::temp_dir().join(format!("onemap-wall-week-{}.sqlite", std::process::id()));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    let mut config = ServerConfig::new("127.0.0.1:0".parse().unwrap(), db.clone());
    let c = city.clone();
    config.world = Some(Box::new(move || World::new(c.graph(), c.osm())));
    config.sim = SimConfig {
        seed: 17,
        units: 20,
        incidents_per_hour: 30.0,
        report_interval_ms: 60_000,
        ..SimConfig::default()
    };
    config.hub.tick = Duration::from_millis(5);
    // The server's own bounds are the feed's week test; here its replay window is small so
    // the memory figure is the wall's.
    config.hub.replay_window = 5_000;
    config.clock = clock.clone();
    let server = start(config).unwrap();
    let token = onemap_feed::identity::IdentityDb::open(&db)
        .unwrap()
        .create("wall-week", Role::Wall, &[], 0, true)
        .unwrap();
    // A rotation through every view, a minute each (the steps are a few minutes).
    let layout = WallLayout::parse(
        r#"{"panel_height_m": 0.685, "resolution": [1920, 1080], "farthest_viewer_m": 6,
            "views": [{"view": "map", "dwell_s": 60}, {"view": "cards", "dwell_s": 60},
                      {"view": "figures", "dwell_s": 60},
                      {"view": "coverage", "dwell_s": 60}, {"view": "ticker", "dwell_s": 60},
                      {"view": "heat", "dwell_s": 60}],
            "night_hours": [22, 6]}"#,
    )
    .unwrap();
    let mut wall = common::harness_sized(
        city.clone(),
        AppOptions {
            feed: FeedSource::External {
                url: format!("ws://{}", server.addr),
                token: Some(token),
                tls: Default::default(),
            },
            clock: clock.clone(),
            wall: Some(layout),
            ..AppOptions::default()
        },
        // Smaller than a wall: the frames are cheaper, the work the same.
        egui::vec2(960.0, 540.0),
    );
    common::step_until(&mut wall, "the feed", |app| {
        app.live.me.is_some() && !app.live.feed.units.is_empty()
    });
    let started = std::time::Instant::now();
    let mut daily = Vec::new();
    for day in 1..=days {
        let (mut max_live, mut max_asked, mut views) = (0, 0, std::collections::BTreeSet::new());
        for _ in 0..DAY_MS / step_ms {
            clock.advance(step_ms);
            // The server's tick, then frames until the history answers are in (their
            // 30-s timeout is on the clock, which jumps minutes here).
            for _ in 0..100 {
                std::thread::sleep(Duration::from_millis(5));
                wall.step();
                if wall.state().state.history.asked.is_empty() {
                    break;
                }
            }
            let s = &wall.state().state;
            max_live = max_live.max(s.live.feed.incidents.len());
            max_asked = max_asked.max(s.history.asked.len());
            if let Some(w) = &s.wall {
                views.insert(w.rotation.view(&w.layout).name());
            }
        }
        let tiles = wall.state_mut().tile_stats().in_memory;
        let s = &wall.state().state;
        let w = s.wall.as_ref().unwrap();
        let a = &s.history.analysis;
        let row = (
            day,
            max_live,
            max_asked,
            s.live.notices.len(),
            a.current.as_ref().map_or(0, Vec::len) + a.previous.as_ref().map_or(0, Vec::len),
            w.shade.len(),
            rss_mib(),
        );
        eprintln!(
            "day {day}: at most {max_live} incidents live, {max_asked} history queries out, \
             {} notices, {} incident records for the heat map, {} shaded squares, \
             today {} calls, views {views:?}, {tiles} basemap tiles in memory, rss {:.0} MiB \
             ({:.0} s so far)",
            row.3,
            row.4,
            row.5,
            s.history
                .today
                .figures
                .as_ref()
                .map_or(0, |f| f.current.incidents),
            row.6,
            started.elapsed().as_secs_f64()
        );
        // Today's figures and the heat map follow the clock (asked again every minute and
        // every 5 minutes: within a step here).
        let now = clock.now_ms();
        let today = s.history.today.figures.as_ref().unwrap();
        assert!(
            now - today.current.to_ms <= step_ms,
            "day {day}: today's figures are old"
        );
        assert_eq!(
            today.current.from_ms,
            onemap::state::history::local_midnight(now, s.settings.utc_offset_min)
        );
        assert_eq!(views.len(), 6, "day {day}: every view came up: {views:?}");
        daily.push(row);
    }
    let s = &wall.state().state;
    assert!(s.live.me.is_some(), "still signed in");
    assert!(
        s.history.today.figures.is_some() && s.history.analysis.grid.is_some(),
        "the figures and the heat map kept coming"
    );
    for &(day, max_live, max_asked, notices, records, _, _) in &daily {
        assert!(max_live < 200, "day {day}: {max_live} incidents held live");
        assert!(max_asked <= 8, "day {day}: {max_asked} queries out at once");
        assert!(notices <= 50, "day {day}: {notices} notices");
        // A week of 30 calls an hour, twice (the period and the one before it).
        assert!(records <= 2 * 7 * 24 * 40, "day {day}: {records} records");
    }
    // Memory: after the first day has filled the windows, flat within noise.
    let (rss_day2, rss_last) = (daily[1].6, daily[days - 1].6);
    assert!(
        rss_last < rss_day2 + 48.0,
        "memory grew from {rss_day2:.0} MiB on day 2 to {rss_last:.0} MiB on day {days}"
    );
    server.stop();
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
}
