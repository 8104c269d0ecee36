//! Patrol plans: which hot spots each unit stops at, and in what order, so that one lap of
//! every unit's loop fits the lap limit and the weight of the spots stopped at is greatest.
//! One unit is the orienteering problem; several are the team orienteering problem. A lap
//! limit of 2 hours in a 4-hour shift is how revisits are asked for: every spot on a loop is
//! seen once per lap, so no spot waits longer than the lap, and no spot is duplicated.
//!
//! **Method.** Greedy insertion by weight per second added, then iterated local search
//! (after Vansteenwegen et al., *Iterated local search for the team orienteering problem*,
//! 2009): 2-opt (for one-way streets, with both directions' sums), relocation within and
//! between loops, replacing a spot by a heavier neighbour, and insertion into time freed;
//! each round removes a run of stops from every loop and rebuilds. Among plans of equal
//! weight the one whose longest lap is shortest wins, so loops come out balanced; a last
//! pass moves stops off the longest lap while it shortens. Deterministic for a seed.
//!
//! [`alternatives`] finds other plans of nearly the same weight that share few legs (for
//! unpredictability); [`replan`] repairs a plan when a unit is lost or a spot added, keeping
//! every remaining stop's order.

use crate::routing::search::{Origin, Search, seeds, time_to_point};
use crate::routing::{Direction, Mode, RoadGraph, Snap};

/// A planning problem in matrix form. Site 0 is the depot every loop starts and ends at (the
/// station or post); sites `1..n` are hot spots.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub n: usize,
    /// Travel seconds from site `a` to site `b` at `a * n + b` (infinite: no way).
    pub time: Vec<f32>,
    pub weight: Vec<f64>,
    /// Seconds stopped at each site (0 for the depot).
    pub dwell_s: Vec<f64>,
    /// The longest one lap of a loop may take, travel plus dwell.
    pub lap_s: f64,
    pub units: usize,
}

/// Each unit's stops, in order; the depot is implied at both ends.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    pub routes: Vec<Vec<usize>>,
}

/// How hard to search.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    /// Rounds of the local search; 0 picks by the problem's size.
    pub iterations: usize,
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            iterations: 0,
            seed: 0x0e_3a9,
        }
    }
}

const EPS: f64 = 1e-6;
/// Nearest neighbours kept per site for the replace move.
const NEIGHBOURS: usize = 12;

impl Problem {
    pub fn t(&self, a: usize, b: usize) -> f64 {
        f64::from(self.time[a * self.n + b])
    }

    /// One lap of `route`: depot, its stops with their dwell, back to the depot.
    pub fn duration(&self, route: &[usize]) -> f64 {
        let mut at = 0;
        let mut d = 0.0;
        for &s in route {
            d += self.t(at, s) + self.dwell_s[s];
            at = s;
        }
        if at != 0 { d + self.t(at, 0) } else { d }
    }

    /// The weight of the spots `plan` stops at.
    pub fn value(&self, plan: &Plan) -> f64 {
        plan.routes.iter().flatten().map(|&s| self.weight[s]).sum()
    }

    /// Why `plan` is not a plan for this problem: a unit too many, a site unknown or stopped
    /// at twice, or a lap over the limit.
    pub fn check(&self, plan: &Plan) -> Result<(), String> {
        if plan.routes.len() > self.units {
            return Err(format!(
                "{} loops for {} units",
                plan.routes.len(),
                self.units
            ));
        }
        let mut seen = vec![false; self.n];
        for (u, r) in plan.routes.iter().enumerate() {
            for &s in r {
                if s == 0 || s >= self.n || std::mem::replace(&mut seen[s], true) {
                    return Err(format!(
                        "unit {u}: site {s} is the depot, unknown or repeated"
                    ));
                }
            }
            let d = self.duration(r);
            if d > self.lap_s + 1e-3 {
                return Err(format!(
                    "unit {u}: lap {d:.0} s over the limit {:.0}",
                    self.lap_s
                ));
            }
        }
        Ok(())
    }

    /// Longest lap over the mean lap, less one (0: perfectly balanced), over units with stops.
    pub fn imbalance(&self, plan: &Plan) -> f64 {
        let laps: Vec<f64> = plan
            .routes
            .iter()
            .filter(|r| !r.is_empty())
            .map(|r| self.duration(r))
            .collect();
        if laps.is_empty() {
            return 0.0;
        }
        let mean = laps.iter().sum::<f64>() / laps.len() as f64;
        laps.iter().copied().fold(0.0, f64::max) / mean - 1.0
    }

