//! The duty commander's dispatch panel (part of an incident's inspector): response times,
//! status changes, the assigned units, every available unit ranked by exact network ETA with
//! one-click dispatch, the coverage the chosen unit's departure costs and the move-up that
//! wins it back. Every control that would send a command is disabled, with the reason, while
//! the feed is not connected.

use egui::{RichText, Ui};
use onemap_core::feed::lifecycle::{Dispatch, MoveUp, Reassign, SetIncidentStatus, SetUnitStatus};
use onemap_core::feed::{
    Command as FeedCommand, Incident, IncidentStatus, Posting, UnitId, UnitKind, UnitStatus,
};

use crate::frame::Frame;
use crate::map::draw::unit_glyph;
use crate::model::Command;
use crate::ui::i18n::{T, tr};
use crate::ui::labels::{unit_kind_label, unit_status_label};
use crate::workers::dispatch::DispatchOutput;

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

fn send(f: &Frame<'_>, command: FeedCommand) {
    f.send(Command::Send(command));
}

pub fn dispatch_ui(ui: &mut Ui, f: &Frame<'_>, inc: &Incident) {
    if let Some(s) = inc.call_to_dispatch_s() {
        let mut line = format!("{} {}", f.tr(T::CallToDispatch), mmss(s));
        if let Some(a) = inc.dispatch_to_arrival_s() {
            line.push_str(&format!(" · {} {}", f.tr(T::DispatchToArrival), mmss(a)));
        }
        ui.label(RichText::new(line).small());
    }
    if !inc.status.is_open() {
        return;
    }
    status_buttons_ui(ui, f, inc);
    stale_ui(ui, f);
    if !inc.assigned_units.is_empty() {
        assigned_ui(ui, f, inc);
        let mut more = f.state.dispatch.reinforce;
        if ui.toggle_value(&mut more, f.tr(T::Reinforce)).changed() {
            f.send(Command::SetReinforce(more));
        }
    }
    if f.state.ranking(inc) {
        ui.separator();
        ranked_ui(ui, f, inc);
        if let Some(out) = f.state.recommendation() {
            impact_ui(ui, f, out);
        }
    }
}

/// While the feed is late or lost: what is shown is as of when, and is not to be acted on.
fn stale_ui(ui: &mut Ui, f: &Frame<'_>) {
    if let Some(t) = f.state.live.health(f.now_ms).as_of_ms() {
        let text = f
            .tr(T::StaleRecommendation)
            .replace("{t}", &super::top_bar::local_time(t, "%H:%M:%S"));
        ui.label(RichText::new(text).color(f.theme.problem).strong());
    }
}

fn status_buttons_ui(ui: &mut Ui, f: &Frame<'_>, inc: &Incident) {
    let set = |status| {
        FeedCommand::SetIncidentStatus(SetIncidentStatus {
            incident_id: inc.id.clone(),
            status,
        })
    };
    if let Some(a) = &inc.acknowledged {
        let text = f
            .tr(T::AckedBy)
            .replace("{n}", &a.by)
            .replace("{t}", &super::top_bar::local_time(a.at_ms, "%H:%M:%S"));
        ui.label(RichText::new(text).small().color(f.theme.muted_text));
    }
    ui.horizontal_wrapped(|ui| {
        if inc.acknowledged.is_none()
            && f.command_button(
                ui,
                "acknowledge",
                egui::Button::new(format!("{} (A)", f.tr(T::Acknowledge))),
            )
        {
            f.send(Command::Acknowledge(inc.id.clone()));
        }
        let has_units = !inc.assigned_units.is_empty();
        if has_units
            && inc.status.can_become(IncidentStatus::OnScene)
            && f.command_button(
                ui,
                "set_incident_status",
                egui::Button::new(format!("{} (R)", f.tr(T::Arrived))),
            )
        {
            send(f, set(IncidentStatus::OnScene));
        }
        if has_units
            && inc.status.can_become(IncidentStatus::Cleared)
            && f.command_button(
                ui,
                "set_incident_status",
                egui::Button::new(format!("{} (C)", f.tr(T::ClearIncident))),
            )
        {
            send(f, set(IncidentStatus::Cleared));
        }
        if f.command_button(
            ui,
            "set_incident_status",
            egui::Button::new(f.tr(T::CancelIncident)),
        ) {
            send(f, set(IncidentStatus::Cancelled));
        }
    });
}

