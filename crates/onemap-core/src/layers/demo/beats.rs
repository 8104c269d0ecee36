//! Sample patrol beats: seeds at minor-road junctions spaced by address density, grown over a
//! raster around the roads by a multi-source search in which main roads, railways and rivers
//! cost extra (so boundaries follow them), each region traced into a simple polygon and
//! named after the nearest place, assigned to the nearest police station.

use std::collections::HashMap;

use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};

use super::raster::{Grid, region_boxes, remove_pinches, trace_region};
use super::{Context, Junction, dist, is_main};
use crate::coord::LonLat;
use crate::layers::io::self_intersection;
use crate::layers::model::*;
use crate::osm::LandKind;
use crate::spatial::{Containment, locate_in_polygon};

const CELL_M: f64 = 40.0;
const MAX_CELLS: f64 = 16_000_000.0;
/// Cells farther than this from any drivable road belong to no beat (fields, forest, lakes).
const REACH_CELLS: i32 = 6;
/// Extra cost, in cells, of stepping onto a main road, railway or river.
const BARRIER_COST: u32 = 12;

/// SplitMix64: a tiny deterministic hash for "random" choices keyed by an index.
fn spacing_m(density: usize) -> f64 {
    match density {
        60.. => 350.0,
        20.. => 500.0,
        5.. => 800.0,
        _ => 1600.0,
    }
}

/// The raster over the city: cells of [`CELL_M`], coarser for very large extracts.
fn grid_for(cx: &Context<'_>) -> Grid {
    let osm = cx.osm;
    let lo = cx.proj.to_m(osm.bounds.min);
    let hi = cx.proj.to_m(osm.bounds.max);
    let area_m2 = ((hi[0] - lo[0]) * (hi[1] - lo[1])).max(1.0);
    let cell_m = CELL_M.max((area_m2 / MAX_CELLS).sqrt());
    Grid {
        origin: lo,
        w: ((hi[0] - lo[0]) / cell_m).ceil().max(1.0) as i32,
        h: ((hi[1] - lo[1]) / cell_m).ceil().max(1.0) as i32,
        cell_m,
    }
}

/// Cells on a drivable road, and cells on a barrier (main road, railway, river).
fn roads_and_barriers(cx: &Context<'_>, grid: &Grid) -> (Vec<bool>, Vec<bool>) {
    let n = (grid.w * grid.h) as usize;
    let mut road = vec![false; n];
    let mut barrier = vec![false; n];
    for r in &cx.osm.roads {
        let pts: Vec<[f64; 2]> = r.points.iter().map(|p| cx.proj.to_m(*p)).collect();
        if r.class.is_drivable() {
            grid.rasterise(&pts, &mut road);
        }
        if is_main(r.class) {
            grid.rasterise(&pts, &mut barrier);
        }
    }
    for l in &cx.osm.lines {
        let pts: Vec<[f64; 2]> = l.points.iter().map(|p| cx.proj.to_m(*p)).collect();
        grid.rasterise(&pts, &mut barrier);
    }
    (road, barrier)
}

