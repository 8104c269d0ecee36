//! The road network as a directed graph with travel times per mode, and bounded Dijkstra.
//!
//! Groundwork for response rings and dispatch: every OSM road vertex is a node, every segment
//! one edge per allowed direction. Travel time per mode comes from the road class's default
//! speed ([`default_speed_kmh`]), capped by `maxspeed` where the road has one; one-way rules
//! bind vehicles and cyclists, not people on foot. Units: metres, seconds, km/h.
//!
//! [`bounded_dijkstra`] is multi-source with a start cost per source (turnout delay, or the
//! part of an edge already travelled) and stops at a time limit: O((V + E) log V) over the
//! reached part of the network only.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use crate::coord::{LonLat, haversine_m};
use crate::osm::{Oneway, OsmData, Road, RoadClass};

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
}

/// Default speed of `mode` on a road of `class`, km/h; `None` where the mode may not go.
///
/// | class | car | motorbike | e-bike | foot |
/// |---|---:|---:|---:|---:|
/// | motorway | 100 | 100 | – | – |
/// | trunk | 80 | 80 | – | – |
/// | primary | 50 | 50 | 20 | 5 |
/// | secondary | 45 | 45 | 20 | 5 |
/// | tertiary | 40 | 40 | 20 | 5 |
/// | unclassified, road | 35 | 35 | 18 | 5 |
/// | residential | 30 | 30 | 18 | 5 |
/// | living street | 10 | 10 | 12 | 5 |
/// | service | 15 | 15 | 15 | 5 |
/// | track | – | 15 | 12 | 5 |
/// | pedestrian | – | – | 10 | 5 |
/// | cycleway | – | – | 20 | 5 |
/// | path | – | – | 12 | 5 |
pub fn default_speed_kmh(mode: Mode, class: RoadClass) -> Option<f32> {
    use RoadClass::*;
    let kmh = match (mode, class) {
        (Mode::Car | Mode::Motorbike, Motorway) => 100.0,
        (Mode::Car | Mode::Motorbike, Trunk) => 80.0,
        (Mode::Car | Mode::Motorbike, Primary) => 50.0,
        (Mode::Car | Mode::Motorbike, Secondary) => 45.0,
        (Mode::Car | Mode::Motorbike, Tertiary) => 40.0,
        (Mode::Car | Mode::Motorbike, Unclassified | Road) => 35.0,
        (Mode::Car | Mode::Motorbike, Residential) => 30.0,
        (Mode::Car | Mode::Motorbike, LivingStreet) => 10.0,
        (Mode::Car | Mode::Motorbike, Service) => 15.0,
        (Mode::Motorbike, Track) => 15.0,
        (Mode::Car, Track | Pedestrian | Cycleway | Path) => return None,
        (Mode::Motorbike, Pedestrian | Cycleway | Path) => return None,
        (Mode::EBike, Motorway | Trunk) => return None,
        (Mode::EBike, Primary | Secondary | Tertiary | Cycleway) => 20.0,
        (Mode::EBike, Unclassified | Road | Residential) => 18.0,
        (Mode::EBike, Service) => 15.0,
        (Mode::EBike, LivingStreet | Track | Path) => 12.0,
        (Mode::EBike, Pedestrian) => 10.0,
        (Mode::Foot, Motorway | Trunk) => return None,
        (Mode::Foot, _) => 5.0,
    };
    Some(kmh)
}

/// One directed edge.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Edge {
    pub head: u32,
    pub length_m: f32,
    /// Seconds per mode ([`Mode::index`]); infinite where the mode may not use the edge.
    pub time_s: [f32; 4],
}

/// A directed road graph in compressed sparse row form.
#[derive(Clone, Debug, Default)]
pub struct RoadGraph {
    pub nodes: Vec<LonLat>,
    first_out: Vec<u32>,
    edges: Vec<Edge>,
}

