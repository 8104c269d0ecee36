//! The console application: state, `logic()` (applies commands) and `ui()` (draws, emits
//! commands). The UI never mutates application state directly; it pushes a [`Command`] that
//! the next `logic()` applies.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{FontData, FontDefinitions, FontFamily, RichText, Ui};
use onemap_core::coord::{LonLat, mercator};
use onemap_core::layers::{
    BeatId, Camera, CameraId, CameraKind, CameraStatus, Keyword, LayerKind, Post, PostId, PostKind,
    StationId, StationKind,
};
use onemap_core::search::{SearchHit, SearchIndex, Target};
use walkers::{Map, MapMemory, lon_lat};

use crate::basemap::Basemap;
use crate::basemap::render::RenderOptions;
use crate::basemap::sources::TileSourceSpec;
use crate::basemap::text::FONT_BYTES;
use crate::city::City;
use crate::map::ops::{DrawCache, OpsDrawn};
use crate::map::{self, MapFrame};
use crate::ops::{Edit, Editable, OpState};
use crate::ui::i18n::{Lang, T, tr};
use crate::ui::labels;
use crate::ui::theme::{ThemeKind, UiTheme, ui_theme};

mod dispatch;
mod live;
mod planning;
pub use dispatch::DispatchState;
pub use live::queue_order;
pub use planning::{CoverageSort, PlanSettings, PlanState};

/// What is selected on the map (by id, so it survives edits).
#[derive(Clone, Debug, PartialEq)]
pub enum Selection {
    Beat(BeatId),
    Camera(CameraId),
    Post(PostId),
    Station(StationId),
    /// A clicked place with no feature.
    Point(LonLat),
    /// A live unit, by id.
    Unit(String),
    /// A live incident, by id.
    Incident(String),
}

/// A planner's tool in edit mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    AddCamera,
    AddPost,
}

/// Everything the UI can ask for.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    SetLang(Lang),
    SetTheme(ThemeKind),
    SetBasemapVisible(bool),
    SetRenderOptions(RenderOptions),
    SetLayerVisible(LayerKind, bool),
    ZoomIn,
    ZoomOut,
    /// Fit the whole city into the map.
    Home,
    Select(Option<Selection>),
    SetSearch(String),
    PickSearchHit(SearchHit),
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
    SetPlan(PlanSettings),
    ExportPlan,
    /// Centre the map here (zooming in to street level if further out).
    FlyTo(LonLat),
}

/// The clock the console shows. Tests fix it so screens are deterministic.
#[derive(Clone, Debug)]
pub enum Clock {
    System,
    Fixed(chrono::NaiveDateTime),
}

impl Clock {
    pub fn now_local(&self) -> chrono::NaiveDateTime {
        match self {
            Clock::System => chrono::Local::now().naive_local(),
            Clock::Fixed(t) => *t,
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
}

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
        }
    }
}

impl Settings {
    pub fn layer_visible(&self, kind: LayerKind) -> bool {
        match kind {
            LayerKind::Beats => self.show_beats,
            LayerKind::Cameras => self.show_cameras,
            LayerKind::Posts => self.show_posts,
            LayerKind::Stations => self.show_stations,
        }
    }
}

pub struct AppOptions {
    pub tiles: TileSourceSpec,
    /// Root of the on-disk tile cache; `None` keeps rendered tiles in memory only.
    pub tile_cache: Option<PathBuf>,
    /// Operational layer files; `None` generates sample layers from the city.
    pub layers_dir: Option<PathBuf>,
    /// Where generated layers are saved when edited.
    pub generated_layers_dir: PathBuf,
    pub settings: Settings,
    pub clock: Clock,
    /// When the process started, for the "first complete frame" figure.
    pub started: Instant,
    pub tile_workers: usize,
    /// Open on this centre and zoom instead of fitting the whole city.
    pub initial_view: Option<(LonLat, f64)>,
    /// Start the planning worker (road graph, rings, coverage).
    pub planner: bool,
    /// Open with planner mode on.
    pub plan_on_start: bool,
    /// Where the planner's export writes its files.
    pub plan_export_dir: PathBuf,
    /// Travel speeds for rings and coverage.
    pub speeds: onemap_core::routing::Speeds,
    /// The live feed: off, the embedded simulator, or an external server.
    pub feed: crate::feed::FeedSource,
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            tiles: TileSourceSpec::Rendered,
            tile_cache: None,
            layers_dir: None,
            generated_layers_dir: PathBuf::from("layers-generated"),
            settings: Settings::default(),
            clock: Clock::System,
            started: Instant::now(),
            tile_workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            initial_view: None,
            planner: true,
            plan_on_start: false,
            plan_export_dir: PathBuf::from("plan-export"),
            speeds: onemap_core::routing::Speeds::default(),
            feed: crate::feed::FeedSource::Off,
        }
    }
}

/// What the inspector shows about the selection, computed once per selection or edit.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Related {
    pub beat: Option<usize>,
    pub cameras_in_beat: Vec<usize>,
    pub posts_in_beat: Vec<usize>,
    pub cameras_seeing: Vec<usize>,
    pub nearest_posts: Vec<(usize, f64)>,
    pub nearest_police: Option<(usize, f64)>,
    pub beats_of_station: Vec<usize>,
}

/// Where the selected marker and its heading handle were last frame, so a press on them can
/// start a drag that moves the feature instead of the map.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Handles {
    marker: Option<egui::Pos2>,
    heading: Option<egui::Pos2>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DragKind {
    Move,
    Heading,
}

pub struct OneMapApp {
    pub city: Arc<City>,
    pub settings: Settings,
    pub ops: OpState,
    pub selection: Option<Selection>,
    pub related: Related,
    pub search_query: String,
    pub search_hits: Vec<SearchHit>,
    search_index: SearchIndex,
    search_revision: Option<u64>,
    pub edit_mode: bool,
    pub tool: Option<Tool>,
    /// The last save's outcome, shown in the edit panel.
    pub status: Option<(String, bool)>,
    basemap: Basemap,
    map_memory: MapMemory,
    draw_cache: DrawCache,
    commands: Vec<Command>,
    clock: Clock,
    started: Instant,
    /// Size of the map widget last frame, for "fit city".
    map_size: egui::Vec2,
    fit_pending: bool,
    handles: Handles,
    drag: Option<DragKind>,
    pub first_complete_frame: Option<Duration>,
    /// What the map drew last frame (for the status bar and tests).
    pub last_map_frame: MapFrame,
    pub last_ops_drawn: OpsDrawn,
    pub plan: PlanState,
    pub feed: crate::feed::LiveFeed,
    pub dispatch: DispatchState,
}