/// Usable cells: within [`REACH_CELLS`] of a road (breadth-first distance).
fn usable_cells(grid: &Grid, road: &[bool]) -> Vec<bool> {
    let n = road.len();
    let mut reach = vec![i32::MAX; n];
    let mut queue = std::collections::VecDeque::new();
    for (idx, &on_road) in road.iter().enumerate() {
        if on_road {
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
    reach.into_iter().map(|r| r <= REACH_CELLS).collect()
}

/// Seeds at minor-road junctions, densest first, spaced by density: (metres, density).
fn place_seeds(
    cx: &Context<'_>,
    grid: &Grid,
    junctions: &[Junction],
    usable: &[bool],
) -> Vec<([f64; 2], usize)> {
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
        if !usable[grid.index(ci, cj)] {
            continue;
        }
        seed_tree.insert(j.m);
        seeds.push((j.m, density));
    }
    seeds
}

/// Grow every seed over the usable cells (multi-source Dijkstra; barriers cost
/// [`BARRIER_COST`] extra); the seed each cell belongs to (`u32::MAX`: none).
fn grow(grid: &Grid, seeds: &[([f64; 2], usize)], usable: &[bool], barrier: &[bool]) -> Vec<u32> {
    let n = usable.len();
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
            if !usable[t] {
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
    label
}

pub(super) fn beats(cx: &Context<'_>, junctions: &[Junction], stations: &[Station]) -> Vec<Beat> {
    let grid = grid_for(cx);
    let (road, barrier) = roads_and_barriers(cx, &grid);
    let usable = usable_cells(&grid, &road);
    let seeds = place_seeds(cx, &grid, junctions, &usable);
    let mut label = grow(&grid, &seeds, &usable, &barrier);
    remove_pinches(&grid, &mut label);
    let police: Vec<&Station> = stations
        .iter()
        .filter(|s| s.kind == StationKind::Police)
        .collect();
    let police_tree = PointTree::new(police.iter().map(|st| cx.proj.to_m(st.pos)));
    let industrial = Industrial::new(cx);
    let mut per_place: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    let boxes = region_boxes(&grid, &label, seeds.len());
    for (s, &(seed_m, density)) in seeds.iter().enumerate() {
        let Some(rings) = boxes[s].and_then(|b| trace_region(&grid, &label, s as u32, b)) else {
            continue;
        };
        let rings: Vec<Vec<LonLat>> = rings
            .iter()
            .map(|r| r.iter().map(|m| cx.proj.to_lonlat(*m)).collect())
            .collect();
        if rings.iter().any(|r| self_intersection(r).is_some()) {
            continue; // never emit a beat the validator would reject
        }
        let station = police_tree
            .nearest(seed_m)
            .map_or_else(|| StationId("PS-01".into()), |k| police[k].id.clone());
        let place = cx.place_name(seed_m);
        let k = per_place.entry(place.clone()).or_default();
        *k += 1;
        out.push(Beat {
            id: BeatId(format!("B-{:03}", out.len() + 1).into()),
            name: format!("{place} {k}"),
            station_id: station,
            officers_on_duty: 1 + (density as u32 / 25).min(5),
            area_type: area_type(industrial.contains(seed_m), density),
            rings,
            extra: Extra::new(),
        });
    }
    out
}

/// Industrial if the seed is in industrial land, else by address density.
fn area_type(industrial: bool, density: usize) -> AreaType {
    match density {
        _ if industrial => AreaType::Industrial,
        40.. => AreaType::Urban,
        8.. => AreaType::Suburban,
        _ => AreaType::Rural,
    }
}

/// Points in metres, for the nearest one: the lowest index among equally near ones, as a scan
/// with `min_by` would choose (so the output does not depend on the tree's shape).
pub(super) struct PointTree(RTree<GeomWithData<[f64; 2], usize>>);

impl PointTree {
    pub(super) fn new(points: impl Iterator<Item = [f64; 2]>) -> PointTree {
        PointTree(RTree::bulk_load(
            points
                .enumerate()
                .map(|(k, m)| GeomWithData::new(m, k))
                .collect(),
        ))
    }

    pub(super) fn nearest(&self, m: [f64; 2]) -> Option<usize> {
        let d = dist(*self.0.nearest_neighbor(&m)?.geom(), m);
        self.0
            .locate_within_distance(m, (d + 1e-6) * (d + 1e-6))
            .map(|g| (dist(*g.geom(), m), g.data))
            .filter(|(e, _)| *e <= d)
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
            .map(|(_, k)| k)
    }
}

/// Industrial land's outer rings in metres, found by their boxes.
struct Industrial {
    rings: Vec<Vec<[f64; 2]>>,
    boxes: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
}

impl Industrial {
    fn new(cx: &Context<'_>) -> Industrial {
        let rings: Vec<Vec<[f64; 2]>> = cx
            .osm
            .land
            .iter()
            .filter(|l| l.kind == LandKind::Industrial)
            .filter_map(|l| l.area.rings.first())
            .map(|r| r.iter().map(|p| cx.proj.to_m(*p)).collect())
            .collect();
        let boxes = rings
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.is_empty())
            .map(|(k, r)| {
                let (mut lo, mut hi) = (r[0], r[0]);
                for p in r {
                    lo = [lo[0].min(p[0]), lo[1].min(p[1])];
                    hi = [hi[0].max(p[0]), hi[1].max(p[1])];
                }
                GeomWithData::new(Rectangle::from_corners(lo, hi), k)
            })
            .collect();
        Industrial {
            rings,
            boxes: RTree::bulk_load(boxes),
        }
    }

    fn contains(&self, m: [f64; 2]) -> bool {
        self.boxes.locate_all_at_point(&m).any(|g| {
            locate_in_polygon(m, std::slice::from_ref(&self.rings[g.data])) != Containment::Outside
        })
    }
}
