//! Where the segments are: a flat grid of square cells over the network in the graph's local
//! metres, each cell listing the segments that pass through it (compressed rows of segment
//! ids). About 5 bytes per segment, where an R-tree of `f64` lines took over 50; the nearest
//! segment is found ring by ring of cells around the query, stopping once no farther ring can
//! hold anything nearer.
//!
//! Cells are about one segment's worth of the network's box in size (at least 50 m), and the
//! grid never has more than 2^24 cells.

use crate::coord::LonLat;
use crate::spatial::LocalProjection;

use super::Segment;

const MAX_CELLS: f64 = 16_777_216.0;

#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct SegmentGrid {
    /// South-west corner, metres.
    origin: [f64; 2],
    cell_m: f64,
    nx: u32,
    ny: u32,
    first: Vec<u32>,
    segs: Vec<u32>,
}

/// Distance² from `q` to the segment `a`–`b`, and the fraction along it of the nearest point.
#[inline]
pub(super) fn nearest_on(q: [f64; 2], a: [f64; 2], b: [f64; 2]) -> (f64, f64) {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((q[0] - a[0]) * dx + (q[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
    };
    let (px, py) = (a[0] + t * dx - q[0], a[1] + t * dy - q[1]);
    (px * px + py * py, t)
}

impl SegmentGrid {
    pub(super) fn build(nodes: &[LonLat], segments: &[Segment], proj: &LocalProjection) -> Self {
        if segments.is_empty() {
            return Self::default();
        }
        let pts: Vec<[f64; 2]> = nodes.iter().map(|&p| proj.to_m(p)).collect();
        let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
        for s in segments {
            for p in [pts[s.a as usize], pts[s.b as usize]] {
                lo = [lo[0].min(p[0]), lo[1].min(p[1])];
                hi = [hi[0].max(p[0]), hi[1].max(p[1])];
            }
        }
        let (w, h) = ((hi[0] - lo[0]).max(1.0), (hi[1] - lo[1]).max(1.0));
        let cell_m = (w * h / segments.len() as f64)
            .sqrt()
            .max(50.0)
            .max((w * h / MAX_CELLS).sqrt());
        let nx = (w / cell_m).floor() as u32 + 1;
        let ny = (h / cell_m).floor() as u32 + 1;
        let mut grid = SegmentGrid {
            origin: lo,
            cell_m,
            nx,
            ny,
            first: vec![0; (nx * ny) as usize + 1],
            segs: Vec::new(),
        };
        // Two passes over the cells each segment passes through: count, then fill.
        let half_diag = cell_m * std::f64::consts::FRAC_1_SQRT_2 * 1.000_001;
        let cells_of = |s: &Segment, f: &mut dyn FnMut(usize)| {
            let (a, b) = (pts[s.a as usize], pts[s.b as usize]);
            let (x0, y0) = grid.cell_of([a[0].min(b[0]), a[1].min(b[1])]);
            let (x1, y1) = grid.cell_of([a[0].max(b[0]), a[1].max(b[1])]);
            for y in y0..=y1 {
                for x in x0..=x1 {
                    if x0 != x1 && y0 != y1 {
                        let c = [
                            grid.origin[0] + (f64::from(x) + 0.5) * cell_m,
                            grid.origin[1] + (f64::from(y) + 0.5) * cell_m,
                        ];
                        if nearest_on(c, a, b).0.sqrt() > half_diag {
                            continue;
                        }
                    }
                    f((y * nx + x) as usize);
                }
            }
        };
        let mut count = vec![0u32; (nx * ny) as usize + 1];
        for s in segments {
            cells_of(s, &mut |c| count[c + 1] += 1);
        }
        for i in 0..(nx * ny) as usize {
            count[i + 1] += count[i];
        }
        let mut fill = count.clone();
        let mut segs = vec![0u32; count[(nx * ny) as usize] as usize];
        for (i, s) in segments.iter().enumerate() {
            cells_of(s, &mut |c| {
                segs[fill[c] as usize] = i as u32;
                fill[c] += 1;
            });
        }
        grid.first = count;
        grid.segs = segs;
        grid
    }

    fn cell_of(&self, p: [f64; 2]) -> (u32, u32) {
        let x = ((p[0] - self.origin[0]) / self.cell_m).floor();
        let y = ((p[1] - self.origin[1]) / self.cell_m).floor();
        (
            x.clamp(0.0, f64::from(self.nx - 1)) as u32,
            y.clamp(0.0, f64::from(self.ny - 1)) as u32,
        )
    }

    /// Every segment in the cells at Chebyshev distance `ring` from cell `(cx, cy)`.
    fn ring(&self, cx: i64, cy: i64, ring: i64, f: &mut impl FnMut(u32)) {
        let mut cell = |x: i64, y: i64| {
            if x < 0 || y < 0 || x >= i64::from(self.nx) || y >= i64::from(self.ny) {
                return;
            }
            let c = (y * i64::from(self.nx) + x) as usize;
            for &s in &self.segs[self.first[c] as usize..self.first[c + 1] as usize] {
                f(s);
            }
        };
        if ring == 0 {
            cell(cx, cy);
            return;
        }
        for x in cx - ring..=cx + ring {
            cell(x, cy - ring);
            cell(x, cy + ring);
        }
        for y in cy - ring + 1..cy + ring {
            cell(cx - ring, y);
            cell(cx + ring, y);
        }
    }

    /// Visit segments around `q` ring by ring: `visit(seg)` for each (a segment may come more
    /// than once), and after each ring `done(lower_bound_m)` with the least distance anything
    /// in a farther ring can have; stops when it says so or the grid is exhausted.
    pub(super) fn around(
        &self,
        q: [f64; 2],
        mut visit: impl FnMut(u32),
        mut done: impl FnMut(f64) -> bool,
    ) {
        if self.segs.is_empty() {
            return;
        }
        let x = ((q[0] - self.origin[0]) / self.cell_m).floor();
        let y = ((q[1] - self.origin[1]) / self.cell_m).floor();
        // Outside the grid the distance to its edge counts too.
        let (cx, cy) = (
            x.clamp(-1.0, f64::from(self.nx)) as i64,
            y.clamp(-1.0, f64::from(self.ny)) as i64,
        );
        let cell_lo = [
            self.origin[0] + cx as f64 * self.cell_m,
            self.origin[1] + cy as f64 * self.cell_m,
        ];
        // Distance from q to the edge of its own cell (0 when q lies outside it).
        let inner = (q[0] - cell_lo[0])
            .min(cell_lo[0] + self.cell_m - q[0])
            .min(q[1] - cell_lo[1])
            .min(cell_lo[1] + self.cell_m - q[1])
            .max(0.0);
        let max_ring = i64::from(self.nx.max(self.ny)) + 2;
        for ring in 0..=max_ring {
            self.ring(cx, cy, ring, &mut visit);
            if done(inner + ring as f64 * self.cell_m) {
                return;
            }
        }
    }
}
