//! The console's state and the one place it changes: [`AppState::apply`]. Panels and map
//! layers read it through the frame; only `logic()` applies commands to it.
//!
//! It owns data, not IO: the feed link, the routing worker and the tile workers belong to the
//! app shell, which carries out the commands that need them.

pub mod dispatch;
pub mod history;
pub mod intake;
pub mod patrol;
pub mod patrol_plan;
pub mod plan;
pub mod related;

use std::sync::Arc;

use onemap_core::feed::IncidentStatus;
use onemap_core::layers::{Camera, CameraKind, CameraStatus, Post, PostKind};
use onemap_core::osm::OsmData;
use onemap_core::search::{SearchHit, SearchIndex, Target};

use crate::city::City;
use crate::live::LiveState;
use crate::model::{Command, Selection, Settings, Tool};
use crate::ops::{Edit, Editable, OpState};
use crate::ui::i18n::{T, tr};
use dispatch::{DispatchState, queue_order};
use history::HistoryState;
use plan::PlanState;
use related::Related;

pub struct AppState {
    pub city: Arc<City>,
    /// The wall display's layout and rotation (`--wall`); `None` for a console.
    pub wall: Option<crate::wall::WallState>,
    pub settings: Settings,
    pub ops: OpState,
    pub selection: Option<Selection>,
    pub related: Related,
    pub search_query: String,
    pub search_hits: Vec<SearchHit>,
    search_index: SearchIndex,
    search_revision: Option<(u64, bool)>,
    pub edit_mode: bool,
    pub tool: Option<Tool>,
    /// The last save's outcome: message, and whether it failed.
    pub status: Option<(String, bool)>,
    pub live: LiveState,
    pub plan: PlanState,
    /// Patrol routes drawn by planners.
    pub patrol: patrol::PatrolState,
    pub dispatch: DispatchState,
    /// Replay, the selected unit's track, the heat map and the statistics.
    pub history: HistoryState,
    /// The new call being taken (N), if any.
    pub intake: Option<intake::IntakeForm>,
    /// The geocoder's answers to the form's address, and the query they answer.
    pub intake_hits: (String, Vec<onemap_core::geocode::Place>),
}

/// What a command asks of the map's view after the state has changed.
#[derive(Clone, Debug, PartialEq)]
pub enum ViewChange {
    None,
    /// Centre on the point, zooming in to street level (at least `min_zoom`).
    FlyTo(onemap_core::coord::LonLat, f64),
    /// Keep these points in view (an incident and the units sent to it).
    Fit(Vec<onemap_core::coord::LonLat>),
}

impl AppState {
    pub fn new(city: Arc<City>, settings: Settings, ops: OpState, live: LiveState) -> Self {
        let patrol = patrol::PatrolState::load(ops.save_target().join("patrols.geojson"));
        Self {
            city,
            wall: None,
            settings,
            ops,
            selection: None,
            related: Related::default(),
            search_query: String::new(),
            search_hits: Vec::new(),
            search_index: SearchIndex::default(),
            search_revision: None,
            edit_mode: false,
            tool: None,
            status: None,
            live,
            plan: PlanState::default(),
            patrol,
            dispatch: DispatchState::default(),
            history: HistoryState::default(),
            intake: None,
            intake_hits: (String::new(), Vec::new()),
        }
    }

