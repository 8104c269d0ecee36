//! The dispatch view on the map: the chosen unit's route, the beats that lose coverage if it
//! leaves, and the suggested move-up.

use egui::{Color32, Pos2, Shape, Stroke};

use crate::map::draw::screen;
use crate::map::layer::{Drawn, LayerCtx, MapLayer};

#[derive(Default)]
pub struct RouteLayer;

impl MapLayer for RouteLayer {
    fn draw(&mut self, ctx: &LayerCtx<'_>, _drawn: &mut Drawn) {
        let (painter, projector, theme) = (ctx.painter, ctx.projector, ctx.frame.theme);
        let Some(out) = ctx.frame.state.recommendation() else {
            return;
        };
        let beats = &ctx.frame.state.ops.layers.beats;
        if let Some(Ok(view)) = &out.impact {
            for b in view.impact.beats.iter().take(6) {
                if let Some(beat) = beats.get(b.beat) {
                    for ring in &beat.rings {
                        let pts: Vec<Pos2> = ring.iter().map(|p| screen(projector, *p)).collect();
                        painter.add(Shape::closed_line(pts, Stroke::new(4.0, theme.impact)));
                    }
                }
            }
            if let Some((_, _, from, to)) = &view.move_up {
                let (a, b) = (screen(projector, *from), screen(projector, *to));
                painter.add(Shape::dashed_line(
                    &[a, b],
                    Stroke::new(2.5, theme.status_warn),
                    8.0,
                    5.0,
                ));
                painter.circle_stroke(b, 8.0, Stroke::new(2.5, theme.status_warn));
            }
        }
        if let Some(route) = &out.route {
            let pts: Vec<Pos2> = route.line.iter().map(|p| screen(projector, *p)).collect();
            painter.add(Shape::line(
                pts.clone(),
                Stroke::new(7.0, Color32::from_black_alpha(120)),
            ));
            painter.add(Shape::line(pts, Stroke::new(4.0, theme.route)));
        }
    }
}