/// A sent unit's ETA now (counting down between refreshes) and its progress, from the
/// routing worker's answer for the units sent; none while the feed is not live (the unit's
/// position is not known to be current, so neither is its ETA).
fn eta_of(f: &Frame<'_>, inc: &Incident, unit: &UnitId) -> Option<(f64, f32)> {
    if !f.state.live.health(f.now_ms).is_live() {
        return None;
    }
    let out = f.state.recommendation().filter(|o| o.assigned)?;
    let r = out
        .recommendation
        .ranked
        .iter()
        .find(|r| out.responders[r.index].id == unit.as_str())?;
    let since_s = (f.now_ms - f.state.dispatch.output_at_ms).max(0) as f64 / 1000.0;
    let left = (f64::from(r.eta_s) - since_s).max(0.0);
    let first = f
        .state
        .dispatch
        .first_eta
        .get(&(inc.id.clone(), unit.clone()))
        .copied()
        .unwrap_or(r.eta_s)
        .max(1.0);
    Some((left, (1.0 - left as f32 / first).clamp(0.0, 1.0)))
}

fn assigned_ui(ui: &mut Ui, f: &Frame<'_>, inc: &Incident) {
    let lang = f.lang();
    let chosen = f.state.chosen_unit().map(|(id, _)| id);
    ui.label(RichText::new(f.tr(T::SentUnits)).strong());
    for u in &inc.assigned_units {
        let unit = f.state.shown_feed().units.get(u);
        let status = unit.map_or(UnitStatus::OffDuty, |x| x.status);
        let name = unit.map_or(u.as_str(), |x| x.call_sign.as_str());
        ui.horizontal_wrapped(|ui| {
            let glyph = unit.map_or("", |x| unit_glyph(x.kind, lang));
            ui.label(RichText::new(format!("{glyph} {name}")).strong());
            ui.label(unit_status_label(lang, status));
            if let Some((left, _)) = eta_of(f, inc, u)
                && matches!(status, UnitStatus::Dispatched | UnitStatus::EnRoute)
            {
                ui.monospace(f.tr(T::EtaLeft).replace("{t}", &mmss(left)));
            }
        });
        if let Some((_, progress)) = eta_of(f, inc, u)
            && matches!(status, UnitStatus::Dispatched | UnitStatus::EnRoute)
        {
            ui.add(
                egui::ProgressBar::new(progress)
                    .desired_height(6.0)
                    .fill(f.theme.route),
            );
        }
        ui.horizontal_wrapped(|ui| {
            if let Some(to) = chosen.as_ref().filter(|to| *to != u) {
                let label = f.tr(T::ReassignTo).replace("{u}", to.as_str());
                if f.command_button(ui, "reassign", egui::Button::new(label).small()) {
                    send(
                        f,
                        FeedCommand::Reassign(Reassign {
                            incident_id: inc.id.clone(),
                            from_unit: u.clone(),
                            to_unit: to.clone(),
                        }),
                    );
                }
            }
            if f.command_button(
                ui,
                "set_unit_status",
                egui::Button::new(f.tr(T::StandDown)).small(),
            ) {
                send(
                    f,
                    FeedCommand::SetUnitStatus(SetUnitStatus {
                        unit_id: u.clone(),
                        status: UnitStatus::Available,
                    }),
                );
            }
        });
    }
}