    fn insert_delta(&self, route: &[usize], i: usize, s: usize) -> f64 {
        let prev = if i == 0 { 0 } else { route[i - 1] };
        let next = route.get(i).copied().unwrap_or(0);
        self.t(prev, s) + self.dwell_s[s] + self.t(s, next) - self.t(prev, next)
    }

    /// The cheapest place for `s` in `route`: (seconds added, position).
    fn best_place(&self, route: &[usize], s: usize) -> (f64, usize) {
        (0..=route.len())
            .map(|i| (self.insert_delta(route, i, s), i))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .unwrap_or((f64::INFINITY, 0))
    }

    /// Seconds saved by taking the stop at `i` out of `route`.
    fn removal_gain(&self, route: &[usize], i: usize) -> f64 {
        let prev = if i == 0 { 0 } else { route[i - 1] };
        let next = route.get(i + 1).copied().unwrap_or(0);
        let s = route[i];
        self.t(prev, s) + self.dwell_s[s] + self.t(s, next) - self.t(prev, next)
    }

    /// Each site's nearest others by the round trip between them.
    fn neighbours(&self) -> Vec<Vec<usize>> {
        (0..self.n)
            .map(|a| {
                let mut near: Vec<usize> = (1..self.n).filter(|&b| b != a).collect();
                near.sort_by(|&x, &y| {
                    (self.t(a, x) + self.t(x, a)).total_cmp(&(self.t(a, y) + self.t(y, a)))
                });
                near.truncate(NEIGHBOURS);
                near
            })
            .collect()
    }
}

/// A plan being searched: its loops, their laps, which sites are stopped at.
#[derive(Clone, Debug)]
struct Sol {
    routes: Vec<Vec<usize>>,
    dur: Vec<f64>,
    on: Vec<bool>,
    /// Units that may take stops ([`replan`] closes the lost ones).
    open: Vec<bool>,
    /// Sites the perturbation just took out, kept out of the first rebuild so it goes
    /// elsewhere.
    held: Vec<bool>,
    /// The insertion's weight exponent: weight^pull per second added (varied per round).
    pull: f64,
    value: f64,
}

impl Sol {
    fn empty(p: &Problem) -> Self {
        Self {
            routes: vec![Vec::new(); p.units],
            dur: vec![0.0; p.units],
            on: vec![false; p.n],
            open: vec![true; p.units],
            held: vec![false; p.n],
            pull: 1.0,
            value: 0.0,
        }
    }

    fn from_plan(p: &Problem, plan: &Plan) -> Self {
        let mut sol = Self::empty(p);
        for (u, r) in plan.routes.iter().enumerate().take(p.units) {
            for &s in r {
                if s > 0 && s < p.n && !sol.on[s] {
                    sol.on[s] = true;
                    sol.value += p.weight[s];
                    sol.routes[u].push(s);
                }
            }
            sol.dur[u] = p.duration(&sol.routes[u]);
        }
        sol
    }

    fn longest(&self) -> f64 {
        self.dur.iter().copied().fold(0.0, f64::max)
    }

    /// More weight; then a shorter longest lap; then less time in all.
    fn better(&self, other: &Sol) -> bool {
        if (self.value - other.value).abs() > 1e-9 {
            return self.value > other.value;
        }
        let (a, b) = (self.longest(), other.longest());
        if (a - b).abs() > EPS {
            return a < b;
        }
        self.dur.iter().sum::<f64>() < other.dur.iter().sum::<f64>() - EPS
    }

    fn plan(&self) -> Plan {
        Plan {
            routes: self.routes.clone(),
        }
    }
}

/// SplitMix64, for the perturbation's choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % below.max(1) as u64) as usize
    }
}

