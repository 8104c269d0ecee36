//! History benchmark (`onemap-feed bench-history --db LOG`): on a log written by
//! `simulate --fast`, the time of each history query as the server answers it, beside the
//! naive way (replaying the whole log from its first event) in the same run, and the log's
//! size. Figures are printed, never asserted: the machines are shared.

use std::path::Path;
use std::time::Instant;

use onemap_core::feed::history::HistoryQuery;
use onemap_core::feed::period::{DAY_MS, PeriodFigures, Window};
use onemap_core::feed::{FeedState, Incident, ServerEvent};

use crate::store::{EventStore, SqliteStore, answer};

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Time `f` `n` times: (median, max) ms.
fn timed(n: usize, mut f: impl FnMut(usize)) -> (f64, f64) {
    let mut all = Vec::with_capacity(n);
    for k in 0..n {
        let t = Instant::now();
        f(k);
        all.push(ms(t));
    }
    let max = all.iter().copied().fold(0.0, f64::max);
    (median(all), max)
}

pub fn run(db: &Path) -> anyhow::Result<()> {
    let store = SqliteStore::open(db)?;
    let mut reader = store.reader()?;
    let size = reader.size()?;
    let (Some(first), Some(last)) = (size.first_ms, size.last_ms) else {
        anyhow::bail!(
            "{} holds no events: write one with `simulate --fast`",
            db.display()
        );
    };
    let days = (last - first) as f64 / DAY_MS as f64;
    println!(
        "log {}: {:.1} days, {:.1} MB ({:.1} MB a day), {} events, {} positions, {} snapshots, \
         {} incidents, {} audit rows",
        db.display(),
        days,
        size.bytes as f64 / 1e6,
        size.bytes as f64 / 1e6 / days.max(1e-9),
        size.events,
        size.positions,
        size.snapshots,
        size.incidents,
        size.audit_rows
    );
    let r = reader.as_mut();
    let month = Window::new(last - 30 * DAY_MS, last + 1).unwrap_or(Window {
        from_ms: first,
        to_ms: last + 1,
    });
    let query = HistoryQuery::Figures {
        from_ms: month.from_ms,
        to_ms: month.to_ms,
        utc_offset_min: 480,
    };
    let (fig_med, fig_max) = timed(5, |_| {
        let _ = answer(r, &query);
    });
    println!(
        "figures of the last 30 days with 环比 and 同比 (4 windows): median {fig_med:.0} ms, \
         max {fig_max:.0} ms (target < 200 ms)"
    );
    let span = last - first;
    let at = |k: usize| first + span / 21 * (k as i64 + 1);
    let (st_med, st_max) = timed(20, |k| {
        let _ = r.state_at(at(k));
    });
    println!(
        "state at a moment (20 moments spread over the log): median {st_med:.0} ms, max \
         {st_max:.0} ms (target < 500 ms)"
    );
    let units: Vec<String> = r
        .state_at(last)?
        .state
        .units
        .iter()
        .map(|u| u.id.to_string())
        .collect();
    let (tr_med, tr_max) = timed(units.len().clamp(1, 20), |k| {
        let unit = units.get(k % units.len().max(1)).map(|u| u.as_str().into());
        let day_from = last - DAY_MS - (k as i64 % 5) * DAY_MS;
        let _ = r.tracks(unit.as_ref(), day_from, day_from + DAY_MS, 20_000);
    });
    println!(
        "one unit's track for a day: median {tr_med:.1} ms, max {tr_max:.1} ms (target < 50 ms)"
    );
    let (hr_med, _) = timed(5, |k| {
        let from = last - 3_600_000 * (k as i64 + 1);
        let _ = r.tracks(None, from, from + 3_600_000, 500);
    });
    println!("every unit's track for an hour: median {hr_med:.1} ms");
    let (ev_med, _) = timed(10, |k| {
        let from = at(k);
        let _ = r.events_between(from, from + 3_600_000, 0, 5_000);
    });
    println!("a page of 5,000 events: median {ev_med:.1} ms");

    // The naive way, in the same run: replay every event from the start.
    let t = Instant::now();
    let mut naive = SqliteStore::open(db)?;
    let mut state = FeedState::default();
    let mut incidents: std::collections::HashMap<String, Incident> = Default::default();
    let mut after = 0;
    let target = at(19);
    let mut state_naive_ms = None;
    loop {
        let page = naive.events_after(after, 50_000)?;
        let Some(end) = page.last().map(|e| e.seq) else {
            break;
        };
        for env in &page {
            if state_naive_ms.is_none() && env.ts > target {
                state_naive_ms = Some(ms(t));
            }
            state.apply(env);
            if let ServerEvent::IncidentCreated(i) | ServerEvent::IncidentUpdated(i) = &env.event {
                incidents.insert(i.id.to_string(), i.clone());
            }
        }
        after = end;
    }
    let _ = PeriodFigures::of(incidents.values(), month, 480);
    let replay_ms = ms(t);
    let state_naive_ms = state_naive_ms.unwrap_or(replay_ms);
    println!(
        "baseline, replaying the log from its first event: the state near its end {state_naive_ms:.0} ms \
         ({:.0}× the query's median), the month's figures {replay_ms:.0} ms ({:.0}×)",
        state_naive_ms / st_med.max(1e-3),
        replay_ms / fig_med.max(1e-3)
    );
    Ok(())
}
