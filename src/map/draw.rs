//! Shared drawing pieces of the map: screen ↔ geographic conversion, and the markers every
//! layer and the legend use (camera wedges and dots, post and station icons, unit and
//! incident glyphs and colours). Colours come from the theme.

use egui::{Align2, Color32, FontId, Painter, Pos2, Rect, Shape, Stroke, vec2};
use onemap_core::coord::{BBox, LonLat};
use onemap_core::feed::{Category, UnitKind, UnitStatus};
use onemap_core::layers::{Camera, PostKind, StationKind};
use walkers::{Projector, lon_lat};

use crate::ui::i18n::Lang;
use crate::ui::theme::UiTheme;

pub fn screen(projector: &Projector<'_>, p: LonLat) -> Pos2 {
    projector.project(lon_lat(p.lon, p.lat)).to_pos2()
}

pub fn geo(projector: &Projector<'_>, p: Pos2) -> LonLat {
    let g = projector.unproject(p.to_vec2());
    LonLat::new(g.x(), g.y())
}

/// The lon/lat box visible in `rect`.
pub fn view_bbox(projector: &Projector<'_>, rect: Rect) -> BBox {
    BBox::from_points([
        geo(projector, rect.left_top()),
        geo(projector, rect.right_bottom()),
    ])
}

fn wedge_points(centre: Pos2, heading_deg: f64, fov_deg: f64, radius_px: f32) -> Vec<Pos2> {
    let steps = ((fov_deg / 10.0).ceil() as usize).clamp(2, 36);
    let start = heading_deg - fov_deg / 2.0;
    let mut pts = Vec::with_capacity(steps + 2);
    pts.push(centre);
    for s in 0..=steps {
        let a = (start + fov_deg * s as f64 / steps as f64).to_radians();
        // Compass bearing: 0° up (north), clockwise; screen y grows downwards.
        pts.push(centre + vec2(a.sin() as f32, -(a.cos() as f32)) * radius_px);
    }
    pts
}

/// A camera's view wedge (split in two when wider than 180° so each part is convex).
pub fn wedge_shapes(
    centre: Pos2,
    c: &Camera,
    radius_px: f32,
    fill: Color32,
    stroke: Stroke,
) -> Vec<Shape> {
    if c.fov_deg > 180.0 {
        let half = c.fov_deg / 2.0;
        vec![
            Shape::convex_polygon(
                wedge_points(centre, c.heading_deg - half / 2.0, half, radius_px),
                fill,
                stroke,
            ),
            Shape::convex_polygon(
                wedge_points(centre, c.heading_deg + half / 2.0, half, radius_px),
                fill,
                stroke,
            ),
        ]
    } else {
        vec![Shape::convex_polygon(
            wedge_points(centre, c.heading_deg, c.fov_deg, radius_px),
            fill,
            stroke,
        )]
    }
}

/// Where the heading handle of a selected camera is drawn (the tip of its wedge).
pub fn heading_handle(projector: &Projector<'_>, c: &Camera) -> Pos2 {
    let centre = screen(projector, c.pos);
    let px_per_m = projector.scale_pixel_per_meter(lon_lat(c.pos.lon, c.pos.lat));
    let r = (c.range_m as f32 * px_per_m).clamp(30.0, 400.0);
    let a = c.heading_deg.to_radians();
    centre + vec2(a.sin() as f32, -(a.cos() as f32)) * r
}

pub fn post_glyph(kind: PostKind, lang: Lang) -> &'static str {
    match (kind, lang) {
        (PostKind::QuickResponse, Lang::Zh) => "快",
        (PostKind::Workstation, Lang::Zh) => "站",
        (PostKind::Checkpoint, Lang::Zh) => "卡",
        (PostKind::QuickResponse, Lang::En) => "Q",
        (PostKind::Workstation, Lang::En) => "W",
        (PostKind::Checkpoint, Lang::En) => "C",
    }
}

pub fn post_colour(kind: PostKind, theme: &UiTheme) -> Color32 {
    match kind {
        PostKind::QuickResponse => theme.post_quick,
        PostKind::Workstation => theme.post_workstation,
        PostKind::Checkpoint => theme.post_checkpoint,
    }
}

/// A rounded-square post marker with its glyph.
pub fn post_icon(painter: &Painter, centre: Pos2, kind: PostKind, theme: &UiTheme, lang: Lang) {
    let r = theme.marker_radius_px + 1.0;
    let rect = Rect::from_center_size(centre, vec2(2.0 * r, 2.0 * r));
    painter.rect(
        rect,
        3.0,
        post_colour(kind, theme),
        Stroke::new(1.5, theme.marker_outline),
        egui::StrokeKind::Outside,
    );
    painter.text(
        centre,
        Align2::CENTER_CENTER,
        post_glyph(kind, lang),
        FontId::proportional(r * 1.3),
        theme.marker_outline,
    );
}

