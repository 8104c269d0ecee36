//! Patrol routes on hand-made roads, against figures worked out by hand (exact metres and
//! seconds), and on the demo city against an independent Dijkstra.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use onemap_core::coord::LonLat;
use onemap_core::osm::RoadClass;
use onemap_core::osm::import_pbf;
use onemap_core::patrol::cover::SiteIndex;
use onemap_core::patrol::score::{HotSpot, ScoreSetup, score};
use onemap_core::patrol::{PatrolRoute, Waypoint, snap_route};
use onemap_core::routing::search::Search;
use onemap_core::routing::{Mode, RoadGraph, Segment, Snap, Speeds};

const STEP: f64 = 0.01;

fn at(x: f64, y: f64) -> LonLat {
    LonLat::new(13.0 + x * STEP, 53.0 + y * STEP)
}

fn seg(a: u32, b: u32, length_m: f32, ab: f32, ba: f32) -> Segment {
    Segment {
        a,
        b,
        length_m,
        class: RoadClass::Residential,
        time_ab: [ab; 4],
        time_ba: [ba; 4],
    }
}

/// A square of four two-way streets, 100 m and 10 s each (0: south, 1: east, 2: north,
/// 3: west), and a one-way diagonal from the south-west corner to the north-east, 141 m and
/// 8 s.
fn square() -> RoadGraph {
    let nodes = vec![at(0.0, 0.0), at(1.0, 0.0), at(1.0, 1.0), at(0.0, 1.0)];
    RoadGraph::from_segments(
        nodes,
        vec![
            seg(0, 1, 100.0, 10.0, 10.0),
            seg(1, 2, 100.0, 10.0, 10.0),
            seg(2, 3, 100.0, 10.0, 10.0),
            seg(3, 0, 100.0, 10.0, 10.0),
            seg(0, 2, 141.0, 8.0, f32::INFINITY),
        ],
    )
}

fn wp(p: LonLat, dwell_s: f32) -> Waypoint {
    Waypoint { at: p, dwell_s }
}

#[test]
fn a_hand_made_loop_scores_what_was_worked_out_by_hand() {
    let g = square();
    let mut search = Search::with_parents(&g);
    // A: the middle of the south street; B: the north-east corner; C: the middle of the
    // west street.
    let (a, b, c) = (at(0.5, 0.0), at(1.0, 1.0), at(0.0, 0.5));
    let route = PatrolRoute {
        id: "R-1".into(),
        name: "loop".into(),
        mode: Mode::Car,
        waypoints: vec![wp(a, 600.0), wp(b, 0.0), wp(c, 300.0)],
        closed: true,
        extra: Default::default(),
    };
    let snapped = snap_route(&g, &mut search, &route).unwrap();
    let legs: Vec<(f64, f64)> = snapped
        .legs
        .iter()
        .map(|l| (l.length_m, l.travel_s))
        .collect();
    // A→B: west 50 m to the corner (5 s) and the diagonal (8 s): 13 s, quicker than east
    // and north (15 s).
    assert_eq!(legs[0], (191.0, 13.0));
    // B→C: west along the north street 100 m, south 50 m: 15 s (the diagonal is one-way).
    assert_eq!(legs[1], (150.0, 15.0));
    // C→A: south 50 m, east 50 m: 10 s.
    assert_eq!(legs[2], (100.0, 10.0));
    assert_eq!(snapped.length_m(), 441.0);
    assert_eq!(snapped.travel_s(), 38.0);
    // The line runs from road position to road position through the corners.
    assert_eq!(snapped.legs[0].line.first(), Some(&snapped.snaps[0].point));
    assert_eq!(snapped.legs[0].line.last(), Some(&snapped.snaps[1].point));

    // Scored: a hot spot at A (weight 2) visited 600 s, one at C (weight 1) only 300 s,
    // one far away. Beats: the south and east streets in beat 0, north and west in beat 1.
    // No camera sees the east and west streets.
    let hot = [
        HotSpot { at: a, weight: 2.0 },
        HotSpot { at: c, weight: 1.0 },
        HotSpot {
            at: at(5.0, 5.0),
            weight: 9.0,
        },
    ];
    let seg_beat = [Some(0), Some(0), Some(1), Some(1), None];
    let blind = [false, true, false, true, false];
    let setup = ScoreSetup {
        hot_spots: &hot,
        seg_beat: &seg_beat,
        blind: &blind,
        ..Default::default()
    };
    let s = score(&g, &route, &snapped, &setup);
    assert_eq!((s.length_m, s.travel_s, s.dwell_s), (441.0, 38.0, 900.0));
    assert_eq!(s.duration_s, 938.0);
    // Visits: A at 0 s for 600 s (Koper), C at 600 + 13 + 15 = 628 s for 300 s (too short).
    let visits: Vec<(usize, f64, bool)> =
        s.visits.iter().map(|v| (v.hot, v.at_s, v.koper)).collect();
    assert_eq!(visits, vec![(0, 0.0, true), (1, 628.0, false)]);
    assert_eq!((s.hot_spots_koper, s.hot_weight), (1, 2.0));
    // Each spot once a lap: the longest wait is the lap.
    assert_eq!(s.longest_gap_s, Some(938.0));
    // Beat 0: the south street's west half twice (A→0 first, 0→A last) = 100 m; the
    // diagonal has no beat. Beat 1: north 100 + west 50 (B→C) + west 50 (C→0) = 200 m.
    assert_eq!(s.beats, vec![(0, 100.0), (1, 200.0)]);
    // Blind: the west street's 50 + 50 m.
    assert_eq!(s.blind_m, 100.0);

    // Open, with A visited twice: the wait between the two visits.
    let twice = PatrolRoute {
        closed: false,
        waypoints: vec![wp(a, 720.0), wp(c, 0.0), wp(a, 600.0)],
        ..route.clone()
    };
    let snapped = snap_route(&g, &mut search, &twice).unwrap();
    let s = score(&g, &twice, &snapped, &setup);
    // A→C: west 50 m, north 50 m: 10 s; C→A: 10 s. The second visit at 720 + 20 = 740 s.
    assert_eq!(s.travel_s, 20.0);
    assert_eq!(s.longest_gap_s, Some(740.0));
    assert_eq!((s.hot_spots_koper, s.hot_weight), (1, 2.0));

    // A waypoint in a field is refused, naming it.
    let lost = PatrolRoute {
        waypoints: vec![wp(a, 0.0), wp(at(40.0, 40.0), 0.0)],
        ..route.clone()
    };
    let e = snap_route(&g, &mut search, &lost).unwrap_err();
    assert!(e.to_string().starts_with("waypoint 1:"), "{e}");
}

