//! The duty commander's dispatch panel: the ranked units for the selected incident, one-click
//! and keyboard dispatch, status changes, coverage impact with a one-click move-up, the audit
//! log, and the keyboard-first incident queue.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use egui::{Color32, Pos2, RichText, Shape, Stroke, Ui};
use onemap_core::feed::{
    ClientMessage, Incident, IncidentStatus, Posting, ResponseStats, ShownUnit, UnitKind,
    UnitStatus,
};
use onemap_core::routing::dispatch::Responder;
use walkers::Projector;

use super::live::{queue_order, unit_kind_label, unit_status_label};
use super::{Command, OneMapApp, Selection};
use crate::dispatcher::{DispatchOutput, DispatchRequest, SHOWN};
use crate::map::live::unit_glyph;
use crate::map::ops::screen;
use crate::ui::i18n::{T, tr};
use crate::ui::theme::UiTheme;

/// The chosen unit's route on the map.
const ROUTE: Color32 = Color32::from_rgb(0, 184, 255);

/// Beats that lose coverage if the chosen unit leaves.
const IMPACT: Color32 = Color32::from_rgb(230, 0, 130);

/// How often a shown recommendation is recomputed while units move.
pub const REFRESH: Duration = Duration::from_secs(2);

pub struct DispatchState {
    /// Which unit kinds are ranked (by [`UnitKind::index`]).
    pub kinds: [bool; 5],
    /// Turnout per kind, seconds.
    pub turnout_s: [f32; 5],
    /// The unit the commander picked in the list (`None`: the fastest).
    pub chosen: Option<String>,
    pub output: Option<Box<DispatchOutput>>,
    last_key: Option<(String, Option<String>, [bool; 5])>,
    last_at: Option<Instant>,
    /// Per incident, the ranked unit ids last written to the audit log.
    logged: HashMap<String, Vec<String>>,
    pub audit_open: bool,
    pub audit_saved: Option<String>,
}

impl Default for DispatchState {
    fn default() -> Self {
        Self {
            kinds: [true; 5],
            turnout_s: UnitKind::ALL.map(UnitKind::default_turnout_s),
            chosen: None,
            output: None,
            last_key: None,
            last_at: None,
            logged: HashMap::new(),
            audit_open: false,
            audit_saved: None,
        }
    }
}

pub fn mmss(secs: f64) -> String {
    let s = secs.max(0.0).round() as i64;
    format!("{}:{:02}", s / 60, s % 60)
}

fn pct(part: f64, whole: f64) -> String {
    if whole > 0.0 {
        format!("{:.0}%", 100.0 * part / whole)
    } else {
        "–".into()
    }
}

impl OneMapApp {
    fn selected_incident(&self) -> Option<&Incident> {
        match &self.selection {
            Some(Selection::Incident(id)) => self.feed.state.incidents.get(id),
            _ => None,
        }
    }

    /// The current recommendation, if it is for the selected incident.
    pub fn recommendation(&self) -> Option<&DispatchOutput> {
        let inc = self.selected_incident()?;
        self.dispatch
            .output
            .as_deref()
            .filter(|o| o.incident_id == inc.id)
    }

    /// Ask the planner's worker for a recommendation when the incident, the choice or the
    /// filter changed, or the units have moved for a while; log what is shown.
    pub(super) fn update_dispatch(&mut self) {
        // A chosen unit that someone else sent is no longer a choice.
        if let Some(id) = &self.dispatch.chosen
            && self
                .feed
                .state
                .units
                .get(id)
                .is_none_or(|u| u.status != UnitStatus::Available)
        {
            self.dispatch.chosen = None;
        }
        self.log_shown();
        let Some(inc) = self.selected_incident().filter(|i| i.status.is_open()) else {
            return;
        };
        if self.plan.ready.is_none() {
            return;
        }
        let key = (
            inc.id.clone(),
            self.dispatch.chosen.clone(),
            self.dispatch.kinds,
        );
        let due = self.dispatch.last_key.as_ref() != Some(&key)
            || self.dispatch.last_at.is_none_or(|t| t.elapsed() >= REFRESH);
        if !due {
            return;
        }
        let units: Vec<_> = self
            .feed
            .state
            .units
            .values()
            .filter(|u| u.status == UnitStatus::Available)
            .collect();
        let request = DispatchRequest {
            id: 0,
            incident_id: inc.id.clone(),
            at: inc.location.lonlat(),
            responders: units
                .iter()
                .map(|u| Responder {
                    id: u.id.clone(),
                    mode: u.kind.travel_mode(),
                    turnout_s: self.dispatch.turnout_s[u.kind.index()],
                    at: u.position.lonlat(),
                })
                .collect(),
            eligible: units
                .iter()
                .map(|u| self.dispatch.kinds[u.kind.index()])
                .collect(),
            want: SHOWN,
            chosen: self.dispatch.chosen.clone(),
            posts: self
                .ops
                .layers
                .posts
                .iter()
                .map(|p| (format!("{} {}", p.id, p.name), p.pos))
                .collect(),
        };
        if let Some(planner) = &mut self.plan.planner {
            planner.dispatch(request);
            self.dispatch.last_key = Some(key);
            self.dispatch.last_at = Some(Instant::now());
        }
    }

