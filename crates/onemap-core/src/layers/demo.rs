//! Demo operational layers generated deterministically from a real city's OSM data.
//!
//! Beats, cameras and posts do not exist as open data, so OneMap makes plausible sample layers
//! from the street network, clearly marked as generated (`"onemap:generated": true`):
//!
//! - **Stations** are the police and fire stations and hospitals in the OSM data.
//! - **Beats** grow from seeds at minor-road junctions, spaced by address density (about
//!   350 m apart in dense areas, up to 1.6 km outside), over a 40 m raster around the roads.
//!   Crossing a main road, railway or river costs extra, so beat boundaries follow the main
//!   streets and the block structure. Each region is traced into a simple polygon.
//! - **Cameras** stand at main-road intersections and along main roads, facing along the road,
//!   with community cameras at schools and linked private ones at shops; about 5 % offline.
//! - **Posts**: a quick-response post near each police station and in the densest areas,
//!   workstations where points of interest cluster, checkpoints on main roads at the edges.
//!
//! The same input always gives the same output (no clock, no unseeded randomness).
//! Cost: about O(cells · log cells) for the raster, well under a second for a city.

use std::collections::{BTreeMap, HashMap};

use rstar::RTree;
use rstar::primitives::GeomWithData;

use super::io::self_intersection;
use super::model::*;
use crate::coord::LonLat;
use crate::osm::{LandKind, OsmData, PlaceKind, RoadClass};
use crate::spatial::{Containment, LocalProjection, bearing_deg, locate_in_polygon};

/// Raster cell size for beats; larger for very large extracts so the raster stays within
/// [`MAX_CELLS`] (memory is about 20 bytes per cell).
const CELL_M: f64 = 40.0;
const MAX_CELLS: f64 = 16_000_000.0;
/// Cells farther than this from any drivable road belong to no beat (fields, forest, lakes).
const REACH_CELLS: i32 = 6;
/// Extra cost, in cells, of stepping onto a main road, railway or river.
const BARRIER_COST: u32 = 12;

type Pt = GeomWithData<[f64; 2], usize>;

/// SplitMix64: a tiny deterministic hash for "random" choices keyed by an index.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

struct Context<'a> {
    osm: &'a OsmData,
    proj: LocalProjection,
    addresses: RTree<Pt>,
}

impl Context<'_> {
    /// Addresses within 250 m: the demand proxy.
    fn density(&self, m: [f64; 2]) -> usize {
        self.addresses
            .locate_within_distance(m, 250.0 * 250.0)
            .count()
    }

    fn place_name(&self, m: [f64; 2]) -> String {
        self.osm
            .places
            .iter()
            .filter(|p| p.kind >= PlaceKind::Suburb)
            .map(|p| (dist(self.proj.to_m(p.pos), m), p))
            .filter(|(d, _)| *d < 3000.0)
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .or_else(|| {
                self.osm
                    .places
                    .iter()
                    .map(|p| (dist(self.proj.to_m(p.pos), m), p))
                    .min_by(|a, b| a.0.total_cmp(&b.0))
            })
            .map(|(_, p)| p.name.to_string())
            .unwrap_or_else(|| "Beat".into())
    }
}

/// Generate all four layers for `osm`.
pub fn generate(osm: &OsmData) -> OpLayers {
    let proj = LocalProjection::new(osm.bounds.center());
    let addresses = RTree::bulk_load(
        osm.addresses
            .iter()
            .enumerate()
            .map(|(i, a)| GeomWithData::new(proj.to_m(a.pos), i))
            .collect(),
    );
    let cx = Context {
        osm,
        proj,
        addresses,
    };
    let stations = stations(&cx);
    let junctions = junctions(osm, &proj);
    let beats = beats(&cx, &junctions, &stations);
    let cameras = cameras(&cx, &junctions);
    let posts = posts(&cx, &stations);
    let mut layers = OpLayers {
        beats,
        cameras,
        posts,
        stations,
        generated: true,
    };
    round_positions(&mut layers);
    layers
}

/// Positions as the files store them (7 decimals, about 1 cm), so a saved and reloaded layer
/// equals the generated one.
fn round_positions(layers: &mut OpLayers) {
    let r = |p: &mut LonLat| {
        p.lon = (p.lon * 1e7).round() / 1e7;
        p.lat = (p.lat * 1e7).round() / 1e7;
    };
    layers
        .beats
        .iter_mut()
        .flat_map(|b| b.rings.iter_mut().flatten())
        .for_each(r);
    layers.cameras.iter_mut().for_each(|c| r(&mut c.pos));
    layers.posts.iter_mut().for_each(|p| r(&mut p.pos));
    layers.stations.iter_mut().for_each(|s| r(&mut s.pos));
}

