//! Live coverage: the share of the city's roads and address points that an available unit can
//! reach within each limit right now, each unit by its own mode (a patrol car by car, a foot
//! patrol on foot). Recomputed as units move; the wall display shows it.

use super::coverage::CoverageSetup;
use super::isochrone::{IsochroneError, Piece, Workspace, isochrones};
use super::{Direction, MAX_SNAP_M, Mode, Origin, RoadGraph, time_to_point};
use crate::coord::LonLat;

/// Shares per limit, in `[0, 1]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveCoverage {
    pub limits_s: Vec<f32>,
    /// Road length reached by any unit ÷ road length any of the modes may use.
    pub road_share: Vec<f64>,
    /// Address points reached by any unit ÷ all address points.
    pub address_share: Vec<f64>,
    /// Units that were placed on the network.
    pub units: usize,
    /// Per address point (in the setups' order): the index of the first limit within which
    /// a unit reaches it, `limits_s.len()` when none does (the wall shades those areas).
    pub address_reach: Vec<u8>,
}

/// `setups`: one per mode, built over the same address points in the same order.
pub fn live_coverage(
    graph: &RoadGraph,
    ws: &mut Workspace,
    setups: &[&CoverageSetup],
    units: &[(LonLat, Mode)],
    limits_s: &[f32],
) -> Result<LiveCoverage, IsochroneError> {
    let n = limits_s.len();
    let addresses = setups.first().map_or(0, |s| s.address_count());
    let mut covered = vec![vec![false; addresses]; n];
    let mut pieces: Vec<Vec<Piece>> = vec![Vec::new(); n];
    let mut placed = 0;
    for setup in setups {
        let mode = setup.mode;
        let mut origins: Vec<Origin> = units
            .iter()
            .filter(|(_, m)| *m == mode)
            .filter_map(|&(p, _)| graph.snap(p, mode, MAX_SNAP_M).ok())
            .map(|snap| Origin { snap, delay_s: 0.0 })
            .collect();
        if origins.is_empty() {
            continue;
        }
        placed += origins.len();
        let reaches = isochrones(graph, ws, mode, Direction::Forward, &origins, limits_s)?;
        for (k, r) in reaches.into_iter().enumerate() {
            pieces[k].extend(r.pieces);
        }
        origins.sort_by_key(|o| o.snap.seg);
        let cost = &ws.search.cost;
        for (i, snap) in setup.address_snaps().enumerate() {
            let Some(s) = snap else { continue };
            let from = origins.partition_point(|o| o.snap.seg < s.seg);
            let to = from + origins[from..].partition_point(|o| o.snap.seg == s.seg);
            let t = time_to_point(
                graph,
                mode,
                Direction::Forward,
                cost,
                &origins[from..to],
                s.seg,
                s.frac,
            );
            for (k, &limit) in limits_s.iter().enumerate() {
                covered[k][i] |= t <= limit;
            }
        }
    }
    let usable_m: f64 = graph
        .segments
        .iter()
        .filter(|s| setups.iter().any(|u| s.usable_by(u.mode)))
        .map(|s| f64::from(s.length_m))
        .sum();
    let share = |part: f64, whole: f64| if whole > 0.0 { part / whole } else { 0.0 };
    Ok(LiveCoverage {
        limits_s: limits_s.to_vec(),
        road_share: pieces
            .iter_mut()
            .map(|p| share(union_m(graph, p), usable_m))
            .collect(),
        address_share: covered
            .iter()
            .map(|c| share(c.iter().filter(|&&x| x).count() as f64, addresses as f64))
            .collect(),
        units: placed,
        address_reach: (0..addresses)
            .map(|i| covered.iter().position(|c| c[i]).unwrap_or(n) as u8)
            .collect(),
    })
}

/// The length of the union of `pieces` (several modes may reach the same stretch).
fn union_m(graph: &RoadGraph, pieces: &mut [Piece]) -> f64 {
    pieces.sort_by(|x, y| x.seg.cmp(&y.seg).then(x.lo.total_cmp(&y.lo)));
    let mut total = 0.0;
    let mut k = 0;
    while k < pieces.len() {
        let seg = pieces[k].seg;
        let (mut lo, mut hi) = (pieces[k].lo, pieces[k].hi);
        let len = f64::from(graph.segments[seg as usize].length_m);
        k += 1;
        while k < pieces.len() && pieces[k].seg == seg {
            if pieces[k].lo > hi {
                total += f64::from(hi - lo) * len;
                (lo, hi) = (pieces[k].lo, pieces[k].hi);
            } else {
                hi = hi.max(pieces[k].hi);
            }
            k += 1;
        }
        total += f64::from(hi - lo) * len;
    }
    total
}
