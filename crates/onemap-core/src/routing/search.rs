//! The one Dijkstra: where a search starts on a snapped position ([`seeds`]), the search
//! itself ([`Search`]: multi-source, bounded, reusable, settled one node at a time or run to a
//! limit, with predecessors when asked), and where it ends on a point ([`time_to_point`]).
//! Every search in OneMap (isochrones, coverage, placement, dispatch, routes) is this one.
//!
//! Chains are contracted ([`super::chains`]): settling a junction walks each chain it may set
//! out along, step by step, writing each vertex's cost, and only the junction that ends the
//! chain goes on the heap (or, when it has exactly one way on for the mode besides the way
//! back, the walk goes on through it). Every cost is the same sum in the same order as a
//! vertex-by-vertex Dijkstra would form, so costs, and the reached sets, are bit-for-bit those
//! of the plain search; a vertex inside a chain is final once the heap's next key is above it
//! ([`Search::next_cost`]). A walk reads only the chain's arrays, in order, and `cost`.
//!
//! Cost: O(V + J log J) over the reached part of the network only, J the junctions reached; a
//! reused [`Search`] is reset in time proportional to what the previous search touched.
//! Units: seconds.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::chains::JunctionArcs;
use super::{Direction, Mode, RoadGraph, Snap};

/// A snapped position with a start delay (turnout time), the start of a search.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Origin {
    pub snap: Snap,
    pub delay_s: f32,
}

impl Origin {
    /// Where a search from (or, in reverse, to) this origin enters the node graph.
    pub fn seeds(
        &self,
        graph: &RoadGraph,
        mode: Mode,
        dir: Direction,
    ) -> impl Iterator<Item = (u32, f32)> + use<> {
        let delay = self.delay_s;
        seeds(graph, mode, dir, &self.snap).map(move |(v, t)| (v, t + delay))
    }
}

/// Where a search from a snapped position (forward) or to it (reverse) enters the node
/// graph: `(node, seconds)` for each end of its segment the mode may travel between, plus
/// the node itself when the position is exactly on one (every edge of that node is open,
/// whatever the segment's one-way rule).
pub fn seeds(
    graph: &RoadGraph,
    mode: Mode,
    dir: Direction,
    snap: &Snap,
) -> impl Iterator<Item = (u32, f32)> + use<> {
    let s = &graph.segments[snap.seg as usize];
    let m = mode.index();
    let f = snap.frac;
    let (ab, ba) = (s.time_ab[m], s.time_ba[m]);
    let on_node = if f <= 0.0 {
        Some((s.a, 0.0))
    } else if f >= 1.0 {
        Some((s.b, 0.0))
    } else {
        None
    };
    let (to_b, to_a) = match dir {
        // Travel from the point: along a→b to b, along b→a to a.
        Direction::Forward => (
            ab.is_finite().then_some((s.b, (1.0 - f) * ab)),
            ba.is_finite().then_some((s.a, f * ba)),
        ),
        // Travel to the point: from a along a→b, from b along b→a.
        Direction::Reverse => (
            ba.is_finite().then_some((s.b, (1.0 - f) * ba)),
            ab.is_finite().then_some((s.a, f * ab)),
        ),
    };
    [on_node, to_b, to_a].into_iter().flatten()
}

/// Seconds along one segment from `from` to `to` (fractions of it), infinite where the mode
/// may not travel that way.
pub fn along_s(graph: &RoadGraph, mode: Mode, seg: u32, from: f32, to: f32) -> f32 {
    let s = &graph.segments[seg as usize];
    let m = mode.index();
    if to == from {
        0.0
    } else if to > from {
        (to - from) * s.time_ab[m]
    } else {
        (from - to) * s.time_ba[m]
    }
}