// ---------------------------------------------------------------------------------------------
// Stations

fn stations(cx: &Context<'_>) -> Vec<Station> {
    let mut out: Vec<Station> = Vec::new();
    let mut counts: BTreeMap<StationKind, usize> = BTreeMap::new();
    let mut sorted: Vec<_> = cx.osm.stations.iter().collect();
    sorted.sort_by(|a, b| a.kind.cmp(&b.kind).then(a.osm_id.cmp(&b.osm_id)));
    for s in sorted {
        let m = cx.proj.to_m(s.pos);
        // The same station mapped as a node and as a building: keep one.
        if out
            .iter()
            .any(|o| o.kind == s.kind && dist(cx.proj.to_m(o.pos), m) < 150.0)
        {
            continue;
        }
        let n = counts.entry(s.kind).or_default();
        *n += 1;
        let (prefix, default_name) = match s.kind {
            StationKind::Police => ("PS", "Police station"),
            StationKind::Fire => ("FS", "Fire station"),
            StationKind::Hospital => ("HS", "Hospital"),
        };
        out.push(Station {
            id: StationId(format!("{prefix}-{n:02}").into()),
            name: s
                .name
                .as_deref()
                .map_or_else(|| format!("{default_name} {n}"), str::to_string),
            kind: s.kind,
            pos: s.pos,
            extra: Extra::new(),
        });
    }
    if !out.iter().any(|s| s.kind == StationKind::Police) {
        // Every beat needs a responsible station: put one where most addresses are.
        let centre = densest_point(cx).unwrap_or_else(|| cx.osm.bounds.center());
        out.insert(
            0,
            Station {
                id: StationId("PS-01".into()),
                name: "Police station (generated)".into(),
                kind: StationKind::Police,
                pos: centre,
                extra: Extra::new(),
            },
        );
    }
    out
}

fn densest_point(cx: &Context<'_>) -> Option<LonLat> {
    cx.osm
        .addresses
        .iter()
        .step_by(7)
        .max_by_key(|a| {
            (
                cx.density(cx.proj.to_m(a.pos)),
                std::cmp::Reverse((a.pos.lon * 1e7) as i64),
            )
        })
        .map(|a| a.pos)
}

// ---------------------------------------------------------------------------------------------
// Junctions

struct Junction {
    m: [f64; 2],
    /// Classes of the roads meeting here, most important first.
    classes: Vec<RoadClass>,
    /// Names of the roads meeting here (sorted, deduplicated).
    names: Vec<String>,
    /// Bearings along each road leaving the junction, with the road's class.
    exits: Vec<(f64, RoadClass)>,
}

fn junctions(osm: &OsmData, proj: &LocalProjection) -> Vec<Junction> {
    let key = |p: LonLat| ((p.lon * 1e7).round() as i64, (p.lat * 1e7).round() as i64);
    let mut degree: HashMap<(i64, i64), u32> = HashMap::new();
    for road in osm.roads.iter().filter(|r| r.class.is_drivable()) {
        let n = road.points.len();
        for (i, p) in road.points.iter().enumerate() {
            *degree.entry(key(*p)).or_default() += if i == 0 || i + 1 == n { 1 } else { 2 };
        }
    }
    let mut by_key: BTreeMap<(i64, i64), Junction> = BTreeMap::new();
    for road in osm.roads.iter().filter(|r| r.class.is_drivable()) {
        for (i, p) in road.points.iter().enumerate() {
            let k = key(*p);
            if degree.get(&k).copied().unwrap_or(0) < 3 {
                continue;
            }
            let m = proj.to_m(*p);
            let j = by_key.entry(k).or_insert_with(|| Junction {
                m,
                classes: Vec::new(),
                names: Vec::new(),
                exits: Vec::new(),
            });
            j.classes.push(road.class);
            if let Some(name) = &road.name {
                j.names.push(name.to_string());
            }
            for next in [i.checked_sub(1), Some(i + 1)].into_iter().flatten() {
                if let Some(q) = road.points.get(next) {
                    j.exits.push((bearing_deg(m, proj.to_m(*q)), road.class));
                }
            }
        }
    }
    by_key
        .into_values()
        .map(|mut j| {
            j.classes.sort();
            j.names.sort();
            j.names.dedup();
            j.exits
                .sort_by(|a, b| a.1.cmp(&b.1).then(a.0.total_cmp(&b.0)));
            j
        })
        .collect()
}