/// A street of three stretches east from node 0: 40 s, 40 s and 200 s, both ways.
fn street() -> RoadGraph {
    let nodes = (0..4).map(|x| at(f64::from(x), 0.0)).collect();
    RoadGraph::from_segments(
        nodes,
        vec![
            seg(0, 1, 100.0, 40.0, 40.0),
            seg(1, 2, 100.0, 40.0, 40.0),
            seg(2, 3, 500.0, 200.0, 200.0),
        ],
    )
}

#[test]
fn time_near_required_sites_and_the_pai_are_what_was_worked_out_by_hand() {
    let g = street();
    let mut search = Search::with_parents(&g);
    // Out and back: 600 s at node 0, the far end (node 3) for 300 s. 280 s each way.
    let route = PatrolRoute {
        id: "R-2".into(),
        name: String::new(),
        mode: Mode::Car,
        waypoints: vec![wp(at(0.0, 0.0), 600.0), wp(at(3.0, 0.0), 300.0)],
        closed: true,
        extra: Default::default(),
    };
    let snapped = snap_route(&g, &mut search, &route).unwrap();
    // The site at node 0, one at node 3, one in a field no road reaches.
    let sites = SiteIndex::new(&g, Mode::Car, &[at(0.0, 0.0), at(3.0, 0.0), at(9.0, 9.0)]);
    assert_eq!(sites.unreached, vec![2]);
    // Three incidents on the street, one 2 km north of it; a study area of 10 km².
    let incidents = [
        (at(0.5, 0.0), 1.0),
        (at(1.5, 0.001), 1.0),
        (at(2.9, -0.001), 1.0),
        (at(1.5, 3.0), 1.0),
    ];
    let setup = ScoreSetup {
        sites: Some(&sites),
        incidents: &incidents,
        study_m2: 10.0e6,
        ..Default::default()
    };
    let s = score(&g, &route, &snapped, &setup);
    assert_eq!(
        (s.travel_s, s.dwell_s, s.duration_s),
        (560.0, 900.0, 1460.0)
    );
    // Node 0 within 60 s: the first stretch (40 s each way), half the second (20 s each way)
    // and the 600 s stop: 720 s. Within 180 s: both stretches (80 s each way), half the
    // third (100 s each way) and the stop: 960 s.
    let held: Vec<(usize, [f64; 2])> = s.sites.iter().map(|h| (h.site, h.within_s)).collect();
    // Node 3 within 60 s: the last 60 s of the third stretch each way and the 300 s stop:
    // 420 s. Within 180 s: 180 s each way and the stop: 660 s (the circle's edge 0.7 of the
    // way along is an f32 fraction: 1e-4 s).
    assert_eq!(held[0], (0, [720.0, 960.0]));
    assert_eq!(held[1].0, 1);
    for (got, want) in held[1].1.iter().zip([420.0, 660.0]) {
        assert!((got - want).abs() < 1e-4, "{got} against {want}");
    }
    assert_eq!(held.len(), 2);
    assert_eq!(s.site_share(&s.sites[0]), [720.0 / 1460.0, 960.0 / 1460.0]);
    // PAI: 3 of 4 incidents in a corridor of 2·150·L + π·150² (L the street's length on the
    // ground), against 10 km².
    let l = onemap_core::coord::haversine_m(at(0.0, 0.0), at(3.0, 0.0));
    let corridor = 2.0 * 150.0 * l + std::f64::consts::PI * 150.0 * 150.0;
    assert_eq!((s.pai.covered, s.pai.total), (3.0, 4.0));
    assert!(
        (s.pai.area_m2 / corridor - 1.0).abs() < 0.02,
        "{}",
        s.pai.area_m2
    );
    let expect = 0.75 / (corridor / 10.0e6);
    let got = s.pai.pai.unwrap();
    assert!((got / expect - 1.0).abs() < 0.02, "{got} against {expect}");
    // No incidents or no study area: no PAI.
    let none = score(&g, &route, &snapped, &ScoreSetup::default());
    assert_eq!(none.pai.pai, None);
    assert!(none.sites.is_empty());
    // Circles made for another mode are not used.
    let foot = SiteIndex::new(&g, Mode::Foot, &[at(0.0, 0.0)]);
    let other = ScoreSetup {
        sites: Some(&foot),
        ..Default::default()
    };
    assert!(score(&g, &route, &snapped, &other).sites.is_empty());
}

