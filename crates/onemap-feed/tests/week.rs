//! A week of the demo city in seconds: the real hub with its SQLite store and the simulator on
//! a fake clock, stepped a simulated minute at a time for 7 days. The live state, the
//! remembered answers and the process's memory must stay bounded: closed incidents leave the
//! picture (they stay in the log), nothing accumulates with running time.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed set-up is a failed test

mod common;

use common::{temp_db, world};
use onemap_feed::clock::Clock;
use onemap_feed::hub::{Hub, HubConfig, HubMsg};
use onemap_feed::sim::SimConfig;
use onemap_feed::store::SqliteStore;

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[test]
fn a_week_of_the_demo_city_stays_bounded() {
    const DAY_MS: i64 = 86_400_000;
    const STEP_MS: i64 = 60_000;
    let db = temp_db("week");
    let clock = Clock::fake(1_795_400_000_000);
    let config = HubConfig {
        replay_window: 5_000,
        ..HubConfig::default()
    };
    let store = SqliteStore::open(&db).unwrap();
    let mut hub = Hub::open(
        Box::new(store),
        onemap_feed::identity::Identities::none(),
        clock.clone(),
        config.clone(),
    )
    .unwrap();
    let sim = SimConfig {
        seed: 11,
        units: 20,
        incidents_per_hour: 30.0,
        report_interval_ms: 120_000,
        ..SimConfig::default()
    };
    hub.handle(HubMsg::World(Box::new(world()), sim));
    let mut daily = Vec::new();
    for day in 1..=7 {
        let mut max_incidents = 0;
        for _ in 0..DAY_MS / STEP_MS {
            clock.advance(STEP_MS);
            hub.tick();
            max_incidents = max_incidents.max(hub.state().incidents.len());
        }
        let s = hub.state();
        let open = s.open_incidents().count();
        daily.push((day, s.incident_counter, max_incidents, open, rss_mib()));
        eprintln!(
            "day {day}: {} calls so far, at most {max_incidents} in the live picture \
             ({open} open now), {} units, {} answers remembered, rss {:.0} MiB",
            s.incident_counter,
            s.units.len(),
            hub.remembered_answers(),
            rss_mib()
        );
    }
    let (_, calls, _, _, _) = daily[6];
    // 30 calls an hour for a week.
    assert!(calls > 4_500, "{calls} calls in a week");
    // Closed incidents leave after two hours: the live picture holds a few hours' worth,
    // not a week's.
    for &(day, _, max_live, _, _) in &daily {
        assert!(max_live < 200, "day {day}: {max_live} incidents held live");
    }
    assert_eq!(hub.state().units.len(), 20);
    // Memory: after the replay window has filled (day 1), flat within noise.
    let (rss_day2, rss_day7) = (daily[1].4, daily[6].4);
    assert!(
        rss_day7 < rss_day2 + 24.0,
        "memory grew from {rss_day2:.0} MiB on day 2 to {rss_day7:.0} MiB on day 7"
    );
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
}
