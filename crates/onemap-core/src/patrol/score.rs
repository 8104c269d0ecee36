//! What a patrol route is worth, recomputed as it is edited: its length and duration, the
//! hot spots it stops at long enough (the Koper curve: 10–16 minutes), how long a hot spot
//! waits between visits, the beats it goes through, how much of it no camera sees, how long
//! it stays within 1 and 3 minutes of each required site and its PAI ([`super::cover`]).
//!
//! The route's clock starts at its first waypoint: that stop's dwell, the first leg, the
//! second stop's dwell, and so on (a loop ends back at the first waypoint, whose dwell counts
//! once). Per-segment facts (beat, seen by a camera) are computed once per city and layers
//! ([`segment_beats`], [`blind_segments`]), so scoring is a walk over the route's pieces.

use super::cover::{Pai, SiteHeld, SiteIndex, pai, sites_held};
use super::{PatrolRoute, SnappedRoute};
use crate::coord::{LonLat, haversine_m};
use crate::layers::Camera;
use crate::routing::RoadGraph;
use crate::spatial::LayerIndex;

/// A place worth patrolling, with its weight (e.g. incidents there in the period).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HotSpot {
    pub at: LonLat,
    pub weight: f64,
}

/// A stop this close to a hot spot (its road position) visits it, metres.
pub const VISIT_RADIUS_M: f64 = 150.0;
/// The Koper window: a visit deters best when it lasts 10 to 16 minutes, seconds.
pub const KOPER_S: (f64, f64) = (600.0, 960.0);

/// What a route is scored against.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScoreSetup<'a> {
    pub hot_spots: &'a [HotSpot],
    /// Per segment of the graph: the beat it lies in (by its midpoint), if any.
    pub seg_beat: &'a [Option<u32>],
    /// Per segment: no online camera sees it.
    pub blind: &'a [bool],
    /// The required sites' 1- and 3-minute circles (for the route's mode), if any.
    pub sites: Option<&'a SiteIndex>,
    /// Incidents, weighted points, for the PAI.
    pub incidents: &'a [(LonLat, f64)],
    /// The study area of the PAI, square metres ([`super::cover::beats_area_m2`]).
    pub study_m2: f64,
}

/// One stop at a hot spot.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Visit {
    pub hot: usize,
    pub waypoint: usize,
    /// When the stop begins, seconds from the route's start.
    pub at_s: f64,
    pub dwell_s: f64,
    /// Its dwell is in the Koper window.
    pub koper: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Score {
    pub length_m: f64,
    pub travel_s: f64,
    pub dwell_s: f64,
    /// Travel plus dwell: one lap of a loop.
    pub duration_s: f64,
    pub visits: Vec<Visit>,
    /// The distinct hot spots visited with a dwell in the Koper window, and their weight.
    pub hot_spots_koper: usize,
    pub hot_weight: f64,
    /// The longest wait between visits to one hot spot (a loop wraps to the next lap; on an
    /// open route a spot visited once has no wait), seconds.
    pub longest_gap_s: Option<f64>,
    /// `(beat, road metres)` of the beats the route goes through, by beat.
    pub beats: Vec<(u32, f64)>,
    /// Road metres no online camera sees.
    pub blind_m: f64,
    /// The seconds of the lap within 1 and 3 minutes of each required site it comes near.
    pub sites: Vec<SiteHeld>,
    /// The incidents near the route's roads against the area they take up.
    pub pai: Pai,
}

impl Score {
    /// The share of the lap within each of [`super::cover::SITE_LIMITS_S`] of `site`.
    pub fn site_share(&self, held: &SiteHeld) -> [f64; 2] {
        if self.duration_s <= 0.0 {
            return [0.0; 2];
        }
        held.within_s.map(|s| (s / self.duration_s).min(1.0))
    }
}