fn is_main(class: RoadClass) -> bool {
    class <= RoadClass::Tertiary
}

// ---------------------------------------------------------------------------------------------
// Beats

struct Grid {
    origin: [f64; 2],
    cell_m: f64,
    w: i32,
    h: i32,
}

impl Grid {
    fn cell(&self, m: [f64; 2]) -> Option<(i32, i32)> {
        let i = ((m[0] - self.origin[0]) / self.cell_m).floor() as i32;
        let j = ((m[1] - self.origin[1]) / self.cell_m).floor() as i32;
        (i >= 0 && j >= 0 && i < self.w && j < self.h).then_some((i, j))
    }

    fn index(&self, i: i32, j: i32) -> usize {
        (j * self.w + i) as usize
    }

    fn corner_m(&self, i: i32, j: i32) -> [f64; 2] {
        [
            self.origin[0] + f64::from(i) * self.cell_m,
            self.origin[1] + f64::from(j) * self.cell_m,
        ]
    }

    /// Mark every cell a polyline passes through.
    fn rasterise(&self, points: &[[f64; 2]], mark: &mut [bool]) {
        for w in points.windows(2) {
            let steps = (dist(w[0], w[1]) / (self.cell_m / 4.0)).ceil().max(1.0) as usize;
            for s in 0..=steps {
                let f = s as f64 / steps as f64;
                let p = [
                    w[0][0] + (w[1][0] - w[0][0]) * f,
                    w[0][1] + (w[1][1] - w[0][1]) * f,
                ];
                if let Some((i, j)) = self.cell(p) {
                    mark[self.index(i, j)] = true;
                }
            }
        }
    }
}

fn spacing_m(density: usize) -> f64 {
    match density {
        60.. => 350.0,
        20.. => 500.0,
        5.. => 800.0,
        _ => 1600.0,
    }
}

