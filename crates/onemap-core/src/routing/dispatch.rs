//! Dispatch: which units reach an incident first over the real roads, the chosen unit's
//! route, and what the city's coverage loses when a unit leaves (with the move-up that
//! restores the most).
//!
//! The recommendation is exact. One reverse search per travel mode grows from the incident
//! ("how long from here to the incident"); a unit's ETA is its turnout plus the time from its
//! snapped position, known for certain once the search radius passes it. The search stops as
//! soon as the `want` best units are certain and no unit still outside the radius could beat
//! them (its ETA is at least its turnout plus the radius); a mode is not searched at all when
//! the straight-line lower bound (distance ÷ the mode's fastest speed) of every one of its
//! units is already slower than the `want`-th best. A unit faster than one shown is never
//! omitted.
//!
//! Units are put on the road only when the search can reach them: a unit's raw position lies
//! within [`MAX_SNAP_M`] of wherever it snaps, so its straight-line bound is known unsnapped,
//! and it joins the search (snapped, its entry nodes offered their current costs) once the
//! radius passes that bound. With 10,000 units that have all moved, a ranking snaps the few
//! near the incident, not all of them. A unit that cannot be put on the road is reported
//! (`unplaced`) when the search reaches it; one the search never reaches is slower than those
//! shown either way.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

pub use super::impact::{BeatLoss, CoverSets, Impact, MoveUp, cover_sets, impact};
use super::search::along_s;
use super::{
    Direction, MAX_SNAP_M, Mode, Origin, RoadGraph, Search, Snap, SnapError, seeds, time_to_point,
};
use crate::coord::{LonLat, haversine_m};

/// A unit that could be sent: where it is, how it travels, how long it needs to set off.
#[derive(Clone, Debug, PartialEq)]
pub struct Responder {
    pub id: String,
    pub mode: Mode,
    pub turnout_s: f32,
    pub at: LonLat,
}

/// A unit whose ETA is known exactly.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ranked {
    /// Index into the responders.
    pub index: usize,
    pub eta_s: f32,
    pub travel_s: f32,
    /// Straight-line distance from its road position to the incident's, metres.
    pub straight_m: f64,
}

/// A unit not ranked because it provably cannot beat the last ranked one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounded {
    pub index: usize,
    /// Its ETA is at least this.
    pub at_least_s: f32,
}

/// A unit (or, for a whole mode, the incident) that cannot be put on the network.
#[derive(Clone, Debug, PartialEq)]
pub struct Unplaced {
    pub index: usize,
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recommendation {
    /// Fastest first; every unit not here is at least as slow as the last one.
    pub ranked: Vec<Ranked>,
    /// The other units with a lower bound on their ETA, ascending.
    pub rest: Vec<Bounded>,
    pub unplaced: Vec<Unplaced>,
    /// Nodes settled or written by the searches (the work done).
    pub settled: usize,
    /// The incident's position on each mode's network (`None`: that mode cannot get there).
    pub incident_snaps: [Option<Snap>; 4],
}

#[derive(Clone, Copy, Debug)]
struct Pending {
    travel_s: f32,
    index: usize,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Pending {}
impl Ord for Pending {
    fn cmp(&self, other: &Self) -> Ordering {
        // Min-heap on travel time.
        other
            .travel_s
            .total_cmp(&self.travel_s)
            .then_with(|| other.index.cmp(&self.index))
    }
}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The exact ETA of one unit by a full forward search from it: the brute force the fast
/// ranking is checked against.
pub fn eta_brute_force(
    graph: &RoadGraph,
    search: &mut Search,
    unit: &Snap,
    mode: Mode,
    turnout_s: f32,
    incident: &Snap,
) -> f32 {
    search.start(
        graph,
        seeds(graph, mode, Direction::Forward, unit),
        f32::INFINITY,
    );
    while search
        .settle(graph, mode, Direction::Forward, f32::INFINITY)
        .is_some()
    {}
    let origin = Origin {
        snap: *unit,
        delay_s: 0.0,
    };
    turnout_s
        + time_to_point(
            graph,
            mode,
            Direction::Forward,
            &search.cost,
            &[origin],
            incident.seg,
            incident.frac,
        )
}

/// Ranks responders for incidents; keeps its buffers and the units' road positions between
/// calls (a unit that has not moved is not snapped again).
pub struct Recommender {
    search: Search,
    /// Which units enter the graph at which node, for one mode's search.
    units_at: UnitsAt,
    /// Fastest speed of each mode anywhere on the network, m/s.
    vmax: [f64; 4],
    snaps: HashMap<String, (LonLat, Mode, Result<Snap, SnapError>)>,
}

impl Recommender {
    pub fn new(graph: &RoadGraph) -> Self {
        let vmax = Mode::ALL.map(|m| graph.max_speed_mps(m));
        Self {
            search: Search::new(graph),
            units_at: UnitsAt::default(),
            vmax,
            snaps: HashMap::new(),
        }
    }

