//! The road network as a directed graph: every OSM road vertex a node, every stretch between
//! two vertices a [`Segment`] with a travel time per mode and direction ([`Speeds`]: the road
//! class's speed, capped by `maxspeed` for vehicles; one-way rules bind vehicles and cyclists,
//! not people on foot; `access=private` keeps vehicles out). For each mode a compact forward
//! and reverse adjacency (CSR) of the edges the mode may use, and its largest strongly
//! connected component. Building is O(V + E log E).
//!
//! **Chains.** Most vertices are not junctions: a node with one edge on besides the one back
//! (a bend, a change of road class) is the inside of a *chain*. The search
//! ([`super::Search`]) walks a chain as one edge, writing the exact cost of every vertex on it
//! as it goes, and puts only junctions on its heap.

use std::collections::HashMap;

use rstar::RTree;
use rstar::primitives::{GeomWithData, Line};

use super::{Direction, Mode, Speeds};
use crate::coord::{BBox, LonLat, haversine_m};
use crate::osm::{Oneway, OsmData, Road, RoadClass};
use crate::spatial::LocalProjection;

/// A straight stretch of road between two nodes.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Segment {
    pub a: u32,
    pub b: u32,
    pub length_m: f32,
    pub class: RoadClass,
    /// Seconds from `a` to `b` per mode ([`Mode::index`]); infinite where not allowed.
    pub time_ab: [f32; 4],
    /// Seconds from `b` to `a` per mode.
    pub time_ba: [f32; 4],
}

impl Segment {
    pub fn usable_by(&self, mode: Mode) -> bool {
        self.time_ab[mode.index()].is_finite() || self.time_ba[mode.index()].is_finite()
    }
}

/// Adjacency of one mode in one direction, compressed sparse rows.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct Csr {
    pub(super) first_out: Vec<u32>,
    pub(super) head: Vec<u32>,
    pub(super) time_s: Vec<f32>,
    pub(super) seg: Vec<u32>,
}

impl Csr {
    fn build(node_count: usize, mut arcs: Vec<(u32, u32, f32, u32)>) -> Csr {
        arcs.sort_unstable_by_key(|&(tail, head, _, seg)| (tail, head, seg));
        let mut first_out = vec![0u32; node_count + 1];
        for &(tail, ..) in &arcs {
            first_out[tail as usize + 1] += 1;
        }
        for i in 0..node_count {
            first_out[i + 1] += first_out[i];
        }
        Csr {
            first_out,
            head: arcs.iter().map(|a| a.1).collect(),
            time_s: arcs.iter().map(|a| a.2).collect(),
            seg: arcs.iter().map(|a| a.3).collect(),
        }
    }

    pub(super) fn range(&self, node: u32) -> std::ops::Range<usize> {
        self.first_out[node as usize] as usize..self.first_out[node as usize + 1] as usize
    }
}

/// A directed road graph with travel times per mode, in both directions.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct RoadGraph {
    pub nodes: Vec<LonLat>,
    pub segments: Vec<Segment>,
    pub proj: LocalProjection,
    pub(super) bounds: BBox,
    /// `[mode][Forward, Reverse]`
    pub(super) csr: [[Csr; 2]; 4],
    /// Per node, bit `mode` set if in that mode's largest strongly connected component.
    main: Vec<u8>,
    pub(super) seg_tree: RTree<GeomWithData<Line<[f64; 2]>, u32>>,
    /// Fastest speed of each mode anywhere on the network, m/s.
    vmax: [f64; 4],
}

fn segment_time_s(road: &Road, speeds: &Speeds, mode: Mode, length_m: f64, forward: bool) -> f32 {
    let allowed_direction = !mode.obeys_oneway()
        || match road.oneway {
            Oneway::No => true,
            Oneway::Forward => forward,
            Oneway::Backward => !forward,
        };
    let restricted = road.is_restricted && matches!(mode, Mode::Car | Mode::Motorbike);
    match speeds.kmh(mode, road.class) {
        Some(kmh) if allowed_direction && !restricted => {
            // A posted limit lowers a vehicle's speed, never raises it above the class default.
            let kmh = match (mode, road.maxspeed_kmh) {
                (Mode::Car | Mode::Motorbike, Some(limit)) => kmh.min(limit.max(5.0)),
                _ => kmh,
            };
            (length_m / (f64::from(kmh) / 3.6)) as f32
        }
        _ => f32::INFINITY,
    }
}

