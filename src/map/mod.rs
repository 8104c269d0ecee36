//! What the console draws on top of the basemap each frame: the operational layers
//! ([`ops`]), the scale bar, attribution, zoom and "whole city" controls, the cursor position
//! and the legend. Everything here reads state and reports back through [`MapFrame`] and
//! commands; nothing mutates the app.

pub mod live;
pub mod ops;

use egui::{Align2, FontId, Painter, Rect, Response, Stroke, Ui, pos2, vec2};
use onemap_core::coord::LonLat;
use onemap_core::layers::{CameraKind, CameraStatus, Extra, PostKind, StationKind};
use walkers::Projector;

use crate::app::{Command, Settings};
use crate::city::City;
use crate::ui::i18n::{Lang, T, tr};
use crate::ui::labels;
use crate::ui::theme::UiTheme;

/// What the map did this frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MapFrame {
    /// Geographic position under the pointer.
    pub cursor: Option<LonLat>,
    /// Length the scale bar shows, metres.
    pub scale_bar_m: Option<f64>,
}

/// The legend: one row per symbol the map uses.
pub fn legend_ui(ui: &mut Ui, theme: &UiTheme, lang: Lang) {
    let icon = |ui: &mut Ui, draw: &dyn Fn(&Painter, egui::Pos2), key: T| {
        ui.horizontal(|ui| {
            let (rect, _) = ui.allocate_exact_size(vec2(22.0, 18.0), egui::Sense::hover());
            draw(ui.painter(), rect.center());
            ui.label(tr(lang, key));
        });
    };
    icon(
        ui,
        &|p, c| {
            p.rect_stroke(
                Rect::from_center_size(c, vec2(16.0, 12.0)),
                0.0,
                Stroke::new(1.6, theme.beat_palette[0]),
                egui::StrokeKind::Middle,
            );
        },
        T::Beats,
    );
    let sample = |status| onemap_core::layers::Camera {
        id: "legend".into(),
        name: String::new(),
        kind: CameraKind::Public,
        pos: LonLat::default(),
        heading_deg: 45.0,
        fov_deg: 60.0,
        range_m: 1.0,
        status,
        extra: Extra::new(),
    };
    for (status, key) in [
        (CameraStatus::Online, T::Online),
        (CameraStatus::Offline, T::Offline),
    ] {
        let c = sample(status);
        let online = status == CameraStatus::Online;
        icon(
            ui,
            &|p, centre| {
                let at = centre + vec2(-6.0, 6.0);
                let fill = if online {
                    theme.wedge_fill
                } else {
                    theme.wedge_fill_offline
                };
                let line = if online {
                    theme.camera_online
                } else {
                    theme.camera_offline
                };
                for shape in ops::wedge_shapes(at, &c, 16.0, fill, Stroke::new(1.0, line)) {
                    p.add(shape);
                }
                ops::camera_dot(p, at, online, theme);
            },
            key,
        );
    }
    icon(
        ui,
        &|p, c| {
            p.circle(
                c,
                8.0,
                theme.cluster_fill,
                Stroke::new(1.5, theme.marker_outline),
            );
            p.text(
                c,
                Align2::CENTER_CENTER,
                "12",
                FontId::proportional(9.0),
                theme.cluster_text,
            );
        },
        T::CameraCluster,
    );
    for kind in [
        PostKind::QuickResponse,
        PostKind::Workstation,
        PostKind::Checkpoint,
    ] {
        icon(
            ui,
            &|p, c| ops::post_icon(p, c, kind, theme, lang),
            labels::post_kind(kind),
        );
    }
    for kind in [
        StationKind::Police,
        StationKind::Fire,
        StationKind::Hospital,
    ] {
        icon(
            ui,
            &|p, c| ops::station_icon(p, c, kind, theme, lang),
            labels::station_kind(kind),
        );
    }
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
    let _ = city;
    let rect = response.rect;
    let painter = ui.painter().with_clip_rect(rect);

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