    /// Fastest speed of `mode` on this network, m/s.
    pub fn max_speed(&self, mode: Mode) -> f64 {
        self.vmax[mode.index()]
    }

    /// Where a responder is on its mode's network (cached while it stays put).
    pub fn snap(&mut self, graph: &RoadGraph, r: &Responder) -> Result<Snap, SnapError> {
        cached_snap(&mut self.snaps, graph, r)
    }

    /// The `want` fastest responders to `incident`, exactly, fastest first (more when they
    /// are certain anyway); the others with lower bounds. `want = usize::MAX` ranks all.
    pub fn recommend(
        &mut self,
        graph: &RoadGraph,
        incident: LonLat,
        responders: &[Responder],
        want: usize,
    ) -> Recommendation {
        if self.snaps.len() > 2 * responders.len() + 64 {
            let ids: std::collections::HashSet<&str> =
                responders.iter().map(|r| r.id.as_str()).collect();
            self.snaps.retain(|id, _| ids.contains(id.as_str()));
        }
        let mut run = Ranking::new(responders, want);
        let by_mode = self.bounds(graph, incident, &mut run);
        // Modes in order of their most promising unit.
        let min_lb = |m: Mode| by_mode[m.index()].first().map_or(f32::INFINITY, |u| u.1);
        let mut modes: Vec<Mode> = Mode::ALL
            .into_iter()
            .filter(|m| !by_mode[m.index()].is_empty())
            .collect();
        modes.sort_by(|a, b| min_lb(*a).total_cmp(&min_lb(*b)));
        for mode in modes {
            let units = &by_mode[mode.index()];
            if min_lb(mode) >= run.kth() {
                // None of this mode's units can beat the ones found: not searched at all.
                run.bounded.extend(units.iter().map(|&(index, lb)| Bounded {
                    index,
                    at_least_s: lb,
                }));
                continue;
            }
            let Some(target) = run.out.incident_snaps[mode.index()] else {
                continue;
            };
            let mut snapper = Snapper {
                snaps: &mut self.snaps,
                vmax: self.vmax[mode.index()],
            };
            run.search_mode(
                graph,
                &mut self.search,
                &mut self.units_at,
                &mut snapper,
                mode,
                units,
                &target,
            );
        }
        run.finish()
    }

