//! The new-call form (接警, key N): where the caller is (an address, a click on the map, or
//! pasted coordinates), what happened, how urgent, a callback number; open incidents nearby
//! offered as the same event before a new one is created. Nothing changes here: each edit is
//! a `SetIntake`, creating or linking a feed command the server decides.

use egui::{RichText, Ui};
use onemap_core::coord::BBox;
use onemap_core::feed::Category;
use onemap_core::geocode::{Found, parse_coordinates};

use crate::frame::Frame;
use crate::model::Command;
use crate::state::intake::{CallPlace, IntakeForm, Missing, PlaceSource, duplicates};
use crate::ui::i18n::T;
use crate::ui::labels::category_label;

pub fn intake_window(ctx: &egui::Context, f: &Frame<'_>) {
    let Some(form) = &f.state.intake else {
        return;
    };
    let mut open = true;
    // Bottom left, over the layer list: the map's middle, where the place is shown, stays clear.
    let screen = ctx.content_rect();
    egui::Window::new(f.tr(T::IntakeTitle))
        .id(egui::Id::unique("intake"))
        .open(&mut open)
        .pivot(egui::Align2::LEFT_BOTTOM)
        .default_pos([8.0, screen.bottom() - 28.0])
        .default_width(420.0)
        .resizable(false)
        .show(ctx, |ui| form_ui(ui, f, form));
    if !open {
        f.send(Command::OpenIntake(false));
    }
}