/// Seconds between the origins of a search and the point `frac` along `seg`: from them in
/// [`Direction::Forward`], to them in reverse, given the node costs `cost` of that search
/// (origins on the same segment are reached directly). Exactly on a node, that node's cost.
pub fn time_to_point(
    graph: &RoadGraph,
    mode: Mode,
    dir: Direction,
    cost: &[f32],
    origins: &[Origin],
    seg: u32,
    frac: f32,
) -> f32 {
    let s = &graph.segments[seg as usize];
    let m = mode.index();
    let (ab, ba) = (s.time_ab[m], s.time_ba[m]);
    let (ca, cb) = (cost[s.a as usize], cost[s.b as usize]);
    let end = |on_node: bool, c: f32, t: f32, part: f32| {
        if on_node {
            c
        } else if t.is_finite() {
            c + part * t
        } else {
            f32::INFINITY
        }
    };
    let mut best = match dir {
        // Arrive along a→b from a, or along b→a from b.
        Direction::Forward => {
            end(frac <= 0.0, ca, ab, frac).min(end(frac >= 1.0, cb, ba, 1.0 - frac))
        }
        // Leave along a→b to b, or along b→a to a.
        Direction::Reverse => {
            end(frac >= 1.0, cb, ab, 1.0 - frac).min(end(frac <= 0.0, ca, ba, frac))
        }
    };
    for o in origins.iter().filter(|o| o.snap.seg == seg) {
        let t = match dir {
            Direction::Forward => along_s(graph, mode, seg, o.snap.frac, frac),
            Direction::Reverse => along_s(graph, mode, seg, frac, o.snap.frac),
        };
        best = best.min(o.delay_s + t);
    }
    best
}

/// A heap entry: the node and its key (its cost, plus the potential in a guided search).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Queued {
    pub(super) cost_s: f32,
    pub(super) node: u32,
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

/// No predecessor: a source, or not reached.
pub const NO_PARENT: u32 = u32::MAX;

/// What every step of one search's chain walks needs.
struct Walk<'g, P> {
    graph: &'g RoadGraph,
    /// [`Mode::index`].
    m: usize,
    reverse: bool,
    arcs: &'g JunctionArcs,
    limit_s: f32,
    potential: &'g P,
}

/// A reusable multi-source Dijkstra.
#[derive(Clone, Debug, Default)]
pub struct Search {
    /// Seconds from the nearest source to every node reached; infinite elsewhere. Final for
    /// every node below [`Search::next_cost`], and for all of them once the search is done.
    pub cost: Vec<f32>,
    /// Nodes taken off the heap so far (junctions and sources), cheapest first.
    pub settled: Vec<u32>,
    /// The node each reached node was reached from ([`NO_PARENT`] for sources), when the
    /// search was made [`Search::with_parents`].
    pub parent: Vec<u32>,
    /// Every node reached (finite cost), once each, in the order first reached.
    touched: Vec<u32>,
    /// Nodes whose cost the last [`Search::settle`] lowered.
    written: Vec<u32>,
    heap: BinaryHeap<Queued>,
}

impl Search {
    pub fn new(graph: &RoadGraph) -> Self {
        Self {
            cost: vec![f32::INFINITY; graph.node_count()],
            ..Self::default()
        }
    }

    /// A search that also records predecessors (for paths).
    pub fn with_parents(graph: &RoadGraph) -> Self {
        Self {
            cost: vec![f32::INFINITY; graph.node_count()],
            parent: vec![NO_PARENT; graph.node_count()],
            ..Self::default()
        }
    }

