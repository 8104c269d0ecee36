//! The side panel: search, layers and basemap options, the planner's section, the legend,
//! editing, and the problems found in the layer files.

use egui::{RichText, Ui};
use onemap_core::layers::LayerKind;

use crate::frame::Frame;
use crate::model::{Command, Tool};
use crate::ui::i18n::T;
use crate::ui::labels;

pub fn side_panel_ui(ui: &mut Ui, f: &Frame<'_>) {
    let theme = f.theme;
    let state = f.state;
    ui.add_space(4.0);
    search_ui(ui, f);
    ui.separator();
    // Drawing a patrol: the route and its score lead the panel.
    let drawing = state.tool == Some(Tool::Patrol);
    if drawing {
        super::patrol::patrol_ui(ui, f);
        ui.separator();
    }
    ui.heading(f.tr(T::Layers));
    if state.ops.layers.generated {
        ui.label(
            RichText::new(f.tr(T::GeneratedData))
                .small()
                .color(theme.status_warn),
        );
    }
    let layers = &state.ops.layers;
    for (kind, key, count) in [
        (LayerKind::Beats, T::Beats, layers.beats.len()),
        (LayerKind::Cameras, T::Cameras, layers.cameras.len()),
        (LayerKind::Posts, T::Posts, layers.posts.len()),
        (LayerKind::Stations, T::StationsLayer, layers.stations.len()),
    ] {
        let mut visible = state.settings.layer_visible(kind);
        ui.horizontal(|ui| {
            if ui.checkbox(&mut visible, f.tr(key)).changed() {
                f.send(Command::SetLayerVisible(kind, visible));
            }
            ui.label(
                RichText::new(count.to_string())
                    .small()
                    .color(theme.muted_text),
            );
        });
    }
    if state.live.is_on() {
        live_layers_ui(ui, f);
        ui.add_space(4.0);
        heat_ui(ui, f);
        if state.live.may("wall_show").is_ok() {
            ui.add_space(4.0);
            wall_show_ui(ui, f);
        }
    }
    ui.add_space(4.0);
    basemap_ui(ui, f);
    ui.separator();
    super::planning::planning_ui(ui, f);
    ui.separator();
    if !drawing {
        super::patrol::patrol_ui(ui, f);
        ui.separator();
    }
    egui::CollapsingHeader::new(f.tr(T::Legend))
        .default_open(true)
        .show(ui, |ui| {
            crate::map::legend::legend_ui(ui, theme, f.lang());
            if state.live.is_on() {
                ui.separator();
                crate::map::legend::live_legend_ui(ui, theme, f.lang());
            }
        });
    ui.separator();
    edit_ui(ui, f);
    ui.separator();
    problems_ui(ui, f);
}

fn basemap_ui(ui: &mut Ui, f: &Frame<'_>) {
    let theme = f.theme;
    let settings = &f.state.settings;
    ui.label(RichText::new(f.tr(T::Basemap)).strong());
    let mut show = settings.show_basemap;
    if ui.checkbox(&mut show, f.tr(T::BasemapVisible)).changed() {
        f.send(Command::SetBasemapVisible(show));
    }
    if f.view.rendered_basemap {
        let mut options = settings.render;
        let mut changed = ui
            .checkbox(&mut options.buildings, f.tr(T::Buildings))
            .changed();
        changed |= ui.checkbox(&mut options.labels, f.tr(T::Labels)).changed();
        if changed {
            f.send(Command::SetRenderOptions(options));
        }
        ui.label(
            RichText::new(f.tr(T::SourceRendered))
                .small()
                .color(theme.muted_text),
        );
    } else {
        ui.label(
            RichText::new(f.tr(T::SourceUser))
                .small()
                .color(theme.muted_text),
        );
    }
}

