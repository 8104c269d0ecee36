//! The audit log window: the server's entries (when, who, what, about which incident and unit,
//! the result, and the details in words), filtered by incident, unit, action and time on the
//! server; the CSV export asks where to save.

use egui::RichText;
use onemap_core::feed::{AuditEntry, Category, IncidentStatus, ShownUnit, UnitStatus};
use serde_json::Value;

use super::dispatch::mmss;
use super::top_bar::local_time;
use crate::frame::Frame;
use crate::model::Command;
use crate::ui::i18n::{Lang, T, tr};
use crate::ui::labels::{
    AUDIT_ACTIONS, audit_action_label, category_label, incident_status_label, unit_status_label,
};

pub fn audit_window(ctx: &egui::Context, f: &Frame<'_>) {
    let dispatch = &f.state.dispatch;
    if !dispatch.audit_open {
        return;
    }
    let mut open = true;
    egui::Window::new(f.tr(T::AuditLog))
        .open(&mut open)
        .default_size([820.0, 440.0])
        .show(ctx, |ui| {
            filters_ui(ui, f);
            export_ui(ui, f);
            let Some(page) = &f.state.live.audit else {
                ui.label(f.tr(T::AuditEmpty));
                return;
            };
            if page.entries.is_empty() {
                ui.label(f.tr(T::AuditEmpty));
            }
            egui::ScrollArea::both().show(ui, |ui| entries_ui(ui, f, &page.entries));
        });
    if !open {
        f.send(Command::OpenAudit(false));
    }
}

fn filters_ui(ui: &mut egui::Ui, f: &Frame<'_>) {
    let current = &f.state.dispatch.audit_filter;
    let mut filter = current.clone();
    ui.horizontal_wrapped(|ui| {
        ui.label(f.tr(T::ColIncident));
        ui.add(egui::TextEdit::singleline(&mut filter.incident).desired_width(90.0));
        ui.label(f.tr(T::ColUnit));
        ui.add(egui::TextEdit::singleline(&mut filter.unit).desired_width(70.0));
        let lang = f.lang();
        let shown = filter
            .action
            .as_deref()
            .map_or(f.tr(T::AllActions), |a| audit_action_label(lang, a));
        egui::ComboBox::from_id_salt("audit_action")
            .selected_text(shown)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut filter.action, None, f.tr(T::AllActions));
                for a in AUDIT_ACTIONS {
                    let label = audit_action_label(lang, a);
                    ui.selectable_value(&mut filter.action, Some((*a).to_owned()), label);
                }
            });
        let hours = |h: Option<u32>| match h {
            None => f.tr(T::AnyTime).to_owned(),
            Some(n) => f.tr(T::LastHours).replace("{n}", &n.to_string()),
        };
        egui::ComboBox::from_id_salt("audit_hours")
            .selected_text(hours(filter.hours))
            .show_ui(ui, |ui| {
                for h in [None, Some(1), Some(8), Some(24)] {
                    ui.selectable_value(&mut filter.hours, h, hours(h));
                }
            });
        if ui.button(f.tr(T::AuditRefresh)).clicked() {
            f.send(Command::RefreshAudit);
        }
        if ui.button(f.tr(T::AuditExport)).clicked() {
            f.send(Command::SetAuditExportPath(Some(default_export_path(f))));
        }
    });
    if filter != *current {
        // Text filters apply on Refresh; the drop-downs at once.
        let at_once = filter.action != current.action || filter.hours != current.hours;
        f.send(Command::SetAuditFilter(filter));
        if at_once {
            f.send(Command::RefreshAudit);
        }
    }
}

/// The user's documents folder (or home), with a timestamped name.
fn default_export_path(f: &Frame<'_>) -> String {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let dir = home
        .as_ref()
        .map(|h| h.join("Documents"))
        .filter(|d| d.is_dir())
        .or(home)
        .unwrap_or_else(std::env::temp_dir);
    let name = format!("onemap-audit-{}.csv", local_time(f.now_ms, "%Y%m%d-%H%M%S"));
    dir.join(name).display().to_string()
}

fn export_ui(ui: &mut egui::Ui, f: &Frame<'_>) {
    let d = &f.state.dispatch;
    if let Some(path) = &d.audit_export_path {
        let mut text = path.clone();
        ui.horizontal(|ui| {
            ui.label(f.tr(T::AuditSaveTo));
            let edit = ui.add(egui::TextEdit::singleline(&mut text).desired_width(420.0));
            if edit.changed() {
                f.send(Command::SetAuditExportPath(Some(text.clone())));
            }
            if ui.button(f.tr(T::SaveFile)).clicked() {
                f.send(Command::ExportAudit);
            }
            if ui.button(f.tr(T::CancelDialog)).clicked() {
                f.send(Command::SetAuditExportPath(None));
            }
        });
    }
    if let Some((message, failed)) = &d.audit_saved {
        let colour = if *failed {
            f.theme.problem
        } else {
            f.theme.status_ok
        };
        ui.label(RichText::new(message).color(colour));
    }
}