fn beats(cx: &Context<'_>, junctions: &[Junction], stations: &[Station]) -> Vec<Beat> {
    let osm = cx.osm;
    let lo = cx.proj.to_m(osm.bounds.min);
    let hi = cx.proj.to_m(osm.bounds.max);
    let area_m2 = ((hi[0] - lo[0]) * (hi[1] - lo[1])).max(1.0);
    let cell_m = CELL_M.max((area_m2 / MAX_CELLS).sqrt());
    let grid = Grid {
        origin: lo,
        w: ((hi[0] - lo[0]) / cell_m).ceil().max(1.0) as i32,
        h: ((hi[1] - lo[1]) / cell_m).ceil().max(1.0) as i32,
        cell_m,
    };
    let n = (grid.w * grid.h) as usize;

    // Roads (reach) and barriers.
    let mut road = vec![false; n];
    let mut barrier = vec![false; n];
    for r in &osm.roads {
        let pts: Vec<[f64; 2]> = r.points.iter().map(|p| cx.proj.to_m(*p)).collect();
        if r.class.is_drivable() {
            grid.rasterise(&pts, &mut road);
        }
        if is_main(r.class) {
            grid.rasterise(&pts, &mut barrier);
        }
    }
    for l in &osm.lines {
        let pts: Vec<[f64; 2]> = l.points.iter().map(|p| cx.proj.to_m(*p)).collect();
        grid.rasterise(&pts, &mut barrier);
    }
    // Usable cells: within REACH_CELLS of a road (breadth-first distance).
    let mut reach = vec![i32::MAX; n];
    let mut queue = std::collections::VecDeque::new();
    for idx in 0..n {
        if road[idx] {
            reach[idx] = 0;
            queue.push_back(idx);
        }
    }
    while let Some(idx) = queue.pop_front() {
        let (i, j) = ((idx as i32) % grid.w, (idx as i32) / grid.w);
        if reach[idx] >= REACH_CELLS {
            continue;
        }
        for (di, dj) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
            let (a, b) = (i + di, j + dj);
            if a >= 0 && b >= 0 && a < grid.w && b < grid.h {
                let k = grid.index(a, b);
                if reach[k] == i32::MAX {
                    reach[k] = reach[idx] + 1;
                    queue.push_back(k);
                }
            }
        }
    }
    let usable = |k: usize| reach[k] <= REACH_CELLS;

    // Seeds at minor-road junctions, spaced by density.
    let mut candidates: Vec<(usize, &Junction)> = junctions
        .iter()
        .filter(|j| j.classes.iter().all(|c| !is_main(*c)))
        .map(|j| (cx.density(j.m), j))
        .collect();
    candidates.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(a.1.m[0].total_cmp(&b.1.m[0]))
            .then(a.1.m[1].total_cmp(&b.1.m[1]))
    });
    let mut seeds: Vec<([f64; 2], usize)> = Vec::new();
    let mut seed_tree: RTree<[f64; 2]> = RTree::new();
    for (density, j) in candidates {
        let spacing = spacing_m(density);
        if seed_tree
            .locate_within_distance(j.m, spacing * spacing)
            .next()
            .is_some()
        {
            continue;
        }
        let Some((ci, cj)) = grid.cell(j.m) else {
            continue;
        };
        if !usable(grid.index(ci, cj)) {
            continue;
        }
        seed_tree.insert(j.m);
        seeds.push((j.m, density));
    }

    // Multi-source Dijkstra over usable cells.
    let mut label = vec![u32::MAX; n];
    let mut cost = vec![u32::MAX; n];
    let mut heap = std::collections::BinaryHeap::new();
    for (s, (m, _)) in seeds.iter().enumerate() {
        if let Some((i, j)) = grid.cell(*m) {
            let k = grid.index(i, j);
            if cost[k] != 0 {
                cost[k] = 0;
                label[k] = s as u32;
                heap.push(std::cmp::Reverse((0u32, s as u32, k)));
            }
        }
    }
    while let Some(std::cmp::Reverse((c, s, k))) = heap.pop() {
        if c > cost[k] || (c == cost[k] && s != label[k]) {
            continue;
        }
        let (i, j) = ((k as i32) % grid.w, (k as i32) / grid.w);
        for (di, dj) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
            let (a, b) = (i + di, j + dj);
            if a < 0 || b < 0 || a >= grid.w || b >= grid.h {
                continue;
            }
            let t = grid.index(a, b);
            if !usable(t) {
                continue;
            }
            let nc = c + 1 + if barrier[t] { BARRIER_COST } else { 0 };
            if nc < cost[t] || (nc == cost[t] && s < label[t]) {
                cost[t] = nc;
                label[t] = s;
                heap.push(std::cmp::Reverse((nc, s, t)));
            }
        }
    }

    remove_pinches(&grid, &mut label);

    let police: Vec<&Station> = stations
        .iter()
        .filter(|s| s.kind == StationKind::Police)
        .collect();
    let mut per_place: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (s, (seed_m, density)) in seeds.iter().enumerate() {
        let Some(rings) = trace_region(&grid, &label, s as u32) else {
            continue;
        };
        let rings: Vec<Vec<LonLat>> = rings
            .iter()
            .map(|r| r.iter().map(|m| cx.proj.to_lonlat(*m)).collect())
            .collect();
        if rings.iter().any(|r| self_intersection(r).is_some()) {
            continue; // never emit a beat the validator would reject
        }
        let centre = *seed_m;
        let station = police
            .iter()
            .min_by(|a, b| {
                dist(cx.proj.to_m(a.pos), centre).total_cmp(&dist(cx.proj.to_m(b.pos), centre))
            })
            .map_or_else(|| StationId("PS-01".into()), |st| st.id.clone());
        let place = cx.place_name(centre);
        let k = per_place.entry(place.clone()).or_default();
        *k += 1;
        let industrial = osm.land.iter().any(|l| {
            l.kind == LandKind::Industrial
                && l.area.bbox().contains(cx.proj.to_lonlat(centre))
                && l.area.rings.iter().take(1).any(|r| {
                    let ring: Vec<[f64; 2]> = r.iter().map(|p| cx.proj.to_m(*p)).collect();
                    locate_in_polygon(centre, &[ring]) != Containment::Outside
                })
        });
        let area_type = match density {
            _ if industrial => AreaType::Industrial,
            40.. => AreaType::Urban,
            8.. => AreaType::Suburban,
            _ => AreaType::Rural,
        };
        out.push(Beat {
            id: BeatId(format!("B-{:03}", out.len() + 1).into()),
            name: format!("{place} {k}"),
            station_id: station,
            officers_on_duty: 1 + (*density as u32 / 25).min(5),
            area_type,
            rings,
            extra: Extra::new(),
        });
    }
    out
}

