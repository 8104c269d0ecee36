//! Where incidents cluster: a kernel density surface over the map and the hot-spot list.
//!
//! The density is the quartic (biweight) kernel that crime mapping uses (ArcGIS's Kernel
//! Density, CrimeStat): each incident spreads one unit of weight over a disc of radius
//! `bandwidth_m`, so the surface integrates to the number of incidents and reads directly in
//! incidents per km². It is sampled at the vertices of a square grid in a local metric
//! projection; the map draws it as a mesh, so it lines up with the basemap at any zoom.
//!
//! Hot spots are square cells (`cell_m`) ranked by count, and by change against an earlier
//! period of equal length.

use crate::coord::{BBox, LonLat};
use crate::spatial::LocalProjection;

/// At most this many grid vertices on a side (the surface stays small at any city size).
pub const MAX_SIDE: usize = 400;

/// A density surface: `values[row * cols + col]` in incidents per km² at the vertex
/// `origin + (col, row) * step_m` (metres east and north of the projection's origin).
#[derive(Clone, Debug, PartialEq)]
pub struct HeatGrid {
    pub projection: LocalProjection,
    /// South-west vertex, metres.
    pub origin_m: [f64; 2],
    pub step_m: f64,
    pub cols: usize,
    pub rows: usize,
    pub values: Vec<f32>,
    /// The largest value (0 when empty).
    pub max: f32,
    /// How many points went in.
    pub points: usize,
    pub bandwidth_m: f64,
}

impl HeatGrid {
    /// The quartic kernel density of `points` over `bounds` (padded by the bandwidth), with
    /// vertices `step_m` apart (widened if the grid would exceed [`MAX_SIDE`]).
    pub fn kde(points: &[LonLat], bounds: &BBox, step_m: f64, bandwidth_m: f64) -> HeatGrid {
        let projection = LocalProjection::new(bounds.center());
        let lo = projection.to_m(bounds.min);
        let hi = projection.to_m(bounds.max);
        let origin_m = [lo[0] - bandwidth_m, lo[1] - bandwidth_m];
        let span = [
            hi[0] - lo[0] + 2.0 * bandwidth_m,
            hi[1] - lo[1] + 2.0 * bandwidth_m,
        ];
        let step_m = step_m
            .max(span[0] / (MAX_SIDE - 1) as f64)
            .max(span[1] / (MAX_SIDE - 1) as f64)
            .max(1.0);
        let cols = (span[0] / step_m).ceil() as usize + 1;
        let rows = (span[1] / step_m).ceil() as usize + 1;
        let mut values = vec![0f32; cols * rows];
        let h2 = bandwidth_m * bandwidth_m;
        // Incidents per m² → per km².
        let norm = 3.0 / (std::f64::consts::PI * h2) * 1e6;
        let reach = (bandwidth_m / step_m).ceil() as i64;
        let mut used = 0;
        for p in points.iter().filter(|p| p.is_valid()) {
            let m = projection.to_m(*p);
            let c0 = ((m[0] - origin_m[0]) / step_m).round() as i64;
            let r0 = ((m[1] - origin_m[1]) / step_m).round() as i64;
            used += 1;
            for r in (r0 - reach).max(0)..=(r0 + reach).min(rows as i64 - 1) {
                let dy = origin_m[1] + r as f64 * step_m - m[1];
                for c in (c0 - reach).max(0)..=(c0 + reach).min(cols as i64 - 1) {
                    let dx = origin_m[0] + c as f64 * step_m - m[0];
                    let u = (dx * dx + dy * dy) / h2;
                    if u < 1.0 {
                        values[r as usize * cols + c as usize] += (norm * (1.0 - u).powi(2)) as f32;
                    }
                }
            }
        }
        let max = values.iter().copied().fold(0f32, f32::max);
        HeatGrid {
            projection,
            origin_m,
            step_m,
            cols,
            rows,
            values,
            max,
            points: used,
            bandwidth_m,
        }
    }

    /// The vertex's place on the map.
    pub fn vertex(&self, col: usize, row: usize) -> LonLat {
        self.projection.to_lonlat([
            self.origin_m[0] + col as f64 * self.step_m,
            self.origin_m[1] + row as f64 * self.step_m,
        ])
    }

    /// The place at fractional grid coordinates (the map's mesh corners).
    pub fn vertex_at(&self, col: f64, row: f64) -> LonLat {
        self.projection.to_lonlat([
            self.origin_m[0] + col * self.step_m,
            self.origin_m[1] + row * self.step_m,
        ])
    }

    pub fn value(&self, col: usize, row: usize) -> f32 {
        self.values[row * self.cols + col]
    }

    /// The density at a place (nearest vertex; 0 outside the grid).
    pub fn at(&self, p: LonLat) -> f32 {
        let m = self.projection.to_m(p);
        let c = ((m[0] - self.origin_m[0]) / self.step_m).round();
        let r = ((m[1] - self.origin_m[1]) / self.step_m).round();
        if c < 0.0 || r < 0.0 || c as usize >= self.cols || r as usize >= self.rows {
            return 0.0;
        }
        self.value(c as usize, r as usize)
    }
}

/// One square of the hot-spot list.
#[derive(Clone, Debug, PartialEq)]
pub struct HotSpot {
    pub centre: LonLat,
    pub count: usize,
    /// The count in the earlier period.
    pub previous: usize,
}