/// Insert the site with the most weight per second added, where it adds least, while any
/// fits; how many were inserted. Existing stops keep their order.
fn insert_greedy(p: &Problem, sol: &mut Sol) -> usize {
    let mut cand: Vec<usize> = (1..p.n)
        .filter(|&s| !sol.on[s] && !sol.held[s] && p.weight[s] > 0.0)
        .filter(|&s| p.t(0, s) + p.dwell_s[s] + p.t(s, 0) <= p.lap_s + EPS)
        .collect();
    let units = sol.routes.len();
    // best[k * units + u]: the cheapest place for cand[k] in loop u.
    let mut best: Vec<(f64, usize)> = Vec::with_capacity(cand.len() * units);
    for &s in &cand {
        for r in &sol.routes {
            best.push(p.best_place(r, s));
        }
    }
    let mut inserted = 0;
    loop {
        let mut pick: Option<(f64, usize, usize)> = None;
        for (k, &s) in cand.iter().enumerate() {
            for u in 0..units {
                let (delta, _) = best[k * units + u];
                if !sol.open[u] || sol.dur[u] + delta > p.lap_s + EPS {
                    continue;
                }
                let ratio = p.weight[s].powf(sol.pull) / delta.max(1e-3);
                if pick.is_none_or(|(r, _, _)| ratio > r) {
                    pick = Some((ratio, k, u));
                }
            }
        }
        let Some((_, k, u)) = pick else { break };
        let s = cand[k];
        let (delta, at) = best[k * units + u];
        sol.routes[u].insert(at, s);
        sol.dur[u] += delta;
        sol.on[s] = true;
        sol.value += p.weight[s];
        inserted += 1;
        cand.swap_remove(k);
        let last = cand.len();
        for v in 0..units {
            best.swap(k * units + v, last * units + v);
        }
        best.truncate(last * units);
        for (k, &s) in cand.iter().enumerate() {
            best[k * units + u] = p.best_place(&sol.routes[u], s);
        }
    }
    inserted
}

/// 2-opt on one loop: reverse the run of stops whose reversal saves most, while any does.
/// Both directions' sums are kept, since one-way streets make the matrix asymmetric.
fn two_opt(p: &Problem, route: &mut [usize]) -> bool {
    let mut any = false;
    loop {
        let len = route.len();
        if len < 2 {
            return any;
        }
        // seq: depot, stops, depot; fwd[k]/bwd[k]: the legs before position k, each way.
        let seq: Vec<usize> = std::iter::once(0)
            .chain(route.iter().copied())
            .chain(std::iter::once(0))
            .collect();
        let mut fwd = vec![0.0; seq.len()];
        let mut bwd = vec![0.0; seq.len()];
        for k in 1..seq.len() {
            fwd[k] = fwd[k - 1] + p.t(seq[k - 1], seq[k]);
            bwd[k] = bwd[k - 1] + p.t(seq[k], seq[k - 1]);
        }
        let mut best = (-EPS, 0, 0);
        for i in 1..=len {
            for j in i + 1..=len {
                let before = p.t(seq[i - 1], seq[i]) + (fwd[j] - fwd[i]) + p.t(seq[j], seq[j + 1]);
                let after = p.t(seq[i - 1], seq[j]) + (bwd[j] - bwd[i]) + p.t(seq[i], seq[j + 1]);
                if after - before < best.0 {
                    best = (after - before, i, j);
                }
            }
        }
        if best.1 == 0 {
            return any;
        }
        route[best.1 - 1..best.2].reverse();
        any = true;
    }
}

/// Move single stops to where they cost least, in their loop or another open one, while
/// that saves time in all.
fn relocate(p: &Problem, sol: &mut Sol) -> bool {
    let mut any = false;
    let units = sol.routes.len();
    for u in 0..units {
        let mut i = 0;
        while i < sol.routes[u].len() {
            let gain = p.removal_gain(&sol.routes[u], i);
            let s = sol.routes[u][i];
            let mut rest = sol.routes[u].clone();
            rest.remove(i);
            let mut best: Option<(f64, usize, usize)> = None;
            for v in 0..units {
                if v != u && !sol.open[v] {
                    continue;
                }
                let (delta, at) = if v == u {
                    p.best_place(&rest, s)
                } else {
                    p.best_place(&sol.routes[v], s)
                };
                let fits = v == u || sol.dur[v] + delta <= p.lap_s + EPS;
                if fits && delta < gain - EPS && best.is_none_or(|b| delta - gain < b.0) {
                    best = Some((delta - gain, v, at));
                }
            }
            if let Some((_, v, at)) = best {
                if v == u {
                    sol.routes[u] = rest;
                    sol.routes[u].insert(at, s);
                } else {
                    sol.routes[u].remove(i);
                    sol.routes[v].insert(at, s);
                    sol.dur[v] = p.duration(&sol.routes[v]);
                }
                sol.dur[u] = p.duration(&sol.routes[u]);
                any = true;
            }
            i += 1;
        }
    }
    any
}

