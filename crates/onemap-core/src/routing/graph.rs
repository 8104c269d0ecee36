//! The road network as a directed graph: every OSM road vertex a node, every stretch between
//! two vertices a [`Segment`] with a travel time per mode and direction ([`Speeds`]: the road
//! class's speed, capped by `maxspeed` for vehicles; one-way rules bind vehicles and cyclists,
//! not people on foot; `access=private` keeps vehicles out). Each mode's largest strongly
//! connected component is marked. Building is O(V + E log E).
//!
//! **Chains.** Most vertices are not junctions: a vertex with exactly two segments is the
//! inside of a *chain* ([`super::chains`]). The topology is kept once, for every mode, as
//! junctions and chains; per mode and direction only where each junction may set out along a
//! chain is listed (four bytes an arc). The search ([`super::Search`]) walks a chain as one
//! edge, writing the exact cost of every vertex on it as it goes, and puts only junctions on
//! its heap, so both its work and the graph's memory grow with junctions, not vertices.
//! Vertices stay as the geometry and as where points snap ([`super::seg_grid`]), so a
//! partial edge is still a fraction of one segment.
//!
//! **Numbering.** Vertices are numbered by the graph, not by the input: junctions first, then
//! each chain's inside in order ([`super::chains`]), so a search's costs along a chain sit
//! side by side in memory. `from_segments` renumbers the vertices it is given.

use std::collections::HashMap;

use super::chains::{Chains, JunctionArcs};
use super::seg_grid::SegmentGrid;
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

