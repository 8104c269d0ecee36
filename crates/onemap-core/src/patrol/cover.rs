//! What a patrol holds besides its stops: the required sites it stays close to (the 1- and
//! 3-minute rapid-response circles, held by units on the move), and the incidents near its
//! roads against the area those roads take up (the PAI).
//!
//! **Sites.** A site's circle for a limit is the road network from which the site is reached
//! within that limit ([`SITE_LIMITS_S`]), for the route's mode: one reverse isochrone per
//! site, computed once per graph, mode and set of sites ([`SiteIndex::new`]) and kept by
//! segment, so a route's time inside each circle is a walk over its pieces. A unit is inside
//! a circle while it drives a piece of road in it (time in proportion, speed being constant
//! along a segment) and while it stands at a stop in it.
//!
//! **PAI** (the predictive accuracy index, Chainey et al. 2008): the share of the incidents
//! within [`CORRIDOR_M`] of the route's roads, divided by the share of the study area that
//! corridor covers. The corridor is rasterised in [`CELL_M`] squares of the graph's local
//! projection (the squares whose centre lies within the distance of a point of the route's
//! roads, sampled every square); an incident counts when its square is in the corridor.

use super::route::Piece;
use super::{PatrolRoute, SnappedRoute};
use crate::coord::LonLat;
use crate::layers::Beat;
use crate::routing::isochrone::{Workspace, isochrones};
use crate::routing::search::Origin;
use crate::routing::{Direction, MAX_SNAP_M, Mode, RoadGraph};
use crate::spatial::LocalProjection;

/// The rapid-response circles a site is held within: 1 and 3 minutes, seconds.
pub const SITE_LIMITS_S: [f32; 2] = [60.0, 180.0];
/// Incidents this close to the route's roads are covered by it, metres.
pub const CORRIDOR_M: f64 = 150.0;
/// The side of the squares the corridor is measured in, metres.
pub const CELL_M: f64 = 25.0;

/// Part of a segment inside one site's circle.
#[derive(Clone, Copy, Debug, PartialEq)]
struct InCircle {
    site: u32,
    /// Index into [`SITE_LIMITS_S`].
    limit: u8,
    lo: f32,
    hi: f32,
}

/// The sites' circles by segment (compressed rows: `start[seg]..start[seg + 1]` of `parts`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SiteIndex {
    pub mode: Option<Mode>,
    pub sites: usize,
    /// The sites no road of the mode reaches (too far from one): they hold no time.
    pub unreached: Vec<usize>,
    start: Vec<u32>,
    parts: Vec<InCircle>,
}

impl SiteIndex {
    /// The 1- and 3-minute circles of each of `sites` for `mode`.
    pub fn new(graph: &RoadGraph, mode: Mode, sites: &[LonLat]) -> Self {
        let mut ws = Workspace::new(graph);
        let mut by_seg: Vec<Vec<InCircle>> = vec![Vec::new(); graph.segment_count()];
        let mut unreached = Vec::new();
        for (i, &p) in sites.iter().enumerate() {
            let Ok(snap) = graph.snap(p, mode, MAX_SNAP_M) else {
                unreached.push(i);
                continue;
            };
            let origin = Origin { snap, delay_s: 0.0 };
            let Ok(reaches) = isochrones(
                graph,
                &mut ws,
                mode,
                Direction::Reverse,
                &[origin],
                &SITE_LIMITS_S,
            ) else {
                unreached.push(i);
                continue;
            };
            for (limit, reach) in reaches.iter().enumerate() {
                for piece in &reach.pieces {
                    by_seg[piece.seg as usize].push(InCircle {
                        site: i as u32,
                        limit: limit as u8,
                        lo: piece.lo,
                        hi: piece.hi,
                    });
                }
            }
        }
        let mut start = Vec::with_capacity(by_seg.len() + 1);
        let mut parts = Vec::new();
        for row in by_seg {
            start.push(parts.len() as u32);
            parts.extend(row);
        }
        start.push(parts.len() as u32);
        Self {
            mode: Some(mode),
            sites: sites.len(),
            unreached,
            start,
            parts,
        }
    }

