//! Isochrones: the road network reachable within a time from one or many origins (or, in
//! reverse, the network from which the origins can be reached), partial segments included, and
//! a polygon for display: the reached roads buffered on a raster, traced, holes kept.
//!
//! One search to the largest limit answers every smaller limit: the node costs are the same,
//! only the cut differs. A segment is reached from an end whose cost is `c` for the part
//! `(limit - c) / time` of its length; from both ends, the two parts together.

use super::{Direction, Mode, Origin, RoadGraph, Search};
use crate::coord::LonLat;
use crate::spatial::{Containment, locate_in_polygon};

/// Part of a segment, `lo..hi` as fractions from its `a` end.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Piece {
    pub seg: u32,
    pub lo: f32,
    pub hi: f32,
}

/// The network reached within one limit.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reach {
    pub limit_s: f32,
    /// Disjoint pieces, at most two per segment.
    pub pieces: Vec<Piece>,
}

impl Reach {
    /// Total length of road reached, metres.
    pub fn length_m(&self, graph: &RoadGraph) -> f64 {
        self.pieces
            .iter()
            .map(|p| f64::from(p.hi - p.lo) * f64::from(graph.segments[p.seg as usize].length_m))
            .sum()
    }

    /// Each piece as a line from `lo` to `hi`.
    pub fn lines<'a>(&'a self, graph: &'a RoadGraph) -> impl Iterator<Item = [LonLat; 2]> + 'a {
        self.pieces
            .iter()
            .map(|p| [graph.point_on(p.seg, p.lo), graph.point_on(p.seg, p.hi)])
    }
}

/// Input that cannot give an isochrone.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum IsochroneError {
    #[error("no origins: nothing to measure from")]
    NoOrigins,
    #[error("a time limit must be more than 0 seconds, got {0} s")]
    BadLimit(f32),
}

/// Buffers reused between isochrones on the same graph.
#[derive(Clone, Debug, Default)]
pub struct Workspace {
    pub search: Search,
    from_a: Vec<f32>,
    from_b: Vec<f32>,
    touched: Vec<u32>,
}

impl Workspace {
    pub fn new(graph: &RoadGraph) -> Self {
        Self {
            search: Search::new(graph),
            from_a: vec![0.0; graph.segment_count()],
            from_b: vec![0.0; graph.segment_count()],
            touched: Vec::new(),
        }
    }
}

/// The reached network for each of `limits_s` (any order), from (or, in reverse, to) `origins`.
pub fn isochrones(
    graph: &RoadGraph,
    ws: &mut Workspace,
    mode: Mode,
    dir: Direction,
    origins: &[Origin],
    limits_s: &[f32],
) -> Result<Vec<Reach>, IsochroneError> {
    if origins.is_empty() {
        return Err(IsochroneError::NoOrigins);
    }
    if let Some(&bad) = limits_s.iter().find(|l| !(**l > 0.0 && l.is_finite())) {
        return Err(IsochroneError::BadLimit(bad));
    }
    let max = limits_s.iter().copied().fold(0.0, f32::max);
    let sources: Vec<(u32, f32)> = origins
        .iter()
        .flat_map(|o| graph.sources(mode, dir, o))
        .collect();
    ws.search.run(graph, mode, dir, &sources, max);
    if ws.from_a.len() != graph.segment_count() {
        ws.from_a = vec![0.0; graph.segment_count()];
        ws.from_b = vec![0.0; graph.segment_count()];
    }
    Ok(limits_s
        .iter()
        .map(|&limit| reach_within(graph, ws, mode, dir, origins, limit))
        .collect())
}

