//! Response rings for display: the reached roads of each limit buffered onto one raster in
//! the graph's local metres ([`rasterize`]), traced into polygons with holes ([`polygons`]).
//! [`RingRaster::for_origins`] gives the resolution; the console and `onemap plan` both use
//! [`rings`], so the rings a planner sees are the rings the export writes.
//!
//! Cost: O(cells) for the raster (bounded by the reached area), O(boundary) for tracing.

use super::isochrone::{IsochroneError, Reach, Workspace, isochrones};
use super::{Direction, Mode, Origin, RoadGraph};
use crate::coord::LonLat;
use crate::spatial::{Containment, locate_in_polygon};

/// Raster resolution of rings: cell size and how far the reached roads are buffered, metres.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RingRaster {
    pub cell_m: f64,
    pub buffer_m: f64,
}

impl RingRaster {
    /// Finer for one origin (a post's own rings), coarser for many (a whole city's union).
    ///
    /// ```
    /// # use onemap_core::routing::rings::RingRaster;
    /// assert_eq!(RingRaster::for_origins(1), RingRaster { cell_m: 12.0, buffer_m: 35.0 });
    /// assert_eq!(RingRaster::for_origins(13).cell_m, 20.0);
    /// ```
    pub fn for_origins(origins: usize) -> RingRaster {
        if origins <= 1 {
            RingRaster {
                cell_m: 12.0,
                buffer_m: 35.0,
            }
        } else {
            RingRaster {
                cell_m: 20.0,
                buffer_m: 45.0,
            }
        }
    }
}

/// Rings of several limits from the same origins.
#[derive(Clone, Debug, Default)]
pub struct Rings {
    /// The reached network per limit, in the order asked.
    pub reaches: Vec<Reach>,
    pub raster: BandRaster,
    /// Per limit, the area as polygons with holes.
    pub polygons: Vec<Vec<Polygon>>,
}

/// The rings of `limits_s` (ascending) from (or, in reverse, to) `origins`.
pub fn rings(
    graph: &RoadGraph,
    ws: &mut Workspace,
    mode: Mode,
    dir: Direction,
    origins: &[Origin],
    limits_s: &[f32],
) -> Result<Rings, IsochroneError> {
    let reaches = isochrones(graph, ws, mode, dir, origins, limits_s)?;
    Ok(rings_of(
        graph,
        reaches,
        RingRaster::for_origins(origins.len()),
    ))
}

/// Rings from reaches already computed (coverage computes them anyway).
pub fn rings_of(graph: &RoadGraph, reaches: Vec<Reach>, res: RingRaster) -> Rings {
    let raster = rasterize(graph, &reaches, res.cell_m, res.buffer_m);
    let polygons = (1..=reaches.len())
        .map(|k| polygons(graph, &raster, k as u8))
        .collect();
    Rings {
        reaches,
        raster,
        polygons,
    }
}

/// Reached roads buffered onto a grid in the graph's local metres. Cell value `k > 0`: within
/// the `k`-th smallest limit; 0: not reached.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BandRaster {
    /// South-west corner of cell (0, 0), local metres.
    pub origin_m: [f64; 2],
    pub cell_m: f64,
    pub w: usize,
    pub h: usize,
    /// Row-major, row 0 in the south.
    pub band: Vec<u8>,
}

impl BandRaster {
    /// Runs of equal non-zero band along each row: `(row, first col, end col, band)`; what a
    /// display draws as rectangles.
    pub fn runs(&self) -> Vec<(usize, usize, usize, u8)> {
        let mut out = Vec::new();
        for j in 0..self.h {
            let row = &self.band[j * self.w..(j + 1) * self.w];
            let mut i = 0;
            while i < self.w {
                let b = row[i];
                let start = i;
                while i < self.w && row[i] == b {
                    i += 1;
                }
                if b != 0 {
                    out.push((j, start, i, b));
                }
            }
        }
        out
    }

