//! Routing on the real demo city, checked against an independent computation: networkx on the
//! same graph exported as CSV (`bench/networkx_check.py` wrote the fixture: for each case, the
//! number of nodes reached and a hash of their sorted ids). The fixtures number vertices in
//! import order (first seen along the roads); the graph numbers them itself, so the tests map
//! between the two with `RoadGraph::build_numbered`.

#![allow(clippy::expect_used)] // a failed set-up is a failed test

use onemap_core::coord::LonLat;
use onemap_core::osm::{OsmData, import_pbf};
use onemap_core::routing::isochrone::{Workspace, isochrones};
use onemap_core::routing::rings::{polygons, rasterize};
use onemap_core::routing::{
    Direction, MAX_SNAP_M, Mode, Origin, RoadGraph, Search, SnapError, Speeds,
};
use serde_json::Value;

fn demo() -> OsmData {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../layers/neubrandenburg-2016.osm.pbf"
    );
    let bytes = std::fs::read(path).expect("demo extract is committed in layers/");
    import_pbf(&bytes).expect("demo extract imports")
}

/// Per graph vertex, its number in import order.
fn inverse(new_id: &[u32]) -> Vec<u32> {
    let mut old = vec![0u32; new_id.len()];
    for (i, &n) in new_id.iter().enumerate() {
        old[n as usize] = i as u32;
    }
    old
}

