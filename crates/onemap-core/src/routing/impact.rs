//! What sending a unit costs the coverage its colleagues give, and the move-up that wins the
//! most of it back: each unit's (or post's) cover sets per time limit, and the impact of one
//! leaving. Used by the dispatch panel beside the ranking (`dispatch.rs`).

use super::coverage::CoverageSetup;
use super::{Direction, Origin, RoadGraph, Search, time_to_point};

/// Which demand points a unit (or a post) reaches within each limit: sorted indices into the
/// coverage setup's demand, per limit.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CoverSets {
    pub within: Vec<Vec<u32>>,
}

/// The demand `origin` reaches within each of `limits_s` (ascending) for `setup`'s mode.
pub fn cover_sets(
    graph: &RoadGraph,
    search: &mut Search,
    setup: &CoverageSetup,
    origin: &Origin,
    limits_s: &[f32],
) -> CoverSets {
    let mode = setup.mode;
    let last = limits_s.last().copied().unwrap_or(0.0);
    let sources: Vec<(u32, f32)> = origin.seeds(graph, mode, Direction::Forward).collect();
    search.run(graph, mode, Direction::Forward, &sources, last);
    let mut within = vec![Vec::new(); limits_s.len()];
    for (i, (snap, _)) in setup.demand_points().enumerate() {
        let Some(snap) = snap else { continue };
        let t = time_to_point(
            graph,
            mode,
            Direction::Forward,
            &search.cost,
            std::slice::from_ref(origin),
            snap.seg,
            snap.frac,
        );
        for (k, &limit) in limits_s.iter().enumerate() {
            if t <= limit {
                within[k].push(i as u32);
            }
        }
    }
    CoverSets { within }
}

/// A beat whose covered demand drops when the unit leaves.
#[derive(Clone, Debug, PartialEq)]
pub struct BeatLoss {
    pub beat: usize,
    pub demand: f64,
    /// Covered demand per limit, before and after.
    pub before: Vec<f64>,
    pub after: Vec<f64>,
}

/// Move `unit` to `post` to win back `gain` covered demand (per limit).
#[derive(Clone, Debug, PartialEq)]
pub struct MoveUp {
    pub unit: usize,
    pub post: usize,
    pub gain: Vec<f64>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Impact {
    pub city_demand: f64,
    /// City covered demand per limit: now, without the unit, and after the move-up.
    pub before: Vec<f64>,
    pub after: Vec<f64>,
    pub after_move_up: Vec<f64>,
    /// Beats that lose covered demand, the largest loss at the last limit first.
    pub beats: Vec<BeatLoss>,
    pub move_up: Option<MoveUp>,
}

/// What sending `leaving` costs the coverage given by `units` (each unit's [`CoverSets`]),
/// and the best move-up among `candidates` `(unit, post, cover sets of that unit at that
/// post)`: the one restoring the most demand at the last limit (then the first). Demand
/// weights and beats are per demand point.
pub fn impact(
    weights: &[f64],
    beats: &[Option<u32>],
    beat_count: usize,
    units: &[&CoverSets],
    leaving: usize,
    candidates: &[(usize, usize, &CoverSets)],
) -> Impact {
    let limits = units.first().map_or(0, |u| u.within.len());
    let n = weights.len();
    // How many units reach each point within each limit.
    let mut count = vec![vec![0u16; n]; limits];
    for u in units {
        for (k, list) in u.within.iter().enumerate() {
            for &i in list {
                count[k][i as usize] = count[k][i as usize].saturating_add(1);
            }
        }
    }
    let mut out = Impact {
        city_demand: weights.iter().sum(),
        before: vec![0.0; limits],
        after: vec![0.0; limits],
        after_move_up: vec![0.0; limits],
        ..Impact::default()
    };
    let mut per_beat = vec![(0.0, vec![0.0; limits], vec![0.0; limits]); beat_count];
    for (i, &w) in weights.iter().enumerate() {
        if let Some(b) = beats[i] {
            per_beat[b as usize].0 += w;
        }
    }
    let leaving_sets = units.get(leaving).map(|u| &u.within);
    let mut after_count = count.clone();
    if let Some(sets) = leaving_sets {
        for (k, list) in sets.iter().enumerate() {
            for &i in list {
                after_count[k][i as usize] -= 1;
            }
        }
    }
    for k in 0..limits {
        for i in 0..n {
            let w = weights[i];
            let b = beats[i];
            if count[k][i] > 0 {
                out.before[k] += w;
                if let Some(b) = b {
                    per_beat[b as usize].1[k] += w;
                }
            }
            if after_count[k][i] > 0 {
                out.after[k] += w;
                if let Some(b) = b {
                    per_beat[b as usize].2[k] += w;
                }
            }
        }
    }
    out.beats = per_beat
        .into_iter()
        .enumerate()
        .filter(|(_, (_, before, after))| before.iter().zip(after).any(|(x, y)| y < x))
        .map(|(beat, (demand, before, after))| BeatLoss {
            beat,
            demand,
            before,
            after,
        })
        .collect();
    let last = limits.saturating_sub(1);
    out.beats.sort_by(|x, y| {
        let loss = |b: &BeatLoss| b.before[last] - b.after[last];
        loss(y).total_cmp(&loss(x)).then(x.beat.cmp(&y.beat))
    });
    // Move-ups: the post's new cover minus what the moving unit alone covered.
    let mut mark = vec![0u32; n];
    let mut stamp = 0u32;
    let mut best: Option<MoveUp> = None;
    for &(unit, post, at_post) in candidates {
        if unit == leaving || unit >= units.len() {
            continue;
        }
        let mut gain = vec![0.0; limits];
        for k in 0..limits {
            stamp += 1;
            for &i in &at_post.within[k] {
                mark[i as usize] = stamp;
                if after_count[k][i as usize] == 0 {
                    gain[k] += weights[i as usize];
                }
            }
            for &i in &units[unit].within[k] {
                if after_count[k][i as usize] == 1 && mark[i as usize] != stamp {
                    gain[k] -= weights[i as usize];
                }
            }
        }
        let better = match &best {
            None => true,
            Some(b) => gain[last]
                .total_cmp(&b.gain[last])
                .then(gain[0].total_cmp(&b.gain[0]))
                .is_gt(),
        };
        if better {
            best = Some(MoveUp { unit, post, gain });
        }
    }
    out.move_up = best.filter(|m| m.gain[last] > 0.0 || m.gain.iter().any(|&g| g > 0.0));
    for k in 0..limits {
        out.after_move_up[k] = out.after[k] + out.move_up.as_ref().map_or(0.0, |m| m.gain[k]);
    }
    out
}
