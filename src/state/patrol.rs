//! The patrol routes a planner draws: the routes of `patrols.geojson`, the one being edited,
//! its waypoint selected, undo and redo, and the routing worker's latest answer for it (the
//! route laid on the roads and its score). Editing is pure state; laying and scoring are the
//! worker's ([`crate::workers::patrol`]); saving and exporting are the shell's.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;

use onemap_core::coord::LonLat;
use onemap_core::patrol::cover::beats_area_m2;
use onemap_core::patrol::hotspots::clusters;
use onemap_core::patrol::score::{HotSpot, Score};
use onemap_core::patrol::{PatrolRoute, SnappedRoute, Waypoint};
use onemap_core::routing::Mode;
use serde_json::Value;

use super::AppState;
pub use crate::model::PatrolEdit;
use crate::model::Tool;
use crate::workers::patrol::{AssignedKey, ScoredAgainst, assigned_route};
pub use crate::workers::patrol::{Laid, OtherRoute, PatrolRequest};

/// Edits kept for undo, at most.
pub const UNDO_DEPTH: usize = 100;
pub use crate::model::DEFAULT_DWELL_S;
/// Waypoints a route may have (the file's limit).
pub const MAX_WAYPOINTS: usize = onemap_core::patrol::file::MAX_WAYPOINTS;

#[derive(Clone, Debug, Default)]
struct Snapshot {
    routes: Vec<PatrolRoute>,
    current: Option<usize>,
}

#[derive(Debug, Default)]
pub struct PatrolState {
    pub routes: Vec<PatrolRoute>,
    /// Rejected features of the file, written back on save.
    pub rejected: Vec<Value>,
    /// What was wrong with the file, one line each (feature and reason).
    pub problems: Vec<String>,
    pub current: Option<usize>,
    pub waypoint: Option<usize>,
    undo: VecDeque<Snapshot>,
    redo: Vec<Snapshot>,
    /// Bumped by every change of the routes.
    pub revision: u64,
    /// The revision last sent to the worker.
    pub requested: Option<u64>,
    /// Bumped when the routes other than the edited one may have changed (another chosen,
    /// one added or deleted, undo, redo); they are laid again.
    others_revision: u64,
    others_requested: Option<u64>,
    /// The other routes on the roads, drawn thin beside the edited one.
    pub others: Vec<OtherRoute>,
    pub laid: Option<Laid>,
    /// The laid route before the current drag or edit began (for the before/after figures).
    pub before: Option<Score>,
    /// What the edited route is scored against.
    pub hot_spots: Arc<Vec<HotSpot>>,
    /// The history's incidents (weight 1 each), for the PAI.
    pub incidents: Arc<Vec<(LonLat, f64)>>,
    /// The history records the hot spots were made from (their revision).
    pub hot_from: Option<u64>,
    pub dirty: bool,
    /// Where the routes are saved.
    pub path: PathBuf,
    /// The last save's or export's outcome, and whether it failed.
    pub status: Option<(String, bool)>,
    /// The unit chosen to take the edited route.
    pub assign_to: Option<onemap_core::feed::UnitId>,
    /// Loops planned for several units, offered to adopt.
    pub auto: super::patrol_plan::AutoPlan,
    /// The selected unit's assigned patrol: asked for (its key), and as laid (`None` inside:
    /// it cannot be laid).
    pub assigned_asked: Option<AssignedKey>,
    pub assigned: Option<(AssignedKey, Option<OtherRoute>)>,
    /// The layers as the worker last got them, by the layers' revision.
    layers: Option<(u64, Arc<ScoredAgainst>)>,
}

impl PatrolState {
    pub fn load(path: PathBuf) -> Self {
        let mut s = Self {
            path,
            ..Self::default()
        };
        match std::fs::read_to_string(&s.path) {
            Ok(text) => {
                let name = s.path.display().to_string();
                let parsed = onemap_core::patrol::file::parse_patrols(&name, &text);
                s.routes = parsed.items;
                s.rejected = parsed.rejected;
                s.problems = parsed.problems.iter().map(ToString::to_string).collect();
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => s.problems.push(format!("{}: {e}", s.path.display())),
        }
        s
    }

    pub fn route(&self) -> Option<&PatrolRoute> {
        self.current.and_then(|i| self.routes.get(i))
    }

    /// The laid route and score of the edited route as it is now (`None` while the worker
    /// has not answered this revision).
    pub fn laid_now(&self) -> Option<&Laid> {
        self.laid.as_ref().filter(|l| l.revision == self.revision)
    }

    /// The latest laid route, even of an earlier revision (drawn while the new one is laid).
    pub fn laid_any(&self) -> Option<&(SnappedRoute, Score)> {
        self.laid.as_ref().and_then(|l| l.result.as_ref().ok())
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            routes: self.routes.clone(),
            current: self.current,
        }
    }

