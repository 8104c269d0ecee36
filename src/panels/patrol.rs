//! The patrol section of the side panel: the draw tool, the routes, the edited route's mode,
//! loop and waypoint dwell, undo and redo, save and export, and its score, live as the
//! route is drawn (with the figures before the last edit beside them).

use egui::{RichText, Ui};
use onemap_core::patrol::score::Score;
use onemap_core::patrol::{PatrolRoute, RouteError};
use onemap_core::routing::Mode;

use super::planning::mode_label;
use crate::frame::Frame;
use crate::model::{Command, Tool};
use crate::state::patrol::PatrolEdit;
use crate::ui::i18n::{Lang, T, tr};

pub fn patrol_ui(ui: &mut Ui, f: &Frame<'_>) {
    let (lang, theme) = (f.lang(), f.theme);
    let state = f.state;
    let p = &state.patrol;
    let edit = |e: PatrolEdit| f.send(Command::Patrol(e));
    ui.label(RichText::new(tr(lang, T::PatrolTitle)).strong());
    let mut drawing = state.tool == Some(Tool::Patrol);
    if ui.checkbox(&mut drawing, tr(lang, T::PatrolDraw)).changed() {
        if drawing && !state.edit_mode {
            f.send(Command::SetEditMode(true));
        }
        f.send(Command::SetTool(drawing.then_some(Tool::Patrol)));
    }
    if drawing {
        ui.label(
            RichText::new(tr(lang, T::PatrolHint))
                .small()
                .color(theme.muted_text),
        );
    }
    ui.horizontal_wrapped(|ui| {
        let chosen = p
            .route()
            .map_or_else(|| tr(lang, T::PatrolNone).to_owned(), |r| r.name.clone());
        egui::ComboBox::from_label(tr(lang, T::PatrolRoute))
            .selected_text(chosen)
            .show_ui(ui, |ui| {
                for (i, r) in p.routes.iter().enumerate() {
                    if ui.selectable_label(p.current == Some(i), &r.name).clicked() {
                        edit(PatrolEdit::Choose(i));
                    }
                }
            });
        if ui.button(tr(lang, T::PatrolNew)).clicked() {
            edit(PatrolEdit::New);
            if state.tool != Some(Tool::Patrol) {
                f.send(Command::SetEditMode(true));
                f.send(Command::SetTool(Some(Tool::Patrol)));
            }
        }
    });
    if let Some(route) = p.route() {
        route_ui(ui, f, route);
    }
    ui.horizontal_wrapped(|ui| {
        if ui
            .add_enabled(p.can_undo(), egui::Button::new(tr(lang, T::PatrolUndo)))
            .clicked()
        {
            edit(PatrolEdit::Undo);
        }
        if ui
            .add_enabled(p.can_redo(), egui::Button::new(tr(lang, T::PatrolRedo)))
            .clicked()
        {
            edit(PatrolEdit::Redo);
        }
        let save = if p.dirty {
            format!("{} •", tr(lang, T::PatrolSave))
        } else {
            tr(lang, T::PatrolSave).to_owned()
        };
        if ui.button(save).clicked() {
            f.send(Command::SavePatrols);
        }
        if ui
            .add_enabled(
                p.laid_now().is_some_and(|l| l.result.is_ok()),
                egui::Button::new(tr(lang, T::PatrolExport)),
            )
            .clicked()
        {
            f.send(Command::ExportPatrol);
        }
    });
    assign_ui(ui, f);
    if crate::state::patrol::editing(state) {
        auto_ui(ui, f);
    }
    for problem in &p.problems {
        ui.label(RichText::new(problem).small().color(theme.problem));
    }
    if let Some((text, error)) = &p.status {
        let colour = if *error {
            theme.problem
        } else {
            theme.muted_text
        };
        ui.label(RichText::new(text).small().color(colour));
    }
}

