//! The planner's state: its settings (in the model), the routing worker's latest answer, and
//! the request that should be in flight for what is on screen ([`plan_request`]).

use onemap_core::coord::LonLat;
use onemap_core::routing::Direction;
use onemap_core::routing::coverage::CoverageRow;

use super::AppState;
use crate::model::{PlanSettings, Selection};
use crate::workers::routing::{LIMITS_S, PlanOutput, PlanRequest};

#[derive(Default)]
pub struct PlanState {
    pub settings: PlanSettings,
    /// Road nodes and graph build time, once the worker has the graph.
    pub ready: Option<(usize, f64)>,
    pub output: Option<Box<PlanOutput>>,
    /// The last request sent (its id is the one to wait for).
    pub last_request: Option<PlanRequest>,
    /// The last export's outcome: message, and whether it failed.
    pub status: Option<(String, bool)>,
    pub export_dir: std::path::PathBuf,
    /// The coverage edits are compared with: the posts as saved (or as the planner last set
    /// it), for one mode and turnout.
    pub baseline: Option<Baseline>,
    /// The last request made while the layers had no unsaved edit.
    pub saved_request: Option<u64>,
}

/// Coverage to compare with while editing.
#[derive(Clone, Debug)]
pub struct Baseline {
    pub mode: onemap_core::routing::Mode,
    pub turnout_s: f32,
    pub city: CoverageRow,
    pub beats: Vec<CoverageRow>,
}

impl Baseline {
    /// The change in a share (percentage points) from the baseline's, when it is worth
    /// showing (0.05 points or more).
    pub fn delta(now: f64, before: f64) -> Option<f64> {
        let d = (now - before) * 100.0;
        (d.abs() >= 0.05).then_some(d)
    }
}

impl PlanState {
    /// Whether the newest request has been answered.
    pub fn is_current(&self) -> bool {
        match (&self.last_request, &self.output) {
            (Some(r), Some(o)) => r.id == o.id,
            _ => false,
        }
    }

    /// Keep an answer if it is newer than the one shown. Coverage of the posts as saved (or
    /// the first for another mode or turnout) becomes the baseline.
    pub fn take_output(&mut self, out: Box<PlanOutput>) {
        if self.output.as_ref().is_some_and(|old| out.id <= old.id) {
            return;
        }
        let turnout_s = self
            .last_request
            .as_ref()
            .filter(|r| r.id == out.id)
            .map(|r| r.turnout_s);
        if let (Some(turnout_s), Some(Ok(cov))) = (turnout_s, &out.coverage) {
            let other = self
                .baseline
                .as_ref()
                .is_none_or(|b| b.mode != out.mode || b.turnout_s != turnout_s);
            if other || self.saved_request == Some(out.id) {
                self.baseline = Some(Baseline {
                    mode: out.mode,
                    turnout_s,
                    city: cov.city.clone(),
                    beats: cov.beats.clone(),
                });
            }
        }
        self.output = Some(out);
    }

    /// The layers were saved: their coverage (shown now, or on its way) is the baseline.
    pub fn posts_saved(&mut self) {
        if self.is_current() {
            self.set_baseline();
        } else {
            self.saved_request = self.last_request.as_ref().map(|r| r.id);
        }
    }

    /// Compare with the coverage shown now.
    pub fn set_baseline(&mut self) {
        let turnout_s = self.settings.turnout_s;
        if let Some(out) = &self.output
            && let Some(Ok(cov)) = &out.coverage
        {
            self.baseline = Some(Baseline {
                mode: out.mode,
                turnout_s,
                city: cov.city.clone(),
                beats: cov.beats.clone(),
            });
        }
    }
}

/// Minutes of limit `k`.
pub fn minutes(k: usize) -> f64 {
    f64::from(LIMITS_S[k]) / 60.0
}

/// The rings and coverage request for what the planner sees now (`None` when planning is off
/// or the graph is not ready). Its `id` is 0; the worker numbers it.
pub fn plan_request(state: &AppState) -> Option<PlanRequest> {
    let s = &state.plan.settings;
    if !s.enabled || state.plan.ready.is_none() {
        return None;
    }
    let layers = &state.ops.layers;
    let posts: Vec<(String, LonLat)> = layers
        .posts
        .iter()
        .map(|p| (format!("{} {}", p.id, p.name), p.pos))
        .collect();
    let feed = &state.shown_feed();
    let ring_origins = match &state.selection {
        Some(Selection::Post(id)) => state
            .ops
            .post(id)
            .map(|p| vec![(format!("{} {}", p.id, p.name), p.pos)]),
        Some(Selection::Station(id)) => layers
            .stations
            .iter()
            .find(|st| &st.id == id)
            .map(|st| vec![(format!("{} {}", st.id, st.name), st.pos)]),
        Some(Selection::Point(p)) => Some(vec![(p.to_string(), *p)]),
        Some(Selection::Unit(id)) => feed
            .units
            .get(id)
            .map(|u| vec![(u.call_sign.clone(), u.position.lonlat())]),
        Some(Selection::Incident(id)) => feed
            .incidents
            .get(id)
            .map(|i| vec![(format!("{} {}", i.id, i.address), i.location.lonlat())]),
        _ => None,
    }
    .unwrap_or_else(|| posts.clone());
    // A unit's rings are its own: by its way of travelling.
    let ring_mode = match &state.selection {
        Some(Selection::Unit(id)) => feed.units.get(id).map_or(s.mode, |u| u.kind.travel_mode()),
        _ => s.mode,
    };
    Some(PlanRequest {
        id: 0,
        mode: s.mode,
        turnout_s: s.turnout_s,
        direction: if s.reverse {
            Direction::Reverse
        } else {
            Direction::Forward
        },
        ring_origins,
        ring_mode,
        coverage_posts: Some(posts),
        gap_limit: s.limit,
        suggest: s.suggest,
    })
}
