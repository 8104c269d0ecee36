//! What the console draws on top of the basemap each frame: OSM stations, the scale bar,
//! attribution, zoom and "whole city" controls, and the cursor position. Everything here
//! reads state and reports back through [`MapFrame`] and commands; nothing mutates the app.

use egui::{Align2, FontId, Painter, Pos2, Rect, Response, Stroke, Ui, pos2, vec2};
use onemap_core::coord::LonLat;
use onemap_core::osm::StationKind;
use walkers::{Projector, lon_lat};

use crate::app::{Command, Settings};
use crate::city::City;
use crate::ui::i18n::{Lang, T, tr};
use crate::ui::theme::UiTheme;

/// What the map did this frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MapFrame {
    /// Geographic position under the pointer.
    pub cursor: Option<LonLat>,
    pub stations_drawn: usize,
    /// Length the scale bar shows, metres.
    pub scale_bar_m: Option<f64>,
}

pub fn station_legend(theme: &UiTheme) -> [(StationKind, egui::Color32, T); 3] {
    [
        (StationKind::Police, theme.station_police, T::Police),
        (StationKind::Fire, theme.station_fire, T::Fire),
        (StationKind::Hospital, theme.station_hospital, T::Hospital),
    ]
}

fn station_colour(kind: StationKind, theme: &UiTheme) -> egui::Color32 {
    match kind {
        StationKind::Police => theme.station_police,
        StationKind::Fire => theme.station_fire,
        StationKind::Hospital => theme.station_hospital,
    }
}

/// A round marker with a one-character glyph: 警/消/医 in Chinese, P/F/H in English.
pub fn station_icon(
    painter: &Painter,
    centre: Pos2,
    kind: StationKind,
    colour: egui::Color32,
    theme: &UiTheme,
    lang: Lang,
) {
    let r = theme.marker_radius_px;
    painter.circle(
        centre,
        r + 1.5,
        colour,
        Stroke::new(1.5, theme.marker_outline),
    );
    let glyph = match (kind, lang) {
        (StationKind::Police, Lang::Zh) => "警",
        (StationKind::Fire, Lang::Zh) => "消",
        (StationKind::Hospital, Lang::Zh) => "医",
        (StationKind::Police, Lang::En) => "P",
        (StationKind::Fire, Lang::En) => "F",
        (StationKind::Hospital, Lang::En) => "H",
    };
    painter.text(
        centre,
        Align2::CENTER_CENTER,
        glyph,
        FontId::proportional(r * 1.45),
        theme.marker_outline,
    );
}

fn screen(projector: &Projector<'_>, p: LonLat) -> Pos2 {
    projector.project(lon_lat(p.lon, p.lat)).to_pos2()
}

pub fn overlays_ui(
    ui: &mut Ui,
    response: &Response,
    projector: &Projector<'_>,
    city: &City,
    settings: &Settings,
    theme: &UiTheme,
    frame: &mut MapFrame,
) {
    let rect = response.rect;
    let painter = ui.painter().with_clip_rect(rect);

    if settings.show_stations {
        let mut hovered: Option<String> = None;
        let pointer = response.hover_pos();
        for station in &city.osm.stations {
            let pos = screen(projector, station.pos);
            if !rect.expand(20.0).contains(pos) {
                continue;
            }
            station_icon(
                &painter,
                pos,
                station.kind,
                station_colour(station.kind, theme),
                theme,
                settings.lang,
            );
            frame.stations_drawn += 1;
            if pointer.is_some_and(|p| p.distance(pos) <= theme.marker_radius_px + 3.0) {
                let kind = tr(
                    settings.lang,
                    match station.kind {
                        StationKind::Police => T::Police,
                        StationKind::Fire => T::Fire,
                        StationKind::Hospital => T::Hospital,
                    },
                );
                let name = station
                    .name
                    .as_deref()
                    .unwrap_or(tr(settings.lang, T::Unnamed));
                hovered = Some(format!("{kind}: {name}"));
            }
        }
        if let Some(text) = hovered {
            response.clone().on_hover_text_at_pointer(text);
        }
    }

    if let Some(p) = response.hover_pos() {
        let geo = projector.unproject(p.to_vec2());
        frame.cursor = Some(LonLat::new(geo.x(), geo.y()));
    }

    frame.scale_bar_m = Some(scale_bar_ui(
        &painter,
        projector,
        rect,
        settings.lang,
        theme,
    ));

    // Attribution, bottom right (ODbL requires it to be visible).
    let text = tr(settings.lang, T::Attribution);
    let galley = painter.layout_no_wrap(
        text.to_string(),
        FontId::proportional(11.0),
        theme.overlay_text,
    );
    let pos = rect.right_bottom() - vec2(galley.size().x + 8.0, galley.size().y + 6.0);
    painter.rect_filled(
        Rect::from_min_size(pos - vec2(4.0, 2.0), galley.size() + vec2(8.0, 4.0)),
        3.0,
        theme.overlay_bg,
    );
    painter.galley(pos, galley, theme.overlay_text);
}

