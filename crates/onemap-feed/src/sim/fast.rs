//! A month of history in seconds: the real hub, its store and the simulator on a fake clock,
//! stepped as fast as the machine goes, writing an ordinary event log that the server can
//! then serve and the history queries read (`onemap-feed simulate --days 30 --fast`).

use std::path::Path;
use std::time::Instant;

use onemap_core::feed::history::LogSize;

use super::{SimConfig, World};
use crate::clock::Clock;
use crate::hub::{Hub, HubConfig, HubMsg};
use crate::identity::Identities;
use crate::store::{EventStore, SqliteStore, StoreError};

pub const DAY_MS: i64 = 86_400_000;

/// What a fast run wrote.
#[derive(Clone, Debug)]
pub struct FastReport {
    pub days: u32,
    pub from_ms: i64,
    pub to_ms: i64,
    pub incidents: u64,
    pub wall_seconds: f64,
    pub log: LogSize,
}

/// Write `days` simulated days ending at `end_ms` into a new log at `db`, the simulator
/// stepped every `step_ms` of simulated time; `progress` hears each finished day.
pub fn write_days(
    db: &Path,
    world: World,
    sim: SimConfig,
    days: u32,
    end_ms: i64,
    step_ms: i64,
    mut progress: impl FnMut(u32, &Hub),
) -> Result<FastReport, StoreError> {
    if std::fs::metadata(db).is_ok_and(|m| m.len() > 0) {
        return Err(StoreError::Corrupt(format!(
            "{} exists; a fast run writes a new log (move it aside or give another --db)",
            db.display()
        )));
    }
    let started = Instant::now();
    let from_ms = end_ms - i64::from(days) * DAY_MS;
    let clock = Clock::fake(from_ms);
    let store = SqliteStore::open_bulk(db)?;
    let config = HubConfig {
        // A fast run has no clients: keep little in memory.
        replay_window: 2_000,
        ..HubConfig::default()
    };
    let mut hub = Hub::open(Box::new(store), Identities::none(), clock.clone(), config)?;
    hub.handle(HubMsg::World(Box::new(world), sim));
    let step_ms = step_ms.max(100);
    for day in 1..=days {
        let day_end = from_ms + i64::from(day) * DAY_MS;
        while clock.now_ms() < day_end {
            clock.advance(step_ms.min(day_end - clock.now_ms()));
            hub.tick();
        }
        progress(day, &hub);
    }
    let incidents = hub.state().incident_counter;
    drop(hub);
    let mut reader = SqliteStore::open(db)?.reader()?;
    let log = reader.size()?;
    Ok(FastReport {
        days,
        from_ms,
        to_ms: end_ms,
        incidents,
        wall_seconds: started.elapsed().as_secs_f64(),
        log,
    })
}