impl RoadGraph {
    /// Build from the roads of `osm` with `speeds`. Road vertices at the same position become
    /// one node.
    pub fn build(osm: &OsmData, speeds: &Speeds) -> Self {
        let key = |p: LonLat| ((p.lon * 1e7).round() as i64, (p.lat * 1e7).round() as i64);
        let mut ids: HashMap<(i64, i64), u32> = HashMap::new();
        let mut nodes = Vec::new();
        let mut segments = Vec::new();
        for road in &osm.roads {
            let mut prev: Option<(u32, LonLat)> = None;
            for &p in &road.points {
                let id = *ids.entry(key(p)).or_insert_with(|| {
                    nodes.push(p);
                    (nodes.len() - 1) as u32
                });
                if let Some((a, pa)) = prev
                    && a != id
                {
                    let length_m = haversine_m(pa, p);
                    let times = |forward| {
                        Mode::ALL.map(|m| segment_time_s(road, speeds, m, length_m, forward))
                    };
                    let seg = Segment {
                        a,
                        b: id,
                        length_m: length_m as f32,
                        class: road.class,
                        time_ab: times(true),
                        time_ba: times(false),
                    };
                    if Mode::ALL.iter().any(|&m| seg.usable_by(m)) {
                        segments.push(seg);
                    }
                }
                prev = Some((id, p));
            }
        }
        Self::from_segments(nodes, segments)
    }

    /// Build from explicit nodes and segments (tests and tools).
    pub fn from_segments(nodes: Vec<LonLat>, segments: Vec<Segment>) -> Self {
        let bounds = BBox::from_points(nodes.iter().copied());
        let proj = LocalProjection::new(if nodes.is_empty() {
            LonLat::new(0.0, 0.0)
        } else {
            bounds.center()
        });
        let n = nodes.len();
        let csr = Mode::ALL.map(|mode| {
            let m = mode.index();
            let mut fwd = Vec::new();
            let mut rev = Vec::new();
            for (i, s) in segments.iter().enumerate() {
                let i = i as u32;
                if s.time_ab[m].is_finite() {
                    fwd.push((s.a, s.b, s.time_ab[m], i));
                    rev.push((s.b, s.a, s.time_ab[m], i));
                }
                if s.time_ba[m].is_finite() {
                    fwd.push((s.b, s.a, s.time_ba[m], i));
                    rev.push((s.a, s.b, s.time_ba[m], i));
                }
            }
            [Csr::build(n, fwd), Csr::build(n, rev)]
        });
        let mut main = vec![0u8; n];
        for mode in Mode::ALL {
            for node in largest_scc(&csr[mode.index()][0], n) {
                main[node as usize] |= 1 << mode.index();
            }
        }
        let seg_tree = RTree::bulk_load(
            segments
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let a = proj.to_m(nodes[s.a as usize]);
                    let b = proj.to_m(nodes[s.b as usize]);
                    GeomWithData::new(Line::new(a, b), i as u32)
                })
                .collect(),
        );
        let mut vmax = [0.1f64; 4];
        for s in &segments {
            for m in Mode::ALL {
                for t in [s.time_ab[m.index()], s.time_ba[m.index()]] {
                    if t.is_finite() && t > 0.0 {
                        let v = f64::from(s.length_m) / f64::from(t);
                        vmax[m.index()] = vmax[m.index()].max(v);
                    }
                }
            }
        }
        Self {
            nodes,
            segments,
            proj,
            bounds,
            csr,
            main,
            seg_tree,
            vmax,
        }
    }

    /// The fastest `mode` can travel anywhere on this network, m/s (a lower bound on times:
    /// straight-line distance over it).
    pub fn max_speed_mps(&self, mode: Mode) -> f64 {
        self.vmax[mode.index()]
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// Directed edges `mode` may use.
    pub fn edge_count(&self, mode: Mode) -> usize {
        self.csr[mode.index()][0].head.len()
    }

    /// Nodes with other than two segments (junctions and dead ends): the rest are the
    /// insides of chains.
    pub fn junction_count(&self) -> usize {
        let mut degree = vec![0u8; self.nodes.len()];
        for s in &self.segments {
            for v in [s.a, s.b] {
                degree[v as usize] = degree[v as usize].saturating_add(1);
            }
        }
        degree.iter().filter(|&&d| d != 2).count()
    }

    /// `(head, seconds, segment)` of the edges leaving `node` in `dir` for `mode`. In reverse,
    /// "leaving" means arriving: the edges that end at `node`, with their tails as heads.
    pub fn out_edges(
        &self,
        mode: Mode,
        dir: Direction,
        node: u32,
    ) -> impl Iterator<Item = (u32, f32, u32)> + '_ {
        let csr = &self.csr[mode.index()][dir as usize];
        csr.range(node)
            .map(move |i| (csr.head[i], csr.time_s[i], csr.seg[i]))
    }

    /// Whether `node` is in the largest strongly connected component of `mode`.
    pub fn in_main(&self, mode: Mode, node: u32) -> bool {
        self.main[node as usize] & (1 << mode.index()) != 0
    }

    /// Nodes in the largest strongly connected component of `mode`.
    pub fn main_count(&self, mode: Mode) -> usize {
        (0..self.nodes.len() as u32)
            .filter(|&v| self.in_main(mode, v))
            .count()
    }

    /// Whether `mode` may use the segment and it belongs to the mode's main component.
    pub fn snappable(&self, mode: Mode, seg: u32) -> bool {
        let s = &self.segments[seg as usize];
        s.usable_by(mode) && self.in_main(mode, s.a) && self.in_main(mode, s.b)
    }

    /// The position of `frac` along segment `seg`.
    pub fn point_on(&self, seg: u32, frac: f32) -> LonLat {
        let s = &self.segments[seg as usize];
        let (a, b) = (self.nodes[s.a as usize], self.nodes[s.b as usize]);
        let f = f64::from(frac);
        LonLat::new(a.lon + (b.lon - a.lon) * f, a.lat + (b.lat - a.lat) * f)
    }
}

