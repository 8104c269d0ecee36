//! The selected unit's breadcrumb trail: where it went in the last half hour (configurable),
//! live and in replay, fading with age, with a dot at each fix.

use egui::{Color32, Pos2, Stroke};

use crate::map::draw::screen;
use crate::map::layer::{Drawn, LayerCtx, MapLayer};

#[derive(Default)]
pub struct TrackLayer;

impl MapLayer for TrackLayer {
    fn draw(&mut self, ctx: &LayerCtx<'_>, _drawn: &mut Drawn) {
        let f = ctx.frame;
        let Some(track) = &f.state.history.track else {
            return;
        };
        let window = f.state.settings.track_ms.max(1);
        let points: Vec<(f32, Pos2)> = track
            .shown(f.at_ms, window)
            .map(|p| {
                let age = (f.at_ms - p.t_ms()) as f32 / window as f32;
                (
                    age.clamp(0.0, 1.0),
                    screen(ctx.projector, p.position().lonlat()),
                )
            })
            .collect();
        let colour = f.theme.track;
        for w in points.windows(2) {
            let alpha = 1.0 - 0.75 * w[1].0;
            ctx.painter.line_segment(
                [w[0].1, w[1].1],
                Stroke::new(3.0, colour.gamma_multiply(alpha)),
            );
        }
        for (age, p) in &points {
            ctx.painter
                .circle_filled(*p, 2.5, colour.gamma_multiply(1.0 - 0.75 * age));
        }
        if let Some((_, first)) = points.first() {
            ctx.painter
                .circle_stroke(*first, 4.5, Stroke::new(1.5, Color32::WHITE));
        }
    }
}