    /// Write the ranked list to the server's audit log when what is shown changes.
    fn log_shown(&mut self) {
        let Some(out) = self.recommendation() else {
            return;
        };
        let ids: Vec<String> = out
            .recommendation
            .ranked
            .iter()
            .map(|r| out.responders[r.index].id.clone())
            .collect();
        if self.dispatch.logged.get(&out.incident_id) == Some(&ids) {
            return;
        }
        let units = out
            .recommendation
            .ranked
            .iter()
            .map(|r| ShownUnit {
                unit_id: out.responders[r.index].id.clone(),
                eta_s: (f64::from(r.eta_s) * 10.0).round() / 10.0,
            })
            .collect();
        let incident = out.incident_id.clone();
        self.feed.send(ClientMessage::Audit {
            action: "recommendation".into(),
            incident_id: Some(incident.clone()),
            units,
        });
        self.dispatch.logged.insert(incident, ids);
    }

    /// Send the chosen unit (or the fastest) to the selected incident.
    pub fn dispatch_chosen(&mut self) {
        let Some(out) = self.recommendation() else {
            return;
        };
        let ranked = &out.recommendation.ranked;
        let pick = match &self.dispatch.chosen {
            Some(id) => ranked
                .iter()
                .position(|r| &out.responders[r.index].id == id),
            None => (!ranked.is_empty()).then_some(0),
        };
        let Some(rank) = pick else {
            return;
        };
        let unit_id = out.responders[ranked[rank].index].id.clone();
        let incident_id = out.incident_id.clone();
        self.send_dispatch(incident_id, unit_id, Some(rank as u32 + 1));
    }

    fn send_dispatch(&mut self, incident_id: String, unit_id: String, rank: Option<u32>) {
        let request_id = self.feed.request_id();
        self.feed.command(ClientMessage::Dispatch {
            request_id,
            incident_id,
            unit_id,
            rank,
        });
        self.dispatch.chosen = None;
    }

    fn set_incident(&mut self, incident_id: String, status: IncidentStatus) {
        let request_id = self.feed.request_id();
        self.feed.command(ClientMessage::SetIncidentStatus {
            request_id,
            incident_id,
            status,
        });
    }

    pub fn acknowledge_selected(&mut self) {
        if let Some(id) = self.selected_incident().map(|i| i.id.clone())
            && self.feed.acknowledged.insert(id.clone())
        {
            self.feed.send(ClientMessage::Audit {
                action: "acknowledge".into(),
                incident_id: Some(id),
                units: Vec::new(),
            });
        }
    }