    /// Local metres of cell corner `(i, j)`.
    pub fn corner_m(&self, i: f64, j: f64) -> [f64; 2] {
        [
            self.origin_m[0] + i * self.cell_m,
            self.origin_m[1] + j * self.cell_m,
        ]
    }
}

/// Buffer the reached roads by `buffer_m` onto cells of `cell_m`. `reaches` sorted by limit,
/// smallest first (as they get band 1, 2, …).
pub fn rasterize(graph: &RoadGraph, reaches: &[Reach], cell_m: f64, buffer_m: f64) -> BandRaster {
    let lines: Vec<Vec<([f64; 2], [f64; 2])>> = reaches
        .iter()
        .map(|r| {
            r.lines(graph)
                .map(|[a, b]| (graph.proj.to_m(a), graph.proj.to_m(b)))
                .collect()
        })
        .collect();
    let (mut min, mut max) = ([f64::MAX; 2], [f64::MIN; 2]);
    for &(a, b) in lines.iter().flatten() {
        for p in [a, b] {
            for k in 0..2 {
                min[k] = min[k].min(p[k]);
                max[k] = max[k].max(p[k]);
            }
        }
    }
    if min[0] > max[0] {
        return BandRaster {
            cell_m,
            ..BandRaster::default()
        };
    }
    // One empty cell of margin on every side so traced outlines close.
    let origin_m = [min[0] - buffer_m - cell_m, min[1] - buffer_m - cell_m];
    let w = ((max[0] - min[0] + 2.0 * buffer_m) / cell_m).ceil() as usize + 3;
    let h = ((max[1] - min[1] + 2.0 * buffer_m) / cell_m).ceil() as usize + 3;
    let mut band = vec![0u8; w * h];
    let r2 = buffer_m * buffer_m;
    // Largest limit first, so the smaller limits overwrite with their lower band.
    for (k, reach) in lines.iter().enumerate().rev() {
        let value = (k + 1).min(255) as u8;
        for &(a, b) in reach {
            let to_cell = |v: f64, o: f64| ((v - o) / cell_m).floor();
            let i0 = to_cell(a[0].min(b[0]) - buffer_m, origin_m[0]).max(0.0) as usize;
            let i1 = (to_cell(a[0].max(b[0]) + buffer_m, origin_m[0]) as usize).min(w - 1);
            let j0 = to_cell(a[1].min(b[1]) - buffer_m, origin_m[1]).max(0.0) as usize;
            let j1 = (to_cell(a[1].max(b[1]) + buffer_m, origin_m[1]) as usize).min(h - 1);
            let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
            let len2 = dx * dx + dy * dy;
            for j in j0..=j1 {
                let y = origin_m[1] + (j as f64 + 0.5) * cell_m;
                for i in i0..=i1 {
                    let x = origin_m[0] + (i as f64 + 0.5) * cell_m;
                    let t = if len2 > 0.0 {
                        (((x - a[0]) * dx + (y - a[1]) * dy) / len2).clamp(0.0, 1.0)
                    } else {
                        0.0
                    };
                    let (ex, ey) = (a[0] + t * dx - x, a[1] + t * dy - y);
                    if ex * ex + ey * ey <= r2 {
                        band[j * w + i] = value;
                    }
                }
            }
        }
    }
    BandRaster {
        origin_m,
        cell_m,
        w,
        h,
        band,
    }
}

/// A polygon: exterior ring first, then holes; rings closed.
pub type Polygon = Vec<Vec<LonLat>>;

