//! Patrol plans in the console, on the routing worker's thread: a loop for each of N units
//! from the depot through the history's hot spots (the core's optimiser, as `onemap patrol`),
//! alternatives of nearly the same weight that share few legs, and a re-plan when a unit is
//! lost that keeps every other stop's loop and order. The travel matrix of the last plan is
//! kept for its re-plans.

use std::sync::Arc;
use std::time::Instant;

use onemap_core::coord::LonLat;
use onemap_core::patrol::PatrolRoute;
use onemap_core::patrol::optimise::{self, Options, Plan, Problem};
use onemap_core::patrol::plan::Sites;
use onemap_core::patrol::score::HotSpot;
use onemap_core::routing::{Mode, RoadGraph};

/// Plans are asked for with this id prefix; adopting a set replaces the routes that have it.
pub const AUTO_ID: &str = "AUTO";

/// What to plan.
#[derive(Clone, Debug, PartialEq)]
pub struct AutoRequest {
    pub id: u64,
    pub depot: LonLat,
    pub spots: Spots,
    pub mode: Mode,
    pub units: usize,
    pub lap_s: f64,
    pub dwell_s: f64,
    /// Sets of loops to offer, the best first.
    pub alternatives: usize,
    /// The routes' names: `{name} 1`, `{name} 2`… (in the UI's language).
    pub name: String,
    /// Instead: re-plan this plan of the answer `base` with unit `lost` (0-based) gone.
    pub replan: Option<(u64, Plan, usize)>,
}

/// One set of loops offered.
#[derive(Clone, Debug, PartialEq)]
pub struct AutoSet {
    pub routes: Vec<PatrolRoute>,
    pub plan: Plan,
    pub weight: f64,
    /// Its weight over the best set's.
    pub of_best: f64,
    /// The share of its legs the best set also has.
    pub shared: f64,
    /// How much the longest lap is over the mean.
    pub imbalance: f64,
    /// For a re-plan: the share of the stops' order kept.
    pub order_kept: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AutoAnswer {
    pub id: u64,
    pub result: Result<Vec<AutoSet>, String>,
    /// Hot spots planned for, and those no road reaches; their total weight.
    pub spots: usize,
    pub left_out: usize,
    pub total_weight: f64,
    pub compute_ms: f64,
}

/// Named hot spots, shared between the request and the worker.
pub type Spots = Arc<Vec<(String, HotSpot)>>;

/// The last plan: its id, sites and problem, for its re-plans.
struct Last {
    id: u64,
    sites: Sites,
    problem: Problem,
    spots: Spots,
}

#[derive(Default)]
pub struct AutoPlanner {
    last: Option<Last>,
}

impl AutoPlanner {
    pub fn handle(&mut self, graph: &RoadGraph, r: AutoRequest) -> AutoAnswer {
        let t = Instant::now();
        let mut answer = AutoAnswer {
            id: r.id,
            result: Err(String::new()),
            spots: r.spots.len(),
            left_out: 0,
            total_weight: r.spots.iter().map(|s| s.1.weight).sum(),
            compute_ms: 0.0,
        };
        answer.result = match &r.replan {
            Some((base, previous, lost)) => self.replan(*base, previous, *lost, &r.name),
            None => self.plan(graph, &r, &mut answer.left_out),
        };
        answer.compute_ms = t.elapsed().as_secs_f64() * 1e3;
        answer
    }

    fn plan(
        &mut self,
        graph: &RoadGraph,
        r: &AutoRequest,
        left_out: &mut usize,
    ) -> Result<Vec<AutoSet>, String> {
        if r.spots.is_empty() {
            return Err("no hot spots".into());
        }
        let sites = Sites::new(graph, r.mode, r.depot, &r.spots).map_err(|e| e.to_string())?;
        *left_out = sites.left_out.len();
        let problem = sites.problem(graph, &r.spots, r.dwell_s, r.lap_s, r.units);
        let best = optimise::solve(&problem, &Options::default());
        problem.check(&best)?;
        let plans = if r.alternatives > 1 {
            optimise::alternatives(&problem, &best, r.alternatives, 0.95, &Options::default())
        } else {
            vec![best.clone()]
        };
        let sets = plans
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let suffix = if k == 0 {
                    String::new()
                } else {
                    format!("-{}", char::from(b'a' + k as u8))
                };
                set(
                    &problem,
                    &sites,
                    &r.spots,
                    p,
                    &best,
                    (&r.name, &suffix),
                    None,
                )
            })
            .collect();
        self.last = Some(Last {
            id: r.id,
            sites,
            problem,
            spots: r.spots.clone(),
        });
        Ok(sets)
    }

    fn replan(
        &self,
        base: u64,
        previous: &Plan,
        lost: usize,
        name: &str,
    ) -> Result<Vec<AutoSet>, String> {
        let Some(Last {
            id,
            sites,
            problem,
            spots,
        }) = &self.last
        else {
            return Err("plan first".into());
        };
        if *id != base {
            return Err("the plan has changed: plan again".into());
        }
        let plan = optimise::replan(problem, previous, &[lost]);
        problem.check(&plan)?;
        let kept = optimise::order_kept(previous, &plan, &[lost]);
        Ok(vec![set(
            problem,
            sites,
            spots,
            &plan,
            previous,
            (name, ""),
            Some(kept),
        )])
    }
}

fn set(
    problem: &Problem,
    sites: &Sites,
    spots: &[(String, HotSpot)],
    plan: &Plan,
    best: &Plan,
    (name, suffix): (&str, &str),
    order_kept: Option<f64>,
) -> AutoSet {
    let weight = problem.value(plan);
    AutoSet {
        routes: sites.routes(problem, plan, spots, (AUTO_ID, name, suffix)),
        plan: plan.clone(),
        weight,
        of_best: weight / problem.value(best).max(1e-9),
        shared: optimise::overlap(plan, best),
        imbalance: problem.imbalance(plan),
        order_kept,
    }
}