/// Loops planned for several units from the hot spots, each set adopted with a click, and a
/// re-plan of the adopted set when a unit is lost.
fn auto_ui(ui: &mut Ui, f: &Frame<'_>) {
    let (lang, theme) = (f.lang(), f.theme);
    let auto = &f.state.patrol.auto;
    ui.separator();
    ui.label(RichText::new(tr(lang, T::PatrolAutoTitle)).strong());
    let id = egui::Id::unique("patrol-auto-units");
    let mut units: usize = ui.data(|d| d.get_temp(id)).unwrap_or(3);
    ui.horizontal(|ui| {
        let label = ui.label(tr(lang, T::PatrolAutoUnits));
        ui.add(egui::DragValue::new(&mut units).range(1..=10))
            .labelled_by(label.id);
        if ui
            .add_enabled(!auto.busy(), egui::Button::new(tr(lang, T::PatrolAutoPlan)))
            .clicked()
        {
            f.send(Command::PlanPatrols { units });
        }
    });
    ui.data_mut(|d| d.insert_temp(id, units));
    let muted = |text: String| RichText::new(text).small().color(theme.muted_text);
    if auto.busy() {
        ui.label(muted(tr(lang, T::PatrolAutoBusy).to_owned()));
    }
    if let Some(problem) = &auto.problem {
        ui.label(RichText::new(problem).small().color(theme.problem));
    }
    let Some(answer) = &auto.answer else { return };
    let sets = match &answer.result {
        Ok(sets) => sets,
        Err(e) => {
            ui.label(RichText::new(e).small().color(theme.problem));
            return;
        }
    };
    ui.label(muted(
        tr(lang, T::PatrolAutoSummary)
            .replace("{n}", &(answer.spots - answer.left_out).to_string())
            .replace("{t}", &format!("{:.0}", answer.compute_ms)),
    ));
    let pct = |x: f64| format!("{:.0} %", 100.0 * x);
    for (k, set) in sets.iter().enumerate() {
        let text = match set.order_kept {
            Some(kept) => tr(lang, T::PatrolAutoReplanned)
                .replace("{w}", &format!("{:.0}", set.weight))
                .replace("{o}", &pct(kept)),
            None if k == 0 => tr(lang, T::PatrolAutoBest)
                .replace("{w}", &format!("{:.0}", set.weight))
                .replace("{i}", &format!("{:.1} %", 100.0 * set.imbalance)),
            None => tr(lang, T::PatrolAutoSet)
                .replace("{k}", &(k + 1).to_string())
                .replace("{w}", &format!("{:.0}", set.weight))
                .replace("{p}", &pct(set.of_best))
                .replace("{s}", &pct(set.shared))
                .replace("{i}", &format!("{:.1} %", 100.0 * set.imbalance)),
        };
        ui.label(RichText::new(text).small());
        let adopted = auto.adopted == Some((answer.id, k));
        let button = if adopted {
            tr(lang, T::PatrolAutoAdopted).to_owned()
        } else {
            tr(lang, T::PatrolAutoAdopt).replace("{k}", &(k + 1).to_string())
        };
        if ui
            .add_enabled(!adopted, egui::Button::new(button).small())
            .clicked()
        {
            f.send(Command::AdoptPatrolPlan(k));
        }
    }
    if auto.adopted.is_some_and(|(a, _)| a == answer.id) {
        let id = egui::Id::unique("patrol-auto-lost");
        let mut lost: usize = ui.data(|d| d.get_temp(id)).unwrap_or(1);
        ui.horizontal(|ui| {
            let label = ui.label(tr(lang, T::PatrolAutoLost));
            ui.add(egui::DragValue::new(&mut lost).range(1..=10))
                .labelled_by(label.id);
            if ui
                .add_enabled(
                    !auto.busy(),
                    egui::Button::new(tr(lang, T::PatrolAutoReplan)),
                )
                .clicked()
            {
                f.send(Command::ReplanPatrols { lost: lost - 1 });
            }
        });
        ui.data_mut(|d| d.insert_temp(id, lost));
    }
}

fn route_ui(ui: &mut Ui, f: &Frame<'_>, route: &PatrolRoute) {
    let lang = f.lang();
    let p = &f.state.patrol;
    let edit = |e: PatrolEdit| f.send(Command::Patrol(e));
    ui.horizontal(|ui| {
        let label = ui.label(tr(lang, T::PatrolName));
        let mut name = route.name.clone();
        let r = ui
            .add(egui::TextEdit::singleline(&mut name).desired_width(140.0))
            .labelled_by(label.id);
        if r.changed() && !name.trim().is_empty() {
            edit(PatrolEdit::Rename(name));
        }
    });
    ui.horizontal_wrapped(|ui| {
        let mut mode = route.mode;
        egui::ComboBox::from_label(tr(lang, T::TravelMode))
            .selected_text(mode_label(lang, mode))
            .show_ui(ui, |ui| {
                for m in Mode::ALL {
                    ui.selectable_value(&mut mode, m, mode_label(lang, m));
                }
            });
        if mode != route.mode {
            edit(PatrolEdit::SetMode(mode));
        }
        let mut closed = route.closed;
        if ui.checkbox(&mut closed, tr(lang, T::PatrolLoop)).changed() {
            edit(PatrolEdit::SetClosed(closed));
        }
    });
    if let Some(k) = p.waypoint
        && let Some(w) = route.waypoints.get(k)
    {
        ui.horizontal_wrapped(|ui| {
            ui.label(tr(lang, T::PatrolWaypoint).replace("{n}", &(k + 1).to_string()));
            let label = ui.label(tr(lang, T::PatrolDwell));
            let mut minutes = f64::from(w.dwell_s) / 60.0;
            let r = ui
                .add(
                    egui::DragValue::new(&mut minutes)
                        .range(0.0..=240.0)
                        .speed(0.5)
                        .max_decimals(1),
                )
                .labelled_by(label.id);
            if r.changed() {
                edit(PatrolEdit::SetDwell {
                    index: k,
                    dwell_s: (minutes * 60.0) as f32,
                });
            }
            if ui.button(tr(lang, T::PatrolDeleteWaypoint)).clicked() {
                edit(PatrolEdit::Delete(k));
            }
        });
    }
    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new(
                tr(lang, T::PatrolWaypoints).replace("{n}", &route.waypoints.len().to_string()),
            )
            .small(),
        );
        if ui.small_button(tr(lang, T::PatrolDeleteRoute)).clicked() {
            edit(PatrolEdit::DeleteRoute);
        }
    });
    score_ui(ui, f, route);
}