fn edge_time_s(road: &Road, mode: Mode, length_m: f64, forward: bool) -> f32 {
    let allowed_direction = !mode.obeys_oneway()
        || match road.oneway {
            Oneway::No => true,
            Oneway::Forward => forward,
            Oneway::Backward => !forward,
        };
    let restricted = road.is_restricted && matches!(mode, Mode::Car | Mode::Motorbike);
    match default_speed_kmh(mode, road.class) {
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
    /// Build from the roads of `osm`. Road vertices at the same position become one node.
    pub fn build(osm: &OsmData) -> Self {
        let key = |p: LonLat| ((p.lon * 1e7).round() as i64, (p.lat * 1e7).round() as i64);
        let mut ids: HashMap<(i64, i64), u32> = HashMap::new();
        let mut nodes = Vec::new();
        let mut arcs: Vec<(u32, Edge)> = Vec::new();
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
                    let times =
                        |forward| Mode::ALL.map(|m| edge_time_s(road, m, length_m, forward));
                    let (fwd, bwd) = (times(true), times(false));
                    if fwd.iter().any(|t| t.is_finite()) {
                        arcs.push((
                            a,
                            Edge {
                                head: id,
                                length_m: length_m as f32,
                                time_s: fwd,
                            },
                        ));
                    }
                    if bwd.iter().any(|t| t.is_finite()) {
                        arcs.push((
                            id,
                            Edge {
                                head: a,
                                length_m: length_m as f32,
                                time_s: bwd,
                            },
                        ));
                    }
                }
                prev = Some((id, p));
            }
        }
        Self::from_arcs(nodes, arcs)
    }

    /// Build from explicit nodes and `(tail, edge)` arcs (tests and tools).
    pub fn from_arcs(nodes: Vec<LonLat>, mut arcs: Vec<(u32, Edge)>) -> Self {
        arcs.sort_by_key(|(tail, e)| (*tail, e.head));
        let mut first_out = vec![0u32; nodes.len() + 1];
        for (tail, _) in &arcs {
            first_out[*tail as usize + 1] += 1;
        }
        for i in 0..nodes.len() {
            first_out[i + 1] += first_out[i];
        }
        Self {
            nodes,
            first_out,
            edges: arcs.into_iter().map(|(_, e)| e).collect(),
        }
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    pub fn out_edges(&self, node: u32) -> &[Edge] {
        let (a, b) = (
            self.first_out[node as usize],
            self.first_out[node as usize + 1],
        );
        &self.edges[a as usize..b as usize]
    }

    /// The same graph with every edge turned around: Dijkstra on it answers "who can reach
    /// this point within T" instead of "where can this point reach".
    pub fn reversed(&self) -> RoadGraph {
        let mut arcs = Vec::with_capacity(self.edges.len());
        for tail in 0..self.nodes.len() as u32 {
            for e in self.out_edges(tail) {
                arcs.push((e.head, Edge { head: tail, ..*e }));
            }
        }
        RoadGraph::from_arcs(self.nodes.clone(), arcs)
    }
}

#[derive(Clone, Copy, PartialEq)]
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

