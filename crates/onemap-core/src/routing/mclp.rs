//! Post placement: the maximal covering location problem (MCLP). Choose `k` sites among
//! candidates to maximise the demand reachable within a time limit, on top of what fixed
//! facilities already cover. Lazy greedy, then swaps (remove one chosen site, add one
//! candidate) while any swap gains.
//!
//! Greedy alone is within 1 − 1/e of optimal (coverage is submodular); the swaps close most of
//! the remaining gap. The spopt comparison in `docs/benchmarks.md` measures how close.
//!
//! **Bounded memory.** A prefecture has 350,000 candidate intersections, each covering
//! thousands of addresses: every cover kept would take gigabytes. [`build`] makes one pass
//! over the candidates (on every core) and keeps each one's gain alone, but the covers of only
//! the [`KEEP`] best; any other cover is searched again when the solver needs it. The solver
//! never needs many: a candidate's gain next to others is at most its gain alone
//! (submodularity), so lazy greedy looks at the best few and a swap stops looking once gains
//! alone fall below the best swap found. The result is the same as with every cover kept.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::Arc;

use super::{Direction, Mode, Origin, RoadGraph, Search, Snap, time_to_point};

/// Covers kept after the pass: the candidates with the best gains alone.
pub const KEEP: usize = 1024;

/// An MCLP instance in covering form: the demand, the candidates, and each candidate's cover
/// (given, or searched on the road graph when asked).
pub struct Instance<'a> {
    /// Demand weight per demand point (0 for points the fixed facilities already cover).
    pub weights: Vec<f64>,
    /// Candidate sites: graph nodes.
    pub candidates: Vec<u32>,
    /// Per candidate, the weight of what it covers on its own.
    pub alone: Vec<f64>,
    /// Demand the fixed facilities cover already.
    pub fixed_covered: f64,
    /// Demand in all (covered or not).
    pub total: f64,
    covers: Covers<'a>,
    /// Cover searches made after the pass (the work the bounded memory costs).
    pub searched_again: usize,
}

enum Covers<'a> {
    Given(Vec<Arc<[u32]>>),
    Searched {
        oracle: Box<Oracle<'a>>,
        kept: HashMap<usize, Arc<[u32]>>,
        /// Covers searched again, oldest first, at most [`KEEP`] of them.
        recent: VecDeque<usize>,
    },
}

impl<'a> Instance<'a> {
    /// An instance with its covers given (sorted demand indices per candidate).
    pub fn given(weights: Vec<f64>, covers: Vec<Vec<u32>>) -> Instance<'static> {
        let alone = covers
            .iter()
            .map(|c| c.iter().map(|&d| weights[d as usize]).sum())
            .collect();
        Instance {
            total: weights.iter().sum(),
            candidates: (0..covers.len() as u32).collect(),
            alone,
            weights,
            fixed_covered: 0.0,
            covers: Covers::Given(covers.into_iter().map(Arc::from).collect()),
            searched_again: 0,
        }
    }

    /// The demand points candidate `c` covers (of those the fixed facilities do not), sorted.
    pub fn cover(&mut self, c: usize) -> Arc<[u32]> {
        match &mut self.covers {
            Covers::Given(covers) => covers[c].clone(),
            Covers::Searched {
                oracle,
                kept,
                recent,
            } => {
                if let Some(cover) = kept.get(&c) {
                    return cover.clone();
                }
                let cover: Arc<[u32]> = oracle.cover(self.candidates[c], &self.weights).into();
                self.searched_again += 1;
                if recent.len() >= KEEP
                    && let Some(old) = recent.pop_front()
                {
                    kept.remove(&old);
                }
                recent.push_back(c);
                kept.insert(c, cover.clone());
                cover
            }
        }
    }
}

/// Which demand a candidate covers, by a bounded search from it.
struct Oracle<'a> {
    graph: &'a RoadGraph,
    mode: Mode,
    limit_s: f32,
    delay_s: f32,
    demand: &'a [(Option<Snap>, f64)],
    /// Demand points by segment (compressed rows), so a search only looks at points on roads
    /// it reached.
    first: Arc<Vec<u32>>,
    on_seg: Arc<Vec<u32>>,
    search: Search,
    /// Per demand point, the last search that looked at it.
    seen: Vec<u32>,
    stamp: u32,
}

