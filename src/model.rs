//! The bottom room: what can be selected, every command the UI can give, and the user's
//! settings. Plain data; nothing here draws, waits or touches a file.
//!
//! Panels and map layers never change anything themselves: they send a [`Command`], and the
//! next `logic()` applies it (to the state, the map's view, a worker, or the feed server).

use onemap_core::coord::LonLat;
use onemap_core::feed::{IncidentId, UnitId};
use onemap_core::layers::{BeatId, CameraId, LayerKind, PostId, StationId};
use onemap_core::routing::Mode;
use onemap_core::search::SearchHit;

use crate::basemap::render::RenderOptions;
use crate::ops::Editable;
use crate::ui::i18n::Lang;
use crate::ui::theme::ThemeKind;

/// What is selected on the map (by id, so it survives edits).
#[derive(Clone, Debug, PartialEq)]
pub enum Selection {
    Beat(BeatId),
    Camera(CameraId),
    Post(PostId),
    Station(StationId),
    /// A clicked place with no feature.
    Point(LonLat),
    /// A live unit.
    Unit(UnitId),
    /// A live incident.
    Incident(IncidentId),
}

/// A planner's tool in edit mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    AddCamera,
    AddPost,
    /// Draw and edit patrol routes: a click adds a waypoint, a drag moves one or reshapes a
    /// leg, a right click deletes one.
    Patrol,
}

/// Everything the UI can ask for.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    // Settings.
    SetLang(Lang),
    SetTheme(ThemeKind),
    SetBasemapVisible(bool),
    SetRenderOptions(RenderOptions),
    SetLayerVisible(LayerKind, bool),
    // The map's view.
    ZoomIn,
    ZoomOut,
    /// Fit the whole city into the map.
    Home,
    /// Centre the map here (zooming in to street level if further out).
    FlyTo(LonLat),
    // Selection and search.
    Select(Option<Selection>),
    SetSearch(String),
    PickSearchHit(SearchHit),
    // Planning edits.
    SetEditMode(bool),
    SetTool(Option<Tool>),
    AddCamera(LonLat),
    AddPost(LonLat),
    /// Replace a camera or post with this version (from the inspector).
    EditFeature(Editable),
    /// Move the selected camera or post; `continues` merges it with the drag's earlier steps.
    MoveSelected {
        to: LonLat,
        continues: bool,
    },
    SetSelectedHeading {
        heading_deg: f64,
        continues: bool,
    },
    DeleteSelected,
    Undo,
    Redo,
    Save,
    // Planning.
    SetPlan(PlanSettings),
    /// Compare coverage from what is shown now.
    SetPlanBaseline,
    /// Where the planner's exports go.
    SetPlanExportDir(std::path::PathBuf),
    ExportPlan,
    /// Draw or edit a patrol route.
    Patrol(PatrolEdit),
    /// Plan patrol loops for this many units from the history's hot spots.
    PlanPatrols {
        units: usize,
    },
    /// Use set `k` of the planned loops (in place of the planned routes there are).
    AdoptPatrolPlan(usize),
    /// Re-plan the adopted loops with unit `lost` (0-based) gone.
    ReplanPatrols {
        lost: usize,
    },
    /// Save the patrol routes to patrols.geojson.
    SavePatrols,
    /// Export the edited route (GeoJSON, GPX, KML) to the plan's export folder.
    ExportPatrol,
    // Dispatch.
    /// Which unit kinds the recommendation ranks (by `UnitKind::index`).
    SetDispatchKinds([bool; 5]),
    /// The unit whose route and impact to show (`None`: the fastest).
    ChooseUnit(Option<UnitId>),
    /// Choose the n-th ranked unit (0-based) of the shown recommendation.
    ChooseRank(usize),
    /// Dispatch the chosen (or fastest) unit to the selected incident.
    DispatchChosen,
    Acknowledge(IncidentId),
    /// Show or hide the live units of a kind (by `UnitKind::index`) / incidents of a priority.
    SetLiveKind(usize, bool),
    SetLivePriority(usize, bool),
    /// Fit these points into the map (an incident and its unit).
    FitPoints(Vec<LonLat>),
    /// The queue's pointer state: while hovered its order is frozen to this list.
    FreezeQueue(Option<Vec<IncidentId>>),
    /// Rank more units for an incident that has units sent (or stop).
    SetReinforce(bool),
    /// The unit status board.
    OpenUnitBoard(bool),
    SetUnitBoard(UnitBoard),
    /// The audit log's filters (the next refresh uses them).
    SetAuditFilter(AuditFilter),
    /// Where the audit export is to be saved (`None`: the dialog closes).
    SetAuditExportPath(Option<String>),
    /// Move through the incident queue: +1 next, -1 previous, 0 open the selected one.
    QueueStep(i32),
    /// A command for the feed server: sent now with a deadline, or refused now.
    Send(onemap_core::feed::Command),
    // The audit log.
    OpenAudit(bool),
    RefreshAudit,
    ExportAudit,
    /// Forget a notice (a failure stays until dismissed).
    DismissNotice(u64),
    // History.
    Replay(ReplayCommand),
    /// The heat map's and the statistics' period and categories.
    SetAnalysis(AnalysisSettings),
    OpenStats(bool),
    /// Where the statistics are to be exported (`None`: the field closes).
    SetStatsExportPath(Option<String>),
    ExportStats(StatsExport),
    /// Show this view on the wall displays (`None`: their rotation).
    WallShow(Option<String>),
    // Call intake.
    /// Open the new-call form (N), or close it.
    OpenIntake(bool),
    /// The form as the call-taker changed it.
    SetIntake(Box<crate::state::intake::IntakeForm>),
    /// The place clicked on the map while the form asks for one.
    IntakeAt(LonLat),
    /// Open the call as a new incident (sent to the server).
    CreateCall,
    /// Add the call to this open incident instead (a duplicate).
    LinkCall(IncidentId),
}