/// Replace a stop by a heavier neighbour not stopped at, in the same place, where it fits.
fn replace(p: &Problem, sol: &mut Sol, near: &[Vec<usize>]) -> bool {
    let mut any = false;
    for u in 0..sol.routes.len() {
        for i in 0..sol.routes[u].len() {
            let s = sol.routes[u][i];
            let gain = p.removal_gain(&sol.routes[u], i);
            let mut best: Option<(f64, usize)> = None;
            for &c in &near[s] {
                if sol.on[c] || p.weight[c] <= p.weight[s] + 1e-9 {
                    continue;
                }
                let mut probe = sol.routes[u].clone();
                probe.remove(i);
                let delta = p.insert_delta(&probe, i, c);
                if sol.dur[u] - gain + delta <= p.lap_s + EPS
                    && best.is_none_or(|(w, _)| p.weight[c] > w)
                {
                    best = Some((p.weight[c], c));
                }
            }
            if let Some((_, c)) = best {
                sol.on[s] = false;
                sol.on[c] = true;
                sol.value += p.weight[c] - p.weight[s];
                sol.routes[u][i] = c;
                sol.dur[u] = p.duration(&sol.routes[u]);
                any = true;
            }
        }
    }
    any
}

/// Local search to a plan no single move improves.
fn improve(p: &Problem, sol: &mut Sol, near: &[Vec<usize>]) {
    for _ in 0..50 {
        let mut changed = false;
        for u in 0..sol.routes.len() {
            if two_opt(p, &mut sol.routes[u]) {
                sol.dur[u] = p.duration(&sol.routes[u]);
                changed = true;
            }
        }
        changed |= relocate(p, sol);
        changed |= replace(p, sol, near);
        changed |= insert_greedy(p, sol) > 0;
        if !changed {
            return;
        }
    }
}

/// Take a run of `strength` stops out of every loop, from a random place.
fn perturb(p: &Problem, sol: &mut Sol, strength: usize, rng: &mut Rng) {
    for u in 0..sol.routes.len() {
        let len = sol.routes[u].len();
        if len == 0 {
            continue;
        }
        let from = rng.next(len);
        let to = (from + strength).min(len);
        for s in sol.routes[u].drain(from..to) {
            sol.on[s] = false;
            sol.held[s] = true;
            sol.value -= p.weight[s];
        }
        sol.dur[u] = p.duration(&sol.routes[u]);
    }
}

/// Move stops off the longest lap while that shortens the longest lap (weight unchanged).
fn balance(p: &Problem, sol: &mut Sol) {
    loop {
        let Some(a) = (0..sol.dur.len()).max_by(|&x, &y| sol.dur[x].total_cmp(&sol.dur[y])) else {
            return;
        };
        let top = sol.dur[a];
        let mut best: Option<(f64, usize, usize, usize)> = None;
        for i in 0..sol.routes[a].len() {
            let gain = p.removal_gain(&sol.routes[a], i);
            let s = sol.routes[a][i];
            for v in (0..sol.routes.len()).filter(|&v| v != a && sol.open[v]) {
                let (delta, at) = p.best_place(&sol.routes[v], s);
                let worse = (top - gain).max(sol.dur[v] + delta);
                if sol.dur[v] + delta <= p.lap_s + EPS
                    && worse < top - EPS
                    && best.is_none_or(|b| worse < b.0)
                {
                    best = Some((worse, i, v, at));
                }
            }
        }
        let Some((_, i, v, at)) = best else { return };
        let s = sol.routes[a].remove(i);
        sol.routes[v].insert(at, s);
        for u in [a, v] {
            two_opt(p, &mut sol.routes[u]);
            sol.dur[u] = p.duration(&sol.routes[u]);
        }
    }
}

/// Rounds of the local search for a problem of this size when not told.
fn rounds(p: &Problem, opts: &Options) -> usize {
    if opts.iterations > 0 {
        opts.iterations
    } else if p.n <= 60 {
        2000
    } else {
        (150_000 / p.n).clamp(100, 1000)
    }
}