/// Make every region free of cells that touch only diagonally, so traced rings are simple.
/// Douglas–Peucker tolerance for beat outlines, in cells: removes the raster staircase.
const SIMPLIFY_CELLS: f64 = 1.0;

/// A corner where three or more regions (or the outside) meet. Shared boundaries between two
/// beats run from junction to junction; simplifying each such chain the same way from both
/// sides keeps neighbouring beats' outlines identical (no gaps, no overlaps).
fn is_junction(grid: &Grid, label: &[u32], (i, j): (i32, i32)) -> bool {
    let at = |a: i32, b: i32| {
        if a >= 0 && b >= 0 && a < grid.w && b < grid.h {
            label[grid.index(a, b)]
        } else {
            u32::MAX
        }
    };
    let mut seen = [at(i - 1, j - 1), at(i, j - 1), at(i - 1, j), at(i, j)];
    seen.sort_unstable();
    seen.windows(2).filter(|w| w[0] != w[1]).count() >= 2
}

/// Simplify a closed loop of grid corners chain by chain between junctions.
fn simplify_loop(grid: &Grid, label: &[u32], ring: &[(i32, i32)]) -> Vec<(i32, i32)> {
    let n = ring.len();
    let junctions: Vec<usize> = (0..n)
        .filter(|&k| is_junction(grid, label, ring[k]))
        .collect();
    let tolerance = SIMPLIFY_CELLS;
    if junctions.is_empty() {
        // A loop that touches one neighbour only: simplify it as one chain from a canonical
        // start (its smallest corner), in a canonical direction.
        let start = (0..n).min_by_key(|&k| ring[k]).unwrap_or(0);
        let mut chain: Vec<(i32, i32)> = (0..=n).map(|k| ring[(start + k) % n]).collect();
        let reversed = chain[1] > chain[n - 1];
        if reversed {
            chain.reverse();
        }
        let mut out = douglas_peucker(&chain, tolerance);
        if reversed {
            out.reverse();
        }
        out.pop(); // the closing corner repeats the first
        return out;
    }
    let mut out = Vec::new();
    for (x, &a) in junctions.iter().enumerate() {
        let b = junctions[(x + 1) % junctions.len()];
        let len = if b > a { b - a } else { b + n - a };
        let mut chain: Vec<(i32, i32)> = (0..=len).map(|k| ring[(a + k) % n]).collect();
        let reversed =
            chain[0] > chain[len] || (chain[0] == chain[len] && chain[1] > chain[len - 1]);
        if reversed {
            chain.reverse();
        }
        let mut simplified = douglas_peucker(&chain, tolerance);
        if reversed {
            simplified.reverse();
        }
        simplified.pop(); // the next chain starts with it
        out.extend(simplified);
    }
    out
}

/// Douglas–Peucker on grid corners, tolerance in cells. Keeps both ends.
pub(crate) fn douglas_peucker(points: &[(i32, i32)], tolerance: f64) -> Vec<(i32, i32)> {
    if points.len() <= 2 {
        return points.to_vec();
    }
    let mut keep = vec![false; points.len()];
    keep[0] = true;
    keep[points.len() - 1] = true;
    let mut stack = vec![(0usize, points.len() - 1)];
    while let Some((a, b)) = stack.pop() {
        let (pa, pb) = (points[a], points[b]);
        let (dx, dy) = (f64::from(pb.0 - pa.0), f64::from(pb.1 - pa.1));
        let len = dx.hypot(dy);
        let (mut worst, mut at) = (0.0, a);
        for (k, p) in points.iter().enumerate().take(b).skip(a + 1) {
            let (px, py) = (f64::from(p.0 - pa.0), f64::from(p.1 - pa.1));
            let d = if len == 0.0 {
                px.hypot(py)
            } else {
                (px * dy - py * dx).abs() / len
            };
            if d > worst {
                worst = d;
                at = k;
            }
        }
        if worst > tolerance {
            keep[at] = true;
            stack.push((a, at));
            stack.push((at, b));
        }
    }
    points
        .iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(p, _)| *p)
        .collect()
}

