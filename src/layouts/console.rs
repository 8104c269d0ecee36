//! The commander's and planner's console: top bar, status bar, the side panel on the left,
//! the inspector with the incident queue on the right, the map in the middle, and the
//! coverage table, audit log and unit board as windows. Also its keyboard: J/K/Enter through
//! the queue, D dispatch, A acknowledge, R arrived, C clear, 1–8 choose, Esc deselect, L back
//! to live from replay, Space play or pause the replay;
//! Ctrl+Z/Y/S and Delete in edit mode.

use egui::Ui;
use onemap_core::feed::lifecycle::SetIncidentStatus;
use onemap_core::feed::{Command as FeedCommand, IncidentStatus};
use walkers::Tiles;

use crate::frame::Frame;
use crate::map::MapView;
use crate::model::{Command, ReplayCommand};
use crate::panels;
use crate::state::AppState;

/// Lay the console out for one frame; the commands the map gave (panels send theirs through
/// the frame).
pub fn console_ui(
    ui: &mut Ui,
    f: &Frame<'_>,
    map: &mut MapView,
    tiles: Option<&mut dyn Tiles>,
) -> Vec<Command> {
    egui::Panel::top("top_bar").show(ui, |ui| panels::top_bar::top_bar_ui(ui, f));
    egui::Panel::bottom("status_bar").show(ui, |ui| panels::status_bar::status_bar_ui(ui, f));
    if f.state.replaying() {
        egui::Panel::bottom("timeline")
            .frame(
                egui::Frame::side_top_panel(ui.style())
                    .stroke(egui::Stroke::new(2.0, f.theme.replay)),
            )
            .show(ui, |ui| panels::replay::timeline_ui(ui, f));
    }
    egui::Panel::left("layers")
        .resizable(false)
        .exact_size(270.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| panels::side::side_panel_ui(ui, f));
        });
    let state = f.state;
    if state.selection.is_some() || state.live.is_on() {
        egui::Panel::right("inspector")
            .resizable(false)
            .exact_size(RIGHT_WIDTH)
            .show(ui, |ui| right_column_ui(ui, f));
    }
    panels::replay::replay_band_ui(ui, f);
    if state.live.is_on() {
        panels::feed_band::feed_band_ui(ui, f);
    }
    let mut commands = Vec::new();
    egui::CentralPanel::no_frame().show(ui, |ui| commands = map.ui(ui, f, tiles));
    panels::coverage::coverage_window(ui.ctx(), f);
    panels::audit::audit_window(ui.ctx(), f);
    panels::units::unit_board_window(ui.ctx(), f);
    panels::intake::intake_window(ui.ctx(), f);
    panels::stats::stats_window(ui.ctx(), f);
    commands
}

/// Width of the right column (queue and details), points.
pub const RIGHT_WIDTH: f32 = 330.0;

/// The right column: the queue on top, always visible with its own scroll (two fifths of the
/// height, at least 220 points), the notices and the details below it with theirs.
fn right_column_ui(ui: &mut Ui, f: &Frame<'_>) {
    let state = f.state;
    if state.live.is_on() {
        let h = (ui.available_height() * 0.42).max(220.0);
        egui::Panel::top("queue")
            .resizable(false)
            .exact_size(h)
            .show(ui, |ui| {
                ui.set_max_width(ui.available_width());
                panels::queue::incident_queue_ui(ui, f);
            });
    }
    egui::ScrollArea::vertical()
        .id_salt("details")
        .show(ui, |ui| {
            ui.set_max_width(ui.available_width());
            // The outcomes of this console's commands, wherever the commander is.
            panels::notices::notices_ui(ui, f);
            if state.selection.is_some() {
                panels::inspector::inspector_ui(ui, f);
            }
        });
}

