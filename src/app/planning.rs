//! The planner's part of the console: settings and results of live planning, its side-panel
//! section, the coverage table, export, and the rings and gap layer on the map.

use egui::{Color32, Pos2, RichText, Shape, Stroke, Ui};
use onemap_core::coord::LonLat;
use onemap_core::routing::coverage::CoverageRow;
use onemap_core::routing::{Direction, Mode};
use walkers::Projector;

use super::{Command, OneMapApp, Selection};
use crate::map::ops::screen;
use crate::planner::{LIMITS_S, PlanOutput, PlanRequest, Planner, PlannerEvent};
use crate::ui::i18n::{Lang, T, tr};
use crate::ui::theme::UiTheme;

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
    /// Index into [`LIMITS_S`] for the gap layer and the table.
    pub limit: usize,
    pub table_open: bool,
    pub sort: CoverageSort,
    pub descending: bool,
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
        }
    }
}

#[derive(Default)]
pub struct PlanState {
    pub settings: PlanSettings,
    pub planner: Option<Planner>,
    /// Road nodes and graph build time, once the worker has the graph.
    pub ready: Option<(usize, f64)>,
    pub output: Option<Box<PlanOutput>>,
    /// The last request sent (its id is the one to wait for).
    pub last_request: Option<PlanRequest>,
    pub status: Option<(String, bool)>,
    pub export_dir: std::path::PathBuf,
}

impl PlanState {
    /// Whether the newest request has been answered.
    pub fn is_current(&self) -> bool {
        match (&self.last_request, &self.output) {
            (Some(r), Some(o)) => r.id == o.id,
            _ => false,
        }
    }
}

pub fn mode_label(lang: Lang, mode: Mode) -> &'static str {
    tr(
        lang,
        match mode {
            Mode::Car => T::ModeCar,
            Mode::Motorbike => T::ModeMotorbike,
            Mode::EBike => T::ModeEBike,
            Mode::Foot => T::ModeFoot,
        },
    )
}

fn minutes(k: usize) -> f64 {
    f64::from(LIMITS_S[k]) / 60.0
}

impl OneMapApp {
    /// Take the worker's results and send a new request if what should be shown changed.
    /// Never waits.
    pub(super) fn update_plan(&mut self) {
        let Some(planner) = &mut self.plan.planner else {
            return;
        };
        while let Ok(event) = planner.events.try_recv() {
            match event {
                PlannerEvent::Ready { nodes, build_ms } => {
                    self.plan.ready = Some((nodes, build_ms))
                }
                PlannerEvent::Output(o) => {
                    if self.plan.output.as_ref().is_none_or(|old| o.id > old.id) {
                        self.plan.output = Some(o);
                    }
                }
                PlannerEvent::Dispatch(o) => {
                    if self
                        .dispatch
                        .output
                        .as_ref()
                        .is_none_or(|old| o.id > old.id)
                    {
                        self.dispatch.output = Some(o);
                    }
                }
            }
        }
        let s = &self.plan.settings;
        if !s.enabled || self.plan.ready.is_none() {
            return;
        }
        let layers = &self.ops.layers;
        let posts: Vec<(String, LonLat)> = layers
            .posts
            .iter()
            .map(|p| (format!("{} {}", p.id, p.name), p.pos))
            .collect();
        let ring_origins = match &self.selection {
            Some(Selection::Post(id)) => self
                .ops
                .post(id)
                .map(|p| vec![(format!("{} {}", p.id, p.name), p.pos)]),
            Some(Selection::Station(id)) => layers
                .stations
                .iter()
                .find(|st| &st.id == id)
                .map(|st| vec![(format!("{} {}", st.id, st.name), st.pos)]),
            Some(Selection::Point(p)) => Some(vec![(p.to_string(), *p)]),
            Some(Selection::Unit(id)) => self
                .feed
                .state
                .units
                .get(id)
                .map(|u| vec![(u.call_sign.clone(), u.position.lonlat())]),
            Some(Selection::Incident(id)) => self
                .feed
                .state
                .incidents
                .get(id)
                .map(|i| vec![(format!("{} {}", i.id, i.address), i.location.lonlat())]),
            _ => None,
        }
        .unwrap_or_else(|| posts.clone());
        // A unit's rings are its own: by its way of travelling.
        let ring_mode = match &self.selection {
            Some(Selection::Unit(id)) => self
                .feed
                .state
                .units
                .get(id)
                .map_or(s.mode, |u| u.kind.travel_mode()),
            _ => s.mode,
        };
        let request = PlanRequest {
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
        };
        let same = self.plan.last_request.as_ref().is_some_and(|last| {
            PlanRequest {
                id: 0,
                ..last.clone()
            } == request
        });
        if !same {
            let id = planner.request(request.clone());
            self.plan.last_request = Some(PlanRequest { id, ..request });
        }
    }