    /// Keep `snapshot` (the routes before an edit) for undo, at most [`UNDO_DEPTH`], and
    /// the laid route's score before it for the panel's "before" figures.
    fn remember(&mut self, snapshot: Snapshot, before: Option<Score>) {
        if self.undo.len() == UNDO_DEPTH {
            self.undo.pop_front();
        }
        self.undo.push_back(snapshot);
        self.redo.clear();
        self.before = before;
    }

    fn changed(&mut self) {
        self.revision += 1;
        self.dirty = true;
    }

    fn new_id(&self) -> String {
        (1..)
            .map(|k| format!("PATROL-{k}"))
            .find(|id| !self.routes.iter().any(|r| &r.id == id))
            .unwrap_or_default()
    }

    fn edited(&mut self) -> Option<&mut PatrolRoute> {
        self.current.and_then(|i| self.routes.get_mut(i))
    }

    /// Apply one edit; whether the routes changed.
    pub fn apply(&mut self, edit: PatrolEdit) -> bool {
        match edit {
            PatrolEdit::Choose(i) => {
                if i < self.routes.len() {
                    self.current = Some(i);
                    self.waypoint = None;
                    self.revision += 1;
                    self.others_revision += 1;
                }
                return false;
            }
            PatrolEdit::SelectWaypoint(w) => {
                self.waypoint = w.filter(|&w| self.route().is_some_and(|r| w < r.waypoints.len()));
                return false;
            }
            PatrolEdit::Undo | PatrolEdit::Redo => return self.step(edit == PatrolEdit::Undo),
            PatrolEdit::AssignTo(unit) => {
                self.assign_to = unit;
                return false;
            }
            PatrolEdit::Mark => {
                let before = self.laid_any().map(|l| l.1.clone());
                self.remember(self.snapshot(), before);
                return false;
            }
            _ => {}
        }
        let continues = matches!(
            edit,
            PatrolEdit::Move {
                continues: true,
                ..
            }
        );
        let snapshot = self.snapshot();
        let before_laid = self.laid_any().map(|l| l.1.clone());
        let structural = matches!(
            edit,
            PatrolEdit::New | PatrolEdit::DeleteRoute | PatrolEdit::Adopt(_)
        );
        let ok = self.change(edit);
        if ok {
            if structural {
                self.others_revision += 1;
            }
            if !continues {
                self.remember(snapshot, before_laid);
            }
            self.changed();
        }
        ok
    }

    fn change(&mut self, edit: PatrolEdit) -> bool {
        match edit {
            PatrolEdit::New => {
                let id = self.new_id();
                let mode = self.route().map_or(Mode::Car, |r| r.mode);
                self.routes.push(PatrolRoute {
                    name: id.clone(),
                    id,
                    mode,
                    waypoints: Vec::new(),
                    closed: true,
                    extra: Default::default(),
                });
                self.current = Some(self.routes.len() - 1);
                self.waypoint = None;
                true
            }
            PatrolEdit::Add(at) => {
                if self.route().is_none() {
                    self.change(PatrolEdit::New);
                }
                let Some(r) = self.edited() else { return false };
                if r.waypoints.len() >= MAX_WAYPOINTS {
                    return false;
                }
                r.waypoints.push(Waypoint {
                    at,
                    dwell_s: DEFAULT_DWELL_S,
                });
                let n = r.waypoints.len();
                self.waypoint = Some(n - 1);
                true
            }
            PatrolEdit::Insert { index, at } => {
                let Some(r) = self.edited() else { return false };
                if index > r.waypoints.len() || r.waypoints.len() >= MAX_WAYPOINTS {
                    return false;
                }
                // A point dragged out of a leg shapes the route; it is not a stop.
                r.waypoints.insert(index, Waypoint { at, dwell_s: 0.0 });
                self.waypoint = Some(index);
                true
            }
            PatrolEdit::Move { index, to, .. } => {
                let Some(w) = self.edited().and_then(|r| r.waypoints.get_mut(index)) else {
                    return false;
                };
                w.at = to;
                true
            }
            PatrolEdit::Delete(index) => {
                let Some(r) = self.edited() else { return false };
                if index >= r.waypoints.len() {
                    return false;
                }
                r.waypoints.remove(index);
                self.waypoint = None;
                true
            }
            PatrolEdit::SetDwell { index, dwell_s } => {
                let Some(w) = self.edited().and_then(|r| r.waypoints.get_mut(index)) else {
                    return false;
                };
                w.dwell_s = dwell_s.clamp(0.0, 4.0 * 3600.0);
                true
            }
            PatrolEdit::SetMode(mode) => self.edited().map(|r| r.mode = mode).is_some(),
            PatrolEdit::SetClosed(closed) => self.edited().map(|r| r.closed = closed).is_some(),
            PatrolEdit::Rename(name) => self.edited().map(|r| r.name = name).is_some(),
            PatrolEdit::DeleteRoute => {
                let Some(i) = self.current else { return false };
                self.routes.remove(i);
                self.current = None;
                self.waypoint = None;
                true
            }
            PatrolEdit::Adopt(routes) => {
                let prefix = format!("{}-", crate::workers::patrol_plan::AUTO_ID);
                self.routes.retain(|r| !r.id.starts_with(&prefix));
                let first = self.routes.len();
                self.routes.extend(routes);
                self.current = (self.routes.len() > first).then_some(first);
                self.waypoint = None;
                true
            }
            PatrolEdit::Choose(_)
            | PatrolEdit::SelectWaypoint(_)
            | PatrolEdit::Undo
            | PatrolEdit::Redo
            | PatrolEdit::Mark
            | PatrolEdit::AssignTo(_) => false,
        }
    }

