//! The road network as a directed graph with travel times per mode, snapping, and bounded
//! Dijkstra; isochrones, coverage and post placement on top of it.
//!
//! Every OSM road vertex is a node and every stretch between two vertices a [`Segment`] with a
//! travel time per mode and direction ([`Speeds`]: the road class's speed, capped by `maxspeed`
//! for vehicles; one-way rules bind vehicles and cyclists, not people on foot; `access=private`
//! keeps vehicles out). For each mode the graph keeps a compact forward and reverse adjacency
//! (CSR) of the edges the mode may use, and marks the largest strongly connected component:
//! points snap only to roads in it, so an origin on a disconnected island or a private estate is
//! snapped to where a unit can actually come from and go back to.
//!
//! Positions start part-way along a segment ([`Snap::frac`]); [`Search::run`] is a multi-source
//! Dijkstra with a start cost per source (turnout delay plus the part of the segment to travel)
//! that stops at a time limit, so its cost is O((V + E) log V) over the reached part of the
//! network only. Units: metres, seconds, km/h.

pub mod coverage;
pub mod dispatch;
pub mod isochrone;
pub mod mclp;
mod speeds;

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use rstar::RTree;
use rstar::primitives::{GeomWithData, Line};

pub use speeds::{Speeds, SpeedsError, default_speed_kmh};

use crate::coord::{BBox, LonLat, haversine_m};
use crate::osm::{Oneway, OsmData, Road, RoadClass};
use crate::spatial::LocalProjection;

/// How a unit travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Car,
    Motorbike,
    /// E-bikes and volunteer bicycle patrols.
    EBike,
    Foot,
}

impl Mode {
    pub const ALL: [Mode; 4] = [Mode::Car, Mode::Motorbike, Mode::EBike, Mode::Foot];

    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether one-way streets bind this mode.
    pub fn obeys_oneway(self) -> bool {
        self != Mode::Foot
    }

    pub fn name(self) -> &'static str {
        match self {
            Mode::Car => "car",
            Mode::Motorbike => "motorbike",
            Mode::EBike => "ebike",
            Mode::Foot => "foot",
        }
    }

    pub fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// Which way a search runs: from the origins outwards, or towards them ("who can reach this
/// point within T").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Forward,
    Reverse,
}

/// A straight stretch of road between two nodes.
#[derive(Clone, Copy, Debug, PartialEq)]
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
#[derive(Clone, Debug, Default)]
struct Csr {
    first_out: Vec<u32>,
    head: Vec<u32>,
    time_s: Vec<f32>,
    seg: Vec<u32>,
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

    fn range(&self, node: u32) -> std::ops::Range<usize> {
        self.first_out[node as usize] as usize..self.first_out[node as usize + 1] as usize
    }
}

/// Where a point meets the network: part-way along a segment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Snap {
    pub seg: u32,
    /// Position along the segment from `a` (0) to `b` (1).
    pub frac: f32,
    /// The snapped point on the road.
    pub point: LonLat,
    /// Distance from the asked point to the road, metres.
    pub dist_m: f32,
}

/// Why a point could not be put on the network.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SnapError {
    #[error("the point {0} is outside the road data")]
    OutsideData(LonLat),
    #[error("no {mode} road within {max_m:.0} m of {at} (in a lake, a field or a forest?)")]
    NoRoadNear {
        at: LonLat,
        mode: &'static str,
        max_m: f64,
    },
    #[error(
        "the nearest {mode} road to {at} ({near_m:.0} m away) is not connected to the city's \
         network, and no connected road is within {max_m:.0} m"
    )]
    Disconnected {
        at: LonLat,
        mode: &'static str,
        near_m: f64,
        max_m: f64,
    },
}

/// Default snapping radius: a post or a unit farther than this from any road is an error.
pub const MAX_SNAP_M: f64 = 300.0;

/// A directed road graph with travel times per mode, in both directions.
#[derive(Clone, Debug)]
pub struct RoadGraph {
    pub nodes: Vec<LonLat>,
    pub segments: Vec<Segment>,
    pub proj: LocalProjection,
    bounds: BBox,
    /// `[mode][Forward, Reverse]`
    csr: [[Csr; 2]; 4],
    /// Per node, bit `mode` set if in that mode's largest strongly connected component.
    main: Vec<u8>,
    seg_tree: RTree<GeomWithData<Line<[f64; 2]>, u32>>,
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
        Self {
            nodes,
            segments,
            proj,
            bounds,
            csr,
            main,
            seg_tree,
        }
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