fn found_label(f: &Frame<'_>, source: PlaceSource) -> &'static str {
    f.tr(match source {
        PlaceSource::Address(Found::Exact) => T::IntakeFoundExact,
        PlaceSource::Address(Found::Interpolated) => T::IntakeFoundInterpolated,
        PlaceSource::Address(Found::Street) => T::IntakeFoundStreet,
        PlaceSource::Map => T::IntakeFromMap,
        PlaceSource::Coordinates => T::IntakeFromCoords,
    })
}

fn form_ui(ui: &mut Ui, f: &Frame<'_>, form: &IntakeForm) {
    let mut next = form.clone();
    place_ui(ui, f, form, &mut next);
    ui.separator();
    egui::Grid::new("intake_fields")
        .num_columns(2)
        .spacing([8.0, 6.0])
        .show(ui, |ui| {
            ui.label(f.tr(T::IntakeCategory));
            egui::ComboBox::from_id_salt("intake_category")
                .selected_text(category_label(f.lang(), next.category))
                .show_ui(ui, |ui| {
                    for c in Category::ALL {
                        ui.selectable_value(&mut next.category, c, category_label(f.lang(), c));
                    }
                });
            ui.end_row();
            ui.label(f.tr(T::IntakePriority));
            ui.horizontal(|ui| {
                for p in 1..=4u8 {
                    ui.selectable_value(&mut next.priority, p, format!("P{p}"));
                }
            });
            ui.end_row();
            let label = ui.label(f.tr(T::IntakeDescription));
            ui.add(
                egui::TextEdit::multiline(&mut next.description)
                    .id_salt("intake_description")
                    .desired_rows(2)
                    .desired_width(300.0),
            )
            .labelled_by(label.id);
            ui.end_row();
            let label = ui.label(f.tr(T::Callback));
            ui.add(
                egui::TextEdit::singleline(&mut next.callback)
                    .id_salt("intake_callback")
                    .desired_width(200.0),
            )
            .labelled_by(label.id);
            ui.end_row();
        });
    duplicates_ui(ui, f, form);
    ui.separator();
    ui.horizontal(|ui| {
        if form.sending.is_some() {
            ui.add_enabled(false, egui::Button::new(f.tr(T::IntakeSending)));
        } else {
            let button = egui::Button::new(RichText::new(f.tr(T::IntakeCreate)).strong());
            match form.missing() {
                None => {
                    if f.command_button(ui, "create_incident", button) {
                        f.send(Command::CreateCall);
                    }
                }
                Some(m) => {
                    let why = f.tr(match m {
                        Missing::Place => T::IntakeNeedPlace,
                        Missing::Callback => T::IntakeNeedCallback,
                    });
                    ui.add_enabled(false, button).on_disabled_hover_text(why);
                    ui.label(RichText::new(why).color(f.theme.muted_text));
                }
            }
        }
        if ui.button(f.tr(T::IntakeCancel)).clicked() {
            f.send(Command::OpenIntake(false));
        }
    });
    if next != *form {
        f.send(Command::SetIntake(Box::new(next)));
    }
}

/// The place: an address with the geocoder's candidates, a pick on the map, or coordinates.
fn place_ui(ui: &mut Ui, f: &Frame<'_>, form: &IntakeForm, next: &mut IntakeForm) {
    ui.horizontal(|ui| {
        let label = ui.label(f.tr(T::IntakeAddress));
        ui.add(
            egui::TextEdit::singleline(&mut next.query)
                .id_salt("intake_address")
                .hint_text(f.tr(T::IntakeAddressHint))
                .desired_width(320.0),
        )
        .labelled_by(label.id);
    });
    let chosen = form.place.as_ref().map(|p| p.address.as_str());
    let query = form.query.trim();
    if !query.is_empty() && chosen != Some(query) {
        let (asked, hits) = &f.state.intake_hits;
        if asked != &form.query {
            ui.label(RichText::new(f.tr(T::IntakeGeocoderLoading)).color(f.theme.muted_text));
        } else if hits.is_empty() {
            ui.label(RichText::new(f.tr(T::IntakeNoMatch)).color(f.theme.muted_text));
        }
        if asked == &form.query {
            for hit in hits {
                let text = format!(
                    "{}  ·  {}",
                    hit.label,
                    found_label(f, PlaceSource::Address(hit.found))
                );
                if ui.selectable_label(false, text).clicked() {
                    *next = next.clone().with_place(hit);
                    f.send(Command::FlyTo(hit.pos));
                }
            }
        }
    }
    ui.horizontal(|ui| {
        let label = if form.picking {
            f.tr(T::IntakePicking)
        } else {
            f.tr(T::IntakePickOnMap)
        };
        if ui.selectable_label(form.picking, label).clicked() {
            next.picking = !form.picking;
        }
    });
    ui.horizontal(|ui| {
        let label = ui.label(f.tr(T::IntakeCoords));
        ui.add(
            egui::TextEdit::singleline(&mut next.coords)
                .id_salt("intake_coords")
                .hint_text(f.tr(T::IntakeCoordsHint))
                .desired_width(170.0),
        )
        .labelled_by(label.id);
        ui.checkbox(&mut next.gcj02, f.tr(T::IntakeGcj));
        if ui.button(f.tr(T::IntakeUseCoords)).clicked() {
            let served = served_box(&f.state.city.bounds);
            match parse_coordinates(&next.coords, next.gcj02, &served) {
                Ok(pos) => {
                    next.coords_error = None;
                    next.place = Some(CallPlace {
                        pos,
                        address: format!("{:.6}, {:.6}", pos.lat, pos.lon),
                        source: PlaceSource::Coordinates,
                    });
                    f.send(Command::FlyTo(pos));
                }
                Err(e) => next.coords_error = Some(e),
            }
        }
    });
    if let Some(e) = &form.coords_error {
        ui.label(RichText::new(e).color(f.theme.problem));
    }
    match &form.place {
        Some(p) => ui.label(format!(
            "{}: {}  ({})",
            f.tr(T::IntakePlace),
            p.address,
            found_label(f, p.source)
        )),
        None => ui.label(RichText::new(f.tr(T::IntakeNoPlace)).color(f.theme.muted_text)),
    };
}

/// The city's extent with a few kilometres around it: where pasted coordinates may lie.
fn served_box(b: &BBox) -> BBox {
    onemap_core::feed::area::ServedArea::around(*b, 5_000.0)
        .as_box()
        .unwrap_or(*b)
}

/// Open incidents near the place, reported recently: link the call to one instead.
fn duplicates_ui(ui: &mut Ui, f: &Frame<'_>, form: &IntakeForm) {
    let Some(place) = &form.place else {
        return;
    };
    let feed = &f.state.live.feed;
    let near = duplicates(feed, place.pos, f.at_ms);
    if near.is_empty() {
        return;
    }
    ui.separator();
    ui.label(RichText::new(f.tr(T::IntakeDuplicates)).strong());
    for (id, d) in near {
        let Some(i) = feed.incidents.get(&id) else {
            continue;
        };
        ui.horizontal(|ui| {
            let minutes = ((f.at_ms - i.reported_at_ms) / 60_000).max(0);
            ui.label(format!(
                "{}  P{}  {}  {}  {:.0} m  {}",
                i.id,
                i.priority,
                category_label(f.lang(), i.category),
                i.address,
                d,
                f.tr(T::IntakeAgo).replace("{m}", &minutes.to_string())
            ));
            let link = egui::Button::new(f.tr(T::IntakeLink));
            if form.sending.is_none() && f.command_button(ui, "link_call", link) {
                f.send(Command::LinkCall(id.clone()));
            }
        });
    }
}
