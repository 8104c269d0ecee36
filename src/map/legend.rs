//! The legend: one row per symbol the map uses, drawn with the same code as the map.

use egui::{Align2, FontId, Painter, Rect, Stroke, Ui, vec2};
use onemap_core::coord::LonLat;
use onemap_core::layers::{CameraKind, CameraStatus, Extra, PostKind, StationKind};

use super::draw;
use crate::ui::i18n::{Lang, T, tr};
use crate::ui::labels;
use crate::ui::theme::UiTheme;

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
                for shape in draw::wedge_shapes(at, &c, 16.0, fill, Stroke::new(1.0, line)) {
                    p.add(shape);
                }
                draw::camera_dot(p, at, online, theme);
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
            &|p, c| draw::post_icon(p, c, kind, theme, lang),
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
            &|p, c| draw::station_icon(p, c, kind, theme, lang),
            labels::station_kind(kind),
        );
    }
}

/// The live layers' legend: units by status (the colour of their marker) and incidents by
/// priority (the colour of their diamond).
pub fn live_legend_ui(ui: &mut Ui, theme: &UiTheme, lang: Lang) {
    use onemap_core::feed::UnitStatus;
    for status in UnitStatus::ALL {
        ui.horizontal(|ui| {
            let (rect, _) = ui.allocate_exact_size(vec2(22.0, 18.0), egui::Sense::hover());
            ui.painter().circle(
                rect.center(),
                7.0,
                draw::status_colour(status, theme),
                Stroke::new(1.5, theme.marker_outline),
            );
            ui.label(labels::unit_status_label(lang, status));
        });
    }
    ui.horizontal_wrapped(|ui| {
        for p in 1..=4u8 {
            let (rect, _) = ui.allocate_exact_size(vec2(18.0, 18.0), egui::Sense::hover());
            let fill = draw::priority_colour(p, theme);
            ui.painter()
                .add(draw::incident_diamond(rect.center(), 7.0, fill, theme));
            ui.label(format!("P{p}"));
        }
    });
}