    /// Undo (or redo) the last edit; whether there was one.
    fn step(&mut self, undo: bool) -> bool {
        let popped = if undo {
            self.undo.pop_back()
        } else {
            self.redo.pop()
        };
        let Some(s) = popped else { return false };
        let now = self.snapshot();
        if undo {
            self.redo.push(now);
        } else {
            self.undo.push_back(now);
        }
        self.routes = s.routes;
        self.current = s.current.filter(|&i| i < self.routes.len());
        self.waypoint = None;
        self.others_revision += 1;
        self.changed();
        true
    }

    /// Saved: the file now holds the routes.
    pub fn saved(&mut self) {
        self.dirty = false;
    }

    /// The worker answered: keep it if it is for the newest revision sent.
    pub fn take(&mut self, mut laid: Laid) {
        if let Some(others) = laid.others.take() {
            self.others = others;
        }
        if self
            .laid
            .as_ref()
            .is_none_or(|l| laid.revision >= l.revision)
        {
            self.laid = Some(laid);
        }
    }
}

/// Whether the patrol editor is in use: its tool, or planning with a route chosen.
pub fn editing(state: &AppState) -> bool {
    state.tool == Some(Tool::Patrol)
        || (state.plan.settings.enabled && state.patrol.current.is_some())
}

/// The request that lays and scores the edited route as it is now, if the worker has not
/// been asked for it yet. The hot spots are the history's clusters (2 or more incidents of a
/// category in a 200 m square) of the analysis period, refreshed when its records change.
pub fn patrol_request(state: &mut AppState) -> Option<PatrolRequest> {
    state.history.analysis.for_patrol = editing(state);
    if !editing(state) {
        return None;
    }
    let analysis = &state.history.analysis;
    if analysis.current.is_some() && state.patrol.hot_from != Some(analysis.revision) {
        let records: Vec<_> = analysis.shown_records().cloned().collect();
        let found = clusters(&records, state.settings.utc_offset_min, None, 2);
        state.patrol.hot_spots = Arc::new(found.iter().map(|c| c.spot).collect());
        state.patrol.incidents =
            Arc::new(records.iter().map(|r| (r.location.lonlat(), 1.0)).collect());
        state.patrol.hot_from = Some(analysis.revision);
        state.patrol.revision += 1;
    }
    let revision = state.patrol.revision;
    let route = state.patrol.route()?.clone();
    if state.patrol.requested == Some(revision) || route.waypoints.is_empty() {
        return None;
    }
    let ops_revision = state.ops.revision;
    let layers = match &state.patrol.layers {
        Some((rev, layers)) if *rev == ops_revision => layers.clone(),
        _ => {
            let ops = &state.ops.layers;
            let layers = Arc::new(ScoredAgainst {
                cameras: ops.cameras.clone(),
                sites: ops.posts.iter().map(|p| p.pos).collect(),
                study_m2: beats_area_m2(&ops.beats),
            });
            state.patrol.layers = Some((ops_revision, layers.clone()));
            layers
        }
    };
    state.patrol.requested = Some(revision);
    let p = &mut state.patrol;
    let others = (p.others_requested != Some(p.others_revision)).then(|| {
        p.others_requested = Some(p.others_revision);
        p.routes
            .iter()
            .enumerate()
            .filter(|(i, r)| Some(*i) != p.current && r.waypoints.len() >= 2)
            .map(|(_, r)| r.clone())
            .collect()
    });
    Some(PatrolRequest {
        revision,
        route,
        hot_spots: p.hot_spots.clone(),
        incidents: p.incidents.clone(),
        layers,
        others,
    })
}

