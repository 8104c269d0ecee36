//! Live units and incidents on the map: units by kind and status with their heading, grey
//! when their fix is stale; incidents by category and priority, new ones pulsing.

use std::time::{Duration, Instant};

use egui::{Align2, Color32, FontId, Painter, Shape, Stroke, vec2};
use onemap_core::feed::{Category, FeedState, IncidentStatus, UnitKind, UnitStatus};
use walkers::Projector;

use crate::feed::{LiveFeed, PULSE, STALE_FIX};
use crate::map::ops::screen;
use crate::ui::i18n::Lang;
use crate::ui::theme::UiTheme;

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

/// Wall-clock milliseconds now (fix times are epoch milliseconds).
fn epoch_ms() -> i64 {
    onemap_feed::server::now_ms()
}

/// Draw incidents (open ones) and units; returns how many of each were drawn.
pub fn draw(
    painter: &Painter,
    projector: &Projector<'_>,
    feed: &LiveFeed,
    theme: &UiTheme,
    lang: Lang,
    now: Instant,
) -> (usize, usize) {
    let clip = painter.clip_rect().expand(30.0);
    let state: &FeedState = &feed.state;
    let mut incidents = 0;
    let mut pulsing = false;
    for inc in state.incidents.values().filter(|i| i.status.is_open()) {
        let at = screen(projector, inc.location.lonlat());
        if !clip.contains(at) {
            continue;
        }
        incidents += 1;
        let colour = priority_colour(inc.priority, theme);
        let age = feed
            .first_seen
            .get(&inc.id)
            .map_or(PULSE, |t| now.duration_since(*t));
        if age < PULSE && inc.status == IncidentStatus::New {
            pulsing = true;
            let phase = (age.as_secs_f32() % 1.2) / 1.2;
            let r = 9.0 + 16.0 * phase;
            let alpha = ((1.0 - phase) * 200.0) as u8;
            painter.circle_stroke(
                at,
                r,
                Stroke::new(
                    2.5,
                    Color32::from_rgba_unmultiplied(colour.r(), colour.g(), colour.b(), alpha),
                ),
            );
        }
        // A diamond: incidents read differently from round unit markers.
        let s = 10.0;
        let pts = vec![
            at + vec2(0.0, -s),
            at + vec2(s, 0.0),
            at + vec2(0.0, s),
            at + vec2(-s, 0.0),
        ];
        painter.add(Shape::convex_polygon(
            pts,
            colour,
            Stroke::new(1.5, theme.marker_outline),
        ));
        painter.text(
            at,
            Align2::CENTER_CENTER,
            category_glyph(inc.category, lang),
            FontId::proportional(10.5),
            Color32::WHITE,
        );
        if inc.status != IncidentStatus::New {
            // Worked on: a small ring marks it.
            painter.circle_stroke(at, s + 3.0, Stroke::new(1.2, colour));
        }
    }
    let mut units = 0;
    let now_ms = epoch_ms();
    for u in state.units.values() {
        let at = screen(projector, u.position.lonlat());
        if !clip.contains(at) {
            continue;
        }
        units += 1;
        let stale = now_ms - u.fix_at > STALE_FIX.as_millis() as i64;
        let fill = if stale || u.status == UnitStatus::OffDuty {
            theme.camera_offline
        } else {
            status_colour(u.status, theme)
        };
        if u.speed_kmh > 0.5 && !stale {
            let a = (u.heading_deg as f32).to_radians();
            let dir = vec2(a.sin(), -a.cos());
            let tip = at + dir * 15.0;
            let side = vec2(dir.y, -dir.x) * 5.0;
            painter.add(Shape::convex_polygon(
                vec![tip, at + dir * 7.0 + side, at + dir * 7.0 - side],
                fill,
                Stroke::new(1.0, theme.marker_outline),
            ));
        }
        painter.circle(at, 8.0, fill, Stroke::new(1.5, theme.marker_outline));
        painter.text(
            at,
            Align2::CENTER_CENTER,
            unit_glyph(u.kind, lang),
            FontId::proportional(10.0),
            Color32::WHITE,
        );
        if projector.zoom() >= 15.0 {
            painter.text(
                at + vec2(11.0, -11.0),
                Align2::LEFT_BOTTOM,
                &u.call_sign,
                FontId::proportional(11.0),
                theme.overlay_text,
            );
        }
    }
    if pulsing {
        painter
            .ctx()
            .request_repaint_after(Duration::from_millis(33));
    }
    (incidents, units)
}

/// The live unit or incident under `pointer` (units first), within 11 px.
pub fn hit_test(
    projector: &Projector<'_>,
    feed: &LiveFeed,
    pointer: egui::Pos2,
) -> Option<crate::app::Selection> {
    let near = |p: onemap_core::coord::LonLat| screen(projector, p).distance(pointer);
    let unit = feed
        .state
        .units
        .values()
        .map(|u| (near(u.position.lonlat()), u))
        .filter(|(d, _)| *d <= 11.0)
        .min_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((_, u)) = unit {
        return Some(crate::app::Selection::Unit(u.id.clone()));
    }
    feed.state
        .incidents
        .values()
        .filter(|i| i.status.is_open())
        .map(|i| (near(i.location.lonlat()), i))
        .filter(|(d, _)| *d <= 11.0)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, i)| crate::app::Selection::Incident(i.id.clone()))
}

/// A ring round the selected unit or incident.
pub fn draw_selected(
    painter: &Painter,
    projector: &Projector<'_>,
    feed: &LiveFeed,
    selection: Option<&crate::app::Selection>,
    theme: &UiTheme,
) {
    let at = match selection {
        Some(crate::app::Selection::Unit(id)) => {
            feed.state.units.get(id).map(|u| u.position.lonlat())
        }
        Some(crate::app::Selection::Incident(id)) => {
            feed.state.incidents.get(id).map(|i| i.location.lonlat())
        }
        _ => None,
    };
    if let Some(p) = at {
        painter.circle_stroke(
            screen(projector, p),
            14.0,
            Stroke::new(3.0, theme.selection),
        );
    }
}