    /// Begin a search from `sources` (`(node, start cost)`), forgetting the previous one.
    /// Sources above `limit_s` are ignored.
    pub fn start(
        &mut self,
        graph: &RoadGraph,
        sources: impl IntoIterator<Item = (u32, f32)>,
        limit_s: f32,
    ) {
        let n = graph.node_count();
        let parents = !self.parent.is_empty();
        if self.cost.len() != n {
            self.cost = vec![f32::INFINITY; n];
            if parents {
                self.parent = vec![NO_PARENT; n];
            }
            self.touched.clear();
        }
        for &v in &self.touched {
            self.cost[v as usize] = f32::INFINITY;
            if parents {
                self.parent[v as usize] = NO_PARENT;
            }
        }
        self.touched.clear();
        self.settled.clear();
        self.written.clear();
        self.heap.clear();
        for (node, start) in sources {
            let i = node as usize;
            if i < n && start <= limit_s && start < self.cost[i] {
                if self.cost[i].is_infinite() {
                    self.touched.push(node);
                }
                self.cost[i] = start;
                self.heap.push(Queued {
                    cost_s: start,
                    node,
                });
            }
        }
    }

    /// The cost of the next node to be settled (infinite when none is left): every cost
    /// below this is final.
    pub fn next_cost(&mut self) -> f32 {
        self.next_key(|_| 0.0)
    }

    /// The key of the next node to be settled in a search ordered by cost plus `potential`
    /// (infinite when none is left); stale heap entries are dropped on the way.
    fn next_key(&mut self, potential: impl Fn(u32) -> f32) -> f32 {
        while let Some(q) = self.heap.peek() {
            if q.cost_s > self.cost[q.node as usize] + potential(q.node) {
                self.heap.pop();
                continue;
            }
            return q.cost_s;
        }
        f32::INFINITY
    }

    /// The nodes reached so far (finite cost), each once, in the order first reached. After
    /// [`Search::run`], exactly the nodes within its limit.
    pub fn reached(&self) -> &[u32] {
        &self.touched
    }

    /// The nodes whose cost the last [`Search::settle`] lowered (the settled node's chains),
    /// in the order written; a node may be lowered again later, until it is final.
    pub fn written(&self) -> &[u32] {
        &self.written
    }

    /// Settle nodes in order of cost plus `potential` (as [`Search::settle_guided`]) until
    /// every node of `targets` is final, or nothing is left; whether they all were reached.
    pub fn settle_until_final(
        &mut self,
        graph: &RoadGraph,
        mode: Mode,
        dir: Direction,
        limit_s: f32,
        potential: impl Fn(u32) -> f32,
        targets: &[u32],
    ) -> bool {
        loop {
            let key = self.next_key(&potential);
            if targets.iter().all(|&t| self.cost[t as usize] <= key) {
                return true;
            }
            if key.is_infinite() {
                return false;
            }
            self.settle_loop::<false>(graph, mode, dir, limit_s, &potential, |_, _| false);
        }
    }

    /// Settle nodes in order of cost plus `potential` (a consistent lower bound on the time
    /// to the target) until `done(cost, key)` says so, given the costs so far and the next
    /// key (every path not yet found costs at least that), or nothing is left.
    pub fn settle_until(
        &mut self,
        graph: &RoadGraph,
        mode: Mode,
        dir: Direction,
        potential: impl Fn(u32) -> f32,
        mut done: impl FnMut(&[f32], f32) -> bool,
    ) {
        loop {
            let key = self.next_key(&potential);
            if key.is_infinite() || done(&self.cost, key) {
                return;
            }
            self.settle_loop::<false>(graph, mode, dir, f32::INFINITY, &potential, |_, _| false);
        }
    }

    /// Settle the cheapest node and relax its edges up to `limit_s`; `None` when done.
    pub fn settle(
        &mut self,
        graph: &RoadGraph,
        mode: Mode,
        dir: Direction,
        limit_s: f32,
    ) -> Option<(u32, f32)> {
        self.written.clear();
        self.settle_loop::<true>(graph, mode, dir, limit_s, |_| 0.0, |_, _| false)
    }

    /// [`Self::settle`] ordered by cost plus `potential(node)`, a lower bound on the time
    /// from the node to a target (A*; with a consistent bound every settled node is final).
    /// A zero potential is plain Dijkstra.
    pub fn settle_guided(
        &mut self,
        graph: &RoadGraph,
        mode: Mode,
        dir: Direction,
        limit_s: f32,
        potential: impl Fn(u32) -> f32,
    ) -> Option<(u32, f32)> {
        self.settle_while(graph, mode, dir, limit_s, potential, |_, _| false)
    }

