//! The unit status board: every unit on shift with its call sign, kind, status, incident,
//! time in status and the age of its last fix (grey past 30 s); sortable by any column,
//! filtered by text and status; a unit can be set available or off duty from it.

use egui::{RichText, Ui};
use onemap_core::feed::lifecycle::SetUnitStatus;
use onemap_core::feed::{Command as FeedCommand, Unit, UnitStatus};

use super::queue::age;
use crate::frame::Frame;
use crate::model::{Command, Selection, UnitBoard, UnitSort};
use crate::ui::i18n::T;
use crate::ui::labels::{unit_kind_label, unit_status_label};

/// The units as the board shows them: filtered, then sorted.
pub fn board_rows<'a>(
    units: impl Iterator<Item = &'a Unit>,
    b: &UnitBoard,
    now_ms: i64,
) -> Vec<&'a Unit> {
    let needle = b.filter.trim().to_lowercase();
    let mut rows: Vec<&Unit> = units
        .filter(|u| b.status.is_none_or(|s| u.status == s))
        .filter(|u| {
            needle.is_empty()
                || u.call_sign.to_lowercase().contains(&needle)
                || u.id.as_str().to_lowercase().contains(&needle)
                || u.incident_id
                    .as_ref()
                    .is_some_and(|i| i.as_str().to_lowercase().contains(&needle))
        })
        .collect();
    rows.sort_by(|a, b2| {
        let o = match b.sort {
            UnitSort::CallSign => a.call_sign.cmp(&b2.call_sign),
            UnitSort::Kind => a.kind.cmp(&b2.kind),
            UnitSort::Status => a.status.cmp(&b2.status),
            UnitSort::Incident => a.incident_id.cmp(&b2.incident_id),
            UnitSort::TimeInStatus => {
                (now_ms - a.status_since_ms).cmp(&(now_ms - b2.status_since_ms))
            }
            UnitSort::FixAge => (now_ms - a.fix_at_ms).cmp(&(now_ms - b2.fix_at_ms)),
        };
        let o = o.then(a.id.cmp(&b2.id));
        if b.descending { o.reverse() } else { o }
    });
    rows
}

pub fn unit_board_window(ctx: &egui::Context, f: &Frame<'_>) {
    if !f.state.dispatch.board_open {
        return;
    }
    let mut open = true;
    egui::Window::new(f.tr(T::UnitBoard))
        .open(&mut open)
        .default_size([640.0, 420.0])
        .show(ctx, |ui| board_ui(ui, f));
    if !open {
        f.send(Command::OpenUnitBoard(false));
    }
}

fn board_ui(ui: &mut Ui, f: &Frame<'_>) {
    let lang = f.lang();
    let board = &f.state.dispatch.board;
    let mut next = board.clone();
    ui.horizontal_wrapped(|ui| {
        ui.add(
            egui::TextEdit::singleline(&mut next.filter)
                .hint_text(f.tr(T::FilterText))
                .desired_width(140.0),
        );
        let shown = next
            .status
            .map_or(f.tr(T::AllStatuses), |s| unit_status_label(lang, s));
        egui::ComboBox::from_id_salt("board_status")
            .selected_text(shown)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut next.status, None, f.tr(T::AllStatuses));
                for s in UnitStatus::ALL {
                    ui.selectable_value(&mut next.status, Some(s), unit_status_label(lang, s));
                }
            });
    });
    let rows = board_rows(f.state.shown_feed().units.values(), board, f.at_ms);
    let live = f.picture_health().is_live();
    egui::ScrollArea::vertical().show(ui, |ui| {
        egui::Grid::new("unit_board")
            .striped(true)
            .num_columns(7)
            .show(ui, |ui| {
                for (key, sort) in [
                    (T::ColCallSign, UnitSort::CallSign),
                    (T::ColKind, UnitSort::Kind),
                    (T::ColStatus, UnitSort::Status),
                    (T::ColIncident, UnitSort::Incident),
                    (T::ColInStatus, UnitSort::TimeInStatus),
                    (T::ColFix, UnitSort::FixAge),
                ] {
                    let arrow = match (board.sort == sort, board.descending) {
                        (true, false) => " ▲",
                        (true, true) => " ▼",
                        _ => "",
                    };
                    let label = RichText::new(format!("{}{arrow}", f.tr(key))).strong();
                    if ui.selectable_label(board.sort == sort, label).clicked() {
                        next.descending = board.sort == sort && !board.descending;
                        next.sort = sort;
                    }
                }
                ui.label("");
                ui.end_row();
                for u in rows {
                    row_ui(ui, f, u, live);
                    ui.end_row();
                }
            });
    });
    if next != *board {
        f.send(Command::SetUnitBoard(next));
    }
}

