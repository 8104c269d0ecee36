//! The coverage table: per beat, the share of roads, addresses and demand reached within the
//! chosen limit, with the change from the baseline while posts are edited; sortable by any
//! column; a row selects its beat and flies to it.

use onemap_core::routing::coverage::CoverageRow;

use super::planning::{mode_label, share_with_delta};
use crate::frame::Frame;
use crate::model::CoverageSort;
use crate::model::{Command, Selection};
use crate::state::plan::minutes;
use crate::ui::i18n::{T, tr};
use crate::workers::routing::LIMITS_S;

/// The coverage table, sortable by any column; a row selects its beat and flies to it.
pub fn coverage_window(ctx: &egui::Context, f: &Frame<'_>) {
    let plan = &f.state.plan;
    if !plan.settings.enabled || !plan.settings.table_open {
        return;
    }
    let lang = f.lang();
    let mut open = true;
    let mut s = plan.settings.clone();
    egui::Window::new(tr(lang, T::CoverageTable))
        .open(&mut open)
        .default_size([520.0, 460.0])
        .show(ctx, |ui| {
            let Some(Ok(cov)) = plan.output.as_ref().and_then(|o| o.coverage.as_ref()) else {
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
            let beats = &f.state.ops.layers.beats;
            let base = plan
                .baseline
                .as_ref()
                .filter(|b| b.mode == s.mode && b.beats.len() == cov.beats.len());
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
                                f.send(Command::Select(Some(Selection::Beat(beat.id.clone()))));
                                // And the map shows the whole beat.
                                let b = onemap_core::coord::BBox::from_points(
                                    beat.rings.iter().flatten().copied(),
                                );
                                f.send(Command::FitPoints(vec![b.min, b.max]));
                            }
                            let (r, a, d) = row.shares(k);
                            ui.monospace(format!("{:.2}", row.road_m / 1000.0));
                            let was = base.and_then(|b| b.beats.get(i)).map(|b| {
                                let (r, a, d) = b.shares(k);
                                [r, a, d]
                            });
                            for (c, v) in [r, a, d].into_iter().enumerate() {
                                share_with_delta(ui, f, v, was.map(|w| w[c]));
                            }
                            ui.end_row();
                        }
                    });
            });
        });
    if !open {
        s.table_open = false;
    }
    if s != plan.settings {
        f.send(Command::SetPlan(s));
    }
}