/// The console's keys, as commands (nothing while a text field has the keyboard).
pub fn keys(ctx: &egui::Context, state: &AppState) -> Vec<Command> {
    use egui::Key;
    if ctx.egui_wants_keyboard_input() {
        return Vec::new();
    }
    let mut out = Vec::new();
    ctx.input(|i| {
        let cmd = i.modifiers.command;
        if state.tool == Some(crate::model::Tool::Patrol) {
            // Drawing a patrol: the keys edit the route.
            use crate::state::patrol::PatrolEdit;
            if cmd && !i.modifiers.shift && i.key_pressed(Key::Z) {
                out.push(Command::Patrol(PatrolEdit::Undo));
            }
            if cmd && (i.key_pressed(Key::Y) || (i.modifiers.shift && i.key_pressed(Key::Z))) {
                out.push(Command::Patrol(PatrolEdit::Redo));
            }
            if cmd && i.key_pressed(Key::S) {
                out.push(Command::SavePatrols);
            }
            if (i.key_pressed(Key::Delete) || i.key_pressed(Key::Backspace))
                && let Some(k) = state.patrol.waypoint
            {
                out.push(Command::Patrol(PatrolEdit::Delete(k)));
            }
        } else if state.edit_mode {
            if cmd && !i.modifiers.shift && i.key_pressed(Key::Z) {
                out.push(Command::Undo);
            }
            if cmd && (i.key_pressed(Key::Y) || (i.modifiers.shift && i.key_pressed(Key::Z))) {
                out.push(Command::Redo);
            }
            if cmd && i.key_pressed(Key::S) {
                out.push(Command::Save);
            }
            if i.key_pressed(Key::Delete) {
                out.push(Command::DeleteSelected);
            }
        }
        if i.key_pressed(Key::Escape) {
            out.push(Command::Select(None));
        }
        // Replay: L back to live, Space play or pause.
        if let Some(r) = &state.history.replay {
            if i.key_pressed(Key::L) {
                out.push(Command::Replay(ReplayCommand::Live));
            }
            if i.key_pressed(Key::Space) {
                out.push(Command::Replay(ReplayCommand::Play(!r.playing)));
            }
        }
        if !state.live.is_on() || cmd {
            return;
        }
        if i.key_pressed(Key::J) || i.key_pressed(Key::ArrowDown) {
            out.push(Command::QueueStep(1));
        }
        if i.key_pressed(Key::K) || i.key_pressed(Key::ArrowUp) {
            out.push(Command::QueueStep(-1));
        }
        if i.key_pressed(Key::Enter) {
            out.push(Command::QueueStep(0));
        }
        let digits = [
            Key::Num1,
            Key::Num2,
            Key::Num3,
            Key::Num4,
            Key::Num5,
            Key::Num6,
            Key::Num7,
            Key::Num8,
        ];
        if let Some(d) = digits.iter().position(|k| i.key_pressed(*k)) {
            out.push(Command::ChooseRank(d));
        }
        if i.key_pressed(Key::D) {
            out.push(Command::DispatchChosen);
        }
        // N: a new call, for the roles that may open one.
        if i.key_pressed(Key::N)
            && state.intake.is_none()
            && state.live.may("create_incident").is_ok()
        {
            out.push(Command::OpenIntake(true));
        }
        let Some(inc) = state.selected_incident() else {
            return;
        };
        if i.key_pressed(Key::A) {
            out.push(Command::Acknowledge(inc.id.clone()));
        }
        // R: the units have arrived; C: cleared (only where the step is allowed).
        let set = |status| {
            Command::Send(FeedCommand::SetIncidentStatus(SetIncidentStatus {
                incident_id: inc.id.clone(),
                status,
            }))
        };
        let sent = !inc.assigned_units.is_empty();
        if i.key_pressed(Key::R) && sent && inc.status.can_become(IncidentStatus::OnScene) {
            out.push(set(IncidentStatus::OnScene));
        }
        if i.key_pressed(Key::C) && sent && inc.status.can_become(IncidentStatus::Cleared) {
            out.push(set(IncidentStatus::Cleared));
        }
    });
    out
}
