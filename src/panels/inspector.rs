//! The inspector: the selected feature's attributes (editable in edit mode) and what relates
//! to it (its beat, the cameras that see it, the nearest posts and police station, a beat's
//! members, a station's beats); for a live incident, the dispatch panel.

use egui::{RichText, Ui};
use onemap_core::layers::{Camera, CameraKind, CameraStatus, Keyword, OpLayers, Post, PostKind};

use super::dispatch::dispatch_ui;

use crate::frame::Frame;
use crate::model::{Command, ReplayCommand, Selection};
use crate::ops::Editable;
use crate::state::related::Related;
use crate::ui::i18n::{T, tr};
use crate::ui::labels::{
    self, category_label, command_label, incident_status_label, unit_kind_label, unit_status_label,
};

/// A wrapping link that selects a related feature.
fn select_button(ui: &mut Ui, f: &Frame<'_>, label: String, selection: Selection) {
    let colour = ui.visuals().hyperlink_color;
    let response = ui.add(
        egui::Label::new(RichText::new(label).color(colour))
            .wrap()
            .sense(egui::Sense::click()),
    );
    if response.clicked() {
        f.send(Command::Select(Some(selection)));
    }
}

/// Width of an attribute's value in the details (the right column less the key's column).
const VALUE_WIDTH: f32 = 215.0;

/// One attribute row of a two-column grid; long values wrap inside the panel (at spaces).
fn row(ui: &mut Ui, f: &Frame<'_>, key: T, value: String) {
    let value_width = VALUE_WIDTH;
    ui.label(RichText::new(f.tr(key)).color(f.theme.muted_text));
    ui.scope(|ui| {
        ui.set_max_width(value_width);
        ui.add(egui::Label::new(value).wrap());
    });
    ui.end_row();
}

pub fn inspector_ui(ui: &mut Ui, f: &Frame<'_>) {
    let Some(selection) = &f.state.selection else {
        return;
    };
    ui.horizontal(|ui| {
        ui.heading(f.tr(T::Inspector));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.button(f.tr(T::Close)).clicked() {
                f.send(Command::Select(None));
            }
        });
    });
    ui.separator();
    let layers = &f.state.ops.layers;
    match selection {
        Selection::Beat(id) => beat_ui(ui, f, layers, id),
        Selection::Camera(id) => {
            if let Some(c) = layers.cameras.iter().find(|c| &c.id == id) {
                camera_ui(ui, f, c);
                point_related_ui(ui, f);
            }
        }
        Selection::Post(id) => {
            if let Some(p) = layers.posts.iter().find(|p| &p.id == id) {
                post_ui(ui, f, p);
                point_related_ui(ui, f);
            }
        }
        Selection::Station(id) => station_ui(ui, f, layers, id),
        Selection::Point(p) => {
            ui.label(RichText::new(f.tr(T::Point)).strong());
            egui::Grid::new("point").num_columns(2).show(ui, |ui| {
                row(ui, f, T::Position, format!("{:.6}, {:.6}", p.lat, p.lon));
            });
            point_related_ui(ui, f);
        }
        Selection::Unit(id) => {
            unit_ui(ui, f, id);
            point_related_ui(ui, f);
        }
        Selection::Incident(id) => {
            incident_ui(ui, f, id);
            point_related_ui(ui, f);
        }
    }
}

