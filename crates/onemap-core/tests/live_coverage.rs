//! Live coverage on the demo city, against an independent multi-source computation: a plain
//! binary-heap Dijkstra over the graph's segments (not the search, the chains or the
//! isochrone code), seeded from each unit's place on its segment, then each address's time and
//! each segment's reached length from its two ends. Prints the recompute time.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use onemap_core::coord::LonLat;
use onemap_core::osm::import_pbf;
use onemap_core::routing::coverage::CoverageSetup;
use onemap_core::routing::isochrone::Workspace;
use onemap_core::routing::live_coverage::live_coverage;
use onemap_core::routing::{MAX_SNAP_M, Mode, RoadGraph, Snap, Speeds};

/// Seconds from the nearest of `from` (snapped points) to every node, by `mode`.
fn dijkstra(g: &RoadGraph, mode: Mode, from: &[Snap]) -> Vec<f64> {
    let m = mode.index();
    let mut adj: Vec<Vec<(u32, f64)>> = vec![Vec::new(); g.node_count()];
    for s in &g.segments {
        if s.time_ab[m].is_finite() {
            adj[s.a as usize].push((s.b, f64::from(s.time_ab[m])));
        }
        if s.time_ba[m].is_finite() {
            adj[s.b as usize].push((s.a, f64::from(s.time_ba[m])));
        }
    }
    let mut cost = vec![f64::INFINITY; g.node_count()];
    let mut heap = BinaryHeap::new();
    let push = |v: u32, c: f64, cost: &mut Vec<f64>, heap: &mut BinaryHeap<_>| {
        if c < cost[v as usize] {
            cost[v as usize] = c;
            heap.push(Reverse(((c * 1e6) as u64, v)));
        }
    };
    for p in from {
        let s = &g.segments[p.seg as usize];
        let f = f64::from(p.frac);
        push(
            s.b,
            (1.0 - f) * f64::from(s.time_ab[m]),
            &mut cost,
            &mut heap,
        );
        push(s.a, f * f64::from(s.time_ba[m]), &mut cost, &mut heap);
    }
    while let Some(Reverse((c, v))) = heap.pop() {
        let c = c as f64 / 1e6;
        if c > cost[v as usize] + 1e-6 {
            continue;
        }
        for &(w, t) in &adj[v as usize] {
            push(w, cost[v as usize] + t, &mut cost, &mut heap);
        }
    }
    cost
}

/// Time to a point on segment `at` from the node costs and the units on that segment.
fn time_to(g: &RoadGraph, mode: Mode, cost: &[f64], units: &[Snap], at: &Snap) -> f64 {
    let m = mode.index();
    let s = &g.segments[at.seg as usize];
    let f = f64::from(at.frac);
    let (ab, ba) = (f64::from(s.time_ab[m]), f64::from(s.time_ba[m]));
    let mut t = (cost[s.a as usize] + f * ab).min(cost[s.b as usize] + (1.0 - f) * ba);
    for u in units.iter().filter(|u| u.seg == at.seg) {
        let uf = f64::from(u.frac);
        t = t.min(if uf <= f {
            (f - uf) * ab
        } else {
            (uf - f) * ba
        });
    }
    t
}

