//! Putting a point on the network: the nearest road of a mode's main component, part-way
//! along its segment. The segment grid ([`super::seg_grid`]) visits the segments near the
//! point ring by ring of cells, so a snap costs the segments within a cell or two of it.

use std::cell::Cell;

use super::seg_grid::nearest_on;
use super::{Mode, RoadGraph};
use crate::coord::LonLat;

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

impl RoadGraph {
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
        // The nearest snappable segment (ties to the lower id) and the nearest usable one
        // off the main component, both within `max_m`.
        let best: Cell<Option<(f64, u32, f64)>> = Cell::new(None);
        let mut nearest_other: Option<f64> = None;
        self.grid.around(
            q,
            |seg| {
                let s = &self.segments[seg as usize];
                if !s.usable_by(mode) {
                    return;
                }
                let a = self.proj.to_m(self.nodes[s.a as usize]);
                let b = self.proj.to_m(self.nodes[s.b as usize]);
                let (d2, t) = nearest_on(q, a, b);
                let d = d2.sqrt();
                if d > max_m {
                    return;
                }
                if !self.snappable(mode, seg) {
                    nearest_other = Some(nearest_other.map_or(d, |o: f64| o.min(d)));
                } else if best.get().is_none_or(|(bd, bs, _)| (d, seg) < (bd, bs)) {
                    best.set(Some((d, seg, t)));
                }
            },
            |beyond_m| beyond_m > max_m || best.get().is_some_and(|(d, _, _)| d <= beyond_m),
        );
        if let Some((d, seg, t)) = best.get() {
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
}