/// The cut of the last search in `ws` at `limit`.
fn reach_within(
    graph: &RoadGraph,
    ws: &mut Workspace,
    mode: Mode,
    dir: Direction,
    origins: &[Origin],
    limit: f32,
) -> Reach {
    let m = mode.index();
    for &u in &ws.search.settled {
        let cu = ws.search.cost[u as usize];
        if cu > limit {
            break;
        }
        for (_, t, seg) in graph.out_edges(mode, dir, u) {
            let f = ((limit - cu) / t).min(1.0);
            if f <= 0.0 {
                continue;
            }
            let s = seg as usize;
            if ws.from_a[s] == 0.0 && ws.from_b[s] == 0.0 {
                ws.touched.push(seg);
            }
            let slot = if graph.segments[s].a == u {
                &mut ws.from_a[s]
            } else {
                &mut ws.from_b[s]
            };
            *slot = slot.max(f);
        }
    }
    // The origins' own segments, travelled from the origin itself.
    let mut own: Vec<Piece> = Vec::new();
    for o in origins {
        let left = limit - o.delay_s;
        if left < 0.0 {
            continue;
        }
        let s = &graph.segments[o.snap.seg as usize];
        let f0 = o.snap.frac;
        let (ab, ba) = (s.time_ab[m], s.time_ba[m]);
        // Forward: towards b along a→b, towards a along b→a. Reverse: the other way round.
        let (up, down) = match dir {
            Direction::Forward => (ab, ba),
            Direction::Reverse => (ba, ab),
        };
        let seg = o.snap.seg;
        if up.is_finite() {
            own.push(Piece {
                seg,
                lo: f0,
                hi: (f0 + left / up).min(1.0),
            });
        }
        if down.is_finite() {
            own.push(Piece {
                seg,
                lo: (f0 - left / down).max(0.0),
                hi: f0,
            });
        }
        if !up.is_finite() && !down.is_finite() {
            own.push(Piece {
                seg,
                lo: f0,
                hi: f0,
            });
        }
    }
    own.sort_by(|x, y| x.seg.cmp(&y.seg).then(x.lo.total_cmp(&y.lo)));

    let mut pieces = Vec::with_capacity(ws.touched.len() + own.len());
    let mut intervals: Vec<(f32, f32)> = Vec::new();
    for &seg in &ws.touched {
        let s = seg as usize;
        let (fa, fb) = (ws.from_a[s], ws.from_b[s]);
        ws.from_a[s] = 0.0;
        ws.from_b[s] = 0.0;
        intervals.clear();
        if fa > 0.0 {
            intervals.push((0.0, fa));
        }
        if fb > 0.0 {
            intervals.push((1.0 - fb, 1.0));
        }
        let at = own.partition_point(|p| p.seg < seg);
        for p in own[at..].iter().take_while(|p| p.seg == seg) {
            intervals.push((p.lo, p.hi));
        }
        merge_into(&mut pieces, seg, &mut intervals);
    }
    ws.touched.clear();
    // Origin segments that no node search reached (all of the limit spent on the segment).
    let mut k = 0;
    while k < own.len() {
        let seg = own[k].seg;
        let run = own[k..].iter().take_while(|p| p.seg == seg).count();
        if !pieces.iter().any(|p: &Piece| p.seg == seg) {
            intervals.clear();
            intervals.extend(own[k..k + run].iter().map(|p| (p.lo, p.hi)));
            merge_into(&mut pieces, seg, &mut intervals);
        }
        k += run;
    }
    Reach {
        limit_s: limit,
        pieces,
    }
}