#[test]
fn live_coverage_equals_an_independent_multi_source_computation() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../layers/neubrandenburg-2016.osm.pbf"
    );
    let osm = import_pbf(&std::fs::read(path).unwrap()).unwrap();
    let g = RoadGraph::build(&osm, &Speeds::default());
    let addresses: Vec<LonLat> = osm.addresses.iter().map(|a| a.pos).collect();
    let modes = [Mode::Car, Mode::Foot];
    let owned: Vec<CoverageSetup> = modes
        .iter()
        .map(|&m| CoverageSetup::new(&g, m, None, &addresses, &[]))
        .collect();
    let setups: Vec<&CoverageSetup> = owned.iter().collect();
    // Units at known places: six cars and four foot patrols at spread-out addresses.
    let mut units = Vec::new();
    for k in 0..6 {
        units.push((addresses[(k * 1_597 + 11) % addresses.len()], Mode::Car));
    }
    for k in 0..4 {
        units.push((addresses[(k * 2_311 + 503) % addresses.len()], Mode::Foot));
    }
    let limits = [60.0_f32, 180.0];
    let mut ws = Workspace::new(&g);
    let t0 = std::time::Instant::now();
    let live = live_coverage(&g, &mut ws, &setups, &units, &limits).unwrap();
    let first = t0.elapsed();
    let t1 = std::time::Instant::now();
    let again = live_coverage(&g, &mut ws, &setups, &units, &limits).unwrap();
    let warm = t1.elapsed();
    assert_eq!(live, again);
    assert_eq!(live.units, 10);

    // Independent: per mode, node costs; each address's best time over the modes.
    let mut best = vec![f64::INFINITY; addresses.len()];
    let mut reached_m = [0.0f64; 2];
    let mut reached: Vec<Vec<(u32, f64, f64)>> = vec![Vec::new(); 2];
    for &mode in &modes {
        let m = mode.index();
        let snaps: Vec<Snap> = units
            .iter()
            .filter(|(_, um)| *um == mode)
            .map(|&(p, _)| g.snap(p, mode, MAX_SNAP_M).unwrap())
            .collect();
        let cost = dijkstra(&g, mode, &snaps);
        for (i, &p) in addresses.iter().enumerate() {
            if let Ok(at) = g.snap(p, mode, MAX_SNAP_M) {
                best[i] = best[i].min(time_to(&g, mode, &cost, &snaps, &at));
            }
        }
        // Reached stretches of each segment from its two ends, per limit.
        for (k, &limit) in limits.iter().enumerate() {
            for (si, s) in g.segments.iter().enumerate() {
                let (ab, ba) = (f64::from(s.time_ab[m]), f64::from(s.time_ba[m]));
                let from_a = ((f64::from(limit) - cost[s.a as usize]) / ab).clamp(0.0, 1.0);
                let from_b = ((f64::from(limit) - cost[s.b as usize]) / ba).clamp(0.0, 1.0);
                if from_a > 0.0 {
                    reached[k].push((si as u32, 0.0, from_a));
                }
                if from_b > 0.0 {
                    reached[k].push((si as u32, 1.0 - from_b, 1.0));
                }
            }
        }
    }
    for (k, &limit) in limits.iter().enumerate() {
        // Addresses: the same count, up to points within 10 ms of the limit (f32 against f64).
        let sure = best
            .iter()
            .filter(|&&t| t <= f64::from(limit) - 0.01)
            .count();
        let maybe = best
            .iter()
            .filter(|&&t| t <= f64::from(limit) + 0.01)
            .count();
        let ours = (live.address_share[k] * addresses.len() as f64).round() as usize;
        assert!(
            (sure..=maybe).contains(&ours),
            "{limit} s: {ours} addresses, independently {sure}..={maybe}"
        );
        // Each address's reach (what the wall shades) agrees, away from the limit.
        for (i, &t) in best.iter().enumerate() {
            let within = usize::from(live.address_reach[i]) <= k;
            if (t - f64::from(limit)).abs() > 0.01 {
                assert_eq!(within, t <= f64::from(limit), "address {i}: {t} s");
            }
        }
        // Roads: the union of the reached stretches.
        let mut r = reached[k].clone();
        r.sort_by(|x, y| x.0.cmp(&y.0).then(x.1.total_cmp(&y.1)));
        let mut total = 0.0;
        let mut i = 0;
        while i < r.len() {
            let (seg, mut lo, mut hi) = r[i];
            i += 1;
            while i < r.len() && r[i].0 == seg {
                if r[i].1 > hi {
                    total += (hi - lo) * f64::from(g.segments[seg as usize].length_m);
                    (lo, hi) = (r[i].1, r[i].2);
                } else {
                    hi = hi.max(r[i].2);
                }
                i += 1;
            }
            total += (hi - lo) * f64::from(g.segments[seg as usize].length_m);
        }
        reached_m[k] = total;
        let usable: f64 = g
            .segments
            .iter()
            .filter(|s| modes.iter().any(|&m| s.usable_by(m)))
            .map(|s| f64::from(s.length_m))
            .sum();
        let theirs = total / usable;
        assert!(
            (live.road_share[k] - theirs).abs() < 0.002,
            "{limit} s: road share {} against {theirs}",
            live.road_share[k]
        );
        println!(
            "{limit} s: roads {:.2} % ({:.2} % independently), addresses {:.2} % ({ours} of {})",
            live.road_share[k] * 100.0,
            theirs * 100.0,
            live.address_share[k] * 100.0,
            addresses.len()
        );
    }
    println!(
        "recompute, 10 units, 1 and 3 min: {:.1} ms first, {:.1} ms again",
        first.as_secs_f64() * 1e3,
        warm.as_secs_f64() * 1e3
    );
}