    /// Put `p` on the nearest road of `mode`'s main component within `max_m` metres.
    pub fn snap(&self, p: LonLat, mode: Mode, max_m: f64) -> Result<Snap, SnapError> {
        let pad = max_m / 111_000.0 * 2.0;
        let b = self.bounds;
        if !p.is_valid()
            || self.segments.is_empty()
            || p.lon < b.min.lon - pad
            || p.lon > b.max.lon + pad
            || p.lat < b.min.lat - pad
            || p.lat > b.max.lat + pad
        {
            return Err(SnapError::OutsideData(p));
        }
        let q = self.proj.to_m(p);
        let mut nearest_other: Option<f64> = None;
        for item in self.seg_tree.nearest_neighbor_iter_with_distance_2(&q) {
            let (line, d2) = item;
            let d = d2.sqrt();
            if d > max_m {
                break;
            }
            let seg = line.data;
            if !self.segments[seg as usize].usable_by(mode) {
                continue;
            }
            if !self.snappable(mode, seg) {
                nearest_other.get_or_insert(d);
                continue;
            }
            let (a, b) = (line.geom().from, line.geom().to);
            let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
            let len2 = dx * dx + dy * dy;
            let t = if len2 == 0.0 {
                0.0
            } else {
                (((q[0] - a[0]) * dx + (q[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
            };
            let frac = t as f32;
            return Ok(Snap {
                seg,
                frac,
                point: self.point_on(seg, frac),
                dist_m: d as f32,
            });
        }
        Err(match nearest_other {
            Some(near_m) => SnapError::Disconnected {
                at: p,
                mode: mode.name(),
                near_m,
                max_m,
            },
            None => SnapError::NoRoadNear {
                at: p,
                mode: mode.name(),
                max_m,
            },
        })
    }

    /// Entry points of a search from (or, in reverse, to) a snapped position: `(node, cost)`.
    pub fn sources(&self, mode: Mode, dir: Direction, origin: &Origin) -> Vec<(u32, f32)> {
        let s = &self.segments[origin.snap.seg as usize];
        let m = mode.index();
        let f = origin.snap.frac;
        let mut out = Vec::with_capacity(3);
        let (ab, ba) = (s.time_ab[m], s.time_ba[m]);
        // Exactly on a node: every edge of that node is open, whatever the segment's one-way.
        if f <= 0.0 {
            out.push((s.a, origin.delay_s));
        } else if f >= 1.0 {
            out.push((s.b, origin.delay_s));
        }
        match dir {
            Direction::Forward => {
                if ab.is_finite() {
                    out.push((s.b, origin.delay_s + (1.0 - f) * ab));
                }
                if ba.is_finite() {
                    out.push((s.a, origin.delay_s + f * ba));
                }
            }
            Direction::Reverse => {
                if ab.is_finite() {
                    out.push((s.a, origin.delay_s + f * ab));
                }
                if ba.is_finite() {
                    out.push((s.b, origin.delay_s + (1.0 - f) * ba));
                }
            }
        }
        out
    }

    /// Seconds between the origins and the point `frac` along `seg` (from them in
    /// [`Direction::Forward`], to them in reverse), given the node costs of a search from them.
    pub fn time_to_point(
        &self,
        mode: Mode,
        dir: Direction,
        cost: &[f32],
        origins: &[Origin],
        seg: u32,
        frac: f32,
    ) -> f32 {
        let s = &self.segments[seg as usize];
        let m = mode.index();
        let (ab, ba) = (s.time_ab[m], s.time_ba[m]);
        let (ca, cb) = (cost[s.a as usize], cost[s.b as usize]);
        let mut best = match dir {
            // Arrive along a→b from a, or along b→a from b.
            Direction::Forward => (ca + frac * ab).min(cb + (1.0 - frac) * ba),
            // Leave along a→b to b, or along b→a to a.
            Direction::Reverse => (cb + (1.0 - frac) * ab).min(ca + frac * ba),
        };
        for o in origins.iter().filter(|o| o.snap.seg == seg) {
            let f0 = o.snap.frac;
            // Forward: the origin travels to the point; reverse: the point travels to it.
            let (from, to) = match dir {
                Direction::Forward => (f0, frac),
                Direction::Reverse => (frac, f0),
            };
            let along = if to >= from {
                (to - from) * ab
            } else {
                (from - to) * ba
            };
            best = best.min(o.delay_s + along);
        }
        best
    }
}

/// A snapped position with a start delay (turnout time), the start of a search.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Origin {
    pub snap: Snap,
    pub delay_s: f32,
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

#[derive(Clone, Copy, Debug, PartialEq)]
struct Queued {
    cost_s: f32,
    node: u32,
}

impl Eq for Queued {}

impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        // Min-heap on cost, ties by node for determinism.
        other
            .cost_s
            .total_cmp(&self.cost_s)
            .then_with(|| other.node.cmp(&self.node))
    }
}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A reusable bounded Dijkstra: buffers sized to the graph once, reset in time proportional to
/// what the previous search touched.
#[derive(Clone, Debug, Default)]
pub struct Search {
    /// Seconds from the nearest source to every node reached within the limit; infinite
    /// elsewhere.
    pub cost: Vec<f32>,
    /// Nodes reached within the limit, in the order they were settled (cheapest first).
    pub settled: Vec<u32>,
    touched: Vec<u32>,
    heap: BinaryHeap<Queued>,
}

impl Search {
    pub fn new(graph: &RoadGraph) -> Self {
        Self {
            cost: vec![f32::INFINITY; graph.node_count()],
            ..Self::default()
        }
    }

    /// Run from `sources` (`(node, start cost)`) up to `limit_s` seconds.
    pub fn run(
        &mut self,
        graph: &RoadGraph,
        mode: Mode,
        dir: Direction,
        sources: &[(u32, f32)],
        limit_s: f32,
    ) {
        if self.cost.len() != graph.node_count() {
            self.cost = vec![f32::INFINITY; graph.node_count()];
            self.touched.clear();
        }
        for &v in &self.touched {
            self.cost[v as usize] = f32::INFINITY;
        }
        self.touched.clear();
        self.settled.clear();
        self.heap.clear();
        for &(node, start) in sources {
            if (node as usize) < self.cost.len()
                && start <= limit_s
                && start < self.cost[node as usize]
            {
                if self.cost[node as usize].is_infinite() {
                    self.touched.push(node);
                }
                self.cost[node as usize] = start;
                self.heap.push(Queued {
                    cost_s: start,
                    node,
                });
            }
        }
        let csr = &graph.csr[mode.index()][dir as usize];
        while let Some(Queued { cost_s, node }) = self.heap.pop() {
            if cost_s > self.cost[node as usize] {
                continue;
            }
            self.settled.push(node);
            for i in csr.range(node) {
                let head = csr.head[i];
                let next = cost_s + csr.time_s[i];
                let old = self.cost[head as usize];
                if next <= limit_s && next < old {
                    if old.is_infinite() {
                        self.touched.push(head);
                    }
                    self.cost[head as usize] = next;
                    self.heap.push(Queued {
                        cost_s: next,
                        node: head,
                    });
                }
            }
        }
    }
}

/// Travel time in seconds from the nearest source to every node reachable within `limit_s`
/// (infinite elsewhere). `sources` are `(node, start_cost_s)`. One-off convenience over
/// [`Search`].
pub fn bounded_dijkstra(
    graph: &RoadGraph,
    mode: Mode,
    dir: Direction,
    sources: &[(u32, f32)],
    limit_s: f32,
) -> Vec<f32> {
    let mut search = Search::new(graph);
    search.run(graph, mode, dir, sources, limit_s);
    search.cost
}

/// The fastest path from `from` to `to` for `mode`: the nodes in order and the seconds it
/// takes; `None` if `to` cannot be reached. Plain Dijkstra with predecessors, stopping at `to`.
pub fn shortest_path(graph: &RoadGraph, mode: Mode, from: u32, to: u32) -> Option<(Vec<u32>, f32)> {
    let n = graph.node_count();
    if from as usize >= n || to as usize >= n {
        return None;
    }
    let mut cost = vec![f32::INFINITY; n];
    let mut parent = vec![u32::MAX; n];
    let mut heap = BinaryHeap::new();
    cost[from as usize] = 0.0;
    heap.push(Queued {
        cost_s: 0.0,
        node: from,
    });
    let csr = &graph.csr[mode.index()][Direction::Forward as usize];
    while let Some(Queued { cost_s, node }) = heap.pop() {
        if cost_s > cost[node as usize] {
            continue;
        }
        if node == to {
            let mut path = vec![to];
            let mut at = to;
            while at != from {
                at = parent[at as usize];
                path.push(at);
            }
            path.reverse();
            return Some((path, cost_s));
        }
        for i in csr.range(node) {
            let head = csr.head[i];
            let next = cost_s + csr.time_s[i];
            if next < cost[head as usize] {
                cost[head as usize] = next;
                parent[head as usize] = node;
                heap.push(Queued {
                    cost_s: next,
                    node: head,
                });
            }
        }
    }
    None
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
pub(crate) mod tests {
    use super::*;
    use crate::osm::Road;

    pub(crate) fn road(class: RoadClass, oneway: Oneway, points: &[(f64, f64)]) -> Road {
        Road {
            osm_id: 1,
            class,
            is_link: false,
            name: None,
            reference: None,
            oneway,
            maxspeed_kmh: None,
            is_restricted: false,
            points: points
                .iter()
                .map(|&(lon, lat)| LonLat::new(lon, lat))
                .collect(),
        }
    }

    pub(crate) fn graph(roads: Vec<Road>) -> RoadGraph {
        RoadGraph::build(
            &OsmData {
                roads,
                ..OsmData::default()
            },
            &Speeds::default(),
        )
    }

    /// 0.001° of latitude is 111.2 m.
    pub(crate) const STEP: f64 = 0.001;

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
    fn limit_multi_source_start_costs_and_reverse() {
        // A straight one-way street of 5 segments (nodes 0..=5), 111.2 m each, residential.
        let pts: Vec<(f64, f64)> = (0..6).map(|i| (13.0, 53.0 + STEP * i as f64)).collect();
        let g = graph(vec![road(RoadClass::Residential, Oneway::Forward, &pts)]);
        let within_30 = bounded_dijkstra(&g, Mode::Car, FWD, &[(0, 0.0)], 30.0);
        let reached: Vec<usize> = (0..6).filter(|&i| within_30[i].is_finite()).collect();
        assert_eq!(reached, vec![0, 1, 2], "13.3 s per segment, 26.7 s for two");
        // Two sources; the second starts 20 s late (turnout delay).
        let both = bounded_dijkstra(&g, Mode::Car, FWD, &[(0, 0.0), (3, 20.0)], 600.0);
        assert!((both[3] - 20.0).abs() < 1e-3);
        assert!((both[4] - 33.34).abs() < 0.05, "{}", both[4]);
        // Reverse: who reaches node 5? Everyone upstream; travel times mirror.
        let rev = bounded_dijkstra(&g, Mode::Car, Direction::Reverse, &[(5, 0.0)], 600.0);
        assert!((rev[0] - 66.7).abs() < 0.2, "{}", rev[0]);
        let forward_from_0 = bounded_dijkstra(&g, Mode::Car, FWD, &[(0, 0.0)], 600.0);
        assert!((rev[0] - forward_from_0[5]).abs() < 1e-3);
        // A reused search gives the same answers as fresh ones.
        let mut s = Search::new(&g);
        s.run(&g, Mode::Car, FWD, &[(0, 0.0)], 600.0);
        s.run(&g, Mode::Car, FWD, &[(3, 0.0)], 600.0);
        assert!(s.cost[0].is_infinite() && s.cost[2].is_infinite());
        assert_eq!(s.settled, vec![3, 4, 5]);
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
    fn snapping_partial_start_and_main_component() {
        // A two-way street (nodes 0..=2), plus a one-way spur 3→4 that cars can enter but
        // never leave: not in the car's main component.
        let g = graph(vec![
            road(
                RoadClass::Residential,
                Oneway::No,
                &[(13.0, 53.0), (13.0, 53.0 + STEP), (13.0, 53.0 + 2.0 * STEP)],
            ),
            road(
                RoadClass::Residential,
                Oneway::Forward,
                &[(13.0, 53.0 + STEP), (13.003, 53.0 + STEP)],
            ),
        ]);
        assert_eq!(g.main_count(Mode::Car), 3);
        assert_eq!(g.main_count(Mode::Foot), 4);
        // A point 20 m east of a quarter of the way up the first segment.
        let p = LonLat::new(13.0 + 20.0 / 67_000.0, 53.0 + STEP * 0.25);
        let snap = g.snap(p, Mode::Car, MAX_SNAP_M).unwrap();
        assert_eq!(snap.seg, 0);
        assert!((snap.frac - 0.25).abs() < 0.01, "{}", snap.frac);
        assert!((snap.dist_m - 20.0).abs() < 1.5, "{}", snap.dist_m);
        // Sources: 3/4 of the segment to node 1, 1/4 back to node 0.
        let origin = Origin { snap, delay_s: 5.0 };
        let src = g.sources(Mode::Car, FWD, &origin);
        assert_eq!(src.len(), 2);
        assert!((src[0].1 - (5.0 + 0.75 * 13.34)).abs() < 0.1, "{src:?}");
        assert!((src[1].1 - (5.0 + 0.25 * 13.34)).abs() < 0.1, "{src:?}");
        // Snapped exactly onto the junction at the spur's start: the spur is open too.
        let at_node = Origin {
            snap: Snap { frac: 1.0, ..snap },
            delay_s: 0.0,
        };
        let cost = bounded_dijkstra(
            &g,
            Mode::Car,
            FWD,
            &g.sources(Mode::Car, FWD, &at_node),
            600.0,
        );
        assert!(
            cost[3].is_finite(),
            "the one-way spur is reachable from its start node"
        );

        // Next to the spur's far end: cars snap to the main street instead; pedestrians to it.
        let spur_end = LonLat::new(13.003, 53.0 + STEP + 0.0001);
        let car = g.snap(spur_end, Mode::Car, 100.0);
        assert!(
            matches!(car, Err(SnapError::Disconnected { .. })),
            "{car:?}"
        );
        assert_eq!(g.snap(spur_end, Mode::Foot, 100.0).unwrap().seg, 2);
        assert_eq!(g.snap(spur_end, Mode::Car, MAX_SNAP_M).unwrap().seg, 1);
        assert!(matches!(
            g.snap(LonLat::new(14.0, 53.0), Mode::Car, MAX_SNAP_M),
            Err(SnapError::OutsideData(_))
        ));
        assert!(matches!(
            g.snap(
                LonLat::new(13.008, 53.0 - 2.0 * STEP),
                Mode::Car,
                MAX_SNAP_M
            ),
            Err(SnapError::NoRoadNear { .. })
        ));
    }

    #[test]
    fn shortest_path_follows_one_ways() {
        // A one-way street north (0→1→2) and a two-way detour east back to 0.
        let g = graph(vec![
            road(
                RoadClass::Residential,
                Oneway::Forward,
                &[(13.0, 53.0), (13.0, 53.0 + STEP), (13.0, 53.0 + 2.0 * STEP)],
            ),
            road(
                RoadClass::Residential,
                Oneway::No,
                &[
                    (13.0, 53.0 + 2.0 * STEP),
                    (13.002, 53.0 + 2.0 * STEP),
                    (13.002, 53.0),
                    (13.0, 53.0),
                ],
            ),
        ]);
        let (path, t) = shortest_path(&g, Mode::Car, 0, 2).unwrap();
        assert_eq!(path, vec![0, 1, 2]);
        assert!((t - 26.7).abs() < 0.1, "{t}");
        let (back, _) = shortest_path(&g, Mode::Car, 2, 0).unwrap();
        assert_eq!(
            back.len(),
            4,
            "round the detour, not against the one-way: {back:?}"
        );
        let (foot, _) = shortest_path(&g, Mode::Foot, 2, 0).unwrap();
        assert_eq!(foot, vec![2, 1, 0]);
        assert!(edge_time(&g, Mode::Car, 1, 0).is_none());
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