/// A directed road graph with travel times per mode, in both directions.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct RoadGraph {
    pub nodes: Vec<LonLat>,
    pub segments: Vec<Segment>,
    pub proj: LocalProjection,
    pub(super) bounds: BBox,
    pub(super) chains: Chains,
    /// `[mode][Forward, Reverse]`: the chains each junction may set out along.
    pub(super) arcs: [[JunctionArcs; 2]; 4],
    /// Directed vertex-to-vertex edges each mode may use.
    edge_counts: [usize; 4],
    /// Per node, bit `mode` set if in that mode's largest strongly connected component.
    main: Vec<u8>,
    pub(super) grid: SegmentGrid,
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
        Self::build_numbered(osm, speeds).0
    }

    /// [`Self::build`], and per road vertex in import order (first seen along `osm.roads`),
    /// its number in the graph (tests against figures computed on that order).
    pub fn build_numbered(osm: &OsmData, speeds: &Speeds) -> (Self, Vec<u32>) {
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
        Self::from_segments_renumbered(nodes, segments)
    }

    /// Build from explicit nodes and segments (tests and tools). The vertices are renumbered
    /// (see the module's notes): `nodes[v]` of the input is `graph.nodes[renumbered[v]]`, and
    /// the segments keep their order.
    pub fn from_segments(nodes: Vec<LonLat>, segments: Vec<Segment>) -> Self {
        Self::from_segments_renumbered(nodes, segments).0
    }

    /// [`Self::from_segments`], and per input vertex its number in the graph.
    pub fn from_segments_renumbered(
        nodes: Vec<LonLat>,
        mut segments: Vec<Segment>,
    ) -> (Self, Vec<u32>) {
        let bounds = BBox::from_points(nodes.iter().copied());
        let proj = LocalProjection::new(if nodes.is_empty() {
            LonLat::new(0.0, 0.0)
        } else {
            bounds.center()
        });
        let n = nodes.len();
        let (chains, new_id) = Chains::build(n, &mut segments);
        let mut renumbered = vec![LonLat::new(0.0, 0.0); n];
        for (v, p) in nodes.into_iter().enumerate() {
            renumbered[new_id[v] as usize] = p;
        }
        let nodes = renumbered;
        let arcs = Mode::ALL.map(|mode| {
            [Direction::Forward, Direction::Reverse]
                .map(|dir| JunctionArcs::build(&chains, mode.index(), dir))
        });
        let edge_counts = Mode::ALL.map(|mode| {
            let m = mode.index();
            segments
                .iter()
                .map(|s| {
                    usize::from(s.time_ab[m].is_finite()) + usize::from(s.time_ba[m].is_finite())
                })
                .sum()
        });
        let mut main = vec![0u8; n];
        for mode in Mode::ALL {
            for node in largest_scc(&segments, mode, n) {
                main[node as usize] |= 1 << mode.index();
            }
        }
        let grid = SegmentGrid::build(&nodes, &segments, &proj);
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
        let graph = Self {
            nodes,
            segments,
            proj,
            bounds,
            chains,
            arcs,
            edge_counts,
            main,
            grid,
            vmax,
        };
        (graph, new_id)
    }

    /// The box around the network's nodes.
    pub fn bounds(&self) -> BBox {
        self.bounds
    }

    /// The fastest `mode` can travel anywhere on this network, m/s (a lower bound on times:
    /// straight-line distance over it).
    pub fn max_speed_mps(&self, mode: Mode) -> f64 {
        self.vmax[mode.index()]
    }

    /// Seconds per projected metre for an A* bound that never overstates a travel time:
    /// under the mode's fastest speed, and under the local projection's overstatement, which
    /// keeps the origin's metres per degree of longitude where, farther from the equator, a
    /// degree is shorter (0.24 % across 0.1° of latitude at 53° N).
    pub fn astar_s_per_m(&self, mode: Mode) -> f32 {
        let at_origin = self.proj.origin.lat.to_radians().cos();
        let farthest = self.bounds.min.lat.abs().max(self.bounds.max.lat.abs());
        let there = farthest.to_radians().cos();
        let over = if there.is_finite() && there > 0.0 {
            (at_origin / there).max(1.0)
        } else {
            1.0
        };
        (0.999 / (self.max_speed_mps(mode) * over)) as f32
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// Directed edges `mode` may use.
    pub fn edge_count(&self, mode: Mode) -> usize {
        self.edge_counts[mode.index()]
    }

    /// Junctions: nodes with other than two segments or with a loop, and one node of each
    /// ring of road with none. The rest are the insides of chains.
    pub fn junction_count(&self) -> usize {
        self.chains.junctions as usize
    }

    /// Chains of segments between junctions.
    pub fn chain_count(&self) -> usize {
        self.chains.chains as usize
    }

    /// `(head, seconds, segment)` of the edges leaving `node` in `dir` for `mode`. In reverse,
    /// "leaving" means arriving: the edges that end at `node`, with their tails as heads.
    /// (The search itself walks chains; this is for the cut of a search and for tools.)
    pub fn out_edges(&self, mode: Mode, dir: Direction, node: u32) -> OutEdges<'_> {
        let c = &self.chains;
        let m = mode.index();
        let mut out = OutEdges {
            graph: self,
            m,
            dir,
            arcs: &[],
            inside: [None; 2],
            next_inside: 0,
        };
        if c.is_junction(node) {
            out.arcs = self.arcs[m][dir as usize].of(node);
        } else {
            let i = c.entry_of(node);
            let edge = |back: bool| {
                let (seg, t, _) = c.out_of(m, dir, i, back);
                let head = c.seq[if back { i - 1 } else { i + 1 }];
                t.is_finite().then_some((head, t, seg))
            };
            out.inside = [edge(true), edge(false)];
        }
        out
    }

    /// The segments [`Self::out_edges`] leaves `node` along, as a callback
    /// `f(segment, seconds, from_a)` (`from_a`: it leaves from the segment's `a` end), in the
    /// same order; read from the chains' arrays, for the hot loops (the cut of a search).
    #[inline]
    pub fn for_each_out_segment(
        &self,
        mode: Mode,
        dir: Direction,
        node: u32,
        mut f: impl FnMut(u32, f32, bool),
    ) {
        let c = &self.chains;
        let m = mode.index();
        let mut edge = |i: usize, back: bool| {
            let (seg, t, from_a) = c.out_of(m, dir, i, back);
            if t.is_finite() {
                f(seg, t, from_a);
            }
        };
        if c.is_junction(node) {
            for &arc in self.arcs[m][dir as usize].of(node) {
                edge((arc >> 1) as usize, arc & 1 != 0);
            }
        } else {
            let i = c.entry_of(node);
            edge(i, true);
            edge(i, false);
        }
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

/// The edges leaving one node ([`RoadGraph::out_edges`]).
pub struct OutEdges<'a> {
    graph: &'a RoadGraph,
    m: usize,
    dir: Direction,
    /// A junction's arcs.
    arcs: &'a [u32],
    /// A node inside a chain: the steps back towards the chain's start and on to its end.
    inside: [Option<(u32, f32, u32)>; 2],
    next_inside: usize,
}