fn merge_into(pieces: &mut Vec<Piece>, seg: u32, intervals: &mut [(f32, f32)]) {
    intervals.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut current: Option<(f32, f32)> = None;
    for &(lo, hi) in intervals.iter() {
        current = match current {
            Some((clo, chi)) if lo <= chi => Some((clo, chi.max(hi))),
            Some((clo, chi)) => {
                pieces.push(Piece {
                    seg,
                    lo: clo,
                    hi: chi,
                });
                Some((lo, hi))
            }
            None => Some((lo, hi)),
        };
    }
    if let Some((lo, hi)) = current {
        pieces.push(Piece { seg, lo, hi });
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
    one = crate::layers::demo::douglas_peucker(&one, 0.8);
    two = crate::layers::demo::douglas_peucker(&two, 0.8);
    one.pop();
    two.pop();
    one.extend(two);
    one
}

#[cfg(test)]
mod tests {
    use super::super::tests::{STEP, graph, road};
    use super::super::{MAX_SNAP_M, Origin};
    use super::*;
    use crate::osm::{Oneway, RoadClass};

    fn origin_at(g: &RoadGraph, p: LonLat, mode: Mode) -> Origin {
        Origin {
            snap: g.snap(p, mode, MAX_SNAP_M).unwrap(),
            delay_s: 0.0,
        }
    }

    #[test]
    fn partial_edges_one_way_and_reverse() {
        // One-way street north, 4 segments of 111.2 m (13.34 s each by car), and a one-way
        // street back south 670 m to the east so cars can go round.
        let pts: Vec<(f64, f64)> = (0..5).map(|i| (13.0, 53.0 + STEP * i as f64)).collect();
        let back = [(13.0, 53.004), (13.01, 53.004), (13.01, 53.0), (13.0, 53.0)];
        let g = graph(vec![
            road(RoadClass::Residential, Oneway::Forward, &pts),
            road(RoadClass::Residential, Oneway::Forward, &back),
        ]);
        let mut ws = Workspace::new(&g);
        // Start half-way along the first segment.
        let o = origin_at(&g, LonLat::new(13.0, 53.0 + STEP * 0.5), Mode::Car);
        let r = isochrones(
            &g,
            &mut ws,
            Mode::Car,
            Direction::Forward,
            &[o],
            &[20.0, 30.0],
        )
        .unwrap();
        // 20 s at 8.34 m/s = 166.8 m north of the start (the 30 km/h one-way), none south.
        assert!(
            (r[0].length_m(&g) - 166.8).abs() < 0.5,
            "{}",
            r[0].length_m(&g)
        );
        assert!(
            (r[1].length_m(&g) - 250.2).abs() < 0.5,
            "{}",
            r[1].length_m(&g)
        );
        assert!(
            r[0].pieces
                .iter()
                .any(|p| p.seg == 0 && (p.lo - 0.5).abs() < 1e-3)
        );
        assert!(
            r[0].pieces.iter().all(|p| p.seg != 0 || p.lo >= 0.499),
            "{:?}",
            r[0].pieces
        );
        // Reverse: who can reach the start within 20 s? The half-segment south of it (6.67 s),
        // then 13.3 s = 111.1 m of the street coming back into its south end.
        let rev = isochrones(&g, &mut ws, Mode::Car, Direction::Reverse, &[o], &[20.0]).unwrap();
        assert_eq!(rev[0].pieces.len(), 2, "{:?}", rev[0]);
        assert!((rev[0].length_m(&g) - 166.7).abs() < 0.5, "{:?}", rev[0]);
        assert!(
            rev[0].pieces.iter().all(|p| p.seg == 0 || p.seg >= 4),
            "{:?}",
            rev[0]
        );
        // On foot the one-way does not bind: both ways, 20 s at 1.39 m/s = 27.8 m each.
        let o = origin_at(&g, LonLat::new(13.0, 53.0 + STEP * 0.5), Mode::Foot);
        let f = isochrones(&g, &mut ws, Mode::Foot, Direction::Forward, &[o], &[20.0]).unwrap();
        assert!(
            (f[0].length_m(&g) - 55.6).abs() < 0.3,
            "{}",
            f[0].length_m(&g)
        );
        assert_eq!(
            f[0].pieces.len(),
            1,
            "the two halves merge: {:?}",
            f[0].pieces
        );
    }

    #[test]
    fn multi_source_merges_and_errors() {
        let pts: Vec<(f64, f64)> = (0..11).map(|i| (13.0, 53.0 + STEP * i as f64)).collect();
        let g = graph(vec![road(RoadClass::Residential, Oneway::No, &pts)]);
        let mut ws = Workspace::new(&g);
        let a = origin_at(&g, LonLat::new(13.0, 53.0 + STEP * 2.0), Mode::Car);
        let b = origin_at(&g, LonLat::new(13.0, 53.0 + STEP * 3.0), Mode::Car);
        // 30 s = 250 m each way from each: 2.0 ± 2.25 and 3.0 ± 2.25 steps overlap into
        // 0.0 (clipped) .. 5.25 steps.
        let r = isochrones(&g, &mut ws, Mode::Car, Direction::Forward, &[a, b], &[30.0]).unwrap();
        let expect = 5.25 * 111.19;
        assert!(
            (r[0].length_m(&g) - expect).abs() < 1.0,
            "{}",
            r[0].length_m(&g)
        );
        // A turnout delay of 30 s leaves nothing but the start point.
        let late = Origin { delay_s: 30.0, ..a };
        let r = isochrones(&g, &mut ws, Mode::Car, Direction::Forward, &[late], &[30.0]).unwrap();
        assert!(r[0].length_m(&g) < 1e-6);
        assert_eq!(
            isochrones(&g, &mut ws, Mode::Car, Direction::Forward, &[], &[30.0]),
            Err(IsochroneError::NoOrigins)
        );
        assert_eq!(
            isochrones(&g, &mut ws, Mode::Car, Direction::Forward, &[a], &[0.0]),
            Err(IsochroneError::BadLimit(0.0))
        );
        assert!(isochrones(&g, &mut ws, Mode::Car, Direction::Forward, &[a], &[-5.0]).is_err());
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
