//! The planner's section of the side panel: mode, turnout, rings and gap options, the
//! city-wide coverage figures, and the buttons for the table and the export.

use egui::{Color32, RichText, Stroke, Ui};
use onemap_core::routing::Mode;

use crate::frame::Frame;
use crate::model::Command;
use crate::state::plan::{Baseline, minutes};
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
        ui.checkbox(&mut s.shade_beats, tr(lang, T::ShadeBeats));
        if s.shade_beats {
            shade_legend(ui, f, s.limit);
        }
        plan_figures_ui(ui, f);
        suggest_ui(ui, f, &mut s);
        ui.horizontal_wrapped(|ui| {
            if ui.button(tr(lang, T::CoverageTable)).clicked() {
                s.table_open = true;
            }
            if ui.button(tr(lang, T::SetBaseline)).clicked() {
                f.send(Command::SetPlanBaseline);
            }
        });
        export_ui(ui, f);
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

/// Green for a rise, red for a fall.
fn delta_colour(f: &Frame<'_>, d: f64) -> Color32 {
    if d > 0.0 {
        f.theme.status_ok
    } else {
        f.theme.problem
    }
}

/// A change from the baseline, percentage points: "+3.4" in green, "−1.0" in red, nothing
/// when there is none.
pub fn delta_label(ui: &mut Ui, f: &Frame<'_>, delta: Option<f64>) {
    let Some(d) = delta else {
        ui.label("");
        return;
    };
    ui.label(
        RichText::new(format!("{d:+.1}"))
            .small()
            .monospace()
            .color(delta_colour(f, d)),
    );
}

/// "61.2 %", and "(+3.4)" in green or "(−1.0)" in red when it moved from the baseline.
pub fn share_with_delta(ui: &mut Ui, f: &Frame<'_>, now: f64, before: Option<f64>) {
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 2.0;
        ui.label(RichText::new(format!("{:.1} %", now * 100.0)).monospace());
        if let Some(d) = before.and_then(|b| Baseline::delta(now, b)) {
            ui.label(
                RichText::new(format!("({d:+.1})"))
                    .small()
                    .monospace()
                    .color(delta_colour(f, d)),
            );
        }
    });
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
                let base = plan.baseline.as_ref().filter(|b| b.mode == out.mode);
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
                    // The change from the baseline, under the figures, when there is one.
                    let Some((br, ba, bd)) = base.map(|b| b.city.shares(k)) else {
                        continue;
                    };
                    let deltas =
                        [(r, br), (a, ba), (d, bd)].map(|(now, was)| Baseline::delta(now, was));
                    if deltas.iter().all(Option::is_none) {
                        continue;
                    }
                    ui.label(RichText::new("Δ").small().color(theme.muted_text));
                    for d in deltas {
                        delta_label(ui, f, d);
                    }
                    ui.end_row();
                }
            });
        if plan
            .baseline
            .as_ref()
            .is_some_and(|b| (0..LIMITS_S.len()).any(|k| b.city.shares(k) != cov.city.shares(k)))
        {
            ui.label(
                RichText::new(tr(lang, T::BaselineNote))
                    .small()
                    .color(theme.muted_text),
            );
        }
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

/// The beat shading's classes.
fn shade_legend(ui: &mut Ui, f: &Frame<'_>, limit: usize) {
    let lang = f.lang();
    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new(tr(lang, T::ShadeLegend).replace("{m}", &format!("{}", minutes(limit))))
                .small(),
        );
        for (k, text) in ["< 50 %", "50–80 %", "≥ 80 %"].into_iter().enumerate() {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(14.0, 10.0), egui::Sense::hover());
            ui.painter()
                .rect_filled(rect, 2.0, crate::map::layers::beat_shade::legend_colour(k));
            ui.label(RichText::new(text).small());
        }
    });
}

/// New posts where they add most coverage within 3 minutes, each accepted with a click.
fn suggest_ui(ui: &mut Ui, f: &Frame<'_>, s: &mut crate::model::PlanSettings) {
    let (lang, theme) = (f.lang(), f.theme);
    ui.horizontal(|ui| {
        let label = ui.label(tr(lang, T::SuggestPosts));
        ui.add(egui::DragValue::new(&mut s.suggest).range(0..=10))
            .labelled_by(label.id);
    });
    if s.suggest == 0 {
        return;
    }
    let plan = &f.state.plan;
    let Some(view) = plan.output.as_ref().and_then(|o| o.suggested.as_ref()) else {
        ui.label(
            RichText::new(tr(lang, T::GraphLoading))
                .small()
                .color(theme.muted_text),
        );
        return;
    };
    ui.label(
        RichText::new(
            tr(lang, T::SuggestedHead)
                .replace("{a}", &format!("{:.1} %", view.before * 100.0))
                .replace("{b}", &format!("{:.1} %", view.after * 100.0)),
        )
        .small(),
    );
    if view.sites.is_empty() {
        ui.label(
            RichText::new(tr(lang, T::SuggestNone))
                .small()
                .color(theme.muted_text),
        );
    }
    for (k, (at, gain)) in view.sites.iter().enumerate() {
        ui.horizontal(|ui| {
            let text = tr(lang, T::SuggestedSite)
                .replace("{k}", &(k + 1).to_string())
                .replace("{n}", &format!("{gain:.0}"));
            if ui.link(RichText::new(text).small()).clicked() {
                f.send(Command::FlyTo(*at));
            }
            let accept = ui.small_button(tr(lang, T::AcceptSite));
            if accept.clicked() {
                if !f.state.edit_mode {
                    f.send(Command::SetEditMode(true));
                }
                f.send(Command::AddPost(*at));
            }
        });
    }
}

/// The export folder (typed or pasted) and the export button.
fn export_ui(ui: &mut Ui, f: &Frame<'_>) {
    let lang = f.lang();
    let plan = &f.state.plan;
    ui.horizontal(|ui| {
        let label = ui.label(RichText::new(tr(lang, T::ExportFolder)).small());
        let mut dir = plan.export_dir.display().to_string();
        let edit = ui
            .add(egui::TextEdit::singleline(&mut dir).desired_width(170.0))
            .labelled_by(label.id);
        if edit.changed() {
            f.send(Command::SetPlanExportDir(dir.into()));
        }
    });
    if ui.button(tr(lang, T::ExportPlan)).clicked() {
        f.send(Command::ExportPlan);
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