    pub fn tr(&self, key: T) -> &'static str {
        tr(self.settings.lang, key)
    }

    /// The picture the map and the panels show: the replayed moment while replaying (empty
    /// until its state arrives), else the live feed.
    pub fn shown_feed(&self) -> &onemap_core::feed::FeedState {
        static EMPTY: std::sync::LazyLock<onemap_core::feed::FeedState> =
            std::sync::LazyLock::new(Default::default);
        match &self.history.replay {
            Some(r) => r.feed.as_ref().unwrap_or(&EMPTY),
            None => &self.live.feed,
        }
    }

    pub fn replaying(&self) -> bool {
        self.history.replaying()
    }

    pub fn selected_camera(&self) -> Option<&Camera> {
        match &self.selection {
            Some(Selection::Camera(id)) => self.ops.camera(id),
            _ => None,
        }
    }

    pub fn selected_post(&self) -> Option<&Post> {
        match &self.selection {
            Some(Selection::Post(id)) => self.ops.post(id),
            _ => None,
        }
    }

    /// Apply a command that changes only the state. Commands that need the map's view, a
    /// worker, a file or the network are carried out by the app shell.
    pub fn apply(&mut self, command: Command) -> ViewChange {
        match command {
            Command::SetLang(lang) => self.settings.lang = lang,
            Command::SetTheme(theme) => self.settings.theme = theme,
            Command::SetBasemapVisible(v) => self.settings.show_basemap = v,
            Command::SetRenderOptions(o) => self.settings.render = o,
            Command::SetLayerVisible(kind, v) => self.settings.set_layer_visible(kind, v),
            Command::Select(selection) => self.selection = selection,
            Command::SetSearch(query) => {
                self.search_query = query;
                self.refresh_search();
            }
            Command::PickSearchHit(hit) => {
                self.selection = Some(match hit.target {
                    Target::Beat(id) => Selection::Beat(id),
                    Target::Camera(id) => Selection::Camera(id),
                    Target::Post(id) => Selection::Post(id),
                    Target::Station(id) => Selection::Station(id),
                    Target::Location => Selection::Point(hit.pos),
                    Target::Incident(id) => Selection::Incident(id.as_str().into()),
                    Target::Unit(id) => Selection::Unit(id.as_str().into()),
                });
                return ViewChange::FlyTo(hit.pos, 16.5);
            }
            Command::SetEditMode(on) => {
                self.edit_mode = on;
                if !on {
                    self.tool = None;
                }
            }
            Command::SetTool(tool) => self.tool = tool,
            Command::AddCamera(pos) => self.add_camera(pos),
            Command::AddPost(pos) => self.add_post(pos),
            Command::EditFeature(after) => self.edit_feature(after),
            Command::MoveSelected { to, continues } => self.edit_selected(
                |e| match e {
                    Editable::Camera(c) => c.pos = to,
                    Editable::Post(p) => p.pos = to,
                },
                continues,
            ),
            Command::SetSelectedHeading {
                heading_deg,
                continues,
            } => self.edit_selected(
                |e| {
                    if let Editable::Camera(c) = e {
                        c.heading_deg =
                            (heading_deg.rem_euclid(360.0) * 10.0).round() / 10.0 % 360.0;
                    }
                },
                continues,
            ),
            Command::DeleteSelected => self.delete_selected(),
            Command::Undo => {
                self.ops.undo();
            }
            Command::Redo => {
                self.ops.redo();
            }
            Command::Patrol(edit) => {
                self.patrol.apply(edit);
            }
            Command::PlanPatrols { units } => patrol_plan::plan_patrols(self, units),
            Command::AdoptPatrolPlan(k) => patrol_plan::adopt(self, k),
            Command::ReplanPatrols { lost } => patrol_plan::replan(self, lost),
            Command::SetPlan(settings) => {
                if settings.enabled && !self.plan.settings.enabled {
                    // Planning moves posts: dragging needs edit mode.
                    self.edit_mode = true;
                }
                self.plan.settings = settings;
            }
            Command::SetPlanBaseline => self.plan.set_baseline(),
            Command::SetPlanExportDir(dir) => self.plan.export_dir = dir,
            c @ (Command::SetDispatchKinds(_)
            | Command::ChooseUnit(_)
            | Command::ChooseRank(_)
            | Command::OpenAudit(_)
            | Command::DismissNotice(_)
            | Command::SetLiveKind(..)
            | Command::SetLivePriority(..)
            | Command::SetReinforce(_)
            | Command::FreezeQueue(_)
            | Command::OpenUnitBoard(_)
            | Command::SetUnitBoard(_)
            | Command::SetAuditFilter(_)
            | Command::SetAuditExportPath(_)) => self.apply_floor(c),
            Command::QueueStep(step) => return self.queue_step(step),
            Command::Replay(r) => self.apply_replay(r),
            Command::SetAnalysis(settings) => self.set_analysis(settings),
            Command::OpenStats(open) => self.history.analysis.stats_open = open,
            Command::SetStatsExportPath(path) => self.history.analysis.export_path = path,
            c @ (Command::OpenIntake(_) | Command::SetIntake(_) | Command::IntakeAt(_)) => {
                self.apply_intake(c);
            }
            // Carried out by the shell (view, files, network).
            Command::ZoomIn
            | Command::ZoomOut
            | Command::Home
            | Command::FlyTo(_)
            | Command::FitPoints(_)
            | Command::Save
            | Command::ExportPlan
            | Command::SavePatrols
            | Command::ExportPatrol
            | Command::DispatchChosen
            | Command::Acknowledge(_)
            | Command::Send(_)
            | Command::WallShow(_)
            | Command::RefreshAudit
            | Command::ExportAudit
            | Command::ExportStats(_)
            | Command::CreateCall
            | Command::LinkCall(_) => {}
        }
        ViewChange::None
    }

    /// Replace a camera or post with the inspector's version (undoable).
    fn edit_feature(&mut self, after: Editable) {
        let before = match &after {
            Editable::Camera(c) => self.ops.camera(&c.id).cloned().map(Editable::Camera),
            Editable::Post(p) => self.ops.post(&p.id).cloned().map(Editable::Post),
        };
        if before.is_some() {
            self.ops.apply(Edit {
                before,
                after: Some(after),
            });
        }
    }

    /// The new call's form: opened, edited, given a place on the map.
    fn apply_intake(&mut self, command: Command) {
        match command {
            Command::OpenIntake(open) => {
                self.intake = open.then(intake::IntakeForm::default);
                // Start building the address finder while the caller speaks.
                let _ = self.city.geocoder();
            }
            Command::SetIntake(form) if self.intake.is_some() => self.intake = Some(*form),
            Command::IntakeAt(at) => {
                if let Some(form) = &mut self.intake {
                    form.picking = false;
                    form.place = Some(intake::CallPlace {
                        pos: at,
                        address: format!("{:.6}, {:.6}", at.lat, at.lon),
                        source: intake::PlaceSource::Map,
                    });
                }
            }
            _ => {}
        }
    }

    /// The new call's form once the server has answered its command: closed if carried out,
    /// kept (ready to correct) if refused or unanswered.
    pub fn settle_intake(&mut self) {
        let Some(form) = &mut self.intake else {
            return;
        };
        // The address's candidates, once the geocoder is there, when the query changed.
        if form.query != self.intake_hits.0 {
            if form.query.trim().is_empty() {
                self.intake_hits = (form.query.clone(), Vec::new());
            } else if let Some(g) = self.city.geocoder() {
                self.intake_hits = (form.query.clone(), g.geocode(&form.query, 6));
            }
        }
        let Some(id) = &form.sending else {
            return;
        };
        match self.live.outcome(id) {
            Some(true) => self.intake = None,
            Some(false) => form.sending = None,
            None if !self.live.pending.contains_key(id) => form.sending = None,
            None => {}
        }
    }

    /// The commander's commands that change only the floor's state (the ranking's choices,
    /// the queue's freeze, the unit board, the audit log's filters, the live layers).
    fn apply_floor(&mut self, command: Command) {
        match command {
            Command::SetDispatchKinds(kinds) => self.dispatch.kinds = kinds,
            Command::ChooseUnit(unit) => self.dispatch.chosen = unit,
            Command::ChooseRank(k) => {
                if let Some(out) = self.recommendation().filter(|o| !o.assigned)
                    && let Some(r) = out.recommendation.ranked.get(k)
                {
                    self.dispatch.chosen = Some(out.responders[r.index].id.as_str().into());
                }
            }
            Command::OpenAudit(open) => self.dispatch.audit_open = open,
            Command::SetLiveKind(k, on) => {
                if let Some(v) = self.settings.live_kinds.get_mut(k) {
                    *v = on;
                }
            }
            Command::SetLivePriority(k, on) => {
                if let Some(v) = self.settings.live_priorities.get_mut(k) {
                    *v = on;
                }
            }
            Command::SetReinforce(on) => {
                self.dispatch.reinforce = on;
                self.dispatch.chosen = None;
            }
            Command::FreezeQueue(order) => self.dispatch.queue_frozen = order,
            Command::OpenUnitBoard(open) => self.dispatch.board_open = open,
            Command::SetUnitBoard(board) => self.dispatch.board = board,
            Command::SetAuditFilter(filter) => self.dispatch.audit_filter = filter,
            Command::SetAuditExportPath(path) => self.dispatch.audit_export_path = path,
            Command::DismissNotice(id) => self.live.dismiss(id),
            _ => {}
        }
    }

    /// A new period asks the log again; other categories only redraw from the records held.
    fn set_analysis(&mut self, settings: crate::model::AnalysisSettings) {
        let a = &mut self.history.analysis;
        let before = a.settings;
        a.settings = settings;
        if settings.days != before.days || settings.heat_on && !before.heat_on {
            a.invalidate();
        } else if settings.categories != before.categories {
            let offset = self.settings.utc_offset_min;
            a.rebuild(&self.city.bounds, &self.ops.index, offset);
        }
    }

    /// Replay's controls. Entering or leaving replay drops the chosen unit (nothing can be
    /// dispatched from the past) and the track (it is fetched again for the new moment).
    fn apply_replay(&mut self, command: crate::model::ReplayCommand) {
        use crate::model::ReplayCommand as R;
        use history::Replay;
        let h = &mut self.history;
        match (command, &mut h.replay) {
            (R::Open(at_ms), _) => {
                h.replay = Some(Replay::at(at_ms));
                h.track = None;
                h.analysis.invalidate();
                self.dispatch.chosen = None;
                self.dispatch.reinforce = false;
            }
            (R::Live, _) => {
                h.replay = None;
                h.track = None;
                h.analysis.invalidate();
            }
            (R::Seek(at_ms), Some(r)) => r.seek(at_ms),
            (R::Play(on), Some(r)) => r.playing = on,
            (R::Speed(x), Some(r)) => r.speed = x.clamp(1, 60),
            (R::Span(ms), Some(r)) => r.span_ms = ms.clamp(3_600_000, 400 * 86_400_000),
            (_, None) => {}
        }
    }

    /// J/K through the queue (and Enter to open): the selection moves, the map follows when
    /// an incident is opened or the queue entered. From an incident no longer waiting (just
    /// dispatched), J and Enter go to the first waiting one.
    fn queue_step(&mut self, step: i32) -> ViewChange {
        let queue = queue_order(self.shown_feed().incidents.values());
        let selected = self.selected_incident();
        let at = selected.and_then(|s| queue.iter().position(|i| i.id == s.id));
        let left_waiting = selected.is_some_and(|s| s.status != IncidentStatus::New);
        let first_waiting = queue.iter().position(|i| i.status == IncidentStatus::New);
        let to = match at {
            None => first_waiting.unwrap_or(0),
            Some(_) if step >= 0 && left_waiting && first_waiting.is_some() => {
                first_waiting.unwrap_or(0)
            }
            Some(k) if step > 0 => (k + 1).min(queue.len().saturating_sub(1)),
            Some(k) if step < 0 => k.saturating_sub(1),
            Some(k) => k,
        };
        let Some(inc) = queue.get(to) else {
            return ViewChange::None;
        };
        let moved = at != Some(to);
        let view = self.view_of(inc);
        let id = inc.id.clone();
        self.dispatch.chosen = None;
        self.dispatch.reinforce = false;
        self.selection = Some(Selection::Incident(id));
        if step == 0 || at.is_none() || moved && left_waiting {
            view
        } else {
            ViewChange::None
        }
    }

    /// The view that shows an incident: with units sent to it, the incident and the units;
    /// else the incident at street level.
    pub fn view_of(&self, inc: &onemap_core::feed::Incident) -> ViewChange {
        let mut points = vec![inc.location.lonlat()];
        points.extend(
            inc.assigned_units
                .iter()
                .filter_map(|u| self.shown_feed().units.get(u))
                .map(|u| u.position.lonlat()),
        );
        if points.len() > 1 {
            ViewChange::Fit(points)
        } else {
            ViewChange::FlyTo(points[0], 16.0)
        }
    }

    fn add_camera(&mut self, pos: onemap_core::coord::LonLat) {
        let id = self.ops.new_camera_id();
        let camera = Camera {
            name: format!("{} {id}", self.tr(T::Cameras)),
            id: id.clone(),
            kind: CameraKind::Public,
            pos,
            heading_deg: 0.0,
            fov_deg: 60.0,
            range_m: 80.0,
            status: CameraStatus::Online,
            extra: Default::default(),
        };
        self.ops.apply(Edit {
            before: None,
            after: Some(Editable::Camera(camera)),
        });
        self.selection = Some(Selection::Camera(id));
        self.tool = None;
    }

    fn add_post(&mut self, pos: onemap_core::coord::LonLat) {
        let id = self.ops.new_post_id();
        let post = Post {
            name: format!("{} {id}", self.tr(T::KindQuick)),
            id: id.clone(),
            kind: PostKind::QuickResponse,
            pos,
            staffed_hours: "24/7".into(),
            extra: Default::default(),
        };
        self.ops.apply(Edit {
            before: None,
            after: Some(Editable::Post(post)),
        });
        self.selection = Some(Selection::Post(id));
        self.tool = None;
    }

    fn selected_editable(&self) -> Option<Editable> {
        match &self.selection {
            Some(Selection::Camera(id)) => self.ops.camera(id).cloned().map(Editable::Camera),
            Some(Selection::Post(id)) => self.ops.post(id).cloned().map(Editable::Post),
            _ => None,
        }
    }

    fn edit_selected(&mut self, f: impl FnOnce(&mut Editable), continues: bool) {
        let Some(before) = self.selected_editable() else {
            return;
        };
        let mut after = before.clone();
        f(&mut after);
        let edit = Edit {
            before: Some(before),
            after: Some(after),
        };
        if continues {
            self.ops.apply_merged(edit);
        } else {
            self.ops.apply(edit);
        }
    }

    fn delete_selected(&mut self) {
        if let Some(before) = self.selected_editable() {
            self.ops.apply(Edit {
                before: Some(before),
                after: None,
            });
            self.selection = None;
        }
    }

    pub fn refresh_search(&mut self) {
        // Places and streets come with the city's data; until it is read (a second or two
        // after a prefecture opens) the index has the layers only and is made again after.
        let osm = self.city.osm_ready().cloned();
        let wanted = (self.ops.revision, osm.is_some());
        if self.search_revision != Some(wanted) {
            self.search_revision = Some(wanted);
            let label_points: Vec<_> = (0..self.ops.layers.beats.len())
                .map(|i| self.ops.centre_of_beat(i).unwrap_or_default())
                .collect();
            self.search_index = SearchIndex::new(
                osm.as_deref().unwrap_or(&OsmData::default()),
                &self.ops.layers,
                &label_points,
            );
        }
        let mut hits = live_hits(self.shown_feed(), &self.search_query, 6);
        hits.extend(
            self.search_index
                .search(&self.search_query, 12 - hits.len()),
        );
        self.search_hits = hits;
    }
}