/// Iterated local search from `sol`; every plan it settles on is offered to `pool` (checked
/// against its own problem's true times).
fn search(
    p: &Problem,
    mut sol: Sol,
    opts: &Options,
    near: &[Vec<usize>],
    mut pool: Option<(&Problem, &mut Pool)>,
) -> Sol {
    let mut rng = Rng(opts.seed);
    insert_greedy(p, &mut sol);
    improve(p, &mut sol, near);
    let mut best = sol.clone();
    let mut strength = 1;
    let longest_run = sol.routes.iter().map(Vec::len).max().unwrap_or(0).max(1);
    for round in 1..=rounds(p, opts) {
        perturb(p, &mut sol, strength, &mut rng);
        sol.pull = [1.0, 1.5, 2.0, 0.5][rng.next(4)];
        improve(p, &mut sol, near);
        sol.held.iter_mut().for_each(|h| *h = false);
        sol.pull = 1.0;
        improve(p, &mut sol, near);
        if let Some((truth, pool)) = pool.as_mut() {
            pool.offer(truth, &sol);
        }
        if sol.better(&best) {
            best = sol.clone();
            strength = 1;
        } else {
            strength = if strength >= longest_run.div_ceil(2) {
                1
            } else {
                strength + 1
            };
            if round % 10 == 0 {
                sol = best.clone();
            }
        }
    }
    balance(p, &mut best);
    best
}

/// The best plan found for `p`.
pub fn solve(p: &Problem, opts: &Options) -> Plan {
    let near = p.neighbours();
    search(p, Sol::empty(p), opts, &near, None).plan()
}