    /// The loop itself: settle nodes in order of cost plus `potential`, relaxing their edges
    /// up to `limit_s`, while `go_on(node, cost)` says so; the node it stopped at, or `None`
    /// when nothing is left.
    #[inline]
    pub fn settle_while(
        &mut self,
        graph: &RoadGraph,
        mode: Mode,
        dir: Direction,
        limit_s: f32,
        potential: impl Fn(u32) -> f32,
        go_on: impl FnMut(u32, f32) -> bool,
    ) -> Option<(u32, f32)> {
        self.settle_loop::<false>(graph, mode, dir, limit_s, potential, go_on)
    }

    /// [`Self::settle_while`], recording the nodes written in [`Self::written`] when
    /// `RECORD`.
    #[inline]
    fn settle_loop<const RECORD: bool>(
        &mut self,
        graph: &RoadGraph,
        mode: Mode,
        dir: Direction,
        limit_s: f32,
        potential: impl Fn(u32) -> f32,
        mut go_on: impl FnMut(u32, f32) -> bool,
    ) -> Option<(u32, f32)> {
        let walk = Walk {
            graph,
            m: mode.index(),
            reverse: dir == Direction::Reverse,
            arcs: &graph.arcs[mode.index()][dir as usize],
            limit_s,
            potential: &potential,
        };
        while let Some(Queued { cost_s: key, node }) = self.heap.pop() {
            let cost_s = self.cost[node as usize];
            if key > cost_s + potential(node) {
                continue;
            }
            self.settled.push(node);
            let chains = &graph.chains;
            if chains.is_junction(node) {
                for &arc in walk.arcs.of(node) {
                    self.walk::<RECORD, _>(&walk, cost_s, (arc >> 1) as usize, arc & 1 != 0);
                }
            } else {
                // A source inside a chain: on towards both ends.
                let i = chains.entry_of(node);
                self.walk::<RECORD, _>(&walk, cost_s, i, false);
                self.walk::<RECORD, _>(&walk, cost_s, i, true);
            }
            if !go_on(node, cost_s) {
                return Some((node, cost_s));
            }
        }
        None
    }

    /// Walk a chain from its entry `i` in [`super::chains::Chains::seq`] (cost `cost_s`)
    /// towards its end, or its start when `back`, relaxing each step while it lowers the cost
    /// of the node it reaches within the limit: the same sums, in the same order, as settling
    /// each node in turn (the step back from a node reached cannot lower anything, times being
    /// non-negative). The chain ends at a junction: with exactly one way on for this mode
    /// besides the chain back, the walk goes on along it; with none it stops there; with more
    /// the junction goes on the heap. (Parallel chains back to the same node count as ways
    /// on: the junction is settled, which is exact too.)
    #[inline(always)]
    fn walk<const RECORD: bool, P: Fn(u32) -> f32>(
        &mut self,
        w: &Walk<'_, P>,
        cost_s: f32,
        mut i: usize,
        mut back: bool,
    ) {
        let parents = !self.parent.is_empty();
        let mut cost = cost_s;
        loop {
            let walked = match (back, parents) {
                (false, false) => self.steps::<false, false, RECORD, _>(w, i, cost),
                (false, true) => self.steps::<false, true, RECORD, _>(w, i, cost),
                (true, false) => self.steps::<true, false, RECORD, _>(w, i, cost),
                (true, true) => self.steps::<true, true, RECORD, _>(w, i, cost),
            };
            let Some((end, end_cost)) = walked else {
                return;
            };
            cost = end_cost;
            let junction = w.graph.chains.seq[end];
            let came_back = (end as u32) << 1 | u32::from(!back);
            let mut ways = w.arcs.of(junction).iter().filter(|&&arc| arc != came_back);
            match (ways.next(), ways.next()) {
                (None, _) => return,
                (Some(&arc), None) => (i, back) = ((arc >> 1) as usize, arc & 1 != 0),
                _ => {
                    self.heap.push(Queued {
                        cost_s: cost + (w.potential)(junction),
                        node: junction,
                    });
                    return;
                }
            }
        }
    }

