//! The audit log window: the newest entries from the server (who, when, what, the result),
//! refreshed on demand, and the CSV export.

use egui::RichText;

use super::top_bar::local_time;
use crate::frame::Frame;
use crate::model::Command;
use crate::ui::i18n::T;

pub fn audit_window(ctx: &egui::Context, f: &Frame<'_>) {
    let dispatch = &f.state.dispatch;
    if !dispatch.audit_open {
        return;
    }
    let mut open = true;
    egui::Window::new(f.tr(T::AuditLog))
        .open(&mut open)
        .default_size([720.0, 420.0])
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                if ui.button(f.tr(T::AuditRefresh)).clicked() {
                    f.send(Command::RefreshAudit);
                }
                if ui.button(f.tr(T::AuditExport)).clicked() {
                    f.send(Command::ExportAudit);
                }
                if let Some(s) = &dispatch.audit_saved {
                    ui.label(RichText::new(s).small());
                }
            });
            let Some(page) = &f.state.live.audit else {
                ui.label(f.tr(T::AuditEmpty));
                return;
            };
            egui::ScrollArea::both().show(ui, |ui| {
                egui::Grid::new("audit")
                    .striped(true)
                    .num_columns(6)
                    .show(ui, |ui| {
                        for e in &page.entries {
                            ui.monospace(local_time(e.ts_ms, "%H:%M:%S"));
                            ui.label(&e.action);
                            ui.label(e.incident_id.as_ref().map_or("", |i| i.as_str()));
                            ui.label(e.unit_id.as_ref().map_or("", |u| u.as_str()));
                            ui.label(match e.ok {
                                Some(true) => "OK",
                                Some(false) => "×",
                                None => "",
                            });
                            ui.add(egui::Label::new(RichText::new(&e.detail).small()).truncate());
                            ui.end_row();
                        }
                    });
            });
        });
    if !open {
        f.send(Command::OpenAudit(false));
    }
}