/// Register the embedded CJK font as a fallback for every text style.
pub fn install_fonts(ctx: &egui::Context) {
    let mut fonts = FontDefinitions::default();
    fonts.font_data.insert(
        "noto_sans_sc".into(),
        Arc::new(FontData::from_static(FONT_BYTES)),
    );
    for family in [FontFamily::Proportional, FontFamily::Monospace] {
        fonts
            .families
            .entry(family)
            .or_default()
            .push("noto_sans_sc".into());
    }
    ctx.set_fonts(fonts);
}

fn apply_visuals(ctx: &egui::Context, theme: ThemeKind) {
    ctx.set_theme(if ui_theme(theme).dark_mode {
        egui::Theme::Dark
    } else {
        egui::Theme::Light
    });
}

impl OneMapApp {
    pub fn new(ctx: &egui::Context, city: Arc<City>, options: AppOptions) -> anyhow::Result<Self> {
        install_fonts(ctx);
        apply_visuals(ctx, options.settings.theme);
        let cache_root = options.tile_cache.map(|root| root.join(&city.data_key));
        let basemap = Basemap::new(
            &options.tiles,
            city.map.clone(),
            cache_root,
            options.tile_workers,
            ctx,
        )?;
        let mut map_memory = MapMemory::default();
        let (centre, zoom) = options.initial_view.unwrap_or_else(|| {
            let bounds = &city.osm.bounds;
            (
                bounds.center(),
                mercator::zoom_to_fit(bounds, 1100.0, 750.0),
            )
        });
        map_memory.center_at(lon_lat(centre.lon, centre.lat));
        let _ = map_memory.set_zoom(zoom);
        let ops = OpState::open(
            options.layers_dir.as_deref(),
            &city.osm,
            options.generated_layers_dir,
        );
        for problem in &ops.problems {
            eprintln!("onemap: layer problem: {problem}");
        }
        let feed = crate::feed::LiveFeed::start(&options.feed, &city);
        let mut plan = PlanState::default();
        plan.settings.enabled = options.plan_on_start;
        plan.export_dir = options.plan_export_dir;
        if options.planner {
            let repaint = ctx.clone();
            plan.planner = Some(crate::planner::Planner::start(
                city.clone(),
                ops.layers.beats.clone(),
                options.speeds,
                move || repaint.request_repaint(),
            ));
        }
        Ok(Self {
            city,
            settings: options.settings,
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
            basemap,
            map_memory,
            draw_cache: DrawCache::default(),
            commands: Vec::new(),
            clock: options.clock,
            started: options.started,
            map_size: egui::Vec2::ZERO,
            fit_pending: options.initial_view.is_none(),
            handles: Handles::default(),
            drag: None,
            first_complete_frame: None,
            last_map_frame: MapFrame::default(),
            last_ops_drawn: OpsDrawn::default(),
            plan,
            feed,
            dispatch: DispatchState::default(),
        })
    }

