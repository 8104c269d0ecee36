//! The statistics window: the period's figures from the log with 环比 and 同比 (a zero base
//! shows "—"), incidents per day and per hour by category, response times against the
//! per-priority targets, the hot spots and the counts by beat; exports to CSV and a one-page
//! briefing (PNG, PDF). It covers the period ending at the moment shown (now, or the
//! replayed moment).

use egui::{Color32, RichText, Ui};
use egui_plot::{Bar, BarChart, Legend, Line, Plot, PlotPoints, Points};
use onemap_core::feed::Category;
use onemap_core::feed::period::{Comparison, change_pct};
use onemap_core::heat::HotSpot;

use super::top_bar::local_time;
use crate::frame::Frame;
use crate::model::{AnalysisSettings, Command, StatsExport};
use crate::ui::i18n::T;
use crate::ui::labels::category_label;
use crate::ui::theme::CATEGORY_COLOURS;

/// The periods offered, days.
pub const PERIODS: [(u32, T); 3] = [(1, T::LastDay), (7, T::LastWeek), (30, T::LastMonth)];

/// The period's length, the heat map and the categories: shared by the side panel and this
/// window.
pub fn analysis_controls_ui(ui: &mut Ui, f: &Frame<'_>) {
    let s = f.state.history.analysis.settings;
    ui.horizontal_wrapped(|ui| {
        ui.label(f.tr(T::Period));
        for (days, label) in PERIODS {
            if ui.selectable_label(s.days == days, f.tr(label)).clicked() {
                f.send(Command::SetAnalysis(AnalysisSettings { days, ..s }));
            }
        }
    });
    ui.horizontal_wrapped(|ui| {
        for (k, c) in Category::ALL.iter().enumerate() {
            let mut on = s.categories[k];
            let text = RichText::new(category_label(f.lang(), *c)).color(CATEGORY_COLOURS[k]);
            if ui.checkbox(&mut on, text).changed() {
                let mut categories = s.categories;
                categories[k] = on;
                f.send(Command::SetAnalysis(AnalysisSettings { categories, ..s }));
            }
        }
    });
}

/// A change in percent with its sign, or "—" when the base was zero.
pub fn ratio_text(f: &Frame<'_>, v: Option<f64>) -> String {
    v.map_or_else(|| f.tr(T::NoRatio).to_owned(), |v| format!("{v:+.1}%"))
}

pub fn stats_window(ctx: &egui::Context, f: &Frame<'_>) {
    let a = &f.state.history.analysis;
    if !a.stats_open {
        return;
    }
    let mut open = true;
    egui::Window::new(f.tr(T::Statistics))
        .id(egui::Id::unique("stats_window"))
        .open(&mut open)
        .default_size([780.0, 660.0])
        .default_pos([300.0, 90.0])
        .show(ctx, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| stats_ui(ui, f));
        });
    if !open {
        f.send(Command::OpenStats(false));
    }
}

fn stats_ui(ui: &mut Ui, f: &Frame<'_>) {
    let a = &f.state.history.analysis;
    analysis_controls_ui(ui, f);
    if let Some(w) = a.window {
        ui.label(
            RichText::new(
                f.tr(T::BriefingPeriod)
                    .replace("{a}", &local_time(w.from_ms, "%Y-%m-%d %H:%M"))
                    .replace("{b}", &local_time(w.to_ms, "%Y-%m-%d %H:%M")),
            )
            .color(f.theme.muted_text),
        );
    }
    if !f.state.live.is_on() {
        ui.label(RichText::new(f.tr(T::StatsNeedsFeed)).color(f.theme.status_warn));
        return;
    }
    if let Some(e) = &a.failed {
        ui.label(RichText::new(f.tr(T::StatsFailed).replace("{e}", e)).color(f.theme.problem));
    }
    if a.truncated {
        let n = onemap_core::feed::history::MAX_INCIDENTS_PAGE.to_string();
        ui.label(
            RichText::new(f.tr(T::StatsTruncated).replace("{n}", &n)).color(f.theme.status_warn),
        );
    }
    let Some(figures) = &a.figures else {
        ui.label(f.tr(T::StatsLoading));
        return;
    };
    let c = figures.to_comparison();
    figure_cards_ui(ui, f, &c);
    ui.separator();
    if let Some(s) = &a.series {
        ui.label(RichText::new(f.tr(T::PerDay)).strong());
        let days: Vec<String> = s
            .day_starts_ms
            .iter()
            .map(|d| local_time(*d, "%m-%d"))
            .collect();
        stacked_plot(ui, f, "per_day", &s.per_day, move |x| {
            days.get(x.round() as usize).cloned().unwrap_or_default()
        });
        ui.label(RichText::new(f.tr(T::PerHour)).strong());
        stacked_plot(ui, f, "per_hour", &s.per_hour, |x| {
            format!("{:02}", x.round() as i64)
        });
    }
    ui.label(RichText::new(f.tr(T::ResponseVsTarget)).strong());
    response_plot(ui, f, &c);
    ui.separator();
    ui.columns(2, |cols| {
        hot_spots_ui(&mut cols[0], f);
        by_beat_ui(&mut cols[1], f);
    });
    ui.separator();
    export_ui(ui, f);
}