/// Plain Dijkstra from a snapped point over the segments (f64), to every node.
fn dijkstra(g: &RoadGraph, mode: Mode, from: &Snap) -> Vec<f64> {
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
    let s = &g.segments[from.seg as usize];
    let f = f64::from(from.frac);
    for (v, c) in [
        (s.b, (1.0 - f) * f64::from(s.time_ab[m])),
        (s.a, f * f64::from(s.time_ba[m])),
    ] {
        if c < cost[v as usize] {
            cost[v as usize] = c;
            heap.push(Reverse(((c * 1e6) as u64, v)));
        }
    }
    while let Some(Reverse((_, v))) = heap.pop() {
        let c = cost[v as usize];
        for &(w, t) in &adj[v as usize] {
            if c + t < cost[w as usize] {
                cost[w as usize] = c + t;
                heap.push(Reverse((((c + t) * 1e6) as u64, w)));
            }
        }
    }
    cost
}

#[test]
fn legs_on_the_demo_city_are_the_fastest_and_unbroken() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../layers/neubrandenburg-2016.osm.pbf"
    );
    let osm = import_pbf(&std::fs::read(path).unwrap()).unwrap();
    let g = RoadGraph::build(&osm, &Speeds::default());
    let mut search = Search::with_parents(&g);
    let n = osm.addresses.len();
    for mode in [Mode::Car, Mode::Foot] {
        let waypoints: Vec<Waypoint> = (0..12)
            .map(|k| wp(osm.addresses[(k * 877 + 31) % n].pos, 0.0))
            .collect();
        let route = PatrolRoute {
            id: "R".into(),
            name: String::new(),
            mode,
            waypoints,
            closed: true,
            extra: Default::default(),
        };
        let snapped = snap_route(&g, &mut search, &route).unwrap();
        assert_eq!(snapped.legs.len(), 12);
        for (k, leg) in snapped.legs.iter().enumerate() {
            let (from, to) = (&snapped.snaps[k], &snapped.snaps[(k + 1) % 12]);
            // The fastest: an independent Dijkstra's time to the next waypoint.
            let cost = dijkstra(&g, mode, from);
            let s = &g.segments[to.seg as usize];
            let m = mode.index();
            let f = f64::from(to.frac);
            let mut best = (cost[s.a as usize] + f * f64::from(s.time_ab[m]))
                .min(cost[s.b as usize] + (1.0 - f) * f64::from(s.time_ba[m]));
            if from.seg == to.seg {
                let direct = if to.frac >= from.frac {
                    (f - f64::from(from.frac)) * f64::from(s.time_ab[m])
                } else {
                    (f64::from(from.frac) - f) * f64::from(s.time_ba[m])
                };
                best = best.min(direct);
            }
            assert!(
                (leg.travel_s - best).abs() <= 1e-4 * best + 0.01,
                "{mode:?} leg {k}: {} s, independently {best} s",
                leg.travel_s
            );
            // Unbroken: each piece starts where the last ended, from the one waypoint's road
            // position to the next's.
            let mut here = from.point;
            for p in &leg.pieces {
                let start = g.point_on(p.seg, p.from);
                assert!(
                    onemap_core::coord::haversine_m(here, start) < 0.01,
                    "{mode:?} leg {k}: a gap at {start}"
                );
                here = g.point_on(p.seg, p.to);
            }
            assert!(onemap_core::coord::haversine_m(here, to.point) < 0.01);
            let length: f64 = leg.pieces.iter().map(|p| p.length_m(&g)).sum();
            assert_eq!(length, leg.length_m);
        }
    }
}