    pub fn tr(&self, key: T) -> &'static str {
        tr(self.settings.lang, key)
    }

    pub fn zoom(&self) -> f64 {
        self.map_memory.zoom()
    }

    /// The map centre.
    pub fn centre(&self) -> LonLat {
        let c = self.map_memory.detached().unwrap_or_else(|| {
            let c = self.city.osm.bounds.center();
            lon_lat(c.lon, c.lat)
        });
        LonLat::new(c.x(), c.y())
    }

    /// Queue a command for the next `logic()`.
    pub fn push(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// Where the selected feature's marker and (for a camera at street zoom) its heading
    /// handle were drawn last frame, in screen points.
    pub fn handle_positions(&self) -> (Option<egui::Pos2>, Option<egui::Pos2>) {
        (self.handles.marker, self.handles.heading)
    }

    /// The selected camera, if a camera is selected.
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

    fn selection_pos(&self) -> Option<LonLat> {
        let layers = &self.ops.layers;
        match self.selection.as_ref()? {
            Selection::Beat(id) => {
                let i = layers.beats.iter().position(|b| &b.id == id)?;
                self.draw_cache
                    .beat_labels
                    .get(i)
                    .copied()
                    .or_else(|| self.ops.centre_of_beat(i))
            }
            Selection::Camera(id) => self.ops.camera(id).map(|c| c.pos),
            Selection::Post(id) => self.ops.post(id).map(|p| p.pos),
            Selection::Station(id) => layers.stations.iter().find(|s| &s.id == id).map(|s| s.pos),
            Selection::Point(p) => Some(*p),
            Selection::Unit(id) => self.feed.state.units.get(id).map(|u| u.position.lonlat()),
            Selection::Incident(id) => self
                .feed
                .state
                .incidents
                .get(id)
                .map(|i| i.location.lonlat()),
        }
    }

    fn compute_related(&self) -> Related {
        let mut r = Related::default();
        let Some(selection) = &self.selection else {
            return r;
        };
        let layers = &self.ops.layers;
        let index = &self.ops.index;
        let beat_members = |bi: usize, r: &mut Related| {
            let bbox = onemap_core::coord::BBox::from_points(
                layers.beats[bi].rings.iter().flatten().copied(),
            );
            r.cameras_in_beat = index
                .cameras_in_unsorted(&bbox)
                .into_iter()
                .filter(|&c| index.beat_at(layers.cameras[c].pos) == Some(bi))
                .collect();
            r.cameras_in_beat.sort_unstable();
            r.posts_in_beat = index
                .posts_in_unsorted(&bbox)
                .into_iter()
                .filter(|&p| index.beat_at(layers.posts[p].pos) == Some(bi))
                .collect();
            r.posts_in_beat.sort_unstable();
        };
        let nearest_police = |p: LonLat| {
            index
                .nearest_stations(p, 16)
                .into_iter()
                .find(|(i, _)| layers.stations[*i].kind == StationKind::Police)
        };
        match selection {
            Selection::Beat(id) => {
                if let Some(bi) = layers.beats.iter().position(|b| &b.id == id) {
                    r.beat = Some(bi);
                    beat_members(bi, &mut r);
                }
            }
            Selection::Station(id) => {
                r.beats_of_station = layers
                    .beats
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| &b.station_id == id)
                    .map(|(i, _)| i)
                    .collect();
            }
            _ => {
                if let Some(p) = self.selection_pos() {
                    r.beat = index.beat_at(p);
                    r.cameras_seeing = index.cameras_seeing(p);
                    // A camera "sees" its own position; list only the others.
                    if let Selection::Camera(id) = selection {
                        r.cameras_seeing.retain(|&c| &layers.cameras[c].id != id);
                    }
                    r.nearest_posts = index.nearest_posts(p, 3);
                    r.nearest_police = nearest_police(p);
                }
            }
        }
        r
    }

    fn edit_selected(&mut self, f: impl FnOnce(&mut Editable), continues: bool) {
        let before = match &self.selection {
            Some(Selection::Camera(id)) => self.ops.camera(id).cloned().map(Editable::Camera),
            Some(Selection::Post(id)) => self.ops.post(id).cloned().map(Editable::Post),
            _ => None,
        };
        let Some(before) = before else { return };
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

    fn apply(&mut self, ctx: &egui::Context, command: Command) {
        match command {
            Command::SetLang(lang) => self.settings.lang = lang,
            Command::SetTheme(theme) => {
                self.settings.theme = theme;
                apply_visuals(ctx, theme);
            }
            Command::SetBasemapVisible(v) => self.settings.show_basemap = v,
            Command::SetRenderOptions(o) => self.settings.render = o,
            Command::SetLayerVisible(kind, v) => match kind {
                LayerKind::Beats => self.settings.show_beats = v,
                LayerKind::Cameras => self.settings.show_cameras = v,
                LayerKind::Posts => self.settings.show_posts = v,
                LayerKind::Stations => self.settings.show_stations = v,
            },
            Command::ZoomIn => {
                let _ = self.map_memory.zoom_in();
            }
            Command::ZoomOut => {
                let _ = self.map_memory.zoom_out();
            }
            Command::Home => self.fit_city(),
            Command::Select(selection) => self.selection = selection,
            Command::SetSearch(query) => {
                self.search_query = query;
                self.refresh_search();
            }
            Command::PickSearchHit(hit) => {
                self.map_memory.center_at(lon_lat(hit.pos.lon, hit.pos.lat));
                if self.map_memory.zoom() < 16.0 {
                    let _ = self.map_memory.set_zoom(16.5);
                }
                self.selection = Some(match hit.target {
                    Target::Beat(id) => Selection::Beat(id),
                    Target::Camera(id) => Selection::Camera(id),
                    Target::Post(id) => Selection::Post(id),
                    Target::Station(id) => Selection::Station(id),
                    Target::Location => Selection::Point(hit.pos),
                });
            }
            Command::SetEditMode(on) => {
                self.edit_mode = on;
                if !on {
                    self.tool = None;
                }
            }
            Command::SetTool(tool) => self.tool = tool,
            Command::AddCamera(pos) => {
                let id = self.ops.new_camera_id();
                let camera = Camera {
                    name: format!("{} {id}", tr(self.settings.lang, T::Cameras)),
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
            Command::AddPost(pos) => {
                let id = self.ops.new_post_id();
                let post = Post {
                    name: format!("{} {id}", tr(self.settings.lang, T::KindQuick)),
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
            Command::EditFeature(after) => {
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
            Command::DeleteSelected => {
                let before = match &self.selection {
                    Some(Selection::Camera(id)) => {
                        self.ops.camera(id).cloned().map(Editable::Camera)
                    }
                    Some(Selection::Post(id)) => self.ops.post(id).cloned().map(Editable::Post),
                    _ => None,
                };
                if before.is_some() {
                    self.ops.apply(Edit {
                        before,
                        after: None,
                    });
                    self.selection = None;
                }
            }
            Command::Undo => {
                self.ops.undo();
            }
            Command::Redo => {
                self.ops.redo();
            }
            Command::SetPlan(settings) => self.apply_plan_settings(settings),
            Command::ExportPlan => self.export_plan(),
            Command::FlyTo(p) => {
                self.map_memory.center_at(lon_lat(p.lon, p.lat));
                if self.map_memory.zoom() < 15.0 {
                    let _ = self.map_memory.set_zoom(16.0);
                }
            }
            Command::Save => {
                self.status = Some(match self.ops.save() {
                    Ok(dir) => (format!("{} {}", self.tr(T::Saved), dir.display()), false),
                    Err(err) => (format!("{}: {err:#}", self.tr(T::SaveFailed)), true),
                });
            }
        }
    }

    fn refresh_search(&mut self) {
        if self.search_revision != Some(self.ops.revision) {
            self.search_revision = Some(self.ops.revision);
            let label_points: Vec<LonLat> = (0..self.ops.layers.beats.len())
                .map(|i| self.ops.centre_of_beat(i).unwrap_or_default())
                .collect();
            self.search_index = SearchIndex::new(&self.city.osm, &self.ops.layers, &label_points);
        }
        self.search_hits = self.search_index.search(&self.search_query, 12);
    }

    fn fit_city(&mut self) {
        let bounds = &self.city.osm.bounds;
        let (w, h) = (f64::from(self.map_size.x), f64::from(self.map_size.y));
        let zoom = mercator::zoom_to_fit(bounds, w.max(200.0), h.max(200.0));
        let c = bounds.center();
        self.map_memory.center_at(lon_lat(c.lon, c.lat));
        let _ = self.map_memory.set_zoom(zoom);
    }

    /// Apply queued commands. Called before every `ui()`.
    pub fn logic(&mut self, ctx: &egui::Context) {
        if self.fit_pending && self.map_size.x > 0.0 {
            self.fit_pending = false;
            self.fit_city();
        }
        let revision = self.ops.revision;
        let selection = self.selection.clone();
        for command in std::mem::take(&mut self.commands) {
            self.apply(ctx, command);
        }
        if self.ops.revision != revision || self.selection != selection {
            self.related = self.compute_related();
            if !self.search_query.is_empty() {
                self.refresh_search();
            }
        }
        // Keyboard: undo/redo/save/delete in edit mode; Escape clears the selection.
        let (undo, redo, save, delete, escape) = ctx.input(|i| {
            let cmd = i.modifiers.command;
            (
                cmd && !i.modifiers.shift && i.key_pressed(egui::Key::Z),
                cmd && (i.key_pressed(egui::Key::Y)
                    || (i.modifiers.shift && i.key_pressed(egui::Key::Z))),
                cmd && i.key_pressed(egui::Key::S),
                i.key_pressed(egui::Key::Delete),
                i.key_pressed(egui::Key::Escape),
            )
        });
        let typing = ctx.egui_wants_keyboard_input();
        if self.edit_mode && !typing {
            for (pressed, command) in [
                (undo, Command::Undo),
                (redo, Command::Redo),
                (save, Command::Save),
                (delete, Command::DeleteSelected),
            ] {
                if pressed {
                    self.commands.push(command);
                }
            }
        }
        if escape && !typing {
            self.commands.push(Command::Select(None));
        }
        self.update_plan();
        self.queue_keys(ctx);
        self.update_dispatch();
        // Live feed: apply what arrived, within a budget so a burst never stalls a frame.
        if self.feed.drain(Duration::from_millis(4)) {
            if matches!(
                self.selection,
                Some(Selection::Unit(_) | Selection::Incident(_))
            ) {
                self.related = self.compute_related();
            }
            ctx.request_repaint();
        }
        if self.feed.is_on() {
            ctx.request_repaint_after(Duration::from_millis(250));
        }
        if !self.commands.is_empty() {
            ctx.request_repaint();
        }
        self.basemap
            .begin_frame(self.settings.theme, self.settings.render);
        // The clock in the top bar ticks.
        ctx.request_repaint_after(Duration::from_millis(500));
    }

    pub fn ui(&mut self, ui: &mut Ui) {
        let theme = ui_theme(self.settings.theme);
        egui::Panel::top("top_bar").show(ui, |ui| self.top_bar_ui(ui, &theme));
        egui::Panel::bottom("status_bar").show(ui, |ui| self.status_bar_ui(ui, &theme));
        egui::Panel::left("layers")
            .resizable(false)
            .exact_size(270.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| self.side_panel_ui(ui, &theme));
            });
        if self.selection.is_some() || self.feed.is_on() {
            egui::Panel::right("inspector")
                .resizable(false)
                .exact_size(300.0)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical().show(ui, |ui| {
                        ui.set_max_width(ui.available_width());
                        if self.selection.is_some() {
                            self.inspector_ui(ui, &theme);
                            ui.separator();
                        }
                        if self.feed.is_on() {
                            self.incident_queue_ui(ui, &theme);
                        }
                    });
                });
        }
        egui::CentralPanel::no_frame().show(ui, |ui| self.map_ui(ui, &theme));
        self.coverage_window(ui.ctx());
        self.audit_window(ui.ctx());
        if !self.commands.is_empty() {
            ui.ctx().request_repaint();
        }
    }

    // -----------------------------------------------------------------------------------------
    // Top bar

    fn top_bar_ui(&mut self, ui: &mut Ui, theme: &UiTheme) {
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(self.tr(T::AppTitle))
                    .size(theme.title_size)
                    .strong()
                    .color(theme.title),
            );
            ui.separator();
            ui.label(RichText::new(&self.city.name).strong());
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button(self.tr(T::SwitchLanguage)).clicked() {
                    let lang = match self.settings.lang {
                        Lang::Zh => Lang::En,
                        Lang::En => Lang::Zh,
                    };
                    self.push(Command::SetLang(lang));
                }
                for kind in ThemeKind::ALL.iter().rev() {
                    let label = self.tr(match kind {
                        ThemeKind::Day => T::ThemeDay,
                        ThemeKind::Night => T::ThemeNight,
                    });
                    if ui
                        .selectable_label(self.settings.theme == *kind, label)
                        .clicked()
                    {
                        self.push(Command::SetTheme(*kind));
                    }
                }
                ui.separator();
                let now = self.clock.now_local();
                ui.label(
                    RichText::new(now.format("%Y-%m-%d %H:%M:%S").to_string())
                        .monospace()
                        .size(15.0),
                );
                ui.separator();
                self.feed_banner_ui(ui, theme);
                let rejected = self.ops.problems.len();
                if rejected > 0 {
                    ui.separator();
                    ui.label(
                        RichText::new(format!("{} {rejected}", self.tr(T::Problems)))
                            .color(theme.problem)
                            .strong(),
                    );
                }
            });
        });
    }

    // -----------------------------------------------------------------------------------------
    // Side panel: search, layers, legend, editing, problems

    fn side_panel_ui(&mut self, ui: &mut Ui, theme: &UiTheme) {
        ui.add_space(4.0);
        self.search_ui(ui, theme);
        ui.separator();
        ui.heading(self.tr(T::Layers));
        if self.ops.layers.generated {
            ui.label(
                RichText::new(self.tr(T::GeneratedData))
                    .small()
                    .color(theme.status_warn),
            );
        }
        for (kind, key, count) in [
            (LayerKind::Beats, T::Beats, self.ops.layers.beats.len()),
            (
                LayerKind::Cameras,
                T::Cameras,
                self.ops.layers.cameras.len(),
            ),
            (LayerKind::Posts, T::Posts, self.ops.layers.posts.len()),
            (
                LayerKind::Stations,
                T::StationsLayer,
                self.ops.layers.stations.len(),
            ),
        ] {
            let mut visible = self.settings.layer_visible(kind);
            ui.horizontal(|ui| {
                if ui.checkbox(&mut visible, self.tr(key)).changed() {
                    self.push(Command::SetLayerVisible(kind, visible));
                }
                ui.label(
                    RichText::new(count.to_string())
                        .small()
                        .color(theme.muted_text),
                );
            });
        }
        ui.add_space(4.0);
        ui.label(RichText::new(self.tr(T::Basemap)).strong());
        let mut show = self.settings.show_basemap;
        if ui.checkbox(&mut show, self.tr(T::BasemapVisible)).changed() {
            self.push(Command::SetBasemapVisible(show));
        }
        if self.basemap.is_rendered() {
            let mut options = self.settings.render;
            let mut changed = ui
                .checkbox(&mut options.buildings, self.tr(T::Buildings))
                .changed();
            changed |= ui
                .checkbox(&mut options.labels, self.tr(T::Labels))
                .changed();
            if changed {
                self.push(Command::SetRenderOptions(options));
            }
            ui.label(
                RichText::new(self.tr(T::SourceRendered))
                    .small()
                    .color(theme.muted_text),
            );
        } else {
            ui.label(
                RichText::new(self.tr(T::SourceUser))
                    .small()
                    .color(theme.muted_text),
            );
        }
        ui.separator();
        self.planning_ui(ui, theme);
        ui.separator();
        egui::CollapsingHeader::new(self.tr(T::Legend))
            .default_open(true)
            .show(ui, |ui| map::legend_ui(ui, theme, self.settings.lang));
        ui.separator();
        self.edit_ui(ui, theme);
        ui.separator();
        self.problems_ui(ui, theme);
    }

    fn search_ui(&mut self, ui: &mut Ui, theme: &UiTheme) {
        let mut query = self.search_query.clone();
        let label = ui.label(RichText::new(self.tr(T::Search)).strong());
        let response = ui
            .add(
                egui::TextEdit::singleline(&mut query)
                    .hint_text(self.tr(T::SearchHint))
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
        if response.changed() {
            self.push(Command::SetSearch(query.clone()));
        }
        if !query.trim().is_empty() {
            if self.search_hits.is_empty() && self.search_query == query {
                ui.label(RichText::new(self.tr(T::NoResults)).color(theme.muted_text));
            }
            for hit in self.search_hits.clone() {
                let kind = self.tr(labels::hit_kind(hit.kind));
                if ui
                    .selectable_label(false, format!("{}  ·  {kind}", hit.label))
                    .clicked()
                {
                    self.push(Command::PickSearchHit(hit));
                }
            }
        }
    }

    fn edit_ui(&mut self, ui: &mut Ui, theme: &UiTheme) {
        let mut on = self.edit_mode;
        if ui.checkbox(&mut on, self.tr(T::EditMode)).changed() {
            self.push(Command::SetEditMode(on));
        }
        if !self.edit_mode {
            return;
        }
        ui.horizontal_wrapped(|ui| {
            for (tool, key) in [(Tool::AddCamera, T::AddCamera), (Tool::AddPost, T::AddPost)] {
                let active = self.tool == Some(tool);
                if ui.selectable_label(active, self.tr(key)).clicked() {
                    self.push(Command::SetTool(if active { None } else { Some(tool) }));
                }
            }
        });
        if self.tool.is_some() {
            ui.label(
                RichText::new(self.tr(T::ClickToPlace))
                    .small()
                    .color(theme.status_warn),
            );
        }
        ui.horizontal_wrapped(|ui| {
            let deletable = matches!(
                self.selection,
                Some(Selection::Camera(_) | Selection::Post(_))
            );
            if ui
                .add_enabled(deletable, egui::Button::new(self.tr(T::DeleteSelected)))
                .clicked()
            {
                self.push(Command::DeleteSelected);
            }
            if ui
                .add_enabled(self.ops.can_undo(), egui::Button::new(self.tr(T::Undo)))
                .clicked()
            {
                self.push(Command::Undo);
            }
            if ui
                .add_enabled(self.ops.can_redo(), egui::Button::new(self.tr(T::Redo)))
                .clicked()
            {
                self.push(Command::Redo);
            }
            if ui.button(self.tr(T::Save)).clicked() {
                self.push(Command::Save);
            }
        });
        if self.ops.unsaved > 0 {
            ui.label(
                RichText::new(format!("{} {}", self.ops.unsaved, self.tr(T::Unsaved)))
                    .small()
                    .color(theme.status_warn),
            );
        }
        if let Some((message, is_error)) = &self.status {
            let colour = if *is_error {
                theme.problem
            } else {
                theme.status_ok
            };
            ui.label(RichText::new(message).small().color(colour));
        }
    }

    fn problems_ui(&mut self, ui: &mut Ui, theme: &UiTheme) {
        let n = self.ops.problems.len();
        egui::CollapsingHeader::new(format!("{} ({n})", self.tr(T::Problems)))
            .default_open(n > 0)
            .show(ui, |ui| {
                if n == 0 {
                    ui.label(
                        RichText::new(self.tr(T::NoProblems))
                            .small()
                            .color(theme.muted_text),
                    );
                }
                for p in &self.ops.problems {
                    ui.label(RichText::new(p.to_string()).small().color(theme.problem));
                }
            });
    }

    // -----------------------------------------------------------------------------------------
    // Inspector

    /// A wrapping link that selects a related feature.
    fn select_button(&mut self, ui: &mut Ui, label: String, selection: Selection) {
        let colour = ui.visuals().hyperlink_color;
        let response = ui.add(
            egui::Label::new(RichText::new(label).color(colour))
                .wrap()
                .sense(egui::Sense::click()),
        );
        if response.clicked() {
            self.push(Command::Select(Some(selection)));
        }
    }

    fn inspector_ui(&mut self, ui: &mut Ui, theme: &UiTheme) {
        let Some(selection) = self.selection.clone() else {
            return;
        };
        ui.horizontal(|ui| {
            ui.heading(self.tr(T::Inspector));
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button(self.tr(T::Close)).clicked() {
                    self.push(Command::Select(None));
                }
            });
        });
        ui.separator();
        // Borrowed out of `self` for the body (no per-frame copy of 100k cameras) and put back;
        // the body reads them only through these parameters.
        let layers = std::mem::take(&mut self.ops.layers);
        let related = std::mem::take(&mut self.related);
        self.inspector_body_ui(ui, theme, &selection, &layers, &related);
        self.ops.layers = layers;
        self.related = related;
    }

    fn inspector_body_ui(
        &mut self,
        ui: &mut Ui,
        theme: &UiTheme,
        selection: &Selection,
        layers: &onemap_core::layers::OpLayers,
        related: &Related,
    ) {
        let lang = self.settings.lang;
        // Values wrap inside the panel's width instead of widening it.
        let value_width = ui.available_width() - 110.0;
        let row = |ui: &mut Ui, key: T, value: String| {
            ui.label(RichText::new(tr(lang, key)).color(theme.muted_text));
            ui.scope(|ui| {
                ui.set_max_width(value_width);
                ui.add(egui::Label::new(value).wrap());
            });
            ui.end_row();
        };
        match selection {
            Selection::Beat(id) => {
                let Some(b) = layers.beats.iter().find(|b| &b.id == id) else {
                    return;
                };
                ui.label(RichText::new(tr(lang, T::Beats)).strong());
                egui::Grid::new("beat").num_columns(2).show(ui, |ui| {
                    row(ui, T::Id, b.id.to_string());
                    row(ui, T::Name, b.name.clone());
                    let station = layers.stations.iter().find(|s| s.id == b.station_id);
                    row(
                        ui,
                        T::Station,
                        station.map_or_else(
                            || b.station_id.to_string(),
                            |s| format!("{} {}", s.id, s.name),
                        ),
                    );
                    row(ui, T::Officers, b.officers_on_duty.to_string());
                    row(
                        ui,
                        T::AreaType,
                        tr(lang, labels::area_type(b.area_type)).to_string(),
                    );
                });
                if let Some(s) = layers.stations.iter().find(|s| s.id == b.station_id) {
                    self.select_button(
                        ui,
                        format!("→ {} {}", s.id, s.name),
                        Selection::Station(s.id.clone()),
                    );
                }
                ui.separator();
                ui.label(
                    RichText::new(format!(
                        "{} ({})",
                        tr(lang, T::CamerasInBeat),
                        related.cameras_in_beat.len()
                    ))
                    .strong(),
                );
                for &c in related.cameras_in_beat.iter().take(40) {
                    let cam = &layers.cameras[c];
                    self.select_button(
                        ui,
                        format!("{} {}", cam.id, cam.name),
                        Selection::Camera(cam.id.clone()),
                    );
                }
                ui.label(
                    RichText::new(format!(
                        "{} ({})",
                        tr(lang, T::PostsInBeat),
                        related.posts_in_beat.len()
                    ))
                    .strong(),
                );
                for &p in &related.posts_in_beat {
                    let post = &layers.posts[p];
                    self.select_button(
                        ui,
                        format!("{} {}", post.id, post.name),
                        Selection::Post(post.id.clone()),
                    );
                }
            }
            Selection::Camera(id) => {
                let Some(c) = layers.cameras.iter().find(|c| &c.id == id).cloned() else {
                    return;
                };
                ui.label(RichText::new(tr(lang, T::Cameras)).strong());
                if self.edit_mode {
                    self.camera_editor_ui(ui, &c);
                } else {
                    egui::Grid::new("camera").num_columns(2).show(ui, |ui| {
                        row(ui, T::Id, c.id.to_string());
                        row(ui, T::Name, c.name.clone());
                        row(
                            ui,
                            T::Kind,
                            tr(lang, labels::camera_kind(c.kind)).to_string(),
                        );
                        row(ui, T::Heading, format!("{:.1}", c.heading_deg));
                        row(ui, T::Fov, format!("{:.0}", c.fov_deg));
                        row(ui, T::Range, format!("{:.0}", c.range_m));
                        row(
                            ui,
                            T::Status,
                            tr(lang, labels::camera_status(c.status)).to_string(),
                        );
                        row(
                            ui,
                            T::Position,
                            format!("{:.6}, {:.6}", c.pos.lat, c.pos.lon),
                        );
                    });
                }
                self.point_related_ui(ui, layers, related, lang);
            }
            Selection::Post(id) => {
                let Some(p) = layers.posts.iter().find(|p| &p.id == id).cloned() else {
                    return;
                };
                ui.label(RichText::new(tr(lang, T::Posts)).strong());
                if self.edit_mode {
                    self.post_editor_ui(ui, &p);
                } else {
                    egui::Grid::new("post").num_columns(2).show(ui, |ui| {
                        row(ui, T::Id, p.id.to_string());
                        row(ui, T::Name, p.name.clone());
                        row(ui, T::Kind, tr(lang, labels::post_kind(p.kind)).to_string());
                        row(ui, T::StaffedHours, p.staffed_hours.clone());
                        row(
                            ui,
                            T::Position,
                            format!("{:.6}, {:.6}", p.pos.lat, p.pos.lon),
                        );
                    });
                }
                self.point_related_ui(ui, layers, related, lang);
            }
            Selection::Station(id) => {
                let Some(s) = layers.stations.iter().find(|s| &s.id == id) else {
                    return;
                };
                ui.label(RichText::new(tr(lang, labels::station_kind(s.kind))).strong());
                egui::Grid::new("station").num_columns(2).show(ui, |ui| {
                    row(ui, T::Id, s.id.to_string());
                    row(ui, T::Name, s.name.clone());
                    row(
                        ui,
                        T::Position,
                        format!("{:.6}, {:.6}", s.pos.lat, s.pos.lon),
                    );
                });
                ui.separator();
                ui.label(
                    RichText::new(format!(
                        "{} ({})",
                        tr(lang, T::BeatsOfStation),
                        related.beats_of_station.len()
                    ))
                    .strong(),
                );
                for &b in &related.beats_of_station {
                    let beat = &layers.beats[b];
                    self.select_button(
                        ui,
                        format!("{} {}", beat.id, beat.name),
                        Selection::Beat(beat.id.clone()),
                    );
                }
            }
            Selection::Point(p) => {
                ui.label(RichText::new(tr(lang, T::Point)).strong());
                egui::Grid::new("point").num_columns(2).show(ui, |ui| {
                    row(ui, T::Position, format!("{:.6}, {:.6}", p.lat, p.lon));
                });
                self.point_related_ui(ui, layers, related, lang);
            }
            Selection::Unit(id) => {
                let Some(u) = self.feed.state.units.get(id).cloned() else {
                    ui.label(tr(lang, T::None_));
                    return;
                };
                let age_s = (onemap_feed::server::now_ms() - u.fix_at) / 1000;
                ui.label(RichText::new(format!("{} {}", u.call_sign, u.id)).strong());
                egui::Grid::new("unit").num_columns(2).show(ui, |ui| {
                    row(ui, T::Kind, live::unit_kind_label(lang, u.kind).to_owned());
                    row(
                        ui,
                        T::Status,
                        live::unit_status_label(lang, u.status).to_owned(),
                    );
                    row(ui, T::Speed, format!("{:.0} km/h", u.speed_kmh));
                    row(
                        ui,
                        T::LastFix,
                        format!("{age_s} {}", tr(lang, T::SecondsShort)),
                    );
                    let p = u.position.lonlat();
                    row(ui, T::Position, format!("{:.6}, {:.6}", p.lat, p.lon));
                });
                self.point_related_ui(ui, layers, related, lang);
            }
            Selection::Incident(id) => {
                let Some(i) = self.feed.state.incidents.get(id).cloned() else {
                    ui.label(tr(lang, T::None_));
                    return;
                };
                let age_s = (onemap_feed::server::now_ms() - i.reported_at) / 1000;
                ui.label(
                    RichText::new(format!(
                        "P{} {} {}",
                        i.priority,
                        live::category_label(lang, i.category),
                        i.id
                    ))
                    .strong(),
                );
                egui::Grid::new("incident").num_columns(2).show(ui, |ui| {
                    row(ui, T::Address, i.address.clone());
                    row(
                        ui,
                        T::Status,
                        live::incident_status_label(lang, i.status).to_owned(),
                    );
                    row(ui, T::Age, format!("{}:{:02}", age_s / 60, age_s % 60));
                    row(ui, T::AssignedUnits, i.assigned_units.join(", "));
                });
                self.dispatch_ui(ui, theme, &i, layers);
                self.point_related_ui(ui, layers, related, lang);
            }
        }
    }

    fn point_related_ui(
        &mut self,
        ui: &mut Ui,
        layers: &onemap_core::layers::OpLayers,
        related: &Related,
        lang: Lang,
    ) {
        ui.separator();
        ui.label(RichText::new(tr(lang, T::InBeat)).strong());
        match related.beat {
            Some(b) => {
                let beat = &layers.beats[b];
                self.select_button(
                    ui,
                    format!("{} {}", beat.id, beat.name),
                    Selection::Beat(beat.id.clone()),
                );
            }
            None => {
                ui.label(tr(lang, T::None_));
            }
        }
        ui.label(
            RichText::new(format!(
                "{} ({})",
                tr(lang, T::CamerasSeeing),
                related.cameras_seeing.len()
            ))
            .strong(),
        );
        for &c in related.cameras_seeing.iter().take(20) {
            let cam = &layers.cameras[c];
            self.select_button(
                ui,
                format!("{} {}", cam.id, cam.name),
                Selection::Camera(cam.id.clone()),
            );
        }
        ui.label(RichText::new(tr(lang, T::NearestPosts)).strong());
        for &(p, d) in &related.nearest_posts {
            let post = &layers.posts[p];
            self.select_button(
                ui,
                format!("{} {} · {d:.0} {}", post.id, post.name, tr(lang, T::Metres)),
                Selection::Post(post.id.clone()),
            );
        }
        ui.label(RichText::new(tr(lang, T::NearestStation)).strong());
        if let Some((s, d)) = related.nearest_police {
            let st = &layers.stations[s];
            self.select_button(
                ui,
                format!("{} {} · {d:.0} {}", st.id, st.name, tr(lang, T::Metres)),
                Selection::Station(st.id.clone()),
            );
        }
    }

    fn camera_editor_ui(&mut self, ui: &mut Ui, c: &Camera) {
        let lang = self.settings.lang;
        let mut edited = c.clone();
        egui::Grid::new("camera-edit")
            .num_columns(2)
            .show(ui, |ui| {
                ui.label(tr(lang, T::Id));
                ui.label(c.id.to_string());
                ui.end_row();
                ui.label(tr(lang, T::Name));
                ui.add(egui::TextEdit::singleline(&mut edited.name).desired_width(160.0));
                ui.end_row();
                ui.label(tr(lang, T::Kind));
                egui::ComboBox::from_id_salt("camera-kind")
                    .selected_text(tr(lang, labels::camera_kind(edited.kind)))
                    .show_ui(ui, |ui| {
                        for &k in CameraKind::ALL {
                            ui.selectable_value(
                                &mut edited.kind,
                                k,
                                tr(lang, labels::camera_kind(k)),
                            );
                        }
                    });
                ui.end_row();
                ui.label(tr(lang, T::Heading));
                ui.add(
                    egui::DragValue::new(&mut edited.heading_deg)
                        .range(0.0..=359.9)
                        .speed(1.0),
                );
                ui.end_row();
                ui.label(tr(lang, T::Fov));
                ui.add(
                    egui::DragValue::new(&mut edited.fov_deg)
                        .range(1.0..=360.0)
                        .speed(1.0),
                );
                ui.end_row();
                ui.label(tr(lang, T::Range));
                ui.add(
                    egui::DragValue::new(&mut edited.range_m)
                        .range(1.0..=2000.0)
                        .speed(1.0),
                );
                ui.end_row();
                ui.label(tr(lang, T::Status));
                egui::ComboBox::from_id_salt("camera-status")
                    .selected_text(tr(lang, labels::camera_status(edited.status)))
                    .show_ui(ui, |ui| {
                        for &s in CameraStatus::ALL {
                            ui.selectable_value(
                                &mut edited.status,
                                s,
                                tr(lang, labels::camera_status(s)),
                            );
                        }
                    });
                ui.end_row();
            });
        if edited != *c && !edited.name.trim().is_empty() {
            self.push(Command::EditFeature(Editable::Camera(edited)));
        }
    }

    fn post_editor_ui(&mut self, ui: &mut Ui, p: &Post) {
        let lang = self.settings.lang;
        let mut edited = p.clone();
        egui::Grid::new("post-edit").num_columns(2).show(ui, |ui| {
            ui.label(tr(lang, T::Id));
            ui.label(p.id.to_string());
            ui.end_row();
            ui.label(tr(lang, T::Name));
            ui.add(egui::TextEdit::singleline(&mut edited.name).desired_width(160.0));
            ui.end_row();
            ui.label(tr(lang, T::Kind));
            egui::ComboBox::from_id_salt("post-kind")
                .selected_text(tr(lang, labels::post_kind(edited.kind)))
                .show_ui(ui, |ui| {
                    for &k in PostKind::ALL {
                        ui.selectable_value(&mut edited.kind, k, tr(lang, labels::post_kind(k)));
                    }
                });
            ui.end_row();
            ui.label(tr(lang, T::StaffedHours));
            ui.add(egui::TextEdit::singleline(&mut edited.staffed_hours).desired_width(160.0));
            ui.end_row();
        });
        let valid = !edited.name.trim().is_empty()
            && onemap_core::layers::io::valid_staffed_hours(&edited.staffed_hours);
        if edited != *p && valid {
            self.push(Command::EditFeature(Editable::Post(edited)));
        }
    }

    // -----------------------------------------------------------------------------------------
    // Status bar

    fn status_bar_ui(&mut self, ui: &mut Ui, theme: &UiTheme) {
        let stats = self
            .basemap
            .stats(self.settings.theme, self.settings.render);
        ui.horizontal(|ui| {
            let cursor = match self.last_map_frame.cursor {
                Some(p) => format!("{:.5}°N  {:.5}°E", p.lat, p.lon),
                None => "—".into(),
            };
            ui.label(format!("{} {cursor}", self.tr(T::Cursor)));
            ui.separator();
            ui.label(format!("{} {:.1}", self.tr(T::Zoom), self.zoom()));
            ui.separator();
            if stats.pending > 0 {
                ui.label(format!("{} {}", self.tr(T::TilesPending), stats.pending));
                ui.separator();
            }
            if stats.errors > 0 {
                let text = RichText::new(format!("{} {}", self.tr(T::TileErrors), stats.errors))
                    .color(theme.status_warn);
                let response = ui.label(text);
                if let Some(err) = &stats.last_error {
                    response.on_hover_text(err);
                }
                ui.separator();
            }
            let s = &self.city.summary;
            ui.label(
                RichText::new(format!(
                    "{} {:.0} {} · {} {} · {} {}",
                    self.tr(T::Data),
                    s.drivable_km,
                    self.tr(T::RoadsKm),
                    s.buildings,
                    self.tr(T::BuildingsCount),
                    s.addresses,
                    self.tr(T::Addresses),
                ))
                .color(theme.muted_text),
            );
        });
    }

    // -----------------------------------------------------------------------------------------
    // Map

    fn map_ui(&mut self, ui: &mut Ui, theme: &UiTheme) {
        self.map_size = ui.available_size();
        self.draw_cache.refresh(
            &self.ops,
            self.map_memory.zoom().floor().clamp(0.0, 20.0) as u8,
        );
        let centre = self.city.osm.bounds.center();
        let my_position = lon_lat(centre.lon, centre.lat);

        // A press on the selected marker or its heading handle drags the feature, not the map.
        let (pressed, press_origin) =
            ui.input(|i| (i.pointer.primary_down(), i.pointer.press_origin()));
        if !pressed {
            self.drag = None;
        } else if self.drag.is_none()
            && self.edit_mode
            && let Some(origin) = press_origin
        {
            let near = |p: Option<egui::Pos2>| p.is_some_and(|p| p.distance(origin) <= 12.0);
            if near(self.handles.heading) {
                self.drag = Some(DragKind::Heading);
            } else if near(self.handles.marker) {
                self.drag = Some(DragKind::Move);
            }
        }
        let dragging_feature = self.drag.is_some();

        let settings = self.settings.clone();
        let tiles = settings
            .show_basemap
            .then(|| self.basemap.tiles(settings.theme, settings.render));
        let mut frame = MapFrame::default();
        let mut commands = Vec::new();
        let mut handles = Handles::default();
        let mut ops_drawn = OpsDrawn::default();
        let city = self.city.clone();
        let ops = &self.ops;
        let cache = &mut self.draw_cache;
        let plan = &self.plan;
        let feed = &self.feed;
        let planning_on = plan.settings.enabled;
        let selection = self.selection.clone();
        let recommendation = self.dispatch.output.as_deref().filter(
            |o| matches!(&selection, Some(Selection::Incident(id)) if *id == o.incident_id),
        );
        let (edit_mode, tool, drag) = (self.edit_mode, self.tool, self.drag);
        let drag_started = ui.input(|i| i.pointer.primary_pressed());
        let pan_buttons = if dragging_feature {
            egui::DragPanButtons::empty()
        } else {
            egui::DragPanButtons::PRIMARY
        };
        Map::new(tiles, &mut self.map_memory, my_position)
            .zoom_with_ctrl(false)
            .double_click_to_zoom(true)
            .drag_pan_buttons(pan_buttons)
            .show(ui, |ui, response, projector, _memory| {
                let painter = ui.painter().with_clip_rect(response.rect);
                planning::draw(&painter, projector, plan, theme);
                ops_drawn = map::ops::draw(
                    &painter,
                    projector,
                    ops,
                    cache,
                    &settings,
                    selection.as_ref(),
                    theme,
                );
                map::live::draw(
                    &painter,
                    projector,
                    feed,
                    theme,
                    settings.lang,
                    Instant::now(),
                );
                dispatch::draw(
                    &painter,
                    projector,
                    recommendation,
                    &ops.layers.beats,
                    theme,
                );
                map::live::draw_selected(&painter, projector, feed, selection.as_ref(), theme);
                map::overlays_ui(ui, response, projector, &city, &settings, theme, &mut frame);
                map::controls_ui(ui, &settings, theme, &mut commands);

                // Where the selected feature's handles are, for next frame's press test.
                let selected_camera = match &selection {
                    Some(Selection::Camera(id)) => ops.camera(id),
                    _ => None,
                };
                if let Some(c) = selected_camera {
                    handles.marker = Some(map::ops::screen(projector, c.pos));
                    if projector.zoom() >= map::ops::WEDGE_ZOOM {
                        handles.heading = Some(map::ops::heading_handle(projector, c));
                    }
                } else if let Some(Selection::Post(id)) = &selection
                    && let Some(p) = ops.post(id)
                {
                    handles.marker = Some(map::ops::screen(projector, p.pos));
                }

                let pointer = response
                    .hover_pos()
                    .or_else(|| response.interact_pointer_pos());
                if let (Some(kind), Some(p)) = (drag, pointer) {
                    if response.dragged() || response.is_pointer_button_down_on() {
                        let continues = !drag_started;
                        match kind {
                            DragKind::Move => {
                                commands.push(Command::MoveSelected {
                                    to: map::ops::geo(projector, p),
                                    continues,
                                });
                            }
                            DragKind::Heading => {
                                if let Some(c) = selected_camera {
                                    let from = map::ops::screen(projector, c.pos);
                                    let heading =
                                        f64::from((p.x - from.x).atan2(from.y - p.y).to_degrees());
                                    commands.push(Command::SetSelectedHeading {
                                        heading_deg: heading,
                                        continues,
                                    });
                                }
                            }
                        }
                    }
                } else if response.clicked()
                    && let Some(p) = response.interact_pointer_pos()
                {
                    let at = map::ops::geo(projector, p);
                    match (edit_mode, tool) {
                        (true, Some(Tool::AddCamera)) => commands.push(Command::AddCamera(at)),
                        (true, Some(Tool::AddPost)) => commands.push(Command::AddPost(at)),
                        _ => {
                            let hit = map::live::hit_test(projector, feed, p)
                                .or_else(|| map::ops::hit_test(projector, ops, &settings, p));
                            // A planner clicks places: rings from the point, not the beat
                            // around it (the point's inspector names its beat).
                            let hit =
                                hit.filter(|h| !(planning_on && matches!(h, Selection::Beat(_))));
                            commands
                                .push(Command::Select(Some(hit.unwrap_or(Selection::Point(at)))));
                        }
                    }
                } else if let Some(p) = response.hover_pos()
                    && let Some(hit) = map::ops::hit_test(projector, ops, &settings, p)
                {
                    response
                        .clone()
                        .on_hover_text_at_pointer(map::ops::describe(ops, &hit, settings.lang));
                }
            });
        self.commands.extend(commands);
        self.handles = handles;
        self.last_map_frame = frame;
        self.last_ops_drawn = ops_drawn;

        let stats = self
            .basemap
            .stats(self.settings.theme, self.settings.render);
        if self.first_complete_frame.is_none()
            && settings.show_basemap
            && !self.fit_pending
            && stats.requested_last_frame > 0
            && stats.missing_last_frame == 0
        {
            let took = self.started.elapsed();
            self.first_complete_frame = Some(took);
            eprintln!(
                "onemap: first complete map frame {:.2} s after start ({} tiles)",
                took.as_secs_f64(),
                stats.requested_last_frame
            );
        }
    }
}

impl eframe::App for OneMapApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        OneMapApp::logic(self, ctx);
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        OneMapApp::ui(self, ui);
    }
}