fn minutes(s: f64) -> String {
    format!("{:.0}", s / 60.0)
}

/// The score's rows: what, and its figure.
fn score_rows(lang: Lang, s: &Score) -> Vec<(T, String)> {
    let min = tr(lang, T::Minutes);
    vec![
        (T::ScoreLength, format!("{:.2} km", s.length_m / 1000.0)),
        (T::ScoreLap, format!("{} {min}", minutes(s.duration_s))),
        (
            T::ScoreTravelDwell,
            format!("{} / {} {min}", minutes(s.travel_s), minutes(s.dwell_s)),
        ),
        (
            T::ScoreHot,
            format!("{} · {:.0}", s.hot_spots_koper, s.hot_weight),
        ),
        (
            T::ScoreGap,
            s.longest_gap_s
                .map_or("—".into(), |g| format!("{} {min}", minutes(g))),
        ),
        (T::ScoreBeats, s.beats.len().to_string()),
        (T::ScoreBlind, format!("{:.2} km", s.blind_m / 1000.0)),
        (T::ScoreSites, sites_summary(s)),
        (
            T::ScorePai,
            s.pai.pai.map_or("—".into(), |p| format!("{p:.1}")),
        ),
    ]
}

/// The score, as the worker laid the route now (or why it cannot be laid).
fn score_ui(ui: &mut Ui, f: &Frame<'_>, route: &PatrolRoute) {
    let (lang, theme) = (f.lang(), f.theme);
    let p = &f.state.patrol;
    if route.waypoints.len() < 2 {
        return;
    }
    let Some(laid) = p.laid.as_ref() else {
        ui.label(
            RichText::new(tr(lang, T::PatrolLaying))
                .small()
                .color(theme.muted_text),
        );
        return;
    };
    let current = laid.revision == p.revision;
    let score = match &laid.result {
        Ok((_, s)) => s,
        Err(e) => {
            ui.label(RichText::new(route_error_text(lang, e)).color(theme.problem));
            return;
        }
    };
    ui.label(RichText::new(tr(lang, T::PatrolScore)).strong());
    let now = score_rows(lang, score);
    egui::Grid::new("patrol-score")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            for (key, value) in &now {
                ui.label(tr(lang, *key));
                ui.label(value);
                ui.end_row();
            }
        });
    // The figures before the last edit, where they differ: what the edit did.
    if let Some(before) = p.before.as_ref() {
        let changed: Vec<String> = score_rows(lang, before)
            .into_iter()
            .zip(&now)
            .filter(|((_, was), (_, is))| was != is)
            .map(|((key, was), _)| format!("{} {was}", tr(lang, key)))
            .collect();
        if !changed.is_empty() {
            ui.label(
                RichText::new(format!(
                    "{}: {}",
                    tr(lang, T::PatrolBefore),
                    changed.join(" · ")
                ))
                .small()
                .color(theme.muted_text),
            );
        }
    }
    let beats = &f.state.ops.layers.beats;
    let mut per_beat: Vec<&(u32, f64)> = score.beats.iter().collect();
    per_beat.sort_by(|a, b| b.1.total_cmp(&a.1));
    let names: Vec<String> = per_beat
        .iter()
        .take(4)
        .filter_map(|(b, m)| {
            beats
                .get(*b as usize)
                .map(|beat| format!("{} {:.1} km", beat.name, m / 1000.0))
        })
        .collect();
    if !names.is_empty() {
        ui.label(
            RichText::new(names.join(" · "))
                .small()
                .color(theme.muted_text),
        );
    }
    sites_ui(ui, f, score);
    if p.hot_spots.is_empty() {
        ui.label(
            RichText::new(tr(lang, T::PatrolNoHot))
                .small()
                .color(theme.muted_text),
        );
    } else {
        ui.label(
            RichText::new(
                tr(lang, T::PatrolHotCount).replace("{n}", &p.hot_spots.len().to_string()),
            )
            .small()
            .color(theme.muted_text),
        );
    }
    if !current {
        ui.label(
            RichText::new(tr(lang, T::PatrolLaying))
                .small()
                .color(theme.muted_text),
        );
    }
}