/// The live layers: units by kind (with how many, and how many available), incidents by
/// priority (with how many open), each shown or hidden.
fn live_layers_ui(ui: &mut Ui, f: &Frame<'_>) {
    use crate::map::draw::{priority_colour, unit_glyph};
    use onemap_core::feed::{UnitKind, UnitStatus};
    let (theme, lang) = (f.theme, f.lang());
    let feed = &f.state.shown_feed();
    let settings = &f.state.settings;
    ui.label(RichText::new(f.tr(T::LiveLayers)).strong());
    ui.label(
        RichText::new(f.tr(T::LiveUnits))
            .small()
            .color(theme.muted_text),
    );
    ui.horizontal_wrapped(|ui| {
        for kind in UnitKind::ALL {
            let all = feed.units.values().filter(|u| u.kind == kind).count();
            let free = feed
                .units
                .values()
                .filter(|u| u.kind == kind && u.status == UnitStatus::Available)
                .count();
            let mut on = settings.shows_unit(kind);
            let label = format!(
                "{} {} {free}/{all}",
                unit_glyph(kind, lang),
                labels::unit_kind_label(lang, kind)
            );
            if ui.checkbox(&mut on, label).changed() {
                f.send(Command::SetLiveKind(kind.index(), on));
            }
        }
    });
    ui.label(
        RichText::new(f.tr(T::LiveIncidents))
            .small()
            .color(theme.muted_text),
    );
    ui.horizontal_wrapped(|ui| {
        for p in 1..=4u8 {
            let open = feed.open_incidents().filter(|i| i.priority == p).count();
            let mut on = settings.shows_priority(p);
            let text = RichText::new(format!("P{p} {open}")).color(priority_colour(p, theme));
            if ui.checkbox(&mut on, text).changed() {
                f.send(Command::SetLivePriority(usize::from(p) - 1, on));
            }
        }
    });
}

/// The wall displays' view, for a commander: one of theirs held, or back to their rotation.
fn wall_show_ui(ui: &mut Ui, f: &Frame<'_>) {
    ui.label(
        RichText::new(f.tr(T::CmdWallShow))
            .small()
            .color(f.theme.muted_text),
    );
    ui.horizontal_wrapped(|ui| {
        for (view, key) in [
            ("map", T::WallViewMap),
            ("cards", T::WallViewCards),
            ("figures", T::WallViewFigures),
            ("coverage", T::WallViewCoverage),
            ("ticker", T::WallViewTicker),
            ("heat", T::WallHeatButton),
        ] {
            if ui.small_button(f.tr(key)).clicked() {
                f.send(Command::WallShow(Some(view.to_owned())));
            }
        }
        if ui.small_button(f.tr(T::WallRotation)).clicked() {
            f.send(Command::WallShow(None));
        }
    });
}

/// The heat map: on or off, its period and categories, its legend in incidents per km², and
/// the top hot spots beside it (a click flies there).
fn heat_ui(ui: &mut Ui, f: &Frame<'_>) {
    use crate::ui::theme::heat_colour;
    let a = &f.state.history.analysis;
    let s = a.settings;
    let mut on = s.heat_on;
    if ui
        .checkbox(&mut on, RichText::new(f.tr(T::HeatMap)).strong())
        .changed()
    {
        f.send(Command::SetAnalysis(crate::model::AnalysisSettings {
            heat_on: on,
            ..s
        }));
    }
    if !s.heat_on {
        return;
    }
    super::stats::analysis_controls_ui(ui, f);
    let Some(grid) = &a.grid else {
        ui.label(RichText::new(f.tr(T::StatsLoading)).small());
        return;
    };
    ui.label(
        RichText::new(f.tr(T::HeatLegend))
            .small()
            .color(f.theme.muted_text),
    );
    ui.horizontal(|ui| {
        let (rect, _) = ui.allocate_exact_size(egui::vec2(150.0, 14.0), egui::Sense::hover());
        let steps = 30;
        for k in 0..steps {
            let t = (k as f32 + 0.5) / steps as f32;
            let w = rect.width() / steps as f32;
            let r = egui::Rect::from_min_size(
                rect.min + egui::vec2(w * k as f32, 0.0),
                egui::vec2(w + 0.5, rect.height()),
            );
            ui.painter().rect_filled(r, 0.0, heat_colour(t));
        }
        ui.label(RichText::new(format!("0 – {:.0}", grid.max)).small());
    });
    ui.label(
        RichText::new(f.tr(T::HotSpots))
            .small()
            .color(f.theme.muted_text),
    );
    if a.hot_by_count.is_empty() {
        ui.label(RichText::new(f.tr(T::HotNone)).small());
    }
    for (k, h) in a.hot_by_count.iter().take(5).enumerate() {
        let text = format!(
            "{}. {} · {} {}",
            k + 1,
            h.count,
            f.tr(T::VsPrevious),
            super::stats::ratio_text(f, h.change_pct())
        );
        if ui.link(RichText::new(text).small()).clicked() {
            f.send(Command::FlyTo(h.centre));
        }
    }
}