fn ranked_ui(ui: &mut Ui, f: &Frame<'_>, inc: &Incident) {
    let (lang, theme) = (f.lang(), f.theme);
    let state = f.state;
    ui.horizontal(|ui| {
        ui.label(RichText::new(f.tr(T::Recommended)).strong());
        if let Some(o) = state.recommendation().filter(|o| !o.assigned) {
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
            let mut kinds = state.dispatch.kinds;
            let label = format!("{} {}", unit_glyph(kind, lang), unit_kind_label(lang, kind));
            if ui.toggle_value(&mut kinds[k], label).changed() {
                f.send(Command::SetDispatchKinds(kinds));
            }
        }
    });
    let Some(out) = state.recommendation().filter(|o| !o.assigned) else {
        ui.label(RichText::new(f.tr(T::RecommendWaiting)).color(theme.muted_text));
        return;
    };
    let rec = &out.recommendation;
    if rec.ranked.is_empty() {
        ui.label(RichText::new(f.tr(T::RecommendNone)).color(theme.muted_text));
    }
    let chosen = state.chosen_unit().map(|(id, _)| id);
    egui::Grid::new("ranked")
        .num_columns(4)
        .striped(true)
        .show(ui, |ui| {
            for (k, r) in rec.ranked.iter().enumerate() {
                let id = UnitId::from(out.responders[r.index].id.as_str());
                let Some(unit) = state.shown_feed().units.get(&id) else {
                    continue;
                };
                // Sent elsewhere since this was computed (the next answer drops it).
                if unit.status != UnitStatus::Available {
                    continue;
                }
                let is_chosen = chosen.as_ref() == Some(&id);
                let label = format!(
                    "{} {} {}",
                    k + 1,
                    unit_glyph(unit.kind, lang),
                    unit.call_sign
                );
                if ui.selectable_label(is_chosen, label).clicked() {
                    f.send(Command::ChooseUnit(Some(id.clone())));
                }
                let turnout = out.responders[r.index].turnout_s;
                ui.monospace(mmss(f64::from(r.eta_s)))
                    .on_hover_text(format!(
                        "{} {} + {}",
                        f.tr(T::Turnout),
                        mmss(f64::from(turnout)),
                        mmss(f64::from(r.travel_s))
                    ));
                ui.label(
                    RichText::new(format!("{:.1} km", r.straight_m / 1000.0))
                        .small()
                        .color(theme.muted_text),
                );
                if state.live.is_pending(&id) {
                    ui.label(RichText::new("…").color(theme.status_warn));
                } else {
                    let button = egui::Button::new(f.tr(T::DispatchKey)).small();
                    if f.command_button(ui, "dispatch", button) {
                        send(
                            f,
                            FeedCommand::Dispatch(Dispatch {
                                incident_id: inc.id.clone(),
                                unit_id: id.clone(),
                                rank: Some(k as u32 + 1),
                            }),
                        );
                        // Show where the unit comes from and where it goes.
                        let both = vec![inc.location.lonlat(), unit.position.lonlat()];
                        f.send(Command::FitPoints(both));
                    }
                }
                ui.end_row();
            }
        });
    if let Some(first) = rec.rest.first() {
        ui.label(
            RichText::new(
                f.tr(T::MoreUnits)
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
            RichText::new(
                f.tr(T::Unplaced)
                    .replace("{n}", &rec.unplaced.len().to_string()),
            )
            .small()
            .color(theme.status_warn),
        )
        .on_hover_text(why.join("\n"));
    }
}

fn impact_ui(ui: &mut Ui, f: &Frame<'_>, out: &DispatchOutput) {
    let lang = f.lang();
    let theme = f.theme;
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
    let units = &f.state.shown_feed().units;
    let name = |id: &str| units.get(id).map_or(id.to_owned(), |u| u.call_sign.clone());
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
    let beats = &f.state.ops.layers.beats;
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
                    let label = beats
                        .get(b.beat)
                        .map_or(b.beat.to_string(), |x| format!("{} {}", x.id, x.name));
                    ui.label(RichText::new(label).small().color(theme.impact));
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
            if f.command_button(ui, "move_up", egui::Button::new(t(T::MoveUpApply))) {
                send(
                    f,
                    FeedCommand::MoveUp(MoveUp {
                        unit_id: unit.as_str().into(),
                        post: Posting {
                            post: post.clone(),
                            position: (*to).into(),
                        },
                    }),
                );
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
