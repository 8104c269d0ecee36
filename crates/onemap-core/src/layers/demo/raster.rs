//! The beat generator's raster: a grid of cells in local metres, rasterising lines onto it,
//! and tracing a region of equal labels into a simple, simplified polygon with holes.

use std::collections::HashMap;

use super::dist;
use crate::spatial::{Containment, douglas_peucker, locate_in_polygon};

pub(super) struct Grid {
    pub(super) origin: [f64; 2],
    pub(super) cell_m: f64,
    pub(super) w: i32,
    pub(super) h: i32,
}

impl Grid {
    pub(super) fn cell(&self, m: [f64; 2]) -> Option<(i32, i32)> {
        let i = ((m[0] - self.origin[0]) / self.cell_m).floor() as i32;
        let j = ((m[1] - self.origin[1]) / self.cell_m).floor() as i32;
        (i >= 0 && j >= 0 && i < self.w && j < self.h).then_some((i, j))
    }

    pub(super) fn index(&self, i: i32, j: i32) -> usize {
        (j * self.w + i) as usize
    }

    pub(super) fn corner_m(&self, i: i32, j: i32) -> [f64; 2] {
        [
            self.origin[0] + f64::from(i) * self.cell_m,
            self.origin[1] + f64::from(j) * self.cell_m,
        ]
    }

    /// Mark every cell a polyline passes through.
    pub(super) fn rasterise(&self, points: &[[f64; 2]], mark: &mut [bool]) {
        for w in points.windows(2) {
            let steps = (dist(w[0], w[1]) / (self.cell_m / 4.0)).ceil().max(1.0) as usize;
            for s in 0..=steps {
                let f = s as f64 / steps as f64;
                let p = [
                    w[0][0] + (w[1][0] - w[0][0]) * f,
                    w[0][1] + (w[1][1] - w[0][1]) * f,
                ];
                if let Some((i, j)) = self.cell(p) {
                    mark[self.index(i, j)] = true;
                }
            }
        }
    }
}

/// Make every region free of cells that touch only diagonally, so traced rings are simple.
/// Douglas–Peucker tolerance for beat outlines, in cells: removes the raster staircase.
const SIMPLIFY_CELLS: f64 = 1.0;

/// A corner where three or more regions (or the outside) meet. Shared boundaries between two
/// beats run from junction to junction; simplifying each such chain the same way from both
/// sides keeps neighbouring beats' outlines identical (no gaps, no overlaps).
fn is_junction(grid: &Grid, label: &[u32], (i, j): (i32, i32)) -> bool {
    let at = |a: i32, b: i32| {
        if a >= 0 && b >= 0 && a < grid.w && b < grid.h {
            label[grid.index(a, b)]
        } else {
            u32::MAX
        }
    };
    let mut seen = [at(i - 1, j - 1), at(i, j - 1), at(i - 1, j), at(i, j)];
    seen.sort_unstable();
    seen.windows(2).filter(|w| w[0] != w[1]).count() >= 2
}

/// Simplify a closed loop of grid corners chain by chain between junctions.
fn simplify_loop(grid: &Grid, label: &[u32], ring: &[(i32, i32)]) -> Vec<(i32, i32)> {
    let n = ring.len();
    let junctions: Vec<usize> = (0..n)
        .filter(|&k| is_junction(grid, label, ring[k]))
        .collect();
    let tolerance = SIMPLIFY_CELLS;
    if junctions.is_empty() {
        // A loop that touches one neighbour only: simplify it as one chain from a canonical
        // start (its smallest corner), in a canonical direction.
        let start = (0..n).min_by_key(|&k| ring[k]).unwrap_or(0);
        let mut chain: Vec<(i32, i32)> = (0..=n).map(|k| ring[(start + k) % n]).collect();
        let reversed = chain[1] > chain[n - 1];
        if reversed {
            chain.reverse();
        }
        let mut out = douglas_peucker(&chain, tolerance);
        if reversed {
            out.reverse();
        }
        out.pop(); // the closing corner repeats the first
        return out;
    }
    let mut out = Vec::new();
    for (x, &a) in junctions.iter().enumerate() {
        let b = junctions[(x + 1) % junctions.len()];
        let len = if b > a { b - a } else { b + n - a };
        let mut chain: Vec<(i32, i32)> = (0..=len).map(|k| ring[(a + k) % n]).collect();
        let reversed =
            chain[0] > chain[len] || (chain[0] == chain[len] && chain[1] > chain[len - 1]);
        if reversed {
            chain.reverse();
        }
        let mut simplified = douglas_peucker(&chain, tolerance);
        if reversed {
            simplified.reverse();
        }
        simplified.pop(); // the next chain starts with it
        out.extend(simplified);
    }
    out
}