/// The area within band `k` (1-based: cells with `0 < band <= k`) as polygons with holes.
pub fn polygons(graph: &RoadGraph, raster: &BandRaster, k: u8) -> Vec<Polygon> {
    let (w, h) = (raster.w, raster.h);
    if w == 0 || h == 0 {
        return Vec::new();
    }
    let mut inside: Vec<bool> = raster.band.iter().map(|&b| b != 0 && b <= k).collect();
    remove_pinches(w, h, &mut inside);
    let at = |i: i64, j: i64| {
        i >= 0
            && j >= 0
            && (i as usize) < w
            && (j as usize) < h
            && inside[j as usize * w + i as usize]
    };
    // Boundary edges with the region on the left, one outgoing edge per corner.
    const NONE: u8 = 4;
    let cw = w + 1;
    let mut next = vec![NONE; cw * (h + 1)];
    let step: [(i64, i64); 4] = [(1, 0), (0, 1), (-1, 0), (0, -1)];
    for j in 0..h as i64 {
        for i in 0..w as i64 {
            if !at(i, j) {
                continue;
            }
            let c = |ci: i64, cj: i64| cj as usize * cw + ci as usize;
            if !at(i, j - 1) {
                next[c(i, j)] = 0;
            }
            if !at(i + 1, j) {
                next[c(i + 1, j)] = 1;
            }
            if !at(i, j + 1) {
                next[c(i + 1, j + 1)] = 2;
            }
            if !at(i - 1, j) {
                next[c(i, j + 1)] = 3;
            }
        }
    }
    let mut outers: Vec<Vec<[f64; 2]>> = Vec::new();
    let mut holes: Vec<Vec<[f64; 2]>> = Vec::new();
    for start in 0..next.len() {
        if next[start] == NONE {
            continue;
        }
        let mut corners: Vec<(i32, i32)> = Vec::new();
        let mut c = start;
        let mut last_dir = NONE;
        while next[c] != NONE {
            let d = next[c];
            next[c] = NONE;
            let (ci, cj) = ((c % cw) as i32, (c / cw) as i32);
            if d != last_dir {
                corners.push((ci, cj));
            }
            last_dir = d;
            let (di, dj) = step[d as usize];
            c = ((cj as i64 + dj) as usize) * cw + (ci as i64 + di) as usize;
        }
        if corners.len() < 3 {
            continue;
        }
        let area2: i64 = (0..corners.len())
            .map(|x| {
                let (a, b) = (corners[x], corners[(x + 1) % corners.len()]);
                i64::from(a.0) * i64::from(b.1) - i64::from(b.0) * i64::from(a.1)
            })
            .sum();
        let mut ring: Vec<[f64; 2]> = simplify_closed(&corners)
            .into_iter()
            .map(|(i, j)| raster.corner_m(f64::from(i), f64::from(j)))
            .collect();
        if ring.len() < 3 {
            continue;
        }
        ring.push(ring[0]);
        if area2 > 0 {
            outers.push(ring);
        } else {
            holes.push(ring);
        }
    }
    let mut polys: Vec<Vec<Vec<[f64; 2]>>> = outers.into_iter().map(|o| vec![o]).collect();
    for hole in holes {
        let probe = hole[0];
        // The smallest outer ring around the hole.
        let owner = polys
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                locate_in_polygon(probe, std::slice::from_ref(&p[0])) != Containment::Outside
            })
            .min_by(|(_, p), (_, q)| ring_area(&p[0]).total_cmp(&ring_area(&q[0])))
            .map(|(x, _)| x);
        if let Some(x) = owner {
            polys[x].push(hole);
        }
    }
    polys
        .into_iter()
        .map(|rings| {
            rings
                .into_iter()
                .map(|r| r.into_iter().map(|m| graph.proj.to_lonlat(m)).collect())
                .collect()
        })
        .collect()
}

fn ring_area(r: &[[f64; 2]]) -> f64 {
    (0..r.len().saturating_sub(1))
        .map(|x| r[x][0] * r[x + 1][1] - r[x + 1][0] * r[x][1])
        .sum::<f64>()
        .abs()
        / 2.0
}