fn row_ui(ui: &mut Ui, f: &Frame<'_>, u: &Unit, live: bool) {
    let (lang, theme) = (f.lang(), f.theme);
    if ui.link(&u.call_sign).clicked() {
        f.send(Command::Select(Some(Selection::Unit(u.id.clone()))));
        f.send(Command::FlyTo(u.position.lonlat()));
    }
    ui.label(unit_kind_label(lang, u.kind));
    let colour = if live {
        crate::map::draw::status_colour(u.status, theme)
    } else {
        theme.muted_text
    };
    ui.label(RichText::new(unit_status_label(lang, u.status)).color(colour));
    ui.label(u.incident_id.as_ref().map_or("", |i| i.as_str()));
    ui.monospace(age(f.at_ms - u.status_since_ms));
    let fix_age = f.at_ms - u.fix_at_ms;
    let fix_colour = if u.fix_is_stale(f.at_ms) {
        theme.status_warn
    } else {
        ui.visuals().text_color()
    };
    ui.monospace(RichText::new(age(fix_age)).color(fix_colour));
    ui.horizontal(|ui| {
        let set = |status| {
            f.send(Command::Send(FeedCommand::SetUnitStatus(SetUnitStatus {
                unit_id: u.id.clone(),
                status,
            })));
        };
        if u.status != UnitStatus::Available
            && f.command_button(
                ui,
                "set_unit_status",
                egui::Button::new(f.tr(T::SetAvailable)).small(),
            )
        {
            set(UnitStatus::Available);
        }
        if u.status != UnitStatus::OffDuty
            && f.command_button(
                ui,
                "set_unit_status",
                egui::Button::new(f.tr(T::SetOffDuty)).small(),
            )
        {
            set(UnitStatus::OffDuty);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use onemap_core::feed::{Position, UnitKind};

    fn unit(id: &str, sign: &str, status: UnitStatus, since: i64, fix: i64) -> Unit {
        Unit {
            id: id.into(),
            call_sign: sign.into(),
            kind: UnitKind::PatrolCar,
            status,
            status_since_ms: since,
            incident_id: (status == UnitStatus::EnRoute).then(|| "I-000007".into()),
            position: Position([13.26, 53.55]),
            heading_deg: 0.0,
            speed_kmh: 0.0,
            fix_at_ms: fix,
            stale_at_ms: None,
            posted: None,
            patrol: None,
        }
    }

    #[test]
    fn the_board_filters_then_sorts() {
        let units = [
            unit("U-1", "巡02", UnitStatus::Available, 0, 900),
            unit("U-2", "巡01", UnitStatus::EnRoute, 500, 100),
            unit("U-3", "摩03", UnitStatus::OffDuty, 200, 950),
        ];
        let ids = |b: &UnitBoard| -> Vec<String> {
            board_rows(units.iter(), b, 1000)
                .iter()
                .map(|u| u.id.to_string())
                .collect()
        };
        assert_eq!(
            ids(&UnitBoard::default()),
            ["U-2", "U-1", "U-3"],
            "by call sign"
        );
        let longest_in_status = UnitBoard {
            sort: UnitSort::TimeInStatus,
            descending: true,
            ..UnitBoard::default()
        };
        assert_eq!(ids(&longest_in_status), ["U-1", "U-3", "U-2"]);
        let stalest_fix = UnitBoard {
            sort: UnitSort::FixAge,
            descending: true,
            ..UnitBoard::default()
        };
        assert_eq!(ids(&stalest_fix)[0], "U-2");
        let by_text = UnitBoard {
            filter: "i-000007".into(),
            ..UnitBoard::default()
        };
        assert_eq!(ids(&by_text), ["U-2"], "an incident id finds its unit");
        let by_status = UnitBoard {
            status: Some(UnitStatus::OffDuty),
            ..UnitBoard::default()
        };
        assert_eq!(ids(&by_status), ["U-3"]);
    }
}