    fn on(&self, seg: u32) -> &[InCircle] {
        let s = seg as usize;
        match (self.start.get(s), self.start.get(s + 1)) {
            (Some(&a), Some(&b)) => &self.parts[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// How long one site is held: seconds of the lap within each of [`SITE_LIMITS_S`] of it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SiteHeld {
    pub site: usize,
    pub within_s: [f64; 2],
}

/// The seconds of the lap (travel and dwell) `route` spends inside each site's circles, for
/// the sites it enters at all, by site. `sites` must have been made for the route's mode.
pub fn sites_held(
    graph: &RoadGraph,
    route: &PatrolRoute,
    snapped: &SnappedRoute,
    sites: &SiteIndex,
) -> Vec<SiteHeld> {
    if sites.mode != Some(route.mode) {
        return Vec::new();
    }
    let mut held: Vec<[f64; 2]> = vec![[0.0; 2]; sites.sites];
    let mut add = |c: &InCircle, s: f64| held[c.site as usize][usize::from(c.limit)] += s;
    for leg in &snapped.legs {
        for p in &leg.pieces {
            piece_inside(graph, route.mode, p, sites.on(p.seg), &mut add);
        }
    }
    for (w, snap) in route.waypoints.iter().zip(&snapped.snaps) {
        if w.dwell_s <= 0.0 {
            continue;
        }
        for c in sites.on(snap.seg) {
            if (c.lo..=c.hi).contains(&snap.frac) {
                add(c, f64::from(w.dwell_s));
            }
        }
    }
    held.into_iter()
        .enumerate()
        .filter(|(_, w)| w[0] > 0.0 || w[1] > 0.0)
        .map(|(site, within_s)| SiteHeld { site, within_s })
        .collect()
}

/// Calls `add` with the seconds of `p` inside each circle part on its segment.
fn piece_inside(
    graph: &RoadGraph,
    mode: Mode,
    p: &Piece,
    parts: &[InCircle],
    add: &mut impl FnMut(&InCircle, f64),
) {
    let (lo, hi) = (p.from.min(p.to), p.from.max(p.to));
    if hi <= lo || parts.is_empty() {
        return;
    }
    let time = p.time_s(graph, mode);
    for c in parts {
        let overlap = f64::from(hi.min(c.hi) - lo.max(c.lo));
        if overlap > 0.0 {
            add(c, time * overlap / f64::from(hi - lo));
        }
    }
}

/// The area of `beats` (exterior rings less holes), square metres: the study area of the PAI.
pub fn beats_area_m2(beats: &[Beat]) -> f64 {
    let Some(origin) = beats.iter().flat_map(|b| b.rings.iter().flatten()).next() else {
        return 0.0;
    };
    let proj = LocalProjection::new(*origin);
    beats
        .iter()
        .map(|b| {
            b.rings
                .iter()
                .enumerate()
                .map(|(k, ring)| {
                    let a = shoelace(ring.iter().map(|p| proj.to_m(*p))).abs();
                    if k == 0 { a } else { -a }
                })
                .sum::<f64>()
                .max(0.0)
        })
        .sum()
}

fn shoelace(points: impl Iterator<Item = [f64; 2]>) -> f64 {
    let pts: Vec<[f64; 2]> = points.collect();
    pts.windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum::<f64>()
        / 2.0
}

/// The area of the box around the roads, square metres: the study area when there are no
/// beats.
pub fn graph_area_m2(graph: &RoadGraph) -> f64 {
    let b = graph.bounds();
    let [x0, y0] = graph.proj.to_m(b.min);
    let [x1, y1] = graph.proj.to_m(b.max);
    ((x1 - x0) * (y1 - y0)).max(0.0)
}

/// The route's corridor and the incidents in it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Pai {
    /// The corridor's area, square metres.
    pub area_m2: f64,
    /// The weight of the incidents in it, and of all of them.
    pub covered: f64,
    pub total: f64,
    /// `(covered / total) / (area / study area)`; `None` without incidents or a study area.
    pub pai: Option<f64>,
}

/// The PAI of the roads `snapped` travels, for `incidents` (weighted points) in a study area
/// of `study_m2` square metres.
pub fn pai(
    graph: &RoadGraph,
    snapped: &SnappedRoute,
    incidents: &[(LonLat, f64)],
    study_m2: f64,
) -> Pai {
    let proj = &graph.proj;
    let total: f64 = incidents.iter().map(|(_, w)| w.max(0.0)).sum();
    let Some(grid) = Corridor::new(&snapped_lines(snapped, proj)) else {
        return Pai {
            total,
            ..Pai::default()
        };
    };
    let covered: f64 = incidents
        .iter()
        .filter(|(p, _)| grid.contains(proj.to_m(*p)))
        .map(|(_, w)| w.max(0.0))
        .sum();
    let area_m2 = grid.area_m2();
    let pai = (total > 0.0 && study_m2 > 0.0 && area_m2 > 0.0)
        .then(|| (covered / total) / (area_m2 / study_m2));
    Pai {
        area_m2,
        covered,
        total,
        pai,
    }
}

fn snapped_lines(snapped: &SnappedRoute, proj: &LocalProjection) -> Vec<Vec<[f64; 2]>> {
    snapped
        .legs
        .iter()
        .map(|l| l.line.iter().map(|p| proj.to_m(*p)).collect())
        .collect()
}

/// The squares within [`CORRIDOR_M`] of the lines, over the lines' box.
struct Corridor {
    x0: f64,
    y0: f64,
    w: usize,
    h: usize,
    on: Vec<bool>,
}

impl Corridor {
    fn new(lines: &[Vec<[f64; 2]>]) -> Option<Self> {
        let first = *lines.iter().flatten().next()?;
        let (mut min, mut max) = (first, first);
        for p in lines.iter().flatten() {
            min = [min[0].min(p[0]), min[1].min(p[1])];
            max = [max[0].max(p[0]), max[1].max(p[1])];
        }
        let pad = CORRIDOR_M + CELL_M;
        let (x0, y0) = (min[0] - pad, min[1] - pad);
        let w = ((max[0] + pad - x0) / CELL_M).ceil() as usize + 1;
        let h = ((max[1] + pad - y0) / CELL_M).ceil() as usize + 1;
        let mut c = Corridor {
            x0,
            y0,
            w,
            h,
            on: vec![false; w * h],
        };
        // The squares whose centre is within the distance of a sample, as offsets.
        let r = (CORRIDOR_M / CELL_M).ceil() as i64 + 1;
        // A sample every square's side along each line (carried over its vertices), and its
        // ends.
        for line in lines {
            let mut to_next = 0.0;
            for seg in line.windows(2) {
                let [a, b] = [seg[0], seg[1]];
                let len = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
                let mut d = to_next;
                while d <= len {
                    let t = if len > 0.0 { d / len } else { 0.0 };
                    c.stamp([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])], r);
                    d += CELL_M;
                }
                to_next = d - len;
            }
            if let Some(&end) = line.last() {
                c.stamp(end, r);
            }
        }
        Some(c)
    }

