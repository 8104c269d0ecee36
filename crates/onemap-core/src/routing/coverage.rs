//! Coverage: how much of each beat, and of the city, the posts reach within each limit —
//! road length, address points and demand (address points, or an incident history's weights).

use super::isochrone::{IsochroneError, Piece, Reach, Workspace, isochrones};
use super::{Direction, MAX_SNAP_M, Mode, Origin, RoadGraph, Snap, time_to_point};
use crate::coord::LonLat;
use crate::spatial::LayerIndex;

/// A point that generates calls, with a weight (1 per address, or incidents per year).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Demand {
    pub pos: LonLat,
    pub weight: f64,
}

/// Everything about a mode's coverage that does not depend on where the posts are: which beat
/// each segment and point is in, and where each point meets the roads. Build once per mode.
#[derive(Clone, Debug)]
pub struct CoverageSetup {
    pub mode: Mode,
    pub beat_count: usize,
    /// Beat of each segment's midpoint.
    seg_beat: Vec<Option<u32>>,
    /// Road length the mode may use, per beat, and in all.
    road_m: Vec<f64>,
    road_total_m: f64,
    addresses: Vec<Located>,
    demand: Vec<Located>,
}

#[derive(Clone, Copy, Debug)]
struct Located {
    snap: Option<Snap>,
    beat: Option<u32>,
    weight: f64,
}

impl CoverageSetup {
    /// `beats`: the layer index for beat lookups (`None`: city figures only). `demand`: empty
    /// means one unit of demand per address.
    pub fn new(
        graph: &RoadGraph,
        mode: Mode,
        beats: Option<(&LayerIndex, usize)>,
        addresses: &[LonLat],
        demand: &[Demand],
    ) -> Self {
        let beat_of = |p: LonLat| {
            beats
                .and_then(|(index, _)| index.beat_at(p))
                .map(|b| b as u32)
        };
        let beat_count = beats.map_or(0, |(_, n)| n);
        let mut road_m = vec![0.0; beat_count];
        let mut road_total_m = 0.0;
        let seg_beat: Vec<Option<u32>> = graph
            .segments
            .iter()
            .enumerate()
            .map(|(i, s)| {
                if !s.usable_by(mode) {
                    return None;
                }
                let beat = beat_of(graph.point_on(i as u32, 0.5));
                let len = f64::from(s.length_m);
                road_total_m += len;
                if let Some(b) = beat {
                    road_m[b as usize] += len;
                }
                beat
            })
            .collect();
        let locate = |pos: LonLat, weight: f64| Located {
            snap: graph.snap(pos, mode, MAX_SNAP_M).ok(),
            beat: beat_of(pos),
            weight,
        };
        let addresses: Vec<Located> = addresses.iter().map(|&p| locate(p, 1.0)).collect();
        let demand = if demand.is_empty() {
            addresses.clone()
        } else {
            demand.iter().map(|d| locate(d.pos, d.weight)).collect()
        };
        Self {
            mode,
            beat_count,
            seg_beat,
            road_m,
            road_total_m,
            addresses,
            demand,
        }
    }

    /// Snapped demand points and weights (points off the network have no snap).
    pub fn demand_points(&self) -> impl Iterator<Item = (Option<Snap>, f64)> + '_ {
        self.demand.iter().map(|d| (d.snap, d.weight))
    }

    /// How many address points.
    pub fn address_count(&self) -> usize {
        self.addresses.len()
    }

    /// Where each address point meets this mode's roads (in the order given).
    pub fn address_snaps(&self) -> impl Iterator<Item = Option<Snap>> + '_ {
        self.addresses.iter().map(|a| a.snap)
    }

    /// The beat of each demand point (in the order of [`Self::demand_points`]).
    pub fn demand_beats(&self) -> impl Iterator<Item = Option<u32>> + '_ {
        self.demand.iter().map(|d| d.beat)
    }
}

/// Coverage figures of one area; vectors are per limit.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CoverageRow {
    pub road_m: f64,
    pub road_covered_m: Vec<f64>,
    pub addresses: usize,
    pub addresses_covered: Vec<usize>,
    pub demand: f64,
    pub demand_covered: Vec<f64>,
}

impl CoverageRow {
    fn new(limits: usize) -> Self {
        Self {
            road_covered_m: vec![0.0; limits],
            addresses_covered: vec![0; limits],
            demand_covered: vec![0.0; limits],
            ..Self::default()
        }
    }

    /// Shares in `[0, 1]` for limit `k`: (road, addresses, demand). An empty area counts as
    /// fully covered (nothing in it is left out).
    pub fn shares(&self, k: usize) -> (f64, f64, f64) {
        let share = |part: f64, whole: f64| if whole > 0.0 { part / whole } else { 1.0 };
        (
            share(self.road_covered_m[k], self.road_m),
            share(self.addresses_covered[k] as f64, self.addresses as f64),
            share(self.demand_covered[k], self.demand),
        )
    }
}

/// Coverage of the city and of each beat from a set of origins.
#[derive(Clone, Debug, PartialEq)]
pub struct Coverage {
    pub mode: Mode,
    pub limits_s: Vec<f32>,
    pub city: CoverageRow,
    pub beats: Vec<CoverageRow>,
    /// The reached network per limit (for rings and the gap layer).
    pub reaches: Vec<Reach>,
}