fn figure_cards_ui(ui: &mut Ui, f: &Frame<'_>, c: &Comparison) {
    ui.horizontal_wrapped(|ui| {
        card(
            ui,
            f,
            f.tr(T::TotalIncidents),
            &c.current.incidents.to_string(),
        );
        card(
            ui,
            f,
            f.tr(T::VsPrevious),
            &ratio_text(f, c.count_vs_previous()),
        );
        card(ui, f, f.tr(T::VsWeek), &ratio_text(f, c.count_vs_week()));
        card(ui, f, f.tr(T::VsYear), &ratio_text(f, c.count_vs_year()));
    });
    ui.horizontal_wrapped(|ui| {
        for p in 0..4 {
            let now = c.current.by_priority[p] as f64;
            let before = c.previous.by_priority[p] as f64;
            ui.label(format!(
                "P{} {}（{} {}）",
                p + 1,
                now,
                f.tr(T::VsPrevious),
                ratio_text(f, change_pct(now, before))
            ));
        }
    });
}

fn card(ui: &mut Ui, f: &Frame<'_>, title: &str, value: &str) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_min_width(150.0);
        ui.vertical(|ui| {
            ui.label(RichText::new(title).color(f.theme.muted_text));
            ui.label(RichText::new(value).size(24.0).strong());
        });
    });
}

/// Stacked bars by category over `rows` (one row per x).
fn stacked_plot(
    ui: &mut Ui,
    f: &Frame<'_>,
    id: &str,
    rows: &[[usize; 9]],
    x_label: impl Fn(f64) -> String + 'static,
) {
    let mut charts: Vec<BarChart> = Vec::new();
    for (k, c) in Category::ALL.iter().enumerate() {
        if !f.state.history.analysis.settings.categories[k] {
            continue;
        }
        let bars = rows
            .iter()
            .enumerate()
            .map(|(x, r)| {
                Bar::new(x as f64, r[k] as f64)
                    .width(0.8)
                    .fill(CATEGORY_COLOURS[k])
            })
            .collect();
        let chart = BarChart::new(category_label(f.lang(), *c), bars).color(CATEGORY_COLOURS[k]);
        let below: Vec<&BarChart> = charts.iter().collect();
        let chart = chart.stack_on(&below);
        charts.push(chart);
    }
    // The category toggles above, in the same colours, are the legend.
    Plot::new(id.to_owned())
        .height(170.0)
        .allow_scroll(false)
        .allow_zoom(false)
        .allow_drag(false)
        .include_y(0.0)
        .x_axis_formatter(move |m, _| x_label(m.value))
        .show(ui, |p| {
            for c in charts {
                p.bar_chart(c);
            }
        });
}

/// Median bars per priority for call → dispatch and dispatch → arrival, their p90 as
/// points, and each priority's target as a line.
fn response_plot(ui: &mut Ui, f: &Frame<'_>, c: &Comparison) {
    let d = &c.current;
    let bars = |durations: &[onemap_core::feed::Durations; 4], dx: f64, fill: Color32| {
        (0..4)
            .map(|p| {
                Bar::new(p as f64 + 1.0 + dx, durations[p].median_s)
                    .width(0.3)
                    .fill(fill)
            })
            .collect::<Vec<Bar>>()
    };
    let p90 = |durations: &[onemap_core::feed::Durations; 4], dx: f64| -> Vec<[f64; 2]> {
        (0..4)
            .filter(|&p| durations[p].count > 0)
            .map(|p| [p as f64 + 1.0 + dx, durations[p].p90_s])
            .collect()
    };
    let targets = f.state.settings.targets_s;
    let (c2d, d2a) = (
        Color32::from_rgb(31, 119, 180),
        Color32::from_rgb(255, 127, 14),
    );
    let median = f.tr(T::Median);
    Plot::new("response")
        .height(180.0)
        .legend(Legend::default())
        // Room on the right for the legend.
        .include_x(0.4)
        .include_x(6.8)
        .allow_scroll(false)
        .allow_zoom(false)
        .allow_drag(false)
        .include_y(0.0)
        .x_axis_formatter(|m, _| {
            let p = m.value.round();
            if (1.0..=4.0).contains(&p) && (m.value - p).abs() < 0.01 {
                format!("P{p}")
            } else {
                String::new()
            }
        })
        .show(ui, |p| {
            let name = |k| format!("{} {median}", f.tr(k));
            p.bar_chart(
                BarChart::new(
                    name(T::CallToDispatch),
                    bars(&d.call_to_dispatch, -0.17, c2d),
                )
                .color(c2d),
            );
            p.bar_chart(
                BarChart::new(
                    name(T::DispatchToArrival),
                    bars(&d.dispatch_to_arrival, 0.17, d2a),
                )
                .color(d2a),
            );
            let p90_name = f.tr(T::P90);
            p.points(
                Points::new(p90_name, p90(&d.call_to_dispatch, -0.17))
                    .radius(4.0)
                    .color(c2d),
            );
            p.points(
                Points::new(p90_name, p90(&d.dispatch_to_arrival, 0.17))
                    .radius(4.0)
                    .color(d2a),
            );
            for (k, t) in targets.iter().enumerate() {
                let x = k as f64 + 1.0;
                let y = *t as f64;
                p.line(
                    Line::new(
                        f.tr(T::TargetLine),
                        PlotPoints::from(vec![[x - 0.4, y], [x + 0.4, y]]),
                    )
                    .color(f.theme.problem)
                    .width(2.0),
                );
            }
        });
}