impl Iterator for OutEdges<'_> {
    type Item = (u32, f32, u32);

    fn next(&mut self) -> Option<Self::Item> {
        if let Some((&arc, rest)) = self.arcs.split_first() {
            self.arcs = rest;
            let c = &self.graph.chains;
            let (i, back) = ((arc >> 1) as usize, arc & 1 != 0);
            let (seg, t, _) = c.out_of(self.m, self.dir, i, back);
            return Some((c.seq[if back { i - 1 } else { i + 1 }], t, seg));
        }
        while self.next_inside < 2 {
            self.next_inside += 1;
            if let Some(e) = self.inside[self.next_inside - 1] {
                return Some(e);
            }
        }
        None
    }
}

/// The nodes of `mode`'s largest strongly connected component (iterative Tarjan over a
/// vertex adjacency made for it and dropped after).
fn largest_scc(segments: &[Segment], mode: Mode, n: usize) -> Vec<u32> {
    let m = mode.index();
    let mut first_out = vec![0u32; n + 1];
    for s in segments {
        if s.time_ab[m].is_finite() {
            first_out[s.a as usize + 1] += 1;
        }
        if s.time_ba[m].is_finite() {
            first_out[s.b as usize + 1] += 1;
        }
    }
    for i in 0..n {
        first_out[i + 1] += first_out[i];
    }
    let mut fill = first_out.clone();
    let mut head = vec![0u32; first_out[n] as usize];
    for s in segments {
        for (tail, to, t) in [(s.a, s.b, s.time_ab[m]), (s.b, s.a, s.time_ba[m])] {
            if t.is_finite() {
                head[fill[tail as usize] as usize] = to;
                fill[tail as usize] += 1;
            }
        }
    }
    drop(fill);
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
        call.push((root, first_out[root as usize] as usize));
        index[root as usize] = next_index;
        low[root as usize] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        while let Some(&mut (v, ref mut pos)) = call.last_mut() {
            let end = first_out[v as usize + 1] as usize;
            if *pos < end {
                let w = head[*pos];
                *pos += 1;
                if index[w as usize] == NONE {
                    index[w as usize] = next_index;
                    low[w as usize] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w as usize] = true;
                    call.push((w, first_out[w as usize] as usize));
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
    use crate::routing::tests::{STEP, graph, node_at, road};

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
        let [v0, v1, v2] = [0.0, 1.0, 2.0].map(|k| node_at(&g, 13.0, 53.0 + k * STEP) as usize);
        let car = bounded_dijkstra(&g, Mode::Car, FWD, &[(v0 as u32, 0.0)], 600.0);
        assert!(
            (car[v1] - 20.01).abs() < 0.05,
            "20 km/h, not the primary default: {}",
            car[v1]
        );
        assert!(car[v2].is_infinite(), "no cars on footpaths");
        let foot = bounded_dijkstra(&g, Mode::Foot, FWD, &[(v0 as u32, 0.0)], 600.0);
        assert!(foot[v2].is_finite());
    }

    #[test]
    fn scc_on_a_cycle_with_a_tail() {
        // 0→1→2→0 is a cycle (one-way); 2→3 a tail; 4 isolated.
        let one_way = |a, b| Segment {
            a,
            b,
            length_m: 1.0,
            class: RoadClass::Residential,
            time_ab: [1.0; 4],
            time_ba: [f32::INFINITY; 4],
        };
        let segments = vec![one_way(0, 1), one_way(1, 2), one_way(2, 0), one_way(2, 3)];
        let mut c = largest_scc(&segments, Mode::Car, 5);
        c.sort_unstable();
        assert_eq!(c, vec![0, 1, 2]);
    }
}