/// How many posts the lap comes within 3 minutes of, and the best shares of the lap within
/// 1 and 3 minutes of one.
fn sites_summary(s: &Score) -> String {
    if s.sites.is_empty() {
        return "—".into();
    }
    let best = |k: usize| {
        s.sites
            .iter()
            .map(|h| s.site_share(h)[k])
            .fold(0.0, f64::max)
    };
    format!(
        "{} · {:.0}/{:.0} %",
        s.sites.len(),
        100.0 * best(0),
        100.0 * best(1)
    )
}

/// The posts the lap stays nearest, with the share of it within 1 and 3 minutes of each.
fn sites_ui(ui: &mut Ui, f: &Frame<'_>, score: &Score) {
    let (lang, theme) = (f.lang(), f.theme);
    let posts = &f.state.ops.layers.posts;
    let mut held: Vec<(String, [f64; 2])> = score
        .sites
        .iter()
        .filter_map(|h| Some((posts.get(h.site)?.name.clone(), score.site_share(h))))
        .collect();
    held.sort_by(|a, b| b.1[1].total_cmp(&a.1[1]).then(b.1[0].total_cmp(&a.1[0])));
    let text = if held.is_empty() {
        if posts.is_empty() {
            return;
        }
        tr(lang, T::PatrolSitesNone).to_string()
    } else {
        held.iter()
            .take(4)
            .map(|(name, [one, three])| {
                format!("{name} {:.0}% / {:.0}%", 100.0 * one, 100.0 * three)
            })
            .collect::<Vec<_>>()
            .join(" · ")
    };
    ui.label(RichText::new(text).small().color(theme.muted_text));
}

/// Why the route cannot be laid, in the UI's language, naming the waypoint.
pub fn route_error_text(lang: Lang, e: &RouteError) -> String {
    match e {
        RouteError::Snap { index, source } => {
            let skipped = crate::workers::routing::Skipped {
                name: tr(lang, T::PatrolWaypoint).replace("{n}", &(index + 1).to_string()),
                error: source.clone(),
            };
            super::planning::skipped_text(lang, &skipped)
        }
        RouteError::Unreachable { mode, from, to } => tr(lang, T::PatrolUnreachable)
            .replace("{mode}", mode_label(lang, *mode))
            .replace("{a}", &(from + 1).to_string())
            .replace("{b}", &(to + 1).to_string()),
    }
}

/// Give a unit the edited route as laid now (a command to the server, for commanders and
/// planners; others see why not).
fn assign_ui(ui: &mut Ui, f: &Frame<'_>) {
    let lang = f.lang();
    let state = f.state;
    if !state.live.is_on() || state.patrol.route().is_none() {
        return;
    }
    let mut chosen = state.patrol.assign_to.clone();
    let units = &state.live.feed.units;
    ui.horizontal_wrapped(|ui| {
        let shown = chosen
            .as_ref()
            .and_then(|u| units.get(u))
            .map_or_else(String::new, |u| u.call_sign.clone());
        egui::ComboBox::from_label(tr(lang, T::PatrolAssignTo))
            .selected_text(shown)
            .show_ui(ui, |ui| {
                let mut list: Vec<_> = units.values().collect();
                list.sort_by(|a, b| a.call_sign.cmp(&b.call_sign));
                for u in list {
                    let mark = if u.patrol.is_some() { " ⟳" } else { "" };
                    let label = format!("{}{mark}", u.call_sign);
                    ui.selectable_value(&mut chosen, Some(u.id.clone()), label);
                }
            });
        let allowed = state.live.may("assign_patrol").is_ok();
        let command = chosen
            .as_ref()
            .and_then(|u| crate::state::patrol::assign_command(state, u));
        let button = egui::Button::new(tr(lang, T::PatrolAssign));
        if ui
            .add_enabled(allowed && command.is_some(), button)
            .clicked()
            && let Some(c) = command
        {
            f.send(Command::Send(c));
            // The unit's details and its patrol on the map show what the server makes of it.
            if let Some(unit) = chosen.clone() {
                f.send(Command::Select(Some(crate::model::Selection::Unit(unit))));
            }
        }
    });
    if chosen != state.patrol.assign_to {
        f.send(Command::Patrol(PatrolEdit::AssignTo(chosen)));
    }
}
