//! `onemap bench --only patrol`: laying a 50-waypoint patrol route on the roads (every leg a
//! fastest path) and scoring it (hot spots, 465 required sites' circles, the PAI over 5,000
//! incidents), on whatever city `--osm` gives (the demo, or the demo tiled
//! 100× by `bench/scale_city.py`). Each route is a loop through 50 addresses among the 600
//! nearest a random one: a patrol in a district, not across the city.
//!
//! Timings, not assertions: the machine is shared and noisy.

use std::path::Path;
use std::time::{Duration, Instant};

use onemap_core::coord::{LonLat, haversine_m};
use onemap_core::patrol::cover::{SiteIndex, graph_area_m2, pai, sites_held};
use onemap_core::patrol::score::{HotSpot, ScoreSetup, score};
use onemap_core::patrol::{PatrolRoute, Waypoint, snap_route};
use onemap_core::routing::{Mode, RoadGraph, Search, Speeds};

use onemap::city::load_osm;

use super::{median_us, ms};

const ROUTES: usize = 100;
const WAYPOINTS: usize = 50;

pub fn run_patrol(osm_path: &Path) -> anyhow::Result<()> {
    let osm = load_osm(osm_path)?;
    let t = Instant::now();
    let graph = RoadGraph::build(&osm, &Speeds::default());
    println!(
        "patrol routes, {} ({} road nodes, graph built in {:.1} s)",
        osm_path.display(),
        graph.node_count(),
        t.elapsed().as_secs_f64()
    );
    let addresses = &osm.addresses;
    anyhow::ensure!(
        addresses.len() >= 600,
        "fewer than 600 address points to patrol"
    );
    let mut rng = 11u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut search = Search::with_parents(&graph);
    // 465 required sites (Wuhan's count of 1-minute circles) and 5,000 incidents, at
    // addresses.
    let sites: Vec<_> = (0..465)
        .map(|_| addresses[(next() % addresses.len() as u64) as usize].pos)
        .collect();
    let incidents: Vec<_> = (0..5000)
        .map(|_| {
            (
                addresses[(next() % addresses.len() as u64) as usize].pos,
                1.0,
            )
        })
        .collect();
    let study_m2 = graph_area_m2(&graph);
    let setup = Fixed {
        incidents: &incidents,
        study_m2,
    };
    for mode in [Mode::Car, Mode::Foot] {
        let t = Instant::now();
        let circles = SiteIndex::new(&graph, mode, &sites);
        let mut times = Timings {
            circles_s: t.elapsed().as_secs_f64(),
            ..Timings::default()
        };
        for _ in 0..ROUTES {
            let (route, hot) = district_route(addresses, &mut next, mode);
            times.measure(&graph, &mut search, &route, &hot, &circles, &setup);
        }
        times.print(mode);
    }
    Ok(())
}

/// What every route is scored against besides its own hot spots.
struct Fixed<'a> {
    incidents: &'a [(LonLat, f64)],
    study_m2: f64,
}

/// A loop through 50 of the 600 addresses nearest a random one (a district), a quarter of
/// them 12-minute stops, and every fifth waypoint a hot spot.
fn district_route(
    addresses: &[onemap_core::osm::Address],
    next: &mut impl FnMut() -> u64,
    mode: Mode,
) -> (PatrolRoute, Vec<HotSpot>) {
    let centre = addresses[(next() % addresses.len() as u64) as usize].pos;
    let mut near: Vec<(f64, usize)> = addresses
        .iter()
        .enumerate()
        .map(|(i, a)| (haversine_m(centre, a.pos), i))
        .collect();
    near.select_nth_unstable_by(599, |a, b| a.0.total_cmp(&b.0));
    near.truncate(600);
    let waypoints: Vec<Waypoint> = (0..WAYPOINTS)
        .map(|_| Waypoint {
            at: addresses[near[(next() % 600) as usize].1].pos,
            dwell_s: if next().is_multiple_of(4) { 720.0 } else { 0.0 },
        })
        .collect();
    let hot = waypoints
        .iter()
        .step_by(5)
        .map(|w| HotSpot {
            at: w.at,
            weight: 1.0,
        })
        .collect();
    let route = PatrolRoute {
        id: "bench".into(),
        name: String::new(),
        mode,
        waypoints,
        closed: true,
        extra: Default::default(),
    };
    (route, hot)
}