/// Replay's controls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayCommand {
    /// Leave live and show this moment, paused.
    Open(i64),
    /// Show another moment.
    Seek(i64),
    Play(bool),
    /// × real time.
    Speed(u32),
    /// How far back the timeline reaches, ms.
    Span(i64),
    /// Back to the live picture.
    Live,
}

/// What the statistics panel exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatsExport {
    Csv,
    Png,
    Pdf,
}

/// The period the heat map and the statistics cover (ending at the moment shown), and the
/// categories they count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnalysisSettings {
    pub heat_on: bool,
    /// 1, 7 or 30 days.
    pub days: u32,
    /// Categories included (in `Category::ALL`'s order).
    pub categories: [bool; 9],
}

impl Default for AnalysisSettings {
    fn default() -> Self {
        Self {
            heat_on: false,
            days: 7,
            categories: [true; 9],
        }
    }
}

/// User-facing settings (what the layer panel and top bar change).
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub lang: Lang,
    pub theme: ThemeKind,
    pub show_basemap: bool,
    pub render: RenderOptions,
    pub show_beats: bool,
    pub show_cameras: bool,
    pub show_posts: bool,
    pub show_stations: bool,
    /// Live layers: units of each kind (by `UnitKind::index`), incidents of each priority.
    pub live_kinds: [bool; 5],
    pub live_priorities: [bool; 4],
    /// Sound an alert when a new P1 arrives.
    pub alert_sound: bool,
    /// How long an incident may wait for a unit, per priority (P1..P4), seconds: past half of
    /// it the queue shows it amber, past all of it red.
    pub targets_s: [i64; 4],
    /// How long the first unit may take from dispatch to arrival, per priority, seconds (the
    /// wall's figure cards judge the day's medians against it).
    pub arrival_targets_s: [i64; 4],
    /// The selected unit's breadcrumb trail covers this long, ms.
    pub track_ms: i64,
    /// Local time's offset east of UTC, minutes (hours of the day and week in figures).
    pub utc_offset_min: i32,
    /// The live layer's symbols and text at this multiple of their console size (the wall
    /// display sizes them for its farthest viewer).
    pub map_scale: f32,
}

/// Per-priority targets for an unassigned incident (after the CAD convention), seconds.
pub const DEFAULT_TARGETS_S: [i64; 4] = [60, 180, 600, 1800];

/// Per-priority arrival targets, seconds: a P1 reached within 5 minutes of dispatch (the
/// urban standard the 1-3-5 minute circles serve), P2 10, P3 20, P4 30.
pub const DEFAULT_ARRIVAL_TARGETS_S: [i64; 4] = [300, 600, 1200, 1800];

impl Default for Settings {
    fn default() -> Self {
        Self {
            lang: Lang::Zh,
            theme: ThemeKind::Day,
            show_basemap: true,
            render: RenderOptions::default(),
            show_beats: true,
            show_cameras: true,
            show_posts: true,
            show_stations: true,
            live_kinds: [true; 5],
            live_priorities: [true; 4],
            alert_sound: true,
            targets_s: DEFAULT_TARGETS_S,
            arrival_targets_s: DEFAULT_ARRIVAL_TARGETS_S,
            track_ms: 30 * 60_000,
            utc_offset_min: 0,
            map_scale: 1.0,
        }
    }
}