    /// Put the incident on every mode's network; the responders by mode with a lower bound on
    /// their ETA, ascending: from their road position when it is known (they have not moved
    /// since), else from where they are, less the farthest a snap may move them.
    fn bounds(
        &mut self,
        graph: &RoadGraph,
        incident: LonLat,
        run: &mut Ranking<'_>,
    ) -> [Vec<(usize, f32)>; 4] {
        let mut incident_err: [Option<String>; 4] = Default::default();
        for m in Mode::ALL {
            match graph.snap(incident, m, MAX_SNAP_M) {
                Ok(s) => run.out.incident_snaps[m.index()] = Some(s),
                Err(e) => incident_err[m.index()] = Some(format!("the incident: {e}")),
            }
        }
        let mut by_mode: [Vec<(usize, f32)>; 4] = Default::default();
        for (i, r) in run.responders.iter().enumerate() {
            let Some(target) = run.out.incident_snaps[r.mode.index()] else {
                run.out.unplaced.push(Unplaced {
                    index: i,
                    reason: incident_err[r.mode.index()].clone().unwrap_or_default(),
                });
                continue;
            };
            let known = match self.snaps.get(&r.id) {
                Some((at, mode, Ok(s))) if *at == r.at && *mode == r.mode => Some(*s),
                _ => None,
            };
            let straight_m = match known {
                Some(s) => haversine_m(s.point, target.point),
                None => (haversine_m(r.at, target.point) - MAX_SNAP_M).max(0.0),
            };
            // Slightly under the true bound: haversine vs the segments' lengths.
            let lb = r.turnout_s + (straight_m * 0.999 / self.vmax[r.mode.index()]) as f32;
            by_mode[r.mode.index()].push((i, lb));
        }
        for units in &mut by_mode {
            units.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        }
        by_mode
    }
}

/// Puts responders on the road as the search reaches them, remembering where (a unit that
/// has not moved is not snapped again).
struct Snapper<'a> {
    snaps: &'a mut HashMap<String, (LonLat, Mode, Result<Snap, SnapError>)>,
    vmax: f64,
}

impl Snapper<'_> {
    fn snap(&mut self, graph: &RoadGraph, r: &Responder) -> Result<Snap, SnapError> {
        cached_snap(self.snaps, graph, r)
    }
}

/// A responder's snap from `snaps` while it stays where it was, else snapped and kept.
fn cached_snap(
    snaps: &mut HashMap<String, (LonLat, Mode, Result<Snap, SnapError>)>,
    graph: &RoadGraph,
    r: &Responder,
) -> Result<Snap, SnapError> {
    if let Some((at, mode, snap)) = snaps.get(&r.id)
        && *at == r.at
        && *mode == r.mode
    {
        return snap.clone();
    }
    let snap = graph.snap(r.at, r.mode, MAX_SNAP_M);
    snaps.insert(r.id.clone(), (r.at, r.mode, snap.clone()));
    snap
}

/// Units by the node they enter the graph at: a dense head per node and linked entries,
/// reused between searches and reset in time proportional to what was marked (no hashing,
/// no allocation once warm).
#[derive(Default)]
struct UnitsAt {
    /// Per node, its first entry (`u32::MAX`: none).
    head: Vec<u32>,
    /// (unit index, seconds from the unit to the node, next entry).
    entries: Vec<(usize, f32, u32)>,
    marked: Vec<u32>,
}

impl UnitsAt {
    fn reset(&mut self, nodes: usize) {
        if self.head.len() != nodes {
            self.head = vec![u32::MAX; nodes];
            self.marked.clear();
        }
        for &v in &self.marked {
            self.head[v as usize] = u32::MAX;
        }
        self.marked.clear();
        self.entries.clear();
    }

    fn add(&mut self, node: u32, unit: usize, secs: f32) {
        let head = &mut self.head[node as usize];
        if *head == u32::MAX {
            self.marked.push(node);
        }
        self.entries.push((unit, secs, *head));
        *head = (self.entries.len() - 1) as u32;
    }

    fn first(&self, node: u32) -> u32 {
        self.head[node as usize]
    }

    fn entry(&self, e: u32) -> Option<(usize, f32, u32)> {
        self.entries.get(e as usize).copied()
    }
}

/// One recommendation being worked out.
struct Ranking<'a> {
    responders: &'a [Responder],
    want: usize,
    out: Recommendation,
    straight: Vec<f64>,
    /// Exact ETAs so far: (index, eta, travel).
    exact: Vec<(usize, f32, f32)>,
    /// The `want` best ETAs (a max-heap).
    best: BinaryHeap<OrdF32>,
    bounded: Vec<Bounded>,
    tentative: Vec<f32>,
    done: Vec<bool>,
}