    /// The steps of one chain from entry `i` (towards its start when `BACK`) with `cost`, up to
    /// the junction that ends it: that junction's entry and its cost, or `None` if a step
    /// lowered nothing.
    #[inline(always)]
    fn steps<const BACK: bool, const PARENTS: bool, const RECORD: bool, P: Fn(u32) -> f32>(
        &mut self,
        w: &Walk<'_, P>,
        mut i: usize,
        mut cost: f32,
    ) -> Option<(usize, f32)> {
        let c = &w.graph.chains;
        let times = &c.time[w.m];
        // Forward: the time of travelling the way walked; reverse: of the opposite travel.
        let which = usize::from(BACK != w.reverse);
        let mut at = c.seq[i];
        loop {
            // The step between entries i and i ± 1 is kept beside the later one.
            let (next_i, k) = if BACK { (i - 1, i) } else { (i + 1, i + 1) };
            let to = c.seq[next_i];
            let next = cost + times[k][which];
            let old = self.cost[to as usize];
            if !(next <= w.limit_s && next < old) {
                return None;
            }
            if old.is_infinite() {
                self.touched.push(to);
            }
            self.cost[to as usize] = next;
            if PARENTS {
                self.parent[to as usize] = at;
            }
            if RECORD {
                self.written.push(to);
            }
            (i, at, cost) = (next_i, to, next);
            if c.is_junction(to) {
                return Some((i, cost));
            }
        }
    }

    /// Run from `sources` up to `limit_s` seconds.
    pub fn run(
        &mut self,
        graph: &RoadGraph,
        mode: Mode,
        dir: Direction,
        sources: &[(u32, f32)],
        limit_s: f32,
    ) {
        self.start(graph, sources.iter().copied(), limit_s);
        self.settle_while(graph, mode, dir, limit_s, |_| 0.0, |_, _| true);
    }

