//! From hot spots to patrol routes: the depot and the spots placed on the roads
//! ([`Sites::new`]), the planning problem with its travel matrix ([`Sites::problem`]), and a
//! plan's loops as routes the console draws, scores and assigns ([`Sites::routes`]). Both
//! `onemap patrol` and the console's planner use these.

use super::optimise::{Plan, Problem, travel_matrix};
use super::score::HotSpot;
use super::{PatrolRoute, Waypoint};
use crate::coord::LonLat;
use crate::routing::{MAX_SNAP_M, Mode, RoadGraph, Snap, SnapError};

/// The depot and the hot spots on the roads for one mode.
#[derive(Clone, Debug, PartialEq)]
pub struct Sites {
    pub mode: Mode,
    /// The depot first, then each hot spot kept.
    pub snaps: Vec<Snap>,
    /// For site `s` (from 1), the index of its spot in the spots given.
    pub kept: Vec<usize>,
    /// The spots no road of the mode reaches, and why.
    pub left_out: Vec<(usize, SnapError)>,
}

impl Sites {
    /// Place `depot` and `spots` on the roads; an error only when the depot cannot be.
    pub fn new(
        graph: &RoadGraph,
        mode: Mode,
        depot: LonLat,
        spots: &[(String, HotSpot)],
    ) -> Result<Self, SnapError> {
        let mut snaps = vec![graph.snap(depot, mode, MAX_SNAP_M)?];
        let (mut kept, mut left_out) = (Vec::new(), Vec::new());
        for (i, (_, spot)) in spots.iter().enumerate() {
            match graph.snap(spot.at, mode, MAX_SNAP_M) {
                Ok(snap) => {
                    snaps.push(snap);
                    kept.push(i);
                }
                Err(e) => left_out.push((i, e)),
            }
        }
        Ok(Self {
            mode,
            snaps,
            kept,
            left_out,
        })
    }

    /// The planning problem: travel times between every pair of sites (one search per site),
    /// each spot's weight, `dwell_s` at each and laps of at most `lap_s` for `units` units.
    pub fn problem(
        &self,
        graph: &RoadGraph,
        spots: &[(String, HotSpot)],
        dwell_s: f64,
        lap_s: f64,
        units: usize,
    ) -> Problem {
        Problem {
            n: self.snaps.len(),
            time: travel_matrix(graph, self.mode, &self.snaps),
            weight: std::iter::once(0.0)
                .chain(self.kept.iter().map(|&i| spots[i].1.weight))
                .collect(),
            dwell_s: std::iter::once(0.0)
                .chain(self.kept.iter().map(|_| dwell_s))
                .collect(),
            lap_s,
            units,
        }
    }

    /// `plan`'s loops as routes: the depot (passed through), then each stop with its dwell;
    /// named `{name} 1{suffix}…` with ids `{id}-1{suffix}…`, the spots' names and the lap
    /// kept as properties. Units with no stop get no route.
    pub fn routes(
        &self,
        problem: &Problem,
        plan: &Plan,
        spots: &[(String, HotSpot)],
        (id, name, suffix): (&str, &str, &str),
    ) -> Vec<PatrolRoute> {
        plan.routes
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.is_empty())
            .map(|(u, r)| {
                let mut waypoints = vec![Waypoint {
                    at: self.snaps[0].point,
                    dwell_s: 0.0,
                }];
                waypoints.extend(r.iter().map(|&s| Waypoint {
                    at: self.snaps[s].point,
                    dwell_s: problem.dwell_s[s] as f32,
                }));
                let mut extra = crate::layers::Extra::default();
                let names: Vec<serde_json::Value> = r
                    .iter()
                    .map(|&s| spots[self.kept[s - 1]].0.clone().into())
                    .collect();
                extra.insert("stops".into(), names.into());
                extra.insert("lap_s".into(), problem.duration(r).round().into());
                PatrolRoute {
                    id: format!("{id}-{}{suffix}", u + 1),
                    name: format!("{name} {}{suffix}", u + 1),
                    mode: self.mode,
                    waypoints,
                    closed: true,
                    extra,
                }
            })
            .collect()
    }
}
