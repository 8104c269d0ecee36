//! The window while the city opens: the phase and how far it is, instead of a blank wait.
//! The city is opened on a thread (`cli::console`); this app shows its progress and, once it
//! is there, builds the console and hands every frame to it. A failure closes the window and is
//! kept for the terminal ([`Opening::failure`]).

use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use egui::{Align2, Color32, RichText, Ui};

use super::OneMapApp;
use crate::city::{City, Phase};
use crate::ui::i18n::{Lang, T, tr};
use crate::ui::theme::ThemeKind;

/// Where the opening stands: written by the opening thread, read by the window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Progress {
    pub phase: Option<Phase>,
    /// Share of the phase done, 0 to 1.
    pub done: f32,
}

/// What makes the console once the city is open.
pub type BuildApp = Box<dyn FnOnce(&egui::Context, Arc<City>) -> anyhow::Result<OneMapApp>>;

/// The window's app until the city is open, then the console itself.
pub struct Opening {
    lang: Lang,
    name: String,
    started: Instant,
    progress: Arc<Mutex<Progress>>,
    city: Receiver<anyhow::Result<Arc<City>>>,
    build: Option<BuildApp>,
    app: Option<OneMapApp>,
    failure: Arc<Mutex<Option<anyhow::Error>>>,
}

impl Opening {
    /// The window's app from its first frame; the console's fonts and theme are installed
    /// now, so the progress is in the user's language and colours.
    #[allow(clippy::too_many_arguments)] // each is one thing the opening window shows or hands on
    pub fn new(
        ctx: &egui::Context,
        theme: ThemeKind,
        lang: Lang,
        name: String,
        started: Instant,
        progress: Arc<Mutex<Progress>>,
        city: Receiver<anyhow::Result<Arc<City>>>,
        build: BuildApp,
    ) -> Self {
        super::install_fonts(ctx);
        super::apply_visuals(ctx, theme);
        Self {
            lang,
            name,
            started,
            progress,
            city,
            build: Some(build),
            app: None,
            failure: Arc::new(Mutex::new(None)),
        }
    }

    /// Where a failure to open the city (or to start the console on it) is left for the
    /// caller, once the window has closed.
    pub fn failure(&self) -> Arc<Mutex<Option<anyhow::Error>>> {
        self.failure.clone()
    }

    /// The console, once the city is open.
    pub fn app(&self) -> Option<&OneMapApp> {
        self.app.as_ref()
    }

    fn fail(&mut self, ctx: &egui::Context, err: anyhow::Error) {
        if let Ok(mut slot) = self.failure.lock() {
            *slot = Some(err);
        }
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    }

    fn poll(&mut self, ctx: &egui::Context) {
        match self.city.try_recv() {
            Ok(Ok(city)) => {
                if let Some(build) = self.build.take() {
                    match build(ctx, city) {
                        Ok(app) => self.app = Some(app),
                        Err(err) => self.fail(ctx, err),
                    }
                }
            }
            Ok(Err(err)) => self.fail(ctx, err),
            Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Disconnected) => {
                if self.build.is_some() {
                    self.build = None;
                    self.fail(
                        ctx,
                        anyhow::anyhow!("opening the city stopped without a result"),
                    );
                }
            }
        }
    }

    fn progress_ui(&self, ui: &mut Ui) {
        let now = self.progress.lock().map(|p| *p).unwrap_or_default();
        let lang = self.lang;
        let rect = ui.max_rect();
        ui.painter().rect_filled(rect, 0.0, ui.visuals().panel_fill);
        let width = 520.0f32.min(rect.width() - 40.0);
        egui::Area::new(egui::Id::unique("opening"))
            .anchor(Align2::CENTER_CENTER, egui::Vec2::ZERO)
            .show(ui.ctx(), |ui| {
                ui.set_width(width);
                ui.vertical_centered(|ui| {
                    ui.label(RichText::new(tr(lang, T::AppTitle)).size(28.0).strong());
                    ui.add_space(6.0);
                    ui.label(RichText::new(&self.name).size(16.0));
                    ui.add_space(18.0);
                    let phase = now.phase.map_or(T::OpeningCity, phase_text);
                    ui.label(RichText::new(tr(lang, phase)).size(18.0));
                    ui.add_space(8.0);
                    let done = now.done.clamp(0.0, 1.0);
                    ui.add(
                        egui::ProgressBar::new(done)
                            .desired_width(width)
                            .text(format!("{:.0} %", done * 100.0)),
                    );
                    ui.add_space(8.0);
                    ui.label(
                        RichText::new(format!(
                            "{} {:.1} s",
                            tr(lang, T::OpeningElapsed),
                            self.started.elapsed().as_secs_f64()
                        ))
                        .color(Color32::GRAY),
                    );
                    ui.add_space(4.0);
                    ui.label(RichText::new(tr(lang, T::OpeningFirstStart)).color(Color32::GRAY));
                });
            });
    }
}

fn phase_text(phase: Phase) -> T {
    match phase {
        Phase::Reading => T::PhaseReading,
        Phase::Importing => T::PhaseImporting,
        Phase::Basemap => T::PhaseBasemap,
        Phase::Writing => T::PhaseWriting,
        Phase::Layers => T::PhaseLayers,
    }
}

impl eframe::App for Opening {
    fn logic(&mut self, ctx: &egui::Context, frame: &mut eframe::Frame) {
        if self.app.is_none() {
            self.poll(ctx);
        }
        match &mut self.app {
            Some(app) => eframe::App::logic(app, ctx, frame),
            None => ctx.request_repaint_after(Duration::from_millis(100)),
        }
    }

    fn ui(&mut self, ui: &mut Ui, frame: &mut eframe::Frame) {
        match &mut self.app {
            Some(app) => eframe::App::ui(app, ui, frame),
            None => self.progress_ui(ui),
        }
    }
}