fn entries_ui(ui: &mut egui::Ui, f: &Frame<'_>, entries: &[AuditEntry]) {
    let lang = f.lang();
    egui::Grid::new("audit")
        .striped(true)
        .num_columns(7)
        .show(ui, |ui| {
            for key in [
                T::ColTime,
                T::ColOperator,
                T::ColAction,
                T::ColIncident,
                T::ColUnit,
                T::ColResult,
                T::ColDetail,
            ] {
                ui.label(RichText::new(f.tr(key)).strong());
            }
            ui.end_row();
            for e in entries {
                ui.monospace(local_time(e.ts_ms, "%m-%d %H:%M:%S"));
                ui.label(&e.client);
                ui.label(audit_action_label(lang, &e.action));
                ui.label(e.incident_id.as_ref().map_or("", |i| i.as_str()));
                ui.label(e.unit_id.as_ref().map_or("", |u| u.as_str()));
                ui.label(match e.ok {
                    Some(true) => RichText::new(f.tr(T::Ok)).color(f.theme.status_ok),
                    Some(false) => RichText::new(f.tr(T::Failed)).color(f.theme.problem),
                    None => RichText::new(""),
                });
                ui.add(egui::Label::new(RichText::new(detail_text(lang, e)).small()).truncate());
                ui.end_row();
            }
        });
}

/// An entry's details in words: the ranked list, whom a dispatch sent, a status change; else
/// the recorded text (a result's message).
pub fn detail_text(lang: Lang, e: &AuditEntry) -> String {
    let t = |k| tr(lang, k);
    let json: Option<Value> = serde_json::from_str(&e.detail).ok();
    let field = |name: &str| {
        json.as_ref()
            .and_then(|j| j.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    match e.action.as_str() {
        "recommendation" => {
            let units: Vec<ShownUnit> = json
                .clone()
                .and_then(|j| serde_json::from_value(j).ok())
                .unwrap_or_default();
            let list: Vec<String> = units
                .iter()
                .enumerate()
                .map(|(k, u)| format!("{} {} {}", k + 1, u.unit_id, mmss(u.eta_s)))
                .collect();
            t(T::DetailRanked).replace("{l}", &list.join(" · "))
        }
        "dispatch" | "reassign" => {
            let unit = field("unit_id")
                .or_else(|| field("to_unit"))
                .unwrap_or_default();
            let incident = field("incident_id").unwrap_or_default();
            let mut s = t(T::DetailDispatch)
                .replace("{u}", &unit)
                .replace("{i}", &incident);
            if let Some(r) = json
                .as_ref()
                .and_then(|j| j.get("rank"))
                .and_then(Value::as_u64)
            {
                s.push_str(&t(T::DetailRank).replace("{r}", &r.to_string()));
            }
            s
        }
        "set_incident_status" | "set_unit_status" => {
            let status = field("status").unwrap_or_default();
            let quoted = format!("\"{status}\"");
            let word = serde_json::from_str::<IncidentStatus>(&quoted)
                .ok()
                .filter(|_| e.action == "set_incident_status")
                .map(|s| incident_status_label(lang, s))
                .or_else(|| {
                    serde_json::from_str::<UnitStatus>(&quoted)
                        .ok()
                        .map(|s| unit_status_label(lang, s))
                })
                .unwrap_or(status.as_str());
            let subject = field("incident_id")
                .or_else(|| field("unit_id"))
                .unwrap_or_default();
            t(T::DetailStatus)
                .replace("{x}", &subject)
                .replace("{s}", word)
        }
        "create_incident" => {
            let category = field("category")
                .and_then(|c| serde_json::from_str::<Category>(&format!("\"{c}\"")).ok())
                .map_or_else(String::new, |c| category_label(lang, c).to_owned());
            let priority = json
                .as_ref()
                .and_then(|j| j.get("priority"))
                .and_then(Value::as_u64)
                .unwrap_or(0);
            t(T::DetailCall)
                .replace("{c}", &category)
                .replace("{p}", &priority.to_string())
                .replace("{a}", &field("address").unwrap_or_default())
        }
        "result" => {
            // "<kind> <request>: <message>": done in words; a refusal keeps the server's reason.
            let kind = e.detail.split([' ', ':']).next().unwrap_or("");
            let label = crate::ui::labels::command_label(lang, kind);
            match e.ok {
                Some(true) => t(T::CommandDone).replace("{c}", label),
                _ => {
                    let why = e.detail.split_once(": ").map_or(e.detail.as_str(), |x| x.1);
                    t(T::CommandRefused)
                        .replace("{c}", label)
                        .replace("{r}", why)
                }
            }
        }
        _ => match &json {
            // Any other body: its fields, not its JSON.
            Some(Value::Object(map)) => map
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => format!("{k} {s}"),
                    other => format!("{k} {other}"),
                })
                .collect::<Vec<_>>()
                .join(" · "),
            _ => e.detail.clone(),
        },
    }
}
