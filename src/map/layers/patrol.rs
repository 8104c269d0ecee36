//! The patrol route being drawn: its legs as the roads they take (the worker's latest
//! answer), its waypoints numbered (stops filled, points passed through hollow, the selected
//! one ringed), and the hot spots it is scored against; and the selected unit's patrol as
//! assigned, laid here from its stops (its next stop ringed).

use egui::{Align2, Color32, FontId, Pos2, Shape, Stroke};

use crate::map::draw::screen;
use crate::map::layer::{Drawn, LayerCtx, MapLayer};
use crate::state::patrol::editing;

#[derive(Default)]
pub struct PatrolLayer;

/// A waypoint's radius on screen, points.
pub const WAYPOINT_PX: f32 = 9.0;

impl MapLayer for PatrolLayer {
    fn draw(&mut self, ctx: &LayerCtx<'_>, _drawn: &mut Drawn) {
        let state = ctx.frame.state;
        draw_assigned(ctx);
        if !editing(state) {
            return;
        }
        let (painter, projector, theme) = (ctx.painter, ctx.projector, ctx.frame.theme);
        let p = &state.patrol;
        let hot = Color32::from_rgb(255, 140, 0);
        for h in p.hot_spots.iter() {
            let at = screen(projector, h.at);
            let r = 3.0 + (h.weight as f32).sqrt().min(6.0);
            painter.add(Shape::convex_polygon(
                vec![
                    at + egui::vec2(0.0, -r),
                    at + egui::vec2(r, 0.0),
                    at + egui::vec2(0.0, r),
                    at + egui::vec2(-r, 0.0),
                ],
                hot.gamma_multiply(0.8),
                Stroke::new(1.0, Color32::from_black_alpha(160)),
            ));
        }
        // The other routes, thin, named half-way round (they often share a start).
        for other in &p.others {
            let (name, legs) = (&other.name, &other.legs);
            for (leg, _) in legs {
                let pts: Vec<Pos2> = leg.iter().map(|q| screen(projector, *q)).collect();
                painter.add(Shape::line(
                    pts,
                    Stroke::new(2.5, theme.patrol.gamma_multiply(0.55)),
                ));
            }
            if let Some(mid) = legs
                .get(legs.len() / 2)
                .and_then(|l| l.0.get(l.0.len() / 2))
            {
                let at = screen(projector, *mid) + egui::vec2(8.0, -8.0);
                painter.text(
                    at,
                    Align2::LEFT_BOTTOM,
                    name,
                    FontId::proportional(12.0),
                    theme.patrol,
                );
            }
        }
        let Some(route) = p.route() else { return };
        if let Some((snapped, _)) = p.laid_any() {
            for leg in &snapped.legs {
                let pts: Vec<Pos2> = leg.line.iter().map(|q| screen(projector, *q)).collect();
                painter.add(Shape::line(
                    pts.clone(),
                    Stroke::new(7.0, Color32::from_black_alpha(110)),
                ));
                painter.add(Shape::line(pts, Stroke::new(4.0, theme.patrol)));
            }
        }
        let font = FontId::proportional(11.0);
        for (k, w) in route.waypoints.iter().enumerate() {
            let at = screen(projector, w.at);
            if w.dwell_s > 0.0 {
                numbered_stop(painter, at, k, theme.patrol, &font);
            } else {
                painter.circle(
                    at,
                    WAYPOINT_PX * 0.6,
                    Color32::WHITE,
                    Stroke::new(2.5, theme.patrol),
                );
            }
            if p.waypoint == Some(k) {
                painter.circle_stroke(at, WAYPOINT_PX + 4.0, Stroke::new(2.5, theme.selection));
            }
        }
    }
}

/// The selected unit's patrol as assigned: the legs it has done this lap muted, the rest in
/// the patrol colour, the stops numbered and the next one ringed.
fn draw_assigned(ctx: &LayerCtx<'_>) {
    let state = ctx.frame.state;
    let Some(crate::model::Selection::Unit(id)) = &state.selection else {
        return;
    };
    let Some(unit) = state.shown_feed().units.get(id) else {
        return;
    };
    let (Some(p), Some(laid)) = (
        unit.patrol.as_ref(),
        crate::state::patrol::assigned_legs(state, unit),
    ) else {
        return;
    };
    let (painter, projector, theme) = (ctx.painter, ctx.projector, ctx.frame.theme);
    for (k, (line, _)) in laid.legs.iter().enumerate() {
        let pts: Vec<Pos2> = line.iter().map(|q| screen(projector, *q)).collect();
        // Leg k runs from stop k to stop k + 1: done once the unit makes for a later stop.
        let done = p.done() || k + 1 < p.next;
        let colour = if done {
            theme.patrol.gamma_multiply(0.35)
        } else {
            theme.patrol
        };
        painter.add(Shape::line(
            pts.clone(),
            Stroke::new(6.0, Color32::from_black_alpha(if done { 40 } else { 90 })),
        ));
        painter.add(Shape::line(pts, Stroke::new(3.5, colour)));
    }
    let font = FontId::proportional(11.0);
    for (k, stop) in p.plan.stops.iter().enumerate() {
        let at = screen(projector, stop.at.lonlat());
        let fill = if k < p.next {
            theme.patrol.gamma_multiply(0.5)
        } else {
            theme.patrol
        };
        numbered_stop(painter, at, k, fill, &font);
        if k == p.next && !p.done() {
            painter.circle_stroke(at, WAYPOINT_PX + 4.0, Stroke::new(2.5, theme.selection));
        }
    }
}

/// Stop `k` (0-based) drawn as a filled circle with its number.
fn numbered_stop(painter: &egui::Painter, at: Pos2, k: usize, fill: Color32, font: &FontId) {
    painter.circle(at, WAYPOINT_PX, fill, Stroke::new(2.0, Color32::WHITE));
    painter.text(
        at,
        Align2::CENTER_CENTER,
        (k + 1).to_string(),
        font.clone(),
        Color32::WHITE,
    );
}
