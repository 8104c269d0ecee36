//! Isochrones: the road network reachable within a time from one or many origins (or, in
//! reverse, the network from which the origins can be reached), partial segments included.
//! Their polygons for display are made by the rings module.
//!
//! One search to the largest limit answers every smaller limit: the node costs are the same,
//! only the cut differs. A segment is reached from an end whose cost is `c` for the part
//! `(limit - c) / time` of its length; from both ends, the two parts together.

use super::{Direction, Mode, Origin, RoadGraph, Search};
use crate::coord::LonLat;

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
        .flat_map(|o| o.seeds(graph, mode, dir))
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
    for &u in ws.search.reached() {
        let cu = ws.search.cost[u as usize];
        if cu > limit {
            continue;
        }
        graph.for_each_out_segment(mode, dir, u, |seg, t, from_a| {
            let f = ((limit - cu) / t).min(1.0);
            if f <= 0.0 {
                return;
            }
            let s = seg as usize;
            if ws.from_a[s] == 0.0 && ws.from_b[s] == 0.0 {
                ws.touched.push(seg);
            }
            let slot = if from_a {
                &mut ws.from_a[s]
            } else {
                &mut ws.from_b[s]
            };
            *slot = slot.max(f);
        });
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

    // Origin segments no node search reached (all of the limit spent on the segment), known
    // before the marks are cleared below. `own` is sorted by segment, so this is too.
    let mut unreached: Vec<u32> = own
        .iter()
        .map(|p| p.seg)
        .filter(|&seg| ws.from_a[seg as usize] == 0.0 && ws.from_b[seg as usize] == 0.0)
        .collect();
    unreached.dedup();
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
    let mut k = 0;
    while k < own.len() {
        let seg = own[k].seg;
        let run = own[k..].iter().take_while(|p| p.seg == seg).count();
        if unreached.binary_search(&seg).is_ok() {
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

#[cfg(test)]
mod tests {
    use super::super::MAX_SNAP_M;
    use super::super::tests::{STEP, graph, road};
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
}