fn remove_pinches(grid: &Grid, label: &mut [u32]) {
    for _pass in 0..20 {
        let mut changed = false;
        for j in 0..grid.h - 1 {
            for i in 0..grid.w - 1 {
                let (a, b) = (grid.index(i, j), grid.index(i + 1, j));
                let (c, d) = (grid.index(i, j + 1), grid.index(i + 1, j + 1));
                let (la, lb, lc, ld) = (label[a], label[b], label[c], label[d]);
                if la == ld && lb != la && lc != la {
                    label[b] = la;
                    changed = true;
                } else if lb == lc && la != lb && ld != lb {
                    label[a] = lb;
                    changed = true;
                }
            }
        }
        if !changed {
            return;
        }
    }
}

/// The outline of region `s` (largest outer ring and the holes inside it), in metres.
fn trace_region(grid: &Grid, label: &[u32], s: u32) -> Option<Vec<Vec<[f64; 2]>>> {
    // Directed boundary edges with the region on the left, keyed by start corner.
    let mut next: HashMap<(i32, i32), (i32, i32)> = HashMap::new();
    let inside = |i: i32, j: i32| {
        i >= 0 && j >= 0 && i < grid.w && j < grid.h && label[grid.index(i, j)] == s
    };
    let mut cells = 0usize;
    for j in 0..grid.h {
        for i in 0..grid.w {
            if !inside(i, j) {
                continue;
            }
            cells += 1;
            if !inside(i, j - 1) {
                next.insert((i, j), (i + 1, j));
            }
            if !inside(i + 1, j) {
                next.insert((i + 1, j), (i + 1, j + 1));
            }
            if !inside(i, j + 1) {
                next.insert((i + 1, j + 1), (i, j + 1));
            }
            if !inside(i - 1, j) {
                next.insert((i, j + 1), (i, j));
            }
        }
    }
    if cells < 6 {
        return None;
    }
    let mut loops: Vec<Vec<(i32, i32)>> = Vec::new();
    let mut starts: Vec<(i32, i32)> = next.keys().copied().collect();
    starts.sort_unstable();
    for start in starts {
        if !next.contains_key(&start) {
            continue;
        }
        let mut ring = vec![start];
        let mut at = start;
        while let Some(to) = next.remove(&at) {
            if to == start {
                break;
            }
            ring.push(to);
            at = to;
        }
        let simplified = simplify_loop(grid, label, &ring);
        if simplified.len() >= 3 {
            loops.push(simplified);
        }
    }
    let area2 = |r: &[(i32, i32)]| -> i64 {
        (0..r.len())
            .map(|x| {
                let (a, b) = (r[x], r[(x + 1) % r.len()]);
                i64::from(a.0) * i64::from(b.1) - i64::from(b.0) * i64::from(a.1)
            })
            .sum()
    };
    // Region on the left: outer rings run counter-clockwise (positive area), holes clockwise.
    let outer_index = (0..loops.len())
        .filter(|&x| area2(&loops[x]) > 0)
        .max_by_key(|&x| area2(&loops[x]))?;
    let to_m = |r: &[(i32, i32)]| -> Vec<[f64; 2]> {
        let mut v: Vec<[f64; 2]> = r.iter().map(|&(i, j)| grid.corner_m(i, j)).collect();
        v.push(v[0]);
        v
    };
    let outer = to_m(&loops[outer_index]);
    let mut rings = vec![outer.clone()];
    for (x, l) in loops.iter().enumerate() {
        if x != outer_index && area2(l) < 0 {
            let hole = to_m(l);
            // A hole corner sits on the grid; test the middle of its first edge.
            let probe = [
                (hole[0][0] + hole[1][0]) / 2.0,
                (hole[0][1] + hole[1][1]) / 2.0,
            ];
            let nudged = [probe[0] + 1e-3, probe[1] + 1e-3];
            if locate_in_polygon(nudged, std::slice::from_ref(&outer)) == Containment::Inside {
                rings.push(hole);
            }
        }
    }
    Some(rings)
}

// ---------------------------------------------------------------------------------------------
// Cameras

fn camera_status(id: &str) -> CameraStatus {
    let h = id.bytes().fold(0u64, |acc, b| mix(acc ^ u64::from(b)));
    if h % 20 == 0 {
        CameraStatus::Offline
    } else {
        CameraStatus::Online
    }
}

