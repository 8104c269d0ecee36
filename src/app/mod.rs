//! The app shell: owns the state and the IO around it (the feed link, the routing worker, the
//! tile workers, the map's view) and runs the frame.
//!
//! `logic()` reads the one clock, turns keys into commands, applies every command (to the
//! state, the view, a worker, a file or the feed server), takes what the workers and the feed
//! sent, and asks the workers for what the screen now needs. `ui()` lays the frame out with
//! a read-only [`Frame`]; panels and layers can only send commands.

mod history;
pub mod opening;
mod wall;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{FontData, FontDefinitions, FontFamily, Ui};
use onemap_core::coord::LonLat;
use onemap_core::feed::lifecycle::{Acknowledge, Dispatch};
use onemap_core::feed::wire::{AuditAction, AuditNote};
use onemap_core::feed::{ClientMessage, Command as FeedCommand, ShownUnit};
use onemap_feed::clock::Clock;

use crate::basemap::Basemap;
use crate::basemap::sources::TileSourceSpec;
use crate::basemap::text::{FONT_BYTES, system_cjk_font};
use crate::city::City;
use crate::frame::{CommandSink, Frame, ViewInfo};
use crate::layouts::console;
use crate::live::{FeedSource, LiveLink};
use crate::map::MapView;
use crate::map::layer::Drawn;
use crate::map::overlays::MapFrame;
use crate::model::{Command, Selection, Settings};
use crate::ops::OpState;
use crate::state::dispatch::dispatch_request;
use crate::state::plan::plan_request;
use crate::state::{AppState, ViewChange};
use crate::ui::i18n::{T, tr};
use crate::ui::theme::{ThemeKind, ui_theme};
use crate::workers::routing::{PlanRequest, Planner, PlannerEvent};

pub struct AppOptions {
    pub tiles: TileSourceSpec,
    /// Root of the on-disk tile cache; `None` keeps rendered tiles in memory only.
    pub tile_cache: Option<PathBuf>,
    /// Operational layer files; `None` generates sample layers from the city.
    pub layers_dir: Option<PathBuf>,
    /// Where generated layers are saved when edited.
    pub generated_layers_dir: PathBuf,
    pub settings: Settings,
    /// The one clock: the frame's time, staleness, deadlines.
    pub clock: Clock,
    /// When the process started, for the "first complete frame" figure.
    pub started: Instant,
    pub tile_workers: usize,
    /// Open on this centre and zoom instead of fitting the whole city.
    pub initial_view: Option<(LonLat, f64)>,
    /// Start the routing worker (road graph, rings, coverage, dispatch).
    pub planner: bool,
    /// Open with planner mode on.
    pub plan_on_start: bool,
    /// Open with this many new posts suggested (planner mode on).
    pub suggest_on_start: usize,
    /// Open drawing this patrol route (its id).
    pub patrol_on_start: Option<String>,
    /// Where the planner's export writes its files.
    pub plan_export_dir: PathBuf,
    /// Travel speeds for rings and coverage.
    pub speeds: onemap_core::routing::Speeds,
    /// The live feed: off, the embedded simulator, or an external server.
    pub feed: FeedSource,
    /// Run as the wall display with this layout.
    pub wall: Option<crate::wall::WallLayout>,
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            tiles: TileSourceSpec::Rendered,
            tile_cache: None,
            layers_dir: None,
            generated_layers_dir: PathBuf::from("layers-generated"),
            settings: Settings::default(),
            clock: Clock::system(),
            started: Instant::now(),
            tile_workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            initial_view: None,
            planner: true,
            plan_on_start: false,
            suggest_on_start: 0,
            patrol_on_start: None,
            plan_export_dir: PathBuf::from("plan-export"),
            speeds: onemap_core::routing::Speeds::default(),
            feed: FeedSource::Off,
            wall: None,
        }
    }
}

pub struct OneMapApp {
    pub state: AppState,
    pub map: MapView,
    link: LiveLink,
    routing: Option<Planner>,
    basemap: Basemap,
    sink: CommandSink,
    clock: Clock,
    /// The frame's time (epoch ms), read once per frame in `logic()`.
    now_ms: i64,
    started: Instant,
    view: ViewInfo,
    pub first_complete_frame: Option<Duration>,
    last_chime_ms: i64,
    /// Wakes the UI (export threads).
    repaint: egui::Context,
    /// A statistics export on its way: its path and outcome.
    export_job: Option<std::sync::mpsc::Receiver<(PathBuf, anyhow::Result<()>)>>,
}

