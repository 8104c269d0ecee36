//! `onemap bench --only dispatch`: recommendation latency for 100, 1,000 and 10,000 units on
//! the demo city against brute force (a full search from every unit), with an exactness
//! check on the units the brute force ran for.
//!
//! Timings, not assertions: the machine is shared and noisy.

use std::path::Path;
use std::time::{Duration, Instant};

use onemap_core::coord::LonLat;
use onemap_core::routing::{MAX_SNAP_M, RoadGraph, Search, Speeds};

use onemap::city::load_osm;

use super::median_us;

/// `onemap bench --only dispatch`: recommendation latency for 100, 1,000 and 10,000 units on
/// the demo city against brute force (a full search from every unit), with an exactness
/// check on the units the brute force ran for.
pub fn run_dispatch(osm_path: &Path) -> anyhow::Result<()> {
    use onemap_core::feed::UnitKind;
    use onemap_core::routing::dispatch::{Recommender, Responder, eta_brute_force};

    let osm = load_osm(osm_path)?;
    let graph = RoadGraph::build(&osm, &Speeds::default());
    let addresses: Vec<LonLat> = osm.addresses.iter().map(|a| a.pos).collect();
    anyhow::ensure!(!addresses.is_empty(), "no address points to place units at");
    let mut rng = 7u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    const INCIDENTS: usize = 20;
    const BRUTE_UNITS: usize = 150;
    const BRUTE_INCIDENTS: usize = 4;
    println!(
        "dispatch recommendation, {} ({} road nodes)",
        osm_path.display(),
        graph.node_count()
    );
    println!(
        "{:>7} {:>13} {:>13} {:>13} {:>13} {:>15} {:>9}",
        "units", "top-8 cold", "top-8 warm", "all ranked", "settled top-8", "brute force*", "ratio"
    );
    for n in [100usize, 1_000, 10_000] {
        let kinds = UnitKind::ALL;
        let units: Vec<Responder> = (0..n)
            .map(|i| {
                let kind = kinds[(next() % 4) as usize];
                Responder {
                    id: format!("U{i}"),
                    mode: kind.travel_mode(),
                    turnout_s: kind.default_turnout_s(),
                    at: addresses[(next() % addresses.len() as u64) as usize],
                }
            })
            .collect();
        let incidents: Vec<LonLat> = (0..INCIDENTS)
            .map(|_| addresses[(next() % addresses.len() as u64) as usize])
            .collect();
        let (mut cold, mut warm, mut all, mut settled) = (Vec::new(), Vec::new(), Vec::new(), 0);
        let mut brute_per_unit = Vec::new();
        let mut checked = 0usize;
        let mut search = Search::new(&graph);
        for (k, &at) in incidents.iter().enumerate() {
            // Cold: every unit snapped afresh (they have all moved since last time).
            let mut rec = Recommender::new(&graph);
            let t = Instant::now();
            let top = rec.recommend(&graph, at, &units, 8);
            cold.push(t.elapsed());
            settled += top.settled;
            let t = Instant::now();
            let again = rec.recommend(&graph, at, &units, 8);
            warm.push(t.elapsed());
            // The same best eight; the warm run, knowing more units' road positions, may prove
            // more of the rest too.
            let best = |r: &onemap_core::routing::dispatch::Recommendation| {
                r.ranked
                    .iter()
                    .take(8)
                    .map(|x| (x.index, x.eta_s.to_bits()))
                    .collect::<Vec<_>>()
            };
            anyhow::ensure!(best(&again) == best(&top), "warm and cold rankings differ");
            let t = Instant::now();
            let full = rec.recommend(&graph, at, &units, usize::MAX);
            all.push(t.elapsed());
            if k < BRUTE_INCIDENTS {
                let t = Instant::now();
                let sample = units.len().min(BRUTE_UNITS);
                for (i, u) in units.iter().enumerate().take(sample) {
                    let (Ok(snap), Some(target)) = (
                        graph.snap(u.at, u.mode, MAX_SNAP_M),
                        full.incident_snaps[u.mode.index()],
                    ) else {
                        continue;
                    };
                    let eta =
                        eta_brute_force(&graph, &mut search, &snap, u.mode, u.turnout_s, &target);
                    if let Some(r) = full.ranked.iter().find(|r| r.index == i) {
                        // Seconds are f32: over a prefecture's hours-long paths the sums in
                        // another order differ in the last bits (a few parts per million).
                        let tolerance = 0.05f32.max(eta.abs() * 1e-5);
                        anyhow::ensure!(
                            (r.eta_s - eta).abs() < tolerance,
                            "unit {i}: ranked {} s, brute force {eta} s",
                            r.eta_s
                        );
                        checked += 1;
                    }
                }
                brute_per_unit.push(t.elapsed().as_secs_f64() / sample as f64);
            }
        }
        let ms = |v: Vec<Duration>| median_us(v).0 / 1000.0;
        let brute_ms =
            brute_per_unit.iter().sum::<f64>() / brute_per_unit.len() as f64 * 1e3 * n as f64;
        let cold_ms = ms(cold);
        println!(
            "{n:>7} {:>10.2} ms {:>10.2} ms {:>10.2} ms {:>13} {:>12.0} ms {:>8.0}×",
            cold_ms,
            ms(warm),
            ms(all),
            settled / INCIDENTS,
            brute_ms,
            brute_ms / cold_ms
        );
        println!("        ({checked} ETAs checked equal to brute force)");
    }
    println!(
        "medians over {INCIDENTS} incidents at random address points; units at random address \
         points, cars/motorbikes/foot/e-bikes with their turnouts.\n* brute force: a full search \
         from each unit (timed on {BRUTE_UNITS} units × {BRUTE_INCIDENTS} incidents, scaled to \
         all units); ratio against top-8 cold."
    );
    Ok(())
}