fn cameras(cx: &Context<'_>, junctions: &[Junction]) -> Vec<Camera> {
    let mut out: Vec<Camera> = Vec::new();
    let mut sites: RTree<[f64; 2]> = RTree::new();
    let push = |out: &mut Vec<Camera>,
                m: [f64; 2],
                name: String,
                kind: CameraKind,
                heading: f64,
                fov: f64,
                range: f64| {
        let id = format!("C-{:04}", out.len() + 1);
        out.push(Camera {
            status: camera_status(&id),
            id: CameraId(id.into()),
            name,
            kind,
            pos: cx.proj.to_lonlat(m),
            heading_deg: (heading.rem_euclid(360.0) * 10.0).round() / 10.0 % 360.0,
            fov_deg: fov,
            range_m: range,
            extra: Extra::new(),
        });
    };

    // Main-road intersections: up to two cameras, each facing along a main road.
    for j in junctions {
        let mains = j.classes.iter().filter(|c| is_main(**c)).count();
        if mains < 2
            || sites
                .locate_within_distance(j.m, 120.0 * 120.0)
                .next()
                .is_some()
        {
            continue;
        }
        sites.insert(j.m);
        let kind = if j.classes[0] <= RoadClass::Primary {
            CameraKind::Traffic
        } else {
            CameraKind::Public
        };
        let name = match j.names.as_slice() {
            [] => "Intersection".to_string(),
            [one] => one.clone(),
            [a, b, ..] => format!("{a} / {b}"),
        };
        let mut used: Vec<f64> = Vec::new();
        for (bearing, class) in &j.exits {
            if !is_main(*class)
                || used
                    .iter()
                    .any(|u| crate::spatial::heading_difference_deg(*u, *bearing) < 60.0)
            {
                continue;
            }
            used.push(*bearing);
            push(&mut out, j.m, name.clone(), kind, *bearing, 70.0, 100.0);
            if used.len() == 2 {
                break;
            }
        }
    }

    // Along main roads, every 400 m, facing along the road.
    for road in cx
        .osm
        .roads
        .iter()
        .filter(|r| r.class <= RoadClass::Secondary)
    {
        let pts: Vec<[f64; 2]> = road.points.iter().map(|p| cx.proj.to_m(*p)).collect();
        let mut run = 0.0;
        let mut next_at = 200.0;
        for w in pts.windows(2) {
            let len = dist(w[0], w[1]);
            while run + len >= next_at && len > 0.0 {
                let f = (next_at - run) / len;
                let m = [
                    w[0][0] + (w[1][0] - w[0][0]) * f,
                    w[0][1] + (w[1][1] - w[0][1]) * f,
                ];
                next_at += 400.0;
                if sites
                    .locate_within_distance(m, 150.0 * 150.0)
                    .next()
                    .is_some()
                {
                    continue;
                }
                sites.insert(m);
                let name = road
                    .name
                    .as_deref()
                    .or(road.reference.as_deref())
                    .unwrap_or("Main road")
                    .to_string();
                push(
                    &mut out,
                    m,
                    name,
                    CameraKind::Public,
                    bearing_deg(w[0], w[1]),
                    60.0,
                    120.0,
                );
            }
            run += len;
        }
    }

    // Community cameras at schools and kindergartens; linked private cameras at some shops.
    let mut pois: Vec<_> = cx.osm.pois.iter().collect();
    pois.sort_by_key(|p| p.osm_id);
    for (n, poi) in pois.iter().enumerate() {
        let m = cx.proj.to_m(poi.pos);
        let (kind, fov, range) = match &*poi.tag {
            "amenity=school" | "amenity=kindergarten" => (CameraKind::Community, 90.0, 60.0),
            t if t.starts_with("shop=") && n % 3 == 0 => (CameraKind::LinkedPrivate, 100.0, 40.0),
            _ => continue,
        };
        if sites
            .locate_within_distance(m, 60.0 * 60.0)
            .next()
            .is_some()
        {
            continue;
        }
        sites.insert(m);
        let heading = (mix(poi.osm_id as u64) % 360) as f64;
        push(&mut out, m, poi.name.to_string(), kind, heading, fov, range);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Posts

fn posts(cx: &Context<'_>, stations: &[Station]) -> Vec<Post> {
    let mut out: Vec<Post> = Vec::new();
    let main_points: Vec<[f64; 2]> = cx
        .osm
        .roads
        .iter()
        .filter(|r| r.class <= RoadClass::Tertiary)
        .flat_map(|r| r.points.iter().map(|p| cx.proj.to_m(*p)))
        .collect();
    let main_tree: RTree<[f64; 2]> = RTree::bulk_load(main_points.clone());
    let snap = |m: [f64; 2]| {
        main_tree
            .nearest_neighbor(&m)
            .copied()
            .filter(|p| dist(*p, m) < 600.0)
            .unwrap_or(m)
    };
    let mut taken: Vec<[f64; 2]> = Vec::new();
    let push = |out: &mut Vec<Post>,
                taken: &mut Vec<[f64; 2]>,
                m: [f64; 2],
                name: String,
                kind: PostKind,
                hours: &str| {
        if taken.iter().any(|t| dist(*t, m) < 300.0) {
            return;
        }
        taken.push(m);
        out.push(Post {
            id: PostId(format!("P-{:02}", out.len() + 1).into()),
            name,
            kind,
            pos: cx.proj.to_lonlat(m),
            staffed_hours: hours.into(),
            extra: Extra::new(),
        });
    };
    for s in stations.iter().filter(|s| s.kind == StationKind::Police) {
        let m = snap(cx.proj.to_m(s.pos));
        push(
            &mut out,
            &mut taken,
            m,
            format!("Quick-response post {}", s.name),
            PostKind::QuickResponse,
            "24/7",
        );
    }
    // The densest places, at least 1.5 km apart.
    let mut dense: Vec<([f64; 2], usize)> = cx
        .osm
        .addresses
        .iter()
        .step_by(5)
        .map(|a| {
            let m = cx.proj.to_m(a.pos);
            (m, cx.density(m))
        })
        .collect();
    dense.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(a.0[0].total_cmp(&b.0[0]))
            .then(a.0[1].total_cmp(&b.0[1]))
    });
    let mut chosen: Vec<[f64; 2]> = Vec::new();
    for (m, d) in dense {
        if chosen.len() >= 6 || d < 20 {
            break;
        }
        if chosen.iter().any(|c| dist(*c, m) < 1500.0) {
            continue;
        }
        chosen.push(m);
        let m = snap(m);
        push(
            &mut out,
            &mut taken,
            m,
            format!("Quick-response post {}", cx.place_name(m)),
            PostKind::QuickResponse,
            "24/7",
        );
    }
    // Workstations where points of interest cluster.
    let poi_tree: RTree<[f64; 2]> =
        RTree::bulk_load(cx.osm.pois.iter().map(|p| cx.proj.to_m(p.pos)).collect());
    let mut clusters: Vec<([f64; 2], usize)> = cx
        .osm
        .pois
        .iter()
        .map(|p| {
            let m = cx.proj.to_m(p.pos);
            (m, poi_tree.locate_within_distance(m, 200.0 * 200.0).count())
        })
        .collect();
    clusters.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(a.0[0].total_cmp(&b.0[0]))
            .then(a.0[1].total_cmp(&b.0[1]))
    });
    let mut ws: Vec<[f64; 2]> = Vec::new();
    for (m, _) in clusters {
        if ws.len() >= 3 {
            break;
        }
        if ws.iter().any(|w| dist(*w, m) < 800.0) {
            continue;
        }
        ws.push(m);
        push(
            &mut out,
            &mut taken,
            m,
            format!("Police workstation {}", cx.place_name(m)),
            PostKind::Workstation,
            "08:00-20:00",
        );
    }
    // Checkpoints: the main-road point nearest each edge of the area, if within 2 km of it.
    let lo = cx.proj.to_m(cx.osm.bounds.min);
    let hi = cx.proj.to_m(cx.osm.bounds.max);
    // (side, axis, sign, edge): distance to the edge is sign * (p[axis] - edge).
    let edges = [
        ("west", 0, 1.0, lo[0]),
        ("east", 0, -1.0, hi[0]),
        ("south", 1, 1.0, lo[1]),
        ("north", 1, -1.0, hi[1]),
    ];
    for (side, axis, sign, edge) in edges {
        let distance_to_edge = |p: &[f64; 2]| sign * (p[axis] - edge);
        let best = main_points
            .iter()
            .filter(|p| p[0] >= lo[0] && p[0] <= hi[0] && p[1] >= lo[1] && p[1] <= hi[1])
            .map(|p| (distance_to_edge(p), *p))
            .filter(|(d, _)| *d >= 300.0 && *d < 2000.0)
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1[0].total_cmp(&b.1[0])));
        if let Some((_, m)) = best {
            push(
                &mut out,
                &mut taken,
                m,
                format!("Checkpoint {side}"),
                PostKind::Checkpoint,
                "20:00-06:00",
            );
        }
    }
    out
}
