//! Fastest paths: node to node ([`shortest_path`], the simulator's units) and snapped point to
//! snapped point ([`route`], the dispatch route drawn on the map). Both are the one Dijkstra
//! ([`Search`] with predecessors) stopped as soon as the target's cost is final.

use super::search::{Origin, Search, along_s, seeds, time_to_point};
use super::{Direction, Mode, RoadGraph, Snap};
use crate::coord::LonLat;

/// The fastest path from node `from` to node `to` for `mode`: the nodes in order and the
/// seconds it takes; `None` if `to` cannot be reached. `search` must record predecessors
/// ([`Search::with_parents`]). Guided by the straight-line time to `to` at the mode's top
/// speed (A*), so it settles a fraction of what a plain search would.
pub fn shortest_path(
    graph: &RoadGraph,
    search: &mut Search,
    mode: Mode,
    from: u32,
    to: u32,
) -> Option<(Vec<u32>, f32)> {
    let n = graph.node_count();
    if from as usize >= n || to as usize >= n || search.parent.len() != n {
        return None;
    }
    let target = graph.proj.to_m(graph.nodes[to as usize]);
    let per_m = graph.astar_s_per_m(mode);
    let potential = |v: u32| {
        let p = graph.proj.to_m(graph.nodes[v as usize]);
        let (dx, dy) = (p[0] - target[0], p[1] - target[1]);
        (dx * dx + dy * dy).sqrt() as f32 * per_m
    };
    search.start(graph, [(from, 0.0)], f32::INFINITY);
    let limit = f32::INFINITY;
    if !search.settle_until_final(graph, mode, Direction::Forward, limit, potential, &[to]) {
        return None;
    }
    Some((search.path_to(to), search.cost[to as usize]))
}

/// The fastest route from `from` to `to` for `mode`, as a line from the one point to the
/// other over the roads, and its seconds. `None` if there is none. `search` must record
/// predecessors ([`Search::with_parents`]).
pub fn route(
    graph: &RoadGraph,
    search: &mut Search,
    mode: Mode,
    from: &Snap,
    to: &Snap,
) -> Option<(Vec<LonLat>, f32)> {
    if search.parent.len() != graph.node_count() {
        return None;
    }
    search.start(
        graph,
        seeds(graph, mode, Direction::Forward, from),
        f32::INFINITY,
    );
    let target = &graph.segments[to.seg as usize];
    let limit = f32::INFINITY;
    // Stop once both ends are final (one of them may be unreachable: then it runs out).
    search.settle_until_final(
        graph,
        mode,
        Direction::Forward,
        limit,
        |_| 0.0,
        &[target.a, target.b],
    );
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
    if from.seg == to.seg && along_s(graph, mode, to.seg, from.frac, to.frac) <= total {
        return Some((vec![from.point, to.point], total));
    }
    let (end, _) = arrival_end(graph, mode, &search.cost, to, total);
    let nodes = search.path_to(end);
    let mut line = Vec::with_capacity(nodes.len() + 2);
    line.push(from.point);
    line.extend(nodes.iter().map(|&v| graph.nodes[v as usize]));
    line.push(to.point);
    Some((line, total))
}

/// When a search with node costs `cost` arrives at `to` by each end of its segment: along it
/// from its a end, and from its b end (infinite where the mode may not go that way).
pub fn arrivals(graph: &RoadGraph, mode: Mode, cost: &[f32], to: &Snap) -> (f32, f32) {
    let target = &graph.segments[to.seg as usize];
    let m = mode.index();
    let by = |c: f32, on_node: bool, t: f32, part: f32| {
        if on_node {
            c
        } else if t.is_finite() {
            c + part * t
        } else {
            f32::INFINITY
        }
    };
    (
        by(
            cost[target.a as usize],
            to.frac <= 0.0,
            target.time_ab[m],
            to.frac,
        ),
        by(
            cost[target.b as usize],
            to.frac >= 1.0,
            target.time_ba[m],
            1.0 - to.frac,
        ),
    )
}

/// Which end of `to`'s segment a search with node costs `cost` arrives by, given its time to
/// `to`: `(node, whether it is the segment's a end)`. The end whose arrival is the sooner;
/// on a tie, the one matching `total`.
pub fn arrival_end(
    graph: &RoadGraph,
    mode: Mode,
    cost: &[f32],
    to: &Snap,
    total: f32,
) -> (u32, bool) {
    let target = &graph.segments[to.seg as usize];
    let (arrive_a, arrive_b) = arrivals(graph, mode, cost, to);
    let via_a = arrive_a.is_finite()
        && (arrive_a < arrive_b || (arrive_a == arrive_b && (arrive_a - total).abs() <= 1e-3));
    (if via_a { target.a } else { target.b }, via_a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osm::{Oneway, RoadClass};
    use crate::routing::edge_time;
    use crate::routing::tests::{STEP, graph, road};

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
        let mut s = Search::with_parents(&g);
        let (path, t) = shortest_path(&g, &mut s, Mode::Car, 0, 2).unwrap();
        assert_eq!(path, vec![0, 1, 2]);
        assert!((t - 26.7).abs() < 0.1, "{t}");
        let (back, _) = shortest_path(&g, &mut s, Mode::Car, 2, 0).unwrap();
        assert_eq!(
            back.len(),
            4,
            "round the detour, not against the one-way: {back:?}"
        );
        let (foot, _) = shortest_path(&g, &mut s, Mode::Foot, 2, 0).unwrap();
        assert_eq!(foot, vec![2, 1, 0]);
        assert!(edge_time(&g, Mode::Car, 1, 0).is_none());
    }

    #[test]
    fn a_guided_path_costs_what_a_full_search_says() {
        // A grid of two-way and one-way streets: the guided search must find the optimum.
        let mut roads = Vec::new();
        for i in 0..8 {
            let x = 13.0 + STEP * f64::from(i);
            let oneway = if i % 3 == 0 {
                Oneway::Forward
            } else {
                Oneway::No
            };
            let col: Vec<(f64, f64)> = (0..8).map(|j| (x, 53.0 + STEP * f64::from(j))).collect();
            roads.push(road(RoadClass::Residential, oneway, &col));
            let y = 53.0 + STEP * f64::from(i);
            let class = if i == 4 {
                RoadClass::Primary
            } else {
                RoadClass::Residential
            };
            let row: Vec<(f64, f64)> = (0..8).map(|j| (13.0 + STEP * f64::from(j), y)).collect();
            roads.push(road(class, Oneway::No, &row));
        }
        let g = graph(roads);
        let mut s = Search::with_parents(&g);
        for (from, to) in [(0, 63), (7, 56), (20, 3), (63, 0), (35, 36)] {
            let (from, to) = (from as u32, to as u32);
            let full = crate::routing::bounded_dijkstra(
                &g,
                Mode::Car,
                Direction::Forward,
                &[(from, 0.0)],
                f32::INFINITY,
            );
            let (path, t) = shortest_path(&g, &mut s, Mode::Car, from, to).unwrap();
            assert!(
                (t - full[to as usize]).abs() < 1e-3,
                "{from}->{to}: {t} vs {}",
                full[to as usize]
            );
            assert_eq!((path[0], *path.last().unwrap()), (from, to));
        }
    }
}
