//! Patrol loops planned in the console: the request for N units from the history's hot spots
//! (the first police station the depot), the worker's sets of loops (the best and its
//! alternatives), the set adopted as routes, and a re-plan of it when a unit is lost.

use std::sync::Arc;

use onemap_core::layers::StationKind;
use onemap_core::patrol::hotspots::merge_near;
use onemap_core::patrol::score::VISIT_RADIUS_M;
use onemap_core::routing::Mode;

use super::AppState;
use crate::model::{DEFAULT_DWELL_S, PatrolEdit};
use crate::ui::i18n::T;
use crate::workers::patrol_plan::{AutoAnswer, AutoRequest};

/// Hot spots planned for, at most (the heaviest), as `onemap patrol`.
pub const MAX_SPOTS: usize = 500;
/// The longest lap: every stop is seen again within 2 hours.
pub const LAP_S: f64 = 7200.0;
/// Sets of loops offered.
pub const ALTERNATIVES: usize = 3;

#[derive(Debug, Default)]
pub struct AutoPlan {
    next_id: u64,
    /// The last request (its id is the answer to wait for).
    pub asked: Option<AutoRequest>,
    /// The request not yet handed to the worker.
    pub wanted: Option<AutoRequest>,
    /// The answer shown: a plan's sets, or a re-plan's one.
    pub answer: Option<AutoAnswer>,
    /// The id of the last full plan (re-plans refer to it).
    pub base: Option<u64>,
    /// The answer and set in place as routes.
    pub adopted: Option<(u64, usize)>,
    /// Why there is nothing to plan, in the UI's language.
    pub problem: Option<String>,
}

impl AutoPlan {
    /// Whether the worker is on a request.
    pub fn busy(&self) -> bool {
        match (&self.asked, &self.answer) {
            (Some(a), Some(b)) => a.id != b.id,
            (Some(_), None) => true,
            _ => false,
        }
    }

    pub fn take(&mut self, answer: AutoAnswer) {
        if self.asked.as_ref().is_none_or(|a| a.id != answer.id) {
            return;
        }
        if self.asked.as_ref().is_some_and(|a| a.replan.is_none()) && answer.result.is_ok() {
            self.base = Some(answer.id);
        }
        self.answer = Some(answer);
    }

    fn ask(&mut self, mut r: AutoRequest) {
        self.next_id += 1;
        r.id = self.next_id;
        self.asked = Some(r.clone());
        self.wanted = Some(r);
        self.problem = None;
    }
}

/// Plan loops for `units` units from the hot spots the editor scores against.
pub fn plan_patrols(state: &mut AppState, units: usize) {
    let stations = &state.ops.layers.stations;
    let depot = stations
        .iter()
        .find(|s| s.kind == StationKind::Police)
        .or(stations.first())
        .map(|s| s.pos);
    let Some(depot) = depot else {
        state.patrol.auto.problem = Some(state.tr(T::PatrolAutoNoDepot).to_owned());
        return;
    };
    let spots: Vec<_> = state
        .patrol
        .hot_spots
        .iter()
        .enumerate()
        .map(|(k, h)| (format!("#{}", k + 1), *h))
        .collect();
    let mut spots = merge_near(spots, VISIT_RADIUS_M);
    spots.truncate(MAX_SPOTS);
    if spots.is_empty() {
        state.patrol.auto.problem = Some(state.tr(T::PatrolNoHot).to_owned());
        return;
    }
    let request = AutoRequest {
        id: 0,
        depot,
        spots: Arc::new(spots),
        mode: state.patrol.route().map_or(Mode::Car, |r| r.mode),
        units: units.clamp(1, 10),
        lap_s: LAP_S,
        dwell_s: f64::from(DEFAULT_DWELL_S),
        alternatives: ALTERNATIVES,
        name: state.tr(T::PatrolAutoName).to_owned(),
        replan: None,
    };
    state.patrol.auto.ask(request);
}

/// Put set `k` of the answer shown in place as routes (one undo step).
pub fn adopt(state: &mut AppState, k: usize) {
    let auto = &mut state.patrol.auto;
    let Some(answer) = &auto.answer else { return };
    let Some(set) = answer.result.as_ref().ok().and_then(|sets| sets.get(k)) else {
        return;
    };
    let routes = set.routes.clone();
    auto.adopted = Some((answer.id, k));
    state.patrol.apply(PatrolEdit::Adopt(routes));
}

/// Re-plan the adopted set with unit `lost` gone, keeping the other stops' loops and order.
pub fn replan(state: &mut AppState, lost: usize) {
    let auto = &mut state.patrol.auto;
    let (Some(base), Some((answer_id, k)), Some(answer), Some(asked)) =
        (auto.base, auto.adopted, &auto.answer, &auto.asked)
    else {
        return;
    };
    if answer.id != answer_id {
        return;
    }
    let Some(set) = answer.result.as_ref().ok().and_then(|sets| sets.get(k)) else {
        return;
    };
    let request = AutoRequest {
        replan: Some((base, set.plan.clone(), lost)),
        ..asked.clone()
    };
    auto.ask(request);
}