    /// Keyboard-first queue: J/K (or ↓/↑) next/previous, Enter opens, D dispatches, A
    /// acknowledges, 1–8 choose a ranked unit.
    pub(super) fn queue_keys(&mut self, ctx: &egui::Context) {
        use egui::Key;
        if !self.feed.is_on() || ctx.egui_wants_keyboard_input() {
            return;
        }
        let (next, prev, open, send, ack, digit) = ctx.input(|i| {
            let digit = [
                Key::Num1,
                Key::Num2,
                Key::Num3,
                Key::Num4,
                Key::Num5,
                Key::Num6,
                Key::Num7,
                Key::Num8,
            ]
            .iter()
            .position(|k| i.key_pressed(*k));
            (
                i.key_pressed(Key::J) || i.key_pressed(Key::ArrowDown),
                i.key_pressed(Key::K) || i.key_pressed(Key::ArrowUp),
                i.key_pressed(Key::Enter),
                i.key_pressed(Key::D),
                i.key_pressed(Key::A),
                digit,
            )
        });
        if next || prev || open {
            let queue = queue_order(self.feed.state.incidents.values().cloned());
            let at = self
                .selected_incident()
                .and_then(|s| queue.iter().position(|i| i.id == s.id));
            let to = match (at, next, prev) {
                (None, _, _) => 0,
                (Some(k), true, _) => (k + 1).min(queue.len().saturating_sub(1)),
                (Some(k), _, true) => k.saturating_sub(1),
                (Some(k), _, _) => k,
            };
            if let Some(inc) = queue.get(to) {
                self.dispatch.chosen = None;
                self.commands
                    .push(Command::Select(Some(Selection::Incident(inc.id.clone()))));
                if open || at.is_none() {
                    self.commands.push(Command::FlyTo(inc.location.lonlat()));
                }
            }
        }
        if let Some(d) = digit
            && let Some(out) = self.recommendation()
            && let Some(r) = out.recommendation.ranked.get(d)
        {
            self.dispatch.chosen = Some(out.responders[r.index].id.clone());
        }
        if send {
            self.dispatch_chosen();
        }
        if ack {
            self.acknowledge_selected();
        }
    }