/// Fill one cell of every diagonal-only contact, so each corner has at most one outgoing
/// boundary edge and traced rings never touch themselves.
fn remove_pinches(w: usize, h: usize, inside: &mut [bool]) {
    for _pass in 0..8 {
        let mut changed = false;
        for j in 0..h.saturating_sub(1) {
            for i in 0..w - 1 {
                let (a, b) = (j * w + i, j * w + i + 1);
                let (c, d) = (a + w, b + w);
                if inside[a] == inside[d] && inside[b] == inside[c] && inside[a] != inside[b] {
                    if inside[a] {
                        inside[b] = true;
                    } else {
                        inside[a] = true;
                    }
                    changed = true;
                }
            }
        }
        if !changed {
            return;
        }
    }
}

/// Douglas–Peucker on a closed ring of grid corners (tolerance 0.8 cells): staircases become
/// slopes, straight runs stay.
fn simplify_closed(corners: &[(i32, i32)]) -> Vec<(i32, i32)> {
    let n = corners.len();
    let first = corners[0];
    let far = (1..n)
        .max_by_key(|&k| {
            let (dx, dy) = (corners[k].0 - first.0, corners[k].1 - first.1);
            i64::from(dx) * i64::from(dx) + i64::from(dy) * i64::from(dy)
        })
        .unwrap_or(0);
    if far == 0 {
        return corners.to_vec();
    }
    let mut one: Vec<(i32, i32)> = corners[..=far].to_vec();
    let mut two: Vec<(i32, i32)> = corners[far..].to_vec();
    two.push(first);
    one = crate::spatial::douglas_peucker(&one, 0.8);
    two = crate::spatial::douglas_peucker(&two, 0.8);
    one.pop();
    two.pop();
    one.extend(two);
    one
}

#[cfg(test)]
mod tests {
    use super::super::MAX_SNAP_M;
    use super::super::tests::{graph, road};
    use super::*;
    use crate::osm::{Oneway, RoadClass};
    use crate::routing::isochrone::{Workspace, isochrones};

    fn origin_at(g: &RoadGraph, p: LonLat, mode: Mode) -> Origin {
        Origin {
            snap: g.snap(p, mode, MAX_SNAP_M).unwrap(),
            delay_s: 0.0,
        }
    }

    #[test]
    fn polygon_of_a_ring_road_has_a_hole() {
        // A square ring road 1 km a side around an empty block; 10 minutes covers it all.
        let (x, y) = (0.015, 0.009);
        let g = graph(vec![road(
            RoadClass::Residential,
            Oneway::No,
            &[
                (13.0, 53.0),
                (13.0 + x, 53.0),
                (13.0 + x, 53.0 + y),
                (13.0, 53.0 + y),
                (13.0, 53.0),
            ],
        )]);
        let mut ws = Workspace::new(&g);
        let o = origin_at(&g, LonLat::new(13.0, 53.0), Mode::Car);
        let r = isochrones(
            &g,
            &mut ws,
            Mode::Car,
            Direction::Forward,
            &[o],
            &[60.0, 600.0],
        )
        .unwrap();
        let raster = rasterize(&g, &r, 20.0, 40.0);
        assert!(raster.band.contains(&1) && raster.band.contains(&2));
        let small = polygons(&g, &raster, 1);
        assert_eq!(small.len(), 1);
        assert_eq!(small[0].len(), 1, "a 1-minute corner has no hole");
        let all = polygons(&g, &raster, 2);
        assert_eq!(all.len(), 1, "{all:?}");
        assert_eq!(all[0].len(), 2, "outer ring and the block inside as a hole");
        // The block is reported as a hole: its centre is not inside the polygon.
        let proj = g.proj;
        let rings: Vec<Vec<[f64; 2]>> = all[0]
            .iter()
            .map(|r| r.iter().map(|&p| proj.to_m(p)).collect())
            .collect();
        let centre = proj.to_m(LonLat::new(13.0 + x / 2.0, 53.0 + y / 2.0));
        assert_eq!(locate_in_polygon(centre, &rings), Containment::Outside);
        let on_road = proj.to_m(LonLat::new(13.0 + x / 2.0, 53.0));
        assert_eq!(locate_in_polygon(on_road, &rings), Containment::Inside);
    }
}