impl<'a> Oracle<'a> {
    fn new(
        graph: &'a RoadGraph,
        mode: Mode,
        limit_s: f32,
        delay_s: f32,
        demand: &'a [(Option<Snap>, f64)],
    ) -> Self {
        let mut first = vec![0u32; graph.segment_count() + 1];
        for (snap, _) in demand {
            if let Some(s) = snap {
                first[s.seg as usize + 1] += 1;
            }
        }
        for i in 0..graph.segment_count() {
            first[i + 1] += first[i];
        }
        let mut fill = first.clone();
        let mut on_seg = vec![0u32; first[graph.segment_count()] as usize];
        for (d, (snap, _)) in demand.iter().enumerate() {
            if let Some(s) = snap {
                on_seg[fill[s.seg as usize] as usize] = d as u32;
                fill[s.seg as usize] += 1;
            }
        }
        Self {
            graph,
            mode,
            limit_s,
            delay_s,
            demand,
            first: Arc::new(first),
            on_seg: Arc::new(on_seg),
            search: Search::new(graph),
            seen: vec![0; demand.len()],
            stamp: 0,
        }
    }

    /// Another oracle on the same data, with buffers of its own (for another thread).
    fn fork(&self) -> Self {
        Self {
            first: self.first.clone(),
            on_seg: self.on_seg.clone(),
            search: Search::new(self.graph),
            seen: vec![0; self.demand.len()],
            stamp: 0,
            ..*self
        }
    }

    /// The demand points of positive weight `node` reaches within the limit, sorted.
    fn cover(&mut self, node: u32, weights: &[f64]) -> Vec<u32> {
        let (graph, mode) = (self.graph, self.mode);
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.seen.fill(0);
            self.stamp = 1;
        }
        let stamp = self.stamp;
        let limit_s = self.limit_s;
        self.search.run(
            graph,
            mode,
            Direction::Forward,
            &[(node, self.delay_s)],
            limit_s,
        );
        let mut cover = Vec::new();
        let (search, seen) = (&self.search, &mut self.seen);
        for &u in search.reached() {
            graph.for_each_out_segment(mode, Direction::Forward, u, |seg, _, _| {
                let range =
                    self.first[seg as usize] as usize..self.first[seg as usize + 1] as usize;
                for &d in &self.on_seg[range] {
                    if seen[d as usize] == stamp || weights[d as usize] <= 0.0 {
                        continue;
                    }
                    seen[d as usize] = stamp;
                    let Some(s) = self.demand[d as usize].0 else {
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
                        cover.push(d);
                    }
                }
            });
        }
        cover.sort_unstable();
        cover
    }
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