    /// The dispatch part of an incident's inspector.
    /// `layers` are the operational layers (lent out of `self` while the inspector draws).
    pub(super) fn dispatch_ui(
        &mut self,
        ui: &mut Ui,
        theme: &UiTheme,
        inc: &Incident,
        layers: &onemap_core::layers::OpLayers,
    ) {
        let lang = self.settings.lang;
        let t = |k| tr(lang, k);
        if let Some(s) = inc.call_to_dispatch_s() {
            let mut line = format!("{} {}", t(T::CallToDispatch), mmss(s));
            if let Some(a) = inc.dispatch_to_arrival_s() {
                line.push_str(&format!(" · {} {}", t(T::DispatchToArrival), mmss(a)));
            }
            ui.label(RichText::new(line).small());
        }
        if !inc.status.is_open() {
            return;
        }
        // Assigned units and the incident's status changes.
        ui.horizontal_wrapped(|ui| {
            if !self.feed.acknowledged.contains(&inc.id)
                && ui.button(format!("{} (A)", t(T::Acknowledge))).clicked()
            {
                self.acknowledge_selected();
            }
            let has_units = !inc.assigned_units.is_empty();
            if has_units
                && inc.status.can_become(IncidentStatus::OnScene)
                && ui.button(t(T::Arrived)).clicked()
            {
                self.set_incident(inc.id.clone(), IncidentStatus::OnScene);
            }
            if has_units
                && inc.status.can_become(IncidentStatus::Cleared)
                && ui.button(t(T::ClearIncident)).clicked()
            {
                self.set_incident(inc.id.clone(), IncidentStatus::Cleared);
            }
            if ui.button(t(T::CancelIncident)).clicked() {
                self.set_incident(inc.id.clone(), IncidentStatus::Cancelled);
            }
        });
        let chosen = self.recommendation().and_then(|o| {
            let id = self.dispatch.chosen.clone().or_else(|| {
                o.recommendation
                    .ranked
                    .first()
                    .map(|r| o.responders[r.index].id.clone())
            })?;
            Some(id)
        });
        for u in inc.assigned_units.clone() {
            let status = self
                .feed
                .state
                .units
                .get(&u)
                .map(|x| (x.call_sign.clone(), x.status));
            ui.horizontal(|ui| {
                let (name, st) = status.clone().unwrap_or((u.clone(), UnitStatus::OffDuty));
                ui.label(format!("{name} · {}", unit_status_label(lang, st)));
                if let Some(to) = &chosen
                    && ui
                        .small_button(t(T::ReassignTo).replace("{u}", to))
                        .clicked()
                {
                    let request_id = self.feed.request_id();
                    self.feed.command(ClientMessage::Reassign {
                        request_id,
                        incident_id: inc.id.clone(),
                        from_unit: u.clone(),
                        to_unit: to.clone(),
                    });
                }
                if ui.small_button(t(T::StandDown)).clicked() {
                    let request_id = self.feed.request_id();
                    self.feed.command(ClientMessage::SetUnitStatus {
                        request_id,
                        unit_id: u.clone(),
                        status: UnitStatus::Available,
                    });
                }
            });
        }
        ui.separator();
        ui.horizontal(|ui| {
            ui.label(RichText::new(t(T::Recommended)).strong());
            if let Some(o) = self.recommendation() {
                ui.label(
                    RichText::new(format!("{:.1} ms", o.recommend_ms))
                        .small()
                        .color(theme.muted_text),
                );
            }
        });
        ui.horizontal_wrapped(|ui| {
            for kind in UnitKind::ALL {
                let k = kind.index();
                ui.toggle_value(
                    &mut self.dispatch.kinds[k],
                    format!("{} {}", unit_glyph(kind, lang), unit_kind_label(lang, kind)),
                );
            }
        });
        let Some(out) = self.recommendation().cloned() else {
            ui.label(RichText::new(t(T::RecommendWaiting)).color(theme.muted_text));
            return;
        };
        let rec = &out.recommendation;
        if rec.ranked.is_empty() {
            ui.label(RichText::new(t(T::RecommendNone)).color(theme.muted_text));
        }
        let mut send: Option<(String, u32)> = None;
        egui::Grid::new("ranked")
            .num_columns(4)
            .striped(true)
            .show(ui, |ui| {
                for (k, r) in rec.ranked.iter().enumerate() {
                    let u = &out.responders[r.index];
                    let unit = self.feed.state.units.get(&u.id);
                    // Sent elsewhere since this was computed (the next answer drops it).
                    if unit.is_none_or(|x| x.status != UnitStatus::Available) {
                        continue;
                    }
                    let kind = unit.map_or(UnitKind::PatrolCar, |x| x.kind);
                    let name = unit.map_or(u.id.clone(), |x| x.call_sign.clone());
                    let is_chosen = chosen.as_deref() == Some(u.id.as_str());
                    let label = format!("{} {} {}", k + 1, unit_glyph(kind, lang), name);
                    if ui.selectable_label(is_chosen, label).clicked() {
                        self.dispatch.chosen = Some(u.id.clone());
                    }
                    ui.monospace(mmss(f64::from(r.eta_s)))
                        .on_hover_text(format!(
                            "{} {} + {}",
                            t(T::Turnout),
                            mmss(f64::from(u.turnout_s)),
                            mmss(f64::from(r.travel_s))
                        ));
                    ui.label(
                        RichText::new(format!("{:.1} km", r.straight_m / 1000.0))
                            .small()
                            .color(theme.muted_text),
                    );
                    if self.feed.is_pending(&u.id) {
                        ui.label(RichText::new("…").color(theme.status_warn));
                    } else if ui
                        .small_button(t(T::DispatchKey))
                        .on_hover_text(t(T::DispatchHint))
                        .clicked()
                    {
                        send = Some((u.id.clone(), k as u32 + 1));
                    }
                    ui.end_row();
                }
            });
        if let Some((unit, rank)) = send {
            self.send_dispatch(inc.id.clone(), unit, Some(rank));
        }
        if let Some(first) = rec.rest.first() {
            ui.label(
                RichText::new(
                    t(T::MoreUnits)
                        .replace("{n}", &rec.rest.len().to_string())
                        .replace("{t}", &mmss(f64::from(first.at_least_s))),
                )
                .small()
                .color(theme.muted_text),
            );
        }
        if !rec.unplaced.is_empty() {
            let why: Vec<String> = rec
                .unplaced
                .iter()
                .map(|u| format!("{}: {}", out.responders[u.index].id, u.reason))
                .collect();
            ui.label(
                RichText::new(t(T::Unplaced).replace("{n}", &rec.unplaced.len().to_string()))
                    .small()
                    .color(theme.status_warn),
            )
            .on_hover_text(why.join("\n"));
        }
        self.impact_ui(ui, theme, &out, layers);
        self.notices_ui(ui, theme);
    }