/// Travel time in seconds from the nearest source to every node reachable within `limit_s`
/// (infinite elsewhere). `sources` are `(node, start_cost_s)`.
pub fn bounded_dijkstra(
    graph: &RoadGraph,
    mode: Mode,
    sources: &[(u32, f32)],
    limit_s: f32,
) -> Vec<f32> {
    let mut cost = vec![f32::INFINITY; graph.node_count()];
    let mut heap = BinaryHeap::new();
    for &(node, start) in sources {
        if (node as usize) < cost.len() && start <= limit_s && start < cost[node as usize] {
            cost[node as usize] = start;
            heap.push(Queued {
                cost_s: start,
                node,
            });
        }
    }
    let m = mode.index();
    while let Some(Queued { cost_s, node }) = heap.pop() {
        if cost_s > cost[node as usize] {
            continue;
        }
        for e in graph.out_edges(node) {
            let next = cost_s + e.time_s[m];
            if next <= limit_s && next < cost[e.head as usize] {
                cost[e.head as usize] = next;
                heap.push(Queued {
                    cost_s: next,
                    node: e.head,
                });
            }
        }
    }
    cost
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osm::Road;

    fn road(class: RoadClass, oneway: Oneway, points: &[(f64, f64)]) -> Road {
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

    /// 0.001° of latitude is 111.2 m.
    const STEP: f64 = 0.001;

    #[test]
    fn one_way_binds_cars_not_pedestrians() {
        let osm = OsmData {
            roads: vec![road(
                RoadClass::Residential,
                Oneway::Forward,
                &[(13.0, 53.0), (13.0, 53.0 + STEP)],
            )],
            ..OsmData::default()
        };
        let g = RoadGraph::build(&osm);
        assert_eq!(g.node_count(), 2);
        let car_fwd = bounded_dijkstra(&g, Mode::Car, &[(0, 0.0)], 600.0);
        // 111.2 m at 30 km/h = 13.3 s.
        assert!((car_fwd[1] - 13.34).abs() < 0.05, "{}", car_fwd[1]);
        let car_back = bounded_dijkstra(&g, Mode::Car, &[(1, 0.0)], 600.0);
        assert!(car_back[0].is_infinite(), "against the one-way");
        let foot_back = bounded_dijkstra(&g, Mode::Foot, &[(1, 0.0)], 600.0);
        // 111.2 m at 5 km/h = 80.1 s.
        assert!((foot_back[0] - 80.06).abs() < 0.1, "{}", foot_back[0]);
    }

    #[test]
    fn limit_multi_source_start_costs_and_reverse() {
        // A straight street of 5 segments (nodes 0..=5), 111.2 m each, residential.
        let pts: Vec<(f64, f64)> = (0..6).map(|i| (13.0, 53.0 + STEP * i as f64)).collect();
        let osm = OsmData {
            roads: vec![road(RoadClass::Residential, Oneway::Forward, &pts)],
            ..OsmData::default()
        };
        let g = RoadGraph::build(&osm);
        let within_30 = bounded_dijkstra(&g, Mode::Car, &[(0, 0.0)], 30.0);
        let reached: Vec<usize> = (0..6).filter(|&i| within_30[i].is_finite()).collect();
        assert_eq!(reached, vec![0, 1, 2], "13.3 s per segment, 26.7 s for two");
        // Two sources; the second starts 20 s late (turnout delay).
        let both = bounded_dijkstra(&g, Mode::Car, &[(0, 0.0), (3, 20.0)], 600.0);
        assert!((both[3] - 20.0).abs() < 1e-3);
        assert!((both[4] - 33.34).abs() < 0.05, "{}", both[4]);
        // Reverse: who reaches node 5? Everyone upstream; travel times mirror.
        let rev = bounded_dijkstra(&g.reversed(), Mode::Car, &[(5, 0.0)], 600.0);
        assert!((rev[0] - 66.7).abs() < 0.2, "{}", rev[0]);
        let forward_from_0 = bounded_dijkstra(&g, Mode::Car, &[(0, 0.0)], 600.0);
        assert!((rev[0] - forward_from_0[5]).abs() < 1e-3);
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
        let g = RoadGraph::build(&OsmData {
            roads: vec![slow, footway],
            ..OsmData::default()
        });
        let car = bounded_dijkstra(&g, Mode::Car, &[(0, 0.0)], 600.0);
        assert!(
            (car[1] - 20.01).abs() < 0.05,
            "20 km/h, not the primary default: {}",
            car[1]
        );
        assert!(car[2].is_infinite(), "no cars on footpaths");
        let foot = bounded_dijkstra(&g, Mode::Foot, &[(0, 0.0)], 600.0);
        assert!(foot[2].is_finite());
    }
}