/// A "nice" length (1, 2 or 5 × 10^k metres) that spans at most `max_px` pixels.
pub fn nice_scale_m(metres_per_px: f64, max_px: f64) -> f64 {
    let max_m = metres_per_px * max_px;
    let magnitude = 10f64.powf(max_m.log10().floor());
    [5.0, 2.0, 1.0]
        .iter()
        .map(|f| f * magnitude)
        .find(|m| *m <= max_m)
        .unwrap_or(magnitude)
}

fn scale_bar_ui(
    painter: &Painter,
    projector: &Projector<'_>,
    rect: Rect,
    lang: Lang,
    theme: &UiTheme,
) -> f64 {
    let centre = projector.unproject(rect.center().to_vec2());
    let px_per_m = f64::from(projector.scale_pixel_per_meter(centre));
    let metres = nice_scale_m(1.0 / px_per_m.max(1e-9), 140.0);
    let len_px = (metres * px_per_m) as f32;
    let origin = rect.left_bottom() + vec2(14.0, -14.0);
    let label = if metres >= 1000.0 {
        format!("{} {}", metres / 1000.0, tr(lang, T::Kilometres))
    } else {
        format!("{metres} {}", tr(lang, T::Metres))
    };
    painter.rect_filled(
        Rect::from_min_max(origin + vec2(-6.0, -26.0), origin + vec2(len_px + 6.0, 6.0)),
        3.0,
        theme.overlay_bg,
    );
    let stroke = Stroke::new(2.0, theme.scale_bar);
    painter.line_segment([origin, origin + vec2(len_px, 0.0)], stroke);
    painter.line_segment([origin, origin + vec2(0.0, -6.0)], stroke);
    painter.line_segment(
        [origin + vec2(len_px, 0.0), origin + vec2(len_px, -6.0)],
        stroke,
    );
    painter.text(
        origin + vec2(len_px / 2.0, -8.0),
        Align2::CENTER_BOTTOM,
        label,
        FontId::proportional(12.0),
        theme.scale_bar,
    );
    metres
}

/// Zoom buttons and "whole city", top right of the map.
pub fn controls_ui(
    ui: &mut Ui,
    settings: &Settings,
    _theme: &UiTheme,
    commands: &mut Vec<Command>,
) {
    let rect = ui.max_rect();
    let size = vec2(48.0, 30.0);
    let x = rect.right() - size.x - 12.0;
    let buttons = [
        ("+", T::ZoomIn, Command::ZoomIn),
        ("-", T::ZoomOut, Command::ZoomOut),
        (tr(settings.lang, T::Home), T::Home, Command::Home),
    ];
    for (i, (text, hover, command)) in buttons.into_iter().enumerate() {
        let min = pos2(x, rect.top() + 12.0 + i as f32 * (size.y + 6.0));
        let button = egui::Button::new(egui::RichText::new(text).size(16.0)).min_size(size);
        let response = ui.put(Rect::from_min_size(min, size), button);
        if response.on_hover_text(tr(settings.lang, hover)).clicked() {
            commands.push(command);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_bar_lengths_are_round() {
        assert_eq!(nice_scale_m(1.0, 140.0), 100.0);
        assert_eq!(nice_scale_m(10.0, 140.0), 1000.0);
        assert_eq!(nice_scale_m(3.0, 140.0), 200.0);
        assert_eq!(nice_scale_m(0.3, 140.0), 20.0);
    }
}
