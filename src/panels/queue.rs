//! The incident queue: open incidents, waiting ones first by priority and age; category,
//! address, age and status per row; a row selects and flies to its incident. Above it, the
//! median response times over the incidents this console knows.

use egui::{RichText, Ui};
use onemap_core::feed::{Durations, IncidentStatus, ResponseStats};

use super::dispatch::mmss;
use crate::frame::Frame;
use crate::map::draw::{category_glyph, priority_colour};
use crate::model::{Command, Selection};
use crate::state::dispatch::queue_order;
use crate::ui::i18n::T;
use crate::ui::labels::{category_label, incident_status_label};

fn age(ms: i64) -> String {
    let s = (ms / 1000).max(0);
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

pub fn incident_queue_ui(ui: &mut Ui, f: &Frame<'_>) {
    let (lang, theme) = (f.lang(), f.theme);
    let live = &f.state.live;
    let queue = queue_order(live.feed.incidents.values());
    ui.horizontal(|ui| {
        ui.heading(format!("{} ({})", f.tr(T::IncidentQueue), queue.len()));
        // Only roles that may read the audit log get the button (disabled, with why, else).
        if f.command_button(
            ui,
            "audit_query",
            egui::Button::new(f.tr(T::AuditLog)).small(),
        ) {
            f.send(Command::OpenAudit(true));
            f.send(Command::RefreshAudit);
        }
    });
    response_figures_ui(ui, f);
    ui.label(
        RichText::new(f.tr(T::QueueKeys))
            .small()
            .color(theme.muted_text),
    );
    let selected = match &f.state.selection {
        Some(Selection::Incident(id)) => Some(id),
        _ => None,
    };
    if queue.is_empty() {
        ui.label(RichText::new(f.tr(T::NoIncidents)).color(theme.muted_text));
        return;
    }
    for inc in queue.iter().take(60) {
        let colour = priority_colour(inc.priority, theme);
        let is_selected = selected == Some(&inc.id);
        let unseen = inc.status == IncidentStatus::New && !live.acknowledged.contains(&inc.id);
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(if is_selected {
                    "→"
                } else if unseen {
                    "●"
                } else {
                    " "
                })
                .color(colour),
            );
            ui.label(
                RichText::new(format!(
                    "P{} {}",
                    inc.priority,
                    category_glyph(inc.category, lang)
                ))
                .color(colour)
                .strong(),
            );
            if ui.link(category_label(lang, inc.category)).clicked() {
                f.send(Command::FlyTo(inc.location.lonlat()));
                f.send(Command::Select(Some(Selection::Incident(inc.id.clone()))));
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.monospace(age(f.now_ms - inc.reported_at_ms));
                ui.label(
                    RichText::new(incident_status_label(lang, inc.status))
                        .small()
                        .color(theme.muted_text),
                );
            });
        });
        let units = if inc.assigned_units.is_empty() {
            String::new()
        } else {
            let ids: Vec<&str> = inc.assigned_units.iter().map(|u| u.as_str()).collect();
            format!(" · {}", ids.join(", "))
        };
        ui.add(
            egui::Label::new(
                RichText::new(format!("{}{units}", inc.address))
                    .small()
                    .color(theme.muted_text),
            )
            .truncate(),
        );
        ui.add_space(2.0);
    }
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
    let stats = ResponseStats::of(f.state.live.feed.incidents.values());
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