    /// Marks the squares whose centre is within [`CORRIDOR_M`] of `p`: per row, the run of
    /// squares whose centre is inside the disk.
    fn stamp(&mut self, p: [f64; 2], r: i64) {
        let cj = ((p[1] - self.y0) / CELL_M).floor() as i64;
        let last = self.w as f64 - 1.0;
        for j in (cj - r).max(0)..=(cj + r).min(self.h as i64 - 1) {
            let dy = self.y0 + (j as f64 + 0.5) * CELL_M - p[1];
            let left = CORRIDOR_M * CORRIDOR_M - dy * dy;
            if left < 0.0 {
                continue;
            }
            let half = left.sqrt();
            let lo = ((p[0] - half - self.x0) / CELL_M - 0.5).ceil().max(0.0);
            let hi = ((p[0] + half - self.x0) / CELL_M - 0.5).floor().min(last);
            if lo <= hi {
                let row = j as usize * self.w;
                self.on[row + lo as usize..=row + hi as usize].fill(true);
            }
        }
    }

    fn contains(&self, p: [f64; 2]) -> bool {
        let i = ((p[0] - self.x0) / CELL_M).floor();
        let j = ((p[1] - self.y0) / CELL_M).floor();
        if i < 0.0 || j < 0.0 || i >= self.w as f64 || j >= self.h as f64 {
            return false;
        }
        self.on[j as usize * self.w + i as usize]
    }

    fn area_m2(&self) -> f64 {
        self.on.iter().filter(|&&b| b).count() as f64 * CELL_M * CELL_M
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_straight_corridor_has_the_area_of_a_stadium() {
        // 1 km east: 2·150·1000 + π·150² = 370,686 m².
        let line = vec![[0.0, 0.0], [1000.0, 0.0]];
        let c = Corridor::new(&[line]).unwrap();
        let exact = 2.0 * CORRIDOR_M * 1000.0 + std::f64::consts::PI * CORRIDOR_M.powi(2);
        let err = (c.area_m2() - exact).abs() / exact;
        assert!(err < 0.02, "{} against {exact}: {err}", c.area_m2());
        assert!(c.contains([500.0, 140.0]));
        assert!(c.contains([-140.0, 0.0]));
        assert!(!c.contains([500.0, 170.0]));
        assert!(!c.contains([1170.0, 0.0]));
    }
}