impl<'a> Ranking<'a> {
    fn new(responders: &'a [Responder], want: usize) -> Self {
        Self {
            responders,
            want: want.max(1),
            out: Recommendation::default(),
            straight: vec![0.0; responders.len()],
            exact: Vec::new(),
            best: BinaryHeap::new(),
            bounded: Vec::new(),
            tentative: vec![f32::INFINITY; responders.len()],
            done: vec![false; responders.len()],
        }
    }

    /// The `want`-th best ETA so far (infinite until there are `want`).
    fn kth(&self) -> f32 {
        if self.best.len() >= self.want {
            self.best.peek().map_or(f32::INFINITY, |x| x.0)
        } else {
            f32::INFINITY
        }
    }

    /// A unit whose travel time is now certain; whether it was newly finished.
    fn finalize(&mut self, p: Pending) -> bool {
        if self.done[p.index] || p.travel_s != self.tentative[p.index] {
            return false;
        }
        self.done[p.index] = true;
        let eta = self.responders[p.index].turnout_s + p.travel_s;
        self.exact.push((p.index, eta, p.travel_s));
        self.best.push(OrdF32(eta));
        if self.best.len() > self.want {
            self.best.pop();
        }
        true
    }

    fn offer(&mut self, pending: &mut BinaryHeap<Pending>, index: usize, travel_s: f32) {
        if travel_s < self.tentative[index] {
            self.tentative[index] = travel_s;
            pending.push(Pending { travel_s, index });
        }
    }

    /// One reverse search from the incident over `mode`'s network, until the `want` best are
    /// certain and nothing outside the radius can beat them, or every unit is found. `units`
    /// with their ETA bounds; each is put on the road when the radius reaches its travel bound.
    #[allow(clippy::too_many_arguments)]
    fn search_mode(
        &mut self,
        graph: &RoadGraph,
        search: &mut Search,
        units_at: &mut UnitsAt,
        snapper: &mut Snapper<'_>,
        mode: Mode,
        units: &[(usize, f32)],
        target: &Snap,
    ) {
        let min_turnout = units
            .iter()
            .map(|&(i, _)| self.responders[i].turnout_s)
            .fold(f32::INFINITY, f32::min);
        units_at.reset(graph.node_count());
        // (unit, travel bound, ETA bound), by travel bound: the order the radius reaches them.
        let mut waiting: Vec<(usize, f32, f32)> = units
            .iter()
            .map(|&(i, lb)| (i, lb - self.responders[i].turnout_s, lb))
            .collect();
        waiting.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        let mut joined = 0;
        let mut pending = BinaryHeap::new();
        search.start(
            graph,
            seeds(graph, mode, Direction::Reverse, target),
            f32::INFINITY,
        );
        let (mut finished, mut radius, mut stopped) = (0usize, 0.0f32, false);
        loop {
            let r = search.next_cost();
            // Units the radius has reached join: on the road, at their entry nodes, with what
            // the search already knows of those.
            while let Some(w) = waiting.get_mut(joined)
                && w.1 <= r
            {
                finished += self.join(
                    graph,
                    search,
                    units_at,
                    snapper,
                    &mut pending,
                    mode,
                    target,
                    w,
                );
                joined += 1;
            }
            radius = radius.max(r.min(f32::MAX));
            // Every unit at or inside the radius is certain.
            while let Some(&p) = pending.peek() {
                if p.travel_s > r {
                    break;
                }
                pending.pop();
                finished += usize::from(self.finalize(p));
            }
            if finished == units.len() || r.is_infinite() {
                break;
            }
            if self.kth() <= r + min_turnout {
                stopped = true;
                break;
            }
            let Some((node, cost_s)) =
                search.settle(graph, mode, Direction::Reverse, f32::INFINITY)
            else {
                // Nothing left to settle: the radius is now infinite, so every unit still
                // waiting joins (and is found or reported) on the next turn.
                continue;
            };
            self.out.settled += 1 + search.written().len();
            // The settled node and every node its chains reached (their costs may still
            // fall: an offer is only taken once the radius passes it).
            for &v in std::iter::once(&node).chain(search.written()) {
                let cost_v = if v == node {
                    cost_s
                } else {
                    search.cost[v as usize]
                };
                let mut e = units_at.first(v);
                while let Some((i, off, next)) = units_at.entry(e) {
                    self.offer(&mut pending, i, cost_v + off);
                    e = next;
                }
            }
        }
        let rest: Vec<(usize, f32)> = waiting.iter().map(|&(i, _, lb)| (i, lb)).collect();
        self.bound_the_rest(mode, &rest, stopped.then_some(radius));
    }