impl HotSpot {
    /// Change against the earlier period, percent; `None` when that was zero.
    pub fn change_pct(&self) -> Option<f64> {
        crate::feed::period::change_pct(self.count as f64, self.previous as f64)
    }
}

/// The squares of side `cell_m` (aligned on the projection of `bounds`' centre) holding
/// `current` or `previous` points: `(by_count, by_rise)`, each at most `top`. By count: most
/// first, ties by rise. By rise: the largest increase in count first (only squares that rose).
pub fn hot_spots(
    current: &[LonLat],
    previous: &[LonLat],
    bounds: &BBox,
    cell_m: f64,
    top: usize,
) -> (Vec<HotSpot>, Vec<HotSpot>) {
    use std::collections::HashMap;
    let proj = LocalProjection::new(bounds.center());
    let cell = |p: &LonLat| {
        let m = proj.to_m(*p);
        (
            (m[0] / cell_m).floor() as i64,
            (m[1] / cell_m).floor() as i64,
        )
    };
    let mut cells: HashMap<(i64, i64), (usize, usize)> = HashMap::new();
    for p in current.iter().filter(|p| p.is_valid()) {
        cells.entry(cell(p)).or_default().0 += 1;
    }
    for p in previous.iter().filter(|p| p.is_valid()) {
        cells.entry(cell(p)).or_default().1 += 1;
    }
    let mut all: Vec<((i64, i64), HotSpot)> = cells
        .into_iter()
        .map(|(k, (count, previous))| {
            let centre = proj.to_lonlat([(k.0 as f64 + 0.5) * cell_m, (k.1 as f64 + 0.5) * cell_m]);
            (
                k,
                HotSpot {
                    centre,
                    count,
                    previous,
                },
            )
        })
        .collect();
    let rise = |h: &HotSpot| h.count as i64 - h.previous as i64;
    // The cell key breaks every tie, so the list does not change between runs.
    all.sort_by(|(ka, a), (kb, b)| {
        b.count
            .cmp(&a.count)
            .then(rise(b).cmp(&rise(a)))
            .then(ka.cmp(kb))
    });
    let by_count: Vec<HotSpot> = all
        .iter()
        .filter(|(_, h)| h.count > 0)
        .take(top)
        .map(|(_, h)| h.clone())
        .collect();
    all.sort_by(|(ka, a), (kb, b)| {
        rise(b)
            .cmp(&rise(a))
            .then(b.count.cmp(&a.count))
            .then(ka.cmp(kb))
    });
    let by_rise = all
        .into_iter()
        .filter(|(_, h)| rise(h) > 0)
        .take(top)
        .map(|(_, h)| h)
        .collect();
    (by_count, by_rise)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn city() -> BBox {
        BBox::from_points([LonLat::new(13.20, 53.52), LonLat::new(13.32, 53.60)])
    }

    #[test]
    fn the_surface_integrates_to_the_number_of_incidents_per_km2() {
        let c = city().center();
        let points = vec![c, c, LonLat::new(13.25, 53.55)];
        let g = HeatGrid::kde(&points, &city(), 20.0, 300.0);
        // Sum of density × cell area (km²) ≈ the count.
        let cell_km2 = (g.step_m / 1000.0).powi(2);
        let total: f64 = g.values.iter().map(|v| f64::from(*v) * cell_km2).sum();
        assert!((total - 3.0).abs() < 0.03, "integral {total}");
        // The peak is at the doubled point: 2 × 3/(π h²) per m².
        let peak = 2.0 * 3.0 / (std::f64::consts::PI * 300.0 * 300.0) * 1e6;
        assert!(
            (f64::from(g.at(c)) - peak).abs() / peak < 0.02,
            "{}",
            g.at(c)
        );
        assert!((f64::from(g.max) - peak).abs() / peak < 0.02);
        // Beyond the bandwidth there is nothing.
        let far = LonLat::new(13.31, 53.59);
        assert_eq!(g.at(far), 0.0);
        assert_eq!(g.points, 3);
    }

    #[test]
    fn an_empty_period_gives_a_flat_surface_and_the_grid_stays_bounded() {
        let g = HeatGrid::kde(&[], &city(), 1.0, 300.0);
        assert_eq!(g.max, 0.0);
        assert!(
            g.cols <= MAX_SIDE && g.rows <= MAX_SIDE,
            "{}×{}",
            g.cols,
            g.rows
        );
        let bad = HeatGrid::kde(&[LonLat::new(f64::NAN, 0.0)], &city(), 50.0, 300.0);
        assert_eq!((bad.points, bad.max), (0, 0.0));
    }

    #[test]
    fn hot_spots_rank_by_count_and_by_rise() {
        let b = city();
        let a = LonLat::new(13.25, 53.55);
        let z = LonLat::new(13.29, 53.58);
        let current = vec![a, a, a, z, z];
        let previous = vec![a, a, a, a, a, a];
        let (by_count, by_rise) = hot_spots(&current, &previous, &b, 500.0, 10);
        assert_eq!(by_count.len(), 2);
        assert_eq!((by_count[0].count, by_count[0].previous), (3, 6));
        assert_eq!(by_count[0].change_pct(), Some(-50.0));
        assert_eq!((by_count[1].count, by_count[1].previous), (2, 0));
        assert_eq!(by_count[1].change_pct(), None, "a zero base has no ratio");
        // Only the square that rose.
        assert_eq!(by_rise.len(), 1);
        assert_eq!(by_rise[0].count, 2);
        assert!(crate::coord::haversine_m(by_rise[0].centre, z) < 400.0);
    }
}
