//! `onemap bench --only optimise`: patrol plans on the demo city's roads. One unit with 10 to
//! 40 hot spots (40 instances), and 2 to 10 units with 50 to 500 (8 instances): hot spots
//! are addresses in a district around a random centre, weights 1 to 20, 12-minute stops and
//! 2-hour laps from the address nearest the centre. Prints OneMap's times and weights;
//! `--patrol-out FILE` writes the instances (travel matrices included) and OneMap's plans for
//! `bench/patrol_optimise.py`, which solves them with an exact MIP (highspy) and OR-Tools.
//!
//! Timings, not assertions: the machine is shared and noisy.

use std::path::Path;
use std::time::Instant;

use onemap_core::coord::haversine_m;
use onemap_core::patrol::optimise::{self, Options, Problem};
use onemap_core::routing::{MAX_SNAP_M, Mode, RoadGraph, Snap, Speeds};
use serde_json::json;

use onemap::city::load_osm;

/// Single-unit instances.
const SINGLE: usize = 40;
/// Multi-unit instances: (units, hot spots).
const MULTI: [(usize, usize); 8] = [
    (2, 50),
    (3, 100),
    (4, 150),
    (5, 200),
    (6, 250),
    (8, 350),
    (10, 500),
    (3, 500),
];
const LAP_S: f64 = 7200.0;
const DWELL_S: f64 = 720.0;

struct Made {
    problem: Problem,
    name: String,
}

fn make(
    graph: &RoadGraph,
    addresses: &[onemap_core::coord::LonLat],
    next: &mut impl FnMut() -> u64,
    units: usize,
    spots: usize,
    district: usize,
) -> Made {
    let centre = addresses[(next() % addresses.len() as u64) as usize];
    let mut near: Vec<(f64, usize)> = addresses
        .iter()
        .enumerate()
        .map(|(i, a)| (haversine_m(centre, *a), i))
        .collect();
    near.sort_by(|a, b| a.0.total_cmp(&b.0));
    near.truncate(district.min(addresses.len()));
    let mut snaps: Vec<Snap> = Vec::with_capacity(spots + 1);
    let mut weight = vec![0.0];
    // The depot: the nearest address to the centre that snaps.
    for (_, i) in &near {
        if let Ok(s) = graph.snap(addresses[*i], Mode::Car, MAX_SNAP_M) {
            snaps.push(s);
            break;
        }
    }
    while snaps.len() < spots + 1 {
        let (_, i) = near[(next() % near.len() as u64) as usize];
        if let Ok(s) = graph.snap(addresses[i], Mode::Car, MAX_SNAP_M) {
            snaps.push(s);
            weight.push(1.0 + (next() % 20) as f64);
        }
    }
    let n = snaps.len();
    let time = optimise::travel_matrix(graph, Mode::Car, &snaps);
    Made {
        problem: Problem {
            n,
            time,
            weight,
            dwell_s: std::iter::once(0.0)
                .chain(std::iter::repeat_n(DWELL_S, n - 1))
                .collect(),
            lap_s: LAP_S,
            units,
        },
        name: format!("u{units}-n{spots}"),
    }
}

pub fn run_optimise(osm_path: &Path, out: Option<&Path>) -> anyhow::Result<()> {
    let osm = load_osm(osm_path)?;
    let graph = RoadGraph::build(&osm, &Speeds::default());
    let addresses: Vec<_> = osm.addresses.iter().map(|a| a.pos).collect();
    anyhow::ensure!(addresses.len() >= 2000, "fewer than 2,000 address points");
    let mut rng = 29u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    println!(
        "patrol plans, {} (car, 2-h laps, 12-min stops)",
        osm_path.display()
    );
    println!(
        "{:<12} {:>6} {:>6} {:>9} {:>9} {:>10}",
        "instance", "units", "spots", "plan ms", "weight", "imbalance"
    );
    let mut rows = Vec::new();
    let mut single_ms = Vec::new();
    let plans: Vec<(usize, usize, usize)> = (0..SINGLE)
        .map(|i| (1, 10 + 5 * (i % 7), 400))
        .chain(MULTI.iter().map(|&(u, n)| (u, n, 8 * n)))
        .collect();
    for (k, &(units, spots, district)) in plans.iter().enumerate() {
        let made = make(&graph, &addresses, &mut next, units, spots, district);
        let p = &made.problem;
        let t = Instant::now();
        let plan = optimise::solve(p, &Options::default());
        let ms = t.elapsed().as_secs_f64() * 1e3;
        p.check(&plan)
            .map_err(|e| anyhow::anyhow!("{}: {e}", made.name))?;
        if units == 1 {
            single_ms.push(ms);
        }
        if units > 1 || k < 3 || k == SINGLE - 1 {
            println!(
                "{:<12} {:>6} {:>6} {:>9.1} {:>9.0} {:>9.1}%",
                made.name,
                units,
                spots,
                ms,
                p.value(&plan),
                100.0 * p.imbalance(&plan)
            );
        }
        rows.push(json!({
            "name": made.name,
            "units": units,
            "lap_s": p.lap_s,
            "dwell_s": p.dwell_s,
            "weight": p.weight,
            "time": p.time,
            "ours": { "value": p.value(&plan), "ms": ms, "routes": plan.routes,
                      "imbalance": p.imbalance(&plan) },
        }));
    }
    single_ms.sort_by(f64::total_cmp);
    println!(
        "one unit, {SINGLE} instances of 10–40 spots: median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        single_ms[single_ms.len() / 2],
        single_ms[(single_ms.len() * 95).div_ceil(100) - 1],
        single_ms[single_ms.len() - 1]
    );
    if let Some(path) = out {
        let text = serde_json::to_string(&json!({ "instances": rows }))?;
        std::fs::write(path, text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        println!("instances written to {}", path.display());
    }
    Ok(())
}