fn beat_ui(ui: &mut Ui, f: &Frame<'_>, layers: &OpLayers, id: &onemap_core::layers::BeatId) {
    let Some(b) = layers.beats.iter().find(|b| &b.id == id) else {
        return;
    };
    let lang = f.lang();
    let related = &f.state.related;
    let station = layers.stations.iter().find(|s| s.id == b.station_id);
    ui.label(RichText::new(f.tr(T::Beats)).strong());
    egui::Grid::new("beat").num_columns(2).show(ui, |ui| {
        row(ui, f, T::Id, b.id.to_string());
        row(ui, f, T::Name, b.name.clone());
        row(
            ui,
            f,
            T::Station,
            station.map_or_else(
                || b.station_id.to_string(),
                |s| format!("{} {}", s.id, s.name),
            ),
        );
        row(ui, f, T::Officers, b.officers_on_duty.to_string());
        row(
            ui,
            f,
            T::AreaType,
            tr(lang, labels::area_type(b.area_type)).to_string(),
        );
    });
    if let Some(s) = station {
        select_button(
            ui,
            f,
            format!("→ {} {}", s.id, s.name),
            Selection::Station(s.id.clone()),
        );
    }
    ui.separator();
    ui.label(
        RichText::new(format!(
            "{} ({})",
            f.tr(T::CamerasInBeat),
            related.cameras_in_beat.len()
        ))
        .strong(),
    );
    for &c in related.cameras_in_beat.iter().take(40) {
        let cam = &layers.cameras[c];
        select_button(
            ui,
            f,
            format!("{} {}", cam.id, cam.name),
            Selection::Camera(cam.id.clone()),
        );
    }
    ui.label(
        RichText::new(format!(
            "{} ({})",
            f.tr(T::PostsInBeat),
            related.posts_in_beat.len()
        ))
        .strong(),
    );
    for &p in &related.posts_in_beat {
        let post = &layers.posts[p];
        select_button(
            ui,
            f,
            format!("{} {}", post.id, post.name),
            Selection::Post(post.id.clone()),
        );
    }
}

fn camera_ui(ui: &mut Ui, f: &Frame<'_>, c: &Camera) {
    let lang = f.lang();
    ui.label(RichText::new(f.tr(T::Cameras)).strong());
    if f.state.edit_mode {
        camera_editor_ui(ui, f, c);
        return;
    }
    egui::Grid::new("camera").num_columns(2).show(ui, |ui| {
        row(ui, f, T::Id, c.id.to_string());
        row(ui, f, T::Name, c.name.clone());
        row(
            ui,
            f,
            T::Kind,
            tr(lang, labels::camera_kind(c.kind)).to_string(),
        );
        row(ui, f, T::Heading, format!("{:.1}", c.heading_deg));
        row(ui, f, T::Fov, format!("{:.0}", c.fov_deg));
        row(ui, f, T::Range, format!("{:.0}", c.range_m));
        row(
            ui,
            f,
            T::Status,
            tr(lang, labels::camera_status(c.status)).to_string(),
        );
        row(
            ui,
            f,
            T::Position,
            format!("{:.6}, {:.6}", c.pos.lat, c.pos.lon),
        );
    });
}

fn post_ui(ui: &mut Ui, f: &Frame<'_>, p: &Post) {
    ui.label(RichText::new(f.tr(T::Posts)).strong());
    if f.state.edit_mode {
        post_editor_ui(ui, f, p);
        return;
    }
    egui::Grid::new("post").num_columns(2).show(ui, |ui| {
        row(ui, f, T::Id, p.id.to_string());
        row(ui, f, T::Name, p.name.clone());
        row(ui, f, T::Kind, f.tr(labels::post_kind(p.kind)).to_string());
        row(ui, f, T::StaffedHours, p.staffed_hours.clone());
        row(
            ui,
            f,
            T::Position,
            format!("{:.6}, {:.6}", p.pos.lat, p.pos.lon),
        );
    });
}

fn station_ui(ui: &mut Ui, f: &Frame<'_>, layers: &OpLayers, id: &onemap_core::layers::StationId) {
    let Some(s) = layers.stations.iter().find(|s| &s.id == id) else {
        return;
    };
    let related = &f.state.related;
    ui.label(RichText::new(f.tr(labels::station_kind(s.kind))).strong());
    egui::Grid::new("station").num_columns(2).show(ui, |ui| {
        row(ui, f, T::Id, s.id.to_string());
        row(ui, f, T::Name, s.name.clone());
        row(
            ui,
            f,
            T::Position,
            format!("{:.6}, {:.6}", s.pos.lat, s.pos.lon),
        );
    });
    ui.separator();
    ui.label(
        RichText::new(format!(
            "{} ({})",
            f.tr(T::BeatsOfStation),
            related.beats_of_station.len()
        ))
        .strong(),
    );
    for &b in &related.beats_of_station {
        let beat = &layers.beats[b];
        select_button(
            ui,
            f,
            format!("{} {}", beat.id, beat.name),
            Selection::Beat(beat.id.clone()),
        );
    }
}