    pub(super) fn apply_plan_settings(&mut self, settings: PlanSettings) {
        if settings.enabled && !self.plan.settings.enabled {
            // Planning moves posts: dragging needs edit mode.
            self.edit_mode = true;
        }
        self.plan.settings = settings;
    }

    pub(super) fn export_plan(&mut self) {
        let lang = self.settings.lang;
        let result = (|| -> anyhow::Result<std::path::PathBuf> {
            let Some(out) = &self.plan.output else {
                anyhow::bail!("nothing computed yet");
            };
            let dir = self.plan.export_dir.clone();
            std::fs::create_dir_all(&dir)?;
            let minutes_list: Vec<f64> = (0..LIMITS_S.len()).map(minutes).collect();
            if let Ok(rings) = &out.rings {
                crate::ops::write_atomically(
                    &dir.join("rings.geojson"),
                    &crate::plan::rings_geojson(&minutes_list, out.mode, &rings.polygons),
                )?;
            }
            if let Some(Ok(cov)) = &out.coverage {
                crate::ops::write_atomically(
                    &dir.join("coverage.csv"),
                    &crate::plan::coverage_csv(
                        &minutes_list,
                        &self.ops.layers.beats,
                        &cov.beats,
                        &cov.city,
                    ),
                )?;
                crate::ops::write_atomically(
                    &dir.join("gaps.geojson"),
                    &crate::plan::gaps_geojson(minutes(cov.gap_limit), &cov.gaps, cov.gap_km),
                )?;
            }
            Ok(std::fs::canonicalize(&dir).unwrap_or(dir))
        })();
        self.plan.status = Some(match result {
            Ok(dir) => (
                format!("{} {}", tr(lang, T::Exported), dir.display()),
                false,
            ),
            Err(err) => (format!("{}: {err:#}", tr(lang, T::ExportFailed)), true),
        });
    }

    pub(super) fn planning_ui(&mut self, ui: &mut Ui, theme: &UiTheme) {
        let lang = self.settings.lang;
        let mut s = self.plan.settings.clone();
        ui.label(RichText::new(tr(lang, T::Planning)).strong());
        ui.checkbox(&mut s.enabled, tr(lang, T::PlannerOn));
        if s.enabled {
            egui::ComboBox::from_label(tr(lang, T::TravelMode))
                .selected_text(mode_label(lang, s.mode))
                .show_ui(ui, |ui| {
                    for m in Mode::ALL {
                        ui.selectable_value(&mut s.mode, m, mode_label(lang, m));
                    }
                });
            ui.horizontal(|ui| {
                ui.label(tr(lang, T::Turnout));
                ui.add(
                    egui::DragValue::new(&mut s.turnout_s)
                        .range(0.0..=300.0)
                        .speed(1.0),
                );
            });
            ui.checkbox(&mut s.show_rings, tr(lang, T::Rings));
            ui.checkbox(&mut s.reverse, tr(lang, T::ReverseRings))
                .on_hover_text(tr(lang, T::ReverseRingsHint));
            if s.show_rings {
                for k in 0..LIMITS_S.len() {
                    ring_swatch(
                        ui,
                        theme.ring_fill[k],
                        theme.ring_line[k],
                        &format!("≤ {} {}", minutes(k), tr(lang, T::Minutes)),
                    );
                }
            }
            ui.horizontal(|ui| {
                ui.checkbox(&mut s.show_gaps, tr(lang, T::GapLayer));
            });
            ui.horizontal(|ui| {
                for k in 0..LIMITS_S.len() {
                    ui.selectable_value(
                        &mut s.limit,
                        k,
                        format!("{} {}", minutes(k), tr(lang, T::Minutes)),
                    );
                }
            });
            self.plan_figures_ui(ui, theme);
            ui.horizontal(|ui| {
                if ui.button(tr(lang, T::CoverageTable)).clicked() {
                    s.table_open = true;
                }
                if ui.button(tr(lang, T::ExportPlan)).clicked() {
                    self.push(Command::ExportPlan);
                }
            });
            if let Some((text, error)) = &self.plan.status {
                let colour = if *error {
                    theme.problem
                } else {
                    theme.muted_text
                };
                ui.label(RichText::new(text).small().color(colour));
            }
        }
        if s != self.plan.settings {
            self.push(Command::SetPlan(s));
        }
    }

