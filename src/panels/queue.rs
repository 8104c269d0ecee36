//! The incident queue, a panel of its own: open incidents, waiting ones first by priority and
//! age, each waiting one coloured by its age against its priority's target; category,
//! address, age, status and units per row; a row selects its incident and shows it. While the
//! pointer is over the queue its order is frozen (new incidents join at the end), so a click
//! never lands on a row that moved. While the feed is late or lost it keeps the last known
//! incidents, greyed, with their age, and says as of when; it never claims there are none.

use egui::{Color32, RichText, Ui};
use onemap_core::feed::{Durations, Incident, ResponseStats};

use super::dispatch::mmss;
use super::top_bar::local_time;
use crate::frame::Frame;
use crate::live::Health;
use crate::map::draw::{category_glyph, priority_colour};
use crate::model::{Command, Selection};
use crate::state::dispatch::{queue_order, shown_queue, wait_level};
use crate::ui::i18n::T;
use crate::ui::labels::{category_label, incident_status_label};

/// Rows drawn at most (the rest are counted in the heading).
pub const MAX_ROWS: usize = 60;

pub fn age(ms: i64) -> String {
    let s = (ms / 1000).max(0);
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

pub fn incident_queue_ui(ui: &mut Ui, f: &Frame<'_>) {
    let theme = f.theme;
    let health = f.picture_health();
    let frozen = f.state.dispatch.queue_frozen.as_ref();
    let queue = shown_queue(&f.state.shown_feed().incidents, frozen);
    let open = queue.iter().filter(|i| i.status.is_open()).count();
    ui.horizontal_wrapped(|ui| {
        ui.heading(f.tr(T::IncidentQueue));
        ui.label(RichText::new(format!("({open})")).heading());
        // Only roles that may read the audit log get the button (disabled, with why, else).
        if f.command_button(
            ui,
            "audit_query",
            egui::Button::new(f.tr(T::AuditLog)).small(),
        ) {
            f.send(Command::OpenAudit(true));
            f.send(Command::RefreshAudit);
        }
        if ui.small_button(f.tr(T::UnitBoard)).clicked() {
            f.send(Command::OpenUnitBoard(!f.state.dispatch.board_open));
        }
    });
    if let Some(t) = health.as_of_ms() {
        ui.label(
            RichText::new(
                f.tr(T::QueueLastKnown)
                    .replace("{t}", &local_time(t, "%H:%M:%S")),
            )
            .color(theme.status_warn)
            .strong(),
        );
    }
    response_figures_ui(ui, f);
    ui.label(
        RichText::new(f.tr(T::QueueKeys))
            .small()
            .color(theme.muted_text),
    );
    if health == Health::NoData {
        ui.label(RichText::new(f.tr(T::QueueNoData)).color(theme.status_warn));
        return;
    }
    if queue.is_empty() {
        ui.label(RichText::new(f.tr(T::NoIncidents)).color(theme.muted_text));
    }
    let rows = egui::ScrollArea::vertical()
        .id_salt("queue_rows")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for inc in queue.iter().take(MAX_ROWS) {
                row_ui(ui, f, inc, health.is_live());
            }
        });
    // Freeze the order while the pointer is over the rows; release it when it leaves.
    let hovered = ui.rect_contains_pointer(rows.inner_rect);
    match (hovered, frozen.is_some()) {
        (true, false) => {
            let order = queue_order(f.state.shown_feed().incidents.values());
            f.send(Command::FreezeQueue(Some(
                order.iter().map(|i| i.id.clone()).collect(),
            )));
        }
        (false, true) => f.send(Command::FreezeQueue(None)),
        _ => {}
    }
}

fn row_ui(ui: &mut Ui, f: &Frame<'_>, inc: &Incident, live: bool) {
    let (lang, theme) = (f.lang(), f.theme);
    let selected = matches!(&f.state.selection, Some(Selection::Incident(id)) if *id == inc.id);
    let grey = |c: Color32| if live { c } else { theme.muted_text };
    let colour = grey(priority_colour(inc.priority, theme));
    let wait = wait_level(inc, &f.state.settings.targets_s, f.at_ms);
    let age_colour = match wait {
        Some(2) => theme.problem,
        Some(1) => theme.status_warn,
        _ => ui.visuals().text_color(),
    };
    let unseen = inc.status.is_open() && inc.acknowledged.is_none();
    let frame = egui::Frame::new()
        .fill(match wait {
            Some(2) if live => theme.problem.gamma_multiply(0.12),
            _ if selected => ui.visuals().selection.bg_fill.gamma_multiply(0.35),
            _ => Color32::TRANSPARENT,
        })
        .inner_margin(egui::Margin::symmetric(2, 1));
    let response = frame
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                let mark = if selected {
                    "→"
                } else if unseen {
                    "●"
                } else {
                    " "
                };
                ui.label(RichText::new(mark).color(colour));
                ui.label(
                    RichText::new(format!(
                        "P{} {}",
                        inc.priority,
                        category_glyph(inc.category, lang)
                    ))
                    .color(colour)
                    .strong(),
                );
                let name = RichText::new(category_label(lang, inc.category))
                    .color(grey(ui.visuals().hyperlink_color));
                let clicked = ui.link(name).clicked();
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    ui.monospace(
                        RichText::new(age(f.at_ms - inc.reported_at_ms)).color(grey(age_colour)),
                    );
                    ui.label(
                        RichText::new(incident_status_label(lang, inc.status))
                            .small()
                            .color(theme.muted_text),
                    );
                });
                clicked
            })
            .inner
        })
        .inner;
    if response {
        f.send(Command::Select(Some(Selection::Incident(inc.id.clone()))));
        if let crate::state::ViewChange::Fit(points) = f.state.view_of(inc) {
            f.send(Command::FitPoints(points));
        } else {
            f.send(Command::FlyTo(inc.location.lonlat()));
        }
    }
    let units = if inc.assigned_units.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = inc
            .assigned_units
            .iter()
            .map(|u| {
                f.state
                    .shown_feed()
                    .units
                    .get(u)
                    .map_or(u.as_str(), |x| x.call_sign.as_str())
            })
            .collect();
        format!(" · {}", names.join(", "))
    };
    ui.add(
        egui::Label::new(
            RichText::new(format!("{} · {}{units}", inc.id, inc.address))
                .small()
                .color(theme.muted_text),
        )
        .truncate(),
    );
    ui.add_space(2.0);
}

/// A median as m:ss, or a dash while nothing has been measured yet (never a misleading 0:00).
fn median_or_dash(d: &Durations) -> String {
    if d.count == 0 {
        "–".into()
    } else {
        mmss(d.median_s)
    }
}

/// The response-time line over the incidents the console knows.
fn response_figures_ui(ui: &mut Ui, f: &Frame<'_>) {
    let stats = ResponseStats::of(f.state.shown_feed().incidents.values());
    if stats.call_to_dispatch.count == 0 {
        return;
    }
    let text = f
        .tr(T::ResponseFigures)
        .replace("{a}", &median_or_dash(&stats.call_to_dispatch))
        .replace("{n}", &stats.call_to_dispatch.count.to_string())
        .replace("{b}", &median_or_dash(&stats.dispatch_to_arrival))
        .replace("{m}", &stats.dispatch_to_arrival.count.to_string());
    ui.label(RichText::new(text).small().color(f.theme.muted_text));
}