fn unit_ui(ui: &mut Ui, f: &Frame<'_>, id: &onemap_core::feed::UnitId) {
    let lang = f.lang();
    let Some(u) = f.state.shown_feed().units.get(id) else {
        ui.label(f.tr(T::None_));
        return;
    };
    let age_s = (f.at_ms - u.fix_at_ms) / 1000;
    ui.label(RichText::new(format!("{} {}", u.call_sign, u.id)).strong());
    egui::Grid::new("unit").num_columns(2).show(ui, |ui| {
        row(ui, f, T::Kind, unit_kind_label(lang, u.kind).to_owned());
        row(
            ui,
            f,
            T::Status,
            unit_status_label(lang, u.status).to_owned(),
        );
        row(ui, f, T::Speed, format!("{:.0} km/h", u.speed_kmh));
        row(
            ui,
            f,
            T::LastFix,
            format!("{age_s} {}", f.tr(T::SecondsShort)),
        );
        let p = u.position.lonlat();
        row(ui, f, T::Position, format!("{:.6}, {:.6}", p.lat, p.lon));
    });
    if let Some(progress) = crate::state::patrol::progress(f.state, u, f.at_ms) {
        patrol_progress_ui(ui, f, u, &progress);
    }
}

/// A patrolling unit: its route, the next stop, late or on time, stops missed, laps, and how
/// far off the route it is.
fn patrol_progress_ui(
    ui: &mut Ui,
    f: &Frame<'_>,
    u: &onemap_core::feed::Unit,
    p: &crate::state::patrol::Progress,
) {
    let theme = f.theme;
    ui.label(RichText::new(format!("{} · {}", f.tr(T::PatrolProgress), p.name)).strong());
    let next = match p.next {
        Some((k, n)) => {
            let mut s = f
                .tr(T::PatrolNext)
                .replace("{k}", &k.to_string())
                .replace("{n}", &n.to_string());
            if p.at_stop {
                s.push_str(f.tr(T::PatrolAtStop));
            }
            s
        }
        None => f.tr(T::PatrolDone).to_owned(),
    };
    ui.label(next);
    if let Some(late) = p.late_s {
        let (text, colour) = if late > 120.0 {
            let m = format!("{:.0}", late / 60.0);
            (f.tr(T::PatrolLate).replace("{m}", &m), theme.status_warn)
        } else {
            (f.tr(T::PatrolOnTime).to_owned(), theme.muted_text)
        };
        ui.label(RichText::new(text).color(colour));
    }
    let mut facts = vec![f.tr(T::PatrolLaps).replace("{n}", &p.laps.to_string())];
    if p.missed > 0 {
        facts.push(f.tr(T::PatrolMissed).replace("{n}", &p.missed.to_string()));
    }
    if let Some(m) = p.off_route_m {
        facts.push(f.tr(T::PatrolOffRoute).replace("{m}", &format!("{m:.0}")));
    }
    let warn = p.missed > 0 || p.off_route_m.is_some_and(|m| m > 200.0);
    let colour = if warn {
        theme.status_warn
    } else {
        theme.muted_text
    };
    ui.label(RichText::new(facts.join(" · ")).small().color(colour));
    if f.state.live.may("assign_patrol").is_ok() && ui.small_button(f.tr(T::PatrolEnd)).clicked() {
        f.send(Command::Send(onemap_core::feed::Command::AssignPatrol(
            onemap_core::feed::patrol::AssignPatrol {
                unit_id: u.id.clone(),
                patrol: None,
            },
        )));
    }
}