impl std::ops::Deref for OneMapApp {
    type Target = AppState;

    fn deref(&self) -> &AppState {
        &self.state
    }
}

/// Register the CJK fonts as fallbacks for every text style: the system's full CJK font when
/// one is installed, then the embedded GB2312 subset.
pub fn install_fonts(ctx: &egui::Context) {
    let mut fonts = FontDefinitions::default();
    let mut names = Vec::new();
    if let Some(sys) = system_cjk_font() {
        let mut data = FontData::from_static(sys.bytes);
        data.index = sys.index;
        fonts.font_data.insert("system_cjk".into(), Arc::new(data));
        names.push("system_cjk");
    }
    fonts.font_data.insert(
        "noto_sans_sc".into(),
        Arc::new(FontData::from_static(FONT_BYTES)),
    );
    names.push("noto_sans_sc");
    for family in [FontFamily::Proportional, FontFamily::Monospace] {
        let list = fonts.families.entry(family).or_default();
        list.extend(names.iter().map(|n| (*n).to_owned()));
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
        let map = MapView::new(city.bounds, options.initial_view);
        let ops = OpState::open(
            options.layers_dir.as_deref(),
            &city.bounds,
            || city.sample_layers(),
            options.generated_layers_dir,
        );
        for problem in &ops.problems {
            eprintln!("onemap: layer problem: {problem}");
        }
        let repaint = ctx.clone();
        let (link, live) = LiveLink::start(&options.feed, &city, &options.clock, move || {
            repaint.request_repaint();
        });
        let routing = options.planner.then(|| {
            let repaint = ctx.clone();
            Planner::start(
                city.clone(),
                ops.layers.beats.clone(),
                options.speeds,
                move || repaint.request_repaint(),
            )
        });
        let mut settings = options.settings;
        if let Some(layout) = &options.wall {
            // The wall: live layers and station districts only, no cameras, beat outlines,
            // posts or stations; symbols sized
            // for the farthest viewer (the smallest map text is 10 points on a console).
            settings.show_beats = true; // as station districts (the beats layer)
            settings.show_cameras = false;
            settings.show_posts = false;
            settings.show_stations = false;
            settings.alert_sound = false;
            settings.map_scale = layout.min_text_pt(layout.resolution[1] as f32) / 10.0;
            // (kept to the screen's points in `step_wall`, whatever the display's scaling)
        }
        let mut state = AppState::new(city, settings, ops, live);
        state.wall = options.wall.map(|layout| crate::wall::WallState {
            layout,
            rotation: crate::wall::Rotation {
                since_ms: options.clock.now_ms(),
                ..Default::default()
            },
            ..Default::default()
        });
        if state.wall.is_some() {
            // The cards' figures of the day, and the period's heat map whatever view is up.
            state.history.today.on = true;
            state.history.analysis.keep_fresh = true;
        }
        state.plan.settings.enabled = options.plan_on_start || options.suggest_on_start > 0;
        state.plan.settings.suggest = options.suggest_on_start.min(10);
        // Planning moves posts: `--plan` turns editing on too, so a drag moves a post.
        state.edit_mode |= state.plan.settings.enabled;
        state.plan.export_dir = options.plan_export_dir;
        if let Some(id) = &options.patrol_on_start {
            match state.patrol.routes.iter().position(|r| &r.id == id) {
                Some(i) => {
                    state
                        .patrol
                        .apply(crate::state::patrol::PatrolEdit::Choose(i));
                    state.tool = Some(crate::model::Tool::Patrol);
                    state.edit_mode = true;
                }
                None => state.patrol.problems.push(format!(
                    "--patrol {id}: no such route in {}",
                    state.patrol.path.display()
                )),
            }
        }
        let now_ms = options.clock.now_ms();
        Ok(Self {
            state,
            map,
            link,
            routing,
            basemap,
            sink: CommandSink::default(),
            clock: options.clock,
            now_ms,
            started: options.started,
            view: ViewInfo::default(),
            first_complete_frame: None,
            last_chime_ms: i64::MIN / 2,
            repaint: ctx.clone(),
            export_job: None,
        })
    }

    /// The app's clock (tests move a fake one).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The basemap's tiles: in memory (at most `MAX_TEXTURES`), pending, failed.
    pub fn tile_stats(&mut self) -> crate::basemap::tiles::TileStats {
        let settings = &self.state.settings;
        self.basemap.stats(settings.theme, settings.render)
    }

    /// Queue a command for the next `logic()` (tests, tools).
    pub fn push(&mut self, command: Command) {
        self.sink.send(command);
    }

    pub fn zoom(&self) -> f64 {
        self.map.zoom()
    }

    pub fn centre(&self) -> LonLat {
        self.map.centre()
    }

    pub fn handle_positions(&self) -> (Option<egui::Pos2>, Option<egui::Pos2>) {
        self.map.handle_positions()
    }

    /// What the map drew last frame.
    pub fn last_map_frame(&self) -> &MapFrame {
        &self.map.last_frame
    }

    pub fn last_ops_drawn(&self) -> &Drawn {
        &self.map.last_drawn
    }

    /// Stop the embedded feed server (tests: a server that disappears).
    pub fn stop_embedded_server(&mut self) {
        self.link.stop_embedded_server();
    }

    /// Carry out one command.
    fn apply(&mut self, ctx: &egui::Context, command: Command) {
        let now = self.now_ms;
        match command {
            Command::ZoomIn
            | Command::ZoomOut
            | Command::Home
            | Command::FlyTo(_)
            | Command::FitPoints(_) => {
                self.map.apply(&command);
            }
            Command::SetTheme(theme) => {
                apply_visuals(ctx, theme);
                self.state.apply(command);
            }
            Command::Send(c) => {
                self.send_command(c);
            }
            Command::WallShow(view) => {
                self.link.wall_show(&mut self.state.live, view, now);
            }
            Command::CreateCall => {
                let sent = self
                    .state
                    .intake
                    .as_ref()
                    .filter(|f| f.missing().is_none() && f.sending.is_none())
                    .and_then(|f| f.create(now));
                if let Some(c) = sent {
                    let id = self.send_command(c);
                    if let Some(form) = &mut self.state.intake {
                        form.sending = id;
                    }
                }
            }
            Command::LinkCall(incident) => {
                let link = self
                    .state
                    .intake
                    .as_ref()
                    .filter(|f| f.sending.is_none())
                    .map(|f| f.link(&incident));
                if let Some(c) = link {
                    let id = self.send_command(c);
                    if let Some(form) = &mut self.state.intake {
                        form.sending = id;
                    }
                }
            }
            Command::DispatchChosen if self.state.replaying() => {
                let kind = "dispatch";
                let text = crate::live::NoticeText::Replaying { kind };
                self.state.live.notify(false, text, now);
            }
            Command::DispatchChosen => {
                if let (Some(inc), Some((unit, rank))) =
                    (self.state.selected_incident(), self.state.chosen_unit())
                {
                    // Show where the unit comes from and where it goes.
                    let mut both = vec![inc.location.lonlat()];
                    both.extend(
                        self.state
                            .live
                            .feed
                            .units
                            .get(&unit)
                            .map(|u| u.position.lonlat()),
                    );
                    let c = FeedCommand::Dispatch(Dispatch {
                        incident_id: inc.id.clone(),
                        unit_id: unit,
                        rank: Some(rank),
                    });
                    self.send_command(c);
                    self.state.dispatch.chosen = None;
                    self.map.fit_points(&both);
                }
            }
            Command::Acknowledge(id) => {
                // The server's: who and when, seen by every console, in the audit log.
                let c = FeedCommand::Acknowledge(Acknowledge { incident_id: id });
                self.send_command(c);
            }
            Command::RefreshAudit => {
                let q = crate::state::dispatch::audit_query(&self.state.dispatch.audit_filter, now);
                let _ = self.link.query(ClientMessage::AuditQuery(q));
            }
            Command::ExportAudit => self.export_audit(),
            Command::Save => {
                let saved = self.state.ops.save();
                if saved.is_ok() {
                    // The posts as saved are what coverage is compared with from now.
                    self.state.plan.posts_saved();
                }
                let tr = |k| self.state.tr(k);
                let status = match saved {
                    Ok(dir) => (format!("{} {}", tr(T::Saved), dir.display()), false),
                    Err(err) => (format!("{}: {err:#}", tr(T::SaveFailed)), true),
                };
                self.state.status = Some(status);
            }
            Command::ExportPlan => crate::export::export_plan(&mut self.state),
            Command::SavePatrols => crate::export::save_patrols(&mut self.state),
            Command::ExportPatrol => crate::export::export_patrol(&mut self.state),
            Command::Replay(r) => self.replay(r),
            Command::ExportStats(kind) => self.export_stats(kind),
            other => match self.state.apply(other) {
                ViewChange::FlyTo(p, zoom) => self.map.fly_to(p, zoom),
                ViewChange::Fit(points) => self.map.fit_points(&points),
                ViewChange::None => {}
            },
        }
    }

    /// Write the audit page shown to the path the user chose; the outcome stays in the
    /// window (a failure in red).
    fn export_audit(&mut self) {
        let (Some(page), Some(path)) = (
            &self.state.live.audit,
            self.state.dispatch.audit_export_path.clone(),
        ) else {
            return;
        };
        let path = PathBuf::from(path.trim());
        let text = onemap_feed::store::sqlite::audit_csv(&page.entries);
        let written = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, text));
        let shown = path.display().to_string();
        let lang = self.state.settings.lang;
        let d = &mut self.state.dispatch;
        d.audit_saved = Some(match written {
            Ok(()) => {
                d.audit_export_path = None;
                (tr(lang, T::AuditSaved).replace("{p}", &shown), false)
            }
            Err(e) => (
                tr(lang, T::AuditSaveFailed)
                    .replace("{p}", &shown)
                    .replace("{e}", &e.to_string()),
                true,
            ),
        });
    }

    /// Take the routing worker's answers, and ask it for what the screen needs now.
    fn update_routing(&mut self) {
        let Some(routing) = &mut self.routing else {
            return;
        };
        // (at most the worker's few queued results)
        let events: Vec<PlannerEvent> = routing.events.try_iter().collect();
        for event in events {
            match event {
                PlannerEvent::Ready { nodes, build_ms } => {
                    self.state.plan.ready = Some((nodes, build_ms));
                }
                PlannerEvent::Output(o) => self.state.plan.take_output(o),
                PlannerEvent::Dispatch(o) => self.state.dispatch.take_output(o, self.now_ms),
                PlannerEvent::LiveCoverage(c, ms) => self.take_live_coverage(*c, ms),
                PlannerEvent::Patrol(laid) => self.state.patrol.take(*laid),
                PlannerEvent::Assigned(laid) => self.state.patrol.assigned = Some(*laid),
                PlannerEvent::AutoPlanned(answer) => self.state.patrol.auto.take(*answer),
            }
        }
        let Some(routing) = &mut self.routing else {
            return;
        };
        if let Some(request) = plan_request(&self.state) {
            let same = self.state.plan.last_request.as_ref().is_some_and(|last| {
                PlanRequest {
                    id: 0,
                    ..last.clone()
                } == request
            });
            if !same {
                let id = routing.request(request.clone());
                self.state.plan.last_request = Some(PlanRequest { id, ..request });
                if self.state.ops.unsaved == 0 {
                    self.state.plan.saved_request = Some(id);
                }
            }
        }
        if let Some(request) = crate::state::patrol::patrol_request(&mut self.state) {
            routing.patrol(request);
        }
        if let Some((key, route)) = crate::state::patrol::assigned_request(&mut self.state) {
            routing.assigned(key, route);
        }
        if let Some(request) = self.state.patrol.auto.wanted.take() {
            routing.auto_plan(request);
        }
        // A chosen unit that someone else sent is no longer a choice.
        let units = &self.state.live.feed.units;
        if let Some(id) = &self.state.dispatch.chosen
            && units
                .get(id)
                .is_none_or(|u| u.status != onemap_core::feed::UnitStatus::Available)
        {
            self.state.dispatch.chosen = None;
        }
        if let Some((key, request)) = dispatch_request(&self.state, self.now_ms) {
            let d = &mut self.state.dispatch;
            d.last_key = Some(key);
            d.last_at_ms = Some(self.now_ms);
            routing.dispatch(request);
        }
    }

    /// Write the ranked list to the server's audit log once per list that changes.
    fn log_recommendation(&mut self) {
        let Some((incident, ids)) = self.state.unlogged_recommendation() else {
            return;
        };
        let Some(out) = self.state.recommendation() else {
            return;
        };
        let units = out
            .recommendation
            .ranked
            .iter()
            .map(|r| ShownUnit {
                unit_id: out.responders[r.index].id.as_str().into(),
                eta_s: (f64::from(r.eta_s) * 10.0).round() / 10.0,
            })
            .collect();
        if self.state.live.may("audit").is_err() {
            // A role that cannot dispatch is not shown a recommendation it acts on.
            return;
        }
        let note = ClientMessage::Audit(AuditNote {
            action: AuditAction::Recommendation,
            incident_id: Some(incident.clone()),
            units,
        });
        if self.link.send(note).is_ok() {
            let feed = &self.state.live.feed;
            let logged = &mut self.state.dispatch.logged;
            logged.retain(|id, _| feed.incidents.get(id).is_some_and(|i| i.status.is_open()));
            logged.insert(incident, ids);
        }
    }

    /// A new P1: the chime (if on, at most one per few seconds) and the window asks for
    /// attention.
    fn sound_alert(&mut self, ctx: &egui::Context) {
        if self.state.live.alert_due.take().is_none() {
            return;
        }
        if self.state.settings.alert_sound
            && self.now_ms - self.last_chime_ms >= crate::workers::alert::MIN_GAP_MS
        {
            self.last_chime_ms = self.now_ms;
            crate::workers::alert::sound();
        }
        ctx.send_viewport_cmd(egui::ViewportCommand::RequestUserAttention(
            egui::UserAttentionType::Critical,
        ));
    }

    /// Apply queued commands and take what arrived. Called before every `ui()`.
    pub fn logic(&mut self, ctx: &egui::Context) {
        self.now_ms = self.clock.now_ms();
        self.map.before_frame();
        if self.state.wall.is_none() {
            for c in console::keys(ctx, &self.state) {
                self.sink.send(c);
            }
        }
        let revision = self.state.ops.revision;
        let selection = self.state.selection.clone();
        for command in self.sink.take() {
            self.apply(ctx, command);
        }
        if self.state.ops.revision != revision || self.state.selection != selection {
            self.state.related = self.state.compute_related();
            if !self.state.search_query.is_empty() {
                self.state.refresh_search();
            }
        }
        self.update_routing();
        self.log_recommendation();
        // Live feed: apply what arrived, within a budget so a burst never stalls a frame.
        let live_budget = Duration::from_millis(4);
        if self
            .link
            .drain(&mut self.state.live, self.now_ms, live_budget)
        {
            if matches!(
                self.state.selection,
                Some(Selection::Unit(_) | Selection::Incident(_))
            ) {
                self.state.related = self.state.compute_related();
            }
            self.state
                .dispatch
                .forget_closed(&self.state.live.feed.incidents);
            ctx.request_repaint();
        }
        self.step_wall(ctx);
        self.update_history();
        self.ask_timeline();
        self.state.settle_intake();
        self.sound_alert(ctx);
        if self.link.is_on() {
            ctx.request_repaint_after(Duration::from_millis(250));
        }
        let settings = &self.state.settings;
        self.basemap.begin_frame(settings.theme, settings.render);
        self.view = ViewInfo {
            zoom: self.map.zoom(),
            cursor: self.map.last_frame.cursor,
            tiles: self.basemap.stats(settings.theme, settings.render),
            rendered_basemap: self.basemap.is_rendered(),
        };
        // The clock in the top bar ticks.
        ctx.request_repaint_after(Duration::from_millis(500));
    }

    pub fn ui(&mut self, ui: &mut Ui) {
        let theme = ui_theme(self.state.settings.theme);
        let settings = self.state.settings.clone();
        let tiles = settings
            .show_basemap
            .then(|| self.basemap.tiles(settings.theme, settings.render));
        let frame = Frame::new(&self.state, self.now_ms, &theme, &self.view, &self.sink);
        let commands = match &self.state.wall {
            Some(wall) => crate::layouts::wall::wall_ui(ui, &frame, wall, &mut self.map, tiles),
            None => console::console_ui(ui, &frame, &mut self.map, tiles),
        };
        for c in commands {
            self.sink.send(c);
        }
        if !self.sink.is_empty() {
            ui.ctx().request_repaint();
        }
        self.note_first_complete_frame();
    }

    fn note_first_complete_frame(&mut self) {
        let settings = &self.state.settings;
        let stats = self.basemap.stats(settings.theme, settings.render);
        if self.first_complete_frame.is_none()
            && settings.show_basemap
            && !self.map.fit_pending()
            && stats.requested_last_frame > 0
            && stats.missing_last_frame == 0
        {
            let took = self.started.elapsed();
            self.first_complete_frame = Some(took);
            self.state.city.ready_for_background.open();
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