    fn plan_figures_ui(&self, ui: &mut Ui, theme: &UiTheme) {
        let lang = self.settings.lang;
        let Some((nodes, _)) = self.plan.ready else {
            ui.label(RichText::new(tr(lang, T::GraphLoading)).color(theme.muted_text));
            return;
        };
        let Some(out) = &self.plan.output else {
            return;
        };
        match &out.rings {
            Ok(rings) => {
                let origin = self
                    .plan
                    .last_request
                    .as_ref()
                    .map(|r| {
                        if r.ring_origins.len() == 1 {
                            r.ring_origins[0].0.clone()
                        } else {
                            tr(lang, T::AllPosts).to_owned()
                        }
                    })
                    .unwrap_or_default();
                ui.label(RichText::new(format!("{}{origin}", tr(lang, T::RingsFor))).small());
                for s in &rings.skipped {
                    ui.label(
                        RichText::new(format!("{} — {s}", tr(lang, T::NotPlaced)))
                            .small()
                            .color(theme.status_warn),
                    );
                }
            }
            Err(e) => {
                ui.label(RichText::new(e).small().color(theme.problem));
            }
        }
        if let Some(Ok(cov)) = &out.coverage {
            egui::Grid::new("city_coverage")
                .num_columns(4)
                .show(ui, |ui| {
                    ui.label(RichText::new(tr(lang, T::CityWide)).small().strong());
                    for key in [T::RoadShare, T::AddressShare, T::DemandShare] {
                        ui.label(RichText::new(tr(lang, key)).small());
                    }
                    ui.end_row();
                    for k in 0..LIMITS_S.len() {
                        let (r, a, d) = cov.city.shares(k);
                        ui.label(
                            RichText::new(format!("≤ {} {}", minutes(k), tr(lang, T::Minutes)))
                                .small(),
                        );
                        for v in [r, a, d] {
                            ui.label(
                                RichText::new(format!("{:.1} %", v * 100.0))
                                    .small()
                                    .monospace(),
                            );
                        }
                        ui.end_row();
                    }
                });
            if self.plan.settings.show_gaps {
                ui.label(
                    RichText::new(format!(
                        "{:.1} {} (> {} {})",
                        cov.gap_km,
                        tr(lang, T::GapKm),
                        minutes(cov.gap_limit),
                        tr(lang, T::Minutes)
                    ))
                    .small()
                    .color(theme.gap_line),
                );
            }
        }
        ui.label(
            RichText::new(format!(
                "{nodes} {} · {} {:.1} ms",
                tr(lang, T::GraphReady),
                tr(lang, T::ComputedIn),
                out.compute_ms
            ))
            .small()
            .color(theme.muted_text),
        );
    }