pub(super) fn remove_pinches(grid: &Grid, label: &mut [u32]) {
    for _pass in 0..20 {
        let mut changed = false;
        for j in 0..grid.h - 1 {
            for i in 0..grid.w - 1 {
                let (a, b) = (grid.index(i, j), grid.index(i + 1, j));
                let (c, d) = (grid.index(i, j + 1), grid.index(i + 1, j + 1));
                let (la, lb, lc, ld) = (label[a], label[b], label[c], label[d]);
                if la == ld && lb != la && lc != la {
                    label[b] = la;
                    changed = true;
                } else if lb == lc && la != lb && ld != lb {
                    label[a] = lb;
                    changed = true;
                }
            }
        }
        if !changed {
            return;
        }
    }
}

/// The cells each region covers, as `[i_min, j_min, i_max, j_max]` (inclusive), for `regions`
/// regions labelled `0..regions`: one pass over the grid, so that tracing every region costs
/// the sum of their boxes rather than regions × grid.
pub(super) fn region_boxes(grid: &Grid, label: &[u32], regions: usize) -> Vec<Option<[i32; 4]>> {
    let mut boxes: Vec<Option<[i32; 4]>> = vec![None; regions];
    for j in 0..grid.h {
        for i in 0..grid.w {
            let Some(b) = boxes.get_mut(label[grid.index(i, j)] as usize) else {
                continue;
            };
            let r = b.get_or_insert([i, j, i, j]);
            *r = [r[0].min(i), r[1].min(j), r[2].max(i), r[3].max(j)];
        }
    }
    boxes
}

/// The outline of region `s` (largest outer ring and the holes inside it), in metres, from its
/// box of cells ([`region_boxes`]).
pub(super) fn trace_region(
    grid: &Grid,
    label: &[u32],
    s: u32,
    cells_box: [i32; 4],
) -> Option<Vec<Vec<[f64; 2]>>> {
    // Directed boundary edges with the region on the left, keyed by start corner.
    let mut next: HashMap<(i32, i32), (i32, i32)> = HashMap::new();
    let inside = |i: i32, j: i32| {
        i >= 0 && j >= 0 && i < grid.w && j < grid.h && label[grid.index(i, j)] == s
    };
    let mut cells = 0usize;
    let [i0, j0, i1, j1] = cells_box;
    for j in j0..=j1 {
        for i in i0..=i1 {
            if !inside(i, j) {
                continue;
            }
            cells += 1;
            if !inside(i, j - 1) {
                next.insert((i, j), (i + 1, j));
            }
            if !inside(i + 1, j) {
                next.insert((i + 1, j), (i + 1, j + 1));
            }
            if !inside(i, j + 1) {
                next.insert((i + 1, j + 1), (i, j + 1));
            }
            if !inside(i - 1, j) {
                next.insert((i, j + 1), (i, j));
            }
        }
    }
    if cells < 6 {
        return None;
    }
    let mut loops: Vec<Vec<(i32, i32)>> = Vec::new();
    let mut starts: Vec<(i32, i32)> = next.keys().copied().collect();
    starts.sort_unstable();
    for start in starts {
        if !next.contains_key(&start) {
            continue;
        }
        let mut ring = vec![start];
        let mut at = start;
        while let Some(to) = next.remove(&at) {
            if to == start {
                break;
            }
            ring.push(to);
            at = to;
        }
        let simplified = simplify_loop(grid, label, &ring);
        if simplified.len() >= 3 {
            loops.push(simplified);
        }
    }
    let area2 = |r: &[(i32, i32)]| -> i64 {
        (0..r.len())
            .map(|x| {
                let (a, b) = (r[x], r[(x + 1) % r.len()]);
                i64::from(a.0) * i64::from(b.1) - i64::from(b.0) * i64::from(a.1)
            })
            .sum()
    };
    // Region on the left: outer rings run counter-clockwise (positive area), holes clockwise.
    let outer_index = (0..loops.len())
        .filter(|&x| area2(&loops[x]) > 0)
        .max_by_key(|&x| area2(&loops[x]))?;
    let to_m = |r: &[(i32, i32)]| -> Vec<[f64; 2]> {
        let mut v: Vec<[f64; 2]> = r.iter().map(|&(i, j)| grid.corner_m(i, j)).collect();
        v.push(v[0]);
        v
    };
    let outer = to_m(&loops[outer_index]);
    let mut rings = vec![outer.clone()];
    for (x, l) in loops.iter().enumerate() {
        if x != outer_index && area2(l) < 0 {
            let hole = to_m(l);
            // A hole corner sits on the grid; test the middle of its first edge.
            let probe = [
                (hole[0][0] + hole[1][0]) / 2.0,
                (hole[0][1] + hole[1][1]) / 2.0,
            ];
            let nudged = [probe[0] + 1e-3, probe[1] + 1e-3];
            if locate_in_polygon(nudged, std::slice::from_ref(&outer)) == Containment::Inside {
                rings.push(hole);
            }
        }
    }
    Some(rings)
}

// ---------------------------------------------------------------------------------------------
// Cameras