fn hot_spot_row(ui: &mut Ui, f: &Frame<'_>, k: usize, h: &HotSpot) {
    let text = format!(
        "{}. {}  ({} {})",
        k + 1,
        h.count,
        f.tr(T::VsPrevious),
        ratio_text(f, h.change_pct())
    );
    if ui.link(text).clicked() {
        f.send(Command::FlyTo(h.centre));
    }
}

fn hot_spots_ui(ui: &mut Ui, f: &Frame<'_>) {
    let a = &f.state.history.analysis;
    ui.label(RichText::new(f.tr(T::HotSpots)).strong());
    if a.hot_by_count.is_empty() {
        ui.label(f.tr(T::HotNone));
        return;
    }
    ui.label(RichText::new(f.tr(T::HotByCount)).color(f.theme.muted_text));
    for (k, h) in a.hot_by_count.iter().enumerate() {
        hot_spot_row(ui, f, k, h);
    }
    ui.label(RichText::new(f.tr(T::HotByRise)).color(f.theme.muted_text));
    for (k, h) in a.hot_by_rise.iter().enumerate() {
        hot_spot_row(ui, f, k, h);
    }
}

fn by_beat_ui(ui: &mut Ui, f: &Frame<'_>) {
    let a = &f.state.history.analysis;
    let beats = &f.state.ops.layers.beats;
    ui.label(RichText::new(f.tr(T::ByBeat)).strong());
    egui::Grid::new("by_beat")
        .striped(true)
        .num_columns(3)
        .show(ui, |ui| {
            ui.label(RichText::new(f.tr(T::ColBeat)).strong());
            ui.label(RichText::new(f.tr(T::ColCount)).strong());
            ui.label(RichText::new(f.tr(T::ColChange)).strong());
            ui.end_row();
            for &(b, n, p) in a.by_beat.iter().take(15) {
                let Some(beat) = beats.get(b) else { continue };
                if ui.link(&beat.name).clicked() {
                    f.send(Command::Select(Some(crate::model::Selection::Beat(
                        beat.id.clone(),
                    ))));
                }
                ui.monospace(n.to_string());
                ui.monospace(ratio_text(f, change_pct(n as f64, p as f64)));
                ui.end_row();
            }
        });
}

fn export_ui(ui: &mut Ui, f: &Frame<'_>) {
    let a = &f.state.history.analysis;
    ui.horizontal_wrapped(|ui| match &a.export_path {
        None => {
            if ui.button(f.tr(T::ExportTo)).clicked() {
                let name = format!("onemap-stats-{}", local_time(f.now_ms, "%Y%m%d-%H%M"));
                f.send(Command::SetStatsExportPath(Some(name)));
            }
        }
        Some(path) => {
            let mut text = path.clone();
            if ui
                .add(egui::TextEdit::singleline(&mut text).desired_width(260.0))
                .changed()
            {
                f.send(Command::SetStatsExportPath(Some(text)));
            }
            for (kind, label) in [
                (StatsExport::Csv, T::ExportCsv),
                (StatsExport::Png, T::ExportPng),
                (StatsExport::Pdf, T::ExportPdf),
            ] {
                if ui.button(f.tr(label)).clicked() {
                    f.send(Command::ExportStats(kind));
                }
            }
        }
    });
    if let Some((text, failed)) = &a.exported {
        let colour = if *failed {
            f.theme.problem
        } else {
            f.theme.status_ok
        };
        ui.label(RichText::new(text).color(colour));
    }
}