    fn impact_ui(
        &mut self,
        ui: &mut Ui,
        theme: &UiTheme,
        out: &DispatchOutput,
        layers: &onemap_core::layers::OpLayers,
    ) {
        let lang = self.settings.lang;
        let t = |k| tr(lang, k);
        let Some(impact) = &out.impact else {
            return;
        };
        ui.separator();
        let view = match impact {
            Ok(v) => v,
            Err(e) => {
                ui.label(RichText::new(e).small().color(theme.status_warn));
                return;
            }
        };
        let name = |id: &str| {
            self.feed
                .state
                .units
                .get(id)
                .map_or(id.to_owned(), |u| u.call_sign.clone())
        };
        let im = &view.impact;
        ui.label(RichText::new(t(T::CoverageImpact).replace("{u}", &name(&view.unit))).strong());
        let d = im.city_demand;
        ui.label(
            RichText::new(
                t(T::CityCoverage)
                    .replace("{a}", &pct(im.before[0], d))
                    .replace("{b}", &pct(im.after[0], d))
                    .replace("{c}", &pct(im.before[1], d))
                    .replace("{d}", &pct(im.after[1], d)),
            )
            .small(),
        );
        if im.beats.is_empty() {
            ui.label(
                RichText::new(t(T::NoBeatsFalling))
                    .small()
                    .color(theme.muted_text),
            );
        } else {
            ui.label(RichText::new(t(T::BeatsFalling)).small().strong());
            egui::Grid::new("impact_beats")
                .num_columns(3)
                .show(ui, |ui| {
                    for b in im.beats.iter().take(6) {
                        let beat = layers.beats.get(b.beat);
                        let label =
                            beat.map_or(b.beat.to_string(), |x| format!("{} {}", x.id, x.name));
                        ui.label(RichText::new(label).small().color(IMPACT));
                        for k in 0..2 {
                            ui.label(
                                RichText::new(format!(
                                    "{}′ {}→{}",
                                    [1, 3][k],
                                    pct(b.before[k], b.demand),
                                    pct(b.after[k], b.demand)
                                ))
                                .small(),
                            );
                        }
                        ui.end_row();
                    }
                });
        }
        match (&view.move_up, &im.move_up) {
            (Some((unit, post, _, to)), Some(m)) => {
                ui.label(
                    RichText::new(
                        t(T::MoveUpSuggest)
                            .replace("{u}", &name(unit))
                            .replace("{p}", post)
                            .replace("{g}", &format!("{:.0}", m.gain[1])),
                    )
                    .small(),
                );
                if ui.button(t(T::MoveUpApply)).clicked() {
                    let request_id = self.feed.request_id();
                    self.feed.command(ClientMessage::MoveUp {
                        request_id,
                        unit_id: unit.clone(),
                        post: Posting {
                            post: post.clone(),
                            position: (*to).into(),
                        },
                    });
                }
            }
            _ => {
                ui.label(
                    RichText::new(t(T::NoMoveUp))
                        .small()
                        .color(theme.muted_text),
                );
            }
        }
    }

    /// The server's answers to this console's recent commands.
    pub(super) fn notices_ui(&mut self, ui: &mut Ui, theme: &UiTheme) {
        if !self.feed.pending.is_empty() {
            ui.label(
                RichText::new(tr(self.settings.lang, T::Pending))
                    .small()
                    .color(theme.status_warn),
            );
        }
        let now = Instant::now();
        for n in self.feed.notices.iter().rev().take(3) {
            if now.duration_since(n.at) > Duration::from_secs(20) {
                continue;
            }
            let colour = if n.ok { theme.status_ok } else { theme.problem };
            ui.label(RichText::new(&n.message).small().color(colour));
        }
    }

    /// The response-time line over the incidents the console knows.
    pub(super) fn response_figures_ui(&self, ui: &mut Ui, theme: &UiTheme) {
        let stats = ResponseStats::of(self.feed.state.incidents.values());
        if stats.call_to_dispatch.count == 0 {
            return;
        }
        let text = tr(self.settings.lang, T::ResponseFigures)
            .replace("{a}", &mmss(stats.call_to_dispatch.median_s))
            .replace("{n}", &stats.call_to_dispatch.count.to_string())
            .replace("{b}", &mmss(stats.dispatch_to_arrival.median_s))
            .replace("{m}", &stats.dispatch_to_arrival.count.to_string());
        ui.label(RichText::new(text).small().color(theme.muted_text));
    }

