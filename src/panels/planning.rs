//! The planner's section of the side panel: mode, turnout, rings and gap options, the
//! city-wide coverage figures, and the buttons for the table and the export.

use egui::{Color32, RichText, Stroke, Ui};
use onemap_core::routing::Mode;

use crate::frame::Frame;
use crate::model::Command;
use crate::state::plan::minutes;
use crate::ui::i18n::{Lang, T, tr};
use crate::workers::routing::{LIMITS_S, PlanError, Skipped};

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

/// "未能放置 — P-12：…" in the UI's language: which post, and why it is off the network.
pub fn skipped_text(lang: Lang, s: &Skipped) -> String {
    use onemap_core::routing::SnapError;
    let mode =
        |m: &str| Mode::from_name(m).map_or(m.to_owned(), |m| mode_label(lang, m).to_owned());
    let why = match &s.error {
        SnapError::OutsideData(_) => tr(lang, T::SnapOutside).to_owned(),
        SnapError::NoRoadNear { mode: m, max_m, .. } => tr(lang, T::SnapNoRoad)
            .replace("{mode}", &mode(m))
            .replace("{m}", &format!("{max_m:.0}")),
        SnapError::Disconnected {
            mode: m,
            near_m,
            max_m,
            ..
        } => tr(lang, T::SnapDisconnected)
            .replace("{mode}", &mode(m))
            .replace("{near}", &format!("{near_m:.0}"))
            .replace("{m}", &format!("{max_m:.0}")),
    };
    let colon = if lang == Lang::Zh { "：" } else { ": " };
    format!("{} — {}{colon}{why}", tr(lang, T::NotPlaced), s.name)
}

pub fn planning_ui(ui: &mut Ui, f: &Frame<'_>) {
    let (lang, theme) = (f.lang(), f.theme);
    let plan = &f.state.plan;
    let mut s = plan.settings.clone();
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
            let label = ui.label(tr(lang, T::Turnout));
            ui.add(
                egui::DragValue::new(&mut s.turnout_s)
                    .range(0.0..=300.0)
                    .speed(1.0),
            )
            .labelled_by(label.id);
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
        plan_figures_ui(ui, f);
        ui.horizontal_wrapped(|ui| {
            if ui.button(tr(lang, T::CoverageTable)).clicked() {
                s.table_open = true;
            }
            if ui.button(tr(lang, T::ExportPlan)).clicked() {
                f.send(Command::ExportPlan);
            }
        });
        if let Some((text, error)) = &plan.status {
            let colour = if *error {
                theme.problem
            } else {
                theme.muted_text
            };
            ui.label(RichText::new(text).small().color(colour));
        }
    }
    if s != plan.settings {
        f.send(Command::SetPlan(s));
    }
}

fn plan_figures_ui(ui: &mut Ui, f: &Frame<'_>) {
    let (lang, theme) = (f.lang(), f.theme);
    let plan = &f.state.plan;
    let Some((nodes, _)) = plan.ready else {
        ui.label(RichText::new(tr(lang, T::GraphLoading)).color(theme.muted_text));
        return;
    };
    let Some(out) = &plan.output else {
        return;
    };
    match &out.rings {
        Ok(rings) => {
            let origin = plan
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
                    RichText::new(skipped_text(lang, s))
                        .small()
                        .color(theme.status_warn),
                );
            }
        }
        Err(PlanError::NotPlaced(skipped)) => {
            for s in skipped {
                ui.label(
                    RichText::new(skipped_text(lang, s))
                        .small()
                        .color(theme.problem),
                );
            }
        }
        Err(PlanError::Failed(e)) => {
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
                        RichText::new(format!("≤ {} {}", minutes(k), tr(lang, T::Minutes))).small(),
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
        if plan.settings.show_gaps {
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