    /// The nodes from a source to `node`, in order (needs [`Search::with_parents`]).
    pub fn path_to(&self, node: u32) -> Vec<u32> {
        let mut path = vec![node];
        let mut at = node;
        while let Some(&p) = self.parent.get(at as usize)
            && p != NO_PARENT
        {
            at = p;
            path.push(at);
        }
        path.reverse();
        path
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coord::LonLat;
    use crate::osm::{Oneway, RoadClass};
    use crate::routing::tests::{STEP, graph, node_at, road};
    use crate::routing::{MAX_SNAP_M, SnapError};

    const FWD: Direction = Direction::Forward;

    #[test]
    fn limit_multi_source_start_costs_and_reverse() {
        // A straight one-way street of 5 segments (points 0..=5), 111.2 m each, residential.
        let pts: Vec<(f64, f64)> = (0..6).map(|i| (13.0, 53.0 + STEP * i as f64)).collect();
        let g = graph(vec![road(RoadClass::Residential, Oneway::Forward, &pts)]);
        // The graph's numbers for the points, in order along the street.
        let v: Vec<u32> = pts.iter().map(|&(x, y)| node_at(&g, x, y)).collect();
        let at = |cost: &[f32], i: usize| cost[v[i] as usize];
        let within_30 = bounded_dijkstra(&g, Mode::Car, FWD, &[(v[0], 0.0)], 30.0);
        let reached: Vec<usize> = (0..6).filter(|&i| at(&within_30, i).is_finite()).collect();
        assert_eq!(reached, vec![0, 1, 2], "13.3 s per segment, 26.7 s for two");
        // Two sources; the second starts 20 s late (turnout delay).
        let both = bounded_dijkstra(&g, Mode::Car, FWD, &[(v[0], 0.0), (v[3], 20.0)], 600.0);
        assert!((at(&both, 3) - 20.0).abs() < 1e-3);
        assert!((at(&both, 4) - 33.34).abs() < 0.05, "{}", at(&both, 4));
        // Reverse: who reaches point 5? Everyone upstream; travel times mirror.
        let rev = bounded_dijkstra(&g, Mode::Car, Direction::Reverse, &[(v[5], 0.0)], 600.0);
        assert!((at(&rev, 0) - 66.7).abs() < 0.2, "{}", at(&rev, 0));
        let forward_from_0 = bounded_dijkstra(&g, Mode::Car, FWD, &[(v[0], 0.0)], 600.0);
        assert!((at(&rev, 0) - at(&forward_from_0, 5)).abs() < 1e-3);
        // A reused search gives the same answers as fresh ones.
        let mut s = Search::new(&g);
        s.run(&g, Mode::Car, FWD, &[(v[0], 0.0)], 600.0);
        s.run(&g, Mode::Car, FWD, &[(v[3], 0.0)], 600.0);
        assert!(at(&s.cost, 0).is_infinite() && at(&s.cost, 2).is_infinite());
        assert_eq!(s.reached(), [v[3], v[4], v[5]]);
        // Points 1 to 4 are the inside of one chain, and 5 a dead end: only the source goes
        // on the heap.
        assert_eq!(s.settled, vec![v[3]]);
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
        let src: Vec<(u32, f32)> = origin.seeds(&g, Mode::Car, FWD).collect();
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
            &at_node.seeds(&g, Mode::Car, FWD).collect::<Vec<_>>(),
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
    fn time_to_a_point_exactly_on_a_node_is_the_node_s_cost() {
        // A one-way street 0→1; a point exactly on node 0 is reached when node 0 is, even
        // though the segment cannot be driven from 1 to 0.
        let g = graph(vec![road(
            RoadClass::Residential,
            Oneway::Forward,
            &[(13.0, 53.0), (13.0, 53.0 + STEP)],
        )]);
        let cost = vec![7.0, f32::INFINITY];
        let t = time_to_point(&g, Mode::Car, FWD, &cost, &[], 0, 0.0);
        assert_eq!(t, 7.0);
        let t = time_to_point(&g, Mode::Car, FWD, &cost, &[], 0, 0.5);
        assert!((t - (7.0 + 0.5 * 13.34)).abs() < 0.05, "{t}");
        // Reverse: from the middle to node 1 takes half the segment.
        let cost = vec![f32::INFINITY, 2.0];
        let t = time_to_point(&g, Mode::Car, Direction::Reverse, &cost, &[], 0, 0.5);
        assert!((t - (2.0 + 0.5 * 13.34)).abs() < 0.05, "{t}");
    }
}

#[cfg(test)]
mod chain_tests {
    //! The chain-walking search against a plain vertex-by-vertex Dijkstra on random graphs
    //! with long chains, one-way and mode-barred segments, parallel segments and loops.
    use super::*;
    use crate::coord::LonLat;
    use crate::osm::RoadClass;
    use crate::routing::Segment;

    /// The textbook search: every reached vertex through the heap.
    fn plain(
        graph: &RoadGraph,
        mode: Mode,
        dir: Direction,
        sources: &[(u32, f32)],
        limit: f32,
    ) -> Vec<f32> {
        let mut cost = vec![f32::INFINITY; graph.node_count()];
        let mut heap = BinaryHeap::new();
        for &(v, c) in sources {
            if c <= limit && c < cost[v as usize] {
                cost[v as usize] = c;
                heap.push(Queued { cost_s: c, node: v });
            }
        }
        while let Some(Queued { cost_s, node }) = heap.pop() {
            if cost_s > cost[node as usize] {
                continue;
            }
            for (head, t, _) in graph.out_edges(mode, dir, node) {
                let next = cost_s + t;
                if next <= limit && next < cost[head as usize] {
                    cost[head as usize] = next;
                    heap.push(Queued {
                        cost_s: next,
                        node: head,
                    });
                }
            }
        }
        cost
    }

    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u32 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (self.0 >> 33) as u32
        }
        fn below(&mut self, n: u32) -> u32 {
            self.next() % n
        }
        fn time(&mut self) -> f32 {
            match self.below(10) {
                0 => f32::INFINITY,
                1 => 0.0,
                _ => (self.below(10_000) as f32 + 1.0) / 37.0,
            }
        }
    }