    /// Put unit `w.0` on the road and into the search: its entry nodes marked, offered the
    /// costs the search has for them so far (a lower one later comes through `written`), and
    /// its ETA bound tightened to its road position. Returns 1 if it cannot be placed (it
    /// counts as finished: reported, not ranked).
    #[allow(clippy::too_many_arguments)]
    fn join(
        &mut self,
        graph: &RoadGraph,
        search: &Search,
        units_at: &mut UnitsAt,
        snapper: &mut Snapper<'_>,
        pending: &mut BinaryHeap<Pending>,
        mode: Mode,
        target: &Snap,
        w: &mut (usize, f32, f32),
    ) -> usize {
        let i = w.0;
        let r = &self.responders[i];
        let snap = match snapper.snap(graph, r) {
            Ok(s) => s,
            Err(e) => {
                self.done[i] = true;
                self.out.unplaced.push(Unplaced {
                    index: i,
                    reason: e.to_string(),
                });
                return 1;
            }
        };
        self.straight[i] = haversine_m(snap.point, target.point);
        w.2 =
            w.2.max(r.turnout_s + (self.straight[i] * 0.999 / snapper.vmax) as f32);
        for (node, t) in seeds(graph, mode, Direction::Forward, &snap) {
            units_at.add(node, i, t);
            let known = search.cost[node as usize];
            if known.is_finite() {
                self.offer(pending, i, known + t);
            }
        }
        if snap.seg == target.seg {
            let t = along_s(graph, mode, snap.seg, snap.frac, target.frac);
            self.offer(pending, i, t);
        }
        0
    }

    /// Units of `mode` the search did not finish: bounded by the radius it stopped at, or,
    /// when it searched everything, unreachable.
    fn bound_the_rest(&mut self, mode: Mode, units: &[(usize, f32)], radius: Option<f32>) {
        for &(i, lb) in units {
            if self.done[i] {
                continue;
            }
            match radius {
                Some(r) => self.bounded.push(Bounded {
                    index: i,
                    at_least_s: lb.max(self.responders[i].turnout_s + r),
                }),
                None => self.out.unplaced.push(Unplaced {
                    index: i,
                    reason: format!(
                        "no {} route from {} to the incident",
                        mode.name(),
                        self.responders[i].at
                    ),
                }),
            }
        }
    }