/// The command that gives `unit` the edited route as laid now (its stops on the roads), if it
/// is laid.
pub fn assign_command(
    state: &AppState,
    unit: &onemap_core::feed::UnitId,
) -> Option<onemap_core::feed::Command> {
    use onemap_core::feed::patrol::{AssignPatrol, PatrolPlan, PatrolStop};
    let route = state.patrol.route()?;
    let (snapped, _) = state.patrol.laid_now()?.result.as_ref().ok()?;
    let stops = route
        .waypoints
        .iter()
        .zip(&snapped.snaps)
        .map(|(w, s)| PatrolStop {
            at: s.point.into(),
            dwell_s: f64::from(w.dwell_s),
        })
        .collect();
    Some(onemap_core::feed::Command::AssignPatrol(AssignPatrol {
        unit_id: unit.clone(),
        patrol: Some(PatrolPlan {
            route_id: route.id.clone(),
            name: route.name.clone(),
            mode: route.mode.name().to_owned(),
            closed: route.closed,
            stops,
        }),
    }))
}

/// How a patrolling unit is doing, as a console shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    pub name: String,
    /// The stop it makes for (1-based) of how many; `None` when an open route is done.
    pub next: Option<(usize, usize)>,
    pub at_stop: bool,
    pub laps: u32,
    pub missed: u32,
    /// Seconds behind the plan for the next stop (negative: ahead), when the route's
    /// travel times are known here.
    pub late_s: Option<f64>,
    /// How far the unit is from the route's roads, metres, when its line is known here.
    pub off_route_m: Option<f64>,
}

/// Laying the selected unit's assigned patrol, when it is not laid for its plan as it is now.
pub fn assigned_request(state: &mut AppState) -> Option<(AssignedKey, PatrolRoute)> {
    let Some(crate::model::Selection::Unit(id)) = &state.selection else {
        return None;
    };
    let unit = state.shown_feed().units.get(id)?;
    let plan = &unit.patrol.as_ref()?.plan;
    let key: AssignedKey = (id.clone(), plan.clone());
    if state.patrol.assigned_asked.as_ref() == Some(&key) {
        return None;
    }
    let route = assigned_route(plan);
    state.patrol.assigned_asked = Some(key.clone());
    Some((key, route))
}

/// The legs of `unit`'s assigned patrol as laid here, if they are laid for its plan now.
pub fn assigned_legs<'a>(
    state: &'a AppState,
    unit: &onemap_core::feed::Unit,
) -> Option<&'a OtherRoute> {
    let p = unit.patrol.as_ref()?;
    match &state.patrol.assigned {
        Some(((id, plan), Some(laid))) if *id == unit.id && *plan == p.plan => Some(laid),
        _ => None,
    }
}

/// The progress of `unit`'s patrol at `now_ms`: the server's (next stop, laps, missed) with
/// lateness and distance off the route from the route as laid here.
pub fn progress(state: &AppState, unit: &onemap_core::feed::Unit, now_ms: i64) -> Option<Progress> {
    let p = unit.patrol.as_ref()?;
    let n = p.plan.stops.len();
    // The route's legs here: its stops as assigned, laid here; else the edited route, or
    // another laid one, by id.
    let assigned = assigned_legs(state, unit).map(|o| o.legs.clone());
    let legs: Option<Vec<(Vec<LonLat>, f64)>> = assigned
        .or_else(|| match (state.patrol.route(), state.patrol.laid_any()) {
            (Some(r), Some((snapped, _))) if r.id == p.plan.route_id => Some(
                snapped
                    .legs
                    .iter()
                    .map(|l| (l.line.clone(), l.travel_s))
                    .collect(),
            ),
            _ => state
                .patrol
                .others
                .iter()
                .find(|o| o.id == p.plan.route_id)
                .map(|o| o.legs.clone()),
        })
        .filter(|legs| legs.len() + 1 >= n);
    let late_s = legs.as_ref().filter(|_| !p.done()).map(|legs| {
        let due: f64 = (0..p.next)
            .map(|k| p.plan.stops[k].dwell_s + legs.get(k).map_or(0.0, |l| l.1))
            .sum();
        (now_ms - p.lap_started_ms) as f64 / 1000.0 - due
    });
    let here = unit.position.lonlat();
    let off_route_m = legs.as_ref().map(|legs| {
        legs.iter()
            .flat_map(|(line, _)| line.windows(2))
            .map(|w| distance_to_segment_m(here, w[0], w[1]))
            .fold(f64::INFINITY, f64::min)
    });
    Some(Progress {
        name: p.plan.name.clone(),
        next: (!p.done()).then_some((p.next + 1, n)),
        at_stop: p.arrived_at_ms.is_some(),
        laps: p.laps,
        missed: p.missed,
        late_s,
        off_route_m: off_route_m.filter(|m| m.is_finite()),
    })
}

