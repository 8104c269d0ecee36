//! What the map draws over every layer: the scale bar, the attribution (ODbL requires it
//! visible), the zoom and "whole city" controls; and the position under the pointer.

use egui::{Align2, Color32, FontId, Painter, Rect, Response, Stroke, Ui, pos2, vec2};
use onemap_core::coord::LonLat;
use walkers::Projector;

use crate::model::Command;
use crate::ui::i18n::{Lang, T, tr};
use crate::ui::theme::UiTheme;

/// What the map did this frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MapFrame {
    /// Geographic position under the pointer.
    pub cursor: Option<LonLat>,
    /// Length the scale bar shows, metres.
    pub scale_bar_m: Option<f64>,
    /// What the map showed.
    pub view: Option<onemap_core::coord::BBox>,
}

/// The scale bar and the attribution; the position under the pointer into `frame`.
pub fn overlays_ui(
    ui: &mut Ui,
    response: &Response,
    projector: &Projector<'_>,
    lang: Lang,
    theme: &UiTheme,
    frame: &mut MapFrame,
) {
    let rect = response.rect;
    let painter = ui.painter().with_clip_rect(rect);

    if let Some(p) = response.hover_pos() {
        let geo = projector.unproject(p.to_vec2());
        frame.cursor = Some(LonLat::new(geo.x(), geo.y()));
    }

    frame.scale_bar_m = Some(scale_bar_ui(&painter, projector, rect, lang, theme));

    // Attribution, bottom right (ODbL requires it to be visible).
    let text = tr(lang, T::Attribution);
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
pub fn controls_ui(ui: &mut Ui, lang: Lang, commands: &mut Vec<Command>) {
    let rect = ui.max_rect();
    let buttons = [
        ("+", T::ZoomIn, Command::ZoomIn),
        ("-", T::ZoomOut, Command::ZoomOut),
        (tr(lang, T::Home), T::Home, Command::Home),
    ];
    // One width for the column, wide enough for the longest label on one line.
    let font = FontId::proportional(16.0);
    let widest = buttons
        .iter()
        .map(|(text, ..)| {
            let galley =
                ui.painter()
                    .layout_no_wrap(text.to_string(), font.clone(), Color32::WHITE);
            galley.size().x
        })
        .fold(0.0_f32, f32::max);
    let size = vec2(
        (widest + 2.0 * ui.spacing().button_padding.x + 4.0).max(48.0),
        30.0,
    );
    let x = rect.right() - size.x - 12.0;
    for (i, (text, hover, command)) in buttons.into_iter().enumerate() {
        let min = pos2(x, rect.top() + 12.0 + i as f32 * (size.y + 6.0));
        let button = egui::Button::new(egui::RichText::new(text).font(font.clone()))
            .wrap_mode(egui::TextWrapMode::Extend)
            .min_size(size);
        let response = ui.put(Rect::from_min_size(min, size), button);
        if response.on_hover_text(tr(lang, hover)).clicked() {
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