/// The legs of `plan` as unordered site pairs, depot legs included.
fn legs(plan: &Plan) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = plan
        .routes
        .iter()
        .filter(|r| !r.is_empty())
        .flat_map(|r| {
            let seq: Vec<usize> = std::iter::once(0)
                .chain(r.iter().copied())
                .chain(std::iter::once(0))
                .collect();
            seq.windows(2)
                .map(|w| (w[0].min(w[1]), w[0].max(w[1])))
                .collect::<Vec<_>>()
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// How much two plans travel the same legs: shared legs over legs of either (Jaccard), each
/// leg taken either way.
pub fn overlap(a: &Plan, b: &Plan) -> f64 {
    let (la, lb) = (legs(a), legs(b));
    let shared = la.iter().filter(|l| lb.binary_search(l).is_ok()).count();
    let union = la.len() + lb.len() - shared;
    if union == 0 {
        0.0
    } else {
        shared as f64 / union as f64
    }
}

/// Up to `k` plans (the first is `best`), each worth at least `within` of `best` (0.95: 5 %
/// less at most), sharing as few legs with each other as can be found. The plans the search
/// passes through that are good enough are pooled, from the true times and from times made
/// dearer on the legs `best` travels; then, one at a time, the pooled plan sharing least with
/// the ones chosen is added.
pub fn alternatives(p: &Problem, best: &Plan, k: usize, within: f64, opts: &Options) -> Vec<Plan> {
    let floor = p.value(best) * within;
    let near = p.neighbours();
    let mut pool = Pool {
        floor,
        plans: Vec::new(),
    };
    let typical = p.lap_s / (p.n as f64).sqrt().max(2.0);
    for attempt in 0..4u64 {
        let mut dear = p.clone();
        let extra = typical * attempt as f64 / 8.0;
        for (a, b) in legs(best) {
            dear.time[a * p.n + b] += extra as f32;
            dear.time[b * p.n + a] += extra as f32;
        }
        let o = Options {
            seed: opts.seed ^ (attempt + 1).wrapping_mul(0x5851_f42d),
            ..*opts
        };
        // Plans found on dearer times are pooled by their true laps and weight.
        search(&dear, Sol::empty(&dear), &o, &near, Some((p, &mut pool)));
    }
    let mut chosen = vec![best.clone()];
    while chosen.len() < k {
        let next = pool
            .plans
            .iter()
            .filter(|c| !chosen.contains(c))
            .map(|c| (chosen.iter().map(|o| overlap(c, o)).fold(0.0, f64::max), c))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        let Some((_, plan)) = next else { break };
        chosen.push(plan.clone());
    }
    chosen
}

/// Good-enough plans met on the way, for [`alternatives`].
struct Pool {
    floor: f64,
    plans: Vec<Plan>,
}

/// Plans pooled at most.
const POOL: usize = 300;

impl Pool {
    fn offer(&mut self, p: &Problem, sol: &Sol) {
        if self.plans.len() >= POOL || sol.value < self.floor - 1e-9 {
            return;
        }
        let plan = sol.plan();
        if p.check(&plan).is_ok()
            && p.value(&plan) >= self.floor - 1e-9
            && !self.plans.contains(&plan)
        {
            self.plans.push(plan);
        }
    }
}

/// Repair `previous` after the units in `lost` are lost (their loops emptied, closed to new
/// stops) and sites were added (any site not in the plan): the stops left keep their loops
/// and their order; spots without a unit are inserted where they cost least, or replace a
/// lighter stop in place.
pub fn replan(p: &Problem, previous: &Plan, lost: &[usize]) -> Plan {
    let mut sol = Sol::from_plan(p, previous);
    for &u in lost {
        if u < p.units {
            for s in std::mem::take(&mut sol.routes[u]) {
                sol.on[s] = false;
                sol.value -= p.weight[s];
            }
            sol.dur[u] = 0.0;
            sol.open[u] = false;
        }
    }
    // A lap the new problem's times put over the limit loses its lightest stops.
    for u in 0..p.units {
        while sol.dur[u] > p.lap_s + EPS {
            let Some(i) = (0..sol.routes[u].len())
                .min_by(|&x, &y| p.weight[sol.routes[u][x]].total_cmp(&p.weight[sol.routes[u][y]]))
            else {
                break;
            };
            let s = sol.routes[u].remove(i);
            sol.on[s] = false;
            sol.value -= p.weight[s];
            sol.dur[u] = p.duration(&sol.routes[u]);
        }
    }
    insert_greedy(p, &mut sol);
    let near = p.neighbours();
    while replace(p, &mut sol, &near) {
        insert_greedy(p, &mut sol);
    }
    sol.plan()
}

/// The share of `before`'s consecutive stop pairs (in loops not lost) that `after` still has
/// in the same loop and order, not necessarily adjacent: how stable a re-plan is.
pub fn order_kept(before: &Plan, after: &Plan, lost: &[usize]) -> f64 {
    let (mut pairs, mut kept) = (0usize, 0usize);
    for (u, r) in before.routes.iter().enumerate() {
        if lost.contains(&u) {
            continue;
        }
        let Some(now) = after.routes.get(u) else {
            pairs += r.len().saturating_sub(1);
            continue;
        };
        let pos = |s: usize| now.iter().position(|&x| x == s);
        for w in r.windows(2) {
            pairs += 1;
            if let (Some(a), Some(b)) = (pos(w[0]), pos(w[1]))
                && a < b
            {
                kept += 1;
            }
        }
    }
    if pairs == 0 {
        1.0
    } else {
        kept as f64 / pairs as f64
    }
}

/// Travel seconds between every pair of `snaps` for `mode` on the roads (`a * n + b`), one
/// search per site, on every core.
pub fn travel_matrix(graph: &RoadGraph, mode: Mode, snaps: &[Snap]) -> Vec<f32> {
    let n = snaps.len();
    let threads = std::thread::available_parallelism()
        .map_or(1, |c| c.get())
        .min(n.max(1));
    let chunk = n.div_ceil(threads.max(1)).max(1);
    let rows: Vec<Vec<f32>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .step_by(chunk)
            .map(|from| {
                scope.spawn(move || {
                    let mut search = Search::new(graph);
                    let mut out = Vec::with_capacity(chunk * n);
                    for a in from..(from + chunk).min(n) {
                        let origin = Origin {
                            snap: snaps[a],
                            delay_s: 0.0,
                        };
                        let dir = Direction::Forward;
                        search.start(graph, seeds(graph, mode, dir, &snaps[a]), f32::INFINITY);
                        search.settle_while(graph, mode, dir, f32::INFINITY, |_| 0.0, |_, _| true);
                        for (b, to) in snaps.iter().enumerate() {
                            out.push(if a == b {
                                0.0
                            } else {
                                time_to_point(
                                    graph,
                                    mode,
                                    dir,
                                    &search.cost,
                                    &[origin],
                                    to.seg,
                                    to.frac,
                                )
                            });
                        }
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    rows.concat()
}
