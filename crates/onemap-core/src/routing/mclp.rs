//! Post placement: the maximal covering location problem (MCLP). Choose `k` sites among
//! candidates to maximise the demand reachable within a time limit, on top of what fixed
//! facilities already cover. Lazy greedy, then swaps (remove one chosen site, add one
//! candidate) while any swap gains.
//!
//! Greedy alone is within 1 − 1/e of optimal (coverage is submodular); the swaps close most of
//! the remaining gap. The spopt comparison in `docs/benchmarks.md` measures how close.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::{Direction, Mode, Origin, RoadGraph, Search, Snap, time_to_point};

/// An MCLP instance in covering form.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Instance {
    /// Demand weight per demand point (0 for points the fixed facilities already cover).
    pub weights: Vec<f64>,
    /// Candidate sites: graph nodes.
    pub candidates: Vec<u32>,
    /// Per candidate, the demand points it covers, with the travel time.
    pub covers: Vec<Vec<(u32, f32)>>,
    /// Demand the fixed facilities cover already.
    pub fixed_covered: f64,
    /// Demand in all (covered or not).
    pub total: f64,
}

/// Intersections of `mode`'s main network: nodes where three or more segments meet.
pub fn intersections(graph: &RoadGraph, mode: Mode) -> Vec<u32> {
    let mut degree = vec![0u8; graph.node_count()];
    for s in &graph.segments {
        if s.usable_by(mode) {
            degree[s.a as usize] = degree[s.a as usize].saturating_add(1);
            degree[s.b as usize] = degree[s.b as usize].saturating_add(1);
        }
    }
    (0..graph.node_count() as u32)
        .filter(|&v| degree[v as usize] >= 3 && graph.in_main(mode, v))
        .collect()
}

/// Build the instance: which demand each candidate covers within `limit_s` (with `delay_s` of
/// turnout), and what `fixed` already covers.
#[allow(clippy::too_many_arguments)]
pub fn build(
    graph: &RoadGraph,
    mode: Mode,
    limit_s: f32,
    delay_s: f32,
    candidates: &[u32],
    demand: &[(Option<Snap>, f64)],
    fixed: &[Origin],
) -> Instance {
    // Demand points by segment, so a search only looks at points on roads it reached.
    let mut by_seg: Vec<Vec<u32>> = vec![Vec::new(); graph.segment_count()];
    for (d, (snap, _)) in demand.iter().enumerate() {
        if let Some(s) = snap {
            by_seg[s.seg as usize].push(d as u32);
        }
    }
    let mut search = Search::new(graph);
    let mut weights: Vec<f64> = demand.iter().map(|(_, w)| *w).collect();
    let total = weights.iter().sum();
    let mut fixed_covered = 0.0;
    if !fixed.is_empty() {
        let sources: Vec<(u32, f32)> = fixed
            .iter()
            .flat_map(|o| o.seeds(graph, mode, Direction::Forward))
            .collect();
        search.run(graph, mode, Direction::Forward, &sources, limit_s);
        for (d, (snap, w)) in demand.iter().enumerate() {
            let Some(s) = snap else { continue };
            let t = time_to_point(
                graph,
                mode,
                Direction::Forward,
                &search.cost,
                fixed,
                s.seg,
                s.frac,
            );
            if t <= limit_s {
                fixed_covered += w;
                weights[d] = 0.0;
            }
        }
    }
    let mut seen = vec![u32::MAX; demand.len()];
    let covers = candidates
        .iter()
        .enumerate()
        .map(|(c, &node)| {
            search.run(graph, mode, Direction::Forward, &[(node, delay_s)], limit_s);
            let mut cover = Vec::new();
            for &u in search.reached() {
                graph.for_each_out_segment(mode, Direction::Forward, u, |seg, _, _| {
                    for &d in &by_seg[seg as usize] {
                        if seen[d as usize] == c as u32 {
                            continue;
                        }
                        seen[d as usize] = c as u32;
                        let Some(s) = demand[d as usize].0 else {
                            continue;
                        };
                        let t = time_to_point(
                            graph,
                            mode,
                            Direction::Forward,
                            &search.cost,
                            &[],
                            s.seg,
                            s.frac,
                        );
                        if t <= limit_s {
                            cover.push((d, t));
                        }
                    }
                });
            }
            cover.sort_unstable_by_key(|&(d, _)| d);
            cover
        })
        .collect();
    Instance {
        weights,
        candidates: candidates.to_vec(),
        covers,
        fixed_covered,
        total,
    }
}

