//! A route's waypoints joined along the fastest roads: each leg as the stretches of road it
//! travels ([`Piece`]), so the score can weigh every metre (which beat, seen by a camera or
//! not) and the map can draw it. One reused [`Search`] with predecessors, stopped as soon as
//! the next waypoint's road is final (the dispatch route's search).

use super::PatrolRoute;
use crate::coord::LonLat;
use crate::routing::search::{Origin, Search, along_s, seeds, time_to_point};
use crate::routing::{Direction, MAX_SNAP_M, Mode, RoadGraph, Snap, SnapError};

/// Part of a segment travelled, from fraction `from` to `to` (either way along it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Piece {
    pub seg: u32,
    pub from: f32,
    pub to: f32,
}

impl Piece {
    pub fn length_m(&self, graph: &RoadGraph) -> f64 {
        f64::from((self.to - self.from).abs())
            * f64::from(graph.segments[self.seg as usize].length_m)
    }

    /// Seconds to travel it for `mode`, in its direction.
    pub fn time_s(&self, graph: &RoadGraph, mode: Mode) -> f64 {
        f64::from(along_s(graph, mode, self.seg, self.from, self.to))
    }
}

/// From one waypoint to the next.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Leg {
    pub pieces: Vec<Piece>,
    pub length_m: f64,
    pub travel_s: f64,
    /// The line to draw, from the one waypoint's road position to the next's.
    pub line: Vec<LonLat>,
}

/// A route on the roads: where each waypoint meets them and the legs between (one more,
/// back to the first, for a loop).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SnappedRoute {
    pub snaps: Vec<Snap>,
    pub legs: Vec<Leg>,
}

impl SnappedRoute {
    pub fn length_m(&self) -> f64 {
        self.legs.iter().map(|l| l.length_m).sum()
    }

    pub fn travel_s(&self) -> f64 {
        self.legs.iter().map(|l| l.travel_s).sum()
    }
}

/// Why a route could not be laid on the roads; names the waypoint.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RouteError {
    #[error("waypoint {index}: {source}")]
    Snap { index: usize, source: SnapError },
    #[error("no {} route from waypoint {from} to waypoint {to}", mode.name())]
    Unreachable { mode: Mode, from: usize, to: usize },
}

/// Lay `route` on the roads for its mode. `search` must record predecessors
/// ([`Search::with_parents`]); it is reused across legs.
pub fn snap_route(
    graph: &RoadGraph,
    search: &mut Search,
    route: &PatrolRoute,
) -> Result<SnappedRoute, RouteError> {
    let mode = route.mode;
    let snaps = route
        .waypoints
        .iter()
        .enumerate()
        .map(|(index, w)| {
            graph
                .snap(w.at, mode, MAX_SNAP_M)
                .map_err(|source| RouteError::Snap { index, source })
        })
        .collect::<Result<Vec<Snap>, _>>()?;
    let n = snaps.len();
    let mut pairs: Vec<(usize, usize)> = (1..n).map(|k| (k - 1, k)).collect();
    if route.closed && n >= 2 {
        pairs.push((n - 1, 0));
    }
    let mut legs = Vec::with_capacity(pairs.len());
    for (a, b) in pairs {
        let leg =
            leg(graph, search, mode, &snaps[a], &snaps[b]).ok_or(RouteError::Unreachable {
                mode,
                from: a,
                to: b,
            })?;
        legs.push(leg);
    }
    Ok(SnappedRoute { snaps, legs })
}

/// The segment the fastest `u → v` step takes for `mode`.
fn step_segment(graph: &RoadGraph, mode: Mode, u: u32, v: u32) -> Option<u32> {
    graph
        .out_edges(mode, Direction::Forward, u)
        .filter(|(head, _, _)| *head == v)
        .min_by(|x, y| x.1.total_cmp(&y.1))
        .map(|(_, _, seg)| seg)
}

/// The fastest way from `from` to `to` as pieces of road.
pub fn leg(
    graph: &RoadGraph,
    search: &mut Search,
    mode: Mode,
    from: &Snap,
    to: &Snap,
) -> Option<Leg> {
    if search.parent.len() != graph.node_count() {
        return None;
    }
    search.start(
        graph,
        seeds(graph, mode, Direction::Forward, from),
        f32::INFINITY,
    );
    // A*, toward the next waypoint's road position at the mode's top speed (slightly under,
    // for rounding); done once nothing left can arrive sooner than the best arrival so far.
    let goal = graph.proj.to_m(to.point);
    let per_m = graph.astar_s_per_m(mode);
    let potential = |v: u32| {
        let p = graph.proj.to_m(graph.nodes[v as usize]);
        let (dx, dy) = (p[0] - goal[0], p[1] - goal[1]);
        (dx * dx + dy * dy).sqrt() as f32 * per_m
    };
    let direct = if from.seg == to.seg {
        along_s(graph, mode, to.seg, from.frac, to.frac)
    } else {
        f32::INFINITY
    };
    let arrive = |cost: &[f32]| {
        let (via_a, via_b) = crate::routing::path::arrivals(graph, mode, cost, to);
        direct.min(via_a).min(via_b)
    };
    search.settle_until(graph, mode, Direction::Forward, potential, |cost, key| {
        key >= arrive(cost)
    });
    let origin = Origin {
        snap: *from,
        delay_s: 0.0,
    };
    let total = time_to_point(
        graph,
        mode,
        Direction::Forward,
        &search.cost,
        &[origin],
        to.seg,
        to.frac,
    );
    if !total.is_finite() {
        return None;
    }
    let pieces = if direct <= total {
        vec![Piece {
            seg: to.seg,
            from: from.frac,
            to: to.frac,
        }]
    } else {
        path_pieces(graph, search, mode, (from, to), total)?
    };
    let mut line = vec![from.point];
    for p in &pieces {
        line.push(graph.point_on(p.seg, p.to));
    }
    line.dedup();
    Some(Leg {
        length_m: pieces.iter().map(|p| p.length_m(graph)).sum(),
        travel_s: pieces.iter().map(|p| p.time_s(graph, mode)).sum(),
        pieces,
        line,
    })
}

/// The pieces of the search's fastest path from `from` to `to` (on different segments, or
/// the direct way along one being slower), arriving in `total` seconds.
fn path_pieces(
    graph: &RoadGraph,
    search: &Search,
    mode: Mode,
    (from, to): (&Snap, &Snap),
    total: f32,
) -> Option<Vec<Piece>> {
    let mut pieces = Vec::new();
    // Which end of the target's segment the route comes in by.
    let (end, via_a) = crate::routing::path::arrival_end(graph, mode, &search.cost, to, total);
    let nodes = search.path_to(end);
    let first = nodes[0];
    let start = &graph.segments[from.seg as usize];
    let toward = if first == start.a { 0.0 } else { 1.0 };
    pieces.push(Piece {
        seg: from.seg,
        from: from.frac,
        to: toward,
    });
    for w in nodes.windows(2) {
        let seg = step_segment(graph, mode, w[0], w[1])?;
        let forward = graph.segments[seg as usize].a == w[0];
        pieces.push(if forward {
            Piece {
                seg,
                from: 0.0,
                to: 1.0,
            }
        } else {
            Piece {
                seg,
                from: 1.0,
                to: 0.0,
            }
        });
    }
    pieces.push(Piece {
        seg: to.seg,
        from: if via_a { 0.0 } else { 1.0 },
        to: to.frac,
    });
    pieces.retain(|p| p.from != p.to);
    Some(pieces)
}
