//! The dispatch recommendation on the real demo city is exact: with units at random places
//! in every travel mode, its ranking equals a brute-force full search from every unit.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed set-up is a failed test

use onemap_core::coord::LonLat;
use onemap_core::osm::import_pbf;
use onemap_core::routing::dispatch::{Recommender, Responder, eta_brute_force};
use onemap_core::routing::{MAX_SNAP_M, Mode, RoadGraph, Search, Speeds};

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[test]
fn ranking_equals_brute_force_from_every_unit() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../layers/neubrandenburg-2016.osm.pbf"
    );
    let osm = import_pbf(&std::fs::read(path).expect("demo extract")).expect("imports");
    let graph = RoadGraph::build(&osm, &Speeds::default());
    let b = osm.bounds;
    let mut rng = 42u64;
    let random_point = |rng: &mut u64| {
        let f = |r: u64| (r % 1_000_000) as f64 / 1_000_000.0;
        LonLat::new(
            b.min.lon + f(splitmix(rng)) * (b.max.lon - b.min.lon),
            b.min.lat + f(splitmix(rng)) * (b.max.lat - b.min.lat),
        )
    };
    let turnouts = [30.0, 20.0, 0.0, 15.0];
    let units: Vec<Responder> = (0..120)
        .map(|i| {
            let mode = Mode::ALL[i % 4];
            Responder {
                id: format!("U{i}"),
                mode,
                turnout_s: turnouts[i % 4],
                at: random_point(&mut rng),
            }
        })
        .collect();
    let mut rec = Recommender::new(&graph);
    let mut search = Search::new(&graph);
    let mut checked = 0;
    for _ in 0..4 {
        let incident = random_point(&mut rng);
        let all = rec.recommend(&graph, incident, &units, usize::MAX);
        if all.ranked.len() < 50 {
            continue; // the incident fell in the lake or a field: try another
        }
        // Brute force: a full forward search from every unit that can be placed.
        let mut brute: Vec<(usize, f32)> = Vec::new();
        for (i, u) in units.iter().enumerate() {
            let (Ok(snap), Some(target)) = (
                graph.snap(u.at, u.mode, MAX_SNAP_M),
                all.incident_snaps[u.mode.index()],
            ) else {
                continue;
            };
            let eta = eta_brute_force(&graph, &mut search, &snap, u.mode, u.turnout_s, &target);
            if eta.is_finite() {
                brute.push((i, eta));
            }
        }
        brute.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        assert_eq!(
            all.ranked.len(),
            brute.len(),
            "every placeable unit is ranked"
        );
        assert!(all.rest.is_empty());
        for (r, (i, eta)) in all.ranked.iter().zip(&brute) {
            assert!(
                (r.eta_s - eta).abs() < 0.05,
                "{incident}: rank of {} has {} s, brute force {} s ({})",
                units[r.index].id,
                r.eta_s,
                eta,
                units[*i].id
            );
            // Same unit unless two units tie.
            if r.index != *i {
                let theirs = brute.iter().find(|b| b.0 == r.index).unwrap().1;
                assert!((theirs - eta).abs() < 0.05, "{incident}: order differs");
            }
        }
        // The five best with early stopping: the same units, and nobody left out is faster.
        let top = rec.recommend(&graph, incident, &units, 5);
        assert!(top.ranked.len() >= 5);
        assert!(top.settled <= all.settled);
        for (r, (_, eta)) in top.ranked.iter().zip(&brute) {
            assert!((r.eta_s - eta).abs() < 0.05);
        }
        let last = top.ranked.last().unwrap().eta_s;
        for b in &top.rest {
            let exact = brute
                .iter()
                .find(|x| x.0 == b.index)
                .map_or(f32::INFINITY, |x| x.1);
            assert!(
                exact >= last - 0.05,
                "{} is faster than one shown",
                units[b.index].id
            );
            assert!(b.at_least_s <= exact + 0.05, "a bound above the exact ETA");
        }
        checked += 1;
    }
    assert!(checked >= 2, "only {checked} incidents on the network");
}