/// Iterative Tarjan; returns the nodes of the largest strongly connected component.
fn largest_scc(csr: &Csr, n: usize) -> Vec<u32> {
    const NONE: u32 = u32::MAX;
    let mut index = vec![NONE; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut best: Vec<u32> = Vec::new();
    let mut next_index = 0u32;
    // (node, next edge position)
    let mut call: Vec<(u32, usize)> = Vec::new();
    for root in 0..n as u32 {
        if index[root as usize] != NONE {
            continue;
        }
        call.push((root, csr.first_out[root as usize] as usize));
        index[root as usize] = next_index;
        low[root as usize] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        while let Some(&mut (v, ref mut pos)) = call.last_mut() {
            let end = csr.first_out[v as usize + 1] as usize;
            if *pos < end {
                let w = csr.head[*pos];
                *pos += 1;
                if index[w as usize] == NONE {
                    index[w as usize] = next_index;
                    low[w as usize] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w as usize] = true;
                    call.push((w, csr.first_out[w as usize] as usize));
                } else if on_stack[w as usize] {
                    low[v as usize] = low[v as usize].min(index[w as usize]);
                }
                continue;
            }
            call.pop();
            if let Some(&(parent, _)) = call.last() {
                low[parent as usize] = low[parent as usize].min(low[v as usize]);
            }
            if low[v as usize] == index[v as usize] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w as usize] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > best.len() {
                    best = component;
                }
            }
        }
    }
    best
}

/// Seconds to travel the edge `a → b` for `mode` (the fastest of parallel segments).
pub fn edge_time(graph: &RoadGraph, mode: Mode, a: u32, b: u32) -> Option<f32> {
    graph
        .out_edges(mode, Direction::Forward, a)
        .filter(|(head, _, _)| *head == b)
        .map(|(_, t, _)| t)
        .min_by(f32::total_cmp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::bounded_dijkstra;
    use crate::routing::tests::{STEP, graph, road};

    const FWD: Direction = Direction::Forward;

    #[test]
    fn one_way_binds_cars_not_pedestrians() {
        let g = graph(vec![road(
            RoadClass::Residential,
            Oneway::Forward,
            &[(13.0, 53.0), (13.0, 53.0 + STEP)],
        )]);
        assert_eq!(g.node_count(), 2);
        let car_fwd = bounded_dijkstra(&g, Mode::Car, FWD, &[(0, 0.0)], 600.0);
        // 111.2 m at 30 km/h = 13.3 s.
        assert!((car_fwd[1] - 13.34).abs() < 0.05, "{}", car_fwd[1]);
        let car_back = bounded_dijkstra(&g, Mode::Car, FWD, &[(1, 0.0)], 600.0);
        assert!(car_back[0].is_infinite(), "against the one-way");
        let foot_back = bounded_dijkstra(&g, Mode::Foot, FWD, &[(1, 0.0)], 600.0);
        // 111.2 m at 5 km/h = 80.1 s.
        assert!((foot_back[0] - 80.06).abs() < 0.1, "{}", foot_back[0]);
    }

    #[test]
    fn maxspeed_caps_vehicles_and_modes_respect_class() {
        let mut slow = road(
            RoadClass::Primary,
            Oneway::No,
            &[(13.0, 53.0), (13.0, 53.0 + STEP)],
        );
        slow.maxspeed_kmh = Some(20.0);
        let footway = road(
            RoadClass::Path,
            Oneway::No,
            &[(13.0, 53.0 + STEP), (13.0, 53.0 + 2.0 * STEP)],
        );
        let g = graph(vec![slow, footway]);
        let car = bounded_dijkstra(&g, Mode::Car, FWD, &[(0, 0.0)], 600.0);
        assert!(
            (car[1] - 20.01).abs() < 0.05,
            "20 km/h, not the primary default: {}",
            car[1]
        );
        assert!(car[2].is_infinite(), "no cars on footpaths");
        let foot = bounded_dijkstra(&g, Mode::Foot, FWD, &[(0, 0.0)], 600.0);
        assert!(foot[2].is_finite());
    }

    #[test]
    fn scc_on_a_cycle_with_a_tail() {
        // 0→1→2→0 is a cycle; 2→3 a tail; 4 isolated.
        let mut arcs = vec![
            (0, 1, 1.0, 0),
            (1, 2, 1.0, 0),
            (2, 0, 1.0, 0),
            (2, 3, 1.0, 0),
        ];
        arcs.reverse();
        let csr = Csr::build(5, arcs);
        let mut c = largest_scc(&csr, 5);
        c.sort_unstable();
        assert_eq!(c, vec![0, 1, 2]);
    }
}
