//! The console application: state, `logic()` (applies commands) and `ui()` (draws, emits
//! commands). The UI never mutates application state directly; it pushes a [`Command`] that
//! the next `logic()` applies.

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{FontData, FontDefinitions, FontFamily, RichText, Ui};
use onemap_core::coord::{LonLat, mercator};
use walkers::{Map, MapMemory, lon_lat};

use crate::basemap::Basemap;
use crate::basemap::render::RenderOptions;
use crate::basemap::sources::TileSourceSpec;
use crate::basemap::text::FONT_BYTES;
use crate::city::City;
use crate::map::{self, MapFrame};
use crate::ui::i18n::{Lang, T, tr};
use crate::ui::theme::{ThemeKind, UiTheme, ui_theme};

/// Everything the UI can ask for.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    SetLang(Lang),
    SetTheme(ThemeKind),
    SetBasemapVisible(bool),
    SetRenderOptions(RenderOptions),
    SetStationsVisible(bool),
    ZoomIn,
    ZoomOut,
    /// Fit the whole city into the map.
    Home,
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
    pub show_stations: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            lang: Lang::Zh,
            theme: ThemeKind::Day,
            show_basemap: true,
            render: RenderOptions::default(),
            show_stations: true,
        }
    }
}

pub struct AppOptions {
    pub tiles: TileSourceSpec,
    /// Root of the on-disk tile cache; `None` keeps rendered tiles in memory only.
    pub tile_cache: Option<std::path::PathBuf>,
    pub settings: Settings,
    pub clock: Clock,
    /// When the process started, for the "first complete frame" figure.
    pub started: Instant,
    pub tile_workers: usize,
    /// Open on this centre and zoom instead of fitting the whole city.
    pub initial_view: Option<(LonLat, f64)>,
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            tiles: TileSourceSpec::Rendered,
            tile_cache: None,
            settings: Settings::default(),
            clock: Clock::System,
            started: Instant::now(),
            tile_workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            initial_view: None,
        }
    }
}

pub struct OneMapApp {
    pub city: Arc<City>,
    pub settings: Settings,
    basemap: Basemap,
    map_memory: MapMemory,
    commands: Vec<Command>,
    clock: Clock,
    started: Instant,
    /// Size of the map widget last frame, for "fit city".
    map_size: egui::Vec2,
    fit_pending: bool,
    pub first_complete_frame: Option<Duration>,
    /// What the map drew last frame (for the status bar and tests).
    pub last_map_frame: MapFrame,
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
        Ok(Self {
            city,
            settings: options.settings,
            basemap,
            map_memory,
            commands: Vec::new(),
            clock: options.clock,
            started: options.started,
            map_size: egui::Vec2::ZERO,
            fit_pending: options.initial_view.is_none(),
            first_complete_frame: None,
            last_map_frame: MapFrame::default(),
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

    fn apply(&mut self, ctx: &egui::Context, command: Command) {
        match command {
            Command::SetLang(lang) => self.settings.lang = lang,
            Command::SetTheme(theme) => {
                self.settings.theme = theme;
                apply_visuals(ctx, theme);
            }
            Command::SetBasemapVisible(v) => self.settings.show_basemap = v,
            Command::SetRenderOptions(o) => self.settings.render = o,
            Command::SetStationsVisible(v) => self.settings.show_stations = v,
            Command::ZoomIn => {
                let _ = self.map_memory.zoom_in();
            }
            Command::ZoomOut => {
                let _ = self.map_memory.zoom_out();
            }
            Command::Home => self.fit_city(),
        }
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
        for command in std::mem::take(&mut self.commands) {
            self.apply(ctx, command);
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
            .exact_size(250.0)
            .show(ui, |ui| self.layers_ui(ui, &theme));
        egui::CentralPanel::no_frame().show(ui, |ui| self.map_ui(ui, &theme));
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
                let switch = self.tr(T::SwitchLanguage);
                if ui.button(switch).clicked() {
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
                ui.label(RichText::new(self.tr(T::FeedDisconnected)).color(theme.muted_text));
                ui.label(RichText::new("●").color(theme.status_off));
            });
        });
    }

    // -----------------------------------------------------------------------------------------
    // Layer panel

    fn layers_ui(&mut self, ui: &mut Ui, theme: &UiTheme) {
        ui.add_space(4.0);
        ui.heading(self.tr(T::Layers));
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
        ui.label(RichText::new(self.tr(T::Overlays)).strong());
        let mut stations = self.settings.show_stations;
        if ui.checkbox(&mut stations, self.tr(T::Stations)).changed() {
            self.push(Command::SetStationsVisible(stations));
        }
        ui.separator();
        ui.label(RichText::new(self.tr(T::Legend)).strong());
        for (kind, colour, key) in map::station_legend(theme) {
            ui.horizontal(|ui| {
                let (rect, _) =
                    ui.allocate_exact_size(egui::vec2(18.0, 18.0), egui::Sense::hover());
                map::station_icon(
                    ui.painter(),
                    rect.center(),
                    kind,
                    colour,
                    theme,
                    self.settings.lang,
                );
                ui.label(self.tr(key));
            });
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
        let centre = self.city.osm.bounds.center();
        let my_position = lon_lat(centre.lon, centre.lat);
        let settings = self.settings.clone();
        let tiles = settings
            .show_basemap
            .then(|| self.basemap.tiles(settings.theme, settings.render));
        let mut frame = MapFrame::default();
        let mut commands = Vec::new();
        let city = self.city.clone();
        Map::new(tiles, &mut self.map_memory, my_position)
            .zoom_with_ctrl(false)
            .double_click_to_zoom(true)
            .show(ui, |ui, response, projector, _memory| {
                map::overlays_ui(ui, response, projector, &city, &settings, theme, &mut frame);
                map::controls_ui(ui, &settings, theme, &mut commands);
            });
        self.commands.extend(commands);
        self.last_map_frame = frame;

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