/// Coverage within each of `limits_s` (ascending) from `origins`.
pub fn coverage(
    graph: &RoadGraph,
    ws: &mut Workspace,
    setup: &CoverageSetup,
    origins: &[Origin],
    limits_s: &[f32],
) -> Result<Coverage, IsochroneError> {
    let mode = setup.mode;
    let reaches = isochrones(graph, ws, mode, Direction::Forward, origins, limits_s)?;
    let n = limits_s.len();
    let mut city = CoverageRow::new(n);
    let mut beats = vec![CoverageRow::new(n); setup.beat_count];
    city.road_m = setup.road_total_m;
    for (b, row) in beats.iter_mut().enumerate() {
        row.road_m = setup.road_m[b];
    }
    for (k, reach) in reaches.iter().enumerate() {
        for p in &reach.pieces {
            let len = f64::from(p.hi - p.lo) * f64::from(graph.segments[p.seg as usize].length_m);
            city.road_covered_m[k] += len;
            if let Some(b) = setup.seg_beat[p.seg as usize] {
                beats[b as usize].road_covered_m[k] += len;
            }
        }
    }
    let cost = &ws.search.cost;
    // Only origins on a point's own segment reach it directly: sorted by segment, each point
    // is given those (2,000 posts against 2 million points otherwise cost seconds).
    let mut by_seg = origins.to_vec();
    by_seg.sort_by_key(|o| o.snap.seg);
    let time = |l: &Located| {
        l.snap.map_or(f32::INFINITY, |s| {
            let from = by_seg.partition_point(|o| o.snap.seg < s.seg);
            let to = from + by_seg[from..].partition_point(|o| o.snap.seg == s.seg);
            time_to_point(
                graph,
                mode,
                Direction::Forward,
                cost,
                &by_seg[from..to],
                s.seg,
                s.frac,
            )
        })
    };
    for a in &setup.addresses {
        let t = time(a);
        city.addresses += 1;
        if let Some(b) = a.beat {
            beats[b as usize].addresses += 1;
        }
        for (k, &limit) in limits_s.iter().enumerate() {
            if t <= limit {
                city.addresses_covered[k] += 1;
                if let Some(b) = a.beat {
                    beats[b as usize].addresses_covered[k] += 1;
                }
            }
        }
    }
    for d in &setup.demand {
        let t = time(d);
        city.demand += d.weight;
        if let Some(b) = d.beat {
            beats[b as usize].demand += d.weight;
        }
        for (k, &limit) in limits_s.iter().enumerate() {
            if t <= limit {
                city.demand_covered[k] += d.weight;
                if let Some(b) = d.beat {
                    beats[b as usize].demand_covered[k] += d.weight;
                }
            }
        }
    }
    Ok(Coverage {
        mode,
        limits_s: limits_s.to_vec(),
        city,
        beats,
        reaches,
    })
}

/// The roads `mode` may use that `reach` does not cover: the gap layer.
pub fn gaps(graph: &RoadGraph, mode: Mode, reach: &Reach) -> Vec<Piece> {
    let mut covered: Vec<&Piece> = reach.pieces.iter().collect();
    covered.sort_by(|x, y| x.seg.cmp(&y.seg).then(x.lo.total_cmp(&y.lo)));
    let mut out = Vec::new();
    let mut at = 0;
    for (i, s) in graph.segments.iter().enumerate() {
        if !s.usable_by(mode) {
            continue;
        }
        let seg = i as u32;
        while at < covered.len() && covered[at].seg < seg {
            at += 1;
        }
        let mut from = 0.0f32;
        while at < covered.len() && covered[at].seg == seg {
            let p = covered[at];
            if p.lo > from {
                out.push(Piece {
                    seg,
                    lo: from,
                    hi: p.lo,
                });
            }
            from = from.max(p.hi);
            at += 1;
        }
        if from < 1.0 {
            out.push(Piece {
                seg,
                lo: from,
                hi: 1.0,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::{STEP, graph, road};
    use super::*;
    use crate::osm::{Oneway, RoadClass};

    #[test]
    fn addresses_roads_and_gaps() {
        // A two-way street of 10 segments (1.1 km), the post at its south end.
        let pts: Vec<(f64, f64)> = (0..11).map(|i| (13.0, 53.0 + STEP * i as f64)).collect();
        let g = graph(vec![road(RoadClass::Residential, Oneway::No, &pts)]);
        let addresses: Vec<LonLat> = (0..10)
            .map(|i| LonLat::new(13.0002, 53.0 + STEP * (f64::from(i) + 0.5)))
            .collect();
        let setup = CoverageSetup::new(&g, Mode::Car, None, &addresses, &[]);
        let post = Origin {
            snap: g
                .snap(LonLat::new(13.0, 53.0), Mode::Car, MAX_SNAP_M)
                .unwrap(),
            delay_s: 0.0,
        };
        let mut ws = Workspace::new(&g);
        // 60 s at 30 km/h = 500 m: 4.5 of 10 segments; addresses at 0.5 … 9.5 steps.
        let c = coverage(&g, &mut ws, &setup, &[post], &[60.0, 180.0]).unwrap();
        assert_eq!(c.city.addresses, 10);
        assert_eq!(c.city.addresses_covered, vec![4, 10]);
        assert_eq!(c.city.demand_covered, vec![4.0, 10.0]);
        let (road, addr, _) = c.city.shares(0);
        assert!((road - 0.4497).abs() < 0.002, "{road}");
        assert!((addr - 0.4).abs() < 1e-9);
        let gap = gaps(&g, Mode::Car, &c.reaches[0]);
        let gap_m: f64 = gap
            .iter()
            .map(|p| f64::from(p.hi - p.lo) * f64::from(g.segments[p.seg as usize].length_m))
            .sum();
        assert!((gap_m + c.reaches[0].length_m(&g) - c.city.road_m).abs() < 0.5);
        assert!(gaps(&g, Mode::Car, &c.reaches[1]).is_empty());
    }
}