    /// The ranked list: exact units up to the lowest bound of any other (an exact unit beyond
    /// it is a bound too: another unit may be faster), the rest by their bounds.
    fn finish(mut self) -> Recommendation {
        let floor = self
            .bounded
            .iter()
            .map(|b| b.at_least_s)
            .fold(f32::INFINITY, f32::min);
        self.exact
            .sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        for &(index, eta_s, travel_s) in &self.exact {
            if eta_s <= floor {
                self.out.ranked.push(Ranked {
                    index,
                    eta_s,
                    travel_s,
                    straight_m: self.straight[index],
                });
            } else {
                self.bounded.push(Bounded {
                    index,
                    at_least_s: eta_s,
                });
            }
        }
        self.bounded
            .sort_by(|a, b| a.at_least_s.total_cmp(&b.at_least_s));
        self.out.rest = self.bounded;
        self.out
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct OrdF32(f32);
impl Eq for OrdF32 {}
impl Ord for OrdF32 {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}
impl PartialOrd for OrdF32 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{STEP, graph, road};
    use super::*;
    use crate::osm::{Oneway, RoadClass};
    use crate::routing::route;

    fn responder(id: &str, mode: Mode, turnout_s: f32, at: LonLat) -> Responder {
        Responder {
            id: id.into(),
            mode,
            turnout_s,
            at,
        }
    }

    #[test]
    fn ranks_exactly_with_one_way_turnout_and_modes() {
        // A straight east-west residential street of 10 steps, one-way eastwards, and a
        // two-way street north of it joined at both ends.
        let y = 53.55;
        let south: Vec<(f64, f64)> = (0..=10).map(|i| (13.25 + i as f64 * STEP, y)).collect();
        let north: Vec<(f64, f64)> = (0..=10)
            .map(|i| (13.25 + i as f64 * STEP, y + STEP))
            .collect();
        let mut roads = vec![
            road(RoadClass::Residential, Oneway::Forward, &south),
            road(RoadClass::Residential, Oneway::No, &north),
            road(RoadClass::Residential, Oneway::No, &[south[0], north[0]]),
            road(RoadClass::Residential, Oneway::No, &[south[10], north[10]]),
        ];
        // Dead-end driveways south of the one-way make its vertices junctions (a search that
        // can stop early stops at a junction).
        for p in &south[1..10] {
            roads.push(road(
                RoadClass::Residential,
                Oneway::No,
                &[*p, (p.0, p.1 - STEP / 4.0)],
            ));
        }
        let g = graph(roads);
        let incident = LonLat::new(south[8].0, y);
        let units = vec![
            // West of the incident on the one-way: drives straight there.
            responder("west", Mode::Car, 0.0, LonLat::new(south[2].0, y)),
            // East of it on the one-way: must go round by the north street.
            responder("east", Mode::Car, 0.0, LonLat::new(south[9].0, y)),
            // The same place on foot: walks against the one-way, but slowly.
            responder("foot", Mode::Foot, 0.0, LonLat::new(south[9].0, y)),
            // West, with a long turnout.
            responder("slow", Mode::Car, 600.0, LonLat::new(south[3].0, y)),
            // In the Baltic.
            responder("sea", Mode::Car, 0.0, LonLat::new(13.0, 54.5)),
        ];
        let mut rec = Recommender::new(&g);
        let all = rec.recommend(&g, incident, &units, usize::MAX);
        let order: Vec<&str> = all
            .ranked
            .iter()
            .map(|r| units[r.index].id.as_str())
            .collect();
        assert_eq!(all.unplaced.len(), 1);
        assert_eq!(all.unplaced[0].index, 4);
        // Brute force agrees on every ETA.
        let mut search = Search::new(&g);
        for r in &all.ranked {
            let u = &units[r.index];
            let snap = g.snap(u.at, u.mode, MAX_SNAP_M).unwrap();
            let target = all.incident_snaps[u.mode.index()].unwrap();
            let brute = eta_brute_force(&g, &mut search, &snap, u.mode, u.turnout_s, &target);
            assert!(
                (brute - r.eta_s).abs() < 1e-2,
                "{}: {brute} vs {}",
                u.id,
                r.eta_s
            );
        }
        assert_eq!(order[0], "west", "{order:?}");
        let eta = |id: &str| {
            all.ranked
                .iter()
                .find(|r| units[r.index].id == id)
                .unwrap()
                .eta_s
        };
        // Going round (1 + 10 + 1 + ... steps) is slower than 6 steps straight.
        assert!(eta("east") > eta("west"));
        assert!((eta("slow") - 600.0 - eta("west") * 5.0 / 6.0).abs() < 1.0);
        // Asking for one: exactly the best, and the others bounded no lower than it.
        let one = rec.recommend(&g, incident, &units, 1);
        assert_eq!(one.ranked[0].index, 0);
        assert!((one.ranked[0].eta_s - eta("west")).abs() < 1e-3);
        // The unit in the sea is never reached by this search, so it is never put on the road:
        // bounded (170 km away), not reported.
        assert!(one.unplaced.is_empty());
        assert!(
            one.rest
                .iter()
                .any(|b| b.index == 4 && b.at_least_s > 3_000.0)
        );
        for b in &one.rest {
            assert!(b.at_least_s >= one.ranked.last().unwrap().eta_s);
            if b.index == 4 {
                continue;
            }
            assert!(
                b.at_least_s <= eta(&units[b.index].id) + 1e-3,
                "bounds are lower bounds"
            );
        }
        assert!(
            one.settled < all.settled,
            "{} vs {}",
            one.settled,
            all.settled
        );
        // The route of the best unit runs along the street to the incident.
        let from = g.snap(units[0].at, Mode::Car, MAX_SNAP_M).unwrap();
        let to = all.incident_snaps[0].unwrap();
        let (line, secs) = route(&g, &mut Search::with_parents(&g), Mode::Car, &from, &to).unwrap();
        assert!((secs - eta("west")).abs() < 1e-2);
        assert!(line.iter().all(|p| (p.lat - y).abs() < 1e-9), "{line:?}");
        // The east unit's route goes round by the north street.
        let from = g.snap(units[1].at, Mode::Car, MAX_SNAP_M).unwrap();
        let (line, secs) = route(&g, &mut Search::with_parents(&g), Mode::Car, &from, &to).unwrap();
        assert!((secs - eta("east")).abs() < 1e-2);
        assert!(line.iter().any(|p| (p.lat - y - STEP).abs() < 1e-9));
    }

    #[test]
    fn impact_counts_lost_demand_and_finds_the_move_up() {
        // Five demand points. Unit 0 covers 0, 1, 2; unit 1 covers 2, 3; unit 2 covers 3.
        // Sending unit 0 leaves 0 and 1 uncovered (beat 0 loses everything; beat 1 keeps 2
        // through unit 1). Moving unit 2 to the post covering 0 and 1 wins both back and
        // loses nothing (3 stays with unit 1); moving unit 1 would lose 2.
        let weights = vec![1.0, 1.0, 1.0, 1.0, 1.0];
        let beats = vec![Some(0), Some(0), Some(1), Some(1), None];
        let sets = |v: &[u32]| CoverSets {
            within: vec![v.to_vec()],
        };
        let (u0, u1, u2) = (sets(&[0, 1, 2]), sets(&[2, 3]), sets(&[3]));
        let (post_near, post_far) = (sets(&[0, 1]), sets(&[4]));
        let out = impact(
            &weights,
            &beats,
            2,
            &[&u0, &u1, &u2],
            0,
            &[
                (1, 0, &post_near),
                (2, 1, &post_far),
                (2, 0, &post_near),
                (0, 0, &post_near),
            ],
        );
        assert_eq!(out.before, vec![4.0]);
        assert_eq!(out.after, vec![2.0]);
        assert_eq!(out.beats.len(), 1, "{:?}", out.beats);
        assert_eq!(out.beats[0].beat, 0);
        assert_eq!((out.beats[0].before[0], out.beats[0].after[0]), (2.0, 0.0));
        let m = out.move_up.unwrap();
        assert_eq!((m.unit, m.post, m.gain[0]), (2, 0, 2.0));
        assert_eq!(out.after_move_up, vec![4.0]);
        // Nothing to win back: no suggestion.
        let none = impact(
            &weights,
            &beats,
            2,
            &[&u0, &u1, &u2],
            2,
            &[(1, 1, &post_far)],
        );
        assert_eq!(none.after, none.before);
        assert!(none.beats.is_empty());
        // Moving unit 1 away would win point 4 but lose point 3: no suggestion.
        assert!(none.move_up.is_none(), "{:?}", none.move_up);
    }
}
