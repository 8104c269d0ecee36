//! `onemap bench --only routing`: isochrones, rings, coverage and post placement on a city,
//! timed and printed. With `--origins FILE` (one node id per line, as `bench/isochrones.py`
//! writes) the isochrones start from exactly those graph nodes, so pgRouting and pandana can be
//! timed on the same work; `--json-out FILE` writes the figures for that script.
//!
//! Timings, not assertions: the machine is shared and noisy.

use std::path::Path;
use std::time::Instant;

use anyhow::Context as _;
use onemap_core::coord::LonLat;
use onemap_core::routing::coverage::{CoverageSetup, coverage};
use onemap_core::routing::isochrone::{Workspace, isochrones};
use onemap_core::routing::rings::rings;
use onemap_core::routing::{
    Direction, MAX_SNAP_M, Mode, Origin, RoadGraph, Search, Snap, Speeds, mclp,
};
use serde_json::json;

use onemap::city::load_osm;

use super::{median_us, time_each};

pub fn run_routing(
    osm_path: &Path,
    origins_file: Option<&Path>,
    json_out: Option<&Path>,
    mclp_out: Option<&Path>,
) -> anyhow::Result<()> {
    let osm = load_osm(osm_path)?;
    let t = Instant::now();
    let graph = RoadGraph::build(&osm, &Speeds::default());
    let build = t.elapsed();
    let mode = Mode::Car;
    println!(
        "road graph: {} nodes ({} junctions and dead ends, the rest inside chains), {} segments, {} car edges, car main component {} nodes; built in {:.1} ms",
        graph.node_count(),
        graph.junction_count(),
        graph.segment_count(),
        graph.edge_count(mode),
        graph.main_count(mode),
        build.as_secs_f64() * 1e3
    );
    let layers = onemap::ops::load_dir(&osm_path.with_file_name("")).0;
    let mut posts: Vec<Origin> = layers
        .posts
        .iter()
        .filter_map(|p| graph.snap(p.pos, mode, MAX_SNAP_M).ok())
        .map(|snap| Origin { snap, delay_s: 0.0 })
        .collect();
    if posts.is_empty() {
        posts = spread_posts(&graph, mode, 100);
        println!(
            "no posts beside the extract: {} spread evenly over the car network instead",
            posts.len()
        );
    }
    let nodes: Vec<u32> = match origins_file {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.trim().parse::<u32>())
            .collect::<Result<_, _>>()
            .with_context(|| format!("{}: expected one node id per line", path.display()))?,
        None => (0..graph.node_count() as u32)
            .filter(|&v| graph.in_main(mode, v))
            .step_by(graph.main_count(mode) / 100)
            .collect(),
    };
    println!(
        "{} origins; {} posts on the car network",
        nodes.len(),
        posts.len()
    );

    let mut ws = Workspace::new(&graph);
    let mut search = Search::new(&graph);
    let (rows, bare_med) = isochrone_table(&graph, &mut ws, &mut search, &nodes);
    let figures = rings_and_coverage(&graph, &mut ws, &mut search, &layers, &osm, &posts);
    placement(&graph, &figures.setup, &posts, mclp_out)?;
    if let Some(path) = json_out {
        let out = json!({
            "graph_build_ms": build.as_secs_f64() * 1e3,
            "origins": nodes.len(),
            "isochrone": rows,
            "search_only_5min_median_us": bare_med,
            "rings_one_post_median_ms": figures.ring_med_us / 1e3,
            "coverage_all_posts_median_ms": figures.cov_med_us / 1e3,
            "search_all_posts_5min_median_ms": figures.cov_nodes_med_us / 1e3,
            "post_nodes": figures.node_posts,
        });
        std::fs::write(path, serde_json::to_string_pretty(&out)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Isochrones from graph nodes at 1, 3 and 5 minutes (search + reached network, partial
/// edges included), and the bare 5-minute search; the rows for the JSON and the bare median.
fn isochrone_table(
    graph: &RoadGraph,
    ws: &mut Workspace,
    search: &mut Search,
    nodes: &[u32],
) -> (Vec<serde_json::Value>, f64) {
    let mode = Mode::Car;
    // Isochrones from graph nodes: search + reached network (partial edges included).
    let mut rows = Vec::new();
    println!("\nisochrone, car (search + reached network incl. partial edges), µs per origin");
    println!(
        "{:>8} {:>10} {:>10} {:>12}",
        "limit", "median", "p90", "road km"
    );
    for minutes in [1.0f32, 3.0, 5.0] {
        let limit = minutes * 60.0;
        let mut km = 0.0;
        let times = time_each(nodes, |&node| {
            let origin = node_origin(graph, mode, node);
            let r = isochrones(graph, ws, mode, Direction::Forward, &[origin], &[limit])
                .map(|r| r[0].length_m(graph))
                .unwrap_or(0.0);
            km += r / 1000.0;
        });
        let (med, p90) = median_us(times.clone());
        let mean_km = km / (nodes.len() + 3.min(nodes.len())) as f64;
        println!("{:>6} m {med:>10.1} {p90:>10.1} {mean_km:>12.1}", minutes);
        rows.push(json!({"minutes": minutes, "median_us": med, "p90_us": p90}));
    }
    // The bare search alone, for a like-for-like with tools that return reached nodes only.
    let bare = time_each(nodes, |&node| {
        search.run(graph, mode, Direction::Forward, &[(node, 0.0)], 300.0);
    });
    let (bare_med, _) = median_us(bare);
    println!("   5 m search only (reached nodes): median {bare_med:.1} µs");

    (rows, bare_med)
}

/// What the rings and coverage measurements found (for the JSON, and the set-up placement
/// reuses).
struct Figures {
    setup: CoverageSetup,
    ring_med_us: f64,
    cov_med_us: f64,
    cov_nodes_med_us: f64,
    node_posts: Vec<u32>,
}

/// Rings for one post as the planner draws them, and coverage of the city from all posts.
fn rings_and_coverage(
    graph: &RoadGraph,
    ws: &mut Workspace,
    search: &mut Search,
    layers: &onemap_core::layers::OpLayers,
    osm: &onemap_core::osm::OsmData,
    posts: &[Origin],
) -> Figures {
    let mode = Mode::Car;
    // Rings for one post as the planner draws them: isochrones + raster + polygons.
    let ring_times = time_each(posts, |o| {
        let r = rings(
            graph,
            ws,
            mode,
            Direction::Forward,
            &[*o],
            &[60.0, 180.0, 300.0],
        );
        std::hint::black_box(r.ok());
    });
    let (ring_med, ring_p90) = median_us(ring_times);
    println!(
        "\nrings for one post (1/3/5 min, raster 12 m, polygons): median {:.2} ms, p90 {:.2} ms",
        ring_med / 1e3,
        ring_p90 / 1e3
    );

    // Coverage of the whole city from all posts.
    let index = onemap_core::spatial::LayerIndex::new(layers, osm.bounds.center());
    let addresses: Vec<LonLat> = osm.addresses.iter().map(|a| a.pos).collect();
    let t = Instant::now();
    let setup = CoverageSetup::new(
        graph,
        mode,
        Some((&index, layers.beats.len())),
        &addresses,
        &[],
    );
    let setup_ms = t.elapsed().as_secs_f64() * 1e3;
    let cov_times = time_each(&[(); 20], |_| {
        let _ = coverage(graph, ws, &setup, posts, &[60.0, 180.0, 300.0]);
    });
    let (cov_med, _) = median_us(cov_times);
    let node_posts: Vec<u32> = posts.iter().map(|o| nearest_node(graph, &o.snap)).collect();
    let cov_nodes = time_each(&[(); 20], |_| {
        let sources: Vec<(u32, f32)> = node_posts.iter().map(|&n| (n, 0.0)).collect();
        search.run(graph, mode, Direction::Forward, &sources, 300.0);
    });
    let (cov_nodes_med, _) = median_us(cov_nodes);
    println!(
        "coverage of {} beats and {} addresses from {} posts (1/3/5 min): median {:.2} ms \
         (one-off set-up {setup_ms:.0} ms; the 5-min search from all posts alone {:.2} ms)",
        layers.beats.len(),
        addresses.len(),
        posts.len(),
        cov_med / 1e3,
        cov_nodes_med / 1e3
    );

    // The target's size: 2,000 posts spread evenly over the network.
    let many = spread_posts(graph, mode, 2_000);
    let many_times = time_each(&[(); 5], |_| {
        let _ = coverage(graph, ws, &setup, &many, &[60.0, 180.0, 300.0]);
    });
    let (many_med, _) = median_us(many_times);
    println!(
        "coverage from {} posts spread evenly over the car network (1/3/5 min): median {:.2} ms",
        many.len(),
        many_med / 1e3
    );

    Figures {
        setup,
        ring_med_us: ring_med,
        cov_med_us: cov_med,
        cov_nodes_med_us: cov_nodes_med,
        node_posts,
    }
}

/// `n` posts at nodes of `mode`'s main component, evenly spread through the node order (which
/// follows the roads, so across the whole city).
fn spread_posts(graph: &RoadGraph, mode: Mode, n: usize) -> Vec<Origin> {
    // A grid over the network's box, each point put on the road (those in a lake or a
    // field are skipped): independent of how the graph numbers its nodes.
    let side = (n as f64).sqrt().ceil().max(1.0) as usize;
    let b = onemap_core::coord::BBox::from_points(graph.nodes.iter().copied());
    (0..side * side)
        .filter_map(|i| {
            let (x, y) = ((i % side) as f64 + 0.5, (i / side) as f64 + 0.5);
            let at = LonLat::new(
                b.min.lon + (b.max.lon - b.min.lon) * x / side as f64,
                b.min.lat + (b.max.lat - b.min.lat) * y / side as f64,
            );
            graph.snap(at, mode, 2_000.0).ok()
        })
        .take(n)
        .map(|snap| Origin { snap, delay_s: 0.0 })
        .collect()
}

/// Post placement: 3 new posts at 3 minutes among the intersections.
fn placement(
    graph: &RoadGraph,
    setup: &CoverageSetup,
    posts: &[Origin],
    mclp_out: Option<&Path>,
) -> anyhow::Result<()> {
    let mode = Mode::Car;
    // Post placement.
    let candidates = mclp::intersections(graph, mode);
    let demand: Vec<(Option<Snap>, f64)> = setup.demand_points().collect();
    let t = Instant::now();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let rss_before = super::startup::rss_mib().unwrap_or(f64::NAN);
    let mut inst = mclp::build(
        graph,
        mode,
        180.0,
        0.0,
        &candidates,
        &demand,
        posts,
        threads,
    );
    let build_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let sol = mclp::solve(&mut inst, 3);
    let rss_after = super::startup::rss_mib().unwrap_or(f64::NAN);
    println!(
        "post placement (3 new posts, 3 min, {} candidate intersections, {} demand points): \
         instance {build_s:.2} s on {threads} threads, solve {:.1} ms ({} covers searched \
         again), +{:.0} demand (greedy +{:.0}); resident +{:.0} MiB",
        candidates.len(),
        demand.len(),
        t.elapsed().as_secs_f64() * 1e3,
        inst.searched_again,
        sol.covered,
        sol.greedy_covered,
        rss_after - rss_before
    );

    if let Some(path) = mclp_out {
        write_mclp_instance(graph, mode, &candidates, &demand, path)?;
    }
    Ok(())
}

/// An origin exactly at a node: the start of its first usable segment.
fn node_origin(graph: &RoadGraph, mode: Mode, node: u32) -> Origin {
    let (seg, frac) = graph
        .out_edges(mode, Direction::Forward, node)
        .next()
        .map(|(_, _, seg)| {
            let s = &graph.segments[seg as usize];
            (seg, if s.a == node { 0.0 } else { 1.0 })
        })
        .unwrap_or((0, 0.0));
    Origin {
        snap: Snap {
            seg,
            frac,
            point: graph.nodes[node as usize],
            dist_m: 0.0,
        },
        delay_s: 0.0,
    }
}

/// The end of the snapped segment nearer the snapped point.
pub fn nearest_node(graph: &RoadGraph, snap: &Snap) -> u32 {
    let s = &graph.segments[snap.seg as usize];
    if snap.frac < 0.5 { s.a } else { s.b }
}

/// A relocation instance small enough for an exact solver: every 12th candidate intersection,
/// demand aggregated per road segment, 3 minutes, no fixed posts; with OneMap's solutions for
/// several K, timed. `bench/mclp_spopt.py` solves the same instance exactly with spopt + CBC.
fn write_mclp_instance(
    graph: &RoadGraph,
    mode: Mode,
    candidates: &[u32],
    demand: &[(Option<Snap>, f64)],
    path: &Path,
) -> anyhow::Result<()> {
    let mut by_seg: std::collections::BTreeMap<u32, (Snap, f64)> = Default::default();
    for (snap, w) in demand {
        if let Some(s) = snap {
            by_seg.entry(s.seg).or_insert((*s, 0.0)).1 += w;
        }
    }
    let agg: Vec<(Option<Snap>, f64)> = by_seg.values().map(|(s, w)| (Some(*s), *w)).collect();
    let cands: Vec<u32> = candidates.iter().copied().step_by(12).collect();
    let limit = 180.0;
    let mut inst = mclp::build(graph, mode, limit, 0.0, &cands, &agg, &[], 1);
    let mut solutions = Vec::new();
    for k in [3usize, 5, 10, 15] {
        let t = Instant::now();
        let sol = mclp::solve(&mut inst, k);
        solutions.push(json!({
            "k": k,
            "covered": sol.covered,
            "greedy_covered": sol.greedy_covered,
            "swaps": sol.swaps,
            "solve_ms": t.elapsed().as_secs_f64() * 1e3,
            "chosen": sol.chosen,
        }));
    }
    let out = json!({
        "limit_s": limit,
        "weights": inst.weights,
        "candidates": inst.candidates,
        // Per candidate, the demand points it reaches within the limit.
        "covers": (0..cands.len()).map(|c| inst.cover(c).to_vec()).collect::<Vec<_>>(),
        "onemap": solutions,
    });
    std::fs::write(path, serde_json::to_string(&out)?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!(
        "MCLP instance for spopt: {} candidates, {} demand points -> {}",
        inst.candidates.len(),
        inst.weights.len(),
        path.display()
    );
    Ok(())
}