    /// The coverage table, sortable by any column; a row selects its beat.
    pub(super) fn coverage_window(&mut self, ctx: &egui::Context) {
        if !self.plan.settings.enabled || !self.plan.settings.table_open {
            return;
        }
        let lang = self.settings.lang;
        let mut open = true;
        let mut s = self.plan.settings.clone();
        let mut commands = Vec::new();
        egui::Window::new(tr(lang, T::CoverageTable))
            .open(&mut open)
            .default_size([520.0, 460.0])
            .show(ctx, |ui| {
                let Some(Ok(cov)) = self.plan.output.as_ref().and_then(|o| o.coverage.as_ref())
                else {
                    ui.label(tr(lang, T::GraphLoading));
                    return;
                };
                let k = cov.gap_limit.min(LIMITS_S.len() - 1);
                ui.label(format!(
                    "{} {} {} · {}",
                    minutes(k),
                    tr(lang, T::WithinMinutes),
                    mode_label(lang, s.mode),
                    tr(lang, T::CityWide)
                ));
                let beats = &self.ops.layers.beats;
                let mut rows: Vec<(usize, &CoverageRow)> = cov.beats.iter().enumerate().collect();
                let key = |row: &CoverageRow| -> f64 {
                    let (r, a, d) = row.shares(k);
                    match s.sort {
                        CoverageSort::Beat | CoverageSort::Roads => r,
                        CoverageSort::RoadKm => row.road_m,
                        CoverageSort::Addresses => a,
                        CoverageSort::Demand => d,
                    }
                };
                if s.sort == CoverageSort::Beat {
                    rows.sort_by(|x, y| {
                        beats
                            .get(x.0)
                            .map(|b| &b.name)
                            .cmp(&beats.get(y.0).map(|b| &b.name))
                    });
                } else {
                    rows.sort_by(|x, y| key(x.1).total_cmp(&key(y.1)));
                }
                if s.descending {
                    rows.reverse();
                }
                egui::ScrollArea::vertical().show(ui, |ui| {
                    egui::Grid::new("coverage_table")
                        .striped(true)
                        .num_columns(5)
                        .show(ui, |ui| {
                            for (col, label) in [
                                (CoverageSort::Beat, tr(lang, T::Beats)),
                                (CoverageSort::RoadKm, tr(lang, T::Kilometres)),
                                (CoverageSort::Roads, tr(lang, T::RoadShare)),
                                (CoverageSort::Addresses, tr(lang, T::AddressShare)),
                                (CoverageSort::Demand, tr(lang, T::DemandShare)),
                            ] {
                                let arrow = match (s.sort == col, s.descending) {
                                    (true, false) => " ▲",
                                    (true, true) => " ▼",
                                    _ => "",
                                };
                                if ui.button(format!("{label}{arrow}")).clicked() {
                                    if s.sort == col {
                                        s.descending = !s.descending;
                                    } else {
                                        s.sort = col;
                                        s.descending = false;
                                    }
                                }
                            }
                            ui.end_row();
                            for (i, row) in rows {
                                let Some(beat) = beats.get(i) else { continue };
                                if ui.link(format!("{} {}", beat.id, beat.name)).clicked() {
                                    commands.push(Command::Select(Some(Selection::Beat(
                                        beat.id.clone(),
                                    ))));
                                }
                                let (r, a, d) = row.shares(k);
                                ui.monospace(format!("{:.2}", row.road_m / 1000.0));
                                for v in [r, a, d] {
                                    ui.monospace(format!("{:5.1} %", v * 100.0));
                                }
                                ui.end_row();
                            }
                        });
                });
            });
        if !open {
            s.table_open = false;
        }
        if s != self.plan.settings {
            commands.push(Command::SetPlan(s));
        }
        self.commands.extend(commands);
    }
}

/// Rings (filled bands and outlines) and the gap layer, under the markers.
pub fn draw(painter: &egui::Painter, projector: &Projector<'_>, plan: &PlanState, theme: &UiTheme) {
    let s = &plan.settings;
    let Some(out) = plan.output.as_ref().filter(|_| s.enabled) else {
        return;
    };
    let clip = painter.clip_rect().expand(50.0);
    if s.show_rings
        && let Ok(rings) = &out.rings
    {
        let mut mesh = egui::Mesh::default();
        for &(sw, ne, band) in &rings.runs {
            let (a, b) = (screen(projector, sw), screen(projector, ne));
            let rect = egui::Rect::from_two_pos(a, b);
            if !clip.intersects(rect) {
                continue;
            }
            let colour = theme.ring_fill[usize::from(band.clamp(1, 3)) - 1];
            mesh.add_colored_rect(rect, colour);
        }
        painter.add(Shape::mesh(mesh));
        for (k, polys) in rings.polygons.iter().enumerate().rev() {
            let stroke = Stroke::new(if k == 0 { 2.0 } else { 1.5 }, theme.ring_line[k.min(2)]);
            for ring in polys.iter().flatten() {
                let pts: Vec<Pos2> = ring.iter().map(|p| screen(projector, *p)).collect();
                painter.add(Shape::closed_line(pts, stroke));
            }
        }
    }
    if s.show_gaps
        && let Some(Ok(cov)) = &out.coverage
    {
        let width = if projector.zoom() < 13.0 { 1.3 } else { 2.4 };
        let stroke = Stroke::new(width, theme.gap_line);
        for [a, b] in &cov.gaps {
            let (pa, pb) = (screen(projector, *a), screen(projector, *b));
            if clip.contains(pa) || clip.contains(pb) {
                painter.line_segment([pa, pb], stroke);
            }
        }
    }
}

/// A swatch for the legend.
pub fn ring_swatch(ui: &mut Ui, colour: Color32, line: Color32, text: &str) {
    ui.horizontal(|ui| {
        let (rect, _) = ui.allocate_exact_size(egui::vec2(22.0, 14.0), egui::Sense::hover());
        ui.painter().rect_filled(rect, 2.0, colour);
        ui.painter()
            .rect_stroke(rect, 2.0, Stroke::new(1.5, line), egui::StrokeKind::Inside);
        ui.label(text);
    });
}