fn fnv1a64(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[test]
fn reached_node_sets_equal_networkx() {
    let (graph, new_id) = RoadGraph::build_numbered(&demo(), &Speeds::default());
    let old_id = inverse(&new_id);
    let fixture: Value = serde_json::from_str(include_str!("fixtures/networkx-reached.json"))
        .expect("fixture is JSON");
    let cases = fixture["cases"].as_array().expect("cases");
    assert!(cases.len() >= 8);
    let mut search = Search::new(&graph);
    for case in cases {
        let mode = Mode::from_name(case["mode"].as_str().expect("mode")).expect("known mode");
        let dir = match case["direction"].as_str() {
            Some("reverse") => Direction::Reverse,
            _ => Direction::Forward,
        };
        let sources: Vec<(u32, f32)> = case["sources"]
            .as_array()
            .expect("sources")
            .iter()
            .map(|s| {
                (
                    new_id[s[0].as_u64().expect("node") as usize],
                    s[1].as_f64().expect("cost") as f32,
                )
            })
            .collect();
        let limit = case["limit_s"].as_f64().expect("limit") as f32;
        search.run(&graph, mode, dir, &sources, limit);
        let mut ids: Vec<u32> = search
            .reached()
            .iter()
            .map(|&v| old_id[v as usize])
            .collect();
        ids.sort_unstable();
        let text: Vec<String> = ids.iter().map(u32::to_string).collect();
        assert_eq!(
            (ids.len() as u64, fnv1a64(&text.join(","))),
            (
                case["count"].as_u64().expect("count"),
                case["fnv1a64"].as_str().expect("hash").to_owned()
            ),
            "{case}"
        );
    }
}

#[test]
fn demo_city_isochrones_and_bad_origins() {
    let osm = demo();
    let graph = RoadGraph::build(&osm, &Speeds::default());
    assert!(graph.main_count(Mode::Car) > 15_000);
    let centre = LonLat::new(13.2612, 53.5570); // Marktplatz
    let snap = graph
        .snap(centre, Mode::Car, MAX_SNAP_M)
        .expect("the market square is on the network");
    let origin = Origin { snap, delay_s: 0.0 };
    let mut ws = Workspace::new(&graph);
    let limits = [30.0, 60.0, 180.0, 300.0];
    let reach = isochrones(
        &graph,
        &mut ws,
        Mode::Car,
        Direction::Forward,
        &[origin],
        &limits,
    )
    .expect("isochrones");
    let km: Vec<f64> = reach.iter().map(|r| r.length_m(&graph) / 1000.0).collect();
    // Nested and growing; 30 s reaches some road (a sub-minute ring works).
    assert!(km[0] > 0.1, "{km:?}");
    assert!(km.windows(2).all(|w| w[0] < w[1]), "{km:?}");
    let raster = rasterize(&graph, &reach, 15.0, 40.0);
    for k in 1..=4u8 {
        let polys = polygons(&graph, &raster, k);
        assert!(!polys.is_empty(), "ring {k}");
        assert!(
            polys
                .iter()
                .all(|p| p[0].len() >= 4 && p[0][0] == *p[0].last().expect("ring"))
        );
    }
    // Reverse from the same point reaches a similar, not identical network (one-way streets).
    let back = isochrones(
        &graph,
        &mut ws,
        Mode::Car,
        Direction::Reverse,
        &[origin],
        &[300.0],
    )
    .expect("reverse");
    let back_km = back[0].length_m(&graph) / 1000.0;
    assert!(
        (back_km - km[3]).abs() / km[3] < 0.5,
        "{back_km} vs {}",
        km[3]
    );

    // In the middle of the largest lake (the Tollensesee), and far outside the data.
    let largest = osm
        .water
        .iter()
        .max_by(|a, b| {
            let area = |w: &onemap_core::osm::Area| {
                let (x, y) = w.bbox().size_m();
                x * y
            };
            area(a).total_cmp(&area(b))
        })
        .expect("the demo city has water");
    let rings: Vec<Vec<[f64; 2]>> = largest
        .rings
        .iter()
        .map(|r| r.iter().map(|&p| graph.proj.to_m(p)).collect())
        .collect();
    let lake = graph
        .proj
        .to_lonlat(onemap_core::spatial::label_point(&rings).expect("label point"));
    let in_lake = graph.snap(lake, Mode::Car, MAX_SNAP_M);
    assert!(
        matches!(in_lake, Err(SnapError::NoRoadNear { .. })),
        "{lake}: {in_lake:?}"
    );
    assert!(matches!(
        graph.snap(LonLat::new(2.35, 48.85), Mode::Car, MAX_SNAP_M),
        Err(SnapError::OutsideData(_))
    ));
}

/// FNV-1a over 64-bit words.
fn fnv_words(words: impl IntoIterator<Item = u64>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for w in words {
        for b in w.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// The bits of every reached node's cost and of every ring polygon, for origins across the city
/// in every mode and both directions, hashed: the figures the vertex-by-vertex search gave
/// before chains were contracted (`fixtures/search-bits.txt`, written by that search). Chain
/// contraction must change neither a cost's last bit nor a ring's vertex.
#[test]
fn costs_and_rings_are_bit_for_bit_those_of_the_plain_search() {
    let (graph, new_id) = RoadGraph::build_numbered(&demo(), &Speeds::default());
    let old_id = inverse(&new_id);
    let b = onemap_core::coord::BBox::from_points(graph.nodes.iter().copied());
    let mut ws = Workspace::new(&graph);
    let mut lines = Vec::new();
    for (i, mode) in Mode::ALL.into_iter().enumerate() {
        for k in 0..4 {
            let f = (k as f64 + 0.5) / 4.0;
            let at = LonLat::new(
                b.min.lon + (b.max.lon - b.min.lon) * (0.3 + 0.4 * f),
                b.min.lat + (b.max.lat - b.min.lat) * (0.7 - 0.4 * f + 0.05 * i as f64),
            );
            let Ok(snap) = graph.snap(at, mode, 2_000.0) else {
                lines.push(format!("{} {k} unsnapped", mode.name()));
                continue;
            };
            let origin = Origin {
                snap,
                delay_s: 10.0 * k as f32,
            };
            for dir in [Direction::Forward, Direction::Reverse] {
                let reach =
                    isochrones(&graph, &mut ws, mode, dir, &[origin], &[60.0, 180.0, 300.0])
                        .expect("isochrones");
                let mut costs: Vec<(u32, u32)> = (0..graph.node_count() as u32)
                    .filter_map(|v| {
                        let c = ws.search.cost[v as usize];
                        c.is_finite().then_some((old_id[v as usize], c.to_bits()))
                    })
                    .collect();
                costs.sort_unstable();
                let cost_hash = fnv_words(
                    costs
                        .iter()
                        .map(|&(v, c)| (u64::from(v) << 32) | u64::from(c)),
                );
                let raster = rasterize(&graph, &reach, 15.0, 40.0);
                let rings: Vec<u64> = (1..=3u8)
                    .flat_map(|r| polygons(&graph, &raster, r))
                    .flatten()
                    .flatten()
                    .flat_map(|p| [p.lon.to_bits(), p.lat.to_bits()])
                    .collect();
                lines.push(format!(
                    "{} {k} {dir:?} {} {:016x} {} {:016x}",
                    mode.name(),
                    costs.len(),
                    cost_hash,
                    rings.len(),
                    fnv_words(rings)
                ));
            }
        }
    }
    let got = lines.join("\n");
    if std::env::var_os("ONEMAP_WRITE_FIXTURE").is_some() {
        std::fs::write(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/search-bits.txt"
            ),
            format!("{got}\n"),
        )
        .expect("write fixture");
    }
    assert_eq!(got, include_str!("fixtures/search-bits.txt").trim_end());
}