/// The score of `route` laid on the roads as `snapped`.
pub fn score(
    graph: &RoadGraph,
    route: &PatrolRoute,
    snapped: &SnappedRoute,
    setup: &ScoreSetup<'_>,
) -> Score {
    let mut s = Score::default();
    let mut beats: Vec<f64> = Vec::new();
    for leg in &snapped.legs {
        s.length_m += leg.length_m;
        s.travel_s += leg.travel_s;
        for p in &leg.pieces {
            let m = p.length_m(graph);
            let seg = p.seg as usize;
            if let Some(Some(b)) = setup.seg_beat.get(seg) {
                let b = *b as usize;
                if beats.len() <= b {
                    beats.resize(b + 1, 0.0);
                }
                beats[b] += m;
            }
            if setup.blind.get(seg).copied().unwrap_or(false) {
                s.blind_m += m;
            }
        }
    }
    s.beats = beats
        .into_iter()
        .enumerate()
        .filter(|(_, m)| *m > 0.0)
        .map(|(b, m)| (b as u32, m))
        .collect();
    // The stops' times: each waypoint's dwell begins on arrival.
    let mut t = 0.0;
    let mut starts = Vec::with_capacity(route.waypoints.len());
    for (k, w) in route.waypoints.iter().enumerate() {
        starts.push(t);
        t += f64::from(w.dwell_s);
        s.dwell_s += f64::from(w.dwell_s);
        if let Some(leg) = snapped.legs.get(k) {
            t += leg.travel_s;
        }
    }
    s.duration_s = s.travel_s + s.dwell_s;
    for (k, w) in route.waypoints.iter().enumerate() {
        if w.dwell_s <= 0.0 {
            continue;
        }
        let at = snapped.snaps.get(k).map_or(w.at, |p| p.point);
        for (h, spot) in setup.hot_spots.iter().enumerate() {
            if haversine_m(at, spot.at) <= VISIT_RADIUS_M {
                let dwell = f64::from(w.dwell_s);
                s.visits.push(Visit {
                    hot: h,
                    waypoint: k,
                    at_s: starts[k],
                    dwell_s: dwell,
                    koper: (KOPER_S.0..=KOPER_S.1).contains(&dwell),
                });
            }
        }
    }
    let mut koper: Vec<usize> = s.visits.iter().filter(|v| v.koper).map(|v| v.hot).collect();
    koper.sort_unstable();
    koper.dedup();
    s.hot_spots_koper = koper.len();
    s.hot_weight = koper
        .iter()
        .map(|&h| setup.hot_spots[h].weight)
        .sum::<f64>()
        .max(0.0);
    s.longest_gap_s = longest_gap(&s.visits, route.closed, s.duration_s);
    if let Some(sites) = setup.sites {
        s.sites = sites_held(graph, route, snapped, sites);
    }
    s.pai = pai(graph, snapped, setup.incidents, setup.study_m2);
    s
}

fn longest_gap(visits: &[Visit], closed: bool, lap_s: f64) -> Option<f64> {
    let mut by_hot: Vec<(usize, f64)> = visits.iter().map(|v| (v.hot, v.at_s)).collect();
    by_hot.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut worst: Option<f64> = None;
    for group in by_hot.chunk_by(|a, b| a.0 == b.0) {
        let mut gaps: Vec<f64> = group.windows(2).map(|w| w[1].1 - w[0].1).collect();
        if closed {
            gaps.push(group[0].1 + lap_s - group[group.len() - 1].1);
        }
        for g in gaps {
            worst = Some(worst.map_or(g, |w: f64| w.max(g)));
        }
    }
    worst
}

/// The beat of each segment of `graph`, by its midpoint.
pub fn segment_beats(graph: &RoadGraph, beats: &LayerIndex) -> Vec<Option<u32>> {
    (0..graph.segments.len() as u32)
        .map(|seg| beats.beat_at(graph.point_on(seg, 0.5)).map(|b| b as u32))
        .collect()
}

/// Whether each segment of `graph` is blind: no online camera has its midpoint within its
/// range and field of view (an R-tree of the online cameras, so 100,000 of them are fine).
pub fn blind_segments(graph: &RoadGraph, cameras: &[Camera]) -> Vec<bool> {
    let layers = crate::layers::OpLayers {
        cameras: cameras.iter().filter(|c| c.is_online()).cloned().collect(),
        ..Default::default()
    };
    let index = LayerIndex::new(&layers, graph.proj.origin);
    (0..graph.segments.len() as u32)
        .map(|seg| index.cameras_seeing(graph.point_on(seg, 0.5)).is_empty())
        .collect()
}

/// Whether `camera` sees `p`: within its range and its field of view.
pub fn sees(camera: &Camera, p: LonLat) -> bool {
    let d = haversine_m(camera.pos, p);
    if d > camera.range_m {
        return false;
    }
    if camera.fov_deg >= 360.0 || d < 1.0 {
        return true;
    }
    let (dx, dy) = (
        (p.lon - camera.pos.lon) * camera.pos.lat.to_radians().cos(),
        p.lat - camera.pos.lat,
    );
    let bearing = dx.atan2(dy).to_degrees().rem_euclid(360.0);
    let off = (bearing - camera.heading_deg + 540.0).rem_euclid(360.0) - 180.0;
    off.abs() <= camera.fov_deg / 2.0
}