    fn random_graph(rng: &mut Lcg) -> RoadGraph {
        let n = 20 + rng.below(200);
        let nodes: Vec<LonLat> = (0..n)
            .map(|i| LonLat::new(13.0 + f64::from(i) * 1e-4, 53.0))
            .collect();
        let mut segments = Vec::new();
        let mut v = 0;
        // Chains of random length between random junctions, plus stray extras.
        while v + 1 < n {
            let len = 1 + rng.below(12);
            let start = rng.below(v + 1);
            let mut prev = start;
            for _ in 0..len {
                v += 1;
                if v >= n {
                    break;
                }
                segments.push((prev, v));
                prev = v;
            }
            if rng.below(2) == 0 {
                segments.push((prev, rng.below(n)));
            }
        }
        for _ in 0..rng.below(6) {
            let a = rng.below(n);
            segments.push((a, if rng.below(3) == 0 { a } else { rng.below(n) }));
        }
        let segments = segments
            .into_iter()
            .map(|(a, b)| Segment {
                a,
                b,
                length_m: 10.0,
                class: RoadClass::Residential,
                time_ab: [rng.time(), rng.time(), rng.time(), rng.time()],
                time_ba: [rng.time(), rng.time(), rng.time(), rng.time()],
            })
            .collect();
        RoadGraph::from_segments(nodes, segments)
    }

    #[test]
    fn chain_walks_give_the_plain_search_s_costs_bit_for_bit() {
        let mut rng = Lcg(7);
        let mut junction_share = Vec::new();
        for _ in 0..300 {
            let g = random_graph(&mut rng);
            let n = g.node_count() as u32;
            junction_share.push(g.junction_count() as f64 / f64::from(n));
            let mut search = Search::with_parents(&g);
            for _ in 0..6 {
                let mode = Mode::ALL[rng.below(4) as usize];
                let dir = [Direction::Forward, Direction::Reverse][rng.below(2) as usize];
                let sources: Vec<(u32, f32)> = (0..1 + rng.below(3))
                    .map(|_| (rng.below(n), rng.below(50) as f32 / 3.0))
                    .collect();
                let limit = [f32::INFINITY, 40.0, 150.0][rng.below(3) as usize];
                search.run(&g, mode, dir, &sources, limit);
                let want = plain(&g, mode, dir, &sources, limit);
                let bits = |c: &[f32]| c.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(
                    bits(&search.cost),
                    bits(&want),
                    "{mode:?} {dir:?} {sources:?}"
                );
                let mut reached = search.reached().to_vec();
                reached.sort_unstable();
                let finite: Vec<u32> = (0..n).filter(|&v| want[v as usize].is_finite()).collect();
                assert_eq!(reached, finite);
                // Every parent link is an edge that gives the node its cost.
                for &v in &reached {
                    let p = search.parent[v as usize];
                    if p != NO_PARENT {
                        let t = g
                            .out_edges(mode, dir, p)
                            .filter(|e| e.0 == v)
                            .map(|e| want[p as usize] + e.1)
                            .fold(f32::INFINITY, f32::min);
                        assert_eq!(t.to_bits(), want[v as usize].to_bits());
                    }
                }
            }
        }
        let mean = junction_share.iter().sum::<f64>() / junction_share.len() as f64;
        assert!(mean < 0.6, "the graphs have chains to walk: {mean}");
    }
}