fn incident_ui(ui: &mut Ui, f: &Frame<'_>, id: &onemap_core::feed::IncidentId) {
    let lang = f.lang();
    let Some(i) = f.state.shown_feed().incidents.get(id) else {
        ui.label(f.tr(T::None_));
        return;
    };
    let age_s = (f.at_ms - i.reported_at_ms) / 1000;
    ui.label(
        RichText::new(format!(
            "P{} {} {}",
            i.priority,
            category_label(lang, i.category),
            i.id
        ))
        .strong(),
    );
    egui::Grid::new("incident").num_columns(2).show(ui, |ui| {
        row(ui, f, T::Address, i.address.clone());
        row(
            ui,
            f,
            T::Status,
            incident_status_label(lang, i.status).to_owned(),
        );
        row(ui, f, T::Age, format!("{}:{:02}", age_s / 60, age_s % 60));
        let units: Vec<&str> = i.assigned_units.iter().map(|u| u.as_str()).collect();
        row(ui, f, T::AssignedUnits, units.join(", "));
        // Masked even here: the full number is for the call-taker's phone, not the screen.
        if let Some(number) = &i.callback {
            row(
                ui,
                f,
                T::Callback,
                onemap_core::feed::policy::mask_callback(number),
            );
        }
    });
    if i.calls > 1 {
        ui.label(f.tr(T::CallsLinked).replace("{n}", &i.calls.to_string()));
    }
    for note in &i.notes {
        let text = if note.private {
            format!("{} {}", f.tr(T::PrivateNote), note.text)
        } else {
            note.text.clone()
        };
        ui.label(RichText::new(text).small());
    }
    timeline_ui(ui, f, i);
    // From the call's time: the map and the panels as they were when it came in.
    let replay = egui::Button::new(f.tr(T::ReplayThisCall));
    if ui.add_enabled(f.state.live.is_on(), replay).clicked() {
        let at = i.reported_at_ms - 30_000;
        f.send(Command::Replay(if f.state.replaying() {
            ReplayCommand::Seek(at)
        } else {
            ReplayCommand::Open(at)
        }));
    }
    dispatch_ui(ui, f, i);
}

/// The incident's timeline from the server's audit log: who did what, when, carried out or
/// refused (for the roles that may read it; refreshed whenever the incident changes).
fn timeline_ui(ui: &mut Ui, f: &Frame<'_>, i: &onemap_core::feed::Incident) {
    let Some(page) = f
        .state
        .live
        .timeline
        .as_ref()
        .filter(|p| p.incident_id == i.id && !f.state.replaying())
    else {
        return;
    };
    egui::CollapsingHeader::new(f.tr(T::Timeline))
        .default_open(true)
        .show(ui, |ui| {
            for e in &page.entries {
                let mut text = format!(
                    "{}  {}  {}",
                    super::top_bar::local_time(e.at_ms, "%H:%M:%S"),
                    e.by,
                    command_label(f.lang(), &e.kind)
                );
                if let Some(u) = &e.unit_id {
                    text.push_str(&format!("  {u}"));
                }
                let mut line = RichText::new(text).small();
                if !e.ok {
                    line = line.strikethrough();
                }
                let response = ui.label(line);
                if !e.ok {
                    response.on_hover_text(&e.result);
                }
            }
        });
}

fn point_related_ui(ui: &mut Ui, f: &Frame<'_>) {
    let layers = &f.state.ops.layers;
    let related: &Related = &f.state.related;
    ui.separator();
    ui.label(RichText::new(f.tr(T::InBeat)).strong());
    match related.beat {
        Some(b) => {
            let beat = &layers.beats[b];
            select_button(
                ui,
                f,
                format!("{} {}", beat.id, beat.name),
                Selection::Beat(beat.id.clone()),
            );
        }
        None => {
            ui.label(f.tr(T::None_));
        }
    }
    ui.label(
        RichText::new(format!(
            "{} ({})",
            f.tr(T::CamerasSeeing),
            related.cameras_seeing.len()
        ))
        .strong(),
    );
    for &c in related.cameras_seeing.iter().take(20) {
        let cam = &layers.cameras[c];
        select_button(
            ui,
            f,
            format!("{} {}", cam.id, cam.name),
            Selection::Camera(cam.id.clone()),
        );
    }
    ui.label(RichText::new(f.tr(T::NearestPosts)).strong());
    for &(p, d) in &related.nearest_posts {
        let post = &layers.posts[p];
        select_button(
            ui,
            f,
            format!("{} {} · {d:.0} {}", post.id, post.name, f.tr(T::Metres)),
            Selection::Post(post.id.clone()),
        );
    }
    ui.label(RichText::new(f.tr(T::NearestStation)).strong());
    if let Some((s, d)) = related.nearest_police {
        let st = &layers.stations[s];
        select_button(
            ui,
            f,
            format!("{} {} · {d:.0} {}", st.id, st.name, f.tr(T::Metres)),
            Selection::Station(st.id.clone()),
        );
    }
}