fn search_ui(ui: &mut Ui, f: &Frame<'_>) {
    let state = f.state;
    let mut query = state.search_query.clone();
    let label = ui.label(RichText::new(f.tr(T::Search)).strong());
    let response = ui
        .add(
            egui::TextEdit::singleline(&mut query)
                .hint_text(f.tr(T::SearchHint))
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
    if response.changed() {
        f.send(Command::SetSearch(query.clone()));
    }
    if !query.trim().is_empty() {
        if state.search_hits.is_empty() && state.search_query == query {
            ui.label(RichText::new(f.tr(T::NoResults)).color(f.theme.muted_text));
        }
        for hit in &state.search_hits {
            let kind = f.tr(labels::hit_kind(hit.kind));
            if ui
                .selectable_label(false, format!("{}  ·  {kind}", hit.label))
                .clicked()
            {
                f.send(Command::PickSearchHit(hit.clone()));
            }
        }
    }
}

fn edit_ui(ui: &mut Ui, f: &Frame<'_>) {
    let theme = f.theme;
    let state = f.state;
    let mut on = state.edit_mode;
    if ui.checkbox(&mut on, f.tr(T::EditMode)).changed() {
        f.send(Command::SetEditMode(on));
    }
    if !state.edit_mode {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        for (tool, key) in [(Tool::AddCamera, T::AddCamera), (Tool::AddPost, T::AddPost)] {
            let active = state.tool == Some(tool);
            if ui.selectable_label(active, f.tr(key)).clicked() {
                f.send(Command::SetTool(if active { None } else { Some(tool) }));
            }
        }
    });
    if state.tool.is_some() {
        ui.label(
            RichText::new(f.tr(T::ClickToPlace))
                .small()
                .color(theme.status_warn),
        );
    }
    ui.horizontal_wrapped(|ui| {
        let deletable = state.selected_camera().is_some() || state.selected_post().is_some();
        if ui
            .add_enabled(deletable, egui::Button::new(f.tr(T::DeleteSelected)))
            .clicked()
        {
            f.send(Command::DeleteSelected);
        }
        if ui
            .add_enabled(state.ops.can_undo(), egui::Button::new(f.tr(T::Undo)))
            .clicked()
        {
            f.send(Command::Undo);
        }
        if ui
            .add_enabled(state.ops.can_redo(), egui::Button::new(f.tr(T::Redo)))
            .clicked()
        {
            f.send(Command::Redo);
        }
        if ui.button(f.tr(T::Save)).clicked() {
            f.send(Command::Save);
        }
    });
    if state.ops.unsaved > 0 {
        ui.label(
            RichText::new(format!("{} {}", state.ops.unsaved, f.tr(T::Unsaved)))
                .small()
                .color(theme.status_warn),
        );
    }
    if let Some((message, is_error)) = &state.status {
        let colour = if *is_error {
            theme.problem
        } else {
            theme.status_ok
        };
        ui.label(RichText::new(message).small().color(colour));
    }
}

fn problems_ui(ui: &mut Ui, f: &Frame<'_>) {
    let problems = &f.state.ops.problems;
    let n = problems.len();
    egui::CollapsingHeader::new(format!("{} ({n})", f.tr(T::Problems)))
        .default_open(n > 0)
        .show(ui, |ui| {
            if n == 0 {
                ui.label(
                    RichText::new(f.tr(T::NoProblems))
                        .small()
                        .color(f.theme.muted_text),
                );
            }
            for p in problems {
                ui.label(RichText::new(p.to_string()).small().color(f.theme.problem));
            }
        });
}