impl Settings {
    /// Whether the live layer shows units of this kind.
    pub fn shows_unit(&self, kind: onemap_core::feed::UnitKind) -> bool {
        self.live_kinds[kind.index()]
    }

    /// Whether the live layer shows incidents of this priority (1..4).
    pub fn shows_priority(&self, priority: u8) -> bool {
        self.live_priorities[usize::from(priority.clamp(1, 4)) - 1]
    }

    pub fn layer_visible(&self, kind: LayerKind) -> bool {
        match kind {
            LayerKind::Beats => self.show_beats,
            LayerKind::Cameras => self.show_cameras,
            LayerKind::Posts => self.show_posts,
            LayerKind::Stations => self.show_stations,
        }
    }

    pub fn set_layer_visible(&mut self, kind: LayerKind, visible: bool) {
        match kind {
            LayerKind::Beats => self.show_beats = visible,
            LayerKind::Cameras => self.show_cameras = visible,
            LayerKind::Posts => self.show_posts = visible,
            LayerKind::Stations => self.show_stations = visible,
        }
    }
}

/// The unit board's sort and filter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UnitBoard {
    pub sort: UnitSort,
    pub descending: bool,
    /// Call sign, id or incident contains this (case-insensitive).
    pub filter: String,
    /// Only units in this status (by `UnitStatus` name), if set.
    pub status: Option<onemap_core::feed::UnitStatus>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnitSort {
    #[default]
    CallSign,
    Kind,
    Status,
    Incident,
    TimeInStatus,
    FixAge,
}

/// The audit log's filters.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuditFilter {
    pub incident: String,
    pub unit: String,
    /// An action name (`dispatch`, `result`, …), if set.
    pub action: Option<String>,
    /// Only the last this many hours, if set.
    pub hours: Option<u32>,
}

/// Sort key of the coverage table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoverageSort {
    Beat,
    RoadKm,
    Roads,
    Addresses,
    Demand,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PlanSettings {
    pub enabled: bool,
    pub mode: Mode,
    pub turnout_s: f32,
    /// Rings show who can reach the origin (instead of where it reaches).
    pub reverse: bool,
    pub show_rings: bool,
    pub show_gaps: bool,
    /// Which of the 1/3/5-minute limits the gap layer and the table show (0, 1 or 2).
    pub limit: usize,
    pub table_open: bool,
    pub sort: CoverageSort,
    pub descending: bool,
    /// Beats shaded by the share of their addresses within the chosen limit.
    pub shade_beats: bool,
    /// New posts to suggest (0: none).
    pub suggest: usize,
}

impl Default for PlanSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            mode: Mode::Car,
            turnout_s: 0.0,
            reverse: false,
            show_rings: true,
            show_gaps: true,
            limit: 1,
            table_open: false,
            sort: CoverageSort::Roads,
            descending: false,
            shade_beats: true,
            suggest: 0,
        }
    }
}

/// A new stop's dwell: the middle of the Koper window (10–16 min), seconds.
pub const DEFAULT_DWELL_S: f32 = 720.0;

/// One change to the routes.
#[derive(Clone, Debug, PartialEq)]
pub enum PatrolEdit {
    /// Start a new route (and edit it).
    New,
    /// Edit this route.
    Choose(usize),
    /// Add a waypoint after the last (a new route when none is edited).
    Add(LonLat),
    /// Put a waypoint at `index`, pushing the rest along (a leg dragged).
    Insert {
        index: usize,
        at: LonLat,
    },
    /// Move a waypoint; `continues` merges it with the drag's earlier steps for undo.
    Move {
        index: usize,
        to: LonLat,
        continues: bool,
    },
    Delete(usize),
    SelectWaypoint(Option<usize>),
    SetDwell {
        index: usize,
        dwell_s: f32,
    },
    SetMode(Mode),
    SetClosed(bool),
    Rename(String),
    DeleteRoute,
    Undo,
    Redo,
    /// A drag of a waypoint begins: what is there now is what undo brings back.
    Mark,
    /// The unit the route is to be assigned to.
    AssignTo(Option<UnitId>),
    /// Put these planned routes in place of the planned ones there are (ids `AUTO-…`).
    Adopt(Vec<onemap_core::patrol::PatrolRoute>),
}