fn camera_editor_ui(ui: &mut Ui, f: &Frame<'_>, c: &Camera) {
    let lang = f.lang();
    let mut edited = c.clone();
    egui::Grid::new("camera-edit")
        .num_columns(2)
        .show(ui, |ui| {
            ui.label(f.tr(T::Id));
            ui.label(c.id.to_string());
            ui.end_row();
            ui.label(f.tr(T::Name));
            ui.add(egui::TextEdit::singleline(&mut edited.name).desired_width(160.0));
            ui.end_row();
            ui.label(f.tr(T::Kind));
            egui::ComboBox::from_id_salt("camera-kind")
                .selected_text(tr(lang, labels::camera_kind(edited.kind)))
                .show_ui(ui, |ui| {
                    for &k in CameraKind::ALL {
                        ui.selectable_value(&mut edited.kind, k, tr(lang, labels::camera_kind(k)));
                    }
                });
            ui.end_row();
            ui.label(f.tr(T::Heading));
            ui.add(
                egui::DragValue::new(&mut edited.heading_deg)
                    .range(0.0..=359.9)
                    .speed(1.0),
            );
            ui.end_row();
            ui.label(f.tr(T::Fov));
            ui.add(
                egui::DragValue::new(&mut edited.fov_deg)
                    .range(1.0..=360.0)
                    .speed(1.0),
            );
            ui.end_row();
            ui.label(f.tr(T::Range));
            ui.add(
                egui::DragValue::new(&mut edited.range_m)
                    .range(1.0..=2000.0)
                    .speed(1.0),
            );
            ui.end_row();
            ui.label(f.tr(T::Status));
            egui::ComboBox::from_id_salt("camera-status")
                .selected_text(tr(lang, labels::camera_status(edited.status)))
                .show_ui(ui, |ui| {
                    for &s in CameraStatus::ALL {
                        ui.selectable_value(
                            &mut edited.status,
                            s,
                            tr(lang, labels::camera_status(s)),
                        );
                    }
                });
            ui.end_row();
        });
    if edited != *c && !edited.name.trim().is_empty() {
        f.send(Command::EditFeature(Editable::Camera(edited)));
    }
}

fn post_editor_ui(ui: &mut Ui, f: &Frame<'_>, p: &Post) {
    let lang = f.lang();
    let mut edited = p.clone();
    egui::Grid::new("post-edit").num_columns(2).show(ui, |ui| {
        ui.label(f.tr(T::Id));
        ui.label(p.id.to_string());
        ui.end_row();
        ui.label(f.tr(T::Name));
        ui.add(egui::TextEdit::singleline(&mut edited.name).desired_width(160.0));
        ui.end_row();
        ui.label(f.tr(T::Kind));
        egui::ComboBox::from_id_salt("post-kind")
            .selected_text(tr(lang, labels::post_kind(edited.kind)))
            .show_ui(ui, |ui| {
                for &k in PostKind::ALL {
                    ui.selectable_value(&mut edited.kind, k, tr(lang, labels::post_kind(k)));
                }
            });
        ui.end_row();
        ui.label(f.tr(T::StaffedHours));
        ui.add(egui::TextEdit::singleline(&mut edited.staffed_hours).desired_width(160.0));
        ui.end_row();
    });
    let valid = !edited.name.trim().is_empty()
        && onemap_core::layers::io::valid_staffed_hours(&edited.staffed_hours);
    if edited != *p && valid {
        f.send(Command::EditFeature(Editable::Post(edited)));
    }
}