/// A placement and what it covers.
#[derive(Clone, Debug, PartialEq)]
pub struct Solution {
    /// Indices into [`Instance::candidates`], in the order chosen.
    pub chosen: Vec<usize>,
    /// Demand covered by the chosen sites beyond the fixed facilities.
    pub covered: f64,
    /// The same after greedy alone, before swaps.
    pub greedy_covered: f64,
    pub swaps: usize,
}

#[derive(PartialEq)]
struct Gain(f64, usize);

impl Eq for Gain {}

impl Ord for Gain {
    fn cmp(&self, other: &Self) -> Ordering {
        // Max-heap on gain; ties to the lower candidate index for determinism.
        self.0
            .total_cmp(&other.0)
            .then_with(|| other.1.cmp(&self.1))
    }
}

impl PartialOrd for Gain {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Choose `k` candidates (fewer if there are fewer, or if more would cover nothing).
pub fn solve(inst: &Instance, k: usize) -> Solution {
    let w = &inst.weights;
    let mut count = vec![0u32; w.len()];
    let gain_of = |c: usize, count: &[u32]| -> f64 {
        inst.covers[c]
            .iter()
            .filter(|(d, _)| count[*d as usize] == 0)
            .map(|(d, _)| w[*d as usize])
            .sum()
    };
    // Lazy greedy: a stale gain is an upper bound, so re-evaluate only the top.
    let mut heap: BinaryHeap<Gain> = (0..inst.candidates.len())
        .map(|c| Gain(gain_of(c, &count), c))
        .collect();
    let mut chosen: Vec<usize> = Vec::new();
    let mut covered = 0.0;
    while chosen.len() < k {
        let Some(Gain(stale, c)) = heap.pop() else {
            break;
        };
        let fresh = gain_of(c, &count);
        if fresh < stale && heap.peek().is_some_and(|top| top.0 > fresh) {
            heap.push(Gain(fresh, c));
            continue;
        }
        if fresh <= 0.0 {
            break;
        }
        for &(d, _) in &inst.covers[c] {
            count[d as usize] += 1;
        }
        covered += fresh;
        chosen.push(c);
    }
    let greedy_covered = covered;

    // Swaps: best improving (remove i, add j) per chosen site, until none improves.
    let mut swaps = 0;
    let mut is_chosen = vec![false; inst.candidates.len()];
    for &c in &chosen {
        is_chosen[c] = true;
    }
    let mut mark = vec![false; w.len()];
    let eps = 1e-9 * inst.total.max(1.0);
    let mut improved = true;
    while improved && swaps < 10_000 {
        improved = false;
        for slot in chosen.iter_mut() {
            let i = *slot;
            // Demand only `i` covers: lost if `i` goes.
            let mut loss = 0.0;
            for &(d, _) in &inst.covers[i] {
                mark[d as usize] = true;
                if count[d as usize] == 1 {
                    loss += w[d as usize];
                }
            }
            let mut best: Option<(f64, usize)> = None;
            for (j, _) in is_chosen.iter().enumerate().filter(|(_, c)| !**c) {
                let gain: f64 = inst.covers[j]
                    .iter()
                    .filter(|(d, _)| {
                        let c = count[*d as usize];
                        c == 0 || (c == 1 && mark[*d as usize])
                    })
                    .map(|(d, _)| w[*d as usize])
                    .sum();
                if gain - loss > eps && best.is_none_or(|(g, _)| gain - loss > g) {
                    best = Some((gain - loss, j));
                }
            }
            for &(d, _) in &inst.covers[i] {
                mark[d as usize] = false;
            }
            if let Some((delta, j)) = best {
                for &(d, _) in &inst.covers[i] {
                    count[d as usize] -= 1;
                }
                for &(d, _) in &inst.covers[j] {
                    count[d as usize] += 1;
                }
                is_chosen[i] = false;
                is_chosen[j] = true;
                *slot = j;
                covered += delta;
                swaps += 1;
                improved = true;
            }
        }
    }
    Solution {
        chosen,
        covered,
        greedy_covered,
        swaps,
    }
}

/// Demand covered by a set of candidates (beyond the fixed facilities): to check a solution.
pub fn covered_by(inst: &Instance, chosen: &[usize]) -> f64 {
    let mut hit = vec![false; inst.weights.len()];
    for &c in chosen {
        for &(d, _) in &inst.covers[c] {
            hit[d as usize] = true;
        }
    }
    hit.iter()
        .zip(&inst.weights)
        .filter(|(h, _)| **h)
        .map(|(_, w)| w)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(weights: Vec<f64>, covers: Vec<Vec<u32>>) -> Instance {
        Instance {
            total: weights.iter().sum(),
            candidates: (0..covers.len() as u32).collect(),
            covers: covers
                .into_iter()
                .map(|c| c.into_iter().map(|d| (d, 0.0)).collect())
                .collect(),
            weights,
            fixed_covered: 0.0,
        }
    }

    /// Every subset of size k, for the optimum of small instances.
    fn brute_force(inst: &Instance, k: usize) -> f64 {
        let n = inst.candidates.len();
        (0u32..1 << n)
            .filter(|m| m.count_ones() as usize == k)
            .map(|m| {
                let chosen: Vec<usize> = (0..n).filter(|&c| m & (1 << c) != 0).collect();
                covered_by(inst, &chosen)
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn swaps_fix_the_classic_greedy_trap() {
        // Greedy takes the big middle site (4 points) first and then can add only 1;
        // the two side sites together cover 6.
        let inst = instance(
            vec![1.0; 6],
            vec![vec![1, 2, 3, 4], vec![0, 1, 2], vec![3, 4, 5]],
        );
        let s = solve(&inst, 2);
        assert_eq!(s.greedy_covered, 5.0);
        assert_eq!(s.covered, 6.0);
        assert_eq!(covered_by(&inst, &s.chosen), s.covered);
        let mut chosen = s.chosen.clone();
        chosen.sort_unstable();
        assert_eq!(chosen, vec![1, 2]);
    }

    #[test]
    fn matches_brute_force_on_random_instances() {
        let mut seed = 7u64;
        let mut rnd = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let mut total_opt = 0.0;
        let mut total_got = 0.0;
        for _case in 0..40 {
            let demand = 30;
            let weights: Vec<f64> = (0..demand).map(|_| 1.0 + rnd(5) as f64).collect();
            let covers: Vec<Vec<u32>> = (0..10)
                .map(|_| {
                    let mut c: Vec<u32> = (0..4 + rnd(6)).map(|_| rnd(demand) as u32).collect();
                    c.sort_unstable();
                    c.dedup();
                    c
                })
                .collect();
            let inst = instance(weights, covers);
            let k = 1 + rnd(4) as usize;
            let s = solve(&inst, k);
            let opt = brute_force(&inst, k);
            assert!(s.covered <= opt + 1e-9);
            assert!((covered_by(&inst, &s.chosen) - s.covered).abs() < 1e-9);
            assert!(s.covered >= s.greedy_covered);
            total_opt += opt;
            total_got += s.covered;
        }
        assert!(total_got / total_opt > 0.98, "{total_got} / {total_opt}");
    }

    #[test]
    fn stops_when_nothing_more_to_cover() {
        let inst = instance(vec![1.0, 1.0], vec![vec![0, 1], vec![0]]);
        let s = solve(&inst, 5);
        assert_eq!(s.chosen, vec![0]);
        assert_eq!(s.covered, 2.0);
    }
}