    /// The audit log window: the newest entries from the server, and CSV export.
    pub(super) fn audit_window(&mut self, ctx: &egui::Context) {
        if !self.dispatch.audit_open {
            return;
        }
        let lang = self.settings.lang;
        let mut open = true;
        let mut refresh = false;
        let mut export = false;
        egui::Window::new(tr(lang, T::AuditLog))
            .open(&mut open)
            .default_size([720.0, 420.0])
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    refresh = ui.button(tr(lang, T::AuditRefresh)).clicked();
                    export = ui.button(tr(lang, T::AuditExport)).clicked();
                    if let Some(s) = &self.dispatch.audit_saved {
                        ui.label(RichText::new(s).small());
                    }
                });
                let Some(page) = &self.feed.audit else {
                    ui.label(tr(lang, T::AuditEmpty));
                    return;
                };
                egui::ScrollArea::both().show(ui, |ui| {
                    egui::Grid::new("audit")
                        .striped(true)
                        .num_columns(6)
                        .show(ui, |ui| {
                            for e in &page.entries {
                                let time = chrono::DateTime::from_timestamp_millis(e.ts)
                                    .map(|t| {
                                        t.with_timezone(&chrono::Local)
                                            .format("%H:%M:%S")
                                            .to_string()
                                    })
                                    .unwrap_or_default();
                                ui.monospace(time);
                                ui.label(&e.action);
                                ui.label(e.incident_id.as_deref().unwrap_or(""));
                                ui.label(e.unit_id.as_deref().unwrap_or(""));
                                ui.label(match e.ok {
                                    Some(true) => "OK",
                                    Some(false) => "×",
                                    None => "",
                                });
                                ui.add(
                                    egui::Label::new(RichText::new(&e.detail).small()).truncate(),
                                );
                                ui.end_row();
                            }
                        });
                });
            });
        if refresh || (open && self.feed.audit.is_none()) {
            self.request_audit();
        }
        if export && let Some(page) = &self.feed.audit {
            let dir = self.plan.export_dir.clone();
            let name = format!("audit-{}.csv", chrono::Local::now().format("%Y%m%d-%H%M%S"));
            let path = dir.join(name);
            let text = onemap_feed::log::audit_csv(&page.entries);
            self.dispatch.audit_saved = Some(
                match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, text)) {
                    Ok(()) => path.display().to_string(),
                    Err(e) => format!("{}: {e}", path.display()),
                },
            );
        }
        self.dispatch.audit_open = open;
    }

    pub fn request_audit(&mut self) {
        let request_id = self.feed.request_id();
        self.feed.send(ClientMessage::AuditQuery {
            request_id,
            before_id: None,
            limit: 500,
        });
    }
}

/// The chosen unit's route, the beats that lose coverage, and the move-up, on the map.
pub fn draw(
    painter: &egui::Painter,
    projector: &Projector<'_>,
    app_out: Option<&DispatchOutput>,
    beats: &[onemap_core::layers::Beat],
    theme: &UiTheme,
) {
    let Some(out) = app_out else {
        return;
    };
    if let Some(Ok(view)) = &out.impact {
        for b in view.impact.beats.iter().take(6) {
            if let Some(beat) = beats.get(b.beat) {
                for ring in &beat.rings {
                    let pts: Vec<Pos2> = ring.iter().map(|p| screen(projector, *p)).collect();
                    painter.add(Shape::closed_line(pts, Stroke::new(4.0, IMPACT)));
                }
            }
        }
        if let Some((_, _, from, to)) = &view.move_up {
            let (a, b) = (screen(projector, *from), screen(projector, *to));
            painter.add(Shape::dashed_line(
                &[a, b],
                Stroke::new(2.5, theme.status_warn),
                8.0,
                5.0,
            ));
            painter.circle_stroke(b, 8.0, Stroke::new(2.5, theme.status_warn));
        }
    }
    if let Some(route) = &out.route {
        let pts: Vec<Pos2> = route.line.iter().map(|p| screen(projector, *p)).collect();
        painter.add(Shape::line(
            pts.clone(),
            Stroke::new(7.0, Color32::from_black_alpha(120)),
        ));
        painter.add(Shape::line(pts, Stroke::new(4.0, ROUTE)));
    }
}