#[derive(Default)]
struct Timings {
    snap: Vec<Duration>,
    base: Vec<Duration>,
    score: Vec<Duration>,
    sites: Vec<Duration>,
    pai: Vec<Duration>,
    pieces: usize,
    km: f64,
    circles_s: f64,
}

impl Timings {
    /// Lay `route`, lay its legs again by the plain Dijkstra (the baseline: the dispatch
    /// route's search, stopped when both ends of the next waypoint's road are final), and
    /// score it, timing each.
    fn measure(
        &mut self,
        graph: &RoadGraph,
        search: &mut Search,
        route: &PatrolRoute,
        hot: &[HotSpot],
        circles: &SiteIndex,
        fixed: &Fixed<'_>,
    ) {
        let t = Instant::now();
        let Ok(snapped) = snap_route(graph, search, route) else {
            return;
        };
        self.snap.push(t.elapsed());
        let t = Instant::now();
        let n = snapped.snaps.len();
        for k in 0..n {
            let (a, b) = (&snapped.snaps[k], &snapped.snaps[(k + 1) % n]);
            std::hint::black_box(onemap_core::routing::route(graph, search, route.mode, a, b));
        }
        self.base.push(t.elapsed());
        let seg_beat = vec![None; graph.segments.len()];
        let blind = vec![true; graph.segments.len()];
        let setup = ScoreSetup {
            hot_spots: hot,
            seg_beat: &seg_beat,
            blind: &blind,
            sites: Some(circles),
            incidents: fixed.incidents,
            study_m2: fixed.study_m2,
        };
        let t = Instant::now();
        let s = score(graph, route, &snapped, &setup);
        self.score.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(sites_held(graph, route, &snapped, circles));
        self.sites.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(pai(graph, &snapped, fixed.incidents, fixed.study_m2));
        self.pai.push(t.elapsed());
        self.pieces += snapped.legs.iter().map(|l| l.pieces.len()).sum::<usize>();
        self.km += s.length_m / 1000.0;
    }

    fn print(mut self, mode: Mode) {
        let n = self.snap.len().max(1);
        self.snap.sort_unstable();
        self.base.sort_unstable();
        let p = |q: f64| ms(super::percentile(&self.snap, q));
        let b = |q: f64| ms(super::percentile(&self.base, q));
        let (score_p50, score_p90) = median_us(self.score.clone());
        let (site_p50, _) = median_us(self.sites.clone());
        let (pai_p50, _) = median_us(self.pai.clone());
        let per_500 = 500.0 / (self.pieces as f64 / n as f64).max(1.0);
        println!(
            "  {:<5} {} loops of {WAYPOINTS} waypoints (mean {:.1} km, {} road pieces): \
             laid on the roads p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms (plain Dijkstra, the \
             baseline: p50 {:.2} ms, p95 {:.2} ms: {:.1}× at p95); scored p50 {:.0} µs, p90 {:.0} µs, \
             {:.0} µs per 500 pieces at p50 (of which time near 465 sites {:.0} µs, the PAI over \
             5,000 incidents {:.0} µs; the sites' 1/3-minute circles made once in {:.2} s)",
            mode.name(),
            self.snap.len(),
            self.km / n as f64,
            self.pieces / n,
            p(0.5),
            p(0.95),
            p(1.0),
            b(0.5),
            b(0.95),
            b(0.95) / p(0.95).max(1e-9),
            score_p50,
            score_p90,
            score_p50 * per_500,
            site_p50,
            pai_p50,
            self.circles_s
        );
    }
}