/// Live incidents (by id or address) and units (by call sign or id) matching `query`, open
/// incidents first; at most `limit`.
fn live_hits(feed: &onemap_core::feed::FeedState, query: &str, limit: usize) -> Vec<SearchHit> {
    use onemap_core::search::HitKind;
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return Vec::new();
    }
    let mut hits: Vec<SearchHit> = Vec::new();
    let mut incidents: Vec<_> = feed
        .incidents
        .values()
        .filter(|i| {
            i.id.as_str().to_lowercase().contains(&q) || i.address.to_lowercase().contains(&q)
        })
        .collect();
    incidents.sort_by_key(|i| (!i.status.is_open(), std::cmp::Reverse(i.reported_at_ms)));
    hits.extend(incidents.into_iter().take(limit).map(|i| SearchHit {
        kind: HitKind::Incident,
        label: format!("{} {}", i.id, i.address),
        pos: i.location.lonlat(),
        target: Target::Incident(i.id.to_string()),
    }));
    let units = feed.units.values().filter(|u| {
        u.call_sign.to_lowercase().contains(&q) || u.id.as_str().to_lowercase().contains(&q)
    });
    hits.extend(
        units
            .take(limit.saturating_sub(hits.len()))
            .map(|u| SearchHit {
                kind: HitKind::Unit,
                label: format!("{} ({})", u.call_sign, u.id),
                pos: u.position.lonlat(),
                target: Target::Unit(u.id.to_string()),
            }),
    );
    hits
}