/// Metres from `p` to the segment `a`–`b` (locally flat).
fn distance_to_segment_m(p: LonLat, a: LonLat, b: LonLat) -> f64 {
    let proj = onemap_core::spatial::LocalProjection::new(a);
    let (p, b) = (proj.to_m(p), proj.to_m(b));
    let len2 = b[0] * b[0] + b[1] * b[1];
    let t = if len2 > 0.0 {
        ((p[0] * b[0] + p[1] * b[1]) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (p[0] - t * b[0]).hypot(p[1] - t * b[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: f64) -> LonLat {
        LonLat::new(13.26 + x * 0.001, 53.55)
    }

    #[test]
    fn clicks_make_a_route_and_every_edit_undoes() {
        let mut s = PatrolState::default();
        assert!(s.apply(PatrolEdit::Add(p(0.0))));
        assert!(s.apply(PatrolEdit::Add(p(1.0))));
        assert!(s.apply(PatrolEdit::Add(p(2.0))));
        assert_eq!(s.routes.len(), 1);
        assert_eq!(s.route().unwrap().waypoints.len(), 3);
        assert_eq!(s.route().unwrap().id, "PATROL-1");
        // A drag is one edit, however many steps.
        s.apply(PatrolEdit::Move {
            index: 1,
            to: p(1.1),
            continues: false,
        });
        s.apply(PatrolEdit::Move {
            index: 1,
            to: p(1.2),
            continues: true,
        });
        s.apply(PatrolEdit::Move {
            index: 1,
            to: p(1.3),
            continues: true,
        });
        assert_eq!(s.route().unwrap().waypoints[1].at, p(1.3));
        assert!(s.apply(PatrolEdit::Undo));
        assert_eq!(s.route().unwrap().waypoints[1].at, p(1.0));
        assert!(s.apply(PatrolEdit::Redo));
        assert_eq!(s.route().unwrap().waypoints[1].at, p(1.3));
        // A leg dragged inserts a pass-through point; delete and dwell.
        s.apply(PatrolEdit::Insert {
            index: 1,
            at: p(0.5),
        });
        assert_eq!(s.route().unwrap().waypoints[1].dwell_s, 0.0);
        s.apply(PatrolEdit::SetDwell {
            index: 0,
            dwell_s: 600.0,
        });
        s.apply(PatrolEdit::Delete(3));
        let r = s.route().unwrap();
        assert_eq!(r.waypoints.len(), 3);
        assert_eq!(r.waypoints[0].dwell_s, 600.0);
        for _ in 0..3 {
            assert!(s.apply(PatrolEdit::Undo));
        }
        assert_eq!(s.route().unwrap().waypoints.len(), 3);
        assert_eq!(s.route().unwrap().waypoints[1].at, p(1.3));
        // Back to nothing, and no further.
        while s.apply(PatrolEdit::Undo) {}
        assert!(s.routes.is_empty());
        assert!(!s.can_undo() && s.can_redo());
    }

    #[test]
    fn undo_is_bounded() {
        let mut s = PatrolState::default();
        for k in 0..(UNDO_DEPTH + 50) {
            s.apply(PatrolEdit::Add(p(k as f64 * 0.01)));
        }
        let mut n = 0;
        while s.apply(PatrolEdit::Undo) {
            n += 1;
        }
        assert_eq!(n, UNDO_DEPTH);
    }

    #[test]
    fn answers_for_older_revisions_are_not_shown_as_current() {
        let mut s = PatrolState::default();
        s.apply(PatrolEdit::Add(p(0.0)));
        let rev = s.revision;
        s.apply(PatrolEdit::Add(p(1.0)));
        s.take(Laid {
            revision: rev,
            result: Ok(Default::default()),
            compute_ms: 1.0,
            others: None,
        });
        assert!(s.laid_now().is_none());
        assert!(s.laid_any().is_some());
    }
}