pub fn station_colour(kind: StationKind, theme: &UiTheme) -> Color32 {
    match kind {
        StationKind::Police => theme.station_police,
        StationKind::Fire => theme.station_fire,
        StationKind::Hospital => theme.station_hospital,
    }
}

pub fn station_glyph(kind: StationKind, lang: Lang) -> &'static str {
    match (kind, lang) {
        (StationKind::Police, Lang::Zh) => "警",
        (StationKind::Fire, Lang::Zh) => "消",
        (StationKind::Hospital, Lang::Zh) => "医",
        (StationKind::Police, Lang::En) => "P",
        (StationKind::Fire, Lang::En) => "F",
        (StationKind::Hospital, Lang::En) => "H",
    }
}

/// A round station marker with a one-character glyph: 警/消/医 in Chinese, P/F/H in English.
pub fn station_icon(
    painter: &Painter,
    centre: Pos2,
    kind: StationKind,
    theme: &UiTheme,
    lang: Lang,
) {
    let r = theme.marker_radius_px;
    painter.circle(
        centre,
        r + 1.5,
        station_colour(kind, theme),
        Stroke::new(1.5, theme.marker_outline),
    );
    painter.text(
        centre,
        Align2::CENTER_CENTER,
        station_glyph(kind, lang),
        FontId::proportional(r * 1.45),
        theme.marker_outline,
    );
}

/// A small camera dot (used in clusters of one and the legend).
pub fn camera_dot(painter: &Painter, centre: Pos2, online: bool, theme: &UiTheme) {
    let colour = if online {
        theme.camera_online
    } else {
        theme.camera_offline
    };
    painter.circle(centre, 4.5, colour, Stroke::new(1.2, theme.marker_outline));
}

pub fn unit_glyph(kind: UnitKind, lang: Lang) -> &'static str {
    match (kind, lang) {
        (UnitKind::PatrolCar, Lang::Zh) => "车",
        (UnitKind::Motorbike, Lang::Zh) => "摩",
        (UnitKind::FootPatrol, Lang::Zh) => "步",
        (UnitKind::EbikeVolunteer, Lang::Zh) => "志",
        (UnitKind::Drone, Lang::Zh) => "机",
        (UnitKind::PatrolCar, Lang::En) => "C",
        (UnitKind::Motorbike, Lang::En) => "M",
        (UnitKind::FootPatrol, Lang::En) => "F",
        (UnitKind::EbikeVolunteer, Lang::En) => "B",
        (UnitKind::Drone, Lang::En) => "D",
    }
}

pub fn category_glyph(c: Category, lang: Lang) -> &'static str {
    match (c, lang) {
        (Category::Theft, Lang::Zh) => "盗",
        (Category::Robbery, Lang::Zh) => "抢",
        (Category::Assault, Lang::Zh) => "伤",
        (Category::Dispute, Lang::Zh) => "纠",
        (Category::TrafficAccident, Lang::Zh) => "交",
        (Category::Fire, Lang::Zh) => "火",
        (Category::Medical, Lang::Zh) => "医",
        (Category::Suspicious, Lang::Zh) => "疑",
        (Category::Other, Lang::Zh) => "他",
        (Category::Theft, Lang::En) => "T",
        (Category::Robbery, Lang::En) => "R",
        (Category::Assault, Lang::En) => "A",
        (Category::Dispute, Lang::En) => "D",
        (Category::TrafficAccident, Lang::En) => "X",
        (Category::Fire, Lang::En) => "F",
        (Category::Medical, Lang::En) => "M",
        (Category::Suspicious, Lang::En) => "S",
        (Category::Other, Lang::En) => "O",
    }
}

pub fn status_colour(s: UnitStatus, theme: &UiTheme) -> Color32 {
    theme.unit_status[match s {
        UnitStatus::Available => 0,
        UnitStatus::Dispatched => 1,
        UnitStatus::EnRoute => 2,
        UnitStatus::OnScene => 3,
        UnitStatus::OffDuty => 4,
    }]
}

pub fn priority_colour(p: u8, theme: &UiTheme) -> Color32 {
    theme.priority[usize::from(p.clamp(1, 4)) - 1]
}

/// An incident's marker: a diamond (incidents read differently from round unit markers).
pub fn incident_diamond(at: Pos2, r: f32, fill: Color32, theme: &UiTheme) -> Shape {
    let pts = vec![
        at + vec2(0.0, -r),
        at + vec2(r, 0.0),
        at + vec2(0.0, r),
        at + vec2(-r, 0.0),
    ];
    Shape::convex_polygon(pts, fill, Stroke::new(1.5, theme.marker_outline))
}
