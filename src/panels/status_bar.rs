//! The status bar: the position under the pointer, the zoom, tiles still rendering or failing,
//! and the city's figures.

use egui::{RichText, Ui};

use crate::frame::Frame;
use crate::ui::i18n::T;

pub fn status_bar_ui(ui: &mut Ui, f: &Frame<'_>) {
    let theme = f.theme;
    let stats = &f.view.tiles;
    ui.horizontal(|ui| {
        let cursor = match f.view.cursor {
            Some(p) => format!("{:.5}°N  {:.5}°E", p.lat, p.lon),
            None => "—".into(),
        };
        ui.label(format!("{} {cursor}", f.tr(T::Cursor)));
        ui.separator();
        ui.label(format!("{} {:.1}", f.tr(T::Zoom), f.view.zoom));
        ui.separator();
        if stats.pending > 0 {
            ui.label(format!("{} {}", f.tr(T::TilesPending), stats.pending));
            ui.separator();
        }
        if stats.errors > 0 {
            let text = RichText::new(format!("{} {}", f.tr(T::TileErrors), stats.errors))
                .color(theme.status_warn);
            let response = ui.label(text);
            if let Some(err) = &stats.last_error {
                response.on_hover_text(err);
            }
            ui.separator();
        }
        let s = &f.state.city.summary;
        ui.label(
            RichText::new(format!(
                "{} {:.0} {} · {} {} · {} {}",
                f.tr(T::Data),
                s.drivable_km,
                f.tr(T::RoadsKm),
                s.buildings,
                f.tr(T::BuildingsCount),
                s.addresses,
                f.tr(T::Addresses),
            ))
            .color(theme.muted_text),
        );
    });
}