/// Build the instance: what `fixed` already covers within `limit_s` (with `delay_s` of
/// turnout), and each candidate's gain alone, searching from the candidates on `threads`
/// threads (the result does not depend on how many). Keeps the [`KEEP`] best covers.
#[allow(clippy::too_many_arguments)]
pub fn build<'a>(
    graph: &'a RoadGraph,
    mode: Mode,
    limit_s: f32,
    delay_s: f32,
    candidates: &[u32],
    demand: &'a [(Option<Snap>, f64)],
    fixed: &[Origin],
    threads: usize,
) -> Instance<'a> {
    let mut weights: Vec<f64> = demand.iter().map(|(_, w)| *w).collect();
    let total = weights.iter().sum();
    let mut fixed_covered = 0.0;
    if !fixed.is_empty() {
        let mut search = Search::new(graph);
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
    let oracle = Oracle::new(graph, mode, limit_s, delay_s, demand);
    // One pass: each candidate's gain alone; the best covers kept (per thread, then merged).
    let threads = threads.clamp(1, 64).min(candidates.len().max(1));
    let chunk = candidates.len().div_ceil(threads).max(1);
    let weights_ref = &weights;
    let parts: Vec<(Vec<f64>, Vec<Kept>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = candidates
            .chunks(chunk)
            .enumerate()
            .map(|(part, nodes)| {
                let mut oracle = oracle.fork();
                scope.spawn(move || {
                    let mut alone = Vec::with_capacity(nodes.len());
                    let mut best: BinaryHeap<Kept> = BinaryHeap::new();
                    for (k, &node) in nodes.iter().enumerate() {
                        let cover = oracle.cover(node, weights_ref);
                        let gain: f64 = cover.iter().map(|&d| weights_ref[d as usize]).sum();
                        alone.push(gain);
                        let kept = Kept(gain, part * chunk + k, cover);
                        if best.len() < KEEP {
                            best.push(kept);
                        } else if best.peek().is_some_and(|worst| kept < *worst) {
                            best.pop();
                            best.push(kept);
                        }
                    }
                    (alone, best.into_vec())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut alone = Vec::with_capacity(candidates.len());
    let mut best: Vec<Kept> = Vec::new();
    for (a, b) in parts {
        alone.extend(a);
        best.extend(b);
    }
    best.sort();
    best.truncate(KEEP);
    Instance {
        weights,
        candidates: candidates.to_vec(),
        alone,
        fixed_covered,
        total,
        covers: Covers::Searched {
            oracle: Box::new(oracle),
            kept: best.into_iter().map(|k| (k.1, Arc::from(k.2))).collect(),
            recent: VecDeque::new(),
        },
        searched_again: 0,
    }
}

/// A kept cover, ordered best first: higher gain, then the lower candidate.
struct Kept(f64, usize, Vec<u32>);

impl PartialEq for Kept {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Kept {}
impl Ord for Kept {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.total_cmp(&self.0).then(self.1.cmp(&other.1))
    }
}
impl PartialOrd for Kept {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
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

/// Lazy greedy: the `k` sites that add the most demand one after another, with `count` (how
/// many chosen sites cover each demand point) filled in; and the demand they cover. A stale
/// gain (at first, the gain alone) is an upper bound, so only the top is re-evaluated.
fn greedy(inst: &mut Instance<'_>, k: usize, count: &mut [u32]) -> (Vec<usize>, f64) {
    let w = inst.weights.clone();
    let mut heap: BinaryHeap<Gain> = inst
        .alone
        .iter()
        .enumerate()
        .map(|(c, &g)| Gain(g, c))
        .collect();
    let mut chosen: Vec<usize> = Vec::new();
    let mut covered = 0.0;
    while chosen.len() < k {
        let Some(Gain(stale, c)) = heap.pop() else {
            break;
        };
        let cover = inst.cover(c);
        let fresh: f64 = cover
            .iter()
            .filter(|&&d| count[d as usize] == 0)
            .map(|&d| w[d as usize])
            .sum();
        if fresh < stale && heap.peek().is_some_and(|top| top.0 > fresh) {
            heap.push(Gain(fresh, c));
            continue;
        }
        if fresh <= 0.0 {
            break;
        }
        for &d in cover.iter() {
            count[d as usize] += 1;
        }
        covered += fresh;
        chosen.push(c);
    }
    (chosen, covered)
}

/// Choose `k` candidates (fewer if there are fewer, or if more would cover nothing): greedy,
/// then improving swaps.
pub fn solve(inst: &mut Instance<'_>, k: usize) -> Solution {
    let w = inst.weights.clone();
    let mut count = vec![0u32; w.len()];
    let (mut chosen, mut covered) = greedy(inst, k, &mut count);
    let greedy_covered = covered;

    // Swaps: best improving (remove i, add j) per chosen site, until none improves. The
    // candidates by gain alone, best first: one whose gain alone minus the loss cannot reach
    // the best swap found ends the look (its gain here is at most its gain alone).
    let mut by_alone: Vec<usize> = (0..inst.candidates.len()).collect();
    by_alone.sort_by(|&a, &b| inst.alone[b].total_cmp(&inst.alone[a]).then(a.cmp(&b)));
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
            let cover_i = inst.cover(i);
            let mut loss = 0.0;
            for &d in cover_i.iter() {
                mark[d as usize] = true;
                if count[d as usize] == 1 {
                    loss += w[d as usize];
                }
            }
            // The best (gain − loss), ties to the lower candidate (as a scan in index order).
            let mut best: Option<(f64, usize)> = None;
            for &j in &by_alone {
                let bound = inst.alone[j] - loss;
                if bound <= eps || best.is_some_and(|(b, _)| bound < b) {
                    break;
                }
                if is_chosen[j] {
                    continue;
                }
                let gain: f64 = inst
                    .cover(j)
                    .iter()
                    .filter(|&&d| {
                        let c = count[d as usize];
                        c == 0 || (c == 1 && mark[d as usize])
                    })
                    .map(|&d| w[d as usize])
                    .sum();
                let delta = gain - loss;
                let better = match best {
                    None => delta > eps,
                    Some((b, bj)) => delta > b || (delta == b && j < bj),
                };
                if better {
                    best = Some((delta, j));
                }
            }
            for &d in cover_i.iter() {
                mark[d as usize] = false;
            }
            if let Some((delta, j)) = best {
                for &d in cover_i.iter() {
                    count[d as usize] -= 1;
                }
                for &d in inst.cover(j).iter() {
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
pub fn covered_by(inst: &mut Instance<'_>, chosen: &[usize]) -> f64 {
    let mut hit = vec![false; inst.weights.len()];
    for &c in chosen {
        for &d in inst.cover(c).iter() {
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

    fn instance(weights: Vec<f64>, covers: Vec<Vec<u32>>) -> Instance<'static> {
        Instance::given(weights, covers)
    }

    /// Every subset of size k, for the optimum of small instances.
    fn brute_force(inst: &mut Instance<'_>, k: usize) -> f64 {
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
        let mut inst = instance(
            vec![1.0; 6],
            vec![vec![1, 2, 3, 4], vec![0, 1, 2], vec![3, 4, 5]],
        );
        let s = solve(&mut inst, 2);
        assert_eq!(s.greedy_covered, 5.0);
        assert_eq!(s.covered, 6.0);
        assert_eq!(covered_by(&mut inst, &s.chosen), s.covered);
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
            let mut inst = instance(weights, covers);
            let k = 1 + rnd(4) as usize;
            let s = solve(&mut inst, k);
            let opt = brute_force(&mut inst, k);
            assert!(s.covered <= opt + 1e-9);
            assert!((covered_by(&mut inst, &s.chosen) - s.covered).abs() < 1e-9);
            assert!(s.covered >= s.greedy_covered);
            total_opt += opt;
            total_got += s.covered;
        }
        assert!(total_got / total_opt > 0.98, "{total_got} / {total_opt}");
    }

    /// The solver as it was when every cover was kept: greedy from exact gains, swaps scanning
    /// every candidate in index order.
    #[allow(clippy::needless_range_loop)] // `chosen` changes inside the loop
    fn solve_exhaustive(weights: &[f64], covers: &[Vec<u32>], k: usize) -> (Vec<usize>, f64) {
        let mut count = vec![0u32; weights.len()];
        let gain = |c: usize, count: &[u32]| -> f64 {
            covers[c]
                .iter()
                .filter(|&&d| count[d as usize] == 0)
                .map(|&d| weights[d as usize])
                .sum()
        };
        let mut chosen = Vec::new();
        let mut covered = 0.0;
        let mut heap: BinaryHeap<Gain> = (0..covers.len())
            .map(|c| Gain(gain(c, &count), c))
            .collect();
        while chosen.len() < k {
            let Some(Gain(stale, c)) = heap.pop() else {
                break;
            };
            let fresh = gain(c, &count);
            if fresh < stale && heap.peek().is_some_and(|t| t.0 > fresh) {
                heap.push(Gain(fresh, c));
                continue;
            }
            if fresh <= 0.0 {
                break;
            }
            covers[c].iter().for_each(|&d| count[d as usize] += 1);
            covered += fresh;
            chosen.push(c);
        }
        let total: f64 = weights.iter().sum();
        let eps = 1e-9 * total.max(1.0);
        let mut improved = true;
        while improved {
            improved = false;
            for slot in 0..chosen.len() {
                let i = chosen[slot];
                let loss: f64 = covers[i]
                    .iter()
                    .filter(|&&d| count[d as usize] == 1)
                    .map(|&d| weights[d as usize])
                    .sum();
                let mut best: Option<(f64, usize)> = None;
                for j in (0..covers.len()).filter(|j| !chosen.contains(j)) {
                    let g: f64 = covers[j]
                        .iter()
                        .filter(|&&d| {
                            count[d as usize] == 0
                                || (count[d as usize] == 1 && covers[i].contains(&d))
                        })
                        .map(|&d| weights[d as usize])
                        .sum();
                    if g - loss > eps && best.is_none_or(|(b, _)| g - loss > b) {
                        best = Some((g - loss, j));
                    }
                }
                if let Some((delta, j)) = best {
                    covers[i].iter().for_each(|&d| count[d as usize] -= 1);
                    covers[j].iter().for_each(|&d| count[d as usize] += 1);
                    chosen[slot] = j;
                    covered += delta;
                    improved = true;
                }
            }
        }
        (chosen, covered)
    }

    #[test]
    fn pruned_swaps_choose_what_the_exhaustive_scan_chose() {
        let mut seed = 11u64;
        let mut rnd = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let mut swapped = 0;
        for _case in 0..300 {
            let demand = 20 + rnd(60);
            // Small integer weights: ties are common, and must break the same way.
            let weights: Vec<f64> = (0..demand).map(|_| (1 + rnd(3)) as f64).collect();
            let covers: Vec<Vec<u32>> = (0..5 + rnd(30))
                .map(|_| {
                    let mut c: Vec<u32> = (0..rnd(12)).map(|_| rnd(demand) as u32).collect();
                    c.sort_unstable();
                    c.dedup();
                    c
                })
                .collect();
            let k = 1 + rnd(5) as usize;
            let (want_chosen, want_covered) = solve_exhaustive(&weights, &covers, k);
            let mut inst = instance(weights, covers);
            let s = solve(&mut inst, k);
            assert_eq!(s.chosen, want_chosen);
            assert_eq!(s.covered, want_covered);
            swapped += s.swaps;
        }
        assert!(swapped > 20, "the cases exercise swaps: {swapped}");
    }

    #[test]
    fn stops_when_nothing_more_to_cover() {
        let mut inst = instance(vec![1.0, 1.0], vec![vec![0, 1], vec![0]]);
        let s = solve(&mut inst, 5);
        assert_eq!(s.chosen, vec![0]);
        assert_eq!(s.covered, 2.0);
    }
}
